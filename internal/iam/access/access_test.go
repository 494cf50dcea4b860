package access_test

import (
	"testing"

	"github.com/gatehouse/gatehouse/internal/iam"
	"github.com/gatehouse/gatehouse/internal/iam/access"
	"github.com/gatehouse/gatehouse/internal/iam/iamtest"
	"github.com/gatehouse/gatehouse/internal/iam/workspace"
	"github.com/gatehouse/gatehouse/internal/testenv"
	"github.com/gatehouse/gatehouse/schema"
)

func TestMain(m *testing.M) { testenv.Main(m) }

// A caller checks itself; checking someone else needs check_subjects on
// their tenant (the superadmin has it, a member does not); a bulk check
// answers each item as the single check does, in order.
func TestChecksAboutOthersNeedCheckSubjects(t *testing.T) {
	t.Parallel()
	e := iamtest.New(t)
	ctx, meta := t.Context(), iamtest.Meta
	alice := e.User(t, "alice@example.com", "member")
	bob := e.User(t, "bob@example.com", "member")
	aliceID, bobID := e.As(t, alice).ID.String(), e.As(t, bob).ID.String()
	ws := e.Workspace(t, e.Root, "research")
	if _, err := e.IAM.AddMember(ctx, e.As(t, e.Root), meta, ws, workspace.MemberInput{UserID: aliceID, Role: workspace.RoleAdmin}); err != nil {
		t.Fatal(err)
	}

	about := func(subject, permission string) access.CheckInput {
		return access.CheckInput{Subject: &access.Ref{Type: "user", ID: subject},
			Resource: access.Ref{Type: "workspace", ID: ws}, Permission: permission}
	}
	for _, tc := range []struct {
		subject, permission string
		allowed             bool
	}{
		{aliceID, schema.Workspace.ManageMembers, true},
		{aliceID, schema.Workspace.ManageOwners, false},
		{bobID, schema.Workspace.View, false},
	} {
		out, err := e.IAM.Check(ctx, e.As(t, e.Root), meta, about(tc.subject, tc.permission))
		if err != nil {
			t.Fatalf("root checks %s: %v", tc.permission, err)
		}
		if out.Allowed != tc.allowed || out.CheckedAt == "" {
			t.Errorf("%s may %s: %+v, want allowed=%v and a checked_at", tc.subject, tc.permission, out, tc.allowed)
		}
	}

	if _, err := e.IAM.Check(ctx, e.As(t, alice), meta, about(bobID, schema.Workspace.View)); iam.KindOf(err) != iam.KindForbidden {
		t.Errorf("a member checks another user: %v, want forbidden", err)
	}
	if _, err := e.IAM.Check(ctx, e.As(t, alice), meta, about(aliceID, schema.Workspace.View)); err != nil {
		t.Errorf("a member checks herself by subject: %v", err)
	}

	bulk, err := e.IAM.CheckBulk(ctx, e.As(t, e.Root), meta, access.BulkInput{Items: []access.CheckInput{
		about(bobID, schema.Workspace.View), about(aliceID, schema.Workspace.Update), about(aliceID, schema.Workspace.Delete),
	}})
	if err != nil {
		t.Fatal(err)
	}
	want := []bool{false, true, false}
	if len(bulk.Results) != len(want) {
		t.Fatalf("bulk: %d results, want %d", len(bulk.Results), len(want))
	}
	for i, r := range bulk.Results {
		if r.Error != nil || r.Allowed != want[i] {
			t.Errorf("bulk item %d: %+v, want allowed=%v", i, r, want[i])
		}
	}
}

// A check of a permission the resource type does not have is refused,
// not answered "deny".
func TestCheckOfUnknownPermissionIsInvalid(t *testing.T) {
	t.Parallel()
	e := iamtest.New(t)
	ws := e.Workspace(t, e.Root, "research")
	_, err := e.IAM.Check(t.Context(), e.As(t, e.Root), iamtest.Meta, access.CheckInput{Resource: access.Ref{Type: "workspace", ID: ws}, Permission: "fly"})
	if iam.KindOf(err) != iam.KindInvalid {
		t.Fatalf("check of an unknown permission: %v, want invalid", err)
	}
}
