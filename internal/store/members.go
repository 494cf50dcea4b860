package store

import (
	"context"
	"time"

	"github.com/google/uuid"
)

// Member is a workspace membership of a user or an account group.
type Member struct {
	ID          uuid.UUID
	WorkspaceID uuid.UUID
	UserID      *uuid.UUID
	GroupID     *uuid.UUID
	Role        string
	CreatedAt   time.Time
}

// InsertMember stores a membership; a duplicate is ErrConflict.
func InsertMember(ctx context.Context, q Q, tenantID uuid.UUID, m Member) error {
	_, err := q.Exec(ctx, `INSERT INTO workspace_members (id, tenant_id, workspace_id, user_id, group_id, role) VALUES ($1, $2, $3, $4, $5, $6)`,
		m.ID, tenantID, m.WorkspaceID, m.UserID, m.GroupID, m.Role)
	return classify(err)
}

// InsertUserMember is InsertMember of m.UserID's membership, stored only if
// that user is one of the tenant's and not deleted (one statement: the
// check and the insert); false when the user is not.
func InsertUserMember(ctx context.Context, q Q, tenantID uuid.UUID, m Member) (bool, error) {
	tag, err := q.Exec(ctx, `INSERT INTO workspace_members (id, tenant_id, workspace_id, user_id, role)
		SELECT $1, $2, $3, u.id, $5 FROM users u WHERE u.id = $4 AND u.tenant_id = $2 AND u.status <> 'deleted'`,
		m.ID, tenantID, m.WorkspaceID, m.UserID, m.Role)
	if err != nil {
		return false, classify(err)
	}
	return tag.RowsAffected() == 1, nil
}

// MemberNames names the members of a workspace: each member id to its
// user's or group's name.
func MemberNames(ctx context.Context, q Q, workspaceID uuid.UUID) (map[uuid.UUID]string, error) {
	rows, err := q.Query(ctx, `SELECT m.id, coalesce(u.name, g.name, '') FROM workspace_members m
		LEFT JOIN users u ON u.id = m.user_id LEFT JOIN account_groups g ON g.id = m.group_id
		WHERE m.workspace_id = $1`, workspaceID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	names := map[uuid.UUID]string{}
	for rows.Next() {
		var id uuid.UUID
		var name string
		if err := rows.Scan(&id, &name); err != nil {
			return nil, err
		}
		names[id] = name
	}
	return names, rows.Err()
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

// GetMember loads a membership of a workspace, row-locked.
func GetMember(ctx context.Context, q Q, workspaceID, memberID uuid.UUID) (Member, error) {
	var m Member
	err := q.QueryRow(ctx, `SELECT id, workspace_id, user_id, group_id, role, created_at FROM workspace_members WHERE id = $1 AND workspace_id = $2 FOR UPDATE`, memberID, workspaceID).
		Scan(&m.ID, &m.WorkspaceID, &m.UserID, &m.GroupID, &m.Role, &m.CreatedAt)
	return m, classify(err)
}

// UserMember loads a user's direct membership of a workspace.
func UserMember(ctx context.Context, q Q, workspaceID, userID uuid.UUID) (Member, error) {
	var m Member
	err := q.QueryRow(ctx, `SELECT id, workspace_id, user_id, group_id, role, created_at FROM workspace_members WHERE workspace_id = $1 AND user_id = $2 FOR UPDATE`, workspaceID, userID).
		Scan(&m.ID, &m.WorkspaceID, &m.UserID, &m.GroupID, &m.Role, &m.CreatedAt)
	return m, classify(err)
}

// SetMemberRole changes a membership's role.
func SetMemberRole(ctx context.Context, q Q, id uuid.UUID, role string) error {
	_, err := q.Exec(ctx, `UPDATE workspace_members SET role = $2, updated_at = now() WHERE id = $1`, id, role)
	return err
}

// DeleteMember removes a membership.
func DeleteMember(ctx context.Context, q Q, id uuid.UUID) error {
	_, err := q.Exec(ctx, `DELETE FROM workspace_members WHERE id = $1`, id)
	return err
}

// OtherOwners counts the owners of a workspace other than one membership:
// active users and groups with at least one active member. The workspace's
// memberships are row-locked first so concurrent changes serialise.
func OtherOwners(ctx context.Context, q Q, workspaceID, exceptMember uuid.UUID) (int, error) {
	if _, err := q.Exec(ctx, `SELECT id FROM workspace_members WHERE workspace_id = $1 FOR UPDATE`, workspaceID); err != nil {
		return 0, err
	}
	var n int
	err := q.QueryRow(ctx, `SELECT count(*) FROM workspace_members m LEFT JOIN users u ON u.id = m.user_id
		WHERE m.workspace_id = $1 AND m.role = 'owner' AND m.id <> $2
		  AND (u.status = 'active' OR (m.group_id IS NOT NULL AND EXISTS (
			SELECT 1 FROM group_members gm JOIN users gu ON gu.id = gm.user_id AND gu.status = 'active' WHERE gm.group_id = m.group_id)))`,
		workspaceID, exceptMember).Scan(&n)
	return n, err
}
