package httpapi

import (
	"encoding/json"
	"testing"

	"github.com/gatehouse/gatehouse/internal/httpapi/wire"
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
		var in wire.CheckInput
		if err := decodeBytes(body, &in); err != nil {
			if iam.KindOf(err) != iam.KindBadRequest {
				t.Fatalf("decode error of kind %v: %v", iam.KindOf(err), err)
			}
			return
		}
		raw, err := json.Marshal(in)
		if err != nil {
			t.Fatal(err)
		}
		var again wire.CheckInput
		if err := decodeBytes(raw, &again); err != nil {
			t.Fatalf("re-decode of %s: %v", raw, err)
		}
	})
}
