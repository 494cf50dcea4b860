package client_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/client"
	"github.com/gatehouse/gatehouse/internal/testenv"
)

func TestMain(m *testing.M) { testenv.Main(m) }

// gate holds the first request until released, and counts requests by
// path.
type gate struct {
	release chan struct{}
	first   atomic.Bool
	mu      sync.Mutex
	paths   map[string]int
	next    http.RoundTripper // after the gate (http.DefaultTransport when nil)
}

func (g *gate) RoundTrip(r *http.Request) (*http.Response, error) {
	g.mu.Lock()
	g.paths[r.URL.Path]++
	g.mu.Unlock()
	if g.first.CompareAndSwap(false, true) {
		<-g.release
	}
	if g.next != nil {
		return g.next.RoundTrip(r)
	}
	return http.DefaultTransport.RoundTrip(r)
}

func (g *gate) count(path string) int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.paths[path]
}

// Concurrent checks through a coalescing client answer exactly what single
// checks answer (results and errors), in one bulk request while another is
// under way.
func TestCoalescedChecksAnswerAsSingleChecks(t *testing.T) {
	env := testenv.New(t)
	root := env.RootToken(t)
	bobID, bob := env.User(t, root, "bob@example.com", "member")
	eveID, _ := env.User(t, root, "eve@example.com", "member")
	ws := env.Must(t, 201, "POST", "/v1/workspaces", bob, map[string]string{"name": "svc"}).Str("id")
	dep := env.Must(t, 201, "POST", "/v1/workspaces/"+ws+"/deployments", bob, map[string]string{"name": "d"}).Str("id")
	key := env.Must(t, 201, "POST", "/v1/service-credentials", root, map[string]string{"name": "inference"}).Str("key")

	questions := []client.CheckRequest{
		{Subject: &client.Ref{Type: "user", ID: bobID}, Resource: client.Ref{Type: "deployment", ID: dep}, Permission: "invoke"},
		{Subject: &client.Ref{Type: "user", ID: eveID}, Resource: client.Ref{Type: "deployment", ID: dep}, Permission: "invoke"},
		{Subject: &client.Ref{Type: "user", ID: bobID}, Resource: client.Ref{Type: "workspace", ID: ws}, Permission: "manage_members"},
		{Subject: &client.Ref{Type: "user", ID: bobID}, Resource: client.Ref{Type: "deployment", ID: "nope"}, Permission: "invoke"},
		{Subject: &client.Ref{Type: "user", ID: "7f9c3c1e-7d0e-4c54-9d6b-5a3a8f0e2b11"}, Resource: client.Ref{Type: "deployment", ID: dep}, Permission: "invoke"},
		{Resource: client.Ref{Type: "deployment", ID: dep}, Permission: "fly"},
	}
	type answer struct {
		allowed  bool
		decision string
		status   int
		code     string
		field    string
	}
	of := func(r client.CheckResult, err error) answer {
		var e *client.Error
		if errors.As(err, &e) {
			return answer{status: e.Status, code: e.Code, field: e.Field}
		}
		if err != nil {
			t.Fatal(err)
		}
		return answer{allowed: r.Allowed, decision: r.Decision}
	}
	plain := client.New(env.Server.URL, key)
	want := make([]answer, len(questions))
	for i, q := range questions {
		want[i] = of(plain.Check(t.Context(), q))
	}
	if !want[0].allowed || want[1].allowed || want[3].status != 422 || want[4].status != 404 {
		t.Fatalf("single checks: %+v", want)
	}

	g := &gate{release: make(chan struct{}), paths: map[string]int{}}
	co := client.New(env.Server.URL, key, client.WithHTTPClient(&http.Client{Transport: g}), client.WithCoalescing(1))
	const rounds = 5
	n := rounds * len(questions)
	got := make([]answer, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			r, err := co.Check(t.Context(), questions[i%len(questions)])
			var e *client.Error
			if err != nil && !errors.As(err, &e) {
				t.Error(err)
				return
			}
			got[i] = of(r, err)
		})
	}
	// The first check is under way (held); the others queue behind it.
	for {
		if client.Queued(co) == n-1 {
			break
		}
		runtime.Gosched()
	}
	close(g.release)
	wg.Wait()
	for i, a := range got {
		if a != want[i%len(questions)] {
			t.Errorf("check %d (%+v): coalesced %+v, single %+v", i, questions[i%len(questions)], a, want[i%len(questions)])
		}
	}
	if s, b := g.count("/v1/check"), g.count("/v1/check/bulk"); s != 1 || b != 1 {
		t.Errorf("requests: %d single, %d bulk; want 1 and 1", s, b)
	}

	// Alone, a check goes at once, as a single check.
	if a := of(co.Check(t.Context(), questions[0])); a != want[0] {
		t.Errorf("lone check: %+v", a)
	}
	if s := g.count("/v1/check"); s != 2 {
		t.Errorf("a lone check was not sent alone (%d single requests)", s)
	}
	if t.Failed() {
		fmt.Println(g.paths)
	}
}

// allowedInvoke: a service credential and a check it may ask whose answer
// is allowed (bob invoking a deployment of his own workspace).
func allowedInvoke(t *testing.T) (*testenv.Env, string, client.CheckRequest) {
	t.Helper()
	env := testenv.New(t)
	root := env.RootToken(t)
	bobID, bob := env.User(t, root, "bob@example.com", "member")
	ws := env.Must(t, 201, "POST", "/v1/workspaces", bob, map[string]string{"name": "svc"}).Str("id")
	dep := env.Must(t, 201, "POST", "/v1/workspaces/"+ws+"/deployments", bob, map[string]string{"name": "d"}).Str("id")
	key := env.Must(t, 201, "POST", "/v1/service-credentials", root, map[string]string{"name": "inference"}).Str("key")
	q := client.CheckRequest{Subject: &client.Ref{Type: "user", ID: bobID}, Resource: client.Ref{Type: "deployment", ID: dep}, Permission: "invoke"}
	return env, key, q
}

// hang holds the first request until its context ends (telling so on
// cancelled), and passes the others on.
type hang struct {
	arrived   chan struct{}
	cancelled chan struct{}
	first     atomic.Bool
}

func (h *hang) RoundTrip(r *http.Request) (*http.Response, error) {
	if h.first.CompareAndSwap(false, true) {
		close(h.arrived)
		<-r.Context().Done()
		close(h.cancelled)
		return nil, r.Context().Err()
	}
	return http.DefaultTransport.RoundTrip(r)
}

// A Gatehouse that does not answer holds a coalesced request only as long
// as a caller waits for it: when the last caller it serves gives up, the
// request is cancelled and the checks queued behind it are sent.
func TestCoalescedRequestEndsWithItsLastCaller(t *testing.T) {
	env, key, q := allowedInvoke(t)

	h := &hang{arrived: make(chan struct{}), cancelled: make(chan struct{})}
	co := client.New(env.Server.URL, key, client.WithHTTPClient(&http.Client{Transport: h}), client.WithCoalescing(1))
	ctx1, cancel1 := context.WithCancel(t.Context())
	first := make(chan error, 1)
	go func() {
		_, err := co.Check(ctx1, q)
		first <- err
	}()
	<-h.arrived
	second := make(chan error, 1)
	var allowed atomic.Bool
	go func() {
		r, err := co.Check(t.Context(), q)
		allowed.Store(r.Allowed)
		second <- err
	}()
	for client.Queued(co) != 1 {
		runtime.Gosched()
	}
	cancel1()
	if err := <-first; !errors.Is(err, context.Canceled) {
		t.Fatalf("the caller that gave up: %v", err)
	}
	select { // with no caller left, the hung request ends
	case <-h.cancelled:
	case <-time.After(2 * time.Minute): // a bound to fail on, not a timing
		t.Fatal("the hung request outlived every caller it served")
	}
	if err := <-second; err != nil {
		t.Fatalf("the check queued behind the hung request: %v", err)
	}
	if !allowed.Load() {
		t.Error("the check queued behind the hung request: denied, want allowed")
	}
}

// holdBulk holds every bulk request until release, then tells whether
// its context had ended (cancelled) before passing it on.
type holdBulk struct {
	arrived   chan struct{}
	release   chan struct{}
	cancelled atomic.Bool
}

func (h *holdBulk) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.URL.Path == "/v1/check/bulk" {
		close(h.arrived)
		<-h.release
		if r.Context().Err() != nil {
			h.cancelled.Store(true)
			return nil, r.Context().Err()
		}
	}
	return http.DefaultTransport.RoundTrip(r)
}

// A caller that gives up does not take the request it shares from the
// callers still waiting for it.
func TestCoalescedRequestOutlivesACallerWhoLeaves(t *testing.T) {
	env, key, q := allowedInvoke(t)

	first := &gate{release: make(chan struct{}), paths: map[string]int{}}
	bulk := &holdBulk{arrived: make(chan struct{}), release: make(chan struct{})}
	first.next = bulk
	co := client.New(env.Server.URL, key, client.WithHTTPClient(&http.Client{Transport: first}), client.WithCoalescing(1))
	done := make(chan error, 3)
	go func() { _, err := co.Check(t.Context(), q); done <- err }() // held by the gate
	for first.count("/v1/check") != 1 {
		runtime.Gosched()
	}
	leaving, leave := context.WithCancel(t.Context())
	left := make(chan error, 1)
	go func() { _, err := co.Check(leaving, q); left <- err }()
	for client.Queued(co) != 1 { // the leaving caller is the batch's first
		runtime.Gosched()
	}
	var allowed atomic.Bool
	go func() { r, err := co.Check(t.Context(), q); allowed.Store(r.Allowed); done <- err }()
	for client.Queued(co) != 2 {
		runtime.Gosched()
	}
	close(first.release) // the two queued leave together, and are held
	<-bulk.arrived
	leave()
	if err := <-left; !errors.Is(err, context.Canceled) {
		t.Fatalf("the caller that gave up: %v", err)
	}
	close(bulk.release)
	for range 2 {
		if err := <-done; err != nil {
			t.Fatalf("a caller still waiting: %v", err)
		}
	}
	if bulk.cancelled.Load() {
		t.Error("the shared request was cancelled when one of its two callers gave up")
	}
	if !allowed.Load() {
		t.Error("the caller still waiting: denied, want allowed")
	}
}
