package roles

import (
	"context"
	"errors"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/gatehouse/gatehouse/internal/authz"
	"github.com/gatehouse/gatehouse/internal/iam/core"
	"github.com/gatehouse/gatehouse/internal/perm"
	"github.com/gatehouse/gatehouse/internal/store"
)

// RoleInput is POST /v1/roles.
type RoleInput struct {
	Name        string
	Description string
	Permissions []string
}

// RolePatch is PATCH /v1/roles/{id}: permissions, when given, replace the set.
type RolePatch struct {
	Name        *string
	Description *string
	Permissions *[]string
}

// RoleResult is a role after a change.
type RoleResult struct {
	RoleView
	core.WriteResult
}

func roleView(r store.Role) RoleView {
	return RoleView{ID: r.ID.String(), Name: r.Name, Description: r.Description, Permissions: r.Permissions, TenantID: r.TenantID.String()}
}

// parsePermissions validates identifiers and prints them canonically.
func parsePermissions(field string, ids []string) ([]perm.Permission, []string, error) {
	if len(ids) > 500 {
		return nil, nil, core.Invalid(field, "at most 500 permissions")
	}
	var ps []perm.Permission
	seen := map[string]bool{}
	var out []string
	for i, id := range ids {
		p, err := perm.Parse(id)
		if err != nil {
			var pe *perm.ParseError
			if errors.As(err, &pe) {
				return nil, nil, &core.Error{Kind: core.KindInvalid, Code: "invalid_permission", Field: field + "[" + strconv.Itoa(i) + "]", Message: pe.Error()}
			}
			return nil, nil, err
		}
		if !seen[p.String()] {
			seen[p.String()] = true
			ps = append(ps, p)
			out = append(out, p.String())
		}
	}
	sort.Strings(out)
	return ps, out, nil
}

// requireHeldGlobals: a custom role cannot carry a global allow the caller
// does not hold (an admin cannot mint super_admin for anyone, themselves
// included), nor a deny of super_admin unless the caller holds super_admin
// (only a superadmin removes superadmin).
func (s *Service) requireHeldGlobals(ctx context.Context, p *core.Principal, meta core.RequestMeta, tenantID uuid.UUID, ps []perm.Permission) error {
	var items []authz.CheckItem
	for _, x := range ps {
		if x.Global && (x.Decision != perm.Deny || x.Action == perm.SuperAdmin) {
			items = append(items, authz.CheckItem{Resource: authz.Obj("tenant", tenantID), Permission: x.Action, Subject: p.Subject()})
		}
	}
	if len(items) == 0 {
		return nil
	}
	cons, err := s.Consistency(ctx, tenantID, meta)
	if err != nil {
		return err
	}
	res, _, err := s.Checker.CheckBulk(ctx, items, cons)
	if err != nil {
		return s.MapErr(err)
	}
	for i, r := range res {
		if !r.Allowed {
			return core.Forbidden("cannot grant global:%s, which you do not hold", items[i].Permission)
		}
	}
	return nil
}

// requireHeldRoles: editing, deleting, assigning or unassigning roles (or
// changing who holds them through a group) needs every global permission
// they carry, so nobody grants or takes away what they could not grant
// (an admin cannot strip a superadmin's role, nor join its group).
func (s *Service) requireHeldRoles(ctx context.Context, q store.Q, p *core.Principal, meta core.RequestMeta, tenantID uuid.UUID, roleIDs ...uuid.UUID) error {
	var ps []perm.Permission
	for _, id := range roleIDs {
		r, err := store.GetRole(ctx, q, id, false)
		if err != nil {
			return err
		}
		for _, x := range r.Permissions {
			if pp, err := perm.Parse(x); err == nil {
				ps = append(ps, pp)
			}
		}
	}
	return s.requireHeldGlobals(ctx, p, meta, tenantID, ps)
}

func isBuiltinRoleID(id string) bool { return strings.HasPrefix(id, "builtin:") }

var errBuiltinRole = &core.Error{Kind: core.KindForbidden, Code: "builtin_role", Message: "built-in roles are read-only; set a user's global role with PUT /v1/users/{id}/global-role"}

// CreateRole creates a custom role (manage_permissions).
func (s *Service) CreateRole(ctx context.Context, p *core.Principal, meta core.RequestMeta, in RoleInput) (RoleResult, error) {
	if err := core.ValidName("name", in.Name, 200); err != nil {
		return RoleResult{}, err
	}
	if len(in.Description) > 2000 {
		return RoleResult{}, core.Invalid("description", "must be at most 2000 characters")
	}
	ps, ids, err := parsePermissions("permissions", in.Permissions)
	if err != nil {
		return RoleResult{}, err
	}
	var r store.Role
	authorize := func() error {
		if err := s.Authorize(ctx, p, meta, "role.create", p.TenantID, p.TenantID); err != nil {
			return err
		}
		return s.requireHeldGlobals(ctx, p, meta, p.TenantID, ps)
	}
	wr, err := s.AuthorizedWrite(ctx, p, meta, "role.create", authorize, func(tx pgx.Tx) (core.Change, error) {
		r = store.Role{ID: uuid.Must(uuid.NewV7()), TenantID: p.TenantID, Name: in.Name, Description: in.Description}
		if err := store.InsertRole(ctx, tx, r); err != nil {
			if errors.Is(err, store.ErrConflict) {
				return core.Change{}, core.Conflict("role_name_taken", "a role with this name already exists")
			}
			return core.Change{}, err
		}
		if err := store.SetRolePermissions(ctx, tx, r, ids); err != nil {
			return core.Change{}, err
		}
		var err error
		if r, err = store.GetRole(ctx, tx, r.ID, false); err != nil {
			return core.Change{}, err
		}
		return core.Change{TenantID: r.TenantID, Target: "role:" + r.ID.String(), Facts: []authz.Fact{authz.RoleChanged{Role: r.ID}}, Details: map[string]any{"permissions": ids}}, nil
	})
	return RoleResult{RoleView: roleView(r), WriteResult: wr}, err
}

// visibleRole loads a custom role of the caller's tenant (404 otherwise).
func (s *Service) visibleRole(ctx context.Context, q store.Q, p *core.Principal, meta core.RequestMeta, id string, forUpdate bool) (store.Role, error) {
	rid, err := uuid.Parse(id)
	if err != nil || len(id) != 36 {
		return store.Role{}, core.NotFound("role")
	}
	r, err := store.GetRole(ctx, q, rid, forUpdate)
	if errors.Is(err, store.ErrNotFound) {
		return r, core.NotFound("role")
	}
	if err != nil {
		return r, err
	}
	if ok, err := s.Reaches(ctx, p, meta, r.TenantID); err != nil || !ok {
		return r, errors.Join(err, core.NotFound("role"))
	}
	return r, nil
}

// manageRole decides, before BEGIN, whether p may change custom role id:
// manage_permissions on its tenant and every global permission it carries.
func (s *Service) manageRole(ctx context.Context, p *core.Principal, meta core.RequestMeta, id string) (store.Role, error) {
	r, err := s.visibleRole(ctx, s.Store.Pool, p, meta, id, false)
	if err != nil {
		return r, err
	}
	if err := s.Authorize(ctx, p, meta, "role.manage", r.TenantID, r.TenantID); err != nil {
		return r, err
	}
	return r, s.requireHeldRoles(ctx, s.Store.Pool, p, meta, r.TenantID, r.ID)
}

// stillRole locks, inside a write's transaction, the role a decision was
// taken about before BEGIN and re-validates what it rested on: the
// permissions it carries.
func stillRole(ctx context.Context, tx pgx.Tx, decided store.Role) (store.Role, error) {
	r, err := store.GetRole(ctx, tx, decided.ID, true)
	if errors.Is(err, store.ErrNotFound) {
		return r, core.NotFound("role")
	}
	if err != nil {
		return r, err
	}
	if !slices.Equal(r.Permissions, decided.Permissions) {
		return r, core.Conflict("concurrent_change", "the role changed while this request was decided; try again")
	}
	return r, nil
}

// GetRole returns a built-in or custom role (view_system_roles).
func (s *Service) GetRole(ctx context.Context, p *core.Principal, meta core.RequestMeta, id string) (RoleView, error) {
	if err := s.Authorize(ctx, p, meta, "role.list", p.TenantID, p.TenantID); err != nil {
		return RoleView{}, err
	}
	if isBuiltinRoleID(id) {
		for _, r := range BuiltinRoles() {
			if r.ID == id {
				return r, nil
			}
		}
		return RoleView{}, core.NotFound("role")
	}
	r, err := s.visibleRole(ctx, s.Store.Pool, p, meta, id, false)
	if err != nil {
		return RoleView{}, err
	}
	if err := s.Authorize(ctx, p, meta, "role.view", r.TenantID, r.ID); err != nil {
		return RoleView{}, err
	}
	return roleView(r), nil
}

// UpdateRole renames a role or replaces its permissions.
func (s *Service) UpdateRole(ctx context.Context, p *core.Principal, meta core.RequestMeta, id string, in RolePatch) (RoleResult, error) {
	if isBuiltinRoleID(id) {
		return RoleResult{}, errBuiltinRole
	}
	if in.Name != nil {
		if err := core.ValidName("name", *in.Name, 200); err != nil {
			return RoleResult{}, err
		}
	}
	if in.Description != nil && len(*in.Description) > 2000 {
		return RoleResult{}, core.Invalid("description", "must be at most 2000 characters")
	}
	var ps []perm.Permission
	var ids []string
	if in.Permissions != nil {
		var err error
		if ps, ids, err = parsePermissions("permissions", *in.Permissions); err != nil {
			return RoleResult{}, err
		}
	}
	return s.changeRole(ctx, p, meta, id, "role.update", func(tx pgx.Tx, r *store.Role) error {
		if in.Name != nil {
			r.Name = *in.Name
		}
		if in.Description != nil {
			r.Description = *in.Description
		}
		if err := store.UpdateRole(ctx, tx, *r); err != nil {
			if errors.Is(err, store.ErrConflict) {
				return core.Conflict("role_name_taken", "a role with this name already exists")
			}
			return err
		}
		if in.Permissions == nil {
			return nil
		}
		if err := s.requireHeldGlobals(ctx, p, meta, r.TenantID, ps); err != nil {
			return err
		}
		return store.SetRolePermissions(ctx, tx, *r, ids)
	})
}

// AddRolePermission adds one permission to a role.
func (s *Service) AddRolePermission(ctx context.Context, p *core.Principal, meta core.RequestMeta, id, identifier string) (RoleResult, error) {
	return s.editRolePermission(ctx, p, meta, id, identifier, true)
}

// RemoveRolePermission removes one permission from a role.
func (s *Service) RemoveRolePermission(ctx context.Context, p *core.Principal, meta core.RequestMeta, id, identifier string) (RoleResult, error) {
	return s.editRolePermission(ctx, p, meta, id, identifier, false)
}

func (s *Service) editRolePermission(ctx context.Context, p *core.Principal, meta core.RequestMeta, id, identifier string, add bool) (RoleResult, error) {
	if isBuiltinRoleID(id) {
		return RoleResult{}, errBuiltinRole
	}
	ps, ids, err := parsePermissions("permission", []string{identifier})
	if err != nil {
		return RoleResult{}, err
	}
	action := map[bool]string{true: "role.permission.add", false: "role.permission.remove"}[add]
	return s.changeRole(ctx, p, meta, id, action, func(tx pgx.Tx, r *store.Role) error {
		set := map[string]bool{}
		for _, x := range r.Permissions {
			set[x] = true
		}
		if add {
			if err := s.requireHeldGlobals(ctx, p, meta, r.TenantID, ps); err != nil {
				return err
			}
			set[ids[0]] = true
		} else {
			if !set[ids[0]] {
				return core.NotFound("permission " + ids[0] + " on this role")
			}
			delete(set, ids[0])
		}
		next := make([]string, 0, len(set))
		for x := range set {
			next = append(next, x)
		}
		sort.Strings(next)
		return store.SetRolePermissions(ctx, tx, *r, next)
	})
}

func (s *Service) changeRole(ctx context.Context, p *core.Principal, meta core.RequestMeta, id, action string, fn func(pgx.Tx, *store.Role) error) (RoleResult, error) {
	var r store.Role
	authorize := func() (err error) {
		r, err = s.manageRole(ctx, p, meta, id)
		return err
	}
	wr, err := s.AuthorizedWrite(ctx, p, meta, action, authorize, func(tx pgx.Tx) (core.Change, error) {
		var err error
		if r, err = stillRole(ctx, tx, r); err != nil {
			return core.Change{}, err
		}
		if err := fn(tx, &r); err != nil {
			return core.Change{}, err
		}
		if r, err = store.GetRole(ctx, tx, r.ID, false); err != nil {
			return core.Change{}, err
		}
		return core.Change{TenantID: r.TenantID, Target: "role:" + r.ID.String(), Facts: []authz.Fact{authz.RoleChanged{Role: r.ID}}, Details: map[string]any{"permissions": r.Permissions}}, nil
	})
	return RoleResult{RoleView: roleView(r), WriteResult: wr}, err
}

// DeleteRole deletes a custom role and its assignments.
func (s *Service) DeleteRole(ctx context.Context, p *core.Principal, meta core.RequestMeta, id string) (core.WriteResult, error) {
	if isBuiltinRoleID(id) {
		return core.WriteResult{}, errBuiltinRole
	}
	var decided store.Role
	authorize := func() (err error) {
		decided, err = s.manageRole(ctx, p, meta, id)
		return err
	}
	return s.AuthorizedWrite(ctx, p, meta, "role.delete", authorize, func(tx pgx.Tx) (core.Change, error) {
		r, err := stillRole(ctx, tx, decided)
		if err != nil {
			return core.Change{}, err
		}
		users, groups, err := store.RoleHolders(ctx, tx, r.ID)
		if err != nil {
			return core.Change{}, err
		}
		return core.Change{TenantID: r.TenantID, Target: "role:" + r.ID.String(),
			Facts: []authz.Fact{authz.RoleDeleted{Role: r.ID, Tenant: r.TenantID, Users: users, Groups: groups}}}, store.DeleteRole(ctx, tx, r.ID)
	})
}

// AssignmentResult is an assignment after a change.
type AssignmentResult struct {
	store.Assignment
	core.WriteResult
}

// parseHolder reads "user:<id>" or "group:<id>".
func parseHolder(holder string) (typ string, id uuid.UUID, err error) {
	typ, raw, ok := strings.Cut(holder, ":")
	if !ok || (typ != "user" && typ != "group") {
		return "", uuid.Nil, core.Invalid("holder", "must be user:<id> or group:<id>")
	}
	id, err = core.ParseID("holder", raw)
	return typ, id, err
}

// AssignRole gives a role to a user or a group of the role's tenant.
func (s *Service) AssignRole(ctx context.Context, p *core.Principal, meta core.RequestMeta, roleID, holder string) (AssignmentResult, error) {
	return s.assignment(ctx, p, meta, roleID, holder, true)
}

// UnassignRole takes a role away.
func (s *Service) UnassignRole(ctx context.Context, p *core.Principal, meta core.RequestMeta, roleID, holder string) (AssignmentResult, error) {
	return s.assignment(ctx, p, meta, roleID, holder, false)
}

func (s *Service) assignment(ctx context.Context, p *core.Principal, meta core.RequestMeta, roleID, holder string, assign bool) (AssignmentResult, error) {
	if isBuiltinRoleID(roleID) {
		return AssignmentResult{}, errBuiltinRole
	}
	typ, hid, err := parseHolder(holder)
	if err != nil {
		return AssignmentResult{}, err
	}
	var a store.Assignment
	action := map[bool]string{true: "role.assign", false: "role.unassign"}[assign]
	var decided store.Role
	var holderUser store.User
	authorize := func() error {
		r, err := s.visibleRole(ctx, s.Store.Pool, p, meta, roleID, false)
		if err != nil {
			return err
		}
		decided = r
		if err := s.Authorize(ctx, p, meta, "role.assign", r.TenantID, r.TenantID); err != nil {
			return err
		}
		switch typ {
		case "user":
			u, err := store.GetUser(ctx, s.Store.Pool, hid)
			if err != nil || u.TenantID != r.TenantID || u.Status == store.StatusDeleted {
				return errors.Join(core.Missing(err, "user"), core.NotFound("user"))
			}
			// Changing a user's roles is administering the user (SPEC §1.1).
			if err := s.RequireAdminister(ctx, p, meta, u); err != nil {
				return err
			}
			holderUser = u
		case "group":
			g, err := store.GetGroup(ctx, s.Store.Pool, hid)
			if err != nil || g.TenantID != r.TenantID {
				return errors.Join(core.Missing(err, "group"), core.NotFound("group"))
			}
		}
		return s.requireHeldRoles(ctx, s.Store.Pool, p, meta, r.TenantID, r.ID)
	}
	wr, err := s.AuthorizedWrite(ctx, p, meta, action, authorize, func(tx pgx.Tx) (core.Change, error) {
		r, err := stillRole(ctx, tx, decided)
		if err != nil {
			return core.Change{}, err
		}
		a = store.Assignment{ID: uuid.Must(uuid.NewV7()), RoleID: r.ID, CreatedAt: s.Now().UTC()}
		switch typ {
		case "user":
			u, err := core.RelockUser(ctx, tx, holderUser)
			if err != nil {
				return core.Change{}, err
			}
			a.UserID = &u.ID
		case "group":
			g, err := store.GetGroup(ctx, tx, hid)
			if err != nil || g.TenantID != r.TenantID {
				return core.Change{}, errors.Join(core.Missing(err, "group"), core.NotFound("group"))
			}
			a.GroupID = &g.ID
		}
		if assign {
			if err := store.InsertAssignment(ctx, tx, r.TenantID, a); err != nil {
				if errors.Is(err, store.ErrConflict) {
					return core.Change{}, core.Conflict("already_assigned", "the role is already assigned to this %s", typ)
				}
				return core.Change{}, err
			}
		} else {
			ok, err := store.DeleteAssignment(ctx, tx, r.ID, a.UserID, a.GroupID)
			if err != nil {
				return core.Change{}, err
			}
			if !ok {
				return core.Change{}, core.NotFound("assignment")
			}
		}
		return core.Change{TenantID: r.TenantID, Target: "role:" + r.ID.String(), Details: map[string]any{"holder": typ + ":" + hid.String()},
			Facts: []authz.Fact{authz.RoleAssignmentChanged{Role: r.ID, Holder: authz.Obj(typ, hid)}}}, nil
	})
	return AssignmentResult{Assignment: a, WriteResult: wr}, err
}

// ListAssignments lists a role's holders.
func (s *Service) ListAssignments(ctx context.Context, p *core.Principal, meta core.RequestMeta, roleID string) ([]store.Assignment, error) {
	if isBuiltinRoleID(roleID) {
		return nil, errBuiltinRole
	}
	if err := s.Authorize(ctx, p, meta, "role.list", p.TenantID, p.TenantID); err != nil {
		return nil, err
	}
	r, err := s.visibleRole(ctx, s.Store.Pool, p, meta, roleID, false)
	if err != nil {
		return nil, err
	}
	// Who holds a role is for those who manage roles or users
	// (role#view_assignments), not for every viewer of the role.
	if err := s.Authorize(ctx, p, meta, "role.list_assignments", r.TenantID, r.ID); err != nil {
		return nil, err
	}
	as, err := store.ListAssignments(ctx, s.Store.Pool, r.ID)
	if as == nil {
		as = []store.Assignment{}
	}
	return as, err
}
