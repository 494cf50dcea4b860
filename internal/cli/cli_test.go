package cli_test

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/spf13/cobra"

	"github.com/gatehouse/gatehouse/internal/app"
	"github.com/gatehouse/gatehouse/internal/cli"
	"github.com/gatehouse/gatehouse/internal/testenv"
)

func TestMain(m *testing.M) { testenv.Main(m) }

// gh drives the CLI in-process, the way main does, with its own
// configuration directory.
type gh struct {
	t    *testing.T
	env  *testenv.Env
	vars map[string]string
}

type result struct {
	stdout, stderr string
	code           int
}

func newGH(t *testing.T) *gh {
	t.Helper()
	env := testenv.New(t)
	dir := t.TempDir()
	return &gh{t: t, env: env, vars: map[string]string{"XDG_CONFIG_HOME": filepath.Join(dir, "xdg"), "HOME": filepath.Join(dir, "home")}}
}

func (g *gh) getenv(k string) string { return g.vars[k] }

func (g *gh) run(args ...string) result {
	g.t.Helper()
	return g.runCtx(context.Background(), &bytes.Buffer{}, args...)
}

func (g *gh) runCtx(ctx context.Context, stdout interface{ Write([]byte) (int, error) }, args ...string) result {
	var errOut bytes.Buffer
	err := app.Run(ctx, args, g.getenv, stdout, &errOut)
	r := result{stderr: errOut.String(), code: cli.ExitCode(err)}
	if b, ok := stdout.(*bytes.Buffer); ok {
		r.stdout = b.String()
	}
	if err != nil && !cli.Reported(err) {
		r.stderr += "unreported: " + err.Error() + "\n"
	}
	return r
}

// ok runs a command that must succeed and returns its stdout.
func (g *gh) ok(args ...string) string {
	g.t.Helper()
	r := g.run(args...)
	if r.code != 0 || r.stderr != "" {
		g.t.Fatalf("gatehouse %s: exit %d\nstdout: %s\nstderr: %s", strings.Join(args, " "), r.code, r.stdout, r.stderr)
	}
	return r.stdout
}

// json runs a command with --output json and decodes its answer.
func (g *gh) json(args ...string) map[string]any {
	g.t.Helper()
	out := g.ok(append(args, "-o", "json")...)
	var m map[string]any
	if err := json.Unmarshal([]byte(out), &m); err != nil {
		g.t.Fatalf("gatehouse %s: not JSON: %v\n%s", strings.Join(args, " "), err, out)
	}
	return m
}

// fails runs a command that must fail with code and one line on stderr.
func (g *gh) fails(code int, args ...string) string {
	g.t.Helper()
	r := g.run(args...)
	if r.code != code {
		g.t.Fatalf("gatehouse %s: exit %d, want %d\nstdout: %s\nstderr: %s", strings.Join(args, " "), r.code, code, r.stdout, r.stderr)
	}
	if strings.Count(r.stderr, "\n") != 1 || !strings.HasPrefix(r.stderr, "gatehouse: ") {
		g.t.Fatalf("gatehouse %s: stderr is not one line: %q", strings.Join(args, " "), r.stderr)
	}
	if r.stdout != "" {
		g.t.Fatalf("gatehouse %s: failed but printed %q", strings.Join(args, " "), r.stdout)
	}
	return r.stderr
}

func (g *gh) loginRoot(profile string) {
	g.t.Helper()
	g.ok("login", "--url", g.env.Server.URL, "--email", g.env.Config.BootstrapEmail, "--password", g.env.Config.BootstrapPassword, "--profile", profile)
}

func items(t *testing.T, m map[string]any) []map[string]any {
	t.Helper()
	raw, ok := m["items"].([]any)
	if !ok {
		t.Fatalf("no items in %v", m)
	}
	out := make([]map[string]any, 0, len(raw))
	for _, r := range raw {
		out = append(out, r.(map[string]any))
	}
	return out
}

func anyItem(list []map[string]any, key, val string) bool {
	for _, it := range list {
		if it[key] == val {
			return true
		}
	}
	return false
}

func readProfiles(t *testing.T, path string) map[string]map[string]any {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var f struct {
		Profiles map[string]map[string]any `json:"profiles"`
	}
	if err := json.Unmarshal(raw, &f); err != nil {
		t.Fatal(err)
	}
	return f.Profiles
}

// Login stores a 0600 profile under $XDG_CONFIG_HOME/gatehouse; named
// profiles coexist and each acts as its own user; logout ends the
// session and removes only its profile.
func TestLoginProfiles(t *testing.T) {
	t.Parallel()
	g := newGH(t)
	g.loginRoot("default")
	_, bobToken := g.env.User(t, g.env.RootToken(t), "bob@example.com", "member")
	_ = bobToken
	g.ok("login", "--url", g.env.Server.URL+"/", "--email", "bob@example.com", "--password", "password-bob@example.com", "--profile", "bob")

	path := filepath.Join(g.vars["XDG_CONFIG_HOME"], "gatehouse", "profiles.json")
	st, err := os.Stat(path)
	if err != nil {
		t.Fatalf("profile file: %v", err)
	}
	if st.Mode().Perm() != 0o600 {
		t.Fatalf("profile file mode %v, want 0600", st.Mode().Perm())
	}
	if dst, err := os.Stat(filepath.Dir(path)); err != nil || dst.Mode().Perm()&0o077 != 0 {
		t.Fatalf("profile directory: %v %v", dst.Mode(), err)
	}
	ps := readProfiles(t, path)
	if len(ps) != 2 || ps["default"]["email"] != g.env.Config.BootstrapEmail || ps["bob"]["email"] != "bob@example.com" ||
		ps["default"]["token"] == ps["bob"]["token"] || ps["bob"]["url"] != g.env.Server.URL {
		t.Fatalf("profiles: %v", ps)
	}

	// Each profile acts as its user: root lists users, Bob may not.
	if list := items(t, g.json("users", "list")); !anyItem(list, "email", "bob@example.com") {
		t.Fatalf("users list: %v", list)
	}
	g.fails(1, "users", "list", "--profile", "bob")
	g.vars["GATEHOUSE_PROFILE"] = "bob"
	g.fails(1, "users", "list")
	delete(g.vars, "GATEHOUSE_PROFILE")

	// Logout ends Bob's session at the API and removes his profile only.
	bobStored := ps["bob"]["token"].(string)
	g.ok("logout", "--profile", "bob")
	if r := g.env.Do(t, "GET", "/v1/me", bobStored, nil); r.Status != 401 {
		t.Fatalf("Bob's session after logout: %d", r.Status)
	}
	if ps := readProfiles(t, path); len(ps) != 1 || ps["default"] == nil {
		t.Fatalf("profiles after logout: %v", ps)
	}
	if msg := g.fails(1, "users", "list", "--profile", "bob"); !strings.Contains(msg, "not logged in") {
		t.Fatalf("after logout: %s", msg)
	}
	g.fails(1, "logout", "--profile", "bob")
	g.ok("users", "list")

	// Without XDG_CONFIG_HOME, profiles live in ~/.config/gatehouse.
	delete(g.vars, "XDG_CONFIG_HOME")
	g.loginRoot("default")
	home := filepath.Join(g.vars["HOME"], ".config", "gatehouse", "profiles.json")
	if st, err := os.Stat(home); err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("profile under HOME: %v %v", st, err)
	}

	// A wrong password is refused in one line and stores nothing.
	g.fails(1, "login", "--url", g.env.Server.URL, "--email", "bob@example.com", "--password", "wrong-password", "--profile", "eve")
	if ps := readProfiles(t, home); ps["eve"] != nil {
		t.Fatalf("failed login stored a profile: %v", ps)
	}
}

// An administrator's session: invite, accept (the invite's JSON output
// piped into the next steps), workspace, member, custom role and its
// assignment, an API key whose secret is printed once, groups, kinds,
// service credentials, the audit log, check and explain.
func TestAdminSession(t *testing.T) {
	t.Parallel()
	g := newGH(t)
	g.loginRoot("default")

	// users invite --output json feeds the next commands.
	inv := g.json("users", "invite", "alice@example.com", "--name", "Alice", "--role", "member")
	alice, invToken := inv["id"].(string), inv["invitation_token"].(string)
	if alice == "" || invToken == "" || inv["status"] != "invited" {
		t.Fatalf("invite: %v", inv)
	}
	g.env.Must(t, 200, "POST", "/v1/invitations/accept", "", map[string]string{"token": invToken, "password": "alice-password-1"})
	if u := g.json("users", "get", alice); u["status"] != "active" || u["email"] != "alice@example.com" {
		t.Fatalf("users get: %v", u)
	}
	table := g.ok("users", "list", "--q", "alice", "-o", "table")
	if !strings.HasPrefix(table, "ID ") || !strings.Contains(table, "alice@example.com") || !strings.Contains(table, "active") || strings.Contains(table, "root@") {
		t.Fatalf("users list --q alice:\n%s", table)
	}

	ws := g.json("workspaces", "create", "Research", "--description", "R&D")["id"].(string)
	m := g.json("members", "add", "--workspace", ws, "--user", alice, "--role", "member")
	if m["id"] == nil || m["user_id"] != alice || m["role"] != "member" {
		t.Fatalf("members add: %v", m)
	}
	if list := items(t, g.json("members", "list", "-w", ws)); !anyItem(list, "user_id", alice) {
		t.Fatalf("members list: %v", list)
	}
	if list := items(t, g.json("workspaces", "list")); !anyItem(list, "id", ws) {
		t.Fatalf("workspaces list: %v", list)
	}

	// A custom role with permissions, assigned to Alice.
	role := g.json("roles", "create", "viewer", "--permission", "object:*:*:view:allow_all", "--description", "sees everything")
	roleID := role["id"].(string)
	if ps, _ := role["permissions"].([]any); len(ps) != 1 || ps[0] != "object:*:*:view:allow_all" {
		t.Fatalf("roles create: %v", role)
	}
	g.ok("roles", "assign", roleID, "user:"+alice)
	if out := g.ok("roles", "list", "-o", "table"); !strings.Contains(out, "viewer") || !strings.Contains(out, "builtin:admin") {
		t.Fatalf("roles list:\n%s", out)
	}
	if r := g.json("roles", "edit", roleID, "--name", "readers"); r["name"] != "readers" {
		t.Fatalf("roles edit: %v", r)
	}
	assigned := g.env.Must(t, 200, "GET", "/v1/roles/"+roleID+"/assignments", g.env.RootToken(t), nil)
	if !strings.Contains(string(assigned.Raw), alice) {
		t.Fatalf("assignments: %s", assigned.Raw)
	}

	// An API key: the secret is printed once, never listed, and works.
	out := g.ok("keys", "create", "--workspace", ws, "--name", "ci", "--role", "member", "-o", "table")
	var secret string
	for _, line := range strings.Split(out, "\n") {
		if s, ok := strings.CutPrefix(line, "key: "); ok {
			secret = s
		}
	}
	if secret == "" || strings.Count(out, secret) != 1 {
		t.Fatalf("keys create:\n%s", out)
	}
	if listed := g.ok("keys", "list", "-w", ws, "-o", "json"); strings.Contains(listed, secret) || !strings.Contains(listed, `"ci"`) {
		t.Fatalf("keys list: %s", listed)
	}
	g.ok("login", "--url", g.env.Server.URL, "--token", secret, "--profile", "ci")
	if got := g.ok("check", "workspace:"+ws, "view_resources", "--profile", "ci", "-o", "table"); got != "allow\n" {
		t.Fatalf("the key's own check: %q", got)
	}

	// Groups and kinds.
	grp := g.json("groups", "create", "analysts")["id"].(string)
	g.ok("groups", "add-member", grp, alice)
	if out := g.ok("groups", "get", grp, "-o", "table"); !strings.Contains(out, "alice@example.com") || !strings.Contains(out, "members: 1") {
		t.Fatalf("groups get:\n%s", out)
	}
	g.json("members", "add", "-w", ws, "--group", grp, "--role", "member")
	g.ok("kinds", "register", "Infra:Device")
	if list := items(t, g.json("kinds", "list")); !anyItem(list, "id", "Infra:Device") || !anyItem(list, "id", "Core:Workspace") {
		t.Fatalf("kinds list: %v", list)
	}

	// Service credentials: created with a secret, listed, revoked.
	svc := g.json("service-credentials", "create", "billing")
	if k, _ := svc["key"].(string); k == "" {
		t.Fatalf("service-credentials create: %v", svc)
	}
	if list := items(t, g.json("service-credentials", "list")); !anyItem(list, "name", "billing") {
		t.Fatalf("service-credentials list: %v", list)
	}
	g.ok("service-credentials", "revoke", svc["id"].(string))

	// The audit log, filtered by workspace and by action.
	entries := items(t, g.json("audit", "list", "--workspace", ws))
	if !anyItem(entries, "action", "workspace.member.add") || !anyItem(entries, "action", "apikey.create") {
		t.Fatalf("audit list --workspace: %v", entries)
	}
	for _, e := range entries {
		if e["workspace_id"] != ws {
			t.Fatalf("audit list --workspace %s returned %v", ws, e)
		}
	}
	if only := items(t, g.json("audit", "list", "--action", "kind.register")); len(only) != 1 || only[0]["target"] == nil {
		t.Fatalf("audit list --action kind.register: %v", only)
	}
	if out := g.ok("audit", "list", "--since", "1h", "-o", "table"); !strings.Contains(out, "workspace.create") || !strings.HasPrefix(out, "ID ") {
		t.Fatalf("audit table:\n%s", out)
	}
	one := g.json("audit", "list", "--limit", "1")
	if len(items(t, one)) != 1 || one["next_cursor"] == nil {
		t.Fatalf("audit --limit 1: %v", one)
	}
	all := items(t, g.json("audit", "list", "--limit", "2", "--all"))
	if len(all) < len(entries) {
		t.Fatalf("audit --all: %d entries, fewer than the workspace's %d", len(all), len(entries))
	}

	// check and explain: Alice may see the workspace's resources, not
	// manage its members.
	if got := g.ok("check", "--subject", "user:"+alice, "--resource", "workspace:"+ws, "--permission", "view_resources", "-o", "table"); got != "allow\n" {
		t.Fatalf("check: %q", got)
	}
	if c := g.json("check", "--subject", "user:"+alice, "workspace:"+ws, "manage_members"); c["allowed"] != false || c["decision"] != "deny" {
		t.Fatalf("check deny: %v", c)
	}
	ex := g.ok("explain", "--subject", "user:"+alice, "workspace:"+ws, "view_resources", "-o", "table")
	if !strings.HasPrefix(ex, "decision: allow\n") || !strings.Contains(ex, "trace:\n") ||
		!strings.Contains(ex, "workspace:"+ws+"#view_resources for user:"+alice+": has permission") {
		t.Fatalf("explain:\n%s", ex)
	}
	if exj := g.json("explain", "--subject", "user:"+alice, "workspace:"+ws, "view_resources"); exj["explanation"] == nil {
		t.Fatalf("explain json: %v", exj)
	}

	// Alice logs in with her own profile and checks herself.
	g.ok("login", "--url", g.env.Server.URL, "--email", "alice@example.com", "--password", "alice-password-1", "--profile", "alice")
	if got := g.ok("check", "workspace:"+ws, "view_resources", "--profile", "alice", "-o", "table"); got != "allow\n" {
		t.Fatalf("Alice's check: %q", got)
	}

	// Lifecycle commands.
	memberID := m["id"].(string)
	if r := g.json("members", "set-role", "-w", ws, memberID, "admin"); r["role"] != "admin" {
		t.Fatalf("members set-role: %v", r)
	}
	g.ok("members", "remove", "-w", ws, memberID)
	g.ok("members", "add", "-w", ws, "--user", alice)
	if r := g.json("members", "set-role", "-w", ws, "--user", alice, "admin"); r["role"] != "admin" || r["user_id"] != alice {
		t.Fatalf("members set-role --user: %v", r)
	}
	g.ok("members", "remove", "-w", ws, "--user", alice)
	if list := items(t, g.json("members", "list", "-w", ws)); anyItem(list, "user_id", alice) {
		t.Fatalf("members remove --user left %v", list)
	}
	g.ok("roles", "unassign", roleID, "user:"+alice)
	if u := g.json("users", "disable", alice); u["status"] != "disabled" {
		t.Fatalf("users disable: %v", u)
	}
	if u := g.json("users", "enable", alice); u["status"] != "active" {
		t.Fatalf("users enable: %v", u)
	}
	if u := g.json("users", "set-role", alice, "admin"); u["global_role"] != "admin" {
		t.Fatalf("users set-role: %v", u)
	}
	g.ok("groups", "remove-member", grp, alice)
	g.ok("groups", "delete", grp)
	g.ok("roles", "delete", roleID)
	keyID := items(t, g.json("keys", "list", "-w", ws))[0]["id"].(string)
	g.ok("keys", "revoke", "-w", ws, keyID)
	g.fails(1, "workspaces", "get", ws, "--profile", "ci") // the revoked key is refused
	g.ok("workspaces", "delete", ws)
	g.fails(1, "workspaces", "get", ws)
}

// Exit statuses: 1 with the API's detail for a refused action, 2 for
// usage errors; in both cases one line on stderr and nothing on stdout.
func TestExitCodes(t *testing.T) {
	t.Parallel()
	g := newGH(t)
	g.loginRoot("default")
	root := g.env.RootToken(t)
	_, bob := g.env.User(t, root, "bob@example.com", "member")
	g.ok("login", "--url", g.env.Server.URL, "--email", "bob@example.com", "--password", "password-bob@example.com", "--profile", "bob")

	// A plain member may not invite: the line carries the API's detail and code.
	api := g.env.Do(t, "POST", "/v1/users", bob, map[string]string{"email": "x@example.com", "name": "x", "global_role": "member"})
	if api.Status != 403 || api.Str("detail") == "" {
		t.Fatalf("API refusal: %d %s", api.Status, api.Raw)
	}
	msg := g.fails(1, "users", "invite", "x@example.com", "--profile", "bob")
	if !strings.Contains(msg, api.Str("detail")) || !strings.Contains(msg, api.Str("code")) {
		t.Fatalf("refusal line %q lacks the API's detail %q / code %q", msg, api.Str("detail"), api.Str("code"))
	}
	ws := g.json("workspaces", "create", "Ops")["id"].(string)
	g.fails(1, "members", "add", "-w", ws, "--user", "0190a0a0-0000-7000-8000-000000000000", "--profile", "bob") // invisible: 404
	g.fails(1, "keys", "create", "-w", ws, "--name", "k", "--profile", "bob")
	g.fails(1, "users", "set-role", "0190a0a0-0000-7000-8000-000000000000", "admin") // no such user
	g.fails(1, "users", "list", "--profile", "nobody")                               // not logged in

	// Usage errors.
	for _, args := range [][]string{
		{"users", "list", "--bogus"},
		{"users", "get"},
		{"users", "frobnicate"},
		{"users"},
		{"users", "list", "-o", "yaml"},
		{"users", "list", "--limit", "x"},
		{"check", "workspace:" + ws},
		{"check", "--resource", "workspace", "--permission", "view"},
		{"members", "list"},
		{"members", "add", "-w", ws, "--role", "member"},
		{"members", "remove", "-w", ws},
		{"members", "set-role", "-w", ws, "--user", "u", "m", "admin"},
		{"roles", "assign", "r", "alice"},
		{"roles", "edit", "r"},
		{"login"},
		{"login", "--url", "ftp://x", "--token", "t"},
		{"users", "list", "--profile", "../etc"},
		{"audit", "list", "--since", "yesterday"},
	} {
		g.fails(2, args...)
	}
	// Help is not an error.
	if out := g.ok("users", "--help"); !strings.Contains(out, "invite") {
		t.Fatalf("help: %s", out)
	}
}

// syncBuffer is written by the CLI's goroutine and read by the test.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// waitFor polls cond until it holds (the test's deadline bounds it).
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline, ok := t.Deadline()
	if !ok {
		deadline = time.Now().Add(5 * time.Minute)
	}
	for !cond() {
		if time.Now().After(deadline.Add(-5 * time.Second)) {
			t.Fatalf("gave up waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// audit list --follow prints the newest entries, then each new entry once,
// until interrupted; the interruption exits 0.
func TestAuditFollow(t *testing.T) {
	t.Parallel()
	g := newGH(t)
	g.loginRoot("default")
	before := g.json("workspaces", "create", "Before")["id"].(string)

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	out := &syncBuffer{}
	done := make(chan result, 1)
	go func() { done <- g.runCtx(ctx, out, "audit", "list", "--follow", "--interval", "10ms", "-o", "json") }()

	waitFor(t, "the existing entries", func() bool { return strings.Contains(out.String(), "workspace:"+before) })
	root := g.env.RootToken(t)
	var later []string
	for _, name := range []string{"Later1", "Later2", "Later3"} {
		later = append(later, g.env.Must(t, 201, "POST", "/v1/workspaces", root, map[string]string{"name": name}).Str("id"))
	}
	waitFor(t, "the new entries", func() bool {
		s := out.String()
		for _, id := range later {
			if !strings.Contains(s, "workspace:"+id) {
				return false
			}
		}
		return true
	})
	cancel()
	r := <-done
	if r.code != 0 || r.stderr != "" {
		t.Fatalf("follow ended with %d: %s", r.code, r.stderr)
	}
	seen := map[string]bool{}
	var lastID float64
	for _, line := range strings.Split(strings.TrimSpace(out.String()), "\n") {
		var e map[string]any
		if err := json.Unmarshal([]byte(line), &e); err != nil {
			t.Fatalf("follow line %q: %v", line, err)
		}
		id := e["id"].(float64)
		key := line
		if seen[key] || id <= lastID {
			t.Fatalf("entry %v printed twice or out of order:\n%s", id, out.String())
		}
		seen[key] = true
		lastID = id
	}
}

// Login prompts for what its flags lack (read from stdin when it is not a
// terminal), and --password-stdin reads the password alone.
func TestLoginFromStdin(t *testing.T) {
	t.Parallel()
	g := newGH(t)
	login := func(stdin string, args ...string) (string, string, error) {
		root := &cobra.Command{Use: "gatehouse", SilenceUsage: true, SilenceErrors: true}
		var out, errOut bytes.Buffer
		root.AddCommand(cli.CommandsWithInput(g.getenv, strings.NewReader(stdin), &out, &errOut)...)
		root.SetArgs(args)
		err := root.Execute()
		return out.String(), errOut.String(), err
	}
	_, prompts, err := login(g.env.Config.BootstrapEmail+"\n"+g.env.Config.BootstrapPassword+"\n", "login", "--url", g.env.Server.URL, "--profile", "prompted")
	if err != nil || !strings.Contains(prompts, "Email: ") || !strings.Contains(prompts, "Password: ") {
		t.Fatalf("prompted login: %v %q", err, prompts)
	}
	if _, _, err := login(g.env.Config.BootstrapPassword+"\n", "login", "--url", g.env.Server.URL, "--email", g.env.Config.BootstrapEmail, "--password-stdin", "--profile", "piped"); err != nil {
		t.Fatalf("--password-stdin: %v", err)
	}
	g.ok("users", "list", "--profile", "prompted")
	g.ok("users", "list", "--profile", "piped")

	// A session ended elsewhere is refused with a hint to log in again.
	tok := readProfiles(t, filepath.Join(g.vars["XDG_CONFIG_HOME"], "gatehouse", "profiles.json"))["piped"]["token"].(string)
	g.env.Must(t, 204, "POST", "/v1/auth/logout", tok, nil)
	if msg := g.fails(1, "users", "list", "--profile", "piped"); !strings.Contains(msg, "log in again") {
		t.Fatalf("expired session: %s", msg)
	}
}
