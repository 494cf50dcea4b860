package authz

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	v1 "github.com/authzed/authzed-go/proto/authzed/api/v1"
	authzed "github.com/authzed/authzed-go/v1"
	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/gatehouse/gatehouse/internal/store"
	"github.com/gatehouse/gatehouse/internal/store/projection"
)

// Projector applies outbox entries to SpiceDB.
//
// Applying an entry recomputes each of its units from the current
// PostgreSQL state and writes the difference to SpiceDB (TOUCH what is
// missing, DELETE what is extra), under a per-tenant advisory lock so that
// two replicas never interleave a stale read with a newer write. It is
// idempotent: applying twice, or after a crash between the SpiceDB write and
// the PostgreSQL commit, changes nothing more.
type Projector struct {
	Store   *store.Store
	SpiceDB *authzed.Client
	Log     *slog.Logger
	// Observe, when set, is told the outcome of every apply.
	Observe func(err error, d time.Duration)
	// RetryUnavailable is how often the relay probes a dependency that is
	// down (default 200 ms).
	RetryUnavailable time.Duration

	// Additivity is the analysis of the schema this Gatehouse writes. Once
	// SpiceDB is known to hold that schema (SchemaHeld), an apply that only
	// adds moves the additions epoch rather than the projection epoch, so
	// that cached allowed answers outlive it. Unset, or while SpiceDB holds
	// another schema (before a migrate, during its transition), every
	// apply moves the projection epoch.
	Additivity *Additivity
	// Marks, when set, is where an apply commits its revoking mark
	// (store.MarkRevoking) while its transaction holds a connection of the
	// store's pool: a pool of its own, so that many tenants applying at
	// once never wait on each other for a second connection. Unset: the
	// store's pool.
	Marks store.Q
	// held is set when SpiceDB holds the schema Additivity analysed.
	held atomic.Bool

	// Analyze, when set, refreshes the planner statistics of Gatehouse's
	// and SpiceDB's tables; ImportAll calls it after a bulk load.
	Analyze func(ctx context.Context) error

	gates sync.Map // tenant uuid.UUID -> chan struct{} (see gate)

	// waiting holds the entries whose writers wait at a gate of this
	// process, with the token their entry was applied with once this
	// process learns it ("" until then): the writer takes it without
	// reading its entry back.
	waitMu  sync.Mutex
	waiting map[int64]*waitingWriter
}

type waitingWriter struct {
	tenant uuid.UUID
	token  string
}

// await registers outboxID's writer as waiting at its tenant's gate; taken
// returns the token its entry was applied with, if this process learnt it
// meanwhile ("" otherwise), and unregisters it.
func (p *Projector) await(tenant uuid.UUID, outboxID int64) (taken func() string) {
	p.waitMu.Lock()
	if p.waiting == nil {
		p.waiting = map[int64]*waitingWriter{}
	}
	w := &waitingWriter{tenant: tenant}
	p.waiting[outboxID] = w
	p.waitMu.Unlock()
	return func() string {
		p.waitMu.Lock()
		defer p.waitMu.Unlock()
		delete(p.waiting, outboxID)
		return w.token
	}
}

// appliedAlong hands token to the waiting writers of ids (committed).
func (p *Projector) appliedAlong(ids []int64, token string) {
	p.waitMu.Lock()
	defer p.waitMu.Unlock()
	for _, id := range ids {
		if w, ok := p.waiting[id]; ok {
			w.token = token
		}
	}
}

// readApplied reads whether outboxID, and every entry of tenant whose
// writer still waits at this process's gate, is applied (by another
// replica's group commit, while they waited): one read, not one per
// writer. It hands the tokens found to the waiting writers and returns
// outboxID's ("" when it is not applied, or the read failed: the apply
// then finds out under the lock).
func (p *Projector) readApplied(ctx context.Context, tenant uuid.UUID, outboxID int64) string {
	ids := []int64{outboxID}
	p.waitMu.Lock()
	for id, w := range p.waiting {
		if w.tenant == tenant && w.token == "" && id != outboxID {
			ids = append(ids, id)
		}
	}
	p.waitMu.Unlock()
	tokens, err := projection.OutboxAppliedTokens(ctx, p.Store.Pool, ids)
	if err != nil {
		return ""
	}
	p.waitMu.Lock()
	for id, token := range tokens {
		if w, ok := p.waiting[id]; ok && w.token == "" {
			w.token = token
		}
	}
	p.waitMu.Unlock()
	return tokens[outboxID]
}

// Apply applies one outbox entry and returns its consistency token.
func (p *Projector) Apply(ctx context.Context, outboxID int64) (string, error) {
	return p.ApplyFor(ctx, uuid.Nil, outboxID)
}

// ApplyFor is Apply for an entry of a known tenant: applies of one tenant
// queue in this process before they take a PostgreSQL connection, so many
// concurrent writers of one tenant hold one connection waiting for the
// tenant's projection lock, not one each.
func (p *Projector) ApplyFor(ctx context.Context, tenant uuid.UUID, outboxID int64) (string, error) {
	start := time.Now()
	if tenant != uuid.Nil {
		taken := p.await(tenant, outboxID)
		release, waited, err := p.gate(ctx, tenant)
		along := taken()
		if err != nil {
			return "", fmt.Errorf("outbox %d: %w: waiting for the tenant's projection: %v", outboxID, ErrUnavailable, err)
		}
		defer release()
		// An entry a group commit applied while this one waited for the
		// tenant is done: a group commit of this process said so, or one
		// read (no transaction, no lock) tells, for every writer of the
		// tenant waiting here.
		if along != "" {
			return along, nil
		}
		if waited {
			if token := p.readApplied(ctx, tenant, outboxID); token != "" {
				return token, nil
			}
		}
	}
	token, along, err := p.apply(ctx, tenant, outboxID)
	if err == nil {
		p.appliedAlong(along, token)
	}
	if err != nil {
		// Record the failure outside the rolled-back transaction. An entry
		// that failed because SpiceDB (or PostgreSQL) was unreachable is
		// not at fault: it stays due, and the relay applies it as soon as
		// the dependency answers again. Other failures back off.
		retry := time.Duration(0)
		if !errors.Is(err, ErrUnavailable) && !store.IsUnavailable(err) {
			retry = backoff(p.attempts(ctx, outboxID))
		}
		if ferr := projection.MarkOutboxFailed(context.WithoutCancel(ctx), p.Store.Pool, outboxID, err.Error(), retry); ferr != nil {
			p.Log.Warn("outbox: record failure", "id", outboxID, "err", ferr)
		}
	}
	if p.Observe != nil {
		p.Observe(err, time.Since(start))
	}
	return token, err
}

// gate serialises this process's applies of one tenant (the advisory lock
// serialises replicas); waiting ends with ctx.
func (p *Projector) gate(ctx context.Context, tenant uuid.UUID) (release func(), waited bool, err error) {
	v, _ := p.gates.LoadOrStore(tenant, make(chan struct{}, 1))
	ch := v.(chan struct{})
	select {
	case ch <- struct{}{}:
		return func() { <-ch }, false, nil
	default:
	}
	select {
	case ch <- struct{}{}:
		return func() { <-ch }, true, nil
	case <-ctx.Done():
		return nil, true, ctx.Err()
	}
}

func (p *Projector) attempts(ctx context.Context, id int64) int {
	n, _ := projection.OutboxAttempts(ctx, p.Store.Pool, id)
	return n
}

func backoff(attempts int) time.Duration {
	d := 500 * time.Millisecond << min(attempts, 6)
	return min(d, 30*time.Second)
}

// apply applies outboxID and the tenant's other pending entries it takes
// along (group commit), returning the token and those entries' ids.
func (p *Projector) apply(ctx context.Context, tenant uuid.UUID, outboxID int64) (string, []int64, error) {
	if tenant == uuid.Nil {
		var err error
		if tenant, err = projection.OutboxTenant(ctx, p.Store.Pool, outboxID); err != nil {
			return "", nil, fmt.Errorf("outbox %d: %w", outboxID, err)
		}
	}
	var token string
	var along []int64
	err := p.Store.Tx(ctx, func(tx pgx.Tx) error {
		along = nil
		// The tenant's lock comes first, the entry's row lock second: an
		// applier waiting for the tenant holds no row lock, so whoever
		// holds the tenant takes the waiters' entries along (group commit)
		// and they find them applied when their turn comes.
		if err := projection.LockTenantProjection(ctx, tx, tenant); err != nil {
			return err
		}
		entry, err := projection.LockOutbox(ctx, tx, outboxID)
		if err != nil {
			return fmt.Errorf("outbox %d: %w", outboxID, err)
		}
		if entry.AppliedAt != nil {
			token = entry.ZedToken
			return nil
		}
		if entry.TenantID != tenant {
			return fmt.Errorf("outbox %d: belongs to tenant %s, not %s", outboxID, entry.TenantID, tenant)
		}
		units, err := DecodeUnits(entry.Units)
		if err != nil {
			return fmt.Errorf("outbox %d: units: %w", outboxID, err)
		}
		byType := len(units) > bulkUnits
		if byType {
			// An import: whole-type reads and a bulk load, not bounded by
			// a request's deadlines; the transaction waits on SpiceDB.
			ctx = LongCall(ctx)
			if err := store.AllowIdleTransaction(ctx, tx); err != nil {
				return err
			}
		}
		// Group commit: the tenant's other pending entries (committed
		// writes queued behind this one) go in the same diff and the same
		// SpiceDB write. The projection is recomputed from the current
		// facts, so applying an entry early is applying it.
		others, err := projection.LockPendingOutbox(ctx, tx, entry.TenantID, outboxID, groupCommit)
		if err != nil {
			return err
		}
		group := [][]Unit{units}
		for _, o := range others {
			us, err := DecodeUnits(o.Units)
			if err != nil {
				continue // left for its own apply, which reports it
			}
			if !byType && len(us) > bulkUnits {
				continue // an import: its own apply, unbounded by this one's deadlines
			}
			units = append(units, us...)
			group = append(group, us)
			along = append(along, o.ID)
		}
		var unread map[string]bool
		if !byType {
			if unread, err = p.unread(ctx, tx, entry.TenantID, group, append([]int64{outboxID}, along...)); err != nil {
				return err
			}
		}
		creates, updates, held, err := p.diff(ctx, tx, units, byType, unread)
		if err != nil {
			return err
		}
		additive := p.held.Load() && !mayFollowAWrite(ctx) && p.Additivity.AdditiveUpdates(held, creates, updates)
		if !additive {
			// Committed before the write: should this applier die before
			// its commit, the next apply of the tenant moves the epoch.
			marks := p.Marks
			if marks == nil {
				marks = p.Store.Pool
			}
			if err := store.MarkRevoking(ctx, marks, entry.TenantID); err != nil {
				return err
			}
		}
		// The transaction sat idle while SpiceDB answered the reads: should
		// PostgreSQL have ended it (idle_in_transaction_session_timeout),
		// the tenant's lock is gone and another replica may have applied a
		// newer state since; then nothing is written. Checked here, the
		// lock outlasts the write as long as a SpiceDB call's deadline is
		// shorter than PostgreSQL's idle limit (by default 5 s against at
		// least 10 s).
		if _, err := tx.Exec(ctx, `SELECT 1`); err != nil {
			return fmt.Errorf("outbox %d: the transaction holding the tenant's lock ended: %w", outboxID, err)
		}
		if token, err = p.write(ctx, creates, updates); err != nil {
			return err
		}
		if err := store.MarkOutboxApplied(ctx, tx, outboxID, entry.TenantID, token, additive); err != nil {
			return err
		}
		return projection.MarkOutboxAlsoApplied(ctx, tx, along, token)
	})
	if err != nil {
		along = nil
	}
	return token, along, err
}

// groupCommit bounds how many other pending entries one apply takes along.
const groupCommit = 200

// Bounds on what unread looks at before it gives up (and every unit is
// read back): pending entries outside the group, and their units.
const (
	unreadEntries = 64
	unreadUnits   = 4096
)

// unread returns the fresh units of a group (the units of entries ids, the
// apply's) that no other unit of the group and no other pending entry of
// the tenant overlaps, by String: what SpiceDB holds of them need not be
// read back (Unit.Fresh: nothing, or already what they project). Another
// entry that overlaps one may have changed it since, or not be applied
// yet (a removal before the membership was added again, an apply that
// died after its SpiceDB write): then it is read, as every unit is.
func (p *Projector) unread(ctx context.Context, q store.Q, tenant uuid.UUID, group [][]Unit, ids []int64) (map[string]bool, error) {
	type at struct{ entry, unit int }
	var fresh []at
	for e, us := range group {
		for i, u := range us {
			if u.Fresh {
				fresh = append(fresh, at{e, i})
			}
		}
	}
	if len(fresh) == 0 {
		return nil, nil
	}
	pending, err := projection.PendingOutboxUnits(ctx, q, tenant, ids, unreadEntries)
	if err != nil {
		return nil, err
	}
	if len(pending) == unreadEntries {
		return nil, nil // a backlog: read everything back
	}
	var outside []Unit
	for _, raw := range pending {
		us, err := DecodeUnits(raw)
		if err != nil || len(outside)+len(us) > unreadUnits {
			return nil, nil
		}
		outside = append(outside, us...)
	}
	out := map[string]bool{}
next:
	for _, f := range fresh {
		u := group[f.entry][f.unit]
		for e, us := range group {
			for i, o := range us {
				if (e != f.entry || i != f.unit) && o.Overlaps(u) {
					continue next
				}
			}
		}
		for _, o := range outside {
			if o.Overlaps(u) {
				continue next
			}
		}
		out[u.String()] = true
	}
	return out, nil
}

// bulkUnits is the size above which an entry (an import) is diffed per
// resource type, one projection query and one SpiceDB read per type,
// rather than per unit. Such an entry is applied on its own or takes small
// ones along, never the other way round: a request's apply stays per unit
// and within the request's deadlines.
const bulkUnits = 256

// diff computes what makes SpiceDB hold exactly the units' projection:
// relationships to create (none of the same tuple is stored: they may be
// bulk-imported) and the other updates, with the tuples SpiceDB held for
// the units; byType for a big entry's units. The units of unread (by
// String) are not read back: SpiceDB is taken to hold none of theirs.
func (p *Projector) diff(ctx context.Context, q store.Q, units []Unit, byType bool, unread map[string]bool) ([]Rel, []*v1.RelationshipUpdate, map[string]bool, error) {
	units = uniqueUnits(units)
	if byType {
		return p.diffByType(ctx, q, units)
	}
	// What SpiceDB holds, read for all units at once (a few at a time),
	// while the transaction computes what it should hold.
	haves := make([][]Rel, len(units))
	rctx, cancel := context.WithCancel(ctx)
	defer cancel()
	read := make(chan error, 1)
	go func() {
		read <- parallel(rctx, len(units), 8, func(ctx context.Context, i int) error {
			if unread[units[i].String()] {
				return nil
			}
			var err error
			haves[i], err = readRels(ctx, p.SpiceDB, unitFilter(units[i]))
			return err
		})
	}()
	wants := make([][]Rel, len(units))
	var err error
	for i, u := range units {
		if wants[i], err = Desired(ctx, q, u); err != nil {
			cancel()
			break
		}
	}
	if rerr := <-read; err == nil {
		err = rerr
	}
	if err != nil {
		return nil, nil, nil, err
	}
	var updates []*v1.RelationshipUpdate
	seen, held := map[string]bool{}, map[string]bool{}
	for i := range units {
		want, have := wants[i], haves[i]
		for _, r := range have {
			held[r.Tuple()] = true
		}
		for _, up := range diffRels(want, have) {
			key := up.Operation.String() + relFromProto(up.Relationship).Key()
			if !seen[key] {
				seen[key] = true
				updates = append(updates, up)
			}
		}
	}
	return nil, updates, held, nil
}

// diffByType is diff for many units: per resource type, the whole
// projection and everything SpiceDB holds, each kept where a unit covers
// it.
func (p *Projector) diffByType(ctx context.Context, q store.Q, units []Unit) ([]Rel, []*v1.RelationshipUpdate, map[string]bool, error) {
	idx := newUnitIndex(units)
	var creates []Rel
	var updates []*v1.RelationshipUpdate
	stored := map[string]bool{}
	for _, typ := range idx.types {
		want, err := DesiredAll(ctx, q, typ)
		if err != nil {
			return nil, nil, nil, err
		}
		have, err := readRels(ctx, p.SpiceDB, &v1.RelationshipFilter{ResourceType: typ})
		if err != nil {
			return nil, nil, nil, err
		}
		want, have = idx.covered(want), idx.covered(have)
		for _, r := range have {
			stored[r.Tuple()] = true
		}
		for _, up := range diffRels(want, have) {
			if r := relFromProto(up.Relationship); up.Operation == v1.RelationshipUpdate_OPERATION_TOUCH && !stored[r.Tuple()] {
				creates = append(creates, r)
			} else {
				updates = append(updates, up)
			}
		}
	}
	return creates, updates, stored, nil
}

// unitIndex answers which of many units covers a relationship.
type unitIndex struct {
	types []string
	units map[string]*unitCover // resource "type:id"
}

type unitCover struct {
	whole    bool
	subjects map[string]bool // subject "type:id"
}

func newUnitIndex(units []Unit) unitIndex {
	idx := unitIndex{units: make(map[string]*unitCover, len(units))}
	seenType := map[string]bool{}
	for _, u := range units {
		if !seenType[u.Resource.Type] {
			seenType[u.Resource.Type] = true
			idx.types = append(idx.types, u.Resource.Type)
		}
		k := u.Resource.Type + ":" + u.Resource.ID
		c := idx.units[k]
		if c == nil {
			c = &unitCover{subjects: map[string]bool{}}
			idx.units[k] = c
		}
		if u.Subject == nil {
			c.whole = true
		} else {
			c.subjects[u.Subject.Type+":"+u.Subject.ID] = true
		}
	}
	return idx
}

func (idx unitIndex) covered(rels []Rel) []Rel {
	out := rels[:0:0]
	for _, r := range rels {
		c := idx.units[r.Resource.Type+":"+r.Resource.ID]
		if c != nil && (c.whole || c.subjects[r.Subject.Type+":"+r.Subject.ID]) {
			out = append(out, r)
		}
	}
	return out
}

// write applies a diff: creates by bulk import when there are many, the
// other updates by WriteRelationships; it returns a token at least as
// fresh as both.
func (p *Projector) write(ctx context.Context, creates []Rel, updates []*v1.RelationshipUpdate) (string, error) {
	if len(creates) > 0 && len(creates) < bulkUnits {
		for _, r := range creates {
			updates = append(updates, &v1.RelationshipUpdate{Operation: v1.RelationshipUpdate_OPERATION_TOUCH, Relationship: relProto(r)})
		}
		creates = nil
	}
	if len(creates) > 0 {
		if err := importRels(ctx, p.SpiceDB, creates); err != nil {
			return "", err
		}
	}
	if len(updates) > 0 {
		return writeRels(ctx, p.SpiceDB, updates)
	}
	return headToken(ctx, p.SpiceDB)
}

// uniqueUnits drops repeated units, keeping the first of each.
func uniqueUnits(units []Unit) []Unit {
	seen := make(map[string]bool, len(units))
	out := units[:0:0]
	for _, u := range units {
		k := u.Resource.String()
		if u.Subject != nil {
			k += "@" + u.Subject.String()
		}
		if !seen[k] {
			seen[k] = true
			out = append(out, u)
		}
	}
	return out
}

// parallel runs fn(i) for i in [0, n) with at most width at once and
// returns the first error (the others are cancelled).
func parallel(ctx context.Context, n, width int, fn func(context.Context, int) error) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	sem := make(chan struct{}, width)
	errc := make(chan error, n)
	var wg sync.WaitGroup
	for i := range n {
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			if err := fn(ctx, i); err != nil {
				errc <- err
				cancel()
			}
		}()
	}
	wg.Wait()
	close(errc)
	return <-errc
}

func diffRels(want, have []Rel) []*v1.RelationshipUpdate {
	haveKeys := make(map[string]bool, len(have))
	for _, r := range have {
		haveKeys[r.Key()] = true
	}
	wantKeys := make(map[string]bool, len(want))
	var updates []*v1.RelationshipUpdate
	for _, r := range want {
		if wantKeys[r.Key()] {
			continue
		}
		wantKeys[r.Key()] = true
		if !haveKeys[r.Key()] {
			updates = append(updates, &v1.RelationshipUpdate{Operation: v1.RelationshipUpdate_OPERATION_TOUCH, Relationship: relProto(r)})
		}
	}
	wantTuples := make(map[string]bool, len(want))
	for _, r := range want {
		wantTuples[r.Tuple()] = true
	}
	for _, r := range have {
		// A relationship whose expiry changed is rewritten by the TOUCH
		// of the wanted one; deleting the old one would delete the new one.
		if !wantKeys[r.Key()] && !wantTuples[r.Tuple()] {
			updates = append(updates, &v1.RelationshipUpdate{Operation: v1.RelationshipUpdate_OPERATION_DELETE, Relationship: relProto(r)})
		}
	}
	return updates
}

// Relay applies pending outbox entries in the background until ctx ends:
// entries whose synchronous apply failed (SpiceDB down, a crash) are
// retried. While a dependency is down the relay probes it every
// RetryUnavailable (default 200 ms), so pending writes are applied within
// about that once it is back; otherwise it drains every `every` and when
// woken. Several replicas may relay at once.
func (p *Projector) Relay(ctx context.Context, every time.Duration, wake <-chan struct{}) {
	probe := p.RetryUnavailable
	if probe <= 0 {
		probe = 200 * time.Millisecond
	}
	down := false
	for {
		err := p.Drain(ctx)
		switch {
		case err == nil:
			if down {
				p.Log.Info("outbox relay: dependencies answer again, pending writes applied")
			}
			down = false
		case errors.Is(err, context.Canceled):
		case errors.Is(err, ErrUnavailable) || store.IsUnavailable(err):
			if !down {
				p.Log.Warn("outbox relay: a dependency is unavailable; retrying", "err", err)
			}
			down = true
		default:
			p.Log.Warn("outbox relay", "err", err)
		}
		wait := every
		if down {
			wait = probe
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
		case <-wake:
			t.Stop()
		}
	}
}

// SchemaHeld records whether SpiceDB holds the schema Additivity
// analysed (app: at start and after migrate's final schema write).
func (p *Projector) SchemaHeld(held bool) { p.held.Store(held) }

type afterAWrite struct{}

// maybeWritten marks ctx as applying entries an earlier attempt may have
// written to SpiceDB already (the relay's retries, repairs): such an apply
// always moves the projection epoch, however additive its diff looks. An
// applier of this release leaves a revoking mark before such a write
// (store.MarkRevoking); one of the release before does not, and its
// change, already in SpiceDB, leaves no trace in the diff.
func maybeWritten(ctx context.Context) context.Context {
	return context.WithValue(ctx, afterAWrite{}, true)
}

func mayFollowAWrite(ctx context.Context) bool { return ctx.Value(afterAWrite{}) != nil }

// Drain applies every due entry once; it returns the first error.
func (p *Projector) Drain(ctx context.Context) error {
	ctx = maybeWritten(ctx)
	due, err := projection.DueOutbox(ctx, p.Store.Pool, 500)
	if err != nil {
		return err
	}
	var first error
	for _, e := range due {
		if _, err := p.ApplyFor(ctx, e.TenantID, e.ID); err != nil && first == nil {
			first = err
			if errors.Is(err, ErrUnavailable) {
				return err // no point trying the rest now
			}
		}
	}
	return first
}
