package ledger

import (
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/custodian-roi/custodian/internal/roi"
)

func chain(n int) []roi.LedgerEntry {
	at := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	es := make([]roi.LedgerEntry, n)
	prev := Genesis
	for i := range es {
		es[i] = roi.LedgerEntry{Seq: int64(i + 1), At: at.Add(time.Duration(i) * time.Minute), Kind: "intake",
			RequestID: roi.RequestID(i % 3), PatientID: 7, Actor: "clerk", Body: json.RawMessage(`{"n":1}`)}
		Seal(prev, &es[i])
		prev = es[i].Hash
	}
	return es
}

func verify(es []roi.LedgerEntry) error {
	v := NewVerifier()
	for i := range es {
		if err := v.Check(&es[i]); err != nil {
			return err
		}
	}
	return nil
}

func TestVerifyIntact(t *testing.T) {
	if err := verify(chain(10)); err != nil {
		t.Fatal(err)
	}
}

func TestVerifyFindsTampering(t *testing.T) {
	for _, tc := range []struct {
		name   string
		mutate func([]roi.LedgerEntry) []roi.LedgerEntry
		want   int64
	}{
		{"body changed", func(es []roi.LedgerEntry) []roi.LedgerEntry { es[4].Body = json.RawMessage(`{"n":2}`); return es }, 5},
		{"actor changed", func(es []roi.LedgerEntry) []roi.LedgerEntry { es[2].Actor = "someone"; return es }, 3},
		{"time changed", func(es []roi.LedgerEntry) []roi.LedgerEntry { es[0].At = es[0].At.Add(time.Second); return es }, 1},
		{"entry removed", func(es []roi.LedgerEntry) []roi.LedgerEntry { return append(es[:6], es[7:]...) }, 8},
		{"entries swapped", func(es []roi.LedgerEntry) []roi.LedgerEntry { es[3], es[4] = es[4], es[3]; return es }, 5},
		{"rehashed in place", func(es []roi.LedgerEntry) []roi.LedgerEntry {
			es[5].Kind = "release"
			Seal(es[5].PrevHash, &es[5]) // a forger recomputes this hash, but the next entry still points at the old one
			return es
		}, 7},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := verify(tc.mutate(chain(10)))
			var b *BrokenError
			if !errors.As(err, &b) {
				t.Fatalf("err=%v, want a BrokenError", err)
			}
			if b.Seq != tc.want {
				t.Errorf("broken at %d (%s), want %d", b.Seq, b.Reason, tc.want)
			}
		})
	}
}

func TestCanonicalStable(t *testing.T) {
	e := chain(1)[0]
	got := string(Canonical(&e))
	want := `[1,"2026-03-02T09:00:00.000000Z","intake",0,7,"clerk",{"n":1}]`
	if got != want {
		t.Errorf("Canonical=%s, want %s", got, want)
	}
}
