package httpapi

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/gatehouse/gatehouse/internal/iam"
	"github.com/gatehouse/gatehouse/internal/store"
)

func (s *server) permissionCatalog(c *gin.Context) { c.JSON(http.StatusOK, iam.PermissionCatalog()) }

func (s *server) listKinds() gin.HandlerFunc {
	return noBody(s, http.StatusOK, func(k call) (iam.List[iam.KindView], error) {
		ks, err := s.IAM.ListKinds(k.ctx, k.p, k.meta)
		return paged(k, ks, err, func(x iam.KindView) string { return x.ID })
	})
}

func (s *server) registerKind() gin.HandlerFunc {
	return withBody(s, http.StatusCreated, func(k call, in iam.KindInput) (iam.KindView, error) {
		return s.IAM.RegisterKind(k.ctx, k.p, k.meta, in)
	})
}

func (s *server) createRole() gin.HandlerFunc {
	return withBody(s, http.StatusCreated, func(k call, in iam.RoleInput) (iam.RoleResult, error) {
		return s.IAM.CreateRole(k.ctx, k.p, k.meta, in)
	})
}

func (s *server) getRole() gin.HandlerFunc {
	return noBody(s, http.StatusOK, func(k call) (iam.RoleView, error) { return s.IAM.GetRole(k.ctx, k.p, k.meta, k.c.Param("role_id")) })
}

func (s *server) updateRole() gin.HandlerFunc {
	return withBody(s, http.StatusOK, func(k call, in iam.RolePatch) (iam.RoleResult, error) {
		return s.IAM.UpdateRole(k.ctx, k.p, k.meta, k.c.Param("role_id"), in)
	})
}

func (s *server) deleteRole() gin.HandlerFunc {
	return noBody(s, http.StatusOK, func(k call) (writeAnswer, error) {
		wr, err := s.IAM.DeleteRole(k.ctx, k.p, k.meta, k.c.Param("role_id"))
		return writeAnswer{wr}, err
	})
}

func (s *server) addRolePermission() gin.HandlerFunc {
	return withBody(s, http.StatusOK, func(k call, in struct {
		Permission string `json:"permission"`
	}) (iam.RoleResult, error) {
		return s.IAM.AddRolePermission(k.ctx, k.p, k.meta, k.c.Param("role_id"), in.Permission)
	})
}

func (s *server) removeRolePermission() gin.HandlerFunc {
	return noBody(s, http.StatusOK, func(k call) (iam.RoleResult, error) {
		return s.IAM.RemoveRolePermission(k.ctx, k.p, k.meta, k.c.Param("role_id"), k.c.Param("permission"))
	})
}

func (s *server) listAssignments() gin.HandlerFunc {
	return noBody(s, http.StatusOK, func(k call) (iam.List[store.Assignment], error) {
		as, err := s.IAM.ListAssignments(k.ctx, k.p, k.meta, k.c.Param("role_id"))
		return paged(k, as, err, func(x store.Assignment) string { return x.ID.String() })
	})
}

func (s *server) assignRole() gin.HandlerFunc {
	return noBody(s, http.StatusOK, func(k call) (iam.AssignmentResult, error) {
		return s.IAM.AssignRole(k.ctx, k.p, k.meta, k.c.Param("role_id"), k.c.Param("holder"))
	})
}

func (s *server) unassignRole() gin.HandlerFunc {
	return noBody(s, http.StatusOK, func(k call) (iam.AssignmentResult, error) {
		return s.IAM.UnassignRole(k.ctx, k.p, k.meta, k.c.Param("role_id"), k.c.Param("holder"))
	})
}
