package httpapi_test

import (
	"fmt"
	"sync/atomic"
	"testing"

	"github.com/gatehouse/gatehouse/internal/testenv"
)

var seq atomic.Int64

func uniq(prefix string) string { return fmt.Sprintf("%s%d", prefix, seq.Add(1)) }

// identityWorld is a tenant A (root superadmin, admin, member), a tenant B
// with its own admin, and callers whose account was disabled or deleted
// after they logged in.
type identityWorld struct {
	env              *testenv.Env
	root             string
	tenantA, tenantB string
	tokens           map[string]string
	groupA           string
}

func newIdentityWorld(t *testing.T) *identityWorld {
	env := testenv.New(t)
	w := &identityWorld{env: env, root: env.RootToken(t), tokens: map[string]string{"anonymous": ""}}
	w.tenantA = env.Must(t, 200, "GET", "/v1/me", w.root, nil).Str("tenant_id")
	_, w.tokens["admin"] = env.User(t, w.root, "admin@a.example.com", "admin")
	_, w.tokens["member"] = env.User(t, w.root, "member@a.example.com", "member")
	w.tokens["superadmin"] = w.root
	tb := env.Must(t, 201, "POST", "/v1/tenants", w.root, map[string]any{"name": "Tenant B", "admin": map[string]string{"email": "admin@b.example.com", "name": "B admin"}})
	w.tenantB = tb.Str("id")
	admin := tb.Body["admin"].(map[string]any)
	env.Must(t, 200, "POST", "/v1/invitations/accept", "", map[string]string{"token": admin["invitation_token"].(string), "password": "password-admin-b"})
	w.tokens["admin of another tenant"] = env.Login(t, "admin@b.example.com", "password-admin-b")
	var disabledID, deletedID string
	disabledID, w.tokens["disabled user"] = env.User(t, w.root, "disabled@a.example.com", "member")
	deletedID, w.tokens["deleted user"] = env.User(t, w.root, "deleted@a.example.com", "member")
	env.Must(t, 200, "POST", "/v1/users/"+disabledID+"/disable", w.root, nil)
	env.Must(t, 200, "DELETE", "/v1/users/"+deletedID, w.root, nil)
	w.groupA = env.Must(t, 201, "POST", "/v1/groups", w.root, map[string]string{"name": "ops"}).Str("id")
	return w
}

// target makes a fresh user of tenant A for a row to act on.
func (w *identityWorld) target(t *testing.T, role string, active bool) string {
	email := uniq("target") + "@a.example.com"
	inv := w.env.Must(t, 201, "POST", "/v1/users", w.root, map[string]string{"email": email, "name": "T", "global_role": role})
	if active {
		w.env.Must(t, 200, "POST", "/v1/invitations/accept", "", map[string]string{"token": inv.Str("invitation_token"), "password": "password-" + email})
	}
	return inv.Str("id")
}

// Every identity endpoint as every kind of caller: the exact status of
// SPEC §1.1, and no unexpected allow.
func TestIdentityEndpointsAsEveryCaller(t *testing.T) {
	t.Parallel()
	w := newIdentityWorld(t)
	callers := []string{"anonymous", "member", "admin", "superadmin", "admin of another tenant", "disabled user", "deleted user"}
	type row struct {
		name   string
		req    func(t *testing.T) (method, path string, body any)
		expect map[string]int // by caller; disabled, deleted and anonymous are always 401
	}
	exp := func(member, admin, super, other int) map[string]int {
		return map[string]int{"member": member, "admin": admin, "superadmin": super, "admin of another tenant": other}
	}
	fixed := func(method, path string, body any) func(*testing.T) (string, string, any) {
		return func(*testing.T) (string, string, any) { return method, path, body }
	}
	onTarget := func(method, suffix, role string, active bool, body any) func(*testing.T) (string, string, any) {
		return func(t *testing.T) (string, string, any) {
			return method, "/v1/users/" + w.target(t, role, active) + suffix, body
		}
	}
	rows := []row{
		{"me", fixed("GET", "/v1/me", nil), exp(200, 200, 200, 200)},
		{"list tenants", fixed("GET", "/v1/tenants", nil), exp(200, 200, 200, 200)},
		{"create tenant", func(*testing.T) (string, string, any) {
			return "POST", "/v1/tenants", map[string]any{"name": uniq("T"), "admin": map[string]string{"email": uniq("a") + "@new.example.com"}}
		}, exp(403, 403, 201, 403)},
		{"get own tenant A", fixed("GET", "/v1/tenants/"+w.tenantA, nil), exp(200, 200, 200, 404)},
		{"rename tenant A", func(*testing.T) (string, string, any) {
			return "PATCH", "/v1/tenants/" + w.tenantA, map[string]string{"name": uniq("Tenant A ")}
		}, exp(403, 200, 200, 404)},
		{"list users", fixed("GET", "/v1/users", nil), exp(403, 200, 200, 200)},
		{"list users of tenant A", fixed("GET", "/v1/users?tenant_id="+w.tenantA, nil), exp(403, 200, 200, 404)},
		{"invite member", func(*testing.T) (string, string, any) {
			return "POST", "/v1/users", map[string]string{"email": uniq("i") + "@a.example.com", "name": "I", "global_role": "member"}
		}, exp(403, 201, 201, 201)},
		{"invite admin", func(*testing.T) (string, string, any) {
			return "POST", "/v1/users", map[string]string{"email": uniq("i") + "@a.example.com", "name": "I", "global_role": "admin"}
		}, exp(403, 201, 201, 201)},
		{"invite superadmin", func(*testing.T) (string, string, any) {
			return "POST", "/v1/users", map[string]string{"email": uniq("i") + "@a.example.com", "name": "I", "global_role": "superadmin"}
		}, exp(403, 403, 201, 403)},
		{"invite into tenant A", func(*testing.T) (string, string, any) {
			return "POST", "/v1/users", map[string]string{"email": uniq("i") + "@a.example.com", "name": "I", "tenant_id": w.tenantA}
		}, exp(403, 201, 201, 404)},
		{"get user", onTarget("GET", "", "member", true, nil), exp(404, 200, 200, 404)},
		{"edit user", onTarget("PATCH", "", "member", true, map[string]string{"name": "Renamed"}), exp(403, 200, 200, 404)},
		{"set role admin", onTarget("PUT", "/global-role", "member", true, map[string]string{"role": "admin"}), exp(403, 200, 200, 404)},
		{"set role superadmin", onTarget("PUT", "/global-role", "member", true, map[string]string{"role": "superadmin"}), exp(403, 403, 200, 404)},
		{"demote a superadmin", onTarget("PUT", "/global-role", "superadmin", true, map[string]string{"role": "member"}), exp(403, 403, 200, 404)},
		{"disable user", onTarget("POST", "/disable", "member", true, nil), exp(403, 200, 200, 404)},
		{"disable a superadmin", onTarget("POST", "/disable", "superadmin", true, nil), exp(403, 403, 200, 404)},
		{"enable user", func(t *testing.T) (string, string, any) {
			id := w.target(t, "member", true)
			w.env.Must(t, 200, "POST", "/v1/users/"+id+"/disable", w.root, nil)
			return "POST", "/v1/users/" + id + "/enable", nil
		}, exp(403, 200, 200, 404)},
		{"delete user", onTarget("DELETE", "", "member", true, nil), exp(403, 200, 200, 404)},
		{"delete a superadmin", onTarget("DELETE", "", "superadmin", true, nil), exp(403, 403, 200, 404)},
		{"resend invitation", onTarget("POST", "/invitation", "member", false, nil), exp(403, 201, 201, 404)},
		{"revoke invitation", onTarget("DELETE", "/invitation", "member", false, nil), exp(403, 200, 200, 404)},
		{"user's groups", onTarget("GET", "/groups", "member", true, nil), exp(404, 200, 200, 404)},
		{"list groups", fixed("GET", "/v1/groups", nil), exp(200, 200, 200, 200)},
		{"create group", func(*testing.T) (string, string, any) {
			return "POST", "/v1/groups", map[string]string{"name": uniq("g")}
		}, exp(403, 201, 201, 201)},
		// group#view: manage_users holders and the group's own members; the
		// member is not in ops, so the group is not visible to them (404).
		{"get group", fixed("GET", "/v1/groups/"+w.groupA, nil), exp(404, 200, 200, 404)},
		{"rename group", func(*testing.T) (string, string, any) {
			return "PATCH", "/v1/groups/" + w.groupA, map[string]string{"name": uniq("ops")}
		}, exp(404, 200, 200, 404)},
		{"add group member", func(t *testing.T) (string, string, any) {
			return "PUT", "/v1/groups/" + w.groupA + "/members/" + w.target(t, "member", true), nil
		}, exp(404, 200, 200, 404)},
		{"remove group member", func(t *testing.T) (string, string, any) {
			id := w.target(t, "member", true)
			w.env.Must(t, 200, "PUT", "/v1/groups/"+w.groupA+"/members/"+id, w.root, nil)
			return "DELETE", "/v1/groups/" + w.groupA + "/members/" + id, nil
		}, exp(404, 200, 200, 404)},
		{"delete group", func(t *testing.T) (string, string, any) {
			g := w.env.Must(t, 201, "POST", "/v1/groups", w.root, map[string]string{"name": uniq("doomed")}).Str("id")
			return "DELETE", "/v1/groups/" + g, nil
		}, exp(404, 200, 200, 404)},
		{"system roles", fixed("GET", "/v1/roles", nil), exp(200, 200, 200, 200)},
		{"audit logs", fixed("GET", "/v1/audit-logs", nil), exp(403, 200, 200, 200)},
		{"audit logs of tenant A", fixed("GET", "/v1/audit-logs?tenant_id="+w.tenantA, nil), exp(403, 200, 200, 404)},
	}
	unexpectedAllows := 0
	for _, r := range rows {
		for _, caller := range callers {
			want, ok := r.expect[caller]
			if !ok {
				want = 401
			}
			method, path, body := r.req(t)
			got := w.env.Do(t, method, path, w.tokens[caller], body)
			if got.Status != want {
				if got.Status < 300 {
					unexpectedAllows++
				}
				t.Errorf("%s as %s: %s %s = %d, want %d (%s)", r.name, caller, method, path, got.Status, want, truncate(got.Raw))
			}
		}
	}
	if unexpectedAllows > 0 {
		t.Errorf("%d unexpected allows", unexpectedAllows)
	}
}
