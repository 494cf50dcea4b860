package roles_test

import (
	"testing"

	"github.com/gatehouse/gatehouse/internal/iam"
	"github.com/gatehouse/gatehouse/internal/iam/iamtest"
	"github.com/gatehouse/gatehouse/internal/iam/roles"
	"github.com/gatehouse/gatehouse/internal/iam/workspace"
	"github.com/gatehouse/gatehouse/internal/testenv"
	"github.com/gatehouse/gatehouse/schema"
)

func TestMain(m *testing.M) { testenv.Main(m) }

// A group that is a member of a workspace passes the workspace on to the
// users in it, for as long as they are in it.
func TestGroupMembershipGrantsTheGroupsWorkspaces(t *testing.T) {
	t.Parallel()
	e := iamtest.New(t)
	ctx, meta := t.Context(), iamtest.Meta
	alice := e.User(t, "alice@example.com", "member")
	aliceID := e.As(t, alice).ID.String()
	ws := e.Workspace(t, e.Root, "research")
	g, err := e.IAM.CreateGroup(ctx, e.As(t, e.Root), meta, roles.GroupInput{Name: "researchers"})
	if err != nil {
		t.Fatalf("create group: %v", err)
	}
	if _, err := e.IAM.AddMember(ctx, e.As(t, e.Root), meta, ws, workspace.MemberInput{GroupID: g.ID.String(), Role: workspace.RoleMember}); err != nil {
		t.Fatalf("add the group to the workspace: %v", err)
	}
	if e.Allowed(t, alice, "workspace", ws, schema.Workspace.View) {
		t.Fatal("alice, in no group, may view the group's workspace")
	}

	if _, err := e.IAM.AddGroupMember(ctx, e.As(t, alice), meta, g.ID.String(), aliceID); iam.KindOf(err) != iam.KindNotFound && iam.KindOf(err) != iam.KindForbidden {
		t.Fatalf("a member adds herself to a group: %v, want refused", err)
	}
	if _, err := e.IAM.AddGroupMember(ctx, e.As(t, e.Root), meta, g.ID.String(), aliceID); err != nil {
		t.Fatalf("add alice to the group: %v", err)
	}
	if !e.Allowed(t, alice, "workspace", ws, schema.Workspace.View) {
		t.Error("alice, in the group, may not view the group's workspace")
	}
	groups, err := e.IAM.UserGroups(ctx, e.As(t, alice), meta, aliceID)
	if err != nil || len(groups) != 1 || groups[0].ID != g.ID {
		t.Errorf("alice's groups: %+v %v", groups, err)
	}

	if _, err := e.IAM.RemoveGroupMember(ctx, e.As(t, e.Root), meta, g.ID.String(), aliceID); err != nil {
		t.Fatalf("remove alice from the group: %v", err)
	}
	if e.Allowed(t, alice, "workspace", ws, schema.Workspace.View) {
		t.Error("alice, out of the group, may still view the group's workspace")
	}
}

// The built-in roles are listed for whoever may view system roles.
func TestBuiltinRolesAreListed(t *testing.T) {
	t.Parallel()
	e := iamtest.New(t)
	rs, err := e.IAM.ListRoles(t.Context(), e.As(t, e.Root), iamtest.Meta)
	if err != nil {
		t.Fatal(err)
	}
	if len(rs) < len(roles.BuiltinRoles()) {
		t.Errorf("%d roles listed, want at least the %d built-in ones", len(rs), len(roles.BuiltinRoles()))
	}
}
