package cli

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"time"

	"github.com/spf13/cobra"

	"github.com/gatehouse/gatehouse/internal/cli/output"
)

var auditColumns = output.Cols("ID", "id", "TIME", "created_at", "ACTOR", "actor", "ACTION", "action", "TARGET", "target",
	"OUTCOME", "outcome", "WORKSPACE", "workspace_id")

// auditTime accepts an RFC 3339 time or a duration back from now ("1h").
func auditTime(flag, s string) (string, error) {
	if s == "" {
		return "", nil
	}
	if _, err := time.Parse(time.RFC3339, s); err == nil {
		return s, nil
	}
	if d, err := time.ParseDuration(s); err == nil && d >= 0 {
		return time.Now().Add(-d).UTC().Format(time.RFC3339), nil
	}
	return "", usagef("--%s must be an RFC 3339 time (2024-05-01T00:00:00Z) or a duration back from now (90m)", flag)
}

func (g *globals) auditCmd() *cobra.Command {
	var actor, action, target, workspace, since, until, tenantID string
	var follow bool
	var interval time.Duration
	var pg paging
	list := g.leaf("list", "List audit entries, newest first (--follow: then print new ones until Ctrl-C)", cobra.NoArgs,
		func(cmd *cobra.Command, _ []string) error {
			q := url.Values{}
			setIf(q, "actor", actor)
			setIf(q, "action", action)
			setIf(q, "target", target)
			setIf(q, "workspace", workspace)
			setIf(q, "tenant_id", tenantID)
			for _, t := range []struct{ flag, val string }{{"since", since}, {"until", until}} {
				v, err := auditTime(t.flag, t.val)
				if err != nil {
					return err
				}
				setIf(q, t.flag, v)
			}
			if !follow {
				return g.list(cmd, "/v1/audit-logs", q, pg, auditColumns)
			}
			if pg.all || pg.cursor != "" {
				return usagef("--follow starts at the newest entries: it takes no --all or --cursor")
			}
			if interval <= 0 {
				return usagef("--interval must be positive")
			}
			return g.followAudit(cmd, q, pg.limit, interval)
		})
	f := list.Flags()
	f.StringVar(&actor, "actor", "", "only this actor, e.g. user:ID")
	f.StringVar(&action, "action", "", "only this action, e.g. workspace.create")
	f.StringVar(&target, "target", "", "only this target, e.g. workspace:ID")
	f.StringVar(&workspace, "workspace", "", "only this workspace's entries")
	f.StringVar(&tenantID, "tenant-id", "", "another tenant (superadmins)")
	f.StringVar(&since, "since", "", "from this time (RFC 3339, or a duration back from now: 24h)")
	f.StringVar(&until, "until", "", "up to this time (RFC 3339, or a duration back from now)")
	f.BoolVarP(&follow, "follow", "f", false, "keep polling and print new entries (oldest first) until interrupted")
	f.DurationVar(&interval, "interval", 2*time.Second, "with --follow: how often to poll")
	addPaging(list, &pg)
	return g.family("audit", "The audit log: list (with filters, --follow)", nil, list)
}

type auditEntry struct {
	id  int64
	raw json.RawMessage
	obj output.Object
}

// followAudit prints the newest page, oldest first, then polls for newer
// entries until the context ends (Ctrl-C): exit status 0. In json, one
// entry per line.
func (g *globals) followAudit(cmd *cobra.Command, q url.Values, limit int, interval time.Duration) error {
	ctx := cmd.Context()
	var last int64 = -1
	first := true
	for {
		fresh, err := g.newAudit(cmd, q, limit, last, first)
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return err
		}
		if err := g.printAudit(fresh, first); err != nil {
			return err
		}
		if len(fresh) > 0 {
			last = fresh[len(fresh)-1].id
		}
		first = false
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(interval):
		}
	}
}

// newAudit reads the entries newer than last, oldest first (the first
// time, only the newest page).
func (g *globals) newAudit(cmd *cobra.Command, q url.Values, limit int, last int64, first bool) ([]auditEntry, error) {
	var out []auditEntry
	cursor := ""
	for {
		page, err := g.fetchList(cmd, "/v1/audit-logs", q, paging{limit: limit, cursor: cursor})
		if err != nil {
			return nil, err
		}
		done := first || page.NextCursor == ""
		for _, raw := range page.Items {
			o, err := output.Decode(raw)
			if err != nil {
				return nil, err
			}
			id, err := strconv.ParseInt(o.Str("id"), 10, 64)
			if err != nil {
				return nil, errors.New("unexpected answer from the API: an audit entry without a numeric id")
			}
			if id <= last {
				done = true
				break
			}
			out = append(out, auditEntry{id: id, raw: raw, obj: o})
		}
		if done {
			slices.Reverse(out)
			return out, nil
		}
		cursor = page.NextCursor
	}
}

func (g *globals) printAudit(entries []auditEntry, header bool) error {
	if g.format() == outputJSON {
		for _, e := range entries {
			raw, err := json.Marshal(e.raw)
			if err != nil {
				return err
			}
			fmt.Fprintf(g.stdout, "%s\n", raw)
		}
		return nil
	}
	if header {
		row := ""
		for i, c := range auditColumns {
			if i > 0 {
				row += "  "
			}
			row += c.Header
		}
		fmt.Fprintln(g.stdout, row)
	}
	for _, e := range entries {
		row := ""
		for i, c := range auditColumns {
			if i > 0 {
				row += "  "
			}
			v := output.OneLine(c.Value(e.obj))
			if v == "" {
				v = "-"
			}
			row += v
		}
		fmt.Fprintln(g.stdout, row)
	}
	return nil
}
