package store

import (
	"context"
	"time"

	"github.com/google/uuid"
)

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

// RevokeUserInvitations revokes every open invitation of a user.
func RevokeUserInvitations(ctx context.Context, q Q, userID uuid.UUID) (int64, error) {
	tag, err := q.Exec(ctx, `UPDATE invitations SET revoked_at = now() WHERE user_id = $1 AND used_at IS NULL AND revoked_at IS NULL`, userID)
	return tag.RowsAffected(), err
}
