-- +goose Up
-- Custom roles: bundles of global and object permissions (Infrahub's model).
CREATE TABLE roles (
    id           uuid PRIMARY KEY,
    tenant_id    uuid NOT NULL REFERENCES tenants (id),
    name         text NOT NULL,
    description  text NOT NULL DEFAULT '',
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX roles_name ON roles (tenant_id, lower(name));

CREATE TABLE role_permissions (
    role_id     uuid NOT NULL REFERENCES roles (id) ON DELETE CASCADE,
    tenant_id   uuid NOT NULL REFERENCES tenants (id),
    identifier  text NOT NULL,
    PRIMARY KEY (role_id, identifier)
);
CREATE INDEX role_permissions_tenant ON role_permissions (tenant_id);

CREATE TABLE role_assignments (
    id          uuid PRIMARY KEY,
    tenant_id   uuid NOT NULL REFERENCES tenants (id),
    role_id     uuid NOT NULL REFERENCES roles (id) ON DELETE CASCADE,
    user_id     uuid REFERENCES users (id),
    group_id    uuid REFERENCES account_groups (id) ON DELETE CASCADE,
    created_at  timestamptz NOT NULL DEFAULT now(),
    CHECK ((user_id IS NULL) <> (group_id IS NULL))
);
CREATE UNIQUE INDEX role_assignments_user ON role_assignments (role_id, user_id) WHERE user_id IS NOT NULL;
CREATE UNIQUE INDEX role_assignments_group ON role_assignments (role_id, group_id) WHERE group_id IS NOT NULL;
CREATE INDEX role_assignments_by_user ON role_assignments (user_id);
CREATE INDEX role_assignments_by_group ON role_assignments (group_id);

-- +goose Down
DROP TABLE role_assignments, role_permissions, roles;
