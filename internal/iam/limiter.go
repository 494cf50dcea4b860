package iam

import (
	"sync"
	"time"
)

// LoginLimiter counts failed logins per key (account, client address) in a
// sliding window. It is per replica: with N replicas an attacker gets at
// most N times the budget.
type LoginLimiter struct {
	mu       sync.Mutex
	failures map[string][]time.Time
	Window   time.Duration
	// Limits per key prefix.
	PerAccount int
	PerAddress int
}

// NewLoginLimiter allows 5 failures per account and 20 per address in 15 minutes.
func NewLoginLimiter() *LoginLimiter {
	return &LoginLimiter{failures: map[string][]time.Time{}, Window: 15 * time.Minute, PerAccount: 5, PerAddress: 20}
}

func (l *LoginLimiter) prune(key string, now time.Time) []time.Time {
	kept := l.failures[key][:0]
	for _, t := range l.failures[key] {
		if now.Sub(t) < l.Window {
			kept = append(kept, t)
		}
	}
	if len(kept) == 0 {
		delete(l.failures, key)
		return nil
	}
	l.failures[key] = kept
	return kept
}

// Blocked returns how long until another attempt is allowed (0 = allowed).
func (l *LoginLimiter) Blocked(account, address string, now time.Time) time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	var wait time.Duration
	check := func(key string, limit int) {
		f := l.prune(key, now)
		if len(f) >= limit {
			if w := l.Window - now.Sub(f[len(f)-limit]); w > wait {
				wait = w
			}
		}
	}
	check("acct:"+account, l.PerAccount)
	check("addr:"+address, l.PerAddress)
	return wait
}

// Fail records a failed attempt.
func (l *LoginLimiter) Fail(account, address string, now time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.failures["acct:"+account] = append(l.failures["acct:"+account], now)
	l.failures["addr:"+address] = append(l.failures["addr:"+address], now)
}

// Succeed clears the account's failures.
func (l *LoginLimiter) Succeed(account string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	delete(l.failures, "acct:"+account)
}
