package testenv

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
)

// recorder keeps what checkAgainstSpec reports instead of failing.
type recorder struct {
	testing.TB
	errs []string
}

func (r *recorder) Helper() {}
func (r *recorder) Errorf(format string, args ...any) {
	r.errs = append(r.errs, fmt.Sprintf(format, args...))
}

func check(t *testing.T, method, target string, status int, contentType, body string) []string {
	t.Helper()
	req, err := http.NewRequest(method, "http://gatehouse.test"+target, nil)
	if err != nil {
		t.Fatal(err)
	}
	r := &recorder{TB: t}
	h := http.Header{"Content-Type": {contentType}, "X-Request-Id": {"abc"}}
	checkAgainstSpec(r, req, nil, status, h, []byte(body))
	return r.errs
}

// The response check accepts what the document describes and reports
// what it does not.
func TestAnswersAreCheckedAgainstTheDocument(t *testing.T) {
	problem := `{"type":"https://gatehouse.dev/problems/not_found","title":"Not Found","status":404,"detail":"user not found","code":"not_found","request_id":"abc"}`
	good := []struct {
		method, target string
		status         int
		ct, body       string
	}{
		{"GET", "/healthz", 200, "application/json; charset=utf-8", `{"status":"ok"}`},
		{"GET", "/v1/users/0190a0c4-0000-7000-8000-000000000001", 404, "application/problem+json", problem},
		{"GET", "/v1/nowhere", 404, "application/problem+json", strings.Replace(problem, `"not_found"`, `"no_route"`, 1)},
		{"PATCH", "/v1/branches/feat%2Fx", 404, "application/problem+json", problem},
		{"PUT", "/v1/me", 405, "application/problem+json", strings.NewReplacer(`"not_found"`, `"method_not_allowed"`, "404", "405").Replace(problem)},
	}
	for _, c := range good {
		if errs := check(t, c.method, c.target, c.status, c.ct, c.body); len(errs) > 0 {
			t.Errorf("%s %s %d: %v", c.method, c.target, c.status, errs)
		}
	}
	bad := []struct {
		why, method, target string
		status              int
		ct, body            string
	}{
		{"an undocumented field", "GET", "/healthz", 200, "application/json", `{"status":"ok","extra":1}`},
		{"a value outside the enum", "GET", "/healthz", 200, "application/json", `{"status":"fine"}`},
		{"a missing required field", "GET", "/v1/users/0190a0c4-0000-7000-8000-000000000001", 200, "application/json", `{"id":"0190a0c4-0000-7000-8000-000000000001"}`},
		{"an undocumented status", "GET", "/healthz", 418, "application/json", `{}`},
		{"an unknown problem code", "GET", "/v1/me", 404, "application/problem+json", strings.Replace(problem, `"not_found"`, `"no_such_code"`, 1)},
		{"an error that is no problem", "GET", "/v1/me", 403, "application/json", `{"error":"no"}`},
		{"an undocumented operation", "GET", "/v1/secret", 200, "application/json", `{}`},
	}
	for _, c := range bad {
		if errs := check(t, c.method, c.target, c.status, c.ct, c.body); len(errs) == 0 {
			t.Errorf("%s was not reported", c.why)
		}
	}
}
