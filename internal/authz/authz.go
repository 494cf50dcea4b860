// Package authz is the only place that talks to SpiceDB: the client and
// the schema migration (client.go), the projector and outbox relay that
// apply the projection (projector.go), bulk import (import.go), checks and
// lookups (check.go), consistency tokens (token.go) and reconcile
// (reconcile.go).
//
// What the projection is, objects, relationships, units, the facts use
// cases record and the relationships each unit must hold, lives in
// [projection], which needs no SpiceDB. This file re-exports it, so
// callers keep naming authz.Fact, authz.MembershipChanged, authz.Obj:
// the types are aliases (identical types, not copies) and the functions
// thin wrappers.
package authz

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/gatehouse/gatehouse/internal/authz/projection"
	"github.com/gatehouse/gatehouse/internal/store"
)

// The projection's vocabulary.
type (
	Object = projection.Object
	Rel    = projection.Rel
	Unit   = projection.Unit
	Fact   = projection.Fact
)

// The facts.
type (
	TenantCreated          = projection.TenantCreated
	UserChanged            = projection.UserChanged
	GroupCreated           = projection.GroupCreated
	GroupDeleted           = projection.GroupDeleted
	GroupMembershipChanged = projection.GroupMembershipChanged
	Imported               = projection.Imported
	RoleChanged            = projection.RoleChanged
	RoleDeleted            = projection.RoleDeleted
	RoleAssignmentChanged  = projection.RoleAssignmentChanged
	KindChanged            = projection.KindChanged
	BranchChanged          = projection.BranchChanged
	ModelChanged           = projection.ModelChanged
	ModelWhitelistChanged  = projection.ModelWhitelistChanged
	DeploymentChanged      = projection.DeploymentChanged
	WorkspaceCreated       = projection.WorkspaceCreated
	WorkspaceDeleted       = projection.WorkspaceDeleted
	MembershipChanged      = projection.MembershipChanged
	APIKeyChanged          = projection.APIKeyChanged
	ServiceChanged         = projection.ServiceChanged
)

var (
	// PlatformObject is projection.PlatformObject.
	PlatformObject = projection.PlatformObject
	// AnyUser is projection.AnyUser.
	AnyUser = projection.AnyUser
	// ProjectedTypes is projection.ProjectedTypes.
	ProjectedTypes = projection.ProjectedTypes
	// AllFacts is projection.AllFacts.
	AllFacts = projection.AllFacts
)

// Obj is projection.Obj.
func Obj(typ string, id fmt.Stringer) Object { return projection.Obj(typ, id) }

// KindObject is projection.KindObject.
func KindObject(tenantID fmt.Stringer, namespace, name string) Object {
	return projection.KindObject(tenantID, namespace, name)
}

// BranchObject is projection.BranchObject.
func BranchObject(tenantID fmt.Stringer, name string) Object {
	return projection.BranchObject(tenantID, name)
}

// Whole is projection.Whole.
func Whole(resource Object) Unit { return projection.Whole(resource) }

// Pair is projection.Pair.
func Pair(resource, subject Object) Unit { return projection.Pair(resource, subject) }

// EncodeUnits is projection.EncodeUnits.
func EncodeUnits(units []Unit) (json.RawMessage, error) { return projection.EncodeUnits(units) }

// DecodeUnits is projection.DecodeUnits.
func DecodeUnits(raw []byte) ([]Unit, error) { return projection.DecodeUnits(raw) }

// EncodeFacts is projection.EncodeFacts.
func EncodeFacts(facts []Fact) (json.RawMessage, error) { return projection.EncodeFacts(facts) }

// UnitsOf is projection.UnitsOf.
func UnitsOf(ctx context.Context, q store.Q, facts []Fact) ([]Unit, error) {
	return projection.UnitsOf(ctx, q, facts)
}

// Desired is projection.Desired.
func Desired(ctx context.Context, q store.Q, u Unit) ([]Rel, error) {
	return projection.Desired(ctx, q, u)
}

// DesiredAll is projection.DesiredAll.
func DesiredAll(ctx context.Context, q store.Q, resourceType string) ([]Rel, error) {
	return projection.DesiredAll(ctx, q, resourceType)
}
