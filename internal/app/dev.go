package app

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
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

func runDev(ctx context.Context, cfg config.Config, log *slog.Logger, stdout io.Writer) error {
	// Refuse a partial SSO configuration before starting anything.
	if err := cfg.ValidateOIDC(); err != nil {
		return err
	}
	start := time.Now()
	if cfg.TokenKey == "" {
		// One process: a key of its own (replicas of a real deployment share one).
		b := make([]byte, 32)
		_, _ = rand.Read(b)
		cfg.TokenKey = hex.EncodeToString(b)
	}
	var pg *devstack.Postgres
	var spice *devstack.SpiceDB
	defer func() {
		spice.Stop()
		pg.Stop()
	}()
	if cfg.DatabaseURL == "" || cfg.SpiceDBEndpoint == "" {
		dir := cfg.DataDir
		if dir == "" {
			tmp, err := os.MkdirTemp("", "gatehouse-dev-")
			if err != nil {
				return err
			}
			defer os.RemoveAll(tmp)
			// The cluster runs as the postgres user when we are root: it must
			// be able to reach its data directory.
			if err := os.Chmod(tmp, 0o755); err != nil {
				return err
			}
			dir = tmp
		}
		abs, err := filepath.Abs(dir)
		if err != nil {
			return err
		}
		if err := os.MkdirAll(abs, 0o755); err != nil {
			return fmt.Errorf("GATEHOUSE_DATA_DIR: %w", err)
		}
		port, err := devstack.FreePort()
		if err != nil {
			return err
		}
		fmt.Fprintln(stdout, "starting PostgreSQL in", filepath.Join(abs, "postgres"), "...")
		pg, err = devstack.StartPostgres(ctx, devstack.PostgresOptions{Dir: filepath.Join(abs, "postgres"), Port: port, Install: true, Log: stdout})
		if err != nil {
			return err
		}
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
		fmt.Fprintln(stdout, "starting SpiceDB on", cfg.SpiceDBAddr, "(first run builds it: about a minute) ...")
		var err error
		spice, err = devstack.StartSpiceDB(ctx, devstack.SpiceDBOptions{
			Addr: cfg.SpiceDBAddr, Key: cfg.SpiceDBKey, DatastoreURI: pg.URL("spicedb"), Log: stdout,
		})
		if err != nil {
			return err
		}
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
		fmt.Fprintf(stdout, "  SpiceDB gRPC:   %s   key: %s   (plaintext)\n", cfg.SpiceDBEndpoint, cfg.SpiceDBKey)
		fmt.Fprintf(stdout, "  zed:            zed context set gatehouse %s %s --insecure && zed schema read\n", cfg.SpiceDBEndpoint, cfg.SpiceDBKey)
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
