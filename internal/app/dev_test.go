package app_test

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/app"
	"github.com/gatehouse/gatehouse/internal/authz"
	"github.com/gatehouse/gatehouse/internal/devstack"
)

// signalWriter collects output and closes ready when it sees a marker.
type signalWriter struct {
	mu     sync.Mutex
	buf    bytes.Buffer
	marker string
	ready  chan struct{}
	once   sync.Once
}

func (w *signalWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	n, err := w.buf.Write(p)
	if strings.Contains(w.buf.String(), w.marker) {
		w.once.Do(func() { close(w.ready) })
	}
	return n, err
}

func (w *signalWriter) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.String()
}

// The run command: a throwaway PostgreSQL and a real SpiceDB on it, the
// API ready, the schema readable with the printed key, and nothing left
// running after it stops.
func TestDevRunsTheStackAndStopsClean(t *testing.T) {
	t.Parallel()
	httpPort, _ := devstack.FreePort()
	spicePort, _ := devstack.FreePort()
	env := map[string]string{
		"GATEHOUSE_HTTP_ADDR":          fmt.Sprintf("127.0.0.1:%d", httpPort),
		"GATEHOUSE_SPICEDB_ADDR":       fmt.Sprintf("127.0.0.1:%d", spicePort),
		"GATEHOUSE_SPICEDB_KEY":        "dev-test-key",
		"GATEHOUSE_BOOTSTRAP_EMAIL":    "dev@example.com",
		"GATEHOUSE_BOOTSTRAP_PASSWORD": "dev-password-123",
		"GATEHOUSE_LOG_LEVEL":          "warn",
	}
	out := &signalWriter{marker: "Press Ctrl-C to stop.", ready: make(chan struct{})}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- app.Run(ctx, []string{"dev"}, func(k string) string { return env[k] }, out, out) }()
	select {
	case <-out.ready:
	case err := <-done:
		t.Fatalf("dev stopped before it was up: %v\n%s", err, out)
	case <-time.After(3 * time.Minute):
		t.Fatalf("dev not up after 3 minutes:\n%s", out)
	}
	printed := out.String()
	for _, want := range []string{"http://" + env["GATEHOUSE_HTTP_ADDR"], env["GATEHOUSE_SPICEDB_ADDR"], "dev-test-key", "dev@example.com", "zed context set"} {
		if !strings.Contains(printed, want) {
			t.Errorf("dev did not print %q:\n%s", want, printed)
		}
	}
	resp, err := http.Get("http://" + env["GATEHOUSE_HTTP_ADDR"] + "/readyz")
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("readyz: %v %v", resp, err)
	}
	resp.Body.Close()
	spice, err := authz.Dial(authz.ClientConfig{Endpoint: env["GATEHOUSE_SPICEDB_ADDR"], Key: "dev-test-key", Insecure: true})
	if err != nil {
		t.Fatal(err)
	}
	schemaText, err := authz.ReadSchema(ctx, spice)
	spice.Close()
	if err != nil || !strings.Contains(schemaText, "definition workspace") {
		t.Fatalf("zed schema read equivalent: %v %.200s", err, schemaText)
	}
	pgPort := regexp.MustCompile(`postgres://postgres@127\.0\.0\.1:(\d+)/`).FindStringSubmatch(printed)
	if pgPort == nil {
		t.Fatalf("no PostgreSQL URL printed:\n%s", printed)
	}

	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("dev stopped with %v", err)
		}
	case <-time.After(time.Minute):
		t.Fatal("dev did not stop within a minute")
	}
	for _, addr := range []string{env["GATEHOUSE_HTTP_ADDR"], env["GATEHOUSE_SPICEDB_ADDR"], "127.0.0.1:" + pgPort[1]} {
		if c, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
			c.Close()
			t.Errorf("%s still answers after dev stopped", addr)
		}
	}
}
