package cli

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"
)

// object is a decoded JSON object (numbers kept as json.Number).
type object map[string]any

func decodeObject(raw json.RawMessage) (object, error) {
	var o object
	d := json.NewDecoder(bytes.NewReader(raw))
	d.UseNumber()
	if err := d.Decode(&o); err != nil {
		return nil, fmt.Errorf("unexpected answer from the API: %v", err)
	}
	return o, nil
}

// str renders a field for a table cell.
func (o object) str(key string) string { return cell(o[key]) }

func cell(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case bool:
		return strconv.FormatBool(x)
	case json.Number:
		return x.String()
	case []any:
		parts := make([]string, 0, len(x))
		for _, e := range x {
			parts = append(parts, cell(e))
		}
		return strings.Join(parts, ",")
	default:
		raw, _ := json.Marshal(x)
		return string(raw)
	}
}

// column is one column of a table.
type column struct {
	header string
	value  func(object) string
}

func col(header, key string) column {
	return column{header: header, value: func(o object) string { return o.str(key) }}
}

func cols(pairs ...string) []column {
	out := make([]column, 0, len(pairs)/2)
	for i := 0; i+1 < len(pairs); i += 2 {
		out = append(out, col(pairs[i], pairs[i+1]))
	}
	return out
}

// writeJSON prints raw indented.
func writeJSON(w io.Writer, raw json.RawMessage) error {
	var buf bytes.Buffer
	if err := json.Indent(&buf, raw, "", "  "); err != nil {
		return fmt.Errorf("unexpected answer from the API: %v", err)
	}
	buf.WriteByte('\n')
	_, err := w.Write(buf.Bytes())
	return err
}

func printTable(w io.Writer, columns []column, items []object) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	heads := make([]string, len(columns))
	for i, c := range columns {
		heads[i] = c.header
	}
	fmt.Fprintln(tw, strings.Join(heads, "\t"))
	for _, it := range items {
		row := make([]string, len(columns))
		for i, c := range columns {
			row[i] = oneLine(c.value(it))
			if row[i] == "" {
				row[i] = "-"
			}
		}
		fmt.Fprintln(tw, strings.Join(row, "\t"))
	}
	return tw.Flush()
}

// printFields prints one object as FIELD VALUE lines: the named fields
// first, then the others in name order (skip lists fields not to print).
func printFields(w io.Writer, o object, first []string, skip ...string) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	done := map[string]bool{}
	for _, s := range skip {
		done[s] = true
	}
	for _, k := range first {
		if _, ok := o[k]; ok && !done[k] {
			fmt.Fprintf(tw, "%s:\t%s\n", k, oneLine(cell(o[k])))
			done[k] = true
		}
	}
	rest := make([]string, 0, len(o))
	for k := range o {
		if !done[k] {
			rest = append(rest, k)
		}
	}
	sort.Strings(rest)
	for _, k := range rest {
		fmt.Fprintf(tw, "%s:\t%s\n", k, oneLine(cell(o[k])))
	}
	return tw.Flush()
}

// emitObject prints one API object in the selected format.
func (g *globals) emitObject(raw json.RawMessage, first ...string) error {
	if g.format() == outputJSON {
		return writeJSON(g.stdout, raw)
	}
	o, err := decodeObject(raw)
	if err != nil {
		return err
	}
	return printFields(g.stdout, o, first)
}

// emitDone prints the answer of a write that returns no object (table:
// msg; json: the answer, e.g. its consistency token).
func (g *globals) emitDone(raw json.RawMessage, msg string) error {
	if g.format() == outputJSON {
		if len(bytes.TrimSpace(raw)) == 0 {
			raw = json.RawMessage(`{}`)
		}
		return writeJSON(g.stdout, raw)
	}
	_, err := fmt.Fprintln(g.stdout, msg)
	return err
}

// paging is --limit, --cursor and --all.
type paging struct {
	limit  int
	cursor string
	all    bool
}

func addPaging(cmd *cobra.Command, p *paging) *cobra.Command {
	cmd.Flags().IntVar(&p.limit, "limit", 0, "page size (default: the API's)")
	cmd.Flags().StringVar(&p.cursor, "cursor", "", "start at this page (the next_cursor of the previous page)")
	cmd.Flags().BoolVar(&p.all, "all", false, "follow next_cursor and print every page")
	return cmd
}

type pageAnswer struct {
	Items      []json.RawMessage `json:"items"`
	NextCursor string            `json:"next_cursor,omitempty"`
}

// fetchList reads one page of a list (or every page with --all).
func (g *globals) fetchList(cmd *cobra.Command, path string, q url.Values, p paging) (pageAnswer, error) {
	if p.limit < 0 {
		return pageAnswer{}, usagef("--limit must be positive")
	}
	s, err := g.session()
	if err != nil {
		return pageAnswer{}, err
	}
	out := pageAnswer{Items: []json.RawMessage{}}
	next := p.cursor
	for {
		qq := url.Values{}
		for k, v := range q {
			qq[k] = v
		}
		if p.limit > 0 {
			qq.Set("limit", strconv.Itoa(p.limit))
		}
		if next != "" {
			qq.Set("cursor", next)
		}
		u := path
		if len(qq) > 0 {
			u += "?" + qq.Encode()
		}
		var page pageAnswer
		if err := s.Do(cmd.Context(), "GET", u, nil, &page); err != nil {
			return out, s.hint(err)
		}
		out.Items = append(out.Items, page.Items...)
		next = page.NextCursor
		if !p.all || next == "" || next == p.cursor {
			out.NextCursor = next
			if p.all {
				out.NextCursor = ""
			}
			return out, nil
		}
	}
}

// list prints a list: json as the API answers it, or a table.
func (g *globals) list(cmd *cobra.Command, path string, q url.Values, p paging, columns []column) error {
	page, err := g.fetchList(cmd, path, q, p)
	if err != nil {
		return err
	}
	return g.emitList(page, columns)
}

func (g *globals) emitList(page pageAnswer, columns []column) error {
	if g.format() == outputJSON {
		raw, err := json.Marshal(page)
		if err != nil {
			return err
		}
		return writeJSON(g.stdout, raw)
	}
	items := make([]object, 0, len(page.Items))
	for _, r := range page.Items {
		o, err := decodeObject(r)
		if err != nil {
			return err
		}
		items = append(items, o)
	}
	if err := printTable(g.stdout, columns, items); err != nil {
		return err
	}
	if page.NextCursor != "" {
		fmt.Fprintf(g.stdout, "more: --cursor %s\n", page.NextCursor)
	}
	return nil
}

func setIf(q url.Values, key, val string) {
	if val != "" {
		q.Set(key, val)
	}
}

// pathID escapes one path segment.
func pathID(s string) string { return url.PathEscape(s) }
