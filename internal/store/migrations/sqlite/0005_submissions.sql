-- Requester portal submissions: a request as a patient or third party
-- typed it online, kept apart from requests until a clerk has checked who
-- they are and which patient it is about. Only the hash of the status
-- link's token and of the one-time e-mail code is kept.
INSERT INTO counters (name, value) VALUES ('submission', 0);

CREATE TABLE submissions (
  id             INTEGER PRIMARY KEY,
  number         TEXT NOT NULL UNIQUE,
  token_hash     TEXT NOT NULL UNIQUE,
  email          TEXT NOT NULL,
  email_verified INTEGER NOT NULL DEFAULT 0,
  code_hash      TEXT NOT NULL DEFAULT '',
  code_expires   TEXT NOT NULL DEFAULT '',
  code_attempts  INTEGER NOT NULL DEFAULT 0,
  body           TEXT NOT NULL,
  status         TEXT NOT NULL CHECK (status IN ('submitted', 'accepted', 'rejected')),
  reason         TEXT NOT NULL DEFAULT '',
  request_id     INTEGER REFERENCES requests (id),
  created_at     TEXT NOT NULL,
  CHECK ((status = 'accepted') = (request_id IS NOT NULL))
);
CREATE INDEX submissions_status ON submissions (status, id);

-- What the requester uploaded with a submission: an authorization, an
-- image of an identity document. Copied onto the request on acceptance.
CREATE TABLE submission_documents (
  id            INTEGER PRIMARY KEY,
  submission_id INTEGER NOT NULL REFERENCES submissions (id),
  name          TEXT NOT NULL,
  content_type  TEXT NOT NULL,
  size          INTEGER NOT NULL,
  sha256        TEXT NOT NULL,
  content       BLOB NOT NULL,
  kind          TEXT NOT NULL CHECK (kind IN ('authorization', 'id-image')),
  added_at      TEXT NOT NULL
);
CREATE INDEX submission_documents_submission ON submission_documents (submission_id);
