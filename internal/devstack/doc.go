// Package devstack starts the throwaway PostgreSQL cluster and the real
// SpiceDB (the version pinned in go.mod) that `gatehouse dev` and the test
// suite run against. Every process it starts dies with its parent.
package devstack
