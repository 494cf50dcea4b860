package app

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/gatehouse/gatehouse/internal/config"
	"github.com/gatehouse/gatehouse/internal/devstack"
	"github.com/gatehouse/gatehouse/internal/iam"
)

// devCommand runs the embedded default: a throwaway PostgreSQL cluster and
// the pinned SpiceDB on it (unless DATABASE_URL / SPICEDB_ENDPOINT point
// elsewhere), migrated, then the API.
func devCommand(ctx context.Context, load func() (config.Config, *slog.Logger, error), stdout io.Writer) *cobra.Command {
	return &cobra.Command{
		Use:   "dev",
		Short: "Run Gatehouse with a throwaway PostgreSQL and a real SpiceDB (the embedded default)",
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, log, err := load()
			if err != nil {
				return err
			}
			return runDev(ctx, cfg, log, stdout)
		},
	}
}

func runDev(ctx context.Context, cfg config.Config, log *slog.Logger, stdout io.Writer) (err error) {
	// Refuse a partial SSO configuration before starting anything.
	if err := cfg.ValidateOIDC(); err != nil {
		return err
	}
	// Refuse a second instance, in one line, before touching anything.
	release, err := claimDev(cfg)
	if err != nil {
		return err
	}
	defer release()
	start := time.Now()
	if cfg.TokenKey == "" {
		// One process: a key of its own (replicas of a real deployment share one).
		b := make([]byte, 32)
		_, _ = rand.Read(b)
		cfg.TokenKey = hex.EncodeToString(b)
	}
	var (
		pg     *devstack.Postgres
		spice  *devstack.SpiceDB
		remove []string // the temporary data directory (and a relocated cluster of it)
	)
	// Everything stops here, in this order: SpiceDB (it uses PostgreSQL),
	// then PostgreSQL, whose Stop returns only once the postmaster and all
	// its children have exited; only then is its directory removed.
	// (Deferred earlier than st.Close below, so it runs after it.)
	defer func() {
		spice.Stop()
		pg.Stop()
		for _, dir := range remove {
			_ = os.RemoveAll(dir)
		}
		if pg != nil || spice != nil {
			fmt.Fprintln(stdout, "stopped.")
		}
	}()
	// SIGINT/SIGTERM (ctx cancelled) asks for a stop: a clean exit (status
	// 0) even when it interrupts the start.
	defer func() {
		if err != nil && ctx.Err() != nil {
			if !errors.Is(err, context.Canceled) {
				log.Warn("while stopping", "err", err)
			}
			err = nil
		}
	}()
	// Find SpiceDB before starting anything: without it, one line says
	// what to do (spicedb on PATH, GATEHOUSE_SPICEDB_BIN or SPICEDB_ENDPOINT;
	// the Go toolchain is needed only to build the pinned one).
	var spiceBin string
	if cfg.SpiceDBEndpoint == "" {
		found := make(chan struct{})
		go func() {
			select {
			case <-found:
			case <-time.After(5 * time.Second): // a cached `go tool -n spicedb` takes a few seconds; a first build much longer
				fmt.Fprintln(stdout, "getting the pinned SpiceDB (go tool spicedb builds it the first time: a minute or two) ...")
			}
		}()
		spiceBin, err = devstack.SpiceDBBinary(ctx)
		close(found)
		if err != nil {
			return err
		}
	}
	if cfg.DatabaseURL == "" || cfg.SpiceDBEndpoint == "" {
		dir := cfg.DataDir
		if dir == "" {
			tmp, err := os.MkdirTemp("", "gatehouse-dev-")
			if err != nil {
				return err
			}
			remove = append(remove, tmp)
			dir = tmp
		} else if err := os.MkdirAll(dir, 0o755); err != nil {
			return fmt.Errorf("GATEHOUSE_DATA_DIR: %w", err)
		}
		clusterDir, note, err := devstack.ClusterDir(dir)
		if err != nil {
			return fmt.Errorf("GATEHOUSE_DATA_DIR=%s: %w", dir, err)
		}
		if note != "" {
			fmt.Fprintln(stdout, note)
			if cfg.DataDir == "" {
				remove = append(remove, clusterDir)
			}
		}
		port, err := devstack.FreePort()
		if err != nil {
			return err
		}
		fmt.Fprintln(stdout, "starting PostgreSQL in", clusterDir, "...")
		pg, err = devstack.StartPostgres(ctx, devstack.PostgresOptions{Dir: clusterDir, Port: port, Install: true, Log: stdout})
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "PostgreSQL is up on 127.0.0.1:%d (pid %d)\n", port, pg.PID())
		for _, db := range []string{"gatehouse", "spicedb"} {
			if err := pg.CreateDatabase(ctx, db); err != nil {
				return fmt.Errorf("create database %s: %w", db, err)
			}
		}
		if cfg.DatabaseURL == "" {
			cfg.DatabaseURL = pg.URL("gatehouse")
		}
	}
	if cfg.SpiceDBEndpoint == "" {
		if cfg.SpiceDBKey == "" {
			b := make([]byte, 16)
			_, _ = rand.Read(b)
			cfg.SpiceDBKey = "gh-dev-" + hex.EncodeToString(b)
		}
		fmt.Fprintln(stdout, "starting SpiceDB", spiceBin, "on", cfg.SpiceDBAddr, "...")
		var err error
		spice, err = devstack.StartSpiceDB(ctx, devstack.SpiceDBOptions{
			Bin: spiceBin, Addr: cfg.SpiceDBAddr, Key: cfg.SpiceDBKey, DatastoreURI: pg.URL("spicedb"), Log: stdout,
		})
		if err != nil {
			return err
		}
		if cfg.SpiceDBDatastoreURL == "" {
			cfg.SpiceDBDatastoreURL = pg.URL("spicedb")
		}
		fmt.Fprintf(stdout, "SpiceDB is up on %s (pid %d)\n", cfg.SpiceDBAddr, spice.PID())
		// The SpiceDB we started is ours to keep alive: restarted when it dies.
		spice.Supervise(ctx, func(format string, args ...any) { fmt.Fprintf(stdout, format+"\n", args...) })
		cfg.SpiceDBEndpoint, cfg.SpiceDBInsecure = cfg.SpiceDBAddr, true
	}
	if err := cfg.ValidateServe(); err != nil {
		return err
	}
	st, err := open(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer st.Close()
	if err := st.migrate(ctx); err != nil {
		return err
	}
	return st.serve(ctx, cfg, stdout, func(boot iam.BootstrapResult) {
		fmt.Fprintf(stdout, "\nGatehouse is up (in %s).\n", time.Since(start).Round(100*time.Millisecond))
		fmt.Fprintf(stdout, "  API:            http://%s   (GET /readyz, /openapi.json)\n", cfg.HTTPAddr)
		fmt.Fprintf(stdout, "  Console:        http://%s/console   (sign in with the superadmin below)\n", cfg.HTTPAddr)
		fmt.Fprintf(stdout, "  SpiceDB gRPC:   %s   key: %s   (plaintext)\n", cfg.SpiceDBEndpoint, cfg.SpiceDBKey)
		fmt.Fprintf(stdout, "  zed:            zed schema read --endpoint %s --token %s --insecure   (no keyring needed; README: zed)\n", cfg.SpiceDBEndpoint, cfg.SpiceDBKey)
		fmt.Fprintf(stdout, "  PostgreSQL:     %s\n", cfg.DatabaseURL)
		if boot.Created {
			fmt.Fprintf(stdout, "  superadmin:     %s\n", boot.Email)
			if boot.Password != "" {
				fmt.Fprintf(stdout, "  password:       %s   (generated; shown once)\n", boot.Password)
			} else {
				fmt.Fprintln(stdout, "  password:       from GATEHOUSE_BOOTSTRAP_PASSWORD")
			}
		} else {
			fmt.Fprintln(stdout, "  superadmin:     bootstrapped on an earlier start (credentials printed then)")
		}
		fmt.Fprintln(stdout, "Press Ctrl-C to stop.")
	})
}

// claimDev refuses, in one line, to start a second `gatehouse dev` next to a
// running one, before anything is started: the addresses it is about to
// serve on must be free (the default temporary data directory differs
// between runs, the addresses do not), and GATEHOUSE_DATA_DIR, when set, is
// locked for as long as this one runs (flock: released by the kernel when
// the process ends, however it ends). release gives the lock back.
func claimDev(cfg config.Config) (release func(), err error) {
	addrs := [][2]string{{"GATEHOUSE_HTTP_ADDR", cfg.HTTPAddr}}
	if cfg.SpiceDBEndpoint == "" {
		addrs = append(addrs, [2]string{"GATEHOUSE_SPICEDB_ADDR", cfg.SpiceDBAddr})
	}
	var busy []string
	for _, a := range addrs {
		ln, err := net.Listen("tcp", a[1])
		if err != nil {
			if errors.Is(err, syscall.EADDRINUSE) {
				busy = append(busy, a[0]+"="+a[1])
				continue
			}
			return nil, fmt.Errorf("%s=%s: %w", a[0], a[1], err)
		}
		ln.Close()
	}
	if len(busy) > 0 {
		return nil, fmt.Errorf("%s already in use: is another `gatehouse dev` running? Stop it, or set other addresses", strings.Join(busy, " and "))
	}
	if cfg.DataDir == "" || (cfg.DatabaseURL != "" && cfg.SpiceDBEndpoint != "") {
		return func() {}, nil
	}
	if err := os.MkdirAll(cfg.DataDir, 0o755); err != nil {
		return nil, fmt.Errorf("GATEHOUSE_DATA_DIR: %w", err)
	}
	f, err := os.OpenFile(filepath.Join(cfg.DataDir, "gatehouse-dev.lock"), os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, fmt.Errorf("GATEHOUSE_DATA_DIR: %w", err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		b, _ := io.ReadAll(f)
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			holder := ""
			if pid := strings.TrimSpace(string(b)); pid != "" {
				holder = " (pid " + pid + ")"
			}
			return nil, fmt.Errorf("GATEHOUSE_DATA_DIR=%s is in use by another `gatehouse dev`%s: stop it, or choose another directory", cfg.DataDir, holder)
		}
		return nil, fmt.Errorf("GATEHOUSE_DATA_DIR: lock: %w", err)
	}
	_ = f.Truncate(0)
	_, _ = f.WriteAt([]byte(strconv.Itoa(os.Getpid())+"\n"), 0)
	return func() {
		_ = f.Truncate(0)
		_ = f.Close() // closing the last descriptor releases the lock
	}, nil
}
