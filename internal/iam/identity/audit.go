package identity

import (
	"context"
	"time"

	"github.com/google/uuid"

	"github.com/gatehouse/gatehouse/internal/iam/core"
	"github.com/gatehouse/gatehouse/internal/store"
)

// AuditQuery is GET /v1/audit-logs.
type AuditQuery struct {
	TenantID, WorkspaceID, Actor, Action, Target, Since, Until string
	core.Page
}

// TenantlessAudit is the tenant_id filter that selects the entries of no
// tenant (e.g. failed logins for emails that name no single account).
const TenantlessAudit = "none"

// ListAuditLogs lists audit entries: a tenant's for holders of
// view_audit_logs, one workspace's for its owners and admins, and the
// entries of no tenant (tenant_id=none) for platform superadmins only.
func (s *Service) ListAuditLogs(ctx context.Context, p *core.Principal, meta core.RequestMeta, q AuditQuery) (core.List[store.AuditEntry], error) {
	var f store.AuditFilter
	empty := core.List[store.AuditEntry]{}
	tenant := p.TenantID
	if q.TenantID == TenantlessAudit {
		if q.WorkspaceID != "" {
			return empty, core.Invalid("workspace", "entries of no tenant belong to no workspace")
		}
		super, err := s.May(ctx, p, meta, "audit.list_all_tenants", p.TenantID, uuid.Nil)
		if err != nil {
			return empty, err
		}
		if !super {
			return empty, core.Forbidden("only a superadmin reads the audit entries of no tenant")
		}
		f.Tenantless = true
	} else if q.TenantID != "" {
		t, err := core.ParseID("tenant_id", q.TenantID)
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
			return empty, core.Invalid(v.name, "must be at most 300 characters")
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
			return empty, core.Invalid(t.name, "must be an RFC 3339 time (e.g. 2026-01-02T15:04:05Z)")
		}
		*t.dst = &v
	}
	if q.WorkspaceID != "" {
		wid, err := core.ParseID("workspace_id", q.WorkspaceID)
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
			if f.WorkspaceID == nil || core.KindOf(err) != core.KindForbidden {
				return empty, err
			}
			w, werr := s.workspaces.VisibleWorkspace(ctx, p, meta, f.WorkspaceID.String())
			if werr != nil {
				return empty, werr
			}
			if err := s.Authorize(ctx, p, meta, "audit.list_workspace", w.TenantID, w.ID); err != nil {
				return empty, err
			}
			f.TenantID = &w.TenantID
		}
	}
	before, err := q.BeforeSeq()
	if err != nil {
		return empty, err
	}
	f.Before, f.Limit = before, q.Size()+1
	entries, err := store.ListAudit(ctx, s.Store.Pool, f)
	return core.PageOf(entries, q.Size(), func(e store.AuditEntry) string { return core.SeqCursor(e.ID) }), err
}
