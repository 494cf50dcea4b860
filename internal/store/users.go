package store

import (
	"context"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
)

// UserFilter selects users for a list.
type UserFilter struct {
	TenantID uuid.UUID
	Query    string // substring of email or name
	Role     string
	Status   string // "" = every status but deleted
	After    uuid.UUID
	Limit    int
}

// ListUsers lists a tenant's users ordered by id, after a cursor.
func ListUsers(ctx context.Context, q Q, f UserFilter) ([]User, error) {
	like := "%" + strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(f.Query) + "%"
	rows, err := q.Query(ctx, `SELECT `+userCols+` FROM users
		WHERE tenant_id = $1
		  AND ($2 = '' OR email ILIKE $3 OR name ILIKE $3)
		  AND ($4 = '' OR global_role = $4)
		  AND (($5 = '' AND status <> 'deleted') OR status = $5)
		  AND id > $6
		ORDER BY id LIMIT $7`, f.TenantID, f.Query, like, f.Role, f.Status, f.After, f.Limit)
	return collectUsers(rows, err)
}

// UpdateUserProfile changes name and email.
func UpdateUserProfile(ctx context.Context, q Q, id uuid.UUID, name, email string) error {
	_, err := q.Exec(ctx, `UPDATE users SET name = $2, email = $3, updated_at = now() WHERE id = $1`, id, name, email)
	return classify(err)
}

// SetUserRole changes the global role.
func SetUserRole(ctx context.Context, q Q, id uuid.UUID, role string) error {
	_, err := q.Exec(ctx, `UPDATE users SET global_role = $2, updated_at = now() WHERE id = $1`, id, role)
	return err
}

// SetUserStatus changes the status; deleting also stamps deleted_at.
func SetUserStatus(ctx context.Context, q Q, id uuid.UUID, status string) error {
	_, err := q.Exec(ctx, `UPDATE users SET status = $2, updated_at = now(),
		deleted_at = CASE WHEN $2 = 'deleted' THEN now() ELSE deleted_at END WHERE id = $1`, id, status)
	return classify(err)
}

// LockSuperadmins row-locks every active superadmin and counts them, so two
// concurrent demotions cannot both pass the last-superadmin rule.
func LockSuperadmins(ctx context.Context, q Q) (int, error) {
	rows, err := q.Query(ctx, `SELECT id FROM users WHERE global_role = 'superadmin' AND status = 'active' FOR UPDATE`)
	if err != nil {
		return 0, err
	}
	defer rows.Close()
	n := 0
	for rows.Next() {
		n++
	}
	return n, rows.Err()
}

// collectUsers reads the users a query returned (rows and err are the
// query's results).
func collectUsers(rows pgx.Rows, err error) ([]User, error) {
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []User
	for rows.Next() {
		u, err := scanUser(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, u)
	}
	return out, rows.Err()
}

// User is a global user of one tenant.
type User struct {
	ID           uuid.UUID
	TenantID     uuid.UUID
	Email        string
	Name         string
	GlobalRole   string
	Status       string
	PasswordHash string
	CreatedAt    time.Time
	UpdatedAt    time.Time
}

// User statuses.
const (
	StatusInvited  = "invited"
	StatusActive   = "active"
	StatusDisabled = "disabled"
	StatusDeleted  = "deleted"
)

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

func userColsPrefixed(p string) string {
	return p + `.id, ` + p + `.tenant_id, ` + p + `.email, ` + p + `.name, ` + p + `.global_role, ` + p + `.status, coalesce(` + p + `.password_hash, ''), ` + p + `.created_at, ` + p + `.updated_at`
}
