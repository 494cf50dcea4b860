package httpapi_test

import (
	"encoding/json"
	"net/url"
	"os"
	"regexp"
	"strings"
	"testing"
)

type route struct{ method, path string }

// documentedRoutes reads every route from the checked-in OpenAPI document
// (tested elsewhere to equal the served routes).
func documentedRoutes(t *testing.T) []route {
	raw, err := os.ReadFile("openapi.json")
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Paths map[string]map[string]json.RawMessage `json:"paths"`
	}
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	var out []route
	for p, ops := range doc.Paths {
		for m := range ops {
			out = append(out, route{strings.ToUpper(m), p})
		}
	}
	return out
}

var pathParam = regexp.MustCompile(`{(\w+)}`)

// Every endpoint, fed malformed bodies and hostile ids, answers a 4xx
// problem+json (never a 5xx) and stores nothing.
func TestEveryEndpointRefusesHostileInput(t *testing.T) {
	t.Parallel()
	env := newPermWorld(t).env
	root := env.RootToken(t)
	before := countState(t, env)
	routes := documentedRoutes(t)
	validID := "01a20c55-0000-7000-8000-000000000001"
	fill := func(path, id string) string {
		return pathParam.ReplaceAllStringFunc(path, func(p string) string {
			if p == "{holder}" && id == validID {
				return "user:" + id
			}
			return url.PathEscape(id)
		})
	}
	bodies := map[string]string{
		"malformed JSON":   `{"name": `,
		"not an object":    `[1,2,3]`,
		"unknown field":    `{"zz_unknown_field": true}`,
		"wrong types":      `{"name": 42, "role": [], "email": {}, "permissions": "x", "user_id": 7, "resource": "x", "items": 3}`,
		"two values":       `{} {}`,
		"NUL":              `{"name": "a\u0000b"}`,
		"invalid UTF-8":    "{\"name\": \"\xff\xfe\"}",
		"oversized (2 MB)": `{"name": "` + strings.Repeat("x", 2<<20) + `"}`,
	}
	hostileIDs := []string{"user:x#y@z", "../../etc/passwd", "a\x00b", strings.Repeat("a", 10*1024), "ünïcødé", "00000000-0000-0000-0000-000000000000", "' OR 1=1 --"}
	skip := map[string]bool{"POST /v1/auth/logout": true, "GET /v1/auth/oidc/login": true, "GET /v1/auth/oidc/callback": true}
	for _, r := range routes {
		key := r.method + " " + r.path
		if skip[key] || !strings.HasPrefix(r.path, "/v1/") {
			continue
		}
		if r.method == "POST" || r.method == "PUT" || r.method == "PATCH" {
			for name, body := range bodies {
				got := env.Do(t, r.method, fill(r.path, validID), root, body)
				if got.Status < 400 || got.Status >= 500 || got.Header.Get("Content-Type") != "application/problem+json" {
					t.Errorf("%s with %s: %d %s", key, name, got.Status, truncate(got.Raw))
				}
			}
		}
		if !strings.Contains(r.path, "{") {
			continue
		}
		for _, id := range hostileIDs {
			got := env.Do(t, r.method, fill(r.path, id), root, map[string]any{})
			if got.Status < 400 || got.Status >= 500 {
				t.Errorf("%s with id %.20q: %d %s", key, id, got.Status, truncate(got.Raw))
			}
		}
	}
	if after := countState(t, env); after != before {
		t.Fatalf("hostile requests changed state:\nbefore %s\nafter  %s", before, after)
	}
}
