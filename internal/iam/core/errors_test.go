package core

import (
	"errors"
	"fmt"
	"net"
	"testing"

	"github.com/gatehouse/gatehouse/internal/authz"
	"github.com/gatehouse/gatehouse/internal/store"
)

// A use case that concluded "not found" from a read that failed answers
// that a dependency is down, never that the object is gone; a read that
// found nothing is not found.
func TestAFailedReadIsNotAMissingObject(t *testing.T) {
	refused := &net.OpError{Op: "dial", Net: "tcp", Err: errors.New("connection refused")}
	for name, c := range map[string]struct {
		err  error
		want Kind
	}{
		"missing row":                   {Missing(store.ErrNotFound, "user"), KindNotFound},
		"missing row, joined":           {errors.Join(Missing(fmt.Errorf("get: %w", store.ErrNotFound), "user"), NotFound("user")), KindNotFound},
		"no row from the driver":        {Missing(fmt.Errorf("scan: %w", store.ErrNotFound), "user"), KindNotFound},
		"PostgreSQL refused":            {Missing(refused, "user"), 0},
		"PostgreSQL refused, joined":    {errors.Join(Missing(refused, "user"), NotFound("user")), KindUnavailable},
		"SpiceDB unavailable, joined":   {errors.Join(fmt.Errorf("check: %w", authz.ErrUnavailable), NotFound("group")), KindUnavailable},
		"a condition, no failure":       {errors.Join(Missing(nil, "user"), NotFound("user")), KindNotFound},
		"an unavailable answer as such": {Unavailable("stored, not yet confirmed"), KindUnavailable},
	} {
		if got := KindOf(c.err); got != c.want {
			t.Errorf("%s: kind %d, want %d (%v)", name, got, c.want, c.err)
		}
	}
	if !DependencyFailed(Missing(refused, "user")) {
		t.Error("Missing dropped the failure it was given")
	}
}
