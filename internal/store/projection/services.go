package projection

import (
	"context"

	"github.com/google/uuid"

	"github.com/gatehouse/gatehouse/internal/store"
)

// LiveServices lists live credentials (filters optional).
func LiveServices(ctx context.Context, q store.Q, tenantID, id *uuid.UUID) ([]store.OwnedFact, error) {
	return store.CollectOwned(q.Query(ctx, `SELECT id, tenant_id FROM service_credentials WHERE revoked_at IS NULL
		AND ($1::uuid IS NULL OR tenant_id = $1) AND ($2::uuid IS NULL OR id = $2) ORDER BY id`, tenantID, id))
}
