-- +goose Up
-- Two epochs instead of one. projection_epoch (00007) still moves whenever
-- anything may have changed what SpiceDB holds, except for an apply the
-- projector proved additive: every update a TOUCH of a relationship
-- SpiceDB did not hold, of a relation no permission reaches through an
-- exclusion's subtracted side (authz.Additivity). Such an apply moves
-- projection_additions instead. So an "allowed" answer stays the answer
-- while projection_epoch has not moved; any other answer while neither has
-- (with the tenant's newest token). Code of the release before this one
-- moves projection_epoch for every change, which only makes allowed answers
-- expire sooner.
CREATE SEQUENCE projection_additions AS bigint;

-- An apply that may revoke records its tenant here, committed, before its
-- SpiceDB write, and deletes it in the transaction that marks the entry
-- applied (which moves projection_epoch). When the applier dies between
-- the two, the next apply of the tenant finds the row and moves
-- projection_epoch even if its own change is additive.
CREATE TABLE projection_revoking (
    tenant_id  uuid PRIMARY KEY,
    created_at timestamptz NOT NULL DEFAULT now()
);

-- +goose Down
DROP TABLE projection_revoking;
DROP SEQUENCE projection_additions;
