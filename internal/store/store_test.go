package store

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/custodian-roi/custodian/internal/ledger"
	"github.com/custodian-roi/custodian/internal/roi"
	"github.com/custodian-roi/custodian/internal/storetest/testdsn"
	"github.com/custodian-roi/custodian/internal/vault"
)

// mustOpen opens and migrates the store at dsn and closes it at the end
// of the test (storetest.Open, which package store tests cannot import).
func mustOpen(t testing.TB, dsn string) *Store {
	t.Helper()
	s, err := Open(context.Background(), dsn)
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	if _, err := s.Migrate(context.Background()); err != nil {
		t.Fatalf("migrate: %v", err)
	}
	return s
}

// forEachStore runs one suite against real SQLite and real PostgreSQL
// (testdsn.ForEach: PostgreSQL skips without CUSTODIAN_TEST_POSTGRES_URL
// and fails under CI=true). It is the store's local adapter of
// storetest.ForEach, which these package store tests cannot import.
func forEachStore(t *testing.T, fn func(t *testing.T, s *Store)) {
	t.Helper()
	testdsn.ForEach(t, func(t *testing.T, dsn string) { fn(t, mustOpen(t, dsn)) })
}

var day = roi.MakeDate(2026, 3, 2)

func mustPatient(t *testing.T, s *Store) roi.PatientID {
	t.Helper()
	id, _, err := s.ImportChart(context.Background(), roi.PatientRecord{FHIRID: "p-1", MRN: "MRN1", Name: "Test Patient", BirthDate: roi.MakeDate(1980, 1, 2), DeathDate: roi.NoDate},
		[]roi.ChartItem{{Key: "Encounter/e1", Date: roi.MakeDate(2025, 1, 1), Type: "encounter", Title: "Visit"},
			{Key: "DocumentReference/d1", Date: roi.MakeDate(2025, 2, 1), Type: "document", Labels: roi.LabelsOf(roi.LabelHIV)}}, nil, "test")
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func mustRequest(t *testing.T, s *Store, pid roi.PatientID, mutate func(r *roi.DeskRequest)) *roi.DeskRequest {
	t.Helper()
	r := &roi.DeskRequest{PatientID: pid, Request: roi.Request{Type: roi.RequestRecords, Received: day,
		Requester: roi.Requester{Kind: roi.KindPatient, Name: "Test Patient"}, Basis: roi.BasisAccess,
		Scope: roi.Coverage{From: roi.NoDate, To: roi.NoDate}},
		Delivery: roi.DeliveryPortal, Status: roi.StatusReceived, Due: day.AddDays(30)}
	if mutate != nil {
		mutate(r)
	}
	if err := s.CreateRequest(context.Background(), r, roi.Event{Kind: "intake", Actor: "clerk"}); err != nil {
		t.Fatal(err)
	}
	return r
}

func TestMigrationsMatch(t *testing.T) {
	a, err := MigrationVersions(SQLite)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := MigrationVersions(Postgres)
	if !slices.Equal(a, b) || len(a) == 0 {
		t.Errorf("sqlite migrations %v, postgres %v: the two must carry the same numbers", a, b)
	}
}

func TestStore_Migrate(t *testing.T) {
	forEachStore(t, func(t *testing.T, s *Store) {
		n, err := s.Migrate(context.Background())
		if err != nil || n != 0 {
			t.Errorf("second Migrate applied %d (err %v), want 0", n, err)
		}
	})
}

func TestStore_SQLitePragmas(t *testing.T) {
	s := mustOpen(t, filepath.Join(t.TempDir(), "c.db"))
	var fk int
	var mode string
	s.write.QueryRow("PRAGMA foreign_keys").Scan(&fk)
	s.write.QueryRow("PRAGMA journal_mode").Scan(&mode)
	if fk != 1 || mode != "wal" {
		t.Errorf("foreign_keys=%d journal_mode=%s, want 1 and wal", fk, mode)
	}
}

func TestStore_ImportChartIdempotent(t *testing.T) {
	forEachStore(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		id := mustPatient(t, s)
		id2 := mustPatient(t, s)
		if id != id2 {
			t.Errorf("re-import made patient %d, want %d", id2, id)
		}
		items, err := s.ChartItems(ctx, id)
		if err != nil || len(items) != 2 {
			t.Fatalf("items %v err %v, want 2", items, err)
		}
		if !items[1].Labels.Has(roi.LabelHIV) || items[0].Labels != 0 {
			t.Errorf("labels %v %v", items[0].Labels, items[1].Labels)
		}
		p, err := s.PatientByRef(ctx, "MRN1")
		if err != nil || p.ID != id || p.BirthDate != roi.MakeDate(1980, 1, 2) || p.DeathDate.Known() {
			t.Errorf("PatientByRef: %+v %v", p, err)
		}
		// The same MRN from another source system is the same patient.
		other, _, err := s.ImportChart(ctx, roi.PatientRecord{FHIRID: "other-system-7", MRN: "MRN1", Name: "Test Patient", BirthDate: roi.MakeDate(1980, 1, 2)}, nil, nil, "test")
		if err != nil || other != id {
			t.Errorf("matched by MRN: patient %d (%v), want %d", other, err, id)
		}
		// A record with no birth date (Synthea has some) imports and reads.
		nb, _, err := s.ImportChart(ctx, roi.PatientRecord{FHIRID: "p-2", Name: "No Birthdate"}, nil, nil, "test")
		if p, err2 := s.Patient(ctx, nb); err != nil || err2 != nil || p.BirthDate.Known() {
			t.Errorf("no birth date: %+v %v %v", p, err, err2)
		}
		if _, err := s.PatientByRef(ctx, "nobody"); roi.CodeOf(err) != roi.CodeNotFound {
			t.Errorf("unknown patient: %v", err)
		}
	})
}

func TestStore_RequestLifecycle(t *testing.T) {
	forEachStore(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		pid := mustPatient(t, s)
		r := mustRequest(t, s, pid, func(r *roi.DeskRequest) {
			r.Scope = roi.Coverage{From: roi.MakeDate(2024, 1, 1), To: roi.NoDate, Labels: roi.LabelsOf(roi.LabelGeneral), HasLabels: true}
		})
		if r.ID == 0 || r.Number != "R-2026-000001" || r.Version != 1 {
			t.Fatalf("created %+v", r)
		}
		got, err := s.Request(ctx, r.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Scope != r.Scope || got.Due != r.Due || got.Requester != r.Requester || got.Status != roi.StatusReceived {
			t.Errorf("round trip: got %+v, want %+v", got, r)
		}

		// A change names the version it was made against.
		up, err := s.UpdateRequest(ctx, r.ID, 1, func(r *roi.DeskRequest, tx *Tx) error {
			r.Status = roi.StatusVerifying
			if _, err := tx.AddEvidence("identity", []byte(`{"type":"identity","verified":true}`), "clerk"); err != nil {
				return err
			}
			return tx.Append(roi.Event{Kind: "evidence", Actor: "clerk"})
		})
		if err != nil || up.Version != 2 || up.Status != roi.StatusVerifying {
			t.Fatalf("update: %+v %v", up, err)
		}
		_, err = s.UpdateRequest(ctx, r.ID, 1, func(r *roi.DeskRequest, tx *Tx) error {
			r.Status = roi.StatusCancelled
			return nil
		})
		if roi.CodeOf(err) != roi.CodeConflict {
			t.Errorf("stale version: err %v, want conflict", err)
		}
		// A failing update changes nothing, the ledger included.
		before, _ := s.Ledger(ctx, LedgerFilter{})
		_, err = s.UpdateRequest(ctx, r.ID, 2, func(r *roi.DeskRequest, tx *Tx) error {
			r.Status = roi.StatusCancelled
			tx.Append(roi.Event{Kind: "cancel", Actor: "clerk"})
			return roi.Errorf(roi.CodeInvalid, "no")
		})
		after, _ := s.Ledger(ctx, LedgerFilter{})
		got, _ = s.Request(ctx, r.ID)
		if err == nil || got.Status != roi.StatusVerifying || got.Version != 2 || len(after) != len(before) {
			t.Errorf("failed update left traces: status %s version %d ledger %d->%d", got.Status, got.Version, len(before), len(after))
		}
		ev, _ := s.Evidence(ctx, r.ID)
		if len(ev) != 1 || ev[0].Type != "identity" {
			t.Errorf("evidence %+v", ev)
		}
		entries, _ := s.Ledger(ctx, LedgerFilter{RequestID: r.ID})
		var kinds []string
		for _, e := range entries {
			kinds = append(kinds, string(e.Kind))
		}
		if !slices.Equal(kinds, []string{"intake", "evidence"}) {
			t.Errorf("ledger kinds %v", kinds)
		}
	})
}

func TestStore_Documents(t *testing.T) {
	forEachStore(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		r := mustRequest(t, s, mustPatient(t, s), nil)
		content := []byte("%PDF-1.4 test")
		var d roi.DocumentRecord
		_, err := s.UpdateRequest(ctx, r.ID, r.Version, func(_ *roi.DeskRequest, tx *Tx) error {
			d = roi.DocumentRecord{Name: "auth.pdf", ContentType: "application/pdf", AddedBy: "clerk"}
			return tx.AddDocument(&d, content)
		})
		if err != nil {
			t.Fatal(err)
		}
		got, data, err := s.DocumentContent(ctx, r.ID, d.ID)
		sum := sha256.Sum256(content)
		if err != nil || string(data) != string(content) || got.SHA256 != hex.EncodeToString(sum[:]) || got.Size != int64(len(content)) {
			t.Errorf("document %+v %q %v", got, data, err)
		}
		if _, _, err := s.DocumentContent(ctx, r.ID+1, d.ID); roi.CodeOf(err) != roi.CodeNotFound {
			t.Errorf("document of another request: %v", err)
		}
	})
}

func TestStore_Queue(t *testing.T) {
	forEachStore(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		pid := mustPatient(t, s)
		a := mustRequest(t, s, pid, func(r *roi.DeskRequest) { r.Due = day.AddDays(5); r.Assignee = "ana" })
		b := mustRequest(t, s, pid, func(r *roi.DeskRequest) { r.Due = day.AddDays(-1) })
		c := mustRequest(t, s, pid, func(r *roi.DeskRequest) { r.Due = roi.NoDate; r.Status = roi.StatusDenied })
		ids := func(f RequestFilter) []roi.RequestID {
			rs, err := s.Requests(ctx, f)
			if err != nil {
				t.Fatal(err)
			}
			var out []roi.RequestID
			for _, r := range rs {
				out = append(out, r.ID)
			}
			return out
		}
		for _, tc := range []struct {
			name string
			f    RequestFilter
			want []roi.RequestID
		}{
			{"all by due", RequestFilter{}, []roi.RequestID{b.ID, a.ID, c.ID}},
			{"open", RequestFilter{Open: true}, []roi.RequestID{b.ID, a.ID}},
			{"overdue", RequestFilter{Overdue: day}, []roi.RequestID{b.ID}},
			{"due before", RequestFilter{DueBefore: day.AddDays(5)}, []roi.RequestID{b.ID, a.ID}},
			{"assignee", RequestFilter{Assignee: "ana"}, []roi.RequestID{a.ID}},
			{"status", RequestFilter{Statuses: []roi.Status{roi.StatusDenied}}, []roi.RequestID{c.ID}},
			{"number", RequestFilter{Number: a.Number}, []roi.RequestID{a.ID}},
			{"limit", RequestFilter{Limit: 1}, []roi.RequestID{b.ID}},
		} {
			if got := ids(tc.f); !slices.Equal(got, tc.want) {
				t.Errorf("%s: %v, want %v", tc.name, got, tc.want)
			}
		}
	})
}

func TestStore_LedgerAppendOnly(t *testing.T) {
	forEachStore(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		mustRequest(t, s, mustPatient(t, s), nil)
		if _, err := s.write.ExecContext(ctx, `UPDATE ledger SET actor = 'mallory'`); err == nil {
			t.Error("UPDATE of a ledger row succeeded")
		}
		if _, err := s.write.ExecContext(ctx, `DELETE FROM ledger`); err == nil {
			t.Error("DELETE of ledger rows succeeded")
		}
		if n, err := s.VerifyLedger(ctx); err != nil || n != 2 {
			t.Errorf("VerifyLedger = %d, %v; want 2 entries intact", n, err)
		}
	})
}

func TestStore_VerifyLedgerFindsTampering(t *testing.T) {
	forEachStore(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		pid := mustPatient(t, s)
		for i := 0; i < 4; i++ {
			mustRequest(t, s, pid, nil)
		}
		// Someone with database access drops the guard and edits entry 3.
		drop := `DROP TRIGGER ledger_no_update`
		if s.dialect == Postgres {
			drop = `DROP TRIGGER ledger_no_update ON ledger`
		}
		if _, err := s.write.ExecContext(ctx, drop); err != nil {
			t.Fatal(err)
		}
		if _, err := s.write.ExecContext(ctx, `UPDATE ledger SET body = '{"edited":true}' WHERE seq = 3`); err != nil {
			t.Fatal(err)
		}
		_, err := s.VerifyLedger(ctx)
		var b *ledger.BrokenError
		if !errors.As(err, &b) || b.Seq != 3 {
			t.Errorf("VerifyLedger: %v, want entry 3 broken", err)
		}
	})
}

func TestStore_ConcurrentAppends(t *testing.T) {
	forEachStore(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		pid := mustPatient(t, s)
		var wg sync.WaitGroup
		errs := make(chan error, 40)
		for g := 0; g < 8; g++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := 0; i < 5; i++ {
					errs <- s.Append(ctx, roi.Event{Kind: "view", PatientID: pid, Actor: fmt.Sprintf("u%d", g)})
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
		if n, err := s.VerifyLedger(ctx); err != nil || n != 41 {
			t.Errorf("VerifyLedger = %d, %v; want 41 intact", n, err)
		}
	})
}

// TestStore_Idempotency: the first answer under a key is kept for the
// ttl, its body only sealed (none without a key), and forgotten after.
func TestStore_Idempotency(t *testing.T) {
	forEachStore(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		now := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
		s.Now = func() time.Time { return now }
		const ttl = 24 * time.Hour
		if r, err := s.Idempotent(ctx, "k1", ttl); r != nil || err != nil {
			t.Fatalf("empty: %v %v", r, err)
		}
		// Without a key, no body is kept.
		s.SaveIdempotent(ctx, "k0", IdempotentResponse{Fingerprint: "f", Status: 201, Body: []byte(`{"name":"Ada Plaintext"}`)}, ttl)
		if r, err := s.Idempotent(ctx, "k0", ttl); err != nil || r.Status != 201 || r.Body != nil {
			t.Errorf("kept without a key: %+v %v", r, err)
		}
		key, _ := vault.NewKey(vault.GenerateKey())
		s.Keys = vault.NewRing(key)
		s.SaveIdempotent(ctx, "k1", IdempotentResponse{Fingerprint: "f", Status: 201, Body: []byte(`{"name":"Ada Sealed"}`)}, ttl)
		s.SaveIdempotent(ctx, "k1", IdempotentResponse{Fingerprint: "g", Status: 500, Body: []byte(`{}`)}, ttl)
		r, err := s.Idempotent(ctx, "k1", ttl)
		if err != nil || r.Status != 201 || r.Fingerprint != "f" || string(r.Body) != `{"name":"Ada Sealed"}` {
			t.Errorf("stored %+v %v", r, err)
		}
		var body string
		s.read.QueryRowContext(ctx, `SELECT body FROM idempotency WHERE key = 'k1'`).Scan(&body)
		if body == "" || strings.Contains(body, "Ada") {
			t.Errorf("the kept body is %q, want sealed", body)
		}
		// After the ttl the key is free again, and old rows are purged.
		now = now.Add(ttl + time.Second)
		if r, err := s.Idempotent(ctx, "k1", ttl); r != nil || err != nil {
			t.Errorf("expired: %+v %v", r, err)
		}
		s.SaveIdempotent(ctx, "k1", IdempotentResponse{Fingerprint: "h", Status: 200, Body: []byte(`{}`)}, ttl)
		if r, _ := s.Idempotent(ctx, "k1", ttl); r == nil || r.Fingerprint != "h" {
			t.Errorf("after expiry: %+v", r)
		}
		var n int
		s.read.QueryRowContext(ctx, `SELECT COUNT(*) FROM idempotency`).Scan(&n)
		if n != 1 {
			t.Errorf("%d rows after the purge, want 1", n)
		}
	})
}

func TestStore_Times(t *testing.T) {
	forEachStore(t, func(t *testing.T, s *Store) {
		at := time.Date(2026, 3, 2, 10, 11, 12, 345678999, time.UTC)
		s.Now = func() time.Time { return at }
		r := mustRequest(t, s, mustPatient(t, s), nil)
		got, _ := s.Request(context.Background(), r.ID)
		if !got.CreatedAt.Equal(at.Truncate(time.Microsecond)) {
			t.Errorf("CreatedAt %v, want %v", got.CreatedAt, at.Truncate(time.Microsecond))
		}
	})
}

func TestStore_LabelsProvenanceOverridesRaw(t *testing.T) {
	forEachStore(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		p := roi.PatientRecord{FHIRID: "p-9", Name: "Label Patient", BirthDate: roi.MakeDate(1990, 1, 1)}
		why := roi.LabelSource{Label: "hiv", Rule: "value-set", ValueSet: "hiv@2026.11", System: "http://loinc.org", Code: "20447-9", Resource: "Observation/o1"}
		items := []roi.ChartItem{
			{Key: "DiagnosticReport/r1", Date: roi.MakeDate(2025, 3, 1), Type: "report", Labels: roi.LabelsOf(roi.LabelHIV), Why: []roi.LabelSource{why}},
			{Key: "Encounter/e1", Date: roi.MakeDate(2025, 3, 1), Type: "encounter"},
		}
		// Bytes as received, odd spacing and key order included.
		raw := []byte("{\"resourceType\":\"Encounter\",  \"id\":\"e1\",\n \"status\":\"finished\"}")
		pid, _, err := s.ImportChart(ctx, p, items, []roi.RawResource{{Key: "Encounter/e1", JSON: raw}}, "import")
		if err != nil {
			t.Fatal(err)
		}
		got, err := s.RawResource(ctx, pid, "Encounter/e1")
		if err != nil || !bytes.Equal(got, raw) {
			t.Errorf("raw round trip: %q %v", got, err)
		}
		// Staff remove a wrong label and add one the codes missed.
		if _, err := s.OverrideLabel(ctx, pid, "DiagnosticReport/r1", roi.LabelHIV, false, "panel was a hepatitis panel; HIV code was a mapping error", "privacy.officer"); err != nil {
			t.Fatal(err)
		}
		if _, err := s.OverrideLabel(ctx, pid, "Encounter/e1", roi.LabelBehavioralHealth, true, "visit was a psychiatric consult", "privacy.officer"); err != nil {
			t.Fatal(err)
		}
		if _, err := s.OverrideLabel(ctx, pid, "Encounter/none", roi.LabelHIV, true, "x", "po"); roi.CodeOf(err) != roi.CodeNotFound {
			t.Errorf("override of a missing item: %v", err)
		}
		check := func(stage string) {
			t.Helper()
			chart, err := s.ChartItems(ctx, pid)
			if err != nil {
				t.Fatal(err)
			}
			byKey := map[string]roi.ChartItem{}
			for _, it := range chart {
				byKey[it.Key] = it
			}
			r, e := byKey["DiagnosticReport/r1"], byKey["Encounter/e1"]
			if r.Labels != 0 || e.Labels != roi.LabelsOf(roi.LabelBehavioralHealth) {
				t.Errorf("%s: labels %v / %v", stage, r.Labels.Strings(), e.Labels.Strings())
			}
			if len(r.Why) != 2 || r.Why[0] != why || r.Why[1].Rule != "staff-remove" || r.Why[1].By != "privacy.officer" {
				t.Errorf("%s: report provenance %+v", stage, r.Why)
			}
			if len(e.Why) != 1 || e.Why[0].Rule != "staff-add" || e.Why[0].Reason == "" {
				t.Errorf("%s: encounter provenance %+v", stage, e.Why)
			}
		}
		check("after overrides")
		// A re-import recomputes labels but keeps what staff decided.
		if _, n, err := s.ImportChart(ctx, p, items, nil, "import"); err != nil || n != 0 {
			t.Fatalf("re-import: %d new, %v", n, err)
		}
		check("after re-import")
		entries, _ := s.Ledger(ctx, LedgerFilter{PatientID: pid, Kind: "label"})
		if len(entries) != 2 {
			t.Errorf("%d label events in the ledger, want 2", len(entries))
		}
	})
}
