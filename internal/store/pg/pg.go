// Package pg is internal/store's connection to PostgreSQL: the pool with a
// deadline on every statement and transaction, the statement counter, the
// embedded SQL migrations, transactions, the sentinel errors and the
// mapping of driver errors to them (Classify), and the generic row
// collectors. The queries live in internal/store (every table family) and
// internal/store/projection (the projector's reads and its outbox
// bookkeeping); package store re-exports what its callers use from here
// (Q, Store, Open, ErrNotFound, ...), so they import store alone.
package pg

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/pressly/goose/v3"
)

//go:embed migrations/*.sql
var migrations embed.FS

// Sentinel errors; callers add meaning.
var (
	ErrNotFound = errors.New("not found")
	ErrConflict = errors.New("conflict")
)

// Q is what queries run on: the pool or a transaction.
type Q interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// Store wraps the pool.
type Store struct {
	Pool    *Pool
	counter *statementCounter
}

// Pool is the connection pool with a deadline on every statement run on it
// directly (Exec, Query, QueryRow) and on every transaction (Store.Tx): a
// PostgreSQL that hangs or a pool that is exhausted yields an error within
// Timeout, never a request that hangs.
type Pool struct {
	*pgxpool.Pool
	Timeout time.Duration
}

type noDeadline struct{}

// WithoutDeadline marks ctx as a bulk operation (reconcile, import) whose
// statements and transactions are bounded by ctx alone, not by the pool's
// per-statement deadline meant for requests.
func WithoutDeadline(ctx context.Context) context.Context {
	return context.WithValue(ctx, noDeadline{}, true)
}

func (p *Pool) bound(ctx context.Context) (context.Context, context.CancelFunc) {
	if p.Timeout <= 0 || ctx.Value(noDeadline{}) != nil {
		return ctx, func() {}
	}
	if dl, ok := ctx.Deadline(); ok && time.Until(dl) <= p.Timeout {
		return ctx, func() {}
	}
	return context.WithTimeout(ctx, p.Timeout)
}

// Exec runs a statement within the deadline.
func (p *Pool) Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error) {
	ctx, cancel := p.bound(ctx)
	defer cancel()
	return p.Pool.Exec(ctx, sql, args...)
}

// Query runs a query within the deadline (released when the rows close).
func (p *Pool) Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error) {
	ctx, cancel := p.bound(ctx)
	rows, err := p.Pool.Query(ctx, sql, args...)
	if err != nil {
		cancel()
		return nil, err
	}
	return &boundRows{Rows: rows, cancel: cancel}, nil
}

// QueryRow runs a one-row query within the deadline (released at Scan).
func (p *Pool) QueryRow(ctx context.Context, sql string, args ...any) pgx.Row {
	ctx, cancel := p.bound(ctx)
	return boundRow{row: p.Pool.QueryRow(ctx, sql, args...), cancel: cancel}
}

type boundRows struct {
	pgx.Rows
	cancel context.CancelFunc
}

func (r *boundRows) Close() {
	r.Rows.Close()
	r.cancel()
}

type boundRow struct {
	row    pgx.Row
	cancel context.CancelFunc
}

func (r boundRow) Scan(dest ...any) error {
	defer r.cancel()
	return r.row.Scan(dest...)
}

// statementCounter counts the statements sent on every connection of the
// pool (a pgx tracer), for metrics and for tests that bound the work of a
// request.
type statementCounter struct{ n atomic.Int64 }

func (c *statementCounter) TraceQueryStart(ctx context.Context, _ *pgx.Conn, _ pgx.TraceQueryStartData) context.Context {
	c.n.Add(1)
	return ctx
}

func (c *statementCounter) TraceQueryEnd(context.Context, *pgx.Conn, pgx.TraceQueryEndData) {}

// Statements is how many statements the pool has sent since it opened.
func (s *Store) Statements() int64 { return s.counter.n.Load() }

// Options are the pool's limits.
type Options struct {
	// Timeout bounds each statement, each transaction and each
	// connection attempt (0: none).
	Timeout time.Duration
}

// Open connects and pings.
func Open(ctx context.Context, url string, opts ...Options) (*Store, error) {
	var o Options
	if len(opts) > 0 {
		o = opts[0]
	}
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("DATABASE_URL is not a valid PostgreSQL URL: %w", err)
	}
	if cfg.MaxConns < 16 {
		cfg.MaxConns = 16
	}
	counter := &statementCounter{}
	cfg.ConnConfig.Tracer = counter
	cfg.AfterConnect = func(_ context.Context, c *pgx.Conn) error {
		registerUUID(c.TypeMap())
		return nil
	}
	if o.Timeout > 0 {
		cfg.ConnConfig.ConnectTimeout = o.Timeout
		// The server ends a transaction a client left idle, so one that
		// is abandoned cannot hold its locks for ever. (Statements are
		// bounded on the client side, which cancels them on the server;
		// bulk loads and migrations are not bounded.)
		if cfg.ConnConfig.RuntimeParams == nil {
			cfg.ConnConfig.RuntimeParams = map[string]string{}
		}
		if _, set := cfg.ConnConfig.RuntimeParams["idle_in_transaction_session_timeout"]; !set {
			cfg.ConnConfig.RuntimeParams["idle_in_transaction_session_timeout"] = fmt.Sprint(max(2*o.Timeout, 10*time.Second).Milliseconds())
		}
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("connect to PostgreSQL: %w", err)
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		// pgx lists one line per attempted address; one line is enough.
		lines := strings.Split(strings.TrimSpace(err.Error()), "\n")
		return nil, fmt.Errorf("cannot connect to PostgreSQL at %s:%d/%s as %s (check DATABASE_URL): %s",
			cfg.ConnConfig.Host, cfg.ConnConfig.Port, cfg.ConnConfig.Database, cfg.ConnConfig.User, strings.TrimSpace(lines[len(lines)-1]))
	}
	return &Store{Pool: &Pool{Pool: pool, Timeout: o.Timeout}, counter: counter}, nil
}

// Close closes the pool.
func (s *Store) Close() { s.Pool.Close() }

// Migrated reports whether Gatehouse's schema has been created (`gatehouse
// migrate` ran).
func Migrated(ctx context.Context, q Q) (bool, error) {
	var n int
	err := q.QueryRow(ctx, `SELECT count(*) FROM information_schema.tables WHERE table_name = 'outbox'`).Scan(&n)
	return n > 0, err
}

// Migrate applies the embedded SQL migrations up to the newest.
func (s *Store) Migrate(ctx context.Context) error {
	db := stdlib.OpenDBFromPool(s.Pool.Pool)
	defer db.Close()
	provider, err := goose.NewProvider(goose.DialectPostgres, db, mustSub(migrations, "migrations"))
	if err != nil {
		return fmt.Errorf("migrations: %w", err)
	}
	if _, err := provider.Up(ctx); err != nil {
		return fmt.Errorf("apply migrations: %w", err)
	}
	return nil
}

// MigrationLock holds a session advisory lock for the whole of `gatehouse
// migrate` (SQL migrations, the SpiceDB schema transition and write), so
// migrates started at once (replicas' init containers) run one after the
// other: the later one finds the work done. unlock releases it.
func (s *Store) MigrationLock(ctx context.Context) (unlock func(), err error) {
	conn, err := s.Pool.Pool.Acquire(ctx)
	if err != nil {
		return nil, err
	}
	if _, err := conn.Exec(ctx, `SELECT pg_advisory_lock(hashtextextended('gatehouse.migrate', 0))`); err != nil {
		conn.Release()
		return nil, fmt.Errorf("take the migration lock: %w", err)
	}
	return func() {
		_, _ = conn.Exec(context.WithoutCancel(ctx), `SELECT pg_advisory_unlock(hashtextextended('gatehouse.migrate', 0))`)
		conn.Release()
	}, nil
}

// Tx runs fn in a transaction, committing when it returns nil. The whole
// transaction runs within the pool's deadline.
func (s *Store) Tx(ctx context.Context, fn func(tx pgx.Tx) error) error {
	ctx, cancel := s.Pool.bound(ctx)
	defer cancel()
	return pgx.BeginFunc(ctx, s.Pool.Pool, fn)
}

// Analyze refreshes the planner statistics of every table (after bulk
// loads and migrations: a table without statistics is planned as empty).
func (s *Store) Analyze(ctx context.Context) error {
	_, err := s.Pool.Pool.Exec(ctx, "ANALYZE")
	return err
}

// AnalyzeDatabase runs ANALYZE on another database (SpiceDB's datastore).
func AnalyzeDatabase(ctx context.Context, url string) error {
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		return fmt.Errorf("connect to %s: %w", redactURL(url), err)
	}
	defer conn.Close(context.WithoutCancel(ctx))
	_, err = conn.Exec(ctx, "ANALYZE")
	return err
}

func redactURL(raw string) string {
	cfg, err := pgx.ParseConfig(raw)
	if err != nil {
		return "the datastore URL"
	}
	return fmt.Sprintf("%s:%d/%s", cfg.Host, cfg.Port, cfg.Database)
}

// Ping checks the database answers.
func (s *Store) Ping(ctx context.Context) error { return s.Pool.Ping(ctx) }

// Classify turns driver errors into the sentinels: no rows is ErrNotFound,
// a unique violation ErrConflict (with the constraint's name).
func Classify(err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, pgx.ErrNoRows) || errors.Is(err, sql.ErrNoRows) {
		return ErrNotFound
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && pgErr.Code == "23505" {
		return fmt.Errorf("%w: %s", ErrConflict, pgErr.ConstraintName)
	}
	return err
}

// IsUnavailable reports whether err means PostgreSQL could not be reached
// (refused, reset, shutting down), as opposed to a failed statement.
func IsUnavailable(err error) bool {
	if err == nil {
		return false
	}
	var connErr *pgconn.ConnectError
	var netErr net.Error
	var pgErr *pgconn.PgError
	switch {
	case errors.As(err, &connErr), errors.As(err, &netErr), pgconn.SafeToRetry(err), pgconn.Timeout(err):
		return true
	case errors.As(err, &pgErr):
		// admin_shutdown, crash_shutdown, cannot_connect_now, query_canceled
		// (statement_timeout), lock_not_available (lock_timeout),
		// idle_in_transaction_session_timeout, too_many_connections
		switch pgErr.Code {
		case "57P01", "57P02", "57P03", "57014", "55P03", "25P03", "53300":
			return true
		}
		return false
	case errors.Is(err, context.DeadlineExceeded):
		return true
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF), strings.Contains(err.Error(), "conn closed"):
		return true
	}
	return false
}
