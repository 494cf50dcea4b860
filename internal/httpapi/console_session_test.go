package httpapi_test

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse/internal/testenv"
)

// consoleReq sends a request with the given cookies and headers (no
// redirects followed) and answers the status, body and response.
func consoleReq(t *testing.T, env *testenv.Env, method, path, body string, cookies []*http.Cookie, header map[string]string) (int, map[string]any, *http.Response) {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, env.Server.URL+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	for _, c := range cookies {
		req.AddCookie(&http.Cookie{Name: c.Name, Value: c.Value})
	}
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	var out map[string]any
	_ = json.Unmarshal(raw, &out)
	return res.StatusCode, out, res
}

func cookieNamed(cs []*http.Cookie, name string) *http.Cookie {
	for _, c := range cs {
		if c.Name == name {
			return c
		}
	}
	return nil
}

// The console's cookie login: HttpOnly + SameSite=Strict session cookie, a
// CSRF cookie bound to it, no token in the body; cookie-authenticated
// writes need the CSRF header; Bearer tokens work as before.
func TestConsoleCookieSessionAndCSRF(t *testing.T) {
	t.Parallel()
	env := testenv.New(t)
	creds := `{"email":"` + env.Config.BootstrapEmail + `","password":"` + env.Config.BootstrapPassword + `"}`

	// A cookie login without the CSRF header is refused: another site could
	// otherwise sign a browser into an account of its choosing.
	if st, body, _ := consoleReq(t, env, "POST", "/v1/auth/login?cookie=1", creds, nil, nil); st != 403 || body["code"] != "csrf_failed" {
		t.Fatalf("cookie login without CSRF header: %d %v", st, body)
	}
	st, body, res := consoleReq(t, env, "POST", "/v1/auth/login?cookie=1", creds, nil, map[string]string{"X-Gatehouse-CSRF": "1"})
	if st != 200 {
		t.Fatalf("cookie login: %d %v", st, body)
	}
	if _, has := body["token"]; has {
		t.Fatalf("a cookie login must not hand the token to script: %v", body)
	}
	if body["user"] == nil || body["expires_at"] == nil {
		t.Fatalf("cookie login answer lacks user or expires_at: %v", body)
	}
	sess, csrf := cookieNamed(res.Cookies(), "gatehouse_session"), cookieNamed(res.Cookies(), "gatehouse_csrf")
	if sess == nil || csrf == nil {
		t.Fatalf("cookie login set %v", res.Header.Values("Set-Cookie"))
	}
	if !sess.HttpOnly || sess.SameSite != http.SameSiteStrictMode || sess.Path != "/" || sess.Expires.IsZero() {
		t.Fatalf("session cookie must be HttpOnly, SameSite=Strict, Path=/, expiring: %q", res.Header.Values("Set-Cookie"))
	}
	if csrf.HttpOnly || csrf.SameSite != http.SameSiteStrictMode || csrf.Value == "" || csrf.Value == sess.Value {
		t.Fatalf("CSRF cookie must be readable by script, SameSite=Strict, and not the session token: %q", res.Header.Values("Set-Cookie"))
	}
	jar := []*http.Cookie{sess, csrf}

	// Reads need only the cookie.
	if st, body, _ := consoleReq(t, env, "GET", "/v1/me", "", jar, nil); st != 200 || body["email"] != env.Config.BootstrapEmail {
		t.Fatalf("GET /v1/me with the cookie: %d %v", st, body)
	}
	// Writes need the CSRF header, matching the session.
	ws := `{"name":"Console"}`
	if st, body, _ := consoleReq(t, env, "POST", "/v1/workspaces", ws, jar, nil); st != 403 || body["code"] != "csrf_failed" {
		t.Fatalf("cookie POST without CSRF header: %d %v", st, body)
	}
	if st, body, _ := consoleReq(t, env, "POST", "/v1/workspaces", ws, jar, map[string]string{"X-Gatehouse-CSRF": "forged"}); st != 403 || body["code"] != "csrf_failed" {
		t.Fatalf("cookie POST with a wrong CSRF header: %d %v", st, body)
	}
	// A planted CSRF cookie (cookie injection) does not match the session.
	planted := []*http.Cookie{sess, {Name: "gatehouse_csrf", Value: "planted"}}
	if st, body, _ := consoleReq(t, env, "POST", "/v1/workspaces", ws, planted, map[string]string{"X-Gatehouse-CSRF": "planted"}); st != 403 {
		t.Fatalf("cookie POST with a planted CSRF cookie: %d %v", st, body)
	}
	nobody := "/v1/users/00000000-0000-0000-0000-000000000000"
	for _, w := range [][2]string{{"PATCH", nobody}, {"PUT", nobody + "/global-role"}, {"DELETE", nobody}} {
		if st, body, _ := consoleReq(t, env, w[0], w[1], `{}`, jar, nil); st != 403 || body["code"] != "csrf_failed" {
			t.Fatalf("cookie %s without CSRF header: %d %v", w[0], st, body)
		}
	}
	st, body, _ = consoleReq(t, env, "POST", "/v1/workspaces", ws, jar, map[string]string{"X-Gatehouse-CSRF": csrf.Value})
	if st != 201 || body["id"] == nil {
		t.Fatalf("cookie POST with the CSRF header: %d %v", st, body)
	}

	// Bearer tokens are unchanged: no CSRF header needed, and an
	// Authorization header is never replaced by a cookie.
	root := env.RootToken(t)
	if st, body, _ := consoleReq(t, env, "POST", "/v1/workspaces", `{"name":"Bearer"}`, nil, map[string]string{"Authorization": "Bearer " + root}); st != 201 {
		t.Fatalf("Bearer POST: %d %v", st, body)
	}
	if st, body, _ := consoleReq(t, env, "GET", "/v1/me", "", jar, map[string]string{"Authorization": "Bearer not-a-token"}); st != 401 {
		t.Fatalf("a bad Authorization header must not fall back to the cookie: %d %v", st, body)
	}
	if st, _, _ := consoleReq(t, env, "GET", "/v1/me", "", []*http.Cookie{{Name: "gatehouse_session", Value: "forged"}}, nil); st != 401 {
		t.Fatalf("a forged session cookie: %d", st)
	}

	// Logout (CSRF-protected like any write) revokes the session and clears both cookies.
	if st, _, _ := consoleReq(t, env, "POST", "/v1/auth/logout", "", jar, nil); st != 403 {
		t.Fatalf("cookie logout without CSRF header: %d", st)
	}
	st, _, res = consoleReq(t, env, "POST", "/v1/auth/logout", "", jar, map[string]string{"X-Gatehouse-CSRF": csrf.Value})
	if st != 204 {
		t.Fatalf("cookie logout: %d", st)
	}
	for _, name := range []string{"gatehouse_session", "gatehouse_csrf"} {
		if c := cookieNamed(res.Cookies(), name); c == nil || c.MaxAge >= 0 {
			t.Fatalf("logout must clear %s: %q", name, res.Header.Values("Set-Cookie"))
		}
	}
	if st, _, _ := consoleReq(t, env, "GET", "/v1/me", "", jar, nil); st != 401 {
		t.Fatalf("the session must end at logout: %d", st)
	}
}

// The console's pages: index for app routes, a strict CSP, and the
// invitation_url leading a browser to the console's invitation page.
func TestConsolePagesAndInvitationLink(t *testing.T) {
	t.Parallel()
	env := testenv.New(t)
	for _, p := range []string{"/console", "/console/", "/console/users", "/console/invitation?token=x"} {
		st, _, res := consoleReq(t, env, "GET", p, "", nil, nil)
		if st != 200 || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/html") {
			t.Fatalf("GET %s: %d %s", p, st, res.Header.Get("Content-Type"))
		}
		csp := res.Header.Get("Content-Security-Policy")
		if !strings.Contains(csp, "script-src 'self'") || strings.Contains(csp, "unsafe-inline") || !strings.Contains(csp, "frame-ancestors 'none'") {
			t.Fatalf("GET %s: CSP %q", p, csp)
		}
		if res.Header.Get("Referrer-Policy") != "no-referrer" {
			t.Fatalf("GET %s: Referrer-Policy %q", p, res.Header.Get("Referrer-Policy"))
		}
	}
	if st, _, _ := consoleReq(t, env, "GET", "/console/assets/missing.js", "", nil, nil); st != 404 {
		t.Fatalf("a missing asset: %d", st)
	}
	if st, _, _ := consoleReq(t, env, "POST", "/console/", "", nil, nil); st != 405 && st != 404 {
		t.Fatalf("POST to the console: %d", st)
	}

	root := env.RootToken(t)
	inv := env.Must(t, 201, "POST", "/v1/users", root, map[string]string{"email": "ivy@example.com", "name": "Ivy", "global_role": "member"})
	link := strings.TrimPrefix(inv.Str("invitation_url"), env.Config.PublicURL)
	st, _, res := consoleReq(t, env, "GET", link, "", nil, map[string]string{"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"})
	if st != 303 || !strings.HasPrefix(res.Header.Get("Location"), "/console/invitation?token=") {
		t.Fatalf("a browser opening the invitation_url: %d %q", st, res.Header.Get("Location"))
	}
	st, body, _ := consoleReq(t, env, "GET", link, "", nil, map[string]string{"Accept": "application/json"})
	if st != 200 || body["email"] != "ivy@example.com" {
		t.Fatalf("a program opening the invitation_url: %d %v", st, body)
	}
}
