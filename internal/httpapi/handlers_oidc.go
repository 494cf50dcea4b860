package httpapi

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/gatehouse/gatehouse/internal/httpapi/wire"
	"github.com/gatehouse/gatehouse/internal/iam"
)

// The SSO login's state is bound to the browser that started it: the
// callback must carry the same state in the query and in this cookie.
const (
	ssoStateCookie = "gatehouse_oidc_state"
	ssoCookiePath  = "/v1/auth/oidc/"
)

// startSSO starts an SSO login: 302 to the identity provider.
func (s *server) startSSO(c *gin.Context) {
	start, err := s.IAM.StartSSO(c.Request.Context(), s.meta(c))
	if err != nil {
		fail(c, s.Log, err)
		return
	}
	http.SetCookie(c.Writer, &http.Cookie{
		Name: ssoStateCookie, Value: start.State, Path: ssoCookiePath, MaxAge: int(iam.SSOLoginTTL.Seconds()),
		HttpOnly: true, Secure: s.IAM.SSO.SecureCookie, SameSite: http.SameSiteLaxMode,
	})
	c.Header("Cache-Control", "no-store")
	c.Redirect(http.StatusFound, start.RedirectURL)
}

// oidcCallback finishes an SSO login and answers like POST /v1/auth/login.
func (s *server) oidcCallback() endpoint {
	return handled[wire.LoginResult](http.StatusOK, s.finishSSO).
		Doc("Finish an SSO login", "The OpenID provider's redirect back: checks the state against the browser's cookie, redeems the code and opens a session, answered like POST /v1/auth/login; "+
			"a login started by the console instead sets the session cookies and redirects to /console/.").
		Params(str("state", "The login's state, as sent to the provider."), str("code", "The provider's authorization code."),
			str("error", "The provider's error code, when it refused the login."), str("error_description", "The provider's description of its error.")).
		Also(answer{Status: http.StatusSeeOther, About: "A console login: the session cookies are set and the browser goes to /console/.", Location: true,
			Cookies: "gatehouse_session (HttpOnly) and gatehouse_csrf, both SameSite=Strict."}).
		FailsWith(http.StatusUnauthorized, http.StatusForbidden, http.StatusNotFound, http.StatusConflict, http.StatusUnprocessableEntity)
}

func (s *server) finishSSO(c *gin.Context) {
	bound, _ := c.Cookie(ssoStateCookie)
	// The login is over once its own state comes back (used, whatever the
	// outcome); a forged callback leaves the real login alone.
	if bound != "" && bound == c.Query("state") {
		secure := s.IAM.SSO != nil && s.IAM.SSO.SecureCookie
		http.SetCookie(c.Writer, &http.Cookie{Name: ssoStateCookie, Path: ssoCookiePath, MaxAge: -1, HttpOnly: true, Secure: secure, SameSite: http.SameSiteLaxMode})
	}
	c.Header("Cache-Control", "no-store")
	res, err := s.IAM.FinishSSO(c.Request.Context(), s.meta(c), iam.SSOCallback{
		State: c.Query("state"), Code: c.Query("code"),
		Error: c.Query("error"), ErrorDescription: c.Query("error_description"),
		BoundState: bound,
	})
	if err != nil {
		fail(c, s.Log, err)
		return
	}
	s.ssoAnswer(c, res) // JSON, or the console's cookie (console_session.go)
}
