package app_test

import (
	"bytes"
	"context"
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
