package app_test

// Fault injection with real processes (SPEC §6 "Reliability", §5
// "Deadlines"): the gatehouse binary is built once, every test starts its
// own SpiceDB (on PostgreSQL) and its own `gatehouse serve` replicas, and
// kills, stops or freezes them by PID while a stream of membership writes
// runs. Every test waits for conditions (with generous overall deadlines),
// never for durations, and asserts no timing: a request that gets no
// answer within the HTTP client's timeout is reported as hung.
//
// The tests run one after another (no t.Parallel): each starts a SpiceDB
// and one or two Gatehouse processes, which is as much as two loaded cores
// take while another copy of the suite may be running.

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/gatehouse/gatehouse/internal/devstack"
	"github.com/gatehouse/gatehouse/internal/testenv"
)

const (
	// clientTimeout bounds every request the tests send. It is far above
	// the configured deadlines (5s): a request without an answer within it
	// hung.
	clientTimeout = 30 * time.Second
	// settle bounds how long the tests wait for a condition (readiness,
	// recovery, the outbox draining) before they fail.
	settle = 90 * time.Second

	faultRootEmail    = "root@example.com"
	faultRootPassword = "root-password-123"
)

// ---------------------------------------------------------------------------
// The binary.

var gatehouseBin struct {
	once sync.Once
	path string
	err  error
}

// gatehouseBinary builds ./cmd/gatehouse once per test binary. The binary is
// put next to the test binary when that lives in `go test`'s work directory
// (removed when the run ends).
func gatehouseBinary(t *testing.T) string {
	t.Helper()
	gatehouseBin.once.Do(func() {
		out, err := exec.Command("go", "env", "GOMOD").Output()
		gomod := strings.TrimSpace(string(out))
		if err != nil || gomod == "" || gomod == os.DevNull {
			gatehouseBin.err = fmt.Errorf("cannot find the module root (go env GOMOD: %q, %v)", gomod, err)
			return
		}
		dir := ""
		if exe, err := os.Executable(); err == nil && strings.Contains(exe, "go-build") {
			dir = filepath.Dir(exe)
		} else if dir, err = os.MkdirTemp("", "gatehouse-faults-bin-"); err != nil {
			gatehouseBin.err = err
			return
		}
		path := filepath.Join(dir, "gatehouse")
		// -buildvcs=auto: `version` names the commit (some machines set
		// GOFLAGS=-buildvcs=false).
		cmd := exec.Command("go", "build", "-buildvcs=auto", "-o", path, "./cmd/gatehouse")
		cmd.Dir = filepath.Dir(gomod)
		if out, err := cmd.CombinedOutput(); err != nil {
			gatehouseBin.err = fmt.Errorf("go build ./cmd/gatehouse: %v: %s", err, out)
			return
		}
		gatehouseBin.path = path
	})
	if gatehouseBin.err != nil {
		t.Fatal(gatehouseBin.err)
	}
	return gatehouseBin.path
}

// ---------------------------------------------------------------------------
// A `gatehouse serve` process.

type replica struct {
	name, base, logPath string
	bin                 string
	env                 []string

	mu   sync.Mutex
	cmd  *exec.Cmd
	done chan struct{}
}

func (r *replica) start() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	logf, err := os.OpenFile(r.logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	fmt.Fprintf(logf, "--- %s: gatehouse serve\n", time.Now().Format(time.RFC3339Nano))
	cmd := exec.Command(r.bin, "serve")
	cmd.Env = r.env
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL} // dies with the test binary
	if err := cmd.Start(); err != nil {
		logf.Close()
		return fmt.Errorf("start %s: %w", r.name, err)
	}
	done := make(chan struct{})
	go func() {
		_ = cmd.Wait()
		logf.Close()
		close(done)
	}()
	r.cmd, r.done = cmd, done
	return nil
}

// pid returns the process id, 0 when the process has ended.
func (r *replica) pid() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.cmd == nil {
		return 0
	}
	select {
	case <-r.done:
		return 0
	default:
		return r.cmd.Process.Pid
	}
}

func (r *replica) exited() <-chan struct{} {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.done
}

// kill ends the process at once (SIGKILL to its PID) and reaps it.
func (r *replica) kill() {
	r.signal(syscall.SIGKILL, 0)
}

// stop asks the process to stop (SIGTERM), then kills it.
func (r *replica) stop() {
	r.signal(syscall.SIGTERM, 15*time.Second)
}

func (r *replica) signal(sig syscall.Signal, grace time.Duration) {
	r.mu.Lock()
	cmd, done := r.cmd, r.done
	r.mu.Unlock()
	if cmd == nil {
		return
	}
	select {
	case <-done:
		return
	default:
	}
	_ = cmd.Process.Signal(sig)
	if grace > 0 {
		select {
		case <-done:
			return
		case <-time.After(grace):
			_ = cmd.Process.Kill()
		}
	}
	<-done
}

// ---------------------------------------------------------------------------
// One test's stack: SpiceDB on PostgreSQL, migrated, and its replicas.

type faultOptions struct {
	replicas int
	// ownPostgres starts a PostgreSQL cluster for this test alone (both
	// Gatehouse's database and SpiceDB's datastore live on it), so that it
	// can be restarted; otherwise both are databases on the shared cluster.
	ownPostgres bool
}

type faultEnv struct {
	t        *testing.T
	dir      string
	bin      string
	env      []string
	pg       *devstack.Postgres // when ownPostgres
	spice    *devstack.SpiceDB
	db       *pgxpool.Pool // Gatehouse's database, for verification
	replicas []*replica
	http     *http.Client

	root, owner   string // session tokens
	ownerID, ws   string
	tenant        uuid.UUID
	usersInserted int
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

func newFaultEnv(t *testing.T, opts faultOptions) *faultEnv {
	t.Helper()
	ctx := context.Background()
	bin := gatehouseBinary(t)
	dir, err := os.MkdirTemp("", "gatehouse-faults-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	if err := os.Chmod(dir, 0o755); err != nil { // the postgres user must reach its cluster
		t.Fatal(err)
	}
	e := &faultEnv{t: t, dir: dir, bin: bin}

	var gatehouseDB, spiceDB string
	if opts.ownPostgres {
		port, err := devstack.FreePort()
		if err != nil {
			t.Fatal(err)
		}
		e.pg, err = devstack.StartPostgres(ctx, devstack.PostgresOptions{Dir: filepath.Join(dir, "pg"), Port: port})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { e.pg.Stop() })
		for _, db := range []string{"gatehouse", "spicedb"} {
			if err := e.pg.CreateDatabase(ctx, db); err != nil {
				t.Fatal(err)
			}
		}
		gatehouseDB, spiceDB = e.pg.URL("gatehouse"), e.pg.URL("spicedb")
	} else {
		gatehouseDB, spiceDB = testenv.NewDatabase(t), testenv.NewDatabase(t)
	}

	spiceLog, err := os.Create(filepath.Join(dir, "spicedb.log"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { spiceLog.Close() })
	sport, err := devstack.FreePort()
	if err != nil {
		t.Fatal(err)
	}
	key := "faults-" + randomHex(8)
	e.spice, err = devstack.StartSpiceDB(ctx, devstack.SpiceDBOptions{
		Addr: fmt.Sprintf("127.0.0.1:%d", sport), Key: key, DatastoreURI: spiceDB, Log: spiceLog,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.spice.Stop() })

	e.env = []string{
		"PATH=" + os.Getenv("PATH"), "HOME=" + os.Getenv("HOME"), "TMPDIR=" + os.TempDir(),
		"DATABASE_URL=" + gatehouseDB,
		"SPICEDB_ENDPOINT=" + e.spice.Addr, "SPICEDB_KEY=" + key, "SPICEDB_INSECURE=true",
		"GATEHOUSE_TOKEN_KEY=faults-token-key-" + randomHex(16),
		"GATEHOUSE_BOOTSTRAP_EMAIL=" + faultRootEmail, "GATEHOUSE_BOOTSTRAP_PASSWORD=" + faultRootPassword,
		"GATEHOUSE_SPICEDB_TIMEOUT=5s", "GATEHOUSE_DATABASE_TIMEOUT=5s",
		"GATEHOUSE_RELAY_INTERVAL=200ms", "GATEHOUSE_LOG_LEVEL=warn",
	}
	if out, err := e.cli(ctx, "migrate"); err != nil {
		t.Fatalf("gatehouse migrate: %v\n%s", err, out)
	}

	e.http = &http.Client{Timeout: clientTimeout, Transport: &http.Transport{MaxIdleConnsPerHost: 128}}
	t.Cleanup(e.http.CloseIdleConnections)
	for i := range opts.replicas {
		port, err := devstack.FreePort()
		if err != nil {
			t.Fatal(err)
		}
		addr := fmt.Sprintf("127.0.0.1:%d", port)
		r := &replica{
			name: fmt.Sprintf("replica%d", i), base: "http://" + addr, bin: bin,
			logPath: filepath.Join(dir, fmt.Sprintf("replica%d.log", i)),
			env:     append(slices.Clone(e.env), "GATEHOUSE_HTTP_ADDR="+addr),
		}
		if err := r.start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(r.stop)
		e.replicas = append(e.replicas, r)
		// One after the other: the first one bootstraps the tenant.
		e.waitReady(r)
	}
	t.Cleanup(func() {
		if t.Failed() {
			e.dumpLogs()
		}
	})

	cfg, err := pgxpool.ParseConfig(gatehouseDB)
	if err != nil {
		t.Fatal(err)
	}
	cfg.MaxConns = 4
	if e.db, err = pgxpool.NewWithConfig(ctx, cfg); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(e.db.Close)

	// The cast: the bootstrap superadmin, a workspace owner, a workspace.
	r0 := e.replicas[0]
	e.root = e.login(r0, faultRootEmail, faultRootPassword)
	inv := e.must(201, r0, "POST", "/v1/users", e.root, map[string]string{"email": "owner@example.com", "name": "Owner", "global_role": "member"})
	e.ownerID = inv.str("id")
	e.must(200, r0, "POST", "/v1/invitations/accept", "", map[string]string{"token": inv.str("invitation_token"), "password": "owner-password-123"})
	e.owner = e.login(r0, "owner@example.com", "owner-password-123")
	e.ws = e.must(201, r0, "POST", "/v1/workspaces", e.owner, map[string]string{"name": "faults"}).str("id")
	if err := e.db.QueryRow(ctx, `SELECT tenant_id FROM users WHERE id = $1`, e.ownerID).Scan(&e.tenant); err != nil {
		t.Fatal(err)
	}
	return e
}

// cli runs the gatehouse binary with the stack's environment.
func (e *faultEnv) cli(ctx context.Context, args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, e.bin, args...)
	cmd.Env = e.env
	out, err := cmd.CombinedOutput()
	return string(out), err
}

func (e *faultEnv) waitReady(r *replica) {
	e.t.Helper()
	e.eventually(fmt.Sprintf("%s answers /readyz 200", r.name), func() (bool, string) {
		select {
		case <-r.exited():
			e.t.Fatalf("%s exited before it was ready; its log:\n%s", r.name, tail(r.logPath, 40))
		default:
		}
		rep := e.call(r, "GET", "/readyz", "", nil)
		return rep.status == 200, rep.String()
	})
}

// eventually polls cond until it holds; it fails the test after settle.
func (e *faultEnv) eventually(what string, cond func() (bool, string)) {
	e.t.Helper()
	deadline := time.Now().Add(settle)
	last := ""
	for {
		ok, detail := cond()
		if ok {
			return
		}
		last = detail
		if time.Now().After(deadline) {
			e.t.Fatalf("gave up waiting (%s) until: %s; last: %s", settle, what, last)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func (e *faultEnv) dumpLogs() {
	for _, r := range e.replicas {
		e.t.Logf("--- %s log (tail):\n%s", r.name, tail(r.logPath, 15))
	}
	e.t.Logf("--- spicedb log (tail):\n%s", tail(filepath.Join(e.dir, "spicedb.log"), 8))
}

// serverLog returns the replicas' log lines about the request id quoted in
// answer (a problem's request_id), to show why a request failed.
func (e *faultEnv) serverLog(answer string) string {
	const key = `"request_id":"`
	i := strings.Index(answer, key)
	if i < 0 {
		return ""
	}
	id, _, _ := strings.Cut(answer[i+len(key):], `"`)
	var found []string
	for _, r := range e.replicas {
		raw, _ := os.ReadFile(r.logPath)
		for _, l := range strings.Split(string(raw), "\n") {
			if strings.Contains(l, "request_id="+id) {
				found = append(found, "\n\tserver log: "+l)
			}
		}
	}
	return strings.Join(found, "")
}

func tail(path string, n int) string {
	raw, err := os.ReadFile(path)
	if err != nil {
		return err.Error()
	}
	lines := strings.Split(strings.TrimRight(string(raw), "\n"), "\n")
	lines = lines[max(0, len(lines)-n):]
	for i, l := range lines {
		if len(l) > 400 {
			lines[i] = l[:400] + " ..."
		}
	}
	return strings.Join(lines, "\n")
}

// ---------------------------------------------------------------------------
// HTTP.

type reply struct {
	status int
	body   map[string]any
	raw    string
	err    error // no HTTP answer (connection refused or reset, client timeout)
}

func (r reply) str(key string) string {
	s, _ := r.body[key].(string)
	return s
}

func (r reply) String() string {
	if r.err != nil {
		return "no answer: " + r.err.Error()
	}
	return fmt.Sprintf("%d %s", r.status, strings.TrimSpace(r.raw))
}

func (e *faultEnv) call(r *replica, method, path, token string, body any) reply {
	var rd io.Reader
	if body != nil {
		raw, err := json.Marshal(body)
		if err != nil {
			return reply{err: err}
		}
		rd = bytes.NewReader(raw)
	}
	req, err := http.NewRequest(method, r.base+path, rd)
	if err != nil {
		return reply{err: err}
	}
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := e.http.Do(req)
	if err != nil {
		return reply{err: err}
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		return reply{err: err}
	}
	out := reply{status: resp.StatusCode, raw: string(raw)}
	_ = json.Unmarshal(raw, &out.body)
	return out
}

func (e *faultEnv) must(want int, r *replica, method, path, token string, body any) reply {
	e.t.Helper()
	rep := e.call(r, method, path, token, body)
	if rep.err != nil || rep.status != want {
		e.t.Fatalf("%s %s on %s: %s, want %d", method, path, r.name, rep, want)
	}
	return rep
}

func (e *faultEnv) login(r *replica, email, password string) string {
	e.t.Helper()
	return e.must(200, r, "POST", "/v1/auth/login", "", map[string]string{"email": email, "password": password}).str("token")
}

// checkMember asks r (as the superadmin) whether user may view the
// workspace's resources, i.e. is a member.
func (e *faultEnv) checkMember(r *replica, user string) reply {
	return e.call(r, "POST", "/v1/check", e.root, map[string]any{
		"subject":     map[string]string{"type": "user", "id": user},
		"resource":    map[string]string{"type": "workspace", "id": e.ws},
		"permission":  "view_resources",
		"consistency": map[string]any{"fully_consistent": true},
	})
}

func (e *faultEnv) addMember(r *replica, user string) reply {
	return e.call(r, "POST", "/v1/workspaces/"+e.ws+"/members", e.owner, map[string]string{"user_id": user, "role": "member"})
}

// ---------------------------------------------------------------------------
// Data and verification.

// addUsers stores n active users straight into PostgreSQL (no password
// hashing: they never log in) and projects them with `gatehouse reconcile`.
func (e *faultEnv) addUsers(n int) []string {
	e.t.Helper()
	ctx := context.Background()
	ids := make([]string, n)
	rows := make([][]any, n)
	now := time.Now()
	for i := range n {
		id := uuid.New()
		ids[i] = id.String()
		k := e.usersInserted + i
		rows[i] = []any{id, e.tenant, fmt.Sprintf("u%d@example.com", k), fmt.Sprintf("User %d", k), "member", "active", now, now}
	}
	e.usersInserted += n
	if _, err := e.db.CopyFrom(ctx, pgx.Identifier{"users"}, []string{"id", "tenant_id", "email", "name", "global_role", "status", "created_at", "updated_at"}, pgx.CopyFromRows(rows)); err != nil {
		e.t.Fatal(err)
	}
	if out, err := e.cli(ctx, "reconcile"); err != nil {
		e.t.Fatalf("gatehouse reconcile: %v\n%s", err, out)
	}
	return ids
}

// members returns the workspace's stored memberships: user id -> role.
func (e *faultEnv) members() map[string]string {
	e.t.Helper()
	var out map[string]string
	e.eventually("PostgreSQL answers", func() (bool, string) {
		rows, err := e.db.Query(context.Background(), `SELECT user_id::text, role FROM workspace_members WHERE workspace_id = $1 AND user_id IS NOT NULL`, e.ws)
		if err != nil {
			return false, err.Error()
		}
		out = map[string]string{}
		for rows.Next() {
			var u, role string
			if err := rows.Scan(&u, &role); err != nil {
				return false, err.Error()
			}
			out[u] = role
		}
		return rows.Err() == nil, fmt.Sprint(rows.Err())
	})
	return out
}

// waitOutboxDrained waits until no outbox entry is left unapplied.
func (e *faultEnv) waitOutboxDrained() {
	e.t.Helper()
	e.eventually("the outbox has no unapplied entry", func() (bool, string) {
		var n int
		var lastErr string
		err := e.db.QueryRow(context.Background(), `SELECT count(*), coalesce(max(last_error), '') FROM outbox WHERE applied_at IS NULL`).Scan(&n, &lastErr)
		if err != nil {
			return false, err.Error()
		}
		return n == 0, fmt.Sprintf("%d unapplied (last error: %s)", n, lastErr)
	})
}

// projected asks Gatehouse (one bulk check, fully consistent) which of
// users SpiceDB holds as members of the workspace.
func (e *faultEnv) projected(r *replica, users []string) map[string]bool {
	e.t.Helper()
	out := map[string]bool{}
	for start := 0; start < len(users); start += 50 {
		batch := users[start:min(start+50, len(users))]
		items := make([]map[string]any, len(batch))
		for i, u := range batch {
			items[i] = map[string]any{
				"subject":    map[string]string{"type": "user", "id": u},
				"resource":   map[string]string{"type": "workspace", "id": e.ws},
				"permission": "view_resources",
			}
		}
		// A verification read: on a loaded machine a fully consistent bulk
		// check can outlast SpiceDB's deadline (503); ask again until it
		// answers.
		var rep reply
		e.eventually("the verification bulk check answers", func() (bool, string) {
			rep = e.call(r, "POST", "/v1/check/bulk", e.root, map[string]any{"items": items, "consistency": map[string]any{"fully_consistent": true}})
			return rep.err == nil && rep.status == 200, rep.String()
		})
		results, _ := rep.body["results"].([]any)
		if len(results) != len(batch) {
			e.t.Fatalf("bulk check: %d results for %d items: %s", len(results), len(batch), rep)
		}
		for i, res := range results {
			m, _ := res.(map[string]any)
			if m["error"] != nil {
				e.t.Fatalf("bulk check item %d: %v", i, m["error"])
			}
			out[batch[i]] = m["allowed"] == true
		}
	}
	return out
}

// noDriftCLI runs `gatehouse reconcile --dry-run` and requires "no drift".
func (e *faultEnv) noDriftCLI() {
	e.t.Helper()
	out, err := e.cli(context.Background(), "reconcile", "--dry-run")
	if err != nil || !strings.Contains(out, "no drift") {
		e.t.Errorf("gatehouse reconcile --dry-run (err %v):\n%s", err, out)
	}
}

// ---------------------------------------------------------------------------
// The stream.

type memberWrite struct {
	user    string
	replica string
	reply
}

// addMembers posts one membership per user, conc at a time, spread over the
// replicas in turn. progress, when set, is called (from the writers, maybe
// at once) with the number of answers so far.
func (e *faultEnv) addMembers(users []string, conc int, progress func(answered int)) []memberWrite {
	out := make([]memberWrite, len(users))
	next := make(chan int)
	var answered atomic.Int64
	var wg sync.WaitGroup
	for range conc {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				r := e.replicas[i%len(e.replicas)]
				out[i] = memberWrite{user: users[i], replica: r.name, reply: e.addMember(r, users[i])}
				if n := answered.Add(1); progress != nil {
					progress(int(n))
				}
			}
		}()
	}
	for i := range users {
		next <- i
	}
	close(next)
	wg.Wait()
	return out
}

func summary(ws []memberWrite) string {
	counts := map[string]int{}
	for _, w := range ws {
		k := fmt.Sprint(w.status)
		if w.err != nil {
			k = "no-answer"
		}
		counts[w.replica+":"+k]++
	}
	keys := make([]string, 0, len(counts))
	for k := range counts {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	for _, k := range keys {
		fmt.Fprintf(&b, "%s=%d ", k, counts[k])
	}
	return strings.TrimSpace(b.String())
}

// requireAnswered fails for every write of ws that got no answer or a
// status outside allowed. Where nothing is down, 201 and 202 are allowed
// (a SpiceDB write slower than its deadline on a loaded machine is stored
// and answered 202, which is correct), 503 is not.
func requireAnswered(t *testing.T, phase string, ws []memberWrite, allowed ...int) {
	t.Helper()
	bad := 0
	for _, w := range ws {
		if w.err != nil || !slices.Contains(allowed, w.status) {
			if bad++; bad <= 5 {
				t.Errorf("%s: add %s on %s: %s (want one of %v)", phase, w.user, w.replica, w.reply, allowed)
			}
		}
	}
	if bad > 5 {
		t.Errorf("%s: %d writes in all answered outside %v", phase, bad, allowed)
	}
}

// verifyNothingLost waits for the outbox to drain, then requires: every
// write answered 201/202 is stored; every write refused (503, 4xx) stored
// nothing; a write that got no answer (or a 500, which the callers
// report) may be either, but whatever
// PostgreSQL holds SpiceDB holds (and nothing else); reconcile finds no
// drift.
func (e *faultEnv) verifyNothingLost(ws []memberWrite) {
	e.t.Helper()
	t := e.t
	e.waitOutboxDrained()
	stored := e.members()
	users := make([]string, len(ws))
	for i, w := range ws {
		users[i] = w.user
	}
	proj := e.projected(e.replicas[0], users)
	lost, phantom, inconsistent, unknownStored, unknown := 0, 0, 0, 0, 0
	for _, w := range ws {
		isStored := stored[w.user] == "member"
		switch {
		case w.err != nil || (w.status >= 500 && w.status != 503):
			// No answer, or one that does not say (the callers report
			// the status): the write may or may not be stored.
			unknown++
			if isStored {
				unknownStored++
			}
		case w.status == 201 || w.status == 202:
			if !isStored {
				if lost++; lost <= 5 {
					t.Errorf("lost: add %s answered %d by %s but not in PostgreSQL", w.user, w.status, w.replica)
				}
			}
			if w.status == 201 && w.str("consistency_token") == "" {
				t.Errorf("201 without consistency_token: %s", w.reply)
			}
			if w.status == 202 && w.body["projection_pending"] != true {
				t.Errorf("202 without projection_pending: %s", w.reply)
			}
		default: // refused (503, or a 4xx the caller reports)
			if isStored {
				if phantom++; phantom <= 5 {
					t.Errorf("refused but stored: add %s answered %d by %s", w.user, w.status, w.replica)
				}
			}
		}
		if proj[w.user] != isStored {
			if inconsistent++; inconsistent <= 5 {
				t.Errorf("user %s: stored in PostgreSQL %v, member in SpiceDB %v (write: %s)", w.user, isStored, proj[w.user], w.reply)
			}
		}
	}
	for u, role := range stored {
		if role == "member" && !slices.Contains(users, u) {
			t.Errorf("membership of %s stored that nobody wrote", u)
		}
	}
	t.Logf("verified %d writes: %d lost, %d refused-but-stored, %d stored/projected mismatches; %d with no answer or a 500 (%d of them stored)",
		len(ws), lost, phantom, inconsistent, unknown, unknownStored)
	e.noDriftCLI()
}

// ---------------------------------------------------------------------------
// The scenarios.

// A replica killed (SIGKILL to the real process) while writes are in
// flight to both replicas, restarted, and the stream continued: nothing
// answered as accepted is lost, nothing refused is stored, writes cut off
// by the kill are either stored and projected (the surviving replica's
// relay applies their outbox entries) or not stored at all, and reconcile
// finds no drift.
func TestReplicaSIGKILLMidStreamNothingLost(t *testing.T) {
	e := newFaultEnv(t, faultOptions{replicas: 2})
	const n = 300
	users := e.addUsers(n)
	third := n / 3
	victim := e.replicas[1]

	w1 := e.addMembers(users[:third], 8, nil)
	requireAnswered(t, "before the kill", w1, 201, 202)

	var once sync.Once
	killed := false
	w2 := e.addMembers(users[third:2*third], 8, func(answered int) {
		if answered >= third/2 {
			once.Do(func() {
				victim.kill()
				killed = true
			})
		}
	})
	if !killed {
		t.Fatal("the kill never happened")
	}
	cutOff := 0
	for _, w := range w2 {
		if w.replica == victim.name && w.err != nil {
			cutOff++
		}
	}
	if cutOff == 0 {
		t.Fatalf("no write to the killed replica went unanswered: the kill missed the stream (%s)", summary(w2))
	}
	// The survivor answers throughout; the victim's writes get no answer.
	var survivor []memberWrite
	for _, w := range w2 {
		if w.replica != victim.name {
			survivor = append(survivor, w)
		}
	}
	requireAnswered(t, "survivor during the kill", survivor, 201, 202)

	if err := victim.start(); err != nil {
		t.Fatal(err)
	}
	e.waitReady(victim)
	e.http.CloseIdleConnections()
	w3 := e.addMembers(users[2*third:], 8, nil)
	requireAnswered(t, "after the restart", w3, 201, 202)
	t.Logf("before: %s\nduring: %s\nafter: %s", summary(w1), summary(w2), summary(w3))

	e.verifyNothingLost(slices.Concat(w1, w2, w3))
}

// SpiceDB killed during the stream and restarted on the same address:
// writes are refused cleanly (503, nothing stored) or stored and applied
// when it returns (202); checks fail closed (503, never allowed) and
// readiness says so; afterwards nothing is lost and reconcile finds no
// drift.
func TestSpiceDBStoppedMidStreamNothingLost(t *testing.T) {
	e := newFaultEnv(t, faultOptions{replicas: 2})
	const n = 300
	users := e.addUsers(n + len(e.replicas))
	probes, users := users[n:], users[:n]
	third := n / 3
	ctx := context.Background()

	w1 := e.addMembers(users[:third], 8, nil)
	requireAnswered(t, "before the outage", w1, 201, 202)

	var once sync.Once
	down := false
	w2 := e.addMembers(users[third:2*third], 8, func(answered int) {
		if answered >= third/2 {
			once.Do(func() {
				e.spice.Kill()
				down = true
			})
		}
	})
	if !down {
		t.Fatal("SpiceDB was never stopped")
	}
	requireAnswered(t, "during the outage", w2, 201, 202, 503)
	hit := 0
	for _, w := range w2 {
		if w.status == 202 || w.status == 503 {
			hit++
		}
	}
	if hit == 0 {
		t.Fatalf("the stream never met the outage: %s", summary(w2))
	}

	// While SpiceDB is down, checks fail closed on every replica (subjects
	// never checked before, so no cached answer can be given) and
	// readiness reports SpiceDB down.
	for i, r := range e.replicas {
		rep := e.checkMember(r, probes[i])
		if rep.err != nil || rep.status != 503 || rep.body["allowed"] != nil {
			t.Errorf("check on %s while SpiceDB is down: %s (want 503 without allowed)", r.name, rep)
		}
		ready := e.call(r, "GET", "/readyz", "", nil)
		checks, _ := ready.body["checks"].(map[string]any)
		if ready.status != 503 || checks["spicedb"] == "ok" || checks["postgres"] != "ok" {
			t.Errorf("readyz on %s while SpiceDB is down: %s", r.name, ready)
		}
	}

	if err := e.spice.Restart(ctx); err != nil {
		t.Fatal(err)
	}
	back := time.Now() // a measurement for the log, asserted nowhere
	for i, r := range e.replicas {
		e.eventually(r.name+" answers checks again after SpiceDB returned", func() (bool, string) {
			rep := e.checkMember(r, probes[i])
			if rep.status >= 500 && rep.status != 503 {
				t.Errorf("check on %s while SpiceDB comes back: %s", r.name, rep)
			}
			return rep.status == 200, rep.String()
		})
	}
	t.Logf("recovery: checks answered 200 on every replica %s after SpiceDB was back", time.Since(back).Round(time.Millisecond))
	e.waitOutboxDrained()
	t.Logf("recovery: the writes stored while SpiceDB was down were applied %s after it was back", time.Since(back).Round(time.Millisecond))
	w3 := e.addMembers(users[2*third:], 8, nil)
	requireAnswered(t, "after SpiceDB returned", w3, 201, 202)
	t.Logf("before: %s\nduring: %s\nafter: %s", summary(w1), summary(w2), summary(w3))

	e.verifyNothingLost(slices.Concat(w1, w2, w3))
}

// SpiceDB frozen (SIGSTOP): a check, a membership write and readiness each
// answer within the configured deadline instead of hanging for as long as
// the freeze: the check and the write with 503 (the write may instead be
// stored durably and answered 202), readiness with SpiceDB down and
// PostgreSQL up. After SIGCONT Gatehouse answers checks again without a
// restart, and nothing is lost. The test asserts statuses, not elapsed
// time: an answer that does not come within the client's 30 s timeout is
// a hang.
func TestSpiceDBFrozenAnswers503WithinDeadline(t *testing.T) {
	e := newFaultEnv(t, faultOptions{replicas: 1})
	r := e.replicas[0]
	users := e.addUsers(3)
	warm := memberWrite{user: users[0], replica: r.name, reply: e.addMember(r, users[0])}
	if warm.status != 201 {
		t.Fatalf("add before the freeze: %s", warm.reply)
	}
	if rep := e.checkMember(r, users[0]); rep.status != 200 || rep.body["allowed"] != true {
		t.Fatalf("check before the freeze: %s", rep)
	}

	pid := e.spice.PID()
	if pid == 0 {
		t.Fatal("SpiceDB is not running")
	}
	t.Cleanup(func() { _ = syscall.Kill(pid, syscall.SIGCONT) }) // before SpiceDB is stopped
	if err := syscall.Kill(pid, syscall.SIGSTOP); err != nil {
		t.Fatal(err)
	}

	// All three at once: a hang costs one client timeout, not three.
	var check, write, ready reply
	var wg sync.WaitGroup
	wg.Add(3)
	go func() { defer wg.Done(); check = e.checkMember(r, users[1]) }()
	go func() { defer wg.Done(); write = e.addMember(r, users[2]) }()
	go func() { defer wg.Done(); ready = e.call(r, "GET", "/readyz", "", nil) }()
	wg.Wait()

	if check.err != nil || check.status != 503 || check.body["allowed"] != nil {
		t.Errorf("check while SpiceDB is frozen: %s (want 503 without allowed)", check)
	}
	if write.err != nil || (write.status != 503 && write.status != 202) {
		t.Errorf("membership write while SpiceDB is frozen: %s (want 503, or 202 stored and pending)", write)
	}
	checks, _ := ready.body["checks"].(map[string]any)
	if ready.err != nil || ready.status != 503 || checks["spicedb"] == "ok" || checks["spicedb"] == nil || checks["postgres"] != "ok" {
		t.Errorf("readyz while SpiceDB is frozen: %s (want 503, spicedb down, postgres ok)", ready)
	}
	t.Logf("while frozen: check %s; write %s; readyz %s", check, write, ready)

	if err := syscall.Kill(pid, syscall.SIGCONT); err != nil {
		t.Fatal(err)
	}
	thawed := time.Now() // a measurement for the log, asserted nowhere
	e.eventually("checks answer 200 after SIGCONT", func() (bool, string) {
		rep := e.checkMember(r, users[1])
		return rep.status == 200, rep.String()
	})
	t.Logf("recovery: checks answered 200 %s after SIGCONT", time.Since(thawed).Round(time.Millisecond))
	e.verifyNothingLost([]memberWrite{warm, {user: users[2], replica: r.name, reply: write}})
}

// PostgreSQL (holding both Gatehouse's database and SpiceDB's datastore)
// restarted under a stream of membership writes and checks: no answer is a
// 500 (503 while it is down), the same Gatehouse process serves again
// afterwards, nothing acknowledged is lost and nothing refused is stored.
// Each writer adds fresh members one after the other and retries a write
// answered 503 (refused: nothing stored, so the retry must not conflict).
func TestPostgresRestartNo500(t *testing.T) {
	e := newFaultEnv(t, faultOptions{replicas: 1, ownPostgres: true})
	r := e.replicas[0]
	pid := r.pid()
	const writers, perWriter = 4, 150
	pool := e.addUsers(writers * perWriter)
	ctx := context.Background()

	const (
		before int32 = iota
		restarting
		after
	)
	phaseName := []string{"started before the restart", "started during the restart", "started after the restart"}
	var phase atomic.Int32
	var mu sync.Mutex
	counts := map[string]int{}
	var bad []string
	record := func(what string, ph int32, rep reply, ok ...int) {
		mu.Lock()
		defer mu.Unlock()
		k := fmt.Sprint(rep.status)
		if rep.err != nil {
			k = "no-answer"
		}
		counts[fmt.Sprintf("%s: %s %s", phaseName[ph], what, k)]++
		if rep.err != nil || !slices.Contains(ok, rep.status) {
			bad = append(bad, fmt.Sprintf("%s (%s): %s", what, phaseName[ph], rep))
		}
	}

	stop := make(chan struct{})
	var wg sync.WaitGroup
	acks := make([][3]atomic.Int64, writers+1) // per worker and phase: answers that are not 503
	writes := make([][]memberWrite, writers)   // per writer: the last answer for each user tried
	for i := range writers {
		users := pool[i*perWriter : (i+1)*perWriter]
		wg.Add(1)
		go func() {
			defer wg.Done()
			retried := false
			for next := 0; next < len(users); {
				select {
				case <-stop:
					return
				default:
				}
				ph := phase.Load()
				rep := e.addMember(r, users[next])
				record("add", ph, rep, 201, 202, 503)
				if retried && rep.status == 409 {
					record("add after a 503 found the member stored", ph, rep)
				}
				if rep.err == nil && rep.status == 503 {
					retried = true
					time.Sleep(20 * time.Millisecond) // pace retries against a dead dependency
					continue
				}
				writes[i] = append(writes[i], memberWrite{user: users[next], replica: r.name, reply: rep})
				acks[i][ph].Add(1)
				next, retried = next+1, false
			}
		}()
	}
	checker := writers
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			select {
			case <-stop:
				return
			default:
			}
			ph := phase.Load()
			rep := e.call(r, "POST", "/v1/check", e.root, map[string]any{
				"subject":    map[string]string{"type": "user", "id": e.ownerID},
				"resource":   map[string]string{"type": "workspace", "id": e.ws},
				"permission": "view",
			})
			record("check", ph, rep, 200, 503)
			if rep.status == 200 && rep.body["allowed"] != true {
				record("check of the owner not allowed", ph, rep)
			}
			if rep.err != nil || rep.status != 200 {
				time.Sleep(20 * time.Millisecond)
				continue
			}
			acks[checker][ph].Add(1)
		}
	}()
	stopped := false
	halt := func() {
		if !stopped {
			stopped = true
			close(stop)
			wg.Wait()
		}
	}
	defer halt()
	progress := func(ph int32, want int64) func() (bool, string) {
		return func() (bool, string) {
			var got []int64
			ok := true
			for i := range acks {
				n := acks[i][ph].Load()
				got = append(got, n)
				ok = ok && n >= want
			}
			mu.Lock()
			defer mu.Unlock()
			return ok, fmt.Sprintf("answers per worker (4 writers, then the checker) %v; all answers %v", got, counts)
		}
	}

	e.eventually("every worker has answers before the restart", progress(before, 3))
	phase.Store(restarting)
	if err := e.pg.Restart(ctx); err != nil {
		t.Fatal(err)
	}
	phase.Store(after)
	back := time.Now() // a measurement for the log, asserted nowhere
	e.eventually("every worker has a first answer after the restart", progress(after, 1))
	t.Logf("recovery: every writer and the checker answered %s after PostgreSQL was back", time.Since(back).Round(time.Millisecond))
	// Recovery: every writer gets 3 more writes answered (not 503) and the
	// checker 3 checks answered 200, with no restart of Gatehouse.
	e.eventually("every worker has answers after the restart", progress(after, 3))
	halt()

	mu.Lock()
	keys := make([]string, 0, len(counts))
	for k := range counts {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		t.Logf("%-60s %d", k, counts[k])
	}
	for i, b := range bad {
		if i < 10 {
			t.Errorf("unexpected answer: %s%s", b, e.serverLog(b))
		}
	}
	if len(bad) > 10 {
		t.Errorf("%d unexpected answers in all", len(bad))
	}
	mu.Unlock()
	if got := r.pid(); got != pid || got == 0 {
		t.Fatalf("the Gatehouse process did not survive the restart (pid %d, now %d)", pid, got)
	}
	e.verifyNothingLost(slices.Concat(writes...))
}

// 64 concurrent membership writes on ONE replica (each write holds a
// PostgreSQL connection for its transaction; a second one asked for inside
// it would exhaust the pool): every request gets an HTTP answer within the
// client timeout, all of them accepted, and every member is stored and
// projected.
func Test64ConcurrentWritersOneReplicaAllAnswered(t *testing.T) {
	e := newFaultEnv(t, faultOptions{replicas: 1})
	r := e.replicas[0]
	const n = 64
	users := e.addUsers(n)
	ws := make([]memberWrite, n)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			ws[i] = memberWrite{user: users[i], replica: r.name, reply: e.addMember(r, users[i])}
		}()
	}
	close(start)
	wg.Wait()
	t.Logf("answers: %s", summary(ws))
	hung := 0
	for _, w := range ws {
		if w.err != nil {
			hung++
		}
	}
	if hung > 0 {
		var sample []string
		for _, w := range ws {
			if w.err != nil && len(sample) < 3 {
				sample = append(sample, w.err.Error())
			}
		}
		t.Fatalf("%d of %d concurrent writes got no answer within %s (pool exhausted?): %s", hung, n, clientTimeout, strings.Join(sample, "; "))
	}
	requireAnswered(t, "64 concurrent writes", ws, 201, 202, 503)
	accepted := 0
	for _, w := range ws {
		if w.status == 201 || w.status == 202 {
			accepted++
		}
	}
	if accepted != n {
		t.Errorf("%d of %d concurrent writes accepted; nothing was down, all should be (%s)", accepted, n, summary(ws))
	}
	e.verifyNothingLost(ws)
}
