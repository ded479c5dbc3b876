package store

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/custodian-roi/custodian/internal/roi"
)

// TestStore_AuditEntries: the AuditEvent search's filters (patient, actor,
// recorded time, page cursor, limit) select exactly the matching entries in
// ledger order, on both databases; an unknown entry is not found.
func TestStore_AuditEntries(t *testing.T) {
	forEachStore(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		clock := time.Date(2026, 3, 1, 23, 0, 0, 0, time.UTC)
		s.Now = func() time.Time { clock = clock.Add(30 * time.Minute); return clock }
		// 23:30 alice/p1, 00:00 bob/p1, 00:30 alice/p2, 01:00 bob/0, 01:30 alice/p1
		for _, ev := range []roi.Event{
			{Kind: roi.EventView, PatientID: 1, Actor: "alice", Body: roi.ViewBody{What: "chart"}},
			{Kind: roi.EventView, PatientID: 1, Actor: "bob", Body: roi.ViewBody{What: "chart"}},
			{Kind: roi.EventView, PatientID: 2, Actor: "alice", Body: roi.ViewBody{What: "chart"}},
			{Kind: roi.EventLogin, Actor: "bob"},
			{Kind: roi.EventView, PatientID: 1, Actor: "alice", Body: roi.ViewBody{What: "chart"}},
		} {
			if err := s.Append(ctx, ev); err != nil {
				t.Fatal(err)
			}
		}
		seqs := func(f AuditFilter) string {
			t.Helper()
			if f.Limit == 0 {
				f.Limit = 100
			}
			es, err := s.AuditEntries(ctx, f)
			if err != nil {
				t.Fatal(err)
			}
			var b strings.Builder
			for _, e := range es {
				b.WriteByte(byte('0' + e.Seq))
			}
			return b.String()
		}
		day2 := time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)
		for _, c := range []struct {
			name string
			f    AuditFilter
			want string
		}{
			{"all", AuditFilter{}, "12345"},
			{"patient 1", AuditFilter{PatientID: 1}, "125"},
			{"actor alice", AuditFilter{Actor: "alice"}, "135"},
			{"alice on patient 1", AuditFilter{Actor: "alice", PatientID: 1}, "15"},
			{"from midnight", AuditFilter{From: day2}, "2345"},
			{"before midnight", AuditFilter{To: day2}, "1"},
			{"midnight to 01:00", AuditFilter{From: day2, To: day2.Add(time.Hour)}, "23"},
			{"after 2", AuditFilter{After: 2}, "345"},
			{"page of 2 after 1", AuditFilter{After: 1, Limit: 2}, "23"},
			{"nobody", AuditFilter{Actor: "carol"}, ""},
		} {
			if got := seqs(c.f); got != c.want {
				t.Errorf("%s: entries %q, want %q", c.name, got, c.want)
			}
		}
		if _, err := s.AuditEntries(ctx, AuditFilter{}); roi.CodeOf(err) != roi.CodeInvalid {
			t.Errorf("no limit: %v", err)
		}
		e, err := s.LedgerEntry(ctx, 4)
		if err != nil || e.Kind != roi.EventLogin || e.Actor != "bob" || e.Hash == "" {
			t.Errorf("entry 4: %+v, %v", e, err)
		}
		if _, err := s.LedgerEntry(ctx, 99); roi.CodeOf(err) != roi.CodeNotFound {
			t.Errorf("entry 99: %v, want not found", err)
		}
	})
}

// TestStore_ForwardCursor: the forwarder's cursor starts at 0, is kept per
// destination, and never moves back.
func TestStore_ForwardCursor(t *testing.T) {
	forEachStore(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		get := func(name string) int64 {
			t.Helper()
			n, err := s.ForwardCursor(ctx, name)
			if err != nil {
				t.Fatal(err)
			}
			return n
		}
		if n := get("syslog"); n != 0 {
			t.Fatalf("new cursor %d", n)
		}
		for _, step := range []struct {
			set, want int64
		}{{5, 5}, {9, 9}, {7, 9}, {12, 12}} {
			if err := s.SetForwardCursor(ctx, "syslog", step.set); err != nil {
				t.Fatal(err)
			}
			if n := get("syslog"); n != step.want {
				t.Errorf("after setting %d: cursor %d, want %d", step.set, n, step.want)
			}
		}
		if n := get("other"); n != 0 {
			t.Errorf("another destination's cursor %d, want 0", n)
		}
	})
}

// TestStore_AuditSearchUsesIndexes: on SQLite each search by patient, by
// actor and by date reads an index of migration 0019, not the whole
// ledger; the control (no filter) walks the ledger by its key.
func TestStore_AuditSearchUsesIndexes(t *testing.T) {
	s := mustOpen(t, t.TempDir()+"/a.db")
	day := time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		f     AuditFilter
		index string
	}{
		{AuditFilter{PatientID: 3, Limit: 50}, "ledger_patient_seq"},
		{AuditFilter{Actor: "alice", Limit: 50}, "ledger_actor_seq"},
		{AuditFilter{From: day, To: day.AddDate(0, 0, 1), Limit: 50}, "ledger_at"},
		{AuditFilter{From: day, Limit: 50}, "ledger_at"},
	} {
		q, args := auditQuery(`SELECT seq FROM ledger`, c.f)
		rows, err := s.read.QueryContext(context.Background(), "EXPLAIN QUERY PLAN "+q, args...)
		if err != nil {
			t.Fatal(err)
		}
		var plan []string
		for rows.Next() {
			var id, parent, unused int
			var detail string
			if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
				t.Fatal(err)
			}
			plan = append(plan, detail)
		}
		rows.Close()
		if p := strings.Join(plan, "; "); !strings.Contains(p, c.index) {
			t.Errorf("%+v: plan %q does not use %s", c.f, p, c.index)
		}
	}
}
