package access

import (
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/google/uuid"

	"github.com/gatehouse/gatehouse/internal/authz"
	"github.com/gatehouse/gatehouse/internal/perm"
	"github.com/gatehouse/gatehouse/internal/store"
)

// Explanation is what `explain: true` answers: SpiceDB's decision told in
// words, and SpiceDB's raw trace. The words only describe the trace (which
// relations and permissions SpiceDB found satisfied); PostgreSQL supplies
// names and the identifiers behind materialised relations. Nothing here
// decides.
type Explanation struct {
	Text  string
	Trace json.RawMessage
}

// objectRelation matches a kind relation materialised from object
// permissions: <action>_<def|oth|deny>_l<level>.
var objectRelation = regexp.MustCompile(`^(view|create|update|delete)_(def|oth|deny)_l([0-4])$`)

type heldObjectPermission struct {
	kind   string // kind object id
	action string
	level  int
	deny   bool
	bit    string // def, oth or deny
	role   string // role id
}

type explainer struct {
	facts    []string
	seen     map[string]bool
	held     []heldObjectPermission
	capped   []string // "<kind> <action>" whose cap SpiceDB found held
	guards   map[string]bool
	inherits []string
	names    map[string]map[string]bool // type -> ids to name
	holders  []heldRole
}

// heldRole is a workspace#holder relationship SpiceDB found: the role it
// stands for is named from PostgreSQL (holderFacts).
type heldRole struct{ workspace, subject authz.Object }

func (e *explainer) fact(f string) {
	if !e.seen[f] {
		e.seen[f] = true
		e.facts = append(e.facts, f)
	}
}

func (e *explainer) want(o authz.Object) string {
	if e.names[o.Type] == nil {
		e.names[o.Type] = map[string]bool{}
	}
	e.names[o.Type][o.ID] = true
	return "\x00" + o.Type + ":" + o.ID + "\x00"
}

// walk visits the trace. For an allowed answer it follows only the steps
// SpiceDB found satisfied (the path that allowed); for a denied one it
// visits every step and reports what was held anyway (denies, caps).
func (e *explainer) walk(n *authz.TraceNode, onlySatisfied bool) {
	if n == nil {
		return
	}
	if n.Resource.Type == "kind" && n.Permission == "guard_allows" {
		for _, c := range n.Children {
			if c.Resource.Type == "tenant" && perm.IsGlobalAction(c.Permission) {
				e.guards[c.Permission+"\x01"+n.Resource.ID] = c.Has
			}
			if c.Resource.Type == "kind" && c.Permission == "guard_allows" && c.Resource.ID != n.Resource.ID {
				e.inherits = append(e.inherits, e.want(n.Resource)+" inherits from the generic "+e.want(c.Resource))
			}
		}
	}
	if n.Has {
		e.satisfied(n)
	}
	for _, c := range n.Children {
		if onlySatisfied && !c.Has {
			continue
		}
		e.walk(c, onlySatisfied)
	}
}

func childOfType(n *authz.TraceNode, typ string) *authz.TraceNode {
	for _, c := range n.Children {
		if c.Has && c.Resource.Type == typ {
			return c
		}
	}
	return nil
}

func (e *explainer) satisfied(n *authz.TraceNode) {
	r := n.Resource
	switch {
	case r.Type == "group" && n.Permission == "member" && n.IsRelation:
		e.fact(e.want(n.Subject) + " is a member of group " + e.want(r))
	case r.Type == "role" && n.Permission == "assignee":
		if g := childOfType(n, "group"); g != nil {
			e.fact(e.want(g.Resource) + " holds role " + e.want(r))
		} else {
			e.fact(e.want(n.Subject) + " holds role " + e.want(r))
		}
	case r.Type == "kind" && objectRelation.MatchString(n.Permission):
		m := objectRelation.FindStringSubmatch(n.Permission)
		level, _ := strconv.Atoi(m[3])
		h := heldObjectPermission{kind: r.ID, action: m[1], level: level, deny: m[2] == "deny", bit: m[2]}
		if c := childOfType(n, "role"); c != nil {
			h.role = c.Resource.ID
		}
		e.held = append(e.held, h)
	case r.Type == "workspace" && n.IsRelation && (n.Permission == "owner" || n.Permission == "admin" || n.Permission == "member"):
		who := e.want(n.Subject)
		if g := childOfType(n, "group"); g != nil {
			who = "group " + e.want(g.Resource)
		}
		e.roleFact(who, n.Permission, r)
	case r.Type == "workspace" && n.IsRelation && n.Permission == "holder":
		subject := n.Subject
		if g := childOfType(n, "group"); g != nil {
			subject = authz.Object{Type: "group", ID: g.Resource.ID, Relation: "member"}
		}
		e.holders = append(e.holders, heldRole{workspace: r, subject: subject})
	case r.Type == "workspace" && n.IsRelation && (n.Permission == "key_admin" || n.Permission == "key_member"):
		e.roleFact(e.want(n.Subject), n.Permission, r)
	case r.Type == "apikey" && n.Permission == "creator" && n.IsRelation:
		e.fact(e.want(n.Subject) + " created API key " + e.want(r))
	case r.Type == "tenant" && n.IsRelation && (n.Permission == "admin" || n.Permission == "member"):
		e.fact(e.want(n.Subject) + " is a tenant " + n.Permission + " (built-in role)")
	case r.Type == "platform" && n.Permission == "superadmin" && n.IsRelation:
		e.fact(e.want(n.Subject) + " is a platform superadmin")
	case r.Type == "tenant" && n.IsRelation && (strings.HasSuffix(n.Permission, "_allow") || strings.HasSuffix(n.Permission, "_deny")):
		action, verb := strings.TrimSuffix(n.Permission, "_allow"), "grants"
		if strings.HasSuffix(n.Permission, "_deny") {
			action, verb = strings.TrimSuffix(n.Permission, "_deny"), "denies"
		}
		if c := childOfType(n, "role"); c != nil {
			e.fact("role " + e.want(c.Resource) + " " + verb + " the global permission " + action)
		}
	case n.Resource.Type != "kind" && strings.HasSuffix(n.Permission, "_cap") && !n.IsRelation:
		e.capped = append(e.capped, n.Permission)
	case r.Type == "kind" && strings.HasSuffix(n.Permission, "_cap") && !n.IsRelation:
		e.capped = append(e.capped, n.Permission)
	}
}

// explain builds the words for a check SpiceDB answered.
func (s *Service) explain(ctx context.Context, res authz.CheckResult, subject authz.Object, in CheckInput, allowed, frozen bool) *Explanation {
	e := &explainer{seen: map[string]bool{}, guards: map[string]bool{}, names: map[string]map[string]bool{}}
	e.walk(res.Trace, allowed)
	s.holderFacts(ctx, e)
	var parts []string
	parts = append(parts, e.facts...)
	parts = append(parts, e.inherits...)
	guardNames := make([]string, 0, len(e.guards))
	for g := range e.guards {
		guardNames = append(guardNames, g)
	}
	sort.Strings(guardNames)
	for _, g := range guardNames {
		action, kindID, _ := strings.Cut(g, "\x01")
		held := "which " + e.want(subject) + " does not hold"
		if e.guards[g] {
			held = "which " + e.want(subject) + " holds"
		}
		parts = append(parts, fmt.Sprintf("%s is guarded by the global permission %s (%s), so its object permissions other than view do not apply", e.want(authz.Object{Type: "kind", ID: kindID}), action, held))
	}
	parts = append(parts, s.winningObjectPermissions(ctx, e)...)
	if len(e.capped) > 0 {
		parts = append(parts, "a resolved kind-level deny caps the workspace role ("+strings.Join(dedupe(e.capped), ", ")+")")
	}
	if frozen {
		parts = append(parts, fmt.Sprintf("branch %s is %s: on it every action but view is denied", in.Branch, "merged or needs a rebase"))
	}
	if len(parts) == 0 {
		parts = append(parts, e.want(subject)+" holds nothing that grants it")
	}
	what := in.Permission + " " + in.Resource.Type + " " + e.want(resourceObject(subject, in))
	if in.Resource.Type == "kind" {
		what = in.Permission + " " + in.Resource.ID
	}
	if in.Branch != "" {
		what += " on branch " + in.Branch
	}
	verdict := "denied"
	if allowed {
		verdict = "allowed"
	}
	text := strings.Join(parts, "; ") + "; so " + what + " is " + verdict
	return &Explanation{Text: s.fillNames(ctx, e.names, text), Trace: json.RawMessage(res.Explanation)}
}

// holderFacts words the workspace#holder relationships SpiceDB found with
// the role each stands for: the projection's relationships for that
// workspace and subject name it (holder is the role-agnostic copy beside
// owner, admin, member, key_admin or key_member). A naming lookup only: the
// decision was SpiceDB's (and the role is read now, so right after a role
// change it names the new one).
func (s *Service) holderFacts(ctx context.Context, e *explainer) {
	for _, h := range e.holders {
		who := e.want(h.subject)
		if h.subject.Type == "group" {
			who = "group " + who
		}
		role := ""
		if rels, err := authz.Desired(ctx, s.Store.Pool, authz.Pair(h.workspace, h.subject)); err == nil {
			for _, r := range rels {
				if r.Relation != "holder" && r.Subject == h.subject {
					role = r.Relation
				}
			}
		}
		e.roleFact(who, role, h.workspace)
	}
}

// roleFact words who's workspace role relation (owner, admin, member,
// key_admin, key_member; "" when it could not be named).
func (e *explainer) roleFact(who, role string, ws authz.Object) {
	switch role {
	case "key_admin", "key_member":
		e.fact("API key " + who + " acts as " + strings.TrimPrefix(role, "key_") + " of workspace " + e.want(ws))
	case "owner", "admin", "member":
		e.fact(who + " is " + role + " of workspace " + e.want(ws))
	default:
		e.fact(who + " holds a role in workspace " + e.want(ws))
	}
}

func dedupe(xs []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, x := range xs {
		if !seen[x] {
			seen[x] = true
			out = append(out, x)
		}
	}
	return out
}

// resourceObject is the object a non-kind check named (for its name).
func resourceObject(_ authz.Object, in CheckInput) authz.Object {
	return authz.Object{Type: in.Resource.Type, ID: in.Resource.ID}
}

// winningObjectPermissions names, per kind and action, the held object
// permissions SpiceDB found at the highest specificity level, with the
// identifiers of their roles that materialise as those relations.
func (s *Service) winningObjectPermissions(ctx context.Context, e *explainer) []string {
	type key struct{ kind, action string }
	best := map[key]int{}
	var order []key
	for _, h := range e.held {
		k := key{h.kind, h.action}
		if l, ok := best[k]; !ok || h.level > l {
			if !ok {
				order = append(order, k)
			}
			best[k] = h.level
		}
	}
	var out []string
	for _, k := range order {
		var ids []string
		for _, h := range e.held {
			if h.kind != k.kind || h.action != k.action || h.level != best[k] {
				continue
			}
			ids = append(ids, s.identifiersFor(ctx, e, h)...)
		}
		ids = dedupe(ids)
		if len(ids) == 0 {
			continue
		}
		verb := "is the most specific match"
		if len(ids) > 1 {
			verb = "are the most specific matches"
		}
		out = append(out, fmt.Sprintf("%s %s (specificity %d)", strings.Join(ids, " and "), verb, best[k]))
	}
	return out
}

// identifiersFor finds which of a role's identifiers materialise as the
// relation SpiceDB found (a naming lookup: the relation was SpiceDB's).
func (s *Service) identifiersFor(ctx context.Context, e *explainer, h heldObjectPermission) []string {
	roleID, err := uuid.Parse(h.role)
	if err != nil {
		return nil
	}
	_, ns, name, ok := splitKindObject(h.kind)
	if !ok {
		return nil
	}
	idents, err := store.RolePermissionIdentifiers(ctx, s.Store.Pool, roleID)
	if err != nil {
		return nil
	}
	var out []string
	for _, id := range idents {
		p, err := perm.Parse(id)
		if err != nil || p.Global {
			continue
		}
		for _, rel := range p.KindRelations(perm.Kind{Namespace: ns, Name: name}) {
			m := objectRelation.FindStringSubmatch(rel)
			if m != nil && m[1] == h.action && m[3] == strconv.Itoa(h.level) && m[2] == h.bit {
				out = append(out, e.want(authz.Object{Type: "role", ID: h.role})+"'s "+id)
				break
			}
		}
	}
	return out
}

// fillNames replaces object markers with display names from PostgreSQL.
func (s *Service) fillNames(ctx context.Context, want map[string]map[string]bool, text string) string {
	names := map[string]string{}
	for typ, ids := range want {
		var uuids []uuid.UUID
		for id := range ids {
			if typ == "kind" {
				if _, ns, name, ok := splitKindObject(id); ok {
					names[typ+":"+id] = ns + ":" + name
				}
				continue
			}
			if u, err := uuid.Parse(id); err == nil {
				uuids = append(uuids, u)
			}
		}
		found, err := store.Names(ctx, s.Store.Pool, typ, uuids)
		if err != nil {
			continue
		}
		for id, n := range found {
			names[typ+":"+id.String()] = n
		}
	}
	parts := strings.Split(text, "\x00")
	for i := 1; i < len(parts); i += 2 {
		if n, ok := names[parts[i]]; ok {
			parts[i] = n
		} else {
			parts[i] = strings.SplitN(parts[i], "#", 2)[0]
		}
	}
	return strings.Join(parts, "")
}

// splitKindObject reads a kind object id <tenant>/<Namespace>/<Name>.
func splitKindObject(id string) (tenant, namespace, name string, ok bool) {
	parts := strings.Split(id, "/")
	if len(parts) != 3 {
		return "", "", "", false
	}
	return parts[0], parts[1], parts[2], true
}
