package iam

import (
	"context"
	"time"

	"github.com/google/uuid"

	"github.com/gatehouse/gatehouse/internal/store"
)

// AuditQuery is GET /v1/audit-logs.
type AuditQuery struct {
	TenantID, WorkspaceID, Actor, Action, Target, Since, Until string
	Page
}

// TenantlessAudit is the tenant_id filter that selects the entries of no
// tenant (e.g. failed logins for emails that name no single account).
const TenantlessAudit = "none"

// ListAuditLogs lists audit entries: a tenant's for holders of
// view_audit_logs, one workspace's for its owners and admins, and the
// entries of no tenant (tenant_id=none) for platform superadmins only.
func (s *Service) ListAuditLogs(ctx context.Context, p *Principal, meta RequestMeta, q AuditQuery) (List[store.AuditEntry], error) {
	var f store.AuditFilter
	empty := List[store.AuditEntry]{}
	tenant := p.TenantID
	if q.TenantID == TenantlessAudit {
		if q.WorkspaceID != "" {
			return empty, Invalid("workspace", "entries of no tenant belong to no workspace")
		}
		super, err := s.may(ctx, p, meta, "audit.list_all_tenants", p.TenantID, uuid.Nil)
		if err != nil {
			return empty, err
		}
		if !super {
			return empty, Forbidden("only a superadmin reads the audit entries of no tenant")
		}
		f.Tenantless = true
	} else if q.TenantID != "" {
		t, err := parseID("tenant_id", q.TenantID)
		if err != nil {
			return empty, err
		}
		tenant = t
	}
	if !f.Tenantless {
		f.TenantID = &tenant
	}
	for _, v := range []struct{ name, val string }{{"actor", q.Actor}, {"action", q.Action}, {"target", q.Target}} {
		if len(v.val) > 300 {
			return empty, Invalid(v.name, "must be at most 300 characters")
		}
	}
	f.Actor, f.Action, f.Target = q.Actor, q.Action, q.Target
	for _, t := range []struct {
		name, val string
		dst       **time.Time
	}{{"since", q.Since, &f.Since}, {"until", q.Until, &f.Until}} {
		if t.val == "" {
			continue
		}
		v, err := time.Parse(time.RFC3339, t.val)
		if err != nil {
			return empty, Invalid(t.name, "must be an RFC 3339 time (e.g. 2026-01-02T15:04:05Z)")
		}
		*t.dst = &v
	}
	if q.WorkspaceID != "" {
		wid, err := parseID("workspace_id", q.WorkspaceID)
		if err != nil {
			return empty, err
		}
		f.WorkspaceID = &wid
	}
	// Tenant-wide readers see everything of the tenant; workspace owners and
	// admins see their workspace.
	// (The entries of no tenant were checked above: superadmins only.)
	if !f.Tenantless {
		if err := s.requireTenant(ctx, p, meta, "audit.list", tenant); err != nil {
			if f.WorkspaceID == nil || KindOf(err) != KindForbidden {
				return empty, err
			}
			w, werr := s.visibleWorkspace(ctx, p, meta, f.WorkspaceID.String())
			if werr != nil {
				return empty, werr
			}
			if err := s.authorize(ctx, p, meta, "audit.list_workspace", w.TenantID, w.ID); err != nil {
				return empty, err
			}
			f.TenantID = &w.TenantID
		}
	}
	before, err := q.beforeSeq()
	if err != nil {
		return empty, err
	}
	f.Before, f.Limit = before, q.limit()+1
	entries, err := store.ListAudit(ctx, s.Store.Pool, f)
	return pageOf(entries, q.limit(), func(e store.AuditEntry) string { return seqCursor(e.ID) }), err
}
