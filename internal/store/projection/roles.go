package projection

import (
	"context"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/gatehouse/gatehouse/internal/store"
)

// RolePermissionFact is one permission identifier held by a role.
type RolePermissionFact struct {
	TenantID, RoleID uuid.UUID
	Identifier       string
}

// RolePermissions lists permission identifiers of roles (filters optional).
func RolePermissions(ctx context.Context, q store.Q, tenantID, roleID *uuid.UUID) ([]RolePermissionFact, error) {
	rows, err := q.Query(ctx, `SELECT tenant_id, role_id, identifier FROM role_permissions
		WHERE ($1::uuid IS NULL OR tenant_id = $1) AND ($2::uuid IS NULL OR role_id = $2) ORDER BY role_id, identifier`, tenantID, roleID)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (RolePermissionFact, error) {
		var f RolePermissionFact
		err := r.Scan(&f.TenantID, &f.RoleID, &f.Identifier)
		return f, err
	})
}

// RoleFacts lists roles (id and tenant).
func RoleFacts(ctx context.Context, q store.Q, roleID *uuid.UUID) ([]store.OwnedFact, error) {
	return store.CollectOwned(q.Query(ctx, `SELECT id, tenant_id FROM roles WHERE ($1::uuid IS NULL OR id = $1) ORDER BY id`, roleID))
}

// ActiveRoleAssignments lists assignments to active users or to groups.
func ActiveRoleAssignments(ctx context.Context, q store.Q, roleID, userID, groupID *uuid.UUID) ([]MemberFact, error) {
	rows, err := q.Query(ctx, `SELECT a.role_id, a.user_id, a.group_id, 'assignee'
		FROM role_assignments a LEFT JOIN users u ON u.id = a.user_id
		WHERE (a.group_id IS NOT NULL OR u.status = 'active')
		  AND ($1::uuid IS NULL OR a.role_id = $1) AND ($2::uuid IS NULL OR a.user_id = $2) AND ($3::uuid IS NULL OR a.group_id = $3)
		ORDER BY a.role_id, a.id`, roleID, userID, groupID)
	if err != nil {
		return nil, err
	}
	return collectMembers(rows)
}
