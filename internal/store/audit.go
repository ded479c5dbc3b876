package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/custodian-roi/custodian/internal/ledger"
	"github.com/custodian-roi/custodian/internal/roi"
)

// AuditFilter selects ledger entries for the AuditEvent search. Zero
// fields select everything; each set field is served by an index
// (migration 0019).
type AuditFilter struct {
	PatientID roi.PatientID
	Actor     string
	// From and To bound the recorded time, [From, To); zero is open.
	From, To time.Time
	// After keeps entries after this sequence number (the page cursor);
	// Until, when not 0, those up to it (the ledger's head when a paged
	// search began, so that its pages end).
	After, Until int64
	// Limit caps the entries returned (required: 1 or more).
	Limit int
}

// AuditEntries returns the entries matching f in ledger order, at most
// f.Limit of them.
func (s *Store) AuditEntries(ctx context.Context, f AuditFilter) ([]roi.LedgerEntry, error) {
	if f.Limit < 1 {
		return nil, roi.Errorf(roi.CodeInvalid, "A page of audit events holds at least one.")
	}
	q, args := auditQuery(`SELECT `+s.ledgerSelect()+` FROM ledger`, f)
	out := make([]roi.LedgerEntry, 0, min(f.Limit, 256))
	err := s.scanLedger(ctx, q, args, func(e *roi.LedgerEntry) error {
		out = append(out, *e)
		return nil
	})
	return out, err
}

// auditQuery appends f's conditions to sel, a SELECT from the ledger.
func auditQuery(sel string, f AuditFilter) (string, []any) {
	q := sel + ` WHERE seq > $1`
	args := []any{f.After}
	add := func(cond string, v any) {
		args = append(args, v)
		q += fmt.Sprintf(" AND %s $%d", cond, len(args))
	}
	if f.Until != 0 {
		add("seq <=", f.Until)
	}
	if f.PatientID != 0 {
		add("patient_id =", f.PatientID)
	}
	if f.Actor != "" {
		add("actor =", f.Actor)
	}
	// Ledger times are fixed-width UTC text, so text order is time order.
	if !f.From.IsZero() {
		from := f.From.UTC().Format(ledger.TimeFormat)
		add("at >=", from)
		// The first entry recorded since From, found in ledger_at, starts
		// the walk in ledger order: without it a search for the last day
		// walks the ledger from its first entry. It is exact, not a guess
		// from time order: no entry at or after From has a smaller seq.
		// (seq + 0: SQLite would otherwise find the minimum by walking the
		// ledger in seq order from its start, testing each entry's time.)
		args = append(args, from)
		q += fmt.Sprintf(" AND seq >= (SELECT MIN(seq + 0) FROM ledger WHERE at >= $%d)", len(args))
	}
	if !f.To.IsZero() {
		add("at <", f.To.UTC().Format(ledger.TimeFormat))
	}
	args = append(args, f.Limit)
	q += fmt.Sprintf(" ORDER BY seq LIMIT $%d", len(args))
	return q, args
}

// LedgerEntry returns entry seq; CodeNotFound when there is none.
func (s *Store) LedgerEntry(ctx context.Context, seq int64) (roi.LedgerEntry, error) {
	var out *roi.LedgerEntry
	err := s.scanLedger(ctx, `SELECT `+s.ledgerSelect()+` FROM ledger WHERE seq = $1`, []any{seq}, func(e *roi.LedgerEntry) error {
		out = e
		return nil
	})
	if err != nil {
		return roi.LedgerEntry{}, err
	}
	if out == nil {
		return roi.LedgerEntry{}, notFound("Audit event")
	}
	return *out, nil
}

// ForwardCursor is the last ledger entry forwarded to destination name
// (0: none yet).
func (s *Store) ForwardCursor(ctx context.Context, name string) (int64, error) {
	var seq int64
	err := s.read.QueryRowContext(ctx, `SELECT seq FROM audit_forward WHERE name = $1`, name).Scan(&seq)
	if err == sql.ErrNoRows {
		return 0, nil
	}
	return seq, classify(err)
}

// SetForwardCursor records that destination name has every entry up to
// seq. The cursor never moves back: a slower forwarder (an older instance
// still running) cannot undo a newer one's progress.
func (s *Store) SetForwardCursor(ctx context.Context, name string, seq int64) error {
	at := s.Now().UTC().Format(ledger.TimeFormat)
	return s.tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE audit_forward SET seq = $1, at = $2 WHERE name = $3 AND seq < $1`, seq, at, name)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n > 0 {
			return nil
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO audit_forward (name, seq, at) VALUES ($1, $2, $3) ON CONFLICT (name) DO NOTHING`, name, seq, at)
		return err
	})
}
