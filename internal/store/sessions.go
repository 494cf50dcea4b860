package store

import (
	"context"
	"time"

	"github.com/google/uuid"
)

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

// RevokeSession ends one session.
func RevokeSession(ctx context.Context, q Q, id uuid.UUID) error {
	_, err := q.Exec(ctx, `UPDATE sessions SET revoked_at = now() WHERE id = $1 AND revoked_at IS NULL`, id)
	return err
}

// RevokeUserSessions ends every session of a user.
func RevokeUserSessions(ctx context.Context, q Q, userID uuid.UUID) error {
	_, err := q.Exec(ctx, `UPDATE sessions SET revoked_at = now() WHERE user_id = $1 AND revoked_at IS NULL`, userID)
	return err
}
