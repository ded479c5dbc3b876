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

// Finding patients by name or MRN, and requests by the requester's name
// (migration 0015). Each patient's name is
// kept as its words, case-folded, in patient_words, with the MRN folded
// whole under a leading '#'. A search term matches a patient when every
// word of the term begins a word of the name ("pat exa" finds "Pat
// Example", "smi" finds "Smith-Jones"), or when the whole term is the MRN
// (any case). A word is matched from its start only: "mith" does not find
// "Smith", which the in-memory comparison this replaced did; a prefix is
// what an index can answer without reading every name. Requesters' names
// are kept the same way in request_words; there the words only narrow the
// requests, and RequestFilter.RequesterName's LIKE keeps the names that
// contain the term as typed ("Jones & Smith" is not "Smith & Jones").

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
	return patientWords.index(ctx, tx, int64(id), name, mrn)
}

// wordIndex is one table of words (migration 0015) and the rows it
// indexes: patients by name and MRN, requests by the requester's name.
type wordIndex struct {
	rows, words, idColumn string
	text                  string // the columns read for the words: a name and an MRN ('' for requests)
	mu                    *sync.Mutex
}

var (
	patientWords = wordIndex{rows: "patients", words: "patient_words", idColumn: "patient_id", text: "name, mrn", mu: new(sync.Mutex)}
	requestWords = wordIndex{rows: "requests", words: "request_words", idColumn: "request_id", text: "requester_name, ''", mu: new(sync.Mutex)}
)

// index writes row id's words in tx, replacing any it had, and marks the
// row indexed.
func (w wordIndex) index(ctx context.Context, tx *sql.Tx, id int64, name, mrn string) error {
	if _, err := tx.ExecContext(ctx, `DELETE FROM `+w.words+` WHERE `+w.idColumn+` = $1`, id); err != nil {
		return fmt.Errorf("store: %s: %w", w.words, err)
	}
	words := SearchWords(name)
	if strings.TrimSpace(mrn) != "" {
		words = append(words, mrnWord(mrn))
	}
	seen := map[string]bool{}
	for _, word := range words {
		if seen[word] {
			continue
		}
		seen[word] = true
		// DO NOTHING: two instances indexing the same pending row at once
		// write the same words.
		if _, err := tx.ExecContext(ctx, `INSERT INTO `+w.words+` (word, `+w.idColumn+`) VALUES ($1, $2)
			ON CONFLICT (word, `+w.idColumn+`) DO NOTHING`, word, id); err != nil {
			return fmt.Errorf("store: %s: %w", w.words, err)
		}
	}
	if _, err := tx.ExecContext(ctx, `UPDATE `+w.rows+` SET search_indexed = 1 WHERE id = $1`, id); err != nil {
		return fmt.Errorf("store: %s: %w", w.words, err)
	}
	return nil
}

// pending indexes every row not yet indexed (the rows from before the
// migration, or written by a bulk seed: the store indexes the patients and
// requests it writes itself), a few thousand per transaction so
// that the writer is never held long. One caller at a time does it; the
// others wait and then find none left. When none waits it costs one
// lookup on a partial index.
func (s *Store) pending(ctx context.Context, w wordIndex) error {
	waiting := func() (bool, error) {
		var yes bool
		err := s.read.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM `+w.rows+` WHERE search_indexed = 0)`).Scan(&yes)
		return yes, classify(err)
	}
	if yes, err := waiting(); err != nil || !yes {
		return err
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	// Whoever held the lock may have indexed them all: look again before
	// taking the writer, which every change on the desk waits for.
	if yes, err := waiting(); err != nil || !yes {
		return err
	}
	for {
		n := 0
		err := s.tx(ctx, func(tx *sql.Tx) error {
			rows, err := tx.QueryContext(ctx, `SELECT id, `+w.text+` FROM `+w.rows+` WHERE search_indexed = 0 ORDER BY id LIMIT 2000`)
			if err != nil {
				return err
			}
			type row struct {
				id        int64
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
				if err := w.index(ctx, tx, r.id, r.name, r.mrn); err != nil {
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

// indexPendingFor indexes the requests still waiting when f matches the
// requester's name, which reads their words.
func (s *Store) indexPendingFor(ctx context.Context, f RequestFilter) error {
	if f.RequesterName == "" {
		return nil
	}
	return s.pending(ctx, requestWords)
}

// requesterWords is the condition that narrows a requester-name match to
// the requests whose requester's name has a word beginning with each word
// of name, on request_words' key; "" when name has no word (the LIKE alone
// decides then).
func requesterWords(arg func(any) string, name string) string {
	words := SearchWords(name)
	if len(words) == 0 {
		return ""
	}
	return " AND id IN (" + wordsQuery(arg, "request_id", "request_words", words) + ")"
}

// wordsQuery selects the ids of the rows with a word beginning with each
// of words (at most maxSearchWords of them).
func wordsQuery(arg func(any) string, idColumn, table string, words []string) string {
	if len(words) > maxSearchWords {
		words = words[:maxSearchWords]
	}
	parts := make([]string, len(words))
	for i, w := range words {
		parts[i] = `SELECT ` + idColumn + ` FROM ` + table + ` WHERE word >= ` + arg(w) + ` AND word < ` + arg(prefixEnd(w))
	}
	return strings.Join(parts, " INTERSECT ")
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
	if err := s.pending(ctx, patientWords); err != nil {
		return nil, err
	}
	words := SearchWords(term)
	var args []any
	arg := func(v any) string {
		args = append(args, v)
		return fmt.Sprintf("$%d", len(args))
	}
	cond := `id IN (SELECT patient_id FROM patient_words WHERE word = ` + arg(mrnWord(term)) + `)`
	if len(words) > 0 {
		cond = `id IN (` + wordsQuery(arg, "patient_id", "patient_words", words) + `) OR ` + cond
	}
	q := `SELECT ` + patientColumns + ` FROM patients WHERE ` + cond + ` ORDER BY id`
	if limit > 0 {
		q += ` LIMIT ` + arg(limit)
	}
	return s.patients(ctx, q, args...)
}
