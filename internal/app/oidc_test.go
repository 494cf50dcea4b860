package app_test

import (
	"bytes"
	"context"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse/internal/app"
	"github.com/gatehouse/gatehouse/internal/config"
)

// serve and dev refuse a partial SSO configuration with one line naming
// what is missing, before connecting to or starting anything.
func TestServeAndDevRefusePartialOIDCConfig(t *testing.T) {
	t.Parallel()
	env := map[string]string{
		"DATABASE_URL":             "postgres://u:p@127.0.0.1:1/none",
		"SPICEDB_ENDPOINT":         "127.0.0.1:1",
		"SPICEDB_KEY":              "k",
		"GATEHOUSE_OIDC_ISSUER":    "https://idp.example.com",
		"GATEHOUSE_OIDC_CLIENT_ID": "gatehouse",
	}
	for _, cmd := range []string{"serve", "dev"} {
		var out, errOut bytes.Buffer
		err := app.Run(context.Background(), []string{cmd}, func(k string) string { return env[k] }, &out, &errOut)
		if err == nil {
			t.Fatalf("%s started with a partial OIDC configuration", cmd)
		}
		msg := err.Error()
		if strings.Contains(msg, "\n") || !strings.Contains(msg, "GATEHOUSE_OIDC_CLIENT_SECRET") || !strings.Contains(msg, "GATEHOUSE_OIDC_REDIRECT_URL") {
			t.Fatalf("%s: want one line naming the missing variables, got %q", cmd, msg)
		}
	}
}

// An issuer that does not answer discovery stops the start with one line.
func TestEnableSSOUnreachableIssuer(t *testing.T) {
	t.Parallel()
	dead := httptest.NewServer(nil)
	dead.Close()
	cfg := config.Config{
		OIDCIssuer: dead.URL, OIDCClientID: "c", OIDCClientSecret: "s",
		OIDCRedirectURL: "http://127.0.0.1:8080/v1/auth/oidc/callback",
	}
	err := (&app.Stack{}).EnableSSO(context.Background(), cfg)
	if err == nil || strings.Contains(err.Error(), "\n") || !strings.Contains(err.Error(), "GATEHOUSE_OIDC_ISSUER="+dead.URL) {
		t.Fatalf("want one line naming GATEHOUSE_OIDC_ISSUER, got %v", err)
	}
}
