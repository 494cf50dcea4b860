// Package store is the only place that talks to PostgreSQL: the queries of
// every administrative fact, the outbox and the append-only audit log, over
// the connection of internal/store/pg (pool, deadlines, migrations, error
// classification), whose API it re-exports (Q, Store, Open, ErrNotFound,
// ...) so that callers import store alone.
//
// One file per table family: tenants, users, sessions, invitations,
// external (OIDC identities and login state), groups, roles (custom roles
// and assignments), kinds, branches, services, workspaces, members, models,
// deployments, apikeys, outbox, tokens (the tenants' newest consistency
// tokens and the projection epoch), audit, login_attempts, imports (bulk
// provisioning); rows.go OwnedFact (an object and its tenant) and its
// collector, shared with internal/store/projection.
//
// The reads the SpiceDB projection is computed from (the Live*, Active*,
// Undeleted* and *Facts queries of each family, the standing links, the
// objects a change touches) and the projector's outbox bookkeeping are in
// internal/store/projection, which builds on this package. Those
// internal/iam reads too stay here: LiveDeployments, Groups, Kinds,
// RoleHolders, and subjects.go (which subjects belong to a tenant). Every
// filter of a projection read is optional (nil = all), so the same query
// serves one projection unit and a full reconcile.
package store

import (
	"context"

	"github.com/gatehouse/gatehouse/internal/store/pg"
)

// Q is what queries run on: the pool or a transaction.
type Q = pg.Q

// Store wraps the pool (pg.Store: Tx, Migrate, Analyze, Statements, ...).
type Store = pg.Store

// Pool is the connection pool with a deadline on every statement.
type Pool = pg.Pool

// Options are the pool's limits.
type Options = pg.Options

// Sentinel errors; callers add meaning.
var (
	ErrNotFound = pg.ErrNotFound
	ErrConflict = pg.ErrConflict
)

// The helpers every family uses.
var (
	classify       = pg.Classify
	collectIDs     = pg.CollectIDs
	collectStrings = pg.CollectStrings
)

// Open connects and pings.
func Open(ctx context.Context, url string, opts ...Options) (*Store, error) {
	return pg.Open(ctx, url, opts...)
}

// Migrated reports whether Gatehouse's schema has been created (`gatehouse
// migrate` ran).
func Migrated(ctx context.Context, q Q) (bool, error) { return pg.Migrated(ctx, q) }

// AnalyzeDatabase runs ANALYZE on another database (SpiceDB's datastore).
func AnalyzeDatabase(ctx context.Context, url string) error { return pg.AnalyzeDatabase(ctx, url) }

// WithoutDeadline marks ctx as a bulk operation (reconcile, import) whose
// statements and transactions are bounded by ctx alone.
func WithoutDeadline(ctx context.Context) context.Context { return pg.WithoutDeadline(ctx) }

// IsUnavailable reports whether err means PostgreSQL could not be reached.
func IsUnavailable(err error) bool { return pg.IsUnavailable(err) }
