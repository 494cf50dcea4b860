// Package app wires Gatehouse together: the command line (serve, migrate,
// dev, reconcile, version) and the construction of every dependency from
// the configuration. main calls Run; tests call it the same way.
package app

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"runtime/debug"
	"strings"
	"time"

	authzed "github.com/authzed/authzed-go/v1"
	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/spf13/cobra"

	"github.com/gatehouse/gatehouse/internal/auth"
	"github.com/gatehouse/gatehouse/internal/authz"
	"github.com/gatehouse/gatehouse/internal/cli"
	"github.com/gatehouse/gatehouse/internal/config"
	"github.com/gatehouse/gatehouse/internal/httpapi"
	"github.com/gatehouse/gatehouse/internal/iam"
	"github.com/gatehouse/gatehouse/internal/store"
	"github.com/gatehouse/gatehouse/internal/store/bus"
	"github.com/gatehouse/gatehouse/schema"
)

// Version is set at build time (-ldflags "-X ...app.Version=...").
var Version = "dev"

// Run is the program.
func Run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	root := &cobra.Command{
		Use:           "gatehouse",
		Short:         "Gatehouse: multi-tenant IAM on PostgreSQL and SpiceDB",
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetArgs(args)
	root.SetOut(stdout)
	root.SetErr(stderr)
	// A mistake in the command line exits 2 (usage), like the admin CLI:
	// an unknown command, an unknown or malformed flag, stray arguments.
	// `gatehouse` alone prints the help.
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
		return usageError(c, err.Error())
	})
	root.Args = func(c *cobra.Command, args []string) error {
		if len(args) > 0 {
			msg := fmt.Sprintf("unknown command %q", args[0])
			if s := c.SuggestionsFor(args[0]); len(s) > 0 {
				msg += fmt.Sprintf("; did you mean %q?", s[0])
			}
			return usageError(c, msg)
		}
		return nil
	}
	root.RunE = func(c *cobra.Command, _ []string) error { return c.Help() }
	var envHelp strings.Builder
	for _, v := range config.Vars {
		fmt.Fprintf(&envHelp, "  %-30s %s\n", v[0], v[1])
	}
	root.Long = "Gatehouse: multi-tenant IAM on PostgreSQL and SpiceDB.\n\nEnvironment (each also a flag of serve, migrate, dev and reconcile: GATEHOUSE_HTTP_ADDR is --http-addr; a flag wins over the environment; prefer the environment for secrets):\n" + envHelp.String()

	// The command running: its flags override the environment.
	var active *cobra.Command
	root.PersistentPreRun = func(cmd *cobra.Command, _ []string) { active = cmd }
	setting := func(key string) string {
		if active != nil {
			if f := active.Flags().Lookup(flagName(key)); f != nil && f.Changed {
				return f.Value.String()
			}
		}
		return getenv(key)
	}
	load := func() (config.Config, *slog.Logger, error) {
		cfg, err := config.FromEnv(setting)
		if err != nil {
			return cfg, nil, err
		}
		return cfg, newLogger(stderr, cfg.LogLevel, cfg.LogFormat), nil
	}
	// withStack runs fn with a validated configuration and an open stack.
	withStack := func(fn func(config.Config, *Stack) error) error {
		cfg, log, err := load()
		if err != nil {
			return err
		}
		if err := cfg.ValidateServe(); err != nil {
			return err
		}
		st, err := open(ctx, cfg, log)
		if err != nil {
			return err
		}
		defer st.Close()
		return fn(cfg, st)
	}
	root.AddCommand(
		&cobra.Command{
			Use:   "serve",
			Short: "Serve the API against DATABASE_URL and SPICEDB_ENDPOINT",
			RunE: func(cmd *cobra.Command, _ []string) error {
				return withStack(func(cfg config.Config, st *Stack) error {
					if err := st.checkMigrated(ctx); err != nil {
						return err
					}
					return st.serve(ctx, cfg, stdout, nil)
				})
			},
		},
		&cobra.Command{
			Use:   "migrate",
			Short: "Apply the SQL migrations and the SpiceDB schema",
			RunE: func(cmd *cobra.Command, _ []string) error {
				return withStack(func(_ config.Config, st *Stack) error {
					if err := st.migrate(ctx); err != nil {
						return err
					}
					fmt.Fprintln(stdout, "migrated: SQL schema at head, SpiceDB schema written")
					return nil
				})
			},
		},
		devCommand(ctx, load, stdout),
		reconcileCommand(ctx, withStack, stdout),
		importCommand(ctx, withStack, stdout),
		&cobra.Command{
			Use:   "probe",
			Short: "Exit 0 when the local API answers /readyz with 200 (container health checks)",
			RunE: func(cmd *cobra.Command, _ []string) error {
				cfg, _, err := load()
				if err != nil {
					return err
				}
				return probe(ctx, cfg.HTTPAddr)
			},
		},
		&cobra.Command{
			Use:   "version",
			Short: "Print the version",
			Run:   func(cmd *cobra.Command, _ []string) { fmt.Fprintln(stdout, versionLine()) },
		},
	)
	for _, c := range root.Commands() {
		if c.Args == nil {
			c.Args = noArgs
		}
	}
	root.AddCommand(cli.Commands(getenv, stdout, stderr)...) // the admin CLI over the HTTP API
	for _, c := range root.Commands() {
		switch c.Name() {
		case "serve", "migrate", "dev", "reconcile", "import":
			for _, v := range config.Vars {
				if c.Flags().Lookup(flagName(v[0])) == nil { // SPICEDB_KEY and GATEHOUSE_SPICEDB_KEY share one
					c.Flags().String(flagName(v[0]), "", v[1]+" (env "+v[0]+")")
				}
			}
		}
	}
	return root.ExecuteContext(ctx)
}

// usageError is a mistake in the command line: exit status 2, printed by
// main as one line naming the help to read.
func usageError(c *cobra.Command, msg string) error {
	return &cli.ExitError{Code: cli.ExitUsage, Err: fmt.Errorf("%s (see %s --help)", msg, c.CommandPath())}
}

// noArgs refuses positional arguments (the service commands take flags
// only).
func noArgs(c *cobra.Command, args []string) error {
	if len(args) > 0 {
		return usageError(c, fmt.Sprintf("%s takes no arguments, got %q", c.CommandPath(), strings.Join(args, " ")))
	}
	return nil
}

// flagName is the flag of a setting: GATEHOUSE_HTTP_ADDR is --http-addr,
// DATABASE_URL --database-url.
func flagName(env string) string {
	return strings.ReplaceAll(strings.ToLower(strings.TrimPrefix(env, "GATEHOUSE_")), "_", "-")
}

func newLogger(w io.Writer, level, format string) *slog.Logger {
	var l slog.Level
	_ = l.UnmarshalText([]byte(level))
	opts := &slog.HandlerOptions{Level: l}
	if format == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

// versionLine is what `gatehouse version` prints: the version set at build
// time, else the module's, and the VCS commit the binary was built from.
func versionLine() string {
	v, commit, when, dirty := Version, "", "", false
	if info, ok := debug.ReadBuildInfo(); ok {
		if v == "dev" && info.Main.Version != "" && info.Main.Version != "(devel)" {
			v = info.Main.Version
		}
		for _, s := range info.Settings {
			switch s.Key {
			case "vcs.revision":
				commit = s.Value
			case "vcs.time":
				when = s.Value
			case "vcs.modified":
				dirty = s.Value == "true"
			}
		}
	}
	line := "gatehouse " + v
	if commit != "" {
		line += " commit " + commit
		if dirty {
			line += " (modified)"
		}
		if when != "" {
			line += " built from a tree of " + when
		}
	} else {
		line += " (no VCS information: built outside a git checkout)"
	}
	return line
}

// Stack is every dependency of a running Gatehouse.
type Stack struct {
	Log       *slog.Logger
	Store     *store.Store
	SpiceDB   *authzed.Client
	Projector *authz.Projector
	IAM       *iam.Service
	Registry  *prometheus.Registry
	// TrustedProxies is cfg.TrustedProxies, for the HTTP handler.
	TrustedProxies []string
	// Bus feeds the replica's caches (sessions, tenant tokens) once
	// StartBus runs it; until then they hold nothing, and writes still
	// wait for the replicas that do run one.
	Bus     *bus.Bus
	stopBus func()
	marks   *store.Pool // the projector's revoking marks
}

// Open connects to PostgreSQL and SpiceDB and builds the use cases.
func Open(ctx context.Context, cfg config.Config, log *slog.Logger) (*Stack, error) {
	return open(ctx, cfg, log)
}

func open(ctx context.Context, cfg config.Config, log *slog.Logger) (*Stack, error) {
	ctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	st, err := store.Open(ctx, cfg.DatabaseURL, store.Options{Timeout: cfg.DatabaseTimeout})
	if err != nil {
		return nil, err
	}
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	calls := newSpiceDBMetrics(reg, st)
	spice, err := authz.Dial(authz.ClientConfig{Endpoint: cfg.SpiceDBEndpoint, Key: cfg.SpiceDBKey, Insecure: cfg.SpiceDBInsecure, CA: cfg.SpiceDBTLSCA, Timeout: cfg.SpiceDBTimeout, Observe: calls, Tracing: tracingEnabled(os.Getenv)})
	if err != nil {
		st.Close()
		return nil, err
	}
	held, err := authz.ReadSchema(ctx, spice)
	if err != nil {
		st.Close()
		spice.Close()
		return nil, fmt.Errorf("cannot reach SpiceDB at %s (check SPICEDB_ENDPOINT, SPICEDB_KEY, SPICEDB_INSECURE and GATEHOUSE_SPICEDB_TLS_CA): %w", cfg.SpiceDBEndpoint, err)
	}
	m := newPipelineMetrics(reg, st)
	additivity, err := authz.SchemaAdditivity()
	if err != nil {
		st.Close()
		spice.Close()
		return nil, fmt.Errorf("analyse the schema: %w", err)
	}
	pr := &authz.Projector{Store: st, SpiceDB: spice, Log: log, Observe: m.observeApply, Additivity: additivity}
	// Additive applies only while SpiceDB holds this release's schema:
	// before a migrate (or beside a newer release's) its answers are
	// another schema's.
	same, err := authz.SchemaHeld(held, schema.Text)
	if err != nil {
		log.Warn("compare the schema SpiceDB holds", "err", err)
	}
	pr.SchemaHeld(same)
	marks, err := marksPool(ctx, cfg.DatabaseURL)
	if err != nil {
		st.Close()
		spice.Close()
		return nil, err
	}
	pr.Marks = marks
	pr.Analyze = func(ctx context.Context) error { return analyze(ctx, st, cfg.SpiceDBDatastoreURL) }
	svc := iam.New(st, pr, iam.Config{
		SessionTTL: cfg.SessionTTL, InvitationTTL: cfg.InvitationTTL,
		PasswordPolicy: auth.PasswordPolicy{MinLength: cfg.PasswordMinLength},
		PublicURL:      cfg.PublicURL, DefaultBranch: cfg.DefaultBranch,
		TokenKey: tokenKey(cfg), DecisionCacheSize: decisionCacheSize(cfg.DecisionCacheSize),
	}, log)
	b := bus.New(st.Pool.Pool, log, bus.Options{})
	svc.UseBus(b)
	return &Stack{Log: log, Store: st, SpiceDB: spice, Projector: pr, IAM: svc, Registry: reg, TrustedProxies: cfg.TrustedProxies, Bus: b, marks: marks}, nil
}

// marksPool is the projector's pool for its revoking marks (Projector.Marks):
// two connections, each statement bounded.
func marksPool(ctx context.Context, url string) (*store.Pool, error) {
	c, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, err
	}
	c.MaxConns, c.MinConns = 2, 0
	pool, err := pgxpool.NewWithConfig(ctx, c)
	if err != nil {
		return nil, fmt.Errorf("postgres: %w", err)
	}
	return &store.Pool{Pool: pool, Timeout: 10 * time.Second}, nil
}

// decisionCacheSize maps GATEHOUSE_DECISION_CACHE_SIZE (0: off) onto
// iam's setting (negative: off).
func decisionCacheSize(n int) int {
	if n <= 0 {
		return -1
	}
	return n
}

// tokenKey is the secret consistency tokens are sealed with:
// GATEHOUSE_TOKEN_KEY, or else one derived from SpiceDB's preshared key,
// which every replica shares too.
func tokenKey(cfg config.Config) string {
	if cfg.TokenKey != "" {
		return cfg.TokenKey
	}
	return "derived-from-spicedb-key:" + cfg.SpiceDBKey
}

// EnableSSO turns on the OIDC login when cfg configures it: the provider is
// discovered now, and an unreachable or wrong issuer stops the start with
// one line. It does nothing when SSO is not configured.
func (s *Stack) EnableSSO(ctx context.Context, cfg config.Config) error {
	if !cfg.OIDCEnabled() {
		return nil
	}
	if err := cfg.ValidateOIDC(); err != nil {
		return err
	}
	tenant := uuid.Nil
	if cfg.OIDCTenant != "" {
		tenant = uuid.MustParse(cfg.OIDCTenant) // ValidateOIDC checked it
	}
	ctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	client, err := auth.NewOIDC(ctx, auth.OIDCConfig{
		Issuer: cfg.OIDCIssuer, ClientID: cfg.OIDCClientID, ClientSecret: cfg.OIDCClientSecret,
		RedirectURL: cfg.OIDCRedirectURL, Scopes: cfg.OIDCScopes,
	})
	if err != nil {
		return err
	}
	s.IAM.SSO = &iam.SSO{
		Client: client, RoleClaim: cfg.OIDCRoleClaim, GroupsClaim: cfg.OIDCGroupsClaim,
		AllowedClaim: cfg.OIDCAllowedClaim, AllowedValues: cfg.OIDCAllowedValues, TenantID: tenant,
		SecureCookie: strings.HasPrefix(cfg.OIDCRedirectURL, "https://"),
	}
	s.Log.Info("SSO enabled", "issuer", cfg.OIDCIssuer)
	return nil
}

// StartBus runs the cache bus until Close: this replica then serves
// sessions and tenant tokens from memory (store/bus).
func (s *Stack) StartBus() {
	if s.stopBus != nil {
		return
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		s.Bus.Run(ctx)
	}()
	s.stopBus = func() { cancel(); <-done }
}

// Close stops the bus and releases the connections.
func (s *Stack) Close() {
	if s.stopBus != nil {
		s.stopBus()
	}
	s.Store.Close()
	if s.marks != nil {
		s.marks.Close()
	}
	s.SpiceDB.Close()
}

// Migrate applies the SQL migrations and writes the SpiceDB schema.
func (s *Stack) Migrate(ctx context.Context) error { return s.migrate(ctx) }

func (s *Stack) migrate(ctx context.Context) error {
	unlock, err := s.Store.MigrationLock(ctx)
	if err != nil {
		return err
	}
	defer unlock()
	if err := s.Store.Migrate(ctx); err != nil {
		return err
	}
	s.Projector.SchemaHeld(false) // the transition's applies are another schema's
	if err := s.transition(ctx); err != nil {
		return err
	}
	if _, err := authz.WriteSchema(ctx, s.SpiceDB, schema.Text); err != nil {
		return err
	}
	// A schema write may change answers: running replicas stop replaying
	// cached ones.
	if err := store.BumpProjectionEpoch(ctx, s.Store.Pool); err != nil {
		return err
	}
	s.Projector.SchemaHeld(true)
	return s.Projector.Analyze(ctx)
}

// transition prepares an upgrade whose schema changes definitions: SpiceDB
// first holds the schema it has plus the relations the new one adds, the
// existing facts are projected into the changed types (a reconcile of
// them), and only then does migrate write the schema whose permissions
// read the new relations. So no check is denied for want of a relationship
// not yet filled. A fresh SpiceDB (no schema) needs none.
func (s *Stack) transition(ctx context.Context) error {
	current, err := authz.ReadSchema(ctx, s.SpiceDB)
	if err != nil || strings.TrimSpace(current) == "" {
		return err
	}
	text, types, err := authz.TransitionSchema(ctx, current, schema.Text)
	if err != nil || len(types) == 0 {
		return err
	}
	if _, err := authz.WriteSchema(ctx, s.SpiceDB, text); err != nil {
		return fmt.Errorf("the transition schema: %w", err)
	}
	drift, err := s.Projector.ReconcileTypes(ctx, true, types)
	if err != nil {
		return fmt.Errorf("projecting the existing facts into the types the schema changes (%s): %w", strings.Join(types, ", "), err)
	}
	s.Log.Info("migrate: projected the existing facts into the types the schema changes", "types", types, "written", len(drift.Missing), "removed", len(drift.Extra))
	return nil
}

// analyze refreshes the planner statistics of Gatehouse's tables and, when
// its URL is known, of SpiceDB's datastore.
func analyze(ctx context.Context, st *store.Store, spicedbDatastore string) error {
	if err := st.Analyze(ctx); err != nil {
		return err
	}
	if spicedbDatastore != "" {
		return store.AnalyzeDatabase(ctx, spicedbDatastore)
	}
	return nil
}

func (s *Stack) checkMigrated(ctx context.Context) error {
	text, err := authz.ReadSchema(ctx, s.SpiceDB)
	if err != nil {
		return err
	}
	if strings.TrimSpace(text) == "" {
		return errors.New("SpiceDB holds no schema: run `gatehouse migrate` first")
	}
	if ok, err := store.Migrated(ctx, s.Store.Pool); err != nil || !ok {
		return errors.New("the PostgreSQL schema is missing: run `gatehouse migrate` first")
	}
	return nil
}

// Handler builds the HTTP handler.
func (s *Stack) Handler() http.Handler {
	return httpapi.NewServer(httpapi.Deps{
		Log: s.Log, IAM: s.IAM, Registry: s.Registry, TrustedProxies: s.TrustedProxies, Tracing: tracingEnabled(os.Getenv),
		Ready: map[string]httpapi.Readiness{
			"postgres": s.Store.Ping,
			"spicedb":  s.IAM.Checker.Ping,
		},
	})
}

// serve bootstraps, relays the outbox and serves HTTP until ctx ends.
// ready, when set, is called once the listener is up.
func (s *Stack) serve(ctx context.Context, cfg config.Config, stdout io.Writer, ready func(boot iam.BootstrapResult)) error {
	if err := s.EnableSSO(ctx, cfg); err != nil {
		return err
	}
	boot, err := s.IAM.Bootstrap(ctx, cfg.BootstrapEmail, cfg.BootstrapPassword)
	if err != nil {
		return fmt.Errorf("bootstrap: %w", err)
	}
	if boot.Created && ready == nil {
		printBootstrap(stdout, boot)
	}
	shutdownTracing, err := setupTracing(ctx, os.Getenv, s.Log)
	if err != nil {
		return fmt.Errorf("tracing (OTEL_EXPORTER_OTLP_*): %w", err)
	}
	defer shutdownTracing(context.WithoutCancel(ctx))
	s.Log.Info("configuration", cfg.Effective()...)
	ln, err := net.Listen("tcp", cfg.HTTPAddr)
	if err != nil {
		return fmt.Errorf("listen on GATEHOUSE_HTTP_ADDR=%s: %w", cfg.HTTPAddr, err)
	}
	if cfg.ManagementAddr != "" {
		mln, err := net.Listen("tcp", cfg.ManagementAddr)
		if err != nil {
			ln.Close()
			return fmt.Errorf("listen on GATEHOUSE_MANAGEMENT_ADDR=%s: %w", cfg.ManagementAddr, err)
		}
		msrv := &http.Server{Handler: httpapi.ManagementHandler(s.Registry), ReadHeaderTimeout: 10 * time.Second}
		go func() { _ = msrv.Serve(mln) }()
		defer msrv.Close()
		s.Log.Info("management server (metrics, pprof)", "addr", mln.Addr().String())
	}
	srv := &http.Server{
		Handler: s.Handler(), ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout: cfg.HTTPReadTimeout, WriteTimeout: cfg.HTTPWriteTimeout, IdleTimeout: cfg.HTTPIdleTimeout,
	}
	s.StartBus()
	relayCtx, stopRelay := context.WithCancel(ctx)
	relayDone := make(chan struct{})
	go func() {
		defer close(relayDone)
		s.Projector.Relay(relayCtx, cfg.RelayInterval, s.IAM.Wake)
	}()
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	s.Log.Info("serving", "addr", ln.Addr().String())
	if ready != nil {
		ready(boot)
	}
	select {
	case err = <-errc:
	case <-ctx.Done():
		shutdownCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
		err = srv.Shutdown(shutdownCtx)
		cancel()
	}
	stopRelay()
	<-relayDone
	if errors.Is(err, http.ErrServerClosed) {
		err = nil
	}
	return err
}

func printBootstrap(w io.Writer, boot iam.BootstrapResult) {
	fmt.Fprintf(w, "bootstrapped the default tenant %s\n", boot.TenantID)
	fmt.Fprintf(w, "  superadmin email:    %s\n", boot.Email)
	if boot.Password != "" {
		fmt.Fprintf(w, "  superadmin password: %s   (generated; shown once)\n", boot.Password)
	} else {
		fmt.Fprintln(w, "  superadmin password: from GATEHOUSE_BOOTSTRAP_PASSWORD")
	}
}

func probe(ctx context.Context, addr string) error {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("GATEHOUSE_HTTP_ADDR=%q is not host:port", addr)
	}
	if host == "" || host == "0.0.0.0" || host == "::" {
		host = "127.0.0.1"
	}
	ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+net.JoinHostPort(host, port)+"/readyz", nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("not ready: %w", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("not ready: /readyz answered %d", resp.StatusCode)
	}
	return nil
}
