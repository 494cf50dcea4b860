package store

import (
	"context"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
)

// Role is a custom role.
type Role struct {
	ID          uuid.UUID
	TenantID    uuid.UUID
	Name        string
	Description string
	Permissions []string
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

// Assignment is a role held by a user or a group.
type Assignment struct {
	ID        uuid.UUID
	RoleID    uuid.UUID
	UserID    *uuid.UUID
	GroupID   *uuid.UUID
	CreatedAt time.Time
}

// InsertRole stores a role; a duplicate name is ErrConflict.
func InsertRole(ctx context.Context, q Q, r Role) error {
	_, err := q.Exec(ctx, `INSERT INTO roles (id, tenant_id, name, description) VALUES ($1, $2, $3, $4)`, r.ID, r.TenantID, r.Name, r.Description)
	return classify(err)
}

// UpdateRole changes name and description.
func UpdateRole(ctx context.Context, q Q, r Role) error {
	_, err := q.Exec(ctx, `UPDATE roles SET name = $2, description = $3, updated_at = now() WHERE id = $1`, r.ID, r.Name, r.Description)
	return classify(err)
}

// SetRolePermissions replaces a role's permission identifiers.
func SetRolePermissions(ctx context.Context, q Q, r Role, identifiers []string) error {
	if _, err := q.Exec(ctx, `DELETE FROM role_permissions WHERE role_id = $1`, r.ID); err != nil {
		return err
	}
	for _, id := range identifiers {
		if _, err := q.Exec(ctx, `INSERT INTO role_permissions (role_id, tenant_id, identifier) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING`, r.ID, r.TenantID, id); err != nil {
			return err
		}
	}
	return nil
}

// DeleteRole deletes a role with its permissions and assignments.
func DeleteRole(ctx context.Context, q Q, id uuid.UUID) error {
	_, err := q.Exec(ctx, `DELETE FROM roles WHERE id = $1`, id)
	return err
}

// GetRole loads a role with its permissions; forUpdate locks it.
func GetRole(ctx context.Context, q Q, id uuid.UUID, forUpdate bool) (Role, error) {
	lock := ""
	if forUpdate {
		lock = " FOR UPDATE"
	}
	var r Role
	err := q.QueryRow(ctx, `SELECT id, tenant_id, name, description, created_at, updated_at FROM roles WHERE id = $1`+lock, id).
		Scan(&r.ID, &r.TenantID, &r.Name, &r.Description, &r.CreatedAt, &r.UpdatedAt)
	if err != nil {
		return r, classify(err)
	}
	r.Permissions, err = collectStrings(q.Query(ctx, `SELECT identifier FROM role_permissions WHERE role_id = $1 ORDER BY identifier`, id))
	return r, err
}

// ListRoles lists a tenant's roles with their permissions.
func ListRoles(ctx context.Context, q Q, tenantID uuid.UUID) ([]Role, error) {
	ids, err := collectIDs(q.Query(ctx, `SELECT id FROM roles WHERE tenant_id = $1 ORDER BY id`, tenantID))
	if err != nil {
		return nil, err
	}
	out := make([]Role, 0, len(ids))
	for _, id := range ids {
		r, err := GetRole(ctx, q, id, false)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, nil
}

// InsertAssignment stores an assignment; a duplicate is ErrConflict.
func InsertAssignment(ctx context.Context, q Q, tenantID uuid.UUID, a Assignment) error {
	_, err := q.Exec(ctx, `INSERT INTO role_assignments (id, tenant_id, role_id, user_id, group_id) VALUES ($1, $2, $3, $4, $5)`,
		a.ID, tenantID, a.RoleID, a.UserID, a.GroupID)
	return classify(err)
}

// DeleteAssignment removes an assignment; it reports whether one existed.
func DeleteAssignment(ctx context.Context, q Q, roleID uuid.UUID, userID, groupID *uuid.UUID) (bool, error) {
	tag, err := q.Exec(ctx, `DELETE FROM role_assignments WHERE role_id = $1 AND user_id IS NOT DISTINCT FROM $2 AND group_id IS NOT DISTINCT FROM $3`, roleID, userID, groupID)
	return tag.RowsAffected() > 0, err
}

// ListAssignments lists a role's holders.
func ListAssignments(ctx context.Context, q Q, roleID uuid.UUID) ([]Assignment, error) {
	rows, err := q.Query(ctx, `SELECT id, role_id, user_id, group_id, created_at FROM role_assignments WHERE role_id = $1 ORDER BY created_at, id`, roleID)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (Assignment, error) {
		var a Assignment
		err := r.Scan(&a.ID, &a.RoleID, &a.UserID, &a.GroupID, &a.CreatedAt)
		return a, err
	})
}

// RolesAssignedTo lists the roles assigned directly to a user or a group.
func RolesAssignedTo(ctx context.Context, q Q, userID, groupID *uuid.UUID) ([]uuid.UUID, error) {
	return collectIDs(q.Query(ctx, `SELECT role_id FROM role_assignments WHERE ($1::uuid IS NOT NULL AND user_id = $1) OR ($2::uuid IS NOT NULL AND group_id = $2)`, userID, groupID))
}

// RoleIDs lists a tenant's role ids.
func RoleIDs(ctx context.Context, q Q, tenantID uuid.UUID) ([]uuid.UUID, error) {
	return collectIDs(q.Query(ctx, `SELECT id FROM roles WHERE tenant_id = $1`, tenantID))
}

// RoleHolders lists the users and groups a role is assigned to.
func RoleHolders(ctx context.Context, q Q, roleID uuid.UUID) (users, groups []uuid.UUID, err error) {
	users, err = collectIDs(q.Query(ctx, `SELECT user_id FROM role_assignments WHERE role_id = $1 AND user_id IS NOT NULL`, roleID))
	if err != nil {
		return nil, nil, err
	}
	groups, err = collectIDs(q.Query(ctx, `SELECT group_id FROM role_assignments WHERE role_id = $1 AND group_id IS NOT NULL`, roleID))
	return users, groups, err
}
