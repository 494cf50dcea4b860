package identity

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/gatehouse/gatehouse/internal/auth"
	"github.com/gatehouse/gatehouse/internal/authz"
	"github.com/gatehouse/gatehouse/internal/iam/core"
	"github.com/gatehouse/gatehouse/internal/perm"
	"github.com/gatehouse/gatehouse/internal/store"
)

// TenantInput is POST /v1/tenants.
type TenantInput struct {
	Name  string
	Admin struct {
		Email string
		Name  string
	}
}

// TenantCreated is a new tenant with its first admin's invitation.
type TenantCreated struct {
	store.Tenant
	Admin struct {
		ID              uuid.UUID
		Email           string
		InvitationToken string
		InvitationURL   string
	}
	core.WriteResult
}

// CreateTenant creates a tenant with its first admin (invited). Superadmins only.
func (s *Service) CreateTenant(ctx context.Context, p *core.Principal, meta core.RequestMeta, in TenantInput) (TenantCreated, error) {
	var out TenantCreated
	if err := core.ValidName("name", in.Name, 200); err != nil {
		return out, err
	}
	in.Admin.Email = strings.TrimSpace(in.Admin.Email)
	if err := core.ValidEmail(in.Admin.Email); err != nil {
		return out, core.Invalid("admin.email", "%v", err)
	}
	if in.Admin.Name == "" {
		in.Admin.Name = in.Admin.Email
	}
	if err := core.ValidName("admin.name", in.Admin.Name, 200); err != nil {
		return out, err
	}
	token := auth.NewToken(auth.InvitationPrefix)
	// Tenants are the platform's: a super_admin held through a custom role
	// is its own tenant's only.
	wr, err := s.AuthorizedWrite(ctx, p, meta, "tenant.create", func() error {
		return s.Authorize(ctx, p, meta, "tenant.create", p.TenantID, uuid.Nil)
	}, func(tx pgx.Tx) (core.Change, error) {
		t := store.Tenant{ID: uuid.Must(uuid.NewV7()), Name: in.Name, CreatedAt: s.Now().UTC()}
		// Tenant names are not unique (a rename must not tell a tenant
		// that another one has the name); tenants are told apart by id.
		if err := insertTenant(ctx, tx, t); err != nil {
			return core.Change{}, err
		}
		admin := store.User{ID: uuid.Must(uuid.NewV7()), TenantID: t.ID, Email: in.Admin.Email, Name: in.Admin.Name, GlobalRole: string(perm.RoleAdmin), Status: store.StatusInvited}
		if err := store.InsertUser(ctx, tx, admin); err != nil {
			if errors.Is(err, store.ErrConflict) {
				return core.Change{}, core.Conflict("email_taken", "a user with this email already exists in this tenant")
			}
			return core.Change{}, err
		}
		inv := store.Invitation{ID: uuid.Must(uuid.NewV7()), TenantID: t.ID, UserID: admin.ID, ExpiresAt: s.Now().UTC().Add(s.Config.InvitationTTL).Truncate(time.Second)}
		if err := store.InsertInvitation(ctx, tx, inv, auth.HashToken(token), &p.ID); err != nil {
			return core.Change{}, err
		}
		out.Tenant = t
		out.Admin.ID, out.Admin.Email, out.Admin.InvitationToken = admin.ID, admin.Email, token
		out.Admin.InvitationURL = s.invitationURL(token)
		return core.Change{TenantID: t.ID, Target: "tenant:" + t.ID.String(), Facts: []authz.Fact{authz.TenantCreated{Tenant: t.ID}, authz.UserChanged{User: admin.ID}}}, nil
	})
	out.WriteResult = wr
	return out, err
}

// ListTenants lists every tenant to the platform's superadmins and one's
// own to others (a custom-role super_admin included).
func (s *Service) ListTenants(ctx context.Context, p *core.Principal, meta core.RequestMeta, page core.Page) (core.List[store.Tenant], error) {
	super, err := s.May(ctx, p, meta, "platform.span_tenants", p.TenantID, uuid.Nil)
	if err != nil {
		return core.List[store.Tenant]{}, err
	}
	var only *uuid.UUID
	if !super {
		if err := s.Authorize(ctx, p, meta, "tenant.list", p.TenantID, p.TenantID); err != nil {
			return core.List[store.Tenant]{}, err
		}
		only = &p.TenantID
	}
	after, err := page.AfterID()
	if err != nil {
		return core.List[store.Tenant]{}, err
	}
	ts, err := store.ListTenants(ctx, s.Store.Pool, only, after, page.Size()+1)
	return core.PageOf(ts, page.Size(), func(t store.Tenant) string { return core.IDCursor(t.ID) }), err
}

// GetTenant returns a tenant the caller may view.
func (s *Service) GetTenant(ctx context.Context, p *core.Principal, meta core.RequestMeta, id string) (store.Tenant, error) {
	tid, err := uuid.Parse(id)
	if err != nil || len(id) != 36 {
		return store.Tenant{}, core.NotFound("tenant")
	}
	if err := s.requireTenant(ctx, p, meta, "tenant.get", tid); err != nil {
		return store.Tenant{}, err
	}
	return store.GetTenant(ctx, s.Store.Pool, tid)
}

// TenantPatch is PATCH /v1/tenants/{id}.
type TenantPatch struct {
	Name *string
}

// UpdateTenant changes tenant settings (manage_tenant).
func (s *Service) UpdateTenant(ctx context.Context, p *core.Principal, meta core.RequestMeta, id string, in TenantPatch) (store.Tenant, core.WriteResult, error) {
	tid, err := uuid.Parse(id)
	if err != nil || len(id) != 36 {
		return store.Tenant{}, core.WriteResult{}, core.NotFound("tenant")
	}
	if in.Name != nil {
		if err := core.ValidName("name", *in.Name, 200); err != nil {
			return store.Tenant{}, core.WriteResult{}, err
		}
	}
	var t store.Tenant
	wr, err := s.AuthorizedWrite(ctx, p, meta, "tenant.update", func() error { return s.requireTenant(ctx, p, meta, "tenant.update", tid) }, func(tx pgx.Tx) (core.Change, error) {
		if in.Name != nil {
			if err := store.RenameTenant(ctx, tx, tid, *in.Name); err != nil {
				return core.Change{}, err
			}
		}
		var err error
		t, err = store.GetTenant(ctx, tx, tid)
		return core.Change{TenantID: tid, Target: "tenant:" + tid.String()}, err
	})
	return t, wr, err
}
