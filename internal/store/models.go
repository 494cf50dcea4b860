package store

import (
	"context"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
)

// Model is a global catalog entry.
type Model struct {
	ID        uuid.UUID
	TenantID  uuid.UUID
	Name      string
	Provider  string
	CreatedAt time.Time
}

// InsertModel stores a catalog entry.
func InsertModel(ctx context.Context, q Q, m Model, createdBy uuid.UUID) error {
	_, err := q.Exec(ctx, `INSERT INTO models (id, tenant_id, name, provider, created_by) VALUES ($1, $2, $3, $4, $5)`, m.ID, m.TenantID, m.Name, m.Provider, createdBy)
	return classify(err)
}

// GetModel loads a live catalog entry.
func GetModel(ctx context.Context, q Q, id uuid.UUID) (Model, error) {
	var m Model
	err := q.QueryRow(ctx, `SELECT id, tenant_id, name, provider, created_at FROM models WHERE id = $1 AND deleted_at IS NULL`, id).Scan(&m.ID, &m.TenantID, &m.Name, &m.Provider, &m.CreatedAt)
	return m, classify(err)
}

// ListModels lists a tenant's catalog (optionally only ids given).
func ListModels(ctx context.Context, q Q, tenantID uuid.UUID, only []uuid.UUID, whitelistedIn *uuid.UUID) ([]Model, error) {
	rows, err := q.Query(ctx, `SELECT id, tenant_id, name, provider, created_at FROM models m
		WHERE tenant_id = $1 AND deleted_at IS NULL AND ($2::uuid[] IS NULL OR id = ANY($2))
		  AND ($3::uuid IS NULL OR EXISTS (SELECT 1 FROM workspace_models w WHERE w.model_id = m.id AND w.workspace_id = $3))
		ORDER BY id`, tenantID, only, whitelistedIn)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (Model, error) {
		var m Model
		err := r.Scan(&m.ID, &m.TenantID, &m.Name, &m.Provider, &m.CreatedAt)
		return m, err
	})
}

// DeleteModel soft-deletes a catalog entry and its whitelistings; it
// returns the workspaces that had whitelisted it.
func DeleteModel(ctx context.Context, q Q, id uuid.UUID) ([]uuid.UUID, error) {
	ws, err := collectIDs(q.Query(ctx, `DELETE FROM workspace_models WHERE model_id = $1 RETURNING workspace_id`, id))
	if err != nil {
		return nil, err
	}
	_, err = q.Exec(ctx, `UPDATE models SET deleted_at = now() WHERE id = $1`, id)
	return ws, err
}

// UpdateModel changes a catalog entry.
func UpdateModel(ctx context.Context, q Q, m Model) error {
	_, err := q.Exec(ctx, `UPDATE models SET name = $2, provider = $3 WHERE id = $1`, m.ID, m.Name, m.Provider)
	return classify(err)
}

// Whitelist enables a model in a workspace; a duplicate is ErrConflict.
func Whitelist(ctx context.Context, q Q, tenantID, workspaceID, modelID uuid.UUID) error {
	_, err := q.Exec(ctx, `INSERT INTO workspace_models (tenant_id, workspace_id, model_id) VALUES ($1, $2, $3)`, tenantID, workspaceID, modelID)
	return classify(err)
}

// Unwhitelist disables a model in a workspace; it reports whether it was on.
func Unwhitelist(ctx context.Context, q Q, workspaceID, modelID uuid.UUID) (bool, error) {
	tag, err := q.Exec(ctx, `DELETE FROM workspace_models WHERE workspace_id = $1 AND model_id = $2`, workspaceID, modelID)
	return tag.RowsAffected() == 1, err
}
