package store

import (
	"context"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
)

// KindFact is a registered kind.
type KindFact struct {
	TenantID        uuid.UUID
	Namespace, Name string
	Builtin         bool
	// GuardedBy is the global action guarding the kind ("" when none);
	// Generic kinds may be inherited from; InheritsFrom names generics
	// ("Namespace:Name") of the same tenant.
	GuardedBy    string
	Generic      bool
	InheritsFrom []string
}

// Kinds lists registered kinds.
func Kinds(ctx context.Context, q Q, tenantID *uuid.UUID, namespace, name string) ([]KindFact, error) {
	rows, err := q.Query(ctx, `SELECT tenant_id, namespace, name, builtin, coalesce(guarded_by, ''), generic, inherits_from FROM kinds
		WHERE ($1::uuid IS NULL OR tenant_id = $1) AND ($2 = '' OR namespace = $2) AND ($3 = '' OR name = $3)
		ORDER BY tenant_id, namespace, name`, tenantID, namespace, name)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (KindFact, error) {
		var f KindFact
		err := r.Scan(&f.TenantID, &f.Namespace, &f.Name, &f.Builtin, &f.GuardedBy, &f.Generic, &f.InheritsFrom)
		return f, err
	})
}

// InsertKind registers a kind; a duplicate is ErrConflict.
func InsertKind(ctx context.Context, q Q, k KindFact) error {
	var guard any
	if k.GuardedBy != "" {
		guard = k.GuardedBy
	}
	if k.InheritsFrom == nil {
		k.InheritsFrom = []string{}
	}
	_, err := q.Exec(ctx, `INSERT INTO kinds (tenant_id, namespace, name, guarded_by, generic, inherits_from) VALUES ($1, $2, $3, $4, $5, $6)`,
		k.TenantID, k.Namespace, k.Name, guard, k.Generic, k.InheritsFrom)
	return classify(err)
}

// LockKinds locks the named kinds of a tenant ("Namespace:Name") and
// returns those that exist, so that a kind inheriting from them is checked
// against what is stored when it commits.
func LockKinds(ctx context.Context, q Q, tenantID uuid.UUID, ids []string) ([]KindFact, error) {
	rows, err := q.Query(ctx, `SELECT tenant_id, namespace, name, builtin, coalesce(guarded_by, ''), generic, inherits_from FROM kinds
		WHERE tenant_id = $1 AND namespace || ':' || name = ANY($2) ORDER BY namespace, name FOR SHARE`, tenantID, ids)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (KindFact, error) {
		var f KindFact
		err := r.Scan(&f.TenantID, &f.Namespace, &f.Name, &f.Builtin, &f.GuardedBy, &f.Generic, &f.InheritsFrom)
		return f, err
	})
}
