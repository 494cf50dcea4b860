package httpapi

import (
	"github.com/gatehouse/gatehouse/internal/httpapi/wire"
	"net/http"
)

func (s *server) updateWorkspace() endpoint {
	return withBody(s, http.StatusOK, func(k call, in wire.WorkspacePatch) (wire.WorkspaceView, error) {
		w, err := s.IAM.UpdateWorkspace(k.ctx, k.p, k.meta, k.c.Param("workspace_id"), in.ToIAM())
		return wire.FromWorkspaceView(w), err
	}).
		Doc("Update a workspace", "Changes a workspace's name or description; only the fields given change.")
}

func (s *server) deleteWorkspace() endpoint {
	return noBody(s, http.StatusOK, func(k call) (writeAnswer, error) {
		return wrote(s.IAM.DeleteWorkspace(k.ctx, k.p, k.meta, k.c.Param("workspace_id")))
	}).
		Doc("Delete a workspace", "Deletes a workspace with its members, deployments, whitelist and API keys (owners).")
}

func (s *server) listMembers() endpoint {
	return noBody(s, http.StatusOK, func(k call) (wire.List[wire.MemberListItem], error) {
		ms, err := s.IAM.ListMembers(k.ctx, k.p, k.meta, k.c.Param("workspace_id"))
		return paged(k, ms, err, wire.FromMemberListItem, func(m wire.MemberListItem) string { return m.ID.String() })
	}).
		Doc("List members", "A workspace's user and group members with each user's effective role, paged.").
		Params(paging...)
}

func (s *server) updateMember() endpoint {
	return withBody(s, http.StatusOK, func(k call, in wire.MemberPatch) (wire.MemberView, error) {
		m, err := s.IAM.UpdateMember(k.ctx, k.p, k.meta, k.c.Param("workspace_id"), k.c.Param("member_id"), in.ToIAM())
		return wire.FromMemberView(m), err
	}).
		Doc("Change a member's role", "Sets a member's role (a workspace keeps at least one owner).")
}

func (s *server) removeMember() endpoint {
	return noBody(s, http.StatusOK, func(k call) (writeAnswer, error) {
		return wrote(s.IAM.RemoveMember(k.ctx, k.p, k.meta, k.c.Param("workspace_id"), k.c.Param("member_id")))
	}).
		Doc("Remove a member", "Removes a user or group member (a workspace keeps at least one owner).")
}

func (s *server) transferOwnership() endpoint {
	return withBody(s, http.StatusOK, func(k call, in wire.TransferInput) (writeAnswer, error) {
		return wrote(s.IAM.TransferOwnership(k.ctx, k.p, k.meta, k.c.Param("workspace_id"), in.ToIAM()))
	}).
		Doc("Transfer ownership", "Makes another member the workspace's owner; the caller becomes an admin.")
}

func (s *server) listModels() endpoint {
	return noBody(s, http.StatusOK, func(k call) (wire.List[wire.Model], error) {
		ms, err := s.IAM.ListModels(k.ctx, k.p, k.meta, k.c.Query("whitelist_for"))
		return paged(k, ms, err, wire.FromModel, modelKey)
	}).
		Doc("List catalog models", "The tenant's global model catalog, paged; whitelist_for limits it to what a workspace may whitelist.").
		Params(paging...).Params(str("whitelist_for", "A workspace id: only the catalog models that workspace may whitelist."))
}

func (s *server) createModel() endpoint {
	return withBody(s, http.StatusCreated, func(k call, in wire.ModelInput) (wire.ModelView, error) {
		m, err := s.IAM.CreateModel(k.ctx, k.p, k.meta, in.ToIAM())
		return wire.FromModelView(m), err
	}).
		Doc("Add a catalog model", "Adds a model to the tenant's global catalog.")
}

func (s *server) deleteModel() endpoint {
	return noBody(s, http.StatusOK, func(k call) (writeAnswer, error) {
		return wrote(s.IAM.DeleteModel(k.ctx, k.p, k.meta, k.c.Param("model_id")))
	}).
		Doc("Remove a catalog model", "Removes a model from the catalog and from every whitelist.")
}

func (s *server) whitelistedModels() endpoint {
	return noBody(s, http.StatusOK, func(k call) (wire.List[wire.Model], error) {
		ms, err := s.IAM.WhitelistedModels(k.ctx, k.p, k.meta, k.c.Param("workspace_id"))
		return paged(k, ms, err, wire.FromModel, modelKey)
	}).
		Doc("Whitelisted models", "The catalog models a workspace has whitelisted, paged.").
		Params(paging...)
}

func (s *server) whitelistModel() endpoint {
	return withBody(s, http.StatusCreated, func(k call, in wire.WhitelistInput) (wire.ModelView, error) {
		m, err := s.IAM.WhitelistModel(k.ctx, k.p, k.meta, k.c.Param("workspace_id"), in.ToIAM())
		return wire.FromModelView(m), err
	}).
		Doc("Whitelist a model", "Lets a workspace deploy a catalog model.")
}

func (s *server) unwhitelistModel() endpoint {
	return noBody(s, http.StatusOK, func(k call) (wire.ModelView, error) {
		m, err := s.IAM.UnwhitelistModel(k.ctx, k.p, k.meta, k.c.Param("workspace_id"), k.c.Param("model_id"))
		return wire.FromModelView(m), err
	}).
		Doc("Un-whitelist a model", "Takes a model off a workspace's whitelist.")
}

func (s *server) listDeployments() endpoint {
	return noBody(s, http.StatusOK, func(k call) (wire.List[wire.Deployment], error) {
		pg, err := page(k.c)
		if err != nil {
			return wire.List[wire.Deployment]{}, err
		}
		ds, err := s.IAM.ListDeployments(k.ctx, k.p, k.meta, k.c.Param("workspace_id"), pg)
		return wire.ListOf(ds, err, wire.FromDeployment)
	}).
		Doc("List deployments", "The deployments of a workspace, paged.").
		Params(paging...)
}

func (s *server) createDeployment() endpoint {
	return withBody(s, http.StatusCreated, func(k call, in wire.DeploymentInput) (wire.DeploymentView, error) {
		d, err := s.IAM.CreateDeployment(k.ctx, k.p, k.meta, k.c.Param("workspace_id"), in.ToIAM())
		return wire.FromDeploymentView(d), err
	}).
		Doc("Create a deployment", "Creates a deployment, optionally of a whitelisted model.")
}

func (s *server) getDeployment() endpoint {
	return noBody(s, http.StatusOK, func(k call) (wire.Deployment, error) {
		d, err := s.IAM.GetDeployment(k.ctx, k.p, k.meta, k.c.Param("workspace_id"), k.c.Param("deployment_id"))
		return wire.FromDeployment(d), err
	}).
		Doc("Get a deployment", "One deployment of a workspace.")
}

func (s *server) updateDeployment() endpoint {
	return withBody(s, http.StatusOK, func(k call, in wire.DeploymentInput) (wire.DeploymentView, error) {
		d, err := s.IAM.UpdateDeployment(k.ctx, k.p, k.meta, k.c.Param("workspace_id"), k.c.Param("deployment_id"), in.ToIAM())
		return wire.FromDeploymentView(d), err
	}).
		Doc("Update a deployment", "Renames a deployment or changes its model.")
}

func (s *server) deleteDeployment() endpoint {
	return noBody(s, http.StatusOK, func(k call) (writeAnswer, error) {
		return wrote(s.IAM.DeleteDeployment(k.ctx, k.p, k.meta, k.c.Param("workspace_id"), k.c.Param("deployment_id")))
	}).
		Doc("Delete a deployment", "Deletes a deployment.")
}

func (s *server) listAPIKeys() endpoint {
	return noBody(s, http.StatusOK, func(k call) (wire.List[wire.APIKey], error) {
		ks, err := s.IAM.ListAPIKeys(k.ctx, k.p, k.meta, k.c.Param("workspace_id"))
		return paged(k, ks, err, wire.FromAPIKey, func(x wire.APIKey) string { return x.ID.String() })
	}).
		Doc("List API keys", "A workspace's API keys (owners and admins: all; members: their own), paged. The secret is never shown again.").
		Params(paging...)
}

func (s *server) createAPIKey() endpoint {
	return withBody(s, http.StatusCreated, func(k call, in wire.APIKeyInput) (wire.APIKeyView, error) {
		ak, err := s.IAM.CreateAPIKey(k.ctx, k.p, k.meta, k.c.Param("workspace_id"), in.ToIAM())
		return wire.FromAPIKeyView(ak), err
	}).
		Doc("Create an API key", "Creates a workspace API key; the secret (key) is in this answer only.")
}

func (s *server) revokeAPIKey() endpoint {
	return noBody(s, http.StatusOK, func(k call) (writeAnswer, error) {
		return wrote(s.IAM.RevokeAPIKey(k.ctx, k.p, k.meta, k.c.Param("workspace_id"), k.c.Param("key_id")))
	}).
		Doc("Revoke an API key", "Revokes an API key at once.")
}

func (s *server) updateModel() endpoint {
	return withBody(s, http.StatusOK, func(k call, in wire.ModelPatch) (wire.ModelView, error) {
		m, err := s.IAM.UpdateModel(k.ctx, k.p, k.meta, k.c.Param("model_id"), in.ToIAM())
		return wire.FromModelView(m), err
	}).
		Doc("Edit a catalog model", "Renames a catalog model or changes its provider; only the fields given change.")
}
