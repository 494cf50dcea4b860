package projection

import (
	"context"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/gatehouse/gatehouse/internal/store"
	"github.com/gatehouse/gatehouse/internal/store/pg"
)

// The queries below read what a user or a group holds whatever the user's
// status (invited, active, disabled; not deleted). The projection writes
// these facts on the user and group objects so that SpiceDB can decide who
// may administer whom (SPEC §1.1) and who may change a group (SPEC §1.2).

// StandingFact is an undeleted user and their built-in global role.
type StandingFact struct {
	ID, TenantID uuid.UUID
	Role         string
}

// Link is an edge between two objects (From holds To).
type Link struct{ From, To uuid.UUID }

// UserRoleLinks lists custom roles assigned directly to undeleted users.
func UserRoleLinks(ctx context.Context, q store.Q, userID, roleID *uuid.UUID) ([]Link, error) {
	return collectLinks(q.Query(ctx, `SELECT a.user_id, a.role_id FROM role_assignments a
		JOIN users u ON u.id = a.user_id AND u.status <> 'deleted'
		WHERE ($1::uuid IS NULL OR a.user_id = $1) AND ($2::uuid IS NULL OR a.role_id = $2)
		ORDER BY a.user_id, a.role_id`, userID, roleID))
}

// UserGroupLinks lists the groups of undeleted users.
func UserGroupLinks(ctx context.Context, q store.Q, userID, groupID *uuid.UUID) ([]Link, error) {
	return collectLinks(q.Query(ctx, `SELECT gm.user_id, gm.group_id FROM group_members gm
		JOIN users u ON u.id = gm.user_id AND u.status <> 'deleted'
		WHERE ($1::uuid IS NULL OR gm.user_id = $1) AND ($2::uuid IS NULL OR gm.group_id = $2)
		ORDER BY gm.user_id, gm.group_id`, userID, groupID))
}

// GroupRoleLinks lists custom roles assigned to groups.
func GroupRoleLinks(ctx context.Context, q store.Q, groupID, roleID *uuid.UUID) ([]Link, error) {
	return collectLinks(q.Query(ctx, `SELECT group_id, role_id FROM role_assignments
		WHERE group_id IS NOT NULL AND ($1::uuid IS NULL OR group_id = $1) AND ($2::uuid IS NULL OR role_id = $2)
		ORDER BY group_id, role_id`, groupID, roleID))
}

// WorkspaceGroupIDs lists the groups that are members of a workspace.
func WorkspaceGroupIDs(ctx context.Context, q store.Q, workspaceID uuid.UUID) ([]uuid.UUID, error) {
	return pg.CollectIDs(q.Query(ctx, `SELECT group_id FROM workspace_members WHERE workspace_id = $1 AND group_id IS NOT NULL`, workspaceID))
}

func collectLinks(rows pgx.Rows, err error) ([]Link, error) {
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (Link, error) {
		var l Link
		err := r.Scan(&l.From, &l.To)
		return l, err
	})
}
