package wire

import (
	"time"

	"github.com/google/uuid"

	"github.com/gatehouse/gatehouse/internal/iam"
)

// WorkspaceView is a workspace (with the caller's role when listed or read).
type WorkspaceView struct {
	Workspace
	Role string `json:"role,omitempty"`
	WriteResult
}

func FromWorkspaceView(v iam.WorkspaceView) WorkspaceView {
	return WorkspaceView{Workspace: FromWorkspace(v.Workspace), Role: v.Role, WriteResult: FromWriteResult(v.WriteResult)}
}

// Workspace is a workspace's own fields (WorkspaceView adds the caller's role).
type Workspace struct {
	ID          uuid.UUID `json:"id"`
	TenantID    uuid.UUID `json:"tenant_id"`
	Name        string    `json:"name"`
	Description string    `json:"description"`
	CreatedBy   uuid.UUID `json:"created_by"`
	CreatedAt   time.Time `json:"created_at"`
	UpdatedAt   time.Time `json:"updated_at"`
}

func FromWorkspace(v iam.Workspace) Workspace {
	return Workspace{
		ID:          v.ID,
		TenantID:    v.TenantID,
		Name:        v.Name,
		Description: v.Description,
		CreatedBy:   v.CreatedBy,
		CreatedAt:   v.CreatedAt,
		UpdatedAt:   v.UpdatedAt,
	}
}

// WorkspaceInput is a new workspace.
type WorkspaceInput struct {
	Name        string `json:"name"`
	Description string `json:"description,omitempty"`
}

func (v WorkspaceInput) ToIAM() iam.WorkspaceInput {
	return iam.WorkspaceInput{Name: v.Name, Description: v.Description}
}

// WorkspacePatch holds the workspace fields to change.
type WorkspacePatch struct {
	Name        *string `json:"name,omitempty"`
	Description *string `json:"description,omitempty"`
}

func (v WorkspacePatch) ToIAM() iam.WorkspacePatch {
	return iam.WorkspacePatch{Name: v.Name, Description: v.Description}
}

// MemberListItem is a workspace member with its effective role.
type MemberListItem struct {
	Member
	Name          string `json:"name"`
	EffectiveRole string `json:"effective_role,omitempty"`
}

func FromMemberListItem(v iam.MemberListItem) MemberListItem {
	return MemberListItem{Member: FromMember(v.Member), Name: v.Name, EffectiveRole: v.EffectiveRole}
}

// Member is a membership of a user or an account group in a workspace.
type Member struct {
	ID          uuid.UUID  `json:"id"`
	WorkspaceID uuid.UUID  `json:"workspace_id"`
	UserID      *uuid.UUID `json:"user_id,omitempty"`
	GroupID     *uuid.UUID `json:"group_id,omitempty"`
	Role        string     `json:"role"`
	CreatedAt   time.Time  `json:"created_at"`
}

func FromMember(v iam.Member) Member {
	return Member{
		ID:          v.ID,
		WorkspaceID: v.WorkspaceID,
		UserID:      v.UserID,
		GroupID:     v.GroupID,
		Role:        v.Role,
		CreatedAt:   v.CreatedAt,
	}
}

// MemberInput is a user or group to add, with its role.
type MemberInput struct {
	UserID  string `json:"user_id,omitempty"`
	GroupID string `json:"group_id,omitempty"`
	Role    string `json:"role"`
}

func (v MemberInput) ToIAM() iam.MemberInput {
	return iam.MemberInput{UserID: v.UserID, GroupID: v.GroupID, Role: v.Role}
}

// MemberView is the changed membership.
type MemberView struct {
	Member
	WriteResult
}

func FromMemberView(v iam.MemberView) MemberView {
	return MemberView{Member: FromMember(v.Member), WriteResult: FromWriteResult(v.WriteResult)}
}

// MemberPatch holds a member's new role.
type MemberPatch struct {
	Role string `json:"role"`
}

func (v MemberPatch) ToIAM() iam.MemberPatch {
	return iam.MemberPatch{Role: v.Role}
}

// TransferInput names the new owner.
type TransferInput struct {
	UserID string `json:"user_id"`
}

func (v TransferInput) ToIAM() iam.TransferInput {
	return iam.TransferInput{UserID: v.UserID}
}

// Model is a catalog model.
type Model struct {
	ID        uuid.UUID `json:"id"`
	TenantID  uuid.UUID `json:"tenant_id"`
	Name      string    `json:"name"`
	Provider  string    `json:"provider"`
	CreatedAt time.Time `json:"created_at"`
}

func FromModel(v iam.Model) Model {
	return Model{
		ID:        v.ID,
		TenantID:  v.TenantID,
		Name:      v.Name,
		Provider:  v.Provider,
		CreatedAt: v.CreatedAt,
	}
}

// ModelInput is a model to add to the catalog.
type ModelInput struct {
	Name     string `json:"name"`
	Provider string `json:"provider,omitempty"`
}

func (v ModelInput) ToIAM() iam.ModelInput {
	return iam.ModelInput{Name: v.Name, Provider: v.Provider}
}

// ModelView is the changed catalog model.
type ModelView struct {
	Model
	WriteResult
}

func FromModelView(v iam.ModelView) ModelView {
	return ModelView{Model: FromModel(v.Model), WriteResult: FromWriteResult(v.WriteResult)}
}

// ModelPatch holds the catalog model fields to change.
type ModelPatch struct {
	Name     *string `json:"name,omitempty"`
	Provider *string `json:"provider,omitempty"`
}

func (v ModelPatch) ToIAM() iam.ModelPatch {
	return iam.ModelPatch{Name: v.Name, Provider: v.Provider}
}

// WhitelistInput is a catalog model to whitelist.
type WhitelistInput struct {
	ModelID string `json:"model_id"`
}

func (v WhitelistInput) ToIAM() iam.WhitelistInput {
	return iam.WhitelistInput{ModelID: v.ModelID}
}

// Deployment is a deployment in a workspace.
type Deployment struct {
	ID          uuid.UUID  `json:"id"`
	WorkspaceID uuid.UUID  `json:"workspace_id"`
	Name        string     `json:"name"`
	ModelID     *uuid.UUID `json:"model_id,omitempty"`
	CreatedBy   *uuid.UUID `json:"created_by,omitempty"`
	CreatedAt   time.Time  `json:"created_at"`
	UpdatedAt   time.Time  `json:"updated_at"`
}

func FromDeployment(v iam.Deployment) Deployment {
	return Deployment{
		ID:          v.ID,
		WorkspaceID: v.WorkspaceID,
		Name:        v.Name,
		ModelID:     v.ModelID,
		CreatedBy:   v.CreatedBy,
		CreatedAt:   v.CreatedAt,
		UpdatedAt:   v.UpdatedAt,
	}
}

// DeploymentInput is a deployment's name and model.
type DeploymentInput struct {
	Name    string  `json:"name"`
	ModelID *string `json:"model_id,omitempty"`
}

func (v DeploymentInput) ToIAM() iam.DeploymentInput {
	return iam.DeploymentInput{Name: v.Name, ModelID: v.ModelID}
}

// DeploymentView is the changed deployment.
type DeploymentView struct {
	Deployment
	WriteResult
}

func FromDeploymentView(v iam.DeploymentView) DeploymentView {
	return DeploymentView{Deployment: FromDeployment(v.Deployment), WriteResult: FromWriteResult(v.WriteResult)}
}

// APIKey is a workspace API key (never its secret).
type APIKey struct {
	ID          uuid.UUID  `json:"id"`
	TenantID    uuid.UUID  `json:"tenant_id"`
	WorkspaceID uuid.UUID  `json:"workspace_id"`
	CreatedBy   uuid.UUID  `json:"created_by"`
	Name        string     `json:"name"`
	Role        string     `json:"role"`
	PublicID    string     `json:"prefix"`
	LastFour    string     `json:"last_four"`
	ExpiresAt   *time.Time `json:"expires_at,omitempty"`
	RevokedAt   *time.Time `json:"revoked_at,omitempty"`
	LastUsedAt  *time.Time `json:"last_used_at,omitempty"`
	CreatedAt   time.Time  `json:"created_at"`
}

func FromAPIKey(v iam.APIKey) APIKey {
	return APIKey{
		ID:          v.ID,
		TenantID:    v.TenantID,
		WorkspaceID: v.WorkspaceID,
		CreatedBy:   v.CreatedBy,
		Name:        v.Name,
		Role:        v.Role,
		PublicID:    v.PublicID,
		LastFour:    v.LastFour,
		ExpiresAt:   v.ExpiresAt,
		RevokedAt:   v.RevokedAt,
		LastUsedAt:  v.LastUsedAt,
		CreatedAt:   v.CreatedAt,
	}
}

// APIKeyInput is a new API key.
type APIKeyInput struct {
	Name      string     `json:"name"`
	Role      string     `json:"role"`
	ExpiresAt *time.Time `json:"expires_at,omitempty"`
}

func (v APIKeyInput) ToIAM() iam.APIKeyInput {
	return iam.APIKeyInput{Name: v.Name, Role: v.Role, ExpiresAt: v.ExpiresAt}
}

// APIKeyView is an API key; key (the secret) only when created.
type APIKeyView struct {
	APIKey
	Key string `json:"key,omitempty"`
	WriteResult
}

func FromAPIKeyView(v iam.APIKeyView) APIKeyView {
	return APIKeyView{APIKey: FromAPIKey(v.APIKey), Key: v.Key, WriteResult: FromWriteResult(v.WriteResult)}
}
