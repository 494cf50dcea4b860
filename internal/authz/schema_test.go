package authz_test

import (
	"context"
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse/internal/authz"
	"github.com/gatehouse/gatehouse/internal/testenv"
	"github.com/gatehouse/gatehouse/schema"
)

func TestMain(m *testing.M) { testenv.Main(m) }

// `gatehouse migrate` writes the schema; a schema that would orphan stored
// relationships is refused with a message that says so.
func TestSchemaMigrationRefusesToOrphanRelationships(t *testing.T) {
	ctx := context.Background()
	cfg := testenv.Config(t)
	c, err := authz.Dial(authz.ClientConfig{Endpoint: cfg.SpiceDBEndpoint, Key: cfg.SpiceDBKey, Insecure: true})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := authz.WriteSchema(ctx, c, schema.Text); err != nil {
		t.Fatalf("write schema: %v", err)
	}
	if _, err := authz.WriteSchema(ctx, c, schema.Text); err != nil {
		t.Fatalf("rewrite the same schema: %v", err)
	}
	rel := authz.Rel{Resource: authz.Object{Type: "workspace", ID: "w1"}, Relation: "member", Subject: authz.Object{Type: "user", ID: "u1"}}
	if err := authz.WriteForTest(ctx, c, []authz.Rel{rel}, nil); err != nil {
		t.Fatal(err)
	}
	shrunk := strings.Replace(schema.Text, "\trelation member: user | group#member\n", "", 1)
	shrunk = strings.ReplaceAll(shrunk, " + member + key_admin", " + key_admin")
	shrunk = strings.ReplaceAll(shrunk, "owner + admin + member", "owner + admin")
	if shrunk == schema.Text {
		t.Fatal("test setup: the schema did not change")
	}
	_, err = authz.WriteSchema(ctx, c, shrunk)
	if err == nil || !strings.Contains(err.Error(), "refused") {
		t.Fatalf("a schema dropping a relation in use was accepted: %v", err)
	}
	got, err := authz.ReadSchema(ctx, c)
	if err != nil || !strings.Contains(got, "relation member: user | group#member") {
		t.Fatalf("the stored schema changed: %v", err)
	}
}
