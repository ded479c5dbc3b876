package store

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/custodian-roi/custodian/internal/ledger"
	"github.com/custodian-roi/custodian/internal/roi"
)

// Seeder writes rows in bulk, for load tests and benchmarks only (it is
// what cmd/custodian-load uses to build a desk of hospital size): it
// checks nothing the workflow checks, so it must never serve a real
// desk. Rows go straight into the store's tables as multi-row INSERTs
// inside large transactions; ledger entries are sealed onto the chain
// exactly as append seals them, so the ledger verifies afterwards.
//
// Tables are flushed in the order they were first written, so that rows
// referring to others (a request to its patient) follow them.
type Seeder struct {
	s     *Store
	ctx   context.Context
	tx    *sql.Tx
	order []string
	bufs  map[string]*seedBuf
	seq   int64
	head  string
	rows  int // rows written since the last commit
	// digests are the ref digests (ledger_refs.go) of the rows queued in
	// the ref tables, by ref table name and row ID, so that entries about
	// them carry refs exactly as the store's append would write them.
	digests map[string]map[int64]string
}

type seedBuf struct {
	cols []string
	rows [][]any
}

// seedBatch bounds the bound parameters of one INSERT (SQLite allows
// 32,766, PostgreSQL 65,535).
const seedBatch = 30000

// seedCommit is about how many rows one transaction holds.
const seedCommit = 500000

// Seed starts a bulk load (test and benchmark use only; see Seeder).
func (s *Store) Seed(ctx context.Context) (*Seeder, error) {
	b := &Seeder{s: s, ctx: ctx, bufs: map[string]*seedBuf{}, digests: map[string]map[int64]string{}}
	if s.dialect == SQLite {
		// A larger page cache for the writer while loading; Close of the
		// Seeder sets it back to SQLite's default.
		if _, err := s.write.ExecContext(ctx, `PRAGMA cache_size = -262144`); err != nil {
			return nil, classify(err)
		}
	}
	return b, b.begin()
}

func (b *Seeder) begin() error {
	tx, err := b.s.write.BeginTx(b.ctx, nil)
	if err != nil {
		return classify(err)
	}
	b.tx = tx
	return classify(tx.QueryRowContext(b.ctx, `SELECT seq, hash FROM ledger_head WHERE id = 1`).Scan(&b.seq, &b.head))
}

// Row queues one row of table with the given columns (the same columns
// for every row of a table).
func (b *Seeder) Row(table string, cols []string, vals ...any) error {
	buf := b.bufs[table]
	if buf == nil {
		buf = &seedBuf{cols: cols}
		b.bufs[table] = buf
		b.order = append(b.order, table)
	}
	buf.rows = append(buf.rows, vals)
	if err := b.digest(table, cols, vals); err != nil {
		return err
	}
	if (len(buf.rows)+1)*len(cols) > seedBatch {
		return b.flush()
	}
	return nil
}

// Ledger seals an entry at time at onto the chain and queues it.
func (b *Seeder) Ledger(at time.Time, kind roi.EventKind, req roi.RequestID, pid roi.PatientID, actor string, body json.RawMessage) error {
	b.seq++
	e := roi.LedgerEntry{Seq: b.seq, At: at.UTC().Truncate(1000), Kind: kind, RequestID: req, PatientID: pid, Actor: actor, Body: body,
		Refs: b.refs(kind, req, body)}
	ledger.Seal(b.head, &e)
	b.head = e.Hash
	return b.Row("ledger", []string{"seq", "at", "kind", "request_id", "patient_id", "actor", "body", "prev_hash", "hash", "refs"},
		e.Seq, e.At.Format(ledger.TimeFormat), e.Kind, e.RequestID, e.PatientID, e.Actor, string(e.Body), e.PrevHash, e.Hash, e.Refs)
}

// digest notes the ref digest of a row queued in a ref table: the same
// JSON array of the fields as text that rowDigest makes of the row read
// back (a number as its decimal digits, a string or bytes as they are).
func (b *Seeder) digest(table string, cols []string, vals []any) error {
	for _, t := range refTables {
		if t.table != table {
			continue
		}
		at := map[string]int{}
		for i, c := range cols {
			at[c] = i
		}
		var rowID int64
		var arr []any
		for i, c := range append([]string{"id"}, strings.Split(t.cols, ", ")...) {
			j, ok := at[c]
			if !ok {
				return fmt.Errorf("store: seed %s: column %s missing", table, c)
			}
			v, err := seedText(vals[j])
			if err != nil {
				return fmt.Errorf("store: seed %s column %s: %w", table, c, err)
			}
			if i == 0 {
				rowID, err = strconv.ParseInt(v.(string), 10, 64)
				if err != nil {
					return fmt.Errorf("store: seed %s: id %w", table, err)
				}
				continue
			}
			arr = append(arr, v)
		}
		raw, _ := json.Marshal(arr)
		sum := sha256.Sum256(raw)
		m := b.digests[t.name]
		if m == nil {
			m = map[int64]string{}
			b.digests[t.name] = m
		}
		m[rowID] = hex.EncodeToString(sum[:])
	}
	return nil
}

// seedText is v as the database gives it back as text (nil for NULL).
func seedText(v any) (any, error) {
	switch x := v.(type) {
	case nil:
		return nil, nil
	case []byte:
		return string(x), nil
	case json.RawMessage:
		return string(x), nil
	case time.Time:
		return nil, fmt.Errorf("a time.Time's text depends on the driver; seed it as a string")
	}
	rv := reflect.ValueOf(v)
	switch rv.Kind() {
	case reflect.String:
		return rv.String(), nil
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return strconv.FormatInt(rv.Int(), 10), nil
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return strconv.FormatUint(rv.Uint(), 10), nil
	}
	return nil, fmt.Errorf("a %T has no known text form", v)
}

// refs is what entryRefs would write for an entry of kind about req with
// body, from the digests of the rows queued so far.
func (b *Seeder) refs(kind roi.EventKind, req roi.RequestID, body []byte) string {
	if kind == roi.EventView {
		return refsVersion
	}
	var want [][2]any
	if kind == roi.EventIntake && req != 0 {
		want = append(want, [2]any{"request", int64(req)})
	}
	var ids refIDs
	if json.Unmarshal(body, &ids) == nil {
		for _, w := range [][2]any{{"decision", ids.DecisionID}, {"decision", ids.ReviewID}, {"evidence", ids.EvidenceID}} {
			if w[1].(int64) != 0 {
				want = append(want, w)
			}
		}
	}
	refs := []string{}
	for _, w := range want {
		name, id := w[0].(string), w[1].(int64)
		if d, ok := b.digests[name][id]; ok {
			refs = append(refs, name+":"+strconv.FormatInt(id, 10)+":"+d)
		}
	}
	slices.Sort(refs)
	return strings.Join(append([]string{refsVersion}, refs...), " ")
}

// LedgerSeq is the sequence number of the last entry sealed.
func (b *Seeder) LedgerSeq() int64 { return b.seq }

func (b *Seeder) flush() error {
	for _, table := range b.order {
		buf := b.bufs[table]
		if len(buf.rows) == 0 {
			continue
		}
		var q strings.Builder
		q.WriteString("INSERT INTO " + table + " (" + strings.Join(buf.cols, ", ") + ")")
		if b.s.dialect == Postgres && buf.cols[0] == "id" {
			q.WriteString(" OVERRIDING SYSTEM VALUE")
		}
		q.WriteString(" VALUES ")
		args := make([]any, 0, len(buf.rows)*len(buf.cols))
		for i, row := range buf.rows {
			if i > 0 {
				q.WriteByte(',')
			}
			q.WriteByte('(')
			for j, v := range row {
				if j > 0 {
					q.WriteByte(',')
				}
				args = append(args, v)
				if b.s.dialect == SQLite {
					// SQLite looks each $N up by name, one by one: with
					// thousands of them that dominates; ? is positional.
					q.WriteByte('?')
				} else {
					fmt.Fprintf(&q, "$%d", len(args))
				}
			}
			q.WriteByte(')')
		}
		if _, err := b.tx.ExecContext(b.ctx, q.String(), args...); err != nil {
			return classify(fmt.Errorf("store: seed %s: %w", table, err))
		}
		b.rows += len(buf.rows)
		buf.rows = buf.rows[:0]
	}
	if b.rows >= seedCommit {
		return b.commit(true)
	}
	return nil
}

// commit commits what was queued, then starts the next transaction when
// more is to come. The database has moved the ledger head along with the
// entries (migration 0021).
func (b *Seeder) commit(more bool) error {
	if err := b.tx.Commit(); err != nil {
		return classify(fmt.Errorf("store: seed commit: %w", err))
	}
	b.tx, b.rows = nil, 0
	if more {
		return b.begin()
	}
	return nil
}

// Exec runs one statement in the seeding transaction (counters and the
// like).
func (b *Seeder) Exec(q string, args ...any) error {
	if err := b.flush(); err != nil {
		return err
	}
	_, err := b.tx.ExecContext(b.ctx, q, args...)
	return classify(err)
}

// Close flushes and commits everything queued; on PostgreSQL it moves
// the identity sequences past the ids the seed chose and analyzes the
// tables, as autovacuum would soon after such a load. SQLite is left
// unanalyzed, as the store leaves it.
func (b *Seeder) Close() error {
	if err := b.flush(); err != nil {
		return err
	}
	if b.tx != nil {
		if err := b.commit(false); err != nil {
			return err
		}
	}
	db := b.s.write
	if b.s.dialect == Postgres {
		for _, table := range b.order {
			if table == "ledger" || len(b.bufs[table].cols) == 0 || b.bufs[table].cols[0] != "id" {
				continue
			}
			if _, err := db.ExecContext(b.ctx, `SELECT setval(pg_get_serial_sequence('`+table+`', 'id'), (SELECT COALESCE(MAX(id), 0) + 1 FROM `+table+`), false)`); err != nil {
				return classify(fmt.Errorf("store: seed sequence %s: %w", table, err))
			}
		}
		_, err := db.ExecContext(b.ctx, `ANALYZE`)
		return classify(err)
	}
	_, err := db.ExecContext(b.ctx, `PRAGMA cache_size = -2000`)
	return classify(err)
}

// Abort drops what the current transaction holds.
func (b *Seeder) Abort() {
	if b.tx != nil {
		b.tx.Rollback()
		b.tx = nil
	}
}
