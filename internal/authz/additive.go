package authz

import (
	"fmt"
	"sync"

	v1 "github.com/authzed/authzed-go/proto/authzed/api/v1"
	core "github.com/authzed/spicedb/pkg/proto/core/v1"

	"github.com/gatehouse/gatehouse/schema"
)

// Additivity is what a schema says about which writes can take a
// permission away. A new relationship of a relation that every permission
// reaches only positively (never through the subtracted side of an
// exclusion, never as the tupleset of an all() arrow) can only add to what
// any permission grants: an answer "allowed" computed before such a write
// is still the answer after it. The projector classifies each SpiceDB
// write by it (an additive write moves only the additions epoch), and the
// caches of allowed answers rely on that (store.MarkOutboxApplied).
//
// Expiring is the other way a permission ends without a write: the
// subject types some relation stores with an expiration (API keys).
type Additivity struct {
	known    map[string]bool // "type#relation" of every relation and permission
	revoking map[string]bool // "type#relation": a new relationship may revoke
	expiring map[string]bool // subject types stored with an expiration
}

// Negated lists the permissions Gatehouse's own code reads negated, so
// that their growth takes something away: a kind check on another branch
// is allowed only while branch#frozen is not (iam/access kindDecision).
var Negated = []string{"branch#frozen"}

// SchemaAdditivity is the analysis of Gatehouse's schema (schema.Text).
var SchemaAdditivity = sync.OnceValues(func() (*Additivity, error) { return AnalyzeAdditivity(schema.Text, Negated...) })

// AnalyzeAdditivity analyses a schema text.
//
// Every permission (and relation) is a node; an edge goes from a
// permission to each relation or permission its expression names, with
// the sign of its position: negative on the subtracted side of an
// exclusion, both on the tupleset of an all() arrow, positive elsewhere
// (union, intersection and any() arrows only grow with their operands). An
// arrow's computed side leads to the named relation of every type its
// tupleset allows, and a relation leads, positively, to the subject
// relations it allows (group#member). A relation is revoking when some
// permission reaches it with negative sign. negated names permissions
// ("type#permission") that code reads negated: they are reached
// negatively too.
func AnalyzeAdditivity(text string, negated ...string) (*Additivity, error) {
	c, err := compileSchema("schema", text)
	if err != nil {
		return nil, err
	}
	defs := map[string]*core.NamespaceDefinition{}
	for _, d := range c.ObjectDefinitions {
		defs[d.GetName()] = d
	}
	a := &Additivity{known: map[string]bool{}, revoking: map[string]bool{}, expiring: map[string]bool{}}
	type edge struct {
		to       string
		negative bool
		both     bool
	}
	edges := map[string][]edge{}
	relationOf := func(typ, name string) *core.Relation {
		d := defs[typ]
		if d == nil {
			return nil
		}
		for _, r := range d.GetRelation() {
			if r.GetName() == name {
				return r
			}
		}
		return nil
	}
	var walk func(typ, from string, op *core.UsersetRewrite, negative bool) error
	addArrow := func(typ, from, tupleset, computed string, negative, both bool) {
		edges[from] = append(edges[from], edge{to: typ + "#" + tupleset, negative: negative, both: both})
		ts := relationOf(typ, tupleset)
		for _, allowed := range ts.GetTypeInformation().GetAllowedDirectRelations() {
			if relationOf(allowed.GetNamespace(), computed) != nil {
				edges[from] = append(edges[from], edge{to: allowed.GetNamespace() + "#" + computed, negative: negative})
			}
		}
	}
	walk = func(typ, from string, rw *core.UsersetRewrite, negative bool) error {
		var children []*core.SetOperation_Child
		exclusion := false
		switch op := rw.GetRewriteOperation().(type) {
		case *core.UsersetRewrite_Union:
			children = op.Union.GetChild()
		case *core.UsersetRewrite_Intersection:
			children = op.Intersection.GetChild()
		case *core.UsersetRewrite_Exclusion:
			children, exclusion = op.Exclusion.GetChild(), true
		default:
			return fmt.Errorf("%s: unknown rewrite %T", from, op)
		}
		for i, ch := range children {
			neg := negative != (exclusion && i > 0)
			switch child := ch.GetChildType().(type) {
			case *core.SetOperation_Child_ComputedUserset:
				edges[from] = append(edges[from], edge{to: typ + "#" + child.ComputedUserset.GetRelation(), negative: neg})
			case *core.SetOperation_Child_TupleToUserset:
				t := child.TupleToUserset
				addArrow(typ, from, t.GetTupleset().GetRelation(), t.GetComputedUserset().GetRelation(), neg, false)
			case *core.SetOperation_Child_FunctionedTupleToUserset:
				t := child.FunctionedTupleToUserset
				all := t.GetFunction() == core.FunctionedTupleToUserset_FUNCTION_ALL
				addArrow(typ, from, t.GetTupleset().GetRelation(), t.GetComputedUserset().GetRelation(), neg, all)
			case *core.SetOperation_Child_UsersetRewrite:
				if err := walk(typ, from, child.UsersetRewrite, neg); err != nil {
					return err
				}
			case *core.SetOperation_Child_XThis, *core.SetOperation_Child_XNil, *core.SetOperation_Child_XSelf:
			default:
				return fmt.Errorf("%s: unknown operand %T", from, child)
			}
		}
		return nil
	}
	var roots []string
	for _, d := range c.ObjectDefinitions {
		for _, r := range d.GetRelation() {
			node := d.GetName() + "#" + r.GetName()
			a.known[node] = true
			if rw := r.GetUsersetRewrite(); rw != nil {
				roots = append(roots, node)
				if err := walk(d.GetName(), node, rw, false); err != nil {
					return nil, err
				}
				continue
			}
			for _, allowed := range r.GetTypeInformation().GetAllowedDirectRelations() {
				if allowed.GetRequiredExpiration() != nil {
					a.expiring[allowed.GetNamespace()] = true
					if rel := allowed.GetRelation(); rel != "" && rel != "..." {
						// group#member with expiration: whoever is a
						// member may lose access on time.
						a.expiring["*"] = true
					}
				}
				if rel := allowed.GetRelation(); rel != "" && rel != "..." {
					edges[node] = append(edges[node], edge{to: allowed.GetNamespace() + "#" + rel})
				}
			}
		}
	}
	// Reach every (node, sign) from every permission, positively.
	type state struct {
		node     string
		negative bool
	}
	seen := map[state]bool{}
	var queue []state
	for _, r := range roots {
		s := state{r, false}
		seen[s] = true
		queue = append(queue, s)
	}
	for _, n := range negated {
		if !a.known[n] {
			return nil, fmt.Errorf("negated permission %s: not in the schema", n)
		}
		if s := (state{n, true}); !seen[s] {
			seen[s] = true
			queue = append(queue, s)
		}
	}
	for len(queue) > 0 {
		s := queue[0]
		queue = queue[1:]
		if s.negative {
			a.revoking[s.node] = true
		}
		for _, e := range edges[s.node] {
			signs := []bool{s.negative != e.negative}
			if e.both {
				signs = []bool{false, true}
			}
			for _, neg := range signs {
				n := state{e.to, neg}
				if !seen[n] {
					seen[n] = true
					queue = append(queue, n)
				}
			}
		}
	}
	return a, nil
}

// Revoking reports whether a new relationship of typ#relation can take a
// permission away; a relation the analysed schema lacks may.
func (a *Additivity) Revoking(typ, relation string) bool {
	k := typ + "#" + relation
	return a == nil || a.revoking[k] || !a.known[k]
}

// Expiring reports whether some relationship with subject type typ may
// carry an expiration (a permission of it may end on time, with no write).
func (a *Additivity) Expiring(typ string) bool {
	return a == nil || a.expiring[typ] || a.expiring["*"]
}

// AdditiveUpdates reports whether applying updates to SpiceDB, which held
// have (for the same units), can only add to what any permission grants:
// every update TOUCHes a relationship SpiceDB did not hold in any form (a
// rewrite may shorten an expiry) of a relation that is not revoking. A
// nil Additivity calls nothing additive.
func (a *Additivity) AdditiveUpdates(have map[string]bool, creates []Rel, updates []*v1.RelationshipUpdate) bool {
	if a == nil {
		return false
	}
	for _, r := range creates {
		if have[r.Tuple()] || a.Revoking(r.Resource.Type, r.Relation) {
			return false
		}
	}
	for _, u := range updates {
		r := relFromProto(u.GetRelationship())
		if u.GetOperation() != v1.RelationshipUpdate_OPERATION_TOUCH || have[r.Tuple()] || a.Revoking(r.Resource.Type, r.Relation) {
			return false
		}
	}
	return true
}
