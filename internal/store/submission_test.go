package store

import (
	"context"
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/custodian-roi/custodian/internal/roi"
)

func mustSubmission(t *testing.T, s *Store, tokenHash string) *SubmissionRecord {
	t.Helper()
	sub := &SubmissionRecord{Email: "pat@example.org", Body: json.RawMessage(`{"patient_name":"Test Patient"}`)}
	err := s.CreateSubmission(context.Background(), sub, tokenHash, func(sub *SubmissionRecord) roi.Event {
		return roi.Event{Kind: "submission", Actor: "portal", Body: map[string]any{"submission_id": sub.ID}}
	})
	if err != nil {
		t.Fatal(err)
	}
	return sub
}

func TestStore_Submissions(t *testing.T) {
	forEachStore(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		now := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
		s.Now = func() time.Time { return now }

		a := mustSubmission(t, s, "hash-a")
		b := mustSubmission(t, s, "hash-b")
		if a.Number != "S-2026-000001" || b.Number != "S-2026-000002" || a.Status != SubmissionSubmitted {
			t.Errorf("numbers %s %s, status %s", a.Number, b.Number, a.Status)
		}
		// Request numbers are counted apart.
		if r := mustRequest(t, s, mustPatient(t, s), nil); r.Number != "R-2026-000001" {
			t.Errorf("request number %s", r.Number)
		}
		if err := s.CreateSubmission(ctx, &SubmissionRecord{Email: "x@example.org", Body: json.RawMessage(`{}`)}, "hash-a",
			func(*SubmissionRecord) roi.Event { return roi.Event{Kind: "submission", Actor: "portal"} }); roi.CodeOf(err) != roi.CodeConflict {
			t.Errorf("a token hash used twice: %v", err)
		}
		got, err := s.SubmissionByToken(ctx, "hash-a")
		if err != nil || got.ID != a.ID || string(got.Body) != `{"patient_name":"Test Patient"}` || !got.CreatedAt.Equal(now) {
			t.Fatalf("by token: %+v %v", got, err)
		}
		if _, err := s.SubmissionByToken(ctx, "nope"); roi.CodeOf(err) != roi.CodeNotFound {
			t.Errorf("unknown token: %v", err)
		}

		// A wrong code counts even though fn fails; the error comes back.
		wrong := errors.New("wrong code")
		err = s.UseSubmission(ctx, "hash-a", func(sub *SubmissionRecord) ([]roi.Event, error) {
			sub.CodeAttempts++
			sub.CodeHash, sub.CodeExpires = "h", now.Add(time.Minute)
			return []roi.Event{{Kind: "submission-code-failed", Actor: "portal"}}, wrong
		})
		if err != wrong {
			t.Fatalf("UseSubmission returned %v", err)
		}
		got, _ = s.Submission(ctx, a.ID)
		if got.CodeAttempts != 1 || got.CodeHash != "h" || !got.CodeExpires.Equal(now.Add(time.Minute)) {
			t.Errorf("after a failed use: %+v", got)
		}
		// UpdateSubmission commits nothing when fn fails.
		err = s.UpdateSubmission(ctx, b.ID, func(sub *SubmissionRecord) ([]roi.Event, error) {
			sub.Status = SubmissionRejected
			return nil, wrong
		})
		if got, _ := s.Submission(ctx, b.ID); err != wrong || got.Status != SubmissionSubmitted {
			t.Errorf("a failed update changed the submission: %v %s", err, got.Status)
		}
		// Accepted needs a request: the schema refuses it otherwise.
		err = s.UpdateSubmission(ctx, b.ID, func(sub *SubmissionRecord) ([]roi.Event, error) {
			sub.Status = SubmissionAccepted
			return nil, nil
		})
		if got, _ := s.Submission(ctx, b.ID); err == nil || got.Status != SubmissionSubmitted {
			t.Errorf("accepted without a request: %v %s", err, got.Status)
		}
		if err := s.UpdateSubmission(ctx, b.ID, func(sub *SubmissionRecord) ([]roi.Event, error) {
			sub.Status, sub.Reason = SubmissionRejected, "We could not match the patient."
			return []roi.Event{{Kind: "submission-rejected", Actor: "clerk"}}, nil
		}); err != nil {
			t.Fatal(err)
		}
		if subs, _ := s.Submissions(ctx, SubmissionSubmitted); len(subs) != 1 || subs[0].ID != a.ID {
			t.Errorf("waiting submissions %+v", subs)
		}
		if subs, _ := s.Submissions(ctx, ""); len(subs) != 2 {
			t.Errorf("all submissions %+v", subs)
		}

		// Documents: at most the limit, and none once rejected.
		d := &SubmissionDocument{Name: "auth.pdf", ContentType: "application/pdf", Kind: "authorization"}
		ev := roi.Event{Kind: "submission-document", Actor: "portal"}
		if err := s.AddSubmissionDocument(ctx, a.ID, d, []byte("%PDF-1.7 auth"), 2, ev); err != nil || d.ID == 0 || len(d.SHA256) != 64 {
			t.Fatalf("add document: %v %+v", err, d)
		}
		img := &SubmissionDocument{Name: "id.png", ContentType: "image/png", Kind: "id-image"}
		if err := s.AddSubmissionDocument(ctx, a.ID, img, []byte("\x89PNG\r\n\x1a\nid"), 2, ev); err != nil {
			t.Fatal(err)
		}
		if err := s.AddSubmissionDocument(ctx, a.ID, &SubmissionDocument{Name: "x", ContentType: "image/png", Kind: "id-image"}, []byte("x"), 2, ev); roi.CodeOf(err) != roi.CodeConflict {
			t.Errorf("a document past the limit: %v", err)
		}
		if err := s.AddSubmissionDocument(ctx, b.ID, &SubmissionDocument{Name: "x", ContentType: "image/png", Kind: "id-image"}, []byte("x"), 2, ev); roi.CodeOf(err) != roi.CodeConflict {
			t.Errorf("a document on a rejected submission: %v", err)
		}
		if err := s.AddSubmissionDocument(ctx, a.ID, &SubmissionDocument{Name: "x", ContentType: "image/png", Kind: "selfie"}, []byte("x"), 9, ev); err == nil {
			t.Error("a document of an unknown kind was stored")
		}
		docs, err := s.SubmissionDocuments(ctx, a.ID)
		if err != nil || len(docs) != 2 || docs[0].Kind != "authorization" || docs[1].Size != int64(len("\x89PNG\r\n\x1a\nid")) {
			t.Fatalf("documents %+v %v", docs, err)
		}
		if _, content, err := s.SubmissionDocumentContent(ctx, a.ID, img.ID); err != nil || string(content) != "\x89PNG\r\n\x1a\nid" {
			t.Errorf("document content %q %v", content, err)
		}
		if _, _, err := s.SubmissionDocumentContent(ctx, b.ID, img.ID); roi.CodeOf(err) != roi.CodeNotFound {
			t.Errorf("another submission's document: %v", err)
		}

		// Acceptance copies the documents onto the request in its update;
		// an unverified e-mail address refuses it and changes nothing.
		r := mustRequest(t, s, mustPatient(t, s), nil)
		accept := func(r *roi.DeskRequest) ([]roi.DocumentRecord, error) {
			var copies []roi.DocumentRecord
			_, err := s.UpdateRequest(ctx, r.ID, r.Version, func(_ *roi.DeskRequest, tx *Tx) error {
				var err error
				copies, err = tx.AcceptSubmission(a.ID, "clerk")
				return err
			})
			return copies, err
		}
		if _, err := accept(r); roi.CodeOf(err) != roi.CodeConflict {
			t.Errorf("accepting an unverified submission: %v", err)
		}
		if ds, _ := s.Documents(ctx, r.ID); len(ds) != 0 {
			t.Errorf("a refused acceptance left documents: %+v", ds)
		}
		if err := s.UseSubmission(ctx, "hash-a", func(sub *SubmissionRecord) ([]roi.Event, error) {
			sub.EmailVerified, sub.CodeHash, sub.CodeExpires = true, "", time.Time{}
			return nil, nil
		}); err != nil {
			t.Fatal(err)
		}
		copies, err := accept(r)
		if err != nil || len(copies) != 2 || copies[0].Name != "auth.pdf" || copies[0].Kind != roi.DocumentAuthorization || copies[0].SHA256 != d.SHA256 {
			t.Fatalf("accept: %v %+v", err, copies)
		}
		got, _ = s.Submission(ctx, a.ID)
		if got.Status != SubmissionAccepted || got.RequestID != r.ID || !got.EmailVerified || !got.CodeExpires.IsZero() {
			t.Errorf("accepted submission %+v", got)
		}
		if _, content, err := s.DocumentContent(ctx, r.ID, copies[1].ID); err != nil || string(content) != "\x89PNG\r\n\x1a\nid" {
			t.Errorf("copied content %q %v", content, err)
		}
		r, _ = s.Request(ctx, r.ID)
		if _, err := accept(r); roi.CodeOf(err) != roi.CodeConflict {
			t.Errorf("accepted twice: %v", err)
		}
		if n, err := s.VerifyLedger(ctx); err != nil || n < 5 {
			t.Errorf("ledger %d %v", n, err)
		}
	})
}
