package main

import "testing"

// The baseline's lines as its benchmark prints them (6a2a241), an error
// line after one of them and a line of another scenario.
func TestParseWrites(t *testing.T) {
	text := `scenario                            conc  requests       p50       p95     writes/s
membership writes, 1 tenant           16       369  255.08ms   291.8ms           61
membership writes, 1 tenant           64        17  558.05ms  609.15ms            1
  errors: 93 (first: Post "http://127.0.0.1:37291/v1/workspaces/x/members": context deadline exceeded)
2 tenants at once: tenant 1           16       127  308.84ms  434.55ms            4
  errors: 32 (first: timeout)
`
	rates, failed := parseWrites(text)
	if len(rates) != 2 || rates[16] != 61 || rates[64] != 1 {
		t.Errorf("rates %v, want 16:61 64:1", rates)
	}
	if len(failed) != 1 || failed[64] != 93 {
		t.Errorf("failed %v, want 64:93 only (the other scenario's errors are not the baseline's)", failed)
	}
}
