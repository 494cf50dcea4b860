package projection

import (
	"context"

	"github.com/google/uuid"

	"github.com/gatehouse/gatehouse/internal/store"
	"github.com/gatehouse/gatehouse/internal/store/pg"
)

// GroupWorkspaces lists the workspaces a group is a member of.
func GroupWorkspaces(ctx context.Context, q store.Q, groupID uuid.UUID) ([]uuid.UUID, error) {
	return pg.CollectIDs(q.Query(ctx, `SELECT workspace_id FROM workspace_members WHERE group_id = $1`, groupID))
}

// ActiveGroupMembers lists active users of account groups.
func ActiveGroupMembers(ctx context.Context, q store.Q, groupID, userID *uuid.UUID) ([]MemberFact, error) {
	rows, err := q.Query(ctx, `SELECT gm.group_id, gm.user_id, NULL::uuid, 'member'
		FROM group_members gm JOIN users u ON u.id = gm.user_id AND u.status = 'active'
		WHERE ($1::uuid IS NULL OR gm.group_id = $1) AND ($2::uuid IS NULL OR gm.user_id = $2)
		ORDER BY gm.group_id, gm.user_id`, groupID, userID)
	if err != nil {
		return nil, err
	}
	return collectMembers(rows)
}
