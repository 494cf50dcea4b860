package store

import (
	"context"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
)

// Deployment is a deployment of a workspace.
type Deployment struct {
	ID          uuid.UUID
	WorkspaceID uuid.UUID
	Name        string
	ModelID     *uuid.UUID
	CreatedBy   *uuid.UUID
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

const deploymentCols = `id, workspace_id, name, model_id, created_by, created_at, updated_at`

// DeploymentFact is a live deployment of a live workspace.
type DeploymentFact struct {
	ID, WorkspaceID uuid.UUID
	CreatedBy       *uuid.UUID
}

// InsertDeployment stores a deployment.
func InsertDeployment(ctx context.Context, q Q, tenantID uuid.UUID, d Deployment) error {
	_, err := q.Exec(ctx, `INSERT INTO deployments (id, tenant_id, workspace_id, name, model_id, created_by) VALUES ($1, $2, $3, $4, $5, $6)`,
		d.ID, tenantID, d.WorkspaceID, d.Name, d.ModelID, d.CreatedBy)
	return classify(err)
}

func scanDeployment(r interface{ Scan(...any) error }) (Deployment, error) {
	var d Deployment
	err := r.Scan(&d.ID, &d.WorkspaceID, &d.Name, &d.ModelID, &d.CreatedBy, &d.CreatedAt, &d.UpdatedAt)
	return d, classify(err)
}

// GetDeployment loads a live deployment of a workspace.
func GetDeployment(ctx context.Context, q Q, workspaceID, id uuid.UUID) (Deployment, error) {
	return scanDeployment(q.QueryRow(ctx, `SELECT `+deploymentCols+` FROM deployments WHERE id = $1 AND workspace_id = $2 AND deleted_at IS NULL`, id, workspaceID))
}

// ListDeployments lists a workspace's live deployments after a cursor.
func ListDeployments(ctx context.Context, q Q, workspaceID, after uuid.UUID, limit int) ([]Deployment, error) {
	rows, err := q.Query(ctx, `SELECT `+deploymentCols+` FROM deployments WHERE workspace_id = $1 AND deleted_at IS NULL AND id > $2 ORDER BY id LIMIT $3`, workspaceID, after, limit)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (Deployment, error) { return scanDeployment(r) })
}

// UpdateDeployment changes a deployment.
func UpdateDeployment(ctx context.Context, q Q, d Deployment) error {
	_, err := q.Exec(ctx, `UPDATE deployments SET name = $2, model_id = $3, updated_at = now() WHERE id = $1`, d.ID, d.Name, d.ModelID)
	return err
}

// SoftDeleteDeployment marks a deployment deleted.
func SoftDeleteDeployment(ctx context.Context, q Q, id uuid.UUID) error {
	_, err := q.Exec(ctx, `UPDATE deployments SET deleted_at = now() WHERE id = $1`, id)
	return err
}

// LiveDeployments lists live deployments of live workspaces.
func LiveDeployments(ctx context.Context, q Q, deploymentID *uuid.UUID) ([]DeploymentFact, error) {
	rows, err := q.Query(ctx, `SELECT d.id, d.workspace_id, u.id
		FROM deployments d
		JOIN workspaces w ON w.id = d.workspace_id AND w.deleted_at IS NULL
		LEFT JOIN users u ON u.id = d.created_by AND u.status = 'active'
		WHERE d.deleted_at IS NULL AND ($1::uuid IS NULL OR d.id = $1) ORDER BY d.id`, deploymentID)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (DeploymentFact, error) {
		var f DeploymentFact
		err := r.Scan(&f.ID, &f.WorkspaceID, &f.CreatedBy)
		return f, err
	})
}
