package httpapi

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/gatehouse/gatehouse/internal/iam"
	"github.com/gatehouse/gatehouse/internal/store"
)

func (s *server) listUsers(c *gin.Context) {
	pg, err := page(c)
	if err != nil {
		fail(c, s.Log, err)
		return
	}
	k := s.call(c)
	out, err := s.IAM.ListUsers(k.ctx, k.p, k.meta, iam.UserQuery{Query: c.Query("q"), Role: c.Query("role"), Status: c.Query("status"), TenantID: c.Query("tenant_id"), Page: pg})
	s.respond(c, http.StatusOK, out, err)
}

func (s *server) getUser() gin.HandlerFunc {
	return noBody(s, http.StatusOK, func(k call) (store.User, error) { return s.IAM.GetUser(k.ctx, k.p, k.meta, k.c.Param("user_id")) })
}

func (s *server) updateUser() gin.HandlerFunc {
	return withBody(s, http.StatusOK, func(k call, in iam.UserPatch) (iam.UserResult, error) {
		return s.IAM.UpdateUser(k.ctx, k.p, k.meta, k.c.Param("user_id"), in)
	})
}

func (s *server) setGlobalRole() gin.HandlerFunc {
	return withBody(s, http.StatusOK, func(k call, in struct {
		Role string `json:"role"`
	}) (iam.UserResult, error) {
		return s.IAM.SetGlobalRole(k.ctx, k.p, k.meta, k.c.Param("user_id"), in.Role)
	})
}

func (s *server) userStatus(op func(k call, id string) (iam.UserResult, error)) gin.HandlerFunc {
	return noBody(s, http.StatusOK, func(k call) (iam.UserResult, error) { return op(k, k.c.Param("user_id")) })
}

func (s *server) disableUser() gin.HandlerFunc {
	return s.userStatus(func(k call, id string) (iam.UserResult, error) { return s.IAM.DisableUser(k.ctx, k.p, k.meta, id) })
}

func (s *server) enableUser() gin.HandlerFunc {
	return s.userStatus(func(k call, id string) (iam.UserResult, error) { return s.IAM.EnableUser(k.ctx, k.p, k.meta, id) })
}

func (s *server) deleteUser() gin.HandlerFunc {
	return s.userStatus(func(k call, id string) (iam.UserResult, error) { return s.IAM.DeleteUser(k.ctx, k.p, k.meta, id) })
}

func (s *server) resendInvitation() gin.HandlerFunc {
	return noBody(s, http.StatusCreated, func(k call) (iam.Invited, error) {
		return s.IAM.ResendInvitation(k.ctx, k.p, k.meta, k.c.Param("user_id"))
	})
}

func (s *server) revokeInvitation() gin.HandlerFunc {
	return noBody(s, http.StatusOK, func(k call) (writeAnswer, error) {
		wr, err := s.IAM.RevokeInvitation(k.ctx, k.p, k.meta, k.c.Param("user_id"))
		return writeAnswer{wr}, err
	})
}

func (s *server) userGroups() gin.HandlerFunc {
	return noBody(s, http.StatusOK, func(k call) (iam.List[store.Group], error) {
		gs, err := s.IAM.UserGroups(k.ctx, k.p, k.meta, k.c.Param("user_id"))
		return paged(k, gs, err, func(x store.Group) string { return x.ID.String() })
	})
}

func (s *server) listTenants(c *gin.Context) {
	pg, err := page(c)
	if err != nil {
		fail(c, s.Log, err)
		return
	}
	k := s.call(c)
	out, err := s.IAM.ListTenants(k.ctx, k.p, k.meta, pg)
	s.respond(c, http.StatusOK, out, err)
}

func (s *server) createTenant() gin.HandlerFunc {
	return withBody(s, http.StatusCreated, func(k call, in iam.TenantInput) (iam.TenantCreated, error) {
		return s.IAM.CreateTenant(k.ctx, k.p, k.meta, in)
	})
}

func (s *server) getTenant() gin.HandlerFunc {
	return noBody(s, http.StatusOK, func(k call) (store.Tenant, error) { return s.IAM.GetTenant(k.ctx, k.p, k.meta, k.c.Param("tenant_id")) })
}

type tenantAnswer struct {
	store.Tenant
	iam.WriteResult
}

func (s *server) updateTenant() gin.HandlerFunc {
	return withBody(s, http.StatusOK, func(k call, in iam.TenantPatch) (tenantAnswer, error) {
		t, wr, err := s.IAM.UpdateTenant(k.ctx, k.p, k.meta, k.c.Param("tenant_id"), in)
		return tenantAnswer{t, wr}, err
	})
}

func (s *server) listGroups(c *gin.Context) {
	pg, err := page(c)
	if err != nil {
		fail(c, s.Log, err)
		return
	}
	k := s.call(c)
	out, err := s.IAM.ListGroups(k.ctx, k.p, k.meta, pg)
	s.respond(c, http.StatusOK, out, err)
}

func (s *server) createGroup() gin.HandlerFunc {
	return withBody(s, http.StatusCreated, func(k call, in iam.GroupInput) (iam.GroupView, error) {
		return s.IAM.CreateGroup(k.ctx, k.p, k.meta, in)
	})
}

func (s *server) getGroup() gin.HandlerFunc {
	return noBody(s, http.StatusOK, func(k call) (iam.GroupView, error) { return s.IAM.GetGroup(k.ctx, k.p, k.meta, k.c.Param("group_id")) })
}

func (s *server) renameGroup() gin.HandlerFunc {
	return withBody(s, http.StatusOK, func(k call, in iam.GroupInput) (iam.GroupView, error) {
		return s.IAM.RenameGroup(k.ctx, k.p, k.meta, k.c.Param("group_id"), in)
	})
}

func (s *server) deleteGroup() gin.HandlerFunc {
	return noBody(s, http.StatusOK, func(k call) (writeAnswer, error) {
		wr, err := s.IAM.DeleteGroup(k.ctx, k.p, k.meta, k.c.Param("group_id"))
		return writeAnswer{wr}, err
	})
}

func (s *server) addGroupMember() gin.HandlerFunc {
	return noBody(s, http.StatusOK, func(k call) (writeAnswer, error) {
		wr, err := s.IAM.AddGroupMember(k.ctx, k.p, k.meta, k.c.Param("group_id"), k.c.Param("user_id"))
		return writeAnswer{wr}, err
	})
}

func (s *server) removeGroupMember() gin.HandlerFunc {
	return noBody(s, http.StatusOK, func(k call) (writeAnswer, error) {
		wr, err := s.IAM.RemoveGroupMember(k.ctx, k.p, k.meta, k.c.Param("group_id"), k.c.Param("user_id"))
		return writeAnswer{wr}, err
	})
}

func (s *server) listAuditLogs(c *gin.Context) {
	pg, err := page(c)
	if err != nil {
		fail(c, s.Log, err)
		return
	}
	k := s.call(c)
	out, err := s.IAM.ListAuditLogs(k.ctx, k.p, k.meta, iam.AuditQuery{
		TenantID: c.Query("tenant_id"), WorkspaceID: c.Query("workspace"), Actor: c.Query("actor"), Action: c.Query("action"),
		Target: c.Query("target"), Since: c.Query("since"), Until: c.Query("until"), Page: pg,
	})
	s.respond(c, http.StatusOK, out, err)
}

func (s *server) listRoles() gin.HandlerFunc {
	return noBody(s, http.StatusOK, func(k call) (iam.List[iam.RoleView], error) {
		rs, err := s.IAM.ListRoles(k.ctx, k.p, k.meta)
		return paged(k, rs, err, func(x iam.RoleView) string { return x.ID })
	})
}
