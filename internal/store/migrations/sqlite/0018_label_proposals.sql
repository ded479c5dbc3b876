-- A label removal lifts a restriction, so it waits for a second person
-- (docs/THREAT-MODEL.md, H1): until a person other than the proposer
-- approves it, the chart item keeps the label and every decision sees it.
-- Additions take effect at once and never come here.
CREATE TABLE label_proposals (
  id          INTEGER PRIMARY KEY,
  patient_id  INTEGER NOT NULL REFERENCES patients (id),
  item_key    TEXT NOT NULL,
  label       TEXT NOT NULL,
  action      TEXT NOT NULL CHECK (action IN ('remove')),
  reason      TEXT NOT NULL,
  proposed_by TEXT NOT NULL,
  proposed_at TEXT NOT NULL,
  state       TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'approved', 'rejected')),
  decided_by  TEXT NOT NULL DEFAULT '',
  decided_at  TEXT NOT NULL DEFAULT '',
  note        TEXT NOT NULL DEFAULT ''
);
CREATE INDEX label_proposals_patient ON label_proposals (patient_id, state);
-- One open proposal per item and label.
CREATE UNIQUE INDEX label_proposals_open ON label_proposals (patient_id, item_key, label) WHERE state = 'pending';
