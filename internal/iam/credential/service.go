package credential

import (
	"context"

	"github.com/google/uuid"

	"github.com/gatehouse/gatehouse/internal/iam/core"
	"github.com/gatehouse/gatehouse/internal/store"
)

// Workspaces is what credentials need of the workspace domain: API keys
// belong to a workspace and carry a role in it.
type Workspaces interface {
	VisibleWorkspace(ctx context.Context, p *core.Principal, meta core.RequestMeta, id string) (store.Workspace, error)
	EffectiveRoles(ctx context.Context, p *core.Principal, meta core.RequestMeta, tenantID uuid.UUID, ids []uuid.UUID) (map[uuid.UUID]string, error)
}

// Service is the credential use cases.
type Service struct {
	*core.Kernel
	workspaces Workspaces
}

// New builds the credential service.
func New(k *core.Kernel, ws Workspaces) *Service { return &Service{Kernel: k, workspaces: ws} }
