package bus

import "strconv"

// NextBatch is how many Barrier calls wait for the next barrier to start.
func NextBatch(b *Bus) int {
	b.barriers.mu.Lock()
	defer b.barriers.mu.Unlock()
	if b.barriers.next == nil {
		return 0
	}
	return b.barriers.next.calls
}

// LastBarrier is the key of the last barrier b made.
func LastBarrier(b *Bus) string {
	return b.id.String() + ":" + strconv.FormatInt(b.seq.Load(), 10)
}
