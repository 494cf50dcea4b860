package httpapi

// Every route's authorization, named: for each handler of routes.go, the
// use cases of iam.Policy it runs (internal/iam/core/policy.go says, for each,
// the object and the SpiceDB permission). Two markers name what needs no
// rule: public routes (anyone: they authenticate, or the invitation token is
// the authority) and self routes (an authenticated caller asking only about
// itself). TestEveryRouteHasAPolicy fails for a route of routes.go that is
// missing here, or that names a use case iam.Policy lacks.
const (
	public = "public"
	self   = "self"
)

var routePolicy = map[string][]string{
	"healthz":           {public},
	"readyz":            {public},
	"openapi":           {public},
	"login":             {public},
	"oidcLogin":         {public},
	"oidcCallback":      {public},
	"inspectInvitation": {public},
	"acceptInvitation":  {public},

	"logout": {self},
	"me":     {self},

	"permissionCatalog": {self},

	"listTenants":  {"tenant.list", "platform.span_tenants"},
	"createTenant": {"tenant.create"},
	"getTenant":    {"tenant.get", "tenant.reach"},
	"updateTenant": {"tenant.update", "tenant.reach"},

	"listUsers":        {"user.list", "tenant.reach"},
	"inviteUser":       {"user.invite", "tenant.reach"},
	"getUser":          {"tenant.reach", "user.view_admin_fields"},
	"updateUser":       {"user.administer"},
	"deleteUser":       {"user.administer"},
	"disableUser":      {"user.administer"},
	"enableUser":       {"user.administer"},
	"setGlobalRole":    {"user.administer"},
	"resendInvitation": {"user.administer"},
	"revokeInvitation": {"user.administer"},
	"userGroups":       {"tenant.reach", "group.view"},

	"listGroups":        {"group.list", "group.view"},
	"createGroup":       {"group.create"},
	"getGroup":          {"group.view"},
	"renameGroup":       {"group.manage"},
	"deleteGroup":       {"group.manage"},
	"addGroupMember":    {"group.manage", "user.administer"},
	"removeGroupMember": {"group.manage", "user.administer"},

	"listRoles":            {"role.list"},
	"createRole":           {"role.create"},
	"getRole":              {"role.list", "role.view"},
	"updateRole":           {"role.manage"},
	"deleteRole":           {"role.manage"},
	"addRolePermission":    {"role.manage"},
	"removeRolePermission": {"role.manage"},
	"listAssignments":      {"role.list", "role.list_assignments"},
	"assignRole":           {"role.assign", "user.administer"},
	"unassignRole":         {"role.assign", "user.administer"},
	"listKinds":            {"kind.list"},
	"registerKind":         {"kind.register"},
	"permissionReport":     {self, "check.other_subject"},
	"listBranches":         {"branch.list"},
	"registerBranch":       {"branch.manage"},
	"setBranchStatus":      {"branch.manage"},
	"deleteBranch":         {"branch.manage"},
	"listAuditLogs":        {"audit.list", "audit.list_workspace", "audit.list_all_tenants"},

	"listWorkspaces":    {"workspace.list", "workspace.list_mine"},
	"createWorkspace":   {"workspace.create"},
	"getWorkspace":      {"workspace.view"},
	"updateWorkspace":   {"workspace.view", "workspace.update"},
	"deleteWorkspace":   {"workspace.view", "workspace.delete"},
	"listMembers":       {"workspace.view"},
	"addMember":         {"workspace.view", "workspace.member.manage", "workspace.member.manage_owner"},
	"updateMember":      {"workspace.view", "workspace.member.manage", "workspace.member.manage_owner"},
	"removeMember":      {"workspace.view", "workspace.member.manage", "workspace.member.manage_owner"},
	"transferOwnership": {"workspace.view", "workspace.transfer_ownership"},

	"listModels":        {"model.list_all", "model.list_for_whitelist"},
	"createModel":       {"model.create"},
	"updateModel":       {"model.update"},
	"deleteModel":       {"model.delete"},
	"whitelistedModels": {"workspace.view", "workspace.model.list"},
	"whitelistModel":    {"workspace.view", "workspace.model.whitelist"},
	"unwhitelistModel":  {"workspace.view", "workspace.model.whitelist"},
	"listDeployments":   {"workspace.view", "deployment.list", "deployment.view"},
	"createDeployment":  {"workspace.view", "deployment.create"},
	"getDeployment":     {"workspace.view", "deployment.view"},
	"updateDeployment":  {"workspace.view", "deployment.view", "deployment.update"},
	"deleteDeployment":  {"workspace.view", "deployment.view", "deployment.delete"},
	"listAPIKeys":       {"workspace.view", "apikey.list", "apikey.list_all"},
	"createAPIKey":      {"workspace.view", "apikey.create"},
	"revokeAPIKey":      {"workspace.view", "apikey.revoke"},

	"listServices":  {"service_credential.list"},
	"createService": {"service_credential.create"},
	"revokeService": {"service_credential.revoke"},

	"check":           {self, "check.other_subject"},
	"checkBulk":       {self, "check.other_subject"},
	"lookupResources": {self, "check.other_subject"},
	"lookupSubjects":  {"check.other_subject", "lookup.subjects.view", "lookup.subjects.view_tenant"},
}
