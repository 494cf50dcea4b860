-- +goose Up
-- The projection epoch: a counter that moves (nextval) whenever anything may
-- have changed what SpiceDB holds: every outbox entry applied (or an apply
-- that failed after it may have written), every tenant token set after a
-- bulk import, every schema write. Cached check answers (iam's decision
-- cache) are keyed on it together with the tenant's newest token, read in
-- one statement (store.TenantFreshness): an answer is replayed only while
-- no change of any tenant has been applied since it was computed. A
-- sequence, not a row, so that concurrent applies never wait on each other
-- for it; its value is read with last_value.
CREATE SEQUENCE projection_epoch AS bigint;

-- +goose Down
DROP SEQUENCE projection_epoch;
