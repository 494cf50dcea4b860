package app

import (
	"context"
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/gatehouse/gatehouse/internal/config"
)

func reconcileCommand(ctx context.Context, withStack func(func(config.Config, *Stack) error) error, stdout io.Writer) *cobra.Command {
	var dryRun bool
	cmd := &cobra.Command{
		Use:   "reconcile",
		Short: "Compare the projection of PostgreSQL with SpiceDB, report drift, and repair it",
		RunE: func(cmd *cobra.Command, _ []string) error {
			return withStack(func(_ config.Config, st *Stack) error {
				return reconcile(ctx, st, dryRun, stdout)
			})
		},
	}
	cmd.Flags().BoolVar(&dryRun, "dry-run", false, "report drift only")
	return cmd
}

func reconcile(ctx context.Context, st *Stack, dryRun bool, stdout io.Writer) error {
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
}
