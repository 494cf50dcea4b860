package main

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/gatehouse/gatehouse/internal/app"
	"github.com/gatehouse/gatehouse/internal/store"
)

// writeWorkspaces is how many workspaces of a tenant the write scenario
// spreads its new members over (each written by the workspace's owner).
const writeWorkspaces = 64

// writeTarget hands out new memberships of one tenant: (workspace, user)
// pairs not stored yet, with the session of the workspace's owner.
type writeTarget struct {
	users      []uuid.UUID
	workspaces []uuid.UUID
	tokens     []string // owner session, per workspace

	mu    sync.Mutex
	taken map[[2]uuid.UUID]bool
	next  int
	// Failed writes since the last report, also those that ended (by
	// the client timeout) after the measuring window.
	errs  int
	first error
}

func newWriteTarget(ctx context.Context, st *store.Store, tenant uuid.UUID, users, workspaces, owners []uuid.UUID) (*writeTarget, error) {
	w := &writeTarget{users: users, workspaces: workspaces, taken: map[[2]uuid.UUID]bool{}}
	rows, err := st.Pool.Query(ctx, `SELECT workspace_id, user_id FROM workspace_members WHERE workspace_id = ANY($1) AND user_id IS NOT NULL`, workspaces)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var ws, u uuid.UUID
		if err := rows.Scan(&ws, &u); err != nil {
			rows.Close()
			return nil, err
		}
		w.taken[[2]uuid.UUID{ws, u}] = true
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for _, o := range owners {
		tok, err := session(ctx, st, tenant, o)
		if err != nil {
			return nil, err
		}
		w.tokens = append(w.tokens, tok)
	}
	return w, nil
}

// pick returns the next new membership: workspaces in turn, users in order.
func (w *writeTarget) pick() (ws int, user uuid.UUID, ok bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	for limit := len(w.workspaces) * len(w.users); w.next < limit; {
		k := w.next
		w.next++
		ws, user = k%len(w.workspaces), w.users[k/len(w.workspaces)]
		key := [2]uuid.UUID{w.workspaces[ws], user}
		if !w.taken[key] {
			w.taken[key] = true
			return ws, user, true
		}
	}
	return 0, uuid.Nil, false
}

func (w *writeTarget) write(ctx context.Context, client *http.Client, base string) func(*rand.Rand) error {
	return func(*rand.Rand) error {
		ws, user, ok := w.pick()
		if !ok {
			return errors.New("no new membership left to write")
		}
		err := post(ctx, client, base+"/v1/workspaces/"+w.workspaces[ws].String()+"/members", w.tokens[ws], fmt.Sprintf(`{"user_id":%q,"role":"member"}`, user), nil)
		if err != nil && ctx.Err() == nil {
			w.mu.Lock()
			w.errs++
			if w.first == nil {
				w.first = err
			}
			w.mu.Unlock()
		}
		return err
	}
}

// secondTenant stores another tenant (users, workspaces with their owners)
// straight into PostgreSQL and projects it, for writes to two tenants at
// once.
func secondTenant(ctx context.Context, st *app.Stack, nUsers, nWorkspaces int) (tenant uuid.UUID, users, workspaces, owners []uuid.UUID, err error) {
	tenant = uuid.New()
	now := time.Now()
	if _, err = st.Store.Pool.Exec(ctx, `INSERT INTO tenants (id, name, created_at, updated_at) VALUES ($1, $2, $3, $3)`, tenant, "bench-second-tenant", now); err != nil {
		return
	}
	var userRows, wsRows, memberRows [][]any
	for i := range nUsers {
		id := uuid.New()
		users = append(users, id)
		userRows = append(userRows, []any{id, tenant, fmt.Sprintf("t2-u%d@bench.local", i), fmt.Sprintf("Second %d", i), "member", "active", now, now})
	}
	for i := range nWorkspaces {
		id, owner := uuid.New(), users[i%len(users)]
		workspaces, owners = append(workspaces, id), append(owners, owner)
		wsRows = append(wsRows, []any{id, tenant, fmt.Sprintf("t2-ws-%d", i), owner, now, now})
		memberRows = append(memberRows, []any{uuid.New(), tenant, id, owner, "owner", now, now})
	}
	for _, c := range []struct {
		table string
		cols  []string
		rows  [][]any
	}{
		{"users", []string{"id", "tenant_id", "email", "name", "global_role", "status", "created_at", "updated_at"}, userRows},
		{"workspaces", []string{"id", "tenant_id", "name", "created_by", "created_at", "updated_at"}, wsRows},
		{"workspace_members", []string{"id", "tenant_id", "workspace_id", "user_id", "role", "created_at", "updated_at"}, memberRows},
	} {
		if _, err = st.Store.Pool.CopyFrom(ctx, pgx.Identifier{c.table}, c.cols, pgx.CopyFromRows(c.rows)); err != nil {
			err = fmt.Errorf("copy %s: %w", c.table, err)
			return
		}
	}
	var token string
	if _, token, err = st.Projector.ImportAll(ctx); err != nil {
		return
	}
	err = store.SetTenantToken(ctx, st.Store.Pool, tenant, token)
	return
}

// writeScenario: membership writes per second (POST
// /v1/workspaces/{id}/members, a new member each time, by the workspace's
// owner, spread over 64 workspaces) for one tenant at concurrency 1, 4, 16
// and 64, then for two tenants at once (16 writers each).
// spiceCalls counts the SpiceDB calls of Gatehouse's stacks (replicas)
// by method (their metrics).
func spiceCalls(stacks ...*app.Stack) map[string]uint64 {
	out := map[string]uint64{}
	for _, st := range stacks {
		countCalls(st, out)
	}
	return out
}

func countCalls(st *app.Stack, out map[string]uint64) {
	families, err := st.Registry.Gather()
	if err != nil {
		return
	}
	for _, f := range families {
		if f.GetName() != "gatehouse_spicedb_call_seconds" {
			continue
		}
		for _, m := range f.GetMetric() {
			for _, l := range m.GetLabel() {
				if l.GetName() == "method" {
					out[l.GetValue()] += m.GetHistogram().GetSampleCount()
				}
			}
		}
	}
}

// callsPerOp tells the SpiceDB calls per operation between two counts
// (warm-up included: about 1/8 more than the operations measured).
func callsPerOp(before, after map[string]uint64, ops int) string {
	if ops == 0 {
		return ""
	}
	names := make([]string, 0, len(after))
	for k := range after {
		names = append(names, k)
	}
	sort.Strings(names)
	var b strings.Builder
	b.WriteString("SpiceDB calls per op:")
	for _, k := range names {
		if d := after[k] - before[k]; d > 0 {
			fmt.Fprintf(&b, " %s %.2f", k, float64(d)/float64(ops))
		}
	}
	return b.String()
}

// printStatements prints the statements of Gatehouse's and SpiceDB's
// databases since the last reset per write, most frequent first, and
// resets.
func printStatements(ctx context.Context, st *app.Stack, writes int) error {
	for _, db := range []string{"gatehouse", "spicedb"} {
		rows, err := st.Store.Pool.Query(ctx, `SELECT s.calls, s.total_plan_time, s.total_exec_time, regexp_replace(left(s.query, 110), '\s+', ' ', 'g')
			FROM pg_stat_statements s JOIN pg_database d ON d.oid = s.dbid
			WHERE d.datname = $1 ORDER BY s.calls DESC LIMIT 30`, db)
		if err != nil {
			return err
		}
		fmt.Printf("  PostgreSQL statements of %s per write (calls, plan ms, exec ms):\n", db)
		var total float64
		for rows.Next() {
			var calls int64
			var plan, ms float64
			var q string
			if err := rows.Scan(&calls, &plan, &ms, &q); err != nil {
				rows.Close()
				return err
			}
			total += float64(calls)
			fmt.Printf("  %6.2f %6.3f %6.3f  %s\n", float64(calls)/float64(writes), plan/float64(writes), ms/float64(writes), q)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		fmt.Printf("  %6.2f statements per write (top 30)\n", total/float64(writes))
	}
	_, err := st.Store.Pool.Exec(ctx, `SELECT pg_stat_statements_reset()`)
	return err
}

func writeScenario(ctx context.Context, st *app.Stack, ds *dataset, base string, cpu cpuMeter, replica func() (*app.Stack, string, error)) error {
	// Skip workspace 0 (read-your-writes filled it); a client timeout far
	// above any deadline turns a hung write into an error, not a hung bench.
	from := min(1, len(ds.workspaces)-1)
	to := min(from+writeWorkspaces, len(ds.workspaces))
	one, err := newWriteTarget(ctx, st.Store, ds.tenant, ds.users, ds.workspaces[from:to], ds.owners[from:to])
	if err != nil {
		return err
	}
	tenant2, users2, ws2, owners2, err := secondTenant(ctx, st, max(500, len(ds.users)/5), min(writeWorkspaces, len(ds.workspaces)))
	if err != nil {
		return fmt.Errorf("second tenant: %w", err)
	}
	two, err := newWriteTarget(ctx, st.Store, tenant2, users2, ws2, owners2)
	if err != nil {
		return err
	}
	client := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 128, MaxConnsPerHost: 128}}

	// The reference of the writes goals: the baseline commit's writes/s at
	// concurrency 16 measured on this machine just before, else the figure
	// recorded before the work on writes.
	ref, refName := writesToday, fmt.Sprintf("%.0f/s recorded before", writesToday)
	if *baseline != "" {
		rates, failed, err := writesBaseline(ctx, *baseline)
		switch {
		case err != nil:
			fmt.Printf("baseline not measured (%v): the writes goals divide by the %.0f/s recorded before\n", err, writesToday)
		case rates[16] > 0:
			ref, refName = rates[16], fmt.Sprintf("%s's %.0f/s", *baseline, rates[16])
			if failed[16] > 0 {
				refName += fmt.Sprintf(" (%.0f failed: understated)", failed[16])
			}
		}
	}

	fmt.Printf("\nWrites: POST /v1/workspaces/{id}/members (a new member each, by the owner, over %d workspaces per tenant)\n", len(one.workspaces))
	fmt.Printf("%-34s %5s %9s %9s %9s %12s\n", "scenario", "conc", "requests", "p50", "p95", "writes/s")
	report := func(w *writeTarget, _ result) {
		w.mu.Lock()
		defer w.mu.Unlock()
		if w.errs > 0 {
			fmt.Printf("  errors: %d (first: %v)\n", w.errs, w.first)
		}
		w.errs, w.first = 0, nil
	}
	// Group commit, whatever the machine's load: how many SpiceDB writes
	// (distinct tokens) the tenant's outbox entries of a run took.
	lastEntry := func() int64 {
		var id int64
		_ = st.Store.Pool.QueryRow(ctx, `SELECT coalesce(max(id), 0) FROM outbox`).Scan(&id)
		return id
	}
	grouped := func(tenant uuid.UUID, after int64) {
		var entries, writes int
		_ = st.Store.Pool.QueryRow(ctx, `SELECT count(*), count(DISTINCT zed_token) FROM outbox WHERE tenant_id = $1 AND id > $2 AND applied_at IS NOT NULL`, tenant, after).Scan(&entries, &writes)
		if writes > 0 {
			fmt.Printf("  %d entries applied by %d SpiceDB writes (%.1f entries per write: group commit)\n", entries, writes, float64(entries)/float64(writes))
		}
	}
	var single16 result
	for _, conc := range []int{1, 4, 16, 64} {
		from := lastEntry()
		stop := func() {}
		if conc == 16 && *writesProf != "" {
			if stop, err = startProfile(*writesProf); err != nil {
				return err
			}
		}
		statements := *pgStmts && conc == 16
		if statements {
			if _, err := st.Store.Pool.Exec(ctx, `CREATE EXTENSION IF NOT EXISTS pg_stat_statements`); err != nil {
				return err
			}
			if _, err := st.Store.Pool.Exec(ctx, `SELECT pg_stat_statements_reset()`); err != nil {
				return err
			}
		}
		calls0 := spiceCalls(st)
		before := cpu.snapshot(ctx)
		r := measure(ctx, conc, *duration, one.write(ctx, client, base))
		after := cpu.snapshot(ctx)
		stop()
		r.print("membership writes, 1 tenant", conc)
		fmt.Println("  " + perOp(before, after, r.n))
		fmt.Println("  " + callsPerOp(calls0, spiceCalls(st), r.n))
		if statements {
			if err := printStatements(ctx, st, r.n); err != nil {
				return err
			}
		}
		grouped(ds.tenant, from)
		report(one, r)
		if conc == 16 {
			single16 = r
			ratioGoal("membership writes/s c16, 1 replica / "+refName, r.rate, ref, 10)
		}
	}
	var r1, r2 result
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { defer wg.Done(); r1 = measure(ctx, 16, *duration, one.write(ctx, client, base)) }()
	go func() { defer wg.Done(); r2 = measure(ctx, 16, *duration, two.write(ctx, client, base)) }()
	wg.Wait()
	r1.print("2 tenants at once: tenant 1", 16)
	report(one, r1)
	r2.print("2 tenants at once: tenant 2", 16)
	report(two, r2)
	fmt.Printf("%-34s %5d %9d %9s %9s %12.0f\n", "2 tenants at once: total", 32, r1.n+r2.n, "", "", r1.rate+r2.rate)
	if single16.rate > 0 {
		fmt.Printf("%-34s %5s %9s %9s %9s %12s\n", "ratio 2 tenants/1 tenant (16 each)", "", "", "", "", fmt.Sprintf("x%.2f", (r1.rate+r2.rate)/single16.rate))
	}

	// Two replicas (two stacks on the same databases, as two processes
	// would be: own pools, gates and caches), each request to either: the
	// tenant's projection lock and every barrier span both.
	st2, base2, err := replica()
	if err != nil {
		return fmt.Errorf("second replica: %w", err)
	}
	bases := []string{base, base2}
	for _, conc := range []int{1, 16, 64} {
		from := lastEntry()
		statements := *pgStmts && conc == 16
		if statements {
			if _, err := st.Store.Pool.Exec(ctx, `SELECT pg_stat_statements_reset()`); err != nil {
				return err
			}
		}
		calls0 := spiceCalls(st, st2)
		before := cpu.snapshot(ctx)
		r := measure(ctx, conc, *duration, func(rn *rand.Rand) error { return one.write(ctx, client, bases[rn.IntN(2)])(rn) })
		after := cpu.snapshot(ctx)
		r.print("membership writes, 2 replicas", conc)
		fmt.Println("  " + perOp(before, after, r.n))
		fmt.Println("  " + callsPerOp(calls0, spiceCalls(st, st2), r.n))
		if statements {
			if err := printStatements(ctx, st, r.n); err != nil {
				return err
			}
		}
		grouped(ds.tenant, from)
		if conc == 16 {
			ratioGoal("membership writes/s c16, 2 replicas / "+refName, r.rate, ref, 10)
		}
		report(one, r)
	}

	// Convergence: after all of it, SpiceDB holds exactly the projection.
	if err := st.IAM.Settle(ctx); err != nil {
		return err
	}
	drift, err := st.Projector.Reconcile(ctx, false)
	if err != nil {
		return err
	}
	fmt.Printf("drift after the writes (reconcile, no repair): %d missing, %d extra relationships\n", len(drift.Missing), len(drift.Extra))
	goal("drift after the writes (missing + extra relationships)", "0", fmt.Sprint(len(drift.Missing)+len(drift.Extra)), len(drift.Missing)+len(drift.Extra) == 0)
	return nil
}
