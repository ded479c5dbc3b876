package store

import (
	"context"
	"database/sql"
	"fmt"
	"sync"
	"testing"

	"github.com/custodian-roi/custodian/internal/ledger"
	"github.com/custodian-roi/custodian/internal/roi"
	"github.com/custodian-roi/custodian/internal/storetest/testdsn"
)

func headOf(t *testing.T, s *Store) ledgerHead {
	t.Helper()
	var h ledgerHead
	if err := s.read.QueryRow(`SELECT seq, hash, key_id FROM ledger_head WHERE id = 1`).Scan(&h.seq, &h.hash, &h.keyID); err != nil {
		t.Fatal(err)
	}
	return h
}

// TestLedgerHead_FollowsTheChain: the database moves the head to each new
// entry, and refuses an entry that is not the next link of the chain — a
// gap, a repeat, or a wrong prev_hash — leaving the head where it was.
func TestLedgerHead_FollowsTheChain(t *testing.T) {
	forEachStore(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		pid := mustPatient(t, s)
		if err := s.Append(ctx, roi.Event{Kind: roi.EventView, PatientID: pid, Actor: "ana"}, roi.Event{Kind: roi.EventView, PatientID: pid, Actor: "ben"}); err != nil {
			t.Fatal(err)
		}
		entries, err := s.Ledger(ctx, LedgerFilter{})
		if err != nil {
			t.Fatal(err)
		}
		last := entries[len(entries)-1]
		h := headOf(t, s)
		if h.seq != last.Seq || h.hash != last.Hash {
			t.Fatalf("head %d %s, want the last entry %d %s", h.seq, h.hash, last.Seq, last.Hash)
		}
		forge := func(seq int64, prev string) error {
			e := roi.LedgerEntry{Seq: seq, At: s.Now().UTC().Truncate(1000), Kind: roi.EventView, Actor: "mallory", Body: []byte(`{}`), Refs: refsVersion}
			ledger.Seal(prev, &e)
			_, err := s.write.ExecContext(ctx, `INSERT INTO ledger (seq, at, kind, request_id, patient_id, actor, body, prev_hash, hash, refs, key_id, mac)
				VALUES ($1, $2, $3, 0, 0, $4, $5, $6, $7, $8, '', '')`, e.Seq, e.At.Format(ledger.TimeFormat), e.Kind, e.Actor, string(e.Body), e.PrevHash, e.Hash, e.Refs)
			return err
		}
		for _, tc := range []struct {
			name string
			seq  int64
			prev string
		}{
			{"a gap", h.seq + 2, h.hash},
			{"the wrong previous hash", h.seq + 1, entries[0].Hash},
		} {
			if err := forge(tc.seq, tc.prev); err == nil {
				t.Errorf("%s: an entry beside the chain was accepted", tc.name)
			}
			if got := headOf(t, s); got != h {
				t.Errorf("%s: head moved to %+v", tc.name, got)
			}
		}
		// The next link is accepted, and the head follows it.
		if err := forge(h.seq+1, h.hash); err != nil {
			t.Fatalf("the next link: %v", err)
		}
		if got := headOf(t, s); got.seq != h.seq+1 {
			t.Errorf("head %d after the next link, want %d", got.seq, h.seq+1)
		}
	})
}

// TestLedgerHead_StaleHint: an append built on an old head — another
// instance appended meanwhile, or this one's transaction rolled back — is
// rebuilt on the real head, never written beside it.
func TestLedgerHead_StaleHint(t *testing.T) {
	testdsn.ForEach(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		a, b := mustOpen(t, dsn), mustOpen(t, dsn)
		pid := mustPatient(t, a)
		view := func(actor string) roi.Event { return roi.Event{Kind: roi.EventView, PatientID: pid, Actor: actor} }
		for i := range 3 {
			if err := a.Append(ctx, view(fmt.Sprintf("a%d", i))); err != nil {
				t.Fatal(err)
			}
			if err := b.Append(ctx, view(fmt.Sprintf("b%d", i)), view(fmt.Sprintf("b%d'", i))); err != nil {
				t.Fatal(err)
			}
		}
		// A transaction that appended and rolled back leaves a hint of an
		// entry that never was.
		tx, err := a.write.BeginTx(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		if err := a.append(ctx, tx, view("gone")); err != nil {
			t.Fatal(err)
		}
		tx.Rollback()
		if err := a.Append(ctx, view("after")); err != nil {
			t.Fatal(err)
		}
		n, err := a.VerifyLedger(ctx)
		if want := int64(1 + 3*3 + 1); err != nil || n != want {
			t.Errorf("VerifyLedger = %d, %v; want %d intact", n, err, want)
		}
		entries, _ := a.Ledger(ctx, LedgerFilter{Kind: roi.EventView})
		for _, e := range entries {
			if e.Actor == "gone" {
				t.Error("a rolled-back entry is in the ledger")
			}
		}
	})
}

// TestLedgerHead_ConcurrentInstances: two instances appending at once on
// one database keep one unbroken chain.
func TestLedgerHead_ConcurrentInstances(t *testing.T) {
	testdsn.ForEach(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		stores := []*Store{mustOpen(t, dsn), mustOpen(t, dsn)}
		pid := mustPatient(t, stores[0])
		var wg sync.WaitGroup
		errs := make(chan error, 64)
		for g := range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				s := stores[g%2]
				for i := range 4 {
					ev := roi.Event{Kind: roi.EventView, PatientID: pid, Actor: fmt.Sprintf("u%d-%d", g, i)}
					if i%2 == 0 {
						errs <- s.Append(ctx, ev)
						continue
					}
					errs <- s.tx(ctx, func(tx *sql.Tx) error { return s.appendAll(ctx, tx, []roi.Event{ev, ev}) })
				}
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Fatal(err)
			}
		}
		if n, err := stores[1].VerifyLedger(ctx); err != nil || n != 1+8*6 {
			t.Errorf("VerifyLedger = %d, %v; want %d intact", n, err, 1+8*6)
		}
	})
}
