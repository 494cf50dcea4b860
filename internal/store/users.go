package store

import (
	"context"
	"strings"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
)

// UserFilter selects users for a list.
type UserFilter struct {
	TenantID uuid.UUID
	Query    string // substring of email or name
	Role     string
	Status   string // "" = every status but deleted
	After    uuid.UUID
	Limit    int
}

// ListUsers lists a tenant's users ordered by id, after a cursor.
func ListUsers(ctx context.Context, q Q, f UserFilter) ([]User, error) {
	like := "%" + strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(f.Query) + "%"
	rows, err := q.Query(ctx, `SELECT `+userCols+` FROM users
		WHERE tenant_id = $1
		  AND ($2 = '' OR email ILIKE $3 OR name ILIKE $3)
		  AND ($4 = '' OR global_role = $4)
		  AND (($5 = '' AND status <> 'deleted') OR status = $5)
		  AND id > $6
		ORDER BY id LIMIT $7`, f.TenantID, f.Query, like, f.Role, f.Status, f.After, f.Limit)
	return collectUsers(rows, err)
}

// UpdateUserProfile changes name and email.
func UpdateUserProfile(ctx context.Context, q Q, id uuid.UUID, name, email string) error {
	_, err := q.Exec(ctx, `UPDATE users SET name = $2, email = $3, updated_at = now() WHERE id = $1`, id, name, email)
	return classify(err)
}

// SetUserRole changes the global role.
func SetUserRole(ctx context.Context, q Q, id uuid.UUID, role string) error {
	_, err := q.Exec(ctx, `UPDATE users SET global_role = $2, updated_at = now() WHERE id = $1`, id, role)
	return err
}

// SetUserStatus changes the status; deleting also stamps deleted_at.
func SetUserStatus(ctx context.Context, q Q, id uuid.UUID, status string) error {
	_, err := q.Exec(ctx, `UPDATE users SET status = $2, updated_at = now(),
		deleted_at = CASE WHEN $2 = 'deleted' THEN now() ELSE deleted_at END WHERE id = $1`, id, status)
	return classify(err)
}

// RevokeUserSessions ends every session of a user.
func RevokeUserSessions(ctx context.Context, q Q, userID uuid.UUID) error {
	_, err := q.Exec(ctx, `UPDATE sessions SET revoked_at = now() WHERE user_id = $1 AND revoked_at IS NULL`, userID)
	return err
}

// RevokeUserInvitations revokes every open invitation of a user.
func RevokeUserInvitations(ctx context.Context, q Q, userID uuid.UUID) (int64, error) {
	tag, err := q.Exec(ctx, `UPDATE invitations SET revoked_at = now() WHERE user_id = $1 AND used_at IS NULL AND revoked_at IS NULL`, userID)
	return tag.RowsAffected(), err
}

// LockSuperadmins row-locks every active superadmin and counts them, so two
// concurrent demotions cannot both pass the last-superadmin rule.
func LockSuperadmins(ctx context.Context, q Q) (int, error) {
	rows, err := q.Query(ctx, `SELECT id FROM users WHERE global_role = 'superadmin' AND status = 'active' FOR UPDATE`)
	if err != nil {
		return 0, err
	}
	defer rows.Close()
	n := 0
	for rows.Next() {
		n++
	}
	return n, rows.Err()
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

// ListTenants lists tenants ordered by id.
func ListTenants(ctx context.Context, q Q, only *uuid.UUID, after uuid.UUID, limit int) ([]Tenant, error) {
	rows, err := q.Query(ctx, `SELECT id, name, created_at FROM tenants WHERE ($1::uuid IS NULL OR id = $1) AND id > $2 ORDER BY id LIMIT $3`, only, after, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Tenant
	for rows.Next() {
		var t Tenant
		if err := rows.Scan(&t.ID, &t.Name, &t.CreatedAt); err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

// RenameTenant changes a tenant's name.
func RenameTenant(ctx context.Context, q Q, id uuid.UUID, name string) error {
	_, err := q.Exec(ctx, `UPDATE tenants SET name = $2, updated_at = now() WHERE id = $1`, id, name)
	return classify(err)
}

// collectUsers reads the users a query returned (rows and err are the
// query's results).
func collectUsers(rows pgx.Rows, err error) ([]User, error) {
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []User
	for rows.Next() {
		u, err := scanUser(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, u)
	}
	return out, rows.Err()
}
