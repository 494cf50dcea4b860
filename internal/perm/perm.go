// Package perm is the Infrahub-style permission vocabulary: the catalog of
// global and object actions, the decisions and their bits, and the
// identifiers `global:<action>:<decision>` and
// `object:<namespace>:<name>:<action>:<decision>` (parsed and printed
// exactly). It has no I/O: SpiceDB decides, this package only names things.
package perm

import (
	"fmt"
	"regexp"
	"strings"
)

// Decision is a permission decision; its value is Infrahub's bit set.
type Decision int

const (
	Deny         Decision = 1
	AllowDefault Decision = 2
	AllowOther   Decision = 4
	AllowAll     Decision = 6
)

// Decisions lists every decision in catalog order.
var Decisions = []Decision{Deny, AllowDefault, AllowOther, AllowAll}

func (d Decision) String() string {
	switch d {
	case Deny:
		return "deny"
	case AllowDefault:
		return "allow_default"
	case AllowOther:
		return "allow_other"
	case AllowAll:
		return "allow_all"
	}
	return fmt.Sprintf("decision(%d)", int(d))
}

// ParseDecision parses a decision name.
func ParseDecision(s string) (Decision, bool) {
	for _, d := range Decisions {
		if d.String() == s {
			return d, true
		}
	}
	return 0, false
}

// Role is a built-in global role.
type Role string

const (
	RoleSuperadmin Role = "superadmin"
	RoleAdmin      Role = "admin"
	RoleMember     Role = "member"
)

// Roles lists the built-in global roles, strongest first.
var Roles = []Role{RoleSuperadmin, RoleAdmin, RoleMember}

// Rank orders roles: a higher rank is a stronger role; unknown roles rank 0.
func (r Role) Rank() int {
	switch r {
	case RoleSuperadmin:
		return 3
	case RoleAdmin:
		return 2
	case RoleMember:
		return 1
	}
	return 0
}

// Valid reports whether r is a built-in global role.
func (r Role) Valid() bool { return r.Rank() > 0 }

// GlobalAction is an action checked on the tenant.
type GlobalAction struct {
	Name        string
	Description string
	// Builtin lists the built-in roles that hold the action (superadmin
	// holds every action through super_admin and is not listed).
	Builtin []Role
}

// SuperAdmin is the action that allows every other action.
const SuperAdmin = "super_admin"

// GlobalActions is the catalog of global actions (SPEC §1.1 and Infrahub's).
var GlobalActions = []GlobalAction{
	{"manage_tenant", "Change tenant settings", []Role{RoleAdmin}},
	{"view_tenant", "View the tenant", []Role{RoleAdmin, RoleMember}},
	{"manage_users", "Invite, edit, disable, enable, delete users; set global roles", []Role{RoleAdmin}},
	{"manage_global_models", "Manage the global models catalog", []Role{RoleAdmin}},
	{"create_workspace", "Create workspaces", []Role{RoleAdmin, RoleMember}},
	{"view_telemetry", "View global telemetry and logs", []Role{RoleAdmin}},
	{"manage_runtime_modules", "Manage runtime module plugins", []Role{RoleAdmin}},
	{"view_audit_logs", "View audit logs", []Role{RoleAdmin}},
	{"manage_audit_logs", "Manage and export audit logs", nil},
	{"view_system_roles", "View the system roles mapping", []Role{RoleAdmin, RoleMember}},
	{"manage_permissions", "Manage custom roles and permissions", []Role{RoleAdmin}},
	{SuperAdmin, "Everything, everywhere", nil},
	{"edit_default_branch", "Edit the default branch", nil},
	{"merge_branch", "Merge branches", nil},
	{"merge_proposed_change", "Merge proposed changes", nil},
	{"manage_schema", "Manage the schema", nil},
	{"manage_repositories", "Manage repositories", nil},
	{"review_proposed_change", "Review proposed changes", nil},
	{"override_context", "Override the context of a request", nil},
}

// Aliases are other names of global actions (Infrahub's): an alias is one
// permission with its action, normalised when an identifier is parsed, so
// a role may hold either name and SpiceDB sees one relation.
var Aliases = map[string]string{"manage_accounts": "manage_users"}

// CanonicalGlobalAction resolves an alias to its action; other names are
// returned unchanged.
func CanonicalGlobalAction(name string) string {
	if c, ok := Aliases[name]; ok {
		return c
	}
	return name
}

// IsGlobalAction reports whether name is in the global catalog (an alias
// counts).
func IsGlobalAction(name string) bool {
	name = CanonicalGlobalAction(name)
	for _, a := range GlobalActions {
		if a.Name == name {
			return true
		}
	}
	return false
}

// Object actions. Any matches every concrete action.
const (
	ActionView   = "view"
	ActionCreate = "create"
	ActionUpdate = "update"
	ActionDelete = "delete"
	ActionAny    = "any"
)

// ObjectActions are the concrete object actions, without "any".
var ObjectActions = []string{ActionView, ActionCreate, ActionUpdate, ActionDelete}

// IsObjectAction reports whether a is a concrete action or "any".
func IsObjectAction(a string) bool {
	return a == ActionAny || a == ActionView || a == ActionCreate || a == ActionUpdate || a == ActionDelete
}

// Wildcard matches any namespace or name.
const Wildcard = "*"

var kindPart = regexp.MustCompile(`^[A-Z][A-Za-z0-9]{0,63}$`)

// ValidKindPart reports whether s is a valid kind namespace or name.
func ValidKindPart(s string) bool { return kindPart.MatchString(s) }

// Permission is one parsed identifier.
type Permission struct {
	Global    bool
	Namespace string // object only; "*" or a kind part
	Name      string // object only; "*" or a kind part
	Action    string
	Decision  Decision
}

// String prints the identifier exactly as Parse reads it.
func (p Permission) String() string {
	if p.Global {
		return "global:" + p.Action + ":" + p.Decision.String()
	}
	return "object:" + p.Namespace + ":" + p.Name + ":" + p.Action + ":" + p.Decision.String()
}

// ParseError says which part of an identifier is wrong and why.
type ParseError struct {
	Input  string
	Reason string
}

func (e *ParseError) Error() string {
	return fmt.Sprintf("invalid permission identifier %q: %s", e.Input, e.Reason)
}

// Parse reads `global:<action>:<decision>` or
// `object:<namespace>:<name>:<action>:<decision>`.
func Parse(s string) (Permission, error) {
	bad := func(reason string, args ...any) (Permission, error) {
		return Permission{}, &ParseError{Input: s, Reason: fmt.Sprintf(reason, args...)}
	}
	if len(s) > 300 {
		return bad("longer than 300 characters")
	}
	parts := strings.Split(s, ":")
	for i, p := range parts {
		if p == "" {
			return bad("part %d is empty", i+1)
		}
	}
	switch parts[0] {
	case "global":
		if len(parts) != 3 {
			return bad("want global:<action>:<decision>, got %d parts", len(parts))
		}
		if !IsGlobalAction(parts[1]) {
			return bad("unknown global action %q", parts[1])
		}
		d, ok := ParseDecision(parts[2])
		if !ok {
			return bad("unknown decision %q (want deny, allow_default, allow_other or allow_all)", parts[2])
		}
		return Permission{Global: true, Action: CanonicalGlobalAction(parts[1]), Decision: d}, nil
	case "object":
		if len(parts) != 5 {
			return bad("want object:<namespace>:<name>:<action>:<decision>, got %d parts", len(parts))
		}
		if parts[1] != Wildcard && !ValidKindPart(parts[1]) {
			return bad("namespace %q must be * or match [A-Z][A-Za-z0-9]{0,63}", parts[1])
		}
		if parts[2] != Wildcard && !ValidKindPart(parts[2]) {
			return bad("name %q must be * or match [A-Z][A-Za-z0-9]{0,63}", parts[2])
		}
		if !IsObjectAction(parts[3]) {
			return bad("unknown object action %q (want view, create, update, delete or any)", parts[3])
		}
		d, ok := ParseDecision(parts[4])
		if !ok {
			return bad("unknown decision %q (want deny, allow_default, allow_other or allow_all)", parts[4])
		}
		return Permission{Namespace: parts[1], Name: parts[2], Action: parts[3], Decision: d}, nil
	}
	return bad("must start with global: or object:")
}

// PatternSpecificity is how many of namespace, name and action are not
// wildcards (0..3).
func (p Permission) PatternSpecificity() int {
	s := 0
	if p.Namespace != Wildcard {
		s++
	}
	if p.Name != Wildcard {
		s++
	}
	if p.Action != ActionAny {
		s++
	}
	return s
}

// Specificity is Infrahub's: pattern specificity plus one for a deny.
func (p Permission) Specificity() int {
	s := p.PatternSpecificity()
	if p.Decision == Deny {
		s++
	}
	return s
}

// MatchesKind reports whether an object permission covers namespace:name.
func (p Permission) MatchesKind(namespace, name string) bool {
	return !p.Global &&
		(p.Namespace == Wildcard || p.Namespace == namespace) &&
		(p.Name == Wildcard || p.Name == name)
}

// MatchesAction reports whether an object permission covers a concrete action.
func (p Permission) MatchesAction(action string) bool {
	return p.Action == ActionAny || p.Action == action
}

// Kind is a registered object kind.
type Kind struct{ Namespace, Name string }

func (k Kind) String() string { return k.Namespace + ":" + k.Name }

// ParseKind reads "Namespace:Name".
func ParseKind(s string) (Kind, error) {
	ns, name, ok := strings.Cut(s, ":")
	if !ok || !ValidKindPart(ns) || !ValidKindPart(name) {
		return Kind{}, fmt.Errorf("kind %q must be Namespace:Name, each matching [A-Z][A-Za-z0-9]{0,63}", s)
	}
	return Kind{ns, name}, nil
}

// Built-in kinds, present in every tenant.
var (
	KindWorkspace  = Kind{"Core", "Workspace"}
	KindModel      = Kind{"Core", "Model"}
	KindDeployment = Kind{"Core", "Deployment"}
	KindAPIKey     = Kind{"Core", "ApiKey"}
)

// BuiltinKinds lists the kinds every tenant has.
var BuiltinKinds = []Kind{KindWorkspace, KindModel, KindDeployment, KindAPIKey}

// KindRelations names the relations of SpiceDB's `kind` definition that
// an object permission is materialised as on kind k (none if it does not
// match k): per concrete action, the decision's bits at its level.
func (p Permission) KindRelations(k Kind) []string {
	if !p.MatchesKind(k.Namespace, k.Name) {
		return nil
	}
	var rels []string
	ps := p.PatternSpecificity()
	for _, a := range ObjectActions {
		if !p.MatchesAction(a) {
			continue
		}
		if p.Decision == Deny {
			rels = append(rels, fmt.Sprintf("%s_deny_l%d", a, ps+1))
			continue
		}
		if p.Decision&AllowDefault != 0 {
			rels = append(rels, fmt.Sprintf("%s_def_l%d", a, ps))
		}
		if p.Decision&AllowOther != 0 {
			rels = append(rels, fmt.Sprintf("%s_oth_l%d", a, ps))
		}
	}
	return rels
}
