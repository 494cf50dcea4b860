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

// APIKeyFact is what the projection of a key needs: the key and its
// creator's current standing in the key's workspace.
type APIKeyFact struct {
	ID, WorkspaceID, CreatedBy uuid.UUID
	Role                       string
	ExpiresAt                  *time.Time
	Live                       bool   // not revoked, workspace live
	CreatorActive              bool   // creator is active
	CreatorRole                string // strongest of direct and group roles in the workspace ("" none)
	CreatorSuperadmin          bool
}

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

// APIKeyIDs lists keys of a workspace and/or of a creator.
func APIKeyIDs(ctx context.Context, q Q, workspaceID, createdBy *uuid.UUID) ([]OwnedFact, error) {
	return collectOwned(q.Query(ctx, `SELECT id, workspace_id FROM api_keys WHERE ($1::uuid IS NULL OR workspace_id = $1) AND ($2::uuid IS NULL OR created_by = $2)`, workspaceID, createdBy))
}

// APIKeyFacts lists keys with their creator's standing (filters optional).
func APIKeyFacts(ctx context.Context, q Q, keyID, workspaceID *uuid.UUID) ([]APIKeyFact, error) {
	rows, err := q.Query(ctx, `SELECT k.id, k.workspace_id, k.created_by, k.role, k.expires_at,
			k.revoked_at IS NULL AND w.deleted_at IS NULL,
			u.status = 'active', u.global_role = 'superadmin',
			coalesce((SELECT CASE max(CASE m.role WHEN 'owner' THEN 3 WHEN 'admin' THEN 2 ELSE 1 END) WHEN 3 THEN 'owner' WHEN 2 THEN 'admin' WHEN 1 THEN 'member' END
				FROM workspace_members m
				WHERE m.workspace_id = k.workspace_id
				  AND (m.user_id = k.created_by OR m.group_id IN (SELECT group_id FROM group_members WHERE user_id = k.created_by))), '')
		FROM api_keys k JOIN workspaces w ON w.id = k.workspace_id JOIN users u ON u.id = k.created_by
		WHERE ($1::uuid IS NULL OR k.id = $1) AND ($2::uuid IS NULL OR k.workspace_id = $2)
		ORDER BY k.id`, keyID, workspaceID)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (APIKeyFact, error) {
		var f APIKeyFact
		err := r.Scan(&f.ID, &f.WorkspaceID, &f.CreatedBy, &f.Role, &f.ExpiresAt, &f.Live, &f.CreatorActive, &f.CreatorSuperadmin, &f.CreatorRole)
		return f, err
	})
}

// APIKeyTenant returns the tenant of a key.
func APIKeyTenant(ctx context.Context, q Q, id uuid.UUID) (uuid.UUID, error) {
	var t uuid.UUID
	err := q.QueryRow(ctx, `SELECT tenant_id FROM api_keys WHERE id = $1`, id).Scan(&t)
	return t, classify(err)
}
