package main

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// ---------------------------------------------------------------- measuring

type agg struct {
	lat      []time.Duration
	n, errs  int
	allowed  int
	elapsed  time.Duration
	cpu      map[string]float64
	firstErr error
}

var cursor atomic.Int64

func runLoad(ctx context.Context, t target, conc int, d time.Duration, qs []query, _ int, a *agg) {
	var mu sync.Mutex
	var wg sync.WaitGroup
	// Every worker stops starting checks at the deadline and finishes the
	// one under way (counted when it ends before the deadline).
	t0 := time.Now()
	stop := t0.Add(d)
	for range conc {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var local []time.Duration
			errs, allowed := 0, 0
			var firstErr error
			for ctx.Err() == nil && time.Now().Before(stop) {
				// One cursor for the whole run: every check takes the next
				// query of the list, so no two systems (or rounds) ask the
				// same questions and SpiceDB's dispatch cache only hits on
				// what the mix itself repeats, as in scripts/bench.
				q := &qs[int(cursor.Add(1))%len(qs)]
				s := time.Now()
				ok, err := t.check(ctx, q)
				if e := time.Now(); e.After(stop) || ctx.Err() != nil {
					break
				}
				if err != nil {
					errs++
					if firstErr == nil {
						firstErr = err
					}
					continue
				}
				if ok {
					allowed++
				}
				local = append(local, time.Since(s))
			}
			if a == nil {
				return
			}
			mu.Lock()
			a.lat = append(a.lat, local...)
			a.errs += errs
			a.allowed += allowed
			if a.firstErr == nil {
				a.firstErr = firstErr
			}
			mu.Unlock()
		}()
	}
	wg.Wait()
	if a != nil {
		a.elapsed += time.Since(t0)
		a.n = len(a.lat)
	}
}

// cpu accounting: user+system time of each process, and of PostgreSQL
// backends grouped by the database they serve.
func (st *stack) cpuSnap(ctx context.Context) map[string]float64 {
	m := map[string]float64{}
	add := func(name string, pid int) {
		if v, ok := procCPU(pid); ok {
			m[name] += v
		}
	}
	add("gatehouse", st.gate.pid())
	add("spicedb", st.spice.pid())
	if st.fga != nil {
		add("openfga", st.fga.pid())
	}
	for _, v := range st.variants {
		add("spicedb:"+v.name, v.proc.pid())
	}
	add("loadgen", os.Getpid())
	// PostgreSQL: children of the postmaster.
	dbOf := map[int]string{}
	rows, err := st.admin.Query(ctx, `SELECT pid, coalesce(datname, backend_type) FROM pg_stat_activity`)
	if err == nil {
		for rows.Next() {
			var pid int
			var db string
			if rows.Scan(&pid, &db) == nil {
				dbOf[pid] = db
			}
		}
		rows.Close()
	}
	pm := st.pg.pid()
	ents, _ := os.ReadDir("/proc")
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		b, err := os.ReadFile("/proc/" + e.Name() + "/stat")
		if err != nil {
			continue
		}
		f := statFields(string(b))
		if len(f) < 15 || f[3] != strconv.Itoa(pm) {
			continue
		}
		db := dbOf[pid]
		switch db {
		case "gatehouse", "spicedb", "openfga":
		default:
			db = "other"
		}
		ut, _ := strconv.ParseFloat(f[13], 64)
		stt, _ := strconv.ParseFloat(f[14], 64)
		m[fmt.Sprintf("pgpid:%d:%s", pid, db)] = (ut + stt) / 100
	}
	return m
}

// cpuDelta is after - before per component. PostgreSQL backends are
// counted per process: one that appeared counts whole, one that exited in
// between is lost (its last interval is unknown), so no delta goes
// negative when a pool closes a connection.
func cpuDelta(before, after map[string]float64) map[string]float64 {
	d := map[string]float64{}
	for k, v := range after {
		if rest, ok := strings.CutPrefix(k, "pgpid:"); ok {
			_, db, _ := strings.Cut(rest, ":")
			d["pg:"+db] += v - before[k] // before[k] is 0 for a new backend
			continue
		}
		if b, ok := before[k]; ok {
			d[k] += v - b
		}
	}
	return d
}

// statFields splits /proc/<pid>/stat, keeping the command (field 2) whole.
func statFields(s string) []string {
	i := strings.LastIndex(s, ")")
	if i < 0 {
		return nil
	}
	head := strings.SplitN(s[:i], " (", 2)
	return append([]string{head[0], "cmd"}, strings.Fields(s[i+1:])...)
}

func procCPU(pid int) (float64, bool) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, false
	}
	f := statFields(string(b))
	if len(f) < 17 {
		return 0, false
	}
	ut, _ := strconv.ParseFloat(f[13], 64)
	stt, _ := strconv.ParseFloat(f[14], 64)
	// Threads are summed in the process's line; add reaped children too
	// (fields 16, 17) for processes that fork.
	return (ut + stt) / 100, true
}

func pct(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	return sorted[min(len(sorted)-1, int(float64(len(sorted))*p/100))]
}
