package app_test

import (
	"bytes"
	"context"
	"errors"
	"os/exec"
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse/internal/app"
	"github.com/gatehouse/gatehouse/internal/testenv"
)

// The CLI runs the way main runs it: migrate, then reconcile reports.
func TestCLIMigrateAndReconcile(t *testing.T) {
	t.Parallel()
	cfg := testenv.Config(t)
	env := map[string]string{"DATABASE_URL": cfg.DatabaseURL, "SPICEDB_ENDPOINT": cfg.SpiceDBEndpoint, "SPICEDB_KEY": cfg.SpiceDBKey, "SPICEDB_INSECURE": "true"}
	run := func(args ...string) (string, error) {
		var out, errOut bytes.Buffer
		err := app.Run(context.Background(), args, func(k string) string { return env[k] }, &out, &errOut)
		return out.String() + errOut.String(), err
	}
	if out, err := run("migrate"); err != nil || !strings.Contains(out, "migrated") {
		t.Fatalf("migrate: %v %s", err, out)
	}
	if out, err := run("migrate"); err != nil {
		t.Fatalf("migrate twice: %v %s", err, out)
	}
	if out, err := run("reconcile", "--dry-run"); err != nil || !strings.Contains(out, "no drift") {
		t.Fatalf("reconcile: %v %s", err, out)
	}
	env["SPICEDB_KEY"] = ""
	if _, err := run("serve"); err == nil || !strings.Contains(err.Error(), "SPICEDB_KEY") {
		t.Fatalf("serve without a key: %v", err)
	}
	if out, err := run("version"); err != nil || !strings.HasPrefix(out, "gatehouse ") {
		t.Fatalf("version: %v %s", err, out)
	}
}

// Every setting is also a flag, which wins over the environment, and every
// invalid setting is listed at once, one line each.
func TestSettingsAsFlagsAllProblemsAtOnce(t *testing.T) {
	t.Parallel()
	env := map[string]string{"GATEHOUSE_LOG_LEVEL": "info", "GATEHOUSE_HTTP_ADDR": "127.0.0.1:8080"}
	var out, errOut bytes.Buffer
	err := app.Run(context.Background(), []string{"serve", "--log-level=bogus", "--http-addr=nope", "--public-url=ftp://x"},
		func(k string) string { return env[k] }, &out, &errOut)
	if err == nil {
		t.Fatal("serve started with invalid settings")
	}
	msg := err.Error()
	for _, want := range []string{`GATEHOUSE_LOG_LEVEL="bogus"`, `GATEHOUSE_HTTP_ADDR="nope"`, `GATEHOUSE_PUBLIC_URL="ftp://x"`, "DATABASE_URL is not set", "SPICEDB_ENDPOINT is not set"} {
		if !strings.Contains(msg, want) {
			t.Errorf("the error does not name %s:\n%s", want, msg)
		}
	}
	var help bytes.Buffer
	if err := app.Run(context.Background(), []string{"serve", "--help"}, func(string) string { return "" }, &help, &help); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"--http-addr", "--database-url", "--spicedb-timeout", "--management-addr", "GATEHOUSE_TOKEN_KEY"} {
		if !strings.Contains(help.String(), want) {
			t.Errorf("serve --help does not document %s", want)
		}
	}
}

// A mistake in the command line exits 2 (usage), in one line that names
// the help to read: an unknown command, an unknown flag (of the service
// commands and of the admin CLI), stray arguments. Run as main runs it,
// through the real binary, so the exit status is the process's.
func TestUsageMistakesExitTwo(t *testing.T) {
	t.Parallel()
	bin := gatehouseBinary(t)
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"bogus"}, `unknown command "bogus"`},
		{[]string{"serv"}, `did you mean "serve"?`},
		{[]string{"--bogus"}, "unknown flag: --bogus"},
		{[]string{"serve", "--no-such-setting=1"}, "unknown flag: --no-such-setting"},
		{[]string{"migrate", "extra"}, `takes no arguments, got "extra"`},
		{[]string{"version", "--bogus"}, "unknown flag: --bogus"},
		{[]string{"users", "--bogus"}, "unknown flag: --bogus"},
		{[]string{"users", "frobnicate"}, `unknown command "frobnicate"`},
	} {
		cmd := exec.Command(bin, tc.args...)
		cmd.Env = []string{"HOME=" + t.TempDir()}
		out, err := cmd.CombinedOutput()
		var ee *exec.ExitError
		if !errors.As(err, &ee) || ee.ExitCode() != 2 {
			t.Errorf("gatehouse %s: %v (want exit status 2)\n%s", strings.Join(tc.args, " "), err, out)
			continue
		}
		if lines := strings.Split(strings.TrimSpace(string(out)), "\n"); len(lines) != 1 || !strings.Contains(lines[0], tc.want) || !strings.Contains(lines[0], "--help") {
			t.Errorf("gatehouse %s printed %q, want one line with %q and the help to read", strings.Join(tc.args, " "), out, tc.want)
		}
	}
	// `gatehouse` alone and `gatehouse --help` print the help and exit 0.
	for _, args := range [][]string{nil, {"--help"}} {
		out, err := exec.Command(bin, args...).CombinedOutput()
		if err != nil || !strings.Contains(string(out), "Available Commands") {
			t.Errorf("gatehouse %s: %v\n%s", strings.Join(args, " "), err, out)
		}
	}
}
