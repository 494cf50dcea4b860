package httpapi

import (
	"net/http"

	"github.com/gatehouse/gatehouse/internal/httpapi/wire"
	"github.com/gatehouse/gatehouse/internal/iam"
)

func (s *server) listUsers() endpoint {
	return noBody(s, http.StatusOK, func(k call) (wire.List[wire.User], error) {
		pg, err := page(k.c)
		if err != nil {
			return wire.List[wire.User]{}, err
		}
		c := k.c
		us, err := s.IAM.ListUsers(k.ctx, k.p, k.meta, iam.UserQuery{Query: c.Query("q"), Role: c.Query("role"), Status: c.Query("status"), TenantID: c.Query("tenant_id"), Page: pg})
		return wire.ListOf(us, err, wire.FromUser)
	}).
		Doc("List users", "Users of the caller's tenant (superadmins: any tenant, with tenant_id), filtered and paged.").
		Params(paging...).Params(str("q", "Only users whose email or name contains this text (at most 200 characters)."), str("role", "Only users with this global role.").OneOf("superadmin", "admin", "member"), str("status", "Only users in this status.").OneOf("invited", "active", "disabled", "deleted"), str("tenant_id", "The tenant to list (superadmins; default: the caller's).").Formatted("uuid"))
}

func (s *server) getUser() endpoint {
	return noBody(s, http.StatusOK, func(k call) (wire.User, error) {
		u, err := s.IAM.GetUser(k.ctx, k.p, k.meta, k.c.Param("user_id"))
		return wire.FromUser(u), err
	}).
		Doc("Get a user", "One user of the caller's tenant.")
}

func (s *server) updateUser() endpoint {
	return withBody(s, http.StatusOK, func(k call, in wire.UserPatch) (wire.UserResult, error) {
		u, err := s.IAM.UpdateUser(k.ctx, k.p, k.meta, k.c.Param("user_id"), in.ToIAM())
		return wire.FromUserResult(u), err
	}).
		Doc("Edit a user's profile", "Changes a user's name or email; only the fields given change.")
}

// globalRoleInput is PUT /v1/users/{user_id}/global-role.
type globalRoleInput struct {
	Role string `json:"role"`
}

func (s *server) setGlobalRole() endpoint {
	return withBody(s, http.StatusOK, func(k call, in globalRoleInput) (wire.UserResult, error) {
		u, err := s.IAM.SetGlobalRole(k.ctx, k.p, k.meta, k.c.Param("user_id"), in.Role)
		return wire.FromUserResult(u), err
	}).
		Doc("Set a user's global role", "Makes a user superadmin, admin or member of their tenant.")
}

func (s *server) userStatus(op func(k call, id string) (iam.UserResult, error)) endpoint {
	return noBody(s, http.StatusOK, func(k call) (wire.UserResult, error) {
		u, err := op(k, k.c.Param("user_id"))
		return wire.FromUserResult(u), err
	})
}

func (s *server) disableUser() endpoint {
	return s.userStatus(func(k call, id string) (iam.UserResult, error) { return s.IAM.DisableUser(k.ctx, k.p, k.meta, id) }).
		Doc("Disable a user", "Stops a user from logging in and ends their sessions; enable undoes it.")
}

func (s *server) enableUser() endpoint {
	return s.userStatus(func(k call, id string) (iam.UserResult, error) { return s.IAM.EnableUser(k.ctx, k.p, k.meta, id) }).
		Doc("Enable a user", "Lets a disabled user log in again.")
}

func (s *server) deleteUser() endpoint {
	return s.userStatus(func(k call, id string) (iam.UserResult, error) { return s.IAM.DeleteUser(k.ctx, k.p, k.meta, id) }).
		Doc("Delete a user", "Soft-deletes a user: the account can no longer log in and loses its memberships and roles.")
}

func (s *server) resendInvitation() endpoint {
	return noBody(s, http.StatusCreated, func(k call) (wire.Invited, error) {
		inv, err := s.IAM.ResendInvitation(k.ctx, k.p, k.meta, k.c.Param("user_id"))
		return wire.FromInvited(inv), err
	}).
		Doc("Resend an invitation", "Issues a new invitation token for an invited user (earlier tokens stop working).")
}

func (s *server) revokeInvitation() endpoint {
	return noBody(s, http.StatusOK, func(k call) (writeAnswer, error) {
		return wrote(s.IAM.RevokeInvitation(k.ctx, k.p, k.meta, k.c.Param("user_id")))
	}).
		Doc("Revoke invitations", "Makes every open invitation token of an invited user unusable.")
}

func (s *server) userGroups() endpoint {
	return noBody(s, http.StatusOK, func(k call) (wire.List[wire.Group], error) {
		gs, err := s.IAM.UserGroups(k.ctx, k.p, k.meta, k.c.Param("user_id"))
		return paged(k, gs, err, wire.FromGroup, func(x wire.Group) string { return x.ID.String() })
	}).
		Doc("A user's groups", "The account groups a user belongs to, paged.").
		Params(paging...)
}

func (s *server) listTenants() endpoint {
	return noBody(s, http.StatusOK, func(k call) (wire.List[wire.Tenant], error) {
		pg, err := page(k.c)
		if err != nil {
			return wire.List[wire.Tenant]{}, err
		}
		ts, err := s.IAM.ListTenants(k.ctx, k.p, k.meta, pg)
		return wire.ListOf(ts, err, wire.FromTenant)
	}).
		Doc("List tenants", "Superadmins see every tenant; others see their own.").
		Params(paging...)
}

func (s *server) createTenant() endpoint {
	return withBody(s, http.StatusCreated, func(k call, in wire.TenantInput) (wire.TenantCreated, error) {
		t, err := s.IAM.CreateTenant(k.ctx, k.p, k.meta, in.ToIAM())
		return wire.FromTenantCreated(t), err
	}).
		Doc("Create a tenant", "Creates a tenant with its first admin, who is invited (superadmins only).")
}

func (s *server) getTenant() endpoint {
	return noBody(s, http.StatusOK, func(k call) (wire.Tenant, error) {
		t, err := s.IAM.GetTenant(k.ctx, k.p, k.meta, k.c.Param("tenant_id"))
		return wire.FromTenant(t), err
	}).
		Doc("Get a tenant", "One tenant: the caller's own, or any for a superadmin.")
}

type tenantAnswer struct {
	wire.Tenant
	wire.WriteResult
}

func (s *server) updateTenant() endpoint {
	return withBody(s, http.StatusOK, func(k call, in wire.TenantPatch) (tenantAnswer, error) {
		t, wr, err := s.IAM.UpdateTenant(k.ctx, k.p, k.meta, k.c.Param("tenant_id"), in.ToIAM())
		return tenantAnswer{wire.FromTenant(t), wire.FromWriteResult(wr)}, err
	}).
		Doc("Rename a tenant", "Changes a tenant's settings; only the fields given change.")
}

func (s *server) listGroups() endpoint {
	return noBody(s, http.StatusOK, func(k call) (wire.List[wire.Group], error) {
		pg, err := page(k.c)
		if err != nil {
			return wire.List[wire.Group]{}, err
		}
		gs, err := s.IAM.ListGroups(k.ctx, k.p, k.meta, pg)
		return wire.ListOf(gs, err, wire.FromGroup)
	}).
		Doc("List account groups", "The account groups of the caller's tenant, paged.").
		Params(paging...)
}

func (s *server) createGroup() endpoint {
	return withBody(s, http.StatusCreated, func(k call, in wire.GroupInput) (wire.GroupView, error) {
		g, err := s.IAM.CreateGroup(k.ctx, k.p, k.meta, in.ToIAM())
		return wire.FromGroupView(g), err
	}).
		Doc("Create an account group", "Creates an empty account group in the caller's tenant.")
}

func (s *server) getGroup() endpoint {
	return noBody(s, http.StatusOK, func(k call) (wire.GroupView, error) {
		g, err := s.IAM.GetGroup(k.ctx, k.p, k.meta, k.c.Param("group_id"))
		return wire.FromGroupView(g), err
	}).
		Doc("Get a group", "An account group with its members.")
}

func (s *server) renameGroup() endpoint {
	return withBody(s, http.StatusOK, func(k call, in wire.GroupInput) (wire.GroupView, error) {
		g, err := s.IAM.RenameGroup(k.ctx, k.p, k.meta, k.c.Param("group_id"), in.ToIAM())
		return wire.FromGroupView(g), err
	}).
		Doc("Rename a group", "Gives an account group a new name.")
}

func (s *server) deleteGroup() endpoint {
	return noBody(s, http.StatusOK, func(k call) (writeAnswer, error) {
		return wrote(s.IAM.DeleteGroup(k.ctx, k.p, k.meta, k.c.Param("group_id")))
	}).
		Doc("Delete a group", "Deletes an account group with its memberships (refused while it is a workspace's last owner).")
}

func (s *server) addGroupMember() endpoint {
	return noBody(s, http.StatusOK, func(k call) (writeAnswer, error) {
		return wrote(s.IAM.AddGroupMember(k.ctx, k.p, k.meta, k.c.Param("group_id"), k.c.Param("user_id")))
	}).
		Doc("Add a user to a group", "Makes a user a member of an account group (idempotent).")
}

func (s *server) removeGroupMember() endpoint {
	return noBody(s, http.StatusOK, func(k call) (writeAnswer, error) {
		return wrote(s.IAM.RemoveGroupMember(k.ctx, k.p, k.meta, k.c.Param("group_id"), k.c.Param("user_id")))
	}).
		Doc("Remove a user from a group", "Takes a user out of an account group.")
}

func (s *server) listAuditLogs() endpoint {
	return noBody(s, http.StatusOK, func(k call) (wire.List[wire.AuditEntry], error) {
		pg, err := page(k.c)
		if err != nil {
			return wire.List[wire.AuditEntry]{}, err
		}
		c := k.c
		es, err := s.IAM.ListAuditLogs(k.ctx, k.p, k.meta, iam.AuditQuery{
			TenantID: c.Query("tenant_id"), WorkspaceID: c.Query("workspace"), Actor: c.Query("actor"), Action: c.Query("action"),
			Target: c.Query("target"), Since: c.Query("since"), Until: c.Query("until"), Page: pg,
		})
		return wire.ListOf(es, err, wire.FromAuditEntry)
	}).
		Doc("Audit log", "The audit entries the caller may read, newest first, filtered and paged.").
		Params(paging...).Params(str("tenant_id", "A tenant's id (superadmins; default: the caller's tenant), or none for the entries of no tenant (superadmins only)."), str("workspace", "Only entries of this workspace (its id)."), str("actor", "Only entries by this actor (user:<id>, api_key:<id>, service:<id>, ...; at most 300 characters)."), str("action", "Only entries of this action (e.g. user.invite; at most 300 characters)."), str("target", "Only entries about this target (type:id; at most 300 characters)."), str("since", "Only entries at or after this RFC 3339 time.").Formatted("date-time"), str("until", "Only entries before this RFC 3339 time.").Formatted("date-time"))
}

func (s *server) listRoles() endpoint {
	return noBody(s, http.StatusOK, func(k call) (wire.List[wire.RoleView], error) {
		rs, err := s.IAM.ListRoles(k.ctx, k.p, k.meta)
		return paged(k, rs, err, wire.FromRoleView, func(x wire.RoleView) string { return x.ID })
	}).
		Doc("List roles", "The built-in roles (read-only) and the tenant's custom roles, paged.").
		Params(paging...)
}
