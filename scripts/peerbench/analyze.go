package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
)

// ---------------------------------------------------------------- ANALYZE

func (st *stack) tableStats(ctx context.Context) {
	conn, err := pgx.Connect(ctx, st.pgURL("spicedb"))
	if err != nil {
		fmt.Println("  stats:", err)
		return
	}
	defer conn.Close(ctx)
	rows, err := conn.Query(ctx, `SELECT relname, n_live_tup, n_mod_since_analyze, coalesce(last_analyze::text, '-'), coalesce(last_autoanalyze::text, '-'),
		(SELECT reltuples::bigint FROM pg_class c WHERE c.oid = t.relid)
		FROM pg_stat_user_tables t WHERE relname IN ('relation_tuple', 'relation_tuple_transaction', 'namespace_config') ORDER BY relname`)
	if err != nil {
		fmt.Println("  stats:", err)
		return
	}
	defer rows.Close()
	for rows.Next() {
		var name, la, laa string
		var live, mod, reltuples int64
		if rows.Scan(&name, &live, &mod, &la, &laa, &reltuples) == nil {
			fmt.Printf("  %-28s n_live_tup %8d  pg_class.reltuples %8d  modified since analyze %8d  last analyze %s  last autoanalyze %s\n", name, live, reltuples, mod, la, laa)
		}
	}
}

func (st *stack) analyzePhase(ctx context.Context, targets []target, qs []query, concs []int) error {
	fmt.Println("== SpiceDB's tables before ANALYZE")
	st.tableStats(ctx)
	conn, err := pgx.Connect(ctx, st.pgURL("spicedb"))
	if err != nil {
		return err
	}
	t0 := time.Now()
	_, err = conn.Exec(ctx, "ANALYZE")
	conn.Close(ctx)
	if err != nil {
		return err
	}
	fmt.Printf("== ANALYZE on database spicedb took %s; after it:\n", time.Since(t0).Round(time.Millisecond))
	st.tableStats(ctx)
	fmt.Println()
	table(ctx, st, targets, qs, concs, "after ANALYZE")
	if *flagProfile > 0 {
		pcs, err := parseInts(*flagProfConcs)
		if err != nil {
			return err
		}
		fmt.Println("== after ANALYZE:")
		for i, c := range pcs {
			if _, err := st.profile(ctx, targets, qs, c, i == len(pcs)-1); err != nil {
				return err
			}
		}
	}
	return nil
}

func summarizeAutoExplain() {
	b, err := os.ReadFile(filepath.Join(outDir, "postgres.log"))
	if err != nil {
		return
	}
	n := strings.Count(string(b), "LOG:  duration:")
	fmt.Printf("\nauto_explain: %d plans of statements over %s logged in %s\n", n, *flagExplain, filepath.Join(outDir, "postgres.log"))
}
