-- +goose Up
CREATE TABLE tenants (
    id          uuid PRIMARY KEY,
    name        text NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX tenants_name ON tenants (lower(name));

CREATE TABLE users (
    id             uuid PRIMARY KEY,
    tenant_id      uuid NOT NULL REFERENCES tenants (id),
    email          text NOT NULL,
    name           text NOT NULL,
    global_role    text NOT NULL CHECK (global_role IN ('superadmin', 'admin', 'member')),
    status         text NOT NULL CHECK (status IN ('invited', 'active', 'disabled', 'deleted')),
    password_hash  text,
    created_at     timestamptz NOT NULL DEFAULT now(),
    updated_at     timestamptz NOT NULL DEFAULT now(),
    deleted_at     timestamptz
);
-- An email belongs to one live user; a deleted user frees it.
CREATE UNIQUE INDEX users_email_live ON users (lower(email)) WHERE status <> 'deleted';
CREATE INDEX users_tenant ON users (tenant_id, id);

CREATE TABLE invitations (
    id          uuid PRIMARY KEY,
    tenant_id   uuid NOT NULL REFERENCES tenants (id),
    user_id     uuid NOT NULL REFERENCES users (id),
    token_hash  bytea NOT NULL UNIQUE,
    created_by  uuid REFERENCES users (id),
    created_at  timestamptz NOT NULL DEFAULT now(),
    expires_at  timestamptz NOT NULL,
    used_at     timestamptz,
    revoked_at  timestamptz
);

CREATE TABLE sessions (
    id          uuid PRIMARY KEY,
    tenant_id   uuid NOT NULL REFERENCES tenants (id),
    user_id     uuid NOT NULL REFERENCES users (id),
    token_hash  bytea NOT NULL UNIQUE,
    created_at  timestamptz NOT NULL DEFAULT now(),
    expires_at  timestamptz NOT NULL,
    revoked_at  timestamptz
);
CREATE INDEX sessions_user ON sessions (user_id);

CREATE TABLE kinds (
    tenant_id   uuid NOT NULL REFERENCES tenants (id),
    namespace   text NOT NULL,
    name        text NOT NULL,
    builtin     boolean NOT NULL DEFAULT false,
    created_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, namespace, name)
);

CREATE TABLE account_groups (
    id          uuid PRIMARY KEY,
    tenant_id   uuid NOT NULL REFERENCES tenants (id),
    name        text NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX account_groups_name ON account_groups (tenant_id, lower(name));

CREATE TABLE group_members (
    tenant_id   uuid NOT NULL REFERENCES tenants (id),
    group_id    uuid NOT NULL REFERENCES account_groups (id) ON DELETE CASCADE,
    user_id     uuid NOT NULL REFERENCES users (id),
    created_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (group_id, user_id)
);
CREATE INDEX group_members_user ON group_members (user_id);

CREATE TABLE workspaces (
    id           uuid PRIMARY KEY,
    tenant_id    uuid NOT NULL REFERENCES tenants (id),
    name         text NOT NULL,
    description  text NOT NULL DEFAULT '',
    created_by   uuid REFERENCES users (id),
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now(),
    deleted_at   timestamptz
);
CREATE INDEX workspaces_tenant ON workspaces (tenant_id, id) WHERE deleted_at IS NULL;

CREATE TABLE workspace_members (
    id            uuid PRIMARY KEY,
    tenant_id     uuid NOT NULL REFERENCES tenants (id),
    workspace_id  uuid NOT NULL REFERENCES workspaces (id),
    user_id       uuid REFERENCES users (id),
    group_id      uuid REFERENCES account_groups (id),
    role          text NOT NULL CHECK (role IN ('owner', 'admin', 'member')),
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now(),
    CHECK ((user_id IS NULL) <> (group_id IS NULL))
);
CREATE UNIQUE INDEX workspace_members_user ON workspace_members (workspace_id, user_id) WHERE user_id IS NOT NULL;
CREATE UNIQUE INDEX workspace_members_group ON workspace_members (workspace_id, group_id) WHERE group_id IS NOT NULL;
CREATE INDEX workspace_members_by_user ON workspace_members (user_id);

CREATE TABLE deployments (
    id            uuid PRIMARY KEY,
    tenant_id     uuid NOT NULL REFERENCES tenants (id),
    workspace_id  uuid NOT NULL REFERENCES workspaces (id),
    name          text NOT NULL,
    created_by    uuid REFERENCES users (id),
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now(),
    deleted_at    timestamptz
);
CREATE INDEX deployments_workspace ON deployments (workspace_id, id) WHERE deleted_at IS NULL;

-- The transactional outbox: every change of an administrative fact names
-- the projection units (SpiceDB objects, or object/subject pairs) whose
-- relationships must be recomputed from the current PostgreSQL state.
CREATE TABLE outbox (
    id               bigserial PRIMARY KEY,
    tenant_id        uuid NOT NULL,
    units            jsonb NOT NULL,
    created_at       timestamptz NOT NULL DEFAULT now(),
    applied_at       timestamptz,
    zed_token        text,
    attempts         integer NOT NULL DEFAULT 0,
    next_attempt_at  timestamptz NOT NULL DEFAULT now(),
    last_error       text
);
CREATE INDEX outbox_pending ON outbox (next_attempt_at, id) WHERE applied_at IS NULL;

-- Newest consistency token answered per tenant: checks without an explicit
-- consistency are at least as fresh as it.
CREATE TABLE projection_tokens (
    tenant_id   uuid PRIMARY KEY,
    zed_token   text NOT NULL,
    updated_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE audit_log (
    id            bigserial PRIMARY KEY,
    tenant_id     uuid,
    workspace_id  uuid,
    actor         text NOT NULL,
    action        text NOT NULL,
    target        text NOT NULL DEFAULT '',
    outcome       text NOT NULL,
    request_id    text NOT NULL DEFAULT '',
    client_addr   text NOT NULL DEFAULT '',
    details       jsonb NOT NULL DEFAULT '{}',
    created_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX audit_log_tenant ON audit_log (tenant_id, id);

-- +goose StatementBegin
CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_log is append-only (% refused)', TG_OP;
END;
$$;
-- +goose StatementEnd
CREATE TRIGGER audit_log_no_update BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only();

-- +goose Down
DROP TABLE audit_log, projection_tokens, outbox, deployments, workspace_members, workspaces,
    group_members, account_groups, kinds, sessions, invitations, users, tenants;
DROP FUNCTION audit_log_append_only;
