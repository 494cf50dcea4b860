package roles

import (
	"context"

	"github.com/gatehouse/gatehouse/internal/iam/core"
	"github.com/gatehouse/gatehouse/internal/store"
)

// Users is what the permission model needs of the identity domain: a
// group's member or a role's holder is a user the caller may see.
type Users interface {
	GetUser(ctx context.Context, p *core.Principal, meta core.RequestMeta, id string) (store.User, error)
}

// Service is the permission-model use cases.
type Service struct {
	*core.Kernel
	users Users
}

// New builds the permission-model service.
func New(k *core.Kernel, users Users) *Service { return &Service{Kernel: k, users: users} }
