-- Evidence taken back (issue #13): a wrong entry is withdrawn with a reason,
-- or replaced by a correction, never deleted. The row stays (shown struck
-- through with who, when and why) and the engine no longer reads it; the
-- ledger holds the withdrawal and the correction as events of their own.
ALTER TABLE evidence ADD COLUMN withdrawn_at TEXT NOT NULL DEFAULT '';
ALTER TABLE evidence ADD COLUMN withdrawn_by TEXT NOT NULL DEFAULT '';
ALTER TABLE evidence ADD COLUMN withdrawn_reason TEXT NOT NULL DEFAULT '';
ALTER TABLE evidence ADD COLUMN superseded_by BIGINT NOT NULL DEFAULT 0;
