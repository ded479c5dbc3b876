package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/custodian-roi/custodian/internal/roi"
)

// ImportChart stores a patient, their chart items with the labels computed
// at ingestion and why, and the raw resources byte for byte, matched by
// FHIR id or else by MRN: a re-import updates the patient and adds or updates items, never
// duplicates them, and keeps labels staff added or removed. It returns the
// patient's ID and how many items were new. The import is recorded in the
// ledger.
func (s *Store) ImportChart(ctx context.Context, p roi.PatientRecord, items []roi.ChartItem, raws []roi.RawResource, actor string) (roi.PatientID, int, error) {
	var id roi.PatientID
	added := 0
	err := s.tx(ctx, func(tx *sql.Tx) error {
		err := tx.QueryRowContext(ctx, `SELECT id FROM patients WHERE fhir_id = $1`, p.FHIRID).Scan(&id)
		if err == sql.ErrNoRows && p.MRN != "" {
			// The same patient from another source: matched by MRN. The
			// first FHIR id stays the patient's.
			err = tx.QueryRowContext(ctx, `SELECT id FROM patients WHERE mrn = $1 ORDER BY id LIMIT 1`, p.MRN).Scan(&id)
		}
		switch {
		case err == sql.ErrNoRows:
			err = tx.QueryRowContext(ctx, `INSERT INTO patients (fhir_id, mrn, name, birth_date, death_date, emancipated, created_at)
				VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`,
				p.FHIRID, p.MRN, p.Name, nullDate(p.BirthDate), nullDate(p.DeathDate), p.Emancipated, s.now()).Scan(&id)
		case err == nil:
			_, err = tx.ExecContext(ctx, `UPDATE patients SET mrn = $1, name = $2, birth_date = $3, death_date = $4 WHERE id = $5`,
				p.MRN, p.Name, nullDate(p.BirthDate), nullDate(p.DeathDate), id)
		}
		if err != nil {
			return fmt.Errorf("store: import patient: %w", err)
		}
		// The name and MRN may have changed: the search's words with them.
		if err := indexPatient(ctx, tx, id, p.Name, p.MRN); err != nil {
			return err
		}
		over, err := overrides(ctx, tx, id)
		if err != nil {
			return err
		}
		// The same few statements run for every item and resource: prepared
		// once per import, not parsed again for each of a thousand items.
		update, err := tx.PrepareContext(ctx, `UPDATE chart_items SET item_date = $1, item_type = $2, title = $3, source = $4,
			computed_labels = $5, labels = $6, date_until = $7, date_field = $8 WHERE patient_id = $9 AND item_key = $10`)
		if err != nil {
			return fmt.Errorf("store: import item: %w", err)
		}
		defer update.Close()
		insert, err := tx.PrepareContext(ctx, `INSERT INTO chart_items (patient_id, item_key, item_date, item_type, title, computed_labels, labels, source, date_until, date_field)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`)
		if err != nil {
			return fmt.Errorf("store: import item: %w", err)
		}
		defer insert.Close()
		clearSources, err := tx.PrepareContext(ctx, `DELETE FROM label_sources WHERE patient_id = $1 AND item_key = $2`)
		if err != nil {
			return fmt.Errorf("store: label sources: %w", err)
		}
		defer clearSources.Close()
		source, err := tx.PrepareContext(ctx, `INSERT INTO label_sources (patient_id, item_key, source) VALUES ($1, $2, $3)`)
		if err != nil {
			return fmt.Errorf("store: label sources: %w", err)
		}
		defer source.Close()
		rawStmt, err := tx.PrepareContext(ctx, `INSERT INTO raw_resources (patient_id, resource_key, raw) VALUES ($1, $2, $3)
			ON CONFLICT (patient_id, resource_key) DO UPDATE SET raw = excluded.raw`)
		if err != nil {
			return fmt.Errorf("store: raw resource: %w", err)
		}
		defer rawStmt.Close()
		// Which items the patient already has: a fresh import then inserts
		// without first trying an update that finds nothing.
		have := map[string]bool{}
		rows, err := tx.QueryContext(ctx, `SELECT item_key FROM chart_items WHERE patient_id = $1`, id)
		if err != nil {
			return fmt.Errorf("store: import item: %w", err)
		}
		for rows.Next() {
			var k string
			if err := rows.Scan(&k); err != nil {
				rows.Close()
				return fmt.Errorf("store: import item: %w", err)
			}
			have[k] = true
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return fmt.Errorf("store: import item: %w", err)
		}
		for _, it := range items {
			effective := over.apply(it.Key, it.Labels)
			if have[it.Key] {
				if _, err := update.ExecContext(ctx, it.Date.String(), it.Type, it.Title, it.Source, labelString(it.Labels),
					labelString(effective), it.Until.String(), it.DateField, id, it.Key); err != nil {
					return fmt.Errorf("store: import item: %w", err)
				}
			}
			if !have[it.Key] {
				if _, err := insert.ExecContext(ctx, id, it.Key, it.Date.String(), it.Type, it.Title,
					labelString(it.Labels), labelString(effective), it.Source, it.Until.String(), it.DateField); err != nil {
					return fmt.Errorf("store: import item: %w", err)
				}
				added++
			} else if _, err := clearSources.ExecContext(ctx, id, it.Key); err != nil {
				return fmt.Errorf("store: label sources: %w", err)
			}
			for _, why := range it.Why {
				b, _ := json.Marshal(why)
				if _, err := source.ExecContext(ctx, id, it.Key, string(b)); err != nil {
					return fmt.Errorf("store: label sources: %w", err)
				}
			}
		}
		for _, r := range raws {
			if _, err := rawStmt.ExecContext(ctx, id, r.Key, r.JSON); err != nil {
				return fmt.Errorf("store: raw resource: %w", err)
			}
		}
		if err := chartChanged(ctx, tx, id); err != nil {
			return err
		}
		return s.append(ctx, tx, roi.Event{Kind: roi.EventImport, PatientID: id, Actor: actor,
			Body: roi.ImportBody{Items: len(items), NewItems: added, Resources: len(raws)}})
	})
	return id, added, err
}

// labelOverrides are the labels staff added or removed, by item.
type labelOverrides map[string][]roi.LabelSource

func overrides(ctx context.Context, tx *sql.Tx, id roi.PatientID) (labelOverrides, error) {
	rows, err := tx.QueryContext(ctx, `SELECT item_key, label, action, reason, made_by FROM label_overrides WHERE patient_id = $1 ORDER BY made_at`, id)
	if err != nil {
		return nil, fmt.Errorf("store: label overrides: %w", err)
	}
	defer rows.Close()
	out := labelOverrides{}
	for rows.Next() {
		var key, action string
		var ls roi.LabelSource
		if err := rows.Scan(&key, &ls.Label, &action, &ls.Reason, &ls.By); err != nil {
			return nil, err
		}
		ls.Rule = "staff-" + action
		out[key] = append(out[key], ls)
	}
	return out, rows.Err()
}

// apply returns computed with the staff's additions and removals.
func (o labelOverrides) apply(key string, computed roi.Labels) roi.Labels {
	l := computed
	for _, ov := range o[key] {
		lb, ok := roi.ParseLabel(ov.Label)
		if !ok {
			continue
		}
		if ov.Rule == "staff-add" {
			l = l.With(lb)
		} else {
			l &^= roi.LabelsOf(lb)
		}
	}
	return l
}

// OverrideLabel records that a staff member added or removed one label of a
// chart item, with the reason, and records it in the ledger. The override
// outlives re-imports. Returns CodeNotFound if the patient has no such item.
func (s *Store) OverrideLabel(ctx context.Context, id roi.PatientID, key string, lb roi.Label, add bool, reason, by string) (roi.Labels, error) {
	var effective roi.Labels
	action := "remove"
	if add {
		action = "add"
	}
	err := s.tx(ctx, func(tx *sql.Tx) error {
		var computed string
		err := tx.QueryRowContext(ctx, `SELECT computed_labels FROM chart_items WHERE patient_id = $1 AND item_key = $2`, id, key).Scan(&computed)
		if err == sql.ErrNoRows {
			return notFound("Chart item")
		}
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO label_overrides (patient_id, item_key, label, action, reason, made_by, made_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (patient_id, item_key, label)
			DO UPDATE SET action = excluded.action, reason = excluded.reason, made_by = excluded.made_by, made_at = excluded.made_at`,
			id, key, lb.String(), action, reason, by, s.now()); err != nil {
			return fmt.Errorf("store: label override: %w", err)
		}
		over, err := overrides(ctx, tx, id)
		if err != nil {
			return err
		}
		effective = over.apply(key, parseLabels(computed))
		if _, err := tx.ExecContext(ctx, `UPDATE chart_items SET labels = $1 WHERE patient_id = $2 AND item_key = $3`, labelString(effective), id, key); err != nil {
			return err
		}
		if err := chartChanged(ctx, tx, id); err != nil {
			return err
		}
		return s.append(ctx, tx, roi.Event{Kind: roi.EventLabel, PatientID: id, Actor: by,
			Body: roi.LabelBody{Item: key, Label: lb.String(), Action: action, Reason: reason}})
	})
	return effective, err
}

// RawResource returns an imported resource exactly as received.
func (s *Store) RawResource(ctx context.Context, id roi.PatientID, key string) ([]byte, error) {
	var raw []byte
	err := s.read.QueryRowContext(ctx, `SELECT raw FROM raw_resources WHERE patient_id = $1 AND resource_key = $2`, id, key).Scan(&raw)
	if err == sql.ErrNoRows {
		return nil, notFound("Resource")
	}
	return raw, classify(err)
}

// parseOptDate reads a date column where ” is no date.
func parseOptDate(s string) (roi.Date, error) {
	if s == "" {
		return roi.NoDate, nil
	}
	return roi.ParseDate(s)
}

func labelString(l roi.Labels) string { return strings.Join(l.Strings(), ",") }

func parseLabels(s string) roi.Labels {
	var out roi.Labels
	for _, n := range strings.Split(s, ",") {
		if l, ok := roi.ParseLabel(n); ok {
			out = out.With(l)
		}
	}
	return out
}

const patientColumns = `id, fhir_id, mrn, name, birth_date, death_date, emancipated`

func scanPatient(row interface{ Scan(...any) error }) (*roi.PatientRecord, error) {
	var p roi.PatientRecord
	var birth, death sql.NullString
	if err := row.Scan(&p.ID, &p.FHIRID, &p.MRN, &p.Name, &birth, &death, &p.Emancipated); err != nil {
		return nil, err
	}
	var err error
	// A record without a birth date is kept; the rules then cannot find
	// the patient a minor, so no parent is taken for their representative.
	if p.BirthDate, err = parseNullDate(birth); err != nil {
		return nil, fmt.Errorf("store: patient %d birth date: %w", p.ID, err)
	}
	if p.DeathDate, err = parseNullDate(death); err != nil {
		return nil, fmt.Errorf("store: patient %d death date: %w", p.ID, err)
	}
	return &p, nil
}

// Patient returns the patient with id. Returns CodeNotFound if none.
func (s *Store) Patient(ctx context.Context, id roi.PatientID) (*roi.PatientRecord, error) {
	p, err := scanPatient(s.read.QueryRowContext(ctx, `SELECT `+patientColumns+` FROM patients WHERE id = $1`, id))
	if err == sql.ErrNoRows {
		return nil, notFound("Patient")
	}
	return p, classify(err)
}

// PatientByRef finds a patient by FHIR id or MRN. Returns CodeNotFound if none.
func (s *Store) PatientByRef(ctx context.Context, ref string) (*roi.PatientRecord, error) {
	p, err := scanPatient(s.read.QueryRowContext(ctx, `SELECT `+patientColumns+` FROM patients
		WHERE fhir_id = $1 OR (mrn = $1 AND mrn <> '') ORDER BY id LIMIT 1`, ref))
	if err == sql.ErrNoRows {
		return nil, notFound("Patient")
	}
	return p, classify(err)
}

// Patients lists every patient, by ID.
func (s *Store) Patients(ctx context.Context) ([]*roi.PatientRecord, error) {
	return s.patients(ctx, `SELECT `+patientColumns+` FROM patients ORDER BY id`)
}

// PatientsBornOn lists the patients born on day, by ID.
func (s *Store) PatientsBornOn(ctx context.Context, day roi.Date) ([]*roi.PatientRecord, error) {
	return s.patients(ctx, `SELECT `+patientColumns+` FROM patients WHERE birth_date = $1 ORDER BY id`, day.String())
}

// PatientsByID returns the patients with the given IDs (a page's worth),
// keyed by ID; unknown IDs are left out.
func (s *Store) PatientsByID(ctx context.Context, ids []roi.PatientID) (map[roi.PatientID]*roi.PatientRecord, error) {
	out := make(map[roi.PatientID]*roi.PatientRecord, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	ph, args := make([]string, 0, len(ids)), make([]any, 0, len(ids))
	seen := map[roi.PatientID]bool{}
	for _, id := range ids {
		if !seen[id] {
			seen[id] = true
			args = append(args, id)
			ph = append(ph, fmt.Sprintf("$%d", len(args)))
		}
	}
	ps, err := s.patients(ctx, `SELECT `+patientColumns+` FROM patients WHERE id IN (`+strings.Join(ph, ", ")+`)`, args...)
	for _, p := range ps {
		out[p.ID] = p
	}
	return out, err
}

func (s *Store) patients(ctx context.Context, q string, args ...any) ([]*roi.PatientRecord, error) {
	rows, err := s.read.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, classify(err)
	}
	defer rows.Close()
	var out []*roi.PatientRecord
	for rows.Next() {
		p, err := scanPatient(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, classify(rows.Err())
}

// ChartItems returns a patient's chart items by date, then key, with their
// effective labels and why each is there (including staff overrides).
func (s *Store) ChartItems(ctx context.Context, id roi.PatientID) ([]roi.ChartItem, error) {
	rows, err := s.read.QueryContext(ctx, `SELECT item_key, item_date, item_type, title, labels, source, date_until, date_field
		FROM chart_items WHERE patient_id = $1 ORDER BY item_date, item_key`, id)
	if err != nil {
		return nil, classify(err)
	}
	defer rows.Close()
	var out []roi.ChartItem
	index := map[string]int{}
	for rows.Next() {
		var it roi.ChartItem
		var date, until, labels string
		if err := rows.Scan(&it.Key, &date, &it.Type, &it.Title, &labels, &it.Source, &until, &it.DateField); err != nil {
			return nil, err
		}
		if it.Date, err = parseOptDate(date); err != nil {
			return nil, fmt.Errorf("store: chart item date: %w", err)
		}
		if it.Until, err = parseOptDate(until); err != nil {
			return nil, fmt.Errorf("store: chart item date: %w", err)
		}
		it.Labels = parseLabels(labels)
		index[it.Key] = len(out)
		out = append(out, it)
	}
	if err := rows.Err(); err != nil {
		return nil, classify(err)
	}
	srows, err := s.read.QueryContext(ctx, `SELECT item_key, source FROM label_sources WHERE patient_id = $1 ORDER BY id`, id)
	if err != nil {
		return nil, classify(err)
	}
	defer srows.Close()
	for srows.Next() {
		var key, src string
		if err := srows.Scan(&key, &src); err != nil {
			return nil, err
		}
		var ls roi.LabelSource
		if err := json.Unmarshal([]byte(src), &ls); err != nil {
			return nil, fmt.Errorf("store: label source: %w", err)
		}
		if i, ok := index[key]; ok {
			out[i].Why = append(out[i].Why, ls)
		}
	}
	if err := srows.Err(); err != nil {
		return nil, classify(err)
	}
	orows, err := s.read.QueryContext(ctx, `SELECT item_key, label, action, reason, made_by FROM label_overrides WHERE patient_id = $1 ORDER BY made_at`, id)
	if err != nil {
		return nil, classify(err)
	}
	defer orows.Close()
	for orows.Next() {
		var key, action string
		var ls roi.LabelSource
		if err := orows.Scan(&key, &ls.Label, &action, &ls.Reason, &ls.By); err != nil {
			return nil, err
		}
		ls.Rule = "staff-" + action
		if i, ok := index[key]; ok {
			out[i].Why = append(out[i].Why, ls)
		}
	}
	return out, classify(orows.Err())
}
