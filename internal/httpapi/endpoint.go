package httpapi

import (
	"net/http"
	"reflect"
	"runtime"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/gatehouse/gatehouse/internal/httpapi/openapi"
)

// Each handler method returns an endpoint: its gin handler with what the
// OpenAPI document says about it (package openapi). The request and
// response types come from the handler's own generic signature (withBody,
// noBody, handled), so they cannot disagree with what the handler decodes
// and answers.
type (
	endpoint = openapi.Endpoint
	answer   = openapi.Answer
	param    = openapi.Param
)

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
	e := endpoint{H: h, Name: handlerName(), In: in, Status: status}
	if status != http.StatusNoContent && out != noContentType && out != typeOf[struct{}]() {
		e.Outs = []reflect.Type{out}
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

// Query parameters shared by several routes.

func str(name, about string) param { return openapi.Str(name, about) }

func fnum(f float64) *float64 { return &f }

var (
	pLimit = param{Name: "limit", Kind: "integer", Min: fnum(1), Max: fnum(1000),
		About: "Page size, from 1 to 1000 (default 100)."}
	pCursor = param{Name: "cursor", About: "The next_cursor of the previous page; omit for the first page."}
	paging  = []param{pLimit, pCursor}
	// consistencyParams are a lookup's (consistencyQuery).
	consistencyParams = []param{
		str("consistency", "How fresh the answer must be; the default is as fresh as the caller's last write.").OneOf("fully_consistent", "minimize_latency"),
		str("at_least_as_fresh", "A consistency token from an earlier write: the answer reflects at least that write (overrides consistency)."),
	}
)

// router registers endpoints and keeps the route table (s.table) that the
// OpenAPI document is generated from.
func (s *server) router(r *gin.Engine) openapi.Router {
	return openapi.NewRouter(&r.RouterGroup, s.authenticate, &s.table)
}
