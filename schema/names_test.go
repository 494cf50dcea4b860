package schema_test

import (
	"os"
	"testing"

	"github.com/gatehouse/gatehouse/schema"
	"github.com/gatehouse/gatehouse/schema/zedgen"
)

// The Go names of the schema's permissions are generated from schema.zed
// itself (compiled by SpiceDB's compiler): they cannot drift from it.
func TestNamesAreGenerated(t *testing.T) {
	want, err := zedgen.GenerateNames(schema.Text)
	if err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile("names_gen.go")
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != string(want) {
		t.Fatal("schema/names_gen.go is stale: run `go run ./scripts/genschema`")
	}
	if schema.Workspace.ManageMembers != "manage_members" || schema.Workspace.Type != "workspace" {
		t.Fatalf("generated names: %+v", schema.Workspace)
	}
}
