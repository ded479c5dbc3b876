package workflow

import (
	"slices"

	"testing"

	"github.com/custodian-roi/custodian/internal/roi"
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
