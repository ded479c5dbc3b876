package store

import (
	"bytes"
	"context"
	"errors"
	"strconv"
	"strings"
	"testing"

	"github.com/custodian-roi/custodian/internal/ledger"
	"github.com/custodian-roi/custodian/internal/roi"
)

// asOwner lets the test change ledger rows as the tables' owner can: on
// PostgreSQL by disabling the ledger's triggers, on SQLite by dropping
// them.
func asOwner(t *testing.T, s *Store) {
	t.Helper()
	ctx := context.Background()
	qs := []string{`DROP TRIGGER IF EXISTS ledger_no_update`, `DROP TRIGGER IF EXISTS ledger_no_delete`}
	if s.dialect == Postgres {
		qs = []string{`ALTER TABLE ledger DISABLE TRIGGER USER`}
	}
	for _, q := range qs {
		if _, err := s.write.ExecContext(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
}

func broken(t *testing.T, err error, want string) {
	t.Helper()
	var b *ledger.BrokenError
	if !errors.As(err, &b) || !strings.Contains(b.Reason, want) {
		t.Errorf("verify: %v, want broken with %q", err, want)
	}
}

// TestLedgerChecksTables runs on both databases: the rows a request's
// story rests on (evidence and its withdrawal, documents, status) are
// checked against the entries that recorded them; a seal and a
// checkpoint catch a rewrite and a truncation on PostgreSQL as on SQLite.
func TestLedgerChecksTables(t *testing.T) {
	forEachStore(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		k, _ := ledger.NewKey(bytes.Repeat([]byte{7}, ledger.KeySize))
		s.LedgerKeys = ledger.NewKeyring(k)
		cpdir := t.TempDir()
		s.CheckpointDir = cpdir
		r := mustRequest(t, s, mustPatient(t, s), nil)
		var evID, docID int64
		_, err := s.UpdateRequest(ctx, r.ID, r.Version, func(x *roi.DeskRequest, tx *Tx) error {
			var err error
			if evID, err = tx.AddEvidence("identity", []byte(`{"verified":true}`), "clerk"); err != nil {
				return err
			}
			if err := tx.Append(roi.Event{Kind: roi.EventVerification, Actor: "clerk", Body: roi.EvidenceBody{EvidenceID: evID, Type: "identity"}}); err != nil {
				return err
			}
			d := &roi.DocumentRecord{Name: "id.pdf", ContentType: "application/pdf", AddedBy: "clerk"}
			if err := tx.AddDocument(d, []byte("%PDF-1.4 synthetic")); err != nil {
				return err
			}
			docID = d.ID
			if err := tx.Append(roi.Event{Kind: roi.EventDocument, Actor: "clerk", Body: roi.DocumentBody{DocumentID: d.ID, SHA256: d.SHA256}}); err != nil {
				return err
			}
			if err := tx.WithdrawEvidence(evID, "clerk", "wrong person", 0); err != nil {
				return err
			}
			if err := tx.Append(roi.Event{Kind: roi.EventEvidenceWithdrawn, Actor: "clerk", Body: roi.EvidenceWithdrawalBody{EvidenceID: evID, Reason: "wrong person"}}); err != nil {
				return err
			}
			x.Status = roi.StatusInReview
			return tx.Append(roi.Event{Kind: roi.EventTransition, Actor: "clerk", Body: roi.TransitionBody{From: roi.StatusReceived, To: roi.StatusInReview}})
		})
		if err != nil {
			t.Fatal(err)
		}
		rep, err := s.VerifyLedgerReport(ctx)
		if err != nil {
			t.Fatalf("intact: %v", err)
		}
		for _, table := range []string{"requests", "evidence", "documents"} {
			if rep.Rows[table] == 0 {
				t.Errorf("no %s rows checked: %v", table, rep.Rows)
			}
		}
		if rep.Keyed != rep.Entries || rep.KeyedSince != 1 {
			t.Errorf("keyed %d of %d since %d", rep.Keyed, rep.Entries, rep.KeyedSince)
		}
		// A program started without the key may not append to a sealed
		// ledger (verify would call the unsealed entry a rewrite).
		s.LedgerKeys = nil
		if err := s.Append(ctx, roi.Event{Kind: roi.EventView, Actor: "clerk", Body: roi.ViewBody{What: "queue"}}); !errors.Is(err, ErrLedgerKeyRequired) {
			t.Errorf("unkeyed append to a sealed ledger: %v", err)
		}
		s.LedgerKeys = ledger.NewKeyring(k)
		if _, wrote, err := s.WriteCheckpoint(ctx); err != nil || !wrote {
			t.Fatalf("checkpoint: %v %v", wrote, err)
		}
		tamper := func(name, do, undo, want string) {
			t.Run(name, func(t *testing.T) {
				if _, err := s.write.ExecContext(ctx, do); err != nil {
					t.Fatal(err)
				}
				_, err := s.VerifyLedger(ctx)
				broken(t, err, want)
				if _, err := s.write.ExecContext(ctx, undo); err != nil {
					t.Fatal(err)
				}
				if _, err := s.VerifyLedger(ctx); err != nil {
					t.Errorf("undone: %v", err)
				}
			})
		}
		tamper("withdrawal undone", `UPDATE evidence SET withdrawn_at = '' WHERE id = `+itoa(evID),
			`UPDATE evidence SET withdrawn_at = '2026-03-02T09:00:00.000000Z' WHERE id = `+itoa(evID), "withdrawal of evidence row")
		tamper("evidence changed", `UPDATE evidence SET body = '{"verified":false}' WHERE id = `+itoa(evID),
			`UPDATE evidence SET body = '{"verified":true}' WHERE id = `+itoa(evID), "evidence row")
		tamper("document hash", `UPDATE documents SET sha256 = 'x' || sha256 WHERE id = `+itoa(docID),
			`UPDATE documents SET sha256 = substr(sha256, 2) WHERE id = `+itoa(docID), "sha256 of documents row")
		tamper("status", `UPDATE requests SET status = 'closed' WHERE id = `+itoa(int64(r.ID)),
			`UPDATE requests SET status = '`+string(roi.StatusInReview)+`' WHERE id = `+itoa(int64(r.ID)), "status of requests row")
		tamper("recipient", `UPDATE requests SET recipient = 'Elsewhere' WHERE id = `+itoa(int64(r.ID)),
			`UPDATE requests SET recipient = '' WHERE id = `+itoa(int64(r.ID)), "requests row")

		// The owner rewrites an entry and recomputes the chain: the seal
		// catches it.
		asOwner(t, s)
		var seq int64
		var prev, hash, mac string
		s.read.QueryRowContext(ctx, `SELECT seq, prev_hash, hash, mac FROM ledger WHERE kind = 'evidence-withdrawn'`).Scan(&seq, &prev, &hash, &mac)
		es, _ := s.Ledger(ctx, LedgerFilter{})
		for i := range es {
			if es[i].Seq < seq {
				continue
			}
			if es[i].Seq == seq {
				es[i].Actor = "nobody"
			}
			ledger.Seal(prev, &es[i])
			prev = es[i].Hash
			s.write.ExecContext(ctx, `UPDATE ledger SET actor = $1, prev_hash = $2, hash = $3 WHERE seq = $4`, es[i].Actor, es[i].PrevHash, es[i].Hash, es[i].Seq)
		}
		s.write.ExecContext(ctx, `UPDATE ledger_head SET hash = $1`, prev)
		_, err = s.VerifyLedger(ctx)
		broken(t, err, "seal does not match")

		// Truncated with the head fixed: the checkpoint catches it.
		s.write.ExecContext(ctx, `DELETE FROM ledger WHERE seq >= $1`, seq)
		s.write.ExecContext(ctx, `UPDATE ledger_head SET seq = $1, hash = (SELECT hash FROM ledger WHERE seq = $1)`, seq-1)
		_, err = s.VerifyLedger(ctx)
		broken(t, err, "entries were removed")
		// Without the checkpoint the cut passes: the withdrawal's and the
		// transition's entries went with it, so no entry claims what the
		// rows still show. The checkpoint is what finds it.
		s.CheckpointDir = ""
		if _, err = s.VerifyLedger(ctx); err != nil {
			t.Errorf("without the checkpoint: %v", err)
		}
		s.CheckpointDir = cpdir
	})
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// TestLedgerChecksDeliveries: a delivery's packet and channel, as queued
// at release or as a re-route sent it, are checked against the entry
// that made it; a channel changed behind the desk's back is reported.
func TestLedgerChecksDeliveries(t *testing.T) {
	forEachStore(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		r := mustRequest(t, s, mustPatient(t, s), nil)
		var first, second int64
		_, err := s.UpdateRequest(ctx, r.ID, r.Version, func(x *roi.DeskRequest, tx *Tx) error {
			p := &roi.PacketRecord{PacketID: "R-1-P1", SHA256: "a", PlainSHA256: "b", Pages: 3, Manifest: []byte(`{}`), CreatedBy: "specialist"}
			if err := tx.AddPacket(p, []byte("%PDF-1.4 synthetic")); err != nil {
				return err
			}
			d := &roi.DeliveryRecord{Packet: p.ID, Channel: roi.DeliverySFTP, Target: "acme-law"}
			if err := tx.AddDelivery(d); err != nil {
				return err
			}
			first = d.ID
			if err := tx.Append(roi.Event{Kind: roi.EventDeliveryQueued, Actor: "specialist",
				Body: roi.DeliveryQueuedBody{DeliveryID: d.ID, Packet: p.ID, Channel: d.Channel, State: roi.DeliveryQueued}}); err != nil {
				return err
			}
			e := &roi.DeliveryRecord{Packet: p.ID, Channel: roi.DeliveryEmail, Target: "records@acme-law.example"}
			if err := tx.AddDelivery(e); err != nil {
				return err
			}
			second = e.ID
			return tx.Append(roi.Event{Kind: roi.EventDeliveryRerouted, Actor: "specialist", Body: roi.DeliveryReroutedBody{
				From: d.ID, DeliveryID: e.ID, Packet: p.ID, FromChannel: d.Channel, Channel: e.Channel, Target: e.Target, State: roi.DeliveryQueued}})
		})
		if err != nil {
			t.Fatal(err)
		}
		rep, err := s.VerifyLedgerReport(ctx)
		if err != nil {
			t.Fatalf("intact: %v", err)
		}
		if rep.Rows["deliveries"] != 2 {
			t.Errorf("%d deliveries checked, want the queued one and the re-routed one: %v", rep.Rows["deliveries"], rep.Rows)
		}
		for _, id := range []int64{first, second} {
			var was string
			s.read.QueryRowContext(ctx, `SELECT channel FROM deliveries WHERE id = $1`, id).Scan(&was)
			if _, err := s.write.ExecContext(ctx, `UPDATE deliveries SET channel = 'pickup' WHERE id = $1`, id); err != nil {
				t.Fatal(err)
			}
			_, err := s.VerifyLedger(ctx)
			broken(t, err, "deliveries row")
			if _, err := s.write.ExecContext(ctx, `UPDATE deliveries SET channel = $1 WHERE id = $2`, was, id); err != nil {
				t.Fatal(err)
			}
			if _, err := s.VerifyLedger(ctx); err != nil {
				t.Errorf("undone: %v", err)
			}
		}
	})
}
