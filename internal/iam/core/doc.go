// Package core is the kernel every IAM domain package shares: the write
// pipeline (authorize before BEGIN; fact, outbox entry and audit entry in
// one PostgreSQL transaction; then the projection to SpiceDB), the policy
// table and the helpers that consult it (Authorize, May, MayOn,
// RuleCheck), the caller (Principal, RequestMeta), the domain errors, the
// pagination cursors and the validation helpers.
//
// It knows no domain: a rule, a write or an error means the same thing in
// every domain package, so it lives here once. The domain packages
// (identity, workspace, access, roles, catalog, credential) embed Kernel
// in their Service and never import each other's internals.
package core
