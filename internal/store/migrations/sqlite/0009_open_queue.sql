-- The open queue (issue #12). Finished requests outnumber open ones many
-- times over and keep growing; in due order most of them come first (their
-- due dates are past), so the queue index alone made every open page step
-- over the whole history. This index holds the open requests only; its
-- WHERE is the very text of the queries' "open" condition (openCondition
-- in request.go), which is how both databases know it applies.
CREATE INDEX requests_open_queue ON requests (COALESCE(due, '9999-12-31'), id)
    WHERE status NOT IN ('released', 'partially_released', 'denied', 'cancelled', 'closed');
