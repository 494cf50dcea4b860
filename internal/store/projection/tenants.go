package projection

import (
	"context"

	"github.com/google/uuid"

	"github.com/gatehouse/gatehouse/internal/store"
	"github.com/gatehouse/gatehouse/internal/store/pg"
)

// TenantIDs lists live tenants.
func TenantIDs(ctx context.Context, q store.Q, tenantID *uuid.UUID) ([]uuid.UUID, error) {
	return pg.CollectIDs(q.Query(ctx, `SELECT id FROM tenants WHERE ($1::uuid IS NULL OR id = $1) ORDER BY id`, tenantID))
}
