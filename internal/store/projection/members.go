package projection

import (
	"context"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/gatehouse/gatehouse/internal/store"
	"github.com/gatehouse/gatehouse/internal/store/pg"
)

// MemberFact is a membership whose subject is an active user or a group.
type MemberFact struct {
	ParentID uuid.UUID
	UserID   *uuid.UUID
	GroupID  *uuid.UUID
	Role     string
}

// LiveWorkspaceMembers lists memberships of live workspaces held by active
// users or by groups; subject filters are optional.
func LiveWorkspaceMembers(ctx context.Context, q store.Q, workspaceID, userID, groupID *uuid.UUID) ([]MemberFact, error) {
	var f pg.Filters
	f.Eq("m.workspace_id", workspaceID)
	f.Eq("m.user_id", userID)
	f.Eq("m.group_id", groupID)
	where, args := f.Where()
	rows, err := q.Query(ctx, `SELECT m.workspace_id, m.user_id, m.group_id, m.role
		FROM workspace_members m
		JOIN workspaces w ON w.id = m.workspace_id AND w.deleted_at IS NULL
		LEFT JOIN users u ON u.id = m.user_id
		WHERE (m.group_id IS NOT NULL OR u.status = 'active')`+where+`
		ORDER BY m.workspace_id, m.id`, args...)
	if err != nil {
		return nil, err
	}
	return collectMembers(rows)
}

func collectMembers(rows pgx.Rows) ([]MemberFact, error) {
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (MemberFact, error) {
		var f MemberFact
		err := r.Scan(&f.ParentID, &f.UserID, &f.GroupID, &f.Role)
		return f, err
	})
}

// UserMembershipParents lists what a user's facts touch: the workspaces and
// groups they are a direct member of.
func UserMembershipParents(ctx context.Context, q store.Q, userID uuid.UUID) (workspaces, groups []uuid.UUID, err error) {
	workspaces, err = pg.CollectIDs(q.Query(ctx, `SELECT workspace_id FROM workspace_members WHERE user_id = $1`, userID))
	if err != nil {
		return nil, nil, err
	}
	groups, err = pg.CollectIDs(q.Query(ctx, `SELECT group_id FROM group_members WHERE user_id = $1`, userID))
	return workspaces, groups, err
}
