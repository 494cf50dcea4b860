package testenv

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"testing"
)

// Response is a decoded API answer.
type Response struct {
	Status int
	Header http.Header
	Raw    []byte
	Body   map[string]any
}

// Str returns a top-level string field.
func (r Response) Str(key string) string {
	s, _ := r.Body[key].(string)
	return s
}

// Do calls the API. body may be nil, a string (sent as is) or a value
// (sent as JSON). The answer is checked against the OpenAPI document
// (openapi.go): a mismatch fails the test.
func (e *Env) Do(t testing.TB, method, path, token string, body any) Response {
	t.Helper()
	return e.DoWith(t, method, path, token, body, nil)
}

// DoWith is Do with extra request headers.
func (e *Env) DoWith(t testing.TB, method, path, token string, body any, header http.Header) Response {
	t.Helper()
	var rd io.Reader
	var sent []byte
	switch b := body.(type) {
	case nil:
	case string:
		sent = []byte(b)
	case []byte:
		sent = b
	default:
		raw, err := json.Marshal(b)
		if err != nil {
			t.Fatal(err)
		}
		sent = raw
	}
	if body != nil {
		rd = bytes.NewReader(sent)
	}
	req, err := http.NewRequest(method, e.Server.URL+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	req.Header.Set("Content-Type", "application/json")
	for k, vs := range header {
		req.Header[k] = vs
	}
	resp, err := e.Server.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	checkAgainstSpec(t, req, sent, resp.StatusCode, resp.Header, raw)
	out := Response{Status: resp.StatusCode, Header: resp.Header, Raw: raw}
	_ = json.Unmarshal(raw, &out.Body)
	return out
}

// Must calls the API and fails the test unless the status is want.
func (e *Env) Must(t testing.TB, want int, method, path, token string, body any) Response {
	t.Helper()
	r := e.Do(t, method, path, token, body)
	if r.Status != want {
		t.Fatalf("%s %s: status %d, want %d: %s", method, path, r.Status, want, r.Raw)
	}
	return r
}

// Login returns a session token.
func (e *Env) Login(t testing.TB, email, password string) string {
	t.Helper()
	return e.Must(t, 200, "POST", "/v1/auth/login", "", map[string]string{"email": email, "password": password}).Str("token")
}

// RootToken logs in as the bootstrap superadmin.
func (e *Env) RootToken(t testing.TB) string {
	t.Helper()
	return e.Login(t, e.Config.BootstrapEmail, e.Config.BootstrapPassword)
}

// User invites and activates a user with a global role; it returns the
// user id and a session token.
func (e *Env) User(t testing.TB, adminToken, email, role string) (id, token string) {
	t.Helper()
	inv := e.Must(t, 201, "POST", "/v1/users", adminToken, map[string]string{"email": email, "name": email, "global_role": role})
	e.Must(t, 200, "POST", "/v1/invitations/accept", "", map[string]string{"token": inv.Str("invitation_token"), "password": "password-" + email})
	return inv.Str("id"), e.Login(t, email, "password-"+email)
}
