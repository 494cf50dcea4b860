package httpapi_test

import (
	"context"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/testenv"
)

// ssoUser is an account at the in-process provider.
func ssoUser(name string, claims map[string]any) testenv.OIDCUser {
	return testenv.OIDCUser{
		Subject: "sub-" + name, Username: name, Password: "pw-" + name,
		Email: name + "@example.com", EmailVerified: true, Name: strings.ToUpper(name[:1]) + name[1:], Claims: claims,
	}
}

func ssoLogin(t *testing.T, env *testenv.OIDCEnv, name string) testenv.Response {
	t.Helper()
	return env.Browser(t).SSOLogin(name, "pw-"+name)
}

func noDriftAfter(t *testing.T, env *testenv.Env) {
	t.Helper()
	drift, err := env.Projector.Reconcile(context.Background(), false)
	if err != nil || !drift.Empty() {
		t.Fatalf("drift: %+v %v", drift, err)
	}
}

func userGroupNames(t *testing.T, env *testenv.Env, root, userID string) []string {
	t.Helper()
	r := env.Must(t, 200, "GET", "/v1/users/"+userID+"/groups", root, nil)
	var names []string
	for _, g := range r.Body["items"].([]any) {
		names = append(names, g.(map[string]any)["name"].(string))
	}
	sort.Strings(names)
	return names
}

// The first SSO login provisions an active user (no password) in the
// default tenant with the role of the role claim and answers exactly like
// a password login; the next login finds the same user by its identity and
// maps the role again.
func TestOIDCFirstLoginProvisionsActiveUserWithMappedRole(t *testing.T) {
	t.Parallel()
	cfg := testenv.Config(t)
	cfg.OIDCRoleClaim = "gatehouse_role"
	env := testenv.StartOIDC(t, cfg)
	root := env.RootToken(t)
	tenant := env.Must(t, 200, "GET", "/v1/me", root, nil).Str("tenant_id")
	env.Provider.SetUser(ssoUser("alice", map[string]any{"gatehouse_role": "admin"}))

	r := ssoLogin(t, env, "alice")
	if r.Status != 200 {
		t.Fatalf("SSO login: %d %s", r.Status, r.Raw)
	}
	pw := env.Must(t, 200, "POST", "/v1/auth/login", "", map[string]string{"email": env.Config.BootstrapEmail, "password": env.Config.BootstrapPassword})
	if keys(r.Body) != keys(pw.Body) || keys(r.Body) != "expires_at,token,user" {
		t.Fatalf("SSO answer %s differs from a password login's %s", keys(r.Body), keys(pw.Body))
	}
	if _, err := time.Parse(time.RFC3339, r.Str("expires_at")); err != nil {
		t.Fatalf("expires_at: %v", err)
	}
	u := r.Body["user"].(map[string]any)
	if u["status"] != "active" || u["global_role"] != "admin" || u["email"] != "alice@example.com" || u["name"] != "Alice" || u["tenant_id"] != tenant {
		t.Fatalf("provisioned user: %s", r.Raw)
	}
	alice, tok := u["id"].(string), r.Str("token")
	me := env.Must(t, 200, "GET", "/v1/me", tok, nil)
	if me.Str("id") != alice {
		t.Fatalf("/v1/me with the SSO session: %s", me.Raw)
	}
	if !asRoot(t, env.Env, root, alice, "tenant", tenant, "manage_users") {
		t.Fatal("the admin role from the claim is not in effect")
	}
	// No password: password login is refused.
	env.Must(t, 401, "POST", "/v1/auth/login", "", map[string]string{"email": "alice@example.com", "password": ""})

	// The claim changes: the role follows at the next login, same user.
	env.Provider.SetUser(ssoUser("alice", nil))
	r = ssoLogin(t, env, "alice")
	if r.Status != 200 || r.Body["user"].(map[string]any)["id"] != alice || r.Body["user"].(map[string]any)["global_role"] != "member" {
		t.Fatalf("second login: %d %s", r.Status, r.Raw)
	}
	if asRoot(t, env.Env, root, alice, "tenant", tenant, "manage_users") || !asRoot(t, env.Env, root, alice, "tenant", tenant, "view_tenant") {
		t.Fatal("the role did not follow the claim")
	}
	if n := len(env.Must(t, 200, "GET", "/v1/users?q=alice", root, nil).Body["items"].([]any)); n != 1 {
		t.Fatalf("%d users named alice", n)
	}
	// A superadmin comes only from a claim that says superadmin.
	env.Provider.SetUser(ssoUser("alice", map[string]any{"gatehouse_role": []any{"member", "superadmin"}}))
	if r = ssoLogin(t, env, "alice"); r.Body["user"].(map[string]any)["global_role"] != "superadmin" {
		t.Fatalf("superadmin claim: %s", r.Raw)
	}
	audit := env.Must(t, 200, "GET", "/v1/audit-logs?action=auth.sso_login", root, nil)
	if n := len(audit.Body["items"].([]any)); n != 3 {
		t.Fatalf("want 3 audited SSO logins, got %d: %s", n, audit.Raw)
	}
	noDriftAfter(t, env.Env)
}

// The groups claim creates missing groups and syncs membership at every
// login; a workspace membership held by such a group takes effect at once;
// a group the claim drops loses the user, a group an administrator made
// does not.
func TestOIDCGroupsClaimSyncsGroups(t *testing.T) {
	t.Parallel()
	cfg := testenv.Config(t)
	cfg.OIDCGroupsClaim = "groups"
	env := testenv.StartOIDC(t, cfg)
	root := env.RootToken(t)
	_, owner := env.User(t, root, "owner@example.com", "member")
	ops := env.Must(t, 201, "POST", "/v1/groups", root, map[string]string{"name": "ops"}).Str("id")
	env.Provider.SetUser(ssoUser("carol", map[string]any{"groups": []any{"ml-team", "Ops", "ml-team"}}))

	r := ssoLogin(t, env, "carol")
	if r.Status != 200 {
		t.Fatalf("SSO login: %d %s", r.Status, r.Raw)
	}
	carolID, carol := r.Body["user"].(map[string]any)["id"].(string), r.Str("token")
	if got := strings.Join(userGroupNames(t, env.Env, root, carolID), ","); got != "ml-team,ops" {
		t.Fatalf("groups after the first login: %s", got)
	}
	var mlTeam string
	for _, g := range env.Must(t, 200, "GET", "/v1/groups", root, nil).Body["items"].([]any) {
		if g.(map[string]any)["name"] == "ml-team" {
			mlTeam = g.(map[string]any)["id"].(string)
		}
	}
	ws := env.Must(t, 201, "POST", "/v1/workspaces", owner, map[string]string{"name": "sso"}).Str("id")
	env.Must(t, 201, "POST", "/v1/workspaces/"+ws+"/members", owner, map[string]string{"group_id": mlTeam, "role": "admin"})
	if r := check(t, env.Env, carol, "workspace", ws, "update", nil); r.Body["allowed"] != true {
		t.Fatalf("carol not allowed through the SSO group: %s", r.Raw)
	}

	// The claim drops ml-team and ops and names data: ml-team (SSO's) loses
	// carol, ops (an administrator's) keeps her.
	env.Provider.SetUser(ssoUser("carol", map[string]any{"groups": []any{"data"}}))
	r = ssoLogin(t, env, "carol")
	if r.Status != 200 {
		t.Fatalf("second SSO login: %d %s", r.Status, r.Raw)
	}
	carol = r.Str("token")
	if got := strings.Join(userGroupNames(t, env.Env, root, carolID), ","); got != "data,ops" {
		t.Fatalf("groups after the second login: %s", got)
	}
	if r := check(t, env.Env, carol, "workspace", ws, "update", nil); r.Body["allowed"] != false {
		t.Fatalf("carol still allowed after the claim dropped the group: %s", r.Raw)
	}
	if members := env.Must(t, 200, "GET", "/v1/groups/"+ops, root, nil).Body["members"].([]any); len(members) != 1 {
		t.Fatalf("ops members: %v", members)
	}
	// No claim at all: every SSO group goes, administrators' stay.
	env.Provider.SetUser(ssoUser("carol", nil))
	if r := ssoLogin(t, env, "carol"); r.Status != 200 {
		t.Fatalf("third SSO login: %d %s", r.Status, r.Raw)
	}
	if got := strings.Join(userGroupNames(t, env.Env, root, carolID), ","); got != "ops" {
		t.Fatalf("groups after a login without the claim: %s", got)
	}
	noDriftAfter(t, env.Env)
}

// A callback whose state is not the one this browser started is refused;
// the real one then works once, and never again.
func TestOIDCTamperedOrReusedStateRefused(t *testing.T) {
	t.Parallel()
	env := testenv.StartOIDC(t, testenv.Config(t))
	env.Provider.SetUser(ssoUser("dave", nil))
	b := env.Browser(t)
	cb := b.Authorize("dave", "pw-dave")

	tampered := withQuery(cb, "state", cb.Query().Get("state")+"x")
	if r := b.Callback(tampered); r.Status != 400 || r.Str("code") != "sso_invalid_state" {
		t.Fatalf("tampered state: %d %s", r.Status, r.Raw)
	}
	if r := b.Callback(withQuery(cb, "state", "")); r.Status != 400 || r.Str("code") != "sso_invalid_state" {
		t.Fatalf("no state: %d %s", r.Status, r.Raw)
	}
	// Another browser (no state cookie) cannot finish this login.
	if r := env.Browser(t).Callback(cb); r.Status != 400 || r.Str("code") != "sso_invalid_state" {
		t.Fatalf("callback from another browser: %d %s", r.Status, r.Raw)
	}
	if r := b.Callback(cb); r.Status != 200 {
		t.Fatalf("the real callback: %d %s", r.Status, r.Raw)
	}
	if r := b.Callback(cb); r.Status != 400 || r.Str("code") != "sso_invalid_state" {
		t.Fatalf("replayed callback: %d %s", r.Status, r.Raw)
	}
	// Even with the state cookie put back, the state is single use.
	b.Client.Jar.SetCookies(cb, []*http.Cookie{{Name: "gatehouse_oidc_state", Value: cb.Query().Get("state"), Path: "/v1/auth/oidc/"}})
	if r := b.Callback(cb); r.Status != 400 || !strings.Contains(r.Str("detail"), "already used") {
		t.Fatalf("replayed state: %d %s", r.Status, r.Raw)
	}
}

// A login state older than its lifetime is refused.
func TestOIDCExpiredStateRefused(t *testing.T) {
	t.Parallel()
	env := testenv.StartOIDC(t, testenv.Config(t))
	env.Provider.SetUser(ssoUser("erin", nil))
	b := env.Browser(t)
	cb := b.Authorize("erin", "pw-erin")
	if _, err := env.Store.Pool.Exec(context.Background(), `UPDATE oidc_login_states SET expires_at = now() - interval '1 second'`); err != nil {
		t.Fatal(err)
	}
	if r := b.Callback(cb); r.Status != 400 || r.Str("code") != "sso_invalid_state" {
		t.Fatalf("expired state: %d %s", r.Status, r.Raw)
	}
}

// An ID token whose nonce is not the login's (signed by the real provider)
// is refused.
func TestOIDCWrongNonceRefused(t *testing.T) {
	t.Parallel()
	env := testenv.StartOIDC(t, testenv.Config(t))
	root := env.RootToken(t)
	env.Provider.SetUser(ssoUser("frank", nil))
	env.Provider.ForgeNonce("a-nonce-from-another-login")
	if r := ssoLogin(t, env, "frank"); r.Status != 401 || r.Str("code") != "sso_failed" || !strings.Contains(r.Str("detail"), "nonce") {
		t.Fatalf("forged nonce: %d %s", r.Status, r.Raw)
	}
	if n := len(env.Must(t, 200, "GET", "/v1/users?q=frank", root, nil).Body["items"].([]any)); n != 0 {
		t.Fatal("a user was provisioned from a refused login")
	}
	env.Provider.ForgeNonce("")
	if r := ssoLogin(t, env, "frank"); r.Status != 200 {
		t.Fatalf("honest nonce: %d %s", r.Status, r.Raw)
	}
}

// An authorization code already redeemed, or expired at the provider, is
// refused by the provider and the login fails.
func TestOIDCReusedOrExpiredCodeRefused(t *testing.T) {
	t.Parallel()
	env := testenv.StartOIDC(t, testenv.Config(t))
	env.Provider.SetUser(ssoUser("gina", nil))
	b := env.Browser(t)
	first := b.Authorize("gina", "pw-gina")
	if r := b.Callback(first); r.Status != 200 {
		t.Fatalf("first login: %d %s", r.Status, r.Raw)
	}
	// A fresh login (state, nonce, PKCE of its own) fed the used code.
	second := b.Authorize("gina", "pw-gina")
	if r := b.Callback(withQuery(second, "code", first.Query().Get("code"))); r.Status != 401 || r.Str("code") != "sso_failed" {
		t.Fatalf("reused code: %d %s", r.Status, r.Raw)
	}
	// A live code of someone else's login (code injection): the provider
	// refuses it, its PKCE challenge is not this login's verifier.
	other := env.Browser(t).Authorize("gina", "pw-gina")
	mine := b.Authorize("gina", "pw-gina")
	if r := b.Callback(withQuery(mine, "code", other.Query().Get("code"))); r.Status != 401 || r.Str("code") != "sso_failed" {
		t.Fatalf("injected code: %d %s", r.Status, r.Raw)
	}
	// A code that expires before it is redeemed.
	third := b.Authorize("gina", "pw-gina")
	env.Provider.Advance(testenv.CodeTTL + time.Second)
	if r := b.Callback(third); r.Status != 401 || r.Str("code") != "sso_failed" {
		t.Fatalf("expired code: %d %s", r.Status, r.Raw)
	}
	// The provider says no (e.g. the user cancelled).
	fourth := b.Authorize("gina", "pw-gina")
	denied := withQuery(withQuery(fourth, "code", ""), "error", "access_denied")
	if r := b.Callback(denied); r.Status != 401 || r.Str("code") != "sso_failed" {
		t.Fatalf("provider error: %d %s", r.Status, r.Raw)
	}
}

// The allow-list admits only accounts whose claim holds an allowed value.
func TestOIDCAllowListRefuses(t *testing.T) {
	t.Parallel()
	cfg := testenv.Config(t)
	cfg.OIDCAllowedClaim, cfg.OIDCAllowedValues = "groups", []string{"staff", "contractors"}
	env := testenv.StartOIDC(t, cfg)
	root := env.RootToken(t)
	env.Provider.SetUser(ssoUser("hank", map[string]any{"groups": []any{"guests"}}))
	env.Provider.SetUser(ssoUser("ivy", map[string]any{"groups": []any{"guests", "contractors"}}))
	if r := ssoLogin(t, env, "hank"); r.Status != 403 || r.Str("code") != "sso_not_allowed" {
		t.Fatalf("not allowed: %d %s", r.Status, r.Raw)
	}
	if n := len(env.Must(t, 200, "GET", "/v1/users?q=hank", root, nil).Body["items"].([]any)); n != 0 {
		t.Fatal("a refused account was provisioned")
	}
	if r := ssoLogin(t, env, "ivy"); r.Status != 200 {
		t.Fatalf("allowed: %d %s", r.Status, r.Raw)
	}
	audit := env.Must(t, 200, "GET", "/v1/audit-logs?action=auth.sso_login", root, nil)
	outcomes := map[any]int{}
	for _, e := range audit.Body["items"].([]any) {
		outcomes[e.(map[string]any)["outcome"]]++
	}
	if outcomes["denied"] != 1 || outcomes["success"] != 1 {
		t.Fatalf("want one refusal and one success audited, got %s", audit.Raw)
	}
}

// A disabled or deleted user cannot get in through SSO; enabling an SSO
// user (no password) makes them active again, not invited.
func TestOIDCDisabledOrDeletedUserRefused(t *testing.T) {
	t.Parallel()
	env := testenv.StartOIDC(t, testenv.Config(t))
	root := env.RootToken(t)
	env.Provider.SetUser(ssoUser("jack", nil))
	r := ssoLogin(t, env, "jack")
	if r.Status != 200 {
		t.Fatalf("login: %d %s", r.Status, r.Raw)
	}
	jack, tok := r.Body["user"].(map[string]any)["id"].(string), r.Str("token")

	env.Must(t, 200, "POST", "/v1/users/"+jack+"/disable", root, nil)
	env.Must(t, 401, "GET", "/v1/me", tok, nil)
	if r := ssoLogin(t, env, "jack"); r.Status != 401 || r.Str("code") != "invalid_credentials" {
		t.Fatalf("disabled user: %d %s", r.Status, r.Raw)
	}
	if got := env.Must(t, 200, "POST", "/v1/users/"+jack+"/enable", root, nil).Str("status"); got != "active" {
		t.Fatalf("enabled SSO user is %q, want active", got)
	}
	if r := ssoLogin(t, env, "jack"); r.Status != 200 {
		t.Fatalf("enabled user: %d %s", r.Status, r.Raw)
	}

	env.Must(t, 200, "DELETE", "/v1/users/"+jack, root, nil)
	if r := ssoLogin(t, env, "jack"); r.Status != 401 || r.Str("code") != "invalid_credentials" {
		t.Fatalf("deleted user: %d %s", r.Status, r.Raw)
	}
	noDriftAfter(t, env.Env)
}

// An invited user with the same verified email is linked by the first SSO
// login and becomes active; an unverified email links nobody.
func TestOIDCLinksInvitedUserByVerifiedEmail(t *testing.T) {
	t.Parallel()
	env := testenv.StartOIDC(t, testenv.Config(t))
	root := env.RootToken(t)
	inv := env.Must(t, 201, "POST", "/v1/users", root, map[string]string{"email": "kate@example.com", "name": "Kate", "global_role": "admin"})
	unverified := ssoUser("kate", nil)
	unverified.EmailVerified = false
	env.Provider.SetUser(unverified)
	if r := ssoLogin(t, env, "kate"); r.Status != 409 || r.Str("code") != "sso_email_unverified" {
		t.Fatalf("unverified email: %d %s", r.Status, r.Raw)
	}
	env.Provider.SetUser(ssoUser("kate", nil))
	r := ssoLogin(t, env, "kate")
	u, _ := r.Body["user"].(map[string]any)
	if r.Status != 200 || u["id"] != inv.Str("id") || u["status"] != "active" || u["global_role"] != "admin" {
		t.Fatalf("linking the invited user: %d %s", r.Status, r.Raw)
	}
	// Her invitation is spent.
	env.Must(t, 409, "POST", "/v1/invitations/accept", "", map[string]string{"token": inv.Str("invitation_token"), "password": "a-long-password"})
	noDriftAfter(t, env.Env)
}

// Without SSO configured the routes answer 404 sso_not_configured.
func TestOIDCRoutesWithoutSSO(t *testing.T) {
	t.Parallel()
	env := testenv.New(t)
	for _, p := range []string{"/v1/auth/oidc/login", "/v1/auth/oidc/callback?state=x&code=y"} {
		if r := env.Do(t, "GET", p, "", nil); r.Status != 404 || r.Str("code") != "sso_not_configured" {
			t.Fatalf("%s: %d %s", p, r.Status, r.Raw)
		}
	}
}

func keys(m map[string]any) string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return strings.Join(ks, ",")
}

func withQuery(u *url.URL, key, value string) *url.URL {
	c := *u
	q := c.Query()
	if value == "" {
		q.Del(key)
	} else {
		q.Set(key, value)
	}
	c.RawQuery = q.Encode()
	return &c
}
