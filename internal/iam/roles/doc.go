// Package roles owns the permission model a tenant administers: the
// built-in roles, custom roles and their permissions, role assignments,
// groups (holders of roles), and the kinds that permissions name
// (Infrahub's model). It changes who holds what; deciding a check on it
// is the access package's job.
package roles
