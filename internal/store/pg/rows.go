package pg

import (
	"strconv"
	"strings"

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

// Filters builds the WHERE conditions of a query whose filters are
// optional, naming only the filters that are set: each combination is its
// own statement with its own cached plan, where `($1 IS NULL OR col = $1)`
// would make PostgreSQL plan the statement anew at every execution (its
// generic plan cannot use the column's index).
type Filters struct {
	conds []string
	args  []any
}

// Eq adds `col = value` when value is set.
func (f *Filters) Eq(col string, value *uuid.UUID) {
	if value != nil {
		f.args = append(f.args, *value)
		f.conds = append(f.conds, col+" = $"+strconv.Itoa(len(f.args)))
	}
}

// Where is " AND cond AND cond ..." (empty without filters) and the
// arguments, to follow conditions that are always there.
func (f *Filters) Where() (string, []any) {
	if len(f.conds) == 0 {
		return "", nil
	}
	return " AND " + strings.Join(f.conds, " AND "), f.args
}
