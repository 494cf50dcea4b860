package pg

import (
	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
)

// CollectIDs reads the one uuid column of the rows a query returned (rows
// and err are the query's results).
func CollectIDs(rows pgx.Rows, err error) ([]uuid.UUID, error) {
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, pgx.RowTo[uuid.UUID])
}

// CollectStrings reads the one text column of the rows a query returned;
// none is an empty slice, never nil.
func CollectStrings(rows pgx.Rows, err error) ([]string, error) {
	if err != nil {
		return nil, err
	}
	out, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if out == nil {
		out = []string{}
	}
	return out, err
}
