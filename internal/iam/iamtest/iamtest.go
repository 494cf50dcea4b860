// Package iamtest is what the use-case tests of the iam domain packages
// share: a Gatehouse on real PostgreSQL and SpiceDB (testenv), and
// principals to call its use cases as, made through the use cases
// themselves (no HTTP).
package iamtest

import (
	"testing"

	"github.com/gatehouse/gatehouse/internal/iam"
	"github.com/gatehouse/gatehouse/internal/testenv"
)

// Meta is the request metadata the tests' use cases are called with.
var Meta = iam.RequestMeta{RequestID: "iamtest", ClientAddr: "192.0.2.1"}

// Env is a running Gatehouse and the bootstrap superadmin.
type Env struct {
	*testenv.Env
	IAM  *iam.Service
	Root *User
}

// User is a logged-in caller: the token a client would send with every
// request (a session's, an API key's or a service credential's).
type User struct {
	Name  string
	Token string
}

// As authenticates u's session as the HTTP layer does for each request,
// and returns the principal to call one request's use cases as. Take a
// new one per request: a principal carries its tenant's consistency token
// as of its authentication, so one kept across writes reads behind them.
func (e *Env) As(t testing.TB, u *User) *iam.Principal {
	t.Helper()
	p, err := e.IAM.Authenticate(t.Context(), u.Token)
	if err != nil {
		t.Fatalf("authenticate %s: %v", u.Name, err)
	}
	return p
}

// New starts a Gatehouse with a fresh database and SpiceDB datastore and
// logs the bootstrap superadmin in.
func New(t testing.TB) *Env {
	t.Helper()
	e := testenv.New(t)
	env := &Env{Env: e, IAM: e.IAM}
	env.Root = env.Login(t, e.Config.BootstrapEmail, e.Config.BootstrapPassword)
	return env
}

// Login logs in with a password.
func (e *Env) Login(t testing.TB, email, password string) *User {
	t.Helper()
	res, err := e.IAM.Login(t.Context(), Meta, iam.LoginInput{Email: email, Password: password})
	if err != nil {
		t.Fatalf("login %s: %v", email, err)
	}
	return &User{Name: email, Token: res.Token}
}

// User invites a user of the root's tenant with global role (member,
// admin, superadmin), accepts the invitation and logs the user in.
func (e *Env) User(t testing.TB, email, role string) *User {
	t.Helper()
	const password = "correct-horse-battery"
	inv, err := e.IAM.InviteUser(t.Context(), e.As(t, e.Root), Meta, iam.InviteInput{Email: email, Name: email, GlobalRole: role})
	if err != nil {
		t.Fatalf("invite %s: %v", email, err)
	}
	if _, _, err := e.IAM.AcceptInvitation(t.Context(), Meta, iam.AcceptInput{Token: inv.InvitationToken, Password: password}); err != nil {
		t.Fatalf("accept %s: %v", email, err)
	}
	return e.Login(t, email, password)
}

// Workspace creates a workspace as u and returns its id.
func (e *Env) Workspace(t testing.TB, u *User, name string) string {
	t.Helper()
	w, err := e.IAM.CreateWorkspace(t.Context(), e.As(t, u), Meta, iam.WorkspaceInput{Name: name})
	if err != nil {
		t.Fatalf("create workspace %s: %v", name, err)
	}
	return w.ID.String()
}

// Allowed asks the check use case whether u may do permission on the
// resource of type typ and id id (about u itself).
func (e *Env) Allowed(t testing.TB, u *User, typ, id, permission string) bool {
	t.Helper()
	out, err := e.IAM.Check(t.Context(), e.As(t, u), Meta, iam.CheckInput{Resource: iam.Ref{Type: typ, ID: id}, Permission: permission})
	if err != nil {
		t.Fatalf("check %s %s:%s: %v", permission, typ, id, err)
	}
	return out.Allowed
}
