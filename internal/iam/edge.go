package iam

import (
	"github.com/gatehouse/gatehouse/internal/iam/core"
	"github.com/gatehouse/gatehouse/internal/store"
)

// What the HTTP edge (internal/httpapi) needs from the floors below iam,
// so that it imports neither store nor authz: the stored objects that use
// cases answer, under their iam names, and whether an error means a
// dependency is down. httpapi converts these into its own wire types; it
// never encodes them.

type (
	User              = store.User
	Tenant            = store.Tenant
	Group             = store.Group
	Assignment        = store.Assignment
	Branch            = store.Branch
	AuditEntry        = store.AuditEntry
	Workspace         = store.Workspace
	Member            = store.Member
	Model             = store.Model
	Deployment        = store.Deployment
	APIKey            = store.APIKey
	ServiceCredential = store.ServiceCredential
)

// IsUnavailable tells whether err means PostgreSQL or SpiceDB is
// unavailable (answered 503 with Retry-After).
func IsUnavailable(err error) bool {
	return core.DependencyFailed(err)
}
