package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

// ---------------------------------------------------------------- where the time goes

type stmt struct {
	db    string
	calls int64
	total float64
	mean  float64
	rows  int64
	query string
}

func (st *stack) statements(ctx context.Context) ([]stmt, error) {
	rows, err := st.admin.Query(ctx, `SELECT d.datname, s.calls, s.total_exec_time, s.mean_exec_time, s.rows, s.query
		FROM pg_stat_statements s JOIN pg_database d ON d.oid = s.dbid
		WHERE d.datname IN ('gatehouse', 'spicedb', 'openfga') ORDER BY s.total_exec_time DESC`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []stmt
	for rows.Next() {
		var s stmt
		if err := rows.Scan(&s.db, &s.calls, &s.total, &s.mean, &s.rows, &s.query); err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, rows.Err()
}

func scrape(ctx context.Context, url string) (map[string]float64, error) {
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("%s: %d", url, resp.StatusCode)
	}
	m := map[string]float64{}
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "#") {
			continue
		}
		i := strings.LastIndex(line, " ")
		if i < 0 {
			continue
		}
		v, err := strconv.ParseFloat(line[i+1:], 64)
		if err != nil {
			continue
		}
		m[line[:i]] = v
	}
	return m, sc.Err()
}

// sumMetric adds every series of a metric whose labels contain all of subs.
func sumMetric(m map[string]float64, name string, subs ...string) float64 {
	t := 0.0
	for k, v := range m {
		if !strings.HasPrefix(k, name+"{") && k != name {
			continue
		}
		ok := true
		for _, s := range subs {
			if !strings.Contains(k, s) {
				ok = false
			}
		}
		if ok {
			t += v
		}
	}
	return t
}

// profile runs the profile phase at one concurrency and returns the CPU of
// the Gatehouse process per check (ms), or -1 when gatehouse is not a
// target.
func (st *stack) profile(ctx context.Context, targets []target, qs []query, conc int, withPprof bool) (float64, error) {
	gateCPU := -1.0
	d := *flagProfile
	metricsURL := fmt.Sprintf("http://127.0.0.1:%d/metrics", port(pSpiceMetrics))
	gateMetrics := fmt.Sprintf("http://127.0.0.1:%d/metrics", port(pGateMgmt))
	for _, name := range []string{"gatehouse", "spicedb", "openfga-grpc"} {
		var t *target
		for i := range targets {
			if targets[i].name == name {
				t = &targets[i]
			}
		}
		if t == nil {
			continue
		}
		fmt.Printf("== where the time goes: %s at concurrency %d for %s (load average %s)\n", name, conc, d, loadavg())
		if _, err := st.admin.Exec(ctx, "SELECT pg_stat_statements_reset()"); err != nil {
			return gateCPU, err
		}
		m0, err := scrape(ctx, metricsURL)
		if err != nil {
			return gateCPU, err
		}
		g0, err := scrape(ctx, gateMetrics)
		if err != nil {
			return gateCPU, err
		}
		// CPU profiles of the processes on the path, taken while it runs.
		var wg sync.WaitGroup
		profs := map[string]string{}
		sw := name
		if !withPprof {
			sw = ""
		}
		switch sw {
		case "gatehouse":
			profs["gatehouse"] = fmt.Sprintf("http://127.0.0.1:%d/debug/pprof/profile?seconds=%d", port(pGatePprof), int(d.Seconds()))
			profs["spicedb-under-gatehouse"] = fmt.Sprintf("http://127.0.0.1:%d/debug/pprof/profile?seconds=%d", port(pSpiceMetrics), int(d.Seconds()))
		case "spicedb":
			profs["spicedb-direct"] = fmt.Sprintf("http://127.0.0.1:%d/debug/pprof/profile?seconds=%d", port(pSpiceMetrics), int(d.Seconds()))
		case "openfga-grpc":
			profs["openfga"] = fmt.Sprintf("http://127.0.0.1:%d/debug/pprof/profile?seconds=%d", port(pFGAProfiler), int(d.Seconds()))
		}
		for pn, url := range profs {
			wg.Add(1)
			go func() {
				defer wg.Done()
				req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
				resp, err := (&http.Client{Timeout: d + 30*time.Second}).Do(req)
				if err != nil {
					fmt.Println("  profile", pn, err)
					return
				}
				defer resp.Body.Close()
				f, _ := os.Create(filepath.Join(outDir, pn+".pprof"))
				_, _ = io.Copy(f, resp.Body)
				f.Close()
			}()
		}
		time.Sleep(100 * time.Millisecond)
		a := &agg{cpu: map[string]float64{}}
		before := st.cpuSnap(ctx)
		runLoad(ctx, *t, conc, d, qs, 777, a)
		delta := cpuDelta(before, st.cpuSnap(ctx))
		wg.Wait()
		m1, err := scrape(ctx, metricsURL)
		if err != nil {
			return gateCPU, err
		}
		g1, err := scrape(ctx, gateMetrics)
		if err != nil {
			return gateCPU, err
		}
		n := float64(max(a.n+a.errs, 1))
		sort.Slice(a.lat, func(i, j int) bool { return a.lat[i] < a.lat[j] })
		var sum time.Duration
		for _, l := range a.lat {
			sum += l
		}
		mean := sum.Seconds() * 1000 / float64(max(len(a.lat), 1))
		fmt.Printf("  %d checks (%.0f/s), p50 %s p95 %s, mean %.3f ms\n", a.n, float64(a.n)/a.elapsed.Seconds(), rnd(pct(a.lat, 50)), rnd(pct(a.lat, 95)), mean)
		// Mean time split from the servers' own histograms.
		ghS := sumMetric(g1, "gatehouse_http_request_duration_seconds_sum", `route="/v1/check"`) - sumMetric(g0, "gatehouse_http_request_duration_seconds_sum", `route="/v1/check"`)
		ghN := sumMetric(g1, "gatehouse_http_request_duration_seconds_count", `route="/v1/check"`) - sumMetric(g0, "gatehouse_http_request_duration_seconds_count", `route="/v1/check"`)
		spS := sumMetric(m1, "grpc_server_handling_seconds_sum", `grpc_method="CheckPermission"`) - sumMetric(m0, "grpc_server_handling_seconds_sum", `grpc_method="CheckPermission"`)
		spN := sumMetric(m1, "grpc_server_handling_seconds_count", `grpc_method="CheckPermission"`) - sumMetric(m0, "grpc_server_handling_seconds_count", `grpc_method="CheckPermission"`)
		if spN > 0 {
			spMean := 1000 * spS / spN
			if ghN > 0 {
				ghMean := 1000 * ghS / ghN
				fmt.Printf("  mean split: client %.3f ms = outside Gatehouse's route timer (HTTP client+transport, recover/otelgin) %.3f + Gatehouse route timer %.3f, which = SpiceDB CheckPermission server time %.3f + the rest in Gatehouse (session and token queries, gRPC client, JSON) %.3f\n",
					mean, mean-ghMean, ghMean, spMean, ghMean-spMean)
			} else {
				fmt.Printf("  mean split: client %.3f ms = SpiceDB CheckPermission server time %.3f + client/transport %.3f\n", mean, spMean, mean-spMean)
			}
		}
		if name == "gatehouse" {
			gateCPU = 1000 * delta["gatehouse"] / n
		}
		fmt.Printf("  CPU ms per check:")
		for _, c := range cpuCols {
			fmt.Printf(" %s %.3f", c, 1000*delta[c]/n)
		}
		fmt.Println()
		calls := sumMetric(m1, "grpc_server_handled_total", `grpc_method="CheckPermission"`) - sumMetric(m0, "grpc_server_handled_total", `grpc_method="CheckPermission"`)
		allCalls := sumMetric(m1, "grpc_server_handled_total") - sumMetric(m0, "grpc_server_handled_total")
		disp := sumMetric(m1, "spicedb_dispatch_client_check_total") - sumMetric(m0, "spicedb_dispatch_client_check_total")
		hits := sumMetric(m1, "spicedb_services_dispatches") - sumMetric(m0, "spicedb_services_dispatches")
		fmt.Printf("  SpiceDB (main instance) gRPC calls per check: CheckPermission %.2f, all methods %.2f", calls/n, allCalls/n)
		if disp > 0 {
			fmt.Printf("; dispatched checks %.2f", disp/n)
		}
		if hits > 0 {
			fmt.Printf("; services dispatches %.2f", hits/n)
		}
		fmt.Println()
		cacheHits := sumMetric(m1, "spicedb_cache_hits_total", `cache="dispatch"`) - sumMetric(m0, "spicedb_cache_hits_total", `cache="dispatch"`)
		cacheMiss := sumMetric(m1, "spicedb_cache_misses_total", `cache="dispatch"`) - sumMetric(m0, "spicedb_cache_misses_total", `cache="dispatch"`)
		if cacheHits+cacheMiss > 0 {
			fmt.Printf("  SpiceDB dispatch cache: %.2f hits, %.2f misses per check (hit rate %.0f%%)\n", cacheHits/n, cacheMiss/n, 100*cacheHits/(cacheHits+cacheMiss))
		}
		sts, err := st.statements(ctx)
		if err != nil {
			return gateCPU, err
		}
		per := map[string]float64{}
		perT := map[string]float64{}
		for _, s := range sts {
			per[s.db] += float64(s.calls)
			perT[s.db] += s.total
		}
		for _, db := range []string{"gatehouse", "spicedb", "openfga"} {
			if per[db] == 0 {
				continue
			}
			fmt.Printf("  PostgreSQL statements per check on database %s: %.2f (server time %.3f ms per check)\n", db, per[db]/n, perT[db]/n)
			shown := 0
			for _, s := range sts {
				if s.db != db || float64(s.calls)/n < 0.01 {
					continue
				}
				q := strings.Join(strings.Fields(s.query), " ")
				if len(q) > 230 {
					q = q[:230] + "..."
				}
				fmt.Printf("    %6.2f/check  mean %.3f ms  rows/call %.1f  %s\n", float64(s.calls)/n, s.mean, float64(s.rows)/float64(max(s.calls, 1)), q)
				if shown++; shown >= 8 {
					break
				}
			}
		}
		for pn := range profs {
			path := filepath.Join(outDir, pn+".pprof")
			out, err := exec.CommandContext(ctx, "go", "tool", "pprof", "-top", "-nodecount=25", path).CombinedOutput()
			if err != nil {
				fmt.Printf("  pprof %s: %v %s\n", pn, err, out)
				continue
			}
			fmt.Printf("  -- CPU profile %s (%s; flat = own time)\n", pn, path)
			for _, l := range strings.Split(strings.TrimSpace(string(out)), "\n") {
				fmt.Println("    " + l)
			}
			// Time by broad area, from the cumulative view.
			cum, err := exec.CommandContext(ctx, "go", "tool", "pprof", "-top", "-cum", "-nodecount=400", path).CombinedOutput()
			if err == nil {
				areas(pn, string(cum))
			}
		}
		fmt.Println()
	}
	return gateCPU, nil
}

// areas prints the cumulative share of a few functions that tell where a
// request's CPU goes.
func areas(name string, top string) {
	probes := []struct{ label, fn string }{
		{"HTTP server (net/http conn serve)", "net/http.(*conn).serve"},
		{"gin engine", "github.com/gin-gonic/gin.(*Engine).ServeHTTP"},
		{"otelgin middleware", "otelgin.Middleware.func1"},
		{"authenticate (session lookup)", "iam.(*Service).Authenticate"},
		{"tenant token lookup", "store.TenantToken"},
		{"check consistency", "iam.(*Service).checkConsistency"},
		{"SpiceDB call (authz.Checker.Check)", "authz.Checker.Check"},
		{"pgx QueryRow scan", "pgx/v5.(*connRow).Scan"},
		{"pgxpool Acquire", "pgxpool.(*Pool).Acquire"},
		{"JSON decode (httpapi.decode)", "httpapi.decode"},
		{"JSON encode (gin render JSON)", "render.JSON.Render"},
		{"prometheus observe", "httpapi.(*metrics).observeRequest"},
		{"grpc client invoke", "grpc.(*ClientConn).Invoke"},
		{"gc (runtime.gcBgMarkWorker)", "runtime.gcBgMarkWorker"},
		{"syscalls (syscall.Syscall6 / RawSyscall)", "internal/runtime/syscall.Syscall6"},
		{"SpiceDB check dispatch", "graph.(*ConcurrentChecker).Check"},
		{"SpiceDB datastore query", "pgx/v5.(*Conn).Query"},
		{"SpiceDB grpc server handle", "grpc.(*Server).handleStream"},
		{"SpiceDB revision selection", "revisions.(*CachedOptimizedRevisions).OptimizedRevision"},
	}
	lines := strings.Split(top, "\n")
	fmt.Printf("  -- cumulative share of CPU samples in %s\n", name)
	for _, p := range probes {
		for _, l := range lines {
			if strings.HasSuffix(strings.TrimSpace(l), p.fn) {
				f := strings.Fields(l)
				if len(f) >= 6 {
					fmt.Printf("    %-45s %s\n", p.label, f[4])
				}
				break
			}
		}
	}
}
