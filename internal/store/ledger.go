package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"

	"github.com/custodian-roi/custodian/internal/ledger"
	"github.com/custodian-roi/custodian/internal/roi"
)

// ErrLedgerKeyRequired: the ledger is sealed with a ledger key and this
// process holds none, so it may not append.
var ErrLedgerKeyRequired = roi.WrapOp("store.AppendLedger", roi.CodeInternal, errors.New("store: the ledger is sealed and no ledger key is configured"),
	"This desk's ledger is sealed with a ledger key, and this program was started without it: give --ledger-key-file (or CUSTODIAN_LEDGER_KEY_FILE). Nothing was changed.")

// append seals ev onto the ledger inside tx. The ledger head row is
// updated in the same transaction, which serializes appenders on both
// databases. No code path updates or deletes a ledger row; the schema's
// triggers refuse it.
//
// Each entry carries digests of the rows it is about (refs.go), taken in
// the same transaction, and, with a ledger key, its seal. The first entry
// sealed with a key the entry before was not sealed with is preceded by a
// ledger-key entry naming both keys (rotation, or the start of keying).
func (s *Store) append(ctx context.Context, tx *sql.Tx, ev roi.Event) error {
	var seq int64
	var prev string
	if err := tx.QueryRowContext(ctx, `UPDATE ledger_head SET seq = seq + 1 WHERE id = 1 RETURNING seq, hash`).Scan(&seq, &prev); err != nil {
		return fmt.Errorf("store: ledger head: %w", err)
	}
	if s.LedgerKeys == nil && seq > 1 {
		// A ledger already sealed takes no unsealed entry: verify would
		// call it a rewrite. A command started without the key stops here.
		var last string
		err := tx.QueryRowContext(ctx, `SELECT key_id FROM ledger WHERE seq = $1`, seq-1).Scan(&last)
		if err != nil && err != sql.ErrNoRows {
			return fmt.Errorf("store: ledger key: %w", err)
		}
		if last != "" {
			return ErrLedgerKeyRequired
		}
	}
	if keys := s.LedgerKeys; keys != nil && ev.Kind != ledger.EventKey {
		var last string
		err := tx.QueryRowContext(ctx, `SELECT key_id FROM ledger WHERE seq = $1`, seq-1).Scan(&last)
		if err != nil && err != sql.ErrNoRows {
			return fmt.Errorf("store: ledger key: %w", err)
		}
		if cur := keys.Current().ID(); last != cur {
			h, err := s.appendAt(ctx, tx, seq, prev, roi.Event{Kind: ledger.EventKey, Actor: "custodian", Body: ledger.KeyBody{From: last, To: cur}})
			if err != nil {
				return err
			}
			if err := tx.QueryRowContext(ctx, `UPDATE ledger_head SET seq = seq + 1 WHERE id = 1 RETURNING seq`).Scan(&seq); err != nil {
				return fmt.Errorf("store: ledger head: %w", err)
			}
			prev = h
		}
	}
	h, err := s.appendAt(ctx, tx, seq, prev, ev)
	if err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `UPDATE ledger_head SET hash = $1 WHERE id = 1`, h); err != nil {
		return fmt.Errorf("store: ledger head: %w", err)
	}
	return nil
}

// appendAt writes ev as entry seq after prev and returns its hash.
func (s *Store) appendAt(ctx context.Context, tx *sql.Tx, seq int64, prev string, ev roi.Event) (string, error) {
	body, err := ledger.Body(ev.Body)
	if err != nil {
		return "", err
	}
	refs, err := entryRefs(ctx, tx, ev.Kind, ev.RequestID, body)
	if err != nil {
		return "", err
	}
	at := s.Now().UTC().Truncate(1000) // microseconds, what both databases keep
	e := roi.LedgerEntry{Seq: seq, At: at, Kind: ev.Kind, RequestID: ev.RequestID, PatientID: ev.PatientID, Actor: ev.Actor, Body: body, Refs: refs}
	ledger.Seal(prev, &e)
	if keys := s.LedgerKeys; keys != nil {
		keys.Current().SealEntry(&e)
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO ledger (seq, at, kind, request_id, patient_id, actor, body, prev_hash, hash, refs, key_id, mac)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
		e.Seq, at.Format(ledger.TimeFormat), e.Kind, e.RequestID, e.PatientID, e.Actor, string(e.Body), e.PrevHash, e.Hash,
		e.Refs, e.KeyID, e.MAC); err != nil {
		return "", fmt.Errorf("store: ledger append: %w", err)
	}
	return e.Hash, nil
}

// Append records events that change nothing else, such as a view of PHI.
func (s *Store) Append(ctx context.Context, evs ...roi.Event) error {
	return s.tx(ctx, func(tx *sql.Tx) error {
		for _, ev := range evs {
			if err := s.append(ctx, tx, ev); err != nil {
				return err
			}
		}
		return nil
	})
}

// LedgerFilter selects ledger entries. Zero fields select everything.
type LedgerFilter struct {
	RequestID roi.RequestID
	PatientID roi.PatientID
	Kind      roi.EventKind
	NotKind   roi.EventKind // leave out entries of this kind
	// Last keeps only the newest Last entries matching (still returned in
	// sequence order); 0 keeps all.
	Last int
}

// Ledger returns the entries matching f in sequence order.
func (s *Store) Ledger(ctx context.Context, f LedgerFilter) ([]roi.LedgerEntry, error) {
	q := `SELECT ` + s.ledgerSelect() + ` FROM ledger WHERE 1 = 1`
	var args []any
	add := func(cond string, v any) {
		args = append(args, v)
		q += fmt.Sprintf(" AND %s = $%d", cond, len(args))
	}
	if f.RequestID != 0 {
		add("request_id", f.RequestID)
	}
	if f.PatientID != 0 {
		add("patient_id", f.PatientID)
	}
	if f.Kind != "" {
		add("kind", f.Kind)
	}
	if f.NotKind != "" {
		args = append(args, f.NotKind)
		q += fmt.Sprintf(" AND kind <> $%d", len(args))
	}
	order := " ORDER BY seq"
	if f.Last > 0 {
		args = append(args, f.Last)
		order = fmt.Sprintf(" ORDER BY seq DESC LIMIT $%d", len(args))
	}
	var out []roi.LedgerEntry
	err := s.scanLedger(ctx, q+order, args, func(e *roi.LedgerEntry) error {
		out = append(out, *e)
		return nil
	})
	if f.Last > 0 {
		slices.Reverse(out)
	}
	return out, err
}

// ledgerColumns are the columns scanLedger reads, in its order.
const ledgerColumns = `seq, at, kind, request_id, patient_id, actor, body, prev_hash, hash, refs, key_id, mac`

// ledgerSelect is ledgerColumns as this database has them.
func (s *Store) ledgerSelect() string {
	if s.legacyLedger {
		return `seq, at, kind, request_id, patient_id, actor, body, prev_hash, hash, '', '', ''`
	}
	return ledgerColumns
}

// querier is a *sql.DB or a *sql.Tx.
type querier interface {
	QueryContext(ctx context.Context, q string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, q string, args ...any) *sql.Row
}

func (s *Store) scanLedger(ctx context.Context, q string, args []any, fn func(*roi.LedgerEntry) error) error {
	return scanLedgerOn(ctx, s.read, q, args, fn)
}

func scanLedgerOn(ctx context.Context, db querier, q string, args []any, fn func(*roi.LedgerEntry) error) error {
	rows, err := db.QueryContext(ctx, q, args...)
	if err != nil {
		return classify(err)
	}
	defer rows.Close()
	for rows.Next() {
		var e roi.LedgerEntry
		var at, body string
		if err := rows.Scan(&e.Seq, &at, &e.Kind, &e.RequestID, &e.PatientID, &e.Actor, &body, &e.PrevHash, &e.Hash, &e.Refs, &e.KeyID, &e.MAC); err != nil {
			return err
		}
		e.At, e.Body = parseTime(at), []byte(body)
		if err := fn(&e); err != nil {
			return err
		}
	}
	return classify(rows.Err())
}
