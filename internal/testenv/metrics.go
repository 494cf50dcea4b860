package testenv

import (
	"context"
	"strings"
	"testing"

	"github.com/google/uuid"
)

// SpiceDBCalls sums the SpiceDB calls the stack has made (the
// gatehouse_spicedb_call_seconds histogram's samples).
func (e *Env) SpiceDBCalls(t testing.TB) uint64 { return e.SpiceDBCallsOf(t, "") }

// SpiceDBCallsOf is SpiceDBCalls of the methods whose name ends in method
// (e.g. "ReadRelationships"; "" for every method).
func (e *Env) SpiceDBCallsOf(t testing.TB, method string) uint64 {
	t.Helper()
	families, err := e.Registry.Gather()
	if err != nil {
		t.Fatal(err)
	}
	var n uint64
	for _, f := range families {
		if f.GetName() != "gatehouse_spicedb_call_seconds" {
			continue
		}
		for _, m := range f.GetMetric() {
			counted := method == ""
			for _, l := range m.GetLabel() {
				counted = counted || (l.GetName() == "method" && strings.HasSuffix(l.GetValue(), method))
			}
			if counted {
				n += m.GetHistogram().GetSampleCount()
			}
		}
	}
	return n
}

// TenantOf returns the tenant of a workspace.
func (e *Env) TenantOf(t testing.TB, workspaceID uuid.UUID) uuid.UUID {
	t.Helper()
	var tenant uuid.UUID
	if err := e.Store.Pool.QueryRow(context.Background(), `SELECT tenant_id FROM workspaces WHERE id = $1`, workspaceID).Scan(&tenant); err != nil {
		t.Fatal(err)
	}
	return tenant
}
