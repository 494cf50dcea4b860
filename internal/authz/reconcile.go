package authz

import (
	"context"
	"fmt"
	"slices"
	"sort"

	v1 "github.com/authzed/authzed-go/proto/authzed/api/v1"
	"github.com/google/uuid"

	"github.com/gatehouse/gatehouse/internal/authz/projection"
	"github.com/gatehouse/gatehouse/internal/store"
)

// Drift is the difference between the projection of PostgreSQL and what
// SpiceDB holds.
type Drift struct {
	Missing []Rel // projected from PostgreSQL, absent in SpiceDB
	Extra   []Rel // in SpiceDB, not in the projection
}

// Empty reports no drift.
func (d Drift) Empty() bool { return len(d.Missing) == 0 && len(d.Extra) == 0 }

// Reconcile compares the whole projection with SpiceDB. With repair, it
// fixes the drift through the outbox, so repairs are serialised with live
// writes exactly like any other change, then reports the drift it found.
func (p *Projector) Reconcile(ctx context.Context, repair bool) (Drift, error) {
	return p.ReconcileTypes(ctx, repair, ProjectedTypes)
}

// ReconcileTypes is Reconcile over some resource types only (an upgrade
// fills the relations its schema adds; see TransitionSchema).
func (p *Projector) ReconcileTypes(ctx context.Context, repair bool, types []string) (Drift, error) {
	ctx = LongCall(ctx)
	var drift Drift
	tenantOf := map[Object]uuid.UUID{}
	for _, typ := range types {
		if !slices.Contains(ProjectedTypes, typ) {
			continue // not projected: nothing to fill
		}
		want, err := DesiredAll(ctx, p.Store.Pool, typ)
		if err != nil {
			return drift, err
		}
		have, err := readRels(ctx, p.SpiceDB, &v1.RelationshipFilter{ResourceType: typ})
		if err != nil {
			return drift, err
		}
		wantKeys := keySet(want)
		haveKeys := keySet(have)
		for _, r := range want {
			if !haveKeys[r.Key()] {
				drift.Missing = append(drift.Missing, r)
			}
		}
		for _, r := range have {
			if !wantKeys[r.Key()] {
				drift.Extra = append(drift.Extra, r)
			}
		}
		for _, r := range append(want, have...) {
			if r.Relation == "tenant" && r.Subject.Type == "tenant" {
				if id, err := uuid.Parse(r.Subject.ID); err == nil {
					tenantOf[r.Resource] = id
				}
			}
		}
	}
	sortRels(drift.Missing)
	sortRels(drift.Extra)
	if !repair || drift.Empty() {
		return drift, nil
	}
	byTenant := map[uuid.UUID][]Unit{}
	for _, r := range append(append([]Rel{}, drift.Missing...), drift.Extra...) {
		unit, tenant := Whole(r.Resource), tenantOf[r.Resource]
		switch r.Resource.Type {
		case "tenant":
			tenant, _ = uuid.Parse(r.Resource.ID)
		case "kind":
			if t, _, _, ok := projection.SplitKindID(r.Resource.ID); ok {
				tenant, _ = uuid.Parse(t)
			}
		case "branch":
			if t, _, ok := projection.SplitBranchID(r.Resource.ID); ok {
				tenant, _ = uuid.Parse(t)
			}
		case "platform":
			unit = Pair(r.Resource, r.Subject)
			if id, err := uuid.Parse(r.Subject.ID); err == nil {
				if u, err := store.GetUser(ctx, p.Store.Pool, id); err == nil {
					tenant = u.TenantID
				}
			}
		}
		byTenant[tenant] = append(byTenant[tenant], unit)
	}
	for tenant, units := range byTenant {
		raw, err := EncodeUnits(units)
		if err != nil {
			return drift, err
		}
		id, err := store.InsertOutbox(ctx, p.Store.Pool, tenant, raw, nil)
		if err != nil {
			return drift, err
		}
		if _, err := p.Apply(maybeWritten(ctx), id); err != nil {
			return drift, fmt.Errorf("repair: %w", err)
		}
	}
	return drift, nil
}

func keySet(rels []Rel) map[string]bool {
	m := make(map[string]bool, len(rels))
	for _, r := range rels {
		m[r.Key()] = true
	}
	return m
}

func sortRels(rels []Rel) {
	sort.Slice(rels, func(i, j int) bool { return rels[i].Key() < rels[j].Key() })
}
