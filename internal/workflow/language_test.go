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

// Every sentence of the portal's status page exists in every language, and
// no Spanish one is the English.
func TestPortalWordsComplete(t *testing.T) {
	en := portalWords[roi.LanguageEnglish]
	if len(en) < 25 {
		t.Fatalf("only %d English portal sentences", len(en))
	}
	for _, lang := range roi.Languages {
		w := portalWords[lang]
		for k, s := range en {
			switch {
			case strings.TrimSpace(w[k]) == "":
				t.Errorf("%s: no words for %q", lang, k)
			case lang != roi.LanguageEnglish && w[k] == s:
				t.Errorf("%s: %q is the English %q", lang, k, s)
			}
		}
		if len(w) != len(en) {
			t.Errorf("%s has %d sentences, English %d", lang, len(w), len(en))
		}
	}
}

// The status page says what actually happened to released records: for
// postal mail, that they will go by mail until staff record the mailing,
// then that they went; never a download link nobody sent. In Spanish too.
func TestPortalStatusHonest(t *testing.T) {
	f := newFixture(t, roi.MakeDate(1980, 6, 15), item("Encounter/1", "2025-03-14", "encounter"))
	s := validSubmission()
	s.Delivery, s.Contact, s.Language = roi.DeliveryMail, "1 Elm Road, Springfield", roi.LanguageSpanish
	rc, err := f.desk.Submit(f.ctx, s)
	if err != nil {
		t.Fatal(err)
	}
	subs := must[[]*store.SubmissionRecord](t)(f.desk.Submissions(f.ctx, store.SubmissionSubmitted))
	id := subs[0].ID
	if err := f.desk.ConfirmSubmissionContact(f.ctx, "clerk", id, "read back by telephone"); err != nil {
		t.Fatal(err)
	}
	r := must[*roi.DeskRequest](t)(f.desk.AcceptSubmission(f.ctx, "clerk", id, f.pid))
	r = f.evidence(r, identity)
	r, _ = f.evaluate(r)
	r, _ = must2(t)(f.desk.Decide(f.ctx, "specialist", r.ID, r.Version, Decide{Action: ActApprove}))
	r, _, _, err = f.desk.Release(f.ctx, "specialist", r.ID, r.Version)
	if err != nil {
		t.Fatal(err)
	}
	st := must[*SubmissionStatus](t)(f.desk.SubmissionStatus(f.ctx, rc.Token))
	es := StatusMessage(roi.LanguageSpanish, st)
	if !strings.Contains(st.Message, "will be sent by mail") || strings.Contains(st.Message, "link") ||
		!strings.Contains(es, "se enviarán por correo postal") || st.Language != roi.LanguageSpanish {
		t.Errorf("released, not yet mailed: %q / %q (language %q)", st.Message, es, st.Language)
	}
	jobs := must[[]*roi.DeliveryRecord](t)(f.desk.Deliveries(f.ctx, r.ID))
	if len(jobs) != 1 || jobs[0].Channel != roi.DeliveryMail {
		t.Fatalf("deliveries %+v", jobs)
	}
	if _, err := f.desk.CompleteDelivery(f.ctx, "clerk", jobs[0].ID, Complete{Carrier: "USPS", Tracking: "9400 1000 0000 0000 0000 00"}); err != nil {
		t.Fatal(err)
	}
	st = must[*SubmissionStatus](t)(f.desk.SubmissionStatus(f.ctx, rc.Token))
	if es := StatusMessage(roi.LanguageSpanish, st); st.Message != "Your records were sent by mail." || es != "Sus registros se enviaron por correo postal." {
		t.Errorf("mailed: %q / %q", st.Message, es)
	}
}
