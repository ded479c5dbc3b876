CREATE TABLE patients (
  id          INTEGER PRIMARY KEY,
  fhir_id     TEXT NOT NULL UNIQUE,
  mrn         TEXT NOT NULL DEFAULT '',
  name        TEXT NOT NULL DEFAULT '',
  birth_date  TEXT,
  death_date  TEXT,
  emancipated INTEGER NOT NULL DEFAULT 0,
  created_at  TEXT NOT NULL
);
CREATE INDEX patients_mrn ON patients (mrn);

CREATE TABLE chart_items (
  id         INTEGER PRIMARY KEY,
  patient_id INTEGER NOT NULL REFERENCES patients (id),
  item_key   TEXT NOT NULL,
  item_date  TEXT NOT NULL,
  item_type  TEXT NOT NULL,
  title      TEXT NOT NULL DEFAULT '',
  labels     TEXT NOT NULL DEFAULT '',
  source     TEXT NOT NULL DEFAULT '',
  UNIQUE (patient_id, item_key)
);

CREATE TABLE counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL);
INSERT INTO counters (name, value) VALUES ('request', 0);

CREATE TABLE requests (
  id                INTEGER PRIMARY KEY,
  number            TEXT NOT NULL UNIQUE,
  patient_id        INTEGER NOT NULL REFERENCES patients (id),
  type              TEXT NOT NULL,
  received          TEXT NOT NULL,
  requester_kind    TEXT NOT NULL,
  requester_name    TEXT NOT NULL,
  basis             TEXT NOT NULL,
  recipient         TEXT NOT NULL DEFAULT '',
  scope             TEXT NOT NULL DEFAULT '{}',
  contact           TEXT NOT NULL DEFAULT '',
  delivery          TEXT NOT NULL,
  status            TEXT NOT NULL,
  assignee          TEXT NOT NULL DEFAULT '',
  due               TEXT,
  version           INTEGER NOT NULL,
  evaluated_version INTEGER NOT NULL DEFAULT 0,
  extended          INTEGER NOT NULL DEFAULT 0,
  linked_to         INTEGER REFERENCES requests (id),
  created_at        TEXT NOT NULL,
  updated_at        TEXT NOT NULL
);
CREATE INDEX requests_status_due ON requests (status, due);
CREATE INDEX requests_patient ON requests (patient_id);

CREATE TABLE evidence (
  id         INTEGER PRIMARY KEY,
  request_id INTEGER NOT NULL REFERENCES requests (id),
  type       TEXT NOT NULL,
  body       TEXT NOT NULL,
  added_by   TEXT NOT NULL,
  added_at   TEXT NOT NULL
);
CREATE INDEX evidence_request ON evidence (request_id);

CREATE TABLE documents (
  id           INTEGER PRIMARY KEY,
  request_id   INTEGER NOT NULL REFERENCES requests (id),
  name         TEXT NOT NULL,
  content_type TEXT NOT NULL,
  size         INTEGER NOT NULL,
  sha256       TEXT NOT NULL,
  content      BLOB NOT NULL,
  added_by     TEXT NOT NULL,
  added_at     TEXT NOT NULL
);
CREATE INDEX documents_request ON documents (request_id);

CREATE TABLE decisions (
  id         INTEGER PRIMARY KEY,
  request_id INTEGER NOT NULL REFERENCES requests (id),
  kind       TEXT NOT NULL,
  rule_set   TEXT NOT NULL,
  outcome    TEXT NOT NULL,
  body       TEXT NOT NULL,
  made_by    TEXT NOT NULL,
  made_at    TEXT NOT NULL
);
CREATE INDEX decisions_request ON decisions (request_id);

CREATE TABLE ledger (
  seq        INTEGER PRIMARY KEY,
  at         TEXT NOT NULL,
  kind       TEXT NOT NULL,
  request_id INTEGER NOT NULL DEFAULT 0,
  patient_id INTEGER NOT NULL DEFAULT 0,
  actor      TEXT NOT NULL,
  body       TEXT NOT NULL,
  prev_hash  TEXT NOT NULL,
  hash       TEXT NOT NULL
);
CREATE INDEX ledger_request ON ledger (request_id);
CREATE INDEX ledger_patient_kind ON ledger (patient_id, kind);
CREATE TRIGGER ledger_no_update BEFORE UPDATE ON ledger
BEGIN SELECT RAISE(ABORT, 'the ledger is append-only'); END;
CREATE TRIGGER ledger_no_delete BEFORE DELETE ON ledger
BEGIN SELECT RAISE(ABORT, 'the ledger is append-only'); END;

CREATE TABLE ledger_head (
  id   INTEGER PRIMARY KEY CHECK (id = 1),
  seq  INTEGER NOT NULL,
  hash TEXT NOT NULL
);
INSERT INTO ledger_head (id, seq, hash) VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');

CREATE TABLE idempotency (
  key         TEXT PRIMARY KEY,
  fingerprint TEXT NOT NULL,
  status      INTEGER NOT NULL,
  body        TEXT NOT NULL,
  created_at  TEXT NOT NULL
);
