package auth

import (
	"reflect"
	"testing"
)

func TestClaimValues(t *testing.T) {
	t.Parallel()
	claims := map[string]any{"s": "admin", "a": []any{"x", 3.0, "y"}, "n": 1.0}
	for name, want := range map[string][]string{"s": {"admin"}, "a": {"x", "y"}, "n": nil, "absent": nil} {
		if got := ClaimValues(claims, name); !reflect.DeepEqual(got, want) {
			t.Errorf("%s: %q, want %q", name, got, want)
		}
	}
}
