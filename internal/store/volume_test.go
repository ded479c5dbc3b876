package store

import (
	"context"
	"strings"
	"testing"

	"github.com/custodian-roi/custodian/internal/roi"
)

// TestOpenQueueIndex: the open queue's partial index carries the very
// condition the queries use, on both databases, and SQLite's planner
// takes it for an open page.
func TestOpenQueueIndex(t *testing.T) {
	for _, d := range []string{"sqlite", "postgres"} {
		b, err := migrations.ReadFile("migrations/" + d + "/0009_open_queue.sql")
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(b), "WHERE "+openCondition+";") {
			t.Errorf("%s: the partial index's WHERE is not openCondition; the queue would scan every request", d)
		}
	}
	s := mustOpen(t, t.TempDir()+"/q.db")
	q, args := requestQuery(`SELECT id FROM requests WHERE 1 = 1`, RequestFilter{Open: true, Limit: 101,
		After: &QueueKey{Due: roi.MakeDate(2026, 3, 1), ID: 7}})
	rows, err := s.read.QueryContext(context.Background(), "EXPLAIN QUERY PLAN "+q, args...)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var plan []string
	for rows.Next() {
		var id, parent, unused int
		var detail string
		if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
			t.Fatal(err)
		}
		plan = append(plan, detail)
	}
	if p := strings.Join(plan, "; "); !strings.Contains(p, "requests_open_queue") || strings.Contains(p, "TEMP B-TREE") {
		t.Errorf("the open queue's plan: %s", p)
	}
}

// TestStore_SensitiveStale: a new request's "sensitive in scope" is not
// known; RequestsWithStale says which rows lack it, pointing at the rows
// themselves; once stored, KnownSensitive and the rows carry it; a chart
// change makes it unknown again, and a value worked out from the older
// chart is not stored over it.
func TestStore_SensitiveStale(t *testing.T) {
	forEachStore(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		pid := mustPatient(t, s)
		a := mustRequest(t, s, pid, nil)
		b := mustRequest(t, s, pid, nil)
		rs, stale, err := s.RequestsWithStale(ctx, RequestFilter{})
		if err != nil || len(rs) != 2 || len(stale) != 2 {
			t.Fatalf("new requests: %d rows, %d stale, %v", len(rs), len(stale), err)
		}
		if stale[0].Request != rs[0] {
			t.Error("a Stale does not point at its row")
		}
		if k, _ := s.KnownSensitive(ctx, []roi.RequestID{a.ID, b.ID}); len(k) != 0 {
			t.Errorf("known before anything was worked out: %v", k)
		}
		stale[0].Request.Sensitive, stale[1].Request.Sensitive = true, false
		if err := s.SetSensitive(ctx, stale); err != nil {
			t.Fatal(err)
		}
		k, err := s.KnownSensitive(ctx, []roi.RequestID{a.ID, b.ID})
		if err != nil || len(k) != 2 || k[rs[0].ID] != true || k[rs[1].ID] != false {
			t.Errorf("known after storing: %v %v", k, err)
		}
		rs, stale, _ = s.RequestsWithStale(ctx, RequestFilter{Sensitive: true})
		if len(rs) != 1 || len(stale) != 0 || !rs[0].Sensitive {
			t.Errorf("the sensitive filter: %d rows, %d stale", len(rs), len(stale))
		}
		// Work out a value, then change the chart before storing it.
		_, old, _ := s.RequestsWithStale(ctx, RequestFilter{})
		if len(old) != 0 {
			t.Fatalf("%d stale after storing", len(old))
		}
		if _, _, err := s.ImportChart(ctx, roi.PatientRecord{FHIRID: "p-1", MRN: "MRN1", Name: "Test Patient", BirthDate: roi.MakeDate(1980, 1, 2), DeathDate: roi.NoDate},
			[]roi.ChartItem{{Key: "Encounter/e1", Date: roi.MakeDate(2025, 1, 1), Type: "encounter", Title: "Visit"}}, nil, "test"); err != nil {
			t.Fatal(err)
		}
		_, stale, _ = s.RequestsWithStale(ctx, RequestFilter{})
		if len(stale) != 2 {
			t.Fatalf("after a chart import: %d stale, want 2", len(stale))
		}
		stale1, _ := s.StaleSensitive(ctx, RequestFilter{}, 10)
		if _, _, err := s.ImportChart(ctx, roi.PatientRecord{FHIRID: "p-1", MRN: "MRN1", Name: "Test Patient", BirthDate: roi.MakeDate(1980, 1, 2), DeathDate: roi.NoDate},
			[]roi.ChartItem{{Key: "Encounter/e2", Date: roi.MakeDate(2025, 1, 1), Type: "encounter", Title: "Visit"}}, nil, "test"); err != nil {
			t.Fatal(err)
		}
		if err := s.SetSensitive(ctx, stale1); err != nil {
			t.Fatal(err)
		}
		if k, _ := s.KnownSensitive(ctx, []roi.RequestID{a.ID, b.ID}); len(k) != 0 {
			t.Errorf("a value from the older chart was stored over a newer change: %v", k)
		}
	})
}
