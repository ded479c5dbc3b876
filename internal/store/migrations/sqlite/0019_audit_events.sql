-- The ledger read as FHIR AuditEvents (internal/audit, docs/INTEGRATION.md):
-- a security team searches it by patient, by actor and by date, each in
-- ledger order, so each search walks an index rather than the whole
-- ledger. (ledger_patient_kind serves the accounting, by kind.)
CREATE INDEX ledger_patient_seq ON ledger (patient_id, seq);
CREATE INDEX ledger_actor_seq ON ledger (actor, seq);
CREATE INDEX ledger_at ON ledger (at);

-- How far the forwarder to a syslog/ATNA collector has got: the last
-- ledger entry the collector acknowledged by accepting it, per destination
-- name. It only moves forward.
CREATE TABLE audit_forward (
  name TEXT PRIMARY KEY,
  seq  INTEGER NOT NULL DEFAULT 0,
  at   TEXT NOT NULL DEFAULT ''
);
