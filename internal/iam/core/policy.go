package core

import (
	"context"

	"github.com/google/uuid"

	"github.com/gatehouse/gatehouse/internal/authz"
	"github.com/gatehouse/gatehouse/schema"
)

// Rule is what a use case needs: one permission, decided by SpiceDB, on
// the object the use case acts on.
type Rule struct {
	// On is the type of the object the permission is checked on
	// (schema.Workspace.Type, ...); Any means the object the request names.
	On string
	// Need is the permission (a generated name: schema.Workspace.Update).
	Need string
	// Hidden: a caller without the object's view is told it does not exist
	// (404) rather than refused (403); both are asked in one bulk check.
	Hidden bool
	// Also names the further decisions the use case rests on, for the
	// reader; each is a SpiceDB permission too (see escalation.go).
	Also string
}

// Any is Rule.On for a rule about whichever object the request names.
const Any = "*"

// Policy is every authorization rule of Gatehouse in one table: for each
// use case (a write's audit action, or a read), the object it acts on and
// the SpiceDB permission it needs. Writes consult it before BEGIN
// (AuthorizedWrite's authorize step); a use case with no entry is refused
// (default deny). Every route of internal/httpapi names its use cases
// (its route/policy test fails for a route with none), and a test of this
// package (walking every package of internal/iam) fails when code asks for a use case the table lacks or the table
// keeps one no code asks for.
//
// Inside the transaction only invariants are re-checked under row locks
// (the last owner, the last superadmin, a role that changed meanwhile).
var Policy = map[string]Rule{
	// Platform and tenants.
	"platform.span_tenants":  {On: schema.Platform.Type, Need: schema.Platform.SuperAdmin},
	"tenant.reach":           {On: schema.Tenant.Type, Need: schema.Tenant.SuperAdmin, Also: "own tenant without a check"},
	"tenant.create":          {On: schema.Platform.Type, Need: schema.Platform.SuperAdmin},
	"tenant.list":            {On: schema.Tenant.Type, Need: schema.Tenant.ViewTenant},
	"tenant.get":             {On: schema.Tenant.Type, Need: schema.Tenant.ViewTenant, Also: "tenant.reach"},
	"tenant.update":          {On: schema.Tenant.Type, Need: schema.Tenant.ManageTenant, Also: "tenant.reach"},
	"audit.list":             {On: schema.Tenant.Type, Need: schema.Tenant.ViewAuditLogs, Also: "tenant.reach"},
	"audit.list_workspace":   {On: schema.Workspace.Type, Need: schema.Workspace.ViewAuditLogs},
	"audit.list_all_tenants": {On: schema.Platform.Type, Need: schema.Platform.SuperAdmin},

	// Users, groups, service credentials.
	"user.list":                 {On: schema.Tenant.Type, Need: schema.Tenant.ManageUsers, Also: "tenant.reach"},
	"user.view_admin_fields":    {On: schema.Tenant.Type, Need: schema.Tenant.ManageUsers},
	"user.invite":               {On: schema.Tenant.Type, Need: schema.Tenant.ManageUsers, Also: "tenant.reach; the caller holds every global permission of the role granted"},
	"user.administer":           {On: schema.User.Type, Need: schema.User.Administer, Also: "edit, disable, enable, delete, re-invite, set role, groups, custom roles"},
	"group.view":                {On: schema.Group.Type, Need: schema.Group.View},
	"group.list":                {On: schema.Tenant.Type, Need: schema.Tenant.ViewTenant, Also: "group.view per group"},
	"group.create":              {On: schema.Tenant.Type, Need: schema.Tenant.ManageUsers},
	"group.manage":              {On: schema.Group.Type, Need: schema.Group.ManageMembership, Hidden: true, Also: "rename, delete, add or remove members (user.administer on the member, in the same call)"},
	"service_credential.list":   {On: schema.Tenant.Type, Need: schema.Tenant.ManageTenant},
	"service_credential.create": {On: schema.Tenant.Type, Need: schema.Tenant.ManageTenant},
	"service_credential.revoke": {On: schema.Tenant.Type, Need: schema.Tenant.ManageTenant},

	// Custom roles, kinds, branches (Infrahub's model).
	"role.list":             {On: schema.Tenant.Type, Need: schema.Tenant.ViewSystemRoles},
	"role.view":             {On: schema.Role.Type, Need: schema.Role.View},
	"role.create":           {On: schema.Tenant.Type, Need: schema.Tenant.ManagePermissions, Also: "the caller holds every global allow the role carries"},
	"role.manage":           {On: schema.Tenant.Type, Need: schema.Tenant.ManagePermissions, Also: "edit, delete, add or remove a permission; the caller holds what the role carries"},
	"role.assign":           {On: schema.Tenant.Type, Need: schema.Tenant.ManagePermissions, Also: "user.administer on a user holder; the caller holds what the role carries"},
	"role.list_assignments": {On: schema.Role.Type, Need: schema.Role.ViewAssignments},
	"kind.list":             {On: schema.Tenant.Type, Need: schema.Tenant.ViewTenant},
	"kind.register":         {On: schema.Tenant.Type, Need: schema.Tenant.ManagePermissions},
	"branch.list":           {On: schema.Tenant.Type, Need: schema.Tenant.ViewTenant},
	"branch.manage":         {On: schema.Tenant.Type, Need: schema.Tenant.ManageBranches, Also: "register, set status, delete"},

	// Workspaces and members.
	"workspace.create":              {On: schema.Tenant.Type, Need: schema.Tenant.CreateWorkspace},
	"workspace.list":                {On: schema.Workspace.Type, Need: schema.Workspace.View, Also: "a lookup: every workspace the caller may view"},
	"workspace.list_mine":           {On: schema.Workspace.Type, Need: schema.Workspace.RoleMember, Also: "a lookup: the caller's memberships"},
	"workspace.view":                {On: schema.Workspace.Type, Need: schema.Workspace.View},
	"workspace.update":              {On: schema.Workspace.Type, Need: schema.Workspace.Update},
	"workspace.delete":              {On: schema.Workspace.Type, Need: schema.Workspace.Delete},
	"workspace.member.manage":       {On: schema.Workspace.Type, Need: schema.Workspace.ManageMembers, Also: "add, change or remove a non-owner member"},
	"workspace.member.manage_owner": {On: schema.Workspace.Type, Need: schema.Workspace.ManageOwners, Also: "grant, change or remove owner"},
	"workspace.transfer_ownership":  {On: schema.Workspace.Type, Need: schema.Workspace.ManageOwners},

	// Models, deployments, API keys.
	"model.create":              {On: schema.Tenant.Type, Need: schema.Tenant.ManageGlobalModels},
	"model.list_all":            {On: schema.Tenant.Type, Need: schema.Tenant.ManageGlobalModels},
	"model.list_for_whitelist":  {On: schema.Workspace.Type, Need: schema.Workspace.WhitelistModels},
	"model.update":              {On: schema.Model.Type, Need: schema.Model.Update, Hidden: true},
	"model.delete":              {On: schema.Model.Type, Need: schema.Model.Delete, Hidden: true},
	"workspace.model.list":      {On: schema.Workspace.Type, Need: schema.Workspace.ViewResources},
	"workspace.model.whitelist": {On: schema.Workspace.Type, Need: schema.Workspace.WhitelistModels, Also: "whitelist and unwhitelist"},
	"deployment.list":           {On: schema.Workspace.Type, Need: schema.Workspace.ViewResources},
	"deployment.view":           {On: schema.Deployment.Type, Need: schema.Deployment.View},
	"deployment.create":         {On: schema.Workspace.Type, Need: schema.Workspace.CreateDeployment},
	"deployment.update":         {On: schema.Deployment.Type, Need: schema.Deployment.Update},
	"deployment.delete":         {On: schema.Deployment.Type, Need: schema.Deployment.Delete},
	"apikey.list":               {On: schema.Workspace.Type, Need: schema.Workspace.ViewResources},
	"apikey.list_all":           {On: schema.Workspace.Type, Need: schema.Workspace.ManageAPIKeys, Also: "without it, only the caller's own keys"},
	"apikey.create":             {On: schema.Workspace.Type, Need: schema.Workspace.CreateAPIKey, Also: "the key's role is not above the creator's"},
	"apikey.revoke":             {On: schema.Apikey.Type, Need: schema.Apikey.Revoke, Hidden: true},

	// Checks and lookups by other services.
	"check.other_subject":         {On: schema.Tenant.Type, Need: schema.Tenant.CheckSubjects, Also: "checks about subjects other than the caller"},
	"lookup.subjects.view":        {On: Any, Need: "view", Also: "a caller without check_subjects sees only subjects of what it can view"},
	"lookup.subjects.view_tenant": {On: schema.Tenant.Type, Need: schema.Tenant.ViewTenant},
}

// RuleFor returns use case's rule; a use case without one is denied.
func (s *Kernel) RuleFor(useCase string) (Rule, error) {
	r, ok := Policy[useCase]
	if !ok {
		s.Log.Error("no policy rule: denied", "use_case", useCase)
		return Rule{}, Forbidden("no policy rule for %s", useCase)
	}
	return r, nil
}

// ruleObject is the object use case's rule is checked on: id's object of
// the rule's type (the platform has none).
func ruleObject(r Rule, id uuid.UUID) authz.Object {
	if r.On == schema.Platform.Type {
		return authz.PlatformObject
	}
	return authz.Obj(r.On, id)
}

// May reports whether p may do use case on object id of tenantID.
func (s *Kernel) May(ctx context.Context, p *Principal, meta RequestMeta, useCase string, tenantID, id uuid.UUID) (bool, error) {
	r, err := s.RuleFor(useCase)
	if err != nil {
		return false, nil
	}
	return s.allowed(ctx, p, tenantID, meta, ruleObject(r, id), r.Need)
}

// MayOn is May for a rule about whichever object the request names.
func (s *Kernel) MayOn(ctx context.Context, p *Principal, meta RequestMeta, useCase string, tenantID uuid.UUID, obj authz.Object) (bool, error) {
	r, err := s.RuleFor(useCase)
	if err != nil || (r.On != Any && r.On != obj.Type) {
		return false, nil
	}
	return s.allowed(ctx, p, tenantID, meta, obj, r.Need)
}

// RuleCheck is the check item of use case's rule about p, for a bulk
// check.
func (s *Kernel) RuleCheck(p *Principal, useCase string, id uuid.UUID) (authz.CheckItem, error) {
	r, err := s.RuleFor(useCase)
	if err != nil {
		return authz.CheckItem{}, err
	}
	return check(p, ruleObject(r, id), r.Need), nil
}

// Authorize fails unless p may do use case on object id of tenantID:
// Forbidden, or NotFound for a Hidden rule's object the caller cannot view.
func (s *Kernel) Authorize(ctx context.Context, p *Principal, meta RequestMeta, useCase string, tenantID, id uuid.UUID) error {
	r, err := s.RuleFor(useCase)
	if err != nil {
		return err
	}
	if r.Hidden {
		noun := r.On
		if noun == schema.Apikey.Type {
			noun = "API key"
		}
		return s.requireVisible(ctx, p, tenantID, meta, ruleObject(r, id), r.Need, noun)
	}
	return s.require(ctx, p, tenantID, meta, ruleObject(r, id), r.Need)
}
