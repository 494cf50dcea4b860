package cli

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"sort"
	"strings"

	"github.com/spf13/cobra"

	"github.com/gatehouse/gatehouse/internal/cli/output"
)

// ref parses TYPE:ID (the id may hold colons: kind:Core:Workspace).
func ref(flag, s string) (map[string]string, error) {
	typ, id, ok := strings.Cut(s, ":")
	if !ok || typ == "" || id == "" {
		return nil, usagef("--%s must be TYPE:ID (e.g. workspace:0190..., kind:Core:Workspace), not %q", flag, s)
	}
	return map[string]string{"type": typ, "id": id}, nil
}

func (g *globals) checkCmd(explain bool) *cobra.Command {
	var subject, resource, permission, branch, atLeastAsFresh string
	var fully, minimize bool
	use, short := "check [RESOURCE PERMISSION]", "Check a permission: prints the decision (allow, deny, or a branch-relative decision for kinds)"
	if explain {
		use, short = "explain [RESOURCE PERMISSION]", "Check a permission and print why: the decision and each step SpiceDB took"
	}
	c := g.leaf(use, short, cobra.RangeArgs(0, 2),
		func(cmd *cobra.Command, args []string) error {
			switch len(args) {
			case 2:
				if resource != "" || permission != "" {
					return usagef("give the resource and permission as arguments or as flags, not both")
				}
				resource, permission = args[0], args[1]
			case 1:
				return usagef("give both RESOURCE and PERMISSION")
			}
			if resource == "" || permission == "" {
				return usagef("a resource (--resource TYPE:ID) and a permission (--permission NAME) are required")
			}
			res, err := ref("resource", resource)
			if err != nil {
				return err
			}
			body := map[string]any{"resource": res, "permission": permission}
			if subject != "" {
				sub, err := ref("subject", subject)
				if err != nil {
					return err
				}
				body["subject"] = sub
			}
			if branch != "" {
				body["branch"] = branch
			}
			n := 0
			for _, b := range []bool{fully, minimize, atLeastAsFresh != ""} {
				if b {
					n++
				}
			}
			switch {
			case n > 1:
				return usagef("give at most one of --fully-consistent, --minimize-latency and --at-least-as-fresh")
			case fully:
				body["consistency"] = map[string]bool{"fully_consistent": true}
			case minimize:
				body["consistency"] = map[string]bool{"minimize_latency": true}
			case atLeastAsFresh != "":
				body["consistency"] = map[string]string{"at_least_as_fresh": atLeastAsFresh}
			}
			if explain {
				body["explain"] = true
			}
			raw, err := g.call(cmd, http.MethodPost, "/v1/check", body)
			if err != nil {
				return err
			}
			if g.format() == outputJSON {
				return output.JSON(g.stdout, raw)
			}
			var out struct {
				Allowed     bool            `json:"allowed"`
				Decision    string          `json:"decision"`
				CheckedAt   string          `json:"checked_at"`
				Explanation json.RawMessage `json:"explanation"`
			}
			if err := json.Unmarshal(raw, &out); err != nil {
				return fmt.Errorf("unexpected answer from the API: %v", err)
			}
			if !explain {
				_, err := fmt.Fprintln(g.stdout, out.Decision)
				return err
			}
			fmt.Fprintf(g.stdout, "decision: %s\n", out.Decision)
			return printExplanation(g.stdout, out.Explanation)
		})
	f := c.Flags()
	f.StringVar(&subject, "subject", "", "who: TYPE:ID, e.g. user:ID (default: you; others need a service credential or superadmin)")
	f.StringVar(&resource, "resource", "", "on what: TYPE:ID, e.g. workspace:ID or kind:Core:Workspace")
	f.StringVar(&permission, "permission", "", "the permission, e.g. view or manage_members")
	f.StringVar(&branch, "branch", "", "the branch (kind checks)")
	f.BoolVar(&fully, "fully-consistent", false, "check against the newest data")
	f.BoolVar(&minimize, "minimize-latency", false, "allow SpiceDB's cache-friendliest answer")
	f.StringVar(&atLeastAsFresh, "at-least-as-fresh", "", "a consistency token from a write")
	return g.top(c)
}

// printExplanation prints an explanation readably: its words first (a
// "text" or "words" field), then every trace found in it, one line per
// step: resource#permission, the result, indented by depth. A shape it
// does not know is printed as indented JSON.
func printExplanation(w io.Writer, raw json.RawMessage) error {
	if len(bytes.TrimSpace(raw)) == 0 || string(bytes.TrimSpace(raw)) == "null" {
		_, err := fmt.Fprintln(w, "explanation: none")
		return err
	}
	var v any
	d := json.NewDecoder(bytes.NewReader(raw))
	d.UseNumber()
	if err := d.Decode(&v); err != nil {
		return fmt.Errorf("unexpected explanation: %v", err)
	}
	if s, ok := v.(string); ok {
		_, err := fmt.Fprintln(w, s)
		return err
	}
	printed := false
	if m, ok := v.(map[string]any); ok {
		for _, key := range []string{"text", "words", "summary"} {
			switch x := m[key].(type) {
			case string:
				if x != "" {
					fmt.Fprintln(w, x)
					printed = true
				}
			case []any:
				for _, line := range x {
					fmt.Fprintln(w, output.Cell(line))
					printed = true
				}
			}
		}
	}
	var lines []string
	findTraces(v, &lines, 0)
	if len(lines) > 0 {
		fmt.Fprintln(w, "trace:")
		for _, l := range lines {
			fmt.Fprintln(w, l)
		}
		return nil
	}
	if !printed {
		var buf bytes.Buffer
		if err := json.Indent(&buf, raw, "", "  "); err != nil {
			return err
		}
		fmt.Fprintln(w, buf.String())
	}
	return nil
}

// isTrace tells whether m is a SpiceDB CheckDebugTrace (protojson).
func isTrace(m map[string]any) bool {
	_, r := m["resource"]
	_, p := m["permission"]
	return r && p
}

// findTraces walks v for trace roots (a DebugInformation's "check", or
// traces nested under any key) and renders each.
func findTraces(v any, lines *[]string, depth int) {
	switch x := v.(type) {
	case map[string]any:
		if isTrace(x) {
			walkTrace(x, lines, depth)
			return
		}
		keys := make([]string, 0, len(x))
		for k := range x {
			if k != "text" && k != "words" && k != "summary" && k != "schemaUsed" && k != "schema_used" {
				keys = append(keys, k)
			}
		}
		sort.Strings(keys)
		for _, k := range keys {
			findTraces(x[k], lines, depth)
		}
	case []any:
		for _, e := range x {
			findTraces(e, lines, depth)
		}
	}
}

func walkTrace(t map[string]any, lines *[]string, depth int) {
	line := strings.Repeat("  ", depth+1) + objectRef(t["resource"]) + "#" + output.Cell(t["permission"])
	if depth == 0 {
		if s := subjectRef(t["subject"]); s != "" {
			line += " for " + s
		}
	}
	line += ": " + traceResult(t)
	if cached, _ := t["wasCachedResult"].(bool); cached {
		line += " (cached)"
	}
	if _, ok := t["caveatEvaluationInfo"]; ok {
		line += " (caveat evaluated)"
	}
	*lines = append(*lines, line)
	sub, _ := t["subProblems"].(map[string]any)
	traces, _ := sub["traces"].([]any)
	for _, c := range traces {
		if m, ok := c.(map[string]any); ok && isTrace(m) {
			walkTrace(m, lines, depth+1)
		}
	}
}

func objectRef(v any) string {
	m, ok := v.(map[string]any)
	if !ok {
		return output.Cell(v)
	}
	typ, id := output.Cell(m["objectType"]), output.Cell(m["objectId"])
	if typ == "" && id == "" {
		typ, id = output.Cell(m["type"]), output.Cell(m["id"])
	}
	return typ + ":" + id
}

func subjectRef(v any) string {
	m, ok := v.(map[string]any)
	if !ok {
		return ""
	}
	s := objectRef(m["object"])
	if s == ":" {
		s = objectRef(m)
	}
	if rel := output.Cell(m["optionalRelation"]); rel != "" {
		s += "#" + rel
	}
	return s
}

// traceResult words a trace step's result.
func traceResult(t map[string]any) string {
	r := output.Cell(t["result"])
	if r == "" {
		r = output.Cell(t["permissionship"])
	}
	switch r {
	case "PERMISSIONSHIP_HAS_PERMISSION":
		return "has permission"
	case "PERMISSIONSHIP_NO_PERMISSION":
		return "no permission"
	case "PERMISSIONSHIP_CONDITIONAL_PERMISSION":
		return "conditional (caveat)"
	case "", "PERMISSIONSHIP_UNSPECIFIED":
		return "unknown"
	}
	return strings.ToLower(strings.TrimPrefix(r, "PERMISSIONSHIP_"))
}
