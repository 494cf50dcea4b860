-- +goose Up
-- Infrahub's further rules (SPEC §2.3a).
--
-- Branches of a tenant with their status. A name that is not registered is
-- an open branch; only merged and need_rebase branches are projected into
-- SpiceDB as frozen (branch#merged / branch#need_rebase).
CREATE TABLE branches (
    tenant_id   uuid NOT NULL REFERENCES tenants (id),
    name        text NOT NULL CHECK (name ~ '^[A-Za-z0-9][A-Za-z0-9._/-]{0,254}$'),
    status      text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'merged', 'need_rebase')),
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, name)
);

-- Kinds guarded by a global action, generic kinds, and the generics a kind
-- inherits from ("Namespace:Name" of kinds of the same tenant). The new
-- columns have defaults, so rows inserted without them are plain kinds.
ALTER TABLE kinds
    ADD COLUMN guarded_by    text,
    ADD COLUMN generic       boolean NOT NULL DEFAULT false,
    ADD COLUMN inherits_from text[] NOT NULL DEFAULT '{}';

-- +goose Down
ALTER TABLE kinds DROP COLUMN inherits_from, DROP COLUMN generic, DROP COLUMN guarded_by;
DROP TABLE branches;
