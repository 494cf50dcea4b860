package store

import (
	"context"
	"time"

	"github.com/google/uuid"
)

// Tenant is an organization.
type Tenant struct {
	ID        uuid.UUID
	Name      string
	CreatedAt time.Time
}

// LockBootstrap serialises bootstraps (replicas starting at once) until
// the caller's transaction ends.
func LockBootstrap(ctx context.Context, q Q) error {
	_, err := q.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtextextended('gatehouse.bootstrap', 0))`)
	return err
}

// CountTenants counts tenants.
func CountTenants(ctx context.Context, q Q) (int, error) {
	var n int
	err := q.QueryRow(ctx, `SELECT count(*) FROM tenants`).Scan(&n)
	return n, err
}

// InsertTenant stores a tenant and its built-in kinds.
func InsertTenant(ctx context.Context, q Q, t Tenant, builtinKinds [][2]string) error {
	if _, err := q.Exec(ctx, `INSERT INTO tenants (id, name) VALUES ($1, $2)`, t.ID, t.Name); err != nil {
		return classify(err)
	}
	for _, k := range builtinKinds {
		if _, err := q.Exec(ctx, `INSERT INTO kinds (tenant_id, namespace, name, builtin) VALUES ($1, $2, $3, true)`, t.ID, k[0], k[1]); err != nil {
			return classify(err)
		}
	}
	return nil
}

// GetTenant loads a tenant.
func GetTenant(ctx context.Context, q Q, id uuid.UUID) (Tenant, error) {
	var t Tenant
	err := q.QueryRow(ctx, `SELECT id, name, created_at FROM tenants WHERE id = $1`, id).Scan(&t.ID, &t.Name, &t.CreatedAt)
	return t, classify(err)
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

// OldestTenant returns the first tenant created (the bootstrap tenant).
func OldestTenant(ctx context.Context, q Q) (uuid.UUID, error) {
	var id uuid.UUID
	err := q.QueryRow(ctx, `SELECT id FROM tenants ORDER BY created_at, id LIMIT 1`).Scan(&id)
	return id, classify(err)
}
