-- +goose Up
-- The global model catalog and the per-workspace whitelist.
CREATE TABLE models (
    id          uuid PRIMARY KEY,
    tenant_id   uuid NOT NULL REFERENCES tenants (id),
    name        text NOT NULL,
    provider    text NOT NULL DEFAULT '',
    created_by  uuid REFERENCES users (id),
    created_at  timestamptz NOT NULL DEFAULT now(),
    deleted_at  timestamptz
);
CREATE UNIQUE INDEX models_name ON models (tenant_id, lower(name)) WHERE deleted_at IS NULL;

CREATE TABLE workspace_models (
    tenant_id     uuid NOT NULL REFERENCES tenants (id),
    workspace_id  uuid NOT NULL REFERENCES workspaces (id),
    model_id      uuid NOT NULL REFERENCES models (id),
    created_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (workspace_id, model_id)
);
CREATE INDEX workspace_models_model ON workspace_models (model_id);

ALTER TABLE deployments ADD COLUMN model_id uuid REFERENCES models (id);
CREATE INDEX deployments_creator ON deployments (created_by);

-- API keys: machine principals of a workspace. Only a hash of the secret
-- is stored.
CREATE TABLE api_keys (
    id            uuid PRIMARY KEY,
    tenant_id     uuid NOT NULL REFERENCES tenants (id),
    workspace_id  uuid NOT NULL REFERENCES workspaces (id),
    created_by    uuid NOT NULL REFERENCES users (id),
    name          text NOT NULL,
    role          text NOT NULL CHECK (role IN ('admin', 'member')),
    public_id     text NOT NULL UNIQUE,
    secret_hash   bytea NOT NULL,
    last_four     text NOT NULL,
    expires_at    timestamptz,
    revoked_at    timestamptz,
    last_used_at  timestamptz,
    created_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX api_keys_workspace ON api_keys (workspace_id, id);
CREATE INDEX api_keys_creator ON api_keys (created_by);

-- +goose Down
DROP TABLE api_keys, workspace_models;
ALTER TABLE deployments DROP COLUMN model_id;
DROP TABLE models;
