package workspace

import (
	"bytes"
	"context"
	"errors"
	"sort"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/gatehouse/gatehouse/internal/authz"
	"github.com/gatehouse/gatehouse/internal/iam/core"
	"github.com/gatehouse/gatehouse/internal/store"
	"github.com/gatehouse/gatehouse/schema"
)

// Workspace roles.
const (
	RoleOwner  = "owner"
	RoleAdmin  = "admin"
	RoleMember = "member"
)

func validWorkspaceRole(field, r string) error {
	if r != RoleOwner && r != RoleAdmin && r != RoleMember {
		return core.Invalid(field, "unknown workspace role %q (want owner, admin or member)", core.Truncate(r))
	}
	return nil
}

// WorkspaceInput is POST /v1/workspaces.
type WorkspaceInput struct {
	Name        string
	Description string
}

// WorkspaceView is a workspace with the caller's effective role.
type WorkspaceView struct {
	store.Workspace
	Role string
	core.WriteResult
}

// CreateWorkspace creates a workspace; the creator becomes its owner.
func (s *Service) CreateWorkspace(ctx context.Context, p *core.Principal, meta core.RequestMeta, in WorkspaceInput) (WorkspaceView, error) {
	if err := core.ValidName("name", in.Name, 200); err != nil {
		return WorkspaceView{}, err
	}
	if len(in.Description) > 2000 {
		return WorkspaceView{}, core.Invalid("description", "must be at most 2000 characters")
	}
	if p.Kind != "user" {
		return WorkspaceView{}, core.Forbidden("only users create workspaces")
	}
	var w store.Workspace
	wr, err := s.AuthorizedWrite(ctx, p, meta, "workspace.create", func() error {
		return s.Authorize(ctx, p, meta, "workspace.create", p.TenantID, p.TenantID)
	}, func(tx pgx.Tx) (core.Change, error) {
		now := s.Now().UTC()
		w = store.Workspace{ID: uuid.Must(uuid.NewV7()), TenantID: p.TenantID, Name: in.Name, Description: in.Description, CreatedBy: p.ID, CreatedAt: now, UpdatedAt: now}
		if err := store.InsertWorkspace(ctx, tx, w); err != nil {
			return core.Change{}, err
		}
		uid := p.ID
		if err := store.InsertMember(ctx, tx, p.TenantID, store.Member{ID: uuid.Must(uuid.NewV7()), WorkspaceID: w.ID, UserID: &uid, Role: RoleOwner}); err != nil {
			return core.Change{}, err
		}
		return core.Change{TenantID: p.TenantID, WorkspaceID: &w.ID, Target: "workspace:" + w.ID.String(), Facts: []authz.Fact{authz.WorkspaceCreated{Workspace: w.ID}}}, nil
	})
	return WorkspaceView{Workspace: w, Role: RoleOwner, WriteResult: wr}, err
}

// VisibleWorkspace loads a workspace the caller may view; anything else is
// 404, so existence does not leak.
func (s *Service) VisibleWorkspace(ctx context.Context, p *core.Principal, meta core.RequestMeta, id string) (store.Workspace, error) {
	wid, err := core.ParseID("workspace_id", id)
	if err != nil {
		return store.Workspace{}, core.NotFound("workspace")
	}
	w, err := store.GetWorkspace(ctx, s.Store.Pool, wid)
	if errors.Is(err, store.ErrNotFound) {
		return store.Workspace{}, core.NotFound("workspace")
	}
	if err != nil {
		return store.Workspace{}, err
	}
	ok, err := s.May(ctx, p, meta, "workspace.view", w.TenantID, w.ID)
	if err != nil {
		return store.Workspace{}, err
	}
	if !ok {
		return store.Workspace{}, core.NotFound("workspace")
	}
	return w, nil
}

// GetWorkspace returns a visible workspace with the caller's role.
func (s *Service) GetWorkspace(ctx context.Context, p *core.Principal, meta core.RequestMeta, id string) (WorkspaceView, error) {
	w, err := s.VisibleWorkspace(ctx, p, meta, id)
	if err != nil {
		return WorkspaceView{}, err
	}
	roles, err := s.EffectiveRoles(ctx, p, meta, w.TenantID, []uuid.UUID{w.ID})
	if err != nil {
		return WorkspaceView{}, err
	}
	return WorkspaceView{Workspace: w, Role: roles[w.ID]}, nil
}

// ListWorkspaces lists the workspaces the caller may view, as SpiceDB
// decides (LookupResources), ordered by id and paginated; with mine, only
// those where the caller holds a role (tenant admins otherwise see every
// workspace of their tenant, for governance).
func (s *Service) ListWorkspaces(ctx context.Context, p *core.Principal, meta core.RequestMeta, page core.Page, mine bool) (core.List[WorkspaceView], error) {
	empty := core.List[WorkspaceView]{}
	after, err := page.AfterID()
	if err != nil {
		return empty, err
	}
	cons, err := s.Consistency(ctx, p.TenantID, meta)
	if err != nil {
		return empty, err
	}
	useCase := "workspace.list"
	if mine {
		useCase = "workspace.list_mine"
	}
	r, err := s.RuleFor(useCase)
	if err != nil {
		return empty, err
	}
	ids, err := s.Checker.LookupResources(ctx, r.On, r.Need, p.Subject(), cons, 0)
	if err != nil {
		return empty, s.MapErr(err)
	}
	var uids []uuid.UUID
	for _, id := range ids {
		if u, err := uuid.Parse(id); err == nil && bytesGreater(u, after) {
			uids = append(uids, u)
		}
	}
	sort.Slice(uids, func(i, j int) bool { return bytesLess(uids[i], uids[j]) })
	limit := page.Size()
	next := ""
	if len(uids) > limit {
		uids = uids[:limit]
		next = core.IDCursor(uids[limit-1])
	}
	ws, err := store.WorkspacesByIDs(ctx, s.Store.Pool, uids)
	if err != nil {
		return empty, err
	}
	var roles map[uuid.UUID]string
	if len(uids) > 30 {
		roles, err = s.rolesByLookup(ctx, p, cons)
	} else {
		roles, err = s.EffectiveRoles(ctx, p, meta, p.TenantID, uids)
	}
	if err != nil {
		return empty, err
	}
	out := core.List[WorkspaceView]{Items: make([]WorkspaceView, 0, len(ws)), NextCursor: next}
	for _, w := range ws {
		out.Items = append(out.Items, WorkspaceView{Workspace: w, Role: roles[w.ID]})
	}
	return out, nil
}

// rolesByLookup finds the caller's strongest role in every workspace with
// three LookupResources calls, cheaper than a bulk check for long pages.
func (s *Service) rolesByLookup(ctx context.Context, p *core.Principal, cons authz.Consistency) (map[uuid.UUID]string, error) {
	roles := map[uuid.UUID]string{}
	for _, r := range []struct{ perm, name string }{{schema.Workspace.RoleMember, RoleMember}, {schema.Workspace.RoleAdmin, RoleAdmin}, {schema.Workspace.RoleOwner, RoleOwner}} {
		ids, err := s.Checker.LookupResources(ctx, "workspace", r.perm, p.Subject(), cons, 0)
		if err != nil {
			return nil, s.MapErr(err)
		}
		for _, id := range ids {
			if u, err := uuid.Parse(id); err == nil {
				roles[u] = r.name
			}
		}
	}
	return roles, nil
}

func bytesLess(a, b uuid.UUID) bool    { return bytes.Compare(a[:], b[:]) < 0 }
func bytesGreater(a, b uuid.UUID) bool { return bytes.Compare(a[:], b[:]) > 0 }

// EffectiveRoles asks SpiceDB for the caller's strongest role in each
// workspace (direct or through a group); "" when none.
func (s *Service) EffectiveRoles(ctx context.Context, p *core.Principal, meta core.RequestMeta, tenantID uuid.UUID, ids []uuid.UUID) (map[uuid.UUID]string, error) {
	roles := map[uuid.UUID]string{}
	if len(ids) == 0 {
		return roles, nil
	}
	cons, err := s.Consistency(ctx, tenantID, meta)
	if err != nil {
		return nil, err
	}
	perms := []string{schema.Workspace.RoleOwner, schema.Workspace.RoleAdmin, schema.Workspace.RoleMember}
	names := []string{RoleOwner, RoleAdmin, RoleMember}
	var items []authz.CheckItem
	for _, id := range ids {
		for _, perm := range perms {
			items = append(items, authz.CheckItem{Resource: authz.Obj("workspace", id), Permission: perm, Subject: p.Subject()})
		}
	}
	for start := 0; start < len(items); start += 9000 {
		end := min(start+9000, len(items))
		res, _, err := s.Checker.CheckBulk(ctx, items[start:end], cons)
		if err != nil {
			return nil, s.MapErr(err)
		}
		for i, r := range res {
			idx := start + i
			id := ids[idx/len(perms)]
			if r.Allowed && roles[id] == "" {
				roles[id] = names[idx%len(perms)]
			}
		}
	}
	return roles, nil
}

// MemberInput is POST /v1/workspaces/{id}/members.
type MemberInput struct {
	UserID  string
	GroupID string
	Role    string
}

// MemberView is a membership.
type MemberView struct {
	store.Member
	core.WriteResult
}

// AddMember adds a user or an account group to a workspace with a role.
func (s *Service) AddMember(ctx context.Context, p *core.Principal, meta core.RequestMeta, workspaceID string, in MemberInput) (MemberView, error) {
	if err := validWorkspaceRole("role", in.Role); err != nil {
		return MemberView{}, err
	}
	if (in.UserID == "") == (in.GroupID == "") {
		return MemberView{}, core.Invalid("user_id", "give exactly one of user_id and group_id")
	}
	var subjectID uuid.UUID
	var err error
	if in.UserID != "" {
		subjectID, err = core.ParseID("user_id", in.UserID)
	} else {
		subjectID, err = core.ParseID("group_id", in.GroupID)
	}
	if err != nil {
		return MemberView{}, err
	}
	w, err := s.VisibleWorkspace(ctx, p, meta, workspaceID)
	if err != nil {
		return MemberView{}, err
	}
	var m store.Member
	authorize := func() error {
		useCase := "workspace.member.manage"
		if in.Role == RoleOwner {
			useCase = "workspace.member.manage_owner"
		}
		return s.Authorize(ctx, p, meta, useCase, w.TenantID, w.ID)
	}
	wr, err := s.AuthorizedWrite(ctx, p, meta, "workspace.member.add", authorize, func(tx pgx.Tx) (core.Change, error) {
		m = store.Member{ID: uuid.Must(uuid.NewV7()), WorkspaceID: w.ID, Role: in.Role, CreatedAt: s.Now().UTC().Truncate(time.Microsecond)}
		var subject authz.Object
		var err error
		if in.UserID != "" {
			// The user must be the tenant's and not deleted: checked by
			// the insert itself (the hot path of provisioning).
			m.UserID, subject = &subjectID, authz.Obj("user", subjectID)
			var stored bool
			if stored, err = store.InsertUserMember(ctx, tx, w.TenantID, m); err == nil && !stored {
				return core.Change{}, core.NotFound("user")
			}
		} else {
			groups, gerr := store.Groups(ctx, tx, &subjectID)
			if gerr != nil {
				return core.Change{}, gerr
			}
			if len(groups) == 0 || groups[0].TenantID != w.TenantID {
				return core.Change{}, core.NotFound("group")
			}
			m.GroupID, subject = &subjectID, authz.Obj("group", subjectID)
			err = store.InsertMember(ctx, tx, w.TenantID, m)
		}
		if errors.Is(err, store.ErrConflict) {
			return core.Change{}, core.Conflict("already_member", "already a member of this workspace")
		}
		if err != nil {
			return core.Change{}, err
		}
		return core.Change{TenantID: w.TenantID, WorkspaceID: &w.ID, Target: subject.String(), Facts: []authz.Fact{authz.MembershipChanged{Workspace: w.ID, Subject: subject, Added: true}}, Details: map[string]any{"role": in.Role}}, nil
	})
	return MemberView{Member: m, WriteResult: wr}, err
}
