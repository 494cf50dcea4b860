// Package testenv is the shared test harness: one real PostgreSQL cluster
// and one real SpiceDB (serve-testing) per test binary, started on first
// use, or the ones DATABASE_URL and SPICEDB_ENDPOINT point at. Every test
// gets its own database and its own SpiceDB token (serve-testing gives each
// token an empty datastore), so tests run in parallel without sharing state.
package testenv

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/gatehouse/gatehouse/internal/app"
	"github.com/gatehouse/gatehouse/internal/config"
	"github.com/gatehouse/gatehouse/internal/devstack"
)

var (
	mu      sync.Mutex
	pg      *devstack.Postgres
	pgAdmin string // URL of the maintenance database
	spice   *devstack.SpiceDB
	spiceEP string
	tmpDir  string
)

// Main runs the tests and stops what the harness started.
func Main(m *testing.M) {
	code := m.Run()
	Shutdown()
	os.Exit(code)
}

// Shutdown stops the shared servers.
func Shutdown() {
	mu.Lock()
	defer mu.Unlock()
	spice.Stop()
	pg.Stop()
	if tmpDir != "" {
		os.RemoveAll(tmpDir)
	}
}

func random() string {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// PostgresAdminURL returns the URL of a maintenance database on the shared
// cluster (starting it on first use).
func PostgresAdminURL(t testing.TB) string {
	t.Helper()
	mu.Lock()
	defer mu.Unlock()
	if pgAdmin != "" {
		return pgAdmin
	}
	if u := os.Getenv("DATABASE_URL"); u != "" {
		pgAdmin = u
		return pgAdmin
	}
	dir, err := os.MkdirTemp("", "gatehouse-test-")
	if err == nil {
		err = os.Chmod(dir, 0o755)
	}
	if err != nil {
		t.Fatalf("testenv: %v", err)
	}
	tmpDir = dir
	port, err := devstack.FreePort()
	if err != nil {
		t.Fatalf("testenv: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	pg, err = devstack.StartPostgres(ctx, devstack.PostgresOptions{Dir: dir + "/pg", Port: port})
	if err != nil {
		t.Fatalf("testenv: start PostgreSQL: %v", err)
	}
	pgAdmin = pg.URL("postgres")
	return pgAdmin
}

// NewDatabase creates an empty database for one test and returns its URL.
func NewDatabase(t testing.TB) string {
	t.Helper()
	admin := PostgresAdminURL(t)
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, admin)
	if err != nil {
		t.Fatalf("testenv: connect: %v", err)
	}
	defer conn.Close(ctx)
	name := "t_" + random()
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		t.Fatalf("testenv: create database: %v", err)
	}
	t.Cleanup(func() {
		c, err := pgx.Connect(context.Background(), admin)
		if err == nil {
			_, _ = c.Exec(context.Background(), "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)")
			c.Close(context.Background())
		}
	})
	return replaceDatabase(admin, name)
}

func replaceDatabase(url, db string) string {
	rest := ""
	if i := strings.Index(url, "?"); i >= 0 {
		url, rest = url[:i], url[i:]
	}
	i := strings.LastIndex(url, "/")
	return url[:i+1] + db + rest
}

// SpiceDBEndpoint returns the shared serve-testing SpiceDB (starting it on
// first use).
func SpiceDBEndpoint(t testing.TB) string {
	t.Helper()
	mu.Lock()
	defer mu.Unlock()
	if spiceEP != "" {
		return spiceEP
	}
	if e := os.Getenv("SPICEDB_ENDPOINT"); e != "" {
		spiceEP = e
		return e
	}
	port, err := devstack.FreePort()
	if err != nil {
		t.Fatalf("testenv: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	spice, err = devstack.StartSpiceDB(ctx, devstack.SpiceDBOptions{Addr: fmt.Sprintf("127.0.0.1:%d", port)})
	if err != nil {
		t.Fatalf("testenv: start SpiceDB: %v", err)
	}
	spiceEP = spice.Addr
	return spiceEP
}

// Config returns a configuration with a fresh database and SpiceDB token.
func Config(t testing.TB) config.Config {
	t.Helper()
	cfg, err := config.FromEnv(func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	cfg.DatabaseURL = NewDatabase(t)
	cfg.SpiceDBEndpoint = SpiceDBEndpoint(t)
	cfg.SpiceDBKey = "test-" + random()
	cfg.SpiceDBInsecure = true
	cfg.TokenKey = "test-token-key-" + random() + random()
	// Deadlines are the fault tests' subject (they set their own); here a
	// loaded machine running two suites at once must not turn a slow
	// SpiceDB call into a 503.
	cfg.SpiceDBTimeout, cfg.DatabaseTimeout = time.Minute, time.Minute
	cfg.BootstrapEmail = "root@example.com"
	cfg.BootstrapPassword = "root-password-123"
	return cfg
}

// Env is a running Gatehouse for one test.
type Env struct {
	*app.Stack
	Config config.Config
	Server *httptest.Server
}

// Start opens, migrates and bootstraps a Gatehouse on cfg and serves its
// API on an httptest server.
func Start(t testing.TB, cfg config.Config) *Env {
	t.Helper()
	ctx := context.Background()
	st, err := app.Open(ctx, cfg, Logger(t))
	if err != nil {
		t.Fatalf("testenv: open: %v", err)
	}
	t.Cleanup(st.Close)
	if err := st.Migrate(ctx); err != nil {
		t.Fatalf("testenv: migrate: %v", err)
	}
	st.StartBus() // as serve does: sessions and tenant tokens from memory
	if _, err := st.IAM.Bootstrap(ctx, cfg.BootstrapEmail, cfg.BootstrapPassword); err != nil {
		t.Fatalf("testenv: bootstrap: %v", err)
	}
	srv := httptest.NewServer(st.Handler())
	t.Cleanup(srv.Close)
	return &Env{Stack: st, Config: cfg, Server: srv}
}

// New starts a Gatehouse with a fresh database and SpiceDB datastore.
func New(t testing.TB) *Env {
	t.Helper()
	return Start(t, Config(t))
}
