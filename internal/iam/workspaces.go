package iam

import (
	"bytes"
	"context"
	"errors"
	"sort"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/gatehouse/gatehouse/internal/authz"
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
		return Invalid(field, "unknown workspace role %q (want owner, admin or member)", truncate(r))
	}
	return nil
}

// WorkspaceInput is POST /v1/workspaces.
type WorkspaceInput struct {
	Name        string `json:"name"`
	Description string `json:"description,omitempty"`
}

// WorkspaceView is a workspace with the caller's effective role.
type WorkspaceView struct {
	store.Workspace
	Role string `json:"role,omitempty"`
	WriteResult
}

// CreateWorkspace creates a workspace; the creator becomes its owner.
func (s *Service) CreateWorkspace(ctx context.Context, p *Principal, meta RequestMeta, in WorkspaceInput) (WorkspaceView, error) {
	if err := validName("name", in.Name, 200); err != nil {
		return WorkspaceView{}, err
	}
	if len(in.Description) > 2000 {
		return WorkspaceView{}, Invalid("description", "must be at most 2000 characters")
	}
	if p.Kind != "user" {
		return WorkspaceView{}, Forbidden("only users create workspaces")
	}
	var w store.Workspace
	wr, err := s.authorizedWrite(ctx, p, meta, "workspace.create", func() error {
		return s.authorize(ctx, p, meta, "workspace.create", p.TenantID, p.TenantID)
	}, func(tx pgx.Tx) (change, error) {
		now := s.now().UTC()
		w = store.Workspace{ID: uuid.Must(uuid.NewV7()), TenantID: p.TenantID, Name: in.Name, Description: in.Description, CreatedBy: p.ID, CreatedAt: now, UpdatedAt: now}
		if err := store.InsertWorkspace(ctx, tx, w); err != nil {
			return change{}, err
		}
		uid := p.ID
		if err := store.InsertMember(ctx, tx, p.TenantID, store.Member{ID: uuid.Must(uuid.NewV7()), WorkspaceID: w.ID, UserID: &uid, Role: RoleOwner}); err != nil {
			return change{}, err
		}
		return change{TenantID: p.TenantID, WorkspaceID: &w.ID, Target: "workspace:" + w.ID.String(), Facts: []authz.Fact{authz.WorkspaceCreated{Workspace: w.ID}}}, nil
	})
	return WorkspaceView{Workspace: w, Role: RoleOwner, WriteResult: wr}, err
}

// visibleWorkspace loads a workspace the caller may view; anything else is
// 404, so existence does not leak.
func (s *Service) visibleWorkspace(ctx context.Context, p *Principal, meta RequestMeta, id string) (store.Workspace, error) {
	wid, err := parseID("workspace_id", id)
	if err != nil {
		return store.Workspace{}, NotFound("workspace")
	}
	w, err := store.GetWorkspace(ctx, s.Store.Pool, wid)
	if errors.Is(err, store.ErrNotFound) {
		return store.Workspace{}, NotFound("workspace")
	}
	if err != nil {
		return store.Workspace{}, err
	}
	ok, err := s.may(ctx, p, meta, "workspace.view", w.TenantID, w.ID)
	if err != nil {
		return store.Workspace{}, err
	}
	if !ok {
		return store.Workspace{}, NotFound("workspace")
	}
	return w, nil
}

// GetWorkspace returns a visible workspace with the caller's role.
func (s *Service) GetWorkspace(ctx context.Context, p *Principal, meta RequestMeta, id string) (WorkspaceView, error) {
	w, err := s.visibleWorkspace(ctx, p, meta, id)
	if err != nil {
		return WorkspaceView{}, err
	}
	roles, err := s.effectiveRoles(ctx, p, meta, w.TenantID, []uuid.UUID{w.ID})
	if err != nil {
		return WorkspaceView{}, err
	}
	return WorkspaceView{Workspace: w, Role: roles[w.ID]}, nil
}

// ListWorkspaces lists the workspaces the caller may view, as SpiceDB
// decides (LookupResources), ordered by id and paginated; with mine, only
// those where the caller holds a role (tenant admins otherwise see every
// workspace of their tenant, for governance).
func (s *Service) ListWorkspaces(ctx context.Context, p *Principal, meta RequestMeta, page Page, mine bool) (List[WorkspaceView], error) {
	empty := List[WorkspaceView]{}
	after, err := page.afterID()
	if err != nil {
		return empty, err
	}
	cons, err := s.consistency(ctx, p.TenantID, meta)
	if err != nil {
		return empty, err
	}
	useCase := "workspace.list"
	if mine {
		useCase = "workspace.list_mine"
	}
	r, err := s.ruleFor(useCase)
	if err != nil {
		return empty, err
	}
	ids, err := s.Checker.LookupResources(ctx, r.On, r.Need, p.Subject(), cons, 0)
	if err != nil {
		return empty, s.mapErr(err)
	}
	var uids []uuid.UUID
	for _, id := range ids {
		if u, err := uuid.Parse(id); err == nil && bytesGreater(u, after) {
			uids = append(uids, u)
		}
	}
	sort.Slice(uids, func(i, j int) bool { return bytesLess(uids[i], uids[j]) })
	limit := page.limit()
	next := ""
	if len(uids) > limit {
		uids = uids[:limit]
		next = idCursor(uids[limit-1])
	}
	ws, err := store.WorkspacesByIDs(ctx, s.Store.Pool, uids)
	if err != nil {
		return empty, err
	}
	var roles map[uuid.UUID]string
	if len(uids) > 30 {
		roles, err = s.rolesByLookup(ctx, p, cons)
	} else {
		roles, err = s.effectiveRoles(ctx, p, meta, p.TenantID, uids)
	}
	if err != nil {
		return empty, err
	}
	out := List[WorkspaceView]{Items: make([]WorkspaceView, 0, len(ws)), NextCursor: next}
	for _, w := range ws {
		out.Items = append(out.Items, WorkspaceView{Workspace: w, Role: roles[w.ID]})
	}
	return out, nil
}

// rolesByLookup finds the caller's strongest role in every workspace with
// three LookupResources calls, cheaper than a bulk check for long pages.
func (s *Service) rolesByLookup(ctx context.Context, p *Principal, cons authz.Consistency) (map[uuid.UUID]string, error) {
	roles := map[uuid.UUID]string{}
	for _, r := range []struct{ perm, name string }{{schema.Workspace.RoleMember, RoleMember}, {schema.Workspace.RoleAdmin, RoleAdmin}, {schema.Workspace.RoleOwner, RoleOwner}} {
		ids, err := s.Checker.LookupResources(ctx, "workspace", r.perm, p.Subject(), cons, 0)
		if err != nil {
			return nil, s.mapErr(err)
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

// effectiveRoles asks SpiceDB for the caller's strongest role in each
// workspace (direct or through a group); "" when none.
func (s *Service) effectiveRoles(ctx context.Context, p *Principal, meta RequestMeta, tenantID uuid.UUID, ids []uuid.UUID) (map[uuid.UUID]string, error) {
	roles := map[uuid.UUID]string{}
	if len(ids) == 0 {
		return roles, nil
	}
	cons, err := s.consistency(ctx, tenantID, meta)
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
			return nil, s.mapErr(err)
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
	UserID  string `json:"user_id,omitempty"`
	GroupID string `json:"group_id,omitempty"`
	Role    string `json:"role"`
}

// MemberView is a membership.
type MemberView struct {
	store.Member
	WriteResult
}

// AddMember adds a user or an account group to a workspace with a role.
func (s *Service) AddMember(ctx context.Context, p *Principal, meta RequestMeta, workspaceID string, in MemberInput) (MemberView, error) {
	if err := validWorkspaceRole("role", in.Role); err != nil {
		return MemberView{}, err
	}
	if (in.UserID == "") == (in.GroupID == "") {
		return MemberView{}, Invalid("user_id", "give exactly one of user_id and group_id")
	}
	var subjectID uuid.UUID
	var err error
	if in.UserID != "" {
		subjectID, err = parseID("user_id", in.UserID)
	} else {
		subjectID, err = parseID("group_id", in.GroupID)
	}
	if err != nil {
		return MemberView{}, err
	}
	w, err := s.visibleWorkspace(ctx, p, meta, workspaceID)
	if err != nil {
		return MemberView{}, err
	}
	var m store.Member
	authorize := func() error {
		useCase := "workspace.member.manage"
		if in.Role == RoleOwner {
			useCase = "workspace.member.manage_owner"
		}
		return s.authorize(ctx, p, meta, useCase, w.TenantID, w.ID)
	}
	wr, err := s.authorizedWrite(ctx, p, meta, "workspace.member.add", authorize, func(tx pgx.Tx) (change, error) {
		m = store.Member{ID: uuid.Must(uuid.NewV7()), WorkspaceID: w.ID, Role: in.Role, CreatedAt: s.now().UTC().Truncate(time.Microsecond)}
		var subject authz.Object
		if in.UserID != "" {
			u, err := store.GetUser(ctx, tx, subjectID)
			if err != nil || u.TenantID != w.TenantID || u.Status == store.StatusDeleted {
				return change{}, NotFound("user")
			}
			m.UserID, subject = &u.ID, authz.Obj("user", u.ID)
		} else {
			groups, err := store.Groups(ctx, tx, &subjectID)
			if err != nil || len(groups) == 0 || groups[0].TenantID != w.TenantID {
				return change{}, NotFound("group")
			}
			m.GroupID, subject = &subjectID, authz.Obj("group", subjectID)
		}
		if err := store.InsertMember(ctx, tx, w.TenantID, m); err != nil {
			if errors.Is(err, store.ErrConflict) {
				return change{}, Conflict("already_member", "already a member of this workspace")
			}
			return change{}, err
		}
		return change{TenantID: w.TenantID, WorkspaceID: &w.ID, Target: subject.String(), Facts: []authz.Fact{authz.MembershipChanged{Workspace: w.ID, Subject: subject}}, Details: map[string]any{"role": in.Role}}, nil
	})
	return MemberView{Member: m, WriteResult: wr}, err
}
