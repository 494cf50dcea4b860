package httpapi

// The admin console (internal/console, served at /console) authenticates
// with a session cookie rather than a bearer token, so that no script can
// read the token and nothing lands in localStorage:
//
//   - POST /v1/auth/login?cookie=1 (and the SSO callback of a login started
//     with GET /v1/auth/oidc/login?console=1) sets gatehouse_session, the
//     session token itself, HttpOnly and SameSite=Strict, and
//     gatehouse_csrf, readable by the console's script, whose value is
//     derived from the session token. The login answer then omits the token.
//   - authenticate (server.go) accepts the cookie only when the request has
//     no Authorization header (programs keep using Bearer tokens), and on
//     every state-changing method requires the X-Gatehouse-CSRF header to
//     equal csrfFor(session): another site can neither read the cookie nor
//     set a custom header without a CORS preflight, which Gatehouse never
//     grants. Deriving the CSRF value from the session also defeats cookie
//     injection: a planted gatehouse_csrf does not match the victim's
//     session.
//   - POST /v1/auth/logout clears both cookies.

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/gatehouse/gatehouse/internal/console"
	"github.com/gatehouse/gatehouse/internal/httpapi/wire"
	"github.com/gatehouse/gatehouse/internal/iam"
)

const (
	sessionCookie = wire.SessionCookie
	csrfCookie    = "gatehouse_csrf"
	// CSRFHeader must echo the gatehouse_csrf cookie on cookie-authenticated
	// POST, PUT, PATCH and DELETE requests.
	CSRFHeader = wire.CSRFHeader
	// ssoConsoleCookie marks an SSO login started by the console, whose
	// callback then sets the session cookie and returns to /console.
	ssoConsoleCookie = "gatehouse_oidc_console"
)

// csrfFor is the CSRF value bound to a session token (one-way: it does not
// reveal the token).
func csrfFor(token string) string {
	sum := sha256.Sum256([]byte("gatehouse-console-csrf\x00" + token))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

// secureCookies tells whether cookies get the Secure attribute: when the
// request came over TLS or Gatehouse's public URL is https.
func (s *server) secureCookies(c *gin.Context) bool {
	return c.Request.TLS != nil || strings.HasPrefix(s.IAM.Config.PublicURL, "https://")
}

// cookieSession returns the session token of the console's cookie
// (ok=false when there is none), refusing a state-changing request whose
// CSRF header does not match.
func (s *server) cookieSession(c *gin.Context) (token string, ok bool, err error) {
	ck, err := c.Request.Cookie(sessionCookie)
	if err != nil || ck.Value == "" {
		return "", false, nil
	}
	switch c.Request.Method {
	case http.MethodGet, http.MethodHead, http.MethodOptions:
	default:
		got := c.GetHeader(CSRFHeader)
		if subtle.ConstantTimeCompare([]byte(got), []byte(csrfFor(ck.Value))) != 1 {
			return "", false, &iam.Error{Kind: iam.KindForbidden, Code: "csrf_failed",
				Message: "a cookie-authenticated " + c.Request.Method + " needs the " + CSRFHeader + " header (the value of the " + csrfCookie + " cookie)"}
		}
	}
	return ck.Value, true, nil
}

// setSessionCookies hands the browser its session.
func (s *server) setSessionCookies(c *gin.Context, token string, expires time.Time) {
	secure := s.secureCookies(c)
	http.SetCookie(c.Writer, &http.Cookie{Name: sessionCookie, Value: token, Path: "/", Expires: expires,
		HttpOnly: true, Secure: secure, SameSite: http.SameSiteStrictMode})
	http.SetCookie(c.Writer, &http.Cookie{Name: csrfCookie, Value: csrfFor(token), Path: "/", Expires: expires,
		Secure: secure, SameSite: http.SameSiteStrictMode})
}

// clearSessionCookies runs before logout: the browser forgets its session
// whatever the outcome (the session itself is revoked by logout).
func (s *server) clearSessionCookies(c *gin.Context) {
	if _, err := c.Request.Cookie(sessionCookie); err == nil {
		secure := s.secureCookies(c)
		for _, name := range []string{sessionCookie, csrfCookie} {
			http.SetCookie(c.Writer, &http.Cookie{Name: name, Path: "/", MaxAge: -1, HttpOnly: name == sessionCookie,
				Secure: secure, SameSite: http.SameSiteStrictMode})
		}
	}
}

// cookieLoginAnswer is a cookie login's answer: the login's without the
// token.
type cookieLoginAnswer struct {
	ExpiresAt time.Time `json:"expires_at"`
	User      wire.User `json:"user"`
}

// login is POST /v1/auth/login; with ?cookie=1 (the console) the session
// goes into the cookies instead of the body. Such a login needs the CSRF
// header too (any value: no cookie exists yet), so that another site
// cannot log a browser into an account of its choosing.
func (s *server) login() endpoint {
	plain := s.tokenLogin()
	withCookie := withBody(s, http.StatusOK, func(k call, in wire.LoginInput) (cookieLoginAnswer, error) {
		res, err := s.IAM.Login(k.ctx, k.meta, in.ToIAM())
		if err != nil {
			return cookieLoginAnswer{}, err
		}
		s.setSessionCookies(k.c, res.Token, res.ExpiresAt)
		return cookieLoginAnswer{ExpiresAt: res.ExpiresAt, User: wire.FromUser(res.User)}, nil
	})
	e := plain
	e.H = func(c *gin.Context) {
		switch c.Query("cookie") {
		case "":
			plain.H(c)
		case "1", "true":
			if c.GetHeader(CSRFHeader) == "" {
				fail(c, s.Log, &iam.Error{Kind: iam.KindForbidden, Code: "csrf_failed", Message: "a cookie login needs the " + CSRFHeader + " header"})
				return
			}
			withCookie.H(c)
		default:
			fail(c, s.Log, iam.Invalid("cookie", "must be 1 or true"))
		}
	}
	return e.OrAnswer(typeOf[cookieLoginAnswer]()).
		Doc("Log in", "Opens a session for an email and password (and the tenant, when the email has accounts in several). "+
			"The answer carries the session token; with cookie=1 (the console) the session is set as the gatehouse_session and gatehouse_csrf cookies instead, "+
			"the answer omits the token, and the request needs the "+CSRFHeader+" header (any value). Repeated failures are throttled (429 with Retry-After).").
		Params(str("cookie", "1 or true: answer with the console's session cookies instead of the token.").OneOf("1", "true")).
		Cookies("With cookie=1: gatehouse_session (HttpOnly) and gatehouse_csrf, both SameSite=Strict.").
		FailsWith(http.StatusUnauthorized, http.StatusForbidden, http.StatusUnprocessableEntity, http.StatusTooManyRequests)
}

// oidcLogin is GET /v1/auth/oidc/login: 302 to the identity provider;
// ?console=1 marks the login as the console's, so that its callback sets
// the session cookie.
func (s *server) oidcLogin() endpoint {
	return handled[noContent](http.StatusFound, func(c *gin.Context) {
		if c.Query("console") == "1" && s.IAM.SSO != nil {
			http.SetCookie(c.Writer, &http.Cookie{Name: ssoConsoleCookie, Value: "1", Path: ssoCookiePath,
				MaxAge: int(iam.SSOLoginTTL.Seconds()), HttpOnly: true, Secure: s.IAM.SSO.SecureCookie, SameSite: http.SameSiteLaxMode})
		}
		s.startSSO(c)
	}).
		Doc("Start an SSO login", "Redirects the browser to the OpenID provider, binding the login's state to a cookie; console=1 makes the callback open a console session.").
		Params(str("console", "1: the login is the console's; its callback sets the session cookies and redirects to /console/.").OneOf("1")).
		Redirect("To the OpenID provider's authorization endpoint.").
		Cookies("gatehouse_oidc_state (and gatehouse_oidc_console with console=1), HttpOnly, SameSite=Lax, path /v1/auth/oidc/.").
		FailsWith(http.StatusNotFound)
}

// ssoAnswer finishes a successful SSO callback: JSON like a login, or, for
// a console login, the session cookies and a redirect to the console.
func (s *server) ssoAnswer(c *gin.Context, res iam.LoginResult) {
	if v, _ := c.Cookie(ssoConsoleCookie); v == "1" {
		http.SetCookie(c.Writer, &http.Cookie{Name: ssoConsoleCookie, Path: ssoCookiePath, MaxAge: -1, HttpOnly: true,
			Secure: s.IAM.SSO != nil && s.IAM.SSO.SecureCookie, SameSite: http.SameSiteLaxMode})
		s.setSessionCookies(c, res.Token, res.ExpiresAt)
		c.Redirect(http.StatusSeeOther, console.Prefix+"/")
		return
	}
	c.JSON(http.StatusOK, wire.FromLoginResult(res))
}

// invitationPage makes the invitation_url a page for people: a browser
// (Accept: text/html) is sent to the console's invitation screen, which
// inspects and accepts the token through this same API; programs keep
// the JSON answer.
func (s *server) invitationPage(api gin.HandlerFunc) gin.HandlerFunc {
	return func(c *gin.Context) {
		if strings.Contains(c.GetHeader("Accept"), "text/html") {
			c.Header("Cache-Control", "no-store")
			c.Header("Referrer-Policy", "no-referrer")
			c.Redirect(http.StatusSeeOther, console.Prefix+"/invitation?token="+url.QueryEscape(c.Query("token")))
			return
		}
		api(c)
	}
}

// consoleFiles serves the console's files at /console. They are not API
// routes (and not in openapi.json): the router's NoRoute hands them over.
type consoleFiles struct{ h http.Handler }

func (s *server) consoleHandler() consoleFiles {
	return consoleFiles{console.Handler(func() bool { return s.IAM.SSO != nil })}
}

// serves answers a request for the console, or reports that it is not one.
func (f consoleFiles) serves(c *gin.Context) bool {
	p := c.Request.URL.Path
	if p != console.Prefix && !strings.HasPrefix(p, console.Prefix+"/") {
		return false
	}
	f.h.ServeHTTP(c.Writer, c.Request)
	c.Abort()
	return true
}
