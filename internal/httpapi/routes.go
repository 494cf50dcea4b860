package httpapi

import (
	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// routes lists every route of the API: the whole surface in one screen.
func (s *server) routes(r *gin.Engine) {
	r.GET("/healthz", s.healthz)
	r.GET("/readyz", s.readyz)
	r.GET("/metrics", gin.WrapH(promhttp.HandlerFor(s.Registry, promhttp.HandlerOpts{})))
	r.GET("/openapi.json", s.openapi)

	v1 := r.Group("/v1")
	v1.POST("/auth/login", s.login)
	v1.POST("/invitations/accept", s.acceptInvitation)

	authed := v1.Group("", s.authenticate)
	authed.POST("/auth/logout", s.logout)
	authed.GET("/me", s.me)

	authed.POST("/users", s.inviteUser)

	authed.GET("/workspaces", s.listWorkspaces)
	authed.POST("/workspaces", s.createWorkspace)
	authed.GET("/workspaces/:workspace_id", s.getWorkspace)
	authed.GET("/workspaces/:workspace_id/members", s.listMembers)
	authed.POST("/workspaces/:workspace_id/members", s.addMember)

	authed.POST("/check", s.check)
	authed.POST("/check/bulk", s.checkBulk)
}
