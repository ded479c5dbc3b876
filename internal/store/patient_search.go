package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"sync"
	"unicode"

	"github.com/custodian-roi/custodian/internal/roi"
)

// Finding patients by name or MRN (migration 0015). Each patient's name is
// kept as its words, case-folded, in patient_words, with the MRN folded
// whole under a leading '#'. A search term matches a patient when every
// word of the term begins a word of the name ("pat exa" finds "Pat
// Example", "smi" finds "Smith-Jones"), or when the whole term is the MRN
// (any case). A word is matched from its start only: "mith" does not find
// "Smith", which the in-memory comparison this replaced did; a prefix is
// what an index can answer without reading every name.

// maxSearchWords bounds the words of a term that are looked up: a name
// has a few; more is a paste of something else.
const maxSearchWords = 8

// SearchWords splits s into the words the patient search compares:
// letters and digits, case-folded; everything else separates words.
func SearchWords(s string) []string {
	return strings.FieldsFunc(strings.ToLower(s), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r)
	})
}

// mrnWord is how an MRN is kept among the words: whole, folded, behind a
// '#' that SearchWords never leaves in a word, so a name never matches it.
func mrnWord(mrn string) string {
	return "#" + strings.ToLower(strings.TrimSpace(mrn))
}

// prefixEnd is the least string above every string that begins with w in
// byte order (the "C" collation on PostgreSQL, BINARY on SQLite): w
// followed by the highest code point, valid UTF-8 for both databases.
func prefixEnd(w string) string { return w + "\U0010FFFF" }

// indexPatient writes patient id's words in tx, replacing any it had, and
// marks the patient indexed.
func indexPatient(ctx context.Context, tx *sql.Tx, id roi.PatientID, name, mrn string) error {
	if _, err := tx.ExecContext(ctx, `DELETE FROM patient_words WHERE patient_id = $1`, id); err != nil {
		return fmt.Errorf("store: patient words: %w", err)
	}
	words := SearchWords(name)
	if strings.TrimSpace(mrn) != "" {
		words = append(words, mrnWord(mrn))
	}
	seen := map[string]bool{}
	for _, w := range words {
		if seen[w] {
			continue
		}
		seen[w] = true
		// DO NOTHING: two instances indexing the same pending patient at
		// once write the same words.
		if _, err := tx.ExecContext(ctx, `INSERT INTO patient_words (word, patient_id) VALUES ($1, $2)
			ON CONFLICT (word, patient_id) DO NOTHING`, w, id); err != nil {
			return fmt.Errorf("store: patient words: %w", err)
		}
	}
	if _, err := tx.ExecContext(ctx, `UPDATE patients SET search_indexed = 1 WHERE id = $1`, id); err != nil {
		return fmt.Errorf("store: patient words: %w", err)
	}
	return nil
}

// indexing lets one search at a time index the patients still waiting
// (after the migration, or a bulk seed); the others wait for it and then
// find none left.
var indexing sync.Mutex

// indexPending indexes every patient not yet in patient_words, a few
// thousand per transaction so that the writer is never held long.
func (s *Store) indexPending(ctx context.Context) error {
	var pending bool
	if err := s.read.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM patients WHERE search_indexed = 0)`).Scan(&pending); err != nil {
		return classify(err)
	}
	if !pending {
		return nil
	}
	indexing.Lock()
	defer indexing.Unlock()
	for {
		n := 0
		err := s.tx(ctx, func(tx *sql.Tx) error {
			rows, err := tx.QueryContext(ctx, `SELECT id, name, mrn FROM patients WHERE search_indexed = 0 ORDER BY id LIMIT 2000`)
			if err != nil {
				return err
			}
			type row struct {
				id        roi.PatientID
				name, mrn string
			}
			var todo []row
			for rows.Next() {
				var r row
				if err := rows.Scan(&r.id, &r.name, &r.mrn); err != nil {
					rows.Close()
					return err
				}
				todo = append(todo, r)
			}
			rows.Close()
			if err := rows.Err(); err != nil {
				return err
			}
			for _, r := range todo {
				if err := indexPatient(ctx, tx, r.id, r.name, r.mrn); err != nil {
					return err
				}
			}
			n = len(todo)
			return nil
		})
		if err != nil || n == 0 {
			return err
		}
	}
}

// SearchPatients lists the patients whose name has a word beginning with
// each word of term, or whose MRN is term (ignoring case), by ID; at most
// limit of them when limit > 0. A term without a letter or a digit finds
// no name.
func (s *Store) SearchPatients(ctx context.Context, term string, limit int) ([]*roi.PatientRecord, error) {
	term = strings.TrimSpace(term)
	if term == "" {
		return nil, nil
	}
	if err := s.indexPending(ctx); err != nil {
		return nil, err
	}
	words := SearchWords(term)
	if len(words) > maxSearchWords {
		words = words[:maxSearchWords]
	}
	var args []any
	arg := func(v any) string {
		args = append(args, v)
		return fmt.Sprintf("$%d", len(args))
	}
	cond := `id IN (SELECT patient_id FROM patient_words WHERE word = ` + arg(mrnWord(term)) + `)`
	if len(words) > 0 {
		parts := make([]string, len(words))
		for i, w := range words {
			parts[i] = `SELECT patient_id FROM patient_words WHERE word >= ` + arg(w) + ` AND word < ` + arg(prefixEnd(w))
		}
		cond = `id IN (` + strings.Join(parts, " INTERSECT ") + `) OR ` + cond
	}
	q := `SELECT ` + patientColumns + ` FROM patients WHERE ` + cond + ` ORDER BY id`
	if limit > 0 {
		q += ` LIMIT ` + arg(limit)
	}
	return s.patients(ctx, q, args...)
}
