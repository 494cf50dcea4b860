package iam

import (
	"context"

	"github.com/gatehouse/gatehouse/internal/iam/access"
	"github.com/gatehouse/gatehouse/internal/iam/catalog"
	"github.com/gatehouse/gatehouse/internal/iam/core"
	"github.com/gatehouse/gatehouse/internal/iam/credential"
	"github.com/gatehouse/gatehouse/internal/iam/identity"
	"github.com/gatehouse/gatehouse/internal/iam/roles"
	"github.com/gatehouse/gatehouse/internal/iam/workspace"
)

// The names callers of iam use, kept here so that the split into domain
// packages changed nothing outside internal/iam.

// Kernel: configuration, caller, results, errors, pages, policy.
type (
	Config      = core.Config
	Principal   = core.Principal
	RequestMeta = core.RequestMeta
	WriteResult = core.WriteResult
	Error       = core.Error
	Kind        = core.Kind
	Page        = core.Page
	List[T any] = core.List[T]
)

const (
	KindInvalid         = core.KindInvalid
	KindBadRequest      = core.KindBadRequest
	KindUnauthenticated = core.KindUnauthenticated
	KindForbidden       = core.KindForbidden
	KindNotFound        = core.KindNotFound
	KindConflict        = core.KindConflict
	KindRateLimited     = core.KindRateLimited
	KindUnavailable     = core.KindUnavailable
)

// Policy is core.Policy, the table of every authorization rule.
var Policy = core.Policy

// Invalid reports an invalid field.
func Invalid(field, format string, args ...any) error { return core.Invalid(field, format, args...) }

// Unauthenticated reports missing or bad credentials.
func Unauthenticated(format string, args ...any) error { return core.Unauthenticated(format, args...) }

// DeferSettle returns a context whose writes leave their barrier to the
// caller (core.DeferSettle): the HTTP layer settles once per request.
func DeferSettle(ctx context.Context) (context.Context, *core.Settling) { return core.DeferSettle(ctx) }

// KindOf returns the kind of err (0 for unexpected errors).
func KindOf(err error) Kind { return core.KindOf(err) }

// PageBy pages a fully loaded list ordered by key: items after the
// cursor's key, at most the page's limit.
func PageBy[T any](items []T, p Page, key func(T) string) (List[T], error) {
	return core.PageBy(items, p, key)
}

// Identity.
type (
	AcceptInput     = identity.AcceptInput
	AuditQuery      = identity.AuditQuery
	BootstrapResult = identity.BootstrapResult
	InvitationInfo  = identity.InvitationInfo
	InviteInput     = identity.InviteInput
	Invited         = identity.Invited
	LoginInput      = identity.LoginInput
	LoginResult     = identity.LoginResult
	Me              = identity.Me
	SSO             = identity.SSO
	SSOCallback     = identity.SSOCallback
	TenantCreated   = identity.TenantCreated
	TenantInput     = identity.TenantInput
	TenantPatch     = identity.TenantPatch
	UserPatch       = identity.UserPatch
	UserQuery       = identity.UserQuery
	UserResult      = identity.UserResult
)

// SSOLoginTTL is how long a started SSO login may take.
const SSOLoginTTL = identity.SSOLoginTTL

// Workspaces.
type (
	MemberInput    = workspace.MemberInput
	MemberListItem = workspace.MemberListItem
	MemberPatch    = workspace.MemberPatch
	MemberView     = workspace.MemberView
	TransferInput  = workspace.TransferInput
	WorkspaceInput = workspace.WorkspaceInput
	WorkspacePatch = workspace.WorkspacePatch
	WorkspaceView  = workspace.WorkspaceView
)

// Access: checks, lookups, the report, branches.
type (
	BranchInput          = access.BranchInput
	BranchPatch          = access.BranchPatch
	BranchView           = access.BranchView
	BulkInput            = access.BulkInput
	BulkOutput           = access.BulkOutput
	CheckInput           = access.CheckInput
	CheckOutput          = access.CheckOutput
	ConsistencyInput     = access.ConsistencyInput
	LookupResourcesInput = access.LookupResourcesInput
	LookupResult         = access.LookupResult
	LookupSubjectsInput  = access.LookupSubjectsInput
	Report               = access.Report
	ReportInput          = access.ReportInput
	Ref                  = access.Ref
)

// Roles: roles, assignments, groups, kinds.
type (
	AssignmentResult = roles.AssignmentResult
	Catalog          = roles.Catalog
	GroupInput       = roles.GroupInput
	GroupView        = roles.GroupView
	KindInput        = roles.KindInput
	KindView         = roles.KindView
	RoleInput        = roles.RoleInput
	RolePatch        = roles.RolePatch
	RoleResult       = roles.RoleResult
	RoleView         = roles.RoleView
)

// PermissionCatalog lists what permissions are made of.
func PermissionCatalog() Catalog { return roles.PermissionCatalog() }

// Catalog: models and deployments.
type (
	DeploymentInput = catalog.DeploymentInput
	DeploymentView  = catalog.DeploymentView
	ModelInput      = catalog.ModelInput
	ModelPatch      = catalog.ModelPatch
	ModelView       = catalog.ModelView
	WhitelistInput  = catalog.WhitelistInput
)

// Credentials: API keys and service credentials.
type (
	APIKeyInput  = credential.APIKeyInput
	APIKeyView   = credential.APIKeyView
	ServiceInput = credential.ServiceInput
	ServiceView  = credential.ServiceView

	// nested in answers the HTTP edge converts
	MyWorkspace     = identity.MyWorkspace
	CatalogAction   = roles.CatalogAction
	CatalogDecision = roles.CatalogDecision
	ReportRow       = access.ReportRow
	Explanation     = access.Explanation
	ItemError       = access.ItemError
)
