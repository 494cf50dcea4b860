-- +goose Up
-- Service credentials: machine principals of a tenant for platform
-- services that call the check and lookup APIs about any subject.
CREATE TABLE service_credentials (
    id            uuid PRIMARY KEY,
    tenant_id     uuid NOT NULL REFERENCES tenants (id),
    name          text NOT NULL,
    public_id     text NOT NULL UNIQUE,
    secret_hash   bytea NOT NULL,
    last_four     text NOT NULL,
    created_by    uuid REFERENCES users (id),
    created_at    timestamptz NOT NULL DEFAULT now(),
    revoked_at    timestamptz,
    last_used_at  timestamptz
);
CREATE INDEX service_credentials_tenant ON service_credentials (tenant_id, id);

-- +goose Down
DROP TABLE service_credentials;
