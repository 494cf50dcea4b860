package projection

import (
	"context"

	"github.com/google/uuid"

	"github.com/gatehouse/gatehouse/internal/store"
	"github.com/gatehouse/gatehouse/internal/store/pg"
)

// WorkspaceDeploymentIDs lists every deployment of a workspace.
func WorkspaceDeploymentIDs(ctx context.Context, q store.Q, workspaceID uuid.UUID) ([]uuid.UUID, error) {
	return pg.CollectIDs(q.Query(ctx, `SELECT id FROM deployments WHERE workspace_id = $1`, workspaceID))
}

// DeploymentsCreatedBy lists the deployments a user created.
func DeploymentsCreatedBy(ctx context.Context, q store.Q, userID uuid.UUID) ([]uuid.UUID, error) {
	return pg.CollectIDs(q.Query(ctx, `SELECT id FROM deployments WHERE created_by = $1`, userID))
}
