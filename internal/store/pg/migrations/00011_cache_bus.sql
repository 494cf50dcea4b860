-- +goose Up
-- The cache bus (internal/store/bus): replicas cache sessions, users and
-- service credentials, API keys and the tenants' newest tokens in memory, and drop an entry as soon as
-- PostgreSQL tells them it changed. The triggers below tell them, on the
-- channel gatehouse_cache, at the commit of whatever changed the row, so
-- no code path can forget to; a write answers only after every replica
-- holding a lease in cache_replicas has acknowledged a barrier sent after
-- its commit (or that lease has run out).
CREATE TABLE cache_replicas (
    id          uuid PRIMARY KEY,
    lease_until timestamptz NOT NULL,
    -- when the replica last (re)started listening, having dropped all it
    -- held: a barrier sent before that needs no acknowledgement from it.
    since       timestamptz NOT NULL DEFAULT now()
);
CREATE SEQUENCE cache_barrier;

-- +goose StatementBegin
CREATE FUNCTION cache_bus_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_TABLE_NAME = 'sessions' THEN
        PERFORM pg_notify('gatehouse_cache', 'session ' || OLD.id::text);
    ELSIF TG_TABLE_NAME = 'users' THEN
        PERFORM pg_notify('gatehouse_cache', 'user ' || OLD.id::text);
    ELSIF TG_TABLE_NAME = 'service_credentials' THEN
        PERFORM pg_notify('gatehouse_cache', 'service ' || OLD.id::text);
    ELSIF TG_TABLE_NAME = 'api_keys' THEN
        PERFORM pg_notify('gatehouse_cache', 'apikey ' || OLD.id::text);
    ELSIF TG_TABLE_NAME = 'workspaces' THEN
        PERFORM pg_notify('gatehouse_cache', 'workspace ' || OLD.id::text);
    ELSIF TG_OP = 'DELETE' THEN
        PERFORM pg_notify('gatehouse_cache', 'tenant ' || OLD.tenant_id::text);
    ELSE
        PERFORM pg_notify('gatehouse_cache', 'tenant ' || NEW.tenant_id::text);
    END IF;
    RETURN NULL;
END
$$;
-- +goose StatementEnd

CREATE TRIGGER sessions_cache_bus AFTER UPDATE OR DELETE ON sessions
    FOR EACH ROW EXECUTE FUNCTION cache_bus_notify();
CREATE TRIGGER users_cache_bus AFTER UPDATE OR DELETE ON users
    FOR EACH ROW EXECUTE FUNCTION cache_bus_notify();
CREATE TRIGGER service_credentials_cache_bus AFTER UPDATE OR DELETE ON service_credentials
    FOR EACH ROW EXECUTE FUNCTION cache_bus_notify();
CREATE TRIGGER api_keys_cache_bus AFTER UPDATE OR DELETE ON api_keys
    FOR EACH ROW EXECUTE FUNCTION cache_bus_notify();
CREATE TRIGGER workspaces_cache_bus AFTER UPDATE OR DELETE ON workspaces
    FOR EACH ROW EXECUTE FUNCTION cache_bus_notify();
CREATE TRIGGER projection_tokens_cache_bus AFTER INSERT OR UPDATE OR DELETE ON projection_tokens
    FOR EACH ROW EXECUTE FUNCTION cache_bus_notify();

-- +goose Down
DROP TRIGGER projection_tokens_cache_bus ON projection_tokens;
DROP TRIGGER workspaces_cache_bus ON workspaces;
DROP TRIGGER api_keys_cache_bus ON api_keys;
DROP TRIGGER service_credentials_cache_bus ON service_credentials;
DROP TRIGGER users_cache_bus ON users;
DROP TRIGGER sessions_cache_bus ON sessions;
DROP FUNCTION cache_bus_notify();
DROP SEQUENCE cache_barrier;
DROP TABLE cache_replicas;
