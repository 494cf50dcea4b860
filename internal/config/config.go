// Package config is Gatehouse's configuration: one struct, read from
// environment variables (and flags over them), validated once at start with
// messages that say what is wrong and how to fix it.
package config

import (
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
)

// Config is every setting.
type Config struct {
	HTTPAddr  string // GATEHOUSE_HTTP_ADDR
	PublicURL string // GATEHOUSE_PUBLIC_URL (invitation links)
	LogLevel  string // GATEHOUSE_LOG_LEVEL: debug, info, warn, error
	LogFormat string // GATEHOUSE_LOG_FORMAT: text or json
	// ManagementAddr serves /metrics and /debug/pprof
	// (GATEHOUSE_MANAGEMENT_ADDR; "" = not served).
	ManagementAddr string

	DatabaseURL     string // DATABASE_URL
	SpiceDBEndpoint string // SPICEDB_ENDPOINT (host:port)
	SpiceDBKey      string // SPICEDB_KEY, or GATEHOUSE_SPICEDB_KEY
	SpiceDBInsecure bool   // SPICEDB_INSECURE: plaintext gRPC (default: true for loopback endpoints without a CA)
	// SpiceDBTLSCA is a PEM file (or a directory of them) of the CA that
	// signed SpiceDB's gRPC certificate (GATEHOUSE_SPICEDB_TLS_CA): TLS
	// verified against it instead of the system CAs.
	SpiceDBTLSCA string

	// The embedded default (`gatehouse dev`).
	SpiceDBAddr string // GATEHOUSE_SPICEDB_ADDR: where dev serves SpiceDB for zed
	DataDir     string // GATEHOUSE_DATA_DIR: where dev keeps its cluster ("" = temporary)

	BootstrapEmail    string // GATEHOUSE_BOOTSTRAP_EMAIL
	BootstrapPassword string // GATEHOUSE_BOOTSTRAP_PASSWORD

	SessionTTL        time.Duration // GATEHOUSE_SESSION_TTL
	InvitationTTL     time.Duration // GATEHOUSE_INVITATION_TTL
	PasswordMinLength int           // GATEHOUSE_PASSWORD_MIN_LENGTH
	DefaultBranch     string        // GATEHOUSE_DEFAULT_BRANCH
	RelayInterval     time.Duration // GATEHOUSE_RELAY_INTERVAL

	// TokenKey seals consistency tokens (GATEHOUSE_TOKEN_KEY, shared by
	// every replica; dev generates one). At least 32 bytes; when unset it
	// is derived from SpiceDBKey, which every replica shares too.
	TokenKey string
	// TrustedProxies may set X-Forwarded-For / X-Real-IP
	// (GATEHOUSE_TRUSTED_PROXIES: comma-separated IPs or CIDRs; default none).
	TrustedProxies []string

	// SpiceDBDatastoreURL is SpiceDB's own PostgreSQL
	// (GATEHOUSE_SPICEDB_DATASTORE_URL, optional; dev: its own): migrate
	// and bulk imports ANALYZE its tables.
	SpiceDBDatastoreURL string

	// DecisionCacheSize bounds the decision cache of POST /v1/check
	// (GATEHOUSE_DECISION_CACHE_SIZE; default 0: off).
	DecisionCacheSize int

	// Deadlines.
	SpiceDBTimeout   time.Duration // GATEHOUSE_SPICEDB_TIMEOUT: each SpiceDB call
	DatabaseTimeout  time.Duration // GATEHOUSE_DATABASE_TIMEOUT: each PostgreSQL statement and connection attempt
	HTTPReadTimeout  time.Duration // GATEHOUSE_HTTP_READ_TIMEOUT
	HTTPWriteTimeout time.Duration // GATEHOUSE_HTTP_WRITE_TIMEOUT
	HTTPIdleTimeout  time.Duration // GATEHOUSE_HTTP_IDLE_TIMEOUT

	// SSO / OIDC: enabled when the first four are set (all or none).
	OIDCIssuer        string   // GATEHOUSE_OIDC_ISSUER
	OIDCClientID      string   // GATEHOUSE_OIDC_CLIENT_ID
	OIDCClientSecret  string   // GATEHOUSE_OIDC_CLIENT_SECRET
	OIDCRedirectURL   string   // GATEHOUSE_OIDC_REDIRECT_URL
	OIDCScopes        []string // GATEHOUSE_OIDC_SCOPES (openid is always requested)
	OIDCRoleClaim     string   // GATEHOUSE_OIDC_ROLE_CLAIM
	OIDCGroupsClaim   string   // GATEHOUSE_OIDC_GROUPS_CLAIM
	OIDCAllowedClaim  string   // GATEHOUSE_OIDC_ALLOWED_CLAIM
	OIDCAllowedValues []string // GATEHOUSE_OIDC_ALLOWED_VALUES
	OIDCTenant        string   // GATEHOUSE_OIDC_TENANT ("" = the oldest tenant)
}

// Aliases are the unprefixed names also accepted for some settings (the
// names the PostgreSQL and SpiceDB tooling use); the GATEHOUSE_ name wins.
var Aliases = map[string]string{
	"DATABASE_URL":     "GATEHOUSE_DATABASE_URL",
	"SPICEDB_ENDPOINT": "GATEHOUSE_SPICEDB_ENDPOINT",
	"SPICEDB_INSECURE": "GATEHOUSE_SPICEDB_INSECURE",
}

// Vars documents every environment variable (README and --help).
var Vars = [][2]string{
	{"GATEHOUSE_HTTP_ADDR", "HTTP listen address (default 127.0.0.1:8080)"},
	{"GATEHOUSE_PUBLIC_URL", "base URL users reach Gatehouse at, for invitation links (default http://<GATEHOUSE_HTTP_ADDR>)"},
	{"GATEHOUSE_LOG_LEVEL", "debug, info, warn or error (default info)"},
	{"GATEHOUSE_LOG_FORMAT", "text or json (default text): one line per request at info"},
	{"GATEHOUSE_MANAGEMENT_ADDR", "host:port of the management server: /metrics and /debug/pprof, never on the public port (default unset: not served)"},
	{"GATEHOUSE_DATABASE_URL", "PostgreSQL URL (DATABASE_URL also accepted); dev starts a throwaway cluster when unset"},
	{"GATEHOUSE_SPICEDB_ENDPOINT", "SpiceDB gRPC host:port (SPICEDB_ENDPOINT also accepted); dev starts SpiceDB when unset"},
	{"SPICEDB_KEY", "SpiceDB preshared key (also GATEHOUSE_SPICEDB_KEY)"},
	{"GATEHOUSE_SPICEDB_INSECURE", "true for plaintext gRPC (SPICEDB_INSECURE also accepted; default: true for loopback endpoints without GATEHOUSE_SPICEDB_TLS_CA, else TLS)"},
	{"GATEHOUSE_SPICEDB_TLS_CA", "PEM file (or directory of PEM files) of the CA that signed SpiceDB's gRPC certificate: TLS verified against it instead of the system CAs (e.g. the ca.crt of SpiceDB's TLS Secret)"},
	{"GATEHOUSE_SPICEDB_ADDR", "dev: gRPC address SpiceDB is served on for zed (default 127.0.0.1:50051)"},
	{"GATEHOUSE_SPICEDB_KEY", "dev: SpiceDB preshared key (default: generated)"},
	{"GATEHOUSE_DATA_DIR", "dev: directory of the PostgreSQL cluster, kept between runs (default: a temporary directory removed at exit)"},
	{"GATEHOUSE_BOOTSTRAP_EMAIL", "first start: email of the superadmin (default admin@gatehouse.local)"},
	{"GATEHOUSE_BOOTSTRAP_PASSWORD", "first start: password of the superadmin (default: generated and printed once)"},
	{"GATEHOUSE_SESSION_TTL", "session lifetime (default 24h)"},
	{"GATEHOUSE_INVITATION_TTL", "invitation lifetime (default 72h)"},
	{"GATEHOUSE_PASSWORD_MIN_LENGTH", "minimum password length (default 12)"},
	{"GATEHOUSE_DEFAULT_BRANCH", "name of the default branch (default main)"},
	{"GATEHOUSE_RELAY_INTERVAL", "how often the outbox relay retries pending writes (default 2s)"},
	{"GATEHOUSE_TOKEN_KEY", "secret (32+ characters) that seals consistency tokens; the same on every replica (default: derived from SPICEDB_KEY; dev: generated)"},
	{"GATEHOUSE_TRUSTED_PROXIES", "comma-separated IPs or CIDRs of reverse proxies whose X-Forwarded-For is believed (default none: the TCP peer is the client)"},
	{"GATEHOUSE_SPICEDB_DATASTORE_URL", "PostgreSQL URL of SpiceDB's datastore, when it is PostgreSQL: migrate and bulk imports ANALYZE its tables (default unset; dev: its own)"},
	{"GATEHOUSE_DECISION_CACHE_SIZE", "entries of the decision cache of POST /v1/check: answers replayed while no relationship changed anywhere (default 0: off)"},
	{"GATEHOUSE_SPICEDB_TIMEOUT", "deadline of each SpiceDB call (default 5s); a hung SpiceDB answers 503 within it"},
	{"GATEHOUSE_DATABASE_TIMEOUT", "deadline of each PostgreSQL statement and connection attempt (default 5s)"},
	{"GATEHOUSE_HTTP_READ_TIMEOUT", "HTTP server: time to read a whole request (default 30s)"},
	{"GATEHOUSE_HTTP_WRITE_TIMEOUT", "HTTP server: time to write a response (default 60s)"},
	{"GATEHOUSE_HTTP_IDLE_TIMEOUT", "HTTP server: keep-alive idle time (default 120s)"},
	{"GATEHOUSE_OIDC_ISSUER", "SSO: the OIDC provider's issuer URL (discovery at <issuer>/.well-known/openid-configuration); SSO is on when this, the client id, secret and redirect URL are all set"},
	{"GATEHOUSE_OIDC_CLIENT_ID", "SSO: the client id registered at the provider"},
	{"GATEHOUSE_OIDC_CLIENT_SECRET", "SSO: the client secret"},
	{"GATEHOUSE_OIDC_REDIRECT_URL", "SSO: the redirect URL registered at the provider: <public URL>/v1/auth/oidc/callback"},
	{"GATEHOUSE_OIDC_SCOPES", "SSO: scopes to request, space or comma separated (default: openid email profile; openid is always added)"},
	{"GATEHOUSE_OIDC_ROLE_CLAIM", "SSO: claim mapped to the global role at every login (superadmin, admin or member; member when absent); unset: SSO leaves roles alone and new users are members"},
	{"GATEHOUSE_OIDC_GROUPS_CLAIM", "SSO: claim listing group names synced to account groups at every login; unset: no group sync"},
	{"GATEHOUSE_OIDC_ALLOWED_CLAIM", "SSO: claim that must hold one of GATEHOUSE_OIDC_ALLOWED_VALUES for a login to be allowed (unset: everyone the provider authenticates)"},
	{"GATEHOUSE_OIDC_ALLOWED_VALUES", "SSO: comma-separated values allowed in GATEHOUSE_OIDC_ALLOWED_CLAIM"},
	{"GATEHOUSE_OIDC_TENANT", "SSO: id of the tenant SSO users are provisioned into (default: the oldest tenant, i.e. the bootstrap tenant)"},
}

// FromEnv reads the configuration from getenv.
func FromEnv(getenv func(string) string) (Config, error) {
	var errs []error
	get := func(key, def string) string {
		if v := strings.TrimSpace(getenv(key)); v != "" {
			return v
		}
		return def
	}
	dur := func(key string, def time.Duration) time.Duration {
		raw := get(key, "")
		if raw == "" {
			return def
		}
		d, err := time.ParseDuration(raw)
		if err != nil || d <= 0 {
			errs = append(errs, fmt.Errorf("%s=%q is not a positive duration (e.g. 24h, 30m)", key, raw))
			return def
		}
		return d
	}
	c := Config{
		HTTPAddr:            get("GATEHOUSE_HTTP_ADDR", "127.0.0.1:8080"),
		LogLevel:            get("GATEHOUSE_LOG_LEVEL", "info"),
		LogFormat:           get("GATEHOUSE_LOG_FORMAT", "text"),
		ManagementAddr:      get("GATEHOUSE_MANAGEMENT_ADDR", ""),
		DatabaseURL:         get("GATEHOUSE_DATABASE_URL", get("DATABASE_URL", "")),
		SpiceDBEndpoint:     get("GATEHOUSE_SPICEDB_ENDPOINT", get("SPICEDB_ENDPOINT", "")),
		SpiceDBKey:          get("SPICEDB_KEY", get("GATEHOUSE_SPICEDB_KEY", "")),
		SpiceDBTLSCA:        get("GATEHOUSE_SPICEDB_TLS_CA", ""),
		SpiceDBAddr:         get("GATEHOUSE_SPICEDB_ADDR", "127.0.0.1:50051"),
		DataDir:             get("GATEHOUSE_DATA_DIR", ""),
		BootstrapEmail:      get("GATEHOUSE_BOOTSTRAP_EMAIL", ""),
		BootstrapPassword:   getenv("GATEHOUSE_BOOTSTRAP_PASSWORD"),
		SessionTTL:          dur("GATEHOUSE_SESSION_TTL", 24*time.Hour),
		InvitationTTL:       dur("GATEHOUSE_INVITATION_TTL", 72*time.Hour),
		DefaultBranch:       get("GATEHOUSE_DEFAULT_BRANCH", "main"),
		RelayInterval:       dur("GATEHOUSE_RELAY_INTERVAL", 2*time.Second),
		PasswordMinLength:   12,
		TokenKey:            getenv("GATEHOUSE_TOKEN_KEY"),
		TrustedProxies:      split(get("GATEHOUSE_TRUSTED_PROXIES", ""), ", "),
		SpiceDBDatastoreURL: getenv("GATEHOUSE_SPICEDB_DATASTORE_URL"),
		SpiceDBTimeout:      dur("GATEHOUSE_SPICEDB_TIMEOUT", 5*time.Second),
		DatabaseTimeout:     dur("GATEHOUSE_DATABASE_TIMEOUT", 5*time.Second),
		HTTPReadTimeout:     dur("GATEHOUSE_HTTP_READ_TIMEOUT", 30*time.Second),
		HTTPWriteTimeout:    dur("GATEHOUSE_HTTP_WRITE_TIMEOUT", 60*time.Second),
		HTTPIdleTimeout:     dur("GATEHOUSE_HTTP_IDLE_TIMEOUT", 120*time.Second),

		OIDCIssuer:        get("GATEHOUSE_OIDC_ISSUER", ""),
		OIDCClientID:      get("GATEHOUSE_OIDC_CLIENT_ID", ""),
		OIDCClientSecret:  get("GATEHOUSE_OIDC_CLIENT_SECRET", ""),
		OIDCRedirectURL:   get("GATEHOUSE_OIDC_REDIRECT_URL", ""),
		OIDCScopes:        split(get("GATEHOUSE_OIDC_SCOPES", "openid email profile"), ", "),
		OIDCRoleClaim:     get("GATEHOUSE_OIDC_ROLE_CLAIM", ""),
		OIDCGroupsClaim:   get("GATEHOUSE_OIDC_GROUPS_CLAIM", ""),
		OIDCAllowedClaim:  get("GATEHOUSE_OIDC_ALLOWED_CLAIM", ""),
		OIDCAllowedValues: split(get("GATEHOUSE_OIDC_ALLOWED_VALUES", ""), ","),
		OIDCTenant:        get("GATEHOUSE_OIDC_TENANT", ""),
	}
	c.PublicURL = get("GATEHOUSE_PUBLIC_URL", "http://"+c.HTTPAddr)
	if raw := get("GATEHOUSE_DECISION_CACHE_SIZE", ""); raw != "" {
		n, err := strconv.Atoi(raw)
		if err != nil || n < 0 || n > 10_000_000 {
			errs = append(errs, fmt.Errorf("GATEHOUSE_DECISION_CACHE_SIZE=%q must be an integer from 0 (off) to 10000000", raw))
		} else {
			c.DecisionCacheSize = n
		}
	}
	if raw := get("GATEHOUSE_PASSWORD_MIN_LENGTH", ""); raw != "" {
		n, err := strconv.Atoi(raw)
		if err != nil || n < 8 || n > 128 {
			errs = append(errs, fmt.Errorf("GATEHOUSE_PASSWORD_MIN_LENGTH=%q must be an integer from 8 to 128", raw))
		} else {
			c.PasswordMinLength = n
		}
	}
	c.SpiceDBInsecure = isLoopback(c.SpiceDBEndpoint) && c.SpiceDBTLSCA == ""
	if raw := get("GATEHOUSE_SPICEDB_INSECURE", get("SPICEDB_INSECURE", "")); raw != "" {
		b, err := strconv.ParseBool(raw)
		if err != nil {
			errs = append(errs, fmt.Errorf("SPICEDB_INSECURE=%q must be true or false", raw))
		}
		c.SpiceDBInsecure = b
	}
	if c.SpiceDBInsecure && c.SpiceDBTLSCA != "" {
		errs = append(errs, errors.New("SPICEDB_INSECURE=true and GATEHOUSE_SPICEDB_TLS_CA contradict each other: unset SPICEDB_INSECURE to dial SpiceDB over TLS with that CA, or unset the CA for plaintext"))
	}
	return c, errors.Join(errs...)
}

// ValidateServe checks what `serve` needs: external PostgreSQL and SpiceDB.
func (c Config) ValidateServe() error {
	var errs []error
	if _, _, err := net.SplitHostPort(c.HTTPAddr); err != nil {
		errs = append(errs, fmt.Errorf("GATEHOUSE_HTTP_ADDR=%q is not host:port", c.HTTPAddr))
	}
	if c.DatabaseURL == "" {
		errs = append(errs, errors.New("DATABASE_URL is not set: give a PostgreSQL URL (postgres://user:pass@host:5432/db), or use `gatehouse dev` for a throwaway one"))
	} else if u, err := url.Parse(c.DatabaseURL); err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
		errs = append(errs, errors.New("DATABASE_URL is not a postgres:// URL"))
	}
	if c.SpiceDBEndpoint == "" {
		errs = append(errs, errors.New("SPICEDB_ENDPOINT is not set: give SpiceDB's gRPC host:port, or use `gatehouse dev`"))
	} else if _, _, err := net.SplitHostPort(c.SpiceDBEndpoint); err != nil {
		errs = append(errs, fmt.Errorf("SPICEDB_ENDPOINT=%q is not host:port", c.SpiceDBEndpoint))
	}
	if c.SpiceDBTLSCA != "" {
		if err := checkCA(c.SpiceDBTLSCA); err != nil {
			errs = append(errs, fmt.Errorf("GATEHOUSE_SPICEDB_TLS_CA=%s: %w", c.SpiceDBTLSCA, err))
		}
	}
	if c.SpiceDBEndpoint != "" && c.SpiceDBKey == "" {
		errs = append(errs, errors.New("SPICEDB_KEY is not set: give the preshared key SpiceDB was started with (--grpc-preshared-key)"))
	}
	switch c.LogLevel {
	case "debug", "info", "warn", "error":
	default:
		errs = append(errs, fmt.Errorf("GATEHOUSE_LOG_LEVEL=%q must be debug, info, warn or error", c.LogLevel))
	}
	if c.LogFormat != "text" && c.LogFormat != "json" {
		errs = append(errs, fmt.Errorf("GATEHOUSE_LOG_FORMAT=%q must be text or json", c.LogFormat))
	}
	if c.ManagementAddr != "" {
		if _, _, err := net.SplitHostPort(c.ManagementAddr); err != nil {
			errs = append(errs, fmt.Errorf("GATEHOUSE_MANAGEMENT_ADDR=%q is not host:port (e.g. 127.0.0.1:9464)", c.ManagementAddr))
		} else if c.ManagementAddr == c.HTTPAddr {
			errs = append(errs, errors.New("GATEHOUSE_MANAGEMENT_ADDR must differ from GATEHOUSE_HTTP_ADDR: metrics and pprof are not served on the public port"))
		}
	}
	if u, err := url.Parse(c.PublicURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		errs = append(errs, fmt.Errorf("GATEHOUSE_PUBLIC_URL=%q is not an absolute http(s) URL (e.g. https://gatehouse.example.com)", c.PublicURL))
	}
	if err := c.ValidateOIDC(); err != nil {
		errs = append(errs, err)
	}
	if c.TokenKey != "" && len(c.TokenKey) < 32 {
		errs = append(errs, errors.New("GATEHOUSE_TOKEN_KEY is too short: give a secret of at least 32 characters, the same on every replica (e.g. `openssl rand -hex 32`), or unset it to derive one from SPICEDB_KEY"))
	}
	for _, p := range c.TrustedProxies {
		if _, _, err := net.ParseCIDR(p); err != nil && net.ParseIP(p) == nil {
			errs = append(errs, fmt.Errorf("GATEHOUSE_TRUSTED_PROXIES: %q is neither an IP nor a CIDR (e.g. 10.0.0.0/8)", p))
		}
	}
	return errors.Join(errs...)
}

// Effective lists the configuration as it will be used, for the start-up
// log: secrets are hidden, URLs lose their passwords.
func (c Config) Effective() []any {
	hidden := func(s string) string {
		if s == "" {
			return ""
		}
		return "(set, hidden)"
	}
	dbURL := c.DatabaseURL
	if u, err := url.Parse(dbURL); err == nil && u.User != nil {
		if _, has := u.User.Password(); has {
			u.User = url.UserPassword(u.User.Username(), "hidden")
			dbURL = u.String()
		}
	}
	return []any{
		"http_addr", c.HTTPAddr, "public_url", c.PublicURL, "management_addr", c.ManagementAddr,
		"log_level", c.LogLevel, "log_format", c.LogFormat,
		"database_url", dbURL, "spicedb_endpoint", c.SpiceDBEndpoint, "spicedb_key", hidden(c.SpiceDBKey),
		"spicedb_insecure", c.SpiceDBInsecure, "spicedb_tls_ca", c.SpiceDBTLSCA, "token_key", hidden(c.TokenKey),
		"trusted_proxies", c.TrustedProxies, "spicedb_timeout", c.SpiceDBTimeout, "database_timeout", c.DatabaseTimeout,
		"http_read_timeout", c.HTTPReadTimeout, "http_write_timeout", c.HTTPWriteTimeout, "http_idle_timeout", c.HTTPIdleTimeout,
		"session_ttl", c.SessionTTL, "invitation_ttl", c.InvitationTTL, "password_min_length", c.PasswordMinLength,
		"default_branch", c.DefaultBranch, "relay_interval", c.RelayInterval, "decision_cache_size", c.DecisionCacheSize,
		"bootstrap_email", c.BootstrapEmail, "bootstrap_password", hidden(c.BootstrapPassword),
		"oidc_issuer", c.OIDCIssuer, "oidc_client_id", c.OIDCClientID, "oidc_client_secret", hidden(c.OIDCClientSecret),
		"oidc_redirect_url", c.OIDCRedirectURL,
	}
}

// OIDCEnabled reports whether SSO is configured (issuer, client id, client
// secret and redirect URL all set; ValidateOIDC refuses a partial set).
func (c Config) OIDCEnabled() bool {
	return c.OIDCIssuer != "" && c.OIDCClientID != "" && c.OIDCClientSecret != "" && c.OIDCRedirectURL != ""
}

// ValidateOIDC checks the SSO settings: all of issuer, client id, client
// secret and redirect URL, or none of them and none of the other
// GATEHOUSE_OIDC_* settings.
func (c Config) ValidateOIDC() error {
	core := [][2]string{
		{"GATEHOUSE_OIDC_ISSUER", c.OIDCIssuer},
		{"GATEHOUSE_OIDC_CLIENT_ID", c.OIDCClientID},
		{"GATEHOUSE_OIDC_CLIENT_SECRET", c.OIDCClientSecret},
		{"GATEHOUSE_OIDC_REDIRECT_URL", c.OIDCRedirectURL},
	}
	var set, missing []string
	for _, v := range core {
		if v[1] == "" {
			missing = append(missing, v[0])
		} else {
			set = append(set, v[0])
		}
	}
	if len(set) == 0 {
		var extra []string
		for _, v := range [][2]string{
			{"GATEHOUSE_OIDC_ROLE_CLAIM", c.OIDCRoleClaim},
			{"GATEHOUSE_OIDC_GROUPS_CLAIM", c.OIDCGroupsClaim},
			{"GATEHOUSE_OIDC_ALLOWED_CLAIM", c.OIDCAllowedClaim},
			{"GATEHOUSE_OIDC_ALLOWED_VALUES", strings.Join(c.OIDCAllowedValues, ",")},
			{"GATEHOUSE_OIDC_TENANT", c.OIDCTenant},
		} {
			if v[1] != "" {
				extra = append(extra, v[0])
			}
		}
		if len(extra) > 0 {
			return fmt.Errorf("SSO is not configured but %s is set: set GATEHOUSE_OIDC_ISSUER, GATEHOUSE_OIDC_CLIENT_ID, GATEHOUSE_OIDC_CLIENT_SECRET and GATEHOUSE_OIDC_REDIRECT_URL too, or unset it", strings.Join(extra, ", "))
		}
		return nil
	}
	if len(missing) > 0 {
		return fmt.Errorf("SSO is partly configured: %s %s not set (set all of GATEHOUSE_OIDC_ISSUER, GATEHOUSE_OIDC_CLIENT_ID, GATEHOUSE_OIDC_CLIENT_SECRET and GATEHOUSE_OIDC_REDIRECT_URL, or none)",
			strings.Join(missing, ", "), map[bool]string{true: "is", false: "are"}[len(missing) == 1])
	}
	var errs []error
	for _, v := range [][2]string{{"GATEHOUSE_OIDC_ISSUER", c.OIDCIssuer}, {"GATEHOUSE_OIDC_REDIRECT_URL", c.OIDCRedirectURL}} {
		if u, err := url.Parse(v[1]); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			errs = append(errs, fmt.Errorf("%s=%q is not an absolute http(s) URL", v[0], v[1]))
		}
	}
	if (c.OIDCAllowedClaim == "") != (len(c.OIDCAllowedValues) == 0) {
		errs = append(errs, errors.New("GATEHOUSE_OIDC_ALLOWED_CLAIM and GATEHOUSE_OIDC_ALLOWED_VALUES go together: set both (claim name and comma-separated values) or neither"))
	}
	if c.OIDCTenant != "" && !isUUID(c.OIDCTenant) {
		errs = append(errs, fmt.Errorf("GATEHOUSE_OIDC_TENANT=%q is not a tenant id (a UUID)", c.OIDCTenant))
	}
	return errors.Join(errs...)
}

// checkCA checks that path is a PEM file holding at least one certificate,
// or a directory of such files.
func checkCA(path string) error {
	fi, err := os.Stat(path)
	if err != nil {
		return errors.New("cannot read it: give the path of a PEM file of the CA certificate(s)")
	}
	files := []string{path}
	if fi.IsDir() {
		entries, err := os.ReadDir(path)
		if err != nil {
			return fmt.Errorf("cannot list the directory: %w", err)
		}
		files = files[:0]
		for _, e := range entries {
			if !e.IsDir() {
				files = append(files, filepath.Join(path, e.Name()))
			}
		}
	}
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			return fmt.Errorf("cannot read %s: %w", f, err)
		}
		if !x509.NewCertPool().AppendCertsFromPEM(raw) {
			return fmt.Errorf("%s holds no PEM certificate (-----BEGIN CERTIFICATE-----)", f)
		}
	}
	if len(files) == 0 {
		return errors.New("the directory holds no PEM file")
	}
	return nil
}

// split cuts s at any of seps, trims and drops empty items.
func split(s, seps string) []string {
	var out []string
	for _, f := range strings.FieldsFunc(s, func(r rune) bool { return strings.ContainsRune(seps, r) }) {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}

func isUUID(s string) bool {
	_, err := uuid.Parse(s)
	return err == nil && len(s) == 36
}

func isLoopback(hostport string) bool {
	host, _, err := net.SplitHostPort(hostport)
	if err != nil {
		return false
	}
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
