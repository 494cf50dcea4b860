package output_test

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/gatehouse/gatehouse/internal/cli/output"
)

func TestTableAndFieldsPrintOneLinePerRow(t *testing.T) {
	o, err := output.Decode(json.RawMessage(`{"id": 7, "name": "two\nlines", "tags": ["a", "b"], "ok": true, "meta": {"k": "v"}, "none": null}`))
	if err != nil {
		t.Fatal(err)
	}
	var table bytes.Buffer
	if err := output.Table(&table, output.Cols("ID", "id", "NAME", "name", "NONE", "none"), []output.Object{o}); err != nil {
		t.Fatal(err)
	}
	if want := "ID  NAME       NONE\n7   two lines  -\n"; table.String() != want {
		t.Errorf("table:\n%q\nwant\n%q", table.String(), want)
	}
	var fields bytes.Buffer
	if err := output.Fields(&fields, o, []string{"name", "id"}, "none"); err != nil {
		t.Fatal(err)
	}
	want := "name:  two lines\nid:    7\nmeta:  {\"k\":\"v\"}\nok:    true\ntags:  a,b\n"
	if fields.String() != want {
		t.Errorf("fields:\n%q\nwant\n%q", fields.String(), want)
	}
	if _, err := output.Decode(json.RawMessage(`[1]`)); err == nil {
		t.Error("a JSON list decoded as an object")
	}
}
