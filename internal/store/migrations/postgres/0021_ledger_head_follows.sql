-- The ledger head follows the ledger's last entry, kept by the database
-- itself: entries are accepted only as the next links of the chain (the
-- first one past the head, each prev_hash the hash before it), and the
-- head then moves to the last of them, with the key that sealed it. So an
-- append is a single INSERT (store/ledger.go), and no writer can leave the
-- head and the ledger disagreeing or slip an entry in beside the chain.
--
-- Once per statement, over the statement's new rows, rather than once per
-- row: PostgreSQL keeps every version of a row updated in one transaction,
-- so a head updated per row makes a bulk load quadratic.
ALTER TABLE ledger_head ADD COLUMN key_id TEXT NOT NULL DEFAULT '';
UPDATE ledger_head SET key_id = COALESCE((SELECT key_id FROM ledger WHERE ledger.seq = ledger_head.seq), '') WHERE id = 1;
CREATE FUNCTION ledger_head_follow() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  head ledger_head%ROWTYPE;
  n BIGINT;
  lo BIGINT;
  hi BIGINT;
BEGIN
  SELECT count(*), min(seq), max(seq) INTO n, lo, hi FROM new_entries;
  IF n = 0 THEN
    RETURN NULL;
  END IF;
  SELECT * INTO head FROM ledger_head WHERE id = 1 FOR UPDATE;
  -- Contiguous from the head (seq is the key, so no repeats), and each
  -- entry's prev_hash the hash of the one before it: one sort, where a
  -- self-join of the unindexed new rows would be quadratic in a bulk load.
  IF lo <> head.seq + 1 OR hi - lo + 1 <> n OR EXISTS (
      SELECT 1 FROM (SELECT prev_hash, lag(hash, 1, head.hash) OVER (ORDER BY seq) AS before FROM new_entries) e
       WHERE e.prev_hash <> e.before) THEN
    RAISE EXCEPTION 'ledger entries % to % do not follow the ledger head', lo, hi;
  END IF;
  UPDATE ledger_head SET seq = e.seq, hash = e.hash, key_id = e.key_id
    FROM new_entries e WHERE ledger_head.id = 1 AND e.seq = hi;
  RETURN NULL;
END $$;
CREATE TRIGGER ledger_head_follows AFTER INSERT ON ledger
REFERENCING NEW TABLE AS new_entries
FOR EACH STATEMENT EXECUTE FUNCTION ledger_head_follow();
