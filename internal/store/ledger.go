package store

import (
	"context"
	"database/sql"
	"fmt"
	"slices"

	"github.com/custodian-roi/custodian/internal/ledger"
	"github.com/custodian-roi/custodian/internal/roi"
)

// append seals ev onto the ledger inside tx. The ledger head row is
// updated in the same transaction, which serializes appenders on both
// databases. No code path updates or deletes a ledger row; the schema's
// triggers refuse it.
func (s *Store) append(ctx context.Context, tx *sql.Tx, ev roi.Event) error {
	var seq int64
	var prev string
	if err := tx.QueryRowContext(ctx, `UPDATE ledger_head SET seq = seq + 1 WHERE id = 1 RETURNING seq, hash`).Scan(&seq, &prev); err != nil {
		return fmt.Errorf("store: ledger head: %w", err)
	}
	body, err := ledger.Body(ev.Body)
	if err != nil {
		return err
	}
	at := s.Now().UTC().Truncate(1000) // microseconds, what both databases keep
	e := roi.LedgerEntry{Seq: seq, At: at, Kind: ev.Kind, RequestID: ev.RequestID, PatientID: ev.PatientID, Actor: ev.Actor, Body: body}
	ledger.Seal(prev, &e)
	if _, err := tx.ExecContext(ctx, `INSERT INTO ledger (seq, at, kind, request_id, patient_id, actor, body, prev_hash, hash)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
		e.Seq, at.Format(ledger.TimeFormat), e.Kind, e.RequestID, e.PatientID, e.Actor, string(e.Body), e.PrevHash, e.Hash); err != nil {
		return fmt.Errorf("store: ledger append: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `UPDATE ledger_head SET hash = $1 WHERE id = 1`, e.Hash); err != nil {
		return fmt.Errorf("store: ledger head: %w", err)
	}
	return nil
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
	q := `SELECT seq, at, kind, request_id, patient_id, actor, body, prev_hash, hash FROM ledger WHERE 1 = 1`
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

func (s *Store) scanLedger(ctx context.Context, q string, args []any, fn func(*roi.LedgerEntry) error) error {
	rows, err := s.read.QueryContext(ctx, q, args...)
	if err != nil {
		return classify(err)
	}
	defer rows.Close()
	for rows.Next() {
		var e roi.LedgerEntry
		var at, body string
		if err := rows.Scan(&e.Seq, &at, &e.Kind, &e.RequestID, &e.PatientID, &e.Actor, &body, &e.PrevHash, &e.Hash); err != nil {
			return err
		}
		e.At, e.Body = parseTime(at), []byte(body)
		if err := fn(&e); err != nil {
			return err
		}
	}
	return classify(rows.Err())
}

// VerifyLedger walks the whole chain in order and returns the number of
// entries checked; a *ledger.BrokenError names the first broken entry. The
// head row must point at the last entry, so a removed tail is found too.
func (s *Store) VerifyLedger(ctx context.Context) (int64, error) {
	v := ledger.NewVerifier()
	err := s.scanLedger(ctx, `SELECT seq, at, kind, request_id, patient_id, actor, body, prev_hash, hash FROM ledger ORDER BY seq`, nil, v.Check)
	if err != nil {
		return v.Count(), err
	}
	var seq int64
	var hash string
	if err := s.read.QueryRowContext(ctx, `SELECT seq, hash FROM ledger_head WHERE id = 1`).Scan(&seq, &hash); err != nil {
		return v.Count(), classify(err)
	}
	if seq != v.Count() || hash != v.Head() {
		return v.Count(), &ledger.BrokenError{Seq: v.Count() + 1, Reason: fmt.Sprintf("the ledger head says %d entries; entries after %d are missing", seq, v.Count())}
	}
	return v.Count(), nil
}
