package core

import (
	"go/ast"
	"go/parser"
	"go/token"
	"log/slog"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse/schema"
)

// useCaseArg is the position of the use-case argument of each function
// that consults the policy table.
var useCaseArg = map[string]int{"Authorize": 3, "May": 3, "MayOn": 3, "requireTenant": 3, "RuleCheck": 1}

// The policy table and the code agree: every use case the code asks for
// has a rule (a use case without one would be denied at run time), every
// rule is asked for somewhere, and every rule names a permission its
// object type has in the schema.
func TestPolicyTableMatchesCodeAndSchema(t *testing.T) {
	fset := token.NewFileSet()
	asked := map[string]string{} // use case -> where
	for _, name := range iamSources(t) {
		if name == "policy.go" {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(f, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.CallExpr:
				sel, ok := n.Fun.(*ast.SelectorExpr)
				if !ok {
					return true
				}
				pos, ok := useCaseArg[sel.Sel.Name]
				if !ok || len(n.Args) <= pos {
					return true
				}
				switch arg := n.Args[pos].(type) {
				case *ast.BasicLit:
					uc, _ := strconv.Unquote(arg.Value)
					asked[uc] = fset.Position(arg.Pos()).String()
				case *ast.Ident:
					if arg.Name != "useCase" {
						t.Errorf("%s: %s's use case is %s: pass a literal, or a variable named useCase assigned literals", fset.Position(arg.Pos()), sel.Sel.Name, arg.Name)
					}
				default:
					t.Errorf("%s: %s's use case must be a literal or useCase", fset.Position(arg.Pos()), sel.Sel.Name)
				}
			case *ast.AssignStmt:
				// useCase := "..." / useCase = "..."
				for i, l := range n.Lhs {
					if id, ok := l.(*ast.Ident); ok && id.Name == "useCase" && i < len(n.Rhs) {
						if lit, ok := n.Rhs[i].(*ast.BasicLit); ok {
							uc, _ := strconv.Unquote(lit.Value)
							asked[uc] = fset.Position(lit.Pos()).String()
						}
					}
				}
			}
			return true
		})
	}
	if len(asked) < 40 {
		t.Fatalf("found only %d use cases: the walk is broken", len(asked))
	}
	for uc, where := range asked {
		if _, ok := Policy[uc]; !ok {
			t.Errorf("%s: use case %q has no rule in Policy (it would be denied)", where, uc)
		}
	}
	var unused []string
	for uc := range Policy {
		if _, ok := asked[uc]; !ok {
			unused = append(unused, uc)
		}
	}
	sort.Strings(unused)
	if len(unused) > 0 {
		t.Errorf("rules no code asks for (remove them, or use them): %v", unused)
	}
	for uc, r := range Policy {
		if r.On == Any {
			continue
		}
		if !slices.Contains(schema.Permissions[r.On], r.Need) {
			t.Errorf("rule %q: %s has no permission %q in schema.zed", uc, r.On, r.Need)
		}
	}
}

// A use case without a rule is denied, never allowed.
func TestUseCaseWithoutRuleIsDenied(t *testing.T) {
	s := &Kernel{Log: slog.New(slog.DiscardHandler)}
	err := s.Authorize(t.Context(), &Principal{}, RequestMeta{}, "no.such.use_case", [16]byte{}, [16]byte{})
	if KindOf(err) != KindForbidden {
		t.Fatalf("authorize of an unknown use case: %v", err)
	}
	if ok, err := s.May(t.Context(), &Principal{}, RequestMeta{}, "no.such.use_case", [16]byte{}, [16]byte{}); ok || err != nil {
		t.Fatalf("may of an unknown use case: %v %v", ok, err)
	}
}

// iamSources lists the non-test Go files of every package of internal/iam
// (this one, its siblings and the facade above them), relative to this
// directory: the use cases the tests below walk are spread over them.
func iamSources(t *testing.T) []string {
	t.Helper()
	var files []string
	for _, dir := range []string{".", "..", "../*"} {
		matches, err := filepath.Glob(filepath.Join(dir, "*.go"))
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range matches {
			if !strings.HasSuffix(m, "_test.go") && !slices.Contains(files, m) && filepath.Dir(m) != "../core" {
				files = append(files, m)
			}
		}
	}
	if len(files) < 30 {
		t.Fatalf("found only %d source files of internal/iam: the walk is broken", len(files))
	}
	return files
}
