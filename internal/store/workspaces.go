package store

import (
	"context"
	"time"

	"github.com/google/uuid"
)

// Workspace is a tenant's workspace.
type Workspace struct {
	ID          uuid.UUID
	TenantID    uuid.UUID
	Name        string
	Description string
	CreatedBy   uuid.UUID
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

// InsertWorkspace stores a workspace.
func InsertWorkspace(ctx context.Context, q Q, w Workspace) error {
	_, err := q.Exec(ctx, `INSERT INTO workspaces (id, tenant_id, name, description, created_by) VALUES ($1, $2, $3, $4, $5)`,
		w.ID, w.TenantID, w.Name, w.Description, w.CreatedBy)
	return classify(err)
}

// GetWorkspace loads a live workspace.
func GetWorkspace(ctx context.Context, q Q, id uuid.UUID) (Workspace, error) {
	var w Workspace
	var createdBy *uuid.UUID
	err := q.QueryRow(ctx, `SELECT id, tenant_id, name, description, created_by, created_at, updated_at FROM workspaces WHERE id = $1 AND deleted_at IS NULL`, id).
		Scan(&w.ID, &w.TenantID, &w.Name, &w.Description, &createdBy, &w.CreatedAt, &w.UpdatedAt)
	if createdBy != nil {
		w.CreatedBy = *createdBy
	}
	return w, classify(err)
}

// WorkspacesByIDs loads live workspaces by id, ordered by id.
func WorkspacesByIDs(ctx context.Context, q Q, ids []uuid.UUID) ([]Workspace, error) {
	rows, err := q.Query(ctx, `SELECT id, tenant_id, name, description, coalesce(created_by, '00000000-0000-0000-0000-000000000000'), created_at, updated_at
		FROM workspaces WHERE id = ANY($1) AND deleted_at IS NULL ORDER BY id`, ids)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Workspace
	for rows.Next() {
		var w Workspace
		if err := rows.Scan(&w.ID, &w.TenantID, &w.Name, &w.Description, &w.CreatedBy, &w.CreatedAt, &w.UpdatedAt); err != nil {
			return nil, err
		}
		out = append(out, w)
	}
	return out, rows.Err()
}

// UpdateWorkspace changes name and description.
func UpdateWorkspace(ctx context.Context, q Q, w Workspace) error {
	_, err := q.Exec(ctx, `UPDATE workspaces SET name = $2, description = $3, updated_at = now() WHERE id = $1`, w.ID, w.Name, w.Description)
	return err
}

// SoftDeleteWorkspace marks a workspace deleted (rows stay for audit).
func SoftDeleteWorkspace(ctx context.Context, q Q, id uuid.UUID) error {
	_, err := q.Exec(ctx, `UPDATE workspaces SET deleted_at = now() WHERE id = $1 AND deleted_at IS NULL`, id)
	return err
}

// TenantWorkspaceIDs lists a tenant's live workspaces after a cursor.
func TenantWorkspaceIDs(ctx context.Context, q Q, tenantID uuid.UUID) ([]uuid.UUID, error) {
	return collectIDs(q.Query(ctx, `SELECT id FROM workspaces WHERE tenant_id = $1 AND deleted_at IS NULL ORDER BY id`, tenantID))
}

// SoleOwnerWorkspaces lists live workspaces the user owns (directly or
// through a group) where no other active user holds owner, directly or
// through a group (as OtherOwners counts: a group without another active
// member owns nothing).
func SoleOwnerWorkspaces(ctx context.Context, q Q, userID uuid.UUID) ([]uuid.UUID, error) {
	return collectIDs(q.Query(ctx, `SELECT DISTINCT m.workspace_id FROM workspace_members m
		JOIN workspaces w ON w.id = m.workspace_id AND w.deleted_at IS NULL
		WHERE m.role = 'owner'
		  AND (m.user_id = $1 OR m.group_id IN (SELECT group_id FROM group_members WHERE user_id = $1))
		  AND NOT EXISTS (
			SELECT 1 FROM workspace_members o LEFT JOIN users u ON u.id = o.user_id
			WHERE o.workspace_id = m.workspace_id AND o.role = 'owner'
			  AND ((o.user_id <> $1 AND u.status = 'active') OR (o.group_id IS NOT NULL AND EXISTS (
				SELECT 1 FROM group_members gm JOIN users gu ON gu.id = gm.user_id AND gu.status = 'active'
				WHERE gm.group_id = o.group_id AND gm.user_id <> $1))))`, userID))
}
