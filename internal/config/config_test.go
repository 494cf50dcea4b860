package config

import (
	"strings"
	"testing"
)

func serveEnv(extra map[string]string) func(string) string {
	env := map[string]string{
		"DATABASE_URL":        "postgres://u:p@db:5432/gatehouse",
		"SPICEDB_ENDPOINT":    "spicedb:50051",
		"SPICEDB_KEY":         "k",
		"GATEHOUSE_TOKEN_KEY": "0123456789abcdef0123456789abcdef",
	}
	for k, v := range extra {
		env[k] = v
	}
	return func(k string) string { return env[k] }
}

var fullOIDC = map[string]string{
	"GATEHOUSE_OIDC_ISSUER":        "https://idp.example.com/realms/x",
	"GATEHOUSE_OIDC_CLIENT_ID":     "gatehouse",
	"GATEHOUSE_OIDC_CLIENT_SECRET": "s3cret",
	"GATEHOUSE_OIDC_REDIRECT_URL":  "https://gatehouse.example.com/v1/auth/oidc/callback",
}

func TestOIDCPartialConfigRefusedWithOneLine(t *testing.T) {
	t.Parallel()
	for _, drop := range [][]string{
		{"GATEHOUSE_OIDC_CLIENT_SECRET"},
		{"GATEHOUSE_OIDC_CLIENT_SECRET", "GATEHOUSE_OIDC_REDIRECT_URL"},
		{"GATEHOUSE_OIDC_ISSUER", "GATEHOUSE_OIDC_CLIENT_ID", "GATEHOUSE_OIDC_REDIRECT_URL"},
	} {
		env := map[string]string{}
		for k, v := range fullOIDC {
			env[k] = v
		}
		for _, k := range drop {
			delete(env, k)
		}
		cfg, err := FromEnv(serveEnv(env))
		if err != nil {
			t.Fatal(err)
		}
		if cfg.OIDCEnabled() {
			t.Fatalf("%v dropped: OIDC enabled", drop)
		}
		err = cfg.ValidateServe()
		if err == nil {
			t.Fatalf("%v dropped: partial OIDC configuration accepted", drop)
		}
		msg := err.Error()
		if strings.Contains(msg, "\n") || !strings.Contains(msg, "partly configured") {
			t.Fatalf("%v dropped: want one line about a partial configuration, got %q", drop, msg)
		}
		for _, k := range drop {
			if !strings.Contains(msg, k+" ") && !strings.Contains(msg, k+",") {
				t.Errorf("%v dropped: the message does not name %s: %q", drop, k, msg)
			}
		}
		head := strings.SplitN(msg, "(", 2)[0] // the missing ones, before the advice
		for k := range env {
			if strings.Contains(head, k) {
				t.Errorf("the message names a variable that is set (%s): %q", k, msg)
			}
		}
		if err := cfg.ValidateOIDC(); err == nil || err.Error() != msg {
			t.Fatalf("ValidateOIDC and ValidateServe disagree: %v", err)
		}
	}
}

func TestOIDCConfig(t *testing.T) {
	t.Parallel()
	with := func(extra map[string]string) Config {
		env := map[string]string{}
		for k, v := range fullOIDC {
			env[k] = v
		}
		for k, v := range extra {
			env[k] = v
		}
		cfg, err := FromEnv(serveEnv(env))
		if err != nil {
			t.Fatal(err)
		}
		return cfg
	}
	// Nothing set: SSO off, valid.
	off, _ := FromEnv(serveEnv(nil))
	if off.OIDCEnabled() || off.ValidateServe() != nil {
		t.Fatalf("no OIDC: enabled=%v err=%v", off.OIDCEnabled(), off.ValidateServe())
	}
	// All four: on, with the defaults.
	on := with(map[string]string{"GATEHOUSE_OIDC_ALLOWED_CLAIM": "groups", "GATEHOUSE_OIDC_ALLOWED_VALUES": " staff , ML Team ,"})
	if !on.OIDCEnabled() || on.ValidateServe() != nil {
		t.Fatalf("full OIDC: enabled=%v err=%v", on.OIDCEnabled(), on.ValidateServe())
	}
	if strings.Join(on.OIDCScopes, " ") != "openid email profile" || strings.Join(on.OIDCAllowedValues, "|") != "staff|ML Team" {
		t.Fatalf("scopes %q, allowed values %q", on.OIDCScopes, on.OIDCAllowedValues)
	}
	for name, tc := range map[string]struct {
		env  map[string]string
		want string
	}{
		"relative redirect":         {map[string]string{"GATEHOUSE_OIDC_REDIRECT_URL": "/v1/auth/oidc/callback"}, "GATEHOUSE_OIDC_REDIRECT_URL"},
		"issuer not a URL":          {map[string]string{"GATEHOUSE_OIDC_ISSUER": "idp.example.com"}, "GATEHOUSE_OIDC_ISSUER"},
		"claim without values":      {map[string]string{"GATEHOUSE_OIDC_ALLOWED_CLAIM": "groups"}, "GATEHOUSE_OIDC_ALLOWED_VALUES"},
		"values without claim":      {map[string]string{"GATEHOUSE_OIDC_ALLOWED_VALUES": "a,b"}, "GATEHOUSE_OIDC_ALLOWED_CLAIM"},
		"tenant not an id":          {map[string]string{"GATEHOUSE_OIDC_TENANT": "default"}, "GATEHOUSE_OIDC_TENANT"},
		"role claim without OIDC":   {map[string]string{"GATEHOUSE_OIDC_ISSUER": "", "GATEHOUSE_OIDC_CLIENT_ID": "", "GATEHOUSE_OIDC_CLIENT_SECRET": "", "GATEHOUSE_OIDC_REDIRECT_URL": "", "GATEHOUSE_OIDC_ROLE_CLAIM": "role"}, "GATEHOUSE_OIDC_ROLE_CLAIM"},
		"groups claim without OIDC": {map[string]string{"GATEHOUSE_OIDC_ISSUER": "", "GATEHOUSE_OIDC_CLIENT_ID": "", "GATEHOUSE_OIDC_CLIENT_SECRET": "", "GATEHOUSE_OIDC_REDIRECT_URL": "", "GATEHOUSE_OIDC_GROUPS_CLAIM": "groups"}, "GATEHOUSE_OIDC_GROUPS_CLAIM"},
	} {
		err := with(tc.env).ValidateServe()
		if err == nil || !strings.Contains(err.Error(), tc.want) || strings.Contains(err.Error(), "\n") {
			t.Errorf("%s: want one line naming %s, got %v", name, tc.want, err)
		}
	}
	if err := with(map[string]string{"GATEHOUSE_OIDC_TENANT": "0190b7a2-6a1e-7c3f-9d2a-1b2c3d4e5f60"}).ValidateServe(); err != nil {
		t.Errorf("tenant id refused: %v", err)
	}
}

// A CA for SpiceDB means TLS, also on a loopback endpoint (plaintext is the
// loopback default only without one).
func TestSpiceDBTLSCAImpliesTLS(t *testing.T) {
	t.Parallel()
	c, err := FromEnv(serveEnv(map[string]string{"SPICEDB_ENDPOINT": "127.0.0.1:50051", "GATEHOUSE_SPICEDB_TLS_CA": "/etc/ssl/spicedb-ca.crt"}))
	if err != nil || c.SpiceDBInsecure || c.SpiceDBTLSCA != "/etc/ssl/spicedb-ca.crt" {
		t.Fatalf("CA on loopback: insecure=%v ca=%q err=%v", c.SpiceDBInsecure, c.SpiceDBTLSCA, err)
	}
	if c, _ := FromEnv(serveEnv(map[string]string{"SPICEDB_ENDPOINT": "127.0.0.1:50051"})); !c.SpiceDBInsecure {
		t.Fatal("loopback without a CA must default to plaintext")
	}
	if _, err := FromEnv(serveEnv(map[string]string{"GATEHOUSE_SPICEDB_TLS_CA": "/x", "SPICEDB_INSECURE": "true"})); err == nil || !strings.Contains(err.Error(), "contradict") {
		t.Fatalf("CA with SPICEDB_INSECURE=true: %v", err)
	}
}

// Every setting has a GATEHOUSE_ name; DATABASE_URL, SPICEDB_ENDPOINT and
// SPICEDB_INSECURE are also accepted, and the prefixed name wins.
func TestPrefixedNamesWinOverAliases(t *testing.T) {
	t.Parallel()
	c, err := FromEnv(serveEnv(map[string]string{
		"GATEHOUSE_DATABASE_URL":     "postgres://u:p@other:5432/gatehouse",
		"GATEHOUSE_SPICEDB_ENDPOINT": "127.0.0.1:50051",
		"GATEHOUSE_SPICEDB_INSECURE": "false",
	}))
	if err != nil {
		t.Fatal(err)
	}
	if c.DatabaseURL != "postgres://u:p@other:5432/gatehouse" || c.SpiceDBEndpoint != "127.0.0.1:50051" || c.SpiceDBInsecure {
		t.Fatalf("prefixed names ignored: %+v", c)
	}
	if c, _ := FromEnv(serveEnv(nil)); c.DatabaseURL != "postgres://u:p@db:5432/gatehouse" || c.SpiceDBEndpoint != "spicedb:50051" {
		t.Fatalf("aliases ignored: %+v", c)
	}
	for _, v := range Vars {
		if !strings.HasPrefix(v[0], "GATEHOUSE_") && v[0] != "SPICEDB_KEY" {
			t.Errorf("%s has no GATEHOUSE_ prefix", v[0])
		}
	}
}
