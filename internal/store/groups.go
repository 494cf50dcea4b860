package store

import (
	"context"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
)

// Group is an account group.
type Group struct {
	ID        uuid.UUID
	TenantID  uuid.UUID
	Name      string
	CreatedAt time.Time
}

// InsertGroup stores a group; a duplicate name is ErrConflict.
func InsertGroup(ctx context.Context, q Q, g Group) error {
	_, err := q.Exec(ctx, `INSERT INTO account_groups (id, tenant_id, name) VALUES ($1, $2, $3)`, g.ID, g.TenantID, g.Name)
	return classify(err)
}

// GetGroup loads a group.
func GetGroup(ctx context.Context, q Q, id uuid.UUID) (Group, error) {
	var g Group
	err := q.QueryRow(ctx, `SELECT id, tenant_id, name, created_at FROM account_groups WHERE id = $1`, id).Scan(&g.ID, &g.TenantID, &g.Name, &g.CreatedAt)
	return g, classify(err)
}

// GroupByName loads a tenant's group by name (case-insensitive).
func GroupByName(ctx context.Context, q Q, tenantID uuid.UUID, name string) (Group, error) {
	var g Group
	err := q.QueryRow(ctx, `SELECT id, tenant_id, name, created_at FROM account_groups WHERE tenant_id = $1 AND lower(name) = lower($2)`, tenantID, name).
		Scan(&g.ID, &g.TenantID, &g.Name, &g.CreatedAt)
	return g, classify(err)
}

// ListGroups lists a tenant's groups (optionally only a user's) by id.
func ListGroups(ctx context.Context, q Q, tenantID uuid.UUID, memberID *uuid.UUID, after uuid.UUID, limit int) ([]Group, error) {
	rows, err := q.Query(ctx, `SELECT g.id, g.tenant_id, g.name, g.created_at FROM account_groups g
		WHERE g.tenant_id = $1 AND g.id > $2
		  AND ($3::uuid IS NULL OR EXISTS (SELECT 1 FROM group_members m WHERE m.group_id = g.id AND m.user_id = $3))
		ORDER BY g.id LIMIT $4`, tenantID, after, memberID, limit)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (Group, error) {
		var g Group
		err := r.Scan(&g.ID, &g.TenantID, &g.Name, &g.CreatedAt)
		return g, err
	})
}

// RenameGroup renames a group.
func RenameGroup(ctx context.Context, q Q, id uuid.UUID, name string) error {
	_, err := q.Exec(ctx, `UPDATE account_groups SET name = $2 WHERE id = $1`, id, name)
	return classify(err)
}

// DeleteGroup deletes a group, its memberships and its workspace
// memberships; it returns the workspaces the group was a member of.
func DeleteGroup(ctx context.Context, q Q, id uuid.UUID) ([]uuid.UUID, error) {
	workspaces, err := collectIDs(q.Query(ctx, `DELETE FROM workspace_members WHERE group_id = $1 RETURNING workspace_id`, id))
	if err != nil {
		return nil, err
	}
	if _, err := q.Exec(ctx, `DELETE FROM group_members WHERE group_id = $1`, id); err != nil {
		return nil, err
	}
	_, err = q.Exec(ctx, `DELETE FROM account_groups WHERE id = $1`, id)
	return workspaces, err
}

// AddGroupMember adds a user (idempotent); it reports whether it was new.
func AddGroupMember(ctx context.Context, q Q, tenantID, groupID, userID uuid.UUID) (bool, error) {
	tag, err := q.Exec(ctx, `INSERT INTO group_members (tenant_id, group_id, user_id) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING`, tenantID, groupID, userID)
	return tag.RowsAffected() == 1, err
}

// RemoveGroupMember removes a user; it reports whether they were a member.
func RemoveGroupMember(ctx context.Context, q Q, groupID, userID uuid.UUID) (bool, error) {
	tag, err := q.Exec(ctx, `DELETE FROM group_members WHERE group_id = $1 AND user_id = $2`, groupID, userID)
	return tag.RowsAffected() == 1, err
}

// GroupMembers lists the users of a group.
func GroupMembers(ctx context.Context, q Q, groupID uuid.UUID) ([]User, error) {
	rows, err := q.Query(ctx, `SELECT `+userColsPrefixed("u")+` FROM group_members m JOIN users u ON u.id = m.user_id
		WHERE m.group_id = $1 AND u.status <> 'deleted' ORDER BY u.id`, groupID)
	return collectUsers(rows, err)
}

// GroupSoleOwnerWorkspaces lists live workspaces whose only owner is the
// group: no other owner is an active user or a group with an active member
// (as OtherOwners counts).
func GroupSoleOwnerWorkspaces(ctx context.Context, q Q, groupID uuid.UUID) ([]uuid.UUID, error) {
	return collectIDs(q.Query(ctx, `SELECT m.workspace_id FROM workspace_members m
		JOIN workspaces w ON w.id = m.workspace_id AND w.deleted_at IS NULL
		WHERE m.group_id = $1 AND m.role = 'owner'
		  AND NOT EXISTS (
			SELECT 1 FROM workspace_members o LEFT JOIN users u ON u.id = o.user_id
			WHERE o.workspace_id = m.workspace_id AND o.role = 'owner' AND o.id <> m.id
			  AND (u.status = 'active' OR (o.group_id IS NOT NULL AND EXISTS (
				SELECT 1 FROM group_members gm JOIN users gu ON gu.id = gm.user_id AND gu.status = 'active'
				WHERE gm.group_id = o.group_id))))`, groupID))
}

// Groups lists account groups.
func Groups(ctx context.Context, q Q, groupID *uuid.UUID) ([]OwnedFact, error) {
	return CollectOwned(q.Query(ctx, `SELECT id, tenant_id FROM account_groups WHERE ($1::uuid IS NULL OR id = $1) ORDER BY id`, groupID))
}

// EnsureSSOGroup returns the tenant's group with this name (any case),
// creating it as managed by SSO when there is none; created tells which.
func EnsureSSOGroup(ctx context.Context, q Q, g Group) (Group, bool, error) {
	var out Group
	err := q.QueryRow(ctx, `INSERT INTO account_groups (id, tenant_id, name, managed_by_sso) VALUES ($1, $2, $3, true)
		ON CONFLICT (tenant_id, lower(name)) DO NOTHING
		RETURNING id, tenant_id, name, created_at`, g.ID, g.TenantID, g.Name).Scan(&out.ID, &out.TenantID, &out.Name, &out.CreatedAt)
	if err == nil {
		return out, true, nil
	}
	if err = classify(err); err != ErrNotFound {
		return out, false, err
	}
	out, err = GroupByName(ctx, q, g.TenantID, g.Name)
	return out, false, err
}

// SSOGroupsOf lists the SSO-managed groups a user is a member of.
func SSOGroupsOf(ctx context.Context, q Q, userID uuid.UUID) ([]Group, error) {
	rows, err := q.Query(ctx, `SELECT g.id, g.tenant_id, g.name, g.created_at FROM account_groups g
		JOIN group_members m ON m.group_id = g.id
		WHERE m.user_id = $1 AND g.managed_by_sso ORDER BY g.id`, userID)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (Group, error) {
		var g Group
		err := r.Scan(&g.ID, &g.TenantID, &g.Name, &g.CreatedAt)
		return g, err
	})
}
