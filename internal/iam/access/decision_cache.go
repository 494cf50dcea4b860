package access

import (
	"strings"
	"sync/atomic"

	"github.com/gatehouse/gatehouse/internal/iam/core"
	"github.com/gatehouse/gatehouse/internal/store"
)

// DecisionCache holds answers SpiceDB gave to POST /v1/check, each with
// the freshness it was computed at: the tenant's newest token and the
// projection epochs (store.Freshness). An answer is replayed only while
// they are unchanged, i.e. while no outbox entry of any tenant has been
// applied, no bulk import recorded and no schema written since, so it is
// the answer SpiceDB would give now (see checkThroughCache for why the
// answer itself is at least that fresh); an allowed answer also while only
// additive changes were applied (stillAllowed). It is bounded: when a shard is full, an entry
// chosen at random (Go's map order) makes room.
//
// Hits and Misses count the lookups of cacheable checks.
type DecisionCache struct {
	Hits   atomic.Uint64
	Misses atomic.Uint64

	entries *core.Bounded[decisionEntry]
}

// decisionEntry is one answer and the freshness it was computed at.
type decisionEntry struct {
	fresh     store.Freshness
	checkedAt string // the raw ZedToken SpiceDB answered at
	sealed    string // checkedAt as handed to clients
	allowed   bool
	decision  string
}

// stillAllowed reports whether the entry is an allowed answer and every
// change applied since it was computed only added (the projection epoch has
// not moved): it is still the answer at fresh.
func (e decisionEntry) stillAllowed(fresh store.Freshness) bool {
	return e.allowed && e.fresh.Epoch == fresh.Epoch
}

func (e decisionEntry) output() CheckOutput {
	return CheckOutput{Allowed: e.allowed, Decision: e.decision, CheckedAt: e.sealed}
}

// NewDecisionCache makes a cache of at most size entries; nil when size is
// not positive (no cache).
func NewDecisionCache(size int) *DecisionCache {
	if size <= 0 {
		return nil
	}
	return &DecisionCache{entries: core.NewBounded[decisionEntry](size)}
}

func (c *DecisionCache) get(key string) (decisionEntry, bool) { return c.entries.Get(key) }

// put stores e unless the entry held is newer (a concurrent miss stored
// it).
func (c *DecisionCache) put(key string, e decisionEntry) {
	c.entries.Put(key, e, func(held, e decisionEntry) bool {
		return held.fresh.Epoch > e.fresh.Epoch || held.fresh.Epoch == e.fresh.Epoch && held.fresh.Additions > e.fresh.Additions
	})
}

// Len is the number of entries held.
func (c *DecisionCache) Len() int { return c.entries.Len() }

// decisionKey is the exact question of a resolved check: subject with its
// relation, resource, permission, and for kinds the branch side asked (both
// items of a kind check are derived from these).
func decisionKey(rc resolvedCheck) string {
	it := rc.items[0]
	var b strings.Builder
	b.Grow(160)
	b.WriteString(rc.tenantID.String())
	b.WriteByte('|')
	b.WriteString(it.Subject.Type)
	b.WriteByte(':')
	b.WriteString(it.Subject.ID)
	b.WriteByte('#')
	b.WriteString(it.Subject.Relation)
	b.WriteByte('|')
	b.WriteString(it.Resource.Type)
	b.WriteByte(':')
	b.WriteString(it.Resource.ID)
	b.WriteByte('|')
	b.WriteString(it.Permission)
	switch {
	case rc.kind && rc.branch:
		b.WriteString("|kind:other")
	case rc.kind:
		b.WriteString("|kind:default")
	}
	// On another branch the answer also depends on which one (merged and
	// need_rebase branches are frozen).
	for _, extra := range rc.items[min(len(rc.items), 2):] {
		b.WriteString("|" + extra.Resource.String() + "#" + extra.Permission)
	}
	return b.String()
}
