-- The clerk's workbench (issue #13).
--
-- The directory of known requesters: the law firms, insurers, agencies and
-- providers a records team hears from again and again, kept by staff so
-- intake picks one instead of retyping (and misspelling) it. A request
-- copies the name, kind and contact it was made with: changing the
-- directory later does not rewrite what a request recorded.
CREATE TABLE requesters (
  id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  kind       TEXT NOT NULL,
  name       TEXT NOT NULL,
  name_key   TEXT NOT NULL, -- the name folded for matching: one entry per kind and name
  delivery   TEXT NOT NULL DEFAULT '',
  contact    TEXT NOT NULL DEFAULT '',
  phone      TEXT NOT NULL DEFAULT '',
  note       TEXT NOT NULL DEFAULT '',
  added_by   TEXT NOT NULL,
  added_at   TEXT NOT NULL,
  UNIQUE (kind, name_key)
);

-- What an uploaded document is (the request letter, an authorization, an
-- ID image, a court order...), so the page says "Authorization (scan)"
-- rather than "document 1". Documents from before say "other".
ALTER TABLE documents ADD COLUMN kind TEXT NOT NULL DEFAULT 'other';

-- A decision that a second person must review before anything goes out,
-- not yet reviewed: the reviewers' "awaiting review" queue reads it.
ALTER TABLE requests ADD COLUMN awaiting_review INTEGER NOT NULL DEFAULT 0;
CREATE INDEX requests_awaiting_review ON requests (id) WHERE awaiting_review = 1;
