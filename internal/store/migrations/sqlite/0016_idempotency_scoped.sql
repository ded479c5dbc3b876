-- Issue #15 (M4): idempotency keys are now scoped to the signed-in user
-- and hashed (web), expire after 24 hours, and keep an answer only sealed
-- with the vault. Rows written before this held global keys as sent and
-- answers in the clear (requester names, e-mail addresses); they are
-- dropped: a retry of a request older than this migration is a new
-- request, which the 24-hour expiry makes of every request anyway.
DELETE FROM idempotency;
CREATE INDEX idempotency_created_at ON idempotency (created_at);
