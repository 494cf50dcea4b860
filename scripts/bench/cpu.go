package main

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5/pgxpool"
)

// cpuMeter reads the CPU time (user + system) of the processes a scenario
// runs on: this process (Gatehouse and the load generator), SpiceDB, and
// PostgreSQL's backends by database.
type cpuMeter struct {
	pool       *pgxpool.Pool
	postmaster int
	spicedb    int
}

// snapshot is CPU seconds per component; PostgreSQL backends are kept per
// process (pg:<pid>:<db>) so one that appears later counts whole.
func (m cpuMeter) snapshot(ctx context.Context) map[string]float64 {
	s := map[string]float64{}
	if v, ok := procCPU(os.Getpid()); ok {
		s["gatehouse+load"] = v
	}
	if v, ok := procCPU(m.spicedb); ok {
		s["spicedb"] = v
	}
	dbOf := map[int]string{}
	if rows, err := m.pool.Query(ctx, `SELECT pid, coalesce(datname, backend_type) FROM pg_stat_activity`); err == nil {
		for rows.Next() {
			var pid int
			var db string
			if rows.Scan(&pid, &db) == nil {
				dbOf[pid] = db
			}
		}
		rows.Close()
	}
	ents, _ := os.ReadDir("/proc")
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		f := statOf(pid)
		if len(f) < 15 || f[3] != strconv.Itoa(m.postmaster) {
			continue
		}
		db := dbOf[pid]
		if db != "gatehouse" && db != "spicedb" {
			db = "other"
		}
		if v, ok := cpuOfStat(f); ok {
			s[fmt.Sprintf("pg:%d:%s", pid, db)] = v
		}
	}
	return s
}

// perOp prints the CPU per operation between two snapshots.
func perOp(before, after map[string]float64, ops int) string {
	if ops == 0 {
		return ""
	}
	d := map[string]float64{}
	for k, v := range after {
		if rest, ok := strings.CutPrefix(k, "pg:"); ok {
			_, db, _ := strings.Cut(rest, ":")
			d["postgres("+db+")"] += v - before[k]
			continue
		}
		if b, ok := before[k]; ok {
			d[k] += v - b
		}
	}
	var total float64
	var parts []string
	for _, k := range []string{"gatehouse+load", "spicedb", "postgres(gatehouse)", "postgres(spicedb)", "postgres(other)"} {
		ms := d[k] * 1000 / float64(ops)
		total += ms
		parts = append(parts, fmt.Sprintf("%s %.2f", k, ms))
	}
	return fmt.Sprintf("CPU ms per op: %s; total %.2f", strings.Join(parts, ", "), total)
}

func statOf(pid int) []string {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return nil
	}
	s := string(b)
	i := strings.LastIndex(s, ")")
	if i < 0 {
		return nil
	}
	head := strings.SplitN(s[:i], " (", 2)
	return append([]string{head[0], "cmd"}, strings.Fields(s[i+1:])...)
}

func cpuOfStat(f []string) (float64, bool) {
	if len(f) < 15 {
		return 0, false
	}
	ut, _ := strconv.ParseFloat(f[13], 64)
	st, _ := strconv.ParseFloat(f[14], 64)
	return (ut + st) / 100, true
}

func procCPU(pid int) (float64, bool) { return cpuOfStat(statOf(pid)) }
