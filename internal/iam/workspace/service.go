package workspace

import "github.com/gatehouse/gatehouse/internal/iam/core"

// Service is the workspace use cases.
type Service struct {
	*core.Kernel
}

// New builds the workspace service.
func New(k *core.Kernel) *Service { return &Service{Kernel: k} }
