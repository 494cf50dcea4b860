package wire

import (
	"time"

	"github.com/google/uuid"

	"github.com/gatehouse/gatehouse/internal/iam"
)

// User is a user account.
type User struct {
	ID         uuid.UUID `json:"id"`
	TenantID   uuid.UUID `json:"tenant_id"`
	Email      string    `json:"email"`
	Name       string    `json:"name"`
	GlobalRole string    `json:"global_role"`
	Status     string    `json:"status"`
	CreatedAt  time.Time `json:"created_at"`
	UpdatedAt  time.Time `json:"updated_at"`
}

func FromUser(v iam.User) User {
	return User{
		ID:         v.ID,
		TenantID:   v.TenantID,
		Email:      v.Email,
		Name:       v.Name,
		GlobalRole: v.GlobalRole,
		Status:     v.Status,
		CreatedAt:  v.CreatedAt,
		UpdatedAt:  v.UpdatedAt,
	}
}

// InviteInput is a user to invite.
type InviteInput struct {
	Email      string `json:"email"`
	Name       string `json:"name"`
	GlobalRole string `json:"global_role"`
	TenantID   string `json:"tenant_id,omitempty"`
}

func (v InviteInput) ToIAM() iam.InviteInput {
	return iam.InviteInput{
		Email:      v.Email,
		Name:       v.Name,
		GlobalRole: v.GlobalRole,
		TenantID:   v.TenantID,
	}
}

// Invited is the invited user with the invitation (shown once).
type Invited struct {
	User
	InvitationToken string    `json:"invitation_token"`
	InvitationURL   string    `json:"invitation_url"`
	ExpiresAt       time.Time `json:"invitation_expires_at"`
	WriteResult
}

func FromInvited(v iam.Invited) Invited {
	return Invited{
		User:            FromUser(v.User),
		InvitationToken: v.InvitationToken,
		InvitationURL:   v.InvitationURL,
		ExpiresAt:       v.ExpiresAt,
		WriteResult:     FromWriteResult(v.WriteResult),
	}
}

// UserPatch holds the profile fields to change.
type UserPatch struct {
	Name  *string `json:"name,omitempty"`
	Email *string `json:"email,omitempty"`
}

func (v UserPatch) ToIAM() iam.UserPatch {
	return iam.UserPatch{Name: v.Name, Email: v.Email}
}

// UserResult is the changed user.
type UserResult struct {
	User
	WriteResult
}

func FromUserResult(v iam.UserResult) UserResult {
	return UserResult{User: FromUser(v.User), WriteResult: FromWriteResult(v.WriteResult)}
}

// Group is an account group.
type Group struct {
	ID        uuid.UUID `json:"id"`
	TenantID  uuid.UUID `json:"tenant_id"`
	Name      string    `json:"name"`
	CreatedAt time.Time `json:"created_at"`
}

func FromGroup(v iam.Group) Group {
	return Group{
		ID:        v.ID,
		TenantID:  v.TenantID,
		Name:      v.Name,
		CreatedAt: v.CreatedAt,
	}
}

// GroupInput holds an account group's name.
type GroupInput struct {
	Name string `json:"name"`
}

func (v GroupInput) ToIAM() iam.GroupInput {
	return iam.GroupInput{Name: v.Name}
}

// GroupView is an account group, with its members when read alone.
type GroupView struct {
	Group
	Members []User `json:"members,omitempty"`
	WriteResult
}

func FromGroupView(v iam.GroupView) GroupView {
	return GroupView{Group: FromGroup(v.Group), Members: ConvertAll(v.Members, FromUser), WriteResult: FromWriteResult(v.WriteResult)}
}
