package iam

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/gatehouse/gatehouse/internal/auth"
	"github.com/gatehouse/gatehouse/internal/authz"
	"github.com/gatehouse/gatehouse/internal/perm"
	"github.com/gatehouse/gatehouse/internal/store"
)

// TenantInput is POST /v1/tenants.
type TenantInput struct {
	Name  string `json:"name"`
	Admin struct {
		Email string `json:"email"`
		Name  string `json:"name"`
	} `json:"admin"`
}

// TenantCreated is a new tenant with its first admin's invitation.
type TenantCreated struct {
	store.Tenant
	Admin struct {
		ID              uuid.UUID `json:"id"`
		Email           string    `json:"email"`
		InvitationToken string    `json:"invitation_token"`
		InvitationURL   string    `json:"invitation_url"`
	} `json:"admin"`
	WriteResult
}

// CreateTenant creates a tenant with its first admin (invited). Superadmins only.
func (s *Service) CreateTenant(ctx context.Context, p *Principal, meta RequestMeta, in TenantInput) (TenantCreated, error) {
	var out TenantCreated
	if err := validName("name", in.Name, 200); err != nil {
		return out, err
	}
	in.Admin.Email = strings.TrimSpace(in.Admin.Email)
	if err := validEmail(in.Admin.Email); err != nil {
		return out, Invalid("admin.email", "%v", err)
	}
	if in.Admin.Name == "" {
		in.Admin.Name = in.Admin.Email
	}
	if err := validName("admin.name", in.Admin.Name, 200); err != nil {
		return out, err
	}
	token := auth.NewToken(auth.InvitationPrefix)
	// Tenants are the platform's: a super_admin held through a custom role
	// is its own tenant's only.
	wr, err := s.authorizedWrite(ctx, p, meta, "tenant.create", func() error {
		return s.authorize(ctx, p, meta, "tenant.create", p.TenantID, uuid.Nil)
	}, func(tx pgx.Tx) (change, error) {
		t := store.Tenant{ID: uuid.Must(uuid.NewV7()), Name: in.Name, CreatedAt: s.now().UTC()}
		// Tenant names are not unique (a rename must not tell a tenant
		// that another one has the name); tenants are told apart by id.
		if err := insertTenant(ctx, tx, t); err != nil {
			return change{}, err
		}
		admin := store.User{ID: uuid.Must(uuid.NewV7()), TenantID: t.ID, Email: in.Admin.Email, Name: in.Admin.Name, GlobalRole: string(perm.RoleAdmin), Status: store.StatusInvited}
		if err := store.InsertUser(ctx, tx, admin); err != nil {
			if errors.Is(err, store.ErrConflict) {
				return change{}, Conflict("email_taken", "a user with this email already exists in this tenant")
			}
			return change{}, err
		}
		inv := store.Invitation{ID: uuid.Must(uuid.NewV7()), TenantID: t.ID, UserID: admin.ID, ExpiresAt: s.now().UTC().Add(s.Config.InvitationTTL).Truncate(time.Second)}
		if err := store.InsertInvitation(ctx, tx, inv, auth.HashToken(token), &p.ID); err != nil {
			return change{}, err
		}
		out.Tenant = t
		out.Admin.ID, out.Admin.Email, out.Admin.InvitationToken = admin.ID, admin.Email, token
		out.Admin.InvitationURL = s.invitationURL(token)
		return change{TenantID: t.ID, Target: "tenant:" + t.ID.String(), Facts: []authz.Fact{authz.TenantCreated{Tenant: t.ID}, authz.UserChanged{User: admin.ID}}}, nil
	})
	out.WriteResult = wr
	return out, err
}

// ListTenants lists every tenant to the platform's superadmins and one's
// own to others (a custom-role super_admin included).
func (s *Service) ListTenants(ctx context.Context, p *Principal, meta RequestMeta, page Page) (List[store.Tenant], error) {
	super, err := s.may(ctx, p, meta, "platform.span_tenants", p.TenantID, uuid.Nil)
	if err != nil {
		return List[store.Tenant]{}, err
	}
	var only *uuid.UUID
	if !super {
		if err := s.authorize(ctx, p, meta, "tenant.list", p.TenantID, p.TenantID); err != nil {
			return List[store.Tenant]{}, err
		}
		only = &p.TenantID
	}
	after, err := page.afterID()
	if err != nil {
		return List[store.Tenant]{}, err
	}
	ts, err := store.ListTenants(ctx, s.Store.Pool, only, after, page.limit()+1)
	return pageOf(ts, page.limit(), func(t store.Tenant) string { return idCursor(t.ID) }), err
}

// GetTenant returns a tenant the caller may view.
func (s *Service) GetTenant(ctx context.Context, p *Principal, meta RequestMeta, id string) (store.Tenant, error) {
	tid, err := uuid.Parse(id)
	if err != nil || len(id) != 36 {
		return store.Tenant{}, NotFound("tenant")
	}
	if err := s.requireTenant(ctx, p, meta, "tenant.get", tid); err != nil {
		return store.Tenant{}, err
	}
	return store.GetTenant(ctx, s.Store.Pool, tid)
}

// TenantPatch is PATCH /v1/tenants/{id}.
type TenantPatch struct {
	Name *string `json:"name,omitempty"`
}

// UpdateTenant changes tenant settings (manage_tenant).
func (s *Service) UpdateTenant(ctx context.Context, p *Principal, meta RequestMeta, id string, in TenantPatch) (store.Tenant, WriteResult, error) {
	tid, err := uuid.Parse(id)
	if err != nil || len(id) != 36 {
		return store.Tenant{}, WriteResult{}, NotFound("tenant")
	}
	if in.Name != nil {
		if err := validName("name", *in.Name, 200); err != nil {
			return store.Tenant{}, WriteResult{}, err
		}
	}
	var t store.Tenant
	wr, err := s.authorizedWrite(ctx, p, meta, "tenant.update", func() error { return s.requireTenant(ctx, p, meta, "tenant.update", tid) }, func(tx pgx.Tx) (change, error) {
		if in.Name != nil {
			if err := store.RenameTenant(ctx, tx, tid, *in.Name); err != nil {
				return change{}, err
			}
		}
		var err error
		t, err = store.GetTenant(ctx, tx, tid)
		return change{TenantID: tid, Target: "tenant:" + tid.String()}, err
	})
	return t, wr, err
}
