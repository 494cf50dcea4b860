package app_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse/internal/app"
	"github.com/gatehouse/gatehouse/internal/testenv"
)

// pgTool finds a PostgreSQL client program: on PATH, else beside the
// server binaries the harness runs.
func pgTool(t *testing.T, name string) string {
	t.Helper()
	if p, err := exec.LookPath(name); err == nil {
		return p
	}
	matches, _ := filepath.Glob("/usr/lib/postgresql/*/bin/" + name)
	if len(matches) == 0 {
		t.Fatalf("%s not found: install the PostgreSQL client programs (make test installs them with the server binaries)", name)
	}
	return matches[len(matches)-1]
}

// The README's backup and restore: pg_dump of Gatehouse's database,
// pg_restore into a new one, then `gatehouse migrate` and `gatehouse
// reconcile` against an empty SpiceDB rebuild the whole projection: zero
// drift afterwards, and the restored Gatehouse decides as the original did.
func TestBackupRestoreRebuildsSpiceDB(t *testing.T) {
	t.Parallel()
	cfg := testenv.Config(t)
	orig := testenv.Start(t, cfg)
	root := orig.RootToken(t)
	_, alice := orig.User(t, root, "alice@example.com", "member")
	bobID, bob := orig.User(t, root, "bob@example.com", "member")
	_, eve := orig.User(t, root, "eve@example.com", "member")
	ws := orig.Must(t, 201, "POST", "/v1/workspaces", alice, map[string]string{"name": "Research"}).Str("id")
	orig.Must(t, 201, "POST", "/v1/workspaces/"+ws+"/members", alice, map[string]string{"user_id": bobID, "role": "member"})
	check := func(e *testenv.Env, token string) bool {
		t.Helper()
		r := e.Must(t, 200, "POST", "/v1/check", token, map[string]any{
			"resource": map[string]string{"type": "workspace", "id": ws}, "permission": "view_resources",
			"consistency": map[string]bool{"fully_consistent": true},
		})
		allowed, _ := r.Body["allowed"].(bool)
		return allowed
	}
	if !check(orig, bob) || check(orig, eve) {
		t.Fatal("before the backup: bob must be allowed and eve denied")
	}

	dump := filepath.Join(t.TempDir(), "gatehouse.dump")
	if out, err := exec.Command(pgTool(t, "pg_dump"), "--format=custom", "--file="+dump, cfg.DatabaseURL).CombinedOutput(); err != nil {
		t.Fatalf("pg_dump: %v\n%s", err, out)
	}
	restored := testenv.NewDatabase(t)
	if out, err := exec.Command(pgTool(t, "pg_restore"), "--no-owner", "--dbname="+restored, dump).CombinedOutput(); err != nil {
		t.Fatalf("pg_restore: %v\n%s", err, out)
	}

	// A SpiceDB that holds nothing (serve-testing: a new key is a new,
	// empty datastore).
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	key := "restore-" + hex.EncodeToString(b)
	env := map[string]string{
		"DATABASE_URL": restored, "SPICEDB_ENDPOINT": cfg.SpiceDBEndpoint, "SPICEDB_KEY": key, "SPICEDB_INSECURE": "true",
		"GATEHOUSE_TOKEN_KEY": cfg.TokenKey, "GATEHOUSE_SPICEDB_TIMEOUT": "1m", "GATEHOUSE_DATABASE_TIMEOUT": "1m",
	}
	run := func(args ...string) string {
		t.Helper()
		var out bytes.Buffer
		if err := app.Run(context.Background(), args, func(k string) string { return env[k] }, &out, &out); err != nil {
			t.Fatalf("gatehouse %s: %v\n%s", strings.Join(args, " "), err, out.String())
		}
		return out.String()
	}
	run("migrate")
	out := run("reconcile")
	m := regexp.MustCompile(`drift: (\d+) missing, (\d+) extra; repaired`).FindStringSubmatch(out)
	if m == nil || m[1] == "0" || m[2] != "0" {
		t.Fatalf("reconcile into the empty SpiceDB: want relationships written and none extra, got:\n%s", out)
	}
	if out := run("reconcile", "--dry-run"); !strings.Contains(out, "no drift") {
		t.Fatalf("after reconcile, drift remains:\n%s", out)
	}

	// The restored Gatehouse: the same users, sessions and decisions.
	rcfg := cfg
	rcfg.DatabaseURL, rcfg.SpiceDBKey = restored, key
	again := testenv.Start(t, rcfg)
	if !check(again, bob) || check(again, eve) {
		t.Error("after the restore: bob must be allowed and eve denied")
	}
	bob2 := again.Login(t, "bob@example.com", "password-bob@example.com")
	if !check(again, bob2) {
		t.Error("after the restore: bob's new session must be allowed")
	}
	if err := os.Remove(dump); err != nil {
		t.Fatal(err)
	}
}
