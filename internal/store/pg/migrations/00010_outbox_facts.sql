-- +goose Up
-- The outbox records what a write changed in the domain's words (typed
-- facts: membership_changed, user_changed, ...) beside the projection units
-- derived from them (internal/authz/facts.go). Entries written before this
-- migration have no facts; their units are all the relay needs.
ALTER TABLE outbox ADD COLUMN facts jsonb;

-- +goose Down
ALTER TABLE outbox DROP COLUMN facts;
