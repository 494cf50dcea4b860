// Package openapi describes the HTTP API's endpoints (Endpoint, Router)
// and generates its OpenAPI document from the route table (httpapi's
// routes.go) and the Go types each handler decodes and answers (package
// wire): go run ./scripts/openapi writes internal/httpapi/openapi.json,
// which httpapi embeds and serves at GET /openapi.json. httpapi's
// TestOpenAPIUpToDate fails when the checked-in file differs from what the
// generator writes.
package openapi

import (
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"reflect"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/google/uuid"

	"github.com/gatehouse/gatehouse/internal/httpapi/wire"
)

// Generate returns the OpenAPI document of routes, as written to
// openapi.json (indented JSON with a final newline).
func Generate(routes []Route) ([]byte, error) {
	doc, err := document(routes)
	if err != nil {
		return nil, err
	}
	raw, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(raw, '\n'), nil
}

// problemCodes are the problem codes each error status carries.
var problemCodes = map[int][]string{
	http.StatusBadRequest: {"malformed_json", "malformed_body", "body_too_large", "invalid_query", "invalid_consistency_token",
		"not_a_session", "not_a_user", "sso_failed", "sso_invalid_state"},
	http.StatusUnauthorized: {"unauthenticated", "invalid_credentials", "sso_failed"},
	http.StatusForbidden:    {"forbidden", "csrf_failed", "builtin_role", "sso_email_required", "sso_not_allowed"},
	http.StatusNotFound:     {"not_found", "no_route", "sso_not_configured"},
	http.StatusConflict: {"already_assigned", "already_member", "already_whitelisted", "branch_exists", "concurrent_change", "duplicate",
		"email_taken", "group_name_taken", "kind_exists", "last_owner", "last_superadmin", "model_name_taken", "no_invitation",
		"not_invited", "role_name_taken", "sso_email_unverified", "sso_identity_conflict", "already_bootstrapped",
		"invitation_expired", "invitation_revoked", "invitation_used"},
	// 405 answers a method no route has (so it is in no operation).
	http.StatusMethodNotAllowed:    {"method_not_allowed"},
	http.StatusUnprocessableEntity: {"invalid_field", "invalid_permission", "invalid_request", "invitation_invalid"},
	http.StatusTooManyRequests:     {"rate_limited"},
	http.StatusInternalServerError: {"internal"},
	http.StatusServiceUnavailable:  {"unavailable"},
}

var problemAbout = map[int]string{
	http.StatusBadRequest:          "The request is malformed: its body, query string or consistency token.",
	http.StatusUnauthorized:        "No credentials, or credentials that are wrong, expired or revoked.",
	http.StatusForbidden:           "The caller may not do this (or a cookie-authenticated write lacks the CSRF header).",
	http.StatusNotFound:            "No such object, or one the caller may not see.",
	http.StatusConflict:            "The request breaks a rule or duplicates an existing object.",
	http.StatusUnprocessableEntity: "A field or query parameter is invalid: field names it.",
	http.StatusTooManyRequests:     "Too many attempts: try again after Retry-After seconds.",
	http.StatusInternalServerError: "An unexpected error: the server log has it under the request id.",
	http.StatusServiceUnavailable:  "PostgreSQL or SpiceDB is unavailable: try again after Retry-After seconds.",
}

// tagAbout describes each tag (the first path segment after /v1).
var tagAbout = map[string]string{
	"operations":          "Liveness, readiness and this document.",
	"auth":                "Sessions: password and SSO logins, logout.",
	"invitations":         "Invitations to join a tenant.",
	"me":                  "The caller.",
	"tenants":             "Tenants (superadmins create them).",
	"users":               "User accounts of a tenant.",
	"groups":              "Account groups: sets of users that hold memberships and roles together.",
	"roles":               "Built-in and custom roles, and their assignments.",
	"permissions":         "The permission catalog and report.",
	"kinds":               "Object kinds that custom roles grant actions on.",
	"branches":            "Branches that permission decisions can be relative to.",
	"audit-logs":          "The audit log.",
	"workspaces":          "Workspaces, their members, whitelisted models, deployments and API keys.",
	"models":              "The tenant's global model catalog.",
	"service-credentials": "Service credentials: tenant-wide machine identities.",
	"check":               "Permission checks.",
	"lookup":              "Which resources a subject may use, and which subjects may use a resource.",
}

var (
	timeType       = reflect.TypeFor[time.Time]()
	uuidType       = reflect.TypeFor[uuid.UUID]()
	rawMessageType = reflect.TypeFor[json.RawMessage]()
	writeResultIf  = reflect.TypeFor[interface{ Result() wire.WriteResult }]()
	problemType    = reflect.TypeFor[wire.Problem]()
	pathParamRE    = regexp.MustCompile(`:(\w+)`)
)

func schemaRef(name string) *openapi3.SchemaRef {
	return openapi3.NewSchemaRef("#/components/schemas/"+name, nil)
}

func document(routes []Route) (*openapi3.T, error) {
	g := &schemaGen{comps: openapi3.Schemas{}, names: map[reflect.Type]string{}, modes: map[string]bool{}}
	doc := &openapi3.T{
		OpenAPI: "3.0.3",
		Info: &openapi3.Info{
			Title:   "Gatehouse",
			Version: "1.0.0",
			Description: "Multi-tenant IAM: PostgreSQL holds the facts, SpiceDB decides.\n\n" +
				"Errors are RFC 9457 problem documents (application/problem+json) with a stable `code`. " +
				"Writes answer the `Gatehouse-Consistency-Token` header; sending it back on a later request makes that request at least as fresh as the write. " +
				"A write whose projection to SpiceDB is pending (SpiceDB unreachable) answers 202 with `projection_pending`.",
		},
		Servers: openapi3.Servers{{URL: "/", Description: "This Gatehouse (its public URL, GATEHOUSE_PUBLIC_URL)."}},
		Paths:   openapi3.NewPaths(),
		Components: &openapi3.Components{
			Schemas:    g.comps,
			Responses:  openapi3.ResponseBodies{},
			Headers:    openapi3.Headers{},
			Parameters: openapi3.ParametersMap{},
			SecuritySchemes: openapi3.SecuritySchemes{
				"bearer": {Value: &openapi3.SecurityScheme{Type: "http", Scheme: "bearer",
					Description: "A session token (ghs_), an API key (ghk_) or a service credential (ghsvc_)."}},
				"session": {Value: &openapi3.SecurityScheme{Type: "apiKey", In: "cookie", Name: wire.SessionCookie,
					Description: "The admin console's session cookie, set by POST /v1/auth/login?cookie=1; used only when there is no Authorization header."}},
				"csrf": {Value: &openapi3.SecurityScheme{Type: "apiKey", In: "header", Name: wire.CSRFHeader,
					Description: "With the session cookie, POST, PUT, PATCH and DELETE need this header, equal to the gatehouse_csrf cookie."}},
			},
		},
		Security: openapi3.SecurityRequirements{{"bearer": []string{}}},
	}
	c := doc.Components
	str := func(about string) *openapi3.Header {
		return &openapi3.Header{Parameter: openapi3.Parameter{Description: about, Schema: openapi3.NewStringSchema().NewRef()}}
	}
	c.Headers["X-Request-Id"] = &openapi3.HeaderRef{Value: func() *openapi3.Header {
		h := str("The request's id (the caller's X-Request-Id when usable, else a new one); the server log and the audit log carry it.")
		h.Required = true
		return h
	}()}
	c.Headers["Gatehouse-Consistency-Token"] = &openapi3.HeaderRef{Value: str("The write's consistency token (also in the body as consistency_token): send it back as a request header to read at least as fresh as this write.")}
	c.Headers["Retry-After"] = &openapi3.HeaderRef{Value: func() *openapi3.Header {
		h := str("Seconds to wait before trying again.")
		h.Required = true
		h.Schema = openapi3.NewIntegerSchema().NewRef()
		return h
	}()}
	c.Headers["WWW-Authenticate"] = &openapi3.HeaderRef{Value: func() *openapi3.Header {
		h := str(`Bearer realm="gatehouse".`)
		h.Required = true
		return h
	}()}
	c.Headers["Location"] = &openapi3.HeaderRef{Value: func() *openapi3.Header {
		h := str("Where the browser goes.")
		h.Required = true
		return h
	}()}
	c.Parameters["ConsistencyToken"] = &openapi3.ParameterRef{Value: &openapi3.Parameter{Name: wire.HeaderConsistency, In: "header",
		Description: "A consistency token from an earlier write: checks and reads are at least as fresh as that write. A token Gatehouse did not mint is refused (400).",
		Schema:      openapi3.NewStringSchema().NewRef()}}
	c.Parameters["RequestId"] = &openapi3.ParameterRef{Value: &openapi3.Parameter{Name: "X-Request-Id", In: "header",
		Description: "The caller's request id (at most 64 printable ASCII characters), echoed in the X-Request-Id answer header and logged.",
		Schema:      openapi3.NewStringSchema().WithMaxLength(64).NewRef()}}

	problem := g.ref(problemType, false)
	var all []any
	for _, codes := range problemCodes {
		for _, code := range codes {
			if !slices.Contains(all, any(code)) {
				all = append(all, code)
			}
		}
	}
	sort.Slice(all, func(i, j int) bool { return all[i].(string) < all[j].(string) })
	g.comps["Problem"].Value.Properties["code"].Value.Enum = all
	for status, about := range problemAbout {
		codes := problemCodes[status]
		resp := &openapi3.Response{
			Description: ptr(about + " Codes: " + strings.Join(codes, ", ") + "."),
			Headers:     openapi3.Headers{"X-Request-Id": {Ref: "#/components/headers/X-Request-Id"}},
			Content:     openapi3.Content{"application/problem+json": &openapi3.MediaType{Schema: problem}},
		}
		switch status {
		case http.StatusTooManyRequests, http.StatusServiceUnavailable:
			resp.Headers["Retry-After"] = &openapi3.HeaderRef{Ref: "#/components/headers/Retry-After"}
		case http.StatusUnauthorized:
			resp.Headers["WWW-Authenticate"] = &openapi3.HeaderRef{Ref: "#/components/headers/WWW-Authenticate"}
		}
		c.Responses[problemName(status)] = &openapi3.ResponseRef{Value: resp}
	}

	tags := map[string]bool{}
	for _, r := range routes {
		op, tag, err := operation(r, g)
		if err != nil {
			return nil, err
		}
		tags[tag] = true
		path := pathParamRE.ReplaceAllString(r.Path, "{$1}")
		item := doc.Paths.Value(path)
		if item == nil {
			item = &openapi3.PathItem{}
			doc.Paths.Set(path, item)
		}
		item.SetOperation(r.Method, op)
	}
	for _, t := range slices.Sorted(maps.Keys(tags)) {
		about, ok := tagAbout[t]
		if !ok {
			return nil, fmt.Errorf("openapi: tag %q has no description (tagAbout)", t)
		}
		doc.Tags = append(doc.Tags, &openapi3.Tag{Name: t, Description: about})
	}
	if len(g.errs) > 0 {
		return nil, fmt.Errorf("openapi:\n  %s", strings.Join(g.errs, "\n  "))
	}
	return doc, nil
}

func ptr[T any](v T) *T { return &v }

func problemName(status int) string {
	return strings.ReplaceAll(http.StatusText(status), " ", "")
}

// operation documents one route.
func operation(r Route, g *schemaGen) (*openapi3.Operation, string, error) {
	e := r.Endpoint
	segs := strings.Split(strings.TrimPrefix(r.Path, "/v1/"), "/")
	tag := segs[0]
	if !strings.HasPrefix(r.Path, "/v1/") {
		tag = "operations"
	}
	op := &openapi3.Operation{
		OperationID: e.Name,
		Summary:     e.Summary,
		Description: e.About,
		Tags:        []string{tag},
		Responses:   openapi3.NewResponses(),
	}
	if op.Description == "" {
		op.Description = e.Summary + "."
	}
	// Security.
	switch {
	case !r.Authed:
		op.Security = &openapi3.SecurityRequirements{}
	case r.Method == http.MethodGet:
		op.Security = &openapi3.SecurityRequirements{{"bearer": {}}, {"session": {}}}
	default:
		op.Security = &openapi3.SecurityRequirements{{"bearer": {}}, {"session": {}, "csrf": {}}}
	}
	// Parameters: path, query, headers.
	for _, m := range pathParamRE.FindAllStringSubmatch(r.Path, -1) {
		about, ok := pathParamAbout[m[1]]
		if !ok {
			return nil, "", fmt.Errorf("openapi: path parameter %q of %s %s has no description (pathParamAbout)", m[1], r.Method, r.Path)
		}
		sch := openapi3.NewStringSchema()
		if strings.HasSuffix(m[1], "_id") && m[1] != "role_id" {
			sch.Format = "uuid"
		}
		op.Parameters = append(op.Parameters, &openapi3.ParameterRef{Value: &openapi3.Parameter{
			Name: m[1], In: "path", Required: true, Description: about, Schema: sch.NewRef()}})
	}
	for _, p := range e.Query {
		if p.About == "" {
			return nil, "", fmt.Errorf("openapi: query parameter %q of %s has no description", p.Name, e.Name)
		}
		sch := openapi3.NewStringSchema()
		switch p.Kind {
		case "integer":
			sch = openapi3.NewIntegerSchema()
		case "boolean":
			sch = openapi3.NewBoolSchema()
		}
		sch.Format, sch.Pattern, sch.Min, sch.Max = p.Format, p.Pattern, p.Min, p.Max
		for _, v := range p.Enum {
			sch.Enum = append(sch.Enum, v)
		}
		op.Parameters = append(op.Parameters, &openapi3.ParameterRef{Value: &openapi3.Parameter{
			Name: p.Name, In: "query", Description: p.About, Schema: sch.NewRef()}})
	}
	op.Parameters = append(op.Parameters, &openapi3.ParameterRef{Ref: "#/components/parameters/RequestId"})
	if r.Authed {
		op.Parameters = append(op.Parameters, &openapi3.ParameterRef{Ref: "#/components/parameters/ConsistencyToken"})
	}
	// The request body.
	if e.In != nil {
		op.RequestBody = &openapi3.RequestBodyRef{Value: &openapi3.RequestBody{
			Required:    true,
			Description: "A JSON object; unknown fields, trailing data, invalid UTF-8 and NUL characters are refused (400), as is a body over 1 MiB.",
			Content:     openapi3.Content{"application/json": &openapi3.MediaType{Schema: g.ref(e.In, true)}},
		}}
	}
	// The success answer.
	headers := func(extra ...string) openapi3.Headers {
		h := openapi3.Headers{"X-Request-Id": {Ref: "#/components/headers/X-Request-Id"}}
		for _, name := range extra {
			h[name] = &openapi3.HeaderRef{Ref: "#/components/headers/" + name}
		}
		return h
	}
	write := r.Method != http.MethodGet && len(e.Outs) == 1 && e.Outs[0].Implements(writeResultIf)
	ok := &openapi3.Response{Headers: headers(), Description: ptr(successAbout(e))}
	if write {
		ok.Headers = headers("Gatehouse-Consistency-Token")
	}
	if e.Redirects != "" {
		ok.Headers = headers("Location")
	}
	if e.SetsCookies != "" {
		ok.Headers["Set-Cookie"] = &openapi3.HeaderRef{Value: &openapi3.Header{Parameter: openapi3.Parameter{
			Description: e.SetsCookies, Schema: openapi3.NewStringSchema().NewRef()}}}
	}
	if len(e.Outs) > 0 {
		ok.Content = openapi3.Content{"application/json": &openapi3.MediaType{Schema: g.oneOf(e.Outs)}}
	}
	op.Responses.Set(strconv.Itoa(e.Status), &openapi3.ResponseRef{Value: ok})
	if write {
		op.Responses.Set("202", &openapi3.ResponseRef{Value: &openapi3.Response{
			Description: ptr("Stored, but its projection to SpiceDB is pending (SpiceDB unreachable): projection_pending is true and no consistency token is given; decisions follow once SpiceDB is back."),
			Headers:     headers(),
			Content:     openapi3.Content{"application/json": &openapi3.MediaType{Schema: g.oneOf(e.Outs)}},
		}})
	}
	for _, a := range e.Extra {
		resp := &openapi3.Response{Description: ptr(a.About), Headers: headers()}
		if a.Location {
			resp.Headers = headers("Location")
		}
		if a.Cookies != "" {
			resp.Headers["Set-Cookie"] = &openapi3.HeaderRef{Value: &openapi3.Header{Parameter: openapi3.Parameter{
				Description: a.Cookies, Schema: openapi3.NewStringSchema().NewRef()}}}
		}
		if a.Out != nil {
			resp.Content = openapi3.Content{"application/json": &openapi3.MediaType{Schema: g.ref(a.Out, false)}}
		}
		op.Responses.Set(strconv.Itoa(a.Status), &openapi3.ResponseRef{Value: resp})
	}
	// The errors.
	fails := map[int]bool{http.StatusBadRequest: true, http.StatusInternalServerError: true}
	if !e.Offline {
		fails[http.StatusServiceUnavailable] = true
	}
	if r.Authed {
		// Objects named by the path, the body or the query may be absent
		// or invisible (404).
		fails[http.StatusUnauthorized], fails[http.StatusForbidden], fails[http.StatusNotFound] = true, true, true
		if r.Method != http.MethodGet {
			fails[http.StatusConflict] = true
		}
	}
	if strings.Contains(r.Path, ":") {
		// Path parameters are parsed (an unknown holder type, permission
		// or branch name is 422).
		fails[http.StatusNotFound], fails[http.StatusUnprocessableEntity] = true, true
	}
	if e.In != nil || len(e.Query) > 0 {
		fails[http.StatusUnprocessableEntity] = true
	}
	for _, st := range e.Fails {
		fails[st] = true
	}
	for st := range fails {
		if _, ok := problemAbout[st]; !ok {
			return nil, "", fmt.Errorf("openapi: %s: no problem response for %d", e.Name, st)
		}
		if op.Responses.Value(strconv.Itoa(st)) != nil {
			continue // the handler's own answer (readyz's 503)
		}
		op.Responses.Set(strconv.Itoa(st), &openapi3.ResponseRef{Ref: "#/components/responses/" + problemName(st)})
	}
	return op, tag, nil
}

func successAbout(e Endpoint) string {
	switch {
	case e.Redirects != "":
		return "A redirect: " + e.Redirects
	case e.Status == http.StatusNoContent:
		return "Done."
	case e.Status == http.StatusCreated:
		return "Created."
	case len(e.Outs) > 1:
		return "OK: one of the answers below, as the query asked."
	}
	return "OK."
}

// schemaGen turns Go types into schemas, the way encoding/json writes and
// decode reads them: named structs become components.
type schemaGen struct {
	comps openapi3.Schemas
	names map[reflect.Type]string
	// modes records whether a component is a request (true) or an answer.
	modes map[string]bool
	errs  []string
}

func (g *schemaGen) fail(format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	if !slices.Contains(g.errs, msg) {
		g.errs = append(g.errs, msg)
	}
}

func (g *schemaGen) oneOf(ts []reflect.Type) *openapi3.SchemaRef {
	if len(ts) == 1 {
		return g.ref(ts[0], false)
	}
	sch := &openapi3.Schema{}
	for _, t := range ts {
		sch.OneOf = append(sch.OneOf, g.ref(t, false))
	}
	return sch.NewRef()
}

// componentName names a Go type's schema: its name, capitalised, and
// List[T] as TList.
func componentName(t reflect.Type) string {
	name := t.Name()
	if base, arg, ok := strings.Cut(name, "["); ok {
		arg = strings.TrimSuffix(arg, "]")
		arg = arg[strings.LastIndex(arg, ".")+1:]
		name = arg + base
	}
	return strings.ToUpper(name[:1]) + name[1:]
}

// ref is t's schema; in tells a request body from an answer.
func (g *schemaGen) ref(t reflect.Type, in bool) *openapi3.SchemaRef {
	switch t {
	case timeType:
		return openapi3.NewDateTimeSchema().NewRef()
	case uuidType:
		return openapi3.NewUUIDSchema().NewRef()
	case rawMessageType:
		return openapi3.NewObjectSchema().WithAnyAdditionalProperties().NewRef()
	}
	switch t.Kind() {
	case reflect.Pointer:
		return g.ref(t.Elem(), in)
	case reflect.Slice, reflect.Array:
		sch := openapi3.NewArraySchema()
		sch.Items = g.ref(t.Elem(), in)
		return sch.NewRef()
	case reflect.Map:
		sch := openapi3.NewObjectSchema()
		if t.Elem().Kind() == reflect.Interface {
			return sch.WithAnyAdditionalProperties().NewRef()
		}
		sch.AdditionalProperties = openapi3.AdditionalProperties{Schema: g.ref(t.Elem(), in)}
		return sch.NewRef()
	case reflect.Interface:
		return (&openapi3.Schema{}).NewRef()
	case reflect.String:
		return openapi3.NewStringSchema().NewRef()
	case reflect.Bool:
		return openapi3.NewBoolSchema().NewRef()
	case reflect.Int, reflect.Int64, reflect.Uint64:
		return openapi3.NewInt64Schema().NewRef()
	case reflect.Int8, reflect.Int16, reflect.Int32, reflect.Uint8, reflect.Uint16, reflect.Uint32:
		return openapi3.NewInt32Schema().NewRef()
	case reflect.Float32, reflect.Float64:
		return openapi3.NewFloat64Schema().NewRef()
	case reflect.Struct:
		if t.Name() == "" {
			return g.object(t, "", in).NewRef()
		}
		name := componentName(t)
		if prev, ok := g.names[t]; ok {
			if g.modes[prev] != in {
				g.fail("%s is both a request body and an answer", prev)
			}
			return schemaRef(prev)
		}
		if _, taken := g.comps[name]; taken {
			g.fail("two Go types are named %s", name)
		}
		g.names[t], g.modes[name] = name, in
		g.comps[name] = &openapi3.SchemaRef{Value: &openapi3.Schema{}} // recursion guard
		g.comps[name].Value = g.object(t, name, in)
		return schemaRef(name)
	}
	g.fail("no schema for Go type %s", t)
	return (&openapi3.Schema{}).NewRef()
}

// jsonField is a struct field as encoding/json sees it.
type jsonField struct {
	name      string
	typ       reflect.Type
	owner     reflect.Type // the struct that declares it
	depth     int
	tagged    bool
	omitempty bool
}

func jsonFields(t reflect.Type, depth int, out *[]jsonField) {
	for i := range t.NumField() {
		f := t.Field(i)
		tag := f.Tag.Get("json")
		if tag == "-" {
			continue
		}
		name, opts, _ := strings.Cut(tag, ",")
		ft := f.Type
		if f.Anonymous && name == "" {
			if ft.Kind() == reflect.Pointer {
				ft = ft.Elem()
			}
			if ft.Kind() == reflect.Struct {
				jsonFields(ft, depth+1, out)
				continue
			}
		}
		if !f.IsExported() {
			continue
		}
		tagged := name != ""
		if !tagged {
			name = f.Name
		}
		*out = append(*out, jsonField{name: name, typ: ft, owner: t, depth: depth, tagged: tagged,
			omitempty: slices.Contains(strings.Split(opts, ","), "omitempty")})
	}
}

// visibleFields applies encoding/json's rules for embedded fields: the
// shallowest wins, then the tagged one; otherwise none.
func visibleFields(t reflect.Type) []jsonField {
	var all []jsonField
	jsonFields(t, 0, &all)
	byName := map[string][]jsonField{}
	var order []string
	for _, f := range all {
		if _, ok := byName[f.name]; !ok {
			order = append(order, f.name)
		}
		byName[f.name] = append(byName[f.name], f)
	}
	var out []jsonField
	for _, name := range order {
		fs := byName[name]
		shallowest := fs[0].depth
		for _, f := range fs {
			shallowest = min(shallowest, f.depth)
		}
		var top []jsonField
		for _, f := range fs {
			if f.depth == shallowest {
				top = append(top, f)
			}
		}
		if len(top) > 1 {
			var tagged []jsonField
			for _, f := range top {
				if f.tagged {
					tagged = append(tagged, f)
				}
			}
			top = tagged
		}
		if len(top) == 1 {
			out = append(out, top[0])
		}
	}
	return out
}

func (g *schemaGen) object(t reflect.Type, name string, in bool) *openapi3.Schema {
	sch := openapi3.NewObjectSchema()
	sch.AdditionalProperties = openapi3.AdditionalProperties{Has: ptr(false)}
	if name != "" && !strings.Contains(name, ".") {
		about, ok := typeAbout[name]
		if !ok && strings.HasPrefix(t.Name(), "List[") {
			about, ok = "One page of "+strings.TrimSuffix(name, "List")+" items.", true
		}
		if !ok {
			g.fail("schema %s has no description (typeAbout)", name)
		}
		sch.Description = about
	}
	var required []string
	if in {
		required = requiredIn[name]
	}
	for _, f := range visibleFields(t) {
		key := name + "." + f.name // a field of an anonymous struct
		if f.owner.Name() != "" {
			key = componentName(f.owner) + "." + f.name
		}
		fd, ok := fieldDocs[key]
		if !ok {
			fd, ok = fieldDocs[f.name]
		}
		if !ok || fd.about == "" {
			g.fail("field %s has no description (fieldDocs)", key)
		}
		var prop *openapi3.SchemaRef
		if f.typ.Kind() == reflect.Struct && f.typ.Name() == "" {
			prop = g.object(f.typ, key, in).NewRef()
		} else {
			prop = g.ref(f.typ, in)
		}
		if prop.Ref != "" {
			// A description beside a $ref is ignored in OpenAPI 3.0:
			// wrap it.
			prop = (&openapi3.Schema{AllOf: openapi3.SchemaRefs{prop}}).NewRef()
		}
		fd.apply(prop.Value)
		nullable := !in && !f.omitempty && f.typ.Kind() == reflect.Pointer
		if nullable {
			prop.Value.Nullable = true
		}
		if !in && !f.omitempty {
			required = append(required, f.name)
		}
		sch.Properties[f.name] = prop
	}
	for _, r := range required {
		if _, ok := sch.Properties[r]; !ok {
			g.fail("%s: required field %s does not exist", name, r)
		}
	}
	sch.Required = required
	return sch
}
