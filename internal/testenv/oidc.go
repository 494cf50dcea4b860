package testenv

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse/internal/app"
	"github.com/gatehouse/gatehouse/internal/config"
)

// OIDCEnv is a running Gatehouse with SSO against an in-process provider.
type OIDCEnv struct {
	*Env
	Provider *OIDCProvider
}

// StartOIDC is Start with SSO: it starts an OIDCProvider, points cfg's
// issuer, client and redirect URL at it (the other GATEHOUSE_OIDC_* settings
// are cfg's), and enables SSO as `serve` does (discovery included).
func StartOIDC(t testing.TB, cfg config.Config) *OIDCEnv {
	t.Helper()
	// Gatehouse's listener comes first: the redirect URL names it.
	srv := httptest.NewUnstartedServer(nil)
	t.Cleanup(srv.Close)
	redirect := "http://" + srv.Listener.Addr().String() + "/v1/auth/oidc/callback"
	prov := NewOIDCProvider(t, redirect)
	cfg.OIDCIssuer, cfg.OIDCClientID, cfg.OIDCClientSecret, cfg.OIDCRedirectURL = prov.Issuer, prov.ClientID, prov.ClientSecret, redirect
	if err := cfg.ValidateOIDC(); err != nil {
		t.Fatalf("testenv: %v", err)
	}
	ctx := context.Background()
	st, err := app.Open(ctx, cfg, Logger(t))
	if err != nil {
		t.Fatalf("testenv: open: %v", err)
	}
	t.Cleanup(st.Close)
	if err := st.Migrate(ctx); err != nil {
		t.Fatalf("testenv: migrate: %v", err)
	}
	if _, err := st.IAM.Bootstrap(ctx, cfg.BootstrapEmail, cfg.BootstrapPassword); err != nil {
		t.Fatalf("testenv: bootstrap: %v", err)
	}
	if err := st.EnableSSO(ctx, cfg); err != nil {
		t.Fatalf("testenv: %v", err)
	}
	srv.Config.Handler = st.Handler()
	srv.Start()
	return &OIDCEnv{Env: &Env{Stack: st, Config: cfg, Server: srv}, Provider: prov}
}

// Browser is a user agent for the SSO flow: it keeps cookies and follows
// redirects one at a time, so a test can stop at any step.
type Browser struct {
	t      testing.TB
	env    *OIDCEnv
	Client *http.Client
}

// Browser returns a new user agent with an empty cookie jar.
func (e *OIDCEnv) Browser(t testing.TB) *Browser {
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &Browser{t: t, env: e, Client: &http.Client{
		Jar:           jar,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}}
}

// Authorize starts an SSO login at Gatehouse, logs in at the provider's
// login page as username and returns the URL the provider redirects the
// browser to (Gatehouse's callback with code and state), not yet visited.
func (b *Browser) Authorize(username, password string) *url.URL {
	b.t.Helper()
	next, _ := url.Parse(b.env.Server.URL + "/v1/auth/oidc/login")
	for range 10 {
		if strings.HasPrefix(next.String(), b.env.Config.OIDCRedirectURL+"?") {
			return next
		}
		resp := b.get(next)
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		switch {
		case resp.StatusCode == http.StatusFound || resp.StatusCode == http.StatusSeeOther:
			loc, err := resp.Location()
			if err != nil {
				b.t.Fatalf("SSO: %s: redirect without location", next)
			}
			next = loc
		case resp.StatusCode == http.StatusOK && next.Path == "/login":
			// The provider's login page: submit the form.
			form := url.Values{"id": {next.Query().Get("id")}, "username": {username}, "password": {password}}
			resp, err := b.Client.PostForm(next.Scheme+"://"+next.Host+"/login", form)
			if err != nil {
				b.t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusFound {
				b.t.Fatalf("SSO: provider login as %s: %d %s", username, resp.StatusCode, body)
			}
			if next, err = resp.Location(); err != nil {
				b.t.Fatal(err)
			}
		default:
			b.t.Fatalf("SSO: GET %s: %d %s", next, resp.StatusCode, body)
		}
	}
	b.t.Fatalf("SSO: too many redirects, stopped at %s", next)
	return nil
}

// Callback visits Gatehouse's callback URL and decodes the answer.
func (b *Browser) Callback(u *url.URL) Response {
	b.t.Helper()
	resp := b.get(u)
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	out := Response{Status: resp.StatusCode, Header: resp.Header, Raw: raw}
	_ = json.Unmarshal(raw, &out.Body)
	return out
}

// SSOLogin runs the whole flow and returns Gatehouse's answer.
func (b *Browser) SSOLogin(username, password string) Response {
	b.t.Helper()
	return b.Callback(b.Authorize(username, password))
}

func (b *Browser) get(u *url.URL) *http.Response {
	b.t.Helper()
	resp, err := b.Client.Get(u.String())
	if err != nil {
		b.t.Fatal(err)
	}
	return resp
}
