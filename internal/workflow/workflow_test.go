package workflow

import (
	"bytes"
	"cmp"
	"context"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/custodian-roi/custodian/internal/roi"
	"github.com/custodian-roi/custodian/internal/store"
)

var today = roi.MakeDate(2026, 3, 2)

type fixture struct {
	t    *testing.T
	desk *Desk
	ctx  context.Context
	pid  roi.PatientID
}

func newFixture(t *testing.T, birth roi.Date, items ...roi.ChartItem) *fixture {
	t.Helper()
	return newFixtureRaw(t, birth, nil, items...)
}

// newFixtureRaw is newFixture with the source resources of some items
// given, by key.
func newFixtureRaw(t *testing.T, birth roi.Date, given map[string]string, items ...roi.ChartItem) *fixture {
	t.Helper()
	ctx := context.Background()
	d, s := newTestDesk(t)
	// Every item gets a small source resource, as an import keeps them: a
	// release renders its packet from them.
	var raws []roi.RawResource
	for _, it := range items {
		typ, id, _ := strings.Cut(it.Key, "/")
		raw := cmp.Or(given[it.Key], `{"resourceType":"`+typ+`","id":"`+id+`","status":"final"}`)
		raws = append(raws, roi.RawResource{Key: it.Key, JSON: []byte(raw)})
	}
	pid, _, err := s.ImportChart(ctx, roi.PatientRecord{FHIRID: "p1", MRN: "M1", Name: "Pat Example", BirthDate: birth}, items, raws, "import")
	if err != nil {
		t.Fatal(err)
	}
	return &fixture{t: t, desk: d, ctx: ctx, pid: pid}
}

// newTestDesk is a desk over a fresh SQLite store whose clock reads
// 2026-03-02 15:00 UTC.
func newTestDesk(t *testing.T) (*Desk, *store.Store) {
	t.Helper()
	s, err := store.Open(context.Background(), filepath.Join(t.TempDir(), "c.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	if _, err := s.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	d := New(s)
	d.SetClock(func() time.Time { return time.Date(2026, 3, 2, 15, 0, 0, 0, time.UTC) })
	return d, s
}

func item(key, date, typ string, labels ...roi.Label) roi.ChartItem {
	d, _ := roi.ParseDate(date)
	return roi.ChartItem{Key: key, Date: d, Type: typ, Title: "t", Labels: roi.LabelsOf(labels...)}
}

func (f *fixture) intake(kind roi.Kind, name string, basis roi.Basis) *roi.DeskRequest {
	f.t.Helper()
	r, err := f.desk.Intake(f.ctx, "clerk", Intake{PatientID: f.pid, Request: roi.Request{Received: today,
		Requester: roi.Requester{Kind: kind, Name: name}, Basis: basis}, Contact: "requester@example.org", Delivery: roi.DeliveryPortal})
	if err != nil {
		f.t.Fatal(err)
	}
	return r
}

func (f *fixture) evidence(r *roi.DeskRequest, body string) *roi.DeskRequest {
	f.t.Helper()
	r, _, err := f.desk.AttachEvidence(f.ctx, "clerk", r.ID, r.Version, []byte(body))
	if err != nil {
		f.t.Fatalf("evidence %s: %v", body, err)
	}
	return r
}

func (f *fixture) evaluate(r *roi.DeskRequest) (*roi.DeskRequest, *Evaluation) {
	f.t.Helper()
	r, ev, err := f.desk.Evaluate(f.ctx, "specialist", r.ID, r.Version)
	if err != nil {
		f.t.Fatal(err)
	}
	return r, ev
}

func must[T any](t *testing.T) func(T, error) T {
	return func(v T, err error) T {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
}

const identity = `{"type":"identity","verified":true,"method":"photo ID"}`

// TestJourneyPatientAccess: intake, identity, evaluation, decision,
// release; the psychotherapy note never leaves; the ledger verifies; the
// disclosure, being to the individual, is not in the accounting.
func TestJourneyPatientAccess(t *testing.T) {
	f := newFixture(t, roi.MakeDate(1980, 6, 15),
		item("Encounter/1", "2025-03-14", "encounter"),
		item("DocumentReference/pn", "2025-06-09", "document", roi.LabelPsychotherapyNote))
	r := f.intake(roi.KindPatient, "Pat Example", roi.BasisAccess)
	if r.Status != roi.StatusReceived || r.Due != today.AddDays(30) {
		t.Fatalf("intake: status %s due %s", r.Status, r.Due)
	}
	r = f.evidence(r, identity)
	if r.Status != roi.StatusVerifying {
		t.Errorf("after identity: %s", r.Status)
	}
	r, ev := f.evaluate(r)
	if r.Status != roi.StatusInReview || ev.Decision.Outcome != roi.OutcomePartial {
		t.Fatalf("evaluate: %s %s", r.Status, ev.Decision.Outcome)
	}
	// Approve would release what the engine withholds: refused.
	if _, _, err := f.desk.Decide(f.ctx, "specialist", r.ID, r.Version, Decide{Action: ActApprove}); roi.CodeOf(err) != roi.CodeInvalid {
		t.Errorf("approve against a partial decision: %v", err)
	}
	r, final, err := f.desk.Decide(f.ctx, "specialist", r.ID, r.Version, Decide{Action: ActPartial})
	if err != nil || r.Status != roi.StatusApproved || !slices.Equal(final.Release, []string{"Encounter/1"}) {
		t.Fatalf("decide: %v %+v", err, final)
	}
	r = f.review(r)
	r, dis, _, err := f.desk.Release(f.ctx, "specialist", r.ID, r.Version)
	if err != nil || r.Status != roi.StatusPartiallyReleased {
		t.Fatalf("release: %v %s", err, r.Status)
	}
	if slices.Contains(dis.Items, "DocumentReference/pn") || dis.Accountable || dis.Recipient != "Pat Example" {
		t.Errorf("disclosure %+v", dis)
	}
	if n, err := f.desk.store.VerifyLedger(f.ctx); err != nil || n < 8 {
		t.Errorf("ledger: %d entries, %v", n, err)
	}
	acc := must[*Accounting](t)(f.desk.Accounting(f.ctx, "privacy", f.pid, roi.NoDate))
	if len(acc.Rows) != 0 {
		t.Errorf("accounting lists an access disclosure: %+v", acc.Rows)
	}
	// The history tells who did what.
	c := must[*Case](t)(f.desk.Get(f.ctx, "auditor", r.ID))
	var kinds []string
	for _, e := range c.History {
		kinds = append(kinds, string(e.Kind)+":"+e.Actor)
	}
	for _, want := range []string{"intake:clerk", "verification:clerk", "evaluation:specialist", "decision:specialist", "disclosure:specialist"} {
		if !slices.Contains(kinds, want) {
			t.Errorf("history %v lacks %s", kinds, want)
		}
	}
	// Looks at the request are in its access log, not in its history.
	for _, k := range kinds {
		if strings.HasPrefix(k, "view:") {
			t.Errorf("history %v holds a view", kinds)
		}
	}
	views := must[[]AccessEntry](t)(f.desk.AccessLog(f.ctx, "privacy", r.ID, 50))
	var who []string
	for i, e := range views {
		if e.What == "" || e.Actor == "" || (i > 0 && e.Seq <= views[i-1].Seq) {
			t.Errorf("access log entry %d: %+v", i, e)
		}
		who = append(who, e.Actor+":"+e.What)
	}
	if !slices.Contains(who, "auditor:request") {
		t.Errorf("access log %v lacks the auditor's view of the request", who)
	}
	// Reading the access log is itself recorded, and only the newest are returned.
	again := must[[]AccessEntry](t)(f.desk.AccessLog(f.ctx, "privacy", r.ID, 1))
	if len(again) != 1 || again[0].Actor != "privacy" || again[0].What != "access-log" {
		t.Errorf("the newest access-log entry: %+v", again)
	}
	if n, err := f.desk.VerifyLedger(f.ctx); err != nil || n < 9 {
		t.Errorf("ledger after the batched views: %d entries, %v", n, err)
	}
}

// TestJourneySubpoena: pending for assurances, then released and listed in
// the accounting with every 164.528(b) element.
func TestJourneySubpoena(t *testing.T) {
	f := newFixture(t, roi.MakeDate(1986, 10, 15), item("Encounter/1", "2025-06-18", "encounter"))
	r := f.intake(roi.KindAttorney, "Harper & Vance LLP", roi.BasisSubpoena)
	if r.Due.Known() {
		t.Errorf("a subpoena has no HIPAA deadline, got %s", r.Due)
	}
	r = f.evidence(r, identity)
	r = f.evidence(r, `{"type":"subpoena","issued_by":"attorney","covers":{"labels":["general"]}}`)
	r, ev := f.evaluate(r)
	if ev.Decision.Outcome != roi.OutcomePending {
		t.Fatalf("outcome %s", ev.Decision.Outcome)
	}
	r, final, err := f.desk.Decide(f.ctx, "specialist", r.ID, r.Version, Decide{Action: ActPending})
	if err != nil || r.Status != roi.StatusAwaitingRequester || !slices.Equal(final.Missing, []string{"assurances-needed"}) {
		t.Fatalf("pending: %v %+v", err, final)
	}
	r = f.evidence(r, `{"type":"subpoena","issued_by":"attorney","assurances":"notice","covers":{"labels":["general"]}}`)
	if r.Status != roi.StatusVerifying {
		t.Errorf("evidence while awaiting: %s", r.Status)
	}
	r, ev = f.evaluate(r)
	if ev.Decision.Outcome != roi.OutcomeRelease {
		t.Fatalf("with assurances: outcome %s, want release", ev.Decision.Outcome)
	}
	r = must[*roi.DeskRequest](t)(func() (*roi.DeskRequest, error) {
		r, _, err := f.desk.Decide(f.ctx, "specialist", r.ID, r.Version, Decide{Action: ActApprove})
		return r, err
	}())
	r, dis, _, err := f.desk.Release(f.ctx, "specialist", r.ID, r.Version)
	if err != nil || r.Status != roi.StatusReleased || !dis.Accountable || len(dis.ReliedOn) != 2 {
		t.Fatalf("release: %v %+v", err, dis)
	}
	acc := must[*Accounting](t)(f.desk.Accounting(f.ctx, "privacy", f.pid, roi.NoDate))
	if len(acc.Rows) != 1 {
		t.Fatalf("accounting rows %+v", acc.Rows)
	}
	row := acc.Rows[0]
	if row.Date != today || row.Recipient != "Harper & Vance LLP" || row.Address == "" || row.Purpose == "" || !strings.Contains(row.Description, "1 encounter") {
		t.Errorf("row %+v lacks a 164.528(b)(2) element", row)
	}
	var csv bytes.Buffer
	acc.WriteCSV(&csv)
	if lines := strings.Split(strings.TrimSpace(csv.String()), "\n"); len(lines) != 2 || !strings.HasPrefix(lines[0], "date,recipient,address") {
		t.Errorf("csv %q", csv.String())
	}
}

func TestDecideNeedsCurrentEvaluation(t *testing.T) {
	f := newFixture(t, roi.MakeDate(1980, 1, 1), item("Encounter/1", "2025-01-01", "encounter"))
	r := f.intake(roi.KindPatient, "Pat Example", roi.BasisAccess)
	if _, _, err := f.desk.Decide(f.ctx, "s", r.ID, r.Version, Decide{Action: ActApprove}); roi.CodeOf(err) != roi.CodeConflict {
		t.Errorf("decide before evaluation: %v", err)
	}
	r = f.evidence(r, identity)
	r, _ = f.evaluate(r)
	r = f.evidence(r, `{"type":"identity","verified":true,"method":"second look"}`)
	if _, _, err := f.desk.Decide(f.ctx, "s", r.ID, r.Version, Decide{Action: ActApprove}); roi.CodeOf(err) != roi.CodeConflict {
		t.Errorf("decide on a stale evaluation: %v", err)
	}
	if _, _, err := f.desk.Decide(f.ctx, "s", r.ID, r.Version-1, Decide{Action: ActApprove}); roi.CodeOf(err) != roi.CodeConflict {
		t.Errorf("decide on a stale version: %v", err)
	}
	if _, _, _, err := f.desk.Release(f.ctx, "s", r.ID, r.Version); roi.CodeOf(err) != roi.CodeConflict {
		t.Errorf("release before approval: %v", err)
	}
	if _, _, err := f.desk.Decide(f.ctx, "", r.ID, r.Version, Decide{Action: ActApprove}); roi.CodeOf(err) != roi.CodeUnauthenticated {
		t.Errorf("decide without an actor: %v", err)
	}
}

func TestEscalationResolution(t *testing.T) {
	// A 16-year-old's counseling consented alone, state silent: the parent's
	// request escalates; the professional may release the waiting item only.
	f := newFixture(t, roi.MakeDate(2009, 9, 14),
		item("Encounter/g", "2025-01-15", "encounter"),
		item("DocumentReference/bh", "2025-05-07", "document", roi.LabelBehavioralHealth, roi.LabelMinorConsented),
		item("DocumentReference/pn", "2025-05-07", "document", roi.LabelPsychotherapyNote))
	r := f.intake(roi.KindRepresentative, "David Chen", roi.BasisAccess)
	r = f.evidence(r, identity)
	r = f.evidence(r, `{"type":"representative","authority":"parent","verified":true}`)
	r, ev := f.evaluate(r)
	if ev.Decision.Outcome != roi.OutcomeEscalate {
		t.Fatalf("outcome %s", ev.Decision.Outcome)
	}
	if _, _, err := f.desk.Decide(f.ctx, "s", r.ID, r.Version, Decide{Action: ActPartial}); roi.CodeOf(err) != roi.CodeInvalid {
		t.Errorf("partial on an escalation: %v", err)
	}
	r, _ = must2(t)(f.desk.Decide(f.ctx, "s", r.ID, r.Version, Decide{Action: ActEscalate, Note: "minor consented; state silent"}))
	if r.Status != roi.StatusEscalated {
		t.Fatalf("status %s", r.Status)
	}
	if _, _, err := f.desk.ResolveEscalation(f.ctx, "po", r.ID, r.Version, Resolve{Action: "approve", Release: []string{"DocumentReference/pn"}, Note: "x"}); roi.CodeOf(err) != roi.CodeInvalid {
		t.Errorf("releasing a psychotherapy note on resolution: %v", err)
	}
	r, final := must2(t)(f.desk.ResolveEscalation(f.ctx, "po", r.ID, r.Version, Resolve{Action: "approve", Release: []string{"DocumentReference/bh"}, Note: "clinician agrees"}))
	if r.Status != roi.StatusApproved || !slices.Equal(final.Release, []string{"DocumentReference/bh", "Encounter/g"}) || final.Withhold["DocumentReference/pn"] == "" {
		t.Errorf("resolution: %s %+v", r.Status, final)
	}
}

func must2(t *testing.T) func(*roi.DeskRequest, *Final, error) (*roi.DeskRequest, *Final) {
	return func(r *roi.DeskRequest, f *Final, err error) (*roi.DeskRequest, *Final) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return r, f
	}
}

func TestExtension(t *testing.T) {
	f := newFixture(t, roi.MakeDate(1980, 1, 1), item("Encounter/1", "2025-01-01", "encounter"))
	r := f.intake(roi.KindPatient, "Pat Example", roi.BasisAccess)
	if _, err := f.desk.Extend(f.ctx, "s", r.ID, r.Version, Extend{NewDue: today.AddDays(61), Reason: "archive"}); roi.CodeOf(err) != roi.CodeInvalid {
		t.Errorf("past receipt+60: %v", err)
	}
	if _, err := f.desk.Extend(f.ctx, "s", r.ID, r.Version, Extend{NewDue: today.AddDays(60)}); roi.CodeOf(err) != roi.CodeInvalid {
		t.Errorf("without reasons: %v", err)
	}
	r, err := f.desk.Extend(f.ctx, "s", r.ID, r.Version, Extend{NewDue: today.AddDays(60), Reason: "records in off-site archive"})
	if err != nil || r.Due != today.AddDays(60) || !r.Extended {
		t.Fatalf("extend: %v %+v", err, r)
	}
	if _, err := f.desk.Extend(f.ctx, "s", r.ID, r.Version, Extend{NewDue: today.AddDays(59), Reason: "again"}); roi.CodeOf(err) != roi.CodeConflict {
		t.Errorf("second extension: %v", err)
	}
	// The notice is evidence the engine sees: its due date agrees.
	r = f.evidence(r, identity)
	_, ev := f.evaluate(r)
	if ev.Decision.Due != today.AddDays(60) || !slices.Contains(ev.Decision.Flags, roi.FlagExtensionValid) {
		t.Errorf("engine due %s flags %v", ev.Decision.Due, ev.Decision.Flags)
	}
}

func TestDuplicateLinked(t *testing.T) {
	f := newFixture(t, roi.MakeDate(1980, 1, 1), item("Encounter/1", "2025-01-01", "encounter"))
	a := f.intake(roi.KindAttorney, "Smith & Jones LLP", roi.BasisAuthorization)
	b := f.intake(roi.KindAttorney, " smith & jones llp ", roi.BasisAuthorization)
	c := f.intake(roi.KindInsurer, "Acme Life", roi.BasisAuthorization)
	if b.LinkedTo != a.ID || c.LinkedTo != 0 || a.LinkedTo != 0 {
		t.Errorf("links: a→%d b→%d c→%d", a.LinkedTo, b.LinkedTo, c.LinkedTo)
	}
	ca := must[*Case](t)(f.desk.Get(f.ctx, "clerk", a.ID))
	if len(ca.Linked) != 1 || ca.Linked[0].ID != b.ID {
		t.Errorf("a's linked %v", ca.Linked)
	}
	// Both stay requests of their own.
	if b.ID == a.ID || b.Number == a.Number {
		t.Error("duplicate merged")
	}
}

func TestIntakeAndUploadValidation(t *testing.T) {
	f := newFixture(t, roi.MakeDate(1980, 1, 1), item("Encounter/1", "2025-01-01", "encounter"))
	base := Intake{PatientID: f.pid, Request: roi.Request{Received: today, Requester: roi.Requester{Kind: roi.KindPatient, Name: "P"}, Basis: roi.BasisAccess},
		Contact: "x@example.org", Delivery: roi.DeliveryEmail}
	for _, tc := range []struct {
		name string
		mut  func(*Intake)
		code roi.ErrorCode
	}{
		{"future", func(i *Intake) { i.Received = today.AddDays(1) }, roi.CodeInvalid},
		{"no name", func(i *Intake) { i.Requester.Name = " " }, roi.CodeInvalid},
		{"bad basis", func(i *Intake) { i.Basis = "curiosity" }, roi.CodeInvalid},
		{"bad delivery", func(i *Intake) { i.Delivery = "pigeon" }, roi.CodeInvalid},
		{"no contact", func(i *Intake) { i.Contact = "" }, roi.CodeInvalid},
		{"due on access", func(i *Intake) { i.Due = today.AddDays(3) }, roi.CodeInvalid},
		{"unknown patient", func(i *Intake) { i.PatientID = 999 }, roi.CodeNotFound},
	} {
		in := base
		tc.mut(&in)
		if _, err := f.desk.Intake(f.ctx, "clerk", in); roi.CodeOf(err) != tc.code {
			t.Errorf("%s: %v, want %s", tc.name, err, tc.code)
		}
	}
	r := f.intake(roi.KindPatient, "P", roi.BasisAccess)
	if _, _, err := f.desk.UploadDocument(f.ctx, "clerk", r.ID, r.Version, "x.pdf", "", []byte("MZ not a pdf")); roi.CodeOf(err) != roi.CodeInvalid {
		t.Errorf("executable upload: %v", err)
	}
	r, doc, err := f.desk.UploadDocument(f.ctx, "clerk", r.ID, r.Version, "../../etc/passwd", roi.DocumentAuthorization, []byte("%PDF-1.7\n..."))
	if err != nil || doc.ContentType != "application/pdf" || doc.Name != "document" || len(doc.SHA256) != 64 || doc.Kind != roi.DocumentAuthorization {
		t.Errorf("upload: %v %+v", err, doc)
	}
	if _, _, err := f.desk.UploadDocument(f.ctx, "clerk", r.ID, r.Version, "x.pdf", "selfie", []byte("%PDF-1.7\n...")); roi.CodeOf(err) != roi.CodeInvalid {
		t.Errorf("unknown document kind: %v", err)
	}
	if _, _, err := f.desk.AttachEvidence(f.ctx, "clerk", r.ID, r.Version, []byte(`{"type":"fingerprint"}`)); roi.CodeOf(err) != roi.CodeInvalid {
		t.Errorf("unknown evidence: %v", err)
	}
	r, err = f.desk.Cancel(f.ctx, "clerk", r.ID, r.Version, "requester withdrew")
	if err != nil || r.Status != roi.StatusCancelled {
		t.Fatalf("cancel: %v", err)
	}
	if _, _, err := f.desk.AttachEvidence(f.ctx, "clerk", r.ID, r.Version, []byte(identity)); roi.CodeOf(err) != roi.CodeConflict {
		t.Errorf("evidence after cancel: %v", err)
	}
	if r, err = f.desk.Close(f.ctx, "clerk", r.ID, r.Version); err != nil || r.Status != roi.StatusClosed {
		t.Errorf("close: %v", err)
	}
}

func TestReminders(t *testing.T) {
	f := newFixture(t, roi.MakeDate(1980, 1, 1), item("Encounter/1", "2025-01-01", "encounter"))
	r := f.intake(roi.KindPatient, "P", roi.BasisAccess) // due today+30
	rs := must[[]Reminder](t)(f.desk.Reminders(f.ctx, 7))
	if len(rs) != 0 {
		t.Errorf("reminders %v", rs)
	}
	f.desk.SetClock(func() time.Time { return time.Date(2026, 3, 30, 9, 0, 0, 0, time.UTC) })
	rs = must[[]Reminder](t)(f.desk.Reminders(f.ctx, 7))
	if len(rs) != 1 || rs[0].Request.ID != r.ID || rs[0].DaysLeft != 2 {
		t.Errorf("reminders %+v", rs)
	}
}
