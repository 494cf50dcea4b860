package httpapi_test

import (
	"sort"
	"testing"

	"github.com/gatehouse/gatehouse/internal/testenv"
)

func items(r testenv.Response) []string {
	var out []string
	for _, it := range r.Body["items"].([]any) {
		out = append(out, it.(string))
	}
	sort.Strings(out)
	return out
}

// A platform service checks and looks up about any subject of its tenant;
// users only about themselves.
func TestServiceCredentialsChecksAndLookups(t *testing.T) {
	t.Parallel()
	env := testenv.New(t)
	root := env.RootToken(t)
	_, admin := env.User(t, root, "admin@example.com", "admin")
	bobID, bob := env.User(t, root, "bob@example.com", "member")
	_, eve := env.User(t, root, "eve@example.com", "member")
	env.Must(t, 403, "POST", "/v1/service-credentials", bob, map[string]string{"name": "billing"})
	svc := env.Must(t, 201, "POST", "/v1/service-credentials", admin, map[string]string{"name": "billing"})
	key := svc.Str("key")
	ws1 := env.Must(t, 201, "POST", "/v1/workspaces", bob, map[string]string{"name": "one"}).Str("id")
	ws2 := env.Must(t, 201, "POST", "/v1/workspaces", bob, map[string]string{"name": "two"}).Str("id")
	env.Must(t, 201, "POST", "/v1/workspaces", eve, map[string]string{"name": "eve's"})

	asBob := map[string]any{"subject": map[string]string{"type": "user", "id": bobID}, "resource": map[string]string{"type": "workspace", "id": ws1}, "permission": "delete"}
	if r := env.Must(t, 200, "POST", "/v1/check", key, asBob); r.Body["allowed"] != true {
		t.Fatalf("service check about bob: %s", r.Raw)
	}
	env.Must(t, 403, "POST", "/v1/check", eve, asBob)
	env.Must(t, 200, "POST", "/v1/check", root, asBob)

	got := items(env.Must(t, 200, "GET", "/v1/lookup/resources?subject=user:"+bobID+"&resource_type=workspace&permission=delete", key, nil))
	want := []string{ws1, ws2}
	sort.Strings(want)
	if len(got) != 2 || got[0] != want[0] || got[1] != want[1] {
		t.Fatalf("lookup resources: %v, want %v", got, want)
	}
	if mine := items(env.Must(t, 200, "GET", "/v1/lookup/resources?resource_type=workspace&permission=view", eve, nil)); len(mine) != 1 {
		t.Fatalf("eve's own lookup: %v", mine)
	}
	env.Must(t, 403, "GET", "/v1/lookup/resources?subject=user:"+bobID+"&resource_type=workspace&permission=view", eve, nil)
	env.Must(t, 422, "GET", "/v1/lookup/resources?resource_type=planet&permission=view", eve, nil)

	subs := items(env.Must(t, 200, "GET", "/v1/lookup/subjects?resource=workspace:"+ws1+"&permission=delete&subject_type=user", key, nil))
	found := false
	for _, s := range subs {
		found = found || s == bobID
	}
	if !found {
		t.Fatalf("lookup subjects: %v lacks bob", subs)
	}
	env.Must(t, 404, "GET", "/v1/lookup/subjects?resource=workspace:"+ws1+"&permission=delete&subject_type=user", eve, nil)

	env.Must(t, 403, "POST", "/v1/workspaces", key, map[string]string{"name": "by a service"})
	env.Must(t, 200, "DELETE", "/v1/service-credentials/"+svc.Str("id"), admin, nil)
	env.Must(t, 401, "POST", "/v1/check", key, asBob)
}

// Every list pages with ?limit= and an opaque next_cursor.
func TestListsPageWithCursors(t *testing.T) {
	t.Parallel()
	w := newPermWorld(t)
	seen := map[string]bool{}
	cursor := ""
	for range 20 {
		r := w.env.Must(t, 200, "GET", "/v1/kinds?limit=3&cursor="+cursor, w.root, nil)
		page := r.Body["items"].([]any)
		if len(page) > 3 {
			t.Fatalf("page of %d", len(page))
		}
		for _, it := range page {
			id := it.(map[string]any)["id"].(string)
			if seen[id] {
				t.Fatalf("%s twice", id)
			}
			seen[id] = true
		}
		if cursor = r.Str("next_cursor"); cursor == "" {
			break
		}
	}
	if len(seen) != len(testKinds)+4 {
		t.Fatalf("paged through %d kinds, want %d", len(seen), len(testKinds)+4)
	}
	w.env.Must(t, 422, "GET", "/v1/kinds?limit=0", w.root, nil)
	w.env.Must(t, 422, "GET", "/v1/kinds?cursor=!!!", w.root, nil)
}
