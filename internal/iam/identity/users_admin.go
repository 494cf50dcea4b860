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

// visibleUser loads a user the caller may see: themselves, or a user of a
// tenant where they hold manage_users (another tenant's users are 404
// unless the caller is a superadmin).
func (s *Service) visibleUser(ctx context.Context, q store.Q, p *core.Principal, meta core.RequestMeta, id string, forUpdate bool) (store.User, error) {
	uid, err := uuid.Parse(id)
	if err != nil || len(id) != 36 {
		return store.User{}, core.NotFound("user")
	}
	load := store.GetUser
	if forUpdate {
		load = store.GetUserForUpdate
	}
	u, err := load(ctx, q, uid)
	if errors.Is(err, store.ErrNotFound) {
		return store.User{}, core.NotFound("user")
	}
	if err != nil {
		return store.User{}, err
	}
	if ok, err := s.Reaches(ctx, p, meta, u.TenantID); err != nil || !ok {
		return store.User{}, errors.Join(err, core.NotFound("user"))
	}
	return u, nil
}

// adminUser loads a user for an administrative change: the caller must
// administer the user (SpiceDB's user#administer: manage_users on the
// user's tenant and every global permission the user holds, whatever their
// status and however held; a built-in superadmin only by a superadmin).
// Deleted users are gone (404).
//
// It runs before BEGIN (AuthorizedWrite's authorize step); the
// transaction then locks the user with RelockUser.
func (s *Service) adminUser(ctx context.Context, p *core.Principal, meta core.RequestMeta, id string) (store.User, error) {
	u, err := s.visibleUser(ctx, s.Store.Pool, p, meta, id, false)
	if err != nil {
		return u, err
	}
	if u.Status == store.StatusDeleted {
		return u, core.NotFound("user")
	}
	return u, s.RequireAdminister(ctx, p, meta, u)
}

// keepLastSuperadmin refuses to take away the last active superadmin.
func keepLastSuperadmin(ctx context.Context, tx pgx.Tx, u store.User) error {
	if u.GlobalRole != string(perm.RoleSuperadmin) || u.Status != store.StatusActive {
		return nil
	}
	n, err := store.LockSuperadmins(ctx, tx)
	if err != nil {
		return err
	}
	if n <= 1 {
		return core.Conflict("last_superadmin", "this is the last active superadmin; promote another first")
	}
	return nil
}

// UserResult is a user after a change.
type UserResult struct {
	store.User
	core.WriteResult
}

func (s *Service) userChange(ctx context.Context, tx pgx.Tx, id uuid.UUID, details map[string]any) (core.Change, store.User, error) {
	u, err := store.GetUser(ctx, tx, id)
	if err != nil {
		return core.Change{}, u, err
	}
	return core.Change{TenantID: u.TenantID, Target: "user:" + u.ID.String(), Facts: []authz.Fact{authz.UserChanged{User: u.ID}}, Details: details}, u, nil
}

// GetUser returns a user: oneself, or any user for holders of manage_users.
func (s *Service) GetUser(ctx context.Context, p *core.Principal, meta core.RequestMeta, id string) (store.User, error) {
	u, err := s.visibleUser(ctx, s.Store.Pool, p, meta, id, false)
	if err != nil || u.ID == p.ID {
		return u, err
	}
	ok, err := s.May(ctx, p, meta, "user.view_admin_fields", u.TenantID, u.TenantID)
	if err != nil {
		return u, err
	}
	if !ok {
		return store.User{}, core.NotFound("user")
	}
	return u, nil
}

// UserQuery is GET /v1/users.
type UserQuery struct {
	Query, Role, Status, TenantID string
	core.Page
}

// ListUsers lists a tenant's users for holders of manage_users.
func (s *Service) ListUsers(ctx context.Context, p *core.Principal, meta core.RequestMeta, q UserQuery) (core.List[store.User], error) {
	tenant := p.TenantID
	if q.TenantID != "" {
		t, err := core.ParseID("tenant_id", q.TenantID)
		if err != nil {
			return core.List[store.User]{}, err
		}
		tenant = t
	}
	if err := s.requireTenant(ctx, p, meta, "user.list", tenant); err != nil {
		return core.List[store.User]{}, err
	}
	if q.Role != "" && !perm.Role(q.Role).Valid() {
		return core.List[store.User]{}, core.Invalid("role", "unknown role %q", core.Truncate(q.Role))
	}
	switch q.Status {
	case "", store.StatusInvited, store.StatusActive, store.StatusDisabled, store.StatusDeleted:
	default:
		return core.List[store.User]{}, core.Invalid("status", "unknown status %q (want invited, active, disabled or deleted)", core.Truncate(q.Status))
	}
	if len(q.Query) > 200 {
		return core.List[store.User]{}, core.Invalid("q", "must be at most 200 characters")
	}
	after, err := q.AfterID()
	if err != nil {
		return core.List[store.User]{}, err
	}
	limit := q.Size()
	users, err := store.ListUsers(ctx, s.Store.Pool, store.UserFilter{TenantID: tenant, Query: q.Query, Role: q.Role, Status: q.Status, After: after, Limit: limit + 1})
	if err != nil {
		return core.List[store.User]{}, err
	}
	return core.PageOf(users, limit, func(u store.User) string { return core.IDCursor(u.ID) }), nil
}

// UserPatch is PATCH /v1/users/{id}.
type UserPatch struct {
	Name  *string
	Email *string
}

// UpdateUser edits a profile: users edit their own name; holders of
// manage_users edit name and email.
func (s *Service) UpdateUser(ctx context.Context, p *core.Principal, meta core.RequestMeta, id string, in UserPatch) (UserResult, error) {
	if in.Name != nil {
		if err := core.ValidName("name", *in.Name, 200); err != nil {
			return UserResult{}, err
		}
	}
	if in.Email != nil {
		*in.Email = strings.TrimSpace(*in.Email)
		if err := core.ValidEmail(*in.Email); err != nil {
			return UserResult{}, core.Invalid("email", "%v", err)
		}
	}
	var out, target store.User
	authorize := func() (err error) {
		if id == p.ID.String() && in.Email == nil {
			target, err = store.GetUser(ctx, s.Store.Pool, p.ID)
			return err
		}
		target, err = s.adminUser(ctx, p, meta, id)
		return err
	}
	wr, err := s.AuthorizedWrite(ctx, p, meta, "user.update", authorize, func(tx pgx.Tx) (core.Change, error) {
		u, err := core.RelockUser(ctx, tx, target)
		if err != nil {
			return core.Change{}, err
		}
		name, email := u.Name, u.Email
		if in.Name != nil {
			name = *in.Name
		}
		if in.Email != nil {
			email = *in.Email
		}
		if err := store.UpdateUserProfile(ctx, tx, u.ID, name, email); err != nil {
			if errors.Is(err, store.ErrConflict) {
				return core.Change{}, core.Conflict("email_taken", "a user with this email already exists in this tenant")
			}
			return core.Change{}, err
		}
		out, err = store.GetUser(ctx, tx, u.ID)
		return core.Change{TenantID: u.TenantID, Target: "user:" + u.ID.String()}, err
	})
	return UserResult{User: out, WriteResult: wr}, err
}

// SetGlobalRole changes a user's global role: nobody raises anyone above
// their own role, only a superadmin grants or removes superadmin, and the
// last active superadmin keeps the role.
func (s *Service) SetGlobalRole(ctx context.Context, p *core.Principal, meta core.RequestMeta, id, role string) (UserResult, error) {
	r := perm.Role(role)
	if !r.Valid() {
		return UserResult{}, core.Invalid("role", "unknown role %q (want superadmin, admin or member)", core.Truncate(role))
	}
	var out, target store.User
	authorize := func() (err error) {
		if target, err = s.adminUser(ctx, p, meta, id); err != nil {
			return err
		}
		return s.requireGrantable(ctx, p, meta, target.TenantID, r)
	}
	wr, err := s.AuthorizedWrite(ctx, p, meta, "user.set_global_role", authorize, func(tx pgx.Tx) (core.Change, error) {
		u, err := core.RelockUser(ctx, tx, target)
		if err != nil {
			return core.Change{}, err
		}
		if r != perm.RoleSuperadmin {
			if err := keepLastSuperadmin(ctx, tx, u); err != nil {
				return core.Change{}, err
			}
		}
		if err := store.SetUserRole(ctx, tx, u.ID, string(r)); err != nil {
			return core.Change{}, err
		}
		ch, nu, err := s.userChange(ctx, tx, u.ID, map[string]any{"from": u.GlobalRole, "to": r})
		out = nu
		return ch, err
	})
	return UserResult{User: out, WriteResult: wr}, err
}

// DisableUser ends every session and removes every relationship of the
// user (checks for them and their API keys answer denied as soon as this
// returns); memberships stay in PostgreSQL and come back on enable.
func (s *Service) DisableUser(ctx context.Context, p *core.Principal, meta core.RequestMeta, id string) (UserResult, error) {
	return s.setStatus(ctx, p, meta, id, "user.disable", func(tx pgx.Tx, u store.User) (string, error) {
		if u.Status == store.StatusDisabled {
			return store.StatusDisabled, nil
		}
		if err := keepLastSuperadmin(ctx, tx, u); err != nil {
			return "", err
		}
		return store.StatusDisabled, store.RevokeUserSessions(ctx, tx, u.ID)
	})
}

// EnableUser makes a disabled user active again (invited, when they never
// set a password and have no SSO identity to log in with).
func (s *Service) EnableUser(ctx context.Context, p *core.Principal, meta core.RequestMeta, id string) (UserResult, error) {
	return s.setStatus(ctx, p, meta, id, "user.enable", func(tx pgx.Tx, u store.User) (string, error) {
		switch {
		case u.Status != store.StatusDisabled:
			return u.Status, nil
		case u.PasswordHash == "":
			sso, err := store.HasExternalIdentity(ctx, tx, u.ID)
			if err != nil || !sso {
				return store.StatusInvited, err
			}
		}
		return store.StatusActive, nil
	})
}

// DeleteUser soft-deletes a user: the row stays for audit, the email is
// free again, sessions and invitations end, every relationship goes.
// Refused while the user is the last owner of a workspace.
func (s *Service) DeleteUser(ctx context.Context, p *core.Principal, meta core.RequestMeta, id string) (UserResult, error) {
	return s.setStatus(ctx, p, meta, id, "user.delete", func(tx pgx.Tx, u store.User) (string, error) {
		if err := keepLastSuperadmin(ctx, tx, u); err != nil {
			return "", err
		}
		sole, err := store.SoleOwnerWorkspaces(ctx, tx, u.ID)
		if err != nil {
			return "", err
		}
		if len(sole) > 0 {
			return "", core.Conflict("last_owner", "the user is the last owner of %d workspace(s) (e.g. %s); transfer ownership first", len(sole), sole[0])
		}
		if err := store.RevokeUserSessions(ctx, tx, u.ID); err != nil {
			return "", err
		}
		_, err = store.RevokeUserInvitations(ctx, tx, u.ID)
		return store.StatusDeleted, err
	})
}

func (s *Service) setStatus(ctx context.Context, p *core.Principal, meta core.RequestMeta, id, action string, next func(pgx.Tx, store.User) (string, error)) (UserResult, error) {
	var out, target store.User
	wr, err := s.authorizedUserWrite(ctx, p, meta, id, &target, action, func(tx pgx.Tx) (core.Change, error) {
		u, err := core.RelockUser(ctx, tx, target)
		if err != nil {
			return core.Change{}, err
		}
		status, err := next(tx, u)
		if err != nil {
			return core.Change{}, err
		}
		if err := store.SetUserStatus(ctx, tx, u.ID, status); err != nil {
			return core.Change{}, err
		}
		ch, nu, err := s.userChange(ctx, tx, u.ID, map[string]any{"from": u.Status, "to": status})
		out = nu
		return ch, err
	})
	return UserResult{User: out, WriteResult: wr}, err
}

// ResendInvitation revokes a user's open invitations and issues a new one.
func (s *Service) ResendInvitation(ctx context.Context, p *core.Principal, meta core.RequestMeta, id string) (Invited, error) {
	token := auth.NewToken(auth.InvitationPrefix)
	var out Invited
	var target store.User
	wr, err := s.authorizedUserWrite(ctx, p, meta, id, &target, "user.invitation.resend", func(tx pgx.Tx) (core.Change, error) {
		u, err := core.RelockUser(ctx, tx, target)
		if err != nil {
			return core.Change{}, err
		}
		if u.Status != store.StatusInvited {
			return core.Change{}, core.Conflict("not_invited", "the user is %s, not invited", u.Status)
		}
		if _, err := store.RevokeUserInvitations(ctx, tx, u.ID); err != nil {
			return core.Change{}, err
		}
		inv := store.Invitation{ID: uuid.Must(uuid.NewV7()), TenantID: u.TenantID, UserID: u.ID, ExpiresAt: s.Now().UTC().Add(s.Config.InvitationTTL).Truncate(time.Second)}
		if err := store.InsertInvitation(ctx, tx, inv, auth.HashToken(token), &p.ID); err != nil {
			return core.Change{}, err
		}
		out = Invited{User: u, InvitationToken: token, ExpiresAt: inv.ExpiresAt}
		return core.Change{TenantID: u.TenantID, Target: "user:" + u.ID.String()}, nil
	})
	out.WriteResult = wr
	out.InvitationURL = s.invitationURL(token)
	return out, err
}

// RevokeInvitation revokes a user's open invitations.
func (s *Service) RevokeInvitation(ctx context.Context, p *core.Principal, meta core.RequestMeta, id string) (core.WriteResult, error) {
	var target store.User
	return s.authorizedUserWrite(ctx, p, meta, id, &target, "user.invitation.revoke", func(tx pgx.Tx) (core.Change, error) {
		u, err := core.RelockUser(ctx, tx, target)
		if err != nil {
			return core.Change{}, err
		}
		n, err := store.RevokeUserInvitations(ctx, tx, u.ID)
		if err != nil {
			return core.Change{}, err
		}
		if n == 0 {
			return core.Change{}, core.Conflict("no_invitation", "the user has no open invitation")
		}
		return core.Change{TenantID: u.TenantID, Target: "user:" + u.ID.String()}, nil
	})
}

// authorizedUserWrite is AuthorizedWrite for an administrative change of
// user id: the caller must administer the user (decided before BEGIN, the
// user left in *target for fn to relock).
func (s *Service) authorizedUserWrite(ctx context.Context, p *core.Principal, meta core.RequestMeta, id string, target *store.User, action string, fn func(tx pgx.Tx) (core.Change, error)) (core.WriteResult, error) {
	authorize := func() (err error) {
		*target, err = s.adminUser(ctx, p, meta, id)
		return err
	}
	return s.AuthorizedWrite(ctx, p, meta, action, authorize, fn)
}
