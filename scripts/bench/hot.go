package main

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"runtime/pprof"
	"strings"

	"github.com/google/uuid"

	ghclient "github.com/gatehouse/gatehouse/client"
	"github.com/gatehouse/gatehouse/internal/app"
)

// hotScenario: the same 100 checks over and over, through Gatehouse
// POST /v1/check (default consistency, answered from the decision cache
// while nothing changed) against direct CheckPermission (at_least_as_fresh
// token), then a short revoke-then-check loop counting stale answers.
func hotScenario(ctx context.Context, st *app.Stack, ds *dataset, client *http.Client, base, token string) error {
	type q struct{ user, deployment uuid.UUID }
	r := rand.New(rand.NewPCG(11, 11))
	hot := make([]q, 100)
	for i := range hot {
		u := ds.sampled[r.IntN(len(ds.sampled))]
		ws := r.IntN(len(ds.workspaces))
		if mine := ds.members[u]; len(mine) > 0 && i%2 == 0 {
			ws = mine[r.IntN(len(mine))] // about half allowed
		}
		d := ds.deployments[ws]
		hot[i] = q{u, d[r.IntN(len(d))]}
	}
	bodies := make([]string, len(hot))
	for i, x := range hot {
		bodies[i] = fmt.Sprintf(`{"resource":{"type":"deployment","id":%q},"permission":"invoke"}`, x.deployment)
	}
	next := func(r *rand.Rand) int { return r.IntN(len(hot)) }
	var err error
	direct := func(r *rand.Rand) error {
		x := hot[next(r)]
		return invokeDirect(ctx, st, token, x.user, x.deployment)
	}
	viaAPI := func(r *rand.Rand) error {
		i := next(r)
		return post(ctx, client, base+"/v1/check", ds.sessions[hot[i].user], bodies[i], nil)
	}
	// A platform service asks through the Go client with its service
	// credential, naming the user: alone per request, and coalescing
	// (concurrent checks share one bulk request while others are under way).
	svcKey, err := serviceKey(ctx, client, base)
	if err != nil {
		return err
	}
	single := ghclient.New(base, svcKey, ghclient.WithHTTPClient(client))
	coalescing := ghclient.New(base, svcKey, ghclient.WithHTTPClient(client), ghclient.WithCoalescing(*coalesce))
	viaClient := func(c *ghclient.Client) func(r *rand.Rand) error {
		return func(r *rand.Rand) error {
			x := hot[next(r)]
			_, err := c.Check(ctx, ghclient.CheckRequest{Subject: &ghclient.Ref{Type: "user", ID: x.user.String()},
				Resource: ghclient.Ref{Type: "deployment", ID: x.deployment.String()}, Permission: "invoke"})
			return err
		}
	}
	cache := st.IAM.Decisions
	fmt.Println("\nHot repeated checks: the same 100 deployment#invoke checks over and over (Gatehouse default consistency, decision cache) vs direct CheckPermission")
	fmt.Printf("%-34s %5s %9s %9s %9s %12s\n", "scenario", "conc", "requests", "p50", "p95", "checks/s")
	for _, conc := range []int{1, 16} {
		d := measure(ctx, conc, *duration, direct)
		var h0, m0 uint64
		if cache != nil {
			h0, m0 = cache.Hits.Load(), cache.Misses.Load()
		}
		stopProfile := func() {}
		if *hotProfile != "" && conc == 16 {
			if stopProfile, err = startProfile(*hotProfile); err != nil {
				return err
			}
		}
		g := measure(ctx, conc, *duration, viaAPI)
		stopProfile()
		sc := measure(ctx, conc, *duration, viaClient(single))
		if *hotProfile != "" && conc == 16 {
			if stopProfile, err = startProfile(*hotProfile + ".coalescing"); err != nil {
				return err
			}
		}
		cc := measure(ctx, conc, *duration, viaClient(coalescing))
		stopProfile()
		d.print("direct CheckPermission (hot)", conc)
		g.print("gatehouse POST /v1/check (hot)", conc)
		sc.print("gatehouse Go client, service key", conc)
		cc.print("  same, coalescing", conc)
		ratio := func(name string, g result) {
			fmt.Printf("%-34s %5d %9s %9s %9s %12s\n", name, conc, "",
				fmt.Sprintf("x%.2f", g.p50.Seconds()/d.p50.Seconds()), fmt.Sprintf("x%.2f", g.p95.Seconds()/d.p95.Seconds()),
				fmt.Sprintf("x%.2f", g.rate/d.rate))
		}
		ratio("ratio gatehouse/direct (hot)", g)
		ratio("ratio Go client/direct (hot)", sc)
		ratio("ratio coalescing/direct (hot)", cc)
		if conc == 16 {
			ratioGoal("hot checks c16: coalescing Go client / direct SpiceDB", cc.rate, d.rate, 5)
			ratioGoal("hot checks c16: POST /v1/check per request / direct", g.rate, d.rate, 5)
		}
		if cache != nil {
			fmt.Printf("  decision cache: %d hits, %d misses (warm-up included)\n", cache.Hits.Load()-h0, cache.Misses.Load()-m0)
		}
		if d.errors+g.errors+sc.errors+cc.errors > 0 {
			fmt.Printf("  errors: direct %d, gatehouse %d, Go client %d, coalescing %d\n", d.errors, g.errors, sc.errors, cc.errors)
		}
	}

	// Revoke, then check at once: add a member, check twice (the second
	// from the cache), remove the member, check with default consistency.
	ws := len(ds.workspaces) - 1
	ownerTok, err := session(ctx, st.Store, ds.tenant, ds.owners[ws])
	if err != nil {
		return err
	}
	isMember := map[uuid.UUID]bool{ds.owners[ws]: true}
	for u, wss := range ds.members {
		for _, w := range wss {
			if w == ws {
				isMember[u] = true
			}
		}
	}
	wsPath := base + "/v1/workspaces/" + ds.workspaces[ws].String()
	checkBody := fmt.Sprintf(`{"resource":{"type":"workspace","id":%q},"permission":"view_resources"}`, ds.workspaces[ws])
	stale, rounds, warmed := 0, 0, 0
	for _, u := range ds.users {
		if rounds >= 50 {
			break
		}
		if isMember[u] {
			continue
		}
		tok, err := session(ctx, st.Store, ds.tenant, u)
		if err != nil {
			return err
		}
		// Users allowed without the membership (the kind scenario gave
		// the sampled users custom roles, some with workspace view grants)
		// prove nothing here.
		var before struct {
			Allowed bool `json:"allowed"`
		}
		if err := post(ctx, client, base+"/v1/check", tok, checkBody, &before); err != nil {
			return err
		}
		if before.Allowed {
			continue
		}
		var added struct {
			ID string `json:"id"`
		}
		if err := post(ctx, client, wsPath+"/members", ownerTok, fmt.Sprintf(`{"user_id":%q,"role":"member"}`, u), &added); err != nil {
			if strings.Contains(err.Error(), ": 409 ") {
				continue // the write scenario added them
			}
			return err
		}
		var h0 uint64
		if cache != nil {
			h0 = cache.Hits.Load()
		}
		for range 2 {
			var res struct {
				Allowed bool `json:"allowed"`
			}
			if err := post(ctx, client, base+"/v1/check", tok, checkBody, &res); err != nil {
				return err
			}
		}
		if cache != nil && cache.Hits.Load() > h0 {
			warmed++
		}
		req, _ := http.NewRequestWithContext(ctx, http.MethodDelete, wsPath+"/members/"+added.ID, nil)
		req.Header.Set("Authorization", "Bearer "+ownerTok)
		resp, err := client.Do(req)
		if err != nil {
			return err
		}
		removed, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode >= 300 {
			return fmt.Errorf("remove member: %d %s", resp.StatusCode, removed)
		}
		var res struct {
			Allowed bool `json:"allowed"`
		}
		if err := post(ctx, client, base+"/v1/check", tok, checkBody, &res); err != nil {
			return err
		}
		if res.Allowed {
			stale++
		}
		// And as the platform service asks, through the coalescing client.
		asked, err := coalescing.Check(ctx, ghclient.CheckRequest{Subject: &ghclient.Ref{Type: "user", ID: u.String()},
			Resource: ghclient.Ref{Type: "workspace", ID: ds.workspaces[ws].String()}, Permission: "view_resources"})
		if err != nil {
			return err
		}
		if asked.Allowed {
			stale++
		}
		rounds++
	}
	fmt.Printf("Hot checks, revoke-then-check: %d rounds (%d with the allowed answer cached before the removal), stale answers after revocation (POST /v1/check and the coalescing client): %d\n", rounds, warmed, stale)
	goal(fmt.Sprintf("stale answers after revocation (%d rounds)", rounds), "0", fmt.Sprint(stale), stale == 0 && rounds > 0)
	return nil
}

// serviceKey logs the bench's root in and creates a service credential.
func serviceKey(ctx context.Context, client *http.Client, base string) (string, error) {
	var login struct {
		Token string `json:"token"`
	}
	if err := post(ctx, client, base+"/v1/auth/login", "", fmt.Sprintf(`{"email":%q,"password":%q}`, rootEmail, rootPassword), &login); err != nil {
		return "", err
	}
	var svc struct {
		Key string `json:"key"`
	}
	err := post(ctx, client, base+"/v1/service-credentials", login.Token, `{"name":"bench"}`, &svc)
	return svc.Key, err
}

// startProfile writes a CPU profile of this process to path until stopped.
func startProfile(path string) (func(), error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, err
	}
	return func() { pprof.StopCPUProfile(); f.Close() }, nil
}
