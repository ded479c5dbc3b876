package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"github.com/custodian-roi/custodian/internal/roi"
)

// ImportChart stores a patient and their chart items, matched by FHIR id:
// a re-import updates the patient and adds or updates items, never
// duplicates them. It returns the patient's ID and how many items were new.
// The import is recorded in the ledger.
func (s *Store) ImportChart(ctx context.Context, p roi.PatientRecord, items []roi.ChartItem, actor string) (roi.PatientID, int, error) {
	var id roi.PatientID
	added := 0
	err := s.tx(ctx, func(tx *sql.Tx) error {
		err := tx.QueryRowContext(ctx, `SELECT id FROM patients WHERE fhir_id = $1`, p.FHIRID).Scan(&id)
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
		for _, it := range items {
			res, err := tx.ExecContext(ctx, `UPDATE chart_items SET item_date = $1, item_type = $2, title = $3, source = $4
				WHERE patient_id = $5 AND item_key = $6`, it.Date.String(), it.Type, it.Title, it.Source, id, it.Key)
			if err != nil {
				return fmt.Errorf("store: import item: %w", err)
			}
			if n, _ := res.RowsAffected(); n > 0 {
				continue
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO chart_items (patient_id, item_key, item_date, item_type, title, labels, source)
				VALUES ($1, $2, $3, $4, $5, $6, $7)`, id, it.Key, it.Date.String(), it.Type, it.Title, labelString(it.Labels), it.Source); err != nil {
				return fmt.Errorf("store: import item: %w", err)
			}
			added++
		}
		return s.append(ctx, tx, roi.Event{Kind: "import", PatientID: id, Actor: actor,
			Body: map[string]int{"items": len(items), "new_items": added}})
	})
	return id, added, err
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
	rows, err := s.read.QueryContext(ctx, `SELECT `+patientColumns+` FROM patients ORDER BY id`)
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

// ChartItems returns a patient's chart items by date, then key.
func (s *Store) ChartItems(ctx context.Context, id roi.PatientID) ([]roi.ChartItem, error) {
	rows, err := s.read.QueryContext(ctx, `SELECT item_key, item_date, item_type, title, labels, source
		FROM chart_items WHERE patient_id = $1 ORDER BY item_date, item_key`, id)
	if err != nil {
		return nil, classify(err)
	}
	defer rows.Close()
	var out []roi.ChartItem
	for rows.Next() {
		var it roi.ChartItem
		var date, labels string
		if err := rows.Scan(&it.Key, &date, &it.Type, &it.Title, &labels, &it.Source); err != nil {
			return nil, err
		}
		if it.Date, err = roi.ParseDate(date); err != nil {
			return nil, fmt.Errorf("store: chart item date: %w", err)
		}
		it.Labels = parseLabels(labels)
		out = append(out, it)
	}
	return out, classify(rows.Err())
}

// SetItemLabels replaces the labels of one chart item and records why in
// the ledger. Returns CodeNotFound if the patient has no such item.
func (s *Store) SetItemLabels(ctx context.Context, id roi.PatientID, key string, labels roi.Labels, ev roi.Event) error {
	return s.tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE chart_items SET labels = $1 WHERE patient_id = $2 AND item_key = $3`, labelString(labels), id, key)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return notFound("Chart item")
		}
		ev.PatientID = id
		return s.append(ctx, tx, ev)
	})
}
