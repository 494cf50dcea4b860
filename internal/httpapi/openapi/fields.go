package openapi

import "github.com/getkin/kin-openapi/openapi3"

// What the OpenAPI document says about the fields of the Go types that
// handlers decode and answer (generate.go). The generator refuses a field
// or schema without a description, so a new field cannot go undescribed.

// A fieldDoc describes a field: by "Schema.field", or by "field" alone for
// a meaning shared by every schema.
type fieldDoc struct {
	about     string
	enum      []string
	format    string
	pattern   string
	maxLength uint64
	maxItems  uint64
}

func (d fieldDoc) apply(s *openapi3.Schema) {
	s.Description = d.about
	for _, v := range d.enum {
		s.Enum = append(s.Enum, v)
	}
	if d.format != "" {
		s.Format = d.format
	}
	if d.pattern != "" {
		s.Pattern = d.pattern
	}
	if d.maxLength > 0 {
		s.MaxLength = ptr(d.maxLength)
	}
	if d.maxItems > 0 {
		s.MaxItems = ptr(d.maxItems)
	}
}

func about(s string) fieldDoc { return fieldDoc{about: s} }

// requiredIn lists, for each request body, the fields the server requires
// (in answers every field without omitempty is always present).
var requiredIn = map[string][]string{
	"LoginInput":          {"email", "password"},
	"AcceptInput":         {"token", "password"},
	"TenantInput":         {"name", "admin"},
	"TenantInput.admin":   {"email"},
	"InviteInput":         {"email", "name"},
	"GlobalRoleInput":     {"role"},
	"GroupInput":          {"name"},
	"RoleInput":           {"name"},
	"RolePermissionInput": {"permission"},
	"KindInput":           {"namespace", "name"},
	"BranchInput":         {"name"},
	"BranchPatch":         {"status"},
	"WorkspaceInput":      {"name"},
	"MemberInput":         {"role"},
	"MemberPatch":         {"role"},
	"TransferInput":       {"user_id"},
	"ModelInput":          {"name"},
	"WhitelistInput":      {"model_id"},
	"DeploymentInput":     {"name"},
	"APIKeyInput":         {"name", "role"},
	"ServiceInput":        {"name"},
	"CheckInput":          {"resource", "permission"},
	"Ref":                 {"type", "id"},
	"BulkInput":           {"items"},
}

var pathParamAbout = map[string]string{
	"tenant_id":     "The tenant's id.",
	"user_id":       "The user's id.",
	"group_id":      "The account group's id.",
	"role_id":       "The role's id: a custom role's id, or builtin:superadmin, builtin:admin, builtin:member.",
	"permission":    "A permission identifier (see GET /v1/permissions), URL-escaped.",
	"holder":        "Who holds the role: user:<id> or group:<id>.",
	"name":          "The branch's name; a / in it is sent as %2F.",
	"workspace_id":  "The workspace's id.",
	"member_id":     "The membership's id (the id in the member list, not the user's).",
	"model_id":      "The catalog model's id.",
	"deployment_id": "The deployment's id.",
	"key_id":        "The API key's id.",
	"service_id":    "The service credential's id.",
}

var typeAbout = map[string]string{
	"Problem":             "An RFC 9457 problem document: every error answer.",
	"HealthAnswer":        "The process is alive.",
	"ReadyAnswer":         "Whether each dependency answers.",
	"LoginInput":          "An email and password login.",
	"LoginResult":         "A new session: its token and the logged-in user.",
	"CookieLoginAnswer":   "A console login: the session is in the cookies, not here.",
	"User":                "A user account.",
	"InvitationInfo":      "Whose invitation a token is.",
	"AcceptInput":         "An invitation's acceptance.",
	"AcceptAnswer":        "The activated account.",
	"Me":                  "The caller with the workspaces they hold a role in.",
	"MyWorkspace":         "A workspace with the caller's role in it.",
	"Tenant":              "A tenant: an isolated organisation with its own users, workspaces and roles.",
	"TenantInput":         "A new tenant and its first admin.",
	"TenantCreated":       "The new tenant with its first admin's invitation.",
	"TenantPatch":         "The tenant settings to change.",
	"TenantAnswer":        "The changed tenant.",
	"InviteInput":         "A user to invite.",
	"Invited":             "The invited user with the invitation (shown once).",
	"UserPatch":           "The profile fields to change.",
	"UserResult":          "The changed user.",
	"GlobalRoleInput":     "A global role.",
	"WriteAnswer":         "A write's result.",
	"Group":               "An account group.",
	"GroupInput":          "An account group's name.",
	"GroupView":           "An account group, with its members when read alone.",
	"RoleView":            "A built-in or custom role.",
	"RoleInput":           "A new custom role.",
	"RoleResult":          "The changed role.",
	"RolePatch":           "The custom role fields to change.",
	"RolePermissionInput": "A permission to add to a role.",
	"Assignment":          "A role held by a user or a group.",
	"AssignmentResult":    "The changed assignment.",
	"Catalog":             "What permission identifiers are made of.",
	"CatalogAction":       "A global action.",
	"CatalogDecision":     "A decision a permission identifier can carry.",
	"KindView":            "An object kind.",
	"KindInput":           "A kind to register.",
	"Report":              "One page of the permission report.",
	"ReportRow":           "A kind's four object actions as decisions.",
	"Branch":              "A registered branch.",
	"BranchInput":         "A branch to register.",
	"BranchView":          "The changed branch.",
	"BranchPatch":         "A branch's new status.",
	"AuditEntry":          "One audit log entry.",
	"WorkspaceView":       "A workspace (with the caller's role when listed or read).",
	"WorkspaceInput":      "A new workspace.",
	"WorkspacePatch":      "The workspace fields to change.",
	"MemberListItem":      "A workspace member with its effective role.",
	"MemberInput":         "A user or group to add, with its role.",
	"MemberView":          "The changed membership.",
	"MemberPatch":         "A member's new role.",
	"TransferInput":       "The new owner.",
	"Model":               "A catalog model.",
	"ModelInput":          "A model to add to the catalog.",
	"ModelView":           "The changed catalog model.",
	"ModelPatch":          "The catalog model fields to change.",
	"WhitelistInput":      "A catalog model to whitelist.",
	"Deployment":          "A deployment in a workspace.",
	"DeploymentInput":     "A deployment's name and model.",
	"DeploymentView":      "The changed deployment.",
	"APIKey":              "A workspace API key (never its secret).",
	"APIKeyInput":         "A new API key.",
	"APIKeyView":          "An API key; key (the secret) only when created.",
	"ServiceCredential":   "A service credential (never its secret).",
	"ServiceInput":        "A new service credential.",
	"ServiceView":         "A service credential; key (the secret) only when created.",
	"CheckInput":          "One permission check.",
	"Ref":                 "A reference to an object or subject.",
	"ConsistencyInput":    "How fresh a decision must be (at most one of the fields).",
	"CheckOutput":         "A check's decision.",
	"Explanation":         "The decision told in words, with SpiceDB's trace.",
	"ItemError":           "Why a bulk item could not be checked.",
	"BulkInput":           "Up to 1000 checks.",
	"BulkOutput":          "The decisions, in the order asked.",
	"LookupResult":        "The ids found.",
}

var (
	globalRoles    = []string{"superadmin", "admin", "member"}
	workspaceRoles = []string{"owner", "admin", "member"}
	kindName       = "^[A-Z][A-Za-z0-9]{0,63}$"
)

var fieldDocs = map[string]fieldDoc{
	// Shared meanings.
	"id":                 about("The object's id."),
	"tenant_id":          about("The tenant the object belongs to."),
	"workspace_id":       about("The workspace the object belongs to."),
	"name":               about("The object's name."),
	"created_at":         about("When the object was created."),
	"updated_at":         about("When the object last changed."),
	"created_by":         about("The id of the user who created it."),
	"items":              about("One page of the list, in a stable order."),
	"next_cursor":        about("Pass as cursor to get the next page; absent on the last page."),
	"checked_at":         about("The SpiceDB revision (a ZedToken) the answer was decided at."),
	"consistency":        about("How fresh the decisions must be (default: at least as fresh as the caller's last write)."),
	"consistency_token":  about("The write's consistency token (also the Gatehouse-Consistency-Token header); absent when the projection is pending."),
	"projection_pending": about("true (with status 202) when the write is stored but not yet projected to SpiceDB; absent otherwise."),
	"user":               about("The user."),
	"prefix":             about("The secret's public prefix, which identifies it."),
	"last_four":          about("The secret's last four characters."),
	"revoked_at":         about("When it was revoked; absent while it is valid."),
	"last_used_at":       about("When it last authenticated a request; absent if never."),
	"key":                about("The secret, present only in the answer that creates it: store it now."),

	"Problem.type":       about("A URI naming the problem: https://gatehouse.dev/problems/<code>."),
	"Problem.title":      about("The HTTP status text."),
	"Problem.status":     about("The HTTP status."),
	"Problem.detail":     about("What went wrong, for people (never internals)."),
	"Problem.code":       about("A stable machine-readable code (see each error answer for the codes it can carry)."),
	"Problem.field":      about("The offending field or query parameter, when there is one."),
	"Problem.request_id": about("The request's id, as in the X-Request-Id header and the server log."),

	"HealthAnswer.status": {about: "Always ok.", enum: []string{"ok"}},
	"ReadyAnswer.status":  {about: "ready when every check is ok.", enum: []string{"ready", "not ready"}},
	"ReadyAnswer.checks":  about("Each dependency (postgres, spicedb) with ok or unavailable."),

	"LoginInput.email":    {about: "The account's email.", maxLength: 254},
	"LoginInput.password": {about: "The account's password.", maxLength: 1024},
	"LoginInput.tenant": {about: "Needed only when the email has accounts in several tenants: the tenant's id, or its name (case-insensitive; give the id when tenants share a name). " +
		"A login that names no single active account fails like a wrong password.", maxLength: 200},
	"LoginResult.token":      about("The session token: send it as Authorization: Bearer <token>."),
	"LoginResult.expires_at": about("When the session expires."),
	"expires_at":             about("When it expires."),

	"User.email":       about("The user's email, unique in the tenant."),
	"User.name":        about("The user's display name."),
	"User.global_role": {about: "The user's role in their tenant.", enum: globalRoles},
	"User.status":      {about: "invited until the invitation is accepted; disabled and deleted users cannot log in.", enum: []string{"invited", "active", "disabled", "deleted"}},

	"InvitationInfo.email":      about("The invited email."),
	"InvitationInfo.name":       about("The invited user's name."),
	"InvitationInfo.tenant":     about("The tenant's name."),
	"InvitationInfo.expires_at": about("When the invitation expires."),
	"InvitationInfo.accept":     about("Where to accept it: POST this path with the token and a password."),

	"AcceptInput.token":    about("The invitation token."),
	"AcceptInput.password": about("The account's new password."),
	"AcceptInput.name":     about("A new display name (default: the invited one)."),
	"AcceptAnswer.user":    about("The activated user."),

	"Me.workspaces":    about("The workspaces the caller holds a role in."),
	"MyWorkspace.id":   about("The workspace's id."),
	"MyWorkspace.name": about("The workspace's name."),
	"MyWorkspace.role": {about: "The caller's effective role.", enum: workspaceRoles},

	"Tenant.name":                          about("The tenant's name."),
	"TenantInput.name":                     about("The tenant's name."),
	"TenantInput.admin":                    about("The tenant's first admin, who is invited."),
	"TenantInput.admin.email":              about("The admin's email."),
	"TenantInput.admin.name":               about("The admin's display name (default: the email)."),
	"TenantCreated.admin":                  about("The invited first admin."),
	"TenantCreated.admin.id":               about("The admin's user id."),
	"TenantCreated.admin.email":            about("The admin's email."),
	"TenantCreated.admin.invitation_token": about("The admin's invitation token (shown once)."),
	"TenantCreated.admin.invitation_url":   about("Where the admin accepts the invitation."),
	"TenantPatch.name":                     about("The tenant's new name."),
	"InviteInput.email":                    about("The user's email."),
	"InviteInput.name":                     about("The user's display name."),
	"InviteInput.global_role":              {about: "The user's role in the tenant (default: member).", enum: globalRoles},
	"InviteInput.tenant_id":                {about: "The tenant to invite into (superadmins; default: the caller's).", format: "uuid"},
	"Invited.invitation_token":             about("The invitation token (shown once)."),
	"Invited.invitation_url":               about("Where the user accepts the invitation (a page for browsers, JSON for programs)."),
	"Invited.invitation_expires_at":        about("When the invitation expires."),
	"UserPatch.name":                       about("The new display name."),
	"UserPatch.email":                      about("The new email."),
	"GlobalRoleInput.role":                 {about: "The user's new global role.", enum: globalRoles},

	"Group.name":        about("The group's name, unique in the tenant."),
	"GroupInput.name":   about("The group's name."),
	"GroupView.members": about("The group's members, when the group is read alone."),

	"RoleView.id":                    about("builtin:<role> for a built-in role, else the custom role's id."),
	"RoleView.name":                  about("The role's name."),
	"RoleView.builtin":               about("true for the built-in roles, which cannot change."),
	"RoleView.tenant_id":             about("The custom role's tenant; absent for built-in roles."),
	"RoleView.description":           about("What the role is for."),
	"RoleView.permissions":           about("The permission identifiers the role grants (see GET /v1/permissions)."),
	"RoleInput.name":                 about("The role's name, unique in the tenant."),
	"RoleInput.description":          about("What the role is for."),
	"RoleInput.permissions":          about("The permission identifiers the role grants."),
	"RolePatch.name":                 about("The new name."),
	"RolePatch.description":          about("The new description."),
	"RolePatch.permissions":          about("The new permission identifiers, replacing the old ones."),
	"RolePermissionInput.permission": about("A permission identifier (see GET /v1/permissions)."),

	"Assignment.role_id":  about("The role's id."),
	"Assignment.user_id":  about("The holding user, when a user holds it."),
	"Assignment.group_id": about("The holding group, when a group holds it."),

	"Catalog.global_actions":      about("The global actions, with the built-in roles that hold them."),
	"Catalog.object_actions":      about("The actions on objects of a kind."),
	"Catalog.decisions":           about("The decisions an identifier can carry."),
	"Catalog.formats":             about("The formats of permission identifiers, by scope."),
	"CatalogAction.name":          about("The action's name."),
	"CatalogAction.description":   about("What the action allows."),
	"CatalogAction.builtin_roles": about("The built-in roles that hold it."),
	"CatalogAction.aliases":       about("Other names accepted for it."),
	"CatalogDecision.name":        about("The decision's name."),
	"CatalogDecision.value":       about("Its numeric value."),

	"KindView.id":            about("namespace:name, or the built-in kind's id."),
	"KindView.namespace":     about("The kind's namespace."),
	"KindView.name":          about("The kind's name."),
	"KindView.builtin":       about("true for the built-in kinds."),
	"KindView.guarded_by":    about("A global action that alone decides every action but view on the kind; absent when none."),
	"KindView.generic":       about("Whether other kinds may inherit from it."),
	"KindView.inherit_from":  about("The generic kinds it inherits from (their guard included)."),
	"KindView.created_at":    about("When it was registered; absent for built-in kinds."),
	"KindInput.namespace":    {about: "The kind's namespace.", pattern: kindName},
	"KindInput.name":         {about: "The kind's name.", pattern: kindName},
	"KindInput.guarded_by":   about("A global action that alone decides every action but view on the kind."),
	"KindInput.inherit_from": about("Registered generic kinds (namespace:name) to inherit from; the kind inherits their guard."),
	"KindInput.generic":      about("Whether other kinds may inherit from this one."),

	"Report.branch":     about("The branch the decisions are relative to."),
	"Report.checked_at": about("The SpiceDB revision the report was decided at."),
	"ReportRow.kind":    about("The kind (namespace:name)."),
	"ReportRow.view":    about("The decision for view."),
	"ReportRow.create":  about("The decision for create."),
	"ReportRow.update":  about("The decision for update."),
	"ReportRow.delete":  about("The decision for delete."),

	"Branch.name":        about("The branch's name."),
	"Branch.status":      {about: "The branch's status.", enum: []string{"open", "merged", "need_rebase"}},
	"BranchInput.name":   {about: "The branch's name.", pattern: "^[A-Za-z0-9][A-Za-z0-9._/-]{0,254}$"},
	"BranchPatch.status": {about: "The new status.", enum: []string{"open", "merged", "need_rebase"}},

	"AuditEntry.id":           about("The entry's sequence number."),
	"AuditEntry.tenant_id":    about("The tenant; absent for entries of no tenant."),
	"AuditEntry.workspace_id": about("The workspace, when the action concerned one."),
	"AuditEntry.actor":        about("Who acted (user:<id>, api_key:<id>, service:<id>, ...)."),
	"AuditEntry.action":       about("What was done (e.g. user.invite)."),
	"AuditEntry.target":       about("What it was done to (type:id)."),
	"AuditEntry.outcome":      about("How it ended (e.g. success, denied)."),
	"AuditEntry.request_id":   about("The request's id."),
	"AuditEntry.client_addr":  about("The client's address."),
	"AuditEntry.details":      about("Further facts about the action."),
	"AuditEntry.created_at":   about("When it happened."),

	"Workspace.name":             about("The workspace's name."),
	"Workspace.description":      about("What the workspace is for."),
	"WorkspaceView.role":         {about: "The caller's effective role in it, when they hold one.", enum: workspaceRoles},
	"WorkspaceInput.name":        about("The workspace's name."),
	"WorkspaceInput.description": about("What the workspace is for."),
	"WorkspacePatch.name":        about("The new name."),
	"WorkspacePatch.description": about("The new description."),

	"Member.id":                     about("The membership's id."),
	"Member.user_id":                about("The member user, for a user membership."),
	"Member.group_id":               about("The member group, for a group membership."),
	"Member.role":                   {about: "The membership's role.", enum: workspaceRoles},
	"MemberListItem.effective_role": {about: "A user member's strongest role, direct or through groups.", enum: workspaceRoles},
	"MemberListItem.name":           {about: "The member user's or group's name."},
	"MemberInput.user_id":           {about: "The user to add (or give group_id).", format: "uuid"},
	"MemberInput.group_id":          {about: "The account group to add (or give user_id).", format: "uuid"},
	"MemberInput.role":              {about: "The member's role.", enum: workspaceRoles},
	"MemberPatch.role":              {about: "The member's new role.", enum: workspaceRoles},
	"TransferInput.user_id":         {about: "The user who becomes the owner.", format: "uuid"},

	"Model.name":              about("The model's name, unique in the catalog."),
	"Model.provider":          about("Who provides the model."),
	"ModelInput.name":         about("The model's name."),
	"ModelInput.provider":     about("Who provides the model."),
	"ModelPatch.name":         about("The new name."),
	"ModelPatch.provider":     about("The new provider."),
	"WhitelistInput.model_id": {about: "The catalog model's id.", format: "uuid"},

	"Deployment.name":          about("The deployment's name."),
	"Deployment.model_id":      about("The whitelisted model it deploys; absent when none."),
	"Deployment.created_by":    about("The id of the user who created it, when a user did."),
	"DeploymentInput.name":     about("The deployment's name."),
	"DeploymentInput.model_id": about("A model whitelisted in the workspace (empty: none)."),

	"APIKey.created_by":      about("The id of the user who created the key."),
	"APIKey.name":            about("The key's name."),
	"APIKey.role":            {about: "The role the key acts with in its workspace.", enum: []string{"admin", "member"}},
	"APIKey.expires_at":      about("When the key expires; absent when it does not."),
	"APIKeyInput.name":       about("The key's name."),
	"APIKeyInput.role":       {about: "The role the key acts with in the workspace (at most the creator's).", enum: []string{"admin", "member"}},
	"APIKeyInput.expires_at": about("When the key expires (default: never)."),

	"ServiceCredential.name": about("The credential's name."),
	"ServiceInput.name":      about("The credential's name."),

	"CheckInput.subject":                 about("Who acts (default: the caller)."),
	"CheckInput.resource":                about("What is acted on."),
	"CheckInput.permission":              about("The permission or action (e.g. view, update)."),
	"CheckInput.branch":                  about("The branch the decision is relative to (default: the main branch)."),
	"CheckInput.explain":                 about("true: also tell the decision in words (explanation)."),
	"Ref.type":                           about("The object type (e.g. user, workspace, deployment)."),
	"Ref.id":                             about("The object's id."),
	"ConsistencyInput.at_least_as_fresh": about("A consistency token: decide at least as fresh as that write."),
	"ConsistencyInput.fully_consistent":  about("true: decide on the newest data."),
	"ConsistencyInput.minimize_latency":  about("true: decide on cached data when SpiceDB has it."),
	"CheckOutput.allowed":                about("Whether the subject may."),
	"CheckOutput.decision":               about("The decision in words (e.g. allow, deny)."),
	"CheckOutput.checked_at":             about("The SpiceDB revision the check was decided at; absent for an item that failed."),
	"CheckOutput.explanation":            about("The decision told in words, with explain: true."),
	"CheckOutput.error":                  about("Why a bulk item could not be checked (the item is then denied)."),
	"Explanation.text":                   about("The decision in words."),
	"Explanation.trace":                  about("SpiceDB's debug trace of the check, as JSON."),
	"ItemError.code":                     about("A stable code, like a problem's."),
	"ItemError.field":                    about("The offending field, when there is one."),
	"ItemError.message":                  about("What went wrong."),
	"BulkInput.items":                    {about: "The checks (at most 1000).", maxItems: 1000},
	"BulkOutput.results":                 about("One decision per item, in order."),
	"BulkOutput.checked_at":              about("The SpiceDB revision the checks were decided at."),
	"LookupResult.items":                 about("The ids of the resources or subjects found."),
	"LookupResult.checked_at":            about("The SpiceDB revision the lookup was decided at."),
}
