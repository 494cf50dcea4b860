package cli

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/url"
	"strconv"

	"github.com/spf13/cobra"

	"github.com/gatehouse/gatehouse/internal/cli/output"
)

// emitObject prints one API object in the selected format.
func (g *globals) emitObject(raw json.RawMessage, first ...string) error {
	if g.format() == outputJSON {
		return output.JSON(g.stdout, raw)
	}
	o, err := output.Decode(raw)
	if err != nil {
		return err
	}
	return output.Fields(g.stdout, o, first)
}

// emitDone prints the answer of a write that returns no object (table:
// msg; json: the answer, e.g. its consistency token).
func (g *globals) emitDone(raw json.RawMessage, msg string) error {
	if g.format() == outputJSON {
		if len(bytes.TrimSpace(raw)) == 0 {
			raw = json.RawMessage(`{}`)
		}
		return output.JSON(g.stdout, raw)
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
func (g *globals) list(cmd *cobra.Command, path string, q url.Values, p paging, columns []output.Column) error {
	page, err := g.fetchList(cmd, path, q, p)
	if err != nil {
		return err
	}
	return g.emitList(page, columns)
}

func (g *globals) emitList(page pageAnswer, columns []output.Column) error {
	if g.format() == outputJSON {
		raw, err := json.Marshal(page)
		if err != nil {
			return err
		}
		return output.JSON(g.stdout, raw)
	}
	items := make([]output.Object, 0, len(page.Items))
	for _, r := range page.Items {
		o, err := output.Decode(r)
		if err != nil {
			return err
		}
		items = append(items, o)
	}
	if err := output.Table(g.stdout, columns, items); err != nil {
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
