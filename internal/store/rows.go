package store

import (
	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
)

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
