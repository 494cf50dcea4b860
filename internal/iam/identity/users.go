package identity

import (
	"context"
	"errors"
	"net/url"
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

// InviteInput is POST /v1/users.
type InviteInput struct {
	Email      string
	Name       string
	GlobalRole string
	// TenantID lets a superadmin invite into another tenant.
	TenantID string
}

// Invited is an invited user with the one-time invitation token.
type Invited struct {
	store.User
	InvitationToken string
	InvitationURL   string
	ExpiresAt       time.Time
	core.WriteResult
}

// InviteUser creates an invited user (no password, no relationships) and a
// single-use invitation token.
func (s *Service) InviteUser(ctx context.Context, p *core.Principal, meta core.RequestMeta, in InviteInput) (Invited, error) {
	in.Email = strings.TrimSpace(in.Email)
	if err := core.ValidEmail(in.Email); err != nil {
		return Invited{}, core.Invalid("email", "%v", err)
	}
	if err := core.ValidName("name", in.Name, 200); err != nil {
		return Invited{}, err
	}
	role := perm.Role(in.GlobalRole)
	if in.GlobalRole == "" {
		role = perm.RoleMember
	}
	if !role.Valid() {
		return Invited{}, core.Invalid("global_role", "unknown role %q (want superadmin, admin or member)", core.Truncate(in.GlobalRole))
	}
	tenantID := p.TenantID
	if in.TenantID != "" {
		id, err := core.ParseID("tenant_id", in.TenantID)
		if err != nil {
			return Invited{}, err
		}
		tenantID = id
	}
	token := auth.NewToken(auth.InvitationPrefix)
	out := Invited{InvitationToken: token}
	authorize := func() error {
		if err := s.requireTenant(ctx, p, meta, "user.invite", tenantID); err != nil {
			return err
		}
		return s.requireGrantable(ctx, p, meta, tenantID, role)
	}
	wr, err := s.AuthorizedWrite(ctx, p, meta, "user.invite", authorize, func(tx pgx.Tx) (core.Change, error) {
		u := store.User{ID: uuid.Must(uuid.NewV7()), TenantID: tenantID, Email: in.Email, Name: in.Name, GlobalRole: string(role), Status: store.StatusInvited}
		if err := store.InsertUser(ctx, tx, u); err != nil {
			if errors.Is(err, store.ErrConflict) {
				return core.Change{}, core.Conflict("email_taken", "a user with this email already exists in this tenant")
			}
			return core.Change{}, err
		}
		now := s.Now().UTC()
		inv := store.Invitation{ID: uuid.Must(uuid.NewV7()), TenantID: tenantID, UserID: u.ID, ExpiresAt: now.Add(s.Config.InvitationTTL).Truncate(time.Second)}
		if err := store.InsertInvitation(ctx, tx, inv, auth.HashToken(token), &p.ID); err != nil {
			return core.Change{}, err
		}
		u.CreatedAt, u.UpdatedAt = now, now
		out.User, out.ExpiresAt = u, inv.ExpiresAt
		return core.Change{TenantID: tenantID, Target: "user:" + u.ID.String(), Facts: []authz.Fact{authz.UserChanged{User: u.ID}}, Details: map[string]any{"global_role": role}}, nil
	})
	if err != nil {
		return Invited{}, err
	}
	out.WriteResult = wr
	out.InvitationURL = s.invitationURL(token)
	return out, nil
}

// requireTenant authorizes use case, a rule on a tenant; another tenant's objects are
// not visible (404) to a caller without super_admin there.
func (s *Service) requireTenant(ctx context.Context, p *core.Principal, meta core.RequestMeta, useCase string, tenantID uuid.UUID) error {
	if tenantID != p.TenantID {
		ok, err := s.Reaches(ctx, p, meta, tenantID)
		if err != nil {
			return err
		}
		if !ok {
			return core.NotFound("tenant")
		}
		if _, err := store.GetTenant(ctx, s.Store.Pool, tenantID); err != nil {
			return core.Missing(err, "tenant")
		}
	}
	return s.Authorize(ctx, p, meta, useCase, tenantID, tenantID)
}

// requireGrantable: nobody grants a global permission they do not hold, so
// nobody raises anyone above their own role; only a platform superadmin
// grants superadmin (it spans tenants). One SpiceDB call.
func (s *Service) requireGrantable(ctx context.Context, p *core.Principal, meta core.RequestMeta, tenantID uuid.UUID, role perm.Role) error {
	items := core.GrantItems(p, tenantID, role)
	ok, err := s.AllowedAll(ctx, p, tenantID, meta, items)
	if err != nil {
		return err
	}
	for i, allowed := range ok {
		if allowed {
			continue
		}
		if role == perm.RoleSuperadmin {
			return core.Forbidden("only a superadmin grants superadmin")
		}
		return core.Forbidden("cannot grant a role above your own: %s carries global:%s, which you do not hold", role, items[i].Permission)
	}
	return nil
}

// AcceptInput is POST /v1/invitations/accept.
type AcceptInput struct {
	Token    string
	Password string
	Name     string
}

// AcceptInvitation sets the password of an invited user and activates them.
func (s *Service) AcceptInvitation(ctx context.Context, meta core.RequestMeta, in AcceptInput) (store.User, core.WriteResult, error) {
	if in.Token == "" || len(in.Token) > 200 {
		return store.User{}, core.WriteResult{}, core.Invalid("token", "missing or malformed invitation token")
	}
	if err := s.Config.PasswordPolicy.Check(in.Password); err != nil {
		return store.User{}, core.WriteResult{}, core.Invalid("password", "%v", err)
	}
	if in.Name != "" {
		if err := core.ValidName("name", in.Name, 200); err != nil {
			return store.User{}, core.WriteResult{}, err
		}
	}
	hash, err := auth.HashPassword(in.Password)
	if err != nil {
		return store.User{}, core.WriteResult{}, err
	}
	var user store.User
	wr, err := s.Write(ctx, nil, meta, "invitation.accept", func(tx pgx.Tx) (core.Change, error) {
		inv, err := store.InvitationForUpdate(ctx, tx, auth.HashToken(in.Token))
		if errors.Is(err, store.ErrNotFound) {
			return core.Change{}, &core.Error{Kind: core.KindInvalid, Code: "invitation_invalid", Field: "token", Message: "unknown invitation token"}
		}
		if err != nil {
			return core.Change{}, err
		}
		switch {
		case inv.UsedAt != nil:
			return core.Change{}, &core.Error{Kind: core.KindConflict, Code: "invitation_used", Message: "this invitation was already used"}
		case inv.RevokedAt != nil:
			return core.Change{}, &core.Error{Kind: core.KindConflict, Code: "invitation_revoked", Message: "this invitation was revoked"}
		case !s.Now().Before(inv.ExpiresAt):
			return core.Change{}, &core.Error{Kind: core.KindConflict, Code: "invitation_expired", Message: "this invitation has expired; ask for a new one"}
		}
		u, err := store.GetUserForUpdate(ctx, tx, inv.UserID)
		if err != nil {
			return core.Change{}, err
		}
		if u.Status != store.StatusInvited {
			return core.Change{}, &core.Error{Kind: core.KindConflict, Code: "invitation_used", Message: "this user is no longer invited"}
		}
		if err := store.ActivateUser(ctx, tx, u.ID, hash, in.Name); err != nil {
			return core.Change{}, err
		}
		if err := store.MarkInvitationUsed(ctx, tx, inv.ID); err != nil {
			return core.Change{}, err
		}
		if user, err = store.GetUser(ctx, tx, u.ID); err != nil {
			return core.Change{}, err
		}
		return core.Change{TenantID: u.TenantID, Target: "user:" + u.ID.String(), Facts: []authz.Fact{authz.UserChanged{User: user.ID}}}, nil
	})
	return user, wr, err
}

// Me is GET /v1/me.
type Me struct {
	store.User
	Workspaces []MyWorkspace
}

// MyWorkspace is a workspace with the caller's effective role.
type MyWorkspace struct {
	ID   uuid.UUID
	Name string
	Role string
}

// GetMe returns the caller's profile and workspaces with roles.
func (s *Service) GetMe(ctx context.Context, p *core.Principal, meta core.RequestMeta) (Me, error) {
	if p.User == nil {
		return Me{}, &core.Error{Kind: core.KindBadRequest, Code: "not_a_user", Message: "/v1/me is for users"}
	}
	ws, err := s.workspaces.ListWorkspaces(ctx, p, meta, core.Page{Limit: 1000}, true)
	if err != nil {
		return Me{}, err
	}
	me := Me{User: *p.User, Workspaces: []MyWorkspace{}}
	for _, w := range ws.Items {
		me.Workspaces = append(me.Workspaces, MyWorkspace{ID: w.ID, Name: w.Name, Role: w.Role})
	}
	return me, nil
}

// invitationURL is where an invitee accepts (the token is also POSTed to
// /v1/invitations/accept by the client that opens it).
func (s *Service) invitationURL(token string) string {
	return strings.TrimRight(s.Config.PublicURL, "/") + "/v1/invitations/accept?token=" + url.QueryEscape(token)
}

// InvitationInfo is what GET /v1/invitations/accept?token= shows the
// invitee before they set a password (the token is not consumed).
type InvitationInfo struct {
	Email     string
	Name      string
	Tenant    string
	ExpiresAt time.Time
	Accept    string
}

// InspectInvitation answers whether a token can still be accepted.
func (s *Service) InspectInvitation(ctx context.Context, token string) (InvitationInfo, error) {
	if token == "" || len(token) > 200 {
		return InvitationInfo{}, core.Invalid("token", "missing or malformed invitation token")
	}
	var out InvitationInfo
	err := s.Store.Tx(ctx, func(tx pgx.Tx) error {
		inv, err := store.InvitationForUpdate(ctx, tx, auth.HashToken(token))
		if errors.Is(err, store.ErrNotFound) {
			return &core.Error{Kind: core.KindInvalid, Code: "invitation_invalid", Field: "token", Message: "unknown invitation token"}
		}
		if err != nil {
			return err
		}
		switch {
		case inv.UsedAt != nil:
			return &core.Error{Kind: core.KindConflict, Code: "invitation_used", Message: "this invitation was already used"}
		case inv.RevokedAt != nil:
			return &core.Error{Kind: core.KindConflict, Code: "invitation_revoked", Message: "this invitation was revoked"}
		case !s.Now().Before(inv.ExpiresAt):
			return &core.Error{Kind: core.KindConflict, Code: "invitation_expired", Message: "this invitation has expired; ask for a new one"}
		}
		u, err := store.GetUser(ctx, tx, inv.UserID)
		if err != nil {
			return err
		}
		t, err := store.GetTenant(ctx, tx, inv.TenantID)
		out = InvitationInfo{Email: u.Email, Name: u.Name, Tenant: t.Name, ExpiresAt: inv.ExpiresAt,
			Accept: `POST /v1/invitations/accept {"token": "...", "password": "..."}`}
		return err
	})
	return out, err
}
