package httpapi_test

import (
	"context"
	"testing"

	"github.com/gatehouse/gatehouse/internal/testenv"
)

var testKinds = []string{"Builtin:Tag", "Infra:Device", "Core:Repository", "Core:Account", "Location:Generic", "Device:Generic", "Dcim:GenericDevice"}

type permWorld struct {
	env  *testenv.Env
	root string
}

func newPermWorld(t *testing.T) *permWorld {
	env := testenv.New(t)
	w := &permWorld{env: env, root: env.RootToken(t)}
	for _, k := range testKinds {
		ns, name, _ := cut(k)
		env.Must(t, 201, "POST", "/v1/kinds", w.root, map[string]string{"namespace": ns, "name": name})
	}
	return w
}

func cut(k string) (string, string, bool) {
	for i := range k {
		if k[i] == ':' {
			return k[:i], k[i+1:], true
		}
	}
	return k, "", false
}

// holder makes a user holding one role per permission set and returns
// their id and token.
func (w *permWorld) holder(t *testing.T, sets ...[]string) (string, string) {
	id, tok := w.env.User(t, w.root, uniq("holder")+"@example.com", "member")
	for _, perms := range sets {
		role := w.env.Must(t, 201, "POST", "/v1/roles", w.root, map[string]any{"name": uniq("role"), "permissions": perms}).Str("id")
		w.env.Must(t, 200, "PUT", "/v1/roles/"+role+"/assignments/user:"+id, w.root, nil)
	}
	return id, tok
}

func (w *permWorld) kind(t *testing.T, token, kind, action, branch string) (bool, string) {
	t.Helper()
	body := map[string]any{"resource": map[string]string{"type": "kind", "id": kind}, "permission": action}
	if branch != "" {
		body["branch"] = branch
	}
	r := w.env.Must(t, 200, "POST", "/v1/check", token, body)
	return r.Body["allowed"] == true, r.Str("decision")
}

func (w *permWorld) expect(t *testing.T, token, kind, action, branch string, allowed bool, decision string) {
	t.Helper()
	got, dec := w.kind(t, token, kind, action, branch)
	if got != allowed || (decision != "" && dec != decision) {
		t.Errorf("%s %s on branch %q: allowed=%v decision=%s, want allowed=%v decision=%s", action, kind, branch, got, dec, allowed, decision)
	}
}

func (w *permWorld) global(t *testing.T, token, action string) bool {
	t.Helper()
	tenant := w.env.Must(t, 200, "GET", "/v1/me", token, nil).Str("tenant_id")
	r := w.env.Must(t, 200, "POST", "/v1/check", token, map[string]any{"resource": map[string]string{"type": "tenant", "id": tenant}, "permission": action})
	return r.Body["allowed"] == true
}

// The cases of the permissions issue, decided by SpiceDB through the API.
func TestInfrahubPermissionCases(t *testing.T) {
	t.Parallel()
	w := newPermWorld(t)

	t.Run("create allow_other alone: other branches only", func(t *testing.T) {
		_, tok := w.holder(t, []string{"object:*:*:create:allow_other"})
		w.expect(t, tok, "Builtin:Tag", "create", "feat", true, "allow")
		w.expect(t, tok, "Builtin:Tag", "create", "main", false, "allow_other")
		w.expect(t, tok, "Builtin:Tag", "create", "", false, "allow_other")
	})
	t.Run("view allow_all: every kind on every branch", func(t *testing.T) {
		_, tok := w.holder(t, []string{"object:*:*:view:allow_all"})
		for _, k := range testKinds {
			w.expect(t, tok, k, "view", "main", true, "allow")
			w.expect(t, tok, k, "view", "feat", true, "allow")
		}
		w.expect(t, tok, "Builtin:Tag", "update", "", false, "deny")
	})
	t.Run("a specific deny beats a broad allow", func(t *testing.T) {
		_, tok := w.holder(t, []string{"object:*:*:any:allow_all"}, []string{"object:Builtin:Tag:update:deny"})
		w.expect(t, tok, "Builtin:Tag", "update", "", false, "deny")
		w.expect(t, tok, "Infra:Device", "update", "", true, "allow")
		w.expect(t, tok, "Builtin:Tag", "view", "", true, "allow")
	})
	t.Run("a more specific allow beats a broader deny", func(t *testing.T) {
		_, tok := w.holder(t, []string{"object:*:*:any:deny", "object:Builtin:Tag:any:allow_all"})
		w.expect(t, tok, "Builtin:Tag", "create", "", true, "allow")
		w.expect(t, tok, "Core:Account", "view", "", false, "deny")
	})
	t.Run("name wildcard matches the name only", func(t *testing.T) {
		_, tok := w.holder(t, []string{"object:*:Generic:view:allow_all"})
		w.expect(t, tok, "Location:Generic", "view", "", true, "allow")
		w.expect(t, tok, "Device:Generic", "view", "", true, "allow")
		w.expect(t, tok, "Dcim:GenericDevice", "view", "", false, "deny")
	})
	t.Run("allow_default then allow_other", func(t *testing.T) {
		id, tok := w.holder(t, []string{"object:*:*:any:allow_default"})
		// SPEC §2.3: "allow" exactly when allowed on the branch asked.
		w.expect(t, tok, "Builtin:Tag", "create", "main", true, "allow")
		w.expect(t, tok, "Builtin:Tag", "create", "feat", false, "allow_default")
		w.expect(t, tok, "Builtin:Tag", "create", "-global-", true, "allow")
		role := w.env.Must(t, 201, "POST", "/v1/roles", w.root, map[string]any{"name": uniq("other"), "permissions": []string{"object:*:*:any:allow_other"}}).Str("id")
		w.env.Must(t, 200, "PUT", "/v1/roles/"+role+"/assignments/user:"+id, w.root, nil)
		w.expect(t, tok, "Builtin:Tag", "create", "main", true, "allow")
		w.expect(t, tok, "Builtin:Tag", "create", "feat", true, "allow")
	})
	t.Run("equal specificity: allow beats deny", func(t *testing.T) {
		_, tok := w.holder(t, []string{"object:*:*:any:deny", "object:*:*:view:allow_all"})
		w.expect(t, tok, "Infra:Device", "view", "", true, "allow")
		w.expect(t, tok, "Infra:Device", "delete", "", false, "deny")
	})
	t.Run("holding nothing: denied", func(t *testing.T) {
		_, tok := w.holder(t)
		w.expect(t, tok, "Builtin:Tag", "view", "", false, "deny")
		if w.global(t, tok, "manage_schema") {
			t.Error("nothing held, manage_schema allowed")
		}
	})
	t.Run("super_admin alone: everything", func(t *testing.T) {
		_, tok := w.holder(t, []string{"global:super_admin:allow_all"})
		for _, a := range []string{"view", "create", "update", "delete"} {
			w.expect(t, tok, "Core:Account", a, "feat", true, "allow")
		}
		for _, g := range []string{"manage_schema", "merge_branch", "manage_users", "manage_audit_logs"} {
			if !w.global(t, tok, g) {
				t.Errorf("super_admin: %s denied", g)
			}
		}
	})
	t.Run("global allow, then a global deny", func(t *testing.T) {
		id, tok := w.holder(t, []string{"global:edit_default_branch:allow_all"})
		if !w.global(t, tok, "edit_default_branch") || w.global(t, tok, "manage_schema") {
			t.Error("edit_default_branch alone")
		}
		role := w.env.Must(t, 201, "POST", "/v1/roles", w.root, map[string]any{"name": uniq("deny"), "permissions": []string{"global:edit_default_branch:deny"}}).Str("id")
		w.env.Must(t, 200, "PUT", "/v1/roles/"+role+"/assignments/user:"+id, w.root, nil)
		if w.global(t, tok, "edit_default_branch") {
			t.Error("a held deny did not refuse")
		}
	})
	t.Run("bulk: two denies, then swapped", func(t *testing.T) {
		_, tok := w.holder(t, []string{"object:*:*:any:allow_all", "object:Builtin:Tag:any:deny", "object:Core:Repository:any:deny"})
		_, swapped := w.holder(t, []string{"object:*:*:any:deny", "object:Builtin:Tag:any:allow_all", "object:Core:Repository:any:allow_all"})
		for tk, want := range map[string]bool{tok: false, swapped: true} {
			r := w.env.Must(t, 200, "POST", "/v1/check/bulk", tk, map[string]any{"items": []any{
				map[string]any{"resource": map[string]string{"type": "kind", "id": "Builtin:Tag"}, "permission": "create"},
				map[string]any{"resource": map[string]string{"type": "kind", "id": "Core:Repository"}, "permission": "create"},
				map[string]any{"resource": map[string]string{"type": "kind", "id": "Infra:Device"}, "permission": "create", "branch": "feat"},
			}})
			res := r.Body["results"].([]any)
			for i := 0; i < 2; i++ {
				if res[i].(map[string]any)["allowed"] != want {
					t.Errorf("bulk item %d: %v, want %v (%s)", i, res[i], want, r.Raw)
				}
			}
			if res[2].(map[string]any)["allowed"] != !want {
				t.Errorf("bulk item 2 (Infra:Device): %v", res[2])
			}
		}
	})
	t.Run("held twice changes nothing; removing a role from a group takes effect", func(t *testing.T) {
		id, tok := w.holder(t)
		perms := []string{"object:Infra:Device:any:allow_all"}
		r1 := w.env.Must(t, 201, "POST", "/v1/roles", w.root, map[string]any{"name": uniq("twice"), "permissions": perms}).Str("id")
		r2 := w.env.Must(t, 201, "POST", "/v1/roles", w.root, map[string]any{"name": uniq("twice"), "permissions": perms}).Str("id")
		g1 := w.env.Must(t, 201, "POST", "/v1/groups", w.root, map[string]string{"name": uniq("g")}).Str("id")
		g2 := w.env.Must(t, 201, "POST", "/v1/groups", w.root, map[string]string{"name": uniq("g")}).Str("id")
		for _, g := range []string{g1, g2} {
			w.env.Must(t, 200, "PUT", "/v1/groups/"+g+"/members/"+id, w.root, nil)
			for _, r := range []string{r1, r2} {
				w.env.Must(t, 200, "PUT", "/v1/roles/"+r+"/assignments/group:"+g, w.root, nil)
			}
		}
		w.expect(t, tok, "Infra:Device", "delete", "feat", true, "allow")
		w.expect(t, tok, "Builtin:Tag", "delete", "", false, "deny")
		last := ""
		for _, g := range []string{g1, g2} {
			for _, r := range []string{r1, r2} {
				last = w.env.Must(t, 200, "DELETE", "/v1/roles/"+r+"/assignments/group:"+g, w.root, nil).Str("consistency_token")
			}
		}
		res := w.env.Must(t, 200, "POST", "/v1/check", tok, map[string]any{"resource": map[string]string{"type": "kind", "id": "Infra:Device"}, "permission": "delete",
			"consistency": map[string]string{"at_least_as_fresh": last}})
		if res.Body["allowed"] != false {
			t.Errorf("still allowed after the roles left the groups: %s", res.Raw)
		}
	})
	t.Run("a kind registered after a matching permission is covered at once", func(t *testing.T) {
		_, tok := w.holder(t, []string{"object:Late:*:view:allow_all"})
		w.env.Must(t, 201, "POST", "/v1/kinds", w.root, map[string]string{"namespace": "Late", "name": "Comer"})
		w.expect(t, tok, "Late:Comer", "view", "", true, "allow")
	})
	drift, err := w.env.Projector.Reconcile(context.Background(), false)
	if err != nil || !drift.Empty() {
		t.Fatalf("drift after the cases: %v %v", drift, err)
	}
}

// SPEC §2.4: a kind-level deny caps a workspace role; a kind-level allow
// grants beyond membership.
func TestObjectPermissionsComposeWithWorkspaceRoles(t *testing.T) {
	t.Parallel()
	w := newPermWorld(t)
	ownerID, owner := w.env.User(t, w.root, "owner@example.com", "member")
	ws := w.env.Must(t, 201, "POST", "/v1/workspaces", owner, map[string]string{"name": "capped"}).Str("id")
	if r := check(t, w.env, owner, "workspace", ws, "delete", nil); r.Body["allowed"] != true {
		t.Fatal("owner cannot delete their workspace")
	}
	role := w.env.Must(t, 201, "POST", "/v1/roles", w.root, map[string]any{"name": "no-ws-delete", "permissions": []string{"object:Core:Workspace:delete:deny"}}).Str("id")
	w.env.Must(t, 200, "PUT", "/v1/roles/"+role+"/assignments/user:"+ownerID, w.root, nil)
	if r := check(t, w.env, owner, "workspace", ws, "delete", nil); r.Body["allowed"] != false {
		t.Error("a kind-level deny did not cap the owner")
	}
	if r := check(t, w.env, owner, "workspace", ws, "update", nil); r.Body["allowed"] != true {
		t.Error("the deny capped more than its action")
	}
	_, auditor := w.holder(t, []string{"object:*:*:view:allow_all"})
	if r := check(t, w.env, auditor, "workspace", ws, "view_resources", nil); r.Body["allowed"] != true {
		t.Error("the auditor cannot view a workspace's contents")
	}
	if r := check(t, w.env, auditor, "workspace", ws, "update", nil); r.Body["allowed"] != false {
		t.Error("the auditor may update")
	}
}

func TestRoleAdministrationRulesAndBadInput(t *testing.T) {
	t.Parallel()
	w := newPermWorld(t)
	_, admin := w.env.User(t, w.root, "admin@example.com", "admin")
	_, member := w.env.User(t, w.root, "member@example.com", "member")
	cat := w.env.Must(t, 200, "GET", "/v1/permissions", member, nil)
	if len(cat.Body["global_actions"].([]any)) != 19 || len(cat.Body["decisions"].([]any)) != 4 {
		t.Fatalf("catalog: %s", cat.Raw)
	}
	w.env.Must(t, 403, "POST", "/v1/roles", member, map[string]any{"name": "x", "permissions": []string{}})
	// An admin cannot mint a global permission they lack.
	w.env.Must(t, 403, "POST", "/v1/roles", admin, map[string]any{"name": "escalate", "permissions": []string{"global:super_admin:allow_all"}})
	w.env.Must(t, 403, "POST", "/v1/roles", admin, map[string]any{"name": "audit", "permissions": []string{"global:manage_audit_logs:allow_all"}})
	ok := w.env.Must(t, 201, "POST", "/v1/roles", admin, map[string]any{"name": "viewer", "permissions": []string{"object:*:*:view:allow_all", "global:manage_users:allow_all", "object:*:*:view:allow_all"}})
	if perms := ok.Body["permissions"].([]any); len(perms) != 2 {
		t.Fatalf("duplicates kept: %s", ok.Raw)
	}
	for _, bad := range []string{"object:*:view", "global:x:maybe", "object::Tag:view:deny", "object:*:*:fly:allow_all", "global:manage_users:sometimes", "object:tag:*:view:deny"} {
		r := w.env.Do(t, "POST", "/v1/roles", w.root, map[string]any{"name": uniq("bad"), "permissions": []string{bad}})
		if r.Status != 422 || r.Str("field") != "permissions[0]" {
			t.Errorf("%s: %d %s", bad, r.Status, r.Raw)
		}
	}
	for _, bad := range []map[string]string{{"namespace": "bad-ns", "name": "X"}, {"namespace": "X", "name": "y"}, {"namespace": "", "name": "X"}, {"namespace": "A#B", "name": "C"}} {
		if r := w.env.Do(t, "POST", "/v1/kinds", w.root, bad); r.Status != 422 {
			t.Errorf("kind %v: %d", bad, r.Status)
		}
	}
	w.env.Must(t, 409, "POST", "/v1/kinds", w.root, map[string]string{"namespace": "Builtin", "name": "Tag"})
	w.env.Must(t, 403, "DELETE", "/v1/roles/builtin:admin", w.root, nil)
	w.env.Must(t, 403, "PATCH", "/v1/roles/builtin:member", w.root, map[string]any{"name": "x"})
	w.env.Must(t, 200, "GET", "/v1/roles/builtin:admin", member, nil)
	// Across tenants: tenant B's admin does not see tenant A's role, and a
	// role of A cannot be given to a user of B.
	tb := w.env.Must(t, 201, "POST", "/v1/tenants", w.root, map[string]any{"name": "B", "admin": map[string]string{"email": "b@b.example.com"}})
	bAdmin := tb.Body["admin"].(map[string]any)["id"].(string)
	roleA := ok.Str("id")
	w.env.Must(t, 404, "PUT", "/v1/roles/"+roleA+"/assignments/user:"+bAdmin, w.root, nil)
	w.env.Must(t, 422, "PUT", "/v1/roles/"+roleA+"/assignments/planet:"+bAdmin, w.root, nil)
	w.env.Must(t, 200, "DELETE", "/v1/roles/"+roleA, admin, nil)
	w.env.Must(t, 404, "GET", "/v1/roles/"+roleA, admin, nil)
}

// The permission endpoints as every kind of caller.
func TestPermissionEndpointsAsEveryCaller(t *testing.T) {
	t.Parallel()
	w := newIdentityWorld(t)
	env, root := w.env, w.root
	role := func(t *testing.T) string {
		return env.Must(t, 201, "POST", "/v1/roles", root, map[string]any{"name": uniq("r"), "permissions": []string{"object:*:*:view:allow_all"}}).Str("id")
	}
	user := func(t *testing.T) string { return w.target(t, "member", true) }
	type row struct {
		name   string
		req    func(t *testing.T) (string, string, any)
		expect map[string]int
	}
	exp := func(member, admin, super, other int) map[string]int {
		return map[string]int{"member": member, "admin": admin, "superadmin": super, "admin of another tenant": other}
	}
	rows := []row{
		{"permission catalog", func(*testing.T) (string, string, any) { return "GET", "/v1/permissions", nil }, exp(200, 200, 200, 200)},
		{"list kinds", func(*testing.T) (string, string, any) { return "GET", "/v1/kinds", nil }, exp(200, 200, 200, 200)},
		{"register kind", func(*testing.T) (string, string, any) {
			return "POST", "/v1/kinds", map[string]string{"namespace": "Ns", "name": "K" + uniq("n")}
		}, exp(403, 201, 201, 201)},
		{"create role", func(*testing.T) (string, string, any) {
			return "POST", "/v1/roles", map[string]any{"name": uniq("r"), "permissions": []string{"object:*:*:view:allow_all"}}
		}, exp(403, 201, 201, 201)},
		{"get role", func(t *testing.T) (string, string, any) { return "GET", "/v1/roles/" + role(t), nil }, exp(200, 200, 200, 404)},
		{"update role", func(t *testing.T) (string, string, any) {
			return "PATCH", "/v1/roles/" + role(t), map[string]any{"permissions": []string{"object:*:*:create:allow_other"}}
		}, exp(403, 200, 200, 404)},
		{"add a permission", func(t *testing.T) (string, string, any) {
			return "POST", "/v1/roles/" + role(t) + "/permissions", map[string]string{"permission": "global:merge_branch:allow_all"}
		}, exp(403, 403, 200, 404)},
		{"delete role", func(t *testing.T) (string, string, any) { return "DELETE", "/v1/roles/" + role(t), nil }, exp(403, 200, 200, 404)},
		// role#view_assignments: who holds a role is for holders of
		// manage_permissions or manage_users, not for every member.
		{"list holders", func(t *testing.T) (string, string, any) { return "GET", "/v1/roles/" + role(t) + "/assignments", nil }, exp(403, 200, 200, 404)},
		{"assign to a user", func(t *testing.T) (string, string, any) {
			return "PUT", "/v1/roles/" + role(t) + "/assignments/user:" + user(t), nil
		}, exp(403, 200, 200, 404)},
		{"unassign", func(t *testing.T) (string, string, any) {
			r, u := role(t), user(t)
			env.Must(t, 200, "PUT", "/v1/roles/"+r+"/assignments/user:"+u, root, nil)
			return "DELETE", "/v1/roles/" + r + "/assignments/user:" + u, nil
		}, exp(403, 200, 200, 404)},
		{"delete a built-in role", func(*testing.T) (string, string, any) { return "DELETE", "/v1/roles/builtin:member", nil }, exp(403, 403, 403, 403)},
	}
	for _, r := range rows {
		for _, caller := range []string{"anonymous", "member", "admin", "superadmin", "admin of another tenant", "disabled user", "deleted user"} {
			want, ok := r.expect[caller]
			if !ok {
				want = 401
			}
			method, path, body := r.req(t)
			if got := env.Do(t, method, path, w.tokens[caller], body); got.Status != want {
				t.Errorf("%s as %s: %d, want %d (%s)", r.name, caller, got.Status, want, truncate(got.Raw))
			}
		}
	}
}
