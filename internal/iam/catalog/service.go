package catalog

import (
	"context"

	"github.com/gatehouse/gatehouse/internal/iam/core"
	"github.com/gatehouse/gatehouse/internal/store"
)

// Workspaces is what the catalog needs of the workspace domain:
// deployments and whitelists belong to a workspace the caller sees.
type Workspaces interface {
	VisibleWorkspace(ctx context.Context, p *core.Principal, meta core.RequestMeta, id string) (store.Workspace, error)
}

// Service is the catalog use cases.
type Service struct {
	*core.Kernel
	workspaces Workspaces
}

// New builds the catalog service.
func New(k *core.Kernel, ws Workspaces) *Service { return &Service{Kernel: k, workspaces: ws} }
