-- Why each chart item carries each label (computed at import; replaced
-- when the item is imported again).
CREATE TABLE label_sources (
  id         INTEGER PRIMARY KEY,
  patient_id INTEGER NOT NULL REFERENCES patients (id),
  item_key   TEXT NOT NULL,
  source     TEXT NOT NULL
);
CREATE INDEX label_sources_item ON label_sources (patient_id, item_key);

-- Labels staff added or removed, with the reason; they outlive re-imports.
CREATE TABLE label_overrides (
  patient_id INTEGER NOT NULL REFERENCES patients (id),
  item_key   TEXT NOT NULL,
  label      TEXT NOT NULL,
  action     TEXT NOT NULL CHECK (action IN ('add', 'remove')),
  reason     TEXT NOT NULL,
  made_by    TEXT NOT NULL,
  made_at    TEXT NOT NULL,
  PRIMARY KEY (patient_id, item_key, label)
);

-- Every imported FHIR resource, byte for byte.
CREATE TABLE raw_resources (
  patient_id   INTEGER NOT NULL REFERENCES patients (id),
  resource_key TEXT NOT NULL,
  raw          BLOB NOT NULL,
  PRIMARY KEY (patient_id, resource_key)
);

ALTER TABLE chart_items ADD COLUMN computed_labels TEXT NOT NULL DEFAULT '';
