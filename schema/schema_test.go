package schema

import (
	"context"
	"os"
	"testing"

	"github.com/authzed/spicedb/pkg/development"
)

func TestSchemaIsGenerated(t *testing.T) {
	if Generate() != Text {
		t.Fatal("schema/schema.zed is stale: run `go run ./scripts/genschema`")
	}
}

// TestValidationFile runs schema/validation.yaml the way `zed validate`
// does: SpiceDB's development package compiles the schema, loads the
// relationships, and runs every assertion and expected relation.
func TestValidationFile(t *testing.T) {
	ctx := context.Background()
	dev, devErrs, err := development.NewDevContextForYAML(ctx, Validation, development.WithSourceFS(os.DirFS(".")))
	if err != nil {
		t.Fatalf("load validation file: %v", err)
	}
	if devErrs != nil {
		for _, e := range devErrs.InputErrors {
			t.Errorf("line %d: %s", e.Line, e.Message)
		}
		t.FailNow()
	}
	defer dev.DevContext.Dispose()

	assertErrs, err := development.RunAllAssertions(dev.DevContext, &dev.Assertions)
	if err != nil {
		t.Fatalf("run assertions: %v", err)
	}
	for _, e := range assertErrs {
		t.Errorf("assertion failed (line %d): %s", e.Line, e.Message)
	}
	_, valErrs, err := development.RunValidation(dev.DevContext, &dev.ExpectedRelations)
	if err != nil {
		t.Fatalf("run validation: %v", err)
	}
	for _, e := range valErrs {
		t.Errorf("expected relations (line %d): %s", e.Line, e.Message)
	}
	if len(dev.Assertions.AssertTrue)+len(dev.Assertions.AssertFalse) < 50 {
		t.Fatalf("validation file lost its assertions")
	}
}
