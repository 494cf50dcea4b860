package httpapi_test

import (
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse/internal/testenv"
)

// Adversarial tests: each one is an attack on the authorization rules of
// SPEC §1–§4, kept as a regression guard.

// advWorld is tenant A with its superadmin (root), an admin and a member.
type advWorld struct {
	env                 *testenv.Env
	root, tenant        string
	rootID              string
	adminID, admin      string
	memberID, memberTok string
}

func newAdvWorld(t *testing.T) *advWorld {
	t.Helper()
	env := testenv.New(t)
	w := &advWorld{env: env, root: env.RootToken(t)}
	me := env.Must(t, 200, "GET", "/v1/me", w.root, nil)
	w.tenant, w.rootID = me.Str("tenant_id"), me.Str("id")
	w.adminID, w.admin = env.User(t, w.root, uniq("adm")+"@a.example.com", "admin")
	w.memberID, w.memberTok = env.User(t, w.root, uniq("mem")+"@a.example.com", "member")
	return w
}

// otherTenant creates tenant B and returns its id, its admin's id and token.
func (w *advWorld) otherTenant(t *testing.T) (tenant, adminID, admin string) {
	t.Helper()
	email := uniq("b-admin") + "@b.example.com"
	r := w.env.Must(t, 201, "POST", "/v1/tenants", w.root, map[string]any{"name": uniq("Tenant B"), "admin": map[string]string{"email": email}})
	a := r.Body["admin"].(map[string]any)
	w.env.Must(t, 200, "POST", "/v1/invitations/accept", "", map[string]string{"token": a["invitation_token"].(string), "password": "password-" + email})
	return r.Str("id"), a["id"].(string), w.env.Login(t, email, "password-"+email)
}

// advIsSuper asks, as root, whether a user holds super_admin on a tenant.
func (w *advWorld) advIsSuper(t *testing.T, userID string) bool {
	t.Helper()
	return w.advAllowed(t, "user", userID, "tenant", w.tenant, "super_admin")
}

// advAllowed asks, as root, whether a subject may do permission on a resource.
func (w *advWorld) advAllowed(t *testing.T, subjectType, subjectID, typ, id, permission string) bool {
	t.Helper()
	r := w.env.Must(t, 200, "POST", "/v1/check", w.root, map[string]any{
		"subject":  map[string]string{"type": subjectType, "id": subjectID},
		"resource": map[string]string{"type": typ, "id": id}, "permission": permission,
		"consistency": map[string]bool{"fully_consistent": true},
	})
	return r.Body["allowed"] == true
}

func (w *advWorld) workspace(t *testing.T, owner string) string {
	t.Helper()
	return w.env.Must(t, 201, "POST", "/v1/workspaces", owner, map[string]string{"name": uniq("ws")}).Str("id")
}

func (w *advWorld) addMember(t *testing.T, token, ws, field, id, role string) string {
	t.Helper()
	return w.env.Must(t, 201, "POST", "/v1/workspaces/"+ws+"/members", token, map[string]string{field: id, "role": role}).Str("id")
}

func (w *advWorld) group(t *testing.T, name string, members ...string) string {
	t.Helper()
	g := w.env.Must(t, 201, "POST", "/v1/groups", w.root, map[string]string{"name": uniq(name)}).Str("id")
	for _, m := range members {
		w.env.Must(t, 200, "PUT", "/v1/groups/"+g+"/members/"+m, w.root, nil)
	}
	return g
}

func (w *advWorld) role(t *testing.T, perms ...string) string {
	t.Helper()
	return w.env.Must(t, 201, "POST", "/v1/roles", w.root, map[string]any{"name": uniq("role"), "permissions": perms}).Str("id")
}

func advStatus(t *testing.T, env *testenv.Env, want int, method, path, token string, body any) {
	t.Helper()
	if r := env.Do(t, method, path, token, body); r.Status != want {
		t.Errorf("%s %s: status %d, want %d: %s", method, path, r.Status, want, r.Raw)
	}
}

// An admin tries every way of minting super_admin (or another global
// permission they lack) through custom roles, role assignments and groups.
func TestAdversarialAdminCannotGainSuperAdminThroughRolesOrGroups(t *testing.T) {
	t.Parallel()
	w := newAdvWorld(t)
	env := w.env

	// Minting a role with a global permission the admin lacks.
	advStatus(t, env, 403, "POST", "/v1/roles", w.admin, map[string]any{"name": uniq("r"), "permissions": []string{"global:super_admin:allow_all"}})
	advStatus(t, env, 403, "POST", "/v1/roles", w.admin, map[string]any{"name": uniq("r"), "permissions": []string{"global:manage_audit_logs:allow_all"}})
	own := env.Must(t, 201, "POST", "/v1/roles", w.admin, map[string]any{"name": uniq("r"), "permissions": []string{"global:manage_users:allow_all"}}).Str("id")
	advStatus(t, env, 403, "POST", "/v1/roles/"+own+"/permissions", w.admin, map[string]string{"permission": "global:super_admin:allow_default"})
	advStatus(t, env, 403, "PATCH", "/v1/roles/"+own, w.admin, map[string]any{"permissions": []string{"global:super_admin:allow_other"}})
	advStatus(t, env, 403, "PUT", "/v1/roles/builtin:superadmin/assignments/user:"+w.adminID, w.admin, nil)

	// A superadmin role made by root: the admin may not take it, directly
	// or through a group they manage.
	super := w.role(t, "global:super_admin:allow_all")
	advStatus(t, env, 403, "PUT", "/v1/roles/"+super+"/assignments/user:"+w.adminID, w.admin, nil)
	mine := env.Must(t, 201, "POST", "/v1/groups", w.admin, map[string]string{"name": uniq("mine")}).Str("id")
	env.Must(t, 200, "PUT", "/v1/groups/"+mine+"/members/"+w.adminID, w.admin, nil)
	advStatus(t, env, 403, "PUT", "/v1/roles/"+super+"/assignments/group:"+mine, w.admin, nil)

	// The group root gave the superadmin role to: joining it is taking it.
	holders := w.group(t, "holders")
	env.Must(t, 200, "PUT", "/v1/roles/"+super+"/assignments/group:"+holders, w.root, nil)
	advStatus(t, env, 403, "PUT", "/v1/groups/"+holders+"/members/"+w.adminID, w.admin, nil)
	advStatus(t, env, 403, "PUT", "/v1/groups/"+holders+"/members/"+w.memberID, w.admin, nil)
	// Nor may it be renamed (SSO joins groups by name).
	advStatus(t, env, 403, "PATCH", "/v1/groups/"+holders, w.admin, map[string]string{"name": uniq("renamed")})

	// The built-in paths.
	advStatus(t, env, 403, "PUT", "/v1/users/"+w.adminID+"/global-role", w.admin, map[string]string{"role": "superadmin"})
	advStatus(t, env, 403, "PUT", "/v1/users/"+w.memberID+"/global-role", w.admin, map[string]string{"role": "superadmin"})
	advStatus(t, env, 403, "POST", "/v1/users", w.admin, map[string]string{"email": uniq("s") + "@a.example.com", "name": "S", "global_role": "superadmin"})

	for name, id := range map[string]string{"admin": w.adminID, "member": w.memberID} {
		if w.advIsSuper(t, id) {
			t.Errorf("the %s became super_admin", name)
		}
	}
	// The root may still do it all.
	env.Must(t, 200, "PUT", "/v1/groups/"+holders+"/members/"+w.memberID, w.root, nil)
	if !w.advIsSuper(t, w.memberID) {
		t.Error("root could not hand out the superadmin role through a group")
	}
}

// A member holding delegated manage_users and manage_permissions cannot
// raise anyone above member, nor grant globals they lack.
func TestAdversarialDelegatedMemberCannotRaiseRoles(t *testing.T) {
	t.Parallel()
	w := newAdvWorld(t)
	env := w.env
	r := w.role(t, "global:manage_users:allow_all", "global:manage_permissions:allow_all")
	env.Must(t, 200, "PUT", "/v1/roles/"+r+"/assignments/user:"+w.memberID, w.root, nil)
	victimID, _ := env.User(t, w.root, uniq("v")+"@a.example.com", "member")

	advStatus(t, env, 403, "POST", "/v1/users", w.memberTok, map[string]string{"email": uniq("x") + "@a.example.com", "name": "X", "global_role": "admin"})
	advStatus(t, env, 403, "PUT", "/v1/users/"+victimID+"/global-role", w.memberTok, map[string]string{"role": "admin"})
	advStatus(t, env, 403, "PUT", "/v1/users/"+w.memberID+"/global-role", w.memberTok, map[string]string{"role": "admin"})
	advStatus(t, env, 403, "PUT", "/v1/users/"+w.rootID+"/global-role", w.memberTok, map[string]string{"role": "member"})
	advStatus(t, env, 403, "POST", "/v1/users/"+w.rootID+"/disable", w.memberTok, nil)
	advStatus(t, env, 403, "POST", "/v1/roles", w.memberTok, map[string]any{"name": uniq("r"), "permissions": []string{"global:manage_tenant:allow_all"}})
	// What they hold they may hand on.
	env.Must(t, 201, "POST", "/v1/roles", w.memberTok, map[string]any{"name": uniq("r"), "permissions": []string{"global:manage_users:allow_all"}})

	// Nor may they administer an admin: re-sending an invited admin's
	// invitation hands them the admin's account; editing the email points
	// SSO at it; disabling, deleting or demoting is changing a user above
	// their role.
	invited := env.Must(t, 201, "POST", "/v1/users", w.root, map[string]string{"email": uniq("ia") + "@a.example.com", "name": "IA", "global_role": "admin"}).Str("id")
	advStatus(t, env, 403, "POST", "/v1/users/"+invited+"/invitation", w.memberTok, nil)
	advStatus(t, env, 403, "DELETE", "/v1/users/"+invited+"/invitation", w.memberTok, nil)
	advStatus(t, env, 403, "PATCH", "/v1/users/"+w.adminID, w.memberTok, map[string]string{"email": uniq("mine") + "@a.example.com"})
	advStatus(t, env, 403, "POST", "/v1/users/"+w.adminID+"/disable", w.memberTok, nil)
	advStatus(t, env, 403, "PUT", "/v1/users/"+w.adminID+"/global-role", w.memberTok, map[string]string{"role": "member"})
	advStatus(t, env, 403, "DELETE", "/v1/users/"+w.adminID, w.memberTok, nil)
	if !w.advAllowed(t, "user", w.adminID, "tenant", w.tenant, "manage_users") {
		t.Fatal("the admin was changed by a member")
	}
	// Members they may administer.
	env.Must(t, 200, "POST", "/v1/users/"+victimID+"/disable", w.memberTok, nil)
	env.Must(t, 200, "POST", "/v1/users/"+victimID+"/enable", w.memberTok, nil)
}

// An admin tries to take super_admin away from superadmins: a deny
// assigned to them, or the roles and groups that make them superadmin
// edited, unassigned or deleted. Only a superadmin grants or removes it.
func TestAdversarialAdminCannotStripSuperAdmin(t *testing.T) {
	t.Parallel()
	w := newAdvWorld(t)
	env := w.env

	// A deny of super_admin aimed at the built-in superadmin.
	advStatus(t, env, 403, "POST", "/v1/roles", w.admin, map[string]any{"name": uniq("r"), "permissions": []string{"global:super_admin:deny"}})
	own := env.Must(t, 201, "POST", "/v1/roles", w.admin, map[string]any{"name": uniq("r"), "permissions": []string{"global:view_tenant:allow_all"}}).Str("id")
	advStatus(t, env, 403, "POST", "/v1/roles/"+own+"/permissions", w.admin, map[string]string{"permission": "global:super_admin:deny"})
	advStatus(t, env, 403, "PATCH", "/v1/roles/"+own, w.admin, map[string]any{"permissions": []string{"global:super_admin:deny"}})
	deny := w.role(t, "global:super_admin:deny")
	advStatus(t, env, 403, "PUT", "/v1/roles/"+deny+"/assignments/user:"+w.rootID, w.admin, nil)
	rootGroup := env.Must(t, 201, "POST", "/v1/groups", w.admin, map[string]string{"name": uniq("g")}).Str("id")
	// Changing a superadmin's groups is administering them (SPEC §1.1).
	advStatus(t, env, 403, "PUT", "/v1/groups/"+rootGroup+"/members/"+w.rootID, w.admin, nil)
	env.Must(t, 200, "PUT", "/v1/groups/"+rootGroup+"/members/"+w.rootID, w.root, nil)
	advStatus(t, env, 403, "PUT", "/v1/roles/"+deny+"/assignments/group:"+rootGroup, w.admin, nil)
	denied := w.group(t, "denied")
	env.Must(t, 200, "PUT", "/v1/roles/"+deny+"/assignments/group:"+denied, w.root, nil)
	advStatus(t, env, 403, "PUT", "/v1/groups/"+denied+"/members/"+w.rootID, w.admin, nil)
	if !w.advIsSuper(t, w.rootID) {
		t.Fatal("an admin took super_admin away from the built-in superadmin")
	}

	// Superadmins by custom role: one directly, one through a group.
	super := w.role(t, "global:super_admin:allow_all")
	directID, _ := env.User(t, w.root, uniq("sd")+"@a.example.com", "member")
	viaID, _ := env.User(t, w.root, uniq("sg")+"@a.example.com", "member")
	env.Must(t, 200, "PUT", "/v1/roles/"+super+"/assignments/user:"+directID, w.root, nil)
	holders := w.group(t, "holders", viaID)
	env.Must(t, 200, "PUT", "/v1/roles/"+super+"/assignments/group:"+holders, w.root, nil)

	advStatus(t, env, 403, "DELETE", "/v1/roles/"+super+"/assignments/user:"+directID, w.admin, nil)
	advStatus(t, env, 403, "DELETE", "/v1/roles/"+super+"/assignments/group:"+holders, w.admin, nil)
	advStatus(t, env, 403, "DELETE", "/v1/roles/"+super+"/permissions/global:super_admin:allow_all", w.admin, nil)
	advStatus(t, env, 403, "PATCH", "/v1/roles/"+super, w.admin, map[string]any{"permissions": []string{}})
	advStatus(t, env, 403, "POST", "/v1/roles/"+super+"/permissions", w.admin, map[string]string{"permission": "global:super_admin:deny"})
	advStatus(t, env, 403, "DELETE", "/v1/roles/"+super, w.admin, nil)
	advStatus(t, env, 403, "DELETE", "/v1/groups/"+holders+"/members/"+viaID, w.admin, nil)
	advStatus(t, env, 403, "DELETE", "/v1/groups/"+holders, w.admin, nil)
	// A superadmin by custom role is a superadmin: not the admin's to
	// disable, delete, edit or re-role.
	for _, id := range []string{directID, viaID} {
		advStatus(t, env, 403, "POST", "/v1/users/"+id+"/disable", w.admin, nil)
		advStatus(t, env, 403, "DELETE", "/v1/users/"+id, w.admin, nil)
		advStatus(t, env, 403, "PATCH", "/v1/users/"+id, w.admin, map[string]string{"email": uniq("mine") + "@a.example.com"})
		advStatus(t, env, 403, "PUT", "/v1/users/"+id+"/global-role", w.admin, map[string]string{"role": "member"})
	}
	for name, id := range map[string]string{"direct": directID, "through a group": viaID} {
		if !w.advIsSuper(t, id) {
			t.Errorf("an admin took super_admin away from the superadmin %s", name)
		}
	}

	// The built-in paths.
	advStatus(t, env, 403, "PUT", "/v1/users/"+w.rootID+"/global-role", w.admin, map[string]string{"role": "member"})
	advStatus(t, env, 403, "POST", "/v1/users/"+w.rootID+"/disable", w.admin, nil)
	advStatus(t, env, 403, "DELETE", "/v1/users/"+w.rootID, w.admin, nil)
	advStatus(t, env, 403, "PATCH", "/v1/users/"+w.rootID, w.admin, map[string]string{"email": "mine@a.example.com"})
	advStatus(t, env, 403, "POST", "/v1/users/"+w.rootID+"/invitation", w.admin, nil)

	// Root may: the rules bind admins, not superadmins.
	env.Must(t, 200, "DELETE", "/v1/roles/"+super+"/assignments/user:"+directID, w.root, nil)
	env.Must(t, 200, "DELETE", "/v1/groups/"+holders+"/members/"+viaID, w.root, nil)
	if w.advIsSuper(t, directID) || w.advIsSuper(t, viaID) {
		t.Error("root could not take the superadmin role back")
	}
}

// The last active superadmin cannot be demoted, disabled or deleted, even
// when another superadmin exists but is disabled or only invited.
func TestAdversarialLastActiveSuperadminIsKept(t *testing.T) {
	t.Parallel()
	w := newAdvWorld(t)
	env := w.env
	disabledID, _ := env.User(t, w.root, uniq("s2")+"@a.example.com", "superadmin")
	env.Must(t, 200, "POST", "/v1/users/"+disabledID+"/disable", w.root, nil)
	env.Must(t, 201, "POST", "/v1/users", w.root, map[string]string{"email": uniq("s3") + "@a.example.com", "name": "S3", "global_role": "superadmin"})
	for _, c := range [][3]string{{"PUT", "/global-role", `{"role":"admin"}`}, {"POST", "/disable", ""}, {"DELETE", "", ""}} {
		var body any
		if c[2] != "" {
			body = c[2]
		}
		if r := env.Do(t, c[0], "/v1/users/"+w.rootID+c[1], w.root, body); r.Status != 409 {
			t.Errorf("%s %s on the last active superadmin: %d %s", c[0], c[1], r.Status, r.Raw)
		}
	}
	if !w.advIsSuper(t, w.rootID) {
		t.Fatal("the last superadmin lost super_admin")
	}
}

// Workspace admins (and admin API keys) cannot touch owners; the last
// owner stays.
func TestAdversarialWorkspaceAdminCannotTouchOwners(t *testing.T) {
	t.Parallel()
	w := newAdvWorld(t)
	env := w.env
	ownerID, owner := env.User(t, w.root, uniq("o")+"@a.example.com", "member")
	wsAdminID, wsAdmin := env.User(t, w.root, uniq("wa")+"@a.example.com", "member")
	ws := w.workspace(t, owner)
	w.addMember(t, owner, ws, "user_id", wsAdminID, "admin")
	key := env.Must(t, 201, "POST", "/v1/workspaces/"+ws+"/api-keys", wsAdmin, map[string]string{"name": "k", "role": "admin"}).Str("key")
	var ownerMember string
	for _, m := range env.Must(t, 200, "GET", "/v1/workspaces/"+ws+"/members", owner, nil).Body["items"].([]any) {
		if mm := m.(map[string]any); mm["user_id"] == ownerID {
			ownerMember = mm["id"].(string)
		}
	}
	g := w.group(t, "g", wsAdminID)
	for _, tok := range []string{wsAdmin, key} {
		advStatus(t, env, 403, "PATCH", "/v1/workspaces/"+ws+"/members/"+ownerMember, tok, map[string]string{"role": "member"})
		advStatus(t, env, 403, "DELETE", "/v1/workspaces/"+ws+"/members/"+ownerMember, tok, nil)
		advStatus(t, env, 403, "POST", "/v1/workspaces/"+ws+"/members", tok, map[string]string{"user_id": w.memberID, "role": "owner"})
		advStatus(t, env, 403, "POST", "/v1/workspaces/"+ws+"/members", tok, map[string]string{"group_id": g, "role": "owner"})
		advStatus(t, env, 403, "POST", "/v1/workspaces/"+ws+"/transfer-ownership", tok, map[string]string{"user_id": w.memberID})
		advStatus(t, env, 403, "DELETE", "/v1/workspaces/"+ws, tok, nil)
	}
	// The admin's own membership cannot be promoted by the admin.
	adminMember := ""
	for _, m := range env.Must(t, 200, "GET", "/v1/workspaces/"+ws+"/members", owner, nil).Body["items"].([]any) {
		if mm := m.(map[string]any); mm["user_id"] == wsAdminID {
			adminMember = mm["id"].(string)
		}
	}
	advStatus(t, env, 403, "PATCH", "/v1/workspaces/"+ws+"/members/"+adminMember, wsAdmin, map[string]string{"role": "owner"})
	// The last owner stays, whoever asks.
	advStatus(t, env, 409, "PATCH", "/v1/workspaces/"+ws+"/members/"+ownerMember, owner, map[string]string{"role": "admin"})
	advStatus(t, env, 409, "DELETE", "/v1/workspaces/"+ws+"/members/"+ownerMember, w.root, nil)
	if !w.advAllowed(t, "user", ownerID, "workspace", ws, "manage_owners") || w.advAllowed(t, "user", wsAdminID, "workspace", ws, "manage_owners") {
		t.Fatal("ownership changed")
	}
	// A transfer to someone of another tenant, or not active, is refused.
	_, bAdminID, _ := w.otherTenant(t)
	advStatus(t, env, 404, "POST", "/v1/workspaces/"+ws+"/transfer-ownership", owner, map[string]string{"user_id": bAdminID})
	invited := env.Must(t, 201, "POST", "/v1/users", w.root, map[string]string{"email": uniq("i") + "@a.example.com", "name": "I", "global_role": "member"}).Str("id")
	advStatus(t, env, 404, "POST", "/v1/workspaces/"+ws+"/transfer-ownership", owner, map[string]string{"user_id": invited})
}

// The last-owner rule seen through groups: an owner group without active
// members owns nothing, so deleting the last real owner (directly or as
// the only member of the owning group) or the last owning group with
// members is refused.
func TestAdversarialLastOwnerRuleThroughGroups(t *testing.T) {
	t.Parallel()
	w := newAdvWorld(t)
	env := w.env

	t.Run("sole user owner beside an empty owner group", func(t *testing.T) {
		aID, a := env.User(t, w.root, uniq("a")+"@a.example.com", "member")
		ws := w.workspace(t, a)
		empty := w.group(t, "empty")
		w.addMember(t, a, ws, "group_id", empty, "owner")
		if r := env.Do(t, "DELETE", "/v1/users/"+aID, w.root, nil); r.Status != 409 || r.Str("code") != "last_owner" {
			t.Fatalf("deleting the only real owner: %d %s", r.Status, r.Raw)
		}
	})
	t.Run("only member of the owning group", func(t *testing.T) {
		aID, a := env.User(t, w.root, uniq("a")+"@a.example.com", "member")
		bID, _ := env.User(t, w.root, uniq("b")+"@a.example.com", "member")
		ws := w.workspace(t, a)
		owners := w.group(t, "owners", bID)
		w.addMember(t, a, ws, "group_id", owners, "owner")
		env.Must(t, 200, "DELETE", "/v1/users/"+aID, w.root, nil) // the group still has b
		if r := env.Do(t, "DELETE", "/v1/users/"+bID, w.root, nil); r.Status != 409 || r.Str("code") != "last_owner" {
			t.Fatalf("deleting the last member of the only owner group: %d %s", r.Status, r.Raw)
		}
		if r := env.Do(t, "DELETE", "/v1/groups/"+owners, w.root, nil); r.Status != 409 || r.Str("code") != "last_owner" {
			t.Fatalf("deleting the only owner group: %d %s", r.Status, r.Raw)
		}
	})
	t.Run("owning group beside an empty owner group", func(t *testing.T) {
		_, a := env.User(t, w.root, uniq("a")+"@a.example.com", "member")
		bID, _ := env.User(t, w.root, uniq("b")+"@a.example.com", "member")
		ws := w.workspace(t, a)
		owners := w.group(t, "owners", bID)
		empty := w.group(t, "empty")
		w.addMember(t, a, ws, "group_id", owners, "owner")
		w.addMember(t, a, ws, "group_id", empty, "owner")
		var mine string
		for _, m := range env.Must(t, 200, "GET", "/v1/workspaces/"+ws+"/members", a, nil).Body["items"].([]any) {
			if mm := m.(map[string]any); mm["user_id"] != nil && mm["role"] == "owner" {
				mine = mm["id"].(string)
			}
		}
		env.Must(t, 200, "DELETE", "/v1/workspaces/"+ws+"/members/"+mine, a, nil) // the owners group has b
		if r := env.Do(t, "DELETE", "/v1/groups/"+owners, w.root, nil); r.Status != 409 || r.Str("code") != "last_owner" {
			t.Fatalf("deleting the last owner group with members: %d %s", r.Status, r.Raw)
		}
	})
	t.Run("co-owner present: deletion allowed", func(t *testing.T) {
		aID, a := env.User(t, w.root, uniq("a")+"@a.example.com", "member")
		bID, _ := env.User(t, w.root, uniq("b")+"@a.example.com", "member")
		ws := w.workspace(t, a)
		owners := w.group(t, "owners", aID, bID)
		w.addMember(t, a, ws, "group_id", owners, "owner")
		env.Must(t, 200, "DELETE", "/v1/users/"+aID, w.root, nil)
	})
}

// API keys: a member cannot mint an admin key, a key cannot mint keys, a
// key acts only in its workspace and at most at its creator's role, and
// never on tenant administration.
func TestAdversarialAPIKeyStaysWithinItsRole(t *testing.T) {
	t.Parallel()
	w := newAdvWorld(t)
	env := w.env
	ownerID, owner := env.User(t, w.root, uniq("o")+"@a.example.com", "member")
	wsAdminID, wsAdmin := env.User(t, w.root, uniq("wa")+"@a.example.com", "member")
	ws := w.workspace(t, owner)
	other := w.workspace(t, owner)
	adminMember := w.addMember(t, owner, ws, "user_id", wsAdminID, "admin")
	w.addMember(t, owner, ws, "user_id", w.memberID, "member")

	advStatus(t, env, 403, "POST", "/v1/workspaces/"+ws+"/api-keys", w.memberTok, map[string]string{"name": "k", "role": "admin"})
	advStatus(t, env, 422, "POST", "/v1/workspaces/"+ws+"/api-keys", owner, map[string]string{"name": "k", "role": "owner"})
	memberKey := env.Must(t, 201, "POST", "/v1/workspaces/"+ws+"/api-keys", w.memberTok, map[string]string{"name": "k", "role": "member"}).Str("key")
	adminKey := env.Must(t, 201, "POST", "/v1/workspaces/"+ws+"/api-keys", wsAdmin, map[string]string{"name": "k", "role": "admin"}).Str("key")
	// A tenant admin with no membership is no workspace admin.
	advStatus(t, env, 403, "POST", "/v1/workspaces/"+ws+"/api-keys", w.admin, map[string]string{"name": "k", "role": "member"})

	for name, key := range map[string]string{"member key": memberKey, "admin key": adminKey} {
		advStatus(t, env, 403, "POST", "/v1/workspaces/"+ws+"/api-keys", key, map[string]string{"name": "k2", "role": "member"})
		advStatus(t, env, 404, "GET", "/v1/workspaces/"+other, key, nil)
		advStatus(t, env, 404, "POST", "/v1/workspaces/"+other+"/deployments", key, map[string]string{"name": "d"})
		advStatus(t, env, 403, "POST", "/v1/workspaces", key, map[string]string{"name": "by key"})
		advStatus(t, env, 403, "GET", "/v1/users", key, nil)
		advStatus(t, env, 403, "POST", "/v1/users", key, map[string]string{"email": uniq("k") + "@a.example.com", "name": "K", "global_role": "member"})
		advStatus(t, env, 403, "POST", "/v1/roles", key, map[string]any{"name": uniq("r"), "permissions": []string{}})
		advStatus(t, env, 403, "POST", "/v1/groups", key, map[string]string{"name": uniq("g")})
		advStatus(t, env, 403, "POST", "/v1/service-credentials", key, map[string]string{"name": "s"})
		advStatus(t, env, 403, "GET", "/v1/audit-logs", key, nil)
		advStatus(t, env, 404, "GET", "/v1/users/"+ownerID, key, nil)
		if r := env.Do(t, "POST", "/v1/check", key, map[string]any{"subject": map[string]string{"type": "user", "id": ownerID},
			"resource": map[string]string{"type": "workspace", "id": ws}, "permission": "delete"}); r.Status != 403 {
			t.Errorf("%s checks about another subject: %d %s", name, r.Status, r.Raw)
		}
	}
	advStatus(t, env, 403, "POST", "/v1/workspaces/"+ws+"/deployments", memberKey, map[string]string{"name": "d"})
	env.Must(t, 201, "POST", "/v1/workspaces/"+ws+"/deployments", adminKey, map[string]string{"name": "d"})

	// The creator falls to member: the admin key is capped at once.
	env.Must(t, 200, "PATCH", "/v1/workspaces/"+ws+"/members/"+adminMember, owner, map[string]string{"role": "member"})
	advStatus(t, env, 403, "POST", "/v1/workspaces/"+ws+"/deployments", adminKey, map[string]string{"name": "d2"})
	advStatus(t, env, 403, "POST", "/v1/workspaces/"+ws+"/members", adminKey, map[string]string{"user_id": w.adminID, "role": "member"})
	// The creator leaves: the key has nothing left.
	env.Must(t, 200, "DELETE", "/v1/workspaces/"+ws+"/members/"+adminMember, owner, nil)
	advStatus(t, env, 404, "GET", "/v1/workspaces/"+ws, adminKey, nil)
	// The creator comes back only through a group: the key follows the
	// group's role, and stops when the group drops them.
	g := w.group(t, "g", wsAdminID)
	w.addMember(t, owner, ws, "group_id", g, "member")
	env.Must(t, 200, "GET", "/v1/workspaces/"+ws, adminKey, nil)
	advStatus(t, env, 403, "POST", "/v1/workspaces/"+ws+"/deployments", adminKey, map[string]string{"name": "d3"})
	env.Must(t, 200, "DELETE", "/v1/groups/"+g+"/members/"+wsAdminID, w.root, nil)
	advStatus(t, env, 404, "GET", "/v1/workspaces/"+ws, adminKey, nil)
}

// Ids of one workspace's members, deployments, keys and models used under
// another workspace's path (where the caller is owner) are 404, and change
// nothing.
func TestAdversarialPathIDsOfAnotherWorkspace(t *testing.T) {
	t.Parallel()
	w := newAdvWorld(t)
	env := w.env
	_, victim := env.User(t, w.root, uniq("v")+"@a.example.com", "member")
	_, attacker := env.User(t, w.root, uniq("x")+"@a.example.com", "member")
	a := w.workspace(t, victim)
	b := w.workspace(t, attacker)
	member := w.addMember(t, victim, a, "user_id", w.memberID, "admin")
	model := env.Must(t, 201, "POST", "/v1/models", w.root, map[string]string{"name": uniq("m")}).Str("id")
	env.Must(t, 201, "POST", "/v1/workspaces/"+a+"/models", victim, map[string]string{"model_id": model})
	dep := env.Must(t, 201, "POST", "/v1/workspaces/"+a+"/deployments", victim, map[string]string{"name": "d"}).Str("id")
	key := env.Must(t, 201, "POST", "/v1/workspaces/"+a+"/api-keys", victim, map[string]string{"name": "k", "role": "admin"})

	advStatus(t, env, 404, "PATCH", "/v1/workspaces/"+b+"/members/"+member, attacker, map[string]string{"role": "member"})
	advStatus(t, env, 404, "DELETE", "/v1/workspaces/"+b+"/members/"+member, attacker, nil)
	advStatus(t, env, 404, "GET", "/v1/workspaces/"+b+"/deployments/"+dep, attacker, nil)
	advStatus(t, env, 404, "PATCH", "/v1/workspaces/"+b+"/deployments/"+dep, attacker, map[string]string{"name": "mine"})
	advStatus(t, env, 404, "DELETE", "/v1/workspaces/"+b+"/deployments/"+dep, attacker, nil)
	advStatus(t, env, 404, "DELETE", "/v1/workspaces/"+b+"/api-keys/"+key.Str("id"), attacker, nil)
	advStatus(t, env, 404, "DELETE", "/v1/workspaces/"+b+"/models/"+model, attacker, nil)
	// A deployment in b pointing at a model whitelisted only in a.
	advStatus(t, env, 422, "POST", "/v1/workspaces/"+b+"/deployments", attacker, map[string]string{"name": "d", "model_id": model})
	// And a's own paths are invisible to the attacker.
	advStatus(t, env, 404, "GET", "/v1/workspaces/"+a+"/deployments/"+dep, attacker, nil)
	advStatus(t, env, 404, "DELETE", "/v1/workspaces/"+a+"/api-keys/"+key.Str("id"), attacker, nil)

	env.Must(t, 200, "GET", "/v1/workspaces/"+a+"/deployments/"+dep, victim, nil)
	env.Must(t, 200, "GET", "/v1/workspaces/"+a, key.Str("key"), nil)
	if !w.advAllowed(t, "user", w.memberID, "workspace", a, "manage_members") {
		t.Fatal("a's member changed through b's path")
	}
}

// An admin of another tenant sees none of tenant A's objects: 404, never
// 403, and nothing changes.
func TestAdversarialOtherTenantObjectsAre404(t *testing.T) {
	t.Parallel()
	w := newAdvWorld(t)
	env := w.env
	_, _, bAdmin := w.otherTenant(t)
	_, owner := env.User(t, w.root, uniq("o")+"@a.example.com", "member")
	ws := w.workspace(t, owner)
	member := w.addMember(t, owner, ws, "user_id", w.memberID, "member")
	dep := env.Must(t, 201, "POST", "/v1/workspaces/"+ws+"/deployments", owner, map[string]string{"name": "d"}).Str("id")
	key := env.Must(t, 201, "POST", "/v1/workspaces/"+ws+"/api-keys", owner, map[string]string{"name": "k", "role": "admin"}).Str("id")
	group := w.group(t, "g", w.memberID)
	role := w.role(t, "object:*:*:view:allow_all")
	model := env.Must(t, 201, "POST", "/v1/models", w.root, map[string]string{"name": uniq("m")}).Str("id")
	svc := env.Must(t, 201, "POST", "/v1/service-credentials", w.admin, map[string]string{"name": "s"}).Str("id")
	bWS := w.workspace(t, bAdmin)
	bGroup := env.Must(t, 201, "POST", "/v1/groups", bAdmin, map[string]string{"name": "bg"}).Str("id")
	bRole := env.Must(t, 201, "POST", "/v1/roles", bAdmin, map[string]any{"name": "br", "permissions": []string{"object:*:*:view:allow_all"}}).Str("id")

	calls := []struct {
		method, path string
		body         any
	}{
		{"GET", "/v1/tenants/" + w.tenant, nil},
		{"PATCH", "/v1/tenants/" + w.tenant, map[string]string{"name": "pwned"}},
		{"GET", "/v1/users?tenant_id=" + w.tenant, nil},
		{"POST", "/v1/users", map[string]string{"email": uniq("p") + "@a.example.com", "name": "P", "global_role": "admin", "tenant_id": w.tenant}},
		{"GET", "/v1/users/" + w.memberID, nil},
		{"PATCH", "/v1/users/" + w.memberID, map[string]string{"email": "pwned@b.example.com"}},
		{"POST", "/v1/users/" + w.memberID + "/disable", nil},
		{"POST", "/v1/users/" + w.memberID + "/enable", nil},
		{"PUT", "/v1/users/" + w.memberID + "/global-role", map[string]string{"role": "member"}},
		{"DELETE", "/v1/users/" + w.memberID, nil},
		{"POST", "/v1/users/" + w.memberID + "/invitation", nil},
		{"GET", "/v1/users/" + w.memberID + "/groups", nil},
		{"GET", "/v1/groups/" + group, nil},
		{"PATCH", "/v1/groups/" + group, map[string]string{"name": "pwned"}},
		{"DELETE", "/v1/groups/" + group, nil},
		{"DELETE", "/v1/groups/" + group + "/members/" + w.memberID, nil},
		{"GET", "/v1/roles/" + role, nil},
		{"PATCH", "/v1/roles/" + role, map[string]any{"permissions": []string{}}},
		{"DELETE", "/v1/roles/" + role, nil},
		{"GET", "/v1/roles/" + role + "/assignments", nil},
		{"PUT", "/v1/roles/" + role + "/assignments/user:" + w.memberID, nil},
		{"DELETE", "/v1/models/" + model, nil},
		{"DELETE", "/v1/service-credentials/" + svc, nil},
		{"GET", "/v1/audit-logs?tenant_id=" + w.tenant, nil},
		{"GET", "/v1/audit-logs?workspace_id=" + ws + "&tenant_id=" + w.tenant, nil},
		{"GET", "/v1/workspaces/" + ws, nil},
		{"PATCH", "/v1/workspaces/" + ws, map[string]string{"name": "pwned"}},
		{"DELETE", "/v1/workspaces/" + ws, nil},
		{"GET", "/v1/workspaces/" + ws + "/members", nil},
		{"POST", "/v1/workspaces/" + ws + "/members", map[string]string{"user_id": w.memberID, "role": "owner"}},
		{"PATCH", "/v1/workspaces/" + ws + "/members/" + member, map[string]string{"role": "owner"}},
		{"POST", "/v1/workspaces/" + ws + "/transfer-ownership", map[string]string{"user_id": w.memberID}},
		{"GET", "/v1/workspaces/" + ws + "/deployments/" + dep, nil},
		{"DELETE", "/v1/workspaces/" + ws + "/api-keys/" + key, nil},
		{"POST", "/v1/workspaces/" + ws + "/models", map[string]string{"model_id": model}},
		{"GET", "/v1/lookup/subjects?resource=workspace:" + ws + "&permission=view&subject_type=user", nil},
		// Tenant A's objects pulled into tenant B.
		{"POST", "/v1/workspaces/" + bWS + "/members", map[string]string{"user_id": w.memberID, "role": "member"}},
		{"POST", "/v1/workspaces/" + bWS + "/members", map[string]string{"group_id": group, "role": "member"}},
		{"POST", "/v1/workspaces/" + bWS + "/transfer-ownership", map[string]string{"user_id": w.memberID}},
		{"POST", "/v1/workspaces/" + bWS + "/models", map[string]string{"model_id": model}},
		{"PUT", "/v1/groups/" + bGroup + "/members/" + w.memberID, nil},
		{"PUT", "/v1/roles/" + bRole + "/assignments/user:" + w.memberID, nil},
		{"PUT", "/v1/roles/" + bRole + "/assignments/group:" + group, nil},
	}
	for _, c := range calls {
		advStatus(t, env, 404, c.method, c.path, bAdmin, c.body)
	}
	if r := env.Must(t, 200, "GET", "/v1/tenants", bAdmin, nil); len(r.Body["items"].([]any)) != 1 || strings.Contains(string(r.Raw), w.tenant) {
		t.Errorf("tenant list leaks: %s", r.Raw)
	}
	if r := env.Must(t, 200, "GET", "/v1/workspaces", bAdmin, nil); strings.Contains(string(r.Raw), ws) {
		t.Errorf("workspace list leaks: %s", r.Raw)
	}
	if r := env.Must(t, 200, "GET", "/v1/users", bAdmin, nil); strings.Contains(string(r.Raw), w.memberID) {
		t.Errorf("user list leaks: %s", r.Raw)
	}
	if r := env.Must(t, 200, "GET", "/v1/audit-logs", bAdmin, nil); strings.Contains(string(r.Raw), ws) || strings.Contains(string(r.Raw), w.memberID) {
		t.Errorf("audit log leaks: %s", r.Raw)
	}
	if r := env.Must(t, 200, "GET", "/v1/models", bAdmin, nil); strings.Contains(string(r.Raw), model) {
		t.Errorf("model catalog leaks: %s", r.Raw)
	}
	// Nothing changed in tenant A.
	if !w.advAllowed(t, "user", w.memberID, "workspace", ws, "view") || w.advAllowed(t, "user", w.memberID, "workspace", ws, "manage_owners") {
		t.Fatal("tenant A's membership changed")
	}
	env.Must(t, 200, "GET", "/v1/workspaces/"+ws+"/deployments/"+dep, owner, nil)
}

// A service credential answers about its own tenant only: another
// tenant's subjects and resources are 404 in checks and lookups.
func TestAdversarialServiceCredentialStaysInItsTenant(t *testing.T) {
	t.Parallel()
	w := newAdvWorld(t)
	env := w.env
	tenantB, _, bAdmin := w.otherTenant(t)
	svc := env.Must(t, 201, "POST", "/v1/service-credentials", bAdmin, map[string]string{"name": "b-svc"}).Str("key")
	_, owner := env.User(t, w.root, uniq("o")+"@a.example.com", "member")
	ws := w.workspace(t, owner)
	w.addMember(t, owner, ws, "user_id", w.memberID, "member")
	dep := env.Must(t, 201, "POST", "/v1/workspaces/"+ws+"/deployments", owner, map[string]string{"name": "d"}).Str("id")
	model := env.Must(t, 201, "POST", "/v1/models", w.root, map[string]string{"name": uniq("m")}).Str("id")
	key := env.Must(t, 201, "POST", "/v1/workspaces/"+ws+"/api-keys", owner, map[string]string{"name": "k", "role": "member"}).Str("id")
	group := w.group(t, "g", w.memberID)

	advStatus(t, env, 404, "POST", "/v1/check", svc, map[string]any{"subject": map[string]string{"type": "user", "id": w.memberID},
		"resource": map[string]string{"type": "workspace", "id": ws}, "permission": "view"})
	advStatus(t, env, 404, "POST", "/v1/check", svc, map[string]any{"subject": map[string]string{"type": "group", "id": group},
		"resource": map[string]string{"type": "workspace", "id": ws}, "permission": "view"})
	advStatus(t, env, 404, "GET", "/v1/lookup/resources?subject=user:"+w.memberID+"&resource_type=workspace&permission=view", svc, nil)
	for _, res := range []string{"workspace:" + ws, "deployment:" + dep, "model:" + model, "apikey:" + key} {
		advStatus(t, env, 404, "GET", "/v1/lookup/subjects?resource="+res+"&permission=view&subject_type=user", svc, nil)
	}
	advStatus(t, env, 404, "GET", "/v1/lookup/subjects?resource=tenant:"+w.tenant+"&permission=manage_users&subject_type=user", svc, nil)
	// Its own tenant answers.
	r := env.Must(t, 200, "GET", "/v1/lookup/subjects?resource=tenant:"+tenantB+"&permission=manage_users&subject_type=user", svc, nil)
	if len(r.Body["items"].([]any)) == 0 {
		t.Fatalf("own tenant lookup: %s", r.Raw)
	}
	// A service of the superadmin's own tenant, asking about the
	// superadmin, does not enumerate the other tenants' objects.
	svcA := env.Must(t, 201, "POST", "/v1/service-credentials", w.admin, map[string]string{"name": "a-svc"}).Str("key")
	bWS := w.workspace(t, bAdmin)
	for typ, id := range map[string]string{"workspace": bWS, "deployment": dep} {
		r := env.Must(t, 200, "GET", "/v1/lookup/resources?subject=user:"+w.rootID+"&resource_type="+typ+"&permission=view&consistency=fully_consistent", svcA, nil)
		if strings.Contains(string(r.Raw), id) != (typ == "deployment") {
			t.Errorf("tenant A's service looking up the superadmin's %ss: %s", typ, r.Raw)
		}
	}
	if r := env.Must(t, 200, "GET", "/v1/lookup/resources?subject=user:"+w.rootID+"&resource_type=workspace&permission=view&consistency=fully_consistent", w.root, nil); !strings.Contains(string(r.Raw), bWS) {
		t.Errorf("the superadmin's own lookup misses tenant B: %s", r.Raw)
	}
	// A member of tenant A asking about its own tenant gets a clean answer.
	if r := env.Do(t, "GET", "/v1/lookup/subjects?resource=tenant:"+w.tenant+"&permission=manage_users&subject_type=user", w.memberTok, nil); r.Status >= 500 {
		t.Errorf("member lookup subjects on the tenant: %d %s", r.Status, r.Raw)
	}
}

// Secrets never come back after creation: password hashes, session and
// invitation tokens, API key and service secrets.
func TestAdversarialSecretsAreNeverEchoed(t *testing.T) {
	t.Parallel()
	w := newAdvWorld(t)
	env := w.env
	_, owner := env.User(t, w.root, uniq("o")+"@a.example.com", "member")
	ws := w.workspace(t, owner)
	key := env.Must(t, 201, "POST", "/v1/workspaces/"+ws+"/api-keys", owner, map[string]string{"name": "k", "role": "admin"}).Str("key")
	svc := env.Must(t, 201, "POST", "/v1/service-credentials", w.admin, map[string]string{"name": "s"}).Str("key")
	inv := env.Must(t, 201, "POST", "/v1/users", w.admin, map[string]string{"email": uniq("i") + "@a.example.com", "name": "I", "global_role": "member"})
	invToken, invID := inv.Str("invitation_token"), inv.Str("id")
	resent := env.Must(t, 201, "POST", "/v1/users/"+invID+"/invitation", w.admin, nil).Str("invitation_token")
	group := w.group(t, "g", w.memberID)
	secrets := []string{key, key[len(key)-20:], svc, svc[len(svc)-20:], invToken, resent, w.memberTok, w.admin, w.root, "$argon2", "password"}
	for _, path := range []string{
		"/v1/me", "/v1/users", "/v1/users/" + w.memberID, "/v1/users/" + invID, "/v1/groups/" + group,
		"/v1/workspaces/" + ws + "/api-keys", "/v1/workspaces/" + ws + "/members", "/v1/service-credentials",
		"/v1/audit-logs?limit=1000", "/v1/tenants",
	} {
		r := env.Must(t, 200, "GET", path, w.root, nil)
		for _, s := range secrets {
			if strings.Contains(string(r.Raw), s) {
				t.Errorf("GET %s answers a secret (%.12s...)", path, s)
			}
		}
	}
	login := env.Must(t, 200, "POST", "/v1/auth/login", "", map[string]string{"email": "root@example.com", "password": "root-password-123"})
	if strings.Contains(string(login.Raw), "$argon2") || strings.Contains(string(login.Raw), "password") {
		t.Errorf("login answers the hash: %s", login.Raw)
	}
	// The owner listing keys sees no secret either.
	if r := env.Must(t, 200, "GET", "/v1/workspaces/"+ws+"/api-keys", owner, nil); strings.Contains(string(r.Raw), key[len(key)-20:]) {
		t.Error("the key secret is listed")
	}
}

// Invited, disabled and deleted users hold nothing; disabled and deleted
// users' sessions and keys stop at once.
func TestAdversarialInactiveUsersHoldNothing(t *testing.T) {
	t.Parallel()
	w := newAdvWorld(t)
	env := w.env
	_, owner := env.User(t, w.root, uniq("o")+"@a.example.com", "member")
	ws := w.workspace(t, owner)

	// Invited: added as owner before accepting, still holds nothing.
	invEmail := uniq("i") + "@a.example.com"
	inv := env.Must(t, 201, "POST", "/v1/users", w.root, map[string]string{"email": invEmail, "name": "I", "global_role": "admin"})
	w.addMember(t, owner, ws, "user_id", inv.Str("id"), "owner")
	for _, p := range [][2]string{{"workspace", "view"}, {"workspace", "delete"}, {"tenant", "manage_users"}} {
		id := ws
		if p[0] == "tenant" {
			id = w.tenant
		}
		if w.advAllowed(t, "user", inv.Str("id"), p[0], id, p[1]) {
			t.Errorf("an invited user may %s on %s", p[1], p[0])
		}
	}
	advStatus(t, env, 401, "POST", "/v1/auth/login", "", map[string]string{"email": invEmail, "password": ""})

	// Disabled: sessions, keys and checks end at once, and an admin cannot
	// enable a deleted user back.
	uID, u := env.User(t, w.root, uniq("u")+"@a.example.com", "member")
	w.addMember(t, owner, ws, "user_id", uID, "admin")
	key := env.Must(t, 201, "POST", "/v1/workspaces/"+ws+"/api-keys", u, map[string]string{"name": "k", "role": "admin"})
	env.Must(t, 200, "POST", "/v1/users/"+uID+"/disable", w.admin, nil)
	advStatus(t, env, 401, "GET", "/v1/me", u, nil)
	advStatus(t, env, 401, "GET", "/v1/workspaces/"+ws, key.Str("key"), nil)
	if w.advAllowed(t, "user", uID, "workspace", ws, "view") || w.advAllowed(t, "apikey", key.Str("id"), "workspace", ws, "view") {
		t.Error("a disabled user or their key is allowed")
	}
	env.Must(t, 200, "POST", "/v1/users/"+uID+"/enable", w.admin, nil)
	advStatus(t, env, 401, "GET", "/v1/me", u, nil) // the old session stays ended
	if !w.advAllowed(t, "user", uID, "workspace", ws, "manage_members") {
		t.Error("memberships did not come back on enable")
	}
	env.Must(t, 200, "DELETE", "/v1/users/"+uID, w.admin, nil)
	advStatus(t, env, 401, "GET", "/v1/workspaces/"+ws, key.Str("key"), nil)
	advStatus(t, env, 404, "POST", "/v1/users/"+uID+"/enable", w.admin, nil)
	advStatus(t, env, 404, "POST", "/v1/workspaces/"+ws+"/members", owner, map[string]string{"user_id": uID, "role": "member"})
	advStatus(t, env, 404, "PUT", "/v1/groups/"+w.group(t, "g")+"/members/"+uID, w.admin, nil)
	if w.advAllowed(t, "user", uID, "workspace", ws, "view") || w.advAllowed(t, "apikey", key.Str("id"), "workspace", ws, "view") {
		t.Error("a deleted user or their key is allowed")
	}
}

// SSO cannot be used to get around a disabled account, to take over an
// account whose email the provider does not vouch for, or to inherit a
// deleted user's memberships by reusing the email.
func TestAdversarialSSOCannotReviveOrTakeOver(t *testing.T) {
	t.Parallel()
	cfg := testenv.Config(t)
	cfg.OIDCRoleClaim = "gatehouse_role"
	env := testenv.StartOIDC(t, cfg)
	root := env.RootToken(t)
	rootID := env.Must(t, 200, "GET", "/v1/me", root, nil).Str("id")
	sso := func(name, email string, verified bool, claims map[string]any) testenv.Response {
		env.Provider.SetUser(testenv.OIDCUser{Subject: "sub-" + name, Username: name, Password: "pw-" + name, Email: email, EmailVerified: verified, Name: name, Claims: claims})
		return env.Browser(t).SSOLogin(name, "pw-"+name)
	}

	// The superadmin's email, unverified, with a superadmin role claim.
	if r := sso("mallory", "root@example.com", false, map[string]any{"gatehouse_role": "superadmin"}); r.Status != 409 || r.Str("token") != "" {
		t.Fatalf("unverified email of the superadmin: %d %s", r.Status, r.Raw)
	}
	// A disabled password user: their verified email does not let them in.
	disabledID, _ := env.User(t, root, "dora@example.com", "member")
	env.Must(t, 200, "POST", "/v1/users/"+disabledID+"/disable", root, nil)
	if r := sso("dora", "dora@example.com", true, nil); r.Status != 401 || r.Str("token") != "" {
		t.Fatalf("disabled user through SSO: %d %s", r.Status, r.Raw)
	}
	// A deleted user's email comes back as a new user with nothing.
	_, owner := env.User(t, root, "olga@example.com", "member")
	ws := env.Must(t, 201, "POST", "/v1/workspaces", owner, map[string]string{"name": "w"}).Str("id")
	delID, _ := env.User(t, root, "dave@example.com", "admin")
	env.Must(t, 201, "POST", "/v1/workspaces/"+ws+"/members", owner, map[string]string{"user_id": delID, "role": "admin"})
	env.Must(t, 200, "DELETE", "/v1/users/"+delID, root, nil)
	r := sso("dave", "dave@example.com", true, nil)
	if r.Status != 200 {
		t.Fatalf("reused email: %d %s", r.Status, r.Raw)
	}
	u := r.Body["user"].(map[string]any)
	if u["id"] == delID || u["global_role"] != "member" {
		t.Fatalf("the deleted user came back: %s", r.Raw)
	}
	advStatus(t, env.Env, 404, "GET", "/v1/workspaces/"+ws, r.Str("token"), nil)
	// Nothing here changed the superadmin.
	tenant := env.Must(t, 200, "GET", "/v1/me", root, nil).Str("tenant_id")
	if rr := env.Must(t, 200, "POST", "/v1/check", root, map[string]any{"resource": map[string]string{"type": "tenant", "id": tenant}, "permission": "super_admin",
		"subject": map[string]string{"type": "user", "id": rootID}}); rr.Body["allowed"] != true {
		t.Fatal("root lost super_admin")
	}
}

// The check API's explanation (SpiceDB's trace) names the resource's
// tenant and relations: for another tenant's object it answers 404, as for
// an unknown one, and the plain check says only "deny".
func TestAdversarialExplainDoesNotRevealOtherTenants(t *testing.T) {
	t.Parallel()
	w := newAdvWorld(t)
	env := w.env
	_, _, bAdmin := w.otherTenant(t)
	_, owner := env.User(t, w.root, uniq("o")+"@a.example.com", "member")
	ws := w.workspace(t, owner)
	bWS := w.workspace(t, bAdmin)
	explain := func(token, id string) testenv.Response {
		return env.Do(t, "POST", "/v1/check", token, map[string]any{"resource": map[string]string{"type": "workspace", "id": id}, "permission": "view", "explain": true})
	}
	if r := explain(bAdmin, ws); r.Status != 404 || strings.Contains(string(r.Raw), w.tenant) {
		t.Errorf("explain on another tenant's workspace: %d %.300s", r.Status, r.Raw)
	}
	if r := explain(bAdmin, "01a20c83-da96-7a73-a570-36dcf38c23f5"); r.Status != 404 {
		t.Errorf("explain on an unknown workspace: %d %.300s", r.Status, r.Raw)
	}
	if r := env.Must(t, 200, "POST", "/v1/check", bAdmin, map[string]any{"resource": map[string]string{"type": "workspace", "id": ws}, "permission": "view"}); r.Body["allowed"] != false || strings.Contains(string(r.Raw), w.tenant) {
		t.Errorf("plain check on another tenant's workspace: %s", r.Raw)
	}
	if r := explain(bAdmin, bWS); r.Status != 200 || r.Body["explanation"] == nil {
		t.Errorf("explain on one's own workspace: %d %.300s", r.Status, r.Raw)
	}
	if r := explain(w.root, ws); r.Status != 200 || r.Body["explanation"] == nil {
		t.Errorf("superadmin explain: %d %.300s", r.Status, r.Raw)
	}
}
