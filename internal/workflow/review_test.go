package workflow

import (
	"testing"

	"github.com/custodian-roi/custodian/internal/roi"
	"github.com/custodian-roi/custodian/internal/store"
)

// review approves r's latest decision as a second person ("reviewer").
func (f *fixture) review(r *roi.DeskRequest) *roi.DeskRequest {
	f.t.Helper()
	r, err := f.desk.Review(f.ctx, "reviewer", r.ID, r.Version, true, "checked")
	if err != nil {
		f.t.Fatalf("review: %v", err)
	}
	return r
}

func TestNeedsReview(t *testing.T) {
	chart := []roi.ChartItem{
		item("Encounter/1", "2025-01-01", "encounter"),
		item("Patient/demo", "2025-01-01", "demographics", roi.LabelDemographics),
		item("Observation/hiv", "2025-01-01", "report", roi.LabelHIV),
	}
	for _, tc := range []struct {
		name  string
		final Final
		want  bool
	}{
		{"general only", Final{Action: ActApprove, Release: []string{"Encounter/1"}}, false},
		{"demographics", Final{Action: ActApprove, Release: []string{"Encounter/1", "Patient/demo"}}, false},
		{"sensitive label", Final{Action: ActApprove, Release: []string{"Encounter/1", "Observation/hiv"}}, true},
		{"item no longer in the chart", Final{Action: ActApprove, Release: []string{"Encounter/gone"}}, true},
		{"partial", Final{Action: ActPartial, Release: []string{"Encounter/1"}, Withhold: map[string]roi.Code{"Observation/hiv": roi.CodeMinimumNecessary}}, true},
		{"deny", Final{Action: ActDeny}, true},
		{"resolution deny", Final{Action: "resolve-deny"}, true},
		{"resolved escalation", Final{Action: "resolve-approve", Release: []string{"Encounter/1"}, Resolved: []string{"Encounter/1"}}, true},
		{"pending", Final{Action: ActPending, Missing: []string{"identity-unverified"}}, false},
		{"escalate", Final{Action: ActEscalate, Release: []string{"Observation/hiv"}}, false},
	} {
		if got := NeedsReview(&tc.final, chart); got != tc.want {
			t.Errorf("%s: NeedsReview = %v, want %v", tc.name, got, tc.want)
		}
	}
}

// A release of a sensitive item waits for a second person; the decider
// cannot be that person.
func TestReview_SensitiveReleaseBlockedUntilReviewed(t *testing.T) {
	f := newFixture(t, roi.MakeDate(1980, 6, 15),
		item("Encounter/1", "2025-03-14", "encounter"),
		item("Observation/hiv", "2025-03-14", "report", roi.LabelHIV))
	r := f.intake(roi.KindPatient, "Pat Example", roi.BasisAccess)
	r = f.evidence(r, identity)
	r, ev := f.evaluate(r)
	if ev.Decision.Outcome != roi.OutcomeRelease {
		t.Fatalf("outcome %s, want release", ev.Decision.Outcome)
	}
	r, _ = must2(t)(f.desk.Decide(f.ctx, "specialist", r.ID, r.Version, Decide{Action: ActApprove}))
	if _, _, _, err := f.desk.Release(f.ctx, "specialist", r.ID, r.Version); roi.CodeOf(err) != roi.CodeConflict {
		t.Fatalf("release before review: %v", err)
	}
	if ps, _ := f.desk.store.Packets(f.ctx, r.ID); len(ps) != 0 {
		t.Fatal("a refused release left a packet")
	}
	for _, self := range []string{"specialist", " Specialist "} {
		if _, err := f.desk.Review(f.ctx, self, r.ID, r.Version, true, ""); roi.CodeOf(err) != roi.CodeForbidden {
			t.Errorf("the decider (%q) reviewing their own decision: %v", self, err)
		}
	}
	if _, err := f.desk.Review(f.ctx, "", r.ID, r.Version, true, ""); roi.CodeOf(err) != roi.CodeUnauthenticated {
		t.Errorf("review without an actor: %v", err)
	}
	if ok := must[bool](t)(f.desk.Reviewed(f.ctx, r.ID)); ok {
		t.Error("reviewed before any review")
	}
	// A stale version changes nothing.
	if _, err := f.desk.Review(f.ctx, "reviewer", r.ID, r.Version-1, true, ""); roi.CodeOf(err) != roi.CodeConflict {
		t.Errorf("review on a stale version: %v", err)
	}
	r = f.review(r)
	if r.Status != roi.StatusApproved {
		t.Errorf("an approving review moved the request to %s", r.Status)
	}
	if ok := must[bool](t)(f.desk.Reviewed(f.ctx, r.ID)); !ok {
		t.Error("not reviewed after a second person's approval")
	}
	r, dis, _, err := f.desk.Release(f.ctx, "specialist", r.ID, r.Version)
	if err != nil || r.Status != roi.StatusReleased || len(dis.Items) != 2 {
		t.Fatalf("release after review: %v %+v", err, dis)
	}
	es := must[[]roi.LedgerEntry](t)(f.desk.store.Ledger(f.ctx, store.LedgerFilter{RequestID: r.ID, Kind: "review"}))
	if len(es) != 1 || es[0].Actor != "reviewer" {
		t.Errorf("review entries %+v", es)
	}
	c := must[*Case](t)(f.desk.Get(f.ctx, "auditor", r.ID))
	if last := c.Decisions[len(c.Decisions)-1]; last.Kind != "review" || last.By != "reviewer" {
		t.Errorf("the review is not stored as a decision record: %+v", last)
	}
}

// A full release of ordinary records needs no second look.
func TestReview_OrdinaryReleaseNeedsNone(t *testing.T) {
	f := newFixture(t, roi.MakeDate(1980, 6, 15),
		item("Encounter/1", "2025-03-14", "encounter"),
		item("Patient/p1", "2025-03-14", "demographics", roi.LabelDemographics))
	r := f.intake(roi.KindPatient, "Pat Example", roi.BasisAccess)
	r = f.evidence(r, identity)
	r, _ = f.evaluate(r)
	r, final := must2(t)(f.desk.Decide(f.ctx, "specialist", r.ID, r.Version, Decide{Action: ActApprove}))
	if NeedsReview(final, []roi.ChartItem{item("Encounter/1", "2025-03-14", "encounter"), item("Patient/p1", "2025-03-14", "demographics", roi.LabelDemographics)}) {
		t.Error("an ordinary full release needs review")
	}
	if _, _, _, err := f.desk.Release(f.ctx, "specialist", r.ID, r.Version); err != nil {
		t.Fatalf("release: %v", err)
	}
}

// A rejection needs a note and sends the request back for a new decision,
// which needs its own review.
func TestReview_RejectionSendsBack(t *testing.T) {
	f, r := approvedUnreviewed(t)
	if _, err := f.desk.Review(f.ctx, "reviewer", r.ID, r.Version, false, " "); roi.CodeOf(err) != roi.CodeInvalid {
		t.Errorf("rejection without a note: %v", err)
	}
	r, err := f.desk.Review(f.ctx, "reviewer", r.ID, r.Version, false, "check the note's labels")
	if err != nil || r.Status != roi.StatusInReview {
		t.Fatalf("rejection: %v %v", err, r)
	}
	if _, _, _, err := f.desk.Release(f.ctx, "specialist", r.ID, r.Version); roi.CodeOf(err) != roi.CodeConflict {
		t.Errorf("release after a rejection: %v", err)
	}
	if _, err := f.desk.Review(f.ctx, "other", r.ID, r.Version, true, ""); roi.CodeOf(err) != roi.CodeConflict {
		t.Errorf("review of a request in review: %v", err)
	}
	// Decided again on the same evaluation; the earlier review does not
	// carry over to the new decision.
	r, _ = must2(t)(f.desk.Decide(f.ctx, "specialist", r.ID, r.Version, Decide{Action: ActPartial}))
	if ok := must[bool](t)(f.desk.Reviewed(f.ctx, r.ID)); ok {
		t.Error("a new decision counts as reviewed")
	}
	if _, _, _, err := f.desk.Release(f.ctx, "specialist", r.ID, r.Version); roi.CodeOf(err) != roi.CodeConflict {
		t.Errorf("release of the new decision before review: %v", err)
	}
	r = f.review(r)
	if _, _, _, err := f.desk.Release(f.ctx, "specialist", r.ID, r.Version); err != nil {
		t.Fatalf("release after the second review: %v", err)
	}
	kinds := ledgerKinds(t, f, r.ID)
	n := 0
	for _, k := range kinds {
		if k == "review" {
			n++
		}
	}
	if n != 2 {
		t.Errorf("%d review entries in %v, want 2", n, kinds)
	}
}

// approvedUnreviewed is approved without the harness's review.
func approvedUnreviewed(t *testing.T) (*fixture, *roi.DeskRequest) {
	t.Helper()
	f := newFixture(t, roi.MakeDate(1980, 6, 15),
		item("Encounter/1", "2025-03-14", "encounter"),
		item("DocumentReference/pn", "2025-06-09", "document", roi.LabelPsychotherapyNote))
	r := f.intake(roi.KindPatient, "Pat Example", roi.BasisAccess)
	r = f.evidence(r, identity)
	r, _ = f.evaluate(r)
	r, _ = must2(t)(f.desk.Decide(f.ctx, "specialist", r.ID, r.Version, Decide{Action: ActPartial}))
	return f, r
}

// Denial and partial-denial letters go outside: they wait for the review
// too; an internal letter does not.
func TestReview_DenialLetterBlockedUntilReviewed(t *testing.T) {
	f := newFixture(t, roi.MakeDate(1980, 6, 15), item("Encounter/1", "2025-03-14", "encounter"))
	r := f.intake(roi.KindEmployer, "Acme HR", roi.BasisNone)
	r = f.evidence(r, identity)
	r, _ = f.evaluate(r)
	r, _ = must2(t)(f.desk.Decide(f.ctx, "specialist", r.ID, r.Version, Decide{Action: ActDeny}))
	if _, err := f.desk.Letter(f.ctx, "specialist", r.ID, "denial"); roi.CodeOf(err) != roi.CodeConflict {
		t.Fatalf("denial letter before review: %v", err)
	}
	if _, err := f.desk.Review(f.ctx, "specialist", r.ID, r.Version, true, ""); roi.CodeOf(err) != roi.CodeForbidden {
		t.Errorf("the decider reviewing the denial: %v", err)
	}
	r = f.review(r)
	if r.Status != roi.StatusDenied {
		t.Errorf("status %s after review", r.Status)
	}
	if _, err := f.desk.Letter(f.ctx, "specialist", r.ID, "denial"); err != nil {
		t.Errorf("denial letter after review: %v", err)
	}

	p, _ := approvedUnreviewed(t)
	pr := must[*roi.DeskRequest](t)(p.desk.store.Request(p.ctx, 1))
	if _, err := p.desk.Letter(p.ctx, "specialist", pr.ID, "partial-denial"); roi.CodeOf(err) != roi.CodeConflict {
		t.Errorf("partial-denial letter before review: %v", err)
	}
	// The cover letter travels with the packet, which the release holds back.
	if _, err := p.desk.Letter(p.ctx, "specialist", pr.ID, "cover"); err != nil {
		t.Errorf("cover letter: %v", err)
	}
	pr = p.review(pr)
	if _, err := p.desk.Letter(p.ctx, "specialist", pr.ID, "partial-denial"); err != nil {
		t.Errorf("partial-denial letter after review: %v", err)
	}
}

// A rejected denial reopens the request for a new decision.
func TestReview_RejectedDenialReopens(t *testing.T) {
	f := newFixture(t, roi.MakeDate(1980, 6, 15), item("Encounter/1", "2025-03-14", "encounter"))
	r := f.intake(roi.KindEmployer, "Acme HR", roi.BasisNone)
	r = f.evidence(r, identity)
	r, _ = f.evaluate(r)
	r, _ = must2(t)(f.desk.Decide(f.ctx, "specialist", r.ID, r.Version, Decide{Action: ActDeny}))
	r, err := f.desk.Review(f.ctx, "reviewer", r.ID, r.Version, false, "ask for an authorization first")
	if err != nil || r.Status != roi.StatusInReview {
		t.Fatalf("rejected denial: %v %v", err, r)
	}
}

// Neither the person who escalated nor the one who resolved may review
// the resolution.
func TestReview_ResolutionNeedsAThirdPerson(t *testing.T) {
	f := newFixture(t, roi.MakeDate(2009, 9, 14),
		item("Encounter/g", "2025-01-15", "encounter"),
		item("DocumentReference/bh", "2025-05-07", "document", roi.LabelBehavioralHealth, roi.LabelMinorConsented))
	r := f.intake(roi.KindRepresentative, "David Chen", roi.BasisAccess)
	r = f.evidence(r, identity)
	r = f.evidence(r, `{"type":"representative","authority":"parent","verified":true}`)
	r, _ = f.evaluate(r)
	r, _ = must2(t)(f.desk.Decide(f.ctx, "s", r.ID, r.Version, Decide{Action: ActEscalate, Note: "minor consented; state silent"}))
	r, final := must2(t)(f.desk.ResolveEscalation(f.ctx, "po", r.ID, r.Version, Resolve{Action: "approve", Release: []string{"DocumentReference/bh"}, Note: "clinician agrees"}))
	if len(final.Resolved) == 0 {
		t.Fatalf("resolution %+v", final)
	}
	for _, who := range []string{"po", "s"} {
		if _, err := f.desk.Review(f.ctx, who, r.ID, r.Version, true, ""); roi.CodeOf(err) != roi.CodeForbidden {
			t.Errorf("%s reviewing the resolution: %v", who, err)
		}
	}
	if _, _, _, err := f.desk.Release(f.ctx, "po", r.ID, r.Version); roi.CodeOf(err) != roi.CodeConflict {
		t.Errorf("release of a resolution before review: %v", err)
	}
	r = f.review(r)
	if _, _, _, err := f.desk.Release(f.ctx, "po", r.ID, r.Version); err != nil {
		t.Errorf("release after review: %v", err)
	}
}
