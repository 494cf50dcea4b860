// Package workspace owns workspaces and their members: creating, listing,
// updating and deleting workspaces, adding, changing and removing members,
// and transferring ownership. A workspace's role (owner, admin, member) is
// the unit every workspace-scoped resource (deployments, whitelisted
// models, API keys) rests on, so the other domains ask this one which
// workspace a caller sees and with which role; it asks no other domain.
package workspace
