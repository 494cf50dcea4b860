package app_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/google/uuid"

	"github.com/gatehouse/gatehouse/internal/authz"
	"github.com/gatehouse/gatehouse/internal/devstack"
	"github.com/gatehouse/gatehouse/internal/store"
	"github.com/gatehouse/gatehouse/internal/testenv"
)

func TestMain(m *testing.M) { testenv.Main(m) }

func noDrift(t *testing.T, env *testenv.Env) {
	t.Helper()
	drift, err := env.Projector.Reconcile(context.Background(), false)
	if err != nil {
		t.Fatalf("reconcile: %v", err)
	}
	if !drift.Empty() {
		t.Fatalf("drift: missing %v extra %v", drift.Missing, drift.Extra)
	}
}

// SpiceDB stopped during a stream of writes, then restarted: writes are
// either refused cleanly (503, nothing stored) or stored and applied when
// SpiceDB returns (202); checks fail closed meanwhile; nothing is lost and
// reconcile finds no drift.
func TestSpiceDBDownMidStreamNothingLostChecksFailClosed(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	cfg := testenv.Config(t)
	port, err := devstack.FreePort()
	if err != nil {
		t.Fatal(err)
	}
	spice, err := devstack.StartSpiceDB(ctx, devstack.SpiceDBOptions{
		Addr: fmt.Sprintf("127.0.0.1:%d", port), Key: cfg.SpiceDBKey, DatastoreURI: testenv.NewDatabase(t),
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(spice.Stop)
	cfg.SpiceDBEndpoint = spice.Addr
	env := testenv.Start(t, cfg)
	root := env.RootToken(t)
	_, owner := env.User(t, root, "owner@example.com", "member")
	ws := env.Must(t, 201, "POST", "/v1/workspaces", owner, map[string]string{"name": "stream"}).Str("id")

	const n = 12
	type person struct{ id, email, invitation string }
	active := make([]person, n)
	invited := make([]person, n)
	for i := range n {
		active[i].id, _ = env.User(t, root, fmt.Sprintf("a%d@example.com", i), "member")
		inv := env.Must(t, 201, "POST", "/v1/users", root, map[string]string{"email": fmt.Sprintf("i%d@example.com", i), "name": "i", "global_role": "member"})
		invited[i] = person{id: inv.Str("id"), email: fmt.Sprintf("i%d@example.com", i), invitation: inv.Str("invitation_token")}
	}

	addedMembers, accepted := map[string]bool{}, map[string]bool{}
	statuses := map[int]int{}
	for i := range n {
		if i == n/2 {
			spice.Kill()
			// While SpiceDB is down, checks fail closed and readiness says so.
			r := env.Do(t, "POST", "/v1/check", owner, map[string]any{"resource": map[string]string{"type": "workspace", "id": ws}, "permission": "view"})
			if r.Status != 503 || r.Body["allowed"] != nil || r.Header.Get("Retry-After") == "" {
				t.Fatalf("check while SpiceDB is down: %d %s", r.Status, r.Raw)
			}
			env.Must(t, 503, "GET", "/readyz", "", nil)
		}
		r := env.Do(t, "POST", "/v1/workspaces/"+ws+"/members", owner, map[string]string{"user_id": active[i].id, "role": "member"})
		statuses[r.Status]++
		switch r.Status {
		case 201:
			addedMembers[active[i].id] = true
		case 202:
			addedMembers[active[i].id] = true
		case 503:
		default:
			t.Fatalf("add member %d: %d %s", i, r.Status, r.Raw)
		}
		a := env.Do(t, "POST", "/v1/invitations/accept", "", map[string]string{"token": invited[i].invitation, "password": "password-" + invited[i].email})
		statuses[a.Status]++
		switch a.Status {
		case 200, 202:
			accepted[invited[i].id] = true
			if a.Status == 202 && a.Body["projection_pending"] != true {
				t.Fatalf("202 without projection_pending: %s", a.Raw)
			}
		case 503:
		default:
			t.Fatalf("accept %d: %d %s", i, a.Status, a.Raw)
		}
	}
	if statuses[202] == 0 || statuses[503] == 0 {
		t.Fatalf("the stream never hit the outage: %v", statuses)
	}

	if err := spice.Restart(ctx); err != nil {
		t.Fatal(err)
	}
	// SpiceDB is back once it answers: then the relay applies everything.
	eventually(t, "the relay drains the outbox after SpiceDB's restart", func() error { return env.Projector.Drain(ctx) })
	noDrift(t, env)

	// Nothing accepted was lost; nothing refused was stored.
	var members int
	if err := env.Store.Pool.QueryRow(ctx, `SELECT count(*) FROM workspace_members WHERE workspace_id = $1 AND role = 'member'`, ws).Scan(&members); err != nil {
		t.Fatal(err)
	}
	if members != len(addedMembers) {
		t.Fatalf("%d memberships stored, %d answered as accepted", members, len(addedMembers))
	}
	for _, p := range active {
		r := env.Must(t, 200, "POST", "/v1/check", root, map[string]any{
			"subject": map[string]string{"type": "user", "id": p.id}, "resource": map[string]string{"type": "workspace", "id": ws}, "permission": "view_resources",
		})
		if (r.Body["allowed"] == true) != addedMembers[p.id] {
			t.Errorf("user %s: allowed=%v, accepted=%v", p.id, r.Body["allowed"], addedMembers[p.id])
		}
	}
	for _, p := range invited {
		r := env.Do(t, "POST", "/v1/auth/login", "", map[string]string{"email": p.email, "password": "password-" + p.email})
		if (r.Status == 200) != accepted[p.id] {
			t.Errorf("invited %s: login %d, accepted=%v", p.email, r.Status, accepted[p.id])
		}
	}
	var pending int
	if err := env.Store.Pool.QueryRow(ctx, `SELECT count(*) FROM outbox WHERE applied_at IS NULL`).Scan(&pending); err != nil || pending != 0 {
		t.Fatalf("outbox still pending: %d (%v)", pending, err)
	}
}

// A crash between the PostgreSQL commit and the SpiceDB write leaves an
// outbox entry that another replica applies; applying twice, or from two
// replicas at once, converges to the projection.
func TestOutboxAppliesIdempotentlyAcrossReplicas(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	env := testenv.New(t)
	root := env.RootToken(t)
	_, owner := env.User(t, root, "owner@example.com", "member")
	ws := env.Must(t, 201, "POST", "/v1/workspaces", owner, map[string]string{"name": "crash"}).Str("id")
	wsID := uuid.MustParse(ws)

	// Facts committed with their outbox entries, never applied (the
	// process "died" after commit).
	var ids []int64
	var tenant uuid.UUID
	if err := env.Store.Pool.QueryRow(ctx, `SELECT tenant_id FROM workspaces WHERE id = $1`, wsID).Scan(&tenant); err != nil {
		t.Fatal(err)
	}
	// The users first: any write of the tenant now also applies the
	// tenant's pending entries (group commit), which would end the crash
	// this test stages.
	var users []uuid.UUID
	for i := range 8 {
		uid, _ := env.User(t, root, fmt.Sprintf("c%d@example.com", i), "member")
		users = append(users, uuid.MustParse(uid))
	}
	for _, u := range users {
		if err := store.InsertMember(ctx, env.Store.Pool, tenant, store.Member{ID: uuid.New(), WorkspaceID: wsID, UserID: &u, Role: "admin"}); err != nil {
			t.Fatal(err)
		}
		raw, _ := authz.EncodeUnits([]authz.Unit{authz.Pair(authz.Obj("workspace", wsID), authz.Obj("user", u)), authz.Whole(authz.Obj("workspace", wsID))})
		id, err := store.InsertOutbox(ctx, env.Store.Pool, tenant, raw, nil)
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}
	drift, err := env.Projector.Reconcile(ctx, false)
	if err != nil || len(drift.Missing) != 16 { // admin and holder, per member
		t.Fatalf("expected 16 missing relationships before the relay, got %v (%v)", drift.Missing, err)
	}
	// Two replicas relay at once, each applying every entry (twice).
	replica := &authz.Projector{Store: env.Store, SpiceDB: env.SpiceDB, Log: env.Log}
	var wg sync.WaitGroup
	for _, p := range []*authz.Projector{env.Projector, replica} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 2 {
				for _, id := range ids {
					if _, err := p.Apply(ctx, id); err != nil {
						t.Errorf("apply %d: %v", id, err)
					}
				}
			}
		}()
	}
	wg.Wait()
	noDrift(t, env)
}

// Reconcile reports drift in both directions and repairs it.
func TestReconcileReportsAndRepairsDrift(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	env := testenv.New(t)
	root := env.RootToken(t)
	bobID, _ := env.User(t, root, "bob@example.com", "member")
	ws := env.Must(t, 201, "POST", "/v1/workspaces", root, map[string]string{"name": "drift"}).Str("id")
	env.Must(t, 201, "POST", "/v1/workspaces/"+ws+"/members", root, map[string]string{"user_id": bobID, "role": "member"})
	noDrift(t, env)

	// Someone writes to SpiceDB behind Gatehouse's back.
	ghost := authz.Rel{Resource: authz.Object{Type: "workspace", ID: ws}, Relation: "owner", Subject: authz.Object{Type: "user", ID: uuid.NewString()}}
	lost := authz.Rel{Resource: authz.Object{Type: "workspace", ID: ws}, Relation: "member", Subject: authz.Object{Type: "user", ID: bobID}}
	if err := authz.WriteForTest(ctx, env.SpiceDB, []authz.Rel{ghost}, []authz.Rel{lost}); err != nil {
		t.Fatal(err)
	}
	drift, err := env.Projector.Reconcile(ctx, false)
	if err != nil {
		t.Fatal(err)
	}
	if len(drift.Missing) != 1 || drift.Missing[0].Key() != lost.Key() || len(drift.Extra) != 1 || drift.Extra[0].Key() != ghost.Key() {
		t.Fatalf("dry run: missing %v extra %v", drift.Missing, drift.Extra)
	}
	if _, err := env.Projector.Reconcile(ctx, true); err != nil {
		t.Fatal(err)
	}
	noDrift(t, env)
}

func TestAuditLogIsAppendOnlyInTheDatabase(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	env := testenv.New(t)
	root := env.RootToken(t)
	env.Must(t, 201, "POST", "/v1/workspaces", root, map[string]string{"name": "audited"})
	env.Do(t, "POST", "/v1/workspaces", root, map[string]any{"name": ""})
	var n int
	if err := env.Store.Pool.QueryRow(ctx, `SELECT count(*) FROM audit_log WHERE action = 'workspace.create'`).Scan(&n); err != nil || n != 1 {
		t.Fatalf("audit entries for workspace.create: %d (%v)", n, err)
	}
	for _, stmt := range []string{`UPDATE audit_log SET outcome = 'forged'`, `DELETE FROM audit_log`, `TRUNCATE audit_log`} {
		if _, err := env.Store.Pool.Exec(ctx, stmt); err == nil {
			t.Errorf("%s succeeded on the audit log", stmt)
		}
	}
}

// PostgreSQL restarted under a running Gatehouse: requests fail cleanly
// (503, never 500) while it is down, and Gatehouse recovers on its own.
func TestPostgresRestartGatehouseRecovers(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dir, err := os.MkdirTemp("", "gatehouse-pgrestart-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	port, err := devstack.FreePort()
	if err != nil {
		t.Fatal(err)
	}
	pg, err := devstack.StartPostgres(ctx, devstack.PostgresOptions{Dir: filepath.Join(dir, "pg"), Port: port})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pg.Stop)
	if err := pg.CreateDatabase(ctx, "gatehouse"); err != nil {
		t.Fatal(err)
	}
	cfg := testenv.Config(t)
	cfg.DatabaseURL = pg.URL("gatehouse")
	env := testenv.Start(t, cfg)
	root := env.RootToken(t)
	env.Must(t, 201, "POST", "/v1/workspaces", root, map[string]string{"name": "before"})

	pg.Stop()
	r := env.Do(t, "POST", "/v1/workspaces", root, map[string]string{"name": "during"})
	if r.Status != 503 && r.Status != 401 {
		t.Fatalf("while PostgreSQL is down: %d %s", r.Status, r.Raw)
	}
	env.Must(t, 503, "GET", "/readyz", "", nil)

	if err := pg.Restart(ctx); err != nil {
		t.Fatal(err)
	}
	// The pool drops its dead connections as it meets them; within a few
	// requests (no waiting) every request succeeds again.
	ok := false
	for range 20 {
		if env.Do(t, "GET", "/readyz", "", nil).Status == 200 {
			ok = true
			break
		}
	}
	if !ok {
		t.Fatal("readyz never recovered")
	}
	for i := range 5 {
		env.Must(t, 201, "POST", "/v1/workspaces", root, map[string]string{"name": uniqName(i)})
	}
	noDrift(t, env)
}

func uniqName(i int) string { return "after-" + string(rune('a'+i)) }

// Group commit: one apply takes the tenant's other pending entries along
// in the same SpiceDB write, so writers queued behind it find theirs
// applied; the result is the projection, as if each had been applied.
func TestOneApplyTakesTheTenantsPendingEntriesAlong(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	env := testenv.New(t)
	root := env.RootToken(t)
	_, owner := env.User(t, root, "owner@example.com", "member")
	ws := env.Must(t, 201, "POST", "/v1/workspaces", owner, map[string]string{"name": "group"}).Str("id")
	wsID := uuid.MustParse(ws)
	var tenant uuid.UUID
	if err := env.Store.Pool.QueryRow(ctx, `SELECT tenant_id FROM workspaces WHERE id = $1`, wsID).Scan(&tenant); err != nil {
		t.Fatal(err)
	}
	var users []uuid.UUID
	for i := range 6 {
		uid, _ := env.User(t, root, fmt.Sprintf("g%d@example.com", i), "member")
		users = append(users, uuid.MustParse(uid))
	}
	var ids []int64
	for _, u := range users {
		if err := store.InsertMember(ctx, env.Store.Pool, tenant, store.Member{ID: uuid.New(), WorkspaceID: wsID, UserID: &u, Role: "member"}); err != nil {
			t.Fatal(err)
		}
		raw, _ := authz.EncodeUnits([]authz.Unit{authz.Pair(authz.Obj("workspace", wsID), authz.Obj("user", u))})
		id, err := store.InsertOutbox(ctx, env.Store.Pool, tenant, raw, nil)
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}
	token, err := env.Projector.Apply(ctx, ids[len(ids)-1])
	if err != nil {
		t.Fatal(err)
	}
	var applied int
	var tokens []string
	rows, err := env.Store.Pool.Query(ctx, `SELECT zed_token FROM outbox WHERE id = ANY($1) AND applied_at IS NOT NULL`, ids)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var tok string
		if err := rows.Scan(&tok); err != nil {
			t.Fatal(err)
		}
		applied++
		tokens = append(tokens, tok)
	}
	rows.Close()
	if applied != len(ids) {
		t.Fatalf("one apply applied %d of %d pending entries", applied, len(ids))
	}
	for _, tok := range tokens {
		if tok != token {
			t.Fatalf("entries applied by one write carry different tokens: %v vs %s", tokens, token)
		}
	}
	noDrift(t, env)
}
