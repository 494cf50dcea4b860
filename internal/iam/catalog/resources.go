package catalog

import (
	"context"
	"errors"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/gatehouse/gatehouse/internal/authz"
	"github.com/gatehouse/gatehouse/internal/iam/core"
	"github.com/gatehouse/gatehouse/internal/store"
)

// ModelInput is POST /v1/models.
type ModelInput struct {
	Name     string
	Provider string
}

// ModelView is a catalog entry.
type ModelView struct {
	store.Model
	core.WriteResult
}

// CreateModel adds a catalog entry (manage_global_models).
func (s *Service) CreateModel(ctx context.Context, p *core.Principal, meta core.RequestMeta, in ModelInput) (ModelView, error) {
	if err := core.ValidName("name", in.Name, 200); err != nil {
		return ModelView{}, err
	}
	if in.Provider != "" {
		if err := core.ValidName("provider", in.Provider, 200); err != nil {
			return ModelView{}, err
		}
	}
	var m store.Model
	authorize := func() error {
		return s.Authorize(ctx, p, meta, "model.create", p.TenantID, p.TenantID)
	}
	wr, err := s.AuthorizedWrite(ctx, p, meta, "model.create", authorize, func(tx pgx.Tx) (core.Change, error) {
		m = store.Model{ID: uuid.Must(uuid.NewV7()), TenantID: p.TenantID, Name: in.Name, Provider: in.Provider, CreatedAt: s.Now().UTC()}
		if err := store.InsertModel(ctx, tx, m, p.ID); err != nil {
			if errors.Is(err, store.ErrConflict) {
				return core.Change{}, core.Conflict("model_name_taken", "a model with this name is already in the catalog")
			}
			return core.Change{}, err
		}
		return core.Change{TenantID: m.TenantID, Target: "model:" + m.ID.String(), Facts: []authz.Fact{authz.ModelChanged{Model: m.ID}}}, nil
	})
	return ModelView{Model: m, WriteResult: wr}, err
}

// ListModels lists the catalog: all of it to holders of
// manage_global_models, and to owners and admins of the workspace named in
// whitelistFor (to pick from); otherwise the entries the caller may view.
func (s *Service) ListModels(ctx context.Context, p *core.Principal, meta core.RequestMeta, whitelistFor string) ([]store.Model, error) {
	all, err := s.May(ctx, p, meta, "model.list_all", p.TenantID, p.TenantID)
	if err != nil {
		return nil, err
	}
	if !all && whitelistFor != "" {
		w, err := s.workspaces.VisibleWorkspace(ctx, p, meta, whitelistFor)
		if err != nil {
			return nil, err
		}
		if err := s.Authorize(ctx, p, meta, "model.list_for_whitelist", w.TenantID, w.ID); err != nil {
			return nil, err
		}
		all = true
	}
	var only []uuid.UUID
	if !all {
		cons, err := s.Consistency(ctx, p.TenantID, meta)
		if err != nil {
			return nil, err
		}
		ids, err := s.Checker.LookupResources(ctx, "model", "view", p.Subject(), cons, 0)
		if err != nil {
			return nil, s.MapErr(err)
		}
		only = []uuid.UUID{}
		for _, id := range ids {
			if u, err := uuid.Parse(id); err == nil {
				only = append(only, u)
			}
		}
	}
	ms, err := store.ListModels(ctx, s.Store.Pool, p.TenantID, only, nil)
	if ms == nil {
		ms = []store.Model{}
	}
	return ms, err
}

// DeleteModel removes a catalog entry and its whitelistings.
func (s *Service) DeleteModel(ctx context.Context, p *core.Principal, meta core.RequestMeta, id string) (core.WriteResult, error) {
	mid, err := uuid.Parse(id)
	if err != nil || len(id) != 36 {
		return core.WriteResult{}, core.NotFound("model")
	}
	var m store.Model
	authorize := func() error {
		if m, err = store.GetModel(ctx, s.Store.Pool, mid); err != nil {
			return core.Missing(err, "model")
		}
		if m.TenantID != p.TenantID {
			if sup, err := s.Superadmin(ctx, p, meta); err != nil || !sup {
				return errors.Join(err, core.NotFound("model"))
			}
		}
		// An entry the caller cannot see is not found, as for PATCH.
		return s.Authorize(ctx, p, meta, "model.delete", m.TenantID, m.ID)
	}
	return s.AuthorizedWrite(ctx, p, meta, "model.delete", authorize, func(tx pgx.Tx) (core.Change, error) {
		if _, err := store.DeleteModel(ctx, tx, m.ID); err != nil {
			return core.Change{}, err
		}
		return core.Change{TenantID: m.TenantID, Target: "model:" + m.ID.String(), Facts: []authz.Fact{authz.ModelChanged{Model: m.ID}}}, nil
	})
}

// WhitelistedModels lists the models a workspace enabled (its members).
func (s *Service) WhitelistedModels(ctx context.Context, p *core.Principal, meta core.RequestMeta, workspaceID string) ([]store.Model, error) {
	w, err := s.workspaces.VisibleWorkspace(ctx, p, meta, workspaceID)
	if err != nil {
		return nil, err
	}
	if err := s.Authorize(ctx, p, meta, "workspace.model.list", w.TenantID, w.ID); err != nil {
		return nil, err
	}
	ms, err := store.ListModels(ctx, s.Store.Pool, w.TenantID, nil, &w.ID)
	if ms == nil {
		ms = []store.Model{}
	}
	return ms, err
}

// WhitelistInput is POST /v1/workspaces/{id}/models.
type WhitelistInput struct {
	ModelID string
}

// WhitelistModel enables a catalog model in a workspace (owners, admins).
func (s *Service) WhitelistModel(ctx context.Context, p *core.Principal, meta core.RequestMeta, workspaceID string, in WhitelistInput) (ModelView, error) {
	return s.whitelist(ctx, p, meta, workspaceID, in.ModelID, true)
}

// UnwhitelistModel disables a model in a workspace.
func (s *Service) UnwhitelistModel(ctx context.Context, p *core.Principal, meta core.RequestMeta, workspaceID, modelID string) (ModelView, error) {
	return s.whitelist(ctx, p, meta, workspaceID, modelID, false)
}

func (s *Service) whitelist(ctx context.Context, p *core.Principal, meta core.RequestMeta, workspaceID, modelID string, on bool) (ModelView, error) {
	mid, err := core.ParseID("model_id", modelID)
	if err != nil {
		if !on {
			return ModelView{}, core.NotFound("model")
		}
		return ModelView{}, err
	}
	w, err := s.workspaces.VisibleWorkspace(ctx, p, meta, workspaceID)
	if err != nil {
		return ModelView{}, err
	}
	var m store.Model
	action := map[bool]string{true: "workspace.model.whitelist", false: "workspace.model.unwhitelist"}[on]
	wr, err := s.AuthorizedWrite(ctx, p, meta, action, func() error {
		return s.Authorize(ctx, p, meta, "workspace.model.whitelist", w.TenantID, w.ID)
	}, func(tx pgx.Tx) (core.Change, error) {
		if m, err = store.GetModel(ctx, tx, mid); err != nil || m.TenantID != w.TenantID {
			return core.Change{}, errors.Join(core.Missing(err, "model"), core.NotFound("model"))
		}
		if on {
			if err := store.Whitelist(ctx, tx, w.TenantID, w.ID, m.ID); err != nil {
				if errors.Is(err, store.ErrConflict) {
					return core.Change{}, core.Conflict("already_whitelisted", "the model is already whitelisted in this workspace")
				}
				return core.Change{}, err
			}
		} else if ok, err := store.Unwhitelist(ctx, tx, w.ID, m.ID); err != nil || !ok {
			return core.Change{}, errors.Join(err, core.NotFound("whitelisted model"))
		}
		return core.Change{TenantID: w.TenantID, WorkspaceID: &w.ID, Target: "model:" + m.ID.String(),
			Facts: []authz.Fact{authz.ModelWhitelistChanged{Model: m.ID, Workspace: w.ID}}}, nil
	})
	return ModelView{Model: m, WriteResult: wr}, err
}

// DeploymentInput is POST /v1/workspaces/{id}/deployments and PATCH.
type DeploymentInput struct {
	Name    string
	ModelID *string
}

// DeploymentView is a deployment.
type DeploymentView struct {
	store.Deployment
	core.WriteResult
}

// deploymentModel checks that a model is whitelisted in the workspace.
func deploymentModel(ctx context.Context, q store.Q, w store.Workspace, modelID *string) (*uuid.UUID, error) {
	if modelID == nil || *modelID == "" {
		return nil, nil
	}
	mid, err := core.ParseID("model_id", *modelID)
	if err != nil {
		return nil, err
	}
	ms, err := store.ListModels(ctx, q, w.TenantID, []uuid.UUID{mid}, &w.ID)
	if err != nil {
		return nil, err
	}
	if len(ms) == 0 {
		return nil, core.Invalid("model_id", "is not a model whitelisted in this workspace")
	}
	return &mid, nil
}

// CreateDeployment creates a deployment (owners, admins).
func (s *Service) CreateDeployment(ctx context.Context, p *core.Principal, meta core.RequestMeta, workspaceID string, in DeploymentInput) (DeploymentView, error) {
	if err := core.ValidName("name", in.Name, 200); err != nil {
		return DeploymentView{}, err
	}
	w, err := s.workspaces.VisibleWorkspace(ctx, p, meta, workspaceID)
	if err != nil {
		return DeploymentView{}, err
	}
	var d store.Deployment
	wr, err := s.AuthorizedWrite(ctx, p, meta, "deployment.create", func() error {
		return s.Authorize(ctx, p, meta, "deployment.create", w.TenantID, w.ID)
	}, func(tx pgx.Tx) (core.Change, error) {
		model, err := deploymentModel(ctx, tx, w, in.ModelID)
		if err != nil {
			return core.Change{}, err
		}
		now := s.Now().UTC()
		d = store.Deployment{ID: uuid.Must(uuid.NewV7()), WorkspaceID: w.ID, Name: in.Name, ModelID: model, CreatedAt: now, UpdatedAt: now}
		if p.Kind == "user" {
			d.CreatedBy = &p.ID
		} else if k, err := store.GetAPIKey(ctx, tx, w.ID, p.ID); err == nil {
			d.CreatedBy = &k.CreatedBy
		}
		if err := store.InsertDeployment(ctx, tx, w.TenantID, d); err != nil {
			return core.Change{}, err
		}
		return core.Change{TenantID: w.TenantID, WorkspaceID: &w.ID, Target: "deployment:" + d.ID.String(), Facts: []authz.Fact{authz.DeploymentChanged{Deployment: d.ID}}}, nil
	})
	return DeploymentView{Deployment: d, WriteResult: wr}, err
}

// visibleDeployment loads a deployment the caller may view (404 otherwise).
func (s *Service) visibleDeployment(ctx context.Context, q store.Q, p *core.Principal, meta core.RequestMeta, workspaceID, id string) (store.Workspace, store.Deployment, error) {
	w, err := s.workspaces.VisibleWorkspace(ctx, p, meta, workspaceID)
	if err != nil {
		return w, store.Deployment{}, err
	}
	did, err := uuid.Parse(id)
	if err != nil || len(id) != 36 {
		return w, store.Deployment{}, core.NotFound("deployment")
	}
	d, err := store.GetDeployment(ctx, q, w.ID, did)
	if err != nil {
		return w, d, core.Missing(err, "deployment")
	}
	ok, err := s.May(ctx, p, meta, "deployment.view", w.TenantID, d.ID)
	if err != nil || !ok {
		return w, d, errors.Join(err, core.NotFound("deployment"))
	}
	return w, d, nil
}

// GetDeployment returns a deployment.
func (s *Service) GetDeployment(ctx context.Context, p *core.Principal, meta core.RequestMeta, workspaceID, id string) (store.Deployment, error) {
	_, d, err := s.visibleDeployment(ctx, s.Store.Pool, p, meta, workspaceID, id)
	return d, err
}

// ListDeployments lists the deployments of a workspace the caller may view
// (SpiceDB filters each page with one bulk check).
func (s *Service) ListDeployments(ctx context.Context, p *core.Principal, meta core.RequestMeta, workspaceID string, page core.Page) (core.List[store.Deployment], error) {
	empty := core.List[store.Deployment]{}
	w, err := s.workspaces.VisibleWorkspace(ctx, p, meta, workspaceID)
	if err != nil {
		return empty, err
	}
	if err := s.Authorize(ctx, p, meta, "deployment.list", w.TenantID, w.ID); err != nil {
		return empty, err
	}
	after, err := page.AfterID()
	if err != nil {
		return empty, err
	}
	limit := page.Size()
	ds, err := store.ListDeployments(ctx, s.Store.Pool, w.ID, after, limit+1)
	if err != nil || len(ds) == 0 {
		return core.PageOf(ds, limit, func(d store.Deployment) string { return core.IDCursor(d.ID) }), err
	}
	items := make([]authz.CheckItem, len(ds))
	for i, d := range ds {
		if items[i], err = s.RuleCheck(p, "deployment.view", d.ID); err != nil {
			return core.List[store.Deployment]{}, err
		}
	}
	cons, err := s.Consistency(ctx, w.TenantID, meta)
	if err != nil {
		return empty, err
	}
	res, _, err := s.Checker.CheckBulk(ctx, items, cons)
	if err != nil {
		return empty, s.MapErr(err)
	}
	next := ""
	if len(ds) > limit {
		next = core.IDCursor(ds[limit-1].ID)
		ds, res = ds[:limit], res[:limit]
	}
	out := core.List[store.Deployment]{Items: []store.Deployment{}, NextCursor: next}
	for i, d := range ds {
		if res[i].Allowed {
			out.Items = append(out.Items, d)
		}
	}
	return out, nil
}

// UpdateDeployment renames a deployment or changes its model.
func (s *Service) UpdateDeployment(ctx context.Context, p *core.Principal, meta core.RequestMeta, workspaceID, id string, in DeploymentInput) (DeploymentView, error) {
	if err := core.ValidName("name", in.Name, 200); err != nil {
		return DeploymentView{}, err
	}
	w, d, err := s.visibleDeployment(ctx, s.Store.Pool, p, meta, workspaceID, id)
	if err != nil {
		return DeploymentView{}, err
	}
	wr, err := s.AuthorizedWrite(ctx, p, meta, "deployment.update", func() error { return s.Authorize(ctx, p, meta, "deployment.update", w.TenantID, d.ID) }, func(tx pgx.Tx) (core.Change, error) {
		if in.ModelID != nil {
			model, err := deploymentModel(ctx, tx, w, in.ModelID)
			if err != nil {
				return core.Change{}, err
			}
			d.ModelID = model
		}
		d.Name, d.UpdatedAt = in.Name, s.Now().UTC()
		return core.Change{TenantID: w.TenantID, WorkspaceID: &w.ID, Target: "deployment:" + d.ID.String()}, store.UpdateDeployment(ctx, tx, d)
	})
	return DeploymentView{Deployment: d, WriteResult: wr}, err
}

// DeleteDeployment deletes a deployment.
func (s *Service) DeleteDeployment(ctx context.Context, p *core.Principal, meta core.RequestMeta, workspaceID, id string) (core.WriteResult, error) {
	w, d, err := s.visibleDeployment(ctx, s.Store.Pool, p, meta, workspaceID, id)
	if err != nil {
		return core.WriteResult{}, err
	}
	return s.AuthorizedWrite(ctx, p, meta, "deployment.delete", func() error { return s.Authorize(ctx, p, meta, "deployment.delete", w.TenantID, d.ID) }, func(tx pgx.Tx) (core.Change, error) {
		return core.Change{TenantID: w.TenantID, WorkspaceID: &w.ID, Target: "deployment:" + d.ID.String(), Facts: []authz.Fact{authz.DeploymentChanged{Deployment: d.ID}}},
			store.SoftDeleteDeployment(ctx, tx, d.ID)
	})
}

// ModelPatch is PATCH /v1/models/{id}.
type ModelPatch struct {
	Name     *string
	Provider *string
}

// UpdateModel changes a catalog entry (model#update: manage_global_models).
func (s *Service) UpdateModel(ctx context.Context, p *core.Principal, meta core.RequestMeta, id string, in ModelPatch) (ModelView, error) {
	mid, err := uuid.Parse(id)
	if err != nil || len(id) != 36 {
		return ModelView{}, core.NotFound("model")
	}
	if in.Name != nil {
		if err := core.ValidName("name", *in.Name, 200); err != nil {
			return ModelView{}, err
		}
	}
	if in.Provider != nil && *in.Provider != "" {
		if err := core.ValidName("provider", *in.Provider, 200); err != nil {
			return ModelView{}, err
		}
	}
	var m store.Model
	authorize := func() error {
		if m, err = store.GetModel(ctx, s.Store.Pool, mid); err != nil {
			return core.Missing(err, "model")
		}
		if m.TenantID != p.TenantID {
			if sup, err := s.Superadmin(ctx, p, meta); err != nil || !sup {
				return errors.Join(err, core.NotFound("model"))
			}
		}
		return s.Authorize(ctx, p, meta, "model.update", m.TenantID, m.ID)
	}
	wr, err := s.AuthorizedWrite(ctx, p, meta, "model.update", authorize, func(tx pgx.Tx) (core.Change, error) {
		// The entry as it is now (a concurrent rename is not undone).
		if m, err = store.GetModel(ctx, tx, mid); err != nil {
			return core.Change{}, core.Missing(err, "model")
		}
		if in.Name != nil {
			m.Name = *in.Name
		}
		if in.Provider != nil {
			m.Provider = *in.Provider
		}
		if err := store.UpdateModel(ctx, tx, m); err != nil {
			if errors.Is(err, store.ErrConflict) {
				return core.Change{}, core.Conflict("model_name_taken", "a model with this name is already in the catalog")
			}
			return core.Change{}, err
		}
		return core.Change{TenantID: m.TenantID, Target: "model:" + m.ID.String()}, nil
	})
	return ModelView{Model: m, WriteResult: wr}, err
}
