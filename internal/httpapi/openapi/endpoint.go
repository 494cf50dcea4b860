package openapi

import (
	"net/http"
	"reflect"
	"strings"

	"github.com/gin-gonic/gin"
)

// An Endpoint is a route's handler together with what the OpenAPI document
// says about it (Generate turns the route table into the document). The
// request and response types come from the handler's own generic
// signature (httpapi's withBody, noBody, handled), so they cannot disagree
// with what the handler decodes and answers.
type Endpoint struct {
	H gin.HandlerFunc
	// Name is the handler method routes.go names (s.<name>): the
	// operationId. It is read from the call stack when routes() builds the
	// endpoint, so it cannot drift from routes.go.
	Name    string
	Summary string
	About   string
	// In is the JSON request body (nil: none).
	In reflect.Type
	// Status is the success status; Outs are its body (several: one of
	// them, as told by a query parameter); none for 204 and redirects. A
	// write (a non-GET whose answer carries a WriteResult) may also
	// answer 202 with the same body while its projection is pending.
	Status int
	Outs   []reflect.Type
	Query  []Param
	// Fails are the error statuses the handler itself can answer (the
	// middleware's are added by the generator: 400 for every route, 401
	// and 403 behind authentication, 500 and 503 everywhere).
	Fails []int
	// Extra are further non-error answers (redirects, readiness failure).
	Extra []Answer
	// SetsCookies names the cookies a success may set.
	SetsCookies string
	// Redirects tells where a redirecting success goes.
	Redirects string
	// Offline: the handler needs no dependency (no 503 problem).
	Offline bool
}

// An Answer is a response other than the endpoint's success one.
type Answer struct {
	Status   int
	About    string
	Out      reflect.Type // nil: no body
	Location bool         // a redirect's Location header
	Cookies  string
}

// A Param is a query parameter.
type Param struct {
	Name  string
	About string
	// Kind is "string" (default), "integer" or "boolean".
	Kind    string
	Enum    []string
	Format  string
	Min     *float64
	Max     *float64
	Pattern string
}

// Doc sets the operation's summary (one line) and description.
func (e Endpoint) Doc(summary, about string) Endpoint {
	e.Summary, e.About = summary, about
	return e
}

// Params declares query parameters.
func (e Endpoint) Params(ps ...Param) Endpoint {
	e.Query = append(e.Query, ps...)
	return e
}

// FailsWith declares the error statuses the handler can answer.
func (e Endpoint) FailsWith(statuses ...int) Endpoint {
	e.Fails = append(e.Fails, statuses...)
	return e
}

// Also declares another answer.
func (e Endpoint) Also(a Answer) Endpoint {
	e.Extra = append(e.Extra, a)
	return e
}

// OrAnswer declares another success body (the schema becomes oneOf).
func (e Endpoint) OrAnswer(t reflect.Type) Endpoint {
	e.Outs = append(e.Outs, t)
	return e
}

// Redirect declares the success status a redirect (with Location).
func (e Endpoint) Redirect(about string) Endpoint {
	e.Outs = nil
	e.Redirects = about
	return e
}

// Cookies tells which cookies a success sets.
func (e Endpoint) Cookies(about string) Endpoint {
	e.SetsCookies = about
	return e
}

// Before runs first ahead of the handler, whatever the handler answers.
func (e Endpoint) Before(first func(*gin.Context)) Endpoint {
	h := e.H
	e.H = func(c *gin.Context) {
		first(c)
		h(c)
	}
	return e
}

// NeedsNothing marks a handler that answers without PostgreSQL or SpiceDB.
func (e Endpoint) NeedsNothing() Endpoint {
	e.Offline = true
	return e
}

// Str is a string query parameter.
func Str(name, about string) Param { return Param{Name: name, About: about} }

// OneOf restricts the parameter to values.
func (p Param) OneOf(values ...string) Param {
	p.Enum = values
	return p
}

// Formatted gives the parameter a format (uuid, date-time).
func (p Param) Formatted(f string) Param {
	p.Format = f
	return p
}

// A Route is an endpoint at a method and path, as served.
type Route struct {
	Method, Path string
	Authed       bool
	Endpoint
}

// A Router registers endpoints on a gin group and keeps the route table
// that the OpenAPI document is generated from.
type Router struct {
	g      *gin.RouterGroup
	auth   gin.HandlerFunc
	table  *[]Route
	authed bool
}

// NewRouter registers on g, appends every route to *table, and puts the
// Authenticated routes behind auth.
func NewRouter(g *gin.RouterGroup, auth gin.HandlerFunc, table *[]Route) Router {
	return Router{g: g, auth: auth, table: table}
}

// Group is a sub-router under path.
func (r Router) Group(path string) Router {
	r.g = r.g.Group(path)
	return r
}

// Authenticated is the same path behind authentication (a bearer token
// or the console's session cookie).
func (r Router) Authenticated() Router {
	r.g, r.authed = r.g.Group("", r.auth), true
	return r
}

func (r Router) GET(path string, e Endpoint)    { r.handle(http.MethodGet, path, e) }
func (r Router) POST(path string, e Endpoint)   { r.handle(http.MethodPost, path, e) }
func (r Router) PUT(path string, e Endpoint)    { r.handle(http.MethodPut, path, e) }
func (r Router) PATCH(path string, e Endpoint)  { r.handle(http.MethodPatch, path, e) }
func (r Router) DELETE(path string, e Endpoint) { r.handle(http.MethodDelete, path, e) }

func (r Router) handle(method, path string, e Endpoint) {
	if e.Name == "" || e.Summary == "" {
		panic("httpapi: " + method + " " + path + " needs a handler method built by routes() and a summary")
	}
	full := strings.TrimSuffix(r.g.BasePath(), "/") + path
	*r.table = append(*r.table, Route{Method: method, Path: full, Authed: r.authed, Endpoint: e})
	r.g.Handle(method, path, e.H)
}
