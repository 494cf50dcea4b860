package workspace_test

import (
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse/internal/iam"
	"github.com/gatehouse/gatehouse/internal/iam/iamtest"
	"github.com/gatehouse/gatehouse/internal/iam/workspace"
	"github.com/gatehouse/gatehouse/internal/testenv"
	"github.com/gatehouse/gatehouse/schema"
)

func TestMain(m *testing.M) { testenv.Main(m) }

// A member added to a workspace may view it and its resources; removed,
// they may not, and the workspace is not found for them.
func TestAddedMemberIsAllowedRemovedMemberIsNot(t *testing.T) {
	t.Parallel()
	e := iamtest.New(t)
	ctx, meta := t.Context(), iamtest.Meta
	alice := e.User(t, "alice@example.com", "member")
	aliceID := e.As(t, alice).ID.String()
	ws := e.Workspace(t, e.Root, "research")

	if e.Allowed(t, alice, "workspace", ws, schema.Workspace.View) {
		t.Fatal("alice may view a workspace she is not a member of")
	}
	if _, err := e.IAM.GetWorkspace(ctx, e.As(t, alice), meta, ws); iam.KindOf(err) != iam.KindNotFound {
		t.Fatalf("alice gets a workspace she is not a member of: %v", err)
	}

	m, err := e.IAM.AddMember(ctx, e.As(t, e.Root), meta, ws, workspace.MemberInput{UserID: aliceID, Role: workspace.RoleMember})
	if err != nil {
		t.Fatalf("add member: %v", err)
	}
	if m.ConsistencyToken == "" || m.Pending {
		t.Errorf("add member: %+v, want a consistency token and nothing pending", m.WriteResult)
	}
	for _, perm := range []string{schema.Workspace.View, schema.Workspace.ViewResources} {
		if !e.Allowed(t, alice, "workspace", ws, perm) {
			t.Errorf("member alice may not %s", perm)
		}
	}
	if e.Allowed(t, alice, "workspace", ws, schema.Workspace.ManageMembers) {
		t.Error("member alice may manage members")
	}
	got, err := e.IAM.GetWorkspace(ctx, e.As(t, alice), meta, ws)
	if err != nil || got.Role != workspace.RoleMember {
		t.Fatalf("alice gets the workspace: %+v %v, want role member", got, err)
	}

	if _, err := e.IAM.RemoveMember(ctx, e.As(t, alice), meta, ws, m.ID.String()); iam.KindOf(err) != iam.KindForbidden {
		t.Fatalf("a member removes herself without manage_members: %v, want forbidden", err)
	}
	if _, err := e.IAM.RemoveMember(ctx, e.As(t, e.Root), meta, ws, m.ID.String()); err != nil {
		t.Fatalf("remove member: %v", err)
	}
	if e.Allowed(t, alice, "workspace", ws, schema.Workspace.View) {
		t.Error("removed alice may still view the workspace")
	}
	if _, err := e.IAM.GetWorkspace(ctx, e.As(t, alice), meta, ws); iam.KindOf(err) != iam.KindNotFound {
		t.Errorf("removed alice gets the workspace: %v", err)
	}
}

// The last owner of a workspace cannot be removed.
func TestLastOwnerStays(t *testing.T) {
	t.Parallel()
	e := iamtest.New(t)
	ctx, meta := t.Context(), iamtest.Meta
	ws := e.Workspace(t, e.Root, "solo")
	members, err := e.IAM.ListMembers(ctx, e.As(t, e.Root), meta, ws)
	if err != nil || len(members) != 1 || members[0].Role != workspace.RoleOwner {
		t.Fatalf("members of a new workspace: %+v %v, want its creator as owner", members, err)
	}
	if _, err := e.IAM.RemoveMember(ctx, e.As(t, e.Root), meta, ws, members[0].ID.String()); iam.KindOf(err) != iam.KindConflict {
		t.Fatalf("remove the last owner: %v, want conflict", err)
	}
}

// A member must be a user of the workspace's tenant who is not deleted
// (else not found), and only once (else already_member); a refused add
// stores nothing.
func TestAddMemberRefusesUnknownDeletedForeignAndRepeatedUsers(t *testing.T) {
	t.Parallel()
	e := iamtest.New(t)
	ctx, meta := t.Context(), iamtest.Meta
	ws := e.Workspace(t, e.Root, "research")
	bob := e.User(t, "bob@example.com", "member")
	bobID := e.As(t, bob).ID.String()
	carol := e.User(t, "carol@example.com", "member")
	carolID := e.As(t, carol).ID.String()
	if _, err := e.IAM.DeleteUser(ctx, e.As(t, e.Root), meta, carolID); err != nil {
		t.Fatalf("delete carol: %v", err)
	}
	other, err := e.IAM.CreateTenant(ctx, e.As(t, e.Root), meta, iam.TenantInput{Name: "other", Admin: struct {
		Email string
		Name  string
	}{Email: "dave@other.example"}})
	if err != nil {
		t.Fatalf("create tenant: %v", err)
	}
	add := func(userID string) error {
		_, err := e.IAM.AddMember(ctx, e.As(t, e.Root), meta, ws, workspace.MemberInput{UserID: userID, Role: workspace.RoleMember})
		return err
	}
	for name, id := range map[string]string{
		"unknown": "0193a3c4-0000-7000-8000-000000000000", "deleted": carolID, "another tenant's": other.Admin.ID.String(),
	} {
		if err := add(id); iam.KindOf(err) != iam.KindNotFound {
			t.Errorf("add the %s user: %v, want not found", name, err)
		}
	}
	if err := add(bobID); err != nil {
		t.Fatalf("add bob: %v", err)
	}
	err = add(bobID)
	if iam.KindOf(err) != iam.KindConflict || !strings.Contains(err.Error(), "already a member") {
		t.Errorf("add bob again: %v, want already_member", err)
	}
	members, err := e.IAM.ListMembers(ctx, e.As(t, e.Root), meta, ws)
	if err != nil {
		t.Fatal(err)
	}
	if len(members) != 2 { // the owner and bob
		t.Errorf("members: %+v, want the owner and bob", members)
	}
}
