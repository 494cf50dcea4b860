package roles

import (
	"context"
	"errors"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/gatehouse/gatehouse/internal/authz"
	"github.com/gatehouse/gatehouse/internal/iam/core"
	"github.com/gatehouse/gatehouse/internal/perm"
	"github.com/gatehouse/gatehouse/internal/store"
)

// Catalog is GET /v1/permissions.
type Catalog struct {
	GlobalActions []CatalogAction
	ObjectActions []string
	Decisions     []CatalogDecision
	Formats       map[string]string
}

// CatalogAction is a global action.
type CatalogAction struct {
	Name        string
	Description string
	Builtin     []string
	// Aliases are other identifiers of the same permission (Infrahub's
	// manage_accounts is manage_users).
	Aliases []string
}

// CatalogDecision is a decision and its bit value.
type CatalogDecision struct {
	Name  string
	Value int
}

// PermissionCatalog lists what permissions are made of.
func PermissionCatalog() Catalog {
	c := Catalog{
		ObjectActions: append(append([]string{}, perm.ObjectActions...), perm.ActionAny),
		Formats: map[string]string{
			"global": "global:<action>:<decision>",
			"object": "object:<namespace>:<name>:<action>:<decision>  (namespace and name: [A-Z][A-Za-z0-9]{0,63} or *)",
		},
	}
	for _, a := range perm.GlobalActions {
		ca := CatalogAction{Name: a.Name, Description: a.Description, Builtin: []string{string(perm.RoleSuperadmin)}}
		for _, r := range a.Builtin {
			ca.Builtin = append(ca.Builtin, string(r))
		}
		for alias, canonical := range perm.Aliases {
			if canonical == a.Name {
				ca.Aliases = append(ca.Aliases, alias)
			}
		}
		c.GlobalActions = append(c.GlobalActions, ca)
	}
	for _, d := range perm.Decisions {
		c.Decisions = append(c.Decisions, CatalogDecision{Name: d.String(), Value: int(d)})
	}
	return c
}

// KindView is a registered kind.
type KindView struct {
	ID          string
	Namespace   string
	Name        string
	Builtin     bool
	GuardedBy   string
	Generic     bool
	InheritFrom []string
	CreatedAt   *time.Time
	core.WriteResult
}

// KindInput is POST /v1/kinds.
type KindInput struct {
	Namespace string
	Name      string
	// GuardedBy names a global action that alone decides every action but
	// view on the kind.
	GuardedBy string
	// InheritFrom names registered generic kinds ("Namespace:Name"): the
	// kind inherits their guard.
	InheritFrom []string
	Generic     bool
}

func kindView(k store.KindFact) KindView {
	inherits := k.InheritsFrom
	if inherits == nil {
		inherits = []string{}
	}
	return KindView{ID: k.Namespace + ":" + k.Name, Namespace: k.Namespace, Name: k.Name, Builtin: k.Builtin,
		GuardedBy: k.GuardedBy, Generic: k.Generic, InheritFrom: inherits}
}

// ListKinds lists the caller's tenant's kinds.
func (s *Service) ListKinds(ctx context.Context, p *core.Principal, meta core.RequestMeta) ([]KindView, error) {
	if err := s.Authorize(ctx, p, meta, "kind.list", p.TenantID, p.TenantID); err != nil {
		return nil, err
	}
	kinds, err := store.Kinds(ctx, s.Store.Pool, &p.TenantID, "", "")
	out := make([]KindView, 0, len(kinds))
	for _, k := range kinds {
		out = append(out, kindView(k))
	}
	return out, err
}

// validateKind checks a new kind against the kinds it inherits from
// (which must be registered generics) and returns it normalised. A kind
// has at most one guard: its own, or the one its generics carry.
func validateKind(in KindInput, tenant []store.KindFact) (store.KindFact, error) {
	k := store.KindFact{Namespace: in.Namespace, Name: in.Name, Generic: in.Generic, InheritsFrom: []string{}}
	if in.GuardedBy != "" {
		if !perm.IsGlobalAction(in.GuardedBy) {
			return k, core.Invalid("guarded_by", "%q is not a global action", core.Truncate(in.GuardedBy))
		}
		k.GuardedBy = perm.CanonicalGlobalAction(in.GuardedBy)
	}
	if len(in.InheritFrom) > 64 {
		return k, core.Invalid("inherit_from", "at most 64 generics")
	}
	byID := map[string]store.KindFact{}
	for _, t := range tenant {
		byID[t.Namespace+":"+t.Name] = t
	}
	self := in.Namespace + ":" + in.Name
	var guardOf func(id string, depth int) string
	guardOf = func(id string, depth int) string {
		t := byID[id]
		if t.GuardedBy != "" || depth > 64 {
			return t.GuardedBy
		}
		for _, parent := range t.InheritsFrom {
			if g := guardOf(parent, depth+1); g != "" {
				return g
			}
		}
		return ""
	}
	inherited, from := "", ""
	seen := map[string]bool{}
	for i, id := range in.InheritFrom {
		field := "inherit_from[" + strconv.Itoa(i) + "]"
		pk, err := perm.ParseKind(id)
		if err != nil {
			return k, core.Invalid(field, "%v", err)
		}
		id = pk.String()
		if id == self {
			return k, core.Invalid(field, "a kind cannot inherit from itself (cycle)")
		}
		parent, ok := byID[id]
		if !ok {
			return k, core.Invalid(field, "kind %s is not registered", id)
		}
		if !parent.Generic {
			return k, core.Invalid(field, "kind %s is not a generic", id)
		}
		if seen[id] {
			continue
		}
		seen[id] = true
		k.InheritsFrom = append(k.InheritsFrom, id)
		if g := guardOf(id, 0); g != "" {
			if inherited != "" && g != inherited && k.GuardedBy == "" {
				return k, core.Invalid(field, "%s is guarded by %s but %s by %s: name the guard with guarded_by", id, g, from, inherited)
			}
			if inherited == "" {
				inherited, from = g, id
			}
		}
	}
	if k.GuardedBy != "" && inherited != "" && k.GuardedBy != inherited {
		return k, core.Invalid("guarded_by", "%s conflicts with %s inherited from %s", k.GuardedBy, inherited, from)
	}
	return k, nil
}

// RegisterKind registers an object kind; every role permission that
// matches it covers it at once, and its guard (its own or its generics')
// with the write's consistency token.
func (s *Service) RegisterKind(ctx context.Context, p *core.Principal, meta core.RequestMeta, in KindInput) (KindView, error) {
	if !perm.ValidKindPart(in.Namespace) {
		return KindView{}, core.Invalid("namespace", "must match [A-Z][A-Za-z0-9]{0,63}")
	}
	if !perm.ValidKindPart(in.Name) {
		return KindView{}, core.Invalid("name", "must match [A-Z][A-Za-z0-9]{0,63}")
	}
	tenantKinds, err := store.Kinds(ctx, s.Store.Pool, &p.TenantID, "", "")
	if err != nil {
		return KindView{}, s.MapErr(err)
	}
	k, err := validateKind(in, tenantKinds)
	if err != nil {
		return KindView{}, err
	}
	k.TenantID = p.TenantID
	now := s.Now().UTC()
	out := kindView(k)
	out.CreatedAt = &now
	wr, err := s.AuthorizedWrite(ctx, p, meta, "kind.register", func() error {
		return s.Authorize(ctx, p, meta, "kind.register", p.TenantID, p.TenantID)
	}, func(tx pgx.Tx) (core.Change, error) {
		// The generics, as stored now (kinds are never changed or removed,
		// so what validateKind read still holds; the lock makes it certain).
		parents, err := store.LockKinds(ctx, tx, p.TenantID, k.InheritsFrom)
		if err != nil {
			return core.Change{}, err
		}
		if len(parents) != len(k.InheritsFrom) {
			return core.Change{}, core.Invalid("inherit_from", "names a kind that is not registered")
		}
		if err := store.InsertKind(ctx, tx, k); err != nil {
			if errors.Is(err, store.ErrConflict) {
				return core.Change{}, core.Conflict("kind_exists", "kind %s is already registered", out.ID)
			}
			return core.Change{}, err
		}
		return core.Change{TenantID: p.TenantID, Target: "kind:" + out.ID, Details: map[string]any{"guarded_by": k.GuardedBy, "generic": k.Generic, "inherit_from": k.InheritsFrom},
			Facts: []authz.Fact{authz.KindChanged{Tenant: p.TenantID, Namespace: in.Namespace, Name: in.Name}}}, nil
	})
	out.WriteResult = wr
	return out, err
}
