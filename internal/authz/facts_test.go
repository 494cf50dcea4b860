package authz_test

import (
	"context"
	"encoding/json"
	"sort"
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/gatehouse/gatehouse/internal/authz"
	"github.com/gatehouse/gatehouse/internal/iam/provision"
	"github.com/gatehouse/gatehouse/internal/store"
	"github.com/gatehouse/gatehouse/internal/testenv"
)

// desiredAll is every relationship the projection wants now, by key.
func desiredAll(t *testing.T, env *testenv.Env) map[string]authz.Rel {
	t.Helper()
	out := map[string]authz.Rel{}
	for _, typ := range authz.ProjectedTypes {
		rels, err := authz.DesiredAll(context.Background(), env.Store.Pool, typ)
		if err != nil {
			t.Fatalf("desired %s: %v", typ, err)
		}
		for _, r := range rels {
			out[r.Key()] = r
		}
	}
	return out
}

// outboxSince returns the units and the fact names of the outbox entries
// after id, and the newest id.
func outboxSince(t *testing.T, env *testenv.Env, after int64) ([]authz.Unit, []string, int64) {
	t.Helper()
	rows, err := env.Store.Pool.Query(context.Background(), `SELECT id, units, coalesce(facts, '[]') FROM outbox WHERE id > $1 ORDER BY id`, after)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var units []authz.Unit
	var facts []string
	last := after
	for rows.Next() {
		var id int64
		var rawUnits, rawFacts []byte
		if err := rows.Scan(&id, &rawUnits, &rawFacts); err != nil {
			t.Fatal(err)
		}
		us, err := authz.DecodeUnits(rawUnits)
		if err != nil {
			t.Fatal(err)
		}
		var fs []struct {
			Fact string `json:"fact"`
		}
		if err := json.Unmarshal(rawFacts, &fs); err != nil {
			t.Fatalf("facts %s: %v", rawFacts, err)
		}
		for _, f := range fs {
			facts = append(facts, f.Fact)
		}
		units = append(units, us...)
		last = id
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return units, facts, last
}

// The property of the fact design: for every write, the relationships the
// projection wants differ before and after only inside the units its facts
// name (so applying those units brings SpiceDB to the new state, with no
// reconcile), and every fact type is exercised by some write.
func TestFactsNameEveryUnitTheirWriteChanges(t *testing.T) {
	t.Parallel()
	env := testenv.New(t)
	root := env.RootToken(t)
	aliceID, alice := env.User(t, root, "alice@example.com", "member")
	bobID, bob := env.User(t, root, "bob@example.com", "member")
	_, _, last := outboxSince(t, env, 0)

	seen := map[string]bool{}
	var ws, group, role, key, model, deployment, service, member, groupMember string
	steps := []struct {
		name string
		do   func()
	}{
		{"invite", func() {
			env.Must(t, 201, "POST", "/v1/users", root, map[string]string{"email": "carol@example.com", "name": "Carol"})
		}},
		{"create workspace", func() {
			ws = env.Must(t, 201, "POST", "/v1/workspaces", alice, map[string]string{"name": "W"}).Str("id")
		}},
		{"add member", func() {
			member = env.Must(t, 201, "POST", "/v1/workspaces/"+ws+"/members", alice, map[string]string{"user_id": bobID, "role": "member"}).Str("id")
		}},
		{"create api key", func() {
			key = env.Must(t, 201, "POST", "/v1/workspaces/"+ws+"/api-keys", alice, map[string]string{"name": "k", "role": "member"}).Str("id")
		}},
		{"promote member", func() {
			env.Must(t, 200, "PATCH", "/v1/workspaces/"+ws+"/members/"+member, alice, map[string]string{"role": "admin"})
		}},
		{"member creates api key", func() {
			env.Must(t, 201, "POST", "/v1/workspaces/"+ws+"/api-keys", bob, map[string]string{"name": "bk", "role": "admin"})
		}},
		{"demote member (their key follows)", func() {
			env.Must(t, 200, "PATCH", "/v1/workspaces/"+ws+"/members/"+member, alice, map[string]string{"role": "member"})
		}},
		{"promote member again", func() {
			env.Must(t, 200, "PATCH", "/v1/workspaces/"+ws+"/members/"+member, alice, map[string]string{"role": "admin"})
		}},
		{"create group", func() { group = env.Must(t, 201, "POST", "/v1/groups", root, map[string]string{"name": "G"}).Str("id") }},
		{"join group", func() { env.Must(t, 200, "PUT", "/v1/groups/"+group+"/members/"+bobID, root, nil) }},
		{"group joins workspace", func() {
			groupMember = env.Must(t, 201, "POST", "/v1/workspaces/"+ws+"/members", alice, map[string]string{"group_id": group, "role": "admin"}).Str("id")
		}},
		{"import", func() {
			ctx := context.Background()
			u, err := store.GetUser(ctx, env.Store.Pool, uuid.MustParse(aliceID))
			if err != nil {
				t.Fatal(err)
			}
			tenant, err := store.GetTenant(ctx, env.Store.Pool, u.TenantID)
			if err != nil {
				t.Fatal(err)
			}
			im := provision.Importer{Store: env.Store, Projector: env.Projector, Log: testenv.Logger(t)}
			// alice joins G, a group that is admin of her workspace, where
			// she created a key: an existing user in an existing group.
			_, err = im.Import(ctx, tenant.Name, "test", provision.Set{
				Users: []provision.User{{Email: "dan@example.com", Name: "Dan"}, {Email: "erin@example.com", Role: "admin"}},
				Groups: []provision.Group{
					{Name: "G", Members: []string{"dan@example.com", "alice@example.com"}},
					{Name: "H", Members: []string{"dan@example.com", "bob@example.com"}},
				},
				Workspaces: []provision.Workspace{{Name: "IW", Owner: "dan@example.com", Members: []provision.Member{
					{Email: "alice@example.com", Role: "admin"}, {Email: "erin@example.com"},
				}}},
			})
			if err != nil {
				t.Fatal(err)
			}
		}},
		{"create model", func() { model = env.Must(t, 201, "POST", "/v1/models", root, map[string]string{"name": "m"}).Str("id") }},
		{"whitelist model", func() {
			env.Must(t, 201, "POST", "/v1/workspaces/"+ws+"/models", alice, map[string]string{"model_id": model})
		}},
		{"create deployment", func() {
			deployment = env.Must(t, 201, "POST", "/v1/workspaces/"+ws+"/deployments", alice, map[string]string{"name": "d"}).Str("id")
		}},
		{"create role", func() {
			role = env.Must(t, 201, "POST", "/v1/roles", root, map[string]any{"name": "R", "permissions": []string{"global:view_audit_logs:allow_all", "object:*:*:view:allow_all"}}).Str("id")
		}},
		{"assign role to user", func() { env.Must(t, 200, "PUT", "/v1/roles/"+role+"/assignments/user:"+bobID, root, nil) }},
		{"assign role to group", func() { env.Must(t, 200, "PUT", "/v1/roles/"+role+"/assignments/group:"+group, root, nil) }},
		{"register kind", func() {
			env.Must(t, 201, "POST", "/v1/kinds", root, map[string]string{"namespace": "Infra", "name": "Device"})
		}},
		{"register branch", func() { env.Must(t, 201, "POST", "/v1/branches", root, map[string]string{"name": "feat-1"}) }},
		{"create service credential", func() {
			service = env.Must(t, 201, "POST", "/v1/service-credentials", root, map[string]string{"name": "svc"}).Str("id")
		}},
		{"disable user", func() { env.Must(t, 200, "POST", "/v1/users/"+bobID+"/disable", root, nil) }},
		{"enable user", func() { env.Must(t, 200, "POST", "/v1/users/"+bobID+"/enable", root, nil) }},
		{"set global role", func() {
			env.Must(t, 200, "PUT", "/v1/users/"+bobID+"/global-role", root, map[string]string{"role": "admin"})
		}},
		{"transfer ownership", func() {
			env.Must(t, 200, "POST", "/v1/workspaces/"+ws+"/transfer-ownership", alice, map[string]string{"user_id": bobID})
		}},
		{"remove group member", func() { env.Must(t, 200, "DELETE", "/v1/workspaces/"+ws+"/members/"+groupMember, root, nil) }},
		{"unassign role", func() { env.Must(t, 200, "DELETE", "/v1/roles/"+role+"/assignments/user:"+bobID, root, nil) }},
		{"delete role", func() { env.Must(t, 200, "DELETE", "/v1/roles/"+role, root, nil) }},
		{"leave group", func() { env.Must(t, 200, "DELETE", "/v1/groups/"+group+"/members/"+bobID, root, nil) }},
		{"delete group", func() { env.Must(t, 200, "DELETE", "/v1/groups/"+group, root, nil) }},
		{"revoke api key", func() { env.Must(t, 200, "DELETE", "/v1/workspaces/"+ws+"/api-keys/"+key, alice, nil) }},
		{"delete deployment", func() {
			env.Must(t, 200, "DELETE", "/v1/workspaces/"+ws+"/deployments/"+deployment, root, nil)
		}},
		{"revoke service credential", func() { env.Must(t, 200, "DELETE", "/v1/service-credentials/"+service, root, nil) }},
		{"delete workspace", func() { env.Must(t, 200, "DELETE", "/v1/workspaces/"+ws, root, nil) }},
		{"delete model", func() { env.Must(t, 200, "DELETE", "/v1/models/"+model, root, nil) }},
		{"delete user", func() { env.Must(t, 200, "DELETE", "/v1/users/"+aliceID, root, nil) }},
		{"create tenant", func() {
			env.Must(t, 201, "POST", "/v1/tenants", root, map[string]any{"name": "T2", "admin": map[string]string{"email": "t2@example.com"}})
		}},
	}
	for _, step := range steps {
		before := desiredAll(t, env)
		step.do()
		after := desiredAll(t, env)
		var units []authz.Unit
		var facts []string
		units, facts, last = outboxSince(t, env, last)
		if len(facts) == 0 {
			t.Errorf("%s: recorded no fact", step.name)
		}
		for _, f := range facts {
			seen[f] = true
		}
		var changed []authz.Rel
		for k, r := range after {
			if _, ok := before[k]; !ok {
				changed = append(changed, r)
			}
		}
		for k, r := range before {
			if _, ok := after[k]; !ok {
				changed = append(changed, r)
			}
		}
		var uncovered []string
		for _, r := range changed {
			covered := false
			for _, u := range units {
				if u.Covers(r) {
					covered = true
					break
				}
			}
			if !covered {
				uncovered = append(uncovered, r.Key())
			}
		}
		sort.Strings(uncovered)
		if len(uncovered) > 0 {
			t.Errorf("%s (facts %v): relationships changed outside the units the facts name:\n  %s", step.name, facts, strings.Join(uncovered, "\n  "))
		}
		if len(changed) == 0 && step.name != "register branch" && step.name != "promote member" {
			// Most steps change relationships; one that changes none is
			// not testing anything (a broken fixture).
			t.Logf("%s: changed no relationship", step.name)
		}
	}
	for _, f := range authz.AllFacts {
		if !seen[f.Fact()] {
			t.Errorf("no step recorded fact %s: add one", f.Fact())
		}
	}
}
