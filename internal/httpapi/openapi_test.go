package httpapi

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"os"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/gin-gonic/gin"

	"github.com/gatehouse/gatehouse/internal/iam"
)

// The checked-in OpenAPI document describes exactly the routes served.
func TestOpenAPIMatchesRoutes(t *testing.T) {
	var doc struct {
		OpenAPI string                                `json:"openapi"`
		Paths   map[string]map[string]json.RawMessage `json:"paths"`
	}
	if err := json.Unmarshal(openapiDoc, &doc); err != nil || !strings.HasPrefix(doc.OpenAPI, "3.") {
		t.Fatalf("openapi.json: %v %q", err, doc.OpenAPI)
	}
	documented := map[string]bool{}
	for path, ops := range doc.Paths {
		for method := range ops {
			documented[strings.ToUpper(method)+" "+path] = true
		}
	}
	engine := NewServer(Deps{Log: nil, IAM: &iam.Service{}}).(*gin.Engine)
	param := regexp.MustCompile(`:(\w+)`)
	served := map[string]bool{}
	for _, r := range engine.Routes() {
		served[r.Method+" "+param.ReplaceAllString(r.Path, "{$1}")] = true
	}
	var missing, extra []string
	for r := range served {
		if !documented[r] {
			missing = append(missing, r)
		}
	}
	for r := range documented {
		if !served[r] {
			extra = append(extra, r)
		}
	}
	sort.Strings(missing)
	sort.Strings(extra)
	if len(missing)+len(extra) > 0 {
		t.Fatalf("openapi.json is out of date (go run ./scripts/openapi):\n  undocumented: %v\n  not served: %v", missing, extra)
	}
}

// The checked-in openapi.json is what the generator writes from the route
// table and the Go types today, and it is a valid OpenAPI 3 document.
func TestOpenAPIUpToDate(t *testing.T) {
	want, err := OpenAPI()
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(openapiDoc, want) {
		t.Fatal("internal/httpapi/openapi.json differs from the route table and Go types: run go run ./scripts/openapi")
	}
	doc, err := openapi3.NewLoader().LoadFromData(want)
	if err != nil {
		t.Fatal(err)
	}
	if err := doc.Validate(context.Background()); err != nil {
		t.Fatalf("openapi.json is not a valid OpenAPI document: %v", err)
	}
}

// Every route's operationId is the handler method routes.go names.
func TestOpenAPIOperationIDsAreHandlerNames(t *testing.T) {
	src, err := os.ReadFile("routes.go")
	if err != nil {
		t.Fatal(err)
	}
	line := regexp.MustCompile(`(?m)^\t(\w+)\.(GET|POST|PUT|PATCH|DELETE)\("([^"]*)", s\.(\w+)\(\)\)`)
	named := map[string]string{}
	for _, m := range line.FindAllStringSubmatch(string(src), -1) {
		named[m[2]+" "+m[4]] = m[4]
	}
	s, _ := build(Deps{Log: slog.New(slog.NewTextHandler(io.Discard, nil)), IAM: &iam.Service{}})
	if len(named) != len(s.table) {
		t.Fatalf("routes.go names %d handlers, the table has %d routes", len(named), len(s.table))
	}
	for _, r := range s.table {
		if named[r.Method+" "+r.Name] != r.Name {
			t.Errorf("%s %s: operationId %q is not a handler routes.go names", r.Method, r.Path, r.Name)
		}
	}
}
