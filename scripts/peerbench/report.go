package main

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"
)

var cpuCols = []string{"gatehouse", "spicedb", "pg:gatehouse", "pg:spicedb", "openfga", "pg:openfga", "loadgen", "pg:other"}

// table measures every target at every concurrency in interleaved rounds
// and prints the results.
func table(ctx context.Context, st *stack, targets []target, qs []query, concs []int, label string) map[int]map[string]*agg {
	res := map[int]map[string]*agg{}
	cols := append([]string{}, cpuCols...)
	for _, v := range st.variants {
		cols = append(cols, "spicedb:"+v.name)
	}
	for _, conc := range concs {
		la0 := loadavg()
		res[conc] = map[string]*agg{}
		for _, t := range targets {
			res[conc][t.name] = &agg{cpu: map[string]float64{}}
			runLoad(ctx, t, conc, *flagWarm, qs, 4242, nil)
		}
		for r := range *flagRounds {
			for k := range targets {
				t := targets[(k+r)%len(targets)] // rotate the order each round
				a := res[conc][t.name]
				before := st.cpuSnap(ctx)
				runLoad(ctx, t, conc, *flagRound, qs, r*9973, a)
				for k, v := range cpuDelta(before, st.cpuSnap(ctx)) {
					a.cpu[k] += v
				}
			}
			if ctx.Err() != nil {
				return res
			}
		}
		la1 := loadavg()
		fmt.Printf("== %s: concurrency %d, %d interleaved rounds of %s per system (load average before %s, after %s)\n", label, conc, *flagRounds, *flagRound, la0, la1)
		fmt.Printf("%-18s %8s %6s %6s %9s %9s %9s %9s |", "system", "checks", "errors", "allow%", "p50", "p95", "p99", "checks/s")
		for _, c := range cols {
			fmt.Printf(" %9s", c)
		}
		fmt.Printf(" %9s\n", "total")
		fmt.Printf("%-18s %8s %6s %6s %9s %9s %9s %9s |", "", "", "", "", "", "", "", "")
		fmt.Printf(" %s\n", "CPU ms per check of each process (PostgreSQL backends by database)")
		for _, t := range targets {
			a := res[conc][t.name]
			sort.Slice(a.lat, func(i, j int) bool { return a.lat[i] < a.lat[j] })
			rate := float64(a.n) / a.elapsed.Seconds()
			fmt.Printf("%-18s %8d %6d %5.1f%% %9s %9s %9s %9.0f |", t.name, a.n, a.errs, 100*float64(a.allowed)/float64(max(a.n, 1)),
				rnd(pct(a.lat, 50)), rnd(pct(a.lat, 95)), rnd(pct(a.lat, 99)), rate)
			total := 0.0
			for _, c := range cols {
				v := 1000 * a.cpu[c] / float64(max(a.n, 1))
				total += v
				fmt.Printf(" %9.3f", v)
			}
			fmt.Printf(" %9.3f\n", total)
			if a.firstErr != nil {
				fmt.Printf("    first error of %s: %v\n", t.name, a.firstErr)
			}
		}
		if g := res[conc]["gatehouse"]; g != nil {
			for _, peer := range []string{"openfga-http", "openfga-grpc", "spicedb"} {
				if p := res[conc][peer]; p != nil {
					fmt.Printf("%-18s %8s %6s %6s %9s %9s %9s %9s\n", "gatehouse/"+peer, "", "", "",
						ratio(pct(g.lat, 50), pct(p.lat, 50)), ratio(pct(g.lat, 95), pct(p.lat, 95)), ratio(pct(g.lat, 99), pct(p.lat, 99)),
						fmt.Sprintf("x%.2f", (float64(g.n)/g.elapsed.Seconds())/(float64(p.n)/p.elapsed.Seconds())))
				}
			}
		}
		fmt.Println()
	}
	return res
}

func rnd(d time.Duration) string {
	if d < 10*time.Millisecond {
		return fmt.Sprintf("%.2fms", float64(d.Microseconds())/1000)
	}
	return fmt.Sprintf("%.1fms", float64(d.Microseconds())/1000)
}

func ratio(a, b time.Duration) string {
	if b == 0 {
		return "-"
	}
	return fmt.Sprintf("x%.2f", a.Seconds()/b.Seconds())
}

// throughput is checks per second over the measured rounds of a.
func throughput(a *agg) float64 {
	if a == nil || a.elapsed <= 0 {
		return 0
	}
	return float64(a.n) / a.elapsed.Seconds()
}

// summary prints the closing block: Gatehouse's throughput over each
// peer's at every concurrency of the main table, and the Gatehouse
// process's own CPU per check from the profile phase (at concurrency 16,
// else the highest profiled one). Every figure comes from this run.
func summary(res map[int]map[string]*agg, concs []int, gateCPU map[int]float64, profConcs []int) {
	line := func(label, peer string) {
		var parts []string
		for _, c := range concs {
			g, p := throughput(res[c]["gatehouse"]), throughput(res[c][peer])
			if g == 0 || p == 0 {
				parts = append(parts, fmt.Sprintf("c=%d -", c))
				continue
			}
			parts = append(parts, fmt.Sprintf("c=%d x%.2f", c, g/p))
		}
		fmt.Printf("%s: %s\n", label, strings.Join(parts, ", "))
	}
	fmt.Println()
	line("Gatehouse vs OpenFGA (gRPC) check throughput", "openfga-grpc")
	line("Gatehouse vs direct SpiceDB", "spicedb")
	c, ok := 16, false
	if _, ok = gateCPU[16]; !ok && len(profConcs) > 0 {
		c, ok = profConcs[len(profConcs)-1], true
	}
	if !ok {
		fmt.Println("Gatehouse CPU per check (own process): - (no profile phase of gatehouse: -profile 0 or gatehouse not in -systems)")
		return
	}
	fmt.Printf("Gatehouse CPU per check (own process): %.3f ms at c=%d\n", gateCPU[c], c)
}
