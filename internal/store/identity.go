package store

import (
	"context"
	"time"

	"github.com/google/uuid"
)

// Tenant is an organization.
type Tenant struct {
	ID        uuid.UUID `json:"id"`
	Name      string    `json:"name"`
	CreatedAt time.Time `json:"created_at"`
}

// User is a global user of one tenant.
type User struct {
	ID           uuid.UUID `json:"id"`
	TenantID     uuid.UUID `json:"tenant_id"`
	Email        string    `json:"email"`
	Name         string    `json:"name"`
	GlobalRole   string    `json:"global_role"`
	Status       string    `json:"status"`
	PasswordHash string    `json:"-"`
	CreatedAt    time.Time `json:"created_at"`
	UpdatedAt    time.Time `json:"updated_at"`
}

// User statuses.
const (
	StatusInvited  = "invited"
	StatusActive   = "active"
	StatusDisabled = "disabled"
	StatusDeleted  = "deleted"
)

// LockBootstrap serialises bootstraps (replicas starting at once) until
// the caller's transaction ends.
func LockBootstrap(ctx context.Context, q Q) error {
	_, err := q.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtextextended('gatehouse.bootstrap', 0))`)
	return err
}

// CountTenants counts tenants.
func CountTenants(ctx context.Context, q Q) (int, error) {
	var n int
	err := q.QueryRow(ctx, `SELECT count(*) FROM tenants`).Scan(&n)
	return n, err
}

// InsertTenant stores a tenant and its built-in kinds.
func InsertTenant(ctx context.Context, q Q, t Tenant, builtinKinds [][2]string) error {
	if _, err := q.Exec(ctx, `INSERT INTO tenants (id, name) VALUES ($1, $2)`, t.ID, t.Name); err != nil {
		return classify(err)
	}
	for _, k := range builtinKinds {
		if _, err := q.Exec(ctx, `INSERT INTO kinds (tenant_id, namespace, name, builtin) VALUES ($1, $2, $3, true)`, t.ID, k[0], k[1]); err != nil {
			return classify(err)
		}
	}
	return nil
}

// GetTenant loads a tenant.
func GetTenant(ctx context.Context, q Q, id uuid.UUID) (Tenant, error) {
	var t Tenant
	err := q.QueryRow(ctx, `SELECT id, name, created_at FROM tenants WHERE id = $1`, id).Scan(&t.ID, &t.Name, &t.CreatedAt)
	return t, classify(err)
}

const userCols = `id, tenant_id, email, name, global_role, status, coalesce(password_hash, ''), created_at, updated_at`

func scanUser(row interface{ Scan(...any) error }) (User, error) {
	var u User
	err := row.Scan(&u.ID, &u.TenantID, &u.Email, &u.Name, &u.GlobalRole, &u.Status, &u.PasswordHash, &u.CreatedAt, &u.UpdatedAt)
	return u, classify(err)
}

// InsertUser stores a user; a live user with the same email is ErrConflict.
func InsertUser(ctx context.Context, q Q, u User) error {
	var hash any
	if u.PasswordHash != "" {
		hash = u.PasswordHash
	}
	_, err := q.Exec(ctx, `INSERT INTO users (id, tenant_id, email, name, global_role, status, password_hash)
		VALUES ($1, $2, $3, $4, $5, $6, $7)`, u.ID, u.TenantID, u.Email, u.Name, u.GlobalRole, u.Status, hash)
	return classify(err)
}

// GetUser loads a user by id (any status).
func GetUser(ctx context.Context, q Q, id uuid.UUID) (User, error) {
	return scanUser(q.QueryRow(ctx, `SELECT `+userCols+` FROM users WHERE id = $1`, id))
}

// GetUserForUpdate loads and row-locks a user.
func GetUserForUpdate(ctx context.Context, q Q, id uuid.UUID) (User, error) {
	return scanUser(q.QueryRow(ctx, `SELECT `+userCols+` FROM users WHERE id = $1 FOR UPDATE`, id))
}

// GetLiveUserByEmail loads the tenant's non-deleted user with this email
// (emails are unique within a tenant, not across tenants).
func GetLiveUserByEmail(ctx context.Context, q Q, tenantID uuid.UUID, email string) (User, error) {
	return scanUser(q.QueryRow(ctx, `SELECT `+userCols+` FROM users WHERE lower(email) = lower($1) AND tenant_id = $2 AND status <> 'deleted'`, email, tenantID))
}

// LoginUsers lists the non-deleted users with this email, in every tenant
// or, when tenant is set, in the tenants it names: the tenant's id, or
// (case-insensitively) its name. At most limit users are listed.
func LoginUsers(ctx context.Context, q Q, email, tenant string, limit int) ([]User, error) {
	var byID *uuid.UUID
	if id, err := uuid.Parse(tenant); err == nil && len(tenant) == 36 {
		byID = &id
	}
	rows, err := q.Query(ctx, `SELECT `+userCols+` FROM users
		WHERE lower(email) = lower($1) AND status <> 'deleted'
		  AND ($2 = '' OR tenant_id = $3 OR ($3::uuid IS NULL AND tenant_id IN (SELECT id FROM tenants WHERE lower(name) = lower($2))))
		ORDER BY id LIMIT $4`, email, tenant, byID, limit)
	return collectUsers(rows, err)
}

// ActivateUser sets the password and makes the user active.
func ActivateUser(ctx context.Context, q Q, id uuid.UUID, passwordHash, name string) error {
	_, err := q.Exec(ctx, `UPDATE users SET status = 'active', password_hash = $2, name = CASE WHEN $3 = '' THEN name ELSE $3 END, updated_at = now() WHERE id = $1`, id, passwordHash, name)
	return classify(err)
}

// Session is a login session.
type Session struct {
	ID        uuid.UUID
	TenantID  uuid.UUID
	UserID    uuid.UUID
	ExpiresAt time.Time
}

// InsertSession stores a session by the hash of its token.
func InsertSession(ctx context.Context, q Q, s Session, tokenHash []byte) error {
	_, err := q.Exec(ctx, `INSERT INTO sessions (id, tenant_id, user_id, token_hash, expires_at) VALUES ($1, $2, $3, $4, $5)`,
		s.ID, s.TenantID, s.UserID, tokenHash, s.ExpiresAt)
	return classify(err)
}

// SessionUser returns the user of a live session (not expired, not revoked).
//
// The same statement reads the newest consistency token of the user's
// tenant (TenantToken's answer, "" when none): a check by the session's
// user needs it, and one statement per check is cheaper than two.
func SessionUser(ctx context.Context, q Q, tokenHash []byte) (Session, User, string, error) {
	var s Session
	row := q.QueryRow(ctx, `SELECT s.id, s.tenant_id, s.user_id, s.expires_at, `+userColsPrefixed("u")+`, coalesce(pt.zed_token, '')
		FROM sessions s JOIN users u ON u.id = s.user_id
		LEFT JOIN projection_tokens pt ON pt.tenant_id = u.tenant_id
		WHERE s.token_hash = $1 AND s.revoked_at IS NULL AND s.expires_at > now()`, tokenHash)
	var u User
	var token string
	err := row.Scan(&s.ID, &s.TenantID, &s.UserID, &s.ExpiresAt,
		&u.ID, &u.TenantID, &u.Email, &u.Name, &u.GlobalRole, &u.Status, &u.PasswordHash, &u.CreatedAt, &u.UpdatedAt, &token)
	return s, u, token, classify(err)
}

func userColsPrefixed(p string) string {
	return p + `.id, ` + p + `.tenant_id, ` + p + `.email, ` + p + `.name, ` + p + `.global_role, ` + p + `.status, coalesce(` + p + `.password_hash, ''), ` + p + `.created_at, ` + p + `.updated_at`
}

// RevokeSession ends one session.
func RevokeSession(ctx context.Context, q Q, id uuid.UUID) error {
	_, err := q.Exec(ctx, `UPDATE sessions SET revoked_at = now() WHERE id = $1 AND revoked_at IS NULL`, id)
	return err
}

// Invitation is a pending invitation of a user.
type Invitation struct {
	ID        uuid.UUID
	TenantID  uuid.UUID
	UserID    uuid.UUID
	ExpiresAt time.Time
	UsedAt    *time.Time
	RevokedAt *time.Time
}

// InsertInvitation stores an invitation by the hash of its token.
func InsertInvitation(ctx context.Context, q Q, inv Invitation, tokenHash []byte, createdBy *uuid.UUID) error {
	_, err := q.Exec(ctx, `INSERT INTO invitations (id, tenant_id, user_id, token_hash, created_by, expires_at) VALUES ($1, $2, $3, $4, $5, $6)`,
		inv.ID, inv.TenantID, inv.UserID, tokenHash, createdBy, inv.ExpiresAt)
	return classify(err)
}

// InvitationForUpdate loads and locks an invitation by token hash.
func InvitationForUpdate(ctx context.Context, q Q, tokenHash []byte) (Invitation, error) {
	var inv Invitation
	err := q.QueryRow(ctx, `SELECT id, tenant_id, user_id, expires_at, used_at, revoked_at FROM invitations WHERE token_hash = $1 FOR UPDATE`, tokenHash).
		Scan(&inv.ID, &inv.TenantID, &inv.UserID, &inv.ExpiresAt, &inv.UsedAt, &inv.RevokedAt)
	return inv, classify(err)
}

// MarkInvitationUsed consumes an invitation.
func MarkInvitationUsed(ctx context.Context, q Q, id uuid.UUID) error {
	_, err := q.Exec(ctx, `UPDATE invitations SET used_at = now() WHERE id = $1`, id)
	return err
}
