package store

import (
	"context"

	"github.com/google/uuid"
)

// nameQueries read the display name of objects by type, for explanations.
var nameQueries = map[string]string{
	"user":       `SELECT id, CASE WHEN name <> '' THEN name ELSE email END FROM users WHERE id = ANY($1)`,
	"group":      `SELECT id, name FROM account_groups WHERE id = ANY($1)`,
	"role":       `SELECT id, name FROM roles WHERE id = ANY($1)`,
	"workspace":  `SELECT id, name FROM workspaces WHERE id = ANY($1)`,
	"apikey":     `SELECT id, name FROM api_keys WHERE id = ANY($1)`,
	"deployment": `SELECT id, name FROM deployments WHERE id = ANY($1)`,
	"model":      `SELECT id, name FROM models WHERE id = ANY($1)`,
	"tenant":     `SELECT id, name FROM tenants WHERE id = ANY($1)`,
}

// Names reads display names of objects of one type (unknown types and ids
// are left out).
func Names(ctx context.Context, q Q, typ string, ids []uuid.UUID) (map[uuid.UUID]string, error) {
	query, ok := nameQueries[typ]
	out := map[uuid.UUID]string{}
	if !ok || len(ids) == 0 {
		return out, nil
	}
	rows, err := q.Query(ctx, query, ids)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var id uuid.UUID
		var name string
		if err := rows.Scan(&id, &name); err != nil {
			return nil, err
		}
		out[id] = name
	}
	return out, rows.Err()
}

// RolePermissionIdentifiers lists the identifiers a role carries.
func RolePermissionIdentifiers(ctx context.Context, q Q, roleID uuid.UUID) ([]string, error) {
	return collectStrings(q.Query(ctx, `SELECT identifier FROM role_permissions WHERE role_id = $1 ORDER BY identifier`, roleID))
}
