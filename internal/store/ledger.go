package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/custodian-roi/custodian/internal/ledger"
	"github.com/custodian-roi/custodian/internal/roi"
)

// ErrLedgerKeyRequired: the ledger is sealed with a ledger key and this
// process holds none, so it may not append.
var ErrLedgerKeyRequired = roi.WrapOp("store.AppendLedger", roi.CodeInternal, errors.New("store: the ledger is sealed and no ledger key is configured"),
	"This desk's ledger is sealed with a ledger key, and this program was started without it: give --ledger-key-file (or CUSTODIAN_LEDGER_KEY_FILE). Nothing was changed.")

// ledgerHead is the ledger's last entry: its sequence number, its hash and
// the key that sealed it.
type ledgerHead struct {
	seq   int64
	hash  string
	keyID string
}

// headHint returns the head as this process last wrote or read it, if it
// has. It is only a hint: another process, or a transaction of this one
// that rolled back, may have moved the real head since.
func (s *Store) headHint() (ledgerHead, bool) {
	s.headMu.Lock()
	defer s.headMu.Unlock()
	return s.head, s.headKnown
}

func (s *Store) setHeadHint(h ledgerHead, known bool) {
	s.headMu.Lock()
	s.head, s.headKnown = h, known
	s.headMu.Unlock()
}

// lockHead reads the ledger head inside tx and holds it: on PostgreSQL
// with a row lock, on SQLite by the transaction's write lock.
func (s *Store) lockHead(ctx context.Context, tx *sql.Tx) (ledgerHead, error) {
	q := `SELECT seq, hash, key_id FROM ledger_head WHERE id = 1`
	if s.dialect == Postgres {
		q += ` FOR UPDATE`
	}
	var h ledgerHead
	if err := tx.QueryRowContext(ctx, q).Scan(&h.seq, &h.hash, &h.keyID); err != nil {
		return h, fmt.Errorf("store: ledger head: %w", err)
	}
	return h, nil
}

// append seals ev onto the ledger inside tx.
func (s *Store) append(ctx context.Context, tx *sql.Tx, ev roi.Event) error {
	return s.appendAll(ctx, tx, []roi.Event{ev})
}

// appendAll seals evs onto the ledger inside tx, in order. No code path
// updates or deletes a ledger row; the schema's triggers refuse it, and
// they move the ledger head to each new last entry, accepting an entry
// only as the next link of the chain (migration 0021).
//
// The entries are built on the head this process last saw and written by
// one INSERT that takes effect only if the ledger's head is still that one;
// if it is not, the head is read again, locked, and the entries rebuilt on
// it. So the usual append is one statement, and appenders stay serialized
// on the head row on both databases.
//
// Each entry carries digests of the rows it is about (ledger_refs.go), taken
// in the same transaction, and, with a ledger key, its seal. The first entry
// sealed with a key the entry before was not sealed with is preceded by a
// ledger-key entry naming both keys (rotation, or the start of keying).
func (s *Store) appendAll(ctx context.Context, tx *sql.Tx, evs []roi.Event) error {
	if len(evs) == 0 {
		return nil
	}
	bodies := make([][]byte, len(evs))
	refs := make([]string, len(evs))
	var patients map[roi.RequestID]roi.PatientID // the requests' patients looked up, once any is
	for i, ev := range evs {
		if ev.PatientID == 0 && ev.RequestID != 0 {
			if patients == nil {
				// Fill in a copy: the caller's events stay as they were.
				// Most appends name their patients and never get here.
				evs, patients = slices.Clone(evs), map[roi.RequestID]roi.PatientID{}
			}
			pid, err := requestPatient(ctx, tx, ev.RequestID, patients)
			if err != nil {
				return err
			}
			evs[i].PatientID = pid
		}
		body, err := ledger.Body(ev.Body)
		if err != nil {
			return err
		}
		if refs[i], err = entryRefs(ctx, tx, ev.Kind, ev.RequestID, body); err != nil {
			return err
		}
		bodies[i] = body
	}
	head, known := s.headHint()
	for {
		if !known {
			h, err := s.lockHead(ctx, tx)
			if err != nil {
				return err
			}
			head = h
		}
		entries, err := s.chain(head, evs, bodies, refs)
		if errors.Is(err, ErrLedgerKeyRequired) && known {
			known = false // decide that on the head itself, not a hint
			continue
		}
		if err != nil {
			return err
		}
		ok, err := s.insertAfter(ctx, tx, head, entries)
		if err != nil {
			return err
		}
		if ok {
			last := entries[len(entries)-1]
			s.setHeadHint(ledgerHead{last.Seq, last.Hash, last.KeyID}, true)
			return nil
		}
		if !known {
			return fmt.Errorf("store: ledger append: the ledger head moved while locked")
		}
		known = false
	}
}

// requestPatient is the patient of request id, looked up once per append
// in known. Every entry about a request names its patient, so the
// patient's audit trail (AuditEvents by patient, the access log) finds the
// entries of callers that know only the request: the delivery worker, the
// portal's codes and downloads.
func requestPatient(ctx context.Context, tx *sql.Tx, id roi.RequestID, known map[roi.RequestID]roi.PatientID) (roi.PatientID, error) {
	if pid, ok := known[id]; ok {
		return pid, nil
	}
	var pid sql.NullInt64
	err := tx.QueryRowContext(ctx, `SELECT patient_id FROM requests WHERE id = $1`, id).Scan(&pid)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return 0, fmt.Errorf("store: ledger append: the request's patient: %w", err)
	}
	known[id] = roi.PatientID(pid.Int64)
	return known[id], nil
}

// chain builds evs into entries following head, with a ledger-key entry
// first where the key changes.
func (s *Store) chain(head ledgerHead, evs []roi.Event, bodies [][]byte, refs []string) ([]roi.LedgerEntry, error) {
	seq, prev, last := head.seq, head.hash, head.keyID
	entries := make([]roi.LedgerEntry, 0, len(evs)+1)
	add := func(ev roi.Event, body []byte, refs string) {
		seq++
		at := s.Now().UTC().Truncate(1000) // microseconds, what both databases keep
		e := roi.LedgerEntry{Seq: seq, At: at, Kind: ev.Kind, RequestID: ev.RequestID, PatientID: ev.PatientID, Actor: ev.Actor, Body: body, Refs: refs}
		ledger.Seal(prev, &e)
		if keys := s.LedgerKeys; keys != nil {
			keys.Current().SealEntry(&e)
		}
		prev, last = e.Hash, e.KeyID
		entries = append(entries, e)
	}
	for i, ev := range evs {
		keys := s.LedgerKeys
		if keys == nil && last != "" {
			// A ledger already sealed takes no unsealed entry: verify would
			// call it a rewrite. A command started without the key stops here.
			return nil, ErrLedgerKeyRequired
		}
		if keys != nil && ev.Kind != ledger.EventKey && last != keys.Current().ID() {
			kev := roi.Event{Kind: ledger.EventKey, Actor: "custodian"}
			body, err := ledger.Body(ledger.KeyBody{From: last, To: keys.Current().ID()})
			if err != nil {
				return nil, err
			}
			add(kev, body, refsVersion) // a key entry is about no row
		}
		add(ev, bodies[i], refs[i])
	}
	return entries, nil
}

// ledgerInsertRows bounds the entries one INSERT carries (12 parameters
// each; PostgreSQL takes at most 65,535).
const ledgerInsertRows = 1000

// insertAfter writes entries, which follow head, in one INSERT per
// ledgerInsertRows. The first INSERT takes effect only if the ledger's head
// is head (and on PostgreSQL locks it); it reports false if it was not.
func (s *Store) insertAfter(ctx context.Context, tx *sql.Tx, head ledgerHead, entries []roi.LedgerEntry) (bool, error) {
	// The column types are PostgreSQL's for the VALUES list, whose
	// parameters it would otherwise take as text.
	types := [12]string{"bigint", "text", "text", "bigint", "bigint", "text", "text", "text", "text", "text", "text", "text"}
	for first := true; len(entries) > 0; first = false {
		chunk := entries[:min(len(entries), ledgerInsertRows)]
		entries = entries[len(chunk):]
		var q strings.Builder
		args := make([]any, 0, len(chunk)*12+2)
		param := func(v any, typ string) {
			args = append(args, v)
			if s.dialect == SQLite {
				q.WriteByte('?') // positional: SQLite looks each $N up by name
				return
			}
			fmt.Fprintf(&q, "$%d::%s", len(args), typ)
		}
		q.WriteString(`INSERT INTO ledger (seq, at, kind, request_id, patient_id, actor, body, prev_hash, hash, refs, key_id, mac)
			SELECT v.* FROM ledger_head AS h, (VALUES `)
		for i, e := range chunk {
			if i > 0 {
				q.WriteString(", ")
			}
			q.WriteByte('(')
			for j, v := range []any{e.Seq, e.At.Format(ledger.TimeFormat), e.Kind, e.RequestID, e.PatientID, e.Actor, string(e.Body), e.PrevHash, e.Hash, e.Refs, e.KeyID, e.MAC} {
				if j > 0 {
					q.WriteString(", ")
				}
				param(v, types[j])
			}
			q.WriteByte(')')
		}
		q.WriteString(`) AS v WHERE h.id = 1 AND h.seq = `)
		param(head.seq, "bigint")
		q.WriteString(` AND h.hash = `)
		param(head.hash, "text")
		q.WriteString(` ORDER BY 1`)
		if s.dialect == Postgres {
			q.WriteString(` FOR UPDATE OF h`)
		}
		res, err := tx.ExecContext(ctx, q.String(), args...)
		if err != nil {
			return false, fmt.Errorf("store: ledger append: %w", err)
		}
		n, err := res.RowsAffected()
		if err != nil {
			return false, fmt.Errorf("store: ledger append: %w", err)
		}
		switch {
		case n == 0 && first:
			return false, nil
		case n != int64(len(chunk)):
			return false, fmt.Errorf("store: ledger append: %d of %d entries written", n, len(chunk))
		}
		last := chunk[len(chunk)-1]
		head = ledgerHead{last.Seq, last.Hash, last.KeyID}
	}
	return true, nil
}

// Append records events that change nothing else, such as a view of PHI.
func (s *Store) Append(ctx context.Context, evs ...roi.Event) error {
	return s.tx(ctx, func(tx *sql.Tx) error { return s.appendAll(ctx, tx, evs) })
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
