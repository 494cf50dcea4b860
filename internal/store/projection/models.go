package projection

import (
	"context"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/gatehouse/gatehouse/internal/store"
	"github.com/gatehouse/gatehouse/internal/store/pg"
)

// ModelFact is a live model and where it is whitelisted (live workspaces).
type ModelFact struct {
	ID, TenantID uuid.UUID
	Workspaces   []uuid.UUID
}

// WorkspaceModelIDs lists the models a workspace whitelisted.
func WorkspaceModelIDs(ctx context.Context, q store.Q, workspaceID uuid.UUID) ([]uuid.UUID, error) {
	return pg.CollectIDs(q.Query(ctx, `SELECT model_id FROM workspace_models WHERE workspace_id = $1`, workspaceID))
}

// LiveModels lists live models with their whitelisting workspaces.
func LiveModels(ctx context.Context, q store.Q, modelID *uuid.UUID) ([]ModelFact, error) {
	rows, err := q.Query(ctx, `SELECT m.id, m.tenant_id, coalesce(array_agg(w.id) FILTER (WHERE w.id IS NOT NULL), '{}')
		FROM models m
		LEFT JOIN workspace_models wm ON wm.model_id = m.id
		LEFT JOIN workspaces w ON w.id = wm.workspace_id AND w.deleted_at IS NULL
		WHERE m.deleted_at IS NULL AND ($1::uuid IS NULL OR m.id = $1)
		GROUP BY m.id, m.tenant_id ORDER BY m.id`, modelID)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (ModelFact, error) {
		var f ModelFact
		err := r.Scan(&f.ID, &f.TenantID, &f.Workspaces)
		return f, err
	})
}
