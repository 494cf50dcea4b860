package store

import (
	"context"
	"encoding/json"
	"time"

	"github.com/google/uuid"
)

// InsertOutbox records projection work in the caller's transaction.
func InsertOutbox(ctx context.Context, q Q, tenantID uuid.UUID, units, facts json.RawMessage) (int64, error) {
	var id int64
	err := q.QueryRow(ctx, `INSERT INTO outbox (tenant_id, units, facts) VALUES ($1, $2, $3) RETURNING id`, tenantID, units, facts).Scan(&id)
	return id, err
}

// InsertOutboxAudited is InsertOutbox and InsertAudit of the same write in
// one statement (one round trip): every write stores both.
func InsertOutboxAudited(ctx context.Context, q Q, tenantID uuid.UUID, units, facts json.RawMessage, e AuditEntry) (int64, error) {
	details := e.Details
	if details == nil {
		details = map[string]any{}
	}
	var id int64
	err := q.QueryRow(ctx, `WITH audited AS (
			INSERT INTO audit_log (tenant_id, workspace_id, actor, action, target, outcome, request_id, client_addr, details)
			VALUES ($4, $5, $6, $7, $8, $9, $10, $11, $12))
		INSERT INTO outbox (tenant_id, units, facts) VALUES ($1, $2, $3) RETURNING id`,
		tenantID, units, facts,
		e.TenantID, e.WorkspaceID, e.Actor, e.Action, e.Target, e.Outcome, e.RequestID, e.ClientAddr, details).Scan(&id)
	return id, err
}

// MarkOutboxApplied records success and the tenant's newest token. It is
// called right after the entry's SpiceDB write; it first moves an epoch
// (for readers of PostgreSQL at once, whatever becomes of the transaction;
// for replicas caching it, at the commit), so every cached check answer
// the write may change stops being replayed before the write is reported
// applied: the additions epoch when additive (the projector proved the
// write only adds, authz.Additivity) and no apply of the tenant left a
// revoking mark behind (MarkRevoking: it died between its SpiceDB write
// and its commit), the projection epoch otherwise; the tenant's marks are
// cleared either way.
func MarkOutboxApplied(ctx context.Context, q Q, id int64, tenantID uuid.UUID, token string, additive bool) error {
	if _, err := q.Exec(ctx, `WITH marked AS (DELETE FROM projection_revoking WHERE tenant_id = $1 RETURNING 1),
		c AS (SELECT $2::bool AND NOT EXISTS (SELECT 1 FROM marked) AS additive)
		SELECT CASE WHEN additive THEN nextval('projection_additions') ELSE nextval('projection_epoch') END,
			pg_notify('gatehouse_cache', CASE WHEN additive THEN 'additions' ELSE 'epoch' END) FROM c`, tenantID, additive); err != nil {
		return err
	}
	if _, err := q.Exec(ctx, `UPDATE outbox SET applied_at = now(), zed_token = $2, last_error = NULL WHERE id = $1`, id, token); err != nil {
		return err
	}
	_, err := q.Exec(ctx, `INSERT INTO projection_tokens (tenant_id, zed_token) VALUES ($1, $2)
		ON CONFLICT (tenant_id) DO UPDATE SET zed_token = excluded.zed_token, updated_at = now()`, tenantID, token)
	return err
}

// MarkRevoking records, committed at once (q is the pool, not the apply's
// transaction), that an apply of the tenant is about to write something to
// SpiceDB that may revoke (see MarkOutboxApplied).
//
// The statement is idempotent, so a connection that died idle (PostgreSQL
// restarted since it was last used) is retried on another, a few times.
func MarkRevoking(ctx context.Context, q Q, tenantID uuid.UUID) error {
	var err error
	for range 3 {
		_, err = q.Exec(ctx, `INSERT INTO projection_revoking (tenant_id) VALUES ($1) ON CONFLICT (tenant_id) DO NOTHING`, tenantID)
		if err == nil || ctx.Err() != nil || !IsUnavailable(err) {
			return err
		}
	}
	return err
}

// OutboxStats reports pending entries and the age of the oldest.
func OutboxStats(ctx context.Context, q Q) (pending int, oldest time.Duration, err error) {
	var secs float64
	err = q.QueryRow(ctx, `SELECT count(*), coalesce(extract(epoch FROM now() - min(created_at)), 0) FROM outbox WHERE applied_at IS NULL`).Scan(&pending, &secs)
	return pending, time.Duration(secs * float64(time.Second)), err
}
