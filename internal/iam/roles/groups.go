package roles

import (
	"context"
	"errors"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/gatehouse/gatehouse/internal/authz"
	"github.com/gatehouse/gatehouse/internal/iam/core"
	"github.com/gatehouse/gatehouse/internal/store"
)

// GroupInput is POST /v1/groups and PATCH /v1/groups/{id}.
type GroupInput struct {
	Name string
}

// GroupView is a group, with its members when asked for one group.
type GroupView struct {
	store.Group
	Members []store.User
	core.WriteResult
}

// loadGroup loads a group (404 when there is none).
func loadGroup(ctx context.Context, q store.Q, id string) (store.Group, error) {
	gid, err := uuid.Parse(id)
	if err != nil || len(id) != 36 {
		return store.Group{}, core.NotFound("group")
	}
	g, err := store.GetGroup(ctx, q, gid)
	if errors.Is(err, store.ErrNotFound) {
		return g, core.NotFound("group")
	}
	return g, err
}

// visibleGroup loads a group the caller may view (the schema's group#view:
// holders of manage_users on its tenant and its own members); any other
// group is 404, as if it did not exist.
func (s *Service) visibleGroup(ctx context.Context, q store.Q, p *core.Principal, meta core.RequestMeta, id string) (store.Group, error) {
	g, err := loadGroup(ctx, q, id)
	if err != nil {
		return g, err
	}
	ok, err := s.May(ctx, p, meta, "group.view", g.TenantID, g.ID)
	if err != nil || !ok {
		return g, errors.Join(err, core.NotFound("group"))
	}
	return g, nil
}

// CreateGroup creates an account group (manage_users).
func (s *Service) CreateGroup(ctx context.Context, p *core.Principal, meta core.RequestMeta, in GroupInput) (GroupView, error) {
	if err := core.ValidName("name", in.Name, 200); err != nil {
		return GroupView{}, err
	}
	var g store.Group
	authorize := func() error {
		return s.Authorize(ctx, p, meta, "group.create", p.TenantID, p.TenantID)
	}
	wr, err := s.AuthorizedWrite(ctx, p, meta, "group.create", authorize, func(tx pgx.Tx) (core.Change, error) {
		g = store.Group{ID: uuid.Must(uuid.NewV7()), TenantID: p.TenantID, Name: in.Name, CreatedAt: s.Now().UTC()}
		if err := store.InsertGroup(ctx, tx, g); err != nil {
			if errors.Is(err, store.ErrConflict) {
				return core.Change{}, core.Conflict("group_name_taken", "a group with this name already exists")
			}
			return core.Change{}, err
		}
		return core.Change{TenantID: g.TenantID, Target: "group:" + g.ID.String(), Facts: []authz.Fact{authz.GroupCreated{Group: g.ID}}}, nil
	})
	return GroupView{Group: g, WriteResult: wr}, err
}

// ListGroups lists the tenant's groups the caller may view (group#view:
// every group for holders of manage_users, one's own groups otherwise).
func (s *Service) ListGroups(ctx context.Context, p *core.Principal, meta core.RequestMeta, page core.Page) (core.List[store.Group], error) {
	if err := s.Authorize(ctx, p, meta, "group.list", p.TenantID, p.TenantID); err != nil {
		return core.List[store.Group]{}, err
	}
	after, err := page.AfterID()
	if err != nil {
		return core.List[store.Group]{}, err
	}
	limit := page.Size()
	var visible []store.Group
	for len(visible) <= limit {
		batch, err := store.ListGroups(ctx, s.Store.Pool, p.TenantID, nil, after, limit+1)
		if err != nil || len(batch) == 0 {
			return core.PageOf(visible, limit, func(g store.Group) string { return core.IDCursor(g.ID) }), err
		}
		items := make([]authz.CheckItem, len(batch))
		for i, g := range batch {
			if items[i], err = s.RuleCheck(p, "group.view", g.ID); err != nil {
				return core.List[store.Group]{}, err
			}
		}
		ok, err := s.AllowedAll(ctx, p, p.TenantID, meta, items)
		if err != nil {
			return core.List[store.Group]{}, err
		}
		for i, g := range batch {
			if ok[i] {
				visible = append(visible, g)
			}
		}
		if len(batch) <= limit {
			break
		}
		after = batch[len(batch)-1].ID
	}
	return core.PageOf(visible, limit, func(g store.Group) string { return core.IDCursor(g.ID) }), nil
}

// UserGroups lists the groups of a visible user.
func (s *Service) UserGroups(ctx context.Context, p *core.Principal, meta core.RequestMeta, userID string) ([]store.Group, error) {
	u, err := s.users.GetUser(ctx, p, meta, userID)
	if err != nil {
		return nil, err
	}
	gs, err := store.ListGroups(ctx, s.Store.Pool, u.TenantID, &u.ID, uuid.Nil, 10000)
	if gs == nil {
		gs = []store.Group{}
	}
	return gs, err
}

// GetGroup returns a group with its members.
func (s *Service) GetGroup(ctx context.Context, p *core.Principal, meta core.RequestMeta, id string) (GroupView, error) {
	g, err := s.visibleGroup(ctx, s.Store.Pool, p, meta, id)
	if err != nil {
		return GroupView{}, err
	}
	members, err := store.GroupMembers(ctx, s.Store.Pool, g.ID)
	if members == nil {
		members = []store.User{}
	}
	return GroupView{Group: g, Members: members}, err
}

// manageGroup loads a group for a change: renaming it (SSO users join by
// name), deleting it, or changing its members. SpiceDB decides in one call
// (group#manage_membership): manage_users, every global permission of the
// group's custom roles, and manage_members in every workspace where the
// group holds a role (manage_owners where it holds owner), so that nobody
// reaches a workspace or a role through a group. extra items are checked
// in the same call; their answers come back in order.
//
// It runs before BEGIN; the transaction then re-loads the group
// (stillGroup).
func (s *Service) manageGroup(ctx context.Context, p *core.Principal, meta core.RequestMeta, id string, extra ...authz.CheckItem) (store.Group, []bool, error) {
	g, err := loadGroup(ctx, s.Store.Pool, id)
	if err != nil {
		return g, nil, err
	}
	manage, err := s.RuleCheck(p, "group.manage", g.ID)
	if err != nil {
		return g, nil, err
	}
	view, err := s.RuleCheck(p, "group.view", g.ID)
	if err != nil {
		return g, nil, err
	}
	items := append([]authz.CheckItem{manage, view}, extra...)
	ok, err := s.AllowedAll(ctx, p, g.TenantID, meta, items)
	switch {
	case err != nil:
		return g, nil, err
	case !ok[1]:
		return g, nil, core.NotFound("group")
	case !ok[0]:
		return g, nil, core.Forbidden("changing this group needs manage_users, every global permission its roles carry, and manage_members (manage_owners) in every workspace where it holds a role")
	}
	return g, ok[2:], nil
}

// stillGroup re-loads, inside a write's transaction, a group decided about
// before BEGIN (it may have been deleted meanwhile).
func stillGroup(ctx context.Context, tx pgx.Tx, decided store.Group) (store.Group, error) {
	return loadGroup(ctx, tx, decided.ID.String())
}

// RenameGroup renames a group.
func (s *Service) RenameGroup(ctx context.Context, p *core.Principal, meta core.RequestMeta, id string, in GroupInput) (GroupView, error) {
	if err := core.ValidName("name", in.Name, 200); err != nil {
		return GroupView{}, err
	}
	var g store.Group
	authorize := func() (err error) {
		g, _, err = s.manageGroup(ctx, p, meta, id)
		return err
	}
	wr, err := s.AuthorizedWrite(ctx, p, meta, "group.rename", authorize, func(tx pgx.Tx) (core.Change, error) {
		var err error
		if g, err = stillGroup(ctx, tx, g); err != nil {
			return core.Change{}, err
		}
		if err := store.RenameGroup(ctx, tx, g.ID, in.Name); err != nil {
			if errors.Is(err, store.ErrConflict) {
				return core.Change{}, core.Conflict("group_name_taken", "a group with this name already exists")
			}
			return core.Change{}, err
		}
		g.Name = in.Name
		return core.Change{TenantID: g.TenantID, Target: "group:" + g.ID.String()}, nil
	})
	return GroupView{Group: g, WriteResult: wr}, err
}

// DeleteGroup deletes a group with its memberships, in the tenant and in
// workspaces. Refused while the group is a workspace's only owner.
func (s *Service) DeleteGroup(ctx context.Context, p *core.Principal, meta core.RequestMeta, id string) (core.WriteResult, error) {
	var decided store.Group
	authorize := func() (err error) {
		decided, _, err = s.manageGroup(ctx, p, meta, id)
		return err
	}
	return s.AuthorizedWrite(ctx, p, meta, "group.delete", authorize, func(tx pgx.Tx) (core.Change, error) {
		g, err := stillGroup(ctx, tx, decided)
		if err != nil {
			return core.Change{}, err
		}
		if ws, err := store.GroupSoleOwnerWorkspaces(ctx, tx, g.ID); err != nil || len(ws) > 0 {
			return core.Change{}, errors.Join(err, core.Conflict("last_owner", "the group is the last owner of %d workspace(s); transfer ownership first", len(ws)))
		}
		members, err := store.GroupMembers(ctx, tx, g.ID)
		if err != nil {
			return core.Change{}, err
		}
		roles, err := store.RolesAssignedTo(ctx, tx, nil, &g.ID)
		if err != nil {
			return core.Change{}, err
		}
		workspaces, err := store.DeleteGroup(ctx, tx, g.ID)
		if err != nil {
			return core.Change{}, err
		}
		gone := authz.GroupDeleted{Group: g.ID, Workspaces: workspaces, Roles: roles}
		for _, u := range members {
			gone.Members = append(gone.Members, u.ID)
		}
		return core.Change{TenantID: g.TenantID, Target: "group:" + g.ID.String(), Facts: []authz.Fact{gone}}, nil
	})
}

// AddGroupMember adds a user of the group's tenant; the user's checks in
// the group's workspaces change at once.
func (s *Service) AddGroupMember(ctx context.Context, p *core.Principal, meta core.RequestMeta, groupID, userID string) (core.WriteResult, error) {
	return s.groupMembership(ctx, p, meta, groupID, userID, true)
}

// RemoveGroupMember removes a user from a group.
func (s *Service) RemoveGroupMember(ctx context.Context, p *core.Principal, meta core.RequestMeta, groupID, userID string) (core.WriteResult, error) {
	return s.groupMembership(ctx, p, meta, groupID, userID, false)
}

func (s *Service) groupMembership(ctx context.Context, p *core.Principal, meta core.RequestMeta, groupID, userID string, add bool) (core.WriteResult, error) {
	action := map[bool]string{true: "group.member.add", false: "group.member.remove"}[add]
	var u store.User
	var g store.Group
	authorize := func() error {
		// Changing a user's groups is administering the user (SPEC §1.1):
		// user#administer is asked in the same SpiceDB call as the group's
		// own rule.
		var extra []authz.CheckItem
		if uid, err := uuid.Parse(userID); err == nil && len(userID) == 36 {
			if u, err = store.GetUser(ctx, s.Store.Pool, uid); err != nil && !errors.Is(err, store.ErrNotFound) {
				return err
			}
			if err == nil && u.Status != store.StatusDeleted {
				administer, err := s.RuleCheck(p, "user.administer", u.ID)
				if err != nil {
					return err
				}
				extra = append(extra, administer)
			}
		}
		var ok []bool
		var err error
		if g, ok, err = s.manageGroup(ctx, p, meta, groupID, extra...); err != nil {
			return err
		}
		if len(ok) == 0 || u.TenantID != g.TenantID {
			return core.NotFound("user")
		}
		if !ok[0] {
			return core.ErrCannotAdminister
		}
		return nil
	}
	return s.AuthorizedWrite(ctx, p, meta, action, authorize, func(tx pgx.Tx) (core.Change, error) {
		var err error
		if g, err = stillGroup(ctx, tx, g); err != nil {
			return core.Change{}, err
		}
		if u, err = core.RelockUser(ctx, tx, u); err != nil {
			return core.Change{}, err
		}
		if add {
			_, err = store.AddGroupMember(ctx, tx, g.TenantID, g.ID, u.ID)
		} else {
			var was bool
			was, err = store.RemoveGroupMember(ctx, tx, g.ID, u.ID)
			if err == nil && !was {
				err = core.NotFound("group member")
			}
		}
		if err != nil {
			return core.Change{}, err
		}
		return core.Change{TenantID: g.TenantID, Target: "group:" + g.ID.String(), Details: map[string]any{"user_id": u.ID},
			Facts: []authz.Fact{authz.GroupMembershipChanged{Group: g.ID, User: u.ID}}}, nil
	})
}
