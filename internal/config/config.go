// Package config is Gatehouse's configuration: one struct, read from
// environment variables (and flags over them), validated once at start with
// messages that say what is wrong and how to fix it.
package config

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Config is every setting.
type Config struct {
	HTTPAddr  string // GATEHOUSE_HTTP_ADDR
	PublicURL string // GATEHOUSE_PUBLIC_URL (invitation links)
	LogLevel  string // GATEHOUSE_LOG_LEVEL: debug, info, warn, error

	DatabaseURL     string // DATABASE_URL
	SpiceDBEndpoint string // SPICEDB_ENDPOINT (host:port)
	SpiceDBKey      string // SPICEDB_KEY, or GATEHOUSE_SPICEDB_KEY
	SpiceDBInsecure bool   // SPICEDB_INSECURE: plaintext gRPC (default: true for loopback endpoints)

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
}

// Vars documents every environment variable (README and --help).
var Vars = [][2]string{
	{"GATEHOUSE_HTTP_ADDR", "HTTP listen address (default 127.0.0.1:8080)"},
	{"GATEHOUSE_PUBLIC_URL", "base URL users reach Gatehouse at, for invitation links (default http://<GATEHOUSE_HTTP_ADDR>)"},
	{"GATEHOUSE_LOG_LEVEL", "debug, info, warn or error (default info)"},
	{"DATABASE_URL", "PostgreSQL URL; dev starts a throwaway cluster when unset"},
	{"SPICEDB_ENDPOINT", "SpiceDB gRPC host:port; dev starts SpiceDB when unset"},
	{"SPICEDB_KEY", "SpiceDB preshared key (also GATEHOUSE_SPICEDB_KEY)"},
	{"SPICEDB_INSECURE", "true for plaintext gRPC (default: true for loopback endpoints, else TLS with system CAs)"},
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
		HTTPAddr:          get("GATEHOUSE_HTTP_ADDR", "127.0.0.1:8080"),
		LogLevel:          get("GATEHOUSE_LOG_LEVEL", "info"),
		DatabaseURL:       get("DATABASE_URL", ""),
		SpiceDBEndpoint:   get("SPICEDB_ENDPOINT", ""),
		SpiceDBKey:        get("SPICEDB_KEY", get("GATEHOUSE_SPICEDB_KEY", "")),
		SpiceDBAddr:       get("GATEHOUSE_SPICEDB_ADDR", "127.0.0.1:50051"),
		DataDir:           get("GATEHOUSE_DATA_DIR", ""),
		BootstrapEmail:    get("GATEHOUSE_BOOTSTRAP_EMAIL", ""),
		BootstrapPassword: getenv("GATEHOUSE_BOOTSTRAP_PASSWORD"),
		SessionTTL:        dur("GATEHOUSE_SESSION_TTL", 24*time.Hour),
		InvitationTTL:     dur("GATEHOUSE_INVITATION_TTL", 72*time.Hour),
		DefaultBranch:     get("GATEHOUSE_DEFAULT_BRANCH", "main"),
		RelayInterval:     dur("GATEHOUSE_RELAY_INTERVAL", 2*time.Second),
		PasswordMinLength: 12,
	}
	c.PublicURL = get("GATEHOUSE_PUBLIC_URL", "http://"+c.HTTPAddr)
	if raw := get("GATEHOUSE_PASSWORD_MIN_LENGTH", ""); raw != "" {
		n, err := strconv.Atoi(raw)
		if err != nil || n < 8 || n > 128 {
			errs = append(errs, fmt.Errorf("GATEHOUSE_PASSWORD_MIN_LENGTH=%q must be an integer from 8 to 128", raw))
		} else {
			c.PasswordMinLength = n
		}
	}
	c.SpiceDBInsecure = isLoopback(c.SpiceDBEndpoint)
	if raw := get("SPICEDB_INSECURE", ""); raw != "" {
		b, err := strconv.ParseBool(raw)
		if err != nil {
			errs = append(errs, fmt.Errorf("SPICEDB_INSECURE=%q must be true or false", raw))
		}
		c.SpiceDBInsecure = b
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
	if c.SpiceDBEndpoint != "" && c.SpiceDBKey == "" {
		errs = append(errs, errors.New("SPICEDB_KEY is not set: give the preshared key SpiceDB was started with (--grpc-preshared-key)"))
	}
	switch c.LogLevel {
	case "debug", "info", "warn", "error":
	default:
		errs = append(errs, fmt.Errorf("GATEHOUSE_LOG_LEVEL=%q must be debug, info, warn or error", c.LogLevel))
	}
	return errors.Join(errs...)
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
