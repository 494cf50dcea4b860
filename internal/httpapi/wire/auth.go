package wire

import (
	"time"

	"github.com/google/uuid"

	"github.com/gatehouse/gatehouse/internal/iam"
)

// LoginInput is an email and password login.
type LoginInput struct {
	Email    string `json:"email"`
	Password string `json:"password"`
	Tenant   string `json:"tenant,omitempty"`
}

func (v LoginInput) ToIAM() iam.LoginInput {
	return iam.LoginInput{Email: v.Email, Password: v.Password, Tenant: v.Tenant}
}

// LoginResult is a new session: its token and the logged-in user.
type LoginResult struct {
	Token     string    `json:"token"`
	ExpiresAt time.Time `json:"expires_at"`
	User      User      `json:"user"`
}

func FromLoginResult(v iam.LoginResult) LoginResult {
	return LoginResult{Token: v.Token, ExpiresAt: v.ExpiresAt, User: FromUser(v.User)}
}

// InvitationInfo tells whose invitation a token is.
type InvitationInfo struct {
	Email     string    `json:"email"`
	Name      string    `json:"name"`
	Tenant    string    `json:"tenant"`
	ExpiresAt time.Time `json:"expires_at"`
	Accept    string    `json:"accept"`
}

func FromInvitationInfo(v iam.InvitationInfo) InvitationInfo {
	return InvitationInfo{
		Email:     v.Email,
		Name:      v.Name,
		Tenant:    v.Tenant,
		ExpiresAt: v.ExpiresAt,
		Accept:    v.Accept,
	}
}

// AcceptInput is an invitation's acceptance.
type AcceptInput struct {
	Token    string `json:"token"`
	Password string `json:"password"`
	Name     string `json:"name,omitempty"`
}

func (v AcceptInput) ToIAM() iam.AcceptInput {
	return iam.AcceptInput{Token: v.Token, Password: v.Password, Name: v.Name}
}

// Me is the caller with the workspaces they hold a role in.
type Me struct {
	User
	Workspaces []MyWorkspace `json:"workspaces"`
}

func FromMe(v iam.Me) Me {
	return Me{User: FromUser(v.User), Workspaces: ConvertAll(v.Workspaces, FromMyWorkspace)}
}

// MyWorkspace is a workspace with the caller's role in it.
type MyWorkspace struct {
	ID   uuid.UUID `json:"id"`
	Name string    `json:"name"`
	Role string    `json:"role"`
}

func FromMyWorkspace(v iam.MyWorkspace) MyWorkspace {
	return MyWorkspace{ID: v.ID, Name: v.Name, Role: v.Role}
}
