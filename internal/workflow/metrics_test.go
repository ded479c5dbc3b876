package workflow

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/custodian-roi/custodian/internal/roi"
)

// at sets the desk's and the store's clock to noon UTC of day.
func (f *fixture) at(day roi.Date) {
	y, m, d := day.Civil()
	now := time.Date(y, time.Month(m), d, 12, 0, 0, 0, time.UTC)
	f.desk.SetClock(func() time.Time { return now })
}

func (f *fixture) intakeOn(day roi.Date, kind roi.Kind, basis roi.Basis, due roi.Date) *roi.DeskRequest {
	f.t.Helper()
	f.at(day)
	r, err := f.desk.Intake(f.ctx, "clerk", Intake{PatientID: f.pid, Request: roi.Request{Received: day,
		Requester: roi.Requester{Kind: kind, Name: "Requester " + string(kind)}, Basis: basis},
		Contact: "requester@example.org", Delivery: roi.DeliveryPortal, Due: due})
	if err != nil {
		f.t.Fatal(err)
	}
	return r
}

// releaseOn takes r from intake to release on day.
func (f *fixture) releaseOn(day roi.Date, r *roi.DeskRequest) {
	f.t.Helper()
	f.at(day)
	r = f.evidence(r, identity)
	r, ev := f.evaluate(r)
	if ev.Decision.Outcome != roi.OutcomeRelease {
		f.t.Fatalf("outcome %s, want release", ev.Decision.Outcome)
	}
	r, _ = must2(f.t)(f.desk.Decide(f.ctx, "specialist", r.ID, r.Version, Decide{Action: ActApprove}))
	if _, _, _, err := f.desk.Release(f.ctx, "specialist", r.ID, r.Version); err != nil {
		f.t.Fatal(err)
	}
}

// The figures follow requests built through the workflow on a controlled
// clock, and agree with the ledger.
func TestMetrics(t *testing.T) {
	f := newFixture(t, roi.MakeDate(1980, 6, 15), item("Encounter/1", "2025-03-14", "encounter"))
	w10 := roi.MakeDate(2026, 3, 2) // Monday of ISO week 10
	asOf := roi.MakeDate(2026, 4, 10)

	// Before the period: open, due 2026-03-27, so overdue on asOf.
	f.intakeOn(roi.MakeDate(2026, 2, 25), roi.KindPatient, roi.BasisAccess, roi.NoDate)

	a := f.intakeOn(w10, roi.KindPatient, roi.BasisAccess, roi.NoDate)
	b := f.intakeOn(w10, roi.KindEmployer, roi.BasisNone, roi.NoDate)
	c := f.intakeOn(w10.AddDays(1), roi.KindPatient, roi.BasisAccess, roi.NoDate)
	p := f.intakeOn(w10.AddDays(1), roi.KindPatient, roi.BasisAccess, roi.NoDate)

	f.releaseOn(w10.AddDays(5), a) // 5 days, on time

	f.at(w10.AddDays(2)) // denied after 2 days; no due date
	b = f.evidence(b, identity)
	b, _ = f.evaluate(b)
	must2(t)(f.desk.Decide(f.ctx, "specialist", b.ID, b.Version, Decide{Action: ActDeny}))

	f.at(w10.AddDays(2)) // pending: identity not verified
	p, _ = f.evaluate(p)
	must2(t)(f.desk.Decide(f.ctx, "specialist", p.ID, p.Version, Decide{Action: ActPending}))

	f.releaseOn(roi.MakeDate(2026, 4, 9), c) // 37 days, due 2026-04-02: late

	// Due within three days of asOf, received in week 15.
	f.intakeOn(roi.MakeDate(2026, 4, 9), roi.KindAttorney, roi.BasisSubpoena, roi.MakeDate(2026, 4, 12))
	// After asOf: not counted.
	f.intakeOn(roi.MakeDate(2026, 4, 13), roi.KindPatient, roi.BasisAccess, roi.NoDate)

	f.at(roi.MakeDate(2026, 4, 14))
	m, err := f.desk.Metrics(f.ctx, asOf, 6)
	if err != nil {
		t.Fatal(err)
	}
	if m.From != w10 || len(m.Weeks) != 6 || m.Weeks[0].Week != "2026-W10" || m.Weeks[5].Week != "2026-W15" {
		t.Fatalf("period from %s, weeks %+v", m.From, m.Weeks)
	}
	if w := m.Weeks[0]; w.Total != 4 || w.ByKind[roi.KindPatient] != 3 || w.ByKind[roi.KindEmployer] != 1 {
		t.Errorf("week 10: %+v", w)
	}
	if w := m.Weeks[5]; w.Total != 1 || w.ByKind[roi.KindAttorney] != 1 {
		t.Errorf("week 15: %+v", w)
	}
	for _, w := range m.Weeks[1:5] {
		if w.Total != 0 {
			t.Errorf("week %s: %+v", w.Week, w)
		}
	}
	counts := map[string]int{}
	for _, b := range m.Turnaround {
		counts[b.Label] = b.Count
	}
	if counts["0-7"] != 2 || counts["31-45"] != 1 || m.Finished != 3 {
		t.Errorf("turnaround %+v, finished %d", m.Turnaround, m.Finished)
	}
	if m.OnTime != 1 || m.Late != 1 || m.OnTimeShare != 0.5 {
		t.Errorf("on time %d late %d share %v", m.OnTime, m.Late, m.OnTimeShare)
	}
	// Overdue: the February request and the pending one (due 2026-04-02).
	if m.OverdueNow != 2 || m.DueSoon != 1 {
		t.Errorf("overdue %d, due soon %d", m.OverdueNow, m.DueSoon)
	}
	if m.DenialsByReason[roi.CodeNoPermission] != 1 || len(m.DenialsByReason) != 1 {
		t.Errorf("denials %v", m.DenialsByReason)
	}
	if m.PendingByReason[roi.CodeIdentityUnverified] != 1 || len(m.PendingByReason) != 1 {
		t.Errorf("pending %v", m.PendingByReason)
	}
	if _, err := json.Marshal(m); err != nil {
		t.Errorf("metrics do not marshal: %v", err)
	}

	// A shorter period drops what happened before it.
	m = must[*Metrics](t)(f.desk.Metrics(f.ctx, asOf, 1))
	if m.Finished != 1 || m.Weeks[0].Total != 1 || len(m.DenialsByReason) != 0 || m.OverdueNow != 2 {
		t.Errorf("one week: %+v", m)
	}
	if _, err := f.desk.Metrics(f.ctx, asOf, 0); roi.CodeOf(err) != roi.CodeInvalid {
		t.Errorf("zero weeks: %v", err)
	}
}
