package httpapi

import (
	"go/ast"
	"go/parser"
	"go/token"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse/internal/iam"
)

// routeHandlers parses routes.go and returns, for every route it declares
// ("METHOD /path"), the name of its handler method (the last s.<name>
// argument).
func routeHandlers(t *testing.T) map[string]string {
	t.Helper()
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, "routes.go", nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	routes := map[string]string{}
	ast.Inspect(f, func(n ast.Node) bool {
		call, ok := n.(*ast.CallExpr)
		if !ok || len(call.Args) < 2 {
			return true
		}
		sel, ok := call.Fun.(*ast.SelectorExpr)
		if !ok {
			return true
		}
		method := sel.Sel.Name
		switch method {
		case "GET", "POST", "PUT", "PATCH", "DELETE":
		default:
			return true
		}
		lit, ok := call.Args[0].(*ast.BasicLit)
		if !ok || lit.Kind != token.STRING {
			return true
		}
		path, _ := strconv.Unquote(lit.Value)
		last := call.Args[len(call.Args)-1]
		if c, ok := last.(*ast.CallExpr); ok {
			last = c.Fun
		}
		name := ""
		if s, ok := last.(*ast.SelectorExpr); ok {
			name = s.Sel.Name
		}
		if name == "" {
			t.Errorf("%s: route %s %s: its handler is not s.<method>", fset.Position(call.Pos()), method, path)
		}
		routes[method+" "+path] = name
		return true
	})
	return routes
}

// Every route is authorized by the policy table: a route with no entry in
// routePolicy, or naming a use case iam.Policy lacks, fails (default deny);
// so does a rule of iam.Policy no route runs.
func TestEveryRouteHasAPolicy(t *testing.T) {
	routes := routeHandlers(t)
	if len(routes) < 80 {
		t.Fatalf("found only %d routes in routes.go: the walk is broken", len(routes))
	}
	used := map[string]bool{}
	var missing []string
	for route, handler := range routes {
		ucs, ok := routePolicy[handler]
		if !ok || len(ucs) == 0 {
			missing = append(missing, route+" ("+handler+")")
			continue
		}
		for _, uc := range ucs {
			if uc == public || uc == self {
				continue
			}
			if _, ok := iam.Policy[uc]; !ok {
				t.Errorf("route %s (%s) names use case %q, which iam.Policy has no rule for", route, handler, uc)
			}
			used[uc] = true
		}
	}
	sort.Strings(missing)
	if len(missing) > 0 {
		t.Errorf("routes with no policy entry (add them to routePolicy in policy.go):\n  %s", strings.Join(missing, "\n  "))
	}
	handlers := map[string]bool{}
	for _, h := range routes {
		handlers[h] = true
	}
	for h := range routePolicy {
		if !handlers[h] {
			t.Errorf("routePolicy names %s, which no route of routes.go serves", h)
		}
	}
	for uc := range iam.Policy {
		if !used[uc] {
			t.Errorf("iam.Policy's rule %q is run by no route in routePolicy", uc)
		}
	}
}
