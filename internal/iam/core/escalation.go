package core

import (
	"context"
	"errors"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/gatehouse/gatehouse/internal/authz"
	"github.com/gatehouse/gatehouse/internal/perm"
	"github.com/gatehouse/gatehouse/internal/store"
)

// No escalation through indirection (SPEC §1.1, §1.2). Every rule here is a
// SpiceDB permission of the schema; Go only names the objects to ask about:
//
//   - platform#super_admin: the built-in superadmins, the only power that
//     spans tenants. A super_admin held through a custom role counts only on
//     its own tenant (tenant#super_admin), so another tenant's objects are
//     reached through super_admin on *their* tenant (Reaches).
//   - user#administer: manage_users on the target's tenant and every global
//     permission the target holds, whatever the target's status and however
//     it is held; a built-in superadmin only by a platform superadmin.
//   - group#manage_membership: manage_users, every global permission the
//     group's roles carry, and manage_members (manage_owners) in every
//     workspace where the group holds a role (owner).

// Superadmin reports whether p is one of the platform's superadmins (the
// built-in superadmin global role), whose reach spans tenants.
func (s *Kernel) Superadmin(ctx context.Context, p *Principal, meta RequestMeta) (bool, error) {
	return s.May(ctx, p, meta, "platform.span_tenants", p.TenantID, uuid.Nil)
}

// Reaches reports whether objects of tenantID are visible to p at all: its
// own tenant, or a tenant where p holds super_admin (the platform's
// superadmins hold it on every tenant; a custom role's super_admin only on
// the role's own tenant).
func (s *Kernel) Reaches(ctx context.Context, p *Principal, meta RequestMeta, tenantID uuid.UUID) (bool, error) {
	if tenantID == p.TenantID {
		return true, nil
	}
	return s.May(ctx, p, meta, "tenant.reach", tenantID, tenantID)
}

// AllowedAll answers several checks of p about objects of tenantID in one
// SpiceDB call (allowed answers the authorization cache holds are
// replayed), at the freshness allowed uses.
func (s *Kernel) AllowedAll(ctx context.Context, p *Principal, tenantID uuid.UUID, meta RequestMeta, items []authz.CheckItem) ([]bool, error) {
	cons, err := s.Consistency(ctx, tenantID, meta)
	if err != nil {
		return nil, err
	}
	if tenantID != p.TenantID {
		cons = authz.Consistency{FullyConsistent: true}
	}
	return s.decide(ctx, items, cons)
}

// check is a check item about p.
func check(p *Principal, resource authz.Object, permission string) authz.CheckItem {
	return authz.CheckItem{Resource: resource, Permission: permission, Subject: p.Subject()}
}

// RequireAdminister: p may act on (edit, disable, enable, delete, re-invite,
// change the role or groups of) user u — one SpiceDB check of
// user#administer.
func (s *Kernel) RequireAdminister(ctx context.Context, p *Principal, meta RequestMeta, u store.User) error {
	ok, err := s.May(ctx, p, meta, "user.administer", u.TenantID, u.ID)
	if err != nil {
		return err
	}
	if !ok {
		return ErrCannotAdminister
	}
	return nil
}

var ErrCannotAdminister = &Error{Kind: KindForbidden, Code: "forbidden",
	Message: "you may not administer this user: it needs manage_users and every global permission the user holds (a built-in superadmin only by a superadmin)"}

// GrantItems are the checks that granting built-in role r needs: nobody
// grants a global permission they do not hold, so nobody raises anyone above
// their own role; built-in superadmin spans tenants and needs a platform
// superadmin.
func GrantItems(p *Principal, tenantID uuid.UUID, r perm.Role) []authz.CheckItem {
	if r == perm.RoleSuperadmin {
		return []authz.CheckItem{check(p, authz.PlatformObject, perm.SuperAdmin)}
	}
	var items []authz.CheckItem
	for _, a := range perm.GlobalActions {
		for _, holder := range a.Builtin {
			if holder == r {
				items = append(items, check(p, authz.Obj("tenant", tenantID), a.Name))
			}
		}
	}
	return items
}

// RelockUser locks, inside a write's transaction, the user a decision was
// taken about before BEGIN, and re-validates what the decision rested on:
// a user whose status or global role changed meanwhile is a conflict to
// retry, never a change made on a stale decision.
func RelockUser(ctx context.Context, tx pgx.Tx, decided store.User) (store.User, error) {
	u, err := store.GetUserForUpdate(ctx, tx, decided.ID)
	if errors.Is(err, store.ErrNotFound) {
		return u, NotFound("user")
	}
	if err != nil {
		return u, err
	}
	if u.Status != decided.Status || u.GlobalRole != decided.GlobalRole || u.TenantID != decided.TenantID {
		return u, Conflict("concurrent_change", "the user changed while this request was decided; try again")
	}
	return u, nil
}
