// Command bench loads the benchmark data set (10,000 users, 1,000
// workspaces, 20,000 deployments by default) into a throwaway PostgreSQL and
// a real SpiceDB on it, then prints, side by side in one run, Gatehouse
// `POST /v1/check` against a direct authzed-go CheckPermission on the same
// SpiceDB (p50/p95 latency and throughput at concurrency 1 and 16, and their
// ratios), one bulk check of 1,000 items against 1,000 single checks, and
// read-your-writes over write-then-check pairs, and hot repeated checks
// (the decision cache) with stale answers after a revocation. It asserts
// nothing: it prints figures.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/signal"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	v1 "github.com/authzed/authzed-go/proto/authzed/api/v1"
	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/gatehouse/gatehouse/internal/app"
	"github.com/gatehouse/gatehouse/internal/auth"
	"github.com/gatehouse/gatehouse/internal/config"
	"github.com/gatehouse/gatehouse/internal/devstack"
	"github.com/gatehouse/gatehouse/internal/store"
)

var (
	nUsers      = flag.Int("users", 10000, "users")
	nWorkspaces = flag.Int("workspaces", 1000, "workspaces")
	nDeploys    = flag.Int("deployments", 20000, "deployments")
	perWS       = flag.Int("members", 20, "members per workspace (besides the owner)")
	duration    = flag.Duration("duration", 8*time.Second, "how long each latency scenario runs")
	pairs       = flag.Int("pairs", 1000, "write-then-check pairs")
	lookupWS    = flag.Int("lookup-workspaces", 10000, "workspaces in the lookup scenario (the data set's are counted)")
	lookupIn    = flag.Int("lookup-member-of", 1000, "workspaces the lookup user is a member of")
	nKinds      = flag.Int("kinds", 200, "kinds in the kind-check scenario")
	nRoles      = flag.Int("roles", 10, "custom roles in the kind-check scenario")
	permsPer    = flag.Int("perms", 20, "object permissions per role")
	hotProfile  = flag.String("hot-profile", "", "write a CPU profile of this process (Gatehouse and its load generator) during the hot checks through Gatehouse at concurrency 16 (and to FILE.coalescing during the coalescing client's)")
	pgStmts     = flag.Bool("pg-statements", false, "preload pg_stat_statements and print the PostgreSQL statements of Gatehouse and of SpiceDB per membership write at concurrency 16")
	coalesce    = flag.Int("coalesce", 2, "requests the coalescing Go client keeps in flight (hot scenario)")
	spiceProf   = flag.String("spicedb-pprof", "", "serve SpiceDB's metrics and /debug/pprof on this address (host:port), to profile it during a scenario")
	writesProf  = flag.String("writes-profile", "", "write a CPU profile of this process (Gatehouse and its load generator) during the single-tenant membership writes at concurrency 16")
	baseline    = flag.String("writes-baseline", baselineRev, "measure this commit's membership writes (its own benchmark, from this checkout's git history) before the writes scenario, as the writes goals' reference; empty: the recorded 67/s")
	only        = flag.String("only", "", "comma-separated scenarios to run (checks,bulk,ryw,kinds,lookup,writes,hot,large,import); default all")
)

// spiceArgs are the further SpiceDB flags -spicedb-pprof asks for.
func spiceArgs() []string {
	if *spiceProf == "" {
		return nil
	}
	return []string{"--metrics-enabled=true", "--metrics-addr", *spiceProf}
}

// runs reports whether the scenario was asked for (-only).
func runs(scenario string) bool {
	if *only == "" {
		return true
	}
	for _, s := range strings.Split(*only, ",") {
		if strings.TrimSpace(s) == scenario {
			return true
		}
	}
	return false
}

func main() {
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

type dataset struct {
	tenant      uuid.UUID
	users       []uuid.UUID
	workspaces  []uuid.UUID
	owners      []uuid.UUID          // per workspace
	members     map[uuid.UUID][]int  // user -> workspace indexes
	deployments [][]uuid.UUID        // per workspace
	sessions    map[uuid.UUID]string // user -> session token (a sample)
	sampled     []uuid.UUID
}

// The bench's superadmin.
const rootEmail, rootPassword = "root@bench.local", "root-password-123"

func run(ctx context.Context) error {
	dir, err := os.MkdirTemp("", "gatehouse-bench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	_ = os.Chmod(dir, 0o755)
	port, _ := devstack.FreePort()
	pg, err := devstack.StartPostgres(ctx, devstack.PostgresOptions{Dir: dir + "/pg", Port: port, Install: true, Args: pgArgs()})
	if err != nil {
		return err
	}
	defer pg.Stop()
	for _, db := range []string{"gatehouse", "spicedb"} {
		if err := pg.CreateDatabase(ctx, db); err != nil {
			return err
		}
	}
	sport, _ := devstack.FreePort()
	key := "bench-key"
	spice, err := devstack.StartSpiceDB(ctx, devstack.SpiceDBOptions{Addr: fmt.Sprintf("127.0.0.1:%d", sport), Key: key, DatastoreURI: pg.URL("spicedb"), Args: spiceArgs()})
	if err != nil {
		return err
	}
	defer spice.Stop()

	cfg, _ := config.FromEnv(func(string) string { return "" })
	cfg.DatabaseURL, cfg.SpiceDBEndpoint, cfg.SpiceDBKey, cfg.SpiceDBInsecure = pg.URL("gatehouse"), spice.Addr, key, true
	cfg.TokenKey = "bench-token-key-0123456789abcdef0123456789"
	cfg.SpiceDBDatastoreURL = pg.URL("spicedb") // imports leave its tables analyzed
	cfg.DecisionCacheSize = 100000              // the hot-check scenario measures it
	st, err := app.Open(ctx, cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		return err
	}
	defer st.Close()
	if err := st.Migrate(ctx); err != nil {
		return err
	}
	st.StartBus()        // as `gatehouse serve` does: sessions and tenant tokens from memory
	var closers []func() // a second replica's, last first
	defer func() {
		for i := len(closers) - 1; i >= 0; i-- {
			closers[i]()
		}
	}()
	boot, err := st.IAM.Bootstrap(ctx, rootEmail, rootPassword)
	if err != nil {
		return err
	}

	fmt.Printf("loading %d users, %d workspaces (%d members each), %d deployments ...\n", *nUsers, *nWorkspaces, *perWS+1, *nDeploys)
	loadStart := time.Now()
	ds, err := load(ctx, st.Store, boot.TenantID, standard())
	if err != nil {
		return err
	}
	pgTime := time.Since(loadStart)
	importStart := time.Now()
	nrels, token, err := st.Projector.ImportAll(ctx)
	if err != nil {
		return err
	}
	if err := store.SetTenantToken(ctx, st.Store.Pool, ds.tenant, token); err != nil {
		return err
	}
	fmt.Printf("loaded: PostgreSQL %s, SpiceDB import of %d relationships %s\n\n", pgTime.Round(time.Millisecond), nrels, time.Since(importStart).Round(time.Millisecond))

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: st.Handler()}
	go srv.Serve(ln)
	defer srv.Close()
	base := "http://" + ln.Addr().String()
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64, MaxConnsPerHost: 64}}

	// The random, mostly negative checks, on a data set, at a token.
	randomChecks := func(ds *dataset, token string) (direct, viaAPI func(*rand.Rand) error) {
		type q struct {
			user, deployment uuid.UUID
		}
		pick := func(r *rand.Rand) q {
			u := ds.sampled[r.IntN(len(ds.sampled))]
			var ws int
			if mine := ds.members[u]; len(mine) > 0 && r.IntN(5) == 0 {
				ws = mine[r.IntN(len(mine))]
			} else {
				ws = r.IntN(len(ds.workspaces))
			}
			d := ds.deployments[ws]
			return q{u, d[r.IntN(len(d))]}
		}
		direct = func(r *rand.Rand) error {
			x := pick(r)
			return invokeDirect(ctx, st, token, x.user, x.deployment)
		}
		viaAPI = func(r *rand.Rand) error {
			x := pick(r)
			body := fmt.Sprintf(`{"resource":{"type":"deployment","id":%q},"permission":"invoke"}`, x.deployment)
			return post(ctx, client, base+"/v1/check", ds.sessions[x.user], body, nil)
		}
		return direct, viaAPI
	}
	direct, viaAPI := randomChecks(ds, token)

	fmt.Println("Check: Gatehouse POST /v1/check (default consistency) vs direct authzed-go CheckPermission (at_least_as_fresh), random mostly-negative deployment#invoke")
	fmt.Printf("%-34s %5s %9s %9s %9s %12s\n", "scenario", "conc", "requests", "p50", "p95", "checks/s")
	for _, conc := range []int{1, 16} {
		if !runs("checks") {
			break
		}
		d := measure(ctx, conc, *duration, direct)
		g := measure(ctx, conc, *duration, viaAPI)
		d.print("direct CheckPermission", conc)
		g.print("gatehouse POST /v1/check", conc)
		fmt.Printf("%-34s %5d %9s %9s %9s %12s\n", "ratio gatehouse/direct", conc, "",
			fmt.Sprintf("x%.2f", g.p50.Seconds()/d.p50.Seconds()), fmt.Sprintf("x%.2f", g.p95.Seconds()/d.p95.Seconds()),
			fmt.Sprintf("x%.2f", g.rate/d.rate))
		if d.errors+g.errors > 0 {
			fmt.Printf("  errors: direct %d, gatehouse %d\n", d.errors, g.errors)
		}
	}

	// Bulk: one POST /v1/check/bulk of 1000 items against 1000 single checks.
	fmt.Println()
	u := ds.sampled[0]
	items := make([]map[string]any, 1000)
	for i := range items {
		items[i] = map[string]any{"resource": map[string]string{"type": "deployment", "id": dep(ds, i).String()}, "permission": "invoke"}
	}
	bulkBody, _ := json.Marshal(map[string]any{"items": items})
	var bulkTimes, singleTimes []time.Duration
	for range 5 {
		if !runs("bulk") {
			break
		}
		t0 := time.Now()
		if err := post(ctx, client, base+"/v1/check/bulk", ds.sessions[u], string(bulkBody), nil); err != nil {
			return err
		}
		bulkTimes = append(bulkTimes, time.Since(t0))
	}
	for range 2 {
		if !runs("bulk") {
			break
		}
		t0 := time.Now()
		for _, it := range items {
			b, _ := json.Marshal(it)
			if err := post(ctx, client, base+"/v1/check", ds.sessions[u], string(b), nil); err != nil {
				return err
			}
		}
		singleTimes = append(singleTimes, time.Since(t0))
	}
	if runs("bulk") {
		mb, ms := median(bulkTimes), median(singleTimes)
		fmt.Printf("Bulk: 1000 checks in one POST /v1/check/bulk: %s the first time (SpiceDB), then %s (median of 5: the decision cache); 1000 single POST /v1/check (cached too): %s; ratio x%.1f faster\n",
			bulkTimes[0].Round(time.Millisecond), mb.Round(time.Millisecond), ms.Round(time.Millisecond), ms.Seconds()/mb.Seconds())
	}

	// Read-your-writes: add a member, then check as that member with the token.
	stale, pairTimes := 0, []time.Duration{}
	ws := 0
	owner := ds.owners[ws]
	ownerTok, err := session(ctx, st.Store, ds.tenant, owner)
	if err != nil {
		return err
	}
	isMember := map[uuid.UUID]bool{owner: true}
	for user, wss := range ds.members {
		for _, w := range wss {
			if w == ws {
				isMember[user] = true
			}
		}
	}
	done := 0
	for _, user := range ds.users {
		if done >= *pairs || !runs("ryw") {
			break
		}
		if isMember[user] {
			continue
		}
		tok, err := session(ctx, st.Store, ds.tenant, user)
		if err != nil {
			return err
		}
		t0 := time.Now()
		var added struct {
			ConsistencyToken string `json:"consistency_token"`
		}
		if err := post(ctx, client, base+"/v1/workspaces/"+ds.workspaces[ws].String()+"/members", ownerTok, fmt.Sprintf(`{"user_id":%q,"role":"member"}`, user), &added); err != nil {
			return err
		}
		var res struct {
			Allowed bool `json:"allowed"`
		}
		body := fmt.Sprintf(`{"resource":{"type":"workspace","id":%q},"permission":"view_resources","consistency":{"at_least_as_fresh":%q}}`, ds.workspaces[ws], added.ConsistencyToken)
		if err := post(ctx, client, base+"/v1/check", tok, body, &res); err != nil {
			return err
		}
		pairTimes = append(pairTimes, time.Since(t0))
		if !res.Allowed {
			stale++
		}
		done++
	}
	sort.Slice(pairTimes, func(i, j int) bool { return pairTimes[i] < pairTimes[j] })
	if runs("ryw") {
		fmt.Printf("Read-your-writes: %d write-then-check pairs with the returned token: %d stale; pair p50 %s p95 %s\n",
			done, stale, pct(pairTimes, 50).Round(10*time.Microsecond), pct(pairTimes, 95).Round(10*time.Microsecond))
		goal(fmt.Sprintf("read-your-writes: stale checks (%d pairs)", done), "0", fmt.Sprint(stale), stale == 0 && done > 0)
	}

	if runs("kinds") {
		if err := kindScenario(ctx, st, ds, client, base); err != nil {
			return err
		}
	}
	if runs("lookup") {
		if err := lookupScenario(ctx, st, ds, client, base); err != nil {
			return err
		}
	}
	if runs("writes") {
		replica := func() (*app.Stack, string, error) {
			st2, err := app.Open(ctx, cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
			if err != nil {
				return nil, "", err
			}
			closers = append(closers, st2.Close)
			st2.StartBus()
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				return nil, "", err
			}
			srv := &http.Server{Handler: st2.Handler()}
			go srv.Serve(ln)
			closers = append(closers, func() { srv.Close() })
			return st2, "http://" + ln.Addr().String(), nil
		}
		if err := writeScenario(ctx, st, ds, base, cpuMeter{pool: st.Store.Pool.Pool, postmaster: pg.PID(), spicedb: spice.PID()}, replica); err != nil {
			return err
		}
	}
	if runs("hot") {
		if err := hotScenario(ctx, st, ds, client, base, token); err != nil {
			return err
		}
	}
	if runs("large") {
		if err := largeScenario(ctx, st, ds, token, randomChecks); err != nil {
			return err
		}
	}
	if runs("import") {
		if err := importScenario(ctx, st, ds); err != nil {
			return err
		}
	}
	printGoals()
	return nil
}

// largeScenario: the random checks' p50 at concurrency 1 on the standard
// set, then, with a second tenant ten times its size loaded beside it
// (about a million relationships: the set of `make bench-large`, imported
// and analyzed as `gatehouse import` leaves it), on that large tenant and
// on the standard set again.
func largeScenario(ctx context.Context, st *app.Stack, ds *dataset, token string, checks func(*dataset, string) (func(*rand.Rand) error, func(*rand.Rand) error)) error {
	p50s := func(ds *dataset, token string) (direct, gatehouse time.Duration) {
		d, g := checks(ds, token)
		return measure(ctx, 1, *duration, d).p50, measure(ctx, 1, *duration, g).p50
	}
	d0, g0 := p50s(ds, token)
	big := size{users: 100_000, workspaces: 10_000, perWS: 50, deploys: 200_000, tag: "large"}
	tenant := uuid.New()
	now := time.Now()
	if _, err := st.Store.Pool.Exec(ctx, `INSERT INTO tenants (id, name, created_at, updated_at) VALUES ($1, $2, $3, $3)`, tenant, "bench-large-tenant", now); err != nil {
		return err
	}
	fmt.Printf("\nLarge set: a second tenant of %d users, %d workspaces (%d members each), %d deployments ...\n", big.users, big.workspaces, big.perWS+1, big.deploys)
	t0 := time.Now()
	large, err := load(ctx, st.Store, tenant, big)
	if err != nil {
		return err
	}
	stored := time.Since(t0)
	t0 = time.Now()
	nrels, token2, err := st.Projector.ImportAll(ctx)
	if err != nil {
		return err
	}
	for _, t := range []uuid.UUID{ds.tenant, tenant} {
		if err := store.SetTenantToken(ctx, st.Store.Pool, t, token2); err != nil {
			return err
		}
	}
	fmt.Printf("  loaded: PostgreSQL %s, SpiceDB import (+ ANALYZE) of %d relationships in all %s\n", stored.Round(time.Millisecond), nrels, time.Since(t0).Round(time.Millisecond))
	d1, g1 := p50s(large, token2)
	d2, g2 := p50s(ds, token2)
	fmt.Printf("%-52s %12s %12s\n", "random checks, concurrency 1, p50", "gatehouse", "direct")
	fmt.Printf("%-52s %12s %12s\n", "standard set", g0.Round(10*time.Microsecond), d0.Round(10*time.Microsecond))
	fmt.Printf("%-52s %12s %12s\n", "large set (about a million relationships)", g1.Round(10*time.Microsecond), d1.Round(10*time.Microsecond))
	fmt.Printf("%-52s %12s %12s\n", "standard set again, the large one loaded beside it", g2.Round(10*time.Microsecond), d2.Round(10*time.Microsecond))
	largeRatio := g1.Seconds() / g0.Seconds()
	fmt.Printf("%-52s %12s %12s\n", "ratio large/standard p50 (goal <= x1.5)", fmt.Sprintf("x%.2f", largeRatio), fmt.Sprintf("x%.2f", d1.Seconds()/d0.Seconds()))
	goal("large set p50 / standard set p50 (Gatehouse)", "<= x1.5", fmt.Sprintf("x%.2f", largeRatio), largeRatio <= 1.5)
	return nil
}

// kindScenario: custom roles with object permissions over many kinds;
// Gatehouse kind checks (branch-relative decision) against direct checks.
func kindScenario(ctx context.Context, st *app.Stack, ds *dataset, client *http.Client, base string) error {
	r := rand.New(rand.NewPCG(7, 7))
	namespaces := []string{"Core", "Infra", "Dcim", "Ipam", "Builtin", "Location", "Device", "Org"}
	var kinds [][2]string
	var kindRows [][]any
	for i := range *nKinds {
		k := [2]string{namespaces[i%len(namespaces)], fmt.Sprintf("Kind%d", i)}
		kinds = append(kinds, k)
		kindRows = append(kindRows, []any{ds.tenant, k[0], k[1]})
	}
	if _, err := st.Store.Pool.CopyFrom(ctx, pgx.Identifier{"kinds"}, []string{"tenant_id", "namespace", "name"}, pgx.CopyFromRows(kindRows)); err != nil {
		return err
	}
	actions := []string{"view", "create", "update", "delete", "any"}
	decisions := []string{"allow_all", "allow_default", "allow_other", "deny"}
	var roleRows, permRows, assignRows [][]any
	var roles []uuid.UUID
	for range *nRoles {
		id := uuid.New()
		roles = append(roles, id)
		roleRows = append(roleRows, []any{id, ds.tenant, "role-" + id.String()[:8]})
		seen := map[string]bool{}
		for len(seen) < *permsPer {
			ns, name := "*", "*"
			k := kinds[r.IntN(len(kinds))]
			switch r.IntN(4) {
			case 0:
				ns, name = k[0], k[1]
			case 1:
				ns = k[0]
			case 2:
				name = k[1]
			}
			p := fmt.Sprintf("object:%s:%s:%s:%s", ns, name, actions[r.IntN(len(actions))], decisions[r.IntN(len(decisions))])
			if !seen[p] {
				seen[p] = true
				permRows = append(permRows, []any{id, ds.tenant, p})
			}
		}
	}
	for _, u := range ds.sampled {
		for _, i := range r.Perm(len(roles))[:3] {
			assignRows = append(assignRows, []any{uuid.New(), ds.tenant, roles[i], u})
		}
	}
	for _, c := range []struct {
		table string
		cols  []string
		rows  [][]any
	}{
		{"roles", []string{"id", "tenant_id", "name"}, roleRows},
		{"role_permissions", []string{"role_id", "tenant_id", "identifier"}, permRows},
		{"role_assignments", []string{"id", "tenant_id", "role_id", "user_id"}, assignRows},
	} {
		if _, err := st.Store.Pool.CopyFrom(ctx, pgx.Identifier{c.table}, c.cols, pgx.CopyFromRows(c.rows)); err != nil {
			return fmt.Errorf("copy %s: %w", c.table, err)
		}
	}
	start := time.Now()
	n, token, err := st.Projector.ImportAll(ctx)
	if err != nil {
		return err
	}
	if err := store.SetTenantToken(ctx, st.Store.Pool, ds.tenant, token); err != nil {
		return err
	}
	fmt.Printf("\nKinds: %d roles x %d object permissions x %d kinds materialised as %d relationships in %s\n", *nRoles, *permsPer, *nKinds, n, time.Since(start).Round(time.Millisecond))
	pick := func(r *rand.Rand) (uuid.UUID, [2]string, string) {
		return ds.sampled[r.IntN(len(ds.sampled))], kinds[r.IntN(len(kinds))], actions[r.IntN(4)]
	}
	direct := func(r *rand.Rand) error {
		u, k, a := pick(r)
		_, err := st.SpiceDB.CheckPermission(ctx, &v1.CheckPermissionRequest{
			Consistency: &v1.Consistency{Requirement: &v1.Consistency_AtLeastAsFresh{AtLeastAsFresh: &v1.ZedToken{Token: token}}},
			Resource:    &v1.ObjectReference{ObjectType: "kind", ObjectId: ds.tenant.String() + "/" + k[0] + "/" + k[1]},
			Permission:  a,
			Subject:     &v1.SubjectReference{Object: &v1.ObjectReference{ObjectType: "user", ObjectId: u.String()}},
		})
		return err
	}
	viaAPI := func(r *rand.Rand) error {
		u, k, a := pick(r)
		body := fmt.Sprintf(`{"resource":{"type":"kind","id":"%s:%s"},"permission":%q,"branch":"feat"}`, k[0], k[1], a)
		return post(ctx, client, base+"/v1/check", ds.sessions[u], body, nil)
	}
	fmt.Printf("%-34s %5s %9s %9s %9s %12s\n", "scenario", "conc", "requests", "p50", "p95", "checks/s")
	for _, conc := range []int{1, 16} {
		if !runs("checks") {
			break
		}
		d := measure(ctx, conc, *duration, direct)
		g := measure(ctx, conc, *duration, viaAPI)
		d.print("direct kind CheckPermission", conc)
		g.print("gatehouse kind check (2 branches)", conc)
		fmt.Printf("%-34s %5d %9s %9s %9s %12s\n", "ratio gatehouse/direct", conc, "",
			fmt.Sprintf("x%.2f", g.p50.Seconds()/d.p50.Seconds()), fmt.Sprintf("x%.2f", g.p95.Seconds()/d.p95.Seconds()), fmt.Sprintf("x%.2f", g.rate/d.rate))
	}
	return nil
}

// lookupScenario: "my workspaces" for a user who is a member of
// lookup-member-of of lookup-workspaces workspaces.
func lookupScenario(ctx context.Context, st *app.Stack, ds *dataset, client *http.Client, base string) error {
	extra := *lookupWS - len(ds.workspaces)
	user := ds.users[len(ds.users)-1]
	now := time.Now()
	var wsRows, memberRows [][]any
	all := append([]uuid.UUID{}, ds.workspaces...)
	for i := range max(extra, 0) {
		id := uuid.New()
		all = append(all, id)
		wsRows = append(wsRows, []any{id, ds.tenant, fmt.Sprintf("lookup-%d", i), ds.owners[i%len(ds.owners)], now, now})
		memberRows = append(memberRows, []any{uuid.New(), ds.tenant, id, ds.owners[i%len(ds.owners)], "owner", now, now})
	}
	r := rand.New(rand.NewPCG(9, 9))
	already := map[int]bool{}
	for _, w := range ds.members[user] {
		already[w] = true
	}
	count := len(already)
	for _, i := range r.Perm(len(all)) {
		if count >= *lookupIn {
			break
		}
		if already[i] {
			continue
		}
		memberRows = append(memberRows, []any{uuid.New(), ds.tenant, all[i], user, "member", now, now})
		count++
	}
	if _, err := st.Store.Pool.CopyFrom(ctx, pgx.Identifier{"workspaces"}, []string{"id", "tenant_id", "name", "created_by", "created_at", "updated_at"}, pgx.CopyFromRows(wsRows)); err != nil {
		return err
	}
	if _, err := st.Store.Pool.CopyFrom(ctx, pgx.Identifier{"workspace_members"}, []string{"id", "tenant_id", "workspace_id", "user_id", "role", "created_at", "updated_at"}, pgx.CopyFromRows(memberRows)); err != nil {
		return err
	}
	if _, token, err := st.Projector.ImportAll(ctx); err != nil {
		return err
	} else if err := store.SetTenantToken(ctx, st.Store.Pool, ds.tenant, token); err != nil {
		return err
	}
	tok, err := session(ctx, st.Store, ds.tenant, user)
	if err != nil {
		return err
	}
	var api, direct []time.Duration
	got := 0
	for range 15 {
		t0 := time.Now()
		var out struct {
			Items []json.RawMessage `json:"items"`
		}
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, base+"/v1/workspaces?mine=true&limit=1000", nil)
		req.Header.Set("Authorization", "Bearer "+tok)
		resp, err := client.Do(req)
		if err != nil {
			return err
		}
		raw, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err := json.Unmarshal(raw, &out); err != nil {
			return fmt.Errorf("list workspaces: %s", raw)
		}
		api = append(api, time.Since(t0))
		got = len(out.Items)
		t0 = time.Now()
		stream, err := st.SpiceDB.LookupResources(ctx, &v1.LookupResourcesRequest{
			ResourceObjectType: "workspace", Permission: "role_member",
			Subject:     &v1.SubjectReference{Object: &v1.ObjectReference{ObjectType: "user", ObjectId: user.String()}},
			Consistency: &v1.Consistency{Requirement: &v1.Consistency_MinimizeLatency{MinimizeLatency: true}},
		})
		if err != nil {
			return err
		}
		for {
			if _, err := stream.Recv(); err != nil {
				break
			}
		}
		direct = append(direct, time.Since(t0))
	}
	sort.Slice(api, func(i, j int) bool { return api[i] < api[j] })
	sort.Slice(direct, func(i, j int) bool { return direct[i] < direct[j] })
	fmt.Printf("\nLookup: my workspaces for a user in %d of %d workspaces (%d listed):\n", count, len(all), got)
	fmt.Printf("  GET /v1/workspaces?mine=true&limit=1000 (LookupResources + rows + roles): p50 %s p95 %s\n", pct(api, 50).Round(100*time.Microsecond), pct(api, 95).Round(100*time.Microsecond))
	fmt.Printf("  direct SpiceDB LookupResources:                                        p50 %s p95 %s\n", pct(direct, 50).Round(100*time.Microsecond), pct(direct, 95).Round(100*time.Microsecond))
	return nil
}

type result struct {
	n, errors int
	p50, p95  time.Duration
	rate      float64
}

func (r result) print(name string, conc int) {
	fmt.Printf("%-34s %5d %9d %9s %9s %12.0f\n", name, conc, r.n, r.p50.Round(10*time.Microsecond), r.p95.Round(10*time.Microsecond), r.rate)
}

func measure(ctx context.Context, conc int, d time.Duration, fn func(*rand.Rand) error) result {
	// Warm up connections and caches briefly.
	wctx, cancel := context.WithTimeout(ctx, d/8)
	runFor(wctx, conc, fn, nil)
	cancel()
	var mu sync.Mutex
	var lat []time.Duration
	var errs atomic.Int64
	mctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	start := time.Now()
	runFor(mctx, conc, fn, func(l time.Duration, err error) {
		if err != nil {
			errs.Add(1)
			return
		}
		mu.Lock()
		lat = append(lat, l)
		mu.Unlock()
	})
	elapsed := time.Since(start)
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	return result{n: len(lat), errors: int(errs.Load()), p50: pct(lat, 50), p95: pct(lat, 95), rate: float64(len(lat)) / elapsed.Seconds()}
}

func runFor(ctx context.Context, conc int, fn func(*rand.Rand) error, observe func(time.Duration, error)) {
	var wg sync.WaitGroup
	for w := range conc {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := rand.New(rand.NewPCG(uint64(w), uint64(time.Now().UnixNano())))
			for ctx.Err() == nil {
				t0 := time.Now()
				err := fn(r)
				if ctx.Err() != nil {
					return
				}
				if observe != nil {
					observe(time.Since(t0), err)
				}
			}
		}()
	}
	wg.Wait()
}

func pct(sorted []time.Duration, p int) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	return sorted[min(len(sorted)-1, len(sorted)*p/100)]
}

func median(ds []time.Duration) time.Duration {
	sort.Slice(ds, func(i, j int) bool { return ds[i] < ds[j] })
	return ds[len(ds)/2]
}

func post(ctx context.Context, c *http.Client, url, token, body string, out any) error {
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewBufferString(body))
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := c.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if resp.StatusCode >= 300 {
		return fmt.Errorf("%s: %d %s", url, resp.StatusCode, raw)
	}
	if out != nil {
		return json.Unmarshal(raw, out)
	}
	return nil
}

func session(ctx context.Context, st *store.Store, tenant, user uuid.UUID) (string, error) {
	tok := auth.NewToken(auth.SessionPrefix)
	err := store.InsertSession(ctx, st.Pool, store.Session{ID: uuid.New(), TenantID: tenant, UserID: user, ExpiresAt: time.Now().Add(24 * time.Hour)}, auth.HashToken(tok))
	return tok, err
}

// load writes the data set straight into PostgreSQL with COPY.
// size is a data set's shape.
type size struct {
	users, workspaces, perWS, deploys int
	tag                               string // of the users' emails (unique across tenants)
}

// standard is the data set the flags describe.
func standard() size { return size{*nUsers, *nWorkspaces, *perWS, *nDeploys, "u"} }

func load(ctx context.Context, st *store.Store, tenant uuid.UUID, sz size) (*dataset, error) {
	r := rand.New(rand.NewPCG(42, 42))
	ds := &dataset{tenant: tenant, members: map[uuid.UUID][]int{}, sessions: map[uuid.UUID]string{}}
	now := time.Now()
	var userRows [][]any
	for i := range sz.users {
		id := uuid.New()
		ds.users = append(ds.users, id)
		userRows = append(userRows, []any{id, tenant, fmt.Sprintf("%s%d@bench.local", sz.tag, i), fmt.Sprintf("User %d", i), "member", "active", now, now})
	}
	var wsRows, memberRows, depRows [][]any
	for w := range sz.workspaces {
		id := uuid.New()
		owner := ds.users[r.IntN(len(ds.users))]
		ds.workspaces = append(ds.workspaces, id)
		ds.owners = append(ds.owners, owner)
		wsRows = append(wsRows, []any{id, tenant, fmt.Sprintf("ws-%d", w), owner, now, now})
		memberRows = append(memberRows, []any{uuid.New(), tenant, id, owner, "owner", now, now})
		ds.members[owner] = append(ds.members[owner], w)
		seen := map[uuid.UUID]bool{owner: true}
		for len(seen) < sz.perWS+1 {
			u := ds.users[r.IntN(len(ds.users))]
			if seen[u] {
				continue
			}
			seen[u] = true
			memberRows = append(memberRows, []any{uuid.New(), tenant, id, u, "member", now, now})
			ds.members[u] = append(ds.members[u], w)
		}
	}
	ds.deployments = make([][]uuid.UUID, len(ds.workspaces))
	for i := range sz.deploys {
		w := i % len(ds.workspaces)
		id := uuid.New()
		ds.deployments[w] = append(ds.deployments[w], id)
		depRows = append(depRows, []any{id, tenant, ds.workspaces[w], fmt.Sprintf("dep-%d", i), ds.owners[w], now, now})
	}
	copies := []struct {
		table string
		cols  []string
		rows  [][]any
	}{
		{"users", []string{"id", "tenant_id", "email", "name", "global_role", "status", "created_at", "updated_at"}, userRows},
		{"workspaces", []string{"id", "tenant_id", "name", "created_by", "created_at", "updated_at"}, wsRows},
		{"workspace_members", []string{"id", "tenant_id", "workspace_id", "user_id", "role", "created_at", "updated_at"}, memberRows},
		{"deployments", []string{"id", "tenant_id", "workspace_id", "name", "created_by", "created_at", "updated_at"}, depRows},
	}
	for _, c := range copies {
		if _, err := st.Pool.CopyFrom(ctx, pgx.Identifier{c.table}, c.cols, pgx.CopyFromRows(c.rows)); err != nil {
			return nil, fmt.Errorf("copy %s: %w", c.table, err)
		}
	}
	for i := 0; i < 200 && i < len(ds.users); i++ {
		u := ds.users[i*len(ds.users)/200]
		tok, err := session(ctx, st, tenant, u)
		if err != nil {
			return nil, err
		}
		ds.sessions[u] = tok
		ds.sampled = append(ds.sampled, u)
	}
	return ds, nil
}

// dep is the i-th deployment of the bulk scenario: workspaces in turn.
func dep(ds *dataset, i int) uuid.UUID {
	d := ds.deployments[i%len(ds.deployments)]
	return d[i%len(d)]
}

func pgArgs() []string {
	if *pgStmts {
		return []string{"-c", "shared_preload_libraries=pg_stat_statements", "-c", "pg_stat_statements.track=all", "-c", "pg_stat_statements.track_planning=on"}
	}
	return nil
}

// invokeDirect asks SpiceDB itself whether user may invoke deployment, at
// least as fresh as token.
func invokeDirect(ctx context.Context, st *app.Stack, token string, user, deployment uuid.UUID) error {
	_, err := st.SpiceDB.CheckPermission(ctx, &v1.CheckPermissionRequest{
		Consistency: &v1.Consistency{Requirement: &v1.Consistency_AtLeastAsFresh{AtLeastAsFresh: &v1.ZedToken{Token: token}}},
		Resource:    &v1.ObjectReference{ObjectType: "deployment", ObjectId: deployment.String()},
		Permission:  "invoke",
		Subject:     &v1.SubjectReference{Object: &v1.ObjectReference{ObjectType: "user", ObjectId: user.String()}},
	})
	return err
}
