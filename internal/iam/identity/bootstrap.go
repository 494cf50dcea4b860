package identity

import (
	"context"
	"crypto/rand"
	"encoding/base64"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/gatehouse/gatehouse/internal/auth"
	"github.com/gatehouse/gatehouse/internal/authz"
	"github.com/gatehouse/gatehouse/internal/iam/core"
	"github.com/gatehouse/gatehouse/internal/perm"
	"github.com/gatehouse/gatehouse/internal/store"
)

// BootstrapResult tells what the first start created.
type BootstrapResult struct {
	Created  bool
	TenantID uuid.UUID
	Email    string
	// Password is set only when it was generated (printed once).
	Password string
	core.WriteResult
}

// Bootstrap creates the default tenant and its superadmin when no tenant
// exists yet. Several replicas may start at once: one creates, the others
// see it.
func (s *Service) Bootstrap(ctx context.Context, email, password string) (BootstrapResult, error) {
	if n, err := store.CountTenants(ctx, s.Store.Pool); err != nil || n > 0 {
		return BootstrapResult{}, err
	}
	res := BootstrapResult{Email: email}
	if email == "" {
		res.Email = "admin@gatehouse.local"
	}
	if password == "" {
		b := make([]byte, 18)
		_, _ = rand.Read(b)
		password = base64.RawURLEncoding.EncodeToString(b)
		res.Password = password
	} else if err := s.Config.PasswordPolicy.Check(password); err != nil {
		return res, core.Invalid("GATEHOUSE_BOOTSTRAP_PASSWORD", "%v", err)
	}
	if err := core.ValidEmail(res.Email); err != nil {
		return res, core.Invalid("GATEHOUSE_BOOTSTRAP_EMAIL", "%v", err)
	}
	hash, err := auth.HashPassword(password)
	if err != nil {
		return res, err
	}
	wr, err := s.Write(ctx, nil, core.RequestMeta{RequestID: "bootstrap"}, "tenant.bootstrap", func(tx pgx.Tx) (core.Change, error) {
		if err := store.LockBootstrap(ctx, tx); err != nil {
			return core.Change{}, err
		}
		n, err := store.CountTenants(ctx, tx)
		if err != nil || n > 0 {
			return core.Change{}, errAlreadyBootstrapped
		}
		tenant := store.Tenant{ID: uuid.Must(uuid.NewV7()), Name: "default"}
		if err := insertTenant(ctx, tx, tenant); err != nil {
			return core.Change{}, err
		}
		user := store.User{
			ID: uuid.Must(uuid.NewV7()), TenantID: tenant.ID, Email: res.Email, Name: "Superadmin",
			GlobalRole: string(perm.RoleSuperadmin), Status: store.StatusActive, PasswordHash: hash,
		}
		if err := store.InsertUser(ctx, tx, user); err != nil {
			return core.Change{}, err
		}
		res.Created, res.TenantID = true, tenant.ID
		return core.Change{TenantID: tenant.ID, Target: "tenant:" + tenant.ID.String(),
			Facts: []authz.Fact{authz.TenantCreated{Tenant: tenant.ID}, authz.UserChanged{User: user.ID}}}, nil
	})
	if err == errAlreadyBootstrapped {
		return BootstrapResult{}, nil
	}
	res.WriteResult = wr
	return res, err
}

var errAlreadyBootstrapped = &core.Error{Kind: core.KindConflict, Code: "already_bootstrapped", Message: "already bootstrapped"}

// insertTenant stores a tenant with its built-in kinds (the fact
// authz.TenantCreated).
func insertTenant(ctx context.Context, tx pgx.Tx, t store.Tenant) error {
	var kinds [][2]string
	for _, k := range perm.BuiltinKinds {
		kinds = append(kinds, [2]string{k.Namespace, k.Name})
	}
	return store.InsertTenant(ctx, tx, t, kinds)
}
