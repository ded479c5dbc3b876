-- Due-date reminders: one row per request per calendar day. UNIQUE
-- (request_id, day) is what makes a reminder happen exactly once however
-- many instances run the reminder loop against this database: the
-- instance whose insert wins writes the ledger event in the same
-- transaction; the others insert nothing.
CREATE TABLE reminders (
  id         INTEGER PRIMARY KEY,
  request_id INTEGER NOT NULL REFERENCES requests (id),
  day        TEXT NOT NULL,
  days_left  INTEGER NOT NULL,
  worker     TEXT NOT NULL,
  created_at TEXT NOT NULL,
  UNIQUE (request_id, day)
);
CREATE INDEX reminders_day ON reminders (day);

-- The day's digest notice (counts only, no PHI) is claimed once per day
-- by the same means.
CREATE TABLE reminder_digests (
  day        TEXT PRIMARY KEY,
  worker     TEXT NOT NULL,
  created_at TEXT NOT NULL
);
