-- +goose Up
-- Failed-login throttling shared by every replica (SPEC §1.4): one counter
-- per (key, minute bucket). A key is the SHA-256 of a client address, or of
-- a client address and an account's email, so the table holds no emails or
-- addresses and every key has the same small size whatever was sent. Rows
-- older than the window are deleted as logins go (store.PruneLoginAttempts),
-- so the table holds at most the attempts of the last window.
CREATE TABLE login_attempts (
    key_hash      bytea NOT NULL CHECK (octet_length(key_hash) = 32),
    bucket_start  timestamptz NOT NULL,
    failures      integer NOT NULL,
    PRIMARY KEY (key_hash, bucket_start)
);
CREATE INDEX login_attempts_bucket ON login_attempts (bucket_start);

-- Emails are unique within a tenant, not across tenants (SPEC §1.4): a
-- tenant cannot learn from a 409 that an email exists elsewhere, nor squat
-- another tenant's address. Email first, so a login by email alone (no
-- tenant given) uses the index too.
DROP INDEX users_email_live;
CREATE UNIQUE INDEX users_email_live ON users (lower(email), tenant_id) WHERE status <> 'deleted';

-- Tenant names are not unique either: a tenant admin's rename must not tell
-- them that another tenant has the name. Tenants are identified by id; a
-- login may name its tenant by id or by (case-insensitive) name.
DROP INDEX tenants_name;
CREATE INDEX tenants_name ON tenants (lower(name));

-- +goose Down
DROP INDEX tenants_name;
CREATE UNIQUE INDEX tenants_name ON tenants (lower(name));
DROP INDEX users_email_live;
CREATE UNIQUE INDEX users_email_live ON users (lower(email)) WHERE status <> 'deleted';
DROP TABLE login_attempts;
