package core

import (
	"go/ast"
	"go/parser"
	"go/token"
	"sort"
	"testing"
)

// No write's transaction waits for SpiceDB: the function a write runs
// inside its transaction (the last argument of s.Write and
// s.AuthorizedWrite) never calls, directly or through other methods of the
// kernel or of any domain service, anything that asks SpiceDB. Authorization happens before BEGIN
// (authorizedWrite's authorize step); inside, only invariants are
// re-checked against PostgreSQL. A transaction held open across a SpiceDB
// call holds a pool connection and row locks for as long as SpiceDB takes,
// and a second connection asked for inside it deadlocks the pool.
func TestNoSpiceDBCallInsideAWriteTransaction(t *testing.T) {
	fset := token.NewFileSet()
	var files []*ast.File
	for _, name := range iamSources(t) {
		f, err := parser.ParseFile(fset, name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, f)
	}
	// calls[m] lists the methods of the kernel and the domain services
	// that method m calls (s.M, or s.dep.M for another domain's service);
	// asks[m] is true when m itself talks to SpiceDB (s.Checker,
	// s.Projector). Methods are keyed by name alone, across packages.
	calls := map[string][]string{}
	asks := map[string]bool{}
	for _, f := range files {
		for _, d := range f.Decls {
			fd, ok := d.(*ast.FuncDecl)
			if !ok || fd.Recv == nil || fd.Body == nil || recvName(fd) == "" {
				continue
			}
			recv, name := recvName(fd), fd.Name.Name
			ast.Inspect(fd.Body, func(n ast.Node) bool {
				sel, ok := n.(*ast.SelectorExpr)
				if !ok {
					return true
				}
				if isDep(sel, recv) {
					calls[name] = append(calls[name], sel.Sel.Name)
				}
				if id, ok := sel.X.(*ast.Ident); ok && id.Name == recv {
					switch sel.Sel.Name {
					case "Checker":
						asks[name] = true
					case "Write", "AuthorizedWrite", "authorizedUserWrite", "Projector":
						// the pipeline itself applies to SpiceDB after COMMIT
					default:
						calls[name] = append(calls[name], sel.Sel.Name)
					}
				}
				return true
			})
		}
	}
	for changed := true; changed; {
		changed = false
		for m, cs := range calls {
			for _, c := range cs {
				if asks[c] && !asks[m] {
					asks[m], changed = true, true
				}
			}
		}
	}
	if !asks["allowed"] || !asks["require"] {
		t.Fatalf("the walk is broken: require/allowed are not seen to ask SpiceDB (asks = %v)", asks)
	}
	var bad []string
	writes := 0
	for _, f := range files {
		ast.Inspect(f, func(n ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok {
				return true
			}
			sel, ok := call.Fun.(*ast.SelectorExpr)
			if !ok || !writeFuncs[sel.Sel.Name] || len(call.Args) == 0 {
				return true
			}
			fn, ok := call.Args[len(call.Args)-1].(*ast.FuncLit)
			if !ok {
				return true
			}
			writes++
			ast.Inspect(fn.Body, func(n ast.Node) bool {
				if s, ok := n.(*ast.SelectorExpr); ok && (asks[s.Sel.Name] || s.Sel.Name == "Checker") {
					if id, isIdent := s.X.(*ast.Ident); (isIdent && id.Name == "s") || isDep(s, "s") {
						bad = append(bad, fset.Position(s.Pos()).String()+": "+s.Sel.Name)
					}
				}
				return true
			})
			return true
		})
	}
	if writes < 20 {
		t.Fatalf("found only %d writes: the walk is broken", writes)
	}
	sort.Strings(bad)
	for _, b := range bad {
		t.Errorf("inside a write transaction, a call that asks SpiceDB: %s (authorize before BEGIN: authorizedWrite)", b)
	}
}

// writeFuncs are the pipeline's entry points: their last argument runs in
// the write's transaction.
var writeFuncs = map[string]bool{"Write": true, "AuthorizedWrite": true, "authorizedUserWrite": true}

// isDep reports whether sel is a call through another domain's service:
// recv.dep.M (identity's s.workspaces.VisibleWorkspace, ...).
func isDep(sel *ast.SelectorExpr, recv string) bool {
	inner, ok := sel.X.(*ast.SelectorExpr)
	if !ok {
		return false
	}
	id, ok := inner.X.(*ast.Ident)
	return ok && id.Name == recv
}

func recvName(fd *ast.FuncDecl) string {
	if len(fd.Recv.List) == 0 || len(fd.Recv.List[0].Names) == 0 {
		return ""
	}
	star, ok := fd.Recv.List[0].Type.(*ast.StarExpr)
	if !ok {
		return ""
	}
	if id, ok := star.X.(*ast.Ident); !ok || (id.Name != "Service" && id.Name != "Kernel") {
		return ""
	}
	return fd.Recv.List[0].Names[0].Name
}
