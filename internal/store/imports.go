package store

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
)

// ImportSet is what one bulk import stores: new users, new groups, new
// workspaces, and memberships (of groups, new or existing, and of the new
// workspaces). Rows are written with COPY, in the caller's transaction.
type ImportSet struct {
	TenantID     uuid.UUID
	Users        []User
	Groups       []Group
	GroupMembers [][2]uuid.UUID // group, user
	Workspaces   []Workspace
	Members      []Member // in Workspaces only, users only
}

// CopyImport stores an import set. A user whose email a live user of the
// tenant already has, or a group whose name exists, is ErrConflict (the
// unique indexes decide, so a concurrent write cannot slip in between the
// caller's checks and the COPY).
func CopyImport(ctx context.Context, tx pgx.Tx, set ImportSet) error {
	now := time.Now()
	var users, groups, wss, mems [][]any
	for _, u := range set.Users {
		var hash any
		if u.PasswordHash != "" {
			hash = u.PasswordHash
		}
		users = append(users, []any{u.ID, set.TenantID, u.Email, u.Name, u.GlobalRole, u.Status, hash, now, now})
	}
	for _, g := range set.Groups {
		groups = append(groups, []any{g.ID, set.TenantID, g.Name, now})
	}
	for _, w := range set.Workspaces {
		wss = append(wss, []any{w.ID, set.TenantID, w.Name, w.Description, w.CreatedBy, now, now})
	}
	for _, m := range set.Members {
		mems = append(mems, []any{m.ID, set.TenantID, m.WorkspaceID, m.UserID, m.Role, now, now})
	}
	for _, c := range []struct {
		table string
		cols  []string
		rows  [][]any
	}{
		{"users", []string{"id", "tenant_id", "email", "name", "global_role", "status", "password_hash", "created_at", "updated_at"}, users},
		{"account_groups", []string{"id", "tenant_id", "name", "created_at"}, groups},
		{"workspaces", []string{"id", "tenant_id", "name", "description", "created_by", "created_at", "updated_at"}, wss},
		{"workspace_members", []string{"id", "tenant_id", "workspace_id", "user_id", "role", "created_at", "updated_at"}, mems},
	} {
		if len(c.rows) == 0 {
			continue
		}
		if _, err := tx.CopyFrom(ctx, pgx.Identifier{c.table}, c.cols, pgx.CopyFromRows(c.rows)); err != nil {
			return fmt.Errorf("import %s: %w", c.table, classify(err))
		}
	}
	return importGroupMembers(ctx, tx, set)
}

// importGroupMembers adds the set's group memberships (after its users and
// groups exist); one a user already has is kept as it is.
func importGroupMembers(ctx context.Context, tx pgx.Tx, set ImportSet) error {
	if len(set.GroupMembers) == 0 {
		return nil
	}
	groups, users := make([]uuid.UUID, len(set.GroupMembers)), make([]uuid.UUID, len(set.GroupMembers))
	for i, gm := range set.GroupMembers {
		groups[i], users[i] = gm[0], gm[1]
	}
	_, err := tx.Exec(ctx, `INSERT INTO group_members (tenant_id, group_id, user_id)
		SELECT $1, g, u FROM unnest($2::uuid[], $3::uuid[]) AS t(g, u) ON CONFLICT DO NOTHING`, set.TenantID, groups, users)
	if err != nil {
		return fmt.Errorf("import group_members: %w", classify(err))
	}
	return nil
}

// AllowIdleTransaction lifts idle_in_transaction_session_timeout for the
// rest of tx: a bulk import's transaction is idle between its statements
// while the client computes and sends megabytes of rows, which a request's
// transaction never is.
func AllowIdleTransaction(ctx context.Context, tx pgx.Tx) error {
	_, err := tx.Exec(ctx, `SET LOCAL idle_in_transaction_session_timeout = 0`)
	return err
}

// TenantByName finds a tenant by its (case-insensitive) name.
func TenantByName(ctx context.Context, q Q, name string) (Tenant, error) {
	var t Tenant
	err := q.QueryRow(ctx, `SELECT id, name, created_at FROM tenants WHERE lower(name) = lower($1)`, name).Scan(&t.ID, &t.Name, &t.CreatedAt)
	return t, classify(err)
}

// LiveUsersByEmail maps the lower-cased emails of live (not deleted) users
// of a tenant among emails to their ids and statuses.
func LiveUsersByEmail(ctx context.Context, q Q, tenantID uuid.UUID, emails []string) (map[string]User, error) {
	rows, err := q.Query(ctx, `SELECT `+userColsPrefixed("u")+` FROM users u JOIN unnest($2::text[]) AS e(email) ON lower(u.email) = e.email
		WHERE u.tenant_id = $1 AND u.status <> 'deleted'`, tenantID, lowerSet(emails))
	if err != nil {
		return nil, err
	}
	users, err := collectUsers(rows, nil)
	out := make(map[string]User, len(users))
	for _, u := range users {
		out[strings.ToLower(u.Email)] = u
	}
	return out, err
}

// GroupsByName maps the lower-cased names of a tenant's groups among names
// to the groups.
func GroupsByName(ctx context.Context, q Q, tenantID uuid.UUID, names []string) (map[string]Group, error) {
	rows, err := q.Query(ctx, `SELECT g.id, g.tenant_id, g.name, g.created_at FROM account_groups g JOIN unnest($2::text[]) AS n(name) ON lower(g.name) = n.name
		WHERE g.tenant_id = $1`, tenantID, lowerSet(names))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]Group{}
	for rows.Next() {
		var g Group
		if err := rows.Scan(&g.ID, &g.TenantID, &g.Name, &g.CreatedAt); err != nil {
			return nil, err
		}
		out[strings.ToLower(g.Name)] = g
	}
	return out, rows.Err()
}

// lowerSet is the distinct lower-cased values of ss (a join with unnest
// hashes them; = ANY of a long array compares every row with each).
func lowerSet(ss []string) []string {
	seen := make(map[string]bool, len(ss))
	out := make([]string, 0, len(ss))
	for _, s := range ss {
		if l := strings.ToLower(s); !seen[l] {
			seen[l] = true
			out = append(out, l)
		}
	}
	return out
}
