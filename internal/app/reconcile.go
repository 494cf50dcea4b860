package app

import (
	"context"
	"fmt"
	"io"
	"log/slog"

	"github.com/spf13/cobra"

	"github.com/gatehouse/gatehouse/internal/config"
)

func reconcileCommand(ctx context.Context, load func() (config.Config, *slog.Logger, error), stdout io.Writer) *cobra.Command {
	var dryRun bool
	cmd := &cobra.Command{
		Use:   "reconcile",
		Short: "Compare the projection of PostgreSQL with SpiceDB, report drift, and repair it",
		RunE: func(cmd *cobra.Command, _ []string) error {
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
			drift, err := st.Projector.Reconcile(ctx, !dryRun)
			if err != nil {
				return err
			}
			for _, r := range drift.Missing {
				fmt.Fprintln(stdout, "missing in SpiceDB:", r)
			}
			for _, r := range drift.Extra {
				fmt.Fprintln(stdout, "extra in SpiceDB:  ", r)
			}
			verb := "repaired"
			if dryRun {
				verb = "not repaired (--dry-run)"
			}
			if drift.Empty() {
				fmt.Fprintln(stdout, "no drift")
			} else {
				fmt.Fprintf(stdout, "drift: %d missing, %d extra; %s\n", len(drift.Missing), len(drift.Extra), verb)
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&dryRun, "dry-run", false, "report drift only")
	return cmd
}
