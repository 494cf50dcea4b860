package access

import (
	"testing"

	"github.com/gatehouse/gatehouse/internal/authz"
)

// The decision is branch-relative (SPEC §2.3, Infrahub's
// BranchRelativePermissionDecision): "allow" exactly when allowed on the
// branch asked, whatever the other branch says.
func TestKindDecisionIsBranchRelative(t *testing.T) {
	for _, tc := range []struct {
		def, oth, otherBranch bool
		allowed               bool
		decision              string
	}{
		{true, true, false, true, "allow"},
		{true, true, true, true, "allow"},
		{true, false, false, true, "allow"},
		{true, false, true, false, "allow_default"},
		{false, true, true, true, "allow"},
		{false, true, false, false, "allow_other"},
		{false, false, false, false, "deny"},
		{false, false, true, false, "deny"},
	} {
		got := kindDecision([]authz.CheckResult{{Allowed: tc.def}, {Allowed: tc.oth}}, tc.otherBranch)
		if got.Allowed != tc.allowed || got.Decision != tc.decision {
			t.Errorf("default=%v other=%v asked other branch=%v: got %v %q, want %v %q", tc.def, tc.oth, tc.otherBranch, got.Allowed, got.Decision, tc.allowed, tc.decision)
		}
	}
}
