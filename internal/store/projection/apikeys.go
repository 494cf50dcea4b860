package projection

import (
	"context"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/gatehouse/gatehouse/internal/store"
)

// APIKeyFact is what the projection of a key needs: the key and its
// creator's current standing in the key's workspace.
type APIKeyFact struct {
	ID, WorkspaceID, CreatedBy uuid.UUID
	Role                       string
	ExpiresAt                  *time.Time
	Live                       bool   // not revoked, workspace live
	CreatorActive              bool   // creator is active
	CreatorRole                string // strongest of direct and group roles in the workspace ("" none)
	CreatorSuperadmin          bool
}

// APIKeyIDs lists keys of a workspace and/or of a creator.
func APIKeyIDs(ctx context.Context, q store.Q, workspaceID, createdBy *uuid.UUID) ([]store.OwnedFact, error) {
	return store.CollectOwned(q.Query(ctx, `SELECT id, workspace_id FROM api_keys WHERE ($1::uuid IS NULL OR workspace_id = $1) AND ($2::uuid IS NULL OR created_by = $2)`, workspaceID, createdBy))
}

// APIKeyFacts lists keys with their creator's standing (filters optional).
func APIKeyFacts(ctx context.Context, q store.Q, keyID, workspaceID *uuid.UUID) ([]APIKeyFact, error) {
	rows, err := q.Query(ctx, `SELECT k.id, k.workspace_id, k.created_by, k.role, k.expires_at,
			k.revoked_at IS NULL AND w.deleted_at IS NULL,
			u.status = 'active', u.global_role = 'superadmin',
			coalesce((SELECT CASE max(CASE m.role WHEN 'owner' THEN 3 WHEN 'admin' THEN 2 ELSE 1 END) WHEN 3 THEN 'owner' WHEN 2 THEN 'admin' WHEN 1 THEN 'member' END
				FROM workspace_members m
				WHERE m.workspace_id = k.workspace_id
				  AND (m.user_id = k.created_by OR m.group_id IN (SELECT group_id FROM group_members WHERE user_id = k.created_by))), '')
		FROM api_keys k JOIN workspaces w ON w.id = k.workspace_id JOIN users u ON u.id = k.created_by
		WHERE ($1::uuid IS NULL OR k.id = $1) AND ($2::uuid IS NULL OR k.workspace_id = $2)
		ORDER BY k.id`, keyID, workspaceID)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (APIKeyFact, error) {
		var f APIKeyFact
		err := r.Scan(&f.ID, &f.WorkspaceID, &f.CreatedBy, &f.Role, &f.ExpiresAt, &f.Live, &f.CreatorActive, &f.CreatorSuperadmin, &f.CreatorRole)
		return f, err
	})
}
