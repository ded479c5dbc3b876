-- The language of a request's letters and of the requester portal
-- (issue #13): 'en' or 'es', chosen at intake or in the portal. Requests
-- made before it are English.
ALTER TABLE requests ADD COLUMN language TEXT NOT NULL DEFAULT 'en' CHECK (language IN ('en', 'es'));
