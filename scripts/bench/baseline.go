package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
)

// baselineRev is the commit the writes goal is measured against: the
// first with this benchmark's membership-writes scenario, before any work
// on writes (group commit came after it). Its figures were the issue's
// "today" (26–67/s at concurrency 16).
const baselineRev = "6a2a241"

// writesBaseline measures the baseline commit's single-tenant membership
// writes/s on this machine, now: it extracts rev from this checkout's git
// history into a temporary directory and runs that commit's own benchmark
// there (its own PostgreSQL and SpiceDB, its standard data set with the same
// members per workspace, the scenarios other than writes cut short), and reads its
// "membership writes, 1 tenant" lines. It answers writes/s by
// concurrency, and the failed writes (timeouts, errors) of each: a
// baseline that failed writes reads lower than it is. The baseline has no two-replica scenario: its single
// replica is the reference for both goals (before group commit two
// replicas wrote no faster than one: one lock per tenant spans them).
func writesBaseline(ctx context.Context, rev string) (rates, failed map[int]float64, err error) {
	root, err := exec.CommandContext(ctx, "git", "rev-parse", "--show-toplevel").Output()
	if err != nil {
		return nil, nil, fmt.Errorf("not in a git checkout: %w", err)
	}
	dir, err := os.MkdirTemp("", "gatehouse-baseline-")
	if err != nil {
		return nil, nil, err
	}
	defer os.RemoveAll(dir)
	archive := exec.CommandContext(ctx, "sh", "-c", `git -C "$1" archive "$2" | tar -x -C "$3"`, "sh", strings.TrimSpace(string(root)), rev, dir)
	if out, err := archive.CombinedOutput(); err != nil {
		return nil, nil, fmt.Errorf("extract %s: %v: %s", rev, err, out)
	}
	args := []string{"run", "./scripts/bench",
		"-members", fmt.Sprint(*perWS), "-duration", duration.String(),
		"-pairs", "10", "-lookup-workspaces", "1000", "-lookup-member-of", "10",
		"-kinds", "5", "-roles", "3", "-perms", "2"}
	cmd := exec.CommandContext(ctx, "go", args...)
	cmd.Dir = dir
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	fmt.Printf("\nBaseline: membership writes of %s (before any work on writes), measured now by its own benchmark (go %s)\n", rev, strings.Join(args, " "))
	if err := cmd.Run(); err != nil {
		return nil, nil, fmt.Errorf("baseline benchmark: %v\n%s", err, out.String())
	}
	rates, failed = parseWrites(out.String())
	if len(rates) == 0 {
		return nil, nil, fmt.Errorf("baseline benchmark printed no membership writes:\n%s", out.String())
	}
	return rates, failed, nil
}

// parseWrites reads the writes/s per concurrency from the lines
// "membership writes, 1 tenant  CONC  REQUESTS  P50  P95  RATE" and the
// failed writes from the "  errors: N (first: ...)" line after one (and
// prints them as the baseline's).
func parseWrites(text string) (rates, failed map[int]float64) {
	rates, failed = map[int]float64{}, map[int]float64{}
	sc := bufio.NewScanner(strings.NewReader(text))
	last := 0
	for sc.Scan() {
		line := sc.Text()
		if rest, ok := strings.CutPrefix(line, "  errors: "); ok && last > 0 {
			fmt.Println(line)
			if f := strings.Fields(rest); len(f) > 0 {
				if n, err := strconv.ParseFloat(f[0], 64); err == nil {
					failed[last] = n
				}
			}
			continue
		}
		last = 0
		rest, ok := strings.CutPrefix(line, "membership writes, 1 tenant")
		if !ok {
			continue
		}
		f := strings.Fields(rest)
		if len(f) != 5 {
			continue
		}
		conc, err1 := strconv.Atoi(f[0])
		rate, err2 := strconv.ParseFloat(f[4], 64)
		if err1 != nil || err2 != nil {
			continue
		}
		rates[conc] = rate
		fmt.Println(strings.Replace(line, "membership writes, 1 tenant", "baseline writes, 1 tenant  ", 1))
		last = conc
	}
	return rates, failed
}
