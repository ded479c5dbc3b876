package workflow

import (
	"strings"
	"testing"

	"github.com/custodian-roi/custodian/internal/letter"
	"github.com/custodian-roi/custodian/internal/roi"
	"github.com/custodian-roi/custodian/internal/store"
)

// A request's language is taken at intake (English by default, a language
// the desk does not write refused), carried from a portal submission when
// a clerk accepts it, and the request's letters are written in it.
func TestRequestLanguage(t *testing.T) {
	f := newFixture(t, roi.MakeDate(1980, 6, 15), item("Encounter/1", "2025-03-14", "encounter"))
	in := Intake{PatientID: f.pid, Request: roi.Request{Received: today, Requester: roi.Requester{Kind: roi.KindAttorney, Name: "Harper LLP"},
		Basis: roi.BasisSubpoena}, Contact: "1 Court St", Delivery: roi.DeliveryMail}
	r, err := f.desk.Intake(f.ctx, "clerk", in)
	if err != nil || r.Language != roi.LanguageEnglish {
		t.Fatalf("intake without a language: %v, language %q; want en", err, r.Language)
	}
	in.Language = "fr"
	if _, err := f.desk.Intake(f.ctx, "clerk", in); roi.CodeOf(err) != roi.CodeInvalid {
		t.Errorf("intake in French: %v, want CodeInvalid", err)
	}
	in.Language = roi.LanguageSpanish
	r, err = f.desk.Intake(f.ctx, "clerk", in)
	if err != nil || r.Language != roi.LanguageSpanish {
		t.Fatalf("intake in Spanish: %v, %+v", err, r)
	}
	// The pending letter of the Spanish request is in Spanish.
	r = f.evidence(r, identity)
	r = f.evidence(r, `{"type":"subpoena","issued_by":"attorney","covers":{"labels":["general"]}}`)
	r, _ = f.evaluate(r)
	if _, _, err := f.desk.Decide(f.ctx, "specialist", r.ID, r.Version, Decide{Action: ActPending}); err != nil {
		t.Fatal(err)
	}
	l, err := f.desk.Letter(f.ctx, "specialist", r.ID, letter.KindPending)
	if err != nil {
		t.Fatal(err)
	}
	if text := l.Title + "\n" + l.Text(); !strings.Contains(text, "Necesitamos más información") || !strings.Contains(text, "Envíenoslo") {
		t.Errorf("the Spanish request's pending letter is not in Spanish:\n%s", text)
	}

	// From the portal: the submission's language becomes the request's.
	for _, lang := range []roi.Language{roi.LanguageSpanish, ""} {
		s := validSubmission()
		s.Language = lang
		_, err := f.desk.Submit(f.ctx, s)
		if err != nil {
			t.Fatal(err)
		}
		subs, err := f.desk.Submissions(f.ctx, store.SubmissionSubmitted)
		if err != nil || len(subs) == 0 {
			t.Fatalf("submissions %v %v", subs, err)
		}
		id := subs[len(subs)-1].ID
		if err := f.desk.ConfirmSubmissionContact(f.ctx, "clerk", id, "read back by telephone"); err != nil {
			t.Fatal(err)
		}
		got, err := f.desk.AcceptSubmission(f.ctx, "clerk", id, f.pid)
		if err != nil {
			t.Fatal(err)
		}
		if want := lang.OrEnglish(); got.Language != want {
			t.Errorf("submission in %q became a request in %q", want, got.Language)
		}

	}
	s := validSubmission()
	s.Language = "de"
	if _, err := f.desk.Submit(f.ctx, s); roi.CodeOf(err) != roi.CodeInvalid {
		t.Errorf("a submission in German: %v, want CodeInvalid", err)
	}
}
