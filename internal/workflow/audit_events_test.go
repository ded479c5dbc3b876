package workflow

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/custodian-roi/custodian/internal/audit"
	"github.com/custodian-roi/custodian/internal/roi"
	"github.com/custodian-roi/custodian/internal/store"
	"github.com/custodian-roi/custodian/internal/syslog"
	"github.com/custodian-roi/custodian/internal/syslog/syslogtest"
)

// auditJourney runs a patient's access request from intake to release, so
// the ledger holds the kinds a security team asks about.
func auditJourney(t *testing.T) *fixture {
	t.Helper()
	f := newFixture(t, roi.MakeDate(1980, 6, 15), item("Encounter/1", "2025-03-14", "encounter"))
	r := f.intake(roi.KindPatient, "Pat Example", roi.BasisAccess)
	r = f.evidence(r, identity)
	r, _ = f.evaluate(r)
	r, _, err := f.desk.Decide(f.ctx, "specialist", r.ID, r.Version, Decide{Action: ActApprove})
	if err != nil {
		t.Fatal(err)
	}
	if r, _, _, err = f.desk.Release(f.ctx, "specialist", r.ID, r.Version); err != nil {
		t.Fatalf("release: %v", err)
	}
	if _, err := f.desk.Get(f.ctx, "clerk", r.ID); err != nil { // a view
		t.Fatal(err)
	}
	if err := f.desk.Flush(f.ctx); err != nil {
		t.Fatal(err)
	}
	return f
}

func eventIDs(evs []audit.AuditEvent) []string {
	var out []string
	for _, e := range evs {
		out = append(out, e.ID)
	}
	return out
}

// TestAuditEvents: the search by patient, actor and date, pages that walk
// the whole ledger once, each event linked to its entry's hash, no PHI in
// them, and the search itself recorded as a view.
func TestAuditEvents(t *testing.T) {
	f := auditJourney(t)
	d, ctx := f.desk, f.ctx
	d.AuditSite = audit.Site{Observer: "desk.example.org"}
	all, err := d.store.AuditEntries(ctx, store.AuditFilter{Limit: 1000})
	if err != nil || len(all) < 8 {
		t.Fatalf("ledger: %d entries, %v", len(all), err)
	}

	// Pages of 3 walk the ledger once, in order.
	var got []string
	after := int64(0)
	for i := 0; ; i++ {
		page, err := d.AuditEvents(ctx, "auditor", AuditQuery{After: after, Count: 3})
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, eventIDs(page.Events)...)
		if page.Next == 0 {
			break
		}
		if len(page.Events) != 3 || page.Next <= after || i > 100 {
			t.Fatalf("page %d: %d events, next %d after %d", i, len(page.Events), page.Next, after)
		}
		after = page.Next
	}
	for i, e := range all {
		if i >= len(got) || got[i] != strconv.FormatInt(e.Seq, 10) {
			t.Fatalf("pages gave %v; the ledger has %d entries from 1", got, len(all))
		}
	}

	// By patient: every event names the patient; the intake, the
	// disclosure and the view are among them.
	page, err := d.AuditEvents(ctx, "auditor", AuditQuery{PatientID: f.pid, Count: MaxAuditCount})
	if err != nil {
		t.Fatal(err)
	}
	profiles := map[audit.Profile]bool{}
	for _, ev := range page.Events {
		profiles[audit.ProfileOf(ev)] = true
		if !slices.ContainsFunc(ev.Entity, func(e audit.Entity) bool {
			return e.What != nil && e.What.Reference == "Patient/"+strconv.FormatInt(int64(f.pid), 10)
		}) {
			t.Errorf("event %s in the patient's search does not name the patient", ev.ID)
		}
	}
	for _, p := range []audit.Profile{audit.ProfilePatientCreate, audit.ProfileExport, audit.ProfilePatientRead, audit.ProfilePatientUpdate} {
		if !profiles[p] {
			t.Errorf("the patient's events include no %s: %v", p, profiles)
		}
	}
	if other, err := d.AuditEvents(ctx, "auditor", AuditQuery{PatientID: f.pid + 100}); err != nil || len(other.Events) != 0 {
		t.Errorf("another patient's search: %v, %v", eventIDs(other.Events), err)
	}

	// By actor.
	page, err = d.AuditEvents(ctx, "auditor", AuditQuery{Actor: "clerk", Count: MaxAuditCount})
	if err != nil || len(page.Events) == 0 {
		t.Fatalf("clerk's events: %v", err)
	}
	for _, ev := range page.Events {
		if ev.Agent[0].Who.Identifier.Value != "clerk" {
			t.Errorf("event %s in clerk's search is by %s", ev.ID, ev.Agent[0].Who.Identifier.Value)
		}
	}

	// By date: the test clock is 2026-03-02 15:00 UTC.
	for _, c := range []struct {
		date string
		any  bool
	}{{"2026-03-02", true}, {"ge2026-03-02T15:00:00Z", true}, {"lt2026-03-02T15:00:00Z", false}, {"gt2026-03-02", false}, {"2026-03-01", false}} {
		r, err := audit.ParseDate(c.date)
		if err != nil {
			t.Fatal(err)
		}
		page, err := d.AuditEvents(ctx, "auditor", AuditQuery{Date: r})
		if err != nil || (len(page.Events) > 0) != c.any {
			t.Errorf("date %s: %d events, %v", c.date, len(page.Events), err)
		}
	}

	// Linked: each event names its entry's number and hash.
	one, err := d.AuditEvent(ctx, "auditor", all[0].Seq)
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := json.Marshal(one)
	if one.ID != "1" || !bytes.Contains(raw, []byte(all[0].Hash)) || one.Source.Observer.Identifier.Value != "desk.example.org" {
		t.Errorf("event 1: %s", raw)
	}
	if _, err := d.AuditEvent(ctx, "auditor", 99999); roi.CodeOf(err) != roi.CodeNotFound {
		t.Errorf("an unknown event: %v", err)
	}
	if _, err := d.AuditEvents(ctx, "auditor", AuditQuery{Count: MaxAuditCount + 1}); roi.CodeOf(err) != roi.CodeInvalid {
		t.Errorf("_count over the cap: %v", err)
	}

	// No PHI: the patient's name and the requester's address are in the
	// request, never in its events.
	page, _ = d.AuditEvents(ctx, "auditor", AuditQuery{Count: MaxAuditCount})
	raw, _ = json.Marshal(page.Events)
	for _, phi := range []string{"Pat Example", "requester@example.org", "1980-06-15"} {
		if bytes.Contains(raw, []byte(phi)) {
			t.Errorf("the AuditEvents carry %q", phi)
		}
	}

	// The searches were views, by the auditor, of the patient's when by
	// patient; and the ledger still verifies.
	if err := d.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	views, _ := d.store.Ledger(ctx, store.LedgerFilter{Kind: roi.EventView})
	var searches, reads, patientSearch int
	for _, v := range views {
		if v.Actor != "auditor" {
			continue
		}
		switch {
		case bytes.Contains(v.Body, []byte(`"audit-events"`)):
			searches++
			if v.PatientID == f.pid {
				patientSearch++
			}
		case bytes.Contains(v.Body, []byte(`"audit-event"`)):
			reads++
		}
	}
	if searches < 10 || reads != 1 || patientSearch != 1 {
		t.Errorf("recorded views: %d searches (%d by patient), %d reads", searches, patientSearch, reads)
	}
	if _, err := d.store.VerifyLedger(ctx); err != nil {
		t.Errorf("ledger: %v", err)
	}
}

// received reads the AuditEvent ids out of the collector's messages.
func received(t *testing.T, msgs [][]byte) []int64 {
	t.Helper()
	var out []int64
	for _, m := range msgs {
		_, body, ok := bytes.Cut(m, []byte("\ufeff"))
		if !ok || !bytes.HasPrefix(m, []byte("<85>1 ")) || !bytes.Contains(m, []byte(" custodian - AuditEvent - ")) {
			t.Fatalf("not an audit message: %q", m)
		}
		var ev audit.AuditEvent
		if err := json.Unmarshal(body, &ev); err != nil || ev.ResourceType != "AuditEvent" {
			t.Fatalf("body %q: %v", body, err)
		}
		n, _ := strconv.ParseInt(ev.ID, 10, 64)
		out = append(out, n)
	}
	return out
}

// covers reports whether ids hold every number from 1 to n.
func covers(ids []int64, n int64) bool {
	seen := map[int64]bool{}
	for _, id := range ids {
		seen[id] = true
	}
	for i := int64(1); i <= n; i++ {
		if !seen[i] {
			return false
		}
	}
	return true
}

// TestForwardAudit: entries reach a real TLS collector in ledger order;
// through an outage the desk keeps working and nothing is lost; a restarted
// forwarder resumes from its cursor without sending old entries again.
func TestForwardAudit(t *testing.T) {
	f := auditJourney(t)
	d, s := f.desk, f.desk.store
	pki := syslogtest.NewPKI(t)
	col := syslogtest.Start(t, pki)
	cfg := syslog.Config{Addr: col.Addr, CAFile: pki.CAFile, CertFile: pki.CertFile, KeyFile: pki.KeyFile, Timeout: 2 * time.Second}
	conf, err := cfg.TLS()
	if err != nil {
		t.Fatal(err)
	}
	var dials sync.Map
	run := func() (stop func()) {
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() {
			defer close(done)
			d.ForwardAudit(ctx, AuditForward{Batch: 4, Poll: 20 * time.Millisecond, MinBackoff: 20 * time.Millisecond, MaxBackoff: 100 * time.Millisecond,
				Dial: func(ctx context.Context) (AuditConn, error) {
					dials.Store(time.Now(), true)
					return syslog.Dial(ctx, cfg, conf)
				}})
		}()
		return func() { cancel(); <-done }
	}
	head := func() int64 {
		es, err := s.Ledger(context.Background(), store.LedgerFilter{Last: 1})
		if err != nil || len(es) != 1 {
			t.Fatal(err)
		}
		return es[0].Seq
	}
	appendSome := func(n int) {
		for i := range n {
			if err := s.Append(context.Background(), roi.Event{Kind: roi.EventView, PatientID: f.pid, Actor: "clerk", Body: roi.ViewBody{What: "chart", Results: i}}); err != nil {
				t.Fatal(err)
			}
		}
	}

	stop := run()
	n := head()
	if err := col.Wait(10*time.Second, func(m [][]byte) bool { return covers(received(t, m), n) }); err != nil {
		t.Fatalf("first %d entries: got %v", n, received(t, col.Messages()))
	}
	if ids := received(t, col.Messages()); !slices.IsSorted(ids) {
		t.Errorf("not in ledger order: %v", ids)
	}

	// Outage: the collector goes away; the desk goes on recording.
	col.Stop()
	start := time.Now()
	appendSome(9)
	if time.Since(start) > 5*time.Second {
		t.Errorf("appends took %s with the collector down", time.Since(start))
	}
	time.Sleep(300 * time.Millisecond) // several failed attempts
	before := len(col.Messages())
	col.Restart()
	n = head()
	if err := col.Wait(10*time.Second, func(m [][]byte) bool { return covers(received(t, m), n) }); err != nil {
		t.Fatalf("after the outage: got %v, want 1..%d", received(t, col.Messages()), n)
	}
	if after := received(t, col.Messages())[before:]; len(after) == 0 || after[0] > n-8 {
		t.Errorf("after the outage the collector got %v; the entries recorded during it are missing", after)
	}
	stop()
	cursor, err := s.ForwardCursor(context.Background(), "syslog")
	if err != nil || cursor != n {
		t.Errorf("cursor %d after forwarding through %d: %v", cursor, n, err)
	}

	// Restart: more entries, a new forwarder; it starts after the cursor.
	sent := len(col.Messages())
	appendSome(3)
	stop = run()
	defer stop()
	n = head()
	if err := col.Wait(10*time.Second, func(m [][]byte) bool { return covers(received(t, m), n) }); err != nil {
		t.Fatalf("after restart: got %v, want 1..%d", received(t, col.Messages()), n)
	}
	if again := received(t, col.Messages())[sent:]; again[0] != cursor+1 {
		t.Errorf("the restarted forwarder sent %v; want from %d on", again, cursor+1)
	}
	count := 0
	dials.Range(func(any, any) bool { count++; return true })
	if count < 3 {
		t.Errorf("%d connections: the outage did not make the forwarder reconnect", count)
	}
	if msgs := col.Messages(); len(msgs) > 0 && strings.Contains(string(msgs[0]), "Pat Example") {
		t.Error("a forwarded event carries the patient's name")
	}
}

// TestAuditEventsValidate: the AuditEvents of a journey, sign-ins and
// account changes pass validators nobody here wrote — the HL7 FHIR R4 JSON
// schema and FHIR.js (.ci/node/fhir-validate.js, as the export's test
// runs them) — one by one and as the searchset Bundle the API answers.
// (The Bundle's references to Patient/n are to the desk's patients, not
// to entries, so its own-reference check is not applied to it.)
func TestAuditEventsValidate(t *testing.T) {
	cmd := fhirValidator(t)
	f := auditJourney(t)
	d, ctx := f.desk, f.ctx
	for _, ev := range []roi.Event{
		{Kind: roi.EventLogin, Actor: "clerk", Body: roi.LoginBody{Client: "192.0.2.7", Session: "s1"}},
		{Kind: roi.EventLoginFailed, Actor: "clerk", Body: roi.LoginFailedBody{Reason: "password", Client: "192.0.2.7"}},
		{Kind: roi.EventLogout, Actor: "clerk", Body: roi.LogoutBody{Session: "s1"}},
		{Kind: roi.EventUserAdded, Actor: "admin", Body: roi.UserAddedBody{Username: "new.clerk", Role: "intake-clerk"}},
	} {
		if err := d.store.Append(ctx, ev); err != nil {
			t.Fatal(err)
		}
	}
	page, err := d.AuditEvents(ctx, "auditor", AuditQuery{Count: MaxAuditCount})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	var files []string
	profiles := map[audit.Profile]bool{}
	for _, ev := range page.Events {
		profiles[audit.ProfileOf(ev)] = true
		b, _ := json.Marshal(ev)
		name := filepath.Join(dir, "AuditEvent-"+ev.ID+".json")
		if err := os.WriteFile(name, b, 0o600); err != nil {
			t.Fatal(err)
		}
		files = append(files, name)
	}
	if len(profiles) < 7 {
		t.Errorf("only %d profiles among the events: %v", len(profiles), profiles)
	}
	bundle, err := audit.SearchSet(page.Events, "https://records.example.org/api/v1/fhir/AuditEvent", "https://records.example.org/api/v1/fhir/AuditEvent", "")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(bundle)
	bundleFile := filepath.Join(dir, "searchset.json")
	if err := os.WriteFile(bundleFile, b, 0o600); err != nil {
		t.Fatal(err)
	}
	files = append(files, bundleFile)
	// The interface's CapabilityStatement and its errors' OperationOutcome.
	for name, res := range map[string]any{
		"capability.json": audit.Capability("https://records.example.org/api/v1/fhir", "1.0"),
		"outcome.json":    audit.Outcome("invalid", "_count must be from 1 to 500.", "request_id 0123456789ab; error invalid"),
	} {
		b, _ := json.Marshal(res)
		name = filepath.Join(dir, name)
		if err := os.WriteFile(name, b, 0o600); err != nil {
			t.Fatal(err)
		}
		files = append(files, name)
	}
	for name, v := range runFHIRValidator(t, cmd, files) {
		if len(v.Schema) > 0 || len(v.FHIRJS) > 0 {
			t.Errorf("%s: schema %v, FHIR.js %v", name, v.Schema, v.FHIRJS)
		}
		if name != "searchset.json" && len(v.Refs) > 0 {
			t.Errorf("%s: references %v", name, v.Refs)
		}
	}

	// The validators are not rubber stamps: an AuditEvent with an action
	// R4 does not have and no recorded time fails them.
	bad := page.Events[0]
	bad.Action, bad.Recorded = "X", ""
	b, _ = json.Marshal(bad)
	badFile := filepath.Join(dir, "bad.json")
	if err := os.WriteFile(badFile, b, 0o600); err != nil {
		t.Fatal(err)
	}
	if v := runFHIRValidator(t, cmd, []string{badFile})["bad.json"]; len(v.Schema) == 0 && len(v.FHIRJS) == 0 {
		t.Error("a bad AuditEvent passed both validators")
	}
	badCap := audit.Capability("https://records.example.org/api/v1/fhir", "1.0")
	badCap.Kind, badCap.Rest[0].Resource[0].Interaction[0].Code = "X", "peek"
	b, _ = json.Marshal(badCap)
	badFile = filepath.Join(dir, "badcap.json")
	if err := os.WriteFile(badFile, b, 0o600); err != nil {
		t.Fatal(err)
	}
	if v := runFHIRValidator(t, cmd, []string{badFile})["badcap.json"]; len(v.Schema) == 0 && len(v.FHIRJS) == 0 {
		t.Error("a bad CapabilityStatement passed both validators")
	}
}
