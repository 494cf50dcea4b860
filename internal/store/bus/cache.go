package bus

import (
	"sync"
)

// Cache is a bounded map whose entries carry tags ("session <id>", "user
// <id>", "tenant <id>", "epoch"): a notice drops every entry tagged with
// its kind and key, a flush drops all. It serves only while its bus is
// usable, and keeps an entry only if no notice arrived since the Snapshot
// taken before the entry was read. A nil Cache holds nothing.
type Cache[K comparable, V any] struct {
	bus *Bus
	max int

	mu    sync.RWMutex
	m     map[K]cached[V]
	index map[string]map[K]struct{}
}

type cached[V any] struct {
	v    V
	tags []string
}

// NewCache makes a cache of at most max entries fed by b's notices; nil
// when b is nil or max is not positive.
func NewCache[K comparable, V any](b *Bus, max int) *Cache[K, V] {
	if b == nil || max <= 0 {
		return nil
	}
	c := &Cache[K, V]{bus: b, max: max, m: map[K]cached[V]{}, index: map[string]map[K]struct{}{}}
	b.Subscribe(c.notice)
	return c
}

func (c *Cache[K, V]) notice(e Event) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if e.Kind == "flush" {
		clear(c.m)
		clear(c.index)
		return
	}
	tag := e.Kind
	if e.Key != "" {
		tag += " " + e.Key
	}
	for k := range c.index[tag] {
		c.remove(k)
	}
	delete(c.index, tag)
}

// remove drops k and its index entries; c.mu is held.
func (c *Cache[K, V]) remove(k K) {
	e, ok := c.m[k]
	if !ok {
		return
	}
	delete(c.m, k)
	for _, t := range e.tags {
		if set := c.index[t]; set != nil {
			delete(set, k)
			if len(set) == 0 {
				delete(c.index, t)
			}
		}
	}
}

// Get returns k's entry while the bus is usable.
func (c *Cache[K, V]) Get(k K) (V, bool) {
	var zero V
	if c == nil || !c.bus.Usable() {
		return zero, false
	}
	c.mu.RLock()
	e, ok := c.m[k]
	c.mu.RUnlock()
	if !ok {
		return zero, false
	}
	return e.v, true
}

// Snapshot is the bus's: take it before reading what Put will keep.
func (c *Cache[K, V]) Snapshot() (uint64, bool) {
	if c == nil {
		return 0, false
	}
	return c.bus.Snapshot()
}

// Put keeps v under k with its tags, unless a notice arrived since gen
// was taken (the value may predate it) or the bus is not usable.
func (c *Cache[K, V]) Put(gen uint64, k K, v V, tags ...string) {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	// Under the lock notices take to drop: a notice either bumped the
	// generation before this check (nothing is kept) or drops after.
	if !c.bus.Valid(gen) {
		return
	}
	c.remove(k)
	if len(c.m) >= c.max {
		for old := range c.m {
			c.remove(old)
			break
		}
	}
	c.m[k] = cached[V]{v: v, tags: tags}
	for _, t := range tags {
		set := c.index[t]
		if set == nil {
			set = map[K]struct{}{}
			c.index[t] = set
		}
		set[k] = struct{}{}
	}
}

// Len is the number of entries held.
func (c *Cache[K, V]) Len() int {
	if c == nil {
		return 0
	}
	c.mu.RLock()
	defer c.mu.RUnlock()
	return len(c.m)
}
