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
	"github.com/gatehouse/gatehouse/internal/store"
)

// ServiceInput is POST /v1/service-credentials.
type ServiceInput struct {
	Name string
}

// ServiceView is a credential; Key is set only when it is created.
type ServiceView struct {
	store.ServiceCredential
	Key string
	core.WriteResult
}

// CreateService creates a service credential for the caller's tenant
// (manage_tenant). Services may check and look up any subject of the tenant.
func (s *Service) CreateService(ctx context.Context, p *core.Principal, meta core.RequestMeta, in ServiceInput) (ServiceView, error) {
	if err := core.ValidName("name", in.Name, 200); err != nil {
		return ServiceView{}, err
	}
	token, publicID, secret := auth.NewCredential(auth.ServicePrefix)
	var c store.ServiceCredential
	wr, err := s.AuthorizedWrite(ctx, p, meta, "service_credential.create", func() error {
		return s.Authorize(ctx, p, meta, "service_credential.create", p.TenantID, p.TenantID)
	}, func(tx pgx.Tx) (core.Change, error) {
		c = store.ServiceCredential{ID: uuid.Must(uuid.NewV7()), TenantID: p.TenantID, Name: in.Name, PublicID: auth.ServicePrefix + publicID,
			SecretHash: auth.HashToken(secret), LastFour: secret[len(secret)-4:], CreatedAt: s.Now().UTC()}
		if err := store.InsertService(ctx, tx, c, p.ID); err != nil {
			return core.Change{}, err
		}
		return core.Change{TenantID: p.TenantID, Target: "service:" + c.ID.String(),
			Facts: []authz.Fact{authz.ServiceChanged{Tenant: p.TenantID, Service: c.ID}}}, nil
	})
	return ServiceView{ServiceCredential: c, Key: token, WriteResult: wr}, err
}

// ListServices lists the tenant's credentials (manage_tenant).
func (s *Service) ListServices(ctx context.Context, p *core.Principal, meta core.RequestMeta) ([]store.ServiceCredential, error) {
	if err := s.Authorize(ctx, p, meta, "service_credential.list", p.TenantID, p.TenantID); err != nil {
		return nil, err
	}
	cs, err := store.ListServices(ctx, s.Store.Pool, p.TenantID)
	if cs == nil {
		cs = []store.ServiceCredential{}
	}
	return cs, err
}

// RevokeService revokes a credential.
func (s *Service) RevokeService(ctx context.Context, p *core.Principal, meta core.RequestMeta, id string) (core.WriteResult, error) {
	sid, err := uuid.Parse(id)
	if err != nil || len(id) != 36 {
		return core.WriteResult{}, core.NotFound("service credential")
	}
	authorize := func() error {
		return s.Authorize(ctx, p, meta, "service_credential.revoke", p.TenantID, p.TenantID)
	}
	return s.AuthorizedWrite(ctx, p, meta, "service_credential.revoke", authorize, func(tx pgx.Tx) (core.Change, error) {
		c, err := store.GetService(ctx, tx, sid)
		if err != nil || c.TenantID != p.TenantID || c.RevokedAt != nil {
			return core.Change{}, errors.Join(core.Missing(err, "service credential"), core.NotFound("service credential"))
		}
		return core.Change{TenantID: p.TenantID, Target: "service:" + c.ID.String(),
			Facts: []authz.Fact{authz.ServiceChanged{Tenant: p.TenantID, Service: c.ID}}}, store.RevokeService(ctx, tx, c.ID)
	})
}

// AuthenticateService resolves a service credential; a revoked one, or
// one that is not a credential, is unauthenticated.
func (s *Service) AuthenticateService(ctx context.Context, token string) (*core.Principal, error) {
	publicID, secret, ok := auth.SplitSecret(token, auth.ServicePrefix)
	if !ok {
		return nil, core.Unauthenticated("invalid service credential")
	}
	c, err := s.serviceBySecret(ctx, auth.ServicePrefix+publicID, secret)
	if errors.Is(err, store.ErrNotFound) {
		return nil, core.Unauthenticated("invalid service credential")
	}
	if err != nil {
		return nil, err
	}
	if c.RevokedAt != nil {
		return nil, core.Unauthenticated("this service credential was revoked")
	}
	// last_used_at moves at most once a minute: most checks skip the
	// statement (the database's clock decides in TouchService).
	if c.LastUsedAt == nil || s.Now().Sub(*c.LastUsedAt) >= time.Minute {
		if err := store.TouchService(ctx, s.Store.Pool, c.ID); err != nil {
			s.Log.Warn("service credential last_used_at", "err", err)
		}
	}
	return &core.Principal{Kind: "service", ID: c.ID, TenantID: c.TenantID}, nil
}

// serviceBySecret reads the credential a token names and verifies its
// secret (ErrNotFound when either fails), from the cache when it holds it.
// Only a verified credential is cached, so whoever knows a public id but
// not its secret can neither fill nor churn the cache. A revocation
// reaches the cache through the cache bus before it is answered;
// TouchService's update makes the next use read it again.
func (s *Service) serviceBySecret(ctx context.Context, publicID, secret string) (store.ServiceCredential, error) {
	c, hit := s.Caches.Services.Get(publicID)
	var gen uint64
	cache := false
	if !hit {
		gen, cache = s.Caches.Services.Snapshot()
		var err error
		if c, err = store.ServiceByPublicID(ctx, s.Store.Pool, publicID); err != nil {
			return c, err
		}
	}
	if subtle.ConstantTimeCompare(c.SecretHash, auth.HashToken(secret)) != 1 {
		return store.ServiceCredential{}, store.ErrNotFound
	}
	if cache {
		s.Caches.Services.Put(gen, publicID, c, core.ServiceTag(c.ID))
	}
	return c, nil
}
