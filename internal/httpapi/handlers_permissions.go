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

func (s *server) listBranches() gin.HandlerFunc {
	return noBody(s, http.StatusOK, func(k call) (iam.List[store.Branch], error) {
		bs, err := s.IAM.ListBranches(k.ctx, k.p, k.meta)
		return paged(k, bs, err, func(x store.Branch) string { return x.Name })
	})
}

func (s *server) registerBranch() gin.HandlerFunc {
	return withBody(s, http.StatusCreated, func(k call, in iam.BranchInput) (iam.BranchView, error) {
		return s.IAM.RegisterBranch(k.ctx, k.p, k.meta, in)
	})
}

func (s *server) setBranchStatus() gin.HandlerFunc {
	return withBody(s, http.StatusOK, func(k call, in iam.BranchPatch) (iam.BranchView, error) {
		return s.IAM.SetBranchStatus(k.ctx, k.p, k.meta, k.c.Param("name"), in)
	})
}

func (s *server) deleteBranch() gin.HandlerFunc {
	return noBody(s, http.StatusOK, func(k call) (writeAnswer, error) {
		wr, err := s.IAM.DeleteBranch(k.ctx, k.p, k.meta, k.c.Param("name"))
		return writeAnswer{wr}, err
	})
}

func (s *server) permissionReport() gin.HandlerFunc {
	return noBody(s, http.StatusOK, func(k call) (iam.Report, error) {
		pg, err := page(k.c)
		if err != nil {
			return iam.Report{}, err
		}
		return s.IAM.PermissionReport(k.ctx, k.p, k.meta, iam.ReportInput{Branch: k.c.Query("branch"), Subject: k.c.Query("subject"), Page: pg})
	})
}
