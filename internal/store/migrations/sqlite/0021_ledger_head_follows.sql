-- The ledger head follows the ledger's last entry, kept by the database
-- itself: an entry is accepted only as the next link of the chain (its
-- seq one past the head's, its prev_hash the head's hash), and the head
-- then moves to it, with the key that sealed it. So an append is a
-- single INSERT (store/ledger.go), and no writer can leave the head and
-- the ledger disagreeing or slip an entry in beside the chain.
ALTER TABLE ledger_head ADD COLUMN key_id TEXT NOT NULL DEFAULT '';
UPDATE ledger_head SET key_id = COALESCE((SELECT key_id FROM ledger WHERE ledger.seq = ledger_head.seq), '') WHERE id = 1;
CREATE TRIGGER ledger_head_follows AFTER INSERT ON ledger
BEGIN
  SELECT RAISE(ABORT, 'a ledger entry does not follow the ledger head')
   WHERE NOT EXISTS (SELECT 1 FROM ledger_head WHERE id = 1 AND seq = NEW.seq - 1 AND hash = NEW.prev_hash);
  UPDATE ledger_head SET seq = NEW.seq, hash = NEW.hash, key_id = NEW.key_id WHERE id = 1;
END;
