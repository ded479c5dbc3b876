package workflow

import (
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/custodian-roi/custodian/internal/roi"
	"github.com/custodian-roi/custodian/internal/send/sendtest"
	"github.com/custodian-roi/custodian/internal/store"
)

func validSubmission() Submission {
	return Submission{PatientName: "Pat Example", BirthDate: roi.MakeDate(1980, 6, 15), RequesterKind: roi.KindPatient,
		RequesterName: "Pat Example", Basis: roi.BasisAccess, Scope: SubmissionScope{From: roi.MakeDate(2025, 1, 1), To: roi.NoDate},
		Delivery: roi.DeliveryPortal, Email: "pat@example.org"}
}

var pdf = []byte("%PDF-1.7\n1 0 obj\n<<>>\nendobj\n")
var png = []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\x0dIHDR")

// lastCode reads the one-time code from the newest message.
func lastCode(t *testing.T, srv *sendtest.SMTPServer) (string, string) {
	t.Helper()
	msgs := srv.Messages()
	if len(msgs) == 0 {
		t.Fatal("no message sent")
	}
	body := mailBody(t, msgs[len(msgs)-1])
	code := regexp.MustCompile(`\b(\d{8})\b`).FindStringSubmatch(body)
	if code == nil {
		t.Fatalf("no code in:\n%s", body)
	}
	return code[1], body
}

// A submission from the portal to a released request: the e-mail is
// verified with a code, documents are attached, a clerk accepts it for the
// right patient, and the requester follows it in plain words.
func TestSubmission_Journey(t *testing.T) {
	srv := sendtest.StartSMTP(t)
	f := newFixture(t, roi.MakeDate(1980, 6, 15), item("Encounter/1", "2025-03-14", "encounter"))
	f.desk.Mail = srv.Client()

	rc, err := f.desk.Submit(f.ctx, validSubmission())
	if err != nil {
		t.Fatal(err)
	}
	if rc.Number != "S-2026-000001" || len(rc.Token) < 40 || !rc.CodeSent {
		t.Fatalf("receipt %+v", rc)
	}
	msgs := srv.Messages()
	if len(msgs) != 1 || !slices.Equal(msgs[0].To, []string{"pat@example.org"}) || !msgs[0].TLS {
		t.Fatalf("messages %+v", msgs)
	}
	code, body := lastCode(t, srv)
	for _, phi := range []string{"Pat Example", "1980", rc.Number, rc.Token} {
		if strings.Contains(body, phi) {
			t.Errorf("the code e-mail contains %q", phi)
		}
	}
	st := must[*SubmissionStatus](t)(f.desk.SubmissionStatus(f.ctx, rc.Token))
	if st.State != store.SubmissionSubmitted || st.EmailVerified || !strings.Contains(st.Message, "checking who you are and your authority") {
		t.Errorf("status %+v", st)
	}
	if _, err := f.desk.SubmissionStatus(f.ctx, "not-a-token"); roi.CodeOf(err) != roi.CodeNotFound {
		t.Errorf("status of an unknown token: %v", err)
	}

	// Documents, judged by content.
	if err := f.desk.AddSubmissionDocument(f.ctx, rc.Token, SubmissionAuthorization, "auth.pdf", pdf); err != nil {
		t.Fatal(err)
	}
	if err := f.desk.AddSubmissionDocument(f.ctx, rc.Token, SubmissionIDImage, "../license.png", png); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		kind    string
		content []byte
		code    roi.ErrorCode
	}{
		{SubmissionIDImage, []byte("MZ\x90\x00 an executable"), roi.CodeInvalid},
		{SubmissionIDImage, []byte("II*\x00 a tiff"), roi.CodeInvalid},
		{SubmissionIDImage, nil, roi.CodeInvalid},
		{"selfie", png, roi.CodeInvalid},
		{SubmissionIDImage, make([]byte, MaxDocumentBytes+1), roi.CodeTooLarge},
	} {
		if err := f.desk.AddSubmissionDocument(f.ctx, rc.Token, tc.kind, "x", tc.content); roi.CodeOf(err) != tc.code {
			t.Errorf("document %s %.12q: %v, want %s", tc.kind, tc.content, err, tc.code)
		}
	}

	// Not accepted before the e-mail address is verified.
	subs := must[[]*store.SubmissionRecord](t)(f.desk.Submissions(f.ctx, store.SubmissionSubmitted))
	if len(subs) != 1 {
		t.Fatalf("queue %+v", subs)
	}
	id := subs[0].ID
	if _, err := f.desk.AcceptSubmission(f.ctx, "clerk", id, f.pid); roi.CodeOf(err) != roi.CodeConflict {
		t.Errorf("accepting an unverified submission: %v", err)
	}
	wrong := "00000000"
	if wrong == code {
		wrong = "11111111"
	}
	if err := f.desk.VerifySubmissionEmail(f.ctx, rc.Token, wrong); roi.CodeOf(err) != roi.CodeForbidden {
		t.Errorf("wrong code: %v", err)
	}
	if err := f.desk.VerifySubmissionEmail(f.ctx, rc.Token, code); err != nil {
		t.Fatalf("verify: %v", err)
	}

	// The clerk looks (a logged view) and matches the patient.
	v := must[*SubmissionView](t)(f.desk.Submission(f.ctx, "clerk", id))
	if v.Form.PatientName != "Pat Example" || v.Form.Email != "pat@example.org" || !v.Record.EmailVerified || len(v.Documents) != 2 || v.Documents[1].Name != "document" {
		t.Errorf("clerk's view %+v", v)
	}
	other, _, err := f.desk.store.ImportChart(f.ctx, roi.PatientRecord{FHIRID: "p2", Name: "Pat Example", BirthDate: roi.MakeDate(1981, 6, 15)}, nil, nil, "import")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.desk.AcceptSubmission(f.ctx, "clerk", id, other); roi.CodeOf(err) != roi.CodeConflict {
		t.Errorf("accepting for a patient with another birth date: %v", err)
	}
	if _, err := f.desk.AcceptSubmission(f.ctx, "", id, f.pid); roi.CodeOf(err) != roi.CodeUnauthenticated {
		t.Errorf("accepting without an actor: %v", err)
	}
	r, err := f.desk.AcceptSubmission(f.ctx, "clerk", id, f.pid)
	if err != nil {
		t.Fatal(err)
	}
	if r.Status != roi.StatusReceived || r.Contact != "pat@example.org" || r.Delivery != roi.DeliveryPortal || r.Received != today ||
		r.Requester.Kind != roi.KindPatient || r.Scope.From != roi.MakeDate(2025, 1, 1) || r.Due != today.AddDays(30) {
		t.Errorf("request %+v", r)
	}
	docs := must[[]roi.DocumentRecord](t)(f.desk.store.Documents(f.ctx, r.ID))
	if len(docs) != 2 || docs[0].Name != "auth.pdf" || docs[0].Kind != roi.DocumentAuthorization || docs[1].ContentType != "image/png" || docs[0].AddedBy != "clerk" {
		t.Errorf("documents on the request %+v", docs)
	}
	if _, err := f.desk.AcceptSubmission(f.ctx, "clerk", id, f.pid); roi.CodeOf(err) != roi.CodeConflict {
		t.Errorf("accepted twice: %v", err)
	}
	if err := f.desk.RejectSubmission(f.ctx, "clerk", id, "no"); roi.CodeOf(err) != roi.CodeConflict {
		t.Errorf("rejecting an accepted submission: %v", err)
	}
	if err := f.desk.AddSubmissionDocument(f.ctx, rc.Token, SubmissionIDImage, "late.png", png); roi.CodeOf(err) != roi.CodeConflict {
		t.Errorf("a document after acceptance: %v", err)
	}

	// The requester follows the request in plain words.
	status := func() *SubmissionStatus {
		t.Helper()
		st := must[*SubmissionStatus](t)(f.desk.SubmissionStatus(f.ctx, rc.Token))
		if strings.Contains(st.Message, "Pat Example") || strings.Contains(st.Message, "Encounter") {
			t.Errorf("status message holds PHI: %q", st.Message)
		}
		return st
	}
	if st := status(); st.State != store.SubmissionAccepted || st.Due != today.AddDays(30) || !strings.Contains(st.Message, "checking who you are") {
		t.Errorf("accepted: %+v", st)
	}
	r, _ = f.evaluate(r) // no identity evidence yet: pending
	r, _ = must2(t)(f.desk.Decide(f.ctx, "specialist", r.ID, r.Version, Decide{Action: ActPending}))
	if st := status(); st.Message != "We need something from you: proof of who you are." {
		t.Errorf("awaiting the requester: %q", st.Message)
	}
	r = f.evidence(r, identity)
	if st := status(); !strings.Contains(st.Message, "checking") {
		t.Errorf("verifying: %q", st.Message)
	}
	r, _ = f.evaluate(r)
	if st := status(); st.Message != "Your request is being reviewed." {
		t.Errorf("in review: %q", st.Message)
	}
	r, _ = must2(t)(f.desk.Decide(f.ctx, "specialist", r.ID, r.Version, Decide{Action: ActApprove}))
	if st := status(); st.Message != "Your records are being prepared." {
		t.Errorf("approved: %q", st.Message)
	}
	if _, _, _, err := f.desk.Release(f.ctx, "specialist", r.ID, r.Version); err != nil {
		t.Fatal(err)
	}
	// A portal delivery e-mails nothing: the page must not speak of a link
	// that was never sent (issue #13).
	if st := status(); !strings.Contains(st.Message, "No link has been e-mailed") || strings.Contains(st.Message, "link we sent") || st.Due.Known() {
		t.Errorf("released: %+v", st)
	}

	// Every step is in the ledger, without PHI in the submission entries.
	if err := f.desk.Flush(f.ctx); err != nil {
		t.Fatal(err)
	}
	es := must[[]roi.LedgerEntry](t)(f.desk.store.Ledger(f.ctx, store.LedgerFilter{}))
	var kinds []string
	for _, e := range es {
		kinds = append(kinds, string(e.Kind))
		if strings.HasPrefix(string(e.Kind), "submission") || e.Kind == "view" {
			for _, phi := range []string{"Pat Example", "pat@example.org", "1980-06-15", code} {
				if strings.Contains(string(e.Body), phi) {
					t.Errorf("ledger %s entry holds %q: %s", e.Kind, phi, e.Body)
				}
			}
		}
	}
	for _, want := range []string{"submission", "submission-code", "submission-code-failed", "submission-email-verified",
		"submission-document", "submission-accepted", "intake", "document", "view"} {
		if !slices.Contains(kinds, want) {
			t.Errorf("ledger %v lacks %s", kinds, want)
		}
	}
	if _, err := f.desk.store.VerifyLedger(f.ctx); err != nil {
		t.Error(err)
	}
}

// Every field is checked, and the message names the field without
// repeating what was typed.
func TestSubmission_Validation(t *testing.T) {
	f := newFixture(t, roi.MakeDate(1980, 6, 15))
	for _, tc := range []struct {
		field string
		mut   func(*Submission)
	}{
		{"patient_name", func(s *Submission) { s.PatientName = "  " }},
		{"patient_name", func(s *Submission) { s.PatientName = strings.Repeat("Secretname", 30) }},
		{"patient_name", func(s *Submission) { s.PatientName = "Secret\x00name" }},
		{"birth_date", func(s *Submission) { s.BirthDate = roi.NoDate }},
		{"birth_date", func(s *Submission) { s.BirthDate = today.AddDays(1) }},
		{"requester_kind", func(s *Submission) { s.RequesterKind = "Secretname" }},
		{"requester_name", func(s *Submission) { s.RequesterName = "" }},
		{"basis", func(s *Submission) { s.Basis = "Secretname" }},
		{"type", func(s *Submission) { s.Type = "Secretname" }},
		{"recipient", func(s *Submission) { s.Recipient = "Secret\nname" }},
		{"scope.from", func(s *Submission) {
			s.Scope = SubmissionScope{From: roi.MakeDate(2025, 2, 1), To: roi.MakeDate(2025, 1, 1)}
		}},
		{"scope.labels", func(s *Submission) { s.Scope.Labels = []string{"Secretname"} }},
		{"format", func(s *Submission) { s.Format = "Secretname" }},
		{"delivery", func(s *Submission) { s.Delivery = roi.DeliverySFTP }},
		{"contact", func(s *Submission) { s.Delivery = roi.DeliveryMail }},
		{"email", func(s *Submission) { s.Email = "Secretname" }},
		{"email", func(s *Submission) { s.Email = "Secretname <secret@example.org>" }},
	} {
		s := validSubmission()
		tc.mut(&s)
		_, err := f.desk.Submit(f.ctx, s)
		if roi.CodeOf(err) != roi.CodeInvalid || !strings.Contains(roi.PublicMessage(err), tc.field) || strings.Contains(roi.PublicMessage(err), "Secret") {
			t.Errorf("%s: %v", tc.field, err)
		}
	}
	if subs, _ := f.desk.Submissions(f.ctx, ""); len(subs) != 0 {
		t.Errorf("invalid submissions were stored: %d", len(subs))
	}
	// Mail to a postal address is fine; paper by default.
	s := validSubmission()
	s.Delivery, s.Contact = roi.DeliveryMail, "1 Main St\nSpringfield"
	rc := must[*SubmissionReceipt](t)(f.desk.Submit(f.ctx, s))
	if rc.CodeSent {
		t.Error("a code was sent without a mailer")
	}
	if _, err := f.desk.Submissions(f.ctx, "lost"); roi.CodeOf(err) != roi.CodeInvalid {
		t.Errorf("unknown status filter: %v", err)
	}
}

// A rejection is told to the requester; wrong and expired codes do not
// verify, and five wrong ones lock the address.
func TestSubmission_RejectAndCodes(t *testing.T) {
	srv := sendtest.StartSMTP(t)
	f := newFixture(t, roi.MakeDate(1980, 6, 15))
	f.desk.Mail = srv.Client()

	rc := must[*SubmissionReceipt](t)(f.desk.Submit(f.ctx, validSubmission()))
	id := must[[]*store.SubmissionRecord](t)(f.desk.Submissions(f.ctx, ""))[0].ID
	if err := f.desk.RejectSubmission(f.ctx, "clerk", id, " "); roi.CodeOf(err) != roi.CodeInvalid {
		t.Errorf("rejection without a reason: %v", err)
	}
	if err := f.desk.RejectSubmission(f.ctx, "clerk", id, "We could not find records for the person named."); err != nil {
		t.Fatal(err)
	}
	st := must[*SubmissionStatus](t)(f.desk.SubmissionStatus(f.ctx, rc.Token))
	if st.State != store.SubmissionRejected || st.Message != "We could not accept your request: We could not find records for the person named." {
		t.Errorf("rejected: %+v", st)
	}
	code, _ := lastCode(t, srv)
	if err := f.desk.VerifySubmissionEmail(f.ctx, rc.Token, code); roi.CodeOf(err) != roi.CodeConflict {
		t.Errorf("verifying a rejected submission: %v", err)
	}
	if _, err := f.desk.AcceptSubmission(f.ctx, "clerk", id, f.pid); roi.CodeOf(err) != roi.CodeConflict {
		t.Errorf("accepting a rejected submission: %v", err)
	}
	if reqs, _ := f.desk.store.Requests(f.ctx, store.RequestFilter{}); len(reqs) != 0 {
		t.Errorf("a refused acceptance made requests: %d", len(reqs))
	}

	// An expired code, then a fresh one.
	rc = must[*SubmissionReceipt](t)(f.desk.Submit(f.ctx, validSubmission()))
	code, _ = lastCode(t, srv)
	now := f.desk.Now()
	f.desk.SetClock(func() time.Time { return now.Add(CodeLifetime + time.Second) })
	if err := f.desk.VerifySubmissionEmail(f.ctx, rc.Token, code); roi.CodeOf(err) != roi.CodeForbidden {
		t.Errorf("an expired code: %v", err)
	}
	if err := f.desk.SendSubmissionCode(f.ctx, rc.Token); err != nil {
		t.Fatal(err)
	}
	fresh, _ := lastCode(t, srv)
	if fresh == code {
		t.Skip("the same code came twice; vanishingly rare")
	}
	if err := f.desk.VerifySubmissionEmail(f.ctx, rc.Token, code); roi.CodeOf(err) != roi.CodeForbidden {
		t.Errorf("the replaced code: %v", err)
	}
	// Four more wrong codes: locked, even for the right one.
	for range MaxCodeAttempts - 1 {
		f.desk.VerifySubmissionEmail(f.ctx, rc.Token, "x")
	}
	if err := f.desk.VerifySubmissionEmail(f.ctx, rc.Token, fresh); err != errSubmissionLocked {
		t.Errorf("after %d wrong codes: %v", MaxCodeAttempts, err)
	}
	if err := f.desk.SendSubmissionCode(f.ctx, rc.Token); err != errSubmissionLocked {
		t.Errorf("a new code for a locked submission: %v", err)
	}

	// Without a mailer no code can be sent.
	f.desk.Mail = nil
	if err := f.desk.SendSubmissionCode(f.ctx, rc.Token); roi.CodeOf(err) != roi.CodeConflict {
		t.Errorf("a code without a mailer: %v", err)
	}
}

func TestMissingInWords(t *testing.T) {
	for _, tc := range []struct {
		missing []string
		want    string
	}{
		{[]string{"identity-unverified"}, "proof of who you are"},
		{[]string{"authorization-expired", "authorization-incomplete"}, "a valid signed authorization"},
		{[]string{"part2-no-consent"}, "information the records office will tell you about"},
		{[]string{"her HIV test results from 2024"}, "information the records office will tell you about"},
		{nil, "information the records office will tell you about"},
	} {
		if got := missingInWords(tc.missing); got != tc.want {
			t.Errorf("%v: %q, want %q", tc.missing, got, tc.want)
		}
	}
}

// Without e-mail, a clerk confirms the address by telephone and says how;
// only then can the submission be accepted, and only once.
func TestConfirmSubmissionContact(t *testing.T) {
	f := newFixture(t, roi.MakeDate(1980, 6, 15), item("Encounter/1", "2025-03-14", "encounter"))
	rc, err := f.desk.Submit(f.ctx, Submission{PatientName: "Pat Example", BirthDate: roi.MakeDate(1980, 6, 15),
		RequesterKind: roi.KindPatient, RequesterName: "Pat Example", Basis: roi.BasisAccess, Delivery: roi.DeliveryPortal,
		Email: "pat@example.org"})
	if err != nil {
		t.Fatal(err)
	}
	if rc.CodeSent {
		t.Fatal("a code was sent without a mailer")
	}
	subs, err := f.desk.Submissions(f.ctx, store.SubmissionSubmitted)
	if err != nil || len(subs) != 1 {
		t.Fatalf("submissions %v %v", subs, err)
	}
	id := subs[0].ID
	if _, err := f.desk.AcceptSubmission(f.ctx, "clerk", id, f.pid); roi.CodeOf(err) != roi.CodeConflict {
		t.Fatalf("accepted with an unconfirmed address: %v", err)
	}
	if err := f.desk.ConfirmSubmissionContact(f.ctx, "clerk", id, "  "); roi.CodeOf(err) != roi.CodeInvalid {
		t.Errorf("confirmed without saying how: %v", err)
	}
	if err := f.desk.ConfirmSubmissionContact(f.ctx, "clerk", id, "read back by telephone"); err != nil {
		t.Fatal(err)
	}
	if err := f.desk.ConfirmSubmissionContact(f.ctx, "clerk", id, "again"); roi.CodeOf(err) != roi.CodeConflict {
		t.Errorf("confirmed twice: %v", err)
	}
	if st, err := f.desk.SubmissionStatus(f.ctx, rc.Token); err != nil || !st.EmailVerified {
		t.Errorf("status after confirmation: %+v %v", st, err)
	}
	if _, err := f.desk.AcceptSubmission(f.ctx, "clerk", id, f.pid); err != nil {
		t.Fatalf("accept after confirmation: %v", err)
	}
	es, _ := f.desk.store.Ledger(f.ctx, store.LedgerFilter{Kind: "submission-contact-confirmed"})
	if len(es) != 1 || !strings.Contains(string(es[0].Body), "telephone") || es[0].Actor != "clerk" {
		t.Errorf("ledger %+v", es)
	}
}
