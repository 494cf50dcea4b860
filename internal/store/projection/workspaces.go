package projection

import (
	"context"

	"github.com/google/uuid"

	"github.com/gatehouse/gatehouse/internal/store"
)

// LiveWorkspaces lists live workspaces.
func LiveWorkspaces(ctx context.Context, q store.Q, workspaceID *uuid.UUID) ([]store.OwnedFact, error) {
	return store.CollectOwned(q.Query(ctx, `SELECT id, tenant_id FROM workspaces
		WHERE deleted_at IS NULL AND ($1::uuid IS NULL OR id = $1) ORDER BY id`, workspaceID))
}
