package store

import (
	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
)

// CollectOwned reads the (id, tenant_id) rows a query returned (rows and
// err are the query's results).
func CollectOwned(rows pgx.Rows, err error) ([]OwnedFact, error) {
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
