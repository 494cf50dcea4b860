package identity

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/gatehouse/gatehouse/internal/auth"
	"github.com/gatehouse/gatehouse/internal/iam/core"
	"github.com/gatehouse/gatehouse/internal/store"
)

// LoginResult is a new session.
type LoginResult struct {
	Token     string
	ExpiresAt time.Time
	User      store.User
}

var errBadLogin = &core.Error{Kind: core.KindUnauthenticated, Code: "invalid_credentials",
	Message: "invalid email, password or tenant (an email with accounts in several tenants needs the tenant)"}

// LoginInput is POST /v1/auth/login.
type LoginInput struct {
	Email    string
	Password string
	// Tenant picks the account when the email has accounts in several
	// tenants: the tenant's id, or its name (case-insensitive; when several
	// tenants share a name, give the id).
	Tenant string
}

// loginCandidates bounds how many accounts of one email a login looks at
// (one per tenant at most).
const loginCandidates = 100

// Login checks an email and password and opens a session (SPEC §1.4).
//
// Every failure gets the same answer after the same work: the input is
// bounded first (422, nothing stored), the limiter counts the attempt by
// client address and by client address and account (429 with Retry-After,
// before anything about the email is looked up), then exactly one password
// hash is checked: the password of the one active account the email (and
// tenant, when given) names, or a dummy hash when it names none, or
// several (the tenant is then needed).
func (s *Service) Login(ctx context.Context, meta core.RequestMeta, in LoginInput) (LoginResult, error) {
	if err := validLogin(in); err != nil {
		return LoginResult{}, err
	}
	now := s.Now()
	key := strings.ToLower(strings.TrimSpace(in.Email))
	tenant := strings.TrimSpace(in.Tenant)
	attempt, wait, err := s.Limiter.begin(ctx, s.Store.Pool, meta.ClientAddr, key, now)
	if err != nil {
		return LoginResult{}, err
	}
	if wait > 0 {
		return LoginResult{}, &core.Error{Kind: core.KindRateLimited, Code: "rate_limited", Message: "too many failed logins from this address; try again later", RetryAfterSeconds: retryAfterSeconds(wait)}
	}
	users, err := store.LoginUsers(ctx, s.Store.Pool, key, tenant, loginCandidates)
	if err != nil {
		_ = store.UncountLoginAttempt(context.WithoutCancel(ctx), s.Store.Pool, attempt.keys, attempt.bucket)
		return LoginResult{}, err
	}
	var u store.User
	active := 0
	for _, c := range users {
		if c.Status == store.StatusActive && c.PasswordHash != "" {
			u, active = c, active+1
		}
	}
	ok := false
	if active == 1 {
		ok = auth.VerifyPassword(u.PasswordHash, in.Password)
	} else {
		auth.VerifyNothing(in.Password)
	}
	if !ok {
		// The failure belongs to the tenant of the one account it was
		// about; without one it is audited without a tenant (platform
		// superadmins read those).
		var tenantID *uuid.UUID
		switch {
		case active == 1:
			tenantID = tenantPtr(u.TenantID)
		case active == 0 && len(users) == 1:
			tenantID = tenantPtr(users[0].TenantID)
		}
		details := map[string]any{}
		if tenant != "" {
			details["tenant"] = core.Truncate(tenant)
		}
		_ = store.InsertAudit(ctx, s.Store.Pool, store.AuditEntry{Actor: "anonymous", Action: "auth.login", Target: "email:" + core.Truncate(key), Outcome: "denied", RequestID: meta.RequestID, ClientAddr: meta.ClientAddr, TenantID: tenantID, Details: details})
		if err := s.Limiter.prune(ctx, s.Store.Pool, now); err != nil {
			s.Log.Warn("login limiter: prune", "err", err)
		}
		return LoginResult{}, errBadLogin
	}
	if err := s.Limiter.succeed(ctx, s.Store.Pool, attempt); err != nil {
		s.Log.Warn("login limiter: clear", "err", err)
	}
	token := auth.NewToken(auth.SessionPrefix)
	sess := store.Session{ID: uuid.Must(uuid.NewV7()), TenantID: u.TenantID, UserID: u.ID, ExpiresAt: now.Add(s.Config.SessionTTL).UTC().Truncate(time.Second)}
	if err := store.InsertSession(ctx, s.Store.Pool, sess, auth.HashToken(token)); err != nil {
		return LoginResult{}, err
	}
	_ = store.InsertAudit(ctx, s.Store.Pool, store.AuditEntry{Actor: "user:" + u.ID.String(), Action: "auth.login", Target: "user:" + u.ID.String(), Outcome: "success", RequestID: meta.RequestID, ClientAddr: meta.ClientAddr, TenantID: tenantPtr(u.TenantID)})
	return LoginResult{Token: token, ExpiresAt: sess.ExpiresAt, User: u}, nil
}

// validLogin bounds the login's fields before anything is stored or
// looked up; it says nothing about any account.
func validLogin(in LoginInput) error {
	switch {
	case strings.TrimSpace(in.Email) == "":
		return core.Invalid("email", "is required")
	case len(in.Email) > 254:
		return core.Invalid("email", "must be at most 254 bytes")
	case len(in.Password) > 1024:
		return core.Invalid("password", "must be at most 1024 bytes")
	case utf8.RuneCountInString(in.Tenant) > 200:
		return core.Invalid("tenant", "must be a tenant id or a tenant name (at most 200 characters)")
	}
	return nil
}

func tenantPtr(id uuid.UUID) *uuid.UUID {
	if id == uuid.Nil {
		return nil
	}
	return &id
}

// Logout ends the caller's session.
func (s *Service) Logout(ctx context.Context, p *core.Principal, meta core.RequestMeta) error {
	if p.SessionID == uuid.Nil {
		return &core.Error{Kind: core.KindBadRequest, Code: "not_a_session", Message: "only a session can log out"}
	}
	if err := store.RevokeSession(ctx, s.Store.Pool, p.SessionID); err != nil {
		return err
	}
	if err := store.InsertAudit(ctx, s.Store.Pool, store.AuditEntry{Actor: p.Actor(), Action: "auth.logout", Target: p.Actor(), Outcome: "success", RequestID: meta.RequestID, ClientAddr: meta.ClientAddr, TenantID: tenantPtr(p.TenantID)}); err != nil {
		return err
	}
	return s.Settle(ctx) // the session is no longer cached anywhere
}

// Authenticate resolves a bearer token to a principal. A disabled or
// deleted user's sessions stop working at once.
func (s *Service) Authenticate(ctx context.Context, token string) (*core.Principal, error) {
	if token == "" {
		return nil, core.Unauthenticated("missing bearer token")
	}
	if len(token) > 512 {
		return nil, core.Unauthenticated("invalid bearer token")
	}
	switch {
	case auth.HasPrefix(token, auth.SessionPrefix):
		return s.authenticateSession(ctx, auth.HashToken(token))
	case auth.HasPrefix(token, auth.APIKeyPrefix):
		return s.credentials.AuthenticateAPIKey(ctx, token)
	case auth.HasPrefix(token, auth.ServicePrefix):
		return s.credentials.AuthenticateService(ctx, token)
	}
	return nil, core.Unauthenticated("invalid bearer token")
}

// authenticateSession resolves a session token's hash: from the session
// cache when it holds it (a revocation, a user change or a tenant token
// change reaches it through the cache bus before the change is answered),
// else with one statement that also reads the tenant's newest token.
func (s *Service) authenticateSession(ctx context.Context, hash []byte) (*core.Principal, error) {
	key := string(hash)
	c := &s.Caches
	if e, ok := c.Sessions.Get(key); ok && e.Session.ExpiresAt.After(s.Now()) && e.User.Status == store.StatusActive {
		if tenantToken, ok := c.Tokens.Get(e.User.TenantID); ok {
			u := e.User
			return (&core.Principal{Kind: "user", ID: u.ID, TenantID: u.TenantID, User: &u, SessionID: e.Session.ID}).WithTenantToken(tenantToken), nil
		}
	}
	gen, cache := c.Sessions.Snapshot()
	sess, u, tenantToken, err := store.SessionUser(ctx, s.Store.Pool, hash)
	if errors.Is(err, store.ErrNotFound) {
		return nil, core.Unauthenticated("invalid or expired session")
	}
	if err != nil {
		return nil, fmt.Errorf("authenticate: %w", err)
	}
	if u.Status != store.StatusActive {
		return nil, core.Unauthenticated("invalid or expired session")
	}
	if cache {
		c.Sessions.Put(gen, key, core.SessionEntry{Session: sess, User: u}, core.SessionTag(sess.ID), core.UserTag(u.ID))
		c.Tokens.Put(gen, u.TenantID, tenantToken, core.TenantTag(u.TenantID))
	}
	return (&core.Principal{Kind: "user", ID: u.ID, TenantID: u.TenantID, User: &u, SessionID: sess.ID}).WithTenantToken(tenantToken), nil
}
