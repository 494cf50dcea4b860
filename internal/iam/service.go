// Package iam is the facade of Gatehouse's use cases: one Service that the
// HTTP API, the CLI and the tests call, assembled from the domain packages
// below it, and the names those callers use. The use cases and their rules
// live in the domain packages, each readable alone:
//
//   - core: the write pipeline, the policy table, Principal, errors
//   - identity: tenants, users, sessions, SSO, bootstrap, the audit log
//   - workspace: workspaces and their members
//   - access: checks, lookups, explanations, the report, branches
//   - roles: built-in and custom roles, assignments, groups, kinds
//   - catalog: models and deployments
//   - credential: API keys and service credentials
//
// Every write goes through one pipeline (fact + outbox + audit in one
// PostgreSQL transaction, then the projection to SpiceDB); every
// permission decision is a SpiceDB check.
package iam

import (
	"log/slog"

	"github.com/gatehouse/gatehouse/internal/authz"
	"github.com/gatehouse/gatehouse/internal/iam/access"
	"github.com/gatehouse/gatehouse/internal/iam/catalog"
	"github.com/gatehouse/gatehouse/internal/iam/core"
	"github.com/gatehouse/gatehouse/internal/iam/credential"
	"github.com/gatehouse/gatehouse/internal/iam/identity"
	"github.com/gatehouse/gatehouse/internal/iam/roles"
	"github.com/gatehouse/gatehouse/internal/iam/workspace"
	"github.com/gatehouse/gatehouse/internal/store"
)

// The domain services under the names Service embeds them by (an embedded
// field is named after its type, and all of them are called Service).
type (
	identityService   = identity.Service
	workspaceService  = workspace.Service
	accessService     = access.Service
	rolesService      = roles.Service
	catalogService    = catalog.Service
	credentialService = credential.Service
)

// Service is the use-case layer: the kernel (stores, configuration,
// pipeline) and every domain service, whose use cases it promotes
// (svc.AddMember is workspace's, svc.Check is access's).
type Service struct {
	*core.Kernel
	*identityService
	*workspaceService
	*accessService
	*rolesService
	*catalogService
	*credentialService
}

// New builds the service.
func New(st *store.Store, pr *authz.Projector, cfg Config, log *slog.Logger) *Service {
	k := core.NewKernel(st, pr, cfg, log)
	ws := workspace.New(k)
	creds := credential.New(k, ws)
	users := identity.New(k, ws, creds)
	return &Service{
		Kernel:            k,
		identityService:   users,
		workspaceService:  ws,
		accessService:     access.New(k),
		rolesService:      roles.New(k, users),
		catalogService:    catalog.New(k, ws),
		credentialService: creds,
	}
}
