package wire

import (
	"time"

	"github.com/google/uuid"

	"github.com/gatehouse/gatehouse/internal/iam"
)

// Tenant is a tenant: an isolated organisation with its own users, workspaces and roles.
type Tenant struct {
	ID        uuid.UUID `json:"id"`
	Name      string    `json:"name"`
	CreatedAt time.Time `json:"created_at"`
}

func FromTenant(v iam.Tenant) Tenant {
	return Tenant{ID: v.ID, Name: v.Name, CreatedAt: v.CreatedAt}
}

// TenantInput is a new tenant and its first admin.
type TenantInput struct {
	Name  string `json:"name"`
	Admin struct {
		Email string `json:"email"`
		Name  string `json:"name"`
	} `json:"admin"`
}

func (v TenantInput) ToIAM() iam.TenantInput {
	out := iam.TenantInput{Name: v.Name}
	out.Admin.Email = v.Admin.Email
	out.Admin.Name = v.Admin.Name
	return out
}

// TenantCreated is the new tenant with its first admin's invitation.
type TenantCreated struct {
	Tenant
	Admin struct {
		ID              uuid.UUID `json:"id"`
		Email           string    `json:"email"`
		InvitationToken string    `json:"invitation_token"`
		InvitationURL   string    `json:"invitation_url"`
	} `json:"admin"`
	WriteResult
}

func FromTenantCreated(v iam.TenantCreated) TenantCreated {
	out := TenantCreated{Tenant: FromTenant(v.Tenant), WriteResult: FromWriteResult(v.WriteResult)}
	out.Admin.ID = v.Admin.ID
	out.Admin.Email = v.Admin.Email
	out.Admin.InvitationToken = v.Admin.InvitationToken
	out.Admin.InvitationURL = v.Admin.InvitationURL
	return out
}

// TenantPatch holds the tenant settings to change.
type TenantPatch struct {
	Name *string `json:"name,omitempty"`
}

func (v TenantPatch) ToIAM() iam.TenantPatch {
	return iam.TenantPatch{Name: v.Name}
}
