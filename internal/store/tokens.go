package store

import (
	"context"

	"github.com/google/uuid"
)

// Freshness is what a cached check answer is valid at: the tenant's newest
// token and the two projection epochs, read together. Epoch moves with
// every change of what SpiceDB holds that may revoke something, Additions
// with the others (migration 00012): an allowed answer holds while Epoch
// is unchanged, any answer while all three are.
type Freshness struct {
	Token     string // the tenant's newest token ("" when none)
	Epoch     int64  // the projection epoch (migration 00007)
	Additions int64  // the additions epoch (migration 00012)
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
		(SELECT CASE WHEN is_called THEN last_value ELSE 0 END FROM projection_epoch),
		(SELECT CASE WHEN is_called THEN last_value ELSE 0 END FROM projection_additions)`, tenantID).Scan(&token, &f.Epoch, &f.Additions)
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

// ProjectionEpoch reads the projection epoch alone (what an allowed answer
// is valid at).
func ProjectionEpoch(ctx context.Context, q Q) (int64, error) {
	var e int64
	err := q.QueryRow(ctx, `SELECT CASE WHEN is_called THEN last_value ELSE 0 END FROM projection_epoch`).Scan(&e)
	return e, err
}

// BumpProjectionEpoch moves the projection epoch: call it after anything
// that may have changed what SpiceDB answers. nextval takes effect at once,
// even inside a transaction that later rolls back; the "epoch" notice that
// replicas caching the epoch act on is sent at the commit (store/bus).
func BumpProjectionEpoch(ctx context.Context, q Q) error {
	_, err := q.Exec(ctx, `SELECT nextval('projection_epoch'), pg_notify('gatehouse_cache', 'epoch')`)
	return err
}
