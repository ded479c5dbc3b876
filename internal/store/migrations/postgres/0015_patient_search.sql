-- Finding a patient by name in the database (issue #12). The search box
-- matched a name by listing every patient and comparing in memory, which
-- cost a full read of the patients table per search. patient_words holds
-- each patient's name split into words, case-folded, plus the MRN folded
-- whole (marked with a leading '#', which no word of a name carries); a
-- search looks up the words it was given as prefixes of these, on the
-- primary key. Names are not sealed at rest (ENCRYPTION.md), so the words
-- are stored as they are: no key is needed to look them up.
CREATE TABLE patient_words (
  word       TEXT COLLATE "C" NOT NULL,
  patient_id BIGINT NOT NULL REFERENCES patients (id),
  PRIMARY KEY (word, patient_id)
);
CREATE INDEX patient_words_patient ON patient_words (patient_id);

-- The store writes a patient's words with the patient (import). Rows that
-- came another way (this migration's existing patients, a bulk seed) are
-- marked 0 and indexed by the store before the next search reads the words.
ALTER TABLE patients ADD COLUMN search_indexed INTEGER NOT NULL DEFAULT 0;
CREATE INDEX patients_search_pending ON patients (id) WHERE search_indexed = 0;

-- The same for the requester's name, which the search also matches ("Smith
-- & Jones"): request_words narrows the requests to those whose requester's
-- name has a word beginning with each word typed, and the search's LIKE
-- then keeps those whose name contains the words as typed, in that order.
-- Without it that LIKE read every request ever made. A requester's name is
-- written once, at intake, with its words; requests from before (or from a
-- bulk seed) are indexed before the next requester search.
CREATE TABLE request_words (
  word       TEXT COLLATE "C" NOT NULL,
  request_id BIGINT NOT NULL REFERENCES requests (id),
  PRIMARY KEY (word, request_id)
);
CREATE INDEX request_words_request ON request_words (request_id);
ALTER TABLE requests ADD COLUMN search_indexed INTEGER NOT NULL DEFAULT 0;
CREATE INDEX requests_search_pending ON requests (id) WHERE search_indexed = 0;
