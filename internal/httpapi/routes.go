package httpapi

import (
	"github.com/gin-gonic/gin"
)

// Metrics and pprof are not here: they are served on the management
// address (management.go), not on the public port.

// routes lists every route of the API: the whole surface in one screen.
// Each handler method returns an endpoint: the handler with its request
// and response types and its documentation (endpoint.go, package
// openapi), from which the OpenAPI document is generated (package openapi;
// go run ./scripts/openapi).
// The handler method's name is the route's operationId.
func (s *server) routes(e *gin.Engine) {
	r := s.router(e)
	r.GET("/healthz", s.healthz())
	r.GET("/readyz", s.readyz())
	r.GET("/openapi.json", s.openapi())

	v1 := r.Group("/v1")
	v1.POST("/auth/login", s.login()) // ?cookie=1: the console (console_session.go)
	v1.GET("/auth/oidc/login", s.oidcLogin())
	v1.GET("/auth/oidc/callback", s.oidcCallback())
	v1.GET("/invitations/accept", s.inspectInvitation())
	v1.POST("/invitations/accept", s.acceptInvitation())

	authed := v1.Authenticated()
	authed.POST("/auth/logout", s.logout())
	authed.GET("/me", s.me())

	authed.GET("/tenants", s.listTenants())
	authed.POST("/tenants", s.createTenant())
	authed.GET("/tenants/:tenant_id", s.getTenant())
	authed.PATCH("/tenants/:tenant_id", s.updateTenant())

	authed.GET("/users", s.listUsers())
	authed.POST("/users", s.inviteUser())
	authed.GET("/users/:user_id", s.getUser())
	authed.PATCH("/users/:user_id", s.updateUser())
	authed.DELETE("/users/:user_id", s.deleteUser())
	authed.POST("/users/:user_id/disable", s.disableUser())
	authed.POST("/users/:user_id/enable", s.enableUser())
	authed.PUT("/users/:user_id/global-role", s.setGlobalRole())
	authed.POST("/users/:user_id/invitation", s.resendInvitation())
	authed.DELETE("/users/:user_id/invitation", s.revokeInvitation())
	authed.GET("/users/:user_id/groups", s.userGroups())

	authed.GET("/groups", s.listGroups())
	authed.POST("/groups", s.createGroup())
	authed.GET("/groups/:group_id", s.getGroup())
	authed.PATCH("/groups/:group_id", s.renameGroup())
	authed.DELETE("/groups/:group_id", s.deleteGroup())
	authed.PUT("/groups/:group_id/members/:user_id", s.addGroupMember())
	authed.DELETE("/groups/:group_id/members/:user_id", s.removeGroupMember())

	authed.GET("/roles", s.listRoles())
	authed.POST("/roles", s.createRole())
	authed.GET("/roles/:role_id", s.getRole())
	authed.PATCH("/roles/:role_id", s.updateRole())
	authed.DELETE("/roles/:role_id", s.deleteRole())
	authed.POST("/roles/:role_id/permissions", s.addRolePermission())
	authed.DELETE("/roles/:role_id/permissions/:permission", s.removeRolePermission())
	authed.GET("/roles/:role_id/assignments", s.listAssignments())
	authed.PUT("/roles/:role_id/assignments/:holder", s.assignRole())
	authed.DELETE("/roles/:role_id/assignments/:holder", s.unassignRole())
	authed.GET("/permissions", s.permissionCatalog())
	authed.GET("/kinds", s.listKinds())
	authed.POST("/kinds", s.registerKind())
	authed.GET("/permissions/report", s.permissionReport())
	authed.GET("/branches", s.listBranches())
	authed.POST("/branches", s.registerBranch())
	authed.PATCH("/branches/:name", s.setBranchStatus())
	authed.DELETE("/branches/:name", s.deleteBranch())
	authed.GET("/audit-logs", s.listAuditLogs())

	authed.GET("/workspaces", s.listWorkspaces())
	authed.POST("/workspaces", s.createWorkspace())
	authed.GET("/workspaces/:workspace_id", s.getWorkspace())
	authed.PATCH("/workspaces/:workspace_id", s.updateWorkspace())
	authed.DELETE("/workspaces/:workspace_id", s.deleteWorkspace())
	authed.GET("/workspaces/:workspace_id/members", s.listMembers())
	authed.POST("/workspaces/:workspace_id/members", s.addMember())
	authed.PATCH("/workspaces/:workspace_id/members/:member_id", s.updateMember())
	authed.DELETE("/workspaces/:workspace_id/members/:member_id", s.removeMember())
	authed.POST("/workspaces/:workspace_id/transfer-ownership", s.transferOwnership())

	authed.GET("/models", s.listModels())
	authed.POST("/models", s.createModel())
	authed.PATCH("/models/:model_id", s.updateModel())
	authed.DELETE("/models/:model_id", s.deleteModel())
	authed.GET("/workspaces/:workspace_id/models", s.whitelistedModels())
	authed.POST("/workspaces/:workspace_id/models", s.whitelistModel())
	authed.DELETE("/workspaces/:workspace_id/models/:model_id", s.unwhitelistModel())
	authed.GET("/workspaces/:workspace_id/deployments", s.listDeployments())
	authed.POST("/workspaces/:workspace_id/deployments", s.createDeployment())
	authed.GET("/workspaces/:workspace_id/deployments/:deployment_id", s.getDeployment())
	authed.PATCH("/workspaces/:workspace_id/deployments/:deployment_id", s.updateDeployment())
	authed.DELETE("/workspaces/:workspace_id/deployments/:deployment_id", s.deleteDeployment())
	authed.GET("/workspaces/:workspace_id/api-keys", s.listAPIKeys())
	authed.POST("/workspaces/:workspace_id/api-keys", s.createAPIKey())
	authed.DELETE("/workspaces/:workspace_id/api-keys/:key_id", s.revokeAPIKey())

	authed.GET("/service-credentials", s.listServices())
	authed.POST("/service-credentials", s.createService())
	authed.DELETE("/service-credentials/:service_id", s.revokeService())

	authed.POST("/check", s.check())
	authed.POST("/check/bulk", s.checkBulk())
	authed.GET("/lookup/resources", s.lookupResources())
	authed.GET("/lookup/subjects", s.lookupSubjects())
}
