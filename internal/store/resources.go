package store

import (
	"context"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
)

// UpdateWorkspace changes name and description.
func UpdateWorkspace(ctx context.Context, q Q, w Workspace) error {
	_, err := q.Exec(ctx, `UPDATE workspaces SET name = $2, description = $3, updated_at = now() WHERE id = $1`, w.ID, w.Name, w.Description)
	return err
}

// SoftDeleteWorkspace marks a workspace deleted (rows stay for audit).
func SoftDeleteWorkspace(ctx context.Context, q Q, id uuid.UUID) error {
	_, err := q.Exec(ctx, `UPDATE workspaces SET deleted_at = now() WHERE id = $1 AND deleted_at IS NULL`, id)
	return err
}

// TenantWorkspaceIDs lists a tenant's live workspaces after a cursor.
func TenantWorkspaceIDs(ctx context.Context, q Q, tenantID uuid.UUID) ([]uuid.UUID, error) {
	return collectIDs(q.Query(ctx, `SELECT id FROM workspaces WHERE tenant_id = $1 AND deleted_at IS NULL ORDER BY id`, tenantID))
}

// GetMember loads a membership of a workspace, row-locked.
func GetMember(ctx context.Context, q Q, workspaceID, memberID uuid.UUID) (Member, error) {
	var m Member
	err := q.QueryRow(ctx, `SELECT id, workspace_id, user_id, group_id, role, created_at FROM workspace_members WHERE id = $1 AND workspace_id = $2 FOR UPDATE`, memberID, workspaceID).
		Scan(&m.ID, &m.WorkspaceID, &m.UserID, &m.GroupID, &m.Role, &m.CreatedAt)
	return m, classify(err)
}

// UserMember loads a user's direct membership of a workspace.
func UserMember(ctx context.Context, q Q, workspaceID, userID uuid.UUID) (Member, error) {
	var m Member
	err := q.QueryRow(ctx, `SELECT id, workspace_id, user_id, group_id, role, created_at FROM workspace_members WHERE workspace_id = $1 AND user_id = $2 FOR UPDATE`, workspaceID, userID).
		Scan(&m.ID, &m.WorkspaceID, &m.UserID, &m.GroupID, &m.Role, &m.CreatedAt)
	return m, classify(err)
}

// SetMemberRole changes a membership's role.
func SetMemberRole(ctx context.Context, q Q, id uuid.UUID, role string) error {
	_, err := q.Exec(ctx, `UPDATE workspace_members SET role = $2, updated_at = now() WHERE id = $1`, id, role)
	return err
}

// DeleteMember removes a membership.
func DeleteMember(ctx context.Context, q Q, id uuid.UUID) error {
	_, err := q.Exec(ctx, `DELETE FROM workspace_members WHERE id = $1`, id)
	return err
}

// OtherOwners counts the owners of a workspace other than one membership:
// active users and groups with at least one active member. The workspace's
// memberships are row-locked first so concurrent changes serialise.
func OtherOwners(ctx context.Context, q Q, workspaceID, exceptMember uuid.UUID) (int, error) {
	if _, err := q.Exec(ctx, `SELECT id FROM workspace_members WHERE workspace_id = $1 FOR UPDATE`, workspaceID); err != nil {
		return 0, err
	}
	var n int
	err := q.QueryRow(ctx, `SELECT count(*) FROM workspace_members m LEFT JOIN users u ON u.id = m.user_id
		WHERE m.workspace_id = $1 AND m.role = 'owner' AND m.id <> $2
		  AND (u.status = 'active' OR (m.group_id IS NOT NULL AND EXISTS (
			SELECT 1 FROM group_members gm JOIN users gu ON gu.id = gm.user_id AND gu.status = 'active' WHERE gm.group_id = m.group_id)))`,
		workspaceID, exceptMember).Scan(&n)
	return n, err
}

// Model is a global catalog entry.
type Model struct {
	ID        uuid.UUID `json:"id"`
	TenantID  uuid.UUID `json:"tenant_id"`
	Name      string    `json:"name"`
	Provider  string    `json:"provider"`
	CreatedAt time.Time `json:"created_at"`
}

// InsertModel stores a catalog entry.
func InsertModel(ctx context.Context, q Q, m Model, createdBy uuid.UUID) error {
	_, err := q.Exec(ctx, `INSERT INTO models (id, tenant_id, name, provider, created_by) VALUES ($1, $2, $3, $4, $5)`, m.ID, m.TenantID, m.Name, m.Provider, createdBy)
	return classify(err)
}

// GetModel loads a live catalog entry.
func GetModel(ctx context.Context, q Q, id uuid.UUID) (Model, error) {
	var m Model
	err := q.QueryRow(ctx, `SELECT id, tenant_id, name, provider, created_at FROM models WHERE id = $1 AND deleted_at IS NULL`, id).Scan(&m.ID, &m.TenantID, &m.Name, &m.Provider, &m.CreatedAt)
	return m, classify(err)
}

// ListModels lists a tenant's catalog (optionally only ids given).
func ListModels(ctx context.Context, q Q, tenantID uuid.UUID, only []uuid.UUID, whitelistedIn *uuid.UUID) ([]Model, error) {
	rows, err := q.Query(ctx, `SELECT id, tenant_id, name, provider, created_at FROM models m
		WHERE tenant_id = $1 AND deleted_at IS NULL AND ($2::uuid[] IS NULL OR id = ANY($2))
		  AND ($3::uuid IS NULL OR EXISTS (SELECT 1 FROM workspace_models w WHERE w.model_id = m.id AND w.workspace_id = $3))
		ORDER BY id`, tenantID, only, whitelistedIn)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (Model, error) {
		var m Model
		err := r.Scan(&m.ID, &m.TenantID, &m.Name, &m.Provider, &m.CreatedAt)
		return m, err
	})
}

// DeleteModel soft-deletes a catalog entry and its whitelistings; it
// returns the workspaces that had whitelisted it.
func DeleteModel(ctx context.Context, q Q, id uuid.UUID) ([]uuid.UUID, error) {
	ws, err := collectIDs(q.Query(ctx, `DELETE FROM workspace_models WHERE model_id = $1 RETURNING workspace_id`, id))
	if err != nil {
		return nil, err
	}
	_, err = q.Exec(ctx, `UPDATE models SET deleted_at = now() WHERE id = $1`, id)
	return ws, err
}

// Whitelist enables a model in a workspace; a duplicate is ErrConflict.
func Whitelist(ctx context.Context, q Q, tenantID, workspaceID, modelID uuid.UUID) error {
	_, err := q.Exec(ctx, `INSERT INTO workspace_models (tenant_id, workspace_id, model_id) VALUES ($1, $2, $3)`, tenantID, workspaceID, modelID)
	return classify(err)
}

// Unwhitelist disables a model in a workspace; it reports whether it was on.
func Unwhitelist(ctx context.Context, q Q, workspaceID, modelID uuid.UUID) (bool, error) {
	tag, err := q.Exec(ctx, `DELETE FROM workspace_models WHERE workspace_id = $1 AND model_id = $2`, workspaceID, modelID)
	return tag.RowsAffected() == 1, err
}

// WorkspaceModelIDs lists the models a workspace whitelisted.
func WorkspaceModelIDs(ctx context.Context, q Q, workspaceID uuid.UUID) ([]uuid.UUID, error) {
	return collectIDs(q.Query(ctx, `SELECT model_id FROM workspace_models WHERE workspace_id = $1`, workspaceID))
}

// ModelFact is a live model and where it is whitelisted (live workspaces).
type ModelFact struct {
	ID, TenantID uuid.UUID
	Workspaces   []uuid.UUID
}

// LiveModels lists live models with their whitelisting workspaces.
func LiveModels(ctx context.Context, q Q, modelID *uuid.UUID) ([]ModelFact, error) {
	rows, err := q.Query(ctx, `SELECT m.id, m.tenant_id, coalesce(array_agg(w.id) FILTER (WHERE w.id IS NOT NULL), '{}')
		FROM models m
		LEFT JOIN workspace_models wm ON wm.model_id = m.id
		LEFT JOIN workspaces w ON w.id = wm.workspace_id AND w.deleted_at IS NULL
		WHERE m.deleted_at IS NULL AND ($1::uuid IS NULL OR m.id = $1)
		GROUP BY m.id, m.tenant_id ORDER BY m.id`, modelID)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (ModelFact, error) {
		var f ModelFact
		err := r.Scan(&f.ID, &f.TenantID, &f.Workspaces)
		return f, err
	})
}

// Deployment is a deployment of a workspace.
type Deployment struct {
	ID          uuid.UUID  `json:"id"`
	WorkspaceID uuid.UUID  `json:"workspace_id"`
	Name        string     `json:"name"`
	ModelID     *uuid.UUID `json:"model_id,omitempty"`
	CreatedBy   *uuid.UUID `json:"created_by,omitempty"`
	CreatedAt   time.Time  `json:"created_at"`
	UpdatedAt   time.Time  `json:"updated_at"`
}

// InsertDeployment stores a deployment.
func InsertDeployment(ctx context.Context, q Q, tenantID uuid.UUID, d Deployment) error {
	_, err := q.Exec(ctx, `INSERT INTO deployments (id, tenant_id, workspace_id, name, model_id, created_by) VALUES ($1, $2, $3, $4, $5, $6)`,
		d.ID, tenantID, d.WorkspaceID, d.Name, d.ModelID, d.CreatedBy)
	return classify(err)
}

const deploymentCols = `id, workspace_id, name, model_id, created_by, created_at, updated_at`

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

// WorkspaceDeploymentIDs lists every deployment of a workspace.
func WorkspaceDeploymentIDs(ctx context.Context, q Q, workspaceID uuid.UUID) ([]uuid.UUID, error) {
	return collectIDs(q.Query(ctx, `SELECT id FROM deployments WHERE workspace_id = $1`, workspaceID))
}

// APIKey is a workspace API key (the secret is never stored).
type APIKey struct {
	ID          uuid.UUID  `json:"id"`
	TenantID    uuid.UUID  `json:"tenant_id"`
	WorkspaceID uuid.UUID  `json:"workspace_id"`
	CreatedBy   uuid.UUID  `json:"created_by"`
	Name        string     `json:"name"`
	Role        string     `json:"role"`
	PublicID    string     `json:"prefix"`
	SecretHash  []byte     `json:"-"`
	LastFour    string     `json:"last_four"`
	ExpiresAt   *time.Time `json:"expires_at,omitempty"`
	RevokedAt   *time.Time `json:"revoked_at,omitempty"`
	LastUsedAt  *time.Time `json:"last_used_at,omitempty"`
	CreatedAt   time.Time  `json:"created_at"`
}

const apiKeyCols = `id, tenant_id, workspace_id, created_by, name, role, public_id, secret_hash, last_four, expires_at, revoked_at, last_used_at, created_at`

func scanAPIKey(r interface{ Scan(...any) error }) (APIKey, error) {
	var k APIKey
	err := r.Scan(&k.ID, &k.TenantID, &k.WorkspaceID, &k.CreatedBy, &k.Name, &k.Role, &k.PublicID, &k.SecretHash, &k.LastFour, &k.ExpiresAt, &k.RevokedAt, &k.LastUsedAt, &k.CreatedAt)
	return k, classify(err)
}

// InsertAPIKey stores a key.
func InsertAPIKey(ctx context.Context, q Q, k APIKey) error {
	_, err := q.Exec(ctx, `INSERT INTO api_keys (id, tenant_id, workspace_id, created_by, name, role, public_id, secret_hash, last_four, expires_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`, k.ID, k.TenantID, k.WorkspaceID, k.CreatedBy, k.Name, k.Role, k.PublicID, k.SecretHash, k.LastFour, k.ExpiresAt)
	return classify(err)
}

// APIKeyByPublicID loads a key by the public part of its token.
func APIKeyByPublicID(ctx context.Context, q Q, publicID string) (APIKey, error) {
	return scanAPIKey(q.QueryRow(ctx, `SELECT `+apiKeyCols+` FROM api_keys WHERE public_id = $1`, publicID))
}

// GetAPIKey loads a key of a workspace.
func GetAPIKey(ctx context.Context, q Q, workspaceID, id uuid.UUID) (APIKey, error) {
	return scanAPIKey(q.QueryRow(ctx, `SELECT `+apiKeyCols+` FROM api_keys WHERE id = $1 AND workspace_id = $2`, id, workspaceID))
}

// ListAPIKeys lists a workspace's keys (optionally one creator's).
func ListAPIKeys(ctx context.Context, q Q, workspaceID uuid.UUID, createdBy *uuid.UUID) ([]APIKey, error) {
	rows, err := q.Query(ctx, `SELECT `+apiKeyCols+` FROM api_keys WHERE workspace_id = $1 AND ($2::uuid IS NULL OR created_by = $2) ORDER BY id`, workspaceID, createdBy)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (APIKey, error) { return scanAPIKey(r) })
}

// RevokeAPIKey revokes a key.
func RevokeAPIKey(ctx context.Context, q Q, id uuid.UUID) error {
	_, err := q.Exec(ctx, `UPDATE api_keys SET revoked_at = now() WHERE id = $1 AND revoked_at IS NULL`, id)
	return err
}

// TouchAPIKey records use at most once a minute per key, so a request
// storm does not turn into a write storm.
func TouchAPIKey(ctx context.Context, q Q, id uuid.UUID) error {
	_, err := q.Exec(ctx, `UPDATE api_keys SET last_used_at = now() WHERE id = $1 AND (last_used_at IS NULL OR last_used_at < now() - interval '1 minute')`, id)
	return err
}

// APIKeyIDs lists keys of a workspace and/or of a creator.
func APIKeyIDs(ctx context.Context, q Q, workspaceID, createdBy *uuid.UUID) ([]OwnedFact, error) {
	return collectOwned(q.Query(ctx, `SELECT id, workspace_id FROM api_keys WHERE ($1::uuid IS NULL OR workspace_id = $1) AND ($2::uuid IS NULL OR created_by = $2)`, workspaceID, createdBy))
}

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

// APIKeyFacts lists keys with their creator's standing (filters optional).
func APIKeyFacts(ctx context.Context, q Q, keyID, workspaceID *uuid.UUID) ([]APIKeyFact, error) {
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

// APIKeyTenant returns the tenant of a key.
func APIKeyTenant(ctx context.Context, q Q, id uuid.UUID) (uuid.UUID, error) {
	var t uuid.UUID
	err := q.QueryRow(ctx, `SELECT tenant_id FROM api_keys WHERE id = $1`, id).Scan(&t)
	return t, classify(err)
}

// UpdateModel changes a catalog entry.
func UpdateModel(ctx context.Context, q Q, m Model) error {
	_, err := q.Exec(ctx, `UPDATE models SET name = $2, provider = $3 WHERE id = $1`, m.ID, m.Name, m.Provider)
	return classify(err)
}
