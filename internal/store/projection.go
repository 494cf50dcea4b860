package store

import (
	"context"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
)

// The queries below read the administrative facts that the SpiceDB
// projection is computed from. Every filter is optional (nil = all), so the
// same query serves one projection unit and a full reconcile.

// TenantIDs lists live tenants.
func TenantIDs(ctx context.Context, q Q, tenantID *uuid.UUID) ([]uuid.UUID, error) {
	return collectIDs(q.Query(ctx, `SELECT id FROM tenants WHERE ($1::uuid IS NULL OR id = $1) ORDER BY id`, tenantID))
}

// UserRoleFact is an active user's global role.
type UserRoleFact struct {
	TenantID, UserID uuid.UUID
	Role             string
}

// ActiveUserRoles lists active users with their global role.
func ActiveUserRoles(ctx context.Context, q Q, tenantID, userID *uuid.UUID, role string) ([]UserRoleFact, error) {
	rows, err := q.Query(ctx, `SELECT tenant_id, id, global_role FROM users
		WHERE status = 'active' AND ($1::uuid IS NULL OR tenant_id = $1) AND ($2::uuid IS NULL OR id = $2)
		  AND ($3 = '' OR global_role = $3)
		ORDER BY tenant_id, id`, tenantID, userID, role)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (UserRoleFact, error) {
		var f UserRoleFact
		err := r.Scan(&f.TenantID, &f.UserID, &f.Role)
		return f, err
	})
}

// KindFact is a registered kind.
type KindFact struct {
	TenantID        uuid.UUID
	Namespace, Name string
	Builtin         bool
	// GuardedBy is the global action guarding the kind ("" when none);
	// Generic kinds may be inherited from; InheritsFrom names generics
	// ("Namespace:Name") of the same tenant.
	GuardedBy    string
	Generic      bool
	InheritsFrom []string
}

// Kinds lists registered kinds.
func Kinds(ctx context.Context, q Q, tenantID *uuid.UUID, namespace, name string) ([]KindFact, error) {
	rows, err := q.Query(ctx, `SELECT tenant_id, namespace, name, builtin, coalesce(guarded_by, ''), generic, inherits_from FROM kinds
		WHERE ($1::uuid IS NULL OR tenant_id = $1) AND ($2 = '' OR namespace = $2) AND ($3 = '' OR name = $3)
		ORDER BY tenant_id, namespace, name`, tenantID, namespace, name)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (KindFact, error) {
		var f KindFact
		err := r.Scan(&f.TenantID, &f.Namespace, &f.Name, &f.Builtin, &f.GuardedBy, &f.Generic, &f.InheritsFrom)
		return f, err
	})
}

// OwnedFact is an object and the tenant it belongs to.
type OwnedFact struct{ ID, TenantID uuid.UUID }

// LiveWorkspaces lists live workspaces.
func LiveWorkspaces(ctx context.Context, q Q, workspaceID *uuid.UUID) ([]OwnedFact, error) {
	return collectOwned(q.Query(ctx, `SELECT id, tenant_id FROM workspaces
		WHERE deleted_at IS NULL AND ($1::uuid IS NULL OR id = $1) ORDER BY id`, workspaceID))
}

// Groups lists account groups.
func Groups(ctx context.Context, q Q, groupID *uuid.UUID) ([]OwnedFact, error) {
	return collectOwned(q.Query(ctx, `SELECT id, tenant_id FROM account_groups WHERE ($1::uuid IS NULL OR id = $1) ORDER BY id`, groupID))
}

// MemberFact is a membership whose subject is an active user or a group.
type MemberFact struct {
	ParentID uuid.UUID
	UserID   *uuid.UUID
	GroupID  *uuid.UUID
	Role     string
}

// LiveWorkspaceMembers lists memberships of live workspaces held by active
// users or by groups; subject filters are optional.
func LiveWorkspaceMembers(ctx context.Context, q Q, workspaceID, userID, groupID *uuid.UUID) ([]MemberFact, error) {
	rows, err := q.Query(ctx, `SELECT m.workspace_id, m.user_id, m.group_id, m.role
		FROM workspace_members m
		JOIN workspaces w ON w.id = m.workspace_id AND w.deleted_at IS NULL
		LEFT JOIN users u ON u.id = m.user_id
		WHERE (m.group_id IS NOT NULL OR u.status = 'active')
		  AND ($1::uuid IS NULL OR m.workspace_id = $1)
		  AND ($2::uuid IS NULL OR m.user_id = $2)
		  AND ($3::uuid IS NULL OR m.group_id = $3)
		ORDER BY m.workspace_id, m.id`, workspaceID, userID, groupID)
	if err != nil {
		return nil, err
	}
	return collectMembers(rows)
}

// ActiveGroupMembers lists active users of account groups.
func ActiveGroupMembers(ctx context.Context, q Q, groupID, userID *uuid.UUID) ([]MemberFact, error) {
	rows, err := q.Query(ctx, `SELECT gm.group_id, gm.user_id, NULL::uuid, 'member'
		FROM group_members gm JOIN users u ON u.id = gm.user_id AND u.status = 'active'
		WHERE ($1::uuid IS NULL OR gm.group_id = $1) AND ($2::uuid IS NULL OR gm.user_id = $2)
		ORDER BY gm.group_id, gm.user_id`, groupID, userID)
	if err != nil {
		return nil, err
	}
	return collectMembers(rows)
}

// UserMembershipParents lists what a user's facts touch: the workspaces and
// groups they are a direct member of.
func UserMembershipParents(ctx context.Context, q Q, userID uuid.UUID) (workspaces, groups []uuid.UUID, err error) {
	workspaces, err = collectIDs(q.Query(ctx, `SELECT workspace_id FROM workspace_members WHERE user_id = $1`, userID))
	if err != nil {
		return nil, nil, err
	}
	groups, err = collectIDs(q.Query(ctx, `SELECT group_id FROM group_members WHERE user_id = $1`, userID))
	return workspaces, groups, err
}

// DeploymentsCreatedBy lists the deployments a user created.
func DeploymentsCreatedBy(ctx context.Context, q Q, userID uuid.UUID) ([]uuid.UUID, error) {
	return collectIDs(q.Query(ctx, `SELECT id FROM deployments WHERE created_by = $1`, userID))
}

func collectMembers(rows pgx.Rows) ([]MemberFact, error) {
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (MemberFact, error) {
		var f MemberFact
		err := r.Scan(&f.ParentID, &f.UserID, &f.GroupID, &f.Role)
		return f, err
	})
}

func collectIDs(rows pgx.Rows, err error) ([]uuid.UUID, error) {
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, pgx.RowTo[uuid.UUID])
}

func collectOwned(rows pgx.Rows, err error) ([]OwnedFact, error) {
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (OwnedFact, error) {
		var f OwnedFact
		err := r.Scan(&f.ID, &f.TenantID)
		return f, err
	})
}

// DeploymentFact is a live deployment of a live workspace.
type DeploymentFact struct {
	ID, WorkspaceID uuid.UUID
	CreatedBy       *uuid.UUID
}

// LiveDeployments lists live deployments of live workspaces.
func LiveDeployments(ctx context.Context, q Q, deploymentID *uuid.UUID) ([]DeploymentFact, error) {
	rows, err := q.Query(ctx, `SELECT d.id, d.workspace_id, u.id
		FROM deployments d
		JOIN workspaces w ON w.id = d.workspace_id AND w.deleted_at IS NULL
		LEFT JOIN users u ON u.id = d.created_by AND u.status = 'active'
		WHERE d.deleted_at IS NULL AND ($1::uuid IS NULL OR d.id = $1) ORDER BY d.id`, deploymentID)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (DeploymentFact, error) {
		var f DeploymentFact
		err := r.Scan(&f.ID, &f.WorkspaceID, &f.CreatedBy)
		return f, err
	})
}
