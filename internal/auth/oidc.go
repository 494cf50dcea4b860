package auth

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"
)

// OIDC errors: the login failed (a bad or reused code, an ID token that
// does not verify, a nonce that does not match), or the provider could not
// be reached.
var (
	ErrOIDCRejected    = errors.New("OIDC login rejected")
	ErrOIDCUnavailable = errors.New("OIDC provider unavailable")
)

// OIDCConfig is a relying party's registration at an OIDC provider.
type OIDCConfig struct {
	Issuer       string
	ClientID     string
	ClientSecret string
	RedirectURL  string
	Scopes       []string // openid is always requested
	// HTTPClient talks to the provider (default: 10 s timeout).
	HTTPClient *http.Client
}

// OIDC is the authorization-code flow (with state, nonce and PKCE S256)
// against one provider, discovered once.
type OIDC struct {
	http     *http.Client
	provider *oidc.Provider
	oauth    oauth2.Config
	verifier *oidc.IDTokenVerifier
}

// NewOIDC discovers the provider at cfg.Issuer; the error is one line that
// says what to check.
func NewOIDC(ctx context.Context, cfg OIDCConfig) (*OIDC, error) {
	hc := cfg.HTTPClient
	if hc == nil {
		hc = &http.Client{Timeout: 10 * time.Second}
	}
	p, err := oidc.NewProvider(oidc.ClientContext(ctx, hc), strings.TrimRight(cfg.Issuer, "/"))
	if err != nil {
		return nil, fmt.Errorf("cannot discover the OIDC provider at GATEHOUSE_OIDC_ISSUER=%s (check the URL and that the provider is reachable): %s", cfg.Issuer, oneLine(err))
	}
	scopes := []string{oidc.ScopeOpenID}
	for _, s := range cfg.Scopes {
		if !slices.Contains(scopes, s) {
			scopes = append(scopes, s)
		}
	}
	return &OIDC{
		http:     hc,
		provider: p,
		oauth: oauth2.Config{
			ClientID: cfg.ClientID, ClientSecret: cfg.ClientSecret, RedirectURL: cfg.RedirectURL,
			Endpoint: p.Endpoint(), Scopes: scopes,
		},
		verifier: p.Verifier(&oidc.Config{ClientID: cfg.ClientID}),
	}, nil
}

// NewPKCEVerifier returns a fresh PKCE code verifier.
func NewPKCEVerifier() string { return oauth2.GenerateVerifier() }

// AuthCodeURL is where the browser goes to log in at the provider.
func (o *OIDC) AuthCodeURL(state, nonce, pkceVerifier string) string {
	return o.oauth.AuthCodeURL(state, oidc.Nonce(nonce), oauth2.S256ChallengeOption(pkceVerifier))
}

// OIDCIdentity is who the provider says logged in.
type OIDCIdentity struct {
	Issuer        string
	Subject       string
	Email         string
	EmailVerified bool
	Name          string
	// Claims are the ID token's claims, completed by the userinfo endpoint's
	// for the names the ID token lacks.
	Claims map[string]any
}

// Exchange redeems an authorization code with its PKCE verifier, verifies
// the ID token (signature, issuer, audience, expiry) and its nonce, and
// returns the identity. want lists claims the caller needs: when the ID
// token lacks one of them (or the email), the userinfo endpoint is asked.
func (o *OIDC) Exchange(ctx context.Context, code, pkceVerifier, nonce string, want ...string) (OIDCIdentity, error) {
	ctx = oidc.ClientContext(ctx, o.http)
	tok, err := o.oauth.Exchange(ctx, code, oauth2.VerifierOption(pkceVerifier))
	if err != nil {
		var re *oauth2.RetrieveError
		if errors.As(err, &re) && re.Response != nil && re.Response.StatusCode >= 400 && re.Response.StatusCode < 500 {
			msg := re.ErrorCode
			if re.ErrorDescription != "" {
				msg += ": " + re.ErrorDescription
			}
			return OIDCIdentity{}, fmt.Errorf("%w: the provider refused the authorization code (%s)", ErrOIDCRejected, clip(msg))
		}
		return OIDCIdentity{}, fmt.Errorf("%w: token endpoint: %s", ErrOIDCUnavailable, oneLine(err))
	}
	raw, ok := tok.Extra("id_token").(string)
	if !ok || raw == "" {
		return OIDCIdentity{}, fmt.Errorf("%w: the provider returned no ID token", ErrOIDCRejected)
	}
	idt, err := o.verifier.Verify(ctx, raw)
	if err != nil {
		return OIDCIdentity{}, fmt.Errorf("%w: the ID token does not verify: %s", ErrOIDCRejected, clip(oneLine(err)))
	}
	if nonce == "" || subtle.ConstantTimeCompare([]byte(idt.Nonce), []byte(nonce)) != 1 {
		return OIDCIdentity{}, fmt.Errorf("%w: the ID token's nonce does not match the login", ErrOIDCRejected)
	}
	claims := map[string]any{}
	if err := idt.Claims(&claims); err != nil {
		return OIDCIdentity{}, fmt.Errorf("%w: the ID token's claims: %s", ErrOIDCRejected, oneLine(err))
	}
	if missing(claims, append([]string{"email"}, want...)) && o.provider.UserInfoEndpoint() != "" {
		info, err := o.provider.UserInfo(ctx, oauth2.StaticTokenSource(tok))
		if err != nil {
			return OIDCIdentity{}, fmt.Errorf("%w: userinfo endpoint: %s", ErrOIDCUnavailable, oneLine(err))
		}
		if info.Subject != idt.Subject {
			return OIDCIdentity{}, fmt.Errorf("%w: the userinfo subject differs from the ID token's", ErrOIDCRejected)
		}
		more := map[string]any{}
		if err := info.Claims(&more); err != nil {
			return OIDCIdentity{}, fmt.Errorf("%w: userinfo claims: %s", ErrOIDCRejected, oneLine(err))
		}
		for k, v := range more {
			if _, ok := claims[k]; !ok {
				claims[k] = v
			}
		}
	}
	id := OIDCIdentity{Issuer: idt.Issuer, Subject: idt.Subject, Claims: claims}
	id.Email, _ = claims["email"].(string)
	switch v := claims["email_verified"].(type) {
	case bool:
		id.EmailVerified = v
	case string: // some providers send "true"
		id.EmailVerified = v == "true"
	}
	for _, k := range []string{"name", "preferred_username"} {
		if s, _ := claims[k].(string); strings.TrimSpace(s) != "" {
			id.Name = strings.TrimSpace(s)
			break
		}
	}
	return id, nil
}

// ClaimValues reads a claim as a list of strings: a string is one value, an
// array keeps its string items; anything else is no value.
func ClaimValues(claims map[string]any, name string) []string {
	switch v := claims[name].(type) {
	case string:
		return []string{v}
	case []any:
		var out []string
		for _, it := range v {
			if s, ok := it.(string); ok {
				out = append(out, s)
			}
		}
		return out
	}
	return nil
}

func missing(claims map[string]any, names []string) bool {
	for _, n := range names {
		if _, ok := claims[n]; n != "" && !ok {
			return true
		}
	}
	return false
}

func oneLine(err error) string {
	return strings.Join(strings.Fields(err.Error()), " ")
}

func clip(s string) string {
	if len(s) > 200 {
		return s[:200] + "…"
	}
	return s
}
