package roles

import (
	"context"

	"github.com/gatehouse/gatehouse/internal/iam/core"
	"github.com/gatehouse/gatehouse/internal/perm"
	"github.com/gatehouse/gatehouse/internal/store"
)

// RoleView is a role: built-in (read-only) or custom.
type RoleView struct {
	ID          string
	Name        string
	Builtin     bool
	TenantID    string
	Description string
	Permissions []string
}

// BuiltinRoles shows the built-in global roles as bundles of global
// permissions (the system roles mapping). SpiceDB evaluates them by the
// same rules as custom roles (schema: tenant permissions).
func BuiltinRoles() []RoleView {
	out := []RoleView{{ID: "builtin:superadmin", Name: "superadmin", Builtin: true,
		Description: "Full administrative access across all tenants, users and resources",
		Permissions: []string{perm.Permission{Global: true, Action: perm.SuperAdmin, Decision: perm.AllowAll}.String()}}}
	for _, r := range []perm.Role{perm.RoleAdmin, perm.RoleMember} {
		v := RoleView{ID: "builtin:" + string(r), Name: string(r), Builtin: true, Permissions: []string{}}
		for _, a := range perm.GlobalActions {
			for _, holder := range a.Builtin {
				if holder == r {
					v.Permissions = append(v.Permissions, perm.Permission{Global: true, Action: a.Name, Decision: perm.AllowAll}.String())
				}
			}
		}
		out = append(out, v)
	}
	out[1].Description = "Administers the tenant: users, catalog, custom roles; views audit logs; no access to workspace contents without membership"
	out[2].Description = "Views the tenant and creates workspaces"
	return out
}

// ListRoles lists the built-in roles, then the tenant's custom roles.
func (s *Service) ListRoles(ctx context.Context, p *core.Principal, meta core.RequestMeta) ([]RoleView, error) {
	if err := s.Authorize(ctx, p, meta, "role.list", p.TenantID, p.TenantID); err != nil {
		return nil, err
	}
	custom, err := store.ListRoles(ctx, s.Store.Pool, p.TenantID)
	if err != nil {
		return nil, err
	}
	out := BuiltinRoles()
	for _, r := range custom {
		out = append(out, roleView(r))
	}
	return out, nil
}
