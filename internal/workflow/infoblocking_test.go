package workflow

import (
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/custodian-roi/custodian/internal/roi"
	"github.com/custodian-roi/custodian/internal/store"
)

// ibClock is a settable clock for the desk, starting at t0.
type ibClock struct{ now time.Time }

func (c *ibClock) get() time.Time { return c.now }

func (f *fixture) user(name, role string) {
	f.t.Helper()
	if err := f.desk.store.AddUser(f.ctx, &store.User{Username: name, Name: name, Role: role, PasswordHash: "x", TOTPSecret: "JBSWY3DPEHPK3PXP"},
		roi.Event{Kind: roi.EventUserAdded, Actor: "admin", Body: roi.UserAddedBody{Username: name, Role: role}}); err != nil {
		f.t.Fatal(err)
	}
}

// ibEntries returns the request's ledger entries of kind.
func (f *fixture) ibEntries(id roi.RequestID, kind roi.EventKind) []roi.LedgerEntry {
	f.t.Helper()
	es, err := f.desk.store.Ledger(f.ctx, store.LedgerFilter{RequestID: id, Kind: kind})
	if err != nil {
		f.t.Fatal(err)
	}
	return es
}

// escalatedParentRequest is a parent's access to a 16-year-old's chart
// whose counseling the minor consented to alone: the engine withholds the
// psychotherapy note by rule (not EHI) and leaves the counseling record
// waiting for a person; the specialist escalates.
func escalatedParentRequest(t *testing.T) (*fixture, *roi.DeskRequest) {
	f := newFixture(t, roi.MakeDate(2009, 9, 14),
		item("Encounter/g", "2025-01-15", "encounter"),
		item("DocumentReference/bh", "2025-05-07", "document", roi.LabelBehavioralHealth, roi.LabelMinorConsented),
		item("DocumentReference/pn", "2025-05-07", "document", roi.LabelPsychotherapyNote))
	f.user("spec", "roi-specialist")
	f.user("po", "privacy-officer")
	f.user("po2", "privacy-officer")
	f.user("qa", "qa-reviewer")
	r := f.intake(roi.KindRepresentative, "David Chen", roi.BasisAccess)
	r = f.evidence(r, identity)
	r = f.evidence(r, `{"type":"representative","authority":"parent","verified":true}`)
	r, ev := f.evaluate(r)
	if ev.Decision.Outcome != roi.OutcomeEscalate {
		t.Fatalf("outcome %s, want escalate", ev.Decision.Outcome)
	}
	r, _ = must2(t)(f.desk.Decide(f.ctx, "spec", r.ID, r.Version, Decide{Action: ActEscalate, Note: "minor consented; state silent"}))
	return f, r
}

// A person who keeps back a waiting item and names no exception leaves a
// withholding resting on none: neither the partial-denial letter nor the
// release goes until a privacy officer records why; a specialist cannot
// record it; the reason is in the ledger and the letter then names the
// grounds in words, never none.
func TestInfoBlockingNoneWaitsForPrivacyOfficer(t *testing.T) {
	f, r := escalatedParentRequest(t)
	r, final := must2(t)(f.desk.ResolveEscalation(f.ctx, "po", r.ID, r.Version, Resolve{Action: "approve", Note: "parent may see the visit only"}))
	if got := final.InfoBlocking["DocumentReference/bh"]; got != roi.ExceptionNone {
		t.Errorf("the item a person kept back without naming an exception rests on %q, want none", got)
	}
	if got := final.InfoBlocking["DocumentReference/pn"]; got != roi.ExceptionNotEHI {
		t.Errorf("the psychotherapy note withheld by rule rests on %q, want the engine's not-ehi", got)
	}
	if _, ok := final.InfoBlocking["Encounter/g"]; ok {
		t.Errorf("a released item carries an exception: %v", final.InfoBlocking)
	}
	picks := f.ibEntries(r.ID, roi.EventInfoBlocking)
	if len(picks) != 1 {
		t.Fatalf("%d info-blocking entries, want the resolution's one", len(picks))
	}
	var pick roi.InfoBlockingBody
	if err := json.Unmarshal(picks[0].Body, &pick); err != nil || pick.Practice != roi.PracticeWithhold ||
		pick.Exception != roi.ExceptionNone || !slices.Equal(pick.Keys, []string{"DocumentReference/bh"}) || picks[0].Actor != "po" {
		t.Errorf("info-blocking entry %s by %s (%v)", picks[0].Body, picks[0].Actor, err)
	}
	r = must[*roi.DeskRequest](t)(f.desk.Review(f.ctx, "qa", r.ID, r.Version, true, ""))

	// Held: the letter to the requester and the release.
	_, err := f.desk.Letter(f.ctx, "spec", r.ID, "partial-denial")
	if !errors.Is(err, ErrNoneWithoutReason) || roi.CodeOf(err) != roi.CodeConflict {
		t.Errorf("partial-denial letter with an unexplained none: %v", err)
	}
	if _, _, _, err := f.desk.Release(f.ctx, "spec", r.ID, r.Version); !errors.Is(err, ErrNoneWithoutReason) {
		t.Errorf("release with an unexplained none: %v", err)
	}
	ib := must[*InfoBlocking](t)(f.desk.InfoBlocking(f.ctx, r.ID))
	if ib.Unexplained != 1 || ib.PastDue {
		t.Errorf("standing: %d unexplained, past due %v; want 1 and not past due", ib.Unexplained, ib.PastDue)
	}
	for _, e := range ib.Entries {
		if want := e.Key != "DocumentReference/bh"; e.ByEngine != want {
			t.Errorf("entry %s: by the rules %v, want %v (only the kept-back item is the person's)", e.Key, e.ByEngine, want)
		}
	}

	// Only a privacy officer records the reason.
	for _, who := range []string{"spec", "qa", "nobody"} {
		if _, err := f.desk.ExplainNone(f.ctx, who, r.ID, "because"); roi.CodeOf(err) != roi.CodeForbidden {
			t.Errorf("%s recorded a reason: %v", who, err)
		}
	}
	if _, err := f.desk.ExplainNone(f.ctx, "po2", r.ID, "  "); roi.CodeOf(err) != roi.CodeInvalid {
		t.Errorf("an empty reason: %v", err)
	}
	if n := len(f.ibEntries(r.ID, roi.EventInfoBlockingReason)); n != 0 {
		t.Fatalf("%d reasons recorded by refused attempts", n)
	}
	ib = must[*InfoBlocking](t)(f.desk.ExplainNone(f.ctx, "po2", r.ID, "the minor's own counseling: state law leaves the parent no right to it"))
	if ib.Unexplained != 0 {
		t.Errorf("after the reason, %d unexplained", ib.Unexplained)
	}
	reasons := f.ibEntries(r.ID, roi.EventInfoBlockingReason)
	var rb roi.InfoBlockingReasonBody
	if len(reasons) != 1 || json.Unmarshal(reasons[0].Body, &rb) != nil || reasons[0].Actor != "po2" ||
		len(rb.Covers) != 1 || rb.Covers[0].Key != "DocumentReference/bh" || !strings.Contains(rb.Reason, "state law") {
		t.Fatalf("reason entries %v: %+v", reasons, rb)
	}
	if _, err := f.desk.ExplainNone(f.ctx, "po2", r.ID, "again"); roi.CodeOf(err) != roi.CodeConflict {
		t.Errorf("a second reason with nothing left to explain: %v", err)
	}

	// Now the letter goes, naming the grounds in words and never none.
	l, err := f.desk.Letter(f.ctx, "spec", r.ID, "partial-denial")
	if err != nil {
		t.Fatal(err)
	}
	text := l.Text()
	if !strings.Contains(text, "45 CFR 171.102") || !strings.Contains(text, "information blocking") {
		t.Errorf("the letter does not name the not-EHI ground:\n%s", text)
	}
	if strings.Contains(strings.ToLower(text), "none") || strings.Contains(text, "not-ehi") {
		t.Errorf("the letter prints a code:\n%s", text)
	}
	if _, _, _, err := f.desk.Release(f.ctx, "spec", r.ID, r.Version); err != nil {
		t.Errorf("release after the reason: %v", err)
	}
}

// The other way: a person who names the exception they rely on leaves
// nothing for the privacy officer; the letter goes at once and names it.
func TestInfoBlockingNamedExceptionNeedsNoReason(t *testing.T) {
	f, r := escalatedParentRequest(t)
	if _, _, err := f.desk.ResolveEscalation(f.ctx, "po", r.ID, r.Version, Resolve{Action: "deny", Note: "x", Exception: "made-up"}); roi.CodeOf(err) != roi.CodeInvalid {
		t.Errorf("an exception not on the list: %v", err)
	}
	r, final := must2(t)(f.desk.ResolveEscalation(f.ctx, "po", r.ID, r.Version, Resolve{Action: "deny", Note: "clinician: harm",
		Exception: roi.ExceptionPreventingHarm}))
	if !maps1(final.InfoBlocking, roi.InfoBlockingRequest, roi.ExceptionPreventingHarm) {
		t.Errorf("denial rests on %v, want the request on preventing-harm only", final.InfoBlocking)
	}
	r = must[*roi.DeskRequest](t)(f.desk.Review(f.ctx, "qa", r.ID, r.Version, true, ""))
	l, err := f.desk.Letter(f.ctx, "spec", r.ID, "denial")
	if err != nil {
		t.Fatalf("denial letter with a named exception: %v", err)
	}
	if text := l.Text(); !strings.Contains(text, "45 CFR 171.201") || !strings.Contains(text, "risk of harm") {
		t.Errorf("the denial does not name the harm ground:\n%s", text)
	}
	if ib := must[*InfoBlocking](t)(f.desk.InfoBlocking(f.ctx, r.ID)); ib.Unexplained != 0 || len(ib.Entries) != 1 || ib.Entries[0].Practice != roi.PracticeDeny {
		t.Errorf("standing %+v", ib)
	}
}

func maps1(m map[string]roi.Exception, k string, v roi.Exception) bool {
	return len(m) == 1 && m[k] == v
}

// Ready to release: an approval needing no review is ready at once; the
// time to release comes from the ledger's times on the desk's clock; a
// request sitting ready past the limit is a risk in the metrics until it
// is released, and not before the limit.
func TestReadyToReleaseTimingAndRisk(t *testing.T) {
	f := newFixture(t, roi.MakeDate(1980, 6, 15), item("Encounter/1", "2025-03-14", "encounter"))
	f.user("spec", "roi-specialist")
	clock := &ibClock{now: time.Date(2026, 3, 2, 15, 0, 0, 0, time.UTC)}
	f.desk.SetClock(clock.get)
	t0 := clock.now
	r := f.intake(roi.KindPatient, "Pat Example", roi.BasisAccess)
	r = f.evidence(r, identity)
	r, _ = f.evaluate(r)
	if ib := must[*InfoBlocking](t)(f.desk.InfoBlocking(f.ctx, r.ID)); ib.ReadyAt != nil {
		t.Fatalf("ready before any decision: %v", ib.ReadyAt)
	}
	r, _ = must2(t)(f.desk.Decide(f.ctx, "spec", r.ID, r.Version, Decide{Action: ActApprove}))
	if n := len(f.ibEntries(r.ID, roi.EventReadyToRelease)); n != 1 {
		t.Fatalf("%d ready-to-release entries after an approval needing no review", n)
	}
	risks := func() []IBRisk {
		t.Helper()
		m, err := f.desk.Metrics(f.ctx, roi.NoDate, 4)
		if err != nil {
			t.Fatal(err)
		}
		return m.InfoBlocking.Risks
	}
	has := func(rs []IBRisk, kind string) bool {
		for _, x := range rs {
			if x.RequestID == r.ID && slices.Contains(x.Kinds, kind) {
				return true
			}
		}
		return false
	}

	clock.now = t0.Add(47 * time.Hour) // within the default two days
	if ib := must[*InfoBlocking](t)(f.desk.InfoBlocking(f.ctx, r.ID)); ib.ReadyTooLong || !ib.ReadyAt.Equal(t0) || ib.ReadyFor != 47*time.Hour {
		t.Errorf("at 47 h: too long %v, ready at %v, for %v", ib.ReadyTooLong, ib.ReadyAt, ib.ReadyFor)
	}
	if has(risks(), RiskReadyTooLong) {
		t.Error("listed as a risk within the limit")
	}
	clock.now = t0.Add(73 * time.Hour)
	if !has(risks(), RiskReadyTooLong) {
		t.Error("not listed as a risk at 73 h with a two-day limit")
	}
	f.desk.ReadyLimitDays = 5
	if has(risks(), RiskReadyTooLong) {
		t.Error("listed as a risk at 73 h with a five-day limit")
	}
	f.desk.ReadyLimitDays = 0

	// A delay is recorded with its exception; it does not hide the risk.
	if _, err := f.desk.RecordDelay(f.ctx, "spec", r.ID, Delay{Exception: "", Note: "x"}); roi.CodeOf(err) != roi.CodeInvalid {
		t.Errorf("a delay naming no exception: %v", err)
	}
	ib := must[*InfoBlocking](t)(f.desk.RecordDelay(f.ctx, "spec", r.ID, Delay{Exception: roi.ExceptionHealthITPerformance, Note: "EHR down for upgrade"}))
	if last := ib.Entries[len(ib.Entries)-1]; last.Practice != roi.PracticeDelay || last.Exception != roi.ExceptionHealthITPerformance || last.By != "spec" {
		t.Errorf("delay entry %+v", last)
	}
	if !has(risks(), RiskReadyTooLong) {
		t.Error("a recorded delay hid the risk")
	}

	r, _, _ = must3(t)(f.desk.Release(f.ctx, "spec", r.ID, r.Version))
	if has(risks(), RiskReadyTooLong) {
		t.Error("still a risk after the release")
	}
	ib = must[*InfoBlocking](t)(f.desk.InfoBlocking(f.ctx, r.ID))
	if ib.ReleasedAt == nil || ib.ReadyFor != 73*time.Hour || ib.ReadyTooLong {
		t.Errorf("after release: released %v, ready for %v, too long %v", ib.ReleasedAt, ib.ReadyFor, ib.ReadyTooLong)
	}
	if _, err := f.desk.RecordDelay(f.ctx, "spec", r.ID, Delay{Exception: roi.ExceptionSecurity, Note: "x"}); roi.CodeOf(err) != roi.CodeConflict {
		t.Errorf("a delay of a released request: %v", err)
	}
	m := must[*Metrics](t)(f.desk.Metrics(f.ctx, roi.NoDate, 4))
	if m.InfoBlocking.Released != 1 || m.InfoBlocking.MedianHours != 73 || m.InfoBlocking.MaxHours != 73 {
		t.Errorf("metrics: %d released, median %v h, max %v h; want 1, 73, 73", m.InfoBlocking.Released, m.InfoBlocking.MedianHours, m.InfoBlocking.MaxHours)
	}
	for _, b := range m.InfoBlocking.ReadyToRelease {
		if want := map[string]int{"2-3": 1}[b.Label]; b.Count != want {
			t.Errorf("bucket %s: %d, want %d", b.Label, b.Count, want)
		}
	}
}

// A decision needing a second person's review is ready at the review, not
// at the decision.
func TestReadyAtTheReview(t *testing.T) {
	f := newFixture(t, roi.MakeDate(1980, 6, 15),
		item("Encounter/1", "2025-03-14", "encounter"),
		item("DocumentReference/pn", "2025-06-09", "document", roi.LabelPsychotherapyNote))
	clock := &ibClock{now: time.Date(2026, 3, 2, 15, 0, 0, 0, time.UTC)}
	f.desk.SetClock(clock.get)
	r := f.intake(roi.KindPatient, "Pat Example", roi.BasisAccess)
	r = f.evidence(r, identity)
	r, _ = f.evaluate(r)
	r, final := must2(t)(f.desk.Decide(f.ctx, "spec", r.ID, r.Version, Decide{Action: ActPartial}))
	if final.InfoBlocking["DocumentReference/pn"] != roi.ExceptionNotEHI {
		t.Errorf("the engine's exception is not carried: %v", final.InfoBlocking)
	}
	if ib := must[*InfoBlocking](t)(f.desk.InfoBlocking(f.ctx, r.ID)); ib.ReadyAt != nil {
		t.Errorf("ready before the review it needs: %v", ib.ReadyAt)
	}
	clock.now = clock.now.Add(5 * time.Hour)
	r = must[*roi.DeskRequest](t)(f.desk.Review(f.ctx, "qa", r.ID, r.Version, true, ""))
	if ib := must[*InfoBlocking](t)(f.desk.InfoBlocking(f.ctx, r.ID)); ib.ReadyAt == nil || !ib.ReadyAt.Equal(clock.now) {
		t.Errorf("ready at %v, want the review's %v", ib.ReadyAt, clock.now)
	}
}

// An extension naming no exception is a delay resting on none: its letter
// waits for the privacy officer, and past the new due date the request is
// a risk in the metrics until the reason is recorded.
func TestExtensionNonePastDue(t *testing.T) {
	f := newFixture(t, roi.MakeDate(1980, 6, 15), item("Encounter/1", "2025-03-14", "encounter"))
	f.user("po", "privacy-officer")
	clock := &ibClock{now: time.Date(2026, 3, 2, 15, 0, 0, 0, time.UTC)}
	f.desk.SetClock(clock.get)
	r := f.intake(roi.KindPatient, "Pat Example", roi.BasisAccess)
	r = must[*roi.DeskRequest](t)(f.desk.Extend(f.ctx, "spec", r.ID, r.Version, Extend{NewDue: r.Due.AddDays(10), Reason: "archive"}))
	if _, err := f.desk.Letter(f.ctx, "spec", r.ID, "extension"); !errors.Is(err, ErrNoneWithoutReason) {
		t.Errorf("extension letter resting on none: %v", err)
	}
	pastDue := func() bool {
		m := must[*Metrics](t)(f.desk.Metrics(f.ctx, roi.NoDate, 4))
		for _, x := range m.InfoBlocking.Risks {
			if x.RequestID == r.ID && slices.Contains(x.Kinds, RiskNonePastDue) {
				return true
			}
		}
		return false
	}
	if pastDue() {
		t.Error("past due before the due date")
	}
	clock.now = clock.now.AddDate(0, 0, 41)
	if !pastDue() {
		t.Error("an extension resting on none past the due date is not listed")
	}
	must[*InfoBlocking](t)(f.desk.ExplainNone(f.ctx, "po", r.ID, "records in a flooded archive; counsel consulted"))
	if pastDue() {
		t.Error("still listed after the privacy officer's reason")
	}
}

func must3(t *testing.T) func(*roi.DeskRequest, *Disclosure, *Issued, error) (*roi.DeskRequest, *Disclosure, *Issued) {
	return func(r *roi.DeskRequest, d *Disclosure, i *Issued, err error) (*roi.DeskRequest, *Disclosure, *Issued) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return r, d, i
	}
}

// A person escalating what the engine decided holds the request on their
// own call: the exception they pick; picking nothing, the engine's for the
// request when it named one, else none. The internal escalation summary is
// not a letter to the individual and is never held.
func TestOwnHoldTakesThePickOrTheEngines(t *testing.T) {
	for _, tc := range []struct {
		name     string
		identity bool
		pick     roi.Exception
		want     roi.Exception
	}{
		{"pending, nothing picked", false, "", roi.ExceptionPrivacyPrecondition},
		{"release, security picked", true, roi.ExceptionSecurity, roi.ExceptionSecurity},
		{"release, nothing picked", true, "", roi.ExceptionNone},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t, roi.MakeDate(1980, 6, 15), item("Encounter/1", "2025-03-14", "encounter"))
			r := f.intake(roi.KindPatient, "Pat Example", roi.BasisAccess)
			if tc.identity {
				r = f.evidence(r, identity)
			}
			r, _ = f.evaluate(r)
			r, final := must2(t)(f.desk.Decide(f.ctx, "spec", r.ID, r.Version, Decide{Action: ActEscalate, Note: "odd request", Exception: tc.pick}))
			if got := final.InfoBlocking[roi.InfoBlockingRequest]; got != tc.want || len(final.InfoBlocking) != 1 {
				t.Errorf("hold rests on %v, want request: %s", final.InfoBlocking, tc.want)
			}
			es := f.ibEntries(r.ID, roi.EventInfoBlocking)
			var b roi.InfoBlockingBody
			if len(es) != 1 || json.Unmarshal(es[0].Body, &b) != nil || b.Practice != roi.PracticePending || b.Exception != tc.want {
				t.Errorf("ledger: %d entries, %+v", len(es), b)
			}
			if _, err := f.desk.Letter(f.ctx, "spec", r.ID, "escalation"); err != nil {
				t.Errorf("escalation summary: %v", err)
			}
		})
	}
}

// Part 171 is named on the individual's access and directives only: a
// provider's request for treatment records no ready-to-release moment,
// carries no exceptions, and takes no Part 171 delay.
func TestInfoBlockingOnlyForAccess(t *testing.T) {
	f := newFixture(t, roi.MakeDate(1980, 6, 15), item("Encounter/1", "2025-03-14", "encounter"))
	r := f.intake(roi.KindProvider, "Dr. Lee", roi.BasisTreatment)
	r = f.evidence(r, identity)
	r, ev := f.evaluate(r)
	if ev.Decision.InfoBlocking != nil {
		t.Errorf("the engine named exceptions on a treatment request: %v", ev.Decision.InfoBlocking)
	}
	action := map[roi.Outcome]string{roi.OutcomeRelease: ActApprove, roi.OutcomePartial: ActPartial}[ev.Decision.Outcome]
	if action == "" {
		t.Skipf("treatment request outcome %s; nothing to release here", ev.Decision.Outcome)
	}
	r, final := must2(t)(f.desk.Decide(f.ctx, "spec", r.ID, r.Version, Decide{Action: action}))
	if final.InfoBlocking != nil {
		t.Errorf("a treatment decision carries exceptions: %v", final.InfoBlocking)
	}
	if n := len(f.ibEntries(r.ID, roi.EventReadyToRelease)); n != 0 {
		t.Errorf("%d ready-to-release entries on a treatment request", n)
	}
	if ib := must[*InfoBlocking](t)(f.desk.InfoBlocking(f.ctx, r.ID)); ib.Applies || len(ib.Entries) != 0 {
		t.Errorf("standing %+v", ib)
	}
	if _, err := f.desk.RecordDelay(f.ctx, "spec", r.ID, Delay{Exception: roi.ExceptionSecurity, Note: "x"}); roi.CodeOf(err) != roi.CodeInvalid {
		t.Errorf("a Part 171 delay on a treatment request: %v", err)
	}
}
