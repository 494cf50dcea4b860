-- +goose Up
-- The cache bus (internal/store/bus): replicas cache sessions, users and
-- the tenants' newest tokens in memory, and drop an entry as soon as
-- PostgreSQL tells them it changed. The triggers below tell them, on the
-- channel gatehouse_cache, at the commit of whatever changed the row, so
-- no code path can forget to; a write answers only after every replica
-- holding a lease in cache_replicas has acknowledged a barrier sent after
-- its commit (or that lease has run out).
CREATE TABLE cache_replicas (
    id          uuid PRIMARY KEY,
    lease_until timestamptz NOT NULL,
    started_at  timestamptz NOT NULL DEFAULT now()
);
CREATE SEQUENCE cache_barrier;

-- +goose StatementBegin
CREATE FUNCTION cache_bus_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_TABLE_NAME = 'sessions' THEN
        PERFORM pg_notify('gatehouse_cache', 'session ' || OLD.id::text);
    ELSIF TG_TABLE_NAME = 'users' THEN
        PERFORM pg_notify('gatehouse_cache', 'user ' || OLD.id::text);
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
CREATE TRIGGER projection_tokens_cache_bus AFTER INSERT OR UPDATE OR DELETE ON projection_tokens
    FOR EACH ROW EXECUTE FUNCTION cache_bus_notify();

-- +goose Down
DROP TRIGGER projection_tokens_cache_bus ON projection_tokens;
DROP TRIGGER users_cache_bus ON users;
DROP TRIGGER sessions_cache_bus ON sessions;
DROP FUNCTION cache_bus_notify();
DROP SEQUENCE cache_barrier;
DROP TABLE cache_replicas;
