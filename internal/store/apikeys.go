package store

import (
	"context"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
)

// APIKey is a workspace API key (the secret is never stored).
type APIKey struct {
	ID          uuid.UUID
	TenantID    uuid.UUID
	WorkspaceID uuid.UUID
	CreatedBy   uuid.UUID
	Name        string
	Role        string
	PublicID    string
	SecretHash  []byte
	LastFour    string
	ExpiresAt   *time.Time
	RevokedAt   *time.Time
	LastUsedAt  *time.Time
	CreatedAt   time.Time
}

const apiKeyCols = `id, tenant_id, workspace_id, created_by, name, role, public_id, secret_hash, last_four, expires_at, revoked_at, last_used_at, created_at`

func scanAPIKey(r interface{ Scan(...any) error }) (APIKey, error) {
	var k APIKey
	err := r.Scan(&k.ID, &k.TenantID, &k.WorkspaceID, &k.CreatedBy, &k.Name, &k.Role, &k.PublicID, &k.SecretHash, &k.LastFour, &k.ExpiresAt, &k.RevokedAt, &k.LastUsedAt, &k.CreatedAt)
	return k, classify(err)
}

// InsertAPIKey stores a key.
func InsertAPIKey(ctx context.Context, q Q, k APIKey) error {
	_, err := q.Exec(ctx, `INSERT INTO api_keys (id, tenant_id, workspace_id, created_by, name, role, public_id, secret_hash, last_four, expires_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`, k.ID, k.TenantID, k.WorkspaceID, k.CreatedBy, k.Name, k.Role, k.PublicID, k.SecretHash, k.LastFour, k.ExpiresAt)
	return classify(err)
}

// APIKeyByPublicID loads a key by the public part of its token.
func APIKeyByPublicID(ctx context.Context, q Q, publicID string) (APIKey, error) {
	return scanAPIKey(q.QueryRow(ctx, `SELECT `+apiKeyCols+` FROM api_keys WHERE public_id = $1`, publicID))
}

// GetAPIKey loads a key of a workspace.
func GetAPIKey(ctx context.Context, q Q, workspaceID, id uuid.UUID) (APIKey, error) {
	return scanAPIKey(q.QueryRow(ctx, `SELECT `+apiKeyCols+` FROM api_keys WHERE id = $1 AND workspace_id = $2`, id, workspaceID))
}

// ListAPIKeys lists a workspace's keys (optionally one creator's).
func ListAPIKeys(ctx context.Context, q Q, workspaceID uuid.UUID, createdBy *uuid.UUID) ([]APIKey, error) {
	rows, err := q.Query(ctx, `SELECT `+apiKeyCols+` FROM api_keys WHERE workspace_id = $1 AND ($2::uuid IS NULL OR created_by = $2) ORDER BY id`, workspaceID, createdBy)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (APIKey, error) { return scanAPIKey(r) })
}

// RevokeAPIKey revokes a key.
func RevokeAPIKey(ctx context.Context, q Q, id uuid.UUID) error {
	_, err := q.Exec(ctx, `UPDATE api_keys SET revoked_at = now() WHERE id = $1 AND revoked_at IS NULL`, id)
	return err
}

// TouchAPIKey records use at most once a minute per key, so a request
// storm does not turn into a write storm.
func TouchAPIKey(ctx context.Context, q Q, id uuid.UUID) error {
	_, err := q.Exec(ctx, `UPDATE api_keys SET last_used_at = now() WHERE id = $1 AND (last_used_at IS NULL OR last_used_at < now() - interval '1 minute')`, id)
	return err
}

// APIKeyTenant returns the tenant of a key.
func APIKeyTenant(ctx context.Context, q Q, id uuid.UUID) (uuid.UUID, error) {
	var t uuid.UUID
	err := q.QueryRow(ctx, `SELECT tenant_id FROM api_keys WHERE id = $1`, id).Scan(&t)
	return t, classify(err)
}
