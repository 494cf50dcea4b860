package credential

import (
	"context"
	"crypto/subtle"
	"errors"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/gatehouse/gatehouse/internal/auth"
	"github.com/gatehouse/gatehouse/internal/authz"
	"github.com/gatehouse/gatehouse/internal/iam/core"
	"github.com/gatehouse/gatehouse/internal/iam/workspace"
	"github.com/gatehouse/gatehouse/internal/store"
)

// APIKeyInput is POST /v1/workspaces/{id}/api-keys.
type APIKeyInput struct {
	Name      string
	Role      string
	ExpiresAt *time.Time
}

// APIKeyView is a key; Key (the secret) is set only in the answer that
// creates it.
type APIKeyView struct {
	store.APIKey
	Key string
	core.WriteResult
}

var workspaceRank = map[string]int{workspace.RoleMember: 1, workspace.RoleAdmin: 2, workspace.RoleOwner: 3}

// CreateAPIKey creates a key for the calling user with a role no higher
// than their own in the workspace (a superadmin may pick any role).
func (s *Service) CreateAPIKey(ctx context.Context, p *core.Principal, meta core.RequestMeta, workspaceID string, in APIKeyInput) (APIKeyView, error) {
	if err := core.ValidName("name", in.Name, 200); err != nil {
		return APIKeyView{}, err
	}
	if in.Role != workspace.RoleAdmin && in.Role != workspace.RoleMember {
		return APIKeyView{}, core.Invalid("role", "unknown API key role %q (want admin or member)", core.Truncate(in.Role))
	}
	if in.ExpiresAt != nil && !in.ExpiresAt.After(s.Now()) {
		return APIKeyView{}, core.Invalid("expires_at", "must be in the future")
	}
	w, err := s.workspaces.VisibleWorkspace(ctx, p, meta, workspaceID)
	if err != nil {
		return APIKeyView{}, err
	}
	if p.Kind != "user" {
		return APIKeyView{}, core.Forbidden("API keys are created by users")
	}
	key, publicID, secret := auth.NewAPIKey()
	var k store.APIKey
	authorize := func() error {
		if err := s.Authorize(ctx, p, meta, "apikey.create", w.TenantID, w.ID); err != nil {
			return err
		}
		sup, err := s.Superadmin(ctx, p, meta)
		if err != nil {
			return err
		}
		if !sup {
			roles, err := s.workspaces.EffectiveRoles(ctx, p, meta, w.TenantID, []uuid.UUID{w.ID})
			if err != nil {
				return err
			}
			if workspaceRank[in.Role] > workspaceRank[roles[w.ID]] {
				return core.Forbidden("an API key's role cannot be above your own (%s)", roles[w.ID])
			}
		}
		return nil
	}
	// A key whose creator's role later falls below it is capped by the
	// projection (its effective role follows the creator's), so nothing
	// decided here needs re-checking inside.
	wr, err := s.AuthorizedWrite(ctx, p, meta, "apikey.create", authorize, func(tx pgx.Tx) (core.Change, error) {
		k = store.APIKey{
			ID: uuid.Must(uuid.NewV7()), TenantID: w.TenantID, WorkspaceID: w.ID, CreatedBy: p.ID, Name: in.Name, Role: in.Role,
			PublicID: auth.APIKeyPrefix + publicID, SecretHash: auth.HashToken(secret), LastFour: secret[len(secret)-4:], CreatedAt: s.Now().UTC(),
		}
		if in.ExpiresAt != nil {
			t := in.ExpiresAt.UTC().Truncate(time.Second)
			k.ExpiresAt = &t
		}
		if err := store.InsertAPIKey(ctx, tx, k); err != nil {
			return core.Change{}, err
		}
		return core.Change{TenantID: w.TenantID, WorkspaceID: &w.ID, Target: "apikey:" + k.ID.String(), Facts: []authz.Fact{authz.APIKeyChanged{Key: k.ID, Workspace: w.ID}}, Details: map[string]any{"role": in.Role}}, nil
	})
	return APIKeyView{APIKey: k, Key: key, WriteResult: wr}, err
}

// ListAPIKeys lists every key of the workspace to owners and admins, and
// their own keys to members.
func (s *Service) ListAPIKeys(ctx context.Context, p *core.Principal, meta core.RequestMeta, workspaceID string) ([]store.APIKey, error) {
	w, err := s.workspaces.VisibleWorkspace(ctx, p, meta, workspaceID)
	if err != nil {
		return nil, err
	}
	if err := s.Authorize(ctx, p, meta, "apikey.list", w.TenantID, w.ID); err != nil {
		return nil, err
	}
	all, err := s.May(ctx, p, meta, "apikey.list_all", w.TenantID, w.ID)
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
func (s *Service) RevokeAPIKey(ctx context.Context, p *core.Principal, meta core.RequestMeta, workspaceID, keyID string) (core.WriteResult, error) {
	w, err := s.workspaces.VisibleWorkspace(ctx, p, meta, workspaceID)
	if err != nil {
		return core.WriteResult{}, err
	}
	kid, err := uuid.Parse(keyID)
	if err != nil || len(keyID) != 36 {
		return core.WriteResult{}, core.NotFound("API key")
	}
	authorize := func() error {
		k, err := store.GetAPIKey(ctx, s.Store.Pool, w.ID, kid)
		if errors.Is(err, store.ErrNotFound) || (err == nil && k.RevokedAt != nil) {
			return core.NotFound("API key")
		}
		if err != nil {
			return err
		}
		return s.Authorize(ctx, p, meta, "apikey.revoke", w.TenantID, k.ID)
	}
	return s.AuthorizedWrite(ctx, p, meta, "apikey.revoke", authorize, func(tx pgx.Tx) (core.Change, error) {
		// Revoking is idempotent: the decision does not depend on
		// anything the transaction could see changed.
		return core.Change{TenantID: w.TenantID, WorkspaceID: &w.ID, Target: "apikey:" + kid.String(), Facts: []authz.Fact{authz.APIKeyChanged{Key: kid, Workspace: w.ID}}},
			store.RevokeAPIKey(ctx, tx, kid)
	})
}

// AuthenticateAPIKey resolves an API key. A revoked or expired key, or one
// whose creator is disabled or deleted, is refused.
func (s *Service) AuthenticateAPIKey(ctx context.Context, token string) (*core.Principal, error) {
	publicID, secret, ok := auth.SplitAPIKey(token)
	if !ok {
		return nil, core.Unauthenticated("invalid API key")
	}
	pub := auth.APIKeyPrefix + publicID
	k, hit := s.Caches.APIKeys.Get(pub)
	gen, cache := s.Caches.APIKeys.Snapshot()
	var err error
	if !hit {
		k, err = store.APIKeyByPublicID(ctx, s.Store.Pool, pub)
	}
	if errors.Is(err, store.ErrNotFound) {
		return nil, core.Unauthenticated("invalid API key")
	}
	if err != nil {
		return nil, err
	}
	if subtle.ConstantTimeCompare(k.SecretHash, auth.HashToken(secret)) != 1 {
		return nil, core.Unauthenticated("invalid API key")
	}
	switch {
	case k.RevokedAt != nil:
		return nil, core.Unauthenticated("this API key was revoked")
	case k.ExpiresAt != nil && !s.Now().Before(*k.ExpiresAt):
		return nil, core.Unauthenticated("this API key has expired")
	}
	if !hit {
		// A cached key had an active creator and a live workspace when it
		// was read; a change of either drops it (the cache bus).
		creator, err := store.GetUser(ctx, s.Store.Pool, k.CreatedBy)
		if err != nil || creator.Status != store.StatusActive {
			return nil, core.Unauthenticated("this API key's creator is no longer active")
		}
		if _, err := store.GetWorkspace(ctx, s.Store.Pool, k.WorkspaceID); err != nil {
			return nil, core.Unauthenticated("this API key's workspace no longer exists")
		}
		if cache {
			s.Caches.APIKeys.Put(gen, pub, k, core.APIKeyTag(k.ID), core.UserTag(k.CreatedBy), core.WorkspaceTag(k.WorkspaceID))
		}
	}
	// last_used_at moves at most once a minute (the database's clock
	// decides in TouchAPIKey); the update drops the cached key.
	if k.LastUsedAt == nil || s.Now().Sub(*k.LastUsedAt) >= time.Minute {
		if err := store.TouchAPIKey(ctx, s.Store.Pool, k.ID); err != nil {
			s.Log.Warn("api key last_used_at", "err", err)
		}
	}
	return &core.Principal{Kind: "apikey", ID: k.ID, TenantID: k.TenantID}, nil
}
