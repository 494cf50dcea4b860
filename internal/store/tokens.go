package store

import (
	"context"

	"github.com/google/uuid"
)

// Freshness is what a cached check answer is valid at: the tenant's newest
// token and the projection epoch, read together.
type Freshness struct {
	Token string // the tenant's newest token ("" when none)
	Epoch int64  // the projection epoch (migration 00008)
}

// TenantToken returns the newest consistency token answered for a tenant
// ("" when none).
func TenantToken(ctx context.Context, q Q, tenantID uuid.UUID) (string, error) {
	var t string
	err := q.QueryRow(ctx, `SELECT zed_token FROM projection_tokens WHERE tenant_id = $1`, tenantID).Scan(&t)
	if err = classify(err); err == ErrNotFound {
		return "", nil
	}
	return t, err
}

// TenantFreshness reads a tenant's newest token and the projection epoch in
// one statement.
func TenantFreshness(ctx context.Context, q Q, tenantID uuid.UUID) (Freshness, error) {
	var f Freshness
	var token *string
	err := q.QueryRow(ctx, `SELECT (SELECT zed_token FROM projection_tokens WHERE tenant_id = $1),
		(SELECT CASE WHEN is_called THEN last_value ELSE 0 END FROM projection_epoch)`, tenantID).Scan(&token, &f.Epoch)
	if token != nil {
		f.Token = *token
	}
	return f, err
}

// SetTenantToken records a token as the tenant's newest (after a bulk load)
// and moves the projection epoch.
func SetTenantToken(ctx context.Context, q Q, tenantID uuid.UUID, token string) error {
	if err := BumpProjectionEpoch(ctx, q); err != nil {
		return err
	}
	_, err := q.Exec(ctx, `INSERT INTO projection_tokens (tenant_id, zed_token) VALUES ($1, $2)
		ON CONFLICT (tenant_id) DO UPDATE SET zed_token = excluded.zed_token, updated_at = now()`, tenantID, token)
	return err
}

// BumpProjectionEpoch moves the projection epoch: call it after anything
// that may have changed what SpiceDB answers. nextval takes effect at once,
// even inside a transaction that later rolls back; the "epoch" notice that
// replicas caching the epoch act on is sent at the commit (store/bus).
func BumpProjectionEpoch(ctx context.Context, q Q) error {
	_, err := q.Exec(ctx, `SELECT nextval('projection_epoch'), pg_notify('gatehouse_cache', 'epoch')`)
	return err
}
