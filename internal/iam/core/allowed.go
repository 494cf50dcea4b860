package core

import (
	"context"
	"fmt"
	"sync/atomic"

	"github.com/gatehouse/gatehouse/internal/authz"
	"github.com/gatehouse/gatehouse/internal/store"
)

// AllowedCache holds the "allowed" answers SpiceDB gave when requests were
// authorized (May, Authorize: the decisions a write rests on), each with
// the projection epoch read before SpiceDB was asked, at its head. An
// answer is replayed while that epoch has not moved: since then every
// change applied to SpiceDB was additive (authz.Additivity: it only adds
// relationships no permission subtracts), and no additive change takes a
// permission away. A revocation of any kind (a member removed, a role
// lowered, a user disabled, a group left) moves the epoch before it is
// reported applied, on every replica (the cache bus), so the next request
// asks SpiceDB again. Subjects whose relationships expire (API keys) are
// never cached: time ends them, not a write. Denials are never cached.
//
// It is bounded: when a shard is full, an entry chosen at random (Go's map
// order) makes room.
type AllowedCache struct {
	// Hits and Misses count the lookups.
	Hits   atomic.Uint64
	Misses atomic.Uint64

	answers *Bounded[int64] // key -> projection epoch
}

// NewAllowedCache makes a cache of at most size answers; nil (no cache)
// when size is not positive.
func NewAllowedCache(size int) *AllowedCache {
	if size <= 0 {
		return nil
	}
	return &AllowedCache{answers: NewBounded[int64](size)}
}

func (c *AllowedCache) has(key string, epoch int64) bool {
	e, ok := c.answers.Get(key)
	return ok && e == epoch
}

func (c *AllowedCache) put(key string, epoch int64) {
	c.answers.Put(key, epoch, func(held, e int64) bool { return held > e })
}

// Len is the number of answers held.
func (c *AllowedCache) Len() int { return c.answers.Len() }

func (c *AllowedCache) clear() {
	if c != nil {
		c.answers.Clear()
	}
}

func allowedKey(it authz.CheckItem) string {
	return it.Subject.String() + "|" + it.Resource.String() + "|" + it.Permission
}

// ProjectionEpoch is the projection epoch, from the cache bus's cache when
// it holds it (an additive change does not drop it: it moves the additions
// epoch, with its own notice).
func (s *Kernel) ProjectionEpoch(ctx context.Context) (int64, error) {
	if e, ok := s.Caches.Epoch.Get(struct{}{}); ok {
		return e, nil
	}
	gen, ok := s.Caches.Epoch.Snapshot()
	e, err := store.ProjectionEpoch(ctx, s.Store.Pool)
	if err == nil && ok {
		s.Caches.Epoch.Put(gen, struct{}{}, e, "epoch")
	}
	return e, err
}

// decide answers checks for an authorization: each allowed answer the
// cache holds at the current projection epoch is replayed, the others are
// asked of SpiceDB in one call, at its head (fully consistent: fresher
// than any token), and the allowed ones kept. Without a cache, or for a
// subject whose relationships may expire, it asks SpiceDB at cons.
func (s *Kernel) decide(ctx context.Context, items []authz.CheckItem, cons authz.Consistency) ([]bool, error) {
	out := make([]bool, len(items))
	if len(items) == 0 {
		return out, nil
	}
	c := s.Allowed
	if c == nil || s.Projector.Additivity.Expiring(items[0].Subject.Type) {
		return out, s.ask(ctx, items, cons, out, nil)
	}
	epoch, err := s.ProjectionEpoch(ctx)
	if err != nil {
		return nil, err
	}
	var missing []int
	for i, it := range items {
		if c.has(allowedKey(it), epoch) {
			out[i] = true
		} else {
			missing = append(missing, i)
		}
	}
	c.Hits.Add(uint64(len(items) - len(missing)))
	c.Misses.Add(uint64(len(missing)))
	if len(missing) == 0 {
		return out, nil
	}
	if err := s.ask(ctx, items, authz.Consistency{FullyConsistent: true}, out, missing); err != nil {
		return nil, err
	}
	for _, i := range missing {
		if out[i] {
			c.put(allowedKey(items[i]), epoch)
		}
	}
	return out, nil
}

// ask fills out[i] for the items at idx (every item when idx is nil) from
// SpiceDB.
func (s *Kernel) ask(ctx context.Context, items []authz.CheckItem, cons authz.Consistency, out []bool, idx []int) error {
	if idx == nil {
		idx = make([]int, len(items))
		for i := range idx {
			idx[i] = i
		}
	}
	if len(idx) == 1 {
		res, _, err := s.Checker.Check(ctx, items[idx[0]], cons, false)
		if err != nil {
			return s.MapErr(err)
		}
		out[idx[0]] = res.Allowed
		return nil
	}
	asked := make([]authz.CheckItem, len(idx))
	for j, i := range idx {
		asked[j] = items[i]
	}
	res, _, err := s.Checker.CheckBulk(ctx, asked, cons)
	if err != nil {
		return s.MapErr(err)
	}
	for j, r := range res {
		if r.Err != nil {
			return s.MapErr(fmt.Errorf("%w: %v", authz.ErrUnavailable, r.Err))
		}
		out[idx[j]] = r.Allowed
	}
	return nil
}
