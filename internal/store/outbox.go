package store

import (
	"context"
	"encoding/json"
	"errors"
	"time"

	"github.com/google/uuid"
)

// OutboxEntry is one durable record of projection work.
type OutboxEntry struct {
	ID        int64
	TenantID  uuid.UUID
	Units     json.RawMessage
	AppliedAt *time.Time
	ZedToken  string
	Attempts  int
}

// InsertOutbox records projection work in the caller's transaction.
func InsertOutbox(ctx context.Context, q Q, tenantID uuid.UUID, units, facts json.RawMessage) (int64, error) {
	var id int64
	err := q.QueryRow(ctx, `INSERT INTO outbox (tenant_id, units, facts) VALUES ($1, $2, $3) RETURNING id`, tenantID, units, facts).Scan(&id)
	return id, err
}

// OutboxAttempts is how often applying entry id has failed.
func OutboxAttempts(ctx context.Context, q Q, id int64) (int, error) {
	var n int
	err := q.QueryRow(ctx, `SELECT attempts FROM outbox WHERE id = $1`, id).Scan(&n)
	return n, err
}

// LockOutbox loads and row-locks an entry (waits for another applier).
func LockOutbox(ctx context.Context, q Q, id int64) (OutboxEntry, error) {
	var e OutboxEntry
	var token *string
	err := q.QueryRow(ctx, `SELECT id, tenant_id, units, applied_at, zed_token, attempts FROM outbox WHERE id = $1 FOR UPDATE`, id).
		Scan(&e.ID, &e.TenantID, &e.Units, &e.AppliedAt, &token, &e.Attempts)
	if token != nil {
		e.ZedToken = *token
	}
	return e, classify(err)
}

// OutboxAppliedToken reports whether an entry is applied, and its token.
func OutboxAppliedToken(ctx context.Context, q Q, id int64) (string, bool, error) {
	var token *string
	var applied bool
	err := q.QueryRow(ctx, `SELECT applied_at IS NOT NULL, zed_token FROM outbox WHERE id = $1`, id).Scan(&applied, &token)
	if err != nil || !applied || token == nil {
		return "", false, classify(err)
	}
	return *token, true, nil
}

// OutboxTenant returns the tenant of an outbox entry.
func OutboxTenant(ctx context.Context, q Q, id int64) (uuid.UUID, error) {
	var t uuid.UUID
	err := q.QueryRow(ctx, `SELECT tenant_id FROM outbox WHERE id = $1`, id).Scan(&t)
	return t, classify(err)
}

// LockPendingOutbox row-locks up to limit other pending entries of a
// tenant, oldest first, skipping those another applier holds: the
// entries one apply takes along (group commit).
func LockPendingOutbox(ctx context.Context, q Q, tenantID uuid.UUID, except int64, limit int) ([]OutboxEntry, error) {
	rows, err := q.Query(ctx, `SELECT id, tenant_id, units, attempts FROM outbox
		WHERE tenant_id = $1 AND applied_at IS NULL AND id <> $2 ORDER BY id LIMIT $3 FOR UPDATE SKIP LOCKED`, tenantID, except, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []OutboxEntry
	for rows.Next() {
		var e OutboxEntry
		if err := rows.Scan(&e.ID, &e.TenantID, &e.Units, &e.Attempts); err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

// MarkOutboxAlsoApplied records entries applied by the same SpiceDB write
// as one MarkOutboxApplied recorded (group commit).
func MarkOutboxAlsoApplied(ctx context.Context, q Q, ids []int64, token string) error {
	if len(ids) == 0 {
		return nil
	}
	_, err := q.Exec(ctx, `UPDATE outbox SET applied_at = now(), zed_token = $2, last_error = NULL WHERE id = ANY($1)`, ids, token)
	return err
}

// LockTenantProjection serialises projection work of one tenant until the
// transaction ends, so the newest write always reads the newest facts.
func LockTenantProjection(ctx context.Context, q Q, tenantID uuid.UUID) error {
	_, err := q.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtextextended('gatehouse.projection:' || $1::text, 0))`, tenantID)
	return err
}

// MarkOutboxApplied records success and the tenant's newest token. It is
// called right after the entry's SpiceDB write; it first moves the
// projection epoch (at once, whatever becomes of the transaction: nextval
// is not rolled back), so every cached check answer computed before the
// write stops being replayed before the write is reported applied.
func MarkOutboxApplied(ctx context.Context, q Q, id int64, tenantID uuid.UUID, token string) error {
	if err := BumpProjectionEpoch(ctx, q); err != nil {
		return err
	}
	if _, err := q.Exec(ctx, `UPDATE outbox SET applied_at = now(), zed_token = $2, last_error = NULL WHERE id = $1`, id, token); err != nil {
		return err
	}
	_, err := q.Exec(ctx, `INSERT INTO projection_tokens (tenant_id, zed_token) VALUES ($1, $2)
		ON CONFLICT (tenant_id) DO UPDATE SET zed_token = excluded.zed_token, updated_at = now()`, tenantID, token)
	return err
}

// MarkOutboxFailed records a failed attempt and when to retry. A failed
// apply may have written to SpiceDB before it failed, so the projection
// epoch moves too.
func MarkOutboxFailed(ctx context.Context, q Q, id int64, cause string, retryIn time.Duration) error {
	bump := BumpProjectionEpoch(ctx, q)
	_, err := q.Exec(ctx, `UPDATE outbox SET attempts = attempts + 1, last_error = $2,
		next_attempt_at = now() + $3 * interval '1 millisecond' WHERE id = $1 AND applied_at IS NULL`, id, cause, retryIn.Milliseconds())
	return errors.Join(bump, err)
}

// DueEntry names a pending outbox entry.
type DueEntry struct {
	ID       int64
	TenantID uuid.UUID
}

// DueOutbox lists pending entries whose retry time has come, oldest first.
func DueOutbox(ctx context.Context, q Q, limit int) ([]DueEntry, error) {
	rows, err := q.Query(ctx, `SELECT id, tenant_id FROM outbox WHERE applied_at IS NULL AND next_attempt_at <= now() ORDER BY id LIMIT $1`, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []DueEntry
	for rows.Next() {
		var e DueEntry
		if err := rows.Scan(&e.ID, &e.TenantID); err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

// OutboxStats reports pending entries and the age of the oldest.
func OutboxStats(ctx context.Context, q Q) (pending int, oldest time.Duration, err error) {
	var secs float64
	err = q.QueryRow(ctx, `SELECT count(*), coalesce(extract(epoch FROM now() - min(created_at)), 0) FROM outbox WHERE applied_at IS NULL`).Scan(&pending, &secs)
	return pending, time.Duration(secs * float64(time.Second)), err
}
