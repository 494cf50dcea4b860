package authz

import (
	"context"
	"fmt"

	v1 "github.com/authzed/authzed-go/proto/authzed/api/v1"
	authzed "github.com/authzed/authzed-go/v1"
)

// ImportAll writes the whole projection into an empty SpiceDB with the
// bulk import API: the initial load of an existing PostgreSQL (and the
// benchmark's), and returns a token at least as fresh as it. On a SpiceDB that already holds relationships, use
// Reconcile instead.
func (p *Projector) ImportAll(ctx context.Context) (int, string, error) {
	ctx = LongCall(ctx)
	total := 0
	for _, typ := range ProjectedTypes {
		want, err := DesiredAll(ctx, p.Store.Pool, typ)
		if err != nil {
			return total, "", err
		}
		have, err := readRels(ctx, p.SpiceDB, &v1.RelationshipFilter{ResourceType: typ})
		if err != nil {
			return total, "", err
		}
		haveKeys := keySet(have)
		var rels []Rel
		for _, r := range want {
			if !haveKeys[r.Key()] {
				rels = append(rels, r)
			}
		}
		if err := importRels(ctx, p.SpiceDB, rels); err != nil {
			return total, "", fmt.Errorf("import %s: %w", typ, err)
		}
		total += len(rels)
	}
	// Freshly loaded tables have no statistics until ANALYZE: at a million
	// relationships a check took 106 ms before and 2.2 ms after one.
	if p.Analyze != nil {
		if err := p.Analyze(ctx); err != nil {
			return total, "", fmt.Errorf("import: analyze: %w", err)
		}
	}
	token, err := headToken(ctx, p.SpiceDB)
	return total, token, err
}

// importRels creates relationships with the bulk import API, 5,000 per
// stream (one SpiceDB transaction each), importStreams streams at once so
// that SpiceDB and its PostgreSQL load on every core; none may exist yet.
func importRels(ctx context.Context, c *authzed.Client, rels []Rel) error {
	const batch = 5000
	n := (len(rels) + batch - 1) / batch
	return parallel(ctx, n, importStreams, func(ctx context.Context, i int) error {
		start := i * batch
		end := min(start+batch, len(rels))
		stream, err := c.ImportBulkRelationships(ctx)
		if err != nil {
			return wrap("import", err)
		}
		req := &v1.ImportBulkRelationshipsRequest{Relationships: make([]*v1.Relationship, 0, end-start)}
		for _, r := range rels[start:end] {
			req.Relationships = append(req.Relationships, relProto(r))
		}
		if err := stream.Send(req); err != nil {
			return wrap("import", err)
		}
		resp, err := stream.CloseAndRecv()
		if err != nil {
			return wrap("import", err)
		}
		if int(resp.NumLoaded) != end-start {
			return fmt.Errorf("loaded %d of %d", resp.NumLoaded, end-start)
		}
		return nil
	})
}

// importStreams is how many bulk import streams run at once.
const importStreams = 4
