package identity_test

import (
	"testing"

	"github.com/gatehouse/gatehouse/internal/iam"
	"github.com/gatehouse/gatehouse/internal/iam/iamtest"
	"github.com/gatehouse/gatehouse/internal/iam/identity"
	"github.com/gatehouse/gatehouse/internal/testenv"
)

func TestMain(m *testing.M) { testenv.Main(m) }

// An invited user who accepted logs in; disabled, their session no longer
// authenticates and they cannot log in again; enabled, they can.
func TestDisabledUserIsLockedOut(t *testing.T) {
	t.Parallel()
	e := iamtest.New(t)
	ctx, meta := t.Context(), iamtest.Meta
	alice := e.User(t, "alice@example.com", "member")
	p := e.As(t, alice)
	if p.Kind != "user" || p.User == nil || p.User.Email != "alice@example.com" {
		t.Fatalf("alice's principal: %+v", p)
	}
	me, err := e.IAM.GetMe(ctx, p, meta)
	if err != nil || me.ID != p.ID || len(me.Workspaces) != 0 {
		t.Fatalf("alice's me: %+v %v", me, err)
	}

	if _, err := e.IAM.DisableUser(ctx, e.As(t, alice), meta, e.As(t, e.Root).ID.String()); iam.KindOf(err) != iam.KindForbidden {
		t.Fatalf("a member disables the superadmin: %v, want forbidden", err)
	}
	if _, err := e.IAM.DisableUser(ctx, e.As(t, e.Root), meta, p.ID.String()); err != nil {
		t.Fatalf("disable alice: %v", err)
	}
	if _, err := e.IAM.Authenticate(ctx, alice.Token); iam.KindOf(err) != iam.KindUnauthenticated {
		t.Errorf("a disabled user's session authenticates: %v", err)
	}
	if _, err := e.IAM.Login(ctx, meta, identity.LoginInput{Email: "alice@example.com", Password: "correct-horse-battery"}); iam.KindOf(err) != iam.KindUnauthenticated {
		t.Errorf("a disabled user logs in: %v", err)
	}

	if _, err := e.IAM.EnableUser(ctx, e.As(t, e.Root), meta, p.ID.String()); err != nil {
		t.Fatalf("enable alice: %v", err)
	}
	e.Login(t, "alice@example.com", "correct-horse-battery")
}

// A wrong password is refused without telling which part was wrong, and
// an invitation is used once.
func TestLoginAndInvitationRefusals(t *testing.T) {
	t.Parallel()
	e := iamtest.New(t)
	ctx, meta := t.Context(), iamtest.Meta
	if _, err := e.IAM.Login(ctx, meta, identity.LoginInput{Email: e.Config.BootstrapEmail, Password: "not-the-password"}); iam.KindOf(err) != iam.KindUnauthenticated {
		t.Fatalf("wrong password: %v, want unauthenticated", err)
	}
	inv, err := e.IAM.InviteUser(ctx, e.As(t, e.Root), meta, identity.InviteInput{Email: "bob@example.com", Name: "Bob"})
	if err != nil {
		t.Fatal(err)
	}
	accept := identity.AcceptInput{Token: inv.InvitationToken, Password: "correct-horse-battery"}
	if _, _, err := e.IAM.AcceptInvitation(ctx, meta, accept); err != nil {
		t.Fatalf("accept: %v", err)
	}
	if _, _, err := e.IAM.AcceptInvitation(ctx, meta, accept); iam.KindOf(err) != iam.KindConflict {
		t.Fatalf("accept twice: %v, want conflict", err)
	}
}
