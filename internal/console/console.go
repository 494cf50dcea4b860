// Package console serves Gatehouse's admin web console: a single-page app
// built from web/ (Vite + Preact + Pico CSS) into dist/, which is embedded
// in the binary, so `/console` needs no separate server and nothing is
// fetched at run time.
//
// The console talks to the public HTTP API only, authenticated by the
// HttpOnly session cookie that `POST /v1/auth/login?cookie=1` sets (see
// internal/httpapi/console_session.go); it never sees the session token.
package console

import (
	"bytes"
	"embed"
	"io/fs"
	"net/http"
	"path"
	"strings"
)

//go:embed all:dist
var dist embed.FS

// ContentSecurityPolicy is sent with every console response: scripts,
// styles and connections from Gatehouse's own origin only, no inline
// script or style, no framing, no plugins.
const ContentSecurityPolicy = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
	"font-src 'self'; connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'; object-src 'none'"

// Prefix is where the console is served.
const Prefix = "/console"

// ssoMarker in index.html is replaced by whether SSO is configured, so the
// sign-in screen can offer "Sign in with SSO" without asking anything.
var ssoMarker = []byte(`content="sso-unknown"`)

// Handler serves the console under Prefix: files of dist as they are, and
// index.html for every other path (the app routes in the browser).
// ssoEnabled tells, per request, whether OIDC is configured.
func Handler(ssoEnabled func() bool) http.Handler {
	files, err := fs.Sub(dist, "dist")
	if err != nil {
		panic(err) // dist is embedded at build time
	}
	index, _ := fs.ReadFile(files, "index.html")
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", ContentSecurityPolicy)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		// The invitation page's URL carries a one-time token: never send
		// it to anyone as a Referer.
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("Cross-Origin-Opener-Policy", "same-origin")
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			h.Set("Allow", "GET, HEAD")
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		name := strings.TrimPrefix(path.Clean("/"+strings.TrimPrefix(r.URL.Path, Prefix)), "/")
		if name != "" && name != "index.html" {
			if st, err := fs.Stat(files, name); err == nil && !st.IsDir() {
				if strings.HasPrefix(name, "assets/") {
					// Vite names assets by content hash.
					h.Set("Cache-Control", "public, max-age=31536000, immutable")
				}
				http.ServeFileFS(w, r, files, name)
				return
			}
			if strings.HasPrefix(name, "assets/") {
				http.NotFound(w, r)
				return
			}
		}
		sso := []byte(`content="sso-disabled"`)
		if ssoEnabled != nil && ssoEnabled() {
			sso = []byte(`content="sso-enabled"`)
		}
		page := bytes.Replace(index, ssoMarker, sso, 1)
		h.Set("Content-Type", "text/html; charset=utf-8")
		h.Set("Cache-Control", "no-store")
		w.WriteHeader(http.StatusOK)
		if r.Method == http.MethodGet {
			_, _ = w.Write(page)
		}
	})
}
