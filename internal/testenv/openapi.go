package testenv

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"

	"github.com/gatehouse/gatehouse/internal/httpapi"
)

// Every answer that goes through Do is checked against the OpenAPI
// document the server serves (internal/httpapi/openapi.json): its status
// must be documented for the operation, and its headers and body must
// match. A request the server accepted (2xx) must match the document too;
// refused requests are not checked, since tests send invalid ones on
// purpose (their answers must still be documented problems).

type specPath struct {
	re    *regexp.Regexp
	names []string
	path  string
	item  *openapi3.PathItem
}

var (
	specOnce  sync.Once
	specDoc   *openapi3.T
	specPaths []specPath
	specErr   error
)

var templateParam = regexp.MustCompile(`\{(\w+)\}`)

func loadSpec() {
	specDoc, specErr = openapi3.NewLoader().LoadFromData(httpapi.OpenAPIDocument())
	if specErr != nil {
		return
	}
	if specErr = specDoc.Validate(context.Background()); specErr != nil {
		return
	}
	for _, path := range specDoc.Paths.InMatchingOrder() {
		var names []string
		pattern := "^"
		parts := templateParam.Split(path, -1)
		params := templateParam.FindAllStringSubmatch(path, -1)
		for i, part := range parts {
			pattern += regexp.QuoteMeta(part)
			if i < len(params) {
				names = append(names, params[i][1])
				pattern += "([^/]+)"
			}
		}
		specPaths = append(specPaths, specPath{re: regexp.MustCompile(pattern + "$"), names: names, path: path, item: specDoc.Paths.Value(path)})
	}
}

// checkAgainstSpec reports (t.Errorf) how an exchange departs from the
// OpenAPI document.
func checkAgainstSpec(t testing.TB, req *http.Request, reqBody []byte, status int, header http.Header, body []byte) {
	t.Helper()
	if strings.HasPrefix(req.URL.Path, "/console") {
		return // the console's files, not the API
	}
	specOnce.Do(loadSpec)
	if specErr != nil {
		t.Errorf("testenv: openapi.json: %v", specErr)
		return
	}
	route, params := findRoute(req)
	ctx := context.Background()
	opts := &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc, IncludeResponseStatus: true, MultiError: true}
	where := fmt.Sprintf("%s %s", req.Method, req.URL.RequestURI())
	if route == nil {
		// No documented operation: only the router's own problems may
		// answer (no such endpoint, method not allowed).
		if status != http.StatusNotFound && status != http.StatusMethodNotAllowed {
			t.Errorf("openapi: %s answered %d but is not a documented operation", where, status)
			return
		}
		problem := specDoc.Components.Schemas["Problem"]
		if ct := header.Get("Content-Type"); ct != "application/problem+json" {
			t.Errorf("openapi: %s: %d with Content-Type %q, not a problem", where, status, ct)
			return
		}
		var v any
		if err := json.Unmarshal(body, &v); err != nil {
			t.Errorf("openapi: %s: %d answered no JSON: %v", where, status, err)
			return
		}
		if err := problem.Value.VisitJSON(v, openapi3.VisitAsResponse()); err != nil {
			t.Errorf("openapi: %s: %d is not a Problem: %v\n%s", where, status, err, truncated(body))
		}
		return
	}
	in := &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route, Options: opts}
	if status >= 200 && status < 300 {
		req.Body = io.NopCloser(bytes.NewReader(reqBody))
		if err := openapi3filter.ValidateRequest(ctx, in); err != nil {
			t.Errorf("openapi: %s was accepted (%d) but does not match openapi.json: %v", where, status, err)
		}
	}
	out := &openapi3filter.ResponseValidationInput{RequestValidationInput: in, Status: status, Header: header,
		Body: io.NopCloser(bytes.NewReader(body)), Options: opts}
	if err := openapi3filter.ValidateResponse(ctx, out); err != nil {
		t.Errorf("openapi: the %d answer to %s does not match openapi.json: %v\n%s", status, where, err, truncated(body))
	}
}

func findRoute(req *http.Request) (*routers.Route, map[string]string) {
	path := req.URL.EscapedPath()
	for _, p := range specPaths {
		m := p.re.FindStringSubmatch(path)
		if m == nil {
			continue
		}
		op := p.item.GetOperation(req.Method)
		if op == nil {
			return nil, nil
		}
		params := map[string]string{}
		for i, name := range p.names {
			v, err := url.PathUnescape(m[i+1])
			if err != nil {
				v = m[i+1]
			}
			params[name] = v
		}
		return &routers.Route{Spec: specDoc, Path: p.path, PathItem: p.item, Method: req.Method, Operation: op}, params
	}
	return nil, nil
}

func truncated(b []byte) string {
	s := string(b)
	if len(s) > 2000 {
		s = s[:2000] + "..."
	}
	return strings.ToValidUTF8(s, "?")
}
