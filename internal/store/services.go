package store

import (
	"context"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
)

// ServiceCredential is a tenant's machine principal.
type ServiceCredential struct {
	ID         uuid.UUID
	TenantID   uuid.UUID
	Name       string
	PublicID   string
	SecretHash []byte
	LastFour   string
	CreatedAt  time.Time
	RevokedAt  *time.Time
	LastUsedAt *time.Time
}

const serviceCols = `id, tenant_id, name, public_id, secret_hash, last_four, created_at, revoked_at, last_used_at`

func scanService(r interface{ Scan(...any) error }) (ServiceCredential, error) {
	var c ServiceCredential
	err := r.Scan(&c.ID, &c.TenantID, &c.Name, &c.PublicID, &c.SecretHash, &c.LastFour, &c.CreatedAt, &c.RevokedAt, &c.LastUsedAt)
	return c, classify(err)
}

// InsertService stores a credential.
func InsertService(ctx context.Context, q Q, c ServiceCredential, createdBy uuid.UUID) error {
	_, err := q.Exec(ctx, `INSERT INTO service_credentials (id, tenant_id, name, public_id, secret_hash, last_four, created_by) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
		c.ID, c.TenantID, c.Name, c.PublicID, c.SecretHash, c.LastFour, createdBy)
	return classify(err)
}

// ServiceByPublicID loads a credential by the public part of its token.
func ServiceByPublicID(ctx context.Context, q Q, publicID string) (ServiceCredential, error) {
	return scanService(q.QueryRow(ctx, `SELECT `+serviceCols+` FROM service_credentials WHERE public_id = $1`, publicID))
}

// GetService loads a credential.
func GetService(ctx context.Context, q Q, id uuid.UUID) (ServiceCredential, error) {
	return scanService(q.QueryRow(ctx, `SELECT `+serviceCols+` FROM service_credentials WHERE id = $1`, id))
}

// ListServices lists a tenant's credentials.
func ListServices(ctx context.Context, q Q, tenantID uuid.UUID) ([]ServiceCredential, error) {
	rows, err := q.Query(ctx, `SELECT `+serviceCols+` FROM service_credentials WHERE tenant_id = $1 ORDER BY id`, tenantID)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (ServiceCredential, error) { return scanService(r) })
}

// RevokeService revokes a credential.
func RevokeService(ctx context.Context, q Q, id uuid.UUID) error {
	_, err := q.Exec(ctx, `UPDATE service_credentials SET revoked_at = now() WHERE id = $1 AND revoked_at IS NULL`, id)
	return err
}

// TouchService records use at most once a minute.
func TouchService(ctx context.Context, q Q, id uuid.UUID) error {
	_, err := q.Exec(ctx, `UPDATE service_credentials SET last_used_at = now() WHERE id = $1 AND (last_used_at IS NULL OR last_used_at < now() - interval '1 minute')`, id)
	return err
}
