package store

import (
	"context"
	"time"

	"github.com/google/uuid"
)

// Workspace is a tenant's workspace.
type Workspace struct {
	ID          uuid.UUID `json:"id"`
	TenantID    uuid.UUID `json:"tenant_id"`
	Name        string    `json:"name"`
	Description string    `json:"description"`
	CreatedBy   uuid.UUID `json:"created_by"`
	CreatedAt   time.Time `json:"created_at"`
	UpdatedAt   time.Time `json:"updated_at"`
}

// Member is a workspace membership of a user or an account group.
type Member struct {
	ID          uuid.UUID  `json:"id"`
	WorkspaceID uuid.UUID  `json:"workspace_id"`
	UserID      *uuid.UUID `json:"user_id,omitempty"`
	GroupID     *uuid.UUID `json:"group_id,omitempty"`
	Role        string     `json:"role"`
	CreatedAt   time.Time  `json:"created_at"`
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

// InsertMember stores a membership; a duplicate is ErrConflict.
func InsertMember(ctx context.Context, q Q, tenantID uuid.UUID, m Member) error {
	_, err := q.Exec(ctx, `INSERT INTO workspace_members (id, tenant_id, workspace_id, user_id, group_id, role) VALUES ($1, $2, $3, $4, $5, $6)`,
		m.ID, tenantID, m.WorkspaceID, m.UserID, m.GroupID, m.Role)
	return classify(err)
}

// ListMembers lists a workspace's memberships, oldest first.
func ListMembers(ctx context.Context, q Q, workspaceID uuid.UUID) ([]Member, error) {
	rows, err := q.Query(ctx, `SELECT id, workspace_id, user_id, group_id, role, created_at FROM workspace_members WHERE workspace_id = $1 ORDER BY created_at, id`, workspaceID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var ms []Member
	for rows.Next() {
		var m Member
		if err := rows.Scan(&m.ID, &m.WorkspaceID, &m.UserID, &m.GroupID, &m.Role, &m.CreatedAt); err != nil {
			return nil, err
		}
		ms = append(ms, m)
	}
	return ms, rows.Err()
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
