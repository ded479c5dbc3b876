package store

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/custodian-roi/custodian/internal/roi"
)

// TestStore_ReminderOncePerDay: many workers on several connections race
// to record the same reminders; each request gets one row and one ledger
// entry per day, and the next day is a new reminder.
func TestStore_ReminderOncePerDay(t *testing.T) {
	forEachStore(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		pid := mustPatient(t, s)
		var ids []roi.RequestID
		for range 5 {
			ids = append(ids, mustRequest(t, s, pid, nil).ID)
		}
		const workers = 8
		var wg sync.WaitGroup
		var mu sync.Mutex
		won := map[roi.RequestID]int{}
		errs := make(chan error, workers*len(ids))
		for w := range workers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				worker := fmt.Sprintf("w%d", w)
				for _, id := range ids {
					rem := &Reminder{RequestID: id, Day: day, DaysLeft: 2, Worker: worker}
					ok, err := s.AddReminder(ctx, rem, roi.Event{Kind: "reminder", RequestID: id, PatientID: pid, Actor: "reminders:" + worker,
						Body: map[string]any{"day": day.String(), "days_left": 2}})
					if err != nil {
						errs <- err
						return
					}
					if ok {
						mu.Lock()
						won[id]++
						mu.Unlock()
					}
				}
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Fatal(err)
		}
		for _, id := range ids {
			if won[id] != 1 {
				t.Errorf("request %d: %d workers recorded its reminder, want 1", id, won[id])
			}
		}
		rs, err := s.RemindersOn(ctx, day)
		if err != nil || len(rs) != len(ids) {
			t.Fatalf("%d reminders on %s (%v), want %d", len(rs), day, err, len(ids))
		}
		if es, _ := s.Ledger(ctx, LedgerFilter{Kind: "reminder"}); len(es) != len(ids) {
			t.Errorf("%d reminder ledger entries, want %d", len(es), len(ids))
		}
		// The next day is another reminder.
		ok, err := s.AddReminder(ctx, &Reminder{RequestID: ids[0], Day: day.AddDays(1), DaysLeft: 1, Worker: "w0"},
			roi.Event{Kind: "reminder", RequestID: ids[0], Actor: "reminders:w0"})
		if err != nil || !ok {
			t.Errorf("next day's reminder: %v %v", ok, err)
		}
		if _, err := s.VerifyLedger(ctx); err != nil {
			t.Errorf("ledger: %v", err)
		}
		// The digest is claimed once a day, and can be given back.
		a, errA := s.ClaimReminderDigest(ctx, day, "w0")
		b, errB := s.ClaimReminderDigest(ctx, day, "w1")
		if errA != nil || errB != nil || !a || b {
			t.Errorf("digest claims: %v %v %v %v", a, b, errA, errB)
		}
		if err := s.UnclaimReminderDigest(ctx, day, "w0"); err != nil {
			t.Fatal(err)
		}
		if b, err := s.ClaimReminderDigest(ctx, day, "w1"); err != nil || !b {
			t.Errorf("claim after unclaim: %v %v", b, err)
		}
	})
}
