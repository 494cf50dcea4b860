package httpapi

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/gatehouse/gatehouse/internal/httpapi/wire"
	"github.com/gatehouse/gatehouse/internal/iam"
)

func (s *server) permissionCatalog() endpoint {
	return handled[wire.Catalog](http.StatusOK, func(c *gin.Context) { c.JSON(http.StatusOK, wire.FromCatalog(iam.PermissionCatalog())) }).
		Doc("Permission catalog", "The global actions, object actions and decisions that permission identifiers are made of, with their formats.")
}

func (s *server) listKinds() endpoint {
	return noBody(s, http.StatusOK, func(k call) (wire.List[wire.KindView], error) {
		ks, err := s.IAM.ListKinds(k.ctx, k.p, k.meta)
		return paged(k, ks, err, wire.FromKindView, func(x wire.KindView) string { return x.ID })
	}).
		Doc("List object kinds", "The built-in and registered object kinds, paged.").
		Params(paging...)
}

func (s *server) registerKind() endpoint {
	return withBody(s, http.StatusCreated, func(k call, in wire.KindInput) (wire.KindView, error) {
		kv, err := s.IAM.RegisterKind(k.ctx, k.p, k.meta, in.ToIAM())
		return wire.FromKindView(kv), err
	}).
		Doc("Register an object kind", "Registers a kind of object that custom roles may grant actions on.")
}

func (s *server) createRole() endpoint {
	return withBody(s, http.StatusCreated, func(k call, in wire.RoleInput) (wire.RoleResult, error) {
		r, err := s.IAM.CreateRole(k.ctx, k.p, k.meta, in.ToIAM())
		return wire.FromRoleResult(r), err
	}).
		Doc("Create a custom role", "Creates a custom role from permission identifiers (see GET /v1/permissions).")
}

func (s *server) getRole() endpoint {
	return noBody(s, http.StatusOK, func(k call) (wire.RoleView, error) {
		r, err := s.IAM.GetRole(k.ctx, k.p, k.meta, k.c.Param("role_id"))
		return wire.FromRoleView(r), err
	}).
		Doc("Get a role", "A built-in role (builtin:superadmin, builtin:admin, builtin:member) or a custom role.")
}

func (s *server) updateRole() endpoint {
	return withBody(s, http.StatusOK, func(k call, in wire.RolePatch) (wire.RoleResult, error) {
		r, err := s.IAM.UpdateRole(k.ctx, k.p, k.meta, k.c.Param("role_id"), in.ToIAM())
		return wire.FromRoleResult(r), err
	}).
		Doc("Edit a custom role", "Renames a custom role, changes its description or replaces its permissions.")
}

func (s *server) deleteRole() endpoint {
	return noBody(s, http.StatusOK, func(k call) (writeAnswer, error) {
		return wrote(s.IAM.DeleteRole(k.ctx, k.p, k.meta, k.c.Param("role_id")))
	}).
		Doc("Delete a custom role", "Deletes a custom role and all its assignments.")
}

// rolePermissionInput is POST /v1/roles/{role_id}/permissions.
type rolePermissionInput struct {
	Permission string `json:"permission"`
}

func (s *server) addRolePermission() endpoint {
	return withBody(s, http.StatusOK, func(k call, in rolePermissionInput) (wire.RoleResult, error) {
		r, err := s.IAM.AddRolePermission(k.ctx, k.p, k.meta, k.c.Param("role_id"), in.Permission)
		return wire.FromRoleResult(r), err
	}).
		Doc("Add a permission to a role", "Adds one permission identifier to a custom role.")
}

func (s *server) removeRolePermission() endpoint {
	return noBody(s, http.StatusOK, func(k call) (wire.RoleResult, error) {
		r, err := s.IAM.RemoveRolePermission(k.ctx, k.p, k.meta, k.c.Param("role_id"), k.c.Param("permission"))
		return wire.FromRoleResult(r), err
	}).
		Doc("Remove a permission from a role", "Removes one permission identifier from a custom role.")
}

func (s *server) listAssignments() endpoint {
	return noBody(s, http.StatusOK, func(k call) (wire.List[wire.Assignment], error) {
		as, err := s.IAM.ListAssignments(k.ctx, k.p, k.meta, k.c.Param("role_id"))
		return paged(k, as, err, wire.FromAssignment, func(x wire.Assignment) string { return x.ID.String() })
	}).
		Doc("List a role's holders", "The users and groups a role is assigned to, paged.").
		Params(paging...)
}

func (s *server) assignRole() endpoint {
	return noBody(s, http.StatusOK, func(k call) (wire.AssignmentResult, error) {
		a, err := s.IAM.AssignRole(k.ctx, k.p, k.meta, k.c.Param("role_id"), k.c.Param("holder"))
		return wire.FromAssignmentResult(a), err
	}).
		Doc("Assign a role", "Assigns a role to a holder: user:<id> or group:<id>.")
}

func (s *server) unassignRole() endpoint {
	return noBody(s, http.StatusOK, func(k call) (wire.AssignmentResult, error) {
		a, err := s.IAM.UnassignRole(k.ctx, k.p, k.meta, k.c.Param("role_id"), k.c.Param("holder"))
		return wire.FromAssignmentResult(a), err
	}).
		Doc("Unassign a role", "Takes a role away from a holder: user:<id> or group:<id>.")
}

func (s *server) listBranches() endpoint {
	return noBody(s, http.StatusOK, func(k call) (wire.List[wire.Branch], error) {
		bs, err := s.IAM.ListBranches(k.ctx, k.p, k.meta)
		return paged(k, bs, err, wire.FromBranch, func(x wire.Branch) string { return x.Name })
	}).
		Doc("List branches", "The registered branches with their status, paged.").
		Params(paging...)
}

func (s *server) registerBranch() endpoint {
	return withBody(s, http.StatusCreated, func(k call, in wire.BranchInput) (wire.BranchView, error) {
		b, err := s.IAM.RegisterBranch(k.ctx, k.p, k.meta, in.ToIAM())
		return wire.FromBranchView(b), err
	}).
		Doc("Register a branch", "Registers a branch (status open).")
}

func (s *server) setBranchStatus() endpoint {
	return withBody(s, http.StatusOK, func(k call, in wire.BranchPatch) (wire.BranchView, error) {
		b, err := s.IAM.SetBranchStatus(k.ctx, k.p, k.meta, k.c.Param("name"), in.ToIAM())
		return wire.FromBranchView(b), err
	}).
		Doc("Set a branch's status", "Sets a branch's status; a name holding / is sent as %2F.")
}

func (s *server) deleteBranch() endpoint {
	return noBody(s, http.StatusOK, func(k call) (writeAnswer, error) {
		return wrote(s.IAM.DeleteBranch(k.ctx, k.p, k.meta, k.c.Param("name")))
	}).
		Doc("Remove a branch", "Removes a branch registration.")
}

func (s *server) permissionReport() endpoint {
	return noBody(s, http.StatusOK, func(k call) (wire.Report, error) {
		pg, err := page(k.c)
		if err != nil {
			return wire.Report{}, err
		}
		r, err := s.IAM.PermissionReport(k.ctx, k.p, k.meta, iam.ReportInput{Branch: k.c.Query("branch"), Subject: k.c.Query("subject"), Page: pg})
		return wire.FromReport(r), err
	}).
		Doc("Permission report", "For every kind (one page of them), whether the subject may view, create, update and delete it on a branch, as branch-relative decisions.").
		Params(paging...).Params(str("branch", "The branch the decisions are relative to (default: the main branch)."), str("subject", "The subject as type:id (default: the caller)."))
}
