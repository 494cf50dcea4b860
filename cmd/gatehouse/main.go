// Command gatehouse runs the Gatehouse IAM service.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/gatehouse/gatehouse/internal/app"
	"github.com/gatehouse/gatehouse/internal/cli"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := app.Run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr)
	stop()
	if err != nil {
		if !cli.Reported(err) { // the admin CLI prints its own one-line errors
			fmt.Fprintln(os.Stderr, "gatehouse:", err)
		}
		os.Exit(cli.ExitCode(err))
	}
}
