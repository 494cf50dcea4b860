package identity

import (
	"context"
	"crypto/sha256"
	"math"
	"net/netip"
	"sync/atomic"
	"time"

	"github.com/gatehouse/gatehouse/internal/store"
)

// LoginLimiter throttles password logins (SPEC §1.4). Its counts live in
// PostgreSQL (table login_attempts), so every replica sees the same counts,
// and a replica keeps nothing per key in memory. Two keys are counted:
//
//   - the client address (an IPv6 address by its /64): at most PerAddress
//     failed logins per Window, whatever the accounts tried;
//   - the client address with the account (the email as given): at most
//     PerAccount failed logins per Window.
//
// There is deliberately no key for the account alone: failures from one
// address slow down that address only, so nobody can lock an account's
// owner out by failing logins from elsewhere.
//
// A login counts as an attempt on both keys before the password is
// checked (one atomic upsert per key, so a concurrent burst cannot slip
// past a limit); an attempt over a limit is taken back and answered 429,
// and a successful login takes its attempt back and clears its
// address-and-account key. Counts are kept in buckets of Bucket; buckets
// older than Window are deleted as logins go, at most once per Bucket per
// replica.
type LoginLimiter struct {
	Window     time.Duration
	Bucket     time.Duration
	PerAccount int
	PerAddress int

	lastPrune atomic.Int64 // unix nanoseconds of this replica's last prune
}

// NewLoginLimiter allows 5 failures per address and account and 20 per
// address in 15 minutes.
func NewLoginLimiter() *LoginLimiter {
	return &LoginLimiter{Window: 15 * time.Minute, Bucket: time.Minute, PerAccount: 5, PerAddress: 20}
}

// loginAttempt is one counted attempt, to be settled by succeed or kept.
type loginAttempt struct {
	keys   [][]byte // address key, then address-and-account key
	bucket time.Time
}

// addressKey is the part of a client address that identifies a client: the
// IPv4 address, or the /64 of an IPv6 address (one host usually holds a
// whole /64).
func addressKey(addr string) string {
	ip, err := netip.ParseAddr(addr)
	if err != nil {
		return addr
	}
	ip = ip.Unmap()
	if ip.Is6() {
		if p, err := ip.WithZone("").Prefix(64); err == nil {
			return p.String()
		}
	}
	return ip.String()
}

func limiterKey(parts ...string) []byte {
	h := sha256.New()
	h.Write([]byte("gatehouse.login_attempts.v1"))
	for _, p := range parts {
		h.Write([]byte{0})
		h.Write([]byte(p))
	}
	return h.Sum(nil)
}

// begin counts an attempt by (address, account). When a key is over its
// limit the attempt is taken back and wait tells how long until one more
// attempt would be allowed.
func (l *LoginLimiter) begin(ctx context.Context, q store.Q, addr, account string, now time.Time) (loginAttempt, time.Duration, error) {
	a := addressKey(addr)
	at := loginAttempt{keys: [][]byte{limiterKey("addr", a), limiterKey("acct", a, account)}, bucket: now.UTC().Truncate(l.Bucket)}
	since := at.bucket.Add(l.Bucket - l.Window)
	counts, err := store.CountLoginAttempt(ctx, q, at.keys, at.bucket, since)
	if err != nil {
		return at, 0, err
	}
	for _, c := range counts {
		limit := l.PerAccount
		if string(c.KeyHash) == string(at.keys[0]) {
			limit = l.PerAddress
		}
		if c.InWindow <= limit {
			continue
		}
		// Over the limit: when do the buckets that put it there age out?
		if err := store.UncountLoginAttempt(ctx, q, at.keys, at.bucket); err != nil {
			return at, 0, err
		}
		w, err := l.wait(ctx, q, c.KeyHash, limit, since, now)
		if err != nil {
			return at, 0, err
		}
		return at, w, nil
	}
	return at, 0, nil
}

// wait is how long until key holds fewer than limit attempts in the window.
func (l *LoginLimiter) wait(ctx context.Context, q store.Q, key []byte, limit int, since, now time.Time) (time.Duration, error) {
	buckets, err := store.LoginAttemptBuckets(ctx, q, key, since)
	if err != nil {
		return 0, err
	}
	total := 0
	for _, b := range buckets {
		total += b.Failures
	}
	wait := l.Bucket // taken back concurrently: try again soon
	for _, b := range buckets {
		if total < limit {
			break
		}
		total -= b.Failures
		wait = b.Start.Add(l.Window).Sub(now)
	}
	return max(wait, time.Second), nil
}

// succeed takes the attempt back and forgets the address's failures on the
// account.
func (l *LoginLimiter) succeed(ctx context.Context, q store.Q, at loginAttempt) error {
	if err := store.UncountLoginAttempt(ctx, q, at.keys[:1], at.bucket); err != nil {
		return err
	}
	return store.ClearLoginAttempts(ctx, q, at.keys[1])
}

// prune deletes buckets older than the window, at most once per Bucket on
// this replica (every replica prunes, so the table stays bounded whichever
// replica serves the logins).
func (l *LoginLimiter) prune(ctx context.Context, q store.Q, now time.Time) error {
	last := l.lastPrune.Load()
	if now.UnixNano()-last < int64(l.Bucket) || !l.lastPrune.CompareAndSwap(last, now.UnixNano()) {
		return nil
	}
	_, err := store.PruneLoginAttempts(ctx, q, now.UTC().Truncate(l.Bucket).Add(l.Bucket-l.Window))
	return err
}

func retryAfterSeconds(d time.Duration) int { return int(math.Ceil(d.Seconds())) }
