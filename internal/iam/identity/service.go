package identity

import (
	"context"

	"github.com/gatehouse/gatehouse/internal/iam/core"
	"github.com/gatehouse/gatehouse/internal/iam/workspace"
	"github.com/gatehouse/gatehouse/internal/store"
)

// Workspaces is what identity needs of the workspace domain: a user's own
// workspaces (GET /v1/me) and the workspace an audit query names.
type Workspaces interface {
	ListWorkspaces(ctx context.Context, p *core.Principal, meta core.RequestMeta, page core.Page, mine bool) (core.List[workspace.WorkspaceView], error)
	VisibleWorkspace(ctx context.Context, p *core.Principal, meta core.RequestMeta, id string) (store.Workspace, error)
}

// Credentials turns a machine credential's secret into its principal
// (the credential domain); Authenticate tries it after sessions.
type Credentials interface {
	AuthenticateAPIKey(ctx context.Context, token string) (*core.Principal, error)
	AuthenticateService(ctx context.Context, token string) (*core.Principal, error)
}

// Service is the identity use cases.
type Service struct {
	*core.Kernel
	Limiter *LoginLimiter
	// SSO is the OIDC login (sso.go); nil when SSO is not configured.
	SSO         *SSO
	workspaces  Workspaces
	credentials Credentials
}

// New builds the identity service.
func New(k *core.Kernel, ws Workspaces, creds Credentials) *Service {
	return &Service{Kernel: k, Limiter: NewLoginLimiter(), workspaces: ws, credentials: creds}
}
