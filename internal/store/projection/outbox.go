package projection

import (
	"context"
	"encoding/json"
	"errors"
	"time"

	"github.com/google/uuid"

	"github.com/gatehouse/gatehouse/internal/store"
	"github.com/gatehouse/gatehouse/internal/store/pg"
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

// OutboxAttempts is how often applying entry id has failed.
func OutboxAttempts(ctx context.Context, q store.Q, id int64) (int, error) {
	var n int
	err := q.QueryRow(ctx, `SELECT attempts FROM outbox WHERE id = $1`, id).Scan(&n)
	return n, err
}

// LockOutbox loads and row-locks an entry (waits for another applier).
func LockOutbox(ctx context.Context, q store.Q, id int64) (OutboxEntry, error) {
	var e OutboxEntry
	var token *string
	err := q.QueryRow(ctx, `SELECT id, tenant_id, units, applied_at, zed_token, attempts FROM outbox WHERE id = $1 FOR UPDATE`, id).
		Scan(&e.ID, &e.TenantID, &e.Units, &e.AppliedAt, &token, &e.Attempts)
	if token != nil {
		e.ZedToken = *token
	}
	return e, pg.Classify(err)
}

// OutboxAppliedTokens returns, of the entries ids, those applied, with
// their tokens.
func OutboxAppliedTokens(ctx context.Context, q store.Q, ids []int64) (map[int64]string, error) {
	rows, err := q.Query(ctx, `SELECT id, zed_token FROM outbox WHERE id = ANY($1) AND applied_at IS NOT NULL AND zed_token IS NOT NULL`, ids)
	if err != nil {
		return nil, pg.Classify(err)
	}
	defer rows.Close()
	out := make(map[int64]string, len(ids))
	for rows.Next() {
		var id int64
		var token string
		if err := rows.Scan(&id, &token); err != nil {
			return nil, err
		}
		out[id] = token
	}
	return out, pg.Classify(rows.Err())
}

// PendingOutboxUnits returns the units of up to limit pending entries of a
// tenant other than those of except (no row locks: whatever an applier
// holds is read too).
func PendingOutboxUnits(ctx context.Context, q store.Q, tenantID uuid.UUID, except []int64, limit int) ([]json.RawMessage, error) {
	rows, err := q.Query(ctx, `SELECT units FROM outbox WHERE tenant_id = $1 AND applied_at IS NULL AND id <> ALL($2) ORDER BY id LIMIT $3`, tenantID, except, limit)
	if err != nil {
		return nil, pg.Classify(err)
	}
	defer rows.Close()
	var out []json.RawMessage
	for rows.Next() {
		var units json.RawMessage
		if err := rows.Scan(&units); err != nil {
			return nil, err
		}
		out = append(out, units)
	}
	return out, pg.Classify(rows.Err())
}

// OutboxTenant returns the tenant of an outbox entry.
func OutboxTenant(ctx context.Context, q store.Q, id int64) (uuid.UUID, error) {
	var t uuid.UUID
	err := q.QueryRow(ctx, `SELECT tenant_id FROM outbox WHERE id = $1`, id).Scan(&t)
	return t, pg.Classify(err)
}

// LockPendingOutbox row-locks up to limit other pending entries of a
// tenant, oldest first, skipping those another applier holds: the
// entries one apply takes along (group commit).
func LockPendingOutbox(ctx context.Context, q store.Q, tenantID uuid.UUID, except int64, limit int) ([]OutboxEntry, error) {
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
// as one store.MarkOutboxApplied recorded (group commit).
func MarkOutboxAlsoApplied(ctx context.Context, q store.Q, ids []int64, token string) error {
	if len(ids) == 0 {
		return nil
	}
	_, err := q.Exec(ctx, `UPDATE outbox SET applied_at = now(), zed_token = $2, last_error = NULL WHERE id = ANY($1)`, ids, token)
	return err
}

// LockTenantProjection serialises projection work of one tenant until the
// transaction ends, so the newest write always reads the newest facts.
func LockTenantProjection(ctx context.Context, q store.Q, tenantID uuid.UUID) error {
	_, err := q.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtextextended('gatehouse.projection:' || $1::text, 0))`, tenantID)
	return err
}

// MarkOutboxFailed records a failed attempt and when to retry. A failed
// apply may have written to SpiceDB before it failed, so the projection
// epoch moves too.
func MarkOutboxFailed(ctx context.Context, q store.Q, id int64, cause string, retryIn time.Duration) error {
	bump := store.BumpProjectionEpoch(ctx, q)
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
func DueOutbox(ctx context.Context, q store.Q, limit int) ([]DueEntry, error) {
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
