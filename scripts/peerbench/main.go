// Command peerbench measures Gatehouse's check against its peers, side by
// side in one run, and shows where the time of a Gatehouse check goes.
//
// One command, from the checkout (about 4-5 minutes on the 2-core machine
// once built):
//
//	make bench-peers PEER_ARGS='-rounds 2'   # or: bash scripts/peerbench/run.sh [flags]
//	bash scripts/peerbench/run.sh -profile 0 -systems gatehouse,spicedb,openfga-http,openfga-grpc
//
// run.sh builds what is missing (Gatehouse with the pprof overlay of
// overlay/pprof.go.txt, the pinned SpiceDB, OpenFGA v1.22.1 once) and runs
// this program.
//
// In ONE run it: starts a throwaway PostgreSQL 15 (as the postgres user;
// pg_stat_statements and auto_explain preloaded), SpiceDB v1.56.2 on it,
// Gatehouse itself (`gatehouse migrate` + `gatehouse serve`, the binary
// built from the clone with a pprof overlay), and OpenFGA on another
// database of the same cluster; loads the data set of Gatehouse's own
// benchmark (scripts/bench: same counts, same membership distribution, same
// PCG(42,42) seed) into Gatehouse's PostgreSQL, projects it into SpiceDB with
// Gatehouse's own projection (`gatehouse reconcile --dry-run` lists every
// missing relationship; they are bulk-imported; a second dry run must say
// "no drift"), copies the same relationships into OpenFGA under an
// equivalent model, then runs one pre-generated random check mix
// (deployment#invoke, mostly negative, as in scripts/bench) at each
// concurrency in interleaved short rounds (A, B, C, A, B, C ...) against
// every system, and prints one table with CPU time per check of every
// process. Everything it starts listens on 127.0.0.1 (ports 18480-18499)
// and is stopped at exit; the whole run is bounded by -timeout. By default
// ANALYZE runs on the three databases before measuring (-analyze): without
// it SpiceDB's planner has the statistics of an empty relation_tuple (its
// migration analyzes the table before the import) until autovacuum's next
// pass, and every check filters whole relations. The report ends with a
// summary block: Gatehouse's throughput against OpenFGA (gRPC) and direct
// SpiceDB at each concurrency, and Gatehouse's own CPU per check from the
// profile phase.
//
// The files: procs.go (child processes), stack.go (PostgreSQL, SpiceDB,
// Gatehouse), dataset.go (the data set and its projection), openfga.go
// (OpenFGA: model, load, gRPC check), targets.go (the check mix and the
// systems measured), measure.go (load generator, CPU accounting), report.go
// (the tables and the summary), profile.go (the profile phase), analyze.go
// (-analyze-phase, auto_explain).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"
)

var (
	flagClone     = flag.String("clone", ".", "Gatehouse checkout (for `go tool -n spicedb`)")
	flagGatehouse = flag.String("gatehouse-bin", "gatehouse", "gatehouse binary (run.sh builds it with the pprof overlay)")
	flagSpiceDB   = flag.String("spicedb-bin", "", "spicedb binary (default: `go tool -n spicedb` in -clone)")
	flagOpenFGA   = flag.String("openfga-bin", "openfga", "openfga binary")

	nUsers      = flag.Int("users", 10000, "users")
	nWorkspaces = flag.Int("workspaces", 1000, "workspaces")
	perWS       = flag.Int("members", 20, "members per workspace (besides the owner)")
	nDeploys    = flag.Int("deployments", 20000, "deployments")

	flagRound   = flag.Duration("round", 2*time.Second, "length of one measured round of one system")
	flagRounds  = flag.Int("rounds", 4, "rounds per system and concurrency (interleaved)")
	flagWarm    = flag.Duration("warmup", 500*time.Millisecond, "warm-up per system and concurrency (not measured)")
	flagConcs   = flag.String("concs", "1,16", "concurrencies")
	flagSystems = flag.String("systems", "gatehouse,spicedb,openfga-http,openfga-grpc,gatehouse-ml,spicedb-ml,pg-auth,healthz",
		"targets, comma separated: gatehouse gatehouse-ml spicedb spicedb-ml spicedb-fc openfga-http openfga-grpc pg-auth healthz v:<variant> v:<variant>-ml")
	flagVariants = flag.String("spicedb-variants", "",
		"extra SpiceDB instances on the same datastore, measured direct as v:<name>: 'name=--flag=x --flag2=y;name2=...' (at most 4)")
	flagSpiceFlags = flag.String("spicedb-flags", "", "extra flags for the main SpiceDB (the one Gatehouse uses)")
	flagProfConcs  = flag.String("profile-concs", "1,16", "concurrencies of the -profile phase (CPU profiles at the last)")
	flagProfile    = flag.Duration("profile", 8*time.Second, "after the table: CPU profiles, SpiceDB call counts and pg_stat_statements per check for gatehouse and spicedb at the highest concurrency, this long each")
	flagAnalyzeNow = flag.Bool("analyze", true, "run ANALYZE on the three databases after loading, before measuring (the steady state autovacuum reaches a minute or so later); false measures right after the bulk import, as scripts/bench does")
	flagAnalyze    = flag.Bool("analyze-phase", false, "after the table: print SpiceDB's table statistics, run ANALYZE on its database, and measure the same targets again")
	flagExplain    = flag.Duration("auto-explain", -1, "auto_explain: log the plans of statements slower than this in out/postgres.log (-1: off)")
	flagAutovac    = flag.Bool("autovacuum", true, "PostgreSQL autovacuum (and so auto-analyze)")
	flagVerify     = flag.Bool("verify", true, "after the import, `gatehouse reconcile --dry-run` must say no drift")
	flagFGA        = flag.Bool("openfga", true, "start OpenFGA and load it (needed by the openfga-* targets)")
	flagFGABatch   = flag.Int("openfga-batch", 100, "tuples per OpenFGA Write (its default --max-tuples-per-write is 100)")
	flagBasePort   = flag.Int("base-port", 18480, "first of the 20 ports used (OpenFGA HTTP = base, gRPC = base+1)")
	flagWork       = flag.String("workdir", filepath.Join(os.TempDir(), "gatehouse-peerbench"), "scratch directory (removed and recreated)")
	flagOut        = flag.String("out", "", "where logs and profiles go (default <workdir>/out)")
	flagTimeout    = flag.Duration("timeout", 14*time.Minute, "hard bound on the whole run")
	flagHold       = flag.Duration("hold", 0, "keep everything running this long at the end (for psql/pprof by hand; SIGINT ends it)")
)

// Ports (offsets from -base-port).
const (
	pFGAHTTP = iota
	pFGAGRPC
	pPG
	pSpiceGRPC
	pSpiceMetrics
	pGateHTTP
	pGatePprof
	pFGAMetrics
	pFGAProfiler
	pGateMgmt      // Gatehouse's management server (GATEHOUSE_MANAGEMENT_ADDR): /metrics
	pVariant0 = 10 // two per variant: gRPC, metrics
)

const spiceKey = "perf-bench-key"

var (
	workDir, outDir string
	start           = time.Now()
)

func port(off int) int { return *flagBasePort + off }

func logf(format string, args ...any) {
	fmt.Printf("[%6.1fs] %s\n", time.Since(start).Seconds(), fmt.Sprintf(format, args...))
}

func main() {
	flag.Parse()
	// A cancel-only context (no deadline): a deadline would travel with
	// every gRPC call as a grpc-timeout header.
	ctx, cancel := context.WithCancel(context.Background())
	abort := make(chan struct{})
	var abortOnce sync.Once
	hard := time.AfterFunc(*flagTimeout, func() {
		fmt.Println("peerbench: -timeout reached; stopping everything")
		abortOnce.Do(func() { close(abort) })
		cancel()
	})
	defer hard.Stop()
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	go func() {
		select {
		case s := <-sigs:
			fmt.Println("peerbench: signal", s, "- stopping everything")
			abortOnce.Do(func() { close(abort) })
			cancel()
		case <-ctx.Done():
		}
	}()
	// The hard bound: after a timeout or a signal, whatever happens, stop
	// every process and exit within 30 s.
	go func() {
		<-abort
		time.Sleep(30 * time.Second)
		fmt.Println("peerbench: still running 30 s after the abort; killing everything")
		killAll()
		os.Exit(3)
	}()
	err := run(ctx)
	cancel()
	stopAll()
	if err != nil {
		fmt.Fprintln(os.Stderr, "peerbench:", err)
		os.Exit(1)
	}
}

func loadavg() string {
	b, _ := os.ReadFile("/proc/loadavg")
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "?"
	}
	return strings.Join(f[:3], " ")
}

func run(ctx context.Context) error {
	workDir = *flagWork
	outDir = *flagOut
	if outDir == "" {
		outDir = filepath.Join(workDir, "out")
	}
	if *flagSpiceDB == "" {
		out, err := exec.CommandContext(ctx, "go", "-C", *flagClone, "tool", "-n", "spicedb").Output()
		if err != nil {
			return fmt.Errorf("go tool -n spicedb in %s: %w", *flagClone, err)
		}
		*flagSpiceDB = strings.TrimSpace(string(out))
	}
	// Before the scratch directory goes: another run on these ports (maybe
	// of the same workdir) must not lose its files.
	if err := portsFree(); err != nil {
		return err
	}
	if err := os.RemoveAll(workDir); err != nil {
		return err
	}
	// The workdir is made here, traversable by the postgres user, even when
	// -out puts the logs elsewhere.
	for _, d := range []string{workDir, outDir} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return err
		}
	}
	_ = os.Chmod(workDir, 0o755)
	systems := strings.Split(*flagSystems, ",")
	needFGA := false
	for _, s := range systems {
		if strings.HasPrefix(s, "openfga") {
			needFGA = true
		}
	}
	if needFGA && !*flagFGA {
		return errors.New("-openfga=false but -systems names an openfga target")
	}
	fmt.Printf("peerbench: %d users, %d workspaces x %d members (+owner), %d deployments; systems %s; rounds %d x %s; concurrency %s\n",
		*nUsers, *nWorkspaces, *perWS, *nDeploys, *flagSystems, *flagRounds, *flagRound, *flagConcs)
	fmt.Printf("load average at start: %s; nproc %d\n", loadavg(), numCPU())
	fmt.Printf("spicedb: %s\ngatehouse: %s\nopenfga: %s\nlogs and profiles: %s\n\n", *flagSpiceDB, *flagGatehouse, *flagOpenFGA, outDir)

	st := &stack{}
	if err := st.startPostgres(ctx); err != nil {
		return err
	}
	if err := st.startSpiceDB(ctx); err != nil {
		return err
	}
	if err := st.startGatehouse(ctx); err != nil {
		return err
	}
	if err := st.load(ctx); err != nil {
		return err
	}
	if err := st.project(ctx, needFGA && *flagFGA); err != nil {
		return err
	}
	if *flagFGA && needFGA {
		if err := st.startOpenFGA(ctx); err != nil {
			return err
		}
	}
	if err := st.startVariants(ctx); err != nil {
		return err
	}
	fmt.Println("SpiceDB's tables after the load:")
	st.tableStats(ctx)
	if *flagAnalyzeNow {
		t0 := time.Now()
		for _, db := range []string{"gatehouse", "spicedb", "openfga"} {
			conn, err := pgx.Connect(ctx, st.pgURL(db))
			if err != nil {
				return err
			}
			_, err = conn.Exec(ctx, "ANALYZE")
			conn.Close(ctx)
			if err != nil {
				return fmt.Errorf("analyze %s: %w", db, err)
			}
		}
		logf("ANALYZE on databases gatehouse, spicedb, openfga: %s (-analyze=false skips it)", time.Since(t0).Round(time.Millisecond))
		st.tableStats(ctx)
	} else {
		logf("no ANALYZE after the load (-analyze=false): the planner has what autovacuum gathered so far")
	}
	if _, err := st.admin.Exec(ctx, "SELECT pg_stat_statements_reset()"); err != nil {
		return err
	}
	qs := st.queries(150000)
	cursor.Store(400) // the first 400 are the agreement check's
	targets, err := st.targets(systems)
	if err != nil {
		return err
	}
	if err := agreement(ctx, targets, qs[:400]); err != nil {
		return err
	}
	concs, err := parseInts(*flagConcs)
	if err != nil {
		return err
	}
	fmt.Println()
	measured := table(ctx, st, targets, qs, concs, "main")
	gateCPU := map[int]float64{} // Gatehouse's own CPU ms per check, by profiled concurrency
	var profConcs []int
	if *flagProfile > 0 {
		pcs, err := parseInts(*flagProfConcs)
		if err != nil {
			return err
		}
		for i, c := range pcs {
			ms, err := st.profile(ctx, targets, qs, c, i == len(pcs)-1)
			if err != nil {
				return err
			}
			if ms >= 0 {
				gateCPU[c] = ms
				profConcs = append(profConcs, c)
			}
		}
	}
	if *flagAnalyze {
		if err := st.analyzePhase(ctx, targets, qs, concs); err != nil {
			return err
		}
	}
	if *flagExplain >= 0 {
		summarizeAutoExplain()
	}
	fmt.Printf("\nload average at end: %s; total %s\n", loadavg(), time.Since(start).Round(time.Second))
	summary(measured, concs, gateCPU, profConcs)
	if *flagHold > 0 {
		logf("holding for %s: psql %s ; SpiceDB %s (key %s) ; Gatehouse %s ; tenant token %s",
			*flagHold, st.pgURL("spicedb"), fmt.Sprintf("127.0.0.1:%d", port(pSpiceGRPC)), spiceKey, st.gateBase, st.token)
		for _, u := range st.ds.sampled[:3] {
			fmt.Printf("  session of user %s: %s\n", u, st.ds.sessions[u])
		}
		select {
		case <-ctx.Done():
		case <-time.After(*flagHold):
		}
	}
	return nil
}

func numCPU() int {
	b, _ := os.ReadFile("/proc/cpuinfo")
	return strings.Count(string(b), "processor\t:")
}

func parseInts(s string) ([]int, error) {
	var out []int
	for _, f := range strings.Split(s, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil {
			return nil, fmt.Errorf("bad number %q", f)
		}
		out = append(out, n)
	}
	return out, nil
}

// ---------------------------------------------------------------- PostgreSQL

// portsFree fails when one of the 20 ports of -base-port is taken (another
// run, maybe of ../shared/perf, is using them).
func portsFree() error {
	for off := range 20 {
		l, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", port(off)))
		if err != nil {
			return fmt.Errorf("port %d (of -base-port %d .. +19) is in use: is another run under way? wait, or pass another -base-port: %w", port(off), *flagBasePort, err)
		}
		l.Close()
	}
	return nil
}
