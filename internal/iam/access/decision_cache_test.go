package access

import (
	"fmt"
	"testing"

	"github.com/gatehouse/gatehouse/internal/store"
)

// The cache never holds more entries than its bound, however many distinct
// questions are stored, and a full cache still stores (evicting others).
func TestDecisionCacheEvictionBound(t *testing.T) {
	for _, size := range []int{1, 7, 100, 64 * 64, 10_000} {
		c := NewDecisionCache(size)
		for i := range size * 3 {
			c.put(fmt.Sprintf("q%d", i), decisionEntry{fresh: store.Freshness{Epoch: 1}, checkedAt: "t", decision: "deny"})
			if n := c.Len(); n > size {
				t.Fatalf("size %d: %d entries after %d puts", size, n, i+1)
			}
		}
		last := fmt.Sprintf("q%d", size*3-1)
		if _, ok := c.get(last); !ok {
			t.Errorf("size %d: the newest entry was not stored", size)
		}
		if c.Len() == 0 {
			t.Errorf("size %d: empty after puts", size)
		}
	}
	if NewDecisionCache(0) != nil || NewDecisionCache(-1) != nil {
		t.Error("a cache of no size must be off (nil)")
	}
}

// An older answer never replaces a newer one stored by a concurrent miss.
func TestDecisionCacheKeepsNewer(t *testing.T) {
	c := NewDecisionCache(10)
	c.put("q", decisionEntry{fresh: store.Freshness{Token: "b", Epoch: 5}, decision: "allow"})
	c.put("q", decisionEntry{fresh: store.Freshness{Token: "a", Epoch: 4}, decision: "deny"})
	if e, _ := c.get("q"); e.fresh.Epoch != 5 {
		t.Errorf("epoch %d kept, want 5", e.fresh.Epoch)
	}
	// At one projection epoch, the later additions epoch is newer.
	c.put("q", decisionEntry{fresh: store.Freshness{Epoch: 5, Additions: 3}, decision: "allow"})
	c.put("q", decisionEntry{fresh: store.Freshness{Epoch: 5, Additions: 2}, decision: "deny"})
	if e, _ := c.get("q"); e.fresh.Additions != 3 {
		t.Errorf("additions %d kept, want 3", e.fresh.Additions)
	}
}
