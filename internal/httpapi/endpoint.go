package httpapi

import (
	"net/http"
	"reflect"
	"runtime"
	"strings"

	"github.com/gin-gonic/gin"
)

// An endpoint is a route's handler together with what the OpenAPI document
// says about it (openapi.go turns the route table into the document). The
// request and response types come from the handler's own generic
// signature (withBody, noBody, handled), so they cannot disagree with what
// the handler decodes and answers.
type endpoint struct {
	h gin.HandlerFunc
	// name is the handler method routes.go names (s.<name>): the
	// operationId. It is read from the call stack when routes() builds the
	// endpoint, so it cannot drift from routes.go.
	name    string
	summary string
	about   string
	// in is the JSON request body (nil: none).
	in reflect.Type
	// status is the success status; outs are its body (several: one of
	// them, as told by a query parameter); none for 204 and redirects. A
	// write (a non-GET whose answer carries a WriteResult) may also
	// answer 202 with the same body while its projection is pending.
	status int
	outs   []reflect.Type
	query  []param
	// fails are the error statuses the handler itself can answer (the
	// middleware's are added by the generator: 400 for every route, 401
	// and 403 behind authentication, 500 and 503 everywhere).
	fails []int
	// extra are further non-error answers (redirects, readiness failure).
	extra []answer
	// setsCookies names the cookies a success may set.
	setsCookies string
	// redirects tells where a redirecting success goes.
	redirects string
	// offline: the handler needs no dependency (no 503 problem).
	offline bool
}

// An answer is a response other than the endpoint's success one.
type answer struct {
	status   int
	about    string
	out      reflect.Type // nil: no body
	location bool         // a redirect's Location header
	cookies  string
}

// A param is a query parameter.
type param struct {
	name  string
	about string
	// kind is "string" (default), "integer" or "boolean".
	kind    string
	enum    []string
	format  string
	min     *float64
	max     *float64
	pattern string
}

func typeOf[T any]() reflect.Type { return reflect.TypeFor[T]() }

// withBody decodes the JSON body into In, then answers fn's result.
func withBody[In any, Out any](s *server, status int, fn func(call, In) (Out, error)) endpoint {
	h := func(c *gin.Context) {
		var in In
		if err := decode(c, &in); err != nil {
			fail(c, s.Log, err)
			return
		}
		out, err := fn(s.call(c), in)
		s.respond(c, status, out, err)
	}
	return newEndpoint(h, status, typeOf[In](), typeOf[Out]())
}

// noBody answers fn's result.
func noBody[Out any](s *server, status int, fn func(call) (Out, error)) endpoint {
	h := func(c *gin.Context) {
		out, err := fn(s.call(c))
		s.respond(c, status, out, err)
	}
	return newEndpoint(h, status, nil, typeOf[Out]())
}

// handled is a plain gin handler that answers Out with status.
func handled[Out any](status int, h gin.HandlerFunc) endpoint {
	return newEndpoint(h, status, nil, typeOf[Out]())
}

// noContent marks an answer without a body (204, redirects).
type noContent struct{}

var noContentType = typeOf[noContent]()

func newEndpoint(h gin.HandlerFunc, status int, in, out reflect.Type) endpoint {
	e := endpoint{h: h, name: handlerName(), in: in, status: status}
	if status != http.StatusNoContent && out != noContentType && out != typeOf[struct{}]() {
		e.outs = []reflect.Type{out}
	}
	return e
}

// handlerName is the name of the server method that routes() called to
// build this endpoint ("" when it was not built by routes).
func handlerName() string {
	pcs := make([]uintptr, 32)
	n := runtime.Callers(3, pcs)
	frames := runtime.CallersFrames(pcs[:n])
	last := ""
	for {
		f, more := frames.Next()
		if strings.HasSuffix(f.Function, ".(*server).routes") {
			return last
		}
		if _, name, ok := strings.Cut(f.Function, ".(*server)."); ok && !strings.Contains(name, ".") {
			last = name
		}
		if !more {
			return ""
		}
	}
}

// doc sets the operation's summary (one line) and description.
func (e endpoint) doc(summary, about string) endpoint {
	e.summary, e.about = summary, about
	return e
}

// params declares query parameters.
func (e endpoint) params(ps ...param) endpoint {
	e.query = append(e.query, ps...)
	return e
}

// failsWith declares the error statuses the handler can answer.
func (e endpoint) failsWith(statuses ...int) endpoint {
	e.fails = append(e.fails, statuses...)
	return e
}

// also declares another answer.
func (e endpoint) also(a answer) endpoint {
	e.extra = append(e.extra, a)
	return e
}

// orAnswer declares another success body (the schema becomes oneOf).
func (e endpoint) orAnswer(t reflect.Type) endpoint {
	e.outs = append(e.outs, t)
	return e
}

// redirect declares the success status a redirect (with Location).
func (e endpoint) redirect(about string) endpoint {
	e.outs = nil
	e.redirects = about
	return e
}

// cookies tells which cookies a success sets.
func (e endpoint) cookies(about string) endpoint {
	e.setsCookies = about
	return e
}

// before runs first ahead of the handler, whatever the handler answers.
func (e endpoint) before(first func(*gin.Context)) endpoint {
	h := e.h
	e.h = func(c *gin.Context) {
		first(c)
		h(c)
	}
	return e
}

// needsNothing marks a handler that answers without PostgreSQL or SpiceDB.
func (e endpoint) needsNothing() endpoint {
	e.offline = true
	return e
}

// Query parameter helpers.

func str(name, about string) param { return param{name: name, about: about} }

func (p param) oneOf(values ...string) param {
	p.enum = values
	return p
}

func (p param) formatted(f string) param {
	p.format = f
	return p
}

func fnum(f float64) *float64 { return &f }

var (
	pLimit = param{name: "limit", kind: "integer", min: fnum(1), max: fnum(1000),
		about: "Page size, from 1 to 1000 (default 100)."}
	pCursor = param{name: "cursor", about: "The next_cursor of the previous page; omit for the first page."}
	paging  = []param{pLimit, pCursor}
	// consistencyParams are a lookup's (consistencyQuery).
	consistencyParams = []param{
		str("consistency", "How fresh the answer must be; the default is as fresh as the caller's last write.").oneOf("fully_consistent", "minimize_latency"),
		str("at_least_as_fresh", "A consistency token from an earlier write: the answer reflects at least that write (overrides consistency)."),
	}
)

// A route is an endpoint at a method and path, as served.
type route struct {
	method, path string
	authed       bool
	endpoint
}

// router registers endpoints on a gin group and keeps the route table
// that the OpenAPI document is generated from.
type router struct {
	s      *server
	g      *gin.RouterGroup
	authed bool
}

func (s *server) router(r *gin.Engine) router { return router{s: s, g: &r.RouterGroup} }

// Group is a sub-router under path.
func (r router) Group(path string) router {
	return router{s: r.s, g: r.g.Group(path), authed: r.authed}
}

// authenticated is the same path behind authentication (a bearer token
// or the console's session cookie).
func (r router) authenticated() router {
	return router{s: r.s, g: r.g.Group("", r.s.authenticate), authed: true}
}

func (r router) GET(path string, e endpoint)    { r.handle(http.MethodGet, path, e) }
func (r router) POST(path string, e endpoint)   { r.handle(http.MethodPost, path, e) }
func (r router) PUT(path string, e endpoint)    { r.handle(http.MethodPut, path, e) }
func (r router) PATCH(path string, e endpoint)  { r.handle(http.MethodPatch, path, e) }
func (r router) DELETE(path string, e endpoint) { r.handle(http.MethodDelete, path, e) }

func (r router) handle(method, path string, e endpoint) {
	if e.name == "" || e.summary == "" {
		panic("httpapi: " + method + " " + path + " needs a handler method built by routes() and a summary")
	}
	full := strings.TrimSuffix(r.g.BasePath(), "/") + path
	r.s.table = append(r.s.table, route{method: method, path: full, authed: r.authed, endpoint: e})
	r.g.Handle(method, path, e.h)
}
