package credential_test

import (
	"testing"

	"github.com/gatehouse/gatehouse/internal/iam"
	"github.com/gatehouse/gatehouse/internal/iam/credential"
	"github.com/gatehouse/gatehouse/internal/iam/iamtest"
	"github.com/gatehouse/gatehouse/internal/iam/workspace"
	"github.com/gatehouse/gatehouse/internal/testenv"
	"github.com/gatehouse/gatehouse/schema"
)

func TestMain(m *testing.M) { testenv.Main(m) }

// An API key acts in its workspace with its role, never above its
// creator's; revoked, it no longer authenticates.
func TestAPIKeyActsWithItsRoleUntilRevoked(t *testing.T) {
	t.Parallel()
	e := iamtest.New(t)
	ctx, meta := t.Context(), iamtest.Meta
	alice := e.User(t, "alice@example.com", "member")
	ws := e.Workspace(t, e.Root, "research")
	if _, err := e.IAM.AddMember(ctx, e.As(t, e.Root), meta, ws, workspace.MemberInput{UserID: e.As(t, alice).ID.String(), Role: workspace.RoleMember}); err != nil {
		t.Fatal(err)
	}

	if _, err := e.IAM.CreateAPIKey(ctx, e.As(t, alice), meta, ws, credential.APIKeyInput{Name: "ci", Role: workspace.RoleAdmin}); iam.KindOf(err) != iam.KindForbidden {
		t.Fatalf("a member creates an admin key: %v, want forbidden", err)
	}
	k, err := e.IAM.CreateAPIKey(ctx, e.As(t, alice), meta, ws, credential.APIKeyInput{Name: "ci", Role: workspace.RoleMember})
	if err != nil {
		t.Fatalf("create key: %v", err)
	}
	if k.Key == "" {
		t.Fatal("the created key has no secret")
	}
	key := &iamtest.User{Name: "key ci", Token: k.Key}
	if p := e.As(t, key); p.Kind != "apikey" || p.TenantID != e.As(t, alice).TenantID {
		t.Fatalf("the key's principal: %+v", p)
	}
	if !e.Allowed(t, key, "workspace", ws, schema.Workspace.View) {
		t.Error("a member key may not view its workspace")
	}
	if e.Allowed(t, key, "workspace", ws, schema.Workspace.ManageMembers) {
		t.Error("a member key may manage members")
	}

	if _, err := e.IAM.RevokeAPIKey(ctx, e.As(t, alice), meta, ws, k.ID.String()); err != nil {
		t.Fatalf("revoke: %v", err)
	}
	if _, err := e.IAM.Authenticate(ctx, k.Key); iam.KindOf(err) != iam.KindUnauthenticated {
		t.Errorf("a revoked key authenticates: %v", err)
	}
}

// A service credential authenticates as a service of its tenant until
// revoked.
func TestServiceCredentialUntilRevoked(t *testing.T) {
	t.Parallel()
	e := iamtest.New(t)
	ctx, meta := t.Context(), iamtest.Meta
	sv, err := e.IAM.CreateService(ctx, e.As(t, e.Root), meta, credential.ServiceInput{Name: "billing"})
	if err != nil {
		t.Fatalf("create service: %v", err)
	}
	p, err := e.IAM.Authenticate(ctx, sv.Key)
	if err != nil || p.Kind != "service" {
		t.Fatalf("the service's principal: %+v %v", p, err)
	}
	if _, err := e.IAM.RevokeService(ctx, e.As(t, e.Root), meta, sv.ID.String()); err != nil {
		t.Fatalf("revoke: %v", err)
	}
	if _, err := e.IAM.Authenticate(ctx, sv.Key); iam.KindOf(err) != iam.KindUnauthenticated {
		t.Errorf("a revoked service credential authenticates: %v", err)
	}
}
