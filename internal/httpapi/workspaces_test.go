package httpapi_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/gatehouse/gatehouse/internal/authz"
	"github.com/gatehouse/gatehouse/internal/store"
	"github.com/gatehouse/gatehouse/internal/testenv"
)

// wsWorld holds the callers that live outside any one workspace.
type wsWorld struct {
	env    *testenv.Env
	root   string
	shared map[string]string // caller -> token
}

var wsCallers = []string{
	"owner", "admin", "member", "member of another workspace", "tenant admin (not a member)", "superadmin",
	"API key (admin)", "API key (member)", "expired API key", "revoked API key", "disabled user", "user of another tenant",
}

func newWSWorld(t *testing.T) *wsWorld {
	env := testenv.New(t)
	w := &wsWorld{env: env, root: env.RootToken(t), shared: map[string]string{}}
	w.shared["superadmin"] = w.root
	_, w.shared["tenant admin (not a member)"] = env.User(t, w.root, "tadmin@example.com", "admin")
	_, other := env.User(t, w.root, "elsewhere@example.com", "member")
	env.Must(t, 201, "POST", "/v1/workspaces", other, map[string]string{"name": "elsewhere"})
	w.shared["member of another workspace"] = other
	disabledID, disabled := env.User(t, w.root, "disabled@example.com", "member")
	w.shared["disabled user"] = disabled
	tb := env.Must(t, 201, "POST", "/v1/tenants", w.root, map[string]any{"name": "Other", "admin": map[string]string{"email": "x@other.example.com"}})
	adm := tb.Body["admin"].(map[string]any)
	env.Must(t, 200, "POST", "/v1/invitations/accept", "", map[string]string{"token": adm["invitation_token"].(string), "password": "password-other"})
	w.shared["user of another tenant"] = env.Login(t, "x@other.example.com", "password-other")
	env.Must(t, 200, "POST", "/v1/users/"+disabledID+"/disable", w.root, nil)
	return w
}

// wsFixture is one workspace with an owner, an admin, a member, their API
// keys, a deployment and a whitelisted model.
type wsFixture struct {
	ws, deployment string
	tokens, ids    map[string]string
}

func (w *wsWorld) fixture(t *testing.T) *wsFixture {
	env := w.env
	f := &wsFixture{tokens: map[string]string{}, ids: map[string]string{}}
	for k, v := range w.shared {
		f.tokens[k] = v
	}
	for _, role := range []string{"owner", "admin", "member"} {
		f.ids[role], f.tokens[role] = env.User(t, w.root, uniq(role)+"@example.com", "member")
	}
	f.ws = env.Must(t, 201, "POST", "/v1/workspaces", f.tokens["owner"], map[string]string{"name": uniq("ws")}).Str("id")
	for _, role := range []string{"admin", "member"} {
		env.Must(t, 201, "POST", "/v1/workspaces/"+f.ws+"/members", f.tokens["owner"], map[string]string{"user_id": f.ids[role], "role": role})
	}
	key := func(creator, role string) (string, string) {
		r := env.Must(t, 201, "POST", "/v1/workspaces/"+f.ws+"/api-keys", f.tokens[creator], map[string]string{"name": uniq("key"), "role": role})
		return r.Str("id"), r.Str("key")
	}
	_, f.tokens["API key (admin)"] = key("admin", "admin")
	_, f.tokens["API key (member)"] = key("member", "member")
	expiredID, expired := key("owner", "admin")
	f.tokens["expired API key"] = expired
	expire(t, env, expiredID)
	revokedID, revoked := key("owner", "admin")
	f.tokens["revoked API key"] = revoked
	env.Must(t, 200, "DELETE", "/v1/workspaces/"+f.ws+"/api-keys/"+revokedID, f.tokens["owner"], nil)
	f.deployment = env.Must(t, 201, "POST", "/v1/workspaces/"+f.ws+"/deployments", f.tokens["owner"], map[string]string{"name": "d"}).Str("id")
	return f
}

// expire ends an API key's life behind Gatehouse's back (an expiry in the
// past cannot be asked for), and records the key's change as a write would
// (its outbox entry, applied), so that SpiceDB follows as it does when a
// key expires.
func expire(t *testing.T, env *testenv.Env, keyID string) {
	t.Helper()
	ctx := context.Background()
	kid := uuid.MustParse(keyID)
	var tenant, ws uuid.UUID
	if err := env.Store.Pool.QueryRow(ctx, `UPDATE api_keys k SET expires_at = now() - interval '1 second' FROM workspaces w
		WHERE k.id = $1 AND w.id = k.workspace_id RETURNING w.tenant_id, w.id`, kid).Scan(&tenant, &ws); err != nil {
		t.Fatal(err)
	}
	units, err := authz.UnitsOf(ctx, env.Store.Pool, []authz.Fact{authz.APIKeyChanged{Key: kid, Workspace: ws}})
	if err != nil {
		t.Fatal(err)
	}
	raw, err := authz.EncodeUnits(units)
	if err != nil {
		t.Fatal(err)
	}
	id, err := store.InsertOutbox(ctx, env.Store.Pool, tenant, raw, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := env.Projector.Apply(ctx, id); err != nil {
		t.Fatal(err)
	}
}

// Every workspace endpoint as every kind of caller: SPEC §1.2–§1.3 exactly.
func TestWorkspaceEndpointsAsEveryCaller(t *testing.T) {
	t.Parallel()
	w := newWSWorld(t)
	shared := w.fixture(t)
	env, root := w.env, w.root
	// exp lists owner, admin, member, member of another ws, tenant admin,
	// superadmin, key admin, key member; the rest are 401 or 404 as below.
	exp := func(s ...int) map[string]int {
		m := map[string]int{"expired API key": 401, "revoked API key": 401, "disabled user": 401, "user of another tenant": 404}
		for i, c := range wsCallers[:8] {
			m[c] = s[i]
		}
		return m
	}
	type req struct {
		method, path string
		body         any
	}
	type row struct {
		name    string
		fresh   bool // needs its own workspace per caller
		request func(t *testing.T, f *wsFixture) req
		expect  map[string]int
	}
	wsPath := func(f *wsFixture, suffix string) string { return "/v1/workspaces/" + f.ws + suffix }
	rows := []row{
		{"get workspace", false, func(_ *testing.T, f *wsFixture) req { return req{"GET", wsPath(f, ""), nil} }, exp(200, 200, 200, 404, 200, 200, 200, 200)},
		{"update workspace", false, func(_ *testing.T, f *wsFixture) req {
			return req{"PATCH", wsPath(f, ""), map[string]string{"description": uniq("d")}}
		}, exp(200, 200, 403, 404, 403, 200, 200, 403)},
		{"list members", false, func(_ *testing.T, f *wsFixture) req { return req{"GET", wsPath(f, "/members"), nil} }, exp(200, 200, 200, 404, 200, 200, 200, 200)},
		{"add member", false, func(t *testing.T, f *wsFixture) req {
			id, _ := env.User(t, root, uniq("new")+"@example.com", "member")
			return req{"POST", wsPath(f, "/members"), map[string]string{"user_id": id, "role": "member"}}
		}, exp(201, 201, 403, 404, 403, 201, 201, 403)},
		{"add owner", false, func(t *testing.T, f *wsFixture) req {
			id, _ := env.User(t, root, uniq("new")+"@example.com", "member")
			return req{"POST", wsPath(f, "/members"), map[string]string{"user_id": id, "role": "owner"}}
		}, exp(201, 403, 403, 404, 403, 201, 403, 403)},
		{"list deployments", false, func(_ *testing.T, f *wsFixture) req { return req{"GET", wsPath(f, "/deployments"), nil} }, exp(200, 200, 200, 404, 403, 200, 200, 200)},
		{"create deployment", false, func(_ *testing.T, f *wsFixture) req {
			return req{"POST", wsPath(f, "/deployments"), map[string]string{"name": uniq("dep")}}
		}, exp(201, 201, 403, 404, 403, 201, 201, 403)},
		{"get deployment", false, func(_ *testing.T, f *wsFixture) req { return req{"GET", wsPath(f, "/deployments/"+f.deployment), nil} }, exp(200, 200, 200, 404, 404, 200, 200, 200)},
		{"update deployment", false, func(_ *testing.T, f *wsFixture) req {
			return req{"PATCH", wsPath(f, "/deployments/"+f.deployment), map[string]string{"name": uniq("dep")}}
		}, exp(200, 200, 403, 404, 404, 200, 200, 403)},
		{"delete deployment", false, func(t *testing.T, f *wsFixture) req {
			d := env.Must(t, 201, "POST", wsPath(f, "/deployments"), root, map[string]string{"name": uniq("doomed")}).Str("id")
			return req{"DELETE", wsPath(f, "/deployments/"+d), nil}
		}, exp(200, 200, 403, 404, 404, 200, 200, 403)},
		{"whitelist a model", false, func(t *testing.T, f *wsFixture) req {
			m := env.Must(t, 201, "POST", "/v1/models", root, map[string]string{"name": uniq("model")}).Str("id")
			return req{"POST", wsPath(f, "/models"), map[string]string{"model_id": m}}
		}, exp(201, 201, 403, 404, 403, 201, 201, 403)},
		{"list whitelisted models", false, func(_ *testing.T, f *wsFixture) req { return req{"GET", wsPath(f, "/models"), nil} }, exp(200, 200, 200, 404, 403, 200, 200, 200)},
		{"list API keys", false, func(_ *testing.T, f *wsFixture) req { return req{"GET", wsPath(f, "/api-keys"), nil} }, exp(200, 200, 200, 404, 403, 200, 200, 200)},
		{"create member API key", false, func(_ *testing.T, f *wsFixture) req {
			return req{"POST", wsPath(f, "/api-keys"), map[string]string{"name": uniq("k"), "role": "member"}}
		}, exp(201, 201, 201, 404, 403, 201, 403, 403)},
		{"create admin API key", false, func(_ *testing.T, f *wsFixture) req {
			return req{"POST", wsPath(f, "/api-keys"), map[string]string{"name": uniq("k"), "role": "admin"}}
		}, exp(201, 201, 403, 404, 403, 201, 403, 403)},
		{"revoke another's API key", false, func(t *testing.T, f *wsFixture) req {
			k := env.Must(t, 201, "POST", wsPath(f, "/api-keys"), f.tokens["admin"], map[string]string{"name": uniq("k"), "role": "member"}).Str("id")
			return req{"DELETE", wsPath(f, "/api-keys/"+k), nil}
		}, exp(200, 200, 404, 404, 404, 200, 200, 404)},
		{"remove the member", true, func(_ *testing.T, f *wsFixture) req {
			return req{"DELETE", wsPath(f, "/members/"+memberID(t, env, root, f, "member")), nil}
		}, exp(200, 200, 403, 404, 403, 200, 200, 403)},
		{"demote the owner", true, func(_ *testing.T, f *wsFixture) req {
			return req{"PATCH", wsPath(f, "/members/"+memberID(t, env, root, f, "owner")), map[string]string{"role": "admin"}}
		}, exp(409, 403, 403, 404, 403, 409, 403, 403)},
		{"delete workspace", true, func(_ *testing.T, f *wsFixture) req { return req{"DELETE", wsPath(f, ""), nil} }, exp(200, 403, 403, 404, 403, 200, 403, 403)},
	}
	unexpectedAllows := 0
	for _, r := range rows {
		for _, caller := range wsCallers {
			f := shared
			if r.fresh {
				f = w.fixture(t)
			}
			q := r.request(t, f)
			got := env.Do(t, q.method, q.path, f.tokens[caller], q.body)
			if want := r.expect[caller]; got.Status != want {
				if got.Status < 300 && want >= 300 {
					unexpectedAllows++
				}
				t.Errorf("%s as %s: %s %s = %d, want %d (%s)", r.name, caller, q.method, q.path, got.Status, want, truncate(got.Raw))
			}
		}
	}
	// The check API agrees, for every kind of principal.
	wantView := map[string]bool{"owner": true, "admin": true, "member": true, "superadmin": true, "API key (admin)": true, "API key (member)": true}
	for _, caller := range wsCallers {
		r := env.Do(t, "POST", "/v1/check", shared.tokens[caller], map[string]any{"resource": map[string]string{"type": "deployment", "id": shared.deployment}, "permission": "invoke"})
		allowed := r.Status == 200 && r.Body["allowed"] == true
		if allowed != wantView[caller] {
			if allowed {
				unexpectedAllows++
			}
			t.Errorf("check deployment#invoke as %s: %d %s", caller, r.Status, truncate(r.Raw))
		}
	}
	if unexpectedAllows > 0 {
		t.Errorf("%d unexpected allows", unexpectedAllows)
	}
}

func memberID(t *testing.T, env *testenv.Env, root string, f *wsFixture, role string) string {
	t.Helper()
	r := env.Must(t, 200, "GET", "/v1/workspaces/"+f.ws+"/members", root, nil)
	for _, it := range r.Body["items"].([]any) {
		m := it.(map[string]any)
		if m["user_id"] == f.ids[role] {
			return m["id"].(string)
		}
	}
	t.Fatalf("no %s membership", role)
	return ""
}

// An API key stops working on revocation, expiry and its creator's
// disabling, and is capped at its creator's role.
func TestAPIKeyLifecycleAndCap(t *testing.T) {
	t.Parallel()
	w := newWSWorld(t)
	env, root := w.env, w.root
	f := w.fixture(t)
	k := env.Must(t, 201, "POST", "/v1/workspaces/"+f.ws+"/api-keys", f.tokens["admin"], map[string]any{"name": "ci", "role": "admin", "expires_at": time.Now().Add(time.Hour)})
	key := k.Str("key")
	if k.Str("last_four") != key[len(key)-4:] || k.Str("prefix") == "" || len(key) < 40 {
		t.Fatalf("key answer: %s", k.Raw)
	}
	list := env.Must(t, 200, "GET", "/v1/workspaces/"+f.ws+"/api-keys", f.tokens["owner"], nil)
	if string(list.Raw) == "" || contains(list.Raw, key) {
		t.Fatal("the secret is listed")
	}
	var stored []byte
	if err := env.Store.Pool.QueryRow(context.Background(), `SELECT secret_hash FROM api_keys WHERE id = $1`, k.Str("id")).Scan(&stored); err != nil || contains(stored, key[len(key)-20:]) {
		t.Fatal("the secret is stored in clear")
	}
	update := func() int {
		return env.Do(t, "PATCH", "/v1/workspaces/"+f.ws, key, map[string]string{"description": uniq("x")}).Status
	}
	invoke := func() bool {
		return check(t, env, key, "deployment", f.deployment, "invoke", nil).Body["allowed"] == true
	}
	if update() != 200 || !invoke() {
		t.Fatal("admin key cannot act as admin")
	}
	// The creator is demoted to member: the key is capped at member.
	env.Must(t, 200, "PATCH", "/v1/workspaces/"+f.ws+"/members/"+memberID(t, env, root, f, "admin"), f.tokens["owner"], map[string]string{"role": "member"})
	if update() != 403 || !invoke() {
		t.Fatal("key not capped at its creator's new role")
	}
	// Promoted back: the key is admin again.
	env.Must(t, 200, "PATCH", "/v1/workspaces/"+f.ws+"/members/"+memberID(t, env, root, f, "admin"), f.tokens["owner"], map[string]string{"role": "admin"})
	if update() != 200 {
		t.Fatal("key did not recover its role")
	}
	// Creator disabled: 401; enabled: works again.
	env.Must(t, 200, "POST", "/v1/users/"+f.ids["admin"]+"/disable", root, nil)
	if env.Do(t, "GET", "/v1/workspaces/"+f.ws, key, nil).Status != 401 {
		t.Fatal("key of a disabled creator still authenticates")
	}
	if r := env.Must(t, 200, "POST", "/v1/check", root, map[string]any{"subject": map[string]string{"type": "apikey", "id": k.Str("id")},
		"resource": map[string]string{"type": "deployment", "id": f.deployment}, "permission": "invoke"}); r.Body["allowed"] != false {
		t.Fatal("a disabled creator's key is allowed in SpiceDB")
	}
	env.Must(t, 200, "POST", "/v1/users/"+f.ids["admin"]+"/enable", root, nil)
	if update() != 200 {
		t.Fatal("key did not come back with its creator")
	}
	env.Must(t, 200, "DELETE", "/v1/workspaces/"+f.ws+"/api-keys/"+k.Str("id"), f.tokens["owner"], nil)
	if env.Do(t, "GET", "/v1/workspaces/"+f.ws, key, nil).Status != 401 {
		t.Fatal("revoked key still authenticates")
	}
	var used *time.Time
	if err := env.Store.Pool.QueryRow(context.Background(), `SELECT last_used_at FROM api_keys WHERE id = $1`, k.Str("id")).Scan(&used); err != nil || used == nil {
		t.Fatalf("last_used_at not recorded: %v", err)
	}
	drift, err := env.Projector.Reconcile(context.Background(), false)
	if err != nil || !drift.Empty() {
		t.Fatalf("drift: %+v %v", drift, err)
	}
}

func contains(b []byte, s string) bool { return len(s) > 0 && string(b) != "" && bytesContains(b, s) }

func bytesContains(b []byte, s string) bool {
	for i := 0; i+len(s) <= len(b); i++ {
		if string(b[i:i+len(s)]) == s {
			return true
		}
	}
	return false
}

func TestOwnershipTransferAndDeleteWorkspace(t *testing.T) {
	t.Parallel()
	w := newWSWorld(t)
	env, root := w.env, w.root
	f := w.fixture(t)
	env.Must(t, 200, "POST", "/v1/workspaces/"+f.ws+"/transfer-ownership", f.tokens["owner"], map[string]string{"user_id": f.ids["member"]})
	if r := check(t, env, f.tokens["member"], "workspace", f.ws, "delete", nil); r.Body["allowed"] != true {
		t.Fatal("new owner cannot delete")
	}
	if r := check(t, env, f.tokens["owner"], "workspace", f.ws, "manage_owners", nil); r.Body["allowed"] != false {
		t.Fatal("old owner still owns")
	}
	m := env.Must(t, 201, "POST", "/v1/models", root, map[string]string{"name": "llama"}).Str("id")
	env.Must(t, 201, "POST", "/v1/workspaces/"+f.ws+"/models", f.tokens["admin"], map[string]string{"model_id": m})
	if r := check(t, env, f.tokens["owner"], "model", m, "view", nil); r.Body["allowed"] != true {
		t.Fatal("a member cannot view a whitelisted model")
	}
	env.Must(t, 200, "DELETE", "/v1/workspaces/"+f.ws, f.tokens["member"], nil)
	env.Must(t, 404, "GET", "/v1/workspaces/"+f.ws, f.tokens["member"], nil)
	if r := check(t, env, f.tokens["owner"], "model", m, "view", nil); r.Body["allowed"] != false {
		t.Fatal("model still visible through a deleted workspace")
	}
	var n int
	if err := env.Store.Pool.QueryRow(context.Background(), `SELECT count(*) FROM audit_log WHERE action = 'workspace.delete' AND outcome = 'success'`).Scan(&n); err != nil || n != 1 {
		t.Fatal("workspace deletion not audited")
	}
	drift, err := env.Projector.Reconcile(context.Background(), false)
	if err != nil || !drift.Empty() {
		t.Fatalf("drift after delete: %+v %v", drift, err)
	}
}

// Listing pages through the caller's workspaces with their roles, both
// for short pages (bulk check) and long ones (lookups).
func TestListWorkspacesPaginatesWithRoles(t *testing.T) {
	t.Parallel()
	env := testenv.New(t)
	root := env.RootToken(t)
	bobID, bob := env.User(t, root, "bob@example.com", "member")
	_, alice := env.User(t, root, "alice@example.com", "member")
	want := map[string]string{}
	for i := range 36 {
		if i%3 == 0 {
			want[env.Must(t, 201, "POST", "/v1/workspaces", bob, map[string]string{"name": uniq("own")}).Str("id")] = "owner"
			continue
		}
		ws := env.Must(t, 201, "POST", "/v1/workspaces", alice, map[string]string{"name": uniq("theirs")}).Str("id")
		role := map[bool]string{true: "admin", false: "member"}[i%3 == 1]
		env.Must(t, 201, "POST", "/v1/workspaces/"+ws+"/members", alice, map[string]string{"user_id": bobID, "role": role})
		want[ws] = role
	}
	env.Must(t, 201, "POST", "/v1/workspaces", alice, map[string]string{"name": "not bob's"})
	for _, limit := range []string{"1000", "7"} {
		got := map[string]string{}
		cursor := ""
		for pages := 0; ; pages++ {
			r := env.Must(t, 200, "GET", "/v1/workspaces?mine=true&limit="+limit+"&cursor="+cursor, bob, nil)
			for _, it := range r.Body["items"].([]any) {
				w := it.(map[string]any)
				if _, dup := got[w["id"].(string)]; dup {
					t.Fatalf("limit %s: %s listed twice", limit, w["id"])
				}
				got[w["id"].(string)] = w["role"].(string)
			}
			if cursor = r.Str("next_cursor"); cursor == "" || pages > 20 {
				break
			}
		}
		if len(got) != len(want) {
			t.Fatalf("limit %s: listed %d, want %d", limit, len(got), len(want))
		}
		for id, role := range want {
			if got[id] != role {
				t.Errorf("limit %s: %s has role %q, want %q", limit, id, got[id], role)
			}
		}
	}
}

func TestCatalogModelUpdate(t *testing.T) {
	t.Parallel()
	w := newWSWorld(t)
	env, root := w.env, w.root
	f := w.fixture(t)
	m := env.Must(t, 201, "POST", "/v1/models", root, map[string]string{"name": "mistral"}).Str("id")
	env.Must(t, 201, "POST", "/v1/workspaces/"+f.ws+"/models", f.tokens["owner"], map[string]string{"model_id": m})
	env.Must(t, 403, "PATCH", "/v1/models/"+m, f.tokens["member"], map[string]string{"name": "x"})
	env.Must(t, 404, "PATCH", "/v1/models/"+m, f.tokens["member of another workspace"], map[string]string{"name": "x"})
	env.Must(t, 404, "PATCH", "/v1/models/"+m, f.tokens["user of another tenant"], map[string]string{"name": "x"})
	r := env.Must(t, 200, "PATCH", "/v1/models/"+m, f.tokens["tenant admin (not a member)"], map[string]string{"name": "mistral-large", "provider": "Mistral"})
	if r.Str("name") != "mistral-large" || r.Str("provider") != "Mistral" {
		t.Fatalf("update: %s", r.Raw)
	}
	env.Must(t, 409, "PATCH", "/v1/models/"+env.Must(t, 201, "POST", "/v1/models", root, map[string]string{"name": "llama"}).Str("id"), root, map[string]string{"name": "mistral-large"})
}

// Attack (leak): DELETE /v1/models/{id} answered 403 for a catalog entry
// the caller cannot see, telling it the entry exists, while PATCH and
// unknown ids answer 404. Invisible entries are not found for DELETE too;
// a caller who sees the entry but may not delete it gets 403.
func TestDeleteInvisibleModelIs404(t *testing.T) {
	t.Parallel()
	w := newWSWorld(t)
	env, root := w.env, w.root
	f := w.fixture(t)
	m := env.Must(t, 201, "POST", "/v1/models", root, map[string]string{"name": "mistral"}).Str("id")
	env.Must(t, 201, "POST", "/v1/workspaces/"+f.ws+"/models", f.tokens["owner"], map[string]string{"model_id": m})
	env.Must(t, 404, "DELETE", "/v1/models/"+m, f.tokens["member of another workspace"], nil)
	env.Must(t, 404, "DELETE", "/v1/models/"+m, f.tokens["user of another tenant"], nil)
	env.Must(t, 404, "DELETE", "/v1/models/01a20c55-0000-7000-8000-000000000001", f.tokens["member"], nil)
	env.Must(t, 403, "DELETE", "/v1/models/"+m, f.tokens["member"], nil)
	env.Must(t, 200, "DELETE", "/v1/models/"+m, f.tokens["tenant admin (not a member)"], nil)
}
