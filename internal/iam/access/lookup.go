package access

import (
	"context"
	"errors"
	"strings"

	"github.com/google/uuid"

	"github.com/gatehouse/gatehouse/internal/authz"
	"github.com/gatehouse/gatehouse/internal/iam/core"
	"github.com/gatehouse/gatehouse/internal/perm"
	"github.com/gatehouse/gatehouse/internal/store"
)

// LookupResourcesInput is GET /v1/lookup/resources.
type LookupResourcesInput struct {
	Subject      string // type:id, default the caller
	ResourceType string
	Permission   string
	Consistency  *ConsistencyInput
}

// LookupResult lists ids.
type LookupResult struct {
	Items     []string
	CheckedAt string
}

func parseRef(field, s string) (Ref, error) {
	typ, id, ok := strings.Cut(s, ":")
	if !ok || typ == "" || id == "" {
		return Ref{}, core.Invalid(field, "must be type:id")
	}
	return Ref{Type: typ, ID: id}, nil
}

// LookupResources lists the resources of a type on which a subject has a
// permission (SpiceDB LookupResources). Another subject needs a service
// credential or super_admin, as for checks.
func (s *Service) LookupResources(ctx context.Context, p *core.Principal, meta core.RequestMeta, in LookupResourcesInput) (LookupResult, error) {
	var subject *Ref
	if in.Subject != "" {
		r, err := parseRef("subject", in.Subject)
		if err != nil {
			return LookupResult{}, err
		}
		subject = &r
	}
	// Validate the question like a check on a placeholder resource.
	placeholder := uuid.Nil.String()
	if in.ResourceType == "kind" {
		placeholder = "Core:Workspace"
	}
	rc, err := s.resolveCheck(ctx, p, meta, CheckInput{Subject: subject, Resource: Ref{Type: in.ResourceType, ID: placeholder}, Permission: in.Permission})
	if err != nil {
		return LookupResult{}, err
	}
	cons, err := s.checkConsistency(ctx, p, rc.tenantID, meta, in.Consistency)
	if err != nil {
		return LookupResult{}, err
	}
	ids, err := s.Checker.LookupResources(ctx, in.ResourceType, in.Permission, rc.subject, cons, 0)
	if err != nil {
		return LookupResult{}, s.MapErr(err)
	}
	// A superadmin's reach spans tenants: a service asking about one sees
	// only its own tenant's resources.
	foreign := false
	sup := false
	if in.ResourceType != "kind" && rc.subject != p.Subject() {
		if sup, err = s.Superadmin(ctx, p, meta); err != nil {
			return LookupResult{}, err
		}
	}
	if in.ResourceType != "kind" && rc.subject != p.Subject() && !sup {
		sup, _, err := s.Checker.Check(ctx, authz.CheckItem{Resource: authz.Obj("tenant", rc.tenantID), Permission: perm.SuperAdmin, Subject: rc.subject}, cons, false)
		if err != nil {
			return LookupResult{}, s.MapErr(err)
		}
		foreign = sup.Allowed
	}
	out := LookupResult{Items: make([]string, 0, len(ids))}
	for _, id := range ids {
		if foreign {
			t, ok, err := s.resourceTenant(ctx, authz.Object{Type: in.ResourceType, ID: id})
			if err != nil {
				return LookupResult{}, err
			}
			if !ok || t != p.TenantID {
				continue
			}
		}
		if in.ResourceType == "kind" {
			parts := strings.Split(id, "/")
			if len(parts) != 3 || parts[0] != rc.tenantID.String() {
				continue
			}
			id = perm.Kind{Namespace: parts[1], Name: parts[2]}.String()
		}
		out.Items = append(out.Items, id)
	}
	return out, nil
}

// LookupSubjectsInput is GET /v1/lookup/subjects.
type LookupSubjectsInput struct {
	Resource    string // type:id
	Permission  string
	SubjectType string
	Consistency *ConsistencyInput
}

// LookupSubjects lists the subjects of a type that have a permission on a
// resource. The caller needs a service credential or super_admin, or must
// be able to view the resource.
func (s *Service) LookupSubjects(ctx context.Context, p *core.Principal, meta core.RequestMeta, in LookupSubjectsInput) (LookupResult, error) {
	res, err := parseRef("resource", in.Resource)
	if err != nil {
		return LookupResult{}, err
	}
	if in.SubjectType != "user" && in.SubjectType != "apikey" && in.SubjectType != "group" {
		return LookupResult{}, core.Invalid("subject_type", "must be user, apikey or group")
	}
	rc, err := s.resolveCheck(ctx, p, meta, CheckInput{Resource: res, Permission: in.Permission})
	if err != nil {
		return LookupResult{}, err
	}
	resource := rc.items[0].Resource
	privileged, err := s.May(ctx, p, meta, "check.other_subject", p.TenantID, p.TenantID)
	if err != nil {
		return LookupResult{}, err
	}
	sup := false
	if privileged {
		if sup, err = s.Superadmin(ctx, p, meta); err != nil {
			return LookupResult{}, err
		}
	}
	if privileged && !sup {
		// A service answers about its own tenant: another tenant's
		// resources are not visible to it.
		t, ok, err := s.resourceTenant(ctx, resource)
		if err != nil {
			return LookupResult{}, err
		}
		if !ok || t != p.TenantID {
			return LookupResult{}, core.NotFound(res.Type)
		}
	}
	if !privileged {
		useCase := "lookup.subjects.view"
		if resource.Type == "tenant" {
			useCase = "lookup.subjects.view_tenant"
		}
		viewable, err := s.MayOn(ctx, p, meta, useCase, p.TenantID, resource)
		if err != nil {
			return LookupResult{}, err
		}
		if !viewable {
			return LookupResult{}, core.NotFound(res.Type)
		}
	}
	cons, err := s.checkConsistency(ctx, p, p.TenantID, meta, in.Consistency)
	if err != nil {
		return LookupResult{}, err
	}
	subjectType := in.SubjectType
	ids, err := s.Checker.LookupSubjects(ctx, resource, in.Permission, subjectType, cons)
	if err != nil {
		return LookupResult{}, s.MapErr(err)
	}
	// Platform superadmins hold every permission of every tenant: the
	// answer names only subjects of the resource's own tenant (so no
	// tenant learns another's superadmins), and of the caller's unless the
	// caller is a platform superadmin.
	tenant, ok, err := s.resourceTenant(ctx, resource)
	if err != nil {
		return LookupResult{}, err
	}
	if !ok {
		tenant = p.TenantID
	}
	var parsed []uuid.UUID
	for _, id := range ids {
		if u, err := uuid.Parse(id); err == nil {
			parsed = append(parsed, u)
		}
	}
	kept, err := store.SubjectsOfTenant(ctx, s.Store.Pool, subjectType, parsed, tenant)
	if err != nil {
		return LookupResult{}, err
	}
	out := LookupResult{Items: make([]string, 0, len(kept))}
	for _, id := range kept {
		out.Items = append(out.Items, id.String())
	}
	return out, nil
}

// resourceTenant finds the tenant a checkable resource belongs to (found
// false: no such resource; an error: PostgreSQL did not answer).
func (s *Service) resourceTenant(ctx context.Context, o authz.Object) (uuid.UUID, bool, error) {
	if o.Type == "kind" {
		t, _, _ := strings.Cut(o.ID, "/")
		id, err := uuid.Parse(t)
		return id, err == nil, nil
	}
	id, err := uuid.Parse(o.ID)
	if err != nil {
		return uuid.Nil, false, nil
	}
	pool := s.Store.Pool
	var tenant uuid.UUID
	switch o.Type {
	case "tenant":
		_, err = store.GetTenant(ctx, pool, id)
		tenant = id
	case "workspace":
		var w store.Workspace
		w, err = store.GetWorkspace(ctx, pool, id)
		tenant = w.TenantID
	case "model":
		var m store.Model
		m, err = store.GetModel(ctx, pool, id)
		tenant = m.TenantID
	case "deployment":
		var ds []store.DeploymentFact
		if ds, err = store.LiveDeployments(ctx, pool, &id); err == nil {
			if len(ds) != 1 {
				return uuid.Nil, false, nil
			}
			var w store.Workspace
			w, err = store.GetWorkspace(ctx, pool, ds[0].WorkspaceID)
			tenant = w.TenantID
		}
	case "apikey":
		tenant, err = store.APIKeyTenant(ctx, pool, id)
	default:
		return uuid.Nil, false, nil
	}
	switch {
	case errors.Is(err, store.ErrNotFound):
		return uuid.Nil, false, nil
	case err != nil:
		return uuid.Nil, false, s.MapErr(err)
	}
	return tenant, true, nil
}
