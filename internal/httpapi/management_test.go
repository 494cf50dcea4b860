package httpapi_test

import (
	"io"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse/internal/httpapi"
	"github.com/gatehouse/gatehouse/internal/testenv"
)

// Metrics and pprof are served on the management address, never on the
// public API port.
func TestMetricsAndPprofOnlyOnTheManagementAddress(t *testing.T) {
	t.Parallel()
	env := testenv.New(t)
	env.Must(t, 200, "GET", "/healthz", "", nil)
	for _, path := range []string{"/metrics", "/debug/pprof/", "/debug/pprof/cmdline"} {
		if r := env.Do(t, "GET", path, "", nil); r.Status != 404 {
			t.Fatalf("public port serves %s: %d", path, r.Status)
		}
	}
	mgmt := httptest.NewServer(httpapi.ManagementHandler(env.Registry))
	t.Cleanup(mgmt.Close)
	for path, want := range map[string]string{
		"/metrics":      "gatehouse_http_request_duration_seconds",
		"/debug/pprof/": "goroutine",
	} {
		resp, err := mgmt.Client().Get(mgmt.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || !strings.Contains(string(body), want) {
			t.Fatalf("management %s: %d, want %q in the body", path, resp.StatusCode, want)
		}
	}
}
