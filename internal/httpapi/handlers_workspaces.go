package httpapi

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/gatehouse/gatehouse/internal/iam"
	"github.com/gatehouse/gatehouse/internal/store"
)

func (s *server) updateWorkspace() gin.HandlerFunc {
	return withBody(s, http.StatusOK, func(k call, in iam.WorkspacePatch) (iam.WorkspaceView, error) {
		return s.IAM.UpdateWorkspace(k.ctx, k.p, k.meta, k.c.Param("workspace_id"), in)
	})
}

func (s *server) deleteWorkspace() gin.HandlerFunc {
	return noBody(s, http.StatusOK, func(k call) (writeAnswer, error) {
		wr, err := s.IAM.DeleteWorkspace(k.ctx, k.p, k.meta, k.c.Param("workspace_id"))
		return writeAnswer{wr}, err
	})
}

func (s *server) listMembers() gin.HandlerFunc {
	return noBody(s, http.StatusOK, func(k call) (iam.List[iam.MemberListItem], error) {
		ms, err := s.IAM.ListMembers(k.ctx, k.p, k.meta, k.c.Param("workspace_id"))
		return paged(k, ms, err, func(m iam.MemberListItem) string { return m.ID.String() })
	})
}

func (s *server) updateMember() gin.HandlerFunc {
	return withBody(s, http.StatusOK, func(k call, in iam.MemberPatch) (iam.MemberView, error) {
		return s.IAM.UpdateMember(k.ctx, k.p, k.meta, k.c.Param("workspace_id"), k.c.Param("member_id"), in)
	})
}

func (s *server) removeMember() gin.HandlerFunc {
	return noBody(s, http.StatusOK, func(k call) (writeAnswer, error) {
		wr, err := s.IAM.RemoveMember(k.ctx, k.p, k.meta, k.c.Param("workspace_id"), k.c.Param("member_id"))
		return writeAnswer{wr}, err
	})
}

func (s *server) transferOwnership() gin.HandlerFunc {
	return withBody(s, http.StatusOK, func(k call, in iam.TransferInput) (writeAnswer, error) {
		wr, err := s.IAM.TransferOwnership(k.ctx, k.p, k.meta, k.c.Param("workspace_id"), in)
		return writeAnswer{wr}, err
	})
}

func (s *server) listModels() gin.HandlerFunc {
	return noBody(s, http.StatusOK, func(k call) (iam.List[store.Model], error) {
		ms, err := s.IAM.ListModels(k.ctx, k.p, k.meta, k.c.Query("whitelist_for"))
		return paged(k, ms, err, modelKey)
	})
}

func (s *server) createModel() gin.HandlerFunc {
	return withBody(s, http.StatusCreated, func(k call, in iam.ModelInput) (iam.ModelView, error) {
		return s.IAM.CreateModel(k.ctx, k.p, k.meta, in)
	})
}

func (s *server) deleteModel() gin.HandlerFunc {
	return noBody(s, http.StatusOK, func(k call) (writeAnswer, error) {
		wr, err := s.IAM.DeleteModel(k.ctx, k.p, k.meta, k.c.Param("model_id"))
		return writeAnswer{wr}, err
	})
}

func (s *server) whitelistedModels() gin.HandlerFunc {
	return noBody(s, http.StatusOK, func(k call) (iam.List[store.Model], error) {
		ms, err := s.IAM.WhitelistedModels(k.ctx, k.p, k.meta, k.c.Param("workspace_id"))
		return paged(k, ms, err, modelKey)
	})
}

func (s *server) whitelistModel() gin.HandlerFunc {
	return withBody(s, http.StatusCreated, func(k call, in iam.WhitelistInput) (iam.ModelView, error) {
		return s.IAM.WhitelistModel(k.ctx, k.p, k.meta, k.c.Param("workspace_id"), in)
	})
}

func (s *server) unwhitelistModel() gin.HandlerFunc {
	return noBody(s, http.StatusOK, func(k call) (iam.ModelView, error) {
		return s.IAM.UnwhitelistModel(k.ctx, k.p, k.meta, k.c.Param("workspace_id"), k.c.Param("model_id"))
	})
}

func (s *server) listDeployments(c *gin.Context) {
	pg, err := page(c)
	if err != nil {
		fail(c, s.Log, err)
		return
	}
	k := s.call(c)
	out, err := s.IAM.ListDeployments(k.ctx, k.p, k.meta, c.Param("workspace_id"), pg)
	s.respond(c, http.StatusOK, out, err)
}

func (s *server) createDeployment() gin.HandlerFunc {
	return withBody(s, http.StatusCreated, func(k call, in iam.DeploymentInput) (iam.DeploymentView, error) {
		return s.IAM.CreateDeployment(k.ctx, k.p, k.meta, k.c.Param("workspace_id"), in)
	})
}

func (s *server) getDeployment() gin.HandlerFunc {
	return noBody(s, http.StatusOK, func(k call) (store.Deployment, error) {
		return s.IAM.GetDeployment(k.ctx, k.p, k.meta, k.c.Param("workspace_id"), k.c.Param("deployment_id"))
	})
}

func (s *server) updateDeployment() gin.HandlerFunc {
	return withBody(s, http.StatusOK, func(k call, in iam.DeploymentInput) (iam.DeploymentView, error) {
		return s.IAM.UpdateDeployment(k.ctx, k.p, k.meta, k.c.Param("workspace_id"), k.c.Param("deployment_id"), in)
	})
}

func (s *server) deleteDeployment() gin.HandlerFunc {
	return noBody(s, http.StatusOK, func(k call) (writeAnswer, error) {
		wr, err := s.IAM.DeleteDeployment(k.ctx, k.p, k.meta, k.c.Param("workspace_id"), k.c.Param("deployment_id"))
		return writeAnswer{wr}, err
	})
}

func (s *server) listAPIKeys() gin.HandlerFunc {
	return noBody(s, http.StatusOK, func(k call) (iam.List[store.APIKey], error) {
		ks, err := s.IAM.ListAPIKeys(k.ctx, k.p, k.meta, k.c.Param("workspace_id"))
		return paged(k, ks, err, func(x store.APIKey) string { return x.ID.String() })
	})
}

func (s *server) createAPIKey() gin.HandlerFunc {
	return withBody(s, http.StatusCreated, func(k call, in iam.APIKeyInput) (iam.APIKeyView, error) {
		return s.IAM.CreateAPIKey(k.ctx, k.p, k.meta, k.c.Param("workspace_id"), in)
	})
}

func (s *server) revokeAPIKey() gin.HandlerFunc {
	return noBody(s, http.StatusOK, func(k call) (writeAnswer, error) {
		wr, err := s.IAM.RevokeAPIKey(k.ctx, k.p, k.meta, k.c.Param("workspace_id"), k.c.Param("key_id"))
		return writeAnswer{wr}, err
	})
}

func (s *server) updateModel() gin.HandlerFunc {
	return withBody(s, http.StatusOK, func(k call, in iam.ModelPatch) (iam.ModelView, error) {
		return s.IAM.UpdateModel(k.ctx, k.p, k.meta, k.c.Param("model_id"), in)
	})
}
