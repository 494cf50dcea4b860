package store

import (
	"context"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
)

// ExternalIdentity links a provider identity (issuer + subject) to a user.
type ExternalIdentity struct {
	Issuer   string
	Subject  string
	TenantID uuid.UUID
	UserID   uuid.UUID
	Email    string
}

// ExternalIdentityFor loads the identity linked to (issuer, subject).
func ExternalIdentityFor(ctx context.Context, q Q, issuer, subject string) (ExternalIdentity, error) {
	var e ExternalIdentity
	err := q.QueryRow(ctx, `SELECT issuer, subject, tenant_id, user_id, email FROM external_identities WHERE issuer = $1 AND subject = $2`, issuer, subject).
		Scan(&e.Issuer, &e.Subject, &e.TenantID, &e.UserID, &e.Email)
	return e, classify(err)
}

// InsertExternalIdentity links a provider identity to a user; an identity
// already linked, or a user already linked to another identity of the same
// issuer, is ErrConflict.
func InsertExternalIdentity(ctx context.Context, q Q, e ExternalIdentity) error {
	_, err := q.Exec(ctx, `INSERT INTO external_identities (issuer, subject, tenant_id, user_id, email) VALUES ($1, $2, $3, $4, $5)`,
		e.Issuer, e.Subject, e.TenantID, e.UserID, e.Email)
	return classify(err)
}

// TouchExternalIdentity records a login of the identity.
func TouchExternalIdentity(ctx context.Context, q Q, issuer, subject, email string) error {
	_, err := q.Exec(ctx, `UPDATE external_identities SET last_login_at = now(), email = $3 WHERE issuer = $1 AND subject = $2`, issuer, subject, email)
	return err
}

// HasExternalIdentity reports whether a user is linked to any provider identity.
func HasExternalIdentity(ctx context.Context, q Q, userID uuid.UUID) (bool, error) {
	var ok bool
	err := q.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM external_identities WHERE user_id = $1)`, userID).Scan(&ok)
	return ok, err
}

// LockExternalIdentity serialises concurrent logins of one provider identity
// until the transaction ends (two first logins provision one user).
func LockExternalIdentity(ctx context.Context, tx pgx.Tx, issuer, subject string) error {
	_, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtextextended('gatehouse.oidc ' || $1 || ' ' || $2, 0))`, issuer, subject)
	return err
}

// OIDCLoginState is a pending SSO login.
type OIDCLoginState struct {
	Nonce        string
	PKCEVerifier string
	ExpiresAt    time.Time
}

// InsertOIDCLoginState stores a pending login by the hash of its state and
// drops the ones that expired long ago.
func InsertOIDCLoginState(ctx context.Context, q Q, stateHash []byte, s OIDCLoginState) error {
	if _, err := q.Exec(ctx, `DELETE FROM oidc_login_states WHERE expires_at < now() - interval '1 hour'`); err != nil {
		return err
	}
	_, err := q.Exec(ctx, `INSERT INTO oidc_login_states (state_hash, nonce, pkce_verifier, expires_at) VALUES ($1, $2, $3, $4)`,
		stateHash, s.Nonce, s.PKCEVerifier, s.ExpiresAt)
	return classify(err)
}

// ConsumeOIDCLoginState deletes and returns a pending login (single use),
// expired or not; ErrNotFound when unknown or already used.
func ConsumeOIDCLoginState(ctx context.Context, q Q, stateHash []byte) (OIDCLoginState, error) {
	var s OIDCLoginState
	err := q.QueryRow(ctx, `DELETE FROM oidc_login_states WHERE state_hash = $1 RETURNING nonce, pkce_verifier, expires_at`, stateHash).
		Scan(&s.Nonce, &s.PKCEVerifier, &s.ExpiresAt)
	return s, classify(err)
}
