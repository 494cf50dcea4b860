package catalog_test

import (
	"testing"

	"github.com/gatehouse/gatehouse/internal/iam"
	"github.com/gatehouse/gatehouse/internal/iam/catalog"
	"github.com/gatehouse/gatehouse/internal/iam/iamtest"
	"github.com/gatehouse/gatehouse/internal/iam/workspace"
	"github.com/gatehouse/gatehouse/internal/testenv"
	"github.com/gatehouse/gatehouse/schema"
)

func TestMain(m *testing.M) { testenv.Main(m) }

// A deployment of a whitelisted model is seen by the workspace's members
// and by nobody else; a model that is not whitelisted is not deployed.
func TestDeploymentsAreTheirWorkspaces(t *testing.T) {
	t.Parallel()
	e := iamtest.New(t)
	ctx, meta := t.Context(), iamtest.Meta
	alice := e.User(t, "alice@example.com", "member")
	bob := e.User(t, "bob@example.com", "member")
	ws := e.Workspace(t, e.Root, "research")
	if _, err := e.IAM.AddMember(ctx, e.As(t, e.Root), meta, ws, workspace.MemberInput{UserID: e.As(t, alice).ID.String(), Role: workspace.RoleMember}); err != nil {
		t.Fatal(err)
	}

	if _, err := e.IAM.CreateModel(ctx, e.As(t, alice), meta, catalog.ModelInput{Name: "llama"}); iam.KindOf(err) != iam.KindForbidden {
		t.Fatalf("a member creates a global model: %v, want forbidden", err)
	}
	m, err := e.IAM.CreateModel(ctx, e.As(t, e.Root), meta, catalog.ModelInput{Name: "llama", Provider: "meta"})
	if err != nil {
		t.Fatalf("create model: %v", err)
	}
	modelID := m.ID.String()
	if _, err := e.IAM.CreateDeployment(ctx, e.As(t, e.Root), meta, ws, catalog.DeploymentInput{Name: "early", ModelID: &modelID}); err == nil {
		t.Fatal("a model that is not whitelisted in the workspace was deployed")
	}
	if _, err := e.IAM.WhitelistModel(ctx, e.As(t, e.Root), meta, ws, catalog.WhitelistInput{ModelID: modelID}); err != nil {
		t.Fatalf("whitelist: %v", err)
	}
	d, err := e.IAM.CreateDeployment(ctx, e.As(t, e.Root), meta, ws, catalog.DeploymentInput{Name: "prod", ModelID: &modelID})
	if err != nil {
		t.Fatalf("create deployment: %v", err)
	}

	if got, err := e.IAM.GetDeployment(ctx, e.As(t, alice), meta, ws, d.ID.String()); err != nil || got.ID != d.ID {
		t.Errorf("member alice gets the deployment: %+v %v", got, err)
	}
	if !e.Allowed(t, alice, "deployment", d.ID.String(), schema.Deployment.View) {
		t.Error("member alice may not view the deployment")
	}
	if _, err := e.IAM.GetDeployment(ctx, e.As(t, bob), meta, ws, d.ID.String()); iam.KindOf(err) != iam.KindNotFound {
		t.Errorf("bob, no member, gets the deployment: %v, want not found", err)
	}
	if e.Allowed(t, bob, "deployment", d.ID.String(), schema.Deployment.View) {
		t.Error("bob, no member, may view the deployment")
	}
}
