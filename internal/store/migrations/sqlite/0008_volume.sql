-- Volume (issue #12). "Sensitive in scope" is kept per request so the
-- queue need not read every listed patient's chart: NULL means not yet
-- worked out (a new request, or the chart or its labels changed), and the
-- desk fills it in before it lists requests.
ALTER TABLE requests ADD COLUMN sensitive INTEGER;
-- chart_gen counts the changes to the chart since: a value worked out from
-- an older chart is not stored over a newer change.
ALTER TABLE requests ADD COLUMN chart_gen INTEGER NOT NULL DEFAULT 0;
CREATE INDEX requests_sensitive_stale ON requests (id) WHERE sensitive IS NULL;
-- The queue is read a page at a time in due order (no due date last), then
-- by id: the same expression as the queries' ORDER BY.
CREATE INDEX requests_queue ON requests (COALESCE(due, '9999-12-31'), id);
-- A request's history and its access log are the ledger entries for the
-- request with and without the views.
CREATE INDEX ledger_request_kind ON ledger (request_id, kind, seq);
DROP INDEX ledger_request;
