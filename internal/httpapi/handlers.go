package httpapi

import (
	"context"
	_ "embed"
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/gatehouse/gatehouse/internal/httpapi/wire"
	"github.com/gatehouse/gatehouse/internal/iam"
)

//go:embed openapi.json
var openapiDoc []byte

func (s *server) openapi() endpoint {
	return handled[openapiAnswer](http.StatusOK, func(c *gin.Context) { c.Data(http.StatusOK, "application/json", openapiDoc) }).
		Doc("This document", "The OpenAPI document of this API, generated from the route table (go run ./scripts/openapi).").
		NeedsNothing()
}

// openapiAnswer is the OpenAPI document (described as any JSON object).
type openapiAnswer map[string]any

// healthAnswer is GET /healthz's answer.
type healthAnswer struct {
	Status string `json:"status"`
}

func (s *server) healthz() endpoint {
	return handled[healthAnswer](http.StatusOK, func(c *gin.Context) { c.JSON(http.StatusOK, healthAnswer{Status: "ok"}) }).
		Doc("Liveness", "Answers 200 while the process serves HTTP; it checks no dependency (see /readyz).").
		NeedsNothing()
}

// readyAnswer is GET /readyz's answer.
type readyAnswer struct {
	Status string            `json:"status"`
	Checks map[string]string `json:"checks"`
}

// readyTimeout bounds each dependency's readiness probe.
const readyTimeout = 2 * time.Second

// readyz answers 200 only when PostgreSQL and SpiceDB both answer. Each is
// probed at once and on its own deadline, so a hung one is reported as
// such without making the other look down.
func (s *server) readyz() endpoint {
	return handled[readyAnswer](http.StatusOK, s.ready).
		Doc("Readiness", "Answers 200 when PostgreSQL and SpiceDB both answer (each probed within 2 seconds), 503 with the failing check otherwise.").
		Also(answer{Status: http.StatusServiceUnavailable, About: "A dependency does not answer: checks tells which.", Out: typeOf[readyAnswer]()}).
		NeedsNothing()
}

func (s *server) ready(c *gin.Context) {
	type result struct {
		name string
		err  error
	}
	results := make(chan result, len(s.Ready))
	for name, ready := range s.Ready {
		go func() {
			ctx, cancel := context.WithTimeout(c.Request.Context(), readyTimeout)
			defer cancel()
			results <- result{name, ready(ctx)}
		}()
	}
	out := readyAnswer{Status: "ready", Checks: map[string]string{}}
	status := http.StatusOK
	for range s.Ready {
		a := <-results
		out.Checks[a.name] = "ok"
		if a.err != nil {
			out.Checks[a.name] = "unavailable"
			status = http.StatusServiceUnavailable
			out.Status = "not ready"
		}
	}
	c.JSON(status, out)
}

// tokenLogin is a login answered with the session token (login, in
// console_session.go, also serves the console's cookie login).
func (s *server) tokenLogin() endpoint {
	return withBody(s, http.StatusOK, func(k call, in wire.LoginInput) (wire.LoginResult, error) {
		res, err := s.IAM.Login(k.ctx, k.meta, in.ToIAM())
		return wire.FromLoginResult(res), err
	})
}

func (s *server) logout() endpoint {
	return noBody(s, http.StatusNoContent, func(k call) (struct{}, error) {
		return struct{}{}, s.IAM.Logout(k.ctx, k.p, k.meta)
	}).
		Before(s.clearSessionCookies).
		Cookies("A console session's cookies (gatehouse_session, gatehouse_csrf) are cleared.").
		Doc("Log out", "Revokes the caller's session; a console session's cookies are cleared whatever the outcome. API keys and service credentials have no session to end.")
}

type acceptAnswer struct {
	User wire.User `json:"user"`
	wire.WriteResult
}

func (s *server) acceptInvitation() endpoint {
	return withBody(s, http.StatusOK, func(k call, in wire.AcceptInput) (acceptAnswer, error) {
		u, wr, err := s.IAM.AcceptInvitation(k.ctx, k.meta, in.ToIAM())
		return acceptAnswer{wire.FromUser(u), wire.FromWriteResult(wr)}, err
	}).
		Doc("Accept an invitation", "Uses an invitation token: sets the account's password (and optionally its name) and activates it. A token works once.").
		FailsWith(http.StatusNotFound, http.StatusConflict)
}

func (s *server) me() endpoint {
	return noBody(s, http.StatusOK, func(k call) (wire.Me, error) {
		me, err := s.IAM.GetMe(k.ctx, k.p, k.meta)
		return wire.FromMe(me), err
	}).
		Doc("The caller's profile", "The authenticated user with the workspaces they hold a role in (and that role).")
}

func (s *server) inviteUser() endpoint {
	return withBody(s, http.StatusCreated, func(k call, in wire.InviteInput) (wire.Invited, error) {
		inv, err := s.IAM.InviteUser(k.ctx, k.p, k.meta, in.ToIAM())
		return wire.FromInvited(inv), err
	}).
		Doc("Invite a user", "Creates an invited user in the caller's tenant (superadmins: in tenant_id) and answers the invitation token and URL once.")
}

func (s *server) createWorkspace() endpoint {
	return withBody(s, http.StatusCreated, func(k call, in wire.WorkspaceInput) (wire.WorkspaceView, error) {
		w, err := s.IAM.CreateWorkspace(k.ctx, k.p, k.meta, in.ToIAM())
		return wire.FromWorkspaceView(w), err
	}).
		Doc("Create a workspace", "Creates a workspace; the caller becomes its owner.")
}

func (s *server) getWorkspace() endpoint {
	return noBody(s, http.StatusOK, func(k call) (wire.WorkspaceView, error) {
		w, err := s.IAM.GetWorkspace(k.ctx, k.p, k.meta, k.c.Param("workspace_id"))
		return wire.FromWorkspaceView(w), err
	}).
		Doc("Get a workspace", "One workspace with the caller's role in it.")
}

func (s *server) listWorkspaces() endpoint {
	return noBody(s, http.StatusOK, func(k call) (wire.List[wire.WorkspaceView], error) {
		pg, err := page(k.c)
		if err != nil {
			return wire.List[wire.WorkspaceView]{}, err
		}
		ws, err := s.IAM.ListWorkspaces(k.ctx, k.p, k.meta, pg, k.c.Query("mine") == "true")
		return wire.ListOf(ws, err, wire.FromWorkspaceView)
	}).
		Doc("List workspaces", "The workspaces the caller may view (with mine=true: only those the caller holds a role in), paged.").
		Params(paging...).Params(str("mine", "true: only the workspaces the caller holds a role in.").OneOf("true", "false"))
}

func (s *server) addMember() endpoint {
	return withBody(s, http.StatusCreated, func(k call, in wire.MemberInput) (wire.MemberView, error) {
		m, err := s.IAM.AddMember(k.ctx, k.p, k.meta, k.c.Param("workspace_id"), in.ToIAM())
		return wire.FromMemberView(m), err
	}).
		Doc("Add a member", "Adds a user (user_id) or an account group (group_id) to a workspace with a role.")
}

func (s *server) check() endpoint {
	return withBody(s, http.StatusOK, func(k call, in wire.CheckInput) (wire.CheckOutput, error) {
		out, err := s.IAM.Check(k.ctx, k.p, k.meta, in.ToIAM())
		return wire.FromCheckOutput(out), err
	}).
		Doc("Check a permission", "May the subject (default: the caller) do permission on resource? With explain: true, the decision is also told in words.")
}

func (s *server) checkBulk() endpoint {
	return withBody(s, http.StatusOK, func(k call, in wire.BulkInput) (wire.BulkOutput, error) {
		out, err := s.IAM.CheckBulk(k.ctx, k.p, k.meta, in.ToIAM())
		return wire.FromBulkOutput(out), err
	}).
		Doc("Check many permissions", "Up to 1000 checks, answered in order; an item that cannot be checked answers its own error.")
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

func (s *server) inspectInvitation() endpoint {
	e := noBody(s, http.StatusOK, func(k call) (wire.InvitationInfo, error) {
		info, err := s.IAM.InspectInvitation(k.ctx, k.c.Query("token"))
		return wire.FromInvitationInfo(info), err
	})
	e.H = s.invitationPage(e.H)
	return e.Also(answer{Status: http.StatusSeeOther, About: "A browser (Accept: text/html) goes to the console's invitation screen with the token.", Location: true}).
		Doc("Show an invitation", "Tells whose invitation a token is, without using it. A browser (Accept: text/html) is redirected to the console's invitation screen instead.").
		Params(str("token", "The invitation token (from invitation_url).")).
		FailsWith(http.StatusNotFound, http.StatusConflict)
}
