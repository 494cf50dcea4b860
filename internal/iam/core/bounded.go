package core

import (
	"hash/maphash"
	"sync"
)

// Bounded is a map of at most a given number of entries, in shards with a
// lock each: when a shard is full, an entry chosen at random (Go's map
// order) makes room. The decision caches keep their answers in it.
type Bounded[V any] struct {
	seed     maphash.Seed
	shards   []boundedShard[V]
	perShard int
}

type boundedShard[V any] struct {
	mu sync.RWMutex
	m  map[string]V
}

// NewBounded makes a map of at most size entries (64 shards, or one below
// 4,096 entries); nil when size is not positive.
func NewBounded[V any](size int) *Bounded[V] {
	if size <= 0 {
		return nil
	}
	n := 64
	if size < 64*64 {
		n = 1
	}
	b := &Bounded[V]{seed: maphash.MakeSeed(), shards: make([]boundedShard[V], n), perShard: max(1, size/n)}
	for i := range b.shards {
		b.shards[i].m = make(map[string]V)
	}
	return b
}

func (b *Bounded[V]) shard(key string) *boundedShard[V] {
	if len(b.shards) == 1 {
		return &b.shards[0]
	}
	return &b.shards[maphash.String(b.seed, key)%uint64(len(b.shards))]
}

// Get returns key's entry.
func (b *Bounded[V]) Get(key string) (V, bool) {
	sh := b.shard(key)
	sh.mu.RLock()
	v, ok := sh.m[key]
	sh.mu.RUnlock()
	return v, ok
}

// Put stores v under key, unless an entry is there that newer says is
// newer than v (a concurrent miss stored a fresher answer).
func (b *Bounded[V]) Put(key string, v V, newer func(held, v V) bool) {
	sh := b.shard(key)
	sh.mu.Lock()
	defer sh.mu.Unlock()
	if held, ok := sh.m[key]; ok {
		if newer(held, v) {
			return
		}
	} else if len(sh.m) >= b.perShard {
		for k := range sh.m {
			delete(sh.m, k)
			break
		}
	}
	sh.m[key] = v
}

// Len is the number of entries held.
func (b *Bounded[V]) Len() int {
	n := 0
	for i := range b.shards {
		b.shards[i].mu.RLock()
		n += len(b.shards[i].m)
		b.shards[i].mu.RUnlock()
	}
	return n
}

// Clear drops every entry.
func (b *Bounded[V]) Clear() {
	for i := range b.shards {
		b.shards[i].mu.Lock()
		clear(b.shards[i].m)
		b.shards[i].mu.Unlock()
	}
}
