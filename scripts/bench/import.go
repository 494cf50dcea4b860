package main

import (
	"context"
	"flag"
	"fmt"
	"time"

	"github.com/gatehouse/gatehouse/internal/app"
	"github.com/gatehouse/gatehouse/internal/iam/provision"
	"github.com/gatehouse/gatehouse/internal/store"
)

var (
	importUsers = flag.Int("import-users", 100000, "users in the bulk import scenario")
	importPerWS = flag.Int("import-members", 50, "members per workspace in the bulk import scenario")
	importProf  = flag.String("import-profile", "", "write a CPU profile of this process (Gatehouse) during the import")
)

// importScenario: `gatehouse import`'s use case provisioning many new
// users, each in two of 200 new groups and one new workspace, into the
// benchmark's tenant (which already holds the data set).
func importScenario(ctx context.Context, st *app.Stack, ds *dataset) error {
	tenant, err := store.GetTenant(ctx, st.Store.Pool, ds.tenant)
	if err != nil {
		return err
	}
	const groups = 200
	set := provision.Set{Groups: make([]provision.Group, groups)}
	emails := make([]string, *importUsers)
	for i := range emails {
		emails[i] = fmt.Sprintf("import-%d@bench.local", i)
		set.Users = append(set.Users, provision.User{Email: emails[i], Name: fmt.Sprintf("Imported %d", i)})
		for _, g := range []int{i % groups, (i/groups + i + 1) % groups} {
			set.Groups[g].Members = append(set.Groups[g].Members, emails[i])
		}
	}
	for g := range set.Groups {
		set.Groups[g].Name = fmt.Sprintf("import-group-%d", g)
	}
	memberships := 0
	for start := 0; start < len(emails); start += *importPerWS {
		end := min(start+*importPerWS, len(emails))
		w := provision.Workspace{Name: fmt.Sprintf("import-ws-%d", start), Owner: emails[start]}
		for _, e := range emails[start+1 : end] {
			w.Members = append(w.Members, provision.Member{Email: e})
		}
		memberships += end - start
		set.Workspaces = append(set.Workspaces, w)
	}
	for _, g := range set.Groups {
		memberships += len(g.Members)
	}
	fmt.Printf("\nImport: %d users, %d groups, %d workspaces, %d memberships in one `gatehouse import` (into a tenant holding the data set)\n",
		len(set.Users), groups, len(set.Workspaces), memberships)
	im := provision.Importer{Store: st.Store, Projector: st.Projector, Log: st.Log}
	if *importProf != "" {
		stop, err := startProfile(*importProf)
		if err != nil {
			return err
		}
		defer stop()
	}
	t0 := time.Now()
	res, err := im.Import(ctx, tenant.Name, "bench", set)
	if err != nil {
		return err
	}
	if !res.Applied {
		return fmt.Errorf("import stored but not projected: %w", res.Pending)
	}
	fmt.Printf("  stored (validate + COPY + outbox) %s, projected into SpiceDB (+ ANALYZE) %s, total %s\n",
		res.Stored.Round(time.Millisecond), res.Projected.Round(time.Millisecond), time.Since(t0).Round(time.Millisecond))
	took := time.Since(t0)
	goal(fmt.Sprintf("import of %d users with memberships", len(set.Users)), "< 1m", took.Round(100*time.Millisecond).String(), took < time.Minute)
	return nil
}
