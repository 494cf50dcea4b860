package projection

import (
	"context"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/gatehouse/gatehouse/internal/store"
)

// UndeletedUsers lists users that are not deleted (filter optional).
func UndeletedUsers(ctx context.Context, q store.Q, userID *uuid.UUID) ([]StandingFact, error) {
	rows, err := q.Query(ctx, `SELECT id, tenant_id, global_role FROM users
		WHERE status <> 'deleted' AND ($1::uuid IS NULL OR id = $1) ORDER BY id`, userID)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (StandingFact, error) {
		var f StandingFact
		err := r.Scan(&f.ID, &f.TenantID, &f.Role)
		return f, err
	})
}

// UserRoleFact is an active user's global role.
type UserRoleFact struct {
	TenantID, UserID uuid.UUID
	Role             string
}

// ActiveUserRoles lists active users with their global role.
func ActiveUserRoles(ctx context.Context, q store.Q, tenantID, userID *uuid.UUID, role string) ([]UserRoleFact, error) {
	rows, err := q.Query(ctx, `SELECT tenant_id, id, global_role FROM users
		WHERE status = 'active' AND ($1::uuid IS NULL OR tenant_id = $1) AND ($2::uuid IS NULL OR id = $2)
		  AND ($3 = '' OR global_role = $3)
		ORDER BY tenant_id, id`, tenantID, userID, role)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (UserRoleFact, error) {
		var f UserRoleFact
		err := r.Scan(&f.TenantID, &f.UserID, &f.Role)
		return f, err
	})
}
