package httpapi

import (
	"context"
	_ "embed"
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/gatehouse/gatehouse/internal/iam"
)

//go:embed openapi.json
var openapiDoc []byte

func (s *server) openapi(c *gin.Context) { c.Data(http.StatusOK, "application/json", openapiDoc) }

func (s *server) healthz(c *gin.Context) { c.JSON(http.StatusOK, gin.H{"status": "ok"}) }

// readyz answers 200 only when PostgreSQL and SpiceDB both answer.
func (s *server) readyz(c *gin.Context) {
	ctx, cancel := context.WithTimeout(c.Request.Context(), 2*time.Second)
	defer cancel()
	checks := gin.H{}
	status := http.StatusOK
	for name, ready := range s.Ready {
		if err := ready(ctx); err != nil {
			checks[name] = "unavailable"
			status = http.StatusServiceUnavailable
			continue
		}
		checks[name] = "ok"
	}
	c.JSON(status, gin.H{"status": map[bool]string{true: "ready", false: "not ready"}[status == http.StatusOK], "checks": checks})
}

func (s *server) login(c *gin.Context) {
	var in struct {
		Email    string `json:"email"`
		Password string `json:"password"`
	}
	if err := decode(c, &in); err != nil {
		fail(c, s.Log, err)
		return
	}
	res, err := s.IAM.Login(c.Request.Context(), s.meta(c), in.Email, in.Password)
	if err != nil {
		fail(c, s.Log, err)
		return
	}
	c.JSON(http.StatusOK, res)
}

func (s *server) logout(c *gin.Context) {
	if err := s.IAM.Logout(c.Request.Context(), principal(c), s.meta(c)); err != nil {
		fail(c, s.Log, err)
		return
	}
	c.Status(http.StatusNoContent)
}

func (s *server) acceptInvitation(c *gin.Context) {
	var in iam.AcceptInput
	if err := decode(c, &in); err != nil {
		fail(c, s.Log, err)
		return
	}
	u, wr, err := s.IAM.AcceptInvitation(c.Request.Context(), s.meta(c), in)
	if err != nil {
		fail(c, s.Log, err)
		return
	}
	written(c, http.StatusOK, wr, gin.H{"user": u, "consistency_token": wr.ConsistencyToken, "projection_pending": wr.Pending})
}

func (s *server) me(c *gin.Context) {
	me, err := s.IAM.GetMe(c.Request.Context(), principal(c), s.meta(c))
	if err != nil {
		fail(c, s.Log, err)
		return
	}
	c.JSON(http.StatusOK, me)
}

func (s *server) inviteUser(c *gin.Context) {
	var in iam.InviteInput
	if err := decode(c, &in); err != nil {
		fail(c, s.Log, err)
		return
	}
	out, err := s.IAM.InviteUser(c.Request.Context(), principal(c), s.meta(c), in)
	if err != nil {
		fail(c, s.Log, err)
		return
	}
	written(c, http.StatusCreated, out.WriteResult, out)
}

func (s *server) createWorkspace(c *gin.Context) {
	var in iam.WorkspaceInput
	if err := decode(c, &in); err != nil {
		fail(c, s.Log, err)
		return
	}
	out, err := s.IAM.CreateWorkspace(c.Request.Context(), principal(c), s.meta(c), in)
	if err != nil {
		fail(c, s.Log, err)
		return
	}
	written(c, http.StatusCreated, out.WriteResult, out)
}

func (s *server) getWorkspace(c *gin.Context) {
	out, err := s.IAM.GetWorkspace(c.Request.Context(), principal(c), s.meta(c), c.Param("workspace_id"))
	if err != nil {
		fail(c, s.Log, err)
		return
	}
	c.JSON(http.StatusOK, out)
}

func (s *server) listWorkspaces(c *gin.Context) {
	pg, err := page(c)
	if err != nil {
		fail(c, s.Log, err)
		return
	}
	mine := c.Query("mine") == "true"
	out, err := s.IAM.ListWorkspaces(c.Request.Context(), principal(c), s.meta(c), pg, mine)
	s.respond(c, http.StatusOK, out, err)
}

func (s *server) addMember(c *gin.Context) {
	var in iam.MemberInput
	if err := decode(c, &in); err != nil {
		fail(c, s.Log, err)
		return
	}
	out, err := s.IAM.AddMember(c.Request.Context(), principal(c), s.meta(c), c.Param("workspace_id"), in)
	if err != nil {
		fail(c, s.Log, err)
		return
	}
	written(c, http.StatusCreated, out.WriteResult, out)
}

func (s *server) check(c *gin.Context) {
	var in iam.CheckInput
	if err := decode(c, &in); err != nil {
		fail(c, s.Log, err)
		return
	}
	out, err := s.IAM.Check(c.Request.Context(), principal(c), s.meta(c), in)
	if err != nil {
		fail(c, s.Log, err)
		return
	}
	c.JSON(http.StatusOK, out)
}

func (s *server) checkBulk(c *gin.Context) {
	var in iam.BulkInput
	if err := decode(c, &in); err != nil {
		fail(c, s.Log, err)
		return
	}
	out, err := s.IAM.CheckBulk(c.Request.Context(), principal(c), s.meta(c), in)
	if err != nil {
		fail(c, s.Log, err)
		return
	}
	c.JSON(http.StatusOK, out)
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
