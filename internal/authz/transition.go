package authz

import (
	"context"
	"errors"
	"fmt"

	caveattypes "github.com/authzed/spicedb/pkg/caveats/types"
	core "github.com/authzed/spicedb/pkg/proto/core/v1"
	"github.com/authzed/spicedb/pkg/schemadsl/compiler"
	"github.com/authzed/spicedb/pkg/schemadsl/generator"
	"github.com/authzed/spicedb/pkg/schemadsl/input"
)

// TransitionSchema is the schema SpiceDB holds while an upgrade projects
// the existing facts into the relations the next schema adds: every
// definition and caveat of current as it is (its permissions still answer
// as before) with its relations as next allows them, plus every relation
// next adds to them, plus next's new
// definitions and caveats with their relations only. types lists the
// object types whose definition next changes: a reconcile fills them
// before next's permissions may read them. It is computed against next,
// not against what current lacks, so a migrate that stopped after writing
// the transition schema fills them again when run again. None means
// current is next already.
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
		held := d
		d = d.CloneVT()
		have := map[string]bool{}
		for _, r := range d.GetRelation() {
			have[r.GetName()] = true
		}
		if n := nextDefs[d.GetName()]; n != nil {
			// A relation both hold takes next's allowed types (a widening
			// is filled by the reconcile below).
			for i, r := range d.Relation {
				for _, nr := range n.GetRelation() {
					if nr.GetName() == r.GetName() && nr.GetUsersetRewrite() == nil && r.GetUsersetRewrite() == nil {
						d.Relation[i] = nr.CloneVT()
					}
				}
			}
			for _, r := range n.GetRelation() {
				if r.GetUsersetRewrite() == nil && !have[r.GetName()] {
					d.Relation = append(d.Relation, r.CloneVT())
				}
			}
			changed, err := definitionChanged(held, n)
			if err != nil {
				return "", nil, err
			}
			if changed {
				types = append(types, d.GetName())
			}
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
	text, ok, err := generator.GenerateSchema(ctx, out)
	if err != nil || !ok {
		return "", nil, fmt.Errorf("transition schema: could not be generated in full (%v)", err)
	}
	// What SpiceDB will be asked to hold must compile.
	if _, err := compileSchema("transition", text); err != nil {
		return "", nil, err
	}
	return text, types, nil
}

// SchemaHeld reports whether SpiceDB, holding held, holds next: the same
// definitions, each as SpiceDB's generator writes it.
func SchemaHeld(held, next string) (bool, error) {
	if held == "" {
		return false, nil
	}
	h, err := compileSchema("held", held)
	if err != nil {
		return false, err
	}
	n, err := compileSchema("next", next)
	if err != nil {
		return false, err
	}
	if len(h.ObjectDefinitions) != len(n.ObjectDefinitions) {
		return false, nil
	}
	heldDefs := map[string]*core.NamespaceDefinition{}
	for _, d := range h.ObjectDefinitions {
		heldDefs[d.GetName()] = d
	}
	for _, d := range n.ObjectDefinitions {
		hd := heldDefs[d.GetName()]
		if hd == nil {
			return false, nil
		}
		if changed, err := definitionChanged(hd, d); err != nil || changed {
			return false, err
		}
	}
	return true, nil
}

// definitionChanged tells whether the definition SpiceDB holds differs
// from next's: their text as SpiceDB's own generator writes both.
func definitionChanged(held, next *core.NamespaceDefinition) (bool, error) {
	a, _, errA := generator.GenerateSource(stripped(held), caveattypes.Default.TypeSet)
	b, _, errB := generator.GenerateSource(stripped(next), caveattypes.Default.TypeSet)
	if err := errors.Join(errA, errB); err != nil {
		return false, fmt.Errorf("transition schema: %w", err)
	}
	return a != b, nil
}

// stripped is a definition without its comments and source positions.
func stripped(d *core.NamespaceDefinition) *core.NamespaceDefinition {
	d = d.CloneVT()
	d.Metadata, d.SourcePosition = nil, nil
	for _, r := range d.Relation {
		r.Metadata, r.SourcePosition = nil, nil
	}
	return d
}

func compileSchema(name, text string) (*compiler.CompiledSchema, error) {
	c, err := compiler.Compile(compiler.InputSchema{Source: input.Source(name), SchemaString: text}, compiler.AllowUnprefixedObjectType())
	if err != nil {
		return nil, fmt.Errorf("compile the %s schema: %w", name, err)
	}
	return c, nil
}
