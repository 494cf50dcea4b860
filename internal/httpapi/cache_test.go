package httpapi_test

import (
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/gatehouse/gatehouse/internal/auth"
	"github.com/gatehouse/gatehouse/internal/authz"
	"github.com/gatehouse/gatehouse/internal/store"
	"github.com/gatehouse/gatehouse/internal/testenv"
)

// cacheWorld is two replicas (two stacks, each with its own decision
// cache) on one PostgreSQL database and one SpiceDB datastore.
type cacheWorld struct {
	reps [2]*testenv.Env
	root string
}

func newCacheWorld(t *testing.T) *cacheWorld {
	t.Helper()
	cfg := testenv.Config(t)
	cfg.DecisionCacheSize = 10000
	w := &cacheWorld{}
	w.reps[0] = testenv.Start(t, cfg)
	w.reps[1] = testenv.Start(t, cfg)
	w.root = w.reps[0].RootToken(t)
	for _, r := range w.reps {
		if r.IAM.Decisions == nil {
			t.Fatal("the decision cache is off by default")
		}
	}
	return w
}

type cacheQ struct {
	token   string
	subject map[string]string // nil: the caller
	typ, id string
	perm    string
	branch  string
}

func (q cacheQ) body() map[string]any {
	b := map[string]any{"resource": map[string]string{"type": q.typ, "id": q.id}, "permission": q.perm}
	if q.subject != nil {
		b["subject"] = q.subject
	}
	if q.branch != "" {
		b["branch"] = q.branch
	}
	return b
}

func (w *cacheWorld) allowed(t *testing.T, rep int, q cacheQ) bool {
	t.Helper()
	r := w.reps[rep].Must(t, 200, "POST", "/v1/check", q.token, q.body())
	return r.Body["allowed"] == true
}

// warm asks q on both replicas until each answers it from its cache (a hit
// counted), checking that the answer is allowed every time.
func (w *cacheWorld) warm(t *testing.T, q cacheQ) {
	t.Helper()
	for i, r := range w.reps {
		before := r.IAM.Decisions.Hits.Load()
		for n := 0; r.IAM.Decisions.Hits.Load() == before; n++ {
			if n == 50 {
				t.Fatalf("replica %d: no cache hit after %d identical checks", i, n)
			}
			if !w.allowed(t, i, q) {
				t.Fatalf("replica %d: %+v denied before the revocation", i, q)
			}
		}
	}
}

// revokeThenCheck warms q on both replicas, runs revoke through replica
// `via`, then asks q once through the other replica and once through the
// same one: both must answer denied.
func (w *cacheWorld) revokeThenCheck(t *testing.T, via int, q cacheQ, revoke func(env *testenv.Env)) {
	t.Helper()
	w.warm(t, q)
	revoke(w.reps[via])
	for _, rep := range []int{1 - via, via} {
		if w.allowed(t, rep, q) {
			t.Errorf("replica %d answered allowed after the revocation through replica %d", rep, via)
		}
	}
}

// After a revocation through either replica, the very next check through
// either replica is denied, although both had the allowed answer cached.
func TestDecisionCacheRevocationAcrossReplicas(t *testing.T) {
	t.Parallel()
	w := newCacheWorld(t)
	env := w.reps[0]
	root := w.root

	t.Run("membership removal", func(t *testing.T) {
		uid, u := env.User(t, root, uniq("m")+"@example.com", "member")
		ws := env.Must(t, 201, "POST", "/v1/workspaces", root, map[string]string{"name": uniq("ws")}).Str("id")
		mid := env.Must(t, 201, "POST", "/v1/workspaces/"+ws+"/members", root, map[string]string{"user_id": uid, "role": "member"}).Str("id")
		w.revokeThenCheck(t, 0, cacheQ{token: u, typ: "workspace", id: ws, perm: "view_resources"}, func(e *testenv.Env) {
			e.Must(t, 200, "DELETE", "/v1/workspaces/"+ws+"/members/"+mid, root, nil)
		})
	})

	t.Run("group removal", func(t *testing.T) {
		uid, u := env.User(t, root, uniq("g")+"@example.com", "member")
		ws := env.Must(t, 201, "POST", "/v1/workspaces", root, map[string]string{"name": uniq("ws")}).Str("id")
		g := env.Must(t, 201, "POST", "/v1/groups", root, map[string]string{"name": uniq("grp")}).Str("id")
		env.Must(t, 200, "PUT", "/v1/groups/"+g+"/members/"+uid, root, nil)
		env.Must(t, 201, "POST", "/v1/workspaces/"+ws+"/members", root, map[string]string{"group_id": g, "role": "admin"})
		w.revokeThenCheck(t, 1, cacheQ{token: u, typ: "workspace", id: ws, perm: "update"}, func(e *testenv.Env) {
			e.Must(t, 200, "DELETE", "/v1/groups/"+g+"/members/"+uid, root, nil)
		})
	})

	t.Run("custom role change", func(t *testing.T) {
		env.Must(t, 201, "POST", "/v1/kinds", root, map[string]string{"namespace": "Infra", "name": "Device"})
		uid, u := env.User(t, root, uniq("r")+"@example.com", "member")
		role := env.Must(t, 201, "POST", "/v1/roles", root, map[string]any{"name": uniq("role"), "permissions": []string{"object:Infra:Device:view:allow_all"}}).Str("id")
		env.Must(t, 200, "PUT", "/v1/roles/"+role+"/assignments/user:"+uid, root, nil)
		for i, branch := range []string{"", "feat"} {
			w.revokeThenCheck(t, i, cacheQ{token: u, typ: "kind", id: "Infra:Device", perm: "view", branch: branch}, func(e *testenv.Env) {
				perms := []string{"object:Infra:Device:update:allow_all"}
				if i == 1 {
					perms = []string{"object:Infra:Device:create:allow_all"}
				}
				e.Must(t, 200, "PATCH", "/v1/roles/"+role, root, map[string]any{"permissions": perms})
			})
			if i == 0 {
				e := w.reps[1]
				e.Must(t, 200, "PATCH", "/v1/roles/"+role, root, map[string]any{"permissions": []string{"object:Infra:Device:view:allow_all"}})
			}
		}
	})

	// A merged branch denies kind actions on it: the projection adds a
	// relationship (branch#merged), which the check reads negated.
	t.Run("branch merged", func(t *testing.T) {
		env.Must(t, 201, "POST", "/v1/kinds", root, map[string]string{"namespace": "Infra", "name": "Rack"})
		uid, u := env.User(t, root, uniq("b")+"@example.com", "member")
		role := env.Must(t, 201, "POST", "/v1/roles", root, map[string]any{"name": uniq("role"), "permissions": []string{"object:Infra:Rack:update:allow_all"}}).Str("id")
		env.Must(t, 200, "PUT", "/v1/roles/"+role+"/assignments/user:"+uid, root, nil)
		branch := uniq("rel")
		env.Must(t, 201, "POST", "/v1/branches", root, map[string]string{"name": branch})
		w.revokeThenCheck(t, 0, cacheQ{token: u, typ: "kind", id: "Infra:Rack", perm: "update", branch: branch}, func(e *testenv.Env) {
			e.Must(t, 200, "PATCH", "/v1/branches/"+branch, root, map[string]string{"status": "merged"})
		})
	})

	t.Run("user disable", func(t *testing.T) {
		uid, _ := env.User(t, root, uniq("d")+"@example.com", "member")
		ws := env.Must(t, 201, "POST", "/v1/workspaces", root, map[string]string{"name": uniq("ws")}).Str("id")
		env.Must(t, 201, "POST", "/v1/workspaces/"+ws+"/members", root, map[string]string{"user_id": uid, "role": "member"})
		w.revokeThenCheck(t, 0, cacheQ{token: root, subject: map[string]string{"type": "user", "id": uid}, typ: "workspace", id: ws, perm: "view_resources"}, func(e *testenv.Env) {
			e.Must(t, 200, "POST", "/v1/users/"+uid+"/disable", root, nil)
		})
	})

	t.Run("key revocation", func(t *testing.T) {
		uid, u := env.User(t, root, uniq("k")+"@example.com", "member")
		ws := env.Must(t, 201, "POST", "/v1/workspaces", root, map[string]string{"name": uniq("ws")}).Str("id")
		env.Must(t, 201, "POST", "/v1/workspaces/"+ws+"/members", root, map[string]string{"user_id": uid, "role": "member"})
		k := env.Must(t, 201, "POST", "/v1/workspaces/"+ws+"/api-keys", u, map[string]string{"name": "k", "role": "member"})
		keyID, secret := k.Str("id"), k.Str("key")
		asKey := cacheQ{token: root, subject: map[string]string{"type": "apikey", "id": keyID}, typ: "workspace", id: ws, perm: "view_resources"}
		// Checks of an API key subject are never cached (its relationships
		// expire): asked twice, no hit.
		for i, r := range w.reps {
			before := r.IAM.Decisions.Hits.Load()
			for range 2 {
				if !w.allowed(t, i, asKey) {
					t.Fatalf("replica %d: the live key is denied", i)
				}
			}
			if r.IAM.Decisions.Hits.Load() != before {
				t.Errorf("replica %d answered an apikey subject from the cache", i)
			}
		}
		// The creator's standing on the key is cached like any other.
		w.revokeThenCheck(t, 1, cacheQ{token: u, typ: "apikey", id: keyID, perm: "view"}, func(e *testenv.Env) {
			e.Must(t, 200, "DELETE", "/v1/workspaces/"+ws+"/api-keys/"+keyID, root, nil)
		})
		for i := range w.reps {
			if w.allowed(t, i, asKey) {
				t.Errorf("replica %d: the revoked key is allowed", i)
			}
			w.reps[i].Must(t, 401, "GET", "/v1/me", secret, nil)
		}
	})

	// A superadmin of tenant 1 checks tenant 2's objects: their standing
	// lives in tenant 1 (platform#superadmin), the objects in tenant 2.
	t.Run("platform superadmin", func(t *testing.T) {
		sid, s := env.User(t, root, uniq("s")+"@example.com", "superadmin")
		email := uniq("b-admin") + "@b.example.com"
		r := env.Must(t, 201, "POST", "/v1/tenants", root, map[string]any{"name": uniq("Tenant B"), "admin": map[string]string{"email": email}})
		a := r.Body["admin"].(map[string]any)
		env.Must(t, 200, "POST", "/v1/invitations/accept", "", map[string]string{"token": a["invitation_token"].(string), "password": "password-" + email})
		b := env.Login(t, email, "password-"+email)

		// Tenant 2 deletes a workspace: only tenant 2's token moves, yet the
		// superadmin's cached answer (keyed under tenant 1) must not stay.
		gone := env.Must(t, 201, "POST", "/v1/workspaces", b, map[string]string{"name": uniq("ws2")}).Str("id")
		w.revokeThenCheck(t, 0, cacheQ{token: s, typ: "workspace", id: gone, perm: "update"}, func(e *testenv.Env) {
			e.Must(t, 200, "DELETE", "/v1/workspaces/"+gone, b, nil)
		})

		// Demoted in tenant 1: their cross-tenant check in tenant 2 is denied.
		ws2 := env.Must(t, 201, "POST", "/v1/workspaces", b, map[string]string{"name": uniq("ws2")}).Str("id")
		w.revokeThenCheck(t, 1, cacheQ{token: s, typ: "workspace", id: ws2, perm: "update"}, func(e *testenv.Env) {
			e.Must(t, 200, "PUT", "/v1/users/"+sid+"/global-role", root, map[string]string{"role": "member"})
		})
	})
}

// What is never served from the cache: explained and fully consistent
// checks; at_least_as_fresh is served only for the token the answer was
// cached at.
func TestDecisionCacheModes(t *testing.T) {
	t.Parallel()
	w := newCacheWorld(t)
	env, root := w.reps[0], w.root
	uid, u := env.User(t, root, uniq("m")+"@example.com", "member")
	ws := env.Must(t, 201, "POST", "/v1/workspaces", root, map[string]string{"name": uniq("ws")}).Str("id")
	added := env.Must(t, 201, "POST", "/v1/workspaces/"+ws+"/members", root, map[string]string{"user_id": uid, "role": "member"})
	q := cacheQ{token: u, typ: "workspace", id: ws, perm: "view_resources"}
	w.warm(t, q)
	c := env.IAM.Decisions

	ask := func(extra map[string]any) bool {
		t.Helper()
		body := q.body()
		for k, v := range extra {
			body[k] = v
		}
		return env.Must(t, 200, "POST", "/v1/check", u, body).Body["allowed"] == true
	}
	noHit := func(name string, extra map[string]any) {
		t.Helper()
		before := c.Hits.Load()
		if !ask(extra) {
			t.Errorf("%s: denied", name)
		}
		if c.Hits.Load() != before {
			t.Errorf("%s was answered from the cache", name)
		}
	}
	hit := func(name string, extra map[string]any) {
		t.Helper()
		before := c.Hits.Load()
		if !ask(extra) {
			t.Errorf("%s: denied", name)
		}
		if c.Hits.Load() != before+1 {
			t.Errorf("%s was not answered from the cache", name)
		}
	}
	noHit("fully_consistent", map[string]any{"consistency": map[string]bool{"fully_consistent": true}})
	noHit("explain", map[string]any{"explain": true})
	hit("minimize_latency", map[string]any{"consistency": map[string]bool{"minimize_latency": true}})
	// The membership's own token is the tenant's newest: the entry (cached
	// at it) serves it; the answer's checked_at does too.
	hit("at_least_as_fresh (the tenant's token)", map[string]any{"consistency": map[string]string{"at_least_as_fresh": added.Str("consistency_token")}})
	checkedAt := env.Must(t, 200, "POST", "/v1/check", u, q.body()).Str("checked_at")
	hit("at_least_as_fresh (checked_at)", map[string]any{"consistency": map[string]string{"at_least_as_fresh": checkedAt}})

	// A write that only adds (a group created) leaves an allowed answer
	// current: it is replayed, for its own checked_at and the default.
	env.Must(t, 201, "POST", "/v1/groups", root, map[string]string{"name": uniq("grp")})
	hit("at_least_as_fresh (checked_at) after an additive write", map[string]any{"consistency": map[string]string{"at_least_as_fresh": checkedAt}})
	hit("the default after an additive write", nil)

	// A write that may revoke (another user's membership removed, in
	// another workspace) moves the epoch: the older token is no longer
	// served from the cache, and neither is the default.
	oid, _ := env.User(t, root, uniq("o")+"@example.com", "member")
	other := env.Must(t, 201, "POST", "/v1/workspaces", root, map[string]string{"name": uniq("ws")}).Str("id")
	mid := env.Must(t, 201, "POST", "/v1/workspaces/"+other+"/members", root, map[string]string{"user_id": oid, "role": "member"}).Str("id")
	env.Must(t, 200, "DELETE", "/v1/workspaces/"+other+"/members/"+mid, root, nil)
	noHit("at_least_as_fresh after a revoking write", map[string]any{"consistency": map[string]string{"at_least_as_fresh": checkedAt}})
	before := c.Misses.Load()
	if !ask(nil) {
		t.Error("default: denied")
	}
	if c.Misses.Load() != before+1 {
		t.Error("the default check after a revoking write was not a miss")
	}

	// A denial is replayed only while nothing at all changed: the write
	// that grants it (additive) ends it on both replicas.
	nid, n := env.User(t, root, uniq("n")+"@example.com", "member")
	nq := cacheQ{token: n, typ: "workspace", id: ws, perm: "view_resources"}
	for i := range w.reps {
		before := w.reps[i].IAM.Decisions.Hits.Load()
		for k := 0; w.reps[i].IAM.Decisions.Hits.Load() == before; k++ {
			if k == 50 {
				t.Fatalf("replica %d: no cache hit for the denial", i)
			}
			if w.allowed(t, i, nq) {
				t.Fatalf("replica %d: allowed before the grant", i)
			}
		}
	}
	env.Must(t, 201, "POST", "/v1/workspaces/"+ws+"/members", root, map[string]string{"user_id": nid, "role": "member"})
	for i := range w.reps {
		if !w.allowed(t, i, nq) {
			t.Errorf("replica %d: the cached denial outlived the grant", i)
		}
	}
}

// Sessions are served from each replica's memory (the cache bus), yet a
// logout, a disable or a password change through one replica ends the
// session on both before the change is answered.
func TestSessionCacheRevocationAcrossReplicas(t *testing.T) {
	t.Parallel()
	w := newCacheWorld(t)
	env := w.reps[0]
	root := w.root
	// cached asks GET /v1/me on both replicas until each holds the session
	// in memory.
	cached := func(t *testing.T, token string) {
		t.Helper()
		for i, r := range w.reps {
			heldAfter(t, i, "the session", func() bool { _, ok := r.IAM.Caches.Sessions.Get(string(auth.HashToken(token))); return ok }, func() { r.Must(t, 200, "GET", "/v1/me", token, nil) })
		}
	}
	ended := func(t *testing.T, token string, via int) {
		t.Helper()
		for _, rep := range []int{1 - via, via} {
			if r := w.reps[rep].Do(t, "GET", "/v1/me", token, nil); r.Status != 401 {
				t.Errorf("replica %d answered %d to the ended session (ended through replica %d), want 401", rep, r.Status, via)
			}
		}
	}

	t.Run("logout", func(t *testing.T) {
		_, u := env.User(t, root, uniq("lo")+"@example.com", "member")
		cached(t, u)
		w.reps[0].Must(t, 204, "POST", "/v1/auth/logout", u, nil)
		ended(t, u, 0)
	})

	// A merged branch denies kind actions on it: the projection adds a
	// relationship (branch#merged), which the check reads negated.
	t.Run("branch merged", func(t *testing.T) {
		env.Must(t, 201, "POST", "/v1/kinds", root, map[string]string{"namespace": "Infra", "name": "Rack"})
		uid, u := env.User(t, root, uniq("b")+"@example.com", "member")
		role := env.Must(t, 201, "POST", "/v1/roles", root, map[string]any{"name": uniq("role"), "permissions": []string{"object:Infra:Rack:update:allow_all"}}).Str("id")
		env.Must(t, 200, "PUT", "/v1/roles/"+role+"/assignments/user:"+uid, root, nil)
		branch := uniq("rel")
		env.Must(t, 201, "POST", "/v1/branches", root, map[string]string{"name": branch})
		w.revokeThenCheck(t, 0, cacheQ{token: u, typ: "kind", id: "Infra:Rack", perm: "update", branch: branch}, func(e *testenv.Env) {
			e.Must(t, 200, "PATCH", "/v1/branches/"+branch, root, map[string]string{"status": "merged"})
		})
	})

	t.Run("user disable", func(t *testing.T) {
		uid, u := env.User(t, root, uniq("dis")+"@example.com", "member")
		cached(t, u)
		w.reps[1].Must(t, 200, "POST", "/v1/users/"+uid+"/disable", root, nil)
		ended(t, u, 1)
	})

	t.Run("service credential revoke", func(t *testing.T) {
		uid, _ := env.User(t, root, uniq("svc")+"@example.com", "member")
		svc := env.Must(t, 201, "POST", "/v1/service-credentials", root, map[string]string{"name": uniq("svc")})
		key := svc.Str("key")
		ws := env.Must(t, 201, "POST", "/v1/workspaces", root, map[string]string{"name": uniq("ws")}).Str("id")
		ask := map[string]any{"subject": map[string]string{"type": "user", "id": uid}, "resource": map[string]string{"type": "workspace", "id": ws}, "permission": "view"}
		for i, r := range w.reps {
			// The first use records last_used_at, which drops the entry
			// (the update is notified like any other); a later one keeps it.
			heldAfter(t, i, "the service credential", func() bool {
				pub, _, _ := auth.SplitSecret(key, auth.ServicePrefix)
				_, ok := r.IAM.Caches.Services.Get(auth.ServicePrefix + pub)
				return ok
			}, func() { r.Must(t, 200, "POST", "/v1/check", key, ask) })
		}
		w.reps[1].Must(t, 200, "DELETE", "/v1/service-credentials/"+svc.Str("id"), root, nil)
		for _, rep := range []int{0, 1} {
			if r := w.reps[rep].Do(t, "POST", "/v1/check", key, ask); r.Status != 401 {
				t.Errorf("replica %d answered %d to the revoked service credential, want 401", rep, r.Status)
			}
		}
	})

	t.Run("a wrong secret caches nothing", func(t *testing.T) {
		svc := env.Must(t, 201, "POST", "/v1/service-credentials", root, map[string]string{"name": uniq("svc")})
		pub, secret, _ := auth.SplitSecret(svc.Str("key"), auth.ServicePrefix)
		forged := auth.ServicePrefix + pub + "_" + strings.Repeat("x", len(secret))
		if forged == svc.Str("key") {
			t.Fatal("the forged credential is the real one")
		}
		for range 3 {
			if r := w.reps[0].Do(t, "GET", "/v1/me", forged, nil); r.Status != 401 {
				t.Fatalf("a wrong secret answered %d, want 401", r.Status)
			}
		}
		if _, ok := w.reps[0].IAM.Caches.Services.Get(auth.ServicePrefix + pub); ok {
			t.Error("a credential whose secret was never given is cached")
		}
	})

	// An API key is kept with its creator's and its workspace's standing:
	// a change of either ends it on both replicas.
	for _, end := range []string{"revoke", "creator disabled", "workspace deleted"} {
		t.Run("api key "+end, func(t *testing.T) {
			uid, u := env.User(t, root, uniq("key")+"@example.com", "member")
			ws := env.Must(t, 201, "POST", "/v1/workspaces", root, map[string]string{"name": uniq("ws")}).Str("id")
			env.Must(t, 201, "POST", "/v1/workspaces/"+ws+"/members", root, map[string]string{"user_id": uid, "role": "member"})
			k := env.Must(t, 201, "POST", "/v1/workspaces/"+ws+"/api-keys", u, map[string]string{"name": "k", "role": "member"})
			secret := k.Str("key")
			ask := map[string]any{"resource": map[string]string{"type": "workspace", "id": ws}, "permission": "view_resources"}
			for i, r := range w.reps {
				// As for service credentials: the first use records last_used_at.
				heldAfter(t, i, "the API key", func() bool {
					pub, _, _ := auth.SplitAPIKey(secret)
					_, ok := r.IAM.Caches.APIKeys.Get(auth.APIKeyPrefix + pub)
					return ok
				}, func() { r.Must(t, 200, "POST", "/v1/check", secret, ask) })
			}
			switch end {
			case "revoke":
				w.reps[1].Must(t, 200, "DELETE", "/v1/workspaces/"+ws+"/api-keys/"+k.Str("id"), root, nil)
			case "creator disabled":
				w.reps[1].Must(t, 200, "POST", "/v1/users/"+uid+"/disable", root, nil)
			default:
				w.reps[1].Must(t, 200, "DELETE", "/v1/workspaces/"+ws, root, nil)
			}
			ended(t, secret, 1)
		})
	}

	t.Run("user delete", func(t *testing.T) {
		uid, u := env.User(t, root, uniq("del")+"@example.com", "member")
		cached(t, u)
		w.reps[0].Must(t, 200, "DELETE", "/v1/users/"+uid, root, nil)
		ended(t, u, 0)
	})
}

// A replica that holds a lease but never acknowledges (it hangs, or died
// without giving the lease up) delays writes until its lease runs out; it
// never blocks them for good, and never makes them fail.
func TestWritesOutliveAReplicaThatNeverAcknowledges(t *testing.T) {
	t.Parallel()
	w := newCacheWorld(t)
	env := w.reps[0]
	var phantom string
	if err := env.Store.Pool.QueryRow(t.Context(), `INSERT INTO cache_replicas (id, lease_until) VALUES (gen_random_uuid(), now() + interval '1500 milliseconds') RETURNING id::text`).Scan(&phantom); err != nil {
		t.Fatal(err)
	}
	env.Must(t, 201, "POST", "/v1/workspaces", w.root, map[string]string{"name": uniq("ws")})
	// The answer came only once the silent replica's lease had run out.
	var over bool
	if err := env.Store.Pool.QueryRow(t.Context(), `SELECT lease_until <= now() FROM cache_replicas WHERE id = $1`, phantom).Scan(&over); err != nil {
		t.Fatal(err)
	}
	if !over {
		t.Error("the write answered while a replica that had not acknowledged it still held its lease")
	}
}

// heldAfter repeats use until the replica's cache holds an entry (the
// bus must hold its lease first, and a use that records last_used_at
// drops what it cached), failing after many uses.
func heldAfter(t *testing.T, replica int, what string, held func() bool, use func()) {
	t.Helper()
	for n := 0; ; n++ {
		use()
		if held() {
			return
		}
		if n == 200 {
			t.Fatalf("replica %d holds no %s after %d authenticated requests (is the cache bus running?)", replica, what, n+1)
		}
	}
}

// The decisions a write rests on are replayed from each replica's memory
// while only additive changes were applied (core.AllowedCache), yet a
// revocation through one replica refuses the next write through either.
func TestAuthorizationCacheRevocationAcrossReplicas(t *testing.T) {
	t.Parallel()
	w := newCacheWorld(t)
	env, root := w.reps[0], w.root
	// The users the writes add, created first: a new user is a change
	// that may revoke (user#administer subtracts what the user holds).
	var pool []string
	for range 60 {
		uid, _ := env.User(t, root, uniq("x")+"@example.com", "member")
		pool = append(pool, uid)
	}
	add := func(t *testing.T, rep int, token, ws string, want int) {
		t.Helper()
		uid := pool[0]
		pool = pool[1:]
		w.reps[rep].Must(t, want, "POST", "/v1/workspaces/"+ws+"/members", token, map[string]string{"user_id": uid, "role": "member"})
	}
	// adds through both replicas until each answered the write's
	// authorization from its cache, although each add is a write.
	warm := func(t *testing.T, token, ws string) {
		t.Helper()
		for i, r := range w.reps {
			before := r.IAM.Allowed.Hits.Load()
			for n := 0; r.IAM.Allowed.Hits.Load() == before; n++ {
				if n == 5 {
					t.Fatalf("replica %d: no authorization from the cache after %d writes", i, n)
				}
				add(t, i, token, ws, 201)
			}
		}
	}
	type setup struct{ uid, u, ws, mid string }
	admin := func(t *testing.T) setup {
		uid, u := env.User(t, root, uniq("a")+"@example.com", "member")
		ws := env.Must(t, 201, "POST", "/v1/workspaces", root, map[string]string{"name": uniq("ws")}).Str("id")
		mid := env.Must(t, 201, "POST", "/v1/workspaces/"+ws+"/members", root, map[string]string{"user_id": uid, "role": "admin"}).Str("id")
		return setup{uid, u, ws, mid}
	}

	t.Run("role lowered", func(t *testing.T) {
		a := admin(t)
		warm(t, a.u, a.ws)
		w.reps[0].Must(t, 200, "PATCH", "/v1/workspaces/"+a.ws+"/members/"+a.mid, root, map[string]string{"role": "member"})
		add(t, 1, a.u, a.ws, 403)
		add(t, 0, a.u, a.ws, 403)
	})

	t.Run("membership removed", func(t *testing.T) {
		a := admin(t)
		warm(t, a.u, a.ws)
		w.reps[1].Must(t, 200, "DELETE", "/v1/workspaces/"+a.ws+"/members/"+a.mid, root, nil)
		add(t, 0, a.u, a.ws, 404)
		add(t, 1, a.u, a.ws, 404)
	})

	t.Run("group left", func(t *testing.T) {
		uid, u := env.User(t, root, uniq("g")+"@example.com", "member")
		ws := env.Must(t, 201, "POST", "/v1/workspaces", root, map[string]string{"name": uniq("ws")}).Str("id")
		g := env.Must(t, 201, "POST", "/v1/groups", root, map[string]string{"name": uniq("grp")}).Str("id")
		env.Must(t, 200, "PUT", "/v1/groups/"+g+"/members/"+uid, root, nil)
		env.Must(t, 201, "POST", "/v1/workspaces/"+ws+"/members", root, map[string]string{"group_id": g, "role": "admin"})
		warm(t, u, ws)
		w.reps[1].Must(t, 200, "DELETE", "/v1/groups/"+g+"/members/"+uid, root, nil)
		// Still a tenant member, the workspace is hidden from them now.
		add(t, 0, u, ws, 404)
		add(t, 1, u, ws, 404)
	})
}

// An additive write moves only the additions epoch; a write that may
// revoke moves the projection epoch; and an apply that died between its
// SpiceDB write and its commit (its revoking mark left behind) makes the
// next apply of its tenant move the projection epoch, additive or not.
func TestEpochsOfAdditiveAndRevokingApplies(t *testing.T) {
	t.Parallel()
	env := testenv.Start(t, testenv.Config(t))
	root := env.RootToken(t)
	ctx := t.Context()
	ws := env.Must(t, 201, "POST", "/v1/workspaces", root, map[string]string{"name": uniq("ws")}).Str("id")
	var users []string
	for range 3 {
		uid, _ := env.User(t, root, uniq("u")+"@example.com", "member")
		users = append(users, uid)
	}
	var tenant string
	if err := env.Store.Pool.QueryRow(ctx, `SELECT tenant_id::text FROM users WHERE id = $1`, users[0]).Scan(&tenant); err != nil {
		t.Fatal(err)
	}
	epochs := func() store.Freshness {
		t.Helper()
		f, err := store.TenantFreshness(ctx, env.Store.Pool, uuid.MustParse(tenant))
		if err != nil {
			t.Fatal(err)
		}
		return f
	}
	addMember := func(uid string) string {
		return env.Must(t, 201, "POST", "/v1/workspaces/"+ws+"/members", root, map[string]string{"user_id": uid, "role": "member"}).Str("id")
	}

	before := epochs()
	mid := addMember(users[0])
	after := epochs()
	if after.Epoch != before.Epoch || after.Additions == before.Additions {
		t.Errorf("a new member: epochs %+v -> %+v, want only the additions epoch moved", before, after)
	}

	before = after
	env.Must(t, 200, "DELETE", "/v1/workspaces/"+ws+"/members/"+mid, root, nil)
	if after = epochs(); after.Epoch == before.Epoch {
		t.Errorf("a removed member: epochs %+v -> %+v, want the projection epoch moved", before, after)
	}

	// A dead applier's mark, as MarkRevoking leaves it before the write.
	if err := store.MarkRevoking(ctx, env.Store.Pool, uuid.MustParse(tenant)); err != nil {
		t.Fatal(err)
	}
	before = epochs()
	addMember(users[1])
	if after = epochs(); after.Epoch == before.Epoch {
		t.Errorf("an additive apply after a dead applier's mark: epochs %+v -> %+v, want the projection epoch moved", before, after)
	}
	var marks int
	if err := env.Store.Pool.QueryRow(ctx, `SELECT count(*) FROM projection_revoking`).Scan(&marks); err != nil || marks != 0 {
		t.Errorf("revoking marks left: %d (%v)", marks, err)
	}
	before = after
	addMember(users[2])
	if after = epochs(); after.Epoch != before.Epoch {
		t.Errorf("the next additive apply: epochs %+v -> %+v, want only the additions epoch moved", before, after)
	}

	// An entry the relay applies (an earlier attempt, of any release, may
	// have written it already) moves the projection epoch, additive or not:
	// a membership stored with its entry but never applied.
	uid, wid := uuid.MustParse(users[0]), uuid.MustParse(ws)
	tid := uuid.MustParse(tenant)
	if err := store.InsertMember(ctx, env.Store.Pool, tid, store.Member{ID: uuid.New(), WorkspaceID: wid, UserID: &uid, Role: "member"}); err != nil {
		t.Fatal(err)
	}
	units, err := authz.UnitsOf(ctx, env.Store.Pool, []authz.Fact{authz.MembershipChanged{Workspace: wid, Subject: authz.Obj("user", uid)}})
	if err != nil {
		t.Fatal(err)
	}
	raw, err := authz.EncodeUnits(units)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := store.InsertOutbox(ctx, env.Store.Pool, tid, raw, nil); err != nil {
		t.Fatal(err)
	}
	before = epochs()
	if err := env.Projector.Drain(ctx); err != nil {
		t.Fatal(err)
	}
	if after = epochs(); after.Epoch == before.Epoch {
		t.Errorf("an entry the relay applied: epochs %+v -> %+v, want the projection epoch moved", before, after)
	}
}

// A bulk check at default consistency is answered from the decision cache
// item by item, by the same rule as single checks; after a revocation
// through either replica the next bulk check through either answers the
// revoked item denied (and a deleted subject is no longer answered for).
func TestBulkCheckCacheRevocationAcrossReplicas(t *testing.T) {
	t.Parallel()
	w := newCacheWorld(t)
	env, root := w.reps[0], w.root
	aID, _ := env.User(t, root, uniq("a")+"@example.com", "member")
	bID, _ := env.User(t, root, uniq("b")+"@example.com", "member")
	cID, _ := env.User(t, root, uniq("c")+"@example.com", "member")
	ws := env.Must(t, 201, "POST", "/v1/workspaces", root, map[string]string{"name": uniq("ws")}).Str("id")
	ma := env.Must(t, 201, "POST", "/v1/workspaces/"+ws+"/members", root, map[string]string{"user_id": aID, "role": "member"}).Str("id")
	env.Must(t, 201, "POST", "/v1/workspaces/"+ws+"/members", root, map[string]string{"user_id": bID, "role": "member"})
	key := env.Must(t, 201, "POST", "/v1/service-credentials", root, map[string]string{"name": uniq("svc")}).Str("key")
	item := func(user string) map[string]any {
		return map[string]any{"subject": map[string]string{"type": "user", "id": user},
			"resource": map[string]string{"type": "workspace", "id": ws}, "permission": "view_resources"}
	}
	body := map[string]any{"items": []any{item(aID), item(bID), item(cID),
		map[string]any{"resource": map[string]string{"type": "workspace", "id": "nope"}, "permission": "view_resources"}}}
	answers := func(rep int) (allowed []bool, errs []bool, checkedAt string) {
		t.Helper()
		r := w.reps[rep].Must(t, 200, "POST", "/v1/check/bulk", key, body)
		for _, x := range r.Body["results"].([]any) {
			m := x.(map[string]any)
			allowed = append(allowed, m["allowed"] == true)
			errs = append(errs, m["error"] != nil)
		}
		return allowed, errs, r.Str("checked_at")
	}
	want := func(rep int, what string, a, b, c bool) {
		t.Helper()
		got, errs, at := answers(rep)
		if got[0] != a || got[1] != b || got[2] != c || got[3] || !errs[3] || errs[0] || errs[2] {
			t.Errorf("replica %d, %s: allowed %v, errors %v; want %v %v %v and an error for the last item", rep, what, got, errs, a, b, c)
		}
		if at == "" {
			t.Errorf("replica %d, %s: no checked_at", rep, what)
		}
	}
	warm := func(what string, a, b, c bool) {
		t.Helper()
		for i, r := range w.reps {
			for n := 0; ; n++ {
				if n == 50 {
					t.Fatalf("replica %d: bulk check not answered from the cache after %d calls", i, n)
				}
				before := r.IAM.Decisions.Hits.Load()
				want(i, what, a, b, c)
				if r.IAM.Decisions.Hits.Load() == before+3 {
					break
				}
			}
		}
	}
	warm("before", true, true, false)
	env.Must(t, 200, "DELETE", "/v1/workspaces/"+ws+"/members/"+ma, root, nil)
	want(1, "after a's removal through replica 0", false, true, false)
	want(0, "after a's removal through replica 0", false, true, false)

	warm("again", false, true, false)
	w.reps[1].Must(t, 200, "DELETE", "/v1/users/"+bID, root, nil)
	for i := range w.reps {
		got, _, _ := answers(i)
		if got[1] {
			t.Errorf("replica %d: a deleted user still allowed", i)
		}
	}
}
