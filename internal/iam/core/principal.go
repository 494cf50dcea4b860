package core

import (
	"github.com/google/uuid"

	"github.com/gatehouse/gatehouse/internal/authz"
	"github.com/gatehouse/gatehouse/internal/store"
)

// Principal is the authenticated caller.
type Principal struct {
	Kind      string // "user", "apikey" or "service"
	ID        uuid.UUID
	TenantID  uuid.UUID
	User      *store.User // for users
	SessionID uuid.UUID   // for session logins

	// tenantToken is the newest consistency token of the caller's tenant,
	// read with the credential at authentication (nil: not read). Only
	// read-only use cases (checks, lookups) use it, in place of reading it
	// again: no write of the request can have moved it.
	tenantToken *string
}

// WithTenantToken records the newest consistency token of p's tenant, read
// with p's credential at authentication, and returns p.
func (p *Principal) WithTenantToken(token string) *Principal {
	p.tenantToken = &token
	return p
}

// KnownTenantToken is the token WithTenantToken recorded, if any.
func (p *Principal) KnownTenantToken() (string, bool) {
	if p == nil || p.tenantToken == nil {
		return "", false
	}
	return *p.tenantToken, true
}

// Subject is the caller as a SpiceDB subject.
func (p Principal) Subject() authz.Object { return authz.Obj(p.Kind, p.ID) }

// Actor is how the caller appears in the audit log.
func (p Principal) Actor() string { return p.Kind + ":" + p.ID.String() }

// RequestMeta is what the audit log records of a request.
type RequestMeta struct {
	RequestID  string
	ClientAddr string
	// ConsistencyToken is the ZedToken sealed in the
	// Gatehouse-Consistency-Token request header, verified by the HTTP
	// layer (Kernel.OpenToken) before it gets here.
	ConsistencyToken string
}
