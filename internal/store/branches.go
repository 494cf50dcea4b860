package store

import (
	"context"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
)

// Branch is a registered branch of a tenant.
type Branch struct {
	TenantID  uuid.UUID
	Name      string
	Status    string
	CreatedAt time.Time
	UpdatedAt time.Time
}

const branchCols = `tenant_id, name, status, created_at, updated_at`

func collectBranches(rows pgx.Rows, err error) ([]Branch, error) {
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (Branch, error) {
		var b Branch
		err := r.Scan(&b.TenantID, &b.Name, &b.Status, &b.CreatedAt, &b.UpdatedAt)
		return b, err
	})
}

// InsertBranch registers an open branch; a duplicate is ErrConflict.
func InsertBranch(ctx context.Context, q Q, tenantID uuid.UUID, name string) (Branch, error) {
	rows, err := q.Query(ctx, `INSERT INTO branches (tenant_id, name) VALUES ($1, $2) RETURNING `+branchCols, tenantID, name)
	bs, err := collectBranches(rows, err)
	if err != nil {
		return Branch{}, classify(err)
	}
	return bs[0], nil
}

// SetBranchStatus changes a branch's status; an unknown branch is ErrNotFound.
func SetBranchStatus(ctx context.Context, q Q, tenantID uuid.UUID, name, status string) (Branch, error) {
	rows, err := q.Query(ctx, `UPDATE branches SET status = $3, updated_at = now() WHERE tenant_id = $1 AND name = $2 RETURNING `+branchCols, tenantID, name, status)
	bs, err := collectBranches(rows, err)
	if err != nil {
		return Branch{}, classify(err)
	}
	if len(bs) == 0 {
		return Branch{}, ErrNotFound
	}
	return bs[0], nil
}

// DeleteBranch removes a registration; an unknown branch is ErrNotFound.
func DeleteBranch(ctx context.Context, q Q, tenantID uuid.UUID, name string) error {
	tag, err := q.Exec(ctx, `DELETE FROM branches WHERE tenant_id = $1 AND name = $2`, tenantID, name)
	if err != nil {
		return classify(err)
	}
	if tag.RowsAffected() == 0 {
		return ErrNotFound
	}
	return nil
}

// Branches lists registered branches by name: of one tenant (or all, nil),
// one name (or all, ""), after a name (paging), at most limit (0: all).
func Branches(ctx context.Context, q Q, tenantID *uuid.UUID, name, after string, limit int) ([]Branch, error) {
	return collectBranches(q.Query(ctx, `SELECT `+branchCols+` FROM branches
		WHERE ($1::uuid IS NULL OR tenant_id = $1) AND ($2 = '' OR name = $2) AND name > $3
		ORDER BY tenant_id, name LIMIT nullif($4, 0)`, tenantID, name, after, limit))
}
