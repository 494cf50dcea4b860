package httpapi

import (
	"context"
	_ "embed"
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/gatehouse/gatehouse/internal/iam"
	"github.com/gatehouse/gatehouse/internal/store"
)

//go:embed openapi.json
var openapiDoc []byte

func (s *server) openapi(c *gin.Context) { c.Data(http.StatusOK, "application/json", openapiDoc) }

func (s *server) healthz(c *gin.Context) { c.JSON(http.StatusOK, gin.H{"status": "ok"}) }

// readyTimeout bounds each dependency's readiness probe.
const readyTimeout = 2 * time.Second

// readyz answers 200 only when PostgreSQL and SpiceDB both answer. Each is
// probed at once and on its own deadline, so a hung one is reported as
// such without making the other look down.
func (s *server) readyz(c *gin.Context) {
	type answer struct {
		name string
		err  error
	}
	answers := make(chan answer, len(s.Ready))
	for name, ready := range s.Ready {
		go func() {
			ctx, cancel := context.WithTimeout(c.Request.Context(), readyTimeout)
			defer cancel()
			answers <- answer{name, ready(ctx)}
		}()
	}
	checks := gin.H{}
	status := http.StatusOK
	for range s.Ready {
		a := <-answers
		checks[a.name] = "ok"
		if a.err != nil {
			checks[a.name] = "unavailable"
			status = http.StatusServiceUnavailable
		}
	}
	c.JSON(status, gin.H{"status": map[bool]string{true: "ready", false: "not ready"}[status == http.StatusOK], "checks": checks})
}

func (s *server) login() gin.HandlerFunc {
	return withBody(s, http.StatusOK, func(k call, in iam.LoginInput) (iam.LoginResult, error) {
		return s.IAM.Login(k.ctx, k.meta, in)
	})
}

func (s *server) logout() gin.HandlerFunc {
	return noBody(s, http.StatusNoContent, func(k call) (struct{}, error) {
		return struct{}{}, s.IAM.Logout(k.ctx, k.p, k.meta)
	})
}

type acceptAnswer struct {
	User store.User `json:"user"`
	iam.WriteResult
}

func (s *server) acceptInvitation() gin.HandlerFunc {
	return withBody(s, http.StatusOK, func(k call, in iam.AcceptInput) (acceptAnswer, error) {
		u, wr, err := s.IAM.AcceptInvitation(k.ctx, k.meta, in)
		return acceptAnswer{u, wr}, err
	})
}

func (s *server) me() gin.HandlerFunc {
	return noBody(s, http.StatusOK, func(k call) (iam.Me, error) { return s.IAM.GetMe(k.ctx, k.p, k.meta) })
}

func (s *server) inviteUser() gin.HandlerFunc {
	return withBody(s, http.StatusCreated, func(k call, in iam.InviteInput) (iam.Invited, error) {
		return s.IAM.InviteUser(k.ctx, k.p, k.meta, in)
	})
}

func (s *server) createWorkspace() gin.HandlerFunc {
	return withBody(s, http.StatusCreated, func(k call, in iam.WorkspaceInput) (iam.WorkspaceView, error) {
		return s.IAM.CreateWorkspace(k.ctx, k.p, k.meta, in)
	})
}

func (s *server) getWorkspace() gin.HandlerFunc {
	return noBody(s, http.StatusOK, func(k call) (iam.WorkspaceView, error) {
		return s.IAM.GetWorkspace(k.ctx, k.p, k.meta, k.c.Param("workspace_id"))
	})
}

func (s *server) listWorkspaces() gin.HandlerFunc {
	return noBody(s, http.StatusOK, func(k call) (iam.List[iam.WorkspaceView], error) {
		pg, err := page(k.c)
		if err != nil {
			return iam.List[iam.WorkspaceView]{}, err
		}
		return s.IAM.ListWorkspaces(k.ctx, k.p, k.meta, pg, k.c.Query("mine") == "true")
	})
}

func (s *server) addMember() gin.HandlerFunc {
	return withBody(s, http.StatusCreated, func(k call, in iam.MemberInput) (iam.MemberView, error) {
		return s.IAM.AddMember(k.ctx, k.p, k.meta, k.c.Param("workspace_id"), in)
	})
}

func (s *server) check() gin.HandlerFunc {
	return withBody(s, http.StatusOK, func(k call, in iam.CheckInput) (iam.CheckOutput, error) {
		return s.IAM.Check(k.ctx, k.p, k.meta, in)
	})
}

func (s *server) checkBulk() gin.HandlerFunc {
	return withBody(s, http.StatusOK, func(k call, in iam.BulkInput) (iam.BulkOutput, error) {
		return s.IAM.CheckBulk(k.ctx, k.p, k.meta, in)
	})
}

func limitParam(c *gin.Context) (int, error) {
	raw := c.Query("limit")
	if raw == "" {
		return 100, nil
	}
	n, err := strconv.Atoi(raw)
	if err != nil || n < 1 || n > 1000 {
		return 0, iam.Invalid("limit", "must be an integer from 1 to 1000")
	}
	return n, nil
}

func (s *server) inspectInvitation() gin.HandlerFunc {
	return noBody(s, http.StatusOK, func(k call) (iam.InvitationInfo, error) {
		return s.IAM.InspectInvitation(k.ctx, k.c.Query("token"))
	})
}
