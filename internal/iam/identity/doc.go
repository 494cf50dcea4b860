// Package identity owns who a caller is: tenants, users and their
// lifecycle (invitation, acceptance, administration), sessions and
// password logins with their limiter, OIDC single sign-on, the first
// superadmin (bootstrap) and the audit log a tenant reads. Everything that
// authenticates ends here as a core.Principal; machine credentials are
// delegated to the credential domain.
package identity
