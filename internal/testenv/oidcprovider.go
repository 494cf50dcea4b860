package testenv

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"errors"
	"fmt"
	"html"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/google/uuid"
	"github.com/zitadel/oidc/v3/pkg/oidc"
	"github.com/zitadel/oidc/v3/pkg/op"
)

// OIDCProvider is a real OpenID provider run in-process: zitadel/oidc's op
// package (discovery, authorize, token with PKCE, userinfo, JWKS, signed ID
// tokens) over an in-memory storage, with a minimal username/password login
// page, served by httptest. It registers one confidential web client.
type OIDCProvider struct {
	Issuer       string
	ClientID     string
	ClientSecret string
	Server       *httptest.Server
	storage      *opStorage
}

// OIDCUser is an account at the provider. Claims are added to its ID
// tokens and userinfo answers (e.g. roles, groups); email and name reach
// the ID token only through the userinfo endpoint (as the OIDC spec asks
// when an access token is issued), so the relying party must ask it.
type OIDCUser struct {
	Subject       string
	Username      string
	Password      string
	Email         string
	EmailVerified bool
	Name          string
	Claims        map[string]any
}

// CodeTTL is how long the provider's authorization codes live.
const CodeTTL = time.Minute

// NewOIDCProvider starts a provider whose client may redirect to redirectURI.
func NewOIDCProvider(t testing.TB, redirectURI string) *OIDCProvider {
	t.Helper()
	srv := httptest.NewUnstartedServer(nil)
	issuer := "http://" + srv.Listener.Addr().String()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	st := &opStorage{
		key: key, keyID: uuid.NewString(),
		client:   &opClient{id: "gatehouse-" + random(), secret: random() + random(), redirectURIs: []string{redirectURI}},
		users:    map[string]*OIDCUser{},
		requests: map[string]*opAuthRequest{},
		codes:    map[string]opCode{},
		tokens:   map[string]opToken{},
	}
	var cryptoKey [32]byte
	_, _ = rand.Read(cryptoKey[:])
	provider, err := op.NewProvider(&op.Config{CryptoKey: cryptoKey, CryptoKeyId: "k1", CodeMethodS256: true}, st, op.StaticIssuer(issuer), op.WithAllowInsecure())
	if err != nil {
		t.Fatalf("testenv: OIDC provider: %v", err)
	}
	callback := op.AuthCallbackURL(provider)
	mux := http.NewServeMux()
	mux.Handle("/login", op.NewIssuerInterceptor(provider.IssuerFromRequest).HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		st.login(w, r, callback)
	}))
	mux.Handle("/", provider)
	srv.Config.Handler = mux
	srv.Start()
	t.Cleanup(srv.Close)
	return &OIDCProvider{Issuer: issuer, ClientID: st.client.id, ClientSecret: st.client.secret, Server: srv, storage: st}
}

// SetUser adds or replaces an account (matched by username).
func (p *OIDCProvider) SetUser(u OIDCUser) {
	p.storage.mu.Lock()
	defer p.storage.mu.Unlock()
	c := u
	c.Claims = map[string]any{}
	for k, v := range u.Claims {
		c.Claims[k] = v
	}
	p.storage.users[u.Username] = &c
}

// ForgeNonce makes the provider put nonce in the ID tokens it issues
// instead of the one the login asked for ("" stops it): a replayed or
// substituted token, signed by the real provider.
func (p *OIDCProvider) ForgeNonce(nonce string) {
	p.storage.mu.Lock()
	defer p.storage.mu.Unlock()
	p.storage.forgedNonce = nonce
}

// Advance moves the provider's clock (authorization codes expire after
// CodeTTL) without waiting.
func (p *OIDCProvider) Advance(d time.Duration) {
	p.storage.mu.Lock()
	defer p.storage.mu.Unlock()
	p.storage.offset += d
}

// opStorage implements op.Storage in memory for the authorization-code flow.
type opStorage struct {
	mu          sync.Mutex
	offset      time.Duration
	key         *rsa.PrivateKey
	keyID       string
	client      *opClient
	users       map[string]*OIDCUser // by username
	requests    map[string]*opAuthRequest
	codes       map[string]opCode
	tokens      map[string]opToken
	forgedNonce string
}

type opCode struct {
	requestID string
	issued    time.Time
}

type opToken struct {
	subject, clientID string
	scopes            []string
	expires           time.Time
}

var _ op.Storage = (*opStorage)(nil)
var _ op.CanSetUserinfoFromRequest = (*opStorage)(nil)

func (s *opStorage) now() time.Time { return time.Now().Add(s.offset) }

// login is the provider's login page: GET shows a form, POST checks the
// username and password and sends the browser back to the OP's callback.
func (s *opStorage) login(w http.ResponseWriter, r *http.Request, callback func(context.Context, string) string) {
	if err := r.ParseForm(); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	id := r.FormValue("id")
	if r.Method == http.MethodGet {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprintf(w, `<form method="POST" action="/login"><input type="hidden" name="id" value="%s"><input name="username"><input name="password" type="password"><button>Log in</button></form>`, html.EscapeString(id))
		return
	}
	s.mu.Lock()
	req, ok := s.requests[id]
	u := s.users[r.FormValue("username")]
	good := ok && u != nil && u.Password == r.FormValue("password")
	if good {
		req.subject, req.done, req.authTime = u.Subject, true, s.now()
	}
	s.mu.Unlock()
	if !good {
		http.Error(w, "unknown login request, username or password", http.StatusUnauthorized)
		return
	}
	http.Redirect(w, r, callback(r.Context(), id), http.StatusFound)
}

func (s *opStorage) CreateAuthRequest(_ context.Context, in *oidc.AuthRequest, userID string) (op.AuthRequest, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	req := &opAuthRequest{
		id: uuid.NewString(), clientID: in.ClientID, redirectURI: in.RedirectURI, state: in.State, nonce: in.Nonce,
		scopes: in.Scopes, responseType: in.ResponseType, responseMode: in.ResponseMode, subject: userID,
	}
	if in.CodeChallenge != "" {
		req.challenge = &oidc.CodeChallenge{Challenge: in.CodeChallenge, Method: in.CodeChallengeMethod}
	}
	s.requests[req.id] = req
	return req, nil
}

func (s *opStorage) AuthRequestByID(_ context.Context, id string) (op.AuthRequest, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	req, ok := s.requests[id]
	if !ok {
		return nil, errors.New("auth request not found")
	}
	c := *req
	return &c, nil
}

func (s *opStorage) AuthRequestByCode(_ context.Context, code string) (op.AuthRequest, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.codes[code]
	if !ok {
		return nil, errors.New("code invalid or already used")
	}
	if s.now().Sub(c.issued) > CodeTTL {
		return nil, errors.New("code expired")
	}
	req, ok := s.requests[c.requestID]
	if !ok {
		return nil, errors.New("code invalid or already used")
	}
	cp := *req
	if s.forgedNonce != "" {
		cp.nonce = s.forgedNonce
	}
	return &cp, nil
}

func (s *opStorage) SaveAuthCode(_ context.Context, id, code string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.codes[code] = opCode{requestID: id, issued: s.now()}
	return nil
}

// DeleteAuthRequest runs once the code is redeemed: the code dies with it.
func (s *opStorage) DeleteAuthRequest(_ context.Context, id string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.requests, id)
	for code, c := range s.codes {
		if c.requestID == id {
			delete(s.codes, code)
		}
	}
	return nil
}

func (s *opStorage) CreateAccessToken(_ context.Context, req op.TokenRequest) (string, time.Time, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	id, exp := uuid.NewString(), time.Now().Add(5*time.Minute)
	clientID := ""
	if r, ok := req.(*opAuthRequest); ok {
		clientID = r.clientID
	}
	s.tokens[id] = opToken{subject: req.GetSubject(), clientID: clientID, scopes: req.GetScopes(), expires: exp}
	return id, exp, nil
}

func (s *opStorage) CreateAccessAndRefreshTokens(context.Context, op.TokenRequest, string) (string, string, time.Time, error) {
	return "", "", time.Time{}, errors.New("refresh tokens are not supported")
}

func (s *opStorage) TokenRequestByRefreshToken(context.Context, string) (op.RefreshTokenRequest, error) {
	return nil, errors.New("refresh tokens are not supported")
}

func (s *opStorage) TerminateSession(context.Context, string, string) error { return nil }

func (s *opStorage) RevokeToken(_ context.Context, token, _, _ string) *oidc.Error {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.tokens, token)
	return nil
}

func (s *opStorage) GetRefreshTokenInfo(context.Context, string, string) (string, string, error) {
	return "", "", op.ErrInvalidRefreshToken
}

func (s *opStorage) SigningKey(context.Context) (op.SigningKey, error) {
	return opKey{id: s.keyID, key: s.key}, nil
}

func (s *opStorage) SignatureAlgorithms(context.Context) ([]jose.SignatureAlgorithm, error) {
	return []jose.SignatureAlgorithm{jose.RS256}, nil
}

func (s *opStorage) KeySet(context.Context) ([]op.Key, error) {
	return []op.Key{opKey{id: s.keyID, key: s.key, public: true}}, nil
}

func (s *opStorage) GetClientByClientID(_ context.Context, id string) (op.Client, error) {
	if id != s.client.id {
		return nil, errors.New("client not found")
	}
	return s.client, nil
}

func (s *opStorage) AuthorizeClientIDSecret(_ context.Context, id, secret string) error {
	if id != s.client.id || secret != s.client.secret {
		return errors.New("invalid client credentials")
	}
	return nil
}

func (s *opStorage) SetUserinfoFromScopes(context.Context, *oidc.UserInfo, string, string, []string) error {
	return nil
}

// SetUserinfoFromRequest fills the ID token's claims.
func (s *opStorage) SetUserinfoFromRequest(_ context.Context, info *oidc.UserInfo, req op.IDTokenRequest, scopes []string) error {
	return s.userinfo(info, req.GetSubject(), scopes)
}

// SetUserinfoFromToken answers the userinfo endpoint.
func (s *opStorage) SetUserinfoFromToken(_ context.Context, info *oidc.UserInfo, tokenID, _, _ string) error {
	s.mu.Lock()
	tok, ok := s.tokens[tokenID]
	s.mu.Unlock()
	if !ok || time.Now().After(tok.expires) {
		return errors.New("invalid or expired access token")
	}
	return s.userinfo(info, tok.subject, tok.scopes)
}

func (s *opStorage) userinfo(info *oidc.UserInfo, subject string, scopes []string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	var u *OIDCUser
	for _, c := range s.users {
		if c.Subject == subject {
			u = c
		}
	}
	if u == nil {
		return errors.New("user not found")
	}
	info.Subject = u.Subject
	for _, sc := range scopes {
		switch sc {
		case oidc.ScopeEmail:
			info.Email, info.EmailVerified = u.Email, oidc.Bool(u.EmailVerified)
		case oidc.ScopeProfile:
			info.Name, info.PreferredUsername = u.Name, u.Username
		}
	}
	for k, v := range u.Claims {
		info.AppendClaims(k, v)
	}
	return nil
}

func (s *opStorage) SetIntrospectionFromToken(context.Context, *oidc.IntrospectionResponse, string, string, string) error {
	return errors.New("introspection is not supported")
}

func (s *opStorage) GetPrivateClaimsFromScopes(context.Context, string, string, []string) (map[string]any, error) {
	return nil, nil
}

func (s *opStorage) GetKeyByIDAndClientID(context.Context, string, string) (*jose.JSONWebKey, error) {
	return nil, errors.New("JWT profile is not supported")
}

func (s *opStorage) ValidateJWTProfileScopes(context.Context, string, []string) ([]string, error) {
	return nil, errors.New("JWT profile is not supported")
}

func (s *opStorage) Health(context.Context) error { return nil }

// opKey is the RS256 signing key, or its public half for the JWKS.
type opKey struct {
	id     string
	key    *rsa.PrivateKey
	public bool
}

func (k opKey) ID() string                                  { return k.id }
func (k opKey) SignatureAlgorithm() jose.SignatureAlgorithm { return jose.RS256 }
func (k opKey) Algorithm() jose.SignatureAlgorithm          { return jose.RS256 }
func (k opKey) Use() string                                 { return "sig" }
func (k opKey) Key() any {
	if k.public {
		return &k.key.PublicKey
	}
	return k.key
}

// opAuthRequest is one authorization request.
type opAuthRequest struct {
	id, clientID, redirectURI, state, nonce, subject string
	scopes                                           []string
	responseType                                     oidc.ResponseType
	responseMode                                     oidc.ResponseMode
	challenge                                        *oidc.CodeChallenge
	done                                             bool
	authTime                                         time.Time
}

func (r *opAuthRequest) GetID() string                         { return r.id }
func (r *opAuthRequest) GetACR() string                        { return "" }
func (r *opAuthRequest) GetAMR() []string                      { return []string{"pwd"} }
func (r *opAuthRequest) GetAudience() []string                 { return []string{r.clientID} }
func (r *opAuthRequest) GetAuthTime() time.Time                { return r.authTime }
func (r *opAuthRequest) GetClientID() string                   { return r.clientID }
func (r *opAuthRequest) GetCodeChallenge() *oidc.CodeChallenge { return r.challenge }
func (r *opAuthRequest) GetNonce() string                      { return r.nonce }
func (r *opAuthRequest) GetRedirectURI() string                { return r.redirectURI }
func (r *opAuthRequest) GetResponseType() oidc.ResponseType    { return r.responseType }
func (r *opAuthRequest) GetResponseMode() oidc.ResponseMode    { return r.responseMode }
func (r *opAuthRequest) GetScopes() []string                   { return r.scopes }
func (r *opAuthRequest) GetState() string                      { return r.state }
func (r *opAuthRequest) GetSubject() string                    { return r.subject }
func (r *opAuthRequest) Done() bool                            { return r.done }

// opClient is the confidential web client Gatehouse is registered as.
type opClient struct {
	id, secret   string
	redirectURIs []string
}

func (c *opClient) GetID() string                       { return c.id }
func (c *opClient) RedirectURIs() []string              { return c.redirectURIs }
func (c *opClient) PostLogoutRedirectURIs() []string    { return nil }
func (c *opClient) ApplicationType() op.ApplicationType { return op.ApplicationTypeWeb }
func (c *opClient) AuthMethod() oidc.AuthMethod         { return oidc.AuthMethodBasic }
func (c *opClient) ResponseTypes() []oidc.ResponseType {
	return []oidc.ResponseType{oidc.ResponseTypeCode}
}
func (c *opClient) GrantTypes() []oidc.GrantType         { return []oidc.GrantType{oidc.GrantTypeCode} }
func (c *opClient) LoginURL(id string) string            { return "/login?id=" + url.QueryEscape(id) }
func (c *opClient) AccessTokenType() op.AccessTokenType  { return op.AccessTokenTypeBearer }
func (c *opClient) IDTokenLifetime() time.Duration       { return 5 * time.Minute }
func (c *opClient) DevMode() bool                        { return true } // http redirect URIs (httptest)
func (c *opClient) IsScopeAllowed(string) bool           { return false }
func (c *opClient) IDTokenUserinfoClaimsAssertion() bool { return false }
func (c *opClient) ClockSkew() time.Duration             { return 0 }
func (c *opClient) RestrictAdditionalIdTokenScopes() func([]string) []string {
	return func(s []string) []string { return s }
}
func (c *opClient) RestrictAdditionalAccessTokenScopes() func([]string) []string {
	return func(s []string) []string { return s }
}
