CREATE TABLE patients (
  id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  fhir_id     TEXT NOT NULL UNIQUE,
  mrn         TEXT NOT NULL DEFAULT '',
  name        TEXT NOT NULL DEFAULT '',
  birth_date  TEXT,
  death_date  TEXT,
  emancipated BOOLEAN NOT NULL DEFAULT false,
  created_at  TEXT NOT NULL
);
CREATE INDEX patients_mrn ON patients (mrn);

CREATE TABLE chart_items (
  id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  patient_id BIGINT NOT NULL REFERENCES patients (id),
  item_key   TEXT NOT NULL,
  item_date  TEXT NOT NULL,
  item_type  TEXT NOT NULL,
  title      TEXT NOT NULL DEFAULT '',
  labels     TEXT NOT NULL DEFAULT '',
  source     TEXT NOT NULL DEFAULT '',
  UNIQUE (patient_id, item_key)
);

CREATE TABLE counters (name TEXT PRIMARY KEY, value BIGINT NOT NULL);
INSERT INTO counters (name, value) VALUES ('request', 0);

CREATE TABLE requests (
  id                BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  number            TEXT NOT NULL UNIQUE,
  patient_id        BIGINT NOT NULL REFERENCES patients (id),
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
  extended          BOOLEAN NOT NULL DEFAULT false,
  linked_to         BIGINT REFERENCES requests (id),
  created_at        TEXT NOT NULL,
  updated_at        TEXT NOT NULL
);
CREATE INDEX requests_status_due ON requests (status, due);
CREATE INDEX requests_patient ON requests (patient_id);

CREATE TABLE evidence (
  id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  request_id BIGINT NOT NULL REFERENCES requests (id),
  type       TEXT NOT NULL,
  body       TEXT NOT NULL,
  added_by   TEXT NOT NULL,
  added_at   TEXT NOT NULL
);
CREATE INDEX evidence_request ON evidence (request_id);

CREATE TABLE documents (
  id           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  request_id   BIGINT NOT NULL REFERENCES requests (id),
  name         TEXT NOT NULL,
  content_type TEXT NOT NULL,
  size         BIGINT NOT NULL,
  sha256       TEXT NOT NULL,
  content      BYTEA NOT NULL,
  added_by     TEXT NOT NULL,
  added_at     TEXT NOT NULL
);
CREATE INDEX documents_request ON documents (request_id);

CREATE TABLE decisions (
  id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  request_id BIGINT NOT NULL REFERENCES requests (id),
  kind       TEXT NOT NULL,
  rule_set   TEXT NOT NULL,
  outcome    TEXT NOT NULL,
  body       TEXT NOT NULL,
  made_by    TEXT NOT NULL,
  made_at    TEXT NOT NULL
);
CREATE INDEX decisions_request ON decisions (request_id);

CREATE TABLE ledger (
  seq        BIGINT PRIMARY KEY,
  at         TEXT NOT NULL,
  kind       TEXT NOT NULL,
  request_id BIGINT NOT NULL DEFAULT 0,
  patient_id BIGINT NOT NULL DEFAULT 0,
  actor      TEXT NOT NULL,
  body       TEXT NOT NULL,
  prev_hash  TEXT NOT NULL,
  hash       TEXT NOT NULL
);
CREATE INDEX ledger_request ON ledger (request_id);
CREATE INDEX ledger_patient_kind ON ledger (patient_id, kind);
CREATE FUNCTION ledger_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN RAISE EXCEPTION 'the ledger is append-only'; END $$;
CREATE TRIGGER ledger_no_update BEFORE UPDATE OR DELETE ON ledger
FOR EACH ROW EXECUTE FUNCTION ledger_append_only();
CREATE TRIGGER ledger_no_truncate BEFORE TRUNCATE ON ledger
FOR EACH STATEMENT EXECUTE FUNCTION ledger_append_only();

CREATE TABLE ledger_head (
  id   INTEGER PRIMARY KEY CHECK (id = 1),
  seq  BIGINT NOT NULL,
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
