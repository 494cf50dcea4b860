// Package projection holds the PostgreSQL reads the SpiceDB projection is
// computed from, and the projector's outbox bookkeeping; internal/authz is
// its only caller. It builds on internal/store (Q, the row types shared
// with the table families) and internal/store/pg (Classify, collectors).
//
// One file per table family, as in internal/store: the Live*, Active*,
// Undeleted* and *Facts queries read what a projection unit holds; every
// filter of those is optional (nil = all), so the same query serves one
// projection unit and a full reconcile. The *IDs, *Parents and
// *CreatedBy queries list the objects a change touches (the units of a
// fact). standing.go holds the cross-family reads of what users and
// groups hold whatever the user's status (the Link edges). outbox.go is
// the projector's side of the outbox: due entries, row and advisory locks,
// marking entries failed or applied by the same SpiceDB write (group
// commit); entries are written (InsertOutbox) and a single apply recorded
// (MarkOutboxApplied) in internal/store.
//
// A few projection reads stay in internal/store because internal/iam reads
// them too: LiveDeployments, Groups, Kinds, RoleHolders, and the subjects
// of a tenant (subjects.go).
package projection
