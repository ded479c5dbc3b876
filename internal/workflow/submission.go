package workflow

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/mail"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/custodian-roi/custodian/internal/caseformat"
	"github.com/custodian-roi/custodian/internal/fee"
	"github.com/custodian-roi/custodian/internal/roi"
	"github.com/custodian-roi/custodian/internal/send"
	"github.com/custodian-roi/custodian/internal/store"
)

// Submission is a request as a patient or third party types it in the
// portal. Nothing in it is trusted: a clerk checks who the requester is and
// which patient it is about before any record is touched (AcceptSubmission).
// Every field is PHI or close to it; none is ever logged or echoed in an
// error.
type Submission struct {
	PatientName string   `json:"patient_name"`
	BirthDate   roi.Date `json:"birth_date"`
	// Type is records (the default) or accounting.
	Type          roi.RequestType `json:"type"`
	RequesterKind roi.Kind        `json:"requester_kind"`
	RequesterName string          `json:"requester_name"`
	Basis         roi.Basis       `json:"basis"`
	// Recipient is who the records go to when not the requester.
	Recipient string          `json:"recipient,omitempty"`
	Scope     SubmissionScope `json:"scope"`
	// Format is electronic or paper (by default, what the delivery implies).
	Format   fee.Format   `json:"format"`
	Delivery roi.Delivery `json:"delivery"`
	// Contact is the postal address or fax number for delivery by mail or
	// fax; everything else goes by Email, which is verified with a code.
	Contact string `json:"contact,omitempty"`
	Email   string `json:"-"` // kept in its own column
	// Language is the portal's language when the requester submitted:
	// the request's letters are written in it (English when empty).
	Language roi.Language `json:"language,omitempty"`
}

// SubmissionScope is what the requester asks for: a date range (open when
// NoDate) and, optionally, categories by label name.
type SubmissionScope struct {
	From   roi.Date `json:"from"`
	To     roi.Date `json:"to"`
	Labels []string `json:"labels,omitempty"`
}

// SubmissionReceipt is what the requester is given once: the number to
// quote and the token of their status link, of which only a hash is kept.
// CodeSent reports whether the e-mail code went out (SendSubmissionCode
// sends another).
type SubmissionReceipt struct {
	Number   string
	Token    string
	CodeSent bool
}

// SubmissionStatus is where a submission stands, in plain words for the
// requester. It never holds PHI.
type SubmissionStatus struct {
	Number        string                `json:"number"`
	State         store.SubmissionState `json:"state"`
	EmailVerified bool                  `json:"email_verified"`
	Message       string                `json:"message"`
	// Due is the date we must answer by, once the request is accepted and
	// still open.
	Due roi.Date `json:"due"`
	// Say is what Message says, as keys of the portal's words, for
	// StatusMessage to say in another language; Missing the keys of what
	// is missing; Reason the clerk's reason for a rejection, as written.
	Say     []string `json:"-"`
	Missing []string `json:"-"`
	Reason  string   `json:"-"`
	// Language is the one the requester chose when submitting (English
	// when empty), for the portal to default to.
	Language roi.Language `json:"-"`
}

// SubmissionView is a submission as staff see it.
type SubmissionView struct {
	Record    *store.SubmissionRecord
	Form      Submission
	Documents []store.SubmissionDocument
}

// Submission document kinds.
const (
	SubmissionAuthorization = "authorization"
	SubmissionIDImage       = "id-image"
)

// MaxSubmissionDocuments bounds the files one submission may carry.
const MaxSubmissionDocuments = 10

// portalActor is the actor of what requesters do in the portal.
const portalActor = "portal"

// submissionDeliveries are the channels a requester may choose: SFTP goes
// only to destinations an administrator configured.
var submissionDeliveries = []roi.Delivery{roi.DeliveryPortal, roi.DeliveryEmail, roi.DeliveryMail, roi.DeliveryFax, roi.DeliveryPickup}

// checkText checks a free-text field: required or not, at most max
// characters, no control characters (newlines only where multiline).
func checkText(field, v string, max int, required, multiline bool) error {
	v = strings.TrimSpace(v)
	switch {
	case v == "" && required:
		return invalid("The field %s is required.", field)
	case len(v) > max:
		return invalid("The field %s is longer than %d characters.", field, max)
	case strings.ContainsFunc(v, func(r rune) bool { return unicode.IsControl(r) && !(multiline && (r == '\n' || r == '\r')) }):
		return invalid("The field %s contains characters that are not allowed.", field)
	}
	return nil
}

// checkSubmission validates s and fills in its defaults. Messages name the
// field and never repeat what was typed.
func (d *Desk) checkSubmission(s *Submission) error {
	today := d.Today()
	if s.Type == "" {
		s.Type = roi.RequestRecords
	}
	if s.Format == "" {
		s.Format = fee.FormatElectronic
		if s.Delivery == roi.DeliveryMail || s.Delivery == roi.DeliveryFax || s.Delivery == roi.DeliveryPickup {
			s.Format = fee.FormatPaper
		}
	}
	s.Email = strings.TrimSpace(s.Email)
	for _, c := range []struct {
		field, v       string
		max            int
		req, multiline bool
	}{
		{"patient_name", s.PatientName, 200, true, false},
		{"requester_name", s.RequesterName, 200, true, false},
		{"recipient", s.Recipient, 200, false, false},
		{"contact", s.Contact, 500, s.Delivery == roi.DeliveryMail || s.Delivery == roi.DeliveryFax, true},
	} {
		if err := checkText(c.field, c.v, c.max, c.req, c.multiline); err != nil {
			return err
		}
	}
	switch {
	case !s.BirthDate.Known():
		return invalid("The field birth_date is required.")
	case s.BirthDate > today || s.BirthDate < roi.MakeDate(1900, 1, 1):
		return invalid("The field birth_date must be a date in the past, after 1900.")
	case !roi.IsKind(s.RequesterKind):
		return invalid("The field requester_kind must be one of the listed kinds of requester.")
	case caseformat.CheckRequest(string(s.Type), string(s.RequesterKind), string(s.Basis)) != nil:
		if s.Type != roi.RequestRecords && s.Type != roi.RequestAccounting {
			return invalid("The field type must be records or accounting.")
		}
		return invalid("The field basis must be one of the listed reasons for the request.")
	case s.Scope.From.Known() && s.Scope.To.Known() && s.Scope.From > s.Scope.To:
		return invalid("The field scope.from must not be after scope.to.")
	case s.Scope.From > today:
		return invalid("The field scope.from must not be in the future.")
	case s.Format != fee.FormatElectronic && s.Format != fee.FormatPaper:
		return invalid("The field format must be electronic or paper.")
	case !slices.Contains(submissionDeliveries, s.Delivery):
		return invalid("The field delivery must be portal, email, mail, fax or pickup.")
	}
	lang, ok := roi.ParseLanguage(string(s.Language))
	if !ok {
		return invalid("The field language must be en or es.")
	}
	s.Language = lang
	if len(s.Scope.Labels) > 20 {
		return invalid("The field scope.labels lists too many categories.")
	}
	for _, l := range s.Scope.Labels {
		if _, ok := roi.ParseLabel(l); !ok {
			return invalid("The field scope.labels names an unknown category.")
		}
	}
	a, err := mail.ParseAddress(s.Email)
	if err != nil || a.Address != s.Email || a.Name != "" || len(s.Email) > 254 {
		return invalid("The field email must be an e-mail address.")
	}
	return nil
}

// Submit stores a portal submission and, when e-mail is configured, sends
// a one-time code to its address to prove the requester reads it. The
// receipt's token is shown once: only its hash is kept. A submission is
// accepted only once its e-mail address is verified.
func (d *Desk) Submit(ctx context.Context, s Submission) (*SubmissionReceipt, error) {
	if err := d.checkSubmission(&s); err != nil {
		return nil, err
	}
	token, hash, err := newToken()
	if err != nil {
		return nil, err
	}
	rec := &store.SubmissionRecord{Email: s.Email, Body: toJSON(s)}
	err = d.store.CreateSubmission(ctx, rec, hash, func(sub *store.SubmissionRecord) roi.Event {
		return roi.Event{Kind: roi.EventSubmission, Actor: portalActor, Body: roi.SubmissionBody{SubmissionID: sub.ID, Number: sub.Number}}
	})
	if err != nil {
		return nil, err
	}
	out := &SubmissionReceipt{Number: rec.Number, Token: token}
	if d.Mail != nil {
		// The submission stands even if the mail server is down: the
		// requester asks for another code with the token they now hold.
		if err := d.SendSubmissionCode(ctx, token); err != nil {
			slog.Warn("submission code not sent", "submission", rec.ID, "err", err)
		} else {
			out.CodeSent = true
		}
	}
	return out, nil
}

// errSubmissionDone is what a requester hears when the submission was
// already handled by a clerk.
var errSubmissionDone = roi.Errorf(roi.CodeConflict, "This request was already handled by the records office.")

// submissionCodeHash binds a one-time code to its submission. Submission
// IDs are negated so that no code hash can stand for a portal link's.
func submissionCodeHash(id int64, code string) string { return hashCode(-id, code) }

// SendSubmissionCode sends a new one-time code (8 digits, 15 minutes,
// works once) to the submission's e-mail address. Wrong codes keep
// counting across codes: after MaxCodeAttempts the address can no longer
// be verified on this submission.
func (d *Desk) SendSubmissionCode(ctx context.Context, token string) error {
	if d.Mail == nil {
		return roi.Errorf(roi.CodeConflict, "Codes by e-mail are not configured here; contact the records office.")
	}
	var code, to string
	err := d.store.UseSubmission(ctx, hashToken(token), func(sub *store.SubmissionRecord) ([]roi.Event, error) {
		switch {
		case sub.Status != store.SubmissionSubmitted:
			return nil, errSubmissionDone
		case sub.EmailVerified:
			return nil, roi.Errorf(roi.CodeConflict, "Your e-mail address is already confirmed.")
		case sub.CodeAttempts >= MaxCodeAttempts:
			return nil, errSubmissionLocked
		}
		var err error
		if code, err = newCode(); err != nil {
			return nil, err
		}
		to = sub.Email
		sub.CodeHash, sub.CodeExpires = submissionCodeHash(sub.ID, code), d.Now().Add(CodeLifetime)
		return []roi.Event{{Kind: roi.EventSubmissionCode, Actor: portalActor, Body: roi.SubmissionBody{SubmissionID: sub.ID, SentBy: "email"}}}, nil
	})
	if err != nil {
		return err
	}
	_, err = d.Mail.Send(ctx, send.Message{To: to, Subject: "Confirm your e-mail address",
		Text: "Your one-time code is " + code + ". It works once, for " + strconv.Itoa(int(CodeLifetime.Minutes())) + " minutes.\n\n" +
			"Enter it where you made your request to confirm this address. Do not share it. " +
			"If you did not ask for records, ignore this message.\n"})
	if err != nil {
		return roi.WrapOp("workflow.email-code-send", roi.CodeInternal, err, "The code could not be sent just now; try again in a few minutes.")
	}
	return nil
}

var errSubmissionLocked = roi.Errorf(roi.CodeForbidden, "Too many wrong codes: this e-mail address can no longer be confirmed online. Contact the records office.")

// VerifySubmissionEmail checks the one-time code sent to the submission's
// e-mail address. A right code verifies the address and works once; a
// wrong one counts towards MaxCodeAttempts.
func (d *Desk) VerifySubmissionEmail(ctx context.Context, token, code string) error {
	return d.store.UseSubmission(ctx, hashToken(token), func(sub *store.SubmissionRecord) ([]roi.Event, error) {
		switch {
		case sub.Status != store.SubmissionSubmitted:
			return nil, errSubmissionDone
		case sub.EmailVerified:
			return nil, nil
		case sub.CodeAttempts >= MaxCodeAttempts:
			return nil, errSubmissionLocked
		case sub.CodeHash == "" || !d.Now().Before(sub.CodeExpires):
			return nil, roi.Errorf(roi.CodeForbidden, "Ask for a new code first.")
		}
		if subtle.ConstantTimeCompare([]byte(submissionCodeHash(sub.ID, strings.TrimSpace(code))), []byte(sub.CodeHash)) != 1 {
			sub.CodeAttempts++
			return []roi.Event{{Kind: roi.EventSubmissionCodeFailed, Actor: portalActor,
				Body: roi.SubmissionBody{SubmissionID: sub.ID, Attempts: sub.CodeAttempts}}}, roi.Errorf(roi.CodeForbidden, "That code is not right.")
		}
		// A code works once.
		sub.EmailVerified, sub.CodeHash, sub.CodeExpires = true, "", time.Time{}
		return []roi.Event{{Kind: roi.EventSubmissionEmailVerified, Actor: portalActor, Body: roi.SubmissionBody{SubmissionID: sub.ID}}}, nil
	})
}

// AddSubmissionDocument attaches a file to the submission of token: the
// requester's authorization or an image of their identity document. PDF,
// PNG or JPEG, judged by content, at most MaxDocumentBytes, stored with
// its SHA-256; at most MaxSubmissionDocuments, while the submission waits.
func (d *Desk) AddSubmissionDocument(ctx context.Context, token, kind, name string, content []byte) error {
	if kind != SubmissionAuthorization && kind != SubmissionIDImage {
		return invalid("The field kind must be authorization or id-image.")
	}
	if len(content) == 0 {
		return invalid("The document is empty.")
	}
	if len(content) > MaxDocumentBytes {
		return roi.Errorf(roi.CodeTooLarge, "The document is larger than %d MiB.", MaxDocumentBytes>>20)
	}
	ct := http.DetectContentType(content)
	if !documentTypes[ct] { // sniffing never says TIFF: PDF, PNG or JPEG
		return invalid("Only PDF, PNG or JPEG documents are accepted.")
	}
	name = strings.TrimSpace(name)
	if name == "" || len(name) > 200 || strings.ContainsAny(name, "/\\\x00") || checkText("name", name, 200, true, false) != nil {
		name = "document"
	}
	sub, err := d.store.SubmissionByToken(ctx, hashToken(token))
	if err != nil {
		return err
	}
	if sub.Status != store.SubmissionSubmitted {
		return errSubmissionDone
	}
	sum := sha256.Sum256(content)
	doc := &store.SubmissionDocument{Name: name, ContentType: ct, Kind: kind}
	return d.store.AddSubmissionDocument(ctx, sub.ID, doc, content, MaxSubmissionDocuments, roi.Event{Kind: roi.EventSubmissionDocument, Actor: portalActor,
		Body: roi.SubmissionBody{SubmissionID: sub.ID, Kind: kind, SHA256: hex.EncodeToString(sum[:]), ContentType: ct, Size: len(content)}})
}

// missingInWords says in English what a pending request waits for
// (portalwords.go holds the words in every language).
func missingInWords(missing []string) string {
	var out []string
	for _, k := range missingSaid(missing) {
		out = append(out, portalWords[roi.LanguageEnglish][k])
	}
	return strings.Join(out, "; ")
}

// SubmissionStatus tells the requester holding token where their request
// stands, in plain words and without PHI. Each look is recorded.
func (d *Desk) SubmissionStatus(ctx context.Context, token string) (*SubmissionStatus, error) {
	sub, err := d.store.SubmissionByToken(ctx, hashToken(token))
	if err != nil {
		return nil, err
	}
	st := &SubmissionStatus{Number: sub.Number, State: sub.Status, EmailVerified: sub.EmailVerified}
	var form Submission
	if json.Unmarshal(sub.Body, &form) == nil {
		st.Language = form.Language
	}
	ev := roi.Event{Kind: roi.EventView, Actor: portalActor, Body: roi.ViewBody{What: "submission-status", SubmissionID: sub.ID}}
	switch sub.Status {
	case store.SubmissionSubmitted:
		st.Say = []string{SayChecking}
		if !sub.EmailVerified {
			st.Say = append(st.Say, SayConfirmEmail)
		}
	case store.SubmissionRejected:
		st.Say, st.Reason = []string{SayRejected}, sub.Reason
	case store.SubmissionAccepted:
		r, err := d.store.Request(ctx, sub.RequestID)
		if err != nil {
			return nil, err
		}
		ev.RequestID, ev.PatientID = r.ID, r.PatientID
		st.Language = r.Language
		if st.Say, st.Missing, err = d.requestSay(ctx, r); err != nil {
			return nil, err
		}
		if r.Status.Open() {
			st.Due = r.Due
		}
	}
	st.Message = StatusMessage(roi.LanguageEnglish, st)
	if err := d.store.Append(ctx, ev); err != nil {
		return nil, err
	}
	return st, nil
}

// requestSay says where an accepted request stands, for its requester,
// as keys of the portal's words and the keys of what is missing.
func (d *Desk) requestSay(ctx context.Context, r *roi.DeskRequest) ([]string, []string, error) {
	switch r.Status {
	case roi.StatusReceived, roi.StatusVerifying:
		return []string{SayChecking}, nil, nil
	case roi.StatusInReview, roi.StatusEscalated:
		return []string{SayInReview}, nil, nil
	case roi.StatusAwaitingRequester:
		final, _, err := d.finalDecision(ctx, r.ID)
		if err != nil && roi.CodeOf(err) != roi.CodeConflict {
			return nil, nil, err
		}
		var missing []string
		if final != nil {
			missing = final.Missing
		}
		return []string{SayAwaiting}, missingSaid(missing), nil
	case roi.StatusApproved:
		return []string{SayPreparing}, nil, nil
	case roi.StatusReleased, roi.StatusPartiallyReleased:
		k, err := d.releasedSay(ctx, r)
		if err != nil {
			return nil, nil, err
		}
		say := []string{k}
		if r.Status == roi.StatusPartiallyReleased {
			say = append(say, SayPartial)
		}
		return say, nil, nil
	case roi.StatusDenied:
		return []string{SayDenied}, nil, nil
	case roi.StatusCancelled:
		return []string{SayCancelled}, nil, nil
	case roi.StatusClosed:
		return []string{SayClosed}, nil, nil
	}
	return []string{SayInReview}, nil, nil
}

// Submissions lists the portal submissions in state (all when empty),
// oldest first, for the clerks' queue.
func (d *Desk) Submissions(ctx context.Context, state store.SubmissionState) ([]*store.SubmissionRecord, error) {
	switch state {
	case "", store.SubmissionSubmitted, store.SubmissionAccepted, store.SubmissionRejected:
	default:
		return nil, invalid("The status must be submitted, accepted or rejected.")
	}
	return d.store.Submissions(ctx, state)
}

// Submission returns a submission with what the requester typed and the
// list of their documents; the look is recorded as a view.
func (d *Desk) Submission(ctx context.Context, actor string, id int64) (*SubmissionView, error) {
	if err := requireActor(actor); err != nil {
		return nil, err
	}
	rec, err := d.store.Submission(ctx, id)
	if err != nil {
		return nil, err
	}
	v := &SubmissionView{Record: rec}
	if err := json.Unmarshal(rec.Body, &v.Form); err != nil {
		return nil, roi.WrapOp("workflow.submission-read", roi.CodeInternal, err, "The stored submission does not read.")
	}
	v.Form.Email = rec.Email
	if v.Documents, err = d.store.SubmissionDocuments(ctx, id); err != nil {
		return nil, err
	}
	err = d.viewed(ctx, actor, rec.RequestID, 0, roi.ViewBody{What: "submission", SubmissionID: id})
	return v, err
}

// SubmissionDocument returns one of a submission's files; the download is
// recorded as a view.
func (d *Desk) SubmissionDocument(ctx context.Context, actor string, id, docID int64) (*store.SubmissionDocument, []byte, error) {
	if err := requireActor(actor); err != nil {
		return nil, nil, err
	}
	doc, content, err := d.store.SubmissionDocumentContent(ctx, id, docID)
	if err != nil {
		return nil, nil, err
	}
	err = d.store.Append(ctx, roi.Event{Kind: roi.EventView, Actor: actor, Body: roi.ViewBody{What: "submission-document", SubmissionID: id, DocumentID: docID}})
	return doc, content, err
}

// AcceptSubmission makes a request of a submission once a clerk has
// matched it to patient pid: an intake with what the requester typed,
// received on the day they submitted, reached at their verified e-mail
// address (or the postal address or fax number they gave for those
// channels), with their documents copied onto the request. The birth date
// given must be the patient's (CodeConflict). A submission whose e-mail
// address is not verified cannot be accepted (CodeConflict). Identity and
// authority are still checked on the request as on any other.
func (d *Desk) AcceptSubmission(ctx context.Context, actor string, id int64, pid roi.PatientID) (*roi.DeskRequest, error) {
	if err := requireActor(actor); err != nil {
		return nil, err
	}
	rec, err := d.store.Submission(ctx, id)
	if err != nil {
		return nil, err
	}
	switch {
	case rec.Status != store.SubmissionSubmitted:
		return nil, roi.Errorf(roi.CodeConflict, "Submission %s is %s; only a submitted one is accepted.", rec.Number, rec.Status)
	case !rec.EmailVerified:
		return nil, roi.Errorf(roi.CodeConflict, "The e-mail address of submission %s is not verified; it cannot be accepted until it is.", rec.Number)
	}
	var s Submission
	if err := json.Unmarshal(rec.Body, &s); err != nil {
		return nil, roi.WrapOp("workflow.submission-read", roi.CodeInternal, err, "The stored submission does not read.")
	}
	p, err := d.store.Patient(ctx, pid)
	if err != nil {
		return nil, err
	}
	if p.BirthDate.Known() && p.BirthDate != s.BirthDate {
		return nil, roi.Errorf(roi.CodeConflict, "The birth date in submission %s is not the chosen patient's; check the match.", rec.Number)
	}
	scope := roi.Coverage{From: s.Scope.From, To: s.Scope.To}
	for _, n := range s.Scope.Labels {
		l, _ := roi.ParseLabel(n)
		scope.Labels, scope.HasLabels = scope.Labels.With(l), true
	}
	contact := rec.Email
	if s.Delivery == roi.DeliveryMail || s.Delivery == roi.DeliveryFax {
		contact = s.Contact
	}
	in := Intake{PatientID: pid, Request: roi.Request{Type: s.Type, Received: d.dayOf(rec.CreatedAt),
		Requester: roi.Requester{Kind: s.RequesterKind, Name: s.RequesterName}, Basis: s.Basis,
		Recipient: s.Recipient, Scope: scope}, Contact: contact, Delivery: s.Delivery, Language: s.Language}
	r, err := d.Intake(ctx, actor, in)
	if err != nil {
		return nil, err
	}
	out, err := d.store.UpdateRequest(ctx, r.ID, r.Version, func(r *roi.DeskRequest, tx *store.Tx) error {
		docs, err := tx.AcceptSubmission(id, actor)
		if err != nil {
			return err
		}
		for _, doc := range docs {
			if err := tx.Append(roi.Event{Kind: roi.EventDocument, Actor: actor, Body: roi.DocumentBody{
				DocumentID: doc.ID, Kind: doc.Kind, SHA256: doc.SHA256, ContentType: doc.ContentType, Size: doc.Size}}); err != nil {
				return err
			}
		}
		return tx.Append(roi.Event{Kind: roi.EventSubmissionAccepted, Actor: actor, Body: roi.SubmissionBody{
			SubmissionID: id, Number: rec.Number, Documents: len(docs)}})
	})
	if err != nil {
		// Another clerk took the submission meanwhile, or the copy failed:
		// the request just made is cancelled, in the ledger, not left open.
		if _, cerr := d.Cancel(ctx, actor, r.ID, r.Version, "made from portal submission "+rec.Number+", which could not be accepted"); cerr != nil {
			slog.Error("cancel request of a failed submission acceptance", "request", r.ID, "submission", id, "err", cerr)
		}
		return nil, err
	}
	return out, nil
}

// RejectSubmission turns a submission down with a reason the requester
// sees on their status page: it must be fit for them to read and hold no
// PHI.
func (d *Desk) RejectSubmission(ctx context.Context, actor string, id int64, reason string) error {
	if err := requireActor(actor); err != nil {
		return err
	}
	reason = strings.TrimSpace(reason)
	if reason == "" {
		return invalid("Say why the submission is rejected: the requester reads the reason.")
	}
	if err := checkText("reason", reason, 500, true, false); err != nil {
		return err
	}
	return d.store.UpdateSubmission(ctx, id, func(sub *store.SubmissionRecord) ([]roi.Event, error) {
		if sub.Status != store.SubmissionSubmitted {
			return nil, roi.Errorf(roi.CodeConflict, "Submission %s is %s; only a submitted one is rejected.", sub.Number, sub.Status)
		}
		sub.Status, sub.Reason = store.SubmissionRejected, reason
		sub.CodeHash = ""
		return []roi.Event{{Kind: roi.EventSubmissionRejected, Actor: actor, Body: roi.SubmissionBody{SubmissionID: id, Reason: reason}}}, nil
	})
}

// ConfirmSubmissionContact records that a clerk confirmed the requester's
// e-mail address another way — by telephone, or in person — for a desk
// without e-mail, or a requester whose code never arrived. The clerk says
// how; it stands in the ledger in place of the code.
func (d *Desk) ConfirmSubmissionContact(ctx context.Context, actor string, id int64, how string) error {
	if err := requireActor(actor); err != nil {
		return err
	}
	how = strings.TrimSpace(how)
	if how == "" {
		return invalid("Say how the address was confirmed (for example: read back to the requester by telephone).")
	}
	if err := checkText("how", how, 200, true, false); err != nil {
		return err
	}
	return d.store.UpdateSubmission(ctx, id, func(sub *store.SubmissionRecord) ([]roi.Event, error) {
		if sub.Status != store.SubmissionSubmitted {
			return nil, roi.Errorf(roi.CodeConflict, "Submission %s is %s; only a submitted one is confirmed.", sub.Number, sub.Status)
		}
		if sub.EmailVerified {
			return nil, roi.Errorf(roi.CodeConflict, "Submission %s's address is already confirmed.", sub.Number)
		}
		sub.EmailVerified, sub.CodeHash = true, ""
		return []roi.Event{{Kind: roi.EventSubmissionContactConfirmed, Actor: actor, Body: roi.SubmissionBody{SubmissionID: id, How: how}}}, nil
	})
}
