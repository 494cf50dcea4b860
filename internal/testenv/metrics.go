package testenv

import "testing"

// SpiceDBCalls sums the SpiceDB calls the stack has made (the
// gatehouse_spicedb_call_seconds histogram's samples).
func (e *Env) SpiceDBCalls(t testing.TB) uint64 {
	t.Helper()
	families, err := e.Registry.Gather()
	if err != nil {
		t.Fatal(err)
	}
	var n uint64
	for _, f := range families {
		if f.GetName() == "gatehouse_spicedb_call_seconds" {
			for _, m := range f.GetMetric() {
				n += m.GetHistogram().GetSampleCount()
			}
		}
	}
	return n
}
