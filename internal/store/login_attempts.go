package store

import (
	"context"
	"time"
)

// LoginAttemptCount is one key's attempts in the window, as counted by
// CountLoginAttempt.
type LoginAttemptCount struct {
	KeyHash []byte
	// InWindow counts the attempts of the buckets since the window's start,
	// this one included.
	InWindow int
}

// CountLoginAttempt adds one attempt to bucket for every key and returns
// each key's count over the buckets from since to bucket. The increment and
// the count of the current bucket are one atomic upsert, so concurrent
// attempts on one key see 1, 2, 3, ... and no burst slips past a limit.
func CountLoginAttempt(ctx context.Context, q Q, keys [][]byte, bucket, since time.Time) ([]LoginAttemptCount, error) {
	rows, err := q.Query(ctx, `WITH up AS (
			INSERT INTO login_attempts (key_hash, bucket_start, failures)
			SELECT k, $2, 1 FROM unnest($1::bytea[]) AS k
			ON CONFLICT (key_hash, bucket_start) DO UPDATE SET failures = login_attempts.failures + 1
			RETURNING key_hash, failures)
		SELECT up.key_hash, up.failures + coalesce((SELECT sum(a.failures) FROM login_attempts a
			WHERE a.key_hash = up.key_hash AND a.bucket_start >= $3 AND a.bucket_start < $2), 0)::int
		FROM up`, keys, bucket, since)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []LoginAttemptCount
	for rows.Next() {
		var c LoginAttemptCount
		if err := rows.Scan(&c.KeyHash, &c.InWindow); err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// UncountLoginAttempt takes back one attempt of bucket from every key (an
// attempt that was refused before it was tried, or that succeeded).
func UncountLoginAttempt(ctx context.Context, q Q, keys [][]byte, bucket time.Time) error {
	// One statement per key, in the order CountLoginAttempt locks them.
	for _, k := range keys {
		if _, err := q.Exec(ctx, `UPDATE login_attempts SET failures = failures - 1
			WHERE key_hash = $1 AND bucket_start = $2 AND failures > 0`, k, bucket); err != nil {
			return err
		}
	}
	return nil
}

// ClearLoginAttempts forgets every attempt of a key.
func ClearLoginAttempts(ctx context.Context, q Q, key []byte) error {
	_, err := q.Exec(ctx, `DELETE FROM login_attempts WHERE key_hash = $1`, key)
	return err
}

// LoginAttemptBucket is one bucket of one key.
type LoginAttemptBucket struct {
	Start    time.Time
	Failures int
}

// LoginAttemptBuckets lists a key's buckets since a time, oldest first.
func LoginAttemptBuckets(ctx context.Context, q Q, key []byte, since time.Time) ([]LoginAttemptBucket, error) {
	rows, err := q.Query(ctx, `SELECT bucket_start, failures FROM login_attempts
		WHERE key_hash = $1 AND bucket_start >= $2 AND failures > 0 ORDER BY bucket_start`, key, since)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []LoginAttemptBucket
	for rows.Next() {
		var b LoginAttemptBucket
		if err := rows.Scan(&b.Start, &b.Failures); err != nil {
			return nil, err
		}
		out = append(out, b)
	}
	return out, rows.Err()
}

// PruneLoginAttempts deletes the buckets older than before (outside every
// window), which bounds the table by the attempts of one window.
func PruneLoginAttempts(ctx context.Context, q Q, before time.Time) (int64, error) {
	tag, err := q.Exec(ctx, `DELETE FROM login_attempts WHERE bucket_start < $1`, before)
	return tag.RowsAffected(), err
}

// CountLoginAttemptRows counts the stored buckets (tests, metrics).
func CountLoginAttemptRows(ctx context.Context, q Q) (int, error) {
	var n int
	err := q.QueryRow(ctx, `SELECT count(*) FROM login_attempts`).Scan(&n)
	return n, err
}
