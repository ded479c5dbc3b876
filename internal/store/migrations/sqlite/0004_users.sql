-- Staff accounts. The password is kept only as an argon2id PHC string. The
-- TOTP secret is stored as is for now: encrypting it at rest is a later
-- issue. totp_last_step makes each code single use; failed counts
-- consecutive failures (password or code) and locked_until ends a lockout.
CREATE TABLE users (
  id             INTEGER PRIMARY KEY,
  username       TEXT NOT NULL UNIQUE,
  name           TEXT NOT NULL,
  role           TEXT NOT NULL,
  password_hash  TEXT NOT NULL,
  totp_secret    TEXT NOT NULL,
  totp_last_step INTEGER NOT NULL DEFAULT 0,
  failed         INTEGER NOT NULL DEFAULT 0,
  locked_until   TEXT NOT NULL DEFAULT '',
  disabled       INTEGER NOT NULL DEFAULT 0,
  created_at     TEXT NOT NULL
);

-- Sessions are kept by the SHA-256 of their token, never the token. A row
-- with mfa = 0 is a sign-in half done (password checked, code not yet):
-- it is not a session and grants nothing.
CREATE TABLE sessions (
  token_hash TEXT PRIMARY KEY,
  user_id    INTEGER NOT NULL REFERENCES users (id),
  mfa        INTEGER NOT NULL DEFAULT 0,
  client     TEXT NOT NULL DEFAULT '',
  created_at TEXT NOT NULL,
  last_seen  TEXT NOT NULL,
  expires_at TEXT NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id);
CREATE INDEX sessions_expires ON sessions (expires_at);
