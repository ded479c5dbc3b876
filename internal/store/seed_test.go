package store

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/custodian-roi/custodian/internal/roi"
)

// TestSeeder_EntriesCarryRefs: a seeded desk verifies like one the desk
// wrote — its intake and decision entries carry the digests of the rows
// they are about, so `ledger verify` checks seeded rows against them (a
// seed beside a request the desk wrote was once reported as "inserted
// outside the desk") and still finds a seeded row changed afterwards.
func TestSeeder_EntriesCarryRefs(t *testing.T) {
	forEachStore(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		pid := mustPatient(t, s)
		real := mustRequest(t, s, pid, nil) // written by the desk: its entry has refs
		b, err := s.Seed(ctx)
		if err != nil {
			t.Fatal(err)
		}
		id := int64(real.ID) + 1
		cols := []string{"id", "number", "patient_id", "type", "received", "requester_kind", "requester_name", "basis", "recipient", "scope",
			"contact", "delivery", "status", "assignee", "due", "version", "evaluated_version", "extended", "created_at", "updated_at"}
		at := time.Date(2026, 3, 3, 10, 0, 0, 0, time.UTC)
		stamp := at.Format("2006-01-02T15:04:05.000000Z")
		if err := b.Row("requests", cols, id, "R-SEED-1", pid, string(roi.RequestRecords), day.String(), string(roi.KindAttorney), "Seeded & Co",
			string(roi.BasisAuthorization), "", "{}", "", string(roi.DeliveryMail), string(roi.StatusReleased), "", day.AddDays(30).String(), 3, 0, false, stamp, stamp); err != nil {
			t.Fatal(err)
		}
		dcols := []string{"id", "request_id", "kind", "rule_set", "outcome", "body", "made_by", "made_at"}
		if err := b.Row("decisions", dcols, int64(900), id, "decision", "rules", "release", []byte(`{"action":"approve"}`), "spec", stamp); err != nil {
			t.Fatal(err)
		}
		intake, _ := json.Marshal(map[string]string{"type": "records"})
		dec, _ := json.Marshal(roi.DecisionBody{DecisionID: 900, Action: "approve", Reasons: []roi.Code{}})
		if err := b.Ledger(at, roi.EventIntake, roi.RequestID(id), pid, "clerk", intake); err != nil {
			t.Fatal(err)
		}
		if err := b.Ledger(at.Add(time.Hour), roi.EventDecision, roi.RequestID(id), pid, "spec", dec); err != nil {
			t.Fatal(err)
		}
		if err := b.Close(); err != nil {
			t.Fatal(err)
		}
		rep, err := s.VerifyLedgerReport(ctx)
		if err != nil {
			t.Fatalf("a seeded desk does not verify: %v", err)
		}
		if rep.Rows["requests"] < 2 || rep.Rows["decisions"] < 1 {
			t.Errorf("seeded rows not checked against their entries: %v", rep.Rows)
		}
		// And the other way: a seeded row changed behind the desk's back.
		if _, err := s.write.ExecContext(ctx, `UPDATE requests SET requester_name = 'Someone Else' WHERE id = $1`, id); err != nil {
			t.Fatal(err)
		}
		if _, err := s.VerifyLedgerReport(ctx); err == nil || !strings.Contains(err.Error(), "requests row") {
			t.Errorf("a changed seeded request row: %v", err)
		}
	})
}
