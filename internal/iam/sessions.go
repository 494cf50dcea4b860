package iam

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/gatehouse/gatehouse/internal/auth"
	"github.com/gatehouse/gatehouse/internal/store"
)

// LoginResult is a new session.
type LoginResult struct {
	Token     string     `json:"token"`
	ExpiresAt time.Time  `json:"expires_at"`
	User      store.User `json:"user"`
}

var errBadLogin = &Error{Kind: KindUnauthenticated, Code: "invalid_credentials", Message: "invalid email or password"}

// Login checks an email and password and opens a session. Unknown emails
// and wrong passwords get the same answer in the same time.
func (s *Service) Login(ctx context.Context, meta RequestMeta, email, password string) (LoginResult, error) {
	now := s.now()
	key := strings.ToLower(strings.TrimSpace(email))
	if wait := s.Limiter.Blocked(key, meta.ClientAddr, now); wait > 0 {
		return LoginResult{}, &Error{Kind: KindRateLimited, Code: "rate_limited", Message: "too many failed logins; try again later", RetryAfterSeconds: int(math.Ceil(wait.Seconds()))}
	}
	u, err := store.GetLiveUserByEmail(ctx, s.Store.Pool, key)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return LoginResult{}, err
	}
	ok := false
	if err == nil && u.PasswordHash != "" {
		ok = auth.VerifyPassword(u.PasswordHash, password)
	} else {
		auth.VerifyNothing(password)
	}
	if !ok || u.Status != store.StatusActive {
		s.Limiter.Fail(key, meta.ClientAddr, now)
		_ = store.InsertAudit(ctx, s.Store.Pool, store.AuditEntry{Actor: "anonymous", Action: "auth.login", Target: "email:" + truncate(key), Outcome: "denied", RequestID: meta.RequestID, ClientAddr: meta.ClientAddr, TenantID: tenantPtr(u.TenantID)})
		return LoginResult{}, errBadLogin
	}
	s.Limiter.Succeed(key)
	token := auth.NewToken(auth.SessionPrefix)
	sess := store.Session{ID: uuid.Must(uuid.NewV7()), TenantID: u.TenantID, UserID: u.ID, ExpiresAt: now.Add(s.Config.SessionTTL).UTC().Truncate(time.Second)}
	if err := store.InsertSession(ctx, s.Store.Pool, sess, auth.HashToken(token)); err != nil {
		return LoginResult{}, err
	}
	_ = store.InsertAudit(ctx, s.Store.Pool, store.AuditEntry{Actor: "user:" + u.ID.String(), Action: "auth.login", Target: "user:" + u.ID.String(), Outcome: "success", RequestID: meta.RequestID, ClientAddr: meta.ClientAddr, TenantID: tenantPtr(u.TenantID)})
	return LoginResult{Token: token, ExpiresAt: sess.ExpiresAt, User: u}, nil
}

func tenantPtr(id uuid.UUID) *uuid.UUID {
	if id == uuid.Nil {
		return nil
	}
	return &id
}

// Logout ends the caller's session.
func (s *Service) Logout(ctx context.Context, p *Principal, meta RequestMeta) error {
	if p.SessionID == uuid.Nil {
		return &Error{Kind: KindBadRequest, Code: "not_a_session", Message: "only a session can log out"}
	}
	if err := store.RevokeSession(ctx, s.Store.Pool, p.SessionID); err != nil {
		return err
	}
	return store.InsertAudit(ctx, s.Store.Pool, store.AuditEntry{Actor: p.Actor(), Action: "auth.logout", Target: p.Actor(), Outcome: "success", RequestID: meta.RequestID, ClientAddr: meta.ClientAddr, TenantID: tenantPtr(p.TenantID)})
}

// Authenticate resolves a bearer token to a principal. A disabled or
// deleted user's sessions stop working at once.
func (s *Service) Authenticate(ctx context.Context, token string) (*Principal, error) {
	if token == "" {
		return nil, Unauthenticated("missing bearer token")
	}
	if len(token) > 512 {
		return nil, Unauthenticated("invalid bearer token")
	}
	switch {
	case auth.HasPrefix(token, auth.SessionPrefix):
		sess, u, err := store.SessionUser(ctx, s.Store.Pool, auth.HashToken(token))
		if errors.Is(err, store.ErrNotFound) {
			return nil, Unauthenticated("invalid or expired session")
		}
		if err != nil {
			return nil, fmt.Errorf("authenticate: %w", err)
		}
		if u.Status != store.StatusActive {
			return nil, Unauthenticated("invalid or expired session")
		}
		return &Principal{Kind: "user", ID: u.ID, TenantID: u.TenantID, User: &u, SessionID: sess.ID}, nil
	case auth.HasPrefix(token, auth.APIKeyPrefix):
		return s.authenticateAPIKey(ctx, token)
	case auth.HasPrefix(token, auth.ServicePrefix):
		return s.authenticateService(ctx, token)
	}
	return nil, Unauthenticated("invalid bearer token")
}
