// Package bus lets a replica keep what it reads on every request (the
// session behind a bearer token, its user, the tenant's newest consistency
// token, the projection epoch) in memory, and still answer as if it had
// read PostgreSQL: the cache is correct across replicas by construction,
// never by a TTL.
//
// How:
//   - Triggers (migration 00011) tell every listener, on the channel
//     gatehouse_cache, which session, user or tenant token a transaction
//     changed, at its commit; whatever code path made the change.
//     BumpProjectionEpoch says "epoch" the same way.
//   - Each replica listens on its own connection and drops what it was told
//     about (Subscribe) before it does anything else with that connection.
//   - A replica serves from its caches only while it holds a lease in
//     cache_replicas, renewed on that same connection: if the connection
//     breaks or stalls, the lease runs out locally before it runs out in
//     PostgreSQL's eyes, and the replica reads PostgreSQL again.
//   - A write answers only after Barrier: a notice sent after its commit,
//     which every replica holding a lease acknowledges once it has read it,
//     and so everything committed before it; a replica that does not is
//     waited for until its lease has run out. So the next request, on any
//     replica, sees the write.
//   - An entry read from PostgreSQL is kept only if no notice arrived while
//     it was being read (Snapshot / Valid: a generation counter).
package bus

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

const (
	changesChannel = "gatehouse_cache"
	acksChannel    = "gatehouse_cache_ack"
)

// Event is one notice: Kind is "session", "user" or "tenant" with the
// row's id in Key, "epoch", or "flush" (drop everything: the replica lost
// or regained its lease).
type Event struct {
	Kind string
	Key  string
}

// Bus is one replica's end of the cache bus.
type Bus struct {
	pool  *pgxpool.Pool
	log   *slog.Logger
	id    uuid.UUID
	lease time.Duration
	renew time.Duration
	start time.Time // the origin of valid (monotonic)

	gen   atomic.Uint64
	valid atomic.Int64 // the lease's local end, as time since start; 0: no lease

	mu      sync.Mutex
	subs    []func(Event)
	waiters map[string]*waiter // by barrier key (barrierKey)
	running bool
	seq     atomic.Int64 // the last barrier key's number

	barriers barrierGroup
}

// barrierGroup lets concurrent Barrier calls share barriers: at most one
// is under way; the calls arriving meanwhile form the next batch, served
// by one barrier started after all of them were called.
type barrierGroup struct {
	mu      sync.Mutex
	running bool
	next    *barrierBatch
}

type barrierBatch struct {
	done  chan struct{}
	err   error
	calls int // the calls it serves
}

type waiter struct {
	acked map[uuid.UUID]bool
	poke  chan struct{}
}

// Options tune the lease; the defaults suit production.
type Options struct {
	Lease time.Duration // how long a renewal holds (default 4s)
	Renew time.Duration // how often it is renewed (default Lease/4)
}

// New makes a replica's bus on pool; Run starts it.
func New(pool *pgxpool.Pool, log *slog.Logger, o Options) *Bus {
	if o.Lease <= 0 {
		o.Lease = 4 * time.Second
	}
	if o.Renew <= 0 || o.Renew >= o.Lease/2 {
		o.Renew = o.Lease / 4
	}
	return &Bus{pool: pool, log: log, id: uuid.New(), lease: o.Lease, renew: o.Renew, start: time.Now(), waiters: map[string]*waiter{}}
}

// barrierKey names a new barrier of this replica: its id and a number of
// its own (no statement to make it unique), so its listener knows its own
// barriers and acknowledges them in process, and a waiter is registered
// under the key before the barrier is sent.
func (b *Bus) barrierKey() string {
	return b.id.String() + ":" + strconv.FormatInt(b.seq.Add(1), 10)
}

// ownBarrier reports whether key names a barrier of this replica.
func (b *Bus) ownBarrier(key string) bool {
	sender, _, _ := strings.Cut(key, ":")
	return sender == b.id.String()
}

// Lease is how long a renewal holds.
func (b *Bus) Lease() time.Duration { return b.lease }

// ID is the replica's id in cache_replicas.
func (b *Bus) ID() uuid.UUID { return b.id }

// Subscribe registers f for every notice; f runs on the listener and must
// not block.
func (b *Bus) Subscribe(f func(Event)) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.subs = append(b.subs, f)
}

// Usable tells whether caches may be read now: the lease holds. A nil bus
// is never usable.
func (b *Bus) Usable() bool {
	if b == nil {
		return false
	}
	d := b.valid.Load()
	return d != 0 && time.Since(b.start) < time.Duration(d)
}

// Snapshot is taken before reading what will be cached: the generation,
// and whether caching is allowed at all.
func (b *Bus) Snapshot() (uint64, bool) {
	if b == nil {
		return 0, false
	}
	g := b.gen.Load()
	return g, b.Usable()
}

// Valid tells whether something read after Snapshot returned gen may be
// kept: no notice arrived since, and the lease holds. Call it under the
// lock that also guards the cache's drops (see Cache).
func (b *Bus) Valid(gen uint64) bool {
	return b != nil && b.gen.Load() == gen && b.Usable()
}

func (b *Bus) publish(e Event) {
	b.gen.Add(1)
	b.mu.Lock()
	subs := b.subs
	b.mu.Unlock()
	for _, f := range subs {
		f(e)
	}
}

// Run listens until ctx ends, reconnecting after failures, then gives the
// lease up.
func (b *Bus) Run(ctx context.Context) {
	b.mu.Lock()
	b.running = true
	b.mu.Unlock()
	backoff := 100 * time.Millisecond
	for ctx.Err() == nil {
		err := b.listen(ctx)
		b.valid.Store(0)
		b.publish(Event{Kind: "flush"})
		if ctx.Err() != nil {
			break
		}
		b.log.Warn("cache bus: listener lost; caches off until it is back", "err", err, "retry_in", backoff)
		t := time.NewTimer(backoff)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
		}
		backoff = min(2*backoff, time.Second)
	}
	dctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Second)
	defer cancel()
	_, _ = b.pool.Exec(dctx, `DELETE FROM cache_replicas WHERE id = $1`, b.id)
}

func (b *Bus) listen(ctx context.Context) error {
	cfg := b.pool.Config().ConnConfig.Copy()
	cfg.Tracer = nil // not a request's statements
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		return err
	}
	defer conn.Close(context.WithoutCancel(ctx))
	stmt := func(sql string, args ...any) error {
		sctx, cancel := context.WithTimeout(ctx, b.lease)
		defer cancel()
		_, err := conn.Exec(sctx, sql, args...)
		return err
	}
	if err := stmt("LISTEN " + changesChannel); err != nil {
		return err
	}
	if err := stmt("LISTEN " + acksChannel); err != nil {
		return err
	}
	// Stale rows of replicas long gone would only cost a lookup each.
	_ = stmt(`DELETE FROM cache_replicas WHERE lease_until < now() - interval '1 hour'`)
	renewAt, first := time.Now(), true
	for {
		if !time.Now().Before(renewAt) {
			sent := time.Since(b.start)
			// The first renewal on a connection records since: everything
			// this replica holds from then on was read after it.
			if err := stmt(`INSERT INTO cache_replicas (id, lease_until, since) VALUES ($1, now() + $2 * interval '1 millisecond', now())
				ON CONFLICT (id) DO UPDATE SET lease_until = excluded.lease_until,
				since = CASE WHEN $3 THEN excluded.since ELSE cache_replicas.since END`, b.id, b.lease.Milliseconds(), first); err != nil {
				return err
			}
			if first || !b.Usable() {
				// Whatever was cached before the lease lapsed may have
				// missed notices: start over.
				b.publish(Event{Kind: "flush"})
			}
			// PostgreSQL's lease ends lease after the statement ran; ours a
			// fifth earlier than lease after it was sent.
			b.valid.Store(int64(sent + b.lease - b.lease/5))
			renewAt, first = time.Now().Add(b.renew), false
		}
		wctx, cancel := context.WithDeadline(ctx, renewAt)
		n, err := conn.WaitForNotification(wctx)
		timedOut := wctx.Err() != nil
		cancel()
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			if timedOut && !conn.PgConn().IsClosed() {
				continue // time to renew
			}
			return err
		}
		switch n.Channel {
		case changesChannel:
			kind, key, _ := strings.Cut(n.Payload, " ")
			if kind == "barrier" {
				// Every notice before it is published: acknowledged. This
				// replica's own barrier needs no statement to say so.
				if b.ownBarrier(key) {
					b.ack(b.id.String(), key)
					continue
				}
				if err := stmt(`SELECT pg_notify($1, $2)`, acksChannel, b.id.String()+" "+key); err != nil {
					return err
				}
				continue
			}
			b.publish(Event{Kind: kind, Key: key})
		case acksChannel:
			id, seq, _ := strings.Cut(n.Payload, " ")
			b.ack(id, seq)
		}
	}
}

func (b *Bus) ack(id, key string) {
	rid, err := uuid.Parse(id)
	if err != nil {
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if w := b.waiters[key]; w != nil {
		w.acked[rid] = true
		select {
		case w.poke <- struct{}{}:
		default:
		}
	}
}

// ErrNotConfirmed is Barrier's error when a replica could not be confirmed
// to have seen a change (PostgreSQL failed or the wait was cut short).
var ErrNotConfirmed = errors.New("cache bus: not every replica confirmed the change")

// Barrier returns once every replica holding a lease has read everything
// committed before it was called, or its lease has run out. Without a
// running listener in this process (a CLI command) it listens for the
// acknowledgements itself.
//
// Concurrent calls share barriers (many writes committed at once answer
// after one barrier, not one each): a call joins the batch of the next
// barrier to start, which starts only once the one under way has ended,
// so it was sent after every call it serves. A call whose ctx ends stops
// waiting; the barrier goes on for the others.
func (b *Bus) Barrier(ctx context.Context) error {
	if b == nil {
		return nil
	}
	g := &b.barriers
	g.mu.Lock()
	if g.next == nil {
		g.next = &barrierBatch{done: make(chan struct{})}
	}
	batch := g.next
	batch.calls++
	if !g.running {
		g.running = true
		g.next = nil
		go b.runBarriers(context.WithoutCancel(ctx), batch)
	}
	g.mu.Unlock()
	select {
	case <-batch.done:
		return batch.err
	case <-ctx.Done():
		return fmt.Errorf("%w: %v", ErrNotConfirmed, ctx.Err())
	}
}

// runBarriers runs batch's barrier, then each next batch's, until no call
// waits.
func (b *Bus) runBarriers(ctx context.Context, batch *barrierBatch) {
	g := &b.barriers
	for batch != nil {
		batch.err = b.barrier(ctx)
		close(batch.done)
		g.mu.Lock()
		batch, g.next = g.next, nil
		if batch == nil {
			g.running = false
		}
		g.mu.Unlock()
	}
}

// barrier is one barrier, in up to three attempts: an attempt can lose its
// acknowledgements (this replica's listener reconnected meanwhile, and a
// live replica's lease never runs out): after two leases it is sent again,
// on the path that fits by then.
func (b *Bus) barrier(ctx context.Context) error {
	var err error
	for range 3 {
		actx, cancel := context.WithTimeout(ctx, 2*b.lease)
		err = b.barrierOnce(actx)
		cancel()
		if err == nil {
			return nil
		}
	}
	return err
}

func (b *Bus) barrierOnce(ctx context.Context) error {
	b.mu.Lock()
	running := b.running && b.valid.Load() != 0
	b.mu.Unlock()
	if !running {
		return b.barrierAlone(ctx)
	}
	key := b.barrierKey()
	w := &waiter{acked: map[uuid.UUID]bool{}, poke: make(chan struct{}, 1)}
	b.mu.Lock()
	b.waiters[key] = w
	b.mu.Unlock()
	defer func() {
		b.mu.Lock()
		delete(b.waiters, key)
		b.mu.Unlock()
	}()
	// The notice, and in the same statement the replicas that must
	// acknowledge it: those holding a lease since before it was sent. (A
	// replica whose lease starts or resumes after the statement's snapshot
	// reads, once it has, what was committed before this barrier.)
	rows, err := b.pool.Query(ctx, `WITH n AS MATERIALIZED (SELECT now() AS sent, pg_notify($1, $2))
		SELECT n.sent, r.id, r.lease_until - n.sent FROM n LEFT JOIN cache_replicas r ON r.lease_until > n.sent AND r.since <= n.sent`,
		changesChannel, "barrier "+key)
	if err != nil {
		return fmt.Errorf("%w: %v", ErrNotConfirmed, err)
	}
	var sent time.Time
	reps := []leaseHolder{}
	for rows.Next() {
		var id *uuid.UUID
		var left *time.Duration
		if err := rows.Scan(&sent, &id, &left); err != nil {
			rows.Close()
			return fmt.Errorf("%w: %v", ErrNotConfirmed, err)
		}
		if id != nil && left != nil {
			reps = append(reps, leaseHolder{*id, *left})
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("%w: %v", ErrNotConfirmed, err)
	}
	acked := func(id uuid.UUID) bool {
		b.mu.Lock()
		defer b.mu.Unlock()
		return w.acked[id]
	}
	return b.awaitReplicas(ctx, sent, reps, acked, w.poke)
}

// leaseHolder is a replica holding a lease, and how long it has left.
type leaseHolder struct {
	id   uuid.UUID
	left time.Duration
}

// awaitReplicas waits until every replica with a lease is acked, has
// started listening anew after the barrier was sent (having dropped all it
// held), or its lease has run out (PostgreSQL's clock decides). reps, when
// not nil, are the lease holders read with the barrier.
func (b *Bus) awaitReplicas(ctx context.Context, sent time.Time, reps []leaseHolder, acked func(uuid.UUID) bool, poke <-chan struct{}) error {
	for {
		if reps == nil {
			var err error
			if reps, err = b.leaseHolders(ctx, sent); err != nil {
				return fmt.Errorf("%w: %v", ErrNotConfirmed, err)
			}
		}
		// Wait for the acknowledgements, at most until the first pending
		// lease runs out; then look at the leases again (it may have been
		// renewed: that replica is alive and must still acknowledge).
		var until time.Duration = -1
		for _, r := range reps {
			if !acked(r.id) && (until < 0 || r.left < until) {
				until = r.left
			}
		}
		if until < 0 {
			return nil
		}
		t := time.NewTimer(until + 10*time.Millisecond)
		expired := false
		for !expired {
			pending := false
			for _, r := range reps {
				if !acked(r.id) {
					pending = true
				}
			}
			if !pending {
				t.Stop()
				return nil
			}
			select {
			case <-poke:
			case <-t.C:
				expired = true
			case <-ctx.Done():
				t.Stop()
				return fmt.Errorf("%w: %v", ErrNotConfirmed, ctx.Err())
			}
		}
		reps = nil // read the leases again
	}
}

// leaseHolders reads the replicas holding a lease since sent or before.
func (b *Bus) leaseHolders(ctx context.Context, sent time.Time) ([]leaseHolder, error) {
	rows, err := b.pool.Query(ctx, `SELECT id, lease_until - now() FROM cache_replicas WHERE lease_until > now() AND since <= $1`, sent)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	reps := []leaseHolder{}
	for rows.Next() {
		var r leaseHolder
		if err := rows.Scan(&r.id, &r.left); err != nil {
			return nil, err
		}
		reps = append(reps, r)
	}
	return reps, rows.Err()
}

// barrierAlone is Barrier for a process whose listener is not running: it
// listens for the acknowledgements on a connection of its own.
func (b *Bus) barrierAlone(ctx context.Context) error {
	conn, err := b.pool.Acquire(ctx)
	if err != nil {
		return fmt.Errorf("%w: %v", ErrNotConfirmed, err)
	}
	// The connection leaves the pool: it has LISTENed.
	pc := conn.Hijack()
	defer pc.Close(context.WithoutCancel(ctx))
	if _, err := pc.Exec(ctx, "LISTEN "+acksChannel); err != nil {
		return fmt.Errorf("%w: %v", ErrNotConfirmed, err)
	}
	key := b.barrierKey()
	var sent time.Time
	if err := pc.QueryRow(ctx, `SELECT now() FROM (SELECT pg_notify($1, $2)) n`, changesChannel, "barrier "+key).Scan(&sent); err != nil {
		return fmt.Errorf("%w: %v", ErrNotConfirmed, err)
	}
	var mu sync.Mutex
	acked := map[uuid.UUID]bool{}
	poke := make(chan struct{}, 1)
	lctx, stop := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			n, err := pc.WaitForNotification(lctx)
			if err != nil {
				return
			}
			id, s, _ := strings.Cut(n.Payload, " ")
			rid, err := uuid.Parse(id)
			if err != nil || s != key {
				continue
			}
			mu.Lock()
			acked[rid] = true
			mu.Unlock()
			select {
			case poke <- struct{}{}:
			default:
			}
		}
	}()
	err = b.awaitReplicas(ctx, sent, nil, func(id uuid.UUID) bool {
		mu.Lock()
		defer mu.Unlock()
		return acked[id]
	}, poke)
	stop()
	<-done
	return err
}
