package iam

import (
	"context"
	"crypto/subtle"
	"errors"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/gatehouse/gatehouse/internal/auth"
	"github.com/gatehouse/gatehouse/internal/authz"
	"github.com/gatehouse/gatehouse/internal/store"
)

// APIKeyInput is POST /v1/workspaces/{id}/api-keys.
type APIKeyInput struct {
	Name      string     `json:"name"`
	Role      string     `json:"role"`
	ExpiresAt *time.Time `json:"expires_at,omitempty"`
}

// APIKeyView is a key; Key (the secret) is set only in the answer that
// creates it.
type APIKeyView struct {
	store.APIKey
	Key string `json:"key,omitempty"`
	WriteResult
}

var workspaceRank = map[string]int{RoleMember: 1, RoleAdmin: 2, RoleOwner: 3}

// CreateAPIKey creates a key for the calling user with a role no higher
// than their own in the workspace (a superadmin may pick any role).
func (s *Service) CreateAPIKey(ctx context.Context, p *Principal, meta RequestMeta, workspaceID string, in APIKeyInput) (APIKeyView, error) {
	if err := validName("name", in.Name, 200); err != nil {
		return APIKeyView{}, err
	}
	if in.Role != RoleAdmin && in.Role != RoleMember {
		return APIKeyView{}, Invalid("role", "unknown API key role %q (want admin or member)", truncate(in.Role))
	}
	if in.ExpiresAt != nil && !in.ExpiresAt.After(s.now()) {
		return APIKeyView{}, Invalid("expires_at", "must be in the future")
	}
	w, err := s.visibleWorkspace(ctx, p, meta, workspaceID)
	if err != nil {
		return APIKeyView{}, err
	}
	if p.Kind != "user" {
		return APIKeyView{}, Forbidden("API keys are created by users")
	}
	key, publicID, secret := auth.NewAPIKey()
	var k store.APIKey
	authorize := func() error {
		if err := s.authorize(ctx, p, meta, "apikey.create", w.TenantID, w.ID); err != nil {
			return err
		}
		if !s.superadmin(ctx, p, meta) {
			roles, err := s.effectiveRoles(ctx, p, meta, w.TenantID, []uuid.UUID{w.ID})
			if err != nil {
				return err
			}
			if workspaceRank[in.Role] > workspaceRank[roles[w.ID]] {
				return Forbidden("an API key's role cannot be above your own (%s)", roles[w.ID])
			}
		}
		return nil
	}
	// A key whose creator's role later falls below it is capped by the
	// projection (its effective role follows the creator's), so nothing
	// decided here needs re-checking inside.
	wr, err := s.authorizedWrite(ctx, p, meta, "apikey.create", authorize, func(tx pgx.Tx) (change, error) {
		k = store.APIKey{
			ID: uuid.Must(uuid.NewV7()), TenantID: w.TenantID, WorkspaceID: w.ID, CreatedBy: p.ID, Name: in.Name, Role: in.Role,
			PublicID: auth.APIKeyPrefix + publicID, SecretHash: auth.HashToken(secret), LastFour: secret[len(secret)-4:], CreatedAt: s.now().UTC(),
		}
		if in.ExpiresAt != nil {
			t := in.ExpiresAt.UTC().Truncate(time.Second)
			k.ExpiresAt = &t
		}
		if err := store.InsertAPIKey(ctx, tx, k); err != nil {
			return change{}, err
		}
		return change{TenantID: w.TenantID, WorkspaceID: &w.ID, Target: "apikey:" + k.ID.String(), Facts: []authz.Fact{authz.APIKeyChanged{Key: k.ID, Workspace: w.ID}}, Details: map[string]any{"role": in.Role}}, nil
	})
	return APIKeyView{APIKey: k, Key: key, WriteResult: wr}, err
}

// ListAPIKeys lists every key of the workspace to owners and admins, and
// their own keys to members.
func (s *Service) ListAPIKeys(ctx context.Context, p *Principal, meta RequestMeta, workspaceID string) ([]store.APIKey, error) {
	w, err := s.visibleWorkspace(ctx, p, meta, workspaceID)
	if err != nil {
		return nil, err
	}
	if err := s.authorize(ctx, p, meta, "apikey.list", w.TenantID, w.ID); err != nil {
		return nil, err
	}
	all, err := s.may(ctx, p, meta, "apikey.list_all", w.TenantID, w.ID)
	if err != nil {
		return nil, err
	}
	var mine *uuid.UUID
	if !all {
		mine = &p.ID
	}
	ks, err := store.ListAPIKeys(ctx, s.Store.Pool, w.ID, mine)
	if ks == nil {
		ks = []store.APIKey{}
	}
	return ks, err
}

// RevokeAPIKey revokes a key (its creator, the workspace's owners and admins).
func (s *Service) RevokeAPIKey(ctx context.Context, p *Principal, meta RequestMeta, workspaceID, keyID string) (WriteResult, error) {
	w, err := s.visibleWorkspace(ctx, p, meta, workspaceID)
	if err != nil {
		return WriteResult{}, err
	}
	kid, err := uuid.Parse(keyID)
	if err != nil || len(keyID) != 36 {
		return WriteResult{}, NotFound("API key")
	}
	authorize := func() error {
		k, err := store.GetAPIKey(ctx, s.Store.Pool, w.ID, kid)
		if errors.Is(err, store.ErrNotFound) || (err == nil && k.RevokedAt != nil) {
			return NotFound("API key")
		}
		if err != nil {
			return err
		}
		return s.authorize(ctx, p, meta, "apikey.revoke", w.TenantID, k.ID)
	}
	return s.authorizedWrite(ctx, p, meta, "apikey.revoke", authorize, func(tx pgx.Tx) (change, error) {
		// Revoking is idempotent: the decision does not depend on
		// anything the transaction could see changed.
		return change{TenantID: w.TenantID, WorkspaceID: &w.ID, Target: "apikey:" + kid.String(), Facts: []authz.Fact{authz.APIKeyChanged{Key: kid, Workspace: w.ID}}},
			store.RevokeAPIKey(ctx, tx, kid)
	})
}

// authenticateAPIKey resolves an API key. A revoked or expired key, or one
// whose creator is disabled or deleted, is refused.
func (s *Service) authenticateAPIKey(ctx context.Context, token string) (*Principal, error) {
	publicID, secret, ok := auth.SplitAPIKey(token)
	if !ok {
		return nil, Unauthenticated("invalid API key")
	}
	k, err := store.APIKeyByPublicID(ctx, s.Store.Pool, auth.APIKeyPrefix+publicID)
	if errors.Is(err, store.ErrNotFound) {
		return nil, Unauthenticated("invalid API key")
	}
	if err != nil {
		return nil, err
	}
	if subtle.ConstantTimeCompare(k.SecretHash, auth.HashToken(secret)) != 1 {
		return nil, Unauthenticated("invalid API key")
	}
	switch {
	case k.RevokedAt != nil:
		return nil, Unauthenticated("this API key was revoked")
	case k.ExpiresAt != nil && !s.now().Before(*k.ExpiresAt):
		return nil, Unauthenticated("this API key has expired")
	}
	creator, err := store.GetUser(ctx, s.Store.Pool, k.CreatedBy)
	if err != nil || creator.Status != store.StatusActive {
		return nil, Unauthenticated("this API key's creator is no longer active")
	}
	if _, err := store.GetWorkspace(ctx, s.Store.Pool, k.WorkspaceID); err != nil {
		return nil, Unauthenticated("this API key's workspace no longer exists")
	}
	if err := store.TouchAPIKey(ctx, s.Store.Pool, k.ID); err != nil {
		s.Log.Warn("api key last_used_at", "err", err)
	}
	return &Principal{Kind: "apikey", ID: k.ID, TenantID: k.TenantID}, nil
}
