-- Release packets: the encrypted PDF exactly as it left, with its manifest
-- (SHA-256 of every item and of the packet). The password is never stored.
CREATE TABLE packets (
  id           INTEGER PRIMARY KEY,
  request_id   INTEGER NOT NULL REFERENCES requests (id),
  packet_id    TEXT NOT NULL UNIQUE,
  sha256       TEXT NOT NULL UNIQUE,
  plain_sha256 TEXT NOT NULL,
  pages        INTEGER NOT NULL,
  manifest     TEXT NOT NULL,
  content      BLOB NOT NULL,
  created_by   TEXT NOT NULL,
  created_at   TEXT NOT NULL
);
CREATE INDEX packets_request ON packets (request_id);

-- Deliveries are the durable job queue: a row is written in the same
-- transaction as the disclosure it carries out, claimed under a lease by a
-- worker, retried with backoff, and finished with its receipt in the ledger.
CREATE TABLE deliveries (
  id          INTEGER PRIMARY KEY,
  request_id  INTEGER NOT NULL REFERENCES requests (id),
  packet      INTEGER NOT NULL REFERENCES packets (id),
  channel     TEXT NOT NULL,
  target      TEXT NOT NULL DEFAULT '',
  state       TEXT NOT NULL CHECK (state IN ('queued', 'running', 'waiting', 'done', 'failed')),
  attempts    INTEGER NOT NULL DEFAULT 0,
  next_at     TEXT NOT NULL,
  lease_owner TEXT NOT NULL DEFAULT '',
  lease_until TEXT NOT NULL DEFAULT '',
  last_error  TEXT NOT NULL DEFAULT '',
  receipt     TEXT NOT NULL DEFAULT '',
  created_at  TEXT NOT NULL,
  updated_at  TEXT NOT NULL,
  UNIQUE (packet, channel)
);
CREATE INDEX deliveries_due ON deliveries (state, next_at);
CREATE INDEX deliveries_request ON deliveries (request_id);

-- Portal links: an expiring link (only its hash is kept) plus a one-time
-- code sent on demand to the contact on file.
CREATE TABLE portal_links (
  id            INTEGER PRIMARY KEY,
  request_id    INTEGER NOT NULL REFERENCES requests (id),
  packet        INTEGER NOT NULL REFERENCES packets (id),
  token_hash    TEXT NOT NULL UNIQUE,
  expires_at    TEXT NOT NULL,
  code_hash     TEXT NOT NULL DEFAULT '',
  code_expires  TEXT NOT NULL DEFAULT '',
  code_attempts INTEGER NOT NULL DEFAULT 0,
  downloads     INTEGER NOT NULL DEFAULT 0,
  created_at    TEXT NOT NULL
);
