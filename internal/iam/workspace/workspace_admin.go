package workspace

import (
	"context"
	"errors"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/gatehouse/gatehouse/internal/authz"
	"github.com/gatehouse/gatehouse/internal/iam/core"
	"github.com/gatehouse/gatehouse/internal/store"
	"github.com/gatehouse/gatehouse/schema"
)

// WorkspacePatch is PATCH /v1/workspaces/{id}.
type WorkspacePatch struct {
	Name        *string
	Description *string
}

// UpdateWorkspace changes a workspace's settings (owners and admins).
func (s *Service) UpdateWorkspace(ctx context.Context, p *core.Principal, meta core.RequestMeta, id string, in WorkspacePatch) (WorkspaceView, error) {
	if in.Name != nil {
		if err := core.ValidName("name", *in.Name, 200); err != nil {
			return WorkspaceView{}, err
		}
	}
	if in.Description != nil && len(*in.Description) > 2000 {
		return WorkspaceView{}, core.Invalid("description", "must be at most 2000 characters")
	}
	w, err := s.VisibleWorkspace(ctx, p, meta, id)
	if err != nil {
		return WorkspaceView{}, err
	}
	wr, err := s.AuthorizedWrite(ctx, p, meta, "workspace.update", func() error { return s.Authorize(ctx, p, meta, "workspace.update", w.TenantID, w.ID) }, func(tx pgx.Tx) (core.Change, error) {
		if in.Name != nil {
			w.Name = *in.Name
		}
		if in.Description != nil {
			w.Description = *in.Description
		}
		w.UpdatedAt = s.Now().UTC()
		return core.Change{TenantID: w.TenantID, WorkspaceID: &w.ID, Target: "workspace:" + w.ID.String()}, store.UpdateWorkspace(ctx, tx, w)
	})
	return WorkspaceView{Workspace: w, WriteResult: wr}, err
}

// DeleteWorkspace deletes a workspace (owners): every relationship of the
// workspace and of its resources goes; rows and audit stay.
func (s *Service) DeleteWorkspace(ctx context.Context, p *core.Principal, meta core.RequestMeta, id string) (core.WriteResult, error) {
	w, err := s.VisibleWorkspace(ctx, p, meta, id)
	if err != nil {
		return core.WriteResult{}, err
	}
	return s.AuthorizedWrite(ctx, p, meta, "workspace.delete", func() error { return s.Authorize(ctx, p, meta, "workspace.delete", w.TenantID, w.ID) }, func(tx pgx.Tx) (core.Change, error) {
		return core.Change{TenantID: w.TenantID, WorkspaceID: &w.ID, Target: "workspace:" + w.ID.String(), Facts: []authz.Fact{authz.WorkspaceDeleted{Workspace: w.ID}}},
			store.SoftDeleteWorkspace(ctx, tx, w.ID)
	})
}

// MemberPatch is PATCH /v1/workspaces/{id}/members/{member_id}.
type MemberPatch struct {
	Role string
}

// memberSubject is the SpiceDB subject of a membership.
func memberSubject(m store.Member) authz.Object {
	if m.UserID != nil {
		return authz.Obj("user", *m.UserID)
	}
	return authz.Obj("group", *m.GroupID)
}

// changeMember loads a membership and applies fn under the rules: owners
// alone touch owners (granting, revoking, removing), and the last owner
// stays.
func (s *Service) changeMember(ctx context.Context, p *core.Principal, meta core.RequestMeta, workspaceID, memberID, action, newRole string) (MemberView, error) {
	w, err := s.VisibleWorkspace(ctx, p, meta, workspaceID)
	if err != nil {
		return MemberView{}, err
	}
	mid, err := uuid.Parse(memberID)
	if err != nil || len(memberID) != 36 {
		return MemberView{}, core.NotFound("member")
	}
	var m store.Member
	// The permission needed depends on the member's role: decided before
	// BEGIN from the role read then, and re-validated inside (a role that
	// changed meanwhile is a conflict to retry, never a decision taken on
	// stale facts).
	var decidedRole string
	authorize := func() error {
		m, err := store.GetMember(ctx, s.Store.Pool, w.ID, mid)
		if errors.Is(err, store.ErrNotFound) {
			return core.NotFound("member")
		}
		if err != nil {
			return err
		}
		decidedRole = m.Role
		useCase := "workspace.member.manage"
		if m.Role == RoleOwner || newRole == RoleOwner {
			useCase = "workspace.member.manage_owner"
		}
		return s.Authorize(ctx, p, meta, useCase, w.TenantID, w.ID)
	}
	wr, err := s.AuthorizedWrite(ctx, p, meta, action, authorize, func(tx pgx.Tx) (core.Change, error) {
		m, err = store.GetMember(ctx, tx, w.ID, mid)
		if errors.Is(err, store.ErrNotFound) {
			return core.Change{}, core.NotFound("member")
		}
		if err != nil {
			return core.Change{}, err
		}
		if m.Role != decidedRole {
			return core.Change{}, core.Conflict("concurrent_change", "the membership changed while this request was decided; try again")
		}
		if m.Role == RoleOwner && newRole != RoleOwner {
			n, err := store.OtherOwners(ctx, tx, w.ID, m.ID)
			if err != nil {
				return core.Change{}, err
			}
			if n == 0 {
				return core.Change{}, core.Conflict("last_owner", "a workspace keeps at least one owner; add or promote another owner first")
			}
		}
		if newRole == "" {
			err = store.DeleteMember(ctx, tx, m.ID)
		} else {
			err = store.SetMemberRole(ctx, tx, m.ID, newRole)
		}
		if err != nil {
			return core.Change{}, err
		}
		details := map[string]any{"from": m.Role, "to": newRole}
		m.Role = newRole
		return core.Change{TenantID: w.TenantID, WorkspaceID: &w.ID, Target: memberSubject(m).String(), Details: details,
			Facts: []authz.Fact{authz.MembershipChanged{Workspace: w.ID, Subject: memberSubject(m)}}}, nil
	})
	return MemberView{Member: m, WriteResult: wr}, err
}

// UpdateMember changes a member's role.
func (s *Service) UpdateMember(ctx context.Context, p *core.Principal, meta core.RequestMeta, workspaceID, memberID string, in MemberPatch) (MemberView, error) {
	if err := validWorkspaceRole("role", in.Role); err != nil {
		return MemberView{}, err
	}
	return s.changeMember(ctx, p, meta, workspaceID, memberID, "workspace.member.update", in.Role)
}

// RemoveMember removes a member.
func (s *Service) RemoveMember(ctx context.Context, p *core.Principal, meta core.RequestMeta, workspaceID, memberID string) (core.WriteResult, error) {
	mv, err := s.changeMember(ctx, p, meta, workspaceID, memberID, "workspace.member.remove", "")
	return mv.WriteResult, err
}

// TransferInput is POST /v1/workspaces/{id}/transfer-ownership.
type TransferInput struct {
	UserID string
}

// TransferOwnership makes a user of the workspace's tenant an owner and
// the calling owner an admin.
func (s *Service) TransferOwnership(ctx context.Context, p *core.Principal, meta core.RequestMeta, workspaceID string, in TransferInput) (core.WriteResult, error) {
	uid, err := core.ParseID("user_id", in.UserID)
	if err != nil {
		return core.WriteResult{}, err
	}
	if uid == p.ID {
		return core.WriteResult{}, core.Invalid("user_id", "is already you")
	}
	w, err := s.VisibleWorkspace(ctx, p, meta, workspaceID)
	if err != nil {
		return core.WriteResult{}, err
	}
	return s.AuthorizedWrite(ctx, p, meta, "workspace.transfer_ownership", func() error {
		return s.Authorize(ctx, p, meta, "workspace.transfer_ownership", w.TenantID, w.ID)
	}, func(tx pgx.Tx) (core.Change, error) {
		u, err := store.GetUser(ctx, tx, uid)
		if err != nil || u.TenantID != w.TenantID || u.Status != store.StatusActive {
			return core.Change{}, errors.Join(core.Missing(err, "user"), core.NotFound("user"))
		}
		target, err := store.UserMember(ctx, tx, w.ID, uid)
		switch {
		case errors.Is(err, store.ErrNotFound):
			err = store.InsertMember(ctx, tx, w.TenantID, store.Member{ID: uuid.Must(uuid.NewV7()), WorkspaceID: w.ID, UserID: &uid, Role: RoleOwner})
		case err == nil:
			err = store.SetMemberRole(ctx, tx, target.ID, RoleOwner)
		}
		if err != nil {
			return core.Change{}, err
		}
		facts := []authz.Fact{authz.MembershipChanged{Workspace: w.ID, Subject: authz.Obj("user", uid)}}
		if p.Kind == "user" {
			if mine, err := store.UserMember(ctx, tx, w.ID, p.ID); err == nil && mine.Role == RoleOwner {
				if err := store.SetMemberRole(ctx, tx, mine.ID, RoleAdmin); err != nil {
					return core.Change{}, err
				}
				facts = append(facts, authz.MembershipChanged{Workspace: w.ID, Subject: authz.Obj("user", p.ID)})
			}
		}
		return core.Change{TenantID: w.TenantID, WorkspaceID: &w.ID, Target: "user:" + uid.String(), Facts: facts}, nil
	})
}

// MemberListItem is a membership with the user's effective role.
type MemberListItem struct {
	store.Member
	// Name is the user's or the group's name: whoever may list the members
	// may know who they are.
	Name string
	// EffectiveRole is a user member's strongest role, direct or through
	// groups.
	EffectiveRole string
}

// ListMembers lists direct user and group memberships; each user's
// effective role comes from SpiceDB.
func (s *Service) ListMembers(ctx context.Context, p *core.Principal, meta core.RequestMeta, workspaceID string) ([]MemberListItem, error) {
	w, err := s.VisibleWorkspace(ctx, p, meta, workspaceID)
	if err != nil {
		return nil, err
	}
	ms, err := store.ListMembers(ctx, s.Store.Pool, w.ID)
	if err != nil {
		return nil, err
	}
	names, err := store.MemberNames(ctx, s.Store.Pool, w.ID)
	if err != nil {
		return nil, err
	}
	out := make([]MemberListItem, len(ms))
	var items []authz.CheckItem
	var idx []int
	for i, m := range ms {
		out[i].Member, out[i].Name = m, names[m.ID]
		if m.UserID != nil {
			for _, perm := range []string{schema.Workspace.RoleOwner, schema.Workspace.RoleAdmin, schema.Workspace.RoleMember} {
				items = append(items, authz.CheckItem{Resource: authz.Obj("workspace", w.ID), Permission: perm, Subject: authz.Obj("user", *m.UserID)})
			}
			idx = append(idx, i)
		}
	}
	if len(items) == 0 {
		return out, nil
	}
	cons, err := s.Consistency(ctx, w.TenantID, meta)
	if err != nil {
		return nil, err
	}
	res, _, err := s.Checker.CheckBulk(ctx, items, cons)
	if err != nil {
		return nil, s.MapErr(err)
	}
	ranks := []string{RoleOwner, RoleAdmin, RoleMember}
	for j, i := range idx {
		for k := 0; k < 3; k++ {
			if res[j*3+k].Allowed {
				out[i].EffectiveRole = ranks[k]
				break
			}
		}
	}
	return out, nil
}
