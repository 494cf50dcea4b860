// Package httpapi is Gatehouse's HTTP API: the Gin server, every route
// (routes.go), the request and response bodies (package wire: the only JSON
// tags of the service, and what the OpenAPI document describes), request
// decoding, authentication, and the one mapping from domain errors to
// problem+json.
package httpapi

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"
	"go.opentelemetry.io/contrib/instrumentation/github.com/gin-gonic/gin/otelgin"

	"github.com/gatehouse/gatehouse/internal/httpapi/openapi"
	"github.com/gatehouse/gatehouse/internal/httpapi/settle"
	"github.com/gatehouse/gatehouse/internal/httpapi/wire"
	"github.com/gatehouse/gatehouse/internal/iam"
)

// Readiness reports whether a dependency answers.
type Readiness func(ctx context.Context) error

// Deps are the server's explicit dependencies.
type Deps struct {
	Log      *slog.Logger
	IAM      *iam.Service
	Ready    map[string]Readiness
	Registry *prometheus.Registry
	// TrustedProxies (GATEHOUSE_TRUSTED_PROXIES: IPs or CIDRs) are the only
	// peers whose X-Forwarded-For / X-Real-IP set the client address; with
	// none, the client address is the TCP peer, in the login limiter and in
	// the audit log alike.
	TrustedProxies []string
	// Tracing instruments every request (otelgin); only when traces are
	// exported (OTEL_EXPORTER_OTLP_*).
	Tracing bool
}

type server struct {
	Deps
	metrics *metrics
	// table is every route served, with its documentation (routes.go).
	table []openapi.Route
}

// NewServer builds the HTTP handler.
func NewServer(d Deps) http.Handler {
	_, r := build(d)
	return r
}

func build(d Deps) (*server, *gin.Engine) {
	gin.SetMode(gin.ReleaseMode)
	if d.Registry == nil {
		d.Registry = prometheus.NewRegistry()
	}
	s := &server{Deps: d, metrics: newMetrics(d.Registry)}
	r := gin.New()
	r.HandleMethodNotAllowed = true
	// Route on the escaped path, so that a branch name holding '/' is one
	// path segment when sent as %2F (PATCH /v1/branches/feat%2Fx).
	r.UseRawPath = true
	if err := r.SetTrustedProxies(d.TrustedProxies); err != nil {
		// config.Validate refuses such a list; never fall back to gin's
		// default of trusting every peer.
		d.Log.Error("GATEHOUSE_TRUSTED_PROXIES ignored: the client address is the TCP peer", "err", err)
		_ = r.SetTrustedProxies(nil)
	}
	r.Use(s.recover)
	if d.Tracing {
		r.Use(otelgin.Middleware("gatehouse"))
	}
	r.Use(s.requestContext, s.cleanInput, s.consistencyHeader,
		settle.Middleware(deferSettle, s.IAM.Barrier, func(c *gin.Context, err error) { fail(c, s.Log, err) }))
	console := s.consoleHandler() // the admin web console at /console (console_session.go), not an API route
	r.NoRoute(func(c *gin.Context) {
		if console.serves(c) {
			return
		}
		fail(c, s.Log, &iam.Error{Kind: iam.KindNotFound, Code: "no_route", Message: "no such endpoint"})
	})
	r.NoMethod(func(c *gin.Context) {
		c.Header("Content-Type", "application/problem+json")
		c.AbortWithStatusJSON(http.StatusMethodNotAllowed, wire.Problem{Type: "https://gatehouse.dev/problems/method_not_allowed", Title: "Method Not Allowed", Status: 405, Code: "method_not_allowed", Detail: "method not allowed on this endpoint", RequestID: requestID(c)})
	})
	s.routes(r)
	return s, r
}

const (
	ctxRequestID = "gatehouse.request_id"
	ctxPrincipal = "gatehouse.principal"
	// ctxConsistency holds the verified ZedToken of the request header.
	ctxConsistency = "gatehouse.consistency"
	// HeaderConsistency carries a consistency token both ways.
	HeaderConsistency = wire.HeaderConsistency
)

func requestID(c *gin.Context) string { return c.GetString(ctxRequestID) }

func (s *server) recover(c *gin.Context) {
	defer func() {
		if v := recover(); v != nil {
			s.Log.Error("panic", "value", v, "path", c.FullPath(), "request_id", requestID(c))
			fail(c, s.Log, &iam.Error{Code: "internal", Message: "internal error; see the server log with the request id"})
		}
	}()
	c.Next()
}

// requestContext assigns a request id, times the request and logs it.
func (s *server) requestContext(c *gin.Context) {
	id := c.GetHeader("X-Request-Id")
	if id == "" || len(id) > 64 || strings.ContainsFunc(id, func(r rune) bool { return r < 0x21 || r > 0x7e }) {
		b := make([]byte, 8)
		_, _ = rand.Read(b)
		id = hex.EncodeToString(b)
	}
	c.Set(ctxRequestID, id)
	c.Header("X-Request-Id", id)
	start := time.Now()
	c.Next()
	route := c.FullPath()
	if route == "" {
		route = "unmatched"
	}
	s.metrics.observeRequest(c.Request.Method, route, c.Writer.Status(), time.Since(start))
	if route != "/healthz" && route != "/readyz" {
		// One line per request; the principal by id, never a token.
		principal := ""
		if p, ok := c.Get(ctxPrincipal); ok {
			if pr, ok := p.(*iam.Principal); ok && pr != nil {
				principal = pr.Actor()
			}
		}
		s.Log.Info("request", "method", c.Request.Method, "route", route, "status", c.Writer.Status(),
			"duration", time.Since(start), "request_id", id, "principal", principal)
	}
}

func (s *server) meta(c *gin.Context) iam.RequestMeta {
	return iam.RequestMeta{RequestID: requestID(c), ClientAddr: c.ClientIP(), ConsistencyToken: c.GetString(ctxConsistency)}
}

// Bounds on what a URL may carry.
const (
	maxQueryParams = 32
	maxQueryValue  = 2048
)

// cleanInput refuses, on every route, query strings and path segments that
// no endpoint can mean: invalid UTF-8, NUL and other control characters,
// oversized values, a flood of parameters. Handlers then see only text
// they can pass on to PostgreSQL and SpiceDB. (Bodies are checked as
// strictly by the decoder.)
func (s *server) cleanInput(c *gin.Context) {
	bad := func(where, detail string) {
		fail(c, s.Log, &iam.Error{Kind: iam.KindBadRequest, Code: "invalid_query", Field: where, Message: detail})
	}
	q, err := url.ParseQuery(c.Request.URL.RawQuery)
	if err != nil {
		bad("query", "the query string is malformed")
		return
	}
	if len(q) > maxQueryParams {
		bad("query", fmt.Sprintf("at most %d query parameters", maxQueryParams))
		return
	}
	for k, vs := range q {
		if len(vs) > 1 {
			bad(truncateField(k), "given more than once")
			return
		}
		for _, v := range append(vs, k) {
			if msg := unusableText(v, maxQueryValue); msg != "" {
				bad(truncateField(k), msg)
				return
			}
		}
	}
	for _, p := range c.Params {
		if msg := unusableText(p.Value, maxQueryValue); msg != "" {
			fail(c, s.Log, &iam.Error{Kind: iam.KindNotFound, Code: "not_found", Message: "not found"})
			return
		}
	}
	c.Next()
}

// unusableText says why s cannot be a parameter ("" when it can).
func unusableText(s string, max int) string {
	switch {
	case len(s) > max:
		return fmt.Sprintf("must be at most %d bytes", max)
	case !utf8.ValidString(s):
		return "must be valid UTF-8"
	case strings.ContainsFunc(s, func(r rune) bool { return r < 0x20 || r == 0x7f }):
		return "must not hold control characters (NUL, newlines, ...)"
	}
	return ""
}

func truncateField(k string) string {
	if len(k) > 64 || !utf8.ValidString(k) || strings.ContainsFunc(k, func(r rune) bool { return r < 0x20 || r == 0x7f }) {
		return "query"
	}
	return k
}

// consistencyHeader verifies a Gatehouse-Consistency-Token header: a token
// Gatehouse did not mint is refused (400) on every route, before anything
// else looks at the request.
func (s *server) consistencyHeader(c *gin.Context) {
	if raw := c.GetHeader(HeaderConsistency); raw != "" {
		zed, err := s.IAM.OpenToken(HeaderConsistency, raw)
		if err != nil {
			fail(c, s.Log, err)
			return
		}
		c.Set(ctxConsistency, zed)
	}
	c.Next()
}

// authenticate requires a bearer token, or, when there is no Authorization
// header at all, the admin console's session cookie with its CSRF header on
// state-changing requests (cookieSession, console_session.go).
func (s *server) authenticate(c *gin.Context) {
	h := c.GetHeader("Authorization")
	token, ok := strings.CutPrefix(h, "Bearer ")
	if h == "" {
		var err error
		if token, ok, err = s.cookieSession(c); err != nil {
			fail(c, s.Log, err)
			return
		}
	}
	if !ok {
		fail(c, s.Log, iam.Unauthenticated("missing bearer token (Authorization: Bearer <token>)"))
		return
	}
	p, err := s.IAM.Authenticate(c.Request.Context(), strings.TrimSpace(token))
	if err != nil {
		fail(c, s.Log, err)
		return
	}
	c.Set(ctxPrincipal, p)
	c.Next()
}

// written answers a write: 201 (or 200) with the body and the consistency
// token, or 202 when the write is stored but its projection is pending.
func written(c *gin.Context, status int, wr wire.WriteResult, body any) {
	if wr.Pending {
		status = http.StatusAccepted
	} else if wr.ConsistencyToken != "" {
		c.Header(HeaderConsistency, wr.ConsistencyToken)
	}
	c.JSON(status, body)
}

// deferSettle leaves the barrier of a request's writes to the request's
// end (settle.Middleware): one barrier however many writes it made.
func deferSettle(ctx context.Context) (context.Context, func() bool) {
	ctx, st := iam.DeferSettle(ctx)
	return ctx, st.Changed
}
