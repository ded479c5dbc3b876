package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/custodian-roi/custodian/internal/ledger"
	"github.com/custodian-roi/custodian/internal/roi"
)

// LedgerReport is what a full check of the ledger found, when it found
// nothing broken.
type LedgerReport struct {
	// Entries verify in an unbroken chain up to the head row.
	Entries int64
	// Keyed entries carry a ledger-key seal, from KeyedSince on (0: none).
	// KeysChecked says whether a ledger key was configured, so that the
	// seals were checked; without one they are not.
	Keyed, KeyedSince int64
	KeysChecked       bool
	// Checkpoints is how many checkpoints outside the database agreed with
	// the ledger; Unauthenticated of them could not be authenticated
	// because no ledger key was configured. Newest is the one with the
	// highest sequence number (nil: none).
	Checkpoints, Unauthenticated int
	Newest                       *ledger.Checkpoint
	// Rows counts the rows checked against what the ledger recorded, by
	// table (requests, decisions, evidence, documents, packets,
	// deliveries).
	Rows map[string]int
}

// VerifyLedger walks the whole chain in order and returns the number of
// entries checked; a *ledger.BrokenError names the first broken entry. See
// VerifyLedgerReport for everything it checks.
func (s *Store) VerifyLedger(ctx context.Context) (int64, error) {
	r, err := s.VerifyLedgerReport(ctx)
	return r.Entries, err
}

// VerifyLedgerReport checks, in one consistent read of the database:
//
//   - the hash chain, entry by entry, and that the head row points at the
//     last entry (a removed tail);
//   - with ledger keys (s.LedgerKeys), every keyed entry's seal, and that
//     no unkeyed entry follows a keyed one;
//   - every checkpoint in s.CheckpointDir: the ledger still has the entry
//     it names, with the hash it recorded (a truncation with the head row
//     fixed, or a rewrite with recomputed hashes, below a checkpoint);
//   - the tables against what entries since migration 0017 recorded: a
//     request's intake fields (recipient, requester, …) and status, every
//     decision, every evidence entry and its withdrawal, every document's
//     hash, every packet's hashes and pages, every delivery's packet and
//     channel.
//
// The first problem found is returned as a *ledger.BrokenError; the report
// holds what was checked until then.
func (s *Store) VerifyLedgerReport(ctx context.Context) (*LedgerReport, error) {
	rep := &LedgerReport{Rows: map[string]int{}, KeysChecked: s.LedgerKeys != nil}
	cps, err := s.readCheckpoints()
	if err != nil {
		return rep, err
	}
	wanted := map[int64]string{}
	for _, c := range cps {
		wanted[c.cp.Seq] = ""
	}
	var opts *sql.TxOptions
	if s.dialect == Postgres {
		opts = &sql.TxOptions{Isolation: sql.LevelRepeatableRead, ReadOnly: true}
	}
	tx, err := s.read.BeginTx(ctx, opts)
	if err != nil {
		return rep, classify(err)
	}
	defer tx.Rollback()

	v := ledger.NewKeyedVerifier(s.LedgerKeys)
	tc := newTableCheck()
	err = scanLedgerOn(ctx, tx, `SELECT `+s.ledgerSelect()+` FROM ledger ORDER BY seq`, nil, func(e *roi.LedgerEntry) error {
		if err := v.Check(e); err != nil {
			return err
		}
		if _, ok := wanted[e.Seq]; ok {
			wanted[e.Seq] = e.Hash
		}
		tc.record(e)
		return nil
	})
	rep.Entries = v.Count()
	rep.Keyed, rep.KeyedSince = v.Keyed()
	if err != nil {
		return rep, err
	}
	var seq int64
	var hash string
	if err := tx.QueryRowContext(ctx, `SELECT seq, hash FROM ledger_head WHERE id = 1`).Scan(&seq, &hash); err != nil {
		return rep, classify(err)
	}
	if seq != v.Count() || hash != v.Head() {
		return rep, &ledger.BrokenError{Seq: v.Count() + 1, Reason: fmt.Sprintf("the ledger head says %d entries; entries after %d are missing", seq, v.Count())}
	}
	for _, c := range cps {
		switch {
		case c.cp.Seq > v.Count():
			return rep, &ledger.BrokenError{Seq: v.Count() + 1, Reason: fmt.Sprintf("checkpoint %s (taken %s) records %d entries but the ledger has %d: entries were removed",
				c.name, c.cp.At, c.cp.Seq, v.Count())}
		case c.cp.Seq > 0 && wanted[c.cp.Seq] != c.cp.Head:
			return rep, &ledger.BrokenError{Seq: c.cp.Seq, Reason: fmt.Sprintf("it is not the entry checkpoint %s (taken %s) recorded: the ledger was rewritten", c.name, c.cp.At)}
		}
		rep.Checkpoints++
		if !c.authenticated {
			rep.Unauthenticated++
		}
		if rep.Newest == nil || c.cp.Seq > rep.Newest.Seq {
			rep.Newest = c.cp
		}
	}
	if err := tc.check(ctx, tx, rep.Rows, v.Count()); err != nil {
		return rep, err
	}
	return rep, nil
}

// recorded is what an entry recorded about a row, and which entry.
type recorded struct {
	seq int64
	val string
}

// tableCheck gathers, while the ledger is walked, what the entries since
// migration 0017 recorded about rows, the latest entry winning, and then
// compares the tables with it.
type tableCheck struct {
	digests    map[string]map[int64]recorded // ref table → row → digest
	status     map[int64]recorded            // request → status after its last transition
	documents  map[int64]recorded            // document → sha256
	withdrawn  map[int64]recorded            // evidence → the withdrawal's entry
	packets    map[string]recorded           // packet_id → "sha256 plain_sha256 pages"
	deliveries map[int64]recorded            // delivery → "packet channel"
}

func newTableCheck() *tableCheck {
	return &tableCheck{digests: map[string]map[int64]recorded{}, status: map[int64]recorded{}, documents: map[int64]recorded{},
		withdrawn: map[int64]recorded{}, packets: map[string]recorded{}, deliveries: map[int64]recorded{}}
}

// record notes what e recorded. Entries written before migration 0017
// (no refs) are not used: their bodies were never checked against the
// tables when written, and seeded or migrated data may differ. A body
// that does not state a field (an entry of another shape under the same
// kind) records nothing about it.
func (tc *tableCheck) record(e *roi.LedgerEntry) {
	refs, ok := parseRefs(e.Refs)
	if !ok {
		return
	}
	for _, r := range refs {
		m := tc.digests[r.table]
		if m == nil {
			m = map[int64]recorded{}
			tc.digests[r.table] = m
		}
		m[r.id] = recorded{e.Seq, r.digest}
	}
	switch e.Kind {
	case roi.EventTransition:
		var b roi.TransitionBody
		if json.Unmarshal(e.Body, &b) == nil && e.RequestID != 0 && b.To != "" {
			tc.status[int64(e.RequestID)] = recorded{e.Seq, string(b.To)}
		}
	case roi.EventDocument:
		var b roi.DocumentBody
		if json.Unmarshal(e.Body, &b) == nil && b.DocumentID != 0 && b.SHA256 != "" {
			tc.documents[b.DocumentID] = recorded{e.Seq, b.SHA256}
		}
	case roi.EventEvidenceWithdrawn, roi.EventEvidenceCorrected:
		var b roi.EvidenceWithdrawalBody
		if json.Unmarshal(e.Body, &b) == nil && b.EvidenceID != 0 {
			tc.withdrawn[b.EvidenceID] = recorded{e.Seq, ""}
		}
	case roi.EventDisclosure:
		// The disclosure's packet (workflow.Disclosure, workflow.PacketRef).
		var b struct {
			Packet *struct {
				ID          string `json:"id"`
				SHA256      string `json:"sha256"`
				PlainSHA256 string `json:"plain_sha256"`
				Pages       int    `json:"pages"`
			} `json:"packet"`
		}
		if json.Unmarshal(e.Body, &b) == nil && b.Packet != nil && b.Packet.ID != "" && b.Packet.SHA256 != "" {
			tc.packets[b.Packet.ID] = recorded{e.Seq, fmt.Sprintf("%s %s %d", b.Packet.SHA256, b.Packet.PlainSHA256, b.Packet.Pages)}
		}
	case roi.EventDeliveryQueued:
		var b roi.DeliveryQueuedBody
		if json.Unmarshal(e.Body, &b) == nil && b.DeliveryID != 0 && b.Channel != "" {
			tc.deliveries[b.DeliveryID] = recorded{e.Seq, fmt.Sprintf("%d %s", b.Packet, b.Channel)}
		}
	case roi.EventDeliveryRerouted:
		// A re-route carries the released packet by the delivery it names
		// (a new row, or a failed one of that channel reopened).
		var b roi.DeliveryReroutedBody
		if json.Unmarshal(e.Body, &b) == nil && b.DeliveryID != 0 && b.Channel != "" {
			tc.deliveries[b.DeliveryID] = recorded{e.Seq, fmt.Sprintf("%d %s", b.Packet, b.Channel)}
		}
	}
}

// mismatch keeps the problem with the lowest entry number, so that the
// answer does not depend on the order the tables are read in.
type mismatch struct{ err *ledger.BrokenError }

func (m *mismatch) add(seq int64, reason string) {
	if m.err == nil || seq < m.err.Seq {
		m.err = &ledger.BrokenError{Seq: seq, Reason: reason}
	}
}

// check reads the tables in tx and compares them with what was recorded;
// rows counts the rows compared, by table. Reasons name tables and IDs,
// never a field's value (they may be PHI).
//
// Every request, decision and evidence row the desk writes is named by an
// entry in the same transaction, and IDs only grow: so a row with an ID
// above the lowest one an entry names, which no entry names, was inserted
// behind the desk's back (a forged authorization, say). It is reported as
// after the last entry (entries), since no entry is wrong.
func (tc *tableCheck) check(ctx context.Context, tx *sql.Tx, rows map[string]int, entries int64) error {
	var m mismatch
	changed := "was changed outside the desk after this entry recorded it"
	for _, t := range refTables {
		want := tc.digests[t.name]
		if len(want) == 0 {
			continue
		}
		n := strings.Count(t.cols, ",") + 1
		seen := map[int64]bool{}
		lowest := int64(-1)
		for id := range want {
			if lowest < 0 || id < lowest {
				lowest = id
			}
		}
		err := eachRow(ctx, tx, `SELECT id, `+t.cols+` FROM `+t.table, func(sc func(...any) error) error {
			var id int64
			var d string
			var err error
			d, err = rowDigest(func(dest ...any) error { return sc(append([]any{&id}, dest...)...) }, n)
			if err != nil {
				return err
			}
			if r, ok := want[id]; ok {
				seen[id] = true
				rows[t.table]++
				if r.val != d {
					m.add(r.seq, fmt.Sprintf("%s row %d (%s) %s", t.table, id, t.cols, changed))
				}
			} else if id > lowest {
				m.add(entries+1, fmt.Sprintf("%s row %d is named by no ledger entry, though the rows before it are: it was inserted outside the desk", t.table, id))
			}
			return nil
		})
		if err != nil {
			return err
		}
		for id, r := range want {
			if !seen[id] {
				m.add(r.seq, fmt.Sprintf("%s row %d, which this entry recorded, is gone", t.table, id))
			}
		}
	}
	type simple struct {
		table, q, what string
		want           map[int64]recorded
		same           func(rec, got string) bool
	}
	eq := func(a, b string) bool { return a == b }
	for _, c := range []simple{
		{"requests", `SELECT id, status FROM requests`, "status", tc.status, eq},
		{"documents", `SELECT id, sha256 FROM documents`, "sha256", tc.documents, eq},
		{"evidence", `SELECT id, withdrawn_at FROM evidence`, "withdrawal", tc.withdrawn, func(_, got string) bool { return got != "" }},
		{"deliveries", `SELECT id, packet || ' ' || channel FROM deliveries`, "packet and channel", tc.deliveries, eq},
	} {
		if len(c.want) == 0 {
			continue
		}
		seen := map[int64]bool{}
		err := eachRow(ctx, tx, c.q, func(sc func(...any) error) error {
			var id int64
			var got sql.NullString
			if err := sc(&id, &got); err != nil {
				return err
			}
			if r, ok := c.want[id]; ok {
				seen[id] = true
				rows[c.table]++
				if !c.same(r.val, got.String) {
					m.add(r.seq, fmt.Sprintf("the %s of %s row %d %s", c.what, c.table, id, changed))
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
		for id, r := range c.want {
			if !seen[id] {
				m.add(r.seq, fmt.Sprintf("%s row %d, which this entry recorded, is gone", c.table, id))
			}
		}
	}
	if len(tc.packets) > 0 {
		seen := map[string]bool{}
		err := eachRow(ctx, tx, `SELECT packet_id, sha256, plain_sha256, pages FROM packets`, func(sc func(...any) error) error {
			var pid, sum, plain string
			var pages int
			if err := sc(&pid, &sum, &plain, &pages); err != nil {
				return err
			}
			if r, ok := tc.packets[pid]; ok {
				seen[pid] = true
				rows["packets"]++
				if r.val != fmt.Sprintf("%s %s %d", sum, plain, pages) {
					m.add(r.seq, fmt.Sprintf("the hashes or pages of packet %s %s", pid, changed))
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
		for pid, r := range tc.packets {
			if !seen[pid] {
				m.add(r.seq, fmt.Sprintf("packet %s, which this entry recorded, is gone", pid))
			}
		}
	}
	if m.err != nil {
		return m.err
	}
	return nil
}

// eachRow runs q in tx and calls fn with each row's Scan.
func eachRow(ctx context.Context, tx *sql.Tx, q string, fn func(scan func(...any) error) error) error {
	rs, err := tx.QueryContext(ctx, q)
	if err != nil {
		return classify(err)
	}
	defer rs.Close()
	for rs.Next() {
		if err := fn(rs.Scan); err != nil {
			return err
		}
	}
	return classify(rs.Err())
}
