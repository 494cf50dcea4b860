package httpapi_test

import (
	"encoding/base64"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse/internal/authz"
	"github.com/gatehouse/gatehouse/internal/testenv"
)

// forgedZedToken is a base64 ZedToken whose revision does not fit an
// int64: SpiceDB v1.56.2 panics (the process exits) when asked to read at
// it. No such value may reach SpiceDB from a client.
const forgedZedToken = "GhUKEzk5OTk5OTk5OTk5OTk5OTk5OTk="

// Attack: a plain member kills SpiceDB with one check whose consistency
// token is a forged ZedToken (in the body, the query or the header). Every
// form is refused with 400 invalid_consistency_token, as are tokens sealed
// under another key and altered tokens, and SpiceDB keeps serving.
func TestForgedConsistencyTokenIsRefusedAndSpiceDBKeepsServing(t *testing.T) {
	t.Parallel()
	env := testenv.New(t)
	root := env.RootToken(t)
	_, member := env.User(t, root, "member@example.com", "member")
	ws := env.Must(t, 201, "POST", "/v1/workspaces", member, map[string]string{"name": "w"}).Str("id")
	check := func(token string) map[string]any {
		return map[string]any{"resource": map[string]string{"type": "workspace", "id": ws}, "permission": "view",
			"consistency": map[string]string{"at_least_as_fresh": token}}
	}
	good := env.Must(t, 200, "POST", "/v1/check", member, check(env.Must(t, 201, "POST", "/v1/workspaces", member, map[string]string{"name": "x"}).Str("consistency_token"))).Str("checked_at")
	if good == "" || strings.Contains(good, forgedZedToken) {
		t.Fatalf("checked_at is not a sealed token: %q", good)
	}
	// The same ZedToken sealed by another Gatehouse (another key), and
	// a sealed token with its ZedToken swapped for the forged one.
	foreign := authz.NewTokens("another-gatehouse-key-0123456789abcdef").Seal(forgedZedToken)
	_, mac, _ := strings.Cut(strings.TrimPrefix(good, "gh1."), ".")
	altered := "gh1." + base64.RawURLEncoding.EncodeToString([]byte(forgedZedToken)) + "." + mac
	for _, bad := range []string{forgedZedToken, foreign, altered, good[:len(good)-2], "gh1..", strings.Repeat("A", 5000)} {
		refused := func(what string, r testenv.Response) {
			t.Helper()
			// An oversized value in a URL is refused before it is read
			// as a token (invalid_query); every other form is a token
			// Gatehouse did not mint.
			if r.Status != 400 || (r.Str("code") != "invalid_consistency_token" && !(len(bad) > 2048 && r.Str("code") == "invalid_query")) {
				t.Fatalf("%s with %.40q: %d %s", what, bad, r.Status, r.Raw)
			}
		}
		refused("check body", env.Do(t, "POST", "/v1/check", member, check(bad)))
		refused("bulk body", env.Do(t, "POST", "/v1/check/bulk", member, map[string]any{
			"items":       []any{map[string]any{"resource": map[string]string{"type": "workspace", "id": ws}, "permission": "view"}},
			"consistency": map[string]string{"at_least_as_fresh": bad}}))
		refused("bulk item", env.Do(t, "POST", "/v1/check/bulk", member, map[string]any{"items": []any{check(bad)}}))
		q := url.QueryEscape(bad)
		refused("lookup resources query", env.Do(t, "GET", "/v1/lookup/resources?resource_type=workspace&permission=view&at_least_as_fresh="+q, member, nil))
		refused("lookup subjects query", env.Do(t, "GET", "/v1/lookup/subjects?resource=workspace:"+ws+"&permission=view&subject_type=user&at_least_as_fresh="+q, member, nil))
		for _, route := range [][2]string{{"GET", "/v1/workspaces/" + ws}, {"POST", "/v1/workspaces"}, {"GET", "/v1/me"}} {
			refused(route[0]+" "+route[1]+" header", env.DoWith(t, route[0], route[1], member, map[string]string{"name": "y"}, http.Header{"Gatehouse-Consistency-Token": {bad}}))
		}
	}
	// SpiceDB is still up: checks answer, at the client's real token too.
	if r := env.Must(t, 200, "POST", "/v1/check", member, check(good)); r.Body["allowed"] != true {
		t.Fatalf("check after the attack: %s", r.Raw)
	}
	env.Must(t, 200, "GET", "/v1/workspaces/"+ws, member, nil)
	env.Must(t, 200, "GET", "/readyz", "", nil)
	r := env.DoWith(t, "GET", "/v1/workspaces/"+ws, member, nil, http.Header{"Gatehouse-Consistency-Token": {good}})
	if r.Status != 200 {
		t.Fatalf("a real token in the header: %d %s", r.Status, r.Raw)
	}
}

// Attack: NUL, invalid UTF-8, control characters, 10 kB values and SQL or
// relationship syntax in query strings (`?q=` on /v1/users and the audit
// filters answered 500). Every documented route, as a superadmin and as a
// plain member, answers them with a 4xx (or its normal answer), never 5xx.
func TestHostileQueryStringsNeverAnswer5xx(t *testing.T) {
	t.Parallel()
	env := testenv.New(t)
	root := env.RootToken(t)
	_, member := env.User(t, root, "member@example.com", "member")
	ws := env.Must(t, 201, "POST", "/v1/workspaces", member, map[string]string{"name": "w"}).Str("id")
	names := []string{"q", "actor", "action", "target", "workspace", "workspace_id", "since", "until", "from", "to", "cursor", "limit",
		"subject", "resource", "resource_type", "permission", "subject_type", "at_least_as_fresh", "consistency", "branch",
		"role", "status", "token", "code", "state", "outcome", "whitelist_for", "group"}
	values := []string{"\x00", "a\x00b", "\xff\xfe\xfd", "\xc3", "line\nbreak", strings.Repeat("x", 10000), "ü🙂", "'; DROP TABLE users; --",
		"%", "user:x#y@z", "../../etc/passwd", "-1", "99999999999999999999", "2026-13-45T99:99:99Z"}
	for _, rt := range documentedRoutes(t) {
		if rt.path == "/v1/auth/logout" {
			continue // would end the callers' sessions; it takes no query
		}
		path := pathParam.ReplaceAllStringFunc(rt.path, func(p string) string {
			if p == "{workspace_id}" {
				return ws
			}
			if p == "{holder}" {
				return "user:01a20c55-0000-7000-8000-000000000001"
			}
			return "01a20c55-0000-7000-8000-000000000001"
		})
		var queries, alone []string
		vs := values
		if rt.method != "GET" {
			vs = values[:6] // the refusals at the edge; writes read no query
		}
		for _, v := range vs {
			q := url.Values{}
			for _, n := range names {
				q.Set(n, v)
			}
			queries = append(queries, q.Encode())
		}
		if rt.method == "GET" {
			// Each parameter alone too, so one refused early does not hide
			// another (the values that pass the URL checks reach handlers).
			for i, n := range names {
				alone = append(alone, n+"="+url.QueryEscape(values[6+i%(len(values)-6)]))
			}
		}
		for _, raw := range append(queries, alone...) {
			callers := []string{root, member}
			if slices.Contains(alone, raw) {
				callers = callers[:1] // the superadmin reaches the deepest code
			}
			for _, who := range callers {
				r := env.Do(t, rt.method, path+"?"+raw, who, nil)
				if r.Status >= 500 {
					t.Fatalf("%s %s?%.80s: %d %s", rt.method, rt.path, raw, r.Status, r.Raw)
				}
			}
		}
	}
	// A NUL in a path segment is not found, not a 5xx.
	if r := env.Do(t, "GET", "/v1/workspaces/%00", root, nil); r.Status != 404 {
		t.Fatalf("NUL path segment: %d %s", r.Status, r.Raw)
	}
	// And the hostile-free forms still work.
	env.Must(t, 200, "GET", "/v1/users?q=member", root, nil)
	env.Must(t, 200, "GET", "/v1/audit-logs?action=workspace.create", root, nil)
}

// Attack: a tenant-2 member asks who may view their own workspace and is
// handed the ids of tenant 1's superadmins (platform superadmins hold
// every permission everywhere). The answer names only subjects of the
// resource's tenant.
func TestLookupSubjectsNamesNoOtherTenantsSubjects(t *testing.T) {
	t.Parallel()
	w := newAdvWorld(t)
	_, bAdminID, bAdmin := w.otherTenant(t)
	ws := w.env.Must(t, 201, "POST", "/v1/workspaces", bAdmin, map[string]string{"name": "b"}).Str("id")
	r := w.env.Must(t, 200, "GET", "/v1/lookup/subjects?resource=workspace:"+ws+"&permission=view&subject_type=user&consistency=fully_consistent", bAdmin, nil)
	items, _ := r.Body["items"].([]any)
	seen := map[string]bool{}
	for _, it := range items {
		seen[it.(string)] = true
	}
	if !seen[bAdminID] {
		t.Fatalf("the workspace's own owner is missing: %s", r.Raw)
	}
	if seen[w.rootID] {
		t.Fatalf("tenant 1's superadmin is named to tenant 2: %s", r.Raw)
	}
}

// Attack (cost): a bulk check of many items about other subjects cost a
// database read and two SpiceDB checks per item, one after another (~30×
// a self check). Subjects' tenants and check_subjects are now resolved in
// one batch: the request's SpiceDB calls and PostgreSQL statements do not
// grow with the number of items.
func TestBulkCheckAboutOtherSubjectsIsOneBatch(t *testing.T) {
	t.Parallel()
	env := testenv.New(t)
	root := env.RootToken(t)
	ws := env.Must(t, 201, "POST", "/v1/workspaces", root, map[string]string{"name": "w"}).Str("id")
	var items []any
	for i := range 60 {
		id := env.Must(t, 201, "POST", "/v1/users", root, map[string]string{"email": fmt.Sprintf("u%d@example.com", i), "name": "u", "global_role": "member"}).Str("id")
		items = append(items, map[string]any{"subject": map[string]string{"type": "user", "id": id},
			"resource": map[string]string{"type": "workspace", "id": ws}, "permission": "view"})
	}
	calls, statements := env.SpiceDBCalls(t), env.Store.Statements()
	r := env.Must(t, 200, "POST", "/v1/check/bulk", root, map[string]any{"items": items})
	calls, statements = env.SpiceDBCalls(t)-calls, env.Store.Statements()-statements
	results, _ := r.Body["results"].([]any)
	if len(results) != len(items) {
		t.Fatalf("results: %s", r.Raw)
	}
	for i, res := range results {
		if m := res.(map[string]any); m["error"] != nil || m["allowed"] != false {
			t.Fatalf("item %d: %v (invited users hold nothing)", i, m)
		}
	}
	if calls > 3 || statements > 10 {
		t.Fatalf("a bulk check of %d items about other subjects made %d SpiceDB calls and %d PostgreSQL statements: per-item work", len(items), calls, statements)
	}
}
