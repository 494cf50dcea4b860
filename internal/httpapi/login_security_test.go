package httpapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/gatehouse/gatehouse/internal/testenv"
)

// login posts a login with optional tenant and forwarded-for header.
func login(t *testing.T, env *testenv.Env, email, password, tenant, forwardedFor string) testenv.Response {
	t.Helper()
	body := map[string]string{"email": email, "password": password}
	if tenant != "" {
		body["tenant"] = tenant
	}
	raw, err := json.Marshal(body)
	if err != nil {
		t.Fatal(err)
	}
	req, err := http.NewRequest("POST", env.Server.URL+"/v1/auth/login", bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	if forwardedFor != "" {
		req.Header.Set("X-Forwarded-For", forwardedFor)
		req.Header.Set("X-Real-IP", forwardedFor)
	}
	resp, err := env.Server.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	out := testenv.Response{Status: resp.StatusCode, Header: resp.Header}
	out.Raw, _ = io.ReadAll(resp.Body)
	_ = json.Unmarshal(out.Raw, &out.Body)
	return out
}

func wantRateLimited(t *testing.T, r testenv.Response, what string) {
	t.Helper()
	if r.Status != 429 || r.Str("code") != "rate_limited" {
		t.Fatalf("%s: %d %s, want 429 rate_limited", what, r.Status, r.Raw)
	}
	if s, err := strconv.Atoi(r.Header.Get("Retry-After")); err != nil || s < 1 {
		t.Fatalf("%s: Retry-After %q", what, r.Header.Get("Retry-After"))
	}
}

func auditAddrs(t *testing.T, env *testenv.Env, action string) map[string]int {
	t.Helper()
	rows, err := env.Store.Pool.Query(context.Background(), `SELECT client_addr FROM audit_log WHERE action = $1`, action)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[string]int{}
	for rows.Next() {
		var a string
		if err := rows.Scan(&a); err != nil {
			t.Fatal(err)
		}
		out[a]++
	}
	return out
}

func countRows(t *testing.T, env *testenv.Env, table string) int {
	t.Helper()
	var n int
	if err := env.Store.Pool.QueryRow(context.Background(), `SELECT count(*) FROM `+table).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// Without trusted proxies a client that sends a new X-Forwarded-For (and
// X-Real-IP) with every try is still one address: the per-address limit
// holds, and the audit log records the TCP peer, not the forged address.
func TestForgedXForwardedForDoesNotResetLoginLimit(t *testing.T) {
	t.Parallel()
	env := testenv.New(t)
	for i := range 20 {
		r := login(t, env, uniq("nobody")+"@example.com", "wrong-password-1", "", fmt.Sprintf("203.0.113.%d", i+1))
		if r.Status != 401 {
			t.Fatalf("failure %d: %d %s", i+1, r.Status, r.Raw)
		}
	}
	wantRateLimited(t, login(t, env, uniq("nobody")+"@example.com", "wrong-password-1", "", "198.51.100.200"), "21st failure with a fresh forged address")
	wantRateLimited(t, login(t, env, env.Config.BootstrapEmail, env.Config.BootstrapPassword, "", "192.0.2.1"), "right password from the throttled peer")
	addrs := auditAddrs(t, env, "auth.login")
	if len(addrs) != 1 || addrs["127.0.0.1"] != 20 {
		t.Fatalf("audit client addresses %v, want only the TCP peer 127.0.0.1 (20 failures)", addrs)
	}
}

// A configured trusted proxy may set the client address: then the limiter
// and the audit log use the address it forwards.
func TestTrustedProxySetsClientAddress(t *testing.T) {
	t.Parallel()
	cfg := testenv.Config(t)
	cfg.TrustedProxies = []string{"127.0.0.1/32"}
	env := testenv.Start(t, cfg)
	if r := login(t, env, "nobody@example.com", "wrong-password-1", "", "203.0.113.9"); r.Status != 401 {
		t.Fatalf("%d %s", r.Status, r.Raw)
	}
	if addrs := auditAddrs(t, env, "auth.login"); len(addrs) != 1 || addrs["203.0.113.9"] != 1 {
		t.Fatalf("audit client addresses %v, want the forwarded 203.0.113.9", addrs)
	}
}

// Failures from an attacker's address slow down that address (and its
// tries on the account), never the owner logging in from elsewhere: not
// even the superadmin can be locked out.
func TestLoginLimiterOwnerLogsInFromAnotherAddress(t *testing.T) {
	t.Parallel()
	cfg := testenv.Config(t)
	cfg.TrustedProxies = []string{"127.0.0.1"}
	env := testenv.Start(t, cfg)
	const attacker, owner = "203.0.113.66", "198.51.100.7"
	root := env.Config.BootstrapEmail
	for i := range 5 {
		if r := login(t, env, root, "not-the-password", "", attacker); r.Status != 401 {
			t.Fatalf("failure %d: %d %s", i+1, r.Status, r.Raw)
		}
	}
	wantRateLimited(t, login(t, env, root, "not-the-password", "", attacker), "6th failure on the account from the attacker")
	wantRateLimited(t, login(t, env, root, env.Config.BootstrapPassword, "", attacker), "right password from the attacker's address")
	// The attacker goes on with other accounts until the address is stopped.
	for i := range 15 {
		if r := login(t, env, uniq("victim")+"@example.com", "not-the-password", "", attacker); r.Status != 401 {
			t.Fatalf("other account %d: %d %s", i+1, r.Status, r.Raw)
		}
	}
	wantRateLimited(t, login(t, env, uniq("victim")+"@example.com", "not-the-password", "", attacker), "21st failure from the attacker's address")
	// The owner, elsewhere, logs in at once.
	r := login(t, env, root, env.Config.BootstrapPassword, "", owner)
	if r.Status != 200 || r.Str("token") == "" {
		t.Fatalf("owner from another address: %d %s", r.Status, r.Raw)
	}
	if addrs := auditAddrs(t, env, "auth.login"); addrs[owner] != 1 || addrs[attacker] != 20 {
		t.Fatalf("audit client addresses %v", addrs)
	}
}

// Two Gatehouse replicas on one database count the same failures: an
// attacker who spreads tries over replicas gets no more of them.
func TestLoginLimiterSharedByReplicas(t *testing.T) {
	t.Parallel()
	one := testenv.New(t)
	two := testenv.Start(t, one.Config)
	root := one.Config.BootstrapEmail
	for i, env := range []*testenv.Env{one, two, one, two, one} {
		if r := login(t, env, root, "not-the-password", "", ""); r.Status != 401 {
			t.Fatalf("failure %d: %d %s", i+1, r.Status, r.Raw)
		}
	}
	wantRateLimited(t, login(t, one, root, "not-the-password", "", ""), "6th failure on replica one")
	wantRateLimited(t, login(t, two, root, "not-the-password", "", ""), "6th failure on replica two")
}

// An oversized login field is a 422 before anything is stored: no
// limiter row, no audit entry, whatever its size.
func TestLongEmailLogin422StoresNothing(t *testing.T) {
	t.Parallel()
	env := testenv.New(t)
	attempts, audit := countRows(t, env, "login_attempts"), countRows(t, env, "audit_log")
	for _, c := range []struct {
		field string
		body  map[string]string
	}{
		{"email", map[string]string{"email": strings.Repeat("a", 243) + "@example.com", "password": "wrong-password-1"}}, // 255 bytes
		{"email", map[string]string{"email": strings.Repeat("b", 900_000) + "@example.com", "password": "wrong-password-1"}},
		{"password", map[string]string{"email": "root@example.com", "password": strings.Repeat("p", 1025)}},
		{"tenant", map[string]string{"email": "root@example.com", "password": "wrong-password-1", "tenant": strings.Repeat("t", 201)}},
		{"email", map[string]string{"email": "", "password": "wrong-password-1"}},
	} {
		r := env.Do(t, "POST", "/v1/auth/login", "", c.body)
		if r.Status != 422 || r.Str("field") != c.field {
			t.Fatalf("%s of %d bytes: %d %.300s", c.field, len(c.body[c.field]), r.Status, r.Raw)
		}
	}
	if a, b := countRows(t, env, "login_attempts"), countRows(t, env, "audit_log"); a != attempts || b != audit {
		t.Fatalf("stored: login_attempts %d -> %d, audit_log %d -> %d", attempts, a, audit, b)
	}
	// 254 bytes is a login like any other (and is counted).
	if r := env.Do(t, "POST", "/v1/auth/login", "", map[string]string{"email": strings.Repeat("c", 242) + "@example.com", "password": "wrong-password-1"}); r.Status != 401 {
		t.Fatalf("254-byte email: %d %s", r.Status, r.Raw)
	}
}

// The limiter's table cannot grow without bound: buckets older than the
// window are deleted as logins go.
func TestOldLoginAttemptsArePruned(t *testing.T) {
	t.Parallel()
	env := testenv.New(t)
	ctx := context.Background()
	if _, err := env.Store.Pool.Exec(ctx, `INSERT INTO login_attempts (key_hash, bucket_start, failures)
		SELECT sha256(i::text::bytea), now() - interval '1 hour' - i * interval '1 second', 1 FROM generate_series(1, 1000) AS i`); err != nil {
		t.Fatal(err)
	}
	if r := env.Do(t, "POST", "/v1/auth/login", "", map[string]string{"email": "nobody@example.com", "password": "wrong-password-1"}); r.Status != 401 {
		t.Fatalf("%d %s", r.Status, r.Raw)
	}
	var old, current int
	if err := env.Store.Pool.QueryRow(ctx, `SELECT count(*) FILTER (WHERE bucket_start < now() - interval '30 minutes'), count(*) FILTER (WHERE bucket_start >= now() - interval '30 minutes') FROM login_attempts`).Scan(&old, &current); err != nil {
		t.Fatal(err)
	}
	if old != 0 || current != 2 {
		t.Fatalf("after a failed login: %d old buckets left, %d current (want 0 and 2: address, address+account)", old, current)
	}
}

// Emails (and tenant names) are unique within a tenant only: another
// tenant's admin learns nothing from invites, email changes or renames,
// and cannot squat an address another tenant uses.
func TestEmailTakenInOtherTenantIsNoOracle(t *testing.T) {
	t.Parallel()
	env := testenv.New(t)
	root := env.RootToken(t)
	me := env.Must(t, 200, "GET", "/v1/me", root, nil)
	tenantA := me.Str("tenant_id")
	tenantAName := env.Must(t, 200, "GET", "/v1/tenants/"+tenantA, root, nil).Str("name")
	aliceID, _ := env.User(t, root, "alice@example.com", "member")
	tb := env.Must(t, 201, "POST", "/v1/tenants", root, map[string]any{"name": "Tenant B", "admin": map[string]string{"email": "boss@b.example.com", "name": "B admin"}})
	env.Must(t, 200, "POST", "/v1/invitations/accept", "", map[string]string{"token": tb.Body["admin"].(map[string]any)["invitation_token"].(string), "password": "password-admin-b"})
	adminB := env.Login(t, "boss@b.example.com", "password-admin-b")

	// Invite an address tenant A uses: accepted, in tenant B.
	inv := env.Must(t, 201, "POST", "/v1/users", adminB, map[string]string{"email": "Alice@example.com", "name": "B's Alice", "global_role": "member"})
	if inv.Str("tenant_id") != tb.Str("id") {
		t.Fatalf("invited into %s", inv.Str("tenant_id"))
	}
	// Within tenant B the address is now taken.
	if r := env.Do(t, "POST", "/v1/users", adminB, map[string]string{"email": "alice@example.com", "name": "again"}); r.Status != 409 || r.Str("code") != "email_taken" {
		t.Fatalf("duplicate within the tenant: %d %s", r.Status, r.Raw)
	}
	// An email change to the superadmin's address, and a rename to tenant
	// A's name, both succeed.
	other := env.Must(t, 201, "POST", "/v1/users", adminB, map[string]string{"email": "carol@b.example.com", "name": "Carol"}).Str("id")
	env.Must(t, 200, "PATCH", "/v1/users/"+other, adminB, map[string]string{"email": "root@example.com"})
	env.Must(t, 200, "PATCH", "/v1/tenants/"+tb.Str("id"), adminB, map[string]string{"name": tenantAName})
	// A new tenant's first admin may have an address used elsewhere.
	env.Must(t, 201, "POST", "/v1/tenants", root, map[string]any{"name": "Tenant C", "admin": map[string]string{"email": "alice@example.com"}})

	// Tenant A's users are untouched and still log in without a tenant
	// (the other tenants' accounts of their emails are not active).
	if r := login(t, env, "alice@example.com", "password-alice@example.com", "", ""); r.Status != 200 || r.Body["user"].(map[string]any)["id"] != aliceID {
		t.Fatalf("alice: %d %s", r.Status, r.Raw)
	}
	if r := login(t, env, "root@example.com", env.Config.BootstrapPassword, "", ""); r.Status != 200 || r.Body["user"].(map[string]any)["id"] != me.Str("id") {
		t.Fatalf("root: %d %s", r.Status, r.Raw)
	}
}

// The same email in two tenants: a login names the tenant (id or name);
// without it, or with the wrong one, the answer is the one an unknown email
// gets. Sessions, /v1/me and invitations find the right user.
func TestLoginWithTenantWhenEmailInTwoTenants(t *testing.T) {
	t.Parallel()
	env := testenv.New(t)
	root := env.RootToken(t)
	tenantA := env.Must(t, 200, "GET", "/v1/me", root, nil).Str("tenant_id")
	tb := env.Must(t, 201, "POST", "/v1/tenants", root, map[string]any{"name": "Beta Corp", "admin": map[string]string{"email": "sam@example.com", "name": "Sam B"}})
	tenantB := tb.Str("id")
	samB := tb.Body["admin"].(map[string]any)
	invA := env.Must(t, 201, "POST", "/v1/users", root, map[string]string{"email": "sam@example.com", "name": "Sam A", "global_role": "member"})
	// Each invitation activates its own tenant's user.
	if r := env.Must(t, 200, "POST", "/v1/invitations/accept", "", map[string]string{"token": samB["invitation_token"].(string), "password": "password-sam-beta"}); r.Body["user"].(map[string]any)["id"] != samB["id"] {
		t.Fatalf("B's invitation activated %s", r.Raw)
	}
	if r := env.Must(t, 200, "POST", "/v1/invitations/accept", "", map[string]string{"token": invA.Str("invitation_token"), "password": "password-sam-alpha"}); r.Body["user"].(map[string]any)["id"] != invA.Str("id") {
		t.Fatalf("A's invitation activated %s", r.Raw)
	}

	unknown := login(t, env, "nobody-at-all@example.com", "password-sam-alpha", "", "")
	for name, r := range map[string]testenv.Response{
		"no tenant":               login(t, env, "sam@example.com", "password-sam-alpha", "", ""),
		"B's id, A's password":    login(t, env, "sam@example.com", "password-sam-alpha", tenantB, ""),
		"a tenant that is not":    login(t, env, "sam@example.com", "password-sam-beta", "No Such Tenant", ""),
		"unknown email, tenant B": login(t, env, "nobody-at-all@example.com", "password-sam-beta", tenantB, ""),
	} {
		if r.Status != 401 || r.Str("code") != unknown.Str("code") || r.Str("detail") != unknown.Str("detail") || unknown.Status != 401 {
			t.Errorf("%s: %d %s; an unknown email gets %d %s", name, r.Status, r.Raw, unknown.Status, unknown.Raw)
		}
	}
	for _, c := range []struct{ tenant, password, wantUser, wantTenant string }{
		{tenantB, "password-sam-beta", samB["id"].(string), tenantB},
		{"beta corp", "password-sam-beta", samB["id"].(string), tenantB},
		{tenantA, "password-sam-alpha", invA.Str("id"), tenantA},
		{"default", "password-sam-alpha", invA.Str("id"), tenantA},
	} {
		r := login(t, env, "SAM@example.com", c.password, c.tenant, "")
		if r.Status != 200 {
			t.Fatalf("tenant %q: %d %s", c.tenant, r.Status, r.Raw)
		}
		me := env.Must(t, 200, "GET", "/v1/me", r.Str("token"), nil)
		if me.Str("id") != c.wantUser || me.Str("tenant_id") != c.wantTenant {
			t.Fatalf("tenant %q: session of %s in %s, want %s in %s", c.tenant, me.Str("id"), me.Str("tenant_id"), c.wantUser, c.wantTenant)
		}
	}
}

// A failed login whose email names no single account is audited without a
// tenant: platform superadmins read those entries, tenant admins do not.
func TestPlatformSuperadminReadsTenantlessFailedLogins(t *testing.T) {
	t.Parallel()
	env := testenv.New(t)
	root := env.RootToken(t)
	_, admin := env.User(t, root, "admin@example.com", "admin")
	if r := env.Do(t, "POST", "/v1/auth/login", "", map[string]string{"email": "ghost@example.com", "password": "wrong-password-1"}); r.Status != 401 {
		t.Fatalf("%d %s", r.Status, r.Raw)
	}
	has := func(r testenv.Response) bool {
		for _, it := range r.Body["items"].([]any) {
			e := it.(map[string]any)
			if e["target"] == "email:ghost@example.com" && e["action"] == "auth.login" && e["outcome"] == "denied" {
				if _, ok := e["tenant_id"]; ok {
					t.Fatalf("tenant-less entry with a tenant: %v", e)
				}
				return true
			}
		}
		return false
	}
	if r := env.Must(t, 200, "GET", "/v1/audit-logs?tenant_id=none&action=auth.login", root, nil); !has(r) {
		t.Fatalf("superadmin does not see the failed login: %s", r.Raw)
	}
	if r := env.Do(t, "GET", "/v1/audit-logs?tenant_id=none", admin, nil); r.Status != 403 {
		t.Fatalf("tenant admin reading tenant-less entries: %d %s", r.Status, r.Raw)
	}
	if r := env.Must(t, 200, "GET", "/v1/audit-logs?action=auth.login", admin, nil); has(r) {
		t.Fatalf("tenant admin sees the tenant-less entry in their tenant's log: %s", r.Raw)
	}
}

// SSO provisions into its configured tenant (here the default, oldest
// one): the same email in another tenant is no obstacle and is not
// revealed, and that tenant's user is left alone.
func TestSSOEmailInOtherTenantIsNoOracle(t *testing.T) {
	t.Parallel()
	env := testenv.StartOIDC(t, testenv.Config(t))
	root := env.RootToken(t)
	tenantA := env.Must(t, 200, "GET", "/v1/me", root, nil).Str("tenant_id")
	tb := env.Must(t, 201, "POST", "/v1/tenants", root, map[string]any{"name": "Tenant K", "admin": map[string]string{"email": "kim@example.com", "name": "Kim B"}})
	kimB := tb.Body["admin"].(map[string]any)["id"].(string)
	env.Provider.SetUser(ssoUser("kim", nil))
	r := ssoLogin(t, env, "kim")
	if r.Status != 200 {
		t.Fatalf("SSO with an email used in another tenant: %d %s", r.Status, r.Raw)
	}
	u := r.Body["user"].(map[string]any)
	if u["tenant_id"] != tenantA || u["id"] == kimB {
		t.Fatalf("SSO user %v, want a new user of tenant %s", u, tenantA)
	}
	if b := env.Must(t, 200, "GET", "/v1/users/"+kimB, root, nil); b.Str("status") != "invited" || b.Str("tenant_id") != tb.Str("id") {
		t.Fatalf("tenant K's user changed: %s", b.Raw)
	}
}

// A burst of concurrent wrong passwords gets exactly the limit's worth of
// tries: each attempt is counted atomically before the password is checked.
func TestConcurrentLoginBurstCannotExceedLimit(t *testing.T) {
	t.Parallel()
	env := testenv.New(t)
	const n = 12
	statuses := make(chan int, n)
	var wg sync.WaitGroup
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			// No t.Fatal off the test goroutine: an error counts as status 0.
			resp, err := env.Server.Client().Post(env.Server.URL+"/v1/auth/login", "application/json",
				strings.NewReader(`{"email": "`+env.Config.BootstrapEmail+`", "password": "not-the-password"}`))
			if err != nil {
				statuses <- 0
				return
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			statuses <- resp.StatusCode
		}()
	}
	wg.Wait()
	close(statuses)
	got := map[int]int{}
	for s := range statuses {
		got[s]++
	}
	if got[401] != 5 || got[429] != n-5 {
		t.Fatalf("statuses %v, want 5 x 401 and %d x 429", got, n-5)
	}
}
