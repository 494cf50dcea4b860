package store

import (
	"context"
	"fmt"

	"github.com/google/uuid"
)

// subjectTables maps a subject type to the table of its rows (each has id
// and tenant_id).
var subjectTables = map[string]string{
	"user":    "users",
	"apikey":  "api_keys",
	"group":   "account_groups",
	"service": "service_credentials",
}

// SubjectsOfTenant keeps, in one statement, the ids of subjects of a type
// that belong to a tenant, in the order given.
func SubjectsOfTenant(ctx context.Context, q Q, typ string, ids []uuid.UUID, tenantID uuid.UUID) ([]uuid.UUID, error) {
	table, ok := subjectTables[typ]
	if !ok {
		return nil, fmt.Errorf("subjects: unknown type %q", typ)
	}
	rows, err := q.Query(ctx, `SELECT i.id FROM unnest($1::uuid[]) WITH ORDINALITY AS i(id, n)
		JOIN `+table+` t ON t.id = i.id WHERE t.tenant_id = $2 ORDER BY i.n`, ids, tenantID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := make([]uuid.UUID, 0, len(ids))
	for rows.Next() {
		var id uuid.UUID
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		out = append(out, id)
	}
	return out, rows.Err()
}

// SubjectTenants resolves, in one statement per type, the tenant of each
// subject named; subjects that do not exist are absent from the answer.
func SubjectTenants(ctx context.Context, q Q, typ string, ids []uuid.UUID) (map[uuid.UUID]uuid.UUID, error) {
	table, ok := subjectTables[typ]
	if !ok {
		return nil, fmt.Errorf("subjects: unknown type %q", typ)
	}
	rows, err := q.Query(ctx, `SELECT id, tenant_id FROM `+table+` WHERE id = ANY($1::uuid[])`, ids)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := make(map[uuid.UUID]uuid.UUID, len(ids))
	for rows.Next() {
		var id, t uuid.UUID
		if err := rows.Scan(&id, &t); err != nil {
			return nil, err
		}
		out[id] = t
	}
	return out, rows.Err()
}
