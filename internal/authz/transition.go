package authz

import (
	"context"
	"fmt"

	core "github.com/authzed/spicedb/pkg/proto/core/v1"
	"github.com/authzed/spicedb/pkg/schemadsl/compiler"
	"github.com/authzed/spicedb/pkg/schemadsl/generator"
	"github.com/authzed/spicedb/pkg/schemadsl/input"
)

// TransitionSchema is the schema SpiceDB holds while an upgrade projects
// the existing facts into the relations the next schema adds: every
// definition and caveat of current as it is (its permissions still answer
// as before), plus every relation next adds to them, plus next's new
// definitions and caveats with their relations only. types lists the
// object types that gained relations (those a reconcile must fill before
// next's permissions may read them); none means next adds no relation and
// needs no transition.
//
// Without it, `gatehouse migrate` writing a schema whose permissions read a
// new relation (workspace#holder) would deny everything that relation
// grants until a reconcile had filled it.
func TransitionSchema(ctx context.Context, current, next string) (text string, types []string, err error) {
	cur, err := compileSchema("current", current)
	if err != nil {
		return "", nil, err
	}
	nxt, err := compileSchema("next", next)
	if err != nil {
		return "", nil, err
	}
	curDefs := map[string]bool{}
	for _, d := range cur.ObjectDefinitions {
		curDefs[d.GetName()] = true
	}
	curCaveats := map[string]bool{}
	var out []compiler.SchemaDefinition
	for _, c := range cur.CaveatDefinitions {
		curCaveats[c.GetName()] = true
		out = append(out, c)
	}
	for _, c := range nxt.CaveatDefinitions {
		if !curCaveats[c.GetName()] {
			out = append(out, c)
		}
	}
	nextDefs := map[string]*core.NamespaceDefinition{}
	for _, d := range nxt.ObjectDefinitions {
		nextDefs[d.GetName()] = d
	}
	for _, d := range cur.ObjectDefinitions {
		d = d.CloneVT()
		have := map[string]bool{}
		for _, r := range d.GetRelation() {
			have[r.GetName()] = true
		}
		gained := false
		if n := nextDefs[d.GetName()]; n != nil {
			for _, r := range n.GetRelation() {
				if r.GetUsersetRewrite() == nil && !have[r.GetName()] {
					d.Relation = append(d.Relation, r.CloneVT())
					gained = true
				}
			}
		}
		if gained {
			types = append(types, d.GetName())
		}
		out = append(out, d)
	}
	for _, n := range nxt.ObjectDefinitions {
		if curDefs[n.GetName()] {
			continue
		}
		d := n.CloneVT()
		d.Relation = nil
		for _, r := range n.GetRelation() {
			if r.GetUsersetRewrite() == nil {
				d.Relation = append(d.Relation, r.CloneVT())
			}
		}
		if len(d.Relation) > 0 {
			types = append(types, d.GetName())
		}
		out = append(out, d)
	}
	if len(types) == 0 {
		return "", nil, nil
	}
	text, _, err = generator.GenerateSchema(ctx, out)
	if err != nil {
		return "", nil, fmt.Errorf("transition schema: %w", err)
	}
	// What SpiceDB will be asked to hold must compile.
	if _, err := compileSchema("transition", text); err != nil {
		return "", nil, err
	}
	return text, types, nil
}

func compileSchema(name, text string) (*compiler.CompiledSchema, error) {
	c, err := compiler.Compile(compiler.InputSchema{Source: input.Source(name), SchemaString: text}, compiler.AllowUnprefixedObjectType())
	if err != nil {
		return nil, fmt.Errorf("compile the %s schema: %w", name, err)
	}
	return c, nil
}
