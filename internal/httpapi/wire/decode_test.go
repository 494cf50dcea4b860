package wire

import (
	"encoding/json"
	"testing"

	"github.com/gatehouse/gatehouse/internal/iam"
)

// FuzzDecodeCheckInput: the strict decoder never panics, and what it
// accepts is a well-formed object that re-encodes and decodes the same.
func FuzzDecodeCheckInput(f *testing.F) {
	for _, s := range []string{
		`{"resource":{"type":"workspace","id":"x"},"permission":"view"}`,
		`{"subject":{"type":"user","id":"u"},"resource":{"type":"kind","id":"A:B"},"permission":"create","branch":"feat"}`,
		`{"consistency":{"at_least_as_fresh":"t"}}`, `{`, `[]`, `{"a":1}`, `{"permission":1}`, "{\"permission\":\"\\u0000\"}",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		var in CheckInput
		if err := Decode(body, &in); err != nil {
			if iam.KindOf(err) != iam.KindBadRequest {
				t.Fatalf("decode error of kind %v: %v", iam.KindOf(err), err)
			}
			return
		}
		raw, err := json.Marshal(in)
		if err != nil {
			t.Fatal(err)
		}
		var again CheckInput
		if err := Decode(raw, &again); err != nil {
			t.Fatalf("re-decode of %s: %v", raw, err)
		}
	})
}
