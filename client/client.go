// Package client is the Go client of Gatehouse's check and lookup APIs,
// for the platform's services. Authenticate with a service credential
// (ghsvc_...) to ask about any subject of your tenant, or with a user's
// session or API key to ask about that caller.
//
//	gh := client.New("https://gatehouse.internal", os.Getenv("GATEHOUSE_SERVICE_KEY"))
//	res, err := gh.Check(ctx, client.CheckRequest{
//		Subject:    &client.Ref{Type: "user", ID: userID},
//		Resource:   client.Ref{Type: "deployment", ID: deploymentID},
//		Permission: "invoke",
//	})
//
// Under load, WithCoalescing lets concurrent checks share requests (one
// bulk check for all that queued while others were under way).
//
// To ask SpiceDB directly instead (same schema, same relationships), use
// authzed-go with the SpiceDB endpoint and key:
//
//	sp, _ := authzed.NewClient(endpoint, grpcutil.WithInsecureBearerToken(key), grpc.WithTransportCredentials(insecure.NewCredentials()))
//	resp, _ := sp.CheckPermission(ctx, &v1.CheckPermissionRequest{
//		Resource:   &v1.ObjectReference{ObjectType: "deployment", ObjectId: deploymentID},
//		Permission: "invoke",
//		Subject:    &v1.SubjectReference{Object: &v1.ObjectReference{ObjectType: "user", ObjectId: userID}},
//	})
//	allowed := resp.Permissionship == v1.CheckPermissionResponse_PERMISSIONSHIP_HAS_PERMISSION
package client

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// Client calls one Gatehouse.
type Client struct {
	baseURL  string
	token    string
	http     *http.Client
	coalesce *coalescer // WithCoalescing
}

// Option configures a Client.
type Option func(*Client)

// WithHTTPClient sets the HTTP client (timeouts, transport).
func WithHTTPClient(h *http.Client) Option { return func(c *Client) { c.http = h } }

// New returns a client of the Gatehouse at baseURL, authenticating with token.
func New(baseURL, token string, opts ...Option) *Client {
	c := &Client{baseURL: strings.TrimRight(baseURL, "/"), token: token, http: &http.Client{Timeout: 10 * time.Second}}
	for _, o := range opts {
		o(c)
	}
	return c
}

// Ref names a subject or a resource: {type, id}.
type Ref struct {
	Type string `json:"type"`
	ID   string `json:"id"`
}

// Consistency is one of the three freshness requirements.
type Consistency struct {
	AtLeastAsFresh  string `json:"at_least_as_fresh,omitempty"`
	FullyConsistent bool   `json:"fully_consistent,omitempty"`
	MinimizeLatency bool   `json:"minimize_latency,omitempty"`
}

// CheckRequest asks one question. Subject nil means the caller.
type CheckRequest struct {
	Subject     *Ref         `json:"subject,omitempty"`
	Resource    Ref          `json:"resource"`
	Permission  string       `json:"permission"`
	Branch      string       `json:"branch,omitempty"`
	Consistency *Consistency `json:"consistency,omitempty"`
}

// CheckResult is the answer.
type CheckResult struct {
	Allowed   bool   `json:"allowed"`
	Decision  string `json:"decision"`
	CheckedAt string `json:"checked_at"`
	// Error is a bulk check item's own error (CheckBulk only).
	Error *ItemError `json:"error,omitempty"`
}

// ItemError is why one item of a bulk check could not be answered.
type ItemError struct {
	Code    string `json:"code"`
	Field   string `json:"field,omitempty"`
	Message string `json:"message"`
}

// Error is a problem+json answer.
type Error struct {
	Status int    `json:"status"`
	Title  string `json:"title"`
	Code   string `json:"code"`
	Detail string `json:"detail"`
	Field  string `json:"field"`
}

func (e *Error) Error() string {
	return fmt.Sprintf("gatehouse: %d %s: %s", e.Status, e.Code, e.Detail)
}

// Check asks whether a subject may do a permission on a resource.
func (c *Client) Check(ctx context.Context, req CheckRequest) (CheckResult, error) {
	if c.coalesce != nil && req.Consistency == nil && coalescable(req) {
		return c.coalesce.check(ctx, req)
	}
	var out CheckResult
	err := c.do(ctx, http.MethodPost, "/v1/check", req, &out)
	return out, err
}

// CheckBulk asks up to 1000 questions in one call; answers are in order.
func (c *Client) CheckBulk(ctx context.Context, items []CheckRequest, cons *Consistency) ([]CheckResult, error) {
	var out struct {
		Results []CheckResult `json:"results"`
	}
	err := c.do(ctx, http.MethodPost, "/v1/check/bulk", map[string]any{"items": items, "consistency": cons}, &out)
	return out.Results, err
}

// LookupResources lists resource ids of a type on which subject (nil: the
// caller) has permission.
func (c *Client) LookupResources(ctx context.Context, subject *Ref, resourceType, permission string) ([]string, error) {
	q := url.Values{"resource_type": {resourceType}, "permission": {permission}}
	if subject != nil {
		q.Set("subject", subject.Type+":"+subject.ID)
	}
	var out struct {
		Items []string `json:"items"`
	}
	err := c.do(ctx, http.MethodGet, "/v1/lookup/resources?"+q.Encode(), nil, &out)
	return out.Items, err
}

// Do calls any route of the API: body (nil for none) is sent as JSON and a
// 2xx answer is decoded into out (nil to discard it; a *json.RawMessage
// keeps it as is). Any other status is returned as an *Error.
func (c *Client) Do(ctx context.Context, method, path string, body, out any) error {
	return c.do(ctx, method, path, body, out)
}

func (c *Client) do(ctx context.Context, method, path string, body, out any) error {
	var rd io.Reader
	if body != nil {
		raw, err := json.Marshal(body)
		if err != nil {
			return err
		}
		rd = bytes.NewReader(raw)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.baseURL+path, rd)
	if err != nil {
		return err
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return fmt.Errorf("gatehouse: %w", err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 16<<20))
	if err != nil {
		return fmt.Errorf("gatehouse: %w", err)
	}
	if resp.StatusCode >= 300 {
		e := &Error{Status: resp.StatusCode}
		_ = json.Unmarshal(raw, e)
		return e
	}
	if out == nil || len(bytes.TrimSpace(raw)) == 0 {
		return nil
	}
	return json.Unmarshal(raw, out)
}
