package store

import (
	"context"
	"encoding/json"
	"sync"
	"testing"
	"time"

	"github.com/custodian-roi/custodian/internal/roi"
)

// queueOne stores a packet with one delivery job in one request update.
func queueOne(t *testing.T, s *Store, ch roi.Delivery, state roi.DeliveryState) (*roi.DeskRequest, *roi.PacketRecord, *roi.DeliveryRecord) {
	t.Helper()
	r := mustRequest(t, s, mustPatient(t, s), nil)
	p := &roi.PacketRecord{PacketID: r.Number + "-P1", SHA256: "ab" + r.Number, PlainSHA256: "cd", Pages: 3, Manifest: json.RawMessage(`{"items":[]}`), CreatedBy: "clerk"}
	d := &roi.DeliveryRecord{Channel: ch, Target: "someone@example.org", State: state}
	_, err := s.UpdateRequest(context.Background(), r.ID, r.Version, func(_ *roi.DeskRequest, tx *Tx) error {
		if err := tx.AddPacket(p, []byte("%PDF-encrypted")); err != nil {
			return err
		}
		d.Packet = p.ID
		return tx.AddDelivery(d)
	})
	if err != nil {
		t.Fatal(err)
	}
	return r, p, d
}

func TestStore_DeliveryQueue(t *testing.T) {
	forEachStore(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		now := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
		s.Now = func() time.Time { return now }
		if d, err := s.ClaimDelivery(ctx, "w1", time.Minute); err != nil || d != nil {
			t.Fatalf("empty queue claimed %v, %v", d, err)
		}
		r, p, d := queueOne(t, s, roi.DeliverySFTP, "")

		got, content, err := s.PacketContent(ctx, p.ID)
		if err != nil || string(content) != "%PDF-encrypted" || got.PacketID != p.PacketID {
			t.Fatalf("packet round trip: %+v %q %v", got, content, err)
		}
		if bySum, err := s.PacketBySHA256(ctx, p.SHA256); err != nil || bySum.ID != p.ID {
			t.Fatalf("by sha: %v %v", bySum, err)
		}

		c, err := s.ClaimDelivery(ctx, "w1", time.Minute)
		if err != nil || c == nil || c.ID != d.ID || c.State != roi.DeliveryRunning || c.Attempts != 1 {
			t.Fatalf("claim: %+v %v", c, err)
		}
		// Held under a lease: nobody else gets it.
		if c2, err := s.ClaimDelivery(ctx, "w2", time.Minute); err != nil || c2 != nil {
			t.Fatalf("second claim got %+v, %v", c2, err)
		}
		// The worker fails for now: back in the queue at the given time.
		if err := s.RetryDelivery(ctx, c.ID, "w1", now.Add(30*time.Second), "Connection refused; will retry.", false, nil); err != nil {
			t.Fatal(err)
		}
		if c2, _ := s.ClaimDelivery(ctx, "w2", time.Minute); c2 != nil {
			t.Fatalf("claimed before its retry time: %+v", c2)
		}
		now = now.Add(31 * time.Second)
		c2, err := s.ClaimDelivery(ctx, "w2", time.Minute)
		if err != nil || c2 == nil || c2.Attempts != 2 || c2.LastError == "" {
			t.Fatalf("retry claim: %+v %v", c2, err)
		}
		// w2 dies; after its lease runs out w3 takes the job over, and w2
		// can no longer finish it.
		now = now.Add(2 * time.Minute)
		c3, err := s.ClaimDelivery(ctx, "w3", time.Minute)
		if err != nil || c3 == nil || c3.ID != d.ID || c3.Attempts != 3 {
			t.Fatalf("reclaim after lease: %+v %v", c3, err)
		}
		ev := roi.Event{Kind: "delivery", RequestID: r.ID, PatientID: r.PatientID, Actor: "worker", Body: map[string]any{"delivery_id": d.ID}}
		if err := s.FinishDelivery(ctx, d.ID, "w2", roi.DeliveryDone, []byte(`{}`), ev); roi.CodeOf(err) != roi.CodeConflict {
			t.Fatalf("stale worker finished a job: %v", err)
		}
		if err := s.FinishDelivery(ctx, d.ID, "w3", roi.DeliveryDone, []byte(`{"sha256":"x"}`), ev); err != nil {
			t.Fatal(err)
		}
		done, err := s.Delivery(ctx, d.ID)
		if err != nil || done.State != roi.DeliveryDone || string(done.Receipt) != `{"sha256":"x"}` {
			t.Fatalf("finished job: %+v %v", done, err)
		}
		if c4, _ := s.ClaimDelivery(ctx, "w1", time.Minute); c4 != nil {
			t.Fatalf("a done job was claimed again: %+v", c4)
		}
		entries, err := s.Ledger(ctx, LedgerFilter{RequestID: r.ID, Kind: "delivery"})
		if err != nil || len(entries) != 1 {
			t.Fatalf("ledger delivery entries: %d %v", len(entries), err)
		}
	})
}

func TestStore_DeliveryWaitingAndPermanentFailure(t *testing.T) {
	forEachStore(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		r, _, d := queueOne(t, s, roi.DeliveryMail, roi.DeliveryWaiting)
		if c, _ := s.ClaimDelivery(ctx, "w1", time.Minute); c != nil {
			t.Fatalf("a job waiting for staff was claimed: %+v", c)
		}
		ev := roi.Event{Kind: "delivery", RequestID: r.ID, Actor: "clerk", Body: map[string]any{"delivery_id": d.ID}}
		if err := s.CompleteWaiting(ctx, d.ID, []byte(`{"tracking":"9400"}`), ev); err != nil {
			t.Fatal(err)
		}
		if err := s.CompleteWaiting(ctx, d.ID, []byte(`{}`), ev); roi.CodeOf(err) != roi.CodeConflict {
			t.Fatalf("completed twice: %v", err)
		}

		_, _, e := queueOne(t, s, roi.DeliveryEmail, "")
		c, err := s.ClaimDelivery(ctx, "w1", time.Minute)
		if err != nil || c == nil || c.ID != e.ID {
			t.Fatalf("claim: %+v %v", c, err)
		}
		if err := s.RetryDelivery(ctx, c.ID, "w1", s.Now(), "The mail server refused the message.", true, nil); err != nil {
			t.Fatal(err)
		}
		if got, _ := s.Delivery(ctx, e.ID); got.State != roi.DeliveryFailed {
			t.Fatalf("permanent failure left state %s", got.State)
		}
		if c, _ := s.ClaimDelivery(ctx, "w1", time.Minute); c != nil {
			t.Fatalf("a failed job was claimed: %+v", c)
		}
	})
}

// Many workers racing for a few jobs: each job is claimed exactly once.
func TestStore_DeliveryClaimedOnce(t *testing.T) {
	forEachStore(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		const jobs = 6
		for i := 0; i < jobs; i++ {
			queueOne(t, s, roi.DeliverySFTP, "")
		}
		var mu sync.Mutex
		seen := map[int64]int{}
		var wg sync.WaitGroup
		for w := 0; w < 4; w++ {
			wg.Add(1)
			go func(w int) {
				defer wg.Done()
				for {
					d, err := s.ClaimDelivery(ctx, "w"+string(rune('a'+w)), time.Hour)
					if err != nil {
						t.Error(err)
						return
					}
					if d == nil {
						return
					}
					mu.Lock()
					seen[d.ID]++
					mu.Unlock()
				}
			}(w)
		}
		wg.Wait()
		if len(seen) != jobs {
			t.Fatalf("claimed %d distinct jobs, want %d", len(seen), jobs)
		}
		for id, n := range seen {
			if n != 1 {
				t.Errorf("job %d claimed %d times", id, n)
			}
		}
	})
}

func TestStore_PortalLinkAttemptsPersist(t *testing.T) {
	forEachStore(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		r, p, _ := queueOne(t, s, roi.DeliveryPortal, roi.DeliveryWaiting)
		l := &roi.PortalLink{Packet: p.ID, ExpiresAt: s.Now().Add(time.Hour)}
		if _, err := s.UpdateRequest(ctx, r.ID, r.Version+1, func(_ *roi.DeskRequest, tx *Tx) error { return tx.AddPortalLink(l, "hash-1") }); err != nil {
			t.Fatal(err)
		}
		wrong := roi.Errorf(roi.CodeForbidden, "wrong code")
		err := s.UsePortalLink(ctx, "hash-1", func(l *roi.PortalLink) ([]roi.Event, error) {
			l.CodeAttempts++
			return nil, wrong
		})
		if err != wrong {
			t.Fatalf("got %v, want the function's error", err)
		}
		err = s.UsePortalLink(ctx, "hash-1", func(l *roi.PortalLink) ([]roi.Event, error) {
			if l.CodeAttempts != 1 || l.RequestID != r.ID || l.Packet != p.ID {
				t.Errorf("link as stored: %+v", l)
			}
			return nil, nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if err := s.UsePortalLink(ctx, "no-such", func(*roi.PortalLink) ([]roi.Event, error) { return nil, nil }); roi.CodeOf(err) != roi.CodeNotFound {
			t.Fatalf("unknown token: %v", err)
		}
	})
}
