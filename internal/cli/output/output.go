// Package output is how the admin CLI prints the API's answers: JSON
// indented as the API sent it, or, for a terminal, a table of list items
// and FIELD: VALUE lines for one object, every cell on one line. It knows
// nothing of commands, profiles or HTTP (package cli).
package output

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"text/tabwriter"
)

// Object is a decoded JSON object (numbers kept as json.Number).
type Object map[string]any

// Decode reads one JSON object of an answer.
func Decode(raw json.RawMessage) (Object, error) {
	var o Object
	d := json.NewDecoder(bytes.NewReader(raw))
	d.UseNumber()
	if err := d.Decode(&o); err != nil {
		return nil, fmt.Errorf("unexpected answer from the API: %v", err)
	}
	return o, nil
}

// Str renders a field for a table cell.
func (o Object) Str(key string) string { return Cell(o[key]) }

// Cell renders a decoded JSON value for a table cell: a string as is, a
// list as its elements joined by commas, an object as JSON.
func Cell(v any) string {
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
			parts = append(parts, Cell(e))
		}
		return strings.Join(parts, ",")
	default:
		raw, _ := json.Marshal(x)
		return string(raw)
	}
}

// OneLine folds every run of white space (newlines included) into one
// space, so a value cannot break a table row or a one-line message.
func OneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}

// Column is one column of a table.
type Column struct {
	Header string
	Value  func(Object) string
}

// Col is the column of one field.
func Col(header, key string) Column {
	return Column{Header: header, Value: func(o Object) string { return o.Str(key) }}
}

// Cols is the columns of fields, given as header, key pairs.
func Cols(pairs ...string) []Column {
	out := make([]Column, 0, len(pairs)/2)
	for i := 0; i+1 < len(pairs); i += 2 {
		out = append(out, Col(pairs[i], pairs[i+1]))
	}
	return out
}

// JSON prints raw indented.
func JSON(w io.Writer, raw json.RawMessage) error {
	var buf bytes.Buffer
	if err := json.Indent(&buf, raw, "", "  "); err != nil {
		return fmt.Errorf("unexpected answer from the API: %v", err)
	}
	buf.WriteByte('\n')
	_, err := w.Write(buf.Bytes())
	return err
}

// Table prints items as a table with a header row ("-" for an empty cell).
func Table(w io.Writer, columns []Column, items []Object) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	heads := make([]string, len(columns))
	for i, c := range columns {
		heads[i] = c.Header
	}
	fmt.Fprintln(tw, strings.Join(heads, "\t"))
	for _, it := range items {
		row := make([]string, len(columns))
		for i, c := range columns {
			row[i] = OneLine(c.Value(it))
			if row[i] == "" {
				row[i] = "-"
			}
		}
		fmt.Fprintln(tw, strings.Join(row, "\t"))
	}
	return tw.Flush()
}

// Fields prints one object as FIELD: VALUE lines: the named fields first,
// then the others in name order (skip lists fields not to print).
func Fields(w io.Writer, o Object, first []string, skip ...string) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	done := map[string]bool{}
	for _, s := range skip {
		done[s] = true
	}
	for _, k := range first {
		if _, ok := o[k]; ok && !done[k] {
			fmt.Fprintf(tw, "%s:\t%s\n", k, OneLine(Cell(o[k])))
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
		fmt.Fprintf(tw, "%s:\t%s\n", k, OneLine(Cell(o[k])))
	}
	return tw.Flush()
}
