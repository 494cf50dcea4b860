package main

import "fmt"

// The goals of checks and writes at scale, each with what this run
// measured: the scenarios record their figures (goal), and the run ends
// with them side by side (printGoals). The peer goals (throughput against
// OpenFGA, Gatehouse's own CPU per check) are the peer comparison's
// (scripts/peerbench), which `make bench` runs next.
type goalRow struct {
	name, want, got string
	met             bool
}

var goals []goalRow

// writesToday is the single-tenant membership writes/s at concurrency 16
// measured with two replicas before group commit (26–67/s): the writes
// goal is ten times its upper end.
const writesToday = 67.0

func goal(name, want, got string, met bool) {
	goals = append(goals, goalRow{name, want, got, met})
}

// ratioGoal records a "≥ ×min" goal on got/base.
func ratioGoal(name string, got, base, least float64) {
	if base <= 0 {
		return
	}
	r := got / base
	goal(name, fmt.Sprintf(">= x%.1f", least), fmt.Sprintf("x%.2f", r), r >= least)
}

func printGoals() {
	if len(goals) == 0 {
		return
	}
	fmt.Println("\nGoals (this run; the peer goals follow in the peer comparison)")
	fmt.Printf("%-58s %10s %10s  %s\n", "goal", "wanted", "measured", "")
	for _, g := range goals {
		verdict := "met"
		if !g.met {
			verdict = "NOT met"
		}
		fmt.Printf("%-58s %10s %10s  %s\n", g.name, g.want, g.got, verdict)
	}
}
