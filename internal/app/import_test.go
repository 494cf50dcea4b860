package app_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse/internal/app"
	"github.com/gatehouse/gatehouse/internal/testenv"
)

// gatehouse import, as an operator runs it: a malformed file is refused
// with every bad line named and nothing stored; a good one is stored and
// projected (reconcile finds no drift), and its users are in the API.
func TestCLIImport(t *testing.T) {
	t.Parallel()
	env := testenv.New(t)
	vars := map[string]string{"DATABASE_URL": env.Config.DatabaseURL, "SPICEDB_ENDPOINT": env.Config.SpiceDBEndpoint, "SPICEDB_KEY": env.Config.SpiceDBKey, "SPICEDB_INSECURE": "true"}
	run := func(args ...string) (string, error) {
		var out, errOut bytes.Buffer
		err := app.Run(context.Background(), args, func(k string) string { return vars[k] }, &out, &errOut)
		return out.String() + errOut.String(), err
	}
	root := env.RootToken(t)
	tenants := env.Must(t, 200, "GET", "/v1/tenants", root, nil).Body["items"].([]any)
	tenant := tenants[0].(map[string]any)["name"].(string)
	file := func(body string) string {
		p := filepath.Join(t.TempDir(), "import.jsonl")
		if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}

	bad := file(`{"user": {"email": "a@example.com"}}
{"user": {"email": "b@example.com", "password": "x"}}
not json
{"user": {"email": "c@example.com"}, "group": {"name": "g"}}
# a comment

{"workspace": {"name": "w", "owner": "a@example.com"}}
`)
	_, err := run("import", "--tenant", tenant, bad)
	if err == nil {
		t.Fatal("a malformed file was imported")
	}
	for _, want := range []string{"line 2:", "password", "line 3:", "line 4: exactly one of"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("the refusal does not say %q:\n%v", want, err)
		}
	}
	if strings.Contains(err.Error(), "line 1:") || strings.Contains(err.Error(), "line 7:") {
		t.Errorf("good lines reported as bad:\n%v", err)
	}
	if _, err := run("import", bad); err == nil || !strings.Contains(err.Error(), "--tenant is required") {
		t.Errorf("no tenant: %v", err)
	}

	good := file(`{"user": {"email": "ada@example.com", "name": "Ada"}}
{"user": {"email": "bob@example.com", "role": "admin"}}
{"group": {"name": "engineering", "members": ["ada@example.com", "bob@example.com"]}}
{"workspace": {"name": "research", "owner": "ada@example.com", "members": [{"email": "bob@example.com", "role": "admin"}]}}
`)
	out, err := run("import", "--tenant", tenant, good)
	if err != nil {
		t.Fatalf("import: %v\n%s", err, out)
	}
	if !strings.Contains(out, "2 users, 1 groups (0 joined), 2 group memberships, 1 workspaces, 2 workspace memberships") || !strings.Contains(out, "projected into SpiceDB") {
		t.Errorf("import said:\n%s", out)
	}
	if out, err := run("reconcile", "--dry-run"); err != nil || !strings.Contains(out, "no drift") {
		t.Fatalf("reconcile after import: %v %s", err, out)
	}
	users := env.Must(t, 200, "GET", "/v1/users?q=bob", root, nil).Body["items"].([]any)
	if len(users) != 1 || users[0].(map[string]any)["global_role"] != "admin" {
		t.Fatalf("imported bob: %v", users)
	}
	// The same file again: every user exists now, nothing more is stored.
	if _, err := run("import", "--tenant", tenant, good); err == nil || !strings.Contains(err.Error(), "already has this email") {
		t.Fatalf("a second import of the same users: %v", err)
	}
}
