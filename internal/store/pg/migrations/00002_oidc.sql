-- +goose Up
-- SSO / OIDC: the provider identities linked to users, the pending logins
-- (state, nonce and PKCE verifier kept server-side so any replica can
-- finish a login another one started) and which account groups SSO owns.

-- One provider identity (issuer + subject) belongs to one user; a user has
-- at most one identity per issuer. Rows stay when the user is deleted (the
-- identity then cannot log in any more).
CREATE TABLE external_identities (
    issuer         text NOT NULL,
    subject        text NOT NULL,
    tenant_id      uuid NOT NULL REFERENCES tenants (id),
    user_id        uuid NOT NULL REFERENCES users (id),
    email          text NOT NULL DEFAULT '',
    created_at     timestamptz NOT NULL DEFAULT now(),
    last_login_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (issuer, subject),
    UNIQUE (issuer, user_id)
);
CREATE INDEX external_identities_user ON external_identities (user_id);

-- A login started at /v1/auth/oidc/login, consumed (deleted) by its
-- callback: single use, short-lived. The state is stored hashed.
CREATE TABLE oidc_login_states (
    state_hash     bytea PRIMARY KEY,
    nonce          text NOT NULL,
    pkce_verifier  text NOT NULL,
    created_at     timestamptz NOT NULL DEFAULT now(),
    expires_at     timestamptz NOT NULL
);
CREATE INDEX oidc_login_states_expiry ON oidc_login_states (expires_at);

-- Groups created by SSO group sync: only these lose members when a login's
-- groups claim no longer names them.
ALTER TABLE account_groups ADD COLUMN managed_by_sso boolean NOT NULL DEFAULT false;

-- +goose Down
ALTER TABLE account_groups DROP COLUMN managed_by_sso;
DROP TABLE oidc_login_states;
DROP TABLE external_identities;
