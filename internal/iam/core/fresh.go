package core

import (
	"context"
	"sync/atomic"
	"time"

	"github.com/google/uuid"

	"github.com/gatehouse/gatehouse/internal/store"
	"github.com/gatehouse/gatehouse/internal/store/bus"
)

// Caches are what a replica keeps in memory of what every request reads:
// the session behind a token, the tenants' newest tokens, the projection
// epoch. They are fed and invalidated by the cache bus (store/bus), which
// makes them exactly as fresh as a read of PostgreSQL; without a bus they
// hold nothing and every read goes to PostgreSQL.
type Caches struct {
	Bus      *bus.Bus
	Sessions *bus.Cache[string, SessionEntry]            // by token hash
	Services *bus.Cache[string, store.ServiceCredential] // by public id
	APIKeys  *bus.Cache[string, store.APIKey]            // by public id: keys whose creator is active and workspace live
	Tokens   *bus.Cache[uuid.UUID, string]               // tenant -> newest token
	Epoch    *bus.Cache[struct{}, int64]                 // the projection epoch
	// Additions is the additions epoch (store.Freshness).
	Additions *bus.Cache[struct{}, int64]
	// Subjects is the tenant of a subject named in a check ("type:id";
	// users, API keys and service credentials: the types whose rows tell
	// the bus when they change or go).
	Subjects *bus.Cache[string, uuid.UUID]
}

// SessionEntry is a session and its user, as authentication read them.
type SessionEntry struct {
	Session store.Session
	User    store.User
}

// DefaultSessionCacheSize bounds the cached sessions of a replica.
const DefaultSessionCacheSize = 100_000

// UseBus turns the caches on, fed by b.
//
// The decision caches are cleared when the bus flushes (the replica lost
// its lease, or PostgreSQL was replaced: a restored database may hand out
// an epoch value again).
func (s *Kernel) UseBus(b *bus.Bus) {
	b.Subscribe(func(e bus.Event) {
		if e.Kind == "flush" {
			s.Allowed.clear()
			for _, f := range s.flushed {
				f()
			}
		}
	})
	s.Caches = Caches{
		Bus:       b,
		Sessions:  bus.NewCache[string, SessionEntry](b, DefaultSessionCacheSize),
		Services:  bus.NewCache[string, store.ServiceCredential](b, 10_000),
		APIKeys:   bus.NewCache[string, store.APIKey](b, 100_000),
		Tokens:    bus.NewCache[uuid.UUID, string](b, 100_000),
		Epoch:     bus.NewCache[struct{}, int64](b, 1),
		Additions: bus.NewCache[struct{}, int64](b, 1),
		Subjects:  bus.NewCache[string, uuid.UUID](b, 100_000),
	}
}

// TenantTag and the others name what a cache entry depends on, as the
// bus's notices do (migration 00011).
func TenantTag(id uuid.UUID) string  { return "tenant " + id.String() }
func SessionTag(id uuid.UUID) string { return "session " + id.String() }
func UserTag(id uuid.UUID) string    { return "user " + id.String() }
func ServiceTag(id uuid.UUID) string { return "service " + id.String() }
func APIKeyTag(id uuid.UUID) string  { return "apikey " + id.String() }
func WorkspaceTag(id uuid.UUID) string {
	return "workspace " + id.String()
}

// TenantToken is the newest consistency token answered for a tenant ("" when
// none), from the cache when it holds it.
func (s *Kernel) TenantToken(ctx context.Context, tenantID uuid.UUID) (string, error) {
	if t, ok := s.Caches.Tokens.Get(tenantID); ok {
		return t, nil
	}
	gen, ok := s.Caches.Tokens.Snapshot()
	t, err := store.TenantToken(ctx, s.Store.Pool, tenantID)
	if err == nil && ok {
		s.Caches.Tokens.Put(gen, tenantID, t, TenantTag(tenantID))
	}
	return t, err
}

// Freshness is the tenant's newest token with the two epochs (what a
// cached check answer is valid at), from the caches when they hold them.
func (s *Kernel) Freshness(ctx context.Context, tenantID uuid.UUID) (store.Freshness, error) {
	t, okT := s.Caches.Tokens.Get(tenantID)
	e, okE := s.Caches.Epoch.Get(struct{}{})
	a, okA := s.Caches.Additions.Get(struct{}{})
	if okT && okE && okA {
		return store.Freshness{Token: t, Epoch: e, Additions: a}, nil
	}
	gen, ok := s.Caches.Epoch.Snapshot()
	f, err := store.TenantFreshness(ctx, s.Store.Pool, tenantID)
	if err == nil && ok {
		s.Caches.Tokens.Put(gen, tenantID, f.Token, TenantTag(tenantID))
		s.Caches.Epoch.Put(gen, struct{}{}, f.Epoch, "epoch")
		s.Caches.Additions.Put(gen, struct{}{}, f.Additions, "additions")
	}
	return f, err
}

// Settle is called once something is committed (Write calls it): it
// returns once every replica has seen the change (Barrier), so whatever
// the caller does next, on this replica or another, sees it. Within a
// request that defers settling (DeferSettle: the HTTP layer, one barrier
// per request however many writes it made) it only records the change.
func (s *Kernel) Settle(ctx context.Context) error {
	if st, ok := ctx.Value(settleKey{}).(*Settling); ok {
		st.changed.Store(true)
		return nil
	}
	return s.Barrier(ctx)
}

type settleKey struct{}

// Settling records whether a request whose settling is deferred changed
// anything.
type Settling struct{ changed atomic.Bool }

// Changed reports whether anything was committed under the context
// DeferSettle returned.
func (st *Settling) Changed() bool { return st.changed.Load() }

// DeferSettle returns a context whose writes leave their barrier to the
// caller: when Changed, the caller calls Barrier once before answering.
func DeferSettle(ctx context.Context) (context.Context, *Settling) {
	st := &Settling{}
	return context.WithValue(ctx, settleKey{}, st), st
}

// Barrier returns once every replica has seen everything committed so far
// (store/bus): a write answers only after it, so the next request on any
// replica sees the write. Without a bus there is nothing to wait for.
//
// When PostgreSQL cannot be reached right after the write committed, the
// write is still answered as what it is (stored, and applied when its
// answer says so), after one lease: by then every replica that could not
// reach PostgreSQL either has stopped serving from memory.
func (s *Kernel) Barrier(ctx context.Context) error {
	b := s.Caches.Bus
	if b == nil {
		return nil
	}
	start := time.Now()
	err := b.Barrier(ctx)
	if err == nil {
		return nil
	}
	s.Log.Warn("cache bus: a write is stored, but its barrier failed: waiting out one lease before answering", "err", err)
	t := time.NewTimer(time.Until(start.Add(b.Lease())))
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return Unavailable("the change is stored, but not every replica confirmed it yet; read it back before relying on it")
	}
}

// OnFlush registers f to run when the cache bus flushes (a cache of
// answers outside Caches clears itself).
func (s *Kernel) OnFlush(f func()) { s.flushed = append(s.flushed, f) }

// subjectTags are the bus tags of the subject types whose tenant is
// cached: a row of theirs that changes or goes drops the entry.
var subjectTags = map[string]func(uuid.UUID) string{"user": UserTag, "apikey": APIKeyTag, "service": ServiceTag}

// SubjectTenants resolves the tenant of each subject of a type named (one
// statement for those the cache does not hold); subjects that do not exist
// are absent from the answer. A subject's tenant never changes; the cache
// only saves the read, and drops an entry when its row changes or is
// deleted (so a deleted subject is unknown at once, on every replica).
func (s *Kernel) SubjectTenants(ctx context.Context, typ string, ids []uuid.UUID) (map[uuid.UUID]uuid.UUID, error) {
	tag, cached := subjectTags[typ]
	out := make(map[uuid.UUID]uuid.UUID, len(ids))
	var missing []uuid.UUID
	for _, id := range ids {
		if cached {
			if t, ok := s.Caches.Subjects.Get(typ + ":" + id.String()); ok {
				out[id] = t
				continue
			}
		}
		missing = append(missing, id)
	}
	if len(missing) == 0 {
		return out, nil
	}
	gen, ok := s.Caches.Subjects.Snapshot()
	found, err := store.SubjectTenants(ctx, s.Store.Pool, typ, missing)
	if err != nil {
		return nil, err
	}
	for id, t := range found {
		out[id] = t
		if ok && cached {
			s.Caches.Subjects.Put(gen, typ+":"+id.String(), t, tag(id))
		}
	}
	return out, nil
}
