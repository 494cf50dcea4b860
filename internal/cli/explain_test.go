package cli

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
)

// An explanation with words and a wrapped trace prints the words first,
// then one line per step; an unknown shape falls back to indented JSON.
func TestPrintExplanation(t *testing.T) {
	t.Parallel()
	ex := json.RawMessage(`{"text": "alice may view: she is a member", "trace": {"check": {
		"resource": {"objectType": "workspace", "objectId": "w1"}, "permission": "view",
		"subject": {"object": {"objectType": "user", "objectId": "u1"}},
		"result": "PERMISSIONSHIP_HAS_PERMISSION",
		"subProblems": {"traces": [
			{"resource": {"objectType": "workspace", "objectId": "w1"}, "permission": "member", "result": "PERMISSIONSHIP_HAS_PERMISSION", "wasCachedResult": true},
			{"resource": {"objectType": "workspace", "objectId": "w1"}, "permission": "owner", "result": "PERMISSIONSHIP_NO_PERMISSION"}
		]}}, "schemaUsed": "definition user {}"}}`)
	var out bytes.Buffer
	if err := printExplanation(&out, ex); err != nil {
		t.Fatal(err)
	}
	want := "alice may view: she is a member\ntrace:\n" +
		"  workspace:w1#view for user:u1: has permission\n" +
		"    workspace:w1#member: has permission (cached)\n" +
		"    workspace:w1#owner: no permission\n"
	if out.String() != want {
		t.Fatalf("got:\n%s\nwant:\n%s", out.String(), want)
	}

	out.Reset()
	if err := printExplanation(&out, json.RawMessage(`{"words": ["line one", "line two"]}`)); err != nil || out.String() != "line one\nline two\n" {
		t.Fatalf("words: %q %v", out.String(), err)
	}
	out.Reset()
	if err := printExplanation(&out, json.RawMessage(`{"unknown": 1}`)); err != nil || !strings.Contains(out.String(), `"unknown": 1`) {
		t.Fatalf("fallback: %q %v", out.String(), err)
	}
}
