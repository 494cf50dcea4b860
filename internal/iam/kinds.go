package iam

import (
	"context"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/gatehouse/gatehouse/internal/authz"
	"github.com/gatehouse/gatehouse/internal/perm"
	"github.com/gatehouse/gatehouse/internal/store"
)

// Catalog is GET /v1/permissions.
type Catalog struct {
	GlobalActions []CatalogAction   `json:"global_actions"`
	ObjectActions []string          `json:"object_actions"`
	Decisions     []CatalogDecision `json:"decisions"`
	Formats       map[string]string `json:"formats"`
}

// CatalogAction is a global action.
type CatalogAction struct {
	Name        string   `json:"name"`
	Description string   `json:"description"`
	Builtin     []string `json:"builtin_roles"`
	// Aliases are other identifiers of the same permission (Infrahub's
	// manage_accounts is manage_users).
	Aliases []string `json:"aliases,omitempty"`
}

// CatalogDecision is a decision and its bit value.
type CatalogDecision struct {
	Name  string `json:"name"`
	Value int    `json:"value"`
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
	ID        string     `json:"id"`
	Namespace string     `json:"namespace"`
	Name      string     `json:"name"`
	Builtin   bool       `json:"builtin"`
	CreatedAt *time.Time `json:"created_at,omitempty"`
	WriteResult
}

// KindInput is POST /v1/kinds.
type KindInput struct {
	Namespace string `json:"namespace"`
	Name      string `json:"name"`
}

// ListKinds lists the caller's tenant's kinds.
func (s *Service) ListKinds(ctx context.Context, p *Principal, meta RequestMeta) ([]KindView, error) {
	if err := s.require(ctx, p, p.TenantID, meta, authz.Obj("tenant", p.TenantID), "view_tenant"); err != nil {
		return nil, err
	}
	kinds, err := store.Kinds(ctx, s.Store.Pool, &p.TenantID, "", "")
	out := make([]KindView, 0, len(kinds))
	for _, k := range kinds {
		out = append(out, KindView{ID: k.Namespace + ":" + k.Name, Namespace: k.Namespace, Name: k.Name, Builtin: k.Builtin})
	}
	return out, err
}

// RegisterKind registers an object kind; every role permission that
// matches it covers it at once.
func (s *Service) RegisterKind(ctx context.Context, p *Principal, meta RequestMeta, in KindInput) (KindView, error) {
	if !perm.ValidKindPart(in.Namespace) {
		return KindView{}, Invalid("namespace", "must match [A-Z][A-Za-z0-9]{0,63}")
	}
	if !perm.ValidKindPart(in.Name) {
		return KindView{}, Invalid("name", "must match [A-Z][A-Za-z0-9]{0,63}")
	}
	now := s.now().UTC()
	out := KindView{ID: in.Namespace + ":" + in.Name, Namespace: in.Namespace, Name: in.Name, CreatedAt: &now}
	wr, err := s.authorizedWrite(ctx, p, meta, "kind.register", func() error {
		return s.require(ctx, p, p.TenantID, meta, authz.Obj("tenant", p.TenantID), "manage_permissions")
	}, func(tx pgx.Tx) (change, error) {
		if err := store.InsertKind(ctx, tx, p.TenantID, in.Namespace, in.Name); err != nil {
			if errors.Is(err, store.ErrConflict) {
				return change{}, Conflict("kind_exists", "kind %s is already registered", out.ID)
			}
			return change{}, err
		}
		return change{TenantID: p.TenantID, Target: "kind:" + out.ID, Units: []authz.Unit{authz.Whole(authz.KindObject(p.TenantID, in.Namespace, in.Name))}}, nil
	})
	out.WriteResult = wr
	return out, err
}
