package workflow

import (
	"slices"
	"strings"

	"testing"

	"github.com/custodian-roi/custodian/internal/roi"
	"github.com/custodian-roi/custodian/internal/store"
)

// H2 (#15): a privacy officer resolved an escalation with approve and the
// specialist released a minor's records to a parent with no review. Every
// resolution goes out only after a person other than the resolver (and
// other than whoever escalated) approved it.
func TestH2_ResolutionReviewedBySomeoneElse(t *testing.T) {
	// A 12-year-old's ordinary records, the father's request, and a
	// reasonable belief he endangers the child: the engine escalates the
	// whole request.
	f := newFixture(t, roi.MakeDate(2014, 2, 3),
		item("Encounter/1", "2025-01-15", "encounter"),
		item("Encounter/2", "2025-04-20", "encounter"))
	r := f.intake(roi.KindRepresentative, "Father Example", roi.BasisAccess)
	r = f.evidence(r, identity)
	r = f.evidence(r, `{"type":"representative","authority":"parent","verified":true}`)
	r = f.evidence(r, `{"type":"endangerment-concern"}`)
	r, ev := f.evaluate(r)
	if ev.Decision.Outcome != roi.OutcomeEscalate {
		t.Fatalf("outcome %s, want escalate", ev.Decision.Outcome)
	}
	r, _ = must2(t)(f.desk.Decide(f.ctx, "specialist", r.ID, r.Version, Decide{Action: ActEscalate, Note: "concern on file"}))
	r, final := must2(t)(f.desk.ResolveEscalation(f.ctx, "privacy", r.ID, r.Version, Resolve{Action: "approve", Note: "concern dismissed after a call"}))
	if r.Status != roi.StatusApproved || len(final.Release) != 2 {
		t.Fatalf("resolution: %s %+v", r.Status, final)
	}
	if _, _, _, err := f.desk.Release(f.ctx, "specialist", r.ID, r.Version); roi.CodeOf(err) != roi.CodeConflict {
		t.Fatalf("a resolution released with no review: %v", err)
	}
	for _, who := range []string{"privacy", "specialist"} {
		if _, err := f.desk.Review(f.ctx, who, r.ID, r.Version, true, "ok"); roi.CodeOf(err) != roi.CodeForbidden {
			t.Errorf("%s (took part) reviewed the resolution: %v", who, err)
		}
	}
	r = f.review(r)
	if _, _, _, err := f.desk.Release(f.ctx, "specialist", r.ID, r.Version); err != nil {
		t.Fatalf("release after a second person's review: %v", err)
	}
}

// H1 (#15): an ROI specialist removed a note's psychotherapy-note label,
// evaluated, decided and released the note alone. The removal now waits
// for a second person: the engine keeps seeing the label, so the note is
// withheld and nothing the specialist does alone lets it go.
func TestH1_LabelRemovalAloneReleasesNothing(t *testing.T) {
	f := newFixture(t, roi.MakeDate(1980, 6, 15),
		item("Encounter/1", "2025-03-14", "encounter"),
		item("DocumentReference/pn", "2025-06-09", "document", roi.LabelPsychotherapyNote))
	r := f.intake(roi.KindPatient, "Pat Example", roi.BasisAccess)
	r = f.evidence(r, identity)
	if _, err := f.desk.SetLabel(f.ctx, "specialist", f.pid, "DocumentReference/pn", "psychotherapy-note", "remove", "looks like a progress note"); err != nil {
		t.Fatalf("label removal: %v", err)
	}
	r, ev := f.evaluate(r)
	if slices.Contains(ev.Decision.Released(), "DocumentReference/pn") {
		t.Fatalf("the engine releases the note after one person's label removal: %v", ev.Decision.Released())
	}
	if !slices.Contains(ev.Decision.Released(), "Encounter/1") {
		t.Fatalf("the ordinary encounter is not released: %v", ev.Decision.Released())
	}
	action := actionFor[ev.Decision.Outcome]
	r, _ = must2(t)(f.desk.Decide(f.ctx, "specialist", r.ID, r.Version, Decide{Action: action}))
	_, dis, _, err := f.desk.Release(f.ctx, "specialist", r.ID, r.Version)
	if err == nil && slices.Contains(dis.Items, "DocumentReference/pn") {
		t.Fatalf("the psychotherapy note left with one person behind it: %v", dis.Items)
	}
	if err == nil {
		t.Fatal("a partial release (the note withheld) went out with no review")
	}
}

// A proposed removal changes nothing until a second person approves it;
// the proposer cannot approve it, only withdraw it; an approval takes
// effect and is in the ledger with both names; an addition takes effect
// at once.
func TestLabelProposal_SecondPersonApproves(t *testing.T) {
	f := newFixture(t, roi.MakeDate(1980, 6, 15),
		item("Encounter/1", "2025-03-14", "encounter"),
		item("DocumentReference/pn", "2025-06-09", "document", roi.LabelPsychotherapyNote))
	const pn = "DocumentReference/pn"
	c := must[*LabelChange](t)(f.desk.ChangeLabel(f.ctx, "sam", f.pid, pn, "psychotherapy-note", "remove", "a progress note"))
	if c.Proposal == nil || c.Proposal.State != roi.ProposalPending || !c.Labels.Has(roi.LabelPsychotherapyNote) {
		t.Fatalf("removal: %+v", c)
	}
	if _, err := f.desk.ChangeLabel(f.ctx, "sam", f.pid, pn, "psychotherapy-note", "remove", "again"); roi.CodeOf(err) != roi.CodeConflict {
		t.Errorf("a second open proposal of the same removal: %v", err)
	}
	for _, self := range []string{"sam", " SAM "} {
		if _, err := f.desk.DecideLabelProposal(f.ctx, self, f.pid, c.Proposal.ID, true, ""); roi.CodeOf(err) != roi.CodeForbidden {
			t.Errorf("the proposer (%q) approving: %v", self, err)
		}
	}
	if _, err := f.desk.DecideLabelProposal(f.ctx, "pat", f.pid, c.Proposal.ID, false, " "); roi.CodeOf(err) != roi.CodeInvalid {
		t.Errorf("a rejection without a note: %v", err)
	}
	if _, err := f.desk.DecideLabelProposal(f.ctx, "pat", f.pid+1, c.Proposal.ID, true, ""); roi.CodeOf(err) != roi.CodeNotFound {
		t.Errorf("the proposal under another patient: %v", err)
	}
	if l := must[roi.Labels](t)(f.desk.itemLabels(f.ctx, f.pid, pn)); !l.Has(roi.LabelPsychotherapyNote) {
		t.Fatal("the label went before any approval")
	}
	got := must[*LabelChange](t)(f.desk.DecideLabelProposal(f.ctx, "pat", f.pid, c.Proposal.ID, true, "read the note"))
	if got.Labels.Has(roi.LabelPsychotherapyNote) || got.Proposal.State != roi.ProposalApproved || got.Proposal.DecidedBy != "pat" {
		t.Fatalf("approval: %+v", got)
	}
	if _, err := f.desk.DecideLabelProposal(f.ctx, "lee", f.pid, c.Proposal.ID, false, "no"); roi.CodeOf(err) != roi.CodeConflict {
		t.Errorf("deciding a decided proposal: %v", err)
	}
	es := must[[]roi.LedgerEntry](t)(f.desk.store.Ledger(f.ctx, store.LedgerFilter{Kind: roi.EventLabelApproved}))
	if len(es) != 1 || es[0].Actor != "pat" || !strings.Contains(string(es[0].Body), `"proposed_by":"sam"`) {
		t.Errorf("approval entries %+v", es)
	}
	// Withdrawn by the proposer: the label stays.
	c = must[*LabelChange](t)(f.desk.ChangeLabel(f.ctx, "sam", f.pid, "Encounter/1", "hiv", "add", "an HIV result in the note"))
	if c.Proposal != nil || !c.Labels.Has(roi.LabelHIV) {
		t.Fatalf("an addition did not take effect at once: %+v", c)
	}
	c = must[*LabelChange](t)(f.desk.ChangeLabel(f.ctx, "sam", f.pid, "Encounter/1", "hiv", "remove", "wrong item"))
	got = must[*LabelChange](t)(f.desk.DecideLabelProposal(f.ctx, "sam", f.pid, c.Proposal.ID, false, "withdrawn"))
	if !got.Labels.Has(roi.LabelHIV) || got.Proposal.State != roi.ProposalRejected {
		t.Errorf("withdrawal: %+v", got)
	}
	if ps := must[[]roi.LabelProposal](t)(f.desk.LabelProposals(f.ctx, "sam", f.pid, true)); len(ps) != 0 {
		t.Errorf("pending after both were decided: %+v", ps)
	}
}

// The review rule reads the labels at the evaluation as well as at
// release: a decision made while an item carried HIV still needs its
// review after the label was (properly) removed.
func TestReview_LabelsAtEvaluationCount(t *testing.T) {
	f := newFixture(t, roi.MakeDate(1980, 6, 15),
		item("Encounter/1", "2025-03-14", "encounter"),
		item("Observation/hiv", "2025-03-14", "report", roi.LabelHIV))
	r := f.intake(roi.KindPatient, "Pat Example", roi.BasisAccess)
	r = f.evidence(r, identity)
	r, _ = f.evaluate(r)
	r, _ = must2(t)(f.desk.Decide(f.ctx, "specialist", r.ID, r.Version, Decide{Action: ActApprove}))
	c := must[*LabelChange](t)(f.desk.ChangeLabel(f.ctx, "privacy", f.pid, "Observation/hiv", "hiv", "remove", "a screening code"))
	must[*LabelChange](t)(f.desk.DecideLabelProposal(f.ctx, "privacy2", f.pid, c.Proposal.ID, true, ""))
	if _, _, _, err := f.desk.Release(f.ctx, "specialist", r.ID, r.Version); roi.CodeOf(err) != roi.CodeConflict {
		t.Fatalf("released unreviewed after the label went: %v", err)
	}
	v := must[*RequestView](t)(f.desk.RequestPage(f.ctx, "specialist", r.ID))
	if !v.NeedsReview {
		t.Error("the request page says no review is needed")
	}
	r = f.review(r)
	if _, _, _, err := f.desk.Release(f.ctx, "specialist", r.ID, r.Version); err != nil {
		t.Fatalf("release after review: %v", err)
	}
}
