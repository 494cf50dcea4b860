package app_test

import (
	"testing"

	"github.com/gatehouse/gatehouse/internal/testenv"
)

// The cost of the two paths the README walks through, in PostgreSQL
// statements and SpiceDB calls (printed with -v): a membership write and a
// check by a session. The check's budget is asserted: one statement (the
// session and the tenant's newest token in one read) and one SpiceDB call
// per check, with room for the relay's background statements.
//
//	GATEHOUSE_SPICEDB_BIN="$(go tool -n spicedb)" go test -race -count=1 -v -run TestCostOfAWriteAndACheck ./internal/app
func TestCostOfAWriteAndACheck(t *testing.T) {
	t.Parallel()
	env := testenv.New(t)
	root := env.RootToken(t)
	bobID, bob := env.User(t, root, "bob@example.com", "member")
	ws := env.Must(t, 201, "POST", "/v1/workspaces", root, map[string]string{"name": "w"}).Str("id")

	st0, sp0 := env.Store.Statements(), env.SpiceDBCalls(t)
	env.Must(t, 201, "POST", "/v1/workspaces/"+ws+"/members", root, map[string]string{"user_id": bobID, "role": "member"})
	st1, sp1 := env.Store.Statements(), env.SpiceDBCalls(t)
	t.Logf("membership write: %d PostgreSQL statements, %d SpiceDB calls", st1-st0, sp1-sp0)

	// Whoever may list the members learns who they are, not only their ids.
	list := env.Must(t, 200, "GET", "/v1/workspaces/"+ws+"/members", bob, nil)
	named := false
	for _, m := range list.Body["items"].([]any) {
		if m := m.(map[string]any); m["user_id"] == bobID && m["name"] == "bob@example.com" {
			named = true
		}
	}
	if !named {
		t.Fatalf("members list does not name bob: %s", list.Raw)
	}
	st1, sp1 = env.Store.Statements(), env.SpiceDBCalls(t)

	const checks = 20
	body := map[string]any{"resource": map[string]string{"type": "workspace", "id": ws}, "permission": "view_resources"}
	for range checks {
		if r := env.Must(t, 200, "POST", "/v1/check", bob, body); r.Body["allowed"] != true {
			t.Fatalf("check: %s", r.Raw)
		}
	}
	st2, sp2 := env.Store.Statements(), env.SpiceDBCalls(t)
	t.Logf("check by a session: %.2f PostgreSQL statements, %.2f SpiceDB calls per check",
		float64(st2-st1)/checks, float64(sp2-sp1)/checks)
	if st2-st1 > checks*3/2 {
		t.Errorf("%d checks made %d PostgreSQL statements: a check reads more than the session (with the tenant's token)", checks, st2-st1)
	}
	if sp2-sp1 > checks*3/2 {
		t.Errorf("%d checks made %d SpiceDB calls: a self check is one CheckPermission", checks, sp2-sp1)
	}
}
