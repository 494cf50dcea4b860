package store

import (
	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
)

func collectIDs(rows pgx.Rows, err error) ([]uuid.UUID, error) {
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, pgx.RowTo[uuid.UUID])
}

func collectOwned(rows pgx.Rows, err error) ([]OwnedFact, error) {
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (OwnedFact, error) {
		var f OwnedFact
		err := r.Scan(&f.ID, &f.TenantID)
		return f, err
	})
}

// OwnedFact is an object and the tenant it belongs to.
type OwnedFact struct{ ID, TenantID uuid.UUID }

func collectStrings(rows pgx.Rows, err error) ([]string, error) {
	if err != nil {
		return nil, err
	}
	out, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if out == nil {
		out = []string{}
	}
	return out, err
}

func collectLinks(rows pgx.Rows, err error) ([]Link, error) {
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (Link, error) {
		var l Link
		err := r.Scan(&l.From, &l.To)
		return l, err
	})
}

// Link is an edge between two objects (From holds To).
type Link struct{ From, To uuid.UUID }
