package store

import (
	"context"
	"time"

	"github.com/google/uuid"
)

// AuditEntry is one row of the append-only audit log.
type AuditEntry struct {
	ID          int64
	TenantID    *uuid.UUID
	WorkspaceID *uuid.UUID
	Actor       string
	Action      string
	Target      string
	Outcome     string
	RequestID   string
	ClientAddr  string
	Details     map[string]any
	CreatedAt   time.Time
}

// AuditFilter selects audit entries.
type AuditFilter struct {
	TenantID    *uuid.UUID
	Tenantless  bool // only the entries of no tenant (TenantID is then nil)
	WorkspaceID *uuid.UUID
	Actor       string
	Action      string // exact, or a prefix ending in "."
	Target      string
	Since       *time.Time
	Until       *time.Time
	Before      int64 // cursor: entries with a smaller id
	Limit       int
}

// InsertAudit appends an audit entry.
func InsertAudit(ctx context.Context, q Q, e AuditEntry) error {
	details := e.Details
	if details == nil {
		details = map[string]any{}
	}
	_, err := q.Exec(ctx, `INSERT INTO audit_log (tenant_id, workspace_id, actor, action, target, outcome, request_id, client_addr, details)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
		e.TenantID, e.WorkspaceID, e.Actor, e.Action, e.Target, e.Outcome, e.RequestID, e.ClientAddr, details)
	return err
}

// ListAudit lists audit entries, newest first.
func ListAudit(ctx context.Context, q Q, f AuditFilter) ([]AuditEntry, error) {
	if f.Before <= 0 {
		f.Before = 1<<63 - 1
	}
	rows, err := q.Query(ctx, `SELECT id, tenant_id, workspace_id, actor, action, target, outcome, request_id, client_addr, details, created_at
		FROM audit_log
		WHERE ($1::uuid IS NULL OR tenant_id = $1) AND ($2::uuid IS NULL OR workspace_id = $2)
		  AND ($3 = '' OR actor = $3)
		  AND ($4 = '' OR action = $4 OR (right($4, 1) = '.' AND starts_with(action, $4)))
		  AND ($5 = '' OR target = $5)
		  AND ($6::timestamptz IS NULL OR created_at >= $6) AND ($7::timestamptz IS NULL OR created_at < $7)
		  AND id < $8 AND (NOT $10 OR tenant_id IS NULL)
		ORDER BY id DESC LIMIT $9`, f.TenantID, f.WorkspaceID, f.Actor, f.Action, f.Target, f.Since, f.Until, f.Before, f.Limit, f.Tenantless)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []AuditEntry
	for rows.Next() {
		var e AuditEntry
		if err := rows.Scan(&e.ID, &e.TenantID, &e.WorkspaceID, &e.Actor, &e.Action, &e.Target, &e.Outcome, &e.RequestID, &e.ClientAddr, &e.Details, &e.CreatedAt); err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, rows.Err()
}
