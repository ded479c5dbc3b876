package workflow

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/custodian-roi/custodian/internal/roi"
	"github.com/custodian-roi/custodian/internal/send/sendtest"
	"github.com/custodian-roi/custodian/internal/store"
	"github.com/custodian-roi/custodian/internal/storetest"
	"github.com/custodian-roi/custodian/internal/storetest/testdsn"
)

// sharedDesks returns n desks, each with its own connection pool, on the
// one database dsn, as n instances would be; the clock is the fixture's.
func sharedDesks(t *testing.T, dsn string, n int) []*Desk {
	t.Helper()
	now := func() time.Time { return time.Date(2026, 3, 2, 15, 0, 0, 0, time.UTC) }
	var desks []*Desk
	for range n {
		d := New(storetest.Open(t, dsn))
		d.SetClock(now)
		desks = append(desks, d)
	}
	return desks
}

// dueRequests makes requests received daysAgo (access: due 30 days after).
func dueRequests(t *testing.T, d *Desk, daysAgo ...int) []*roi.DeskRequest {
	t.Helper()
	ctx := context.Background()
	pid, _, err := d.store.ImportChart(ctx, roi.PatientRecord{FHIRID: "p1", MRN: "M1", Name: "Pat Example", BirthDate: roi.MakeDate(1980, 6, 15)},
		[]roi.ChartItem{item("Encounter/1", "2025-03-14", "encounter")}, nil, "import")
	if err != nil {
		t.Fatal(err)
	}
	var out []*roi.DeskRequest
	for i, ago := range daysAgo {
		r, err := d.Intake(ctx, "clerk", Intake{PatientID: pid, Request: roi.Request{Received: d.Today().AddDays(-ago),
			Requester: roi.Requester{Kind: roi.KindPatient, Name: fmt.Sprintf("Requester %d", i)}, Basis: roi.BasisAccess},
			Contact: "requester@example.org", Delivery: roi.DeliveryPortal})
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, r)
	}
	return out
}

// TestSendReminders_ExactlyOnceAcrossDesks: four desks on one database
// (as four instances), each with three goroutines, all send reminders at
// once: every request due soon or overdue is reminded exactly once for the
// day, with one ledger entry; a request due later, or cancelled, is not;
// the next day reminds again. The digest goes out once, with counts only.
func TestSendReminders_ExactlyOnceAcrossDesks(t *testing.T) {
	// On a fresh SQLite file and a fresh PostgreSQL schema (skipped without
	// CUSTODIAN_TEST_POSTGRES_URL, a failure under CI=true).
	testdsn.ForEach(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		desks := sharedDesks(t, dsn, 4)
		smtp := sendtest.StartSMTP(t)
		for _, d := range desks {
			d.Mail = smtp.Client()
			d.Org.Name, d.Org.PrivacyEmail, d.Org.PortalURL = "Example Hospital", "roi-desk@example.org", "https://roi.example.org"
		}
		// Due in 2 days, due today, overdue by 10, due in 7 (the edge), in
		// 8 and in 30 (not yet), and one overdue but cancelled.
		rs := dueRequests(t, desks[0], 28, 30, 40, 23, 22, 0, 45)
		last := rs[len(rs)-1]
		if _, err := desks[0].Cancel(ctx, "clerk", last.ID, last.Version, "duplicate"); err != nil {
			t.Fatal(err)
		}
		want := map[roi.RequestID]int{rs[0].ID: 2, rs[1].ID: 0, rs[2].ID: -10, rs[3].ID: 7}

		var wg sync.WaitGroup
		var mu sync.Mutex
		recorded, digests := 0, 0
		for i, d := range desks {
			for g := range 3 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					run, err := d.SendReminders(ctx, fmt.Sprintf("desk%d-g%d", i, g))
					if err != nil {
						t.Error(err)
						return
					}
					mu.Lock()
					defer mu.Unlock()
					recorded += run.Recorded
					if run.Digest {
						digests++
					}
				}()
			}
		}
		wg.Wait()
		if recorded != len(want) {
			t.Errorf("the passes recorded %d reminders in all, want %d", recorded, len(want))
		}
		got, err := desks[1].store.RemindersOn(ctx, today)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != len(want) {
			t.Errorf("%d reminders today, want %d: %+v", len(got), len(want), got)
		}
		for _, g := range got {
			if left, ok := want[g.RequestID]; !ok || left != g.DaysLeft {
				t.Errorf("reminder %+v: want days left %d (listed %v)", g, left, ok)
			}
		}
		perRequest := map[roi.RequestID]int{}
		es, _ := desks[2].store.Ledger(ctx, store.LedgerFilter{Kind: "reminder"})
		for _, e := range es {
			perRequest[e.RequestID]++
			if !strings.HasPrefix(e.Actor, "reminders:desk") {
				t.Errorf("reminder entry by %q", e.Actor)
			}
		}
		for id := range want {
			if perRequest[id] != 1 {
				t.Errorf("request %d: %d reminder ledger entries, want 1", id, perRequest[id])
			}
		}
		if len(es) != len(want) {
			t.Errorf("%d reminder ledger entries, want %d", len(es), len(want))
		}
		if n, err := desks[3].store.VerifyLedger(ctx); err != nil {
			t.Errorf("ledger after %d entries: %v", n, err)
		}
		msgs := smtp.Messages()
		if digests != 1 || len(msgs) != 1 {
			t.Fatalf("%d digests reported, %d mails received; want 1", digests, len(msgs))
		}
		body, _ := msgs[0].Body()
		if msgs[0].To[0] != "roi-desk@example.org" || !strings.Contains(body, "1 open records requests past their deadline and 3 due") {
			t.Errorf("digest to %v:\n%s", msgs[0].To, body)
		}
		for _, phi := range []string{"Pat Example", "Requester", "M1", rs[0].Number} {
			if strings.Contains(string(msgs[0].Data), phi) {
				t.Errorf("the digest names %q", phi)
			}
		}

		// A second pass the same day changes nothing.
		if run, err := desks[0].SendReminders(ctx, "again"); err != nil || run.Recorded != 0 || run.Digest {
			t.Errorf("second pass: %+v %v", run, err)
		}
		// The next day, the same requests are reminded again (one more is
		// now within the window).
		next := func() time.Time { return time.Date(2026, 3, 3, 15, 0, 0, 0, time.UTC) }
		desks[0].SetClock(next)
		run, err := desks[0].SendReminders(ctx, "tomorrow")
		if err != nil || run.Recorded != len(want)+1 || !run.Digest {
			t.Errorf("next day: %+v %v", run, err)
		}
	})
}

// TestSendReminders_NoMail: without e-mail the pass records reminders and
// the ledger, and sends nothing.
func TestSendReminders_NoMail(t *testing.T) {
	f := newFixture(t, roi.MakeDate(1980, 6, 15), item("Encounter/1", "2025-03-14", "encounter"))
	r, err := f.desk.Intake(f.ctx, "clerk", Intake{PatientID: f.pid, Request: roi.Request{Received: today.AddDays(-29),
		Requester: roi.Requester{Kind: roi.KindPatient, Name: "Pat Example"}, Basis: roi.BasisAccess},
		Contact: "requester@example.org", Delivery: roi.DeliveryPortal})
	if err != nil {
		t.Fatal(err)
	}
	run, err := f.desk.SendReminders(f.ctx, "w")
	if err != nil || run.Recorded != 1 || run.Digest || run.Day != today {
		t.Fatalf("pass: %+v %v", run, err)
	}
	kinds := ledgerKinds(t, f, r.ID)
	if kinds[len(kinds)-1] != "reminder" {
		t.Errorf("ledger: %v", kinds)
	}
	// RunReminders runs a pass at once and stops with its context.
	ctx, cancel := context.WithCancel(f.ctx)
	done := make(chan struct{})
	go func() { f.desk.RunReminders(ctx, "loop", time.Hour); close(done) }()
	time.Sleep(50 * time.Millisecond)
	cancel()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("RunReminders did not stop")
	}
	if rs, _ := f.desk.store.RemindersOn(f.ctx, today); len(rs) != 1 || rs[0].Worker != "w" {
		t.Errorf("reminders: %+v", rs)
	}
}
