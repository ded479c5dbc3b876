-- A ledger its administrator cannot rewrite alone (docs/THREAT-MODEL.md,
-- M3). refs holds digests of the rows an entry is about (a request's
-- intake fields, a decision, an evidence entry), covered by the entry's
-- hash, so the tables can be checked against the ledger. key_id and mac
-- are the entry's seal: HMAC-SHA256 under a ledger key kept outside the
-- database. All three are '' on entries written before, which verify as
-- they always did. Adding columns fires no UPDATE trigger.
ALTER TABLE ledger ADD COLUMN refs TEXT NOT NULL DEFAULT '';
ALTER TABLE ledger ADD COLUMN key_id TEXT NOT NULL DEFAULT '';
ALTER TABLE ledger ADD COLUMN mac TEXT NOT NULL DEFAULT '';
