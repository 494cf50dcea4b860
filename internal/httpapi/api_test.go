package httpapi_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	v1 "github.com/authzed/authzed-go/proto/authzed/api/v1"

	"github.com/gatehouse/gatehouse/internal/testenv"
)

func TestMain(m *testing.M) { testenv.Main(m) }

func check(t *testing.T, env *testenv.Env, token, typ, id, permission string, extra map[string]any) testenv.Response {
	t.Helper()
	body := map[string]any{"resource": map[string]string{"type": typ, "id": id}, "permission": permission}
	for k, v := range extra {
		body[k] = v
	}
	return env.Must(t, 200, "POST", "/v1/check", token, body)
}

// The README's session: the owner adds a member, the member's check is
// allowed with the returned token, an outsider's is denied.
func TestSliceOwnerAddsMemberMemberAllowedOutsiderDenied(t *testing.T) {
	t.Parallel()
	env := testenv.New(t)
	root := env.RootToken(t)
	aliceID, alice := env.User(t, root, "alice@example.com", "member")
	bobID, bob := env.User(t, root, "bob@example.com", "member")
	_, outsider := env.User(t, root, "eve@example.com", "member")
	_ = aliceID

	ws := env.Must(t, 201, "POST", "/v1/workspaces", alice, map[string]string{"name": "Research"})
	wsID := ws.Str("id")
	if ws.Str("role") != "owner" || ws.Str("consistency_token") == "" {
		t.Fatalf("create workspace: %s", ws.Raw)
	}
	add := env.Must(t, 201, "POST", "/v1/workspaces/"+wsID+"/members", alice, map[string]string{"user_id": bobID, "role": "member"})
	token := add.Str("consistency_token")
	if token == "" || add.Header.Get("Gatehouse-Consistency-Token") != token || add.Str("id") == "" {
		t.Fatalf("add member answer lacks id or token: %s", add.Raw)
	}
	fresh := map[string]any{"consistency": map[string]string{"at_least_as_fresh": token}}
	if r := check(t, env, bob, "workspace", wsID, "view_resources", fresh); r.Body["allowed"] != true || r.Str("decision") != "allow" || r.Str("checked_at") == "" {
		t.Fatalf("member check: %s", r.Raw)
	}
	if r := check(t, env, bob, "workspace", wsID, "manage_members", fresh); r.Body["allowed"] != false {
		t.Fatalf("member may not manage members: %s", r.Raw)
	}
	if r := check(t, env, outsider, "workspace", wsID, "view_resources", fresh); r.Body["allowed"] != false || r.Str("decision") != "deny" {
		t.Fatalf("outsider check: %s", r.Raw)
	}
	// The outsider cannot see the workspace at all; the member can.
	env.Must(t, 404, "GET", "/v1/workspaces/"+wsID, outsider, nil)
	env.Must(t, 404, "POST", "/v1/workspaces/"+wsID+"/members", outsider, map[string]string{"user_id": bobID, "role": "admin"})
	env.Must(t, 200, "GET", "/v1/workspaces/"+wsID, bob, nil)
	env.Must(t, 403, "POST", "/v1/workspaces/"+wsID+"/members", bob, map[string]string{"user_id": bobID, "role": "admin"})
	env.Must(t, 409, "POST", "/v1/workspaces/"+wsID+"/members", alice, map[string]string{"user_id": bobID, "role": "admin"})

	me := env.Must(t, 200, "GET", "/v1/me", bob, nil)
	wss, _ := me.Body["workspaces"].([]any)
	if len(wss) != 1 || wss[0].(map[string]any)["role"] != "member" {
		t.Fatalf("/v1/me: %s", me.Raw)
	}
	list := env.Must(t, 200, "GET", "/v1/workspaces", outsider, nil)
	if items, _ := list.Body["items"].([]any); len(items) != 0 {
		t.Fatalf("outsider lists %s", list.Raw)
	}
}

// A check without consistency is at least as fresh as the tenant's newest
// write: write-then-check never reads stale.
func TestReadYourWritesWithAndWithoutToken(t *testing.T) {
	t.Parallel()
	env := testenv.New(t)
	root := env.RootToken(t)
	_, owner := env.User(t, root, "owner@example.com", "member")
	ws := env.Must(t, 201, "POST", "/v1/workspaces", owner, map[string]string{"name": "rw"}).Str("id")
	stale := 0
	for i := range 20 {
		uid, tok := env.User(t, root, fmt.Sprintf("u%d@example.com", i), "member")
		add := env.Must(t, 201, "POST", "/v1/workspaces/"+ws+"/members", owner, map[string]string{"user_id": uid, "role": "member"})
		var extra map[string]any
		if i%2 == 0 {
			extra = map[string]any{"consistency": map[string]string{"at_least_as_fresh": add.Str("consistency_token")}}
		}
		if r := check(t, env, tok, "workspace", ws, "view", extra); r.Body["allowed"] != true {
			stale++
		}
	}
	if stale != 0 {
		t.Fatalf("%d stale answers", stale)
	}
}

func TestRequestsWithoutValidCredentialsGet401(t *testing.T) {
	t.Parallel()
	env := testenv.New(t)
	for _, tok := range []string{"", "nonsense", "ghs_" + strings.Repeat("a", 43), "ghs_" + strings.Repeat("x", 600)} {
		r := env.Do(t, "POST", "/v1/check", tok, map[string]any{"resource": map[string]string{"type": "tenant", "id": "x"}, "permission": "view_tenant"})
		if r.Status != 401 || r.Str("code") != "unauthenticated" || r.Header.Get("Content-Type") != "application/problem+json" {
			t.Errorf("token %.10q: %d %s", tok, r.Status, r.Raw)
		}
	}
	r := env.Do(t, "POST", "/v1/auth/login", "", map[string]string{"email": "root@example.com", "password": "wrong-password-1"})
	r2 := env.Do(t, "POST", "/v1/auth/login", "", map[string]string{"email": "nobody@example.com", "password": "wrong-password-1"})
	if r.Status != 401 || r2.Status != 401 || r.Str("detail") != r2.Str("detail") || r.Str("code") != r2.Str("code") {
		t.Fatalf("login errors differ: %s vs %s", r.Raw, r2.Raw)
	}
}

func TestFailedLoginsAreRateLimited(t *testing.T) {
	t.Parallel()
	env := testenv.New(t)
	var last testenv.Response
	for range 6 {
		last = env.Do(t, "POST", "/v1/auth/login", "", map[string]string{"email": "root@example.com", "password": "not-the-password"})
	}
	if last.Status != 429 || last.Header.Get("Retry-After") == "" {
		t.Fatalf("6th failed login: %d %s", last.Status, last.Raw)
	}
	// Even the right password is refused while limited.
	r := env.Do(t, "POST", "/v1/auth/login", "", map[string]string{"email": "root@example.com", "password": env.Config.BootstrapPassword})
	if r.Status != 429 {
		t.Fatalf("limited account logged in: %d", r.Status)
	}
}

// countState counts what a refused request must not change.
func countState(t *testing.T, env *testenv.Env) string {
	t.Helper()
	ctx := context.Background()
	var users, members, workspaces, outbox int
	err := env.Store.Pool.QueryRow(ctx, `SELECT (SELECT count(*) FROM users), (SELECT count(*) FROM workspace_members),
		(SELECT count(*) FROM workspaces), (SELECT count(*) FROM outbox)`).Scan(&users, &members, &workspaces, &outbox)
	if err != nil {
		t.Fatal(err)
	}
	rels := 0
	for _, typ := range []string{"workspace", "tenant", "platform"} {
		stream, err := env.SpiceDB.ReadRelationships(ctx, &v1.ReadRelationshipsRequest{
			Consistency:        &v1.Consistency{Requirement: &v1.Consistency_FullyConsistent{FullyConsistent: true}},
			RelationshipFilter: &v1.RelationshipFilter{ResourceType: typ},
		})
		if err != nil {
			t.Fatal(err)
		}
		for {
			if _, err := stream.Recv(); err != nil {
				break
			}
			rels++
		}
	}
	return fmt.Sprintf("users=%d members=%d workspaces=%d outbox=%d relationships=%d", users, members, workspaces, outbox, rels)
}

// Hostile and malformed input gets a clear 4xx naming the field, and
// nothing is stored or written to SpiceDB.
func TestBadInputIsRefusedAndStoresNothing(t *testing.T) {
	t.Parallel()
	env := testenv.New(t)
	root := env.RootToken(t)
	ws := env.Must(t, 201, "POST", "/v1/workspaces", root, map[string]string{"name": "target"}).Str("id")
	before := countState(t, env)
	long := strings.Repeat("a", 10*1024)
	cases := []struct {
		name, method, path string
		body               any
		status             int
		field              string
	}{
		{"malformed json", "POST", "/v1/workspaces", `{"name": "x"`, 400, ""},
		{"not an object", "POST", "/v1/workspaces", `["x"]`, 400, ""},
		{"two objects", "POST", "/v1/workspaces", `{"name":"a"}{"name":"b"}`, 400, ""},
		{"unknown field", "POST", "/v1/workspaces", `{"name":"x","owner":"me"}`, 400, "owner"},
		{"wrong type", "POST", "/v1/workspaces", `{"name": 42}`, 400, "name"},
		{"empty body", "POST", "/v1/workspaces", ``, 400, ""},
		{"oversized body", "POST", "/v1/workspaces", `{"name":"` + strings.Repeat("x", 2<<20) + `"}`, 400, ""},
		{"NUL in name", "POST", "/v1/workspaces", `{"name":"a\u0000b"}`, 400, ""},
		{"control char in name", "POST", "/v1/workspaces", `{"name":"a\u0007b"}`, 422, "name"},
		{"10 kB name", "POST", "/v1/workspaces", map[string]string{"name": long}, 422, "name"},
		{"empty name", "POST", "/v1/workspaces", map[string]string{"name": "  "}, 422, "name"},
		{"member id with #", "POST", "/v1/workspaces/" + ws + "/members", map[string]string{"user_id": "user:x#y@z", "role": "member"}, 422, "user_id"},
		{"member id ../", "POST", "/v1/workspaces/" + ws + "/members", map[string]string{"user_id": "../../etc", "role": "member"}, 422, "user_id"},
		{"member id 10 kB", "POST", "/v1/workspaces/" + ws + "/members", map[string]string{"user_id": long, "role": "member"}, 422, "user_id"},
		{"member unknown role", "POST", "/v1/workspaces/" + ws + "/members", map[string]string{"user_id": ws, "role": "god"}, 422, "role"},
		{"member both ids", "POST", "/v1/workspaces/" + ws + "/members", map[string]string{"user_id": ws, "group_id": ws, "role": "member"}, 422, "user_id"},
		{"member unknown user", "POST", "/v1/workspaces/" + ws + "/members", map[string]string{"user_id": "01a20c55-0000-7000-8000-000000000000", "role": "member"}, 404, ""},
		{"workspace id hostile", "POST", "/v1/workspaces/x%23y@z/members", map[string]string{"user_id": ws, "role": "member"}, 404, ""},
		{"invite bad email", "POST", "/v1/users", map[string]string{"email": "not-an-email", "name": "x"}, 422, "email"},
		{"invite unicode email", "POST", "/v1/users", map[string]string{"email": "ü@@example.com", "name": "x"}, 422, "email"},
		{"invite unknown role", "POST", "/v1/users", map[string]string{"email": "a@example.com", "name": "x", "global_role": "owner"}, 422, "global_role"},
		{"invite duplicate", "POST", "/v1/users", map[string]string{"email": "root@example.com", "name": "x"}, 409, ""},
		{"check bad type", "POST", "/v1/check", map[string]any{"resource": map[string]string{"type": "planet", "id": ws}, "permission": "view"}, 422, "resource.type"},
		{"check bad permission", "POST", "/v1/check", map[string]any{"resource": map[string]string{"type": "workspace", "id": ws}, "permission": "fly"}, 422, "permission"},
		{"check hostile subject", "POST", "/v1/check", map[string]any{"subject": map[string]string{"type": "user", "id": "x#y"}, "resource": map[string]string{"type": "workspace", "id": ws}, "permission": "view"}, 422, "subject.id"},
		{"check two consistencies", "POST", "/v1/check", map[string]any{"resource": map[string]string{"type": "workspace", "id": ws}, "permission": "view", "consistency": map[string]any{"fully_consistent": true, "minimize_latency": true}}, 422, "consistency"},
		{"accept unknown token", "POST", "/v1/invitations/accept", map[string]string{"token": "ghi_nope", "password": "long-enough-password"}, 422, "token"},
		{"accept short password", "POST", "/v1/invitations/accept", map[string]string{"token": "ghi_nope", "password": "short"}, 422, "password"},
		{"bulk empty", "POST", "/v1/check/bulk", map[string]any{"items": []any{}}, 422, "items"},
	}
	for _, c := range cases {
		r := env.Do(t, c.method, c.path, root, c.body)
		if r.Status != c.status || r.Header.Get("Content-Type") != "application/problem+json" || r.Str("code") == "" || r.Str("detail") == "" {
			t.Errorf("%s: got %d %s, want %d problem+json", c.name, r.Status, truncate(r.Raw), c.status)
			continue
		}
		if c.field != "" && r.Str("field") != c.field {
			t.Errorf("%s: field %q, want %q (%s)", c.name, r.Str("field"), c.field, truncate(r.Raw))
		}
	}
	if after := countState(t, env); after != before {
		t.Fatalf("refused requests changed state:\nbefore %s\nafter  %s", before, after)
	}
}

func truncate(b []byte) string {
	if len(b) > 300 {
		return string(b[:300]) + "…"
	}
	return string(b)
}

func TestBulkCheckAnswersInOrderWithPerItemErrors(t *testing.T) {
	t.Parallel()
	env := testenv.New(t)
	root := env.RootToken(t)
	_, member := env.User(t, root, "m@example.com", "member")
	ws := env.Must(t, 201, "POST", "/v1/workspaces", member, map[string]string{"name": "b"}).Str("id")
	r := env.Must(t, 200, "POST", "/v1/check/bulk", member, map[string]any{"items": []any{
		map[string]any{"resource": map[string]string{"type": "workspace", "id": ws}, "permission": "delete"},
		map[string]any{"resource": map[string]string{"type": "workspace", "id": "bad"}, "permission": "delete"},
		map[string]any{"resource": map[string]string{"type": "tenant", "id": ws}, "permission": "manage_users"},
	}})
	res := r.Body["results"].([]any)
	if len(res) != 3 || res[0].(map[string]any)["allowed"] != true || res[1].(map[string]any)["error"] == nil || res[2].(map[string]any)["allowed"] != false {
		t.Fatalf("bulk: %s", r.Raw)
	}
}

func TestGarbageConsistencyTokenIsA400(t *testing.T) {
	t.Parallel()
	env := testenv.New(t)
	root := env.RootToken(t)
	tenant := env.Must(t, 200, "GET", "/v1/me", root, nil).Str("tenant_id")
	body := map[string]any{"resource": map[string]string{"type": "tenant", "id": tenant}, "permission": "view_tenant",
		"consistency": map[string]string{"at_least_as_fresh": "not-a-token"}}
	if r := env.Do(t, "POST", "/v1/check", root, body); r.Status != 400 || r.Str("code") != "invalid_consistency_token" {
		t.Fatalf("garbage token in body: %d %s", r.Status, r.Raw)
	}
}
