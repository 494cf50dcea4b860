package httpapi_test

import (
	"strings"
	"testing"
)

// Escalation through indirection (security issue 8, item 4): each test is
// one attack, kept as a regression guard. Every rule is a SpiceDB
// permission (user#administer, group#manage_membership, platform#super_admin,
// group#view, role#view_assignments); schema/validation.yaml holds the same
// cases as assertions.

// A tenant admin joins (or edits, or deletes) an account group that holds a
// workspace role, and so reaches the workspace's contents. Changing such a
// group needs manage_members in every workspace where the group holds a
// role, manage_owners where it holds owner (SPEC §1.2).
func TestTenantAdminCannotJoinGroupHoldingWorkspaceOwner(t *testing.T) {
	t.Parallel()
	w := newAdvWorld(t)
	env := w.env
	ownerID, owner := env.User(t, w.root, uniq("own")+"@a.example.com", "member")
	ws := w.workspace(t, owner)
	owners := w.group(t, "owners", ownerID)
	w.addMember(t, owner, ws, "group_id", owners, "owner")
	admins := w.group(t, "wsadmins")
	w.addMember(t, owner, ws, "group_id", admins, "admin")

	advStatus(t, env, 403, "PUT", "/v1/groups/"+owners+"/members/"+w.adminID, w.admin, nil)
	advStatus(t, env, 403, "PUT", "/v1/groups/"+admins+"/members/"+w.adminID, w.admin, nil)
	advStatus(t, env, 403, "PUT", "/v1/groups/"+owners+"/members/"+w.memberID, w.admin, nil)
	advStatus(t, env, 403, "DELETE", "/v1/groups/"+owners+"/members/"+ownerID, w.admin, nil)
	advStatus(t, env, 403, "PATCH", "/v1/groups/"+owners, w.admin, map[string]string{"name": uniq("renamed")})
	advStatus(t, env, 403, "DELETE", "/v1/groups/"+admins, w.admin, nil)
	if w.advAllowed(t, "user", w.adminID, "workspace", ws, "view_resources") {
		t.Fatal("the tenant admin reached the workspace's contents through a group")
	}

	// A workspace admin who also holds manage_users may change the group
	// holding admin there, not the one holding owner.
	wsAdminID, wsAdmin := env.User(t, w.root, uniq("wsa")+"@a.example.com", "admin")
	w.addMember(t, owner, ws, "user_id", wsAdminID, "admin")
	env.Must(t, 200, "PUT", "/v1/groups/"+admins+"/members/"+w.memberID, wsAdmin, nil)
	advStatus(t, env, 403, "PUT", "/v1/groups/"+owners+"/members/"+w.memberID, wsAdmin, nil)
	// An admin who owns the workspace may change both.
	w.addMember(t, owner, ws, "user_id", w.adminID, "owner")
	env.Must(t, 200, "PUT", "/v1/groups/"+owners+"/members/"+w.memberID, w.admin, nil)
	env.Must(t, 200, "DELETE", "/v1/groups/"+owners+"/members/"+w.memberID, w.admin, nil)
	// A group that holds no workspace role stays the tenant admin's.
	plain := w.group(t, "plain")
	env.Must(t, 200, "PUT", "/v1/groups/"+plain+"/members/"+w.memberID, w.admin, nil)
	// Deleting the workspace frees its groups.
	other := w.group(t, "other")
	ws2 := w.workspace(t, owner)
	w.addMember(t, owner, ws2, "group_id", other, "member")
	advStatus(t, env, 403, "PUT", "/v1/groups/"+other+"/members/"+wsAdminID, wsAdmin, nil)
	env.Must(t, 200, "DELETE", "/v1/workspaces/"+ws2, owner, nil)
	env.Must(t, 200, "PUT", "/v1/groups/"+other+"/members/"+wsAdminID, wsAdmin, nil)
}

// A tenant admin re-sends the invitation of a pending user who holds a
// super_admin custom role, and would take the account (SPEC §1.1: not on a
// user who holds a global permission the admin lacks, whatever the status).
func TestAdminCannotReinviteCustomSuperAdmin(t *testing.T) {
	t.Parallel()
	w := newAdvWorld(t)
	env := w.env
	super := w.role(t, "global:super_admin:allow_all")
	pending := env.Must(t, 201, "POST", "/v1/users", w.root, map[string]string{"email": uniq("p") + "@a.example.com", "name": "P", "global_role": "member"}).Str("id")
	env.Must(t, 200, "PUT", "/v1/roles/"+super+"/assignments/user:"+pending, w.root, nil)
	// Through a group, too.
	viaGroup := env.Must(t, 201, "POST", "/v1/users", w.root, map[string]string{"email": uniq("q") + "@a.example.com", "name": "Q", "global_role": "member"}).Str("id")
	holders := w.group(t, "holders", viaGroup)
	env.Must(t, 200, "PUT", "/v1/roles/"+super+"/assignments/group:"+holders, w.root, nil)

	for _, id := range []string{pending, viaGroup} {
		advStatus(t, env, 403, "POST", "/v1/users/"+id+"/invitation", w.admin, nil)
		advStatus(t, env, 403, "DELETE", "/v1/users/"+id+"/invitation", w.admin, nil)
		advStatus(t, env, 403, "PATCH", "/v1/users/"+id, w.admin, map[string]string{"email": uniq("taken") + "@a.example.com"})
		advStatus(t, env, 403, "DELETE", "/v1/users/"+id, w.admin, nil)
	}
	// A pending member stays the admin's to re-invite.
	plain := env.Must(t, 201, "POST", "/v1/users", w.admin, map[string]string{"email": uniq("m") + "@a.example.com", "name": "M", "global_role": "member"}).Str("id")
	env.Must(t, 201, "POST", "/v1/users/"+plain+"/invitation", w.admin, nil)
	// The superadmin may.
	env.Must(t, 201, "POST", "/v1/users/"+pending+"/invitation", w.root, nil)
}

// A tenant admin re-enables a disabled user holding super_admin through a
// custom role (whom they could not have disabled), or acts on a user
// holding any other global permission they lack.
func TestAdminCannotEnableCustomSuperAdmin(t *testing.T) {
	t.Parallel()
	w := newAdvWorld(t)
	env := w.env
	super := w.role(t, "global:super_admin:allow_all")
	directID, _ := env.User(t, w.root, uniq("sd")+"@a.example.com", "member")
	viaID, _ := env.User(t, w.root, uniq("sg")+"@a.example.com", "member")
	env.Must(t, 200, "PUT", "/v1/roles/"+super+"/assignments/user:"+directID, w.root, nil)
	holders := w.group(t, "holders", viaID)
	env.Must(t, 200, "PUT", "/v1/roles/"+super+"/assignments/group:"+holders, w.root, nil)
	for _, id := range []string{directID, viaID} {
		advStatus(t, env, 403, "POST", "/v1/users/"+id+"/disable", w.admin, nil)
		env.Must(t, 200, "POST", "/v1/users/"+id+"/disable", w.root, nil)
		advStatus(t, env, 403, "POST", "/v1/users/"+id+"/enable", w.admin, nil)
		advStatus(t, env, 403, "DELETE", "/v1/users/"+id, w.admin, nil)
		advStatus(t, env, 403, "PUT", "/v1/users/"+id+"/global-role", w.admin, map[string]string{"role": "admin"})
		advStatus(t, env, 403, "PUT", "/v1/groups/"+w.group(t, "g")+"/members/"+id, w.admin, nil)
		if got := env.Must(t, 200, "GET", "/v1/users/"+id, w.admin, nil).Str("status"); got != "disabled" {
			t.Fatalf("status %q, want disabled", got)
		}
	}

	// Any global permission the admin lacks protects its holder: here
	// manage_audit_logs, which admins do not hold.
	audit := w.role(t, "global:manage_audit_logs:allow_all")
	auditorID, _ := env.User(t, w.root, uniq("au")+"@a.example.com", "member")
	env.Must(t, 200, "PUT", "/v1/roles/"+audit+"/assignments/user:"+auditorID, w.root, nil)
	advStatus(t, env, 403, "POST", "/v1/users/"+auditorID+"/disable", w.admin, nil)
	// The admin may not change that user's roles either.
	harmless := w.role(t, "object:*:*:view:allow_all")
	advStatus(t, env, 403, "PUT", "/v1/roles/"+harmless+"/assignments/user:"+auditorID, w.admin, nil)
	env.Must(t, 200, "PUT", "/v1/roles/"+harmless+"/assignments/user:"+w.memberID, w.admin, nil)

	// Plain members stay the admin's.
	env.Must(t, 200, "POST", "/v1/users/"+w.memberID+"/disable", w.admin, nil)
	env.Must(t, 200, "POST", "/v1/users/"+w.memberID+"/enable", w.admin, nil)
	// The superadmin may enable them.
	env.Must(t, 200, "POST", "/v1/users/"+directID+"/enable", w.root, nil)
}

// A super_admin held through a custom role in tenant A reads tenant B's
// roles, assignments, lookups and explain traces, and lists and creates
// tenants. It is tenant-scoped: everything in A, nothing in B; only the
// built-in superadmin spans tenants (SPEC §1.1).
func TestCustomSuperAdminIsTenantScoped(t *testing.T) {
	t.Parallel()
	w := newAdvWorld(t)
	env := w.env
	tenantB, bAdminID, bAdmin := w.otherTenant(t)
	roleB := env.Must(t, 201, "POST", "/v1/roles", bAdmin, map[string]any{"name": uniq("rb"), "permissions": []string{"object:*:*:view:allow_all"}}).Str("id")
	env.Must(t, 200, "PUT", "/v1/roles/"+roleB+"/assignments/user:"+bAdminID, bAdmin, nil)
	groupB := env.Must(t, 201, "POST", "/v1/groups", bAdmin, map[string]string{"name": uniq("gb")}).Str("id")
	wsB := env.Must(t, 201, "POST", "/v1/workspaces", bAdmin, map[string]string{"name": uniq("wsb")}).Str("id")

	super := w.role(t, "global:super_admin:allow_all")
	sID, s := env.User(t, w.root, uniq("cs")+"@a.example.com", "member")
	env.Must(t, 200, "PUT", "/v1/roles/"+super+"/assignments/user:"+sID, w.root, nil)

	// Nothing of tenant B.
	for _, path := range []string{
		"/v1/roles/" + roleB, "/v1/roles/" + roleB + "/assignments", "/v1/groups/" + groupB,
		"/v1/tenants/" + tenantB, "/v1/users/" + bAdminID, "/v1/workspaces/" + wsB,
		"/v1/lookup/subjects?resource=workspace:" + wsB + "&permission=view&subject_type=user",
	} {
		advStatus(t, env, 404, "GET", path, s, nil)
	}
	advStatus(t, env, 404, "PATCH", "/v1/roles/"+roleB, s, map[string]string{"name": uniq("x")})
	advStatus(t, env, 404, "DELETE", "/v1/roles/"+roleB+"/assignments/user:"+bAdminID, s, nil)
	if r := env.Do(t, "POST", "/v1/check", s, map[string]any{"resource": map[string]string{"type": "workspace", "id": wsB}, "permission": "view", "explain": true}); r.Status != 404 || strings.Contains(string(r.Raw), tenantB) {
		t.Errorf("explain on tenant B's workspace: %d %.300s", r.Status, r.Raw)
	}
	// Lookups about a platform superadmin of tenant A list A's objects only.
	r := env.Must(t, 200, "GET", "/v1/lookup/resources?subject=user:"+w.rootID+"&resource_type=workspace&permission=view", s, nil)
	if strings.Contains(string(r.Raw), wsB) {
		t.Errorf("a lookup listed tenant B's workspace: %s", r.Raw)
	}
	// Tenants are the platform's.
	tenants := env.Must(t, 200, "GET", "/v1/tenants", s, nil)
	if items := tenants.Body["items"].([]any); len(items) != 1 || items[0].(map[string]any)["id"] != w.tenant {
		t.Errorf("tenants listed: %s", tenants.Raw)
	}
	advStatus(t, env, 403, "POST", "/v1/tenants", s, map[string]any{"name": uniq("T"), "admin": map[string]string{"email": uniq("t") + "@t.example.com"}})
	// Nor may it mint a platform superadmin.
	advStatus(t, env, 403, "PUT", "/v1/users/"+w.memberID+"/global-role", s, map[string]string{"role": "superadmin"})
	advStatus(t, env, 403, "POST", "/v1/users/"+w.rootID+"/disable", s, nil)

	// Everything in tenant A.
	env.Must(t, 200, "GET", "/v1/roles/"+super+"/assignments", s, nil)
	env.Must(t, 200, "POST", "/v1/users/"+w.adminID+"/disable", s, nil)
	env.Must(t, 200, "POST", "/v1/users/"+w.adminID+"/enable", s, nil)
	env.Must(t, 200, "GET", "/v1/users", s, nil)

	// The built-in superadmin spans tenants.
	env.Must(t, 200, "GET", "/v1/roles/"+roleB+"/assignments", w.root, nil)
	env.Must(t, 200, "GET", "/v1/groups/"+groupB, w.root, nil)
	if items := env.Must(t, 200, "GET", "/v1/tenants", w.root, nil).Body["items"].([]any); len(items) < 2 {
		t.Errorf("the superadmin sees %d tenants", len(items))
	}
}

// A plain member reads every group member's email, role and status through
// GET /v1/groups/{id}, and every custom role's holders, while GET
// /v1/users/{id} answers 404. group#view (manage_users holders and the
// group's own members) and role#view_assignments decide (SPEC §1.2).
func TestMemberCannotReadOtherGroupsMembers(t *testing.T) {
	t.Parallel()
	w := newAdvWorld(t)
	env := w.env
	insiderID, insider := env.User(t, w.root, uniq("in")+"@a.example.com", "member")
	g := w.group(t, "secret", insiderID, w.adminID)
	role := w.role(t, "object:*:*:view:allow_all")
	env.Must(t, 200, "PUT", "/v1/roles/"+role+"/assignments/user:"+insiderID, w.root, nil)

	advStatus(t, env, 404, "GET", "/v1/groups/"+g, w.memberTok, nil)
	if r := env.Must(t, 200, "GET", "/v1/groups", w.memberTok, nil); strings.Contains(string(r.Raw), g) {
		t.Errorf("the group list shows a group the member is not in: %s", r.Raw)
	}
	advStatus(t, env, 403, "GET", "/v1/roles/"+role+"/assignments", w.memberTok, nil)
	// The role itself stays visible (role#view: view_system_roles).
	env.Must(t, 200, "GET", "/v1/roles/"+role, w.memberTok, nil)

	// The group's own members see it; manage_users holders see every group.
	if r := env.Must(t, 200, "GET", "/v1/groups/"+g, insider, nil); !strings.Contains(string(r.Raw), w.adminID) {
		t.Errorf("a member of the group does not see its members: %s", r.Raw)
	}
	if r := env.Must(t, 200, "GET", "/v1/groups", insider, nil); !strings.Contains(string(r.Raw), g) {
		t.Errorf("a member's group list lacks their group: %s", r.Raw)
	}
	env.Must(t, 200, "GET", "/v1/groups/"+g, w.admin, nil)
	env.Must(t, 200, "GET", "/v1/roles/"+role+"/assignments", w.admin, nil)
}
