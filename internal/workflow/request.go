package workflow

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"strings"

	"github.com/custodian-roi/custodian/internal/caseformat"
	"github.com/custodian-roi/custodian/internal/policy"
	"github.com/custodian-roi/custodian/internal/roi"
	"github.com/custodian-roi/custodian/internal/store"
)

// Intake is what the desk records before any record is touched: who asks,
// on what claim, for what, by when, and how the records should go.
type Intake struct {
	PatientID roi.PatientID
	roi.Request
	Contact  string
	Delivery roi.Delivery
	// Due is the deadline for requests HIPAA sets none for (a subpoena's
	// return date, say). Access, directive and accounting requests get
	// theirs from the rules and may not set it.
	Due      roi.Date
	Assignee string
	// Language is the language of the requester's letters and portal:
	// en (the default when empty) or es.
	Language roi.Language
	// Channel is how the request arrived (mail, fax, phone, walk-in,
	// e-mail, portal, api); the ledger's intake entry says so.
	Channel string
}

// Channels are the ways a request arrives that intake records.
var Channels = []string{"mail", "fax", "phone", "walk-in", "email", "portal", "api"}

// duplicateWindowDays: a closed request this recent from the same requester
// for the same patient is still shown as a possible duplicate.
const duplicateWindowDays = 30

// Intake records a new request. A request for the same patient from the
// same requester overlapping an open or recent one is linked to it, never
// merged: both stay, and the link is shown. Returns CodeInvalid for a bad
// intake and CodeNotFound for an unknown patient.
func (d *Desk) Intake(ctx context.Context, actor string, in Intake) (*roi.DeskRequest, error) {
	if err := requireActor(actor); err != nil {
		return nil, err
	}
	today := d.Today()
	if in.Type == "" {
		in.Type = roi.RequestRecords
	}
	if err := caseformat.CheckRequest(string(in.Type), string(in.Requester.Kind), string(in.Basis)); err != nil {
		return nil, invalid("The intake is not valid: %s.", err)
	}
	switch {
	case !in.Received.Known():
		return nil, invalid("Say when the request was received.")
	case in.Received > today:
		return nil, invalid("The day received cannot be in the future.")
	case strings.TrimSpace(in.Requester.Name) == "":
		return nil, invalid("Say who the requester is: a name is required.")
	case !validDelivery(in.Delivery):
		return nil, invalid("Say how the records should go: delivery must be one of portal, email, sftp, mail, fax or pickup.")
	case in.Delivery != roi.DeliveryPickup && strings.TrimSpace(in.Contact) == "":
		return nil, invalid("Say where to reach the requester: a contact is required for delivery by %s.", in.Delivery)
	case in.Channel != "" && !slices.Contains(Channels, in.Channel):
		return nil, invalid("Say how the request arrived: one of %s.", strings.Join(Channels, ", "))
	}
	lang, ok := roi.ParseLanguage(string(in.Language))
	if !ok {
		return nil, invalid("Say which language the requester's letters are written in: en (English) or es (Spanish).")
	}
	if _, err := d.store.Patient(ctx, in.PatientID); err != nil {
		return nil, err
	}
	r := &roi.DeskRequest{PatientID: in.PatientID, Request: in.Request, Contact: in.Contact, Delivery: in.Delivery,
		Status: roi.StatusReceived, Assignee: in.Assignee, Language: lang}
	switch {
	case in.Type == roi.RequestAccounting:
		r.Due = in.Received.AddDays(60) // 164.528(c)(1)
	case in.Basis == roi.BasisAccess || in.Basis == roi.BasisDirective:
		r.Due = policy.AccessDue(in.Received, d.Jurisdiction.AccessDeadline)
	default:
		r.Due = in.Due
	}
	if in.Due.Known() && r.Due != in.Due {
		return nil, invalid("The deadline of an access or accounting request is set by law (%s); do not set due.", r.Due)
	}
	dup, err := d.duplicateOf(ctx, r, today)
	if err != nil {
		return nil, err
	}
	r.LinkedTo = dup
	body := roi.IntakeBody{Type: r.Type, Basis: r.Basis, RequesterKind: r.Requester.Kind, Delivery: r.Delivery,
		Due: r.Due, Received: r.Received, Language: r.Language, PossibleDuplicateOf: dup, Channel: in.Channel}
	if err := d.store.CreateRequest(ctx, r, roi.Event{Kind: roi.EventIntake, Actor: actor, Body: body}); err != nil {
		return nil, err
	}
	return r, nil
}

func validDelivery(x roi.Delivery) bool {
	for _, v := range roi.Deliveries {
		if v == x {
			return true
		}
	}
	return false
}

// duplicateOf finds an earlier request r may duplicate: same patient, same
// requester, same type, overlapping dates, and open or recent.
func (d *Desk) duplicateOf(ctx context.Context, r *roi.DeskRequest, today roi.Date) (roi.RequestID, error) {
	others, err := d.store.Requests(ctx, store.RequestFilter{PatientID: r.PatientID})
	if err != nil {
		return 0, err
	}
	for _, o := range others {
		recent := o.Received >= today.AddDays(-duplicateWindowDays)
		if (o.Status.Open() || recent) && o.Type == r.Type && o.Requester.Kind == r.Requester.Kind &&
			strings.EqualFold(strings.TrimSpace(o.Requester.Name), strings.TrimSpace(r.Requester.Name)) &&
			overlaps(o.Scope, r.Scope) {
			return o.ID, nil
		}
	}
	return 0, nil
}

func overlaps(a, b roi.Coverage) bool {
	return (!a.From.Known() || !b.To.Known() || a.From <= b.To) && (!b.From.Known() || !a.To.Known() || b.From <= a.To)
}

// AttachEvidence checks one evidence entry (in the conformance format's
// vocabulary) and attaches it. Identity evidence and authority evidence are
// separate entries: who the requester is, and what entitles them. A request
// received or awaiting the requester moves to verifying. Evidence cannot be
// added once a request is approved or closed.
func (d *Desk) AttachEvidence(ctx context.Context, actor string, id roi.RequestID, version int, body []byte) (*roi.DeskRequest, int64, error) {
	if err := requireActor(actor); err != nil {
		return nil, 0, err
	}
	ids, err := d.chartKeys(ctx, id)
	if err != nil {
		return nil, 0, err
	}
	var scratch roi.Evidence
	if err := caseformat.DecodeEvidence(body, ids, &scratch); err != nil {
		return nil, 0, invalid("The evidence is not valid: %s.", err)
	}
	typ := caseformat.EvidenceType(body)
	if ref := authorizationID(body); typ == "authorization" && ref != "" {
		existing, err := d.store.Evidence(ctx, id)
		if err != nil {
			return nil, 0, err
		}
		if err := uniqueAuthorizationRef(ref, existing, 0); err != nil {
			return nil, 0, err
		}
	}
	var compact bytes.Buffer
	if err := json.Compact(&compact, body); err != nil {
		return nil, 0, invalid("The evidence is not valid JSON.")
	}
	var evID int64
	r, err := d.store.UpdateRequest(ctx, id, version, func(r *roi.DeskRequest, tx *store.Tx) error {
		switch r.Status {
		case roi.StatusReceived, roi.StatusAwaitingRequester:
			ev, err := move(r, roi.StatusVerifying, actor, "evidence received")
			if err != nil {
				return err
			}
			if err := tx.Append(ev); err != nil {
				return err
			}
		case roi.StatusVerifying, roi.StatusInReview, roi.StatusEscalated:
		default:
			return roi.Errorf(roi.CodeConflict, "Request %s is %s; evidence can no longer be added.", r.Number, r.Status)
		}
		var err error
		if evID, err = tx.AddEvidence(typ, compact.Bytes(), actor); err != nil {
			return err
		}
		kind := roi.EventEvidence
		if typ == roi.EvidenceIdentity {
			kind = roi.EventVerification // identity is checked apart from authority
		}
		return tx.Append(roi.Event{Kind: kind, Actor: actor, Body: roi.EvidenceBody{EvidenceID: evID, Type: typ}})
	})
	return r, evID, err
}

// MaxDocumentBytes bounds an uploaded document.
const MaxDocumentBytes = 20 << 20

// documentTypes are the uploads the desk accepts, by their content.
var documentTypes = map[string]bool{"application/pdf": true, "image/png": true, "image/jpeg": true, "image/tiff": true}

// UploadDocument stores a document (PDF or image) attached to a request,
// with its SHA-256. The type is judged from the content, not the name.
func (d *Desk) UploadDocument(ctx context.Context, actor string, id roi.RequestID, version int, name string, kind roi.DocumentKind, content []byte) (*roi.DeskRequest, *roi.DocumentRecord, error) {
	if err := requireActor(actor); err != nil {
		return nil, nil, err
	}
	if len(content) == 0 {
		return nil, nil, invalid("The document is empty.")
	}
	if len(content) > MaxDocumentBytes {
		return nil, nil, roi.Errorf(roi.CodeTooLarge, "The document is larger than %d MiB.", MaxDocumentBytes>>20)
	}
	ct := http.DetectContentType(content)
	if bytes.HasPrefix(content, []byte("II*\x00")) || bytes.HasPrefix(content, []byte("MM\x00*")) {
		ct = "image/tiff"
	}
	if !documentTypes[ct] {
		return nil, nil, invalid("Only PDF, PNG, JPEG or TIFF documents are accepted.")
	}
	name = strings.TrimSpace(name)
	if name == "" || len(name) > 200 || strings.ContainsAny(name, "/\\\x00") {
		name = "document"
	}
	if kind == "" {
		kind = roi.DocumentOther
	}
	if !slices.Contains(roi.DocumentKinds, kind) {
		return nil, nil, invalid("Say what the document is: one of %s.", joinKinds(roi.DocumentKinds))
	}
	doc := &roi.DocumentRecord{Name: name, Kind: kind, ContentType: ct, AddedBy: actor}
	r, err := d.store.UpdateRequest(ctx, id, version, func(r *roi.DeskRequest, tx *store.Tx) error {
		if !r.Status.Open() {
			return roi.Errorf(roi.CodeConflict, "Request %s is %s; documents can no longer be added.", r.Number, r.Status)
		}
		if err := tx.AddDocument(doc, content); err != nil {
			return err
		}
		return tx.Append(roi.Event{Kind: roi.EventDocument, Actor: actor, Body: roi.DocumentBody{
			DocumentID: doc.ID, Kind: doc.Kind, SHA256: doc.SHA256, ContentType: doc.ContentType, Size: doc.Size}})
	})
	return r, doc, err
}

// Assign gives an open request to a staff member.
func (d *Desk) Assign(ctx context.Context, actor string, id roi.RequestID, version int, assignee string) (*roi.DeskRequest, error) {
	if err := requireActor(actor); err != nil {
		return nil, err
	}
	return d.store.UpdateRequest(ctx, id, version, func(r *roi.DeskRequest, tx *store.Tx) error {
		if !r.Status.Open() {
			return roi.Errorf(roi.CodeConflict, "Request %s is %s; it cannot be assigned.", r.Number, r.Status)
		}
		if r.EvaluatedVersion == r.Version-1 {
			r.EvaluatedVersion = r.Version // an assignment changes no fact
		}
		r.Assignee = strings.TrimSpace(assignee)
		return tx.Append(roi.Event{Kind: roi.EventAssignment, Actor: actor, Body: roi.AssignmentBody{Assignee: r.Assignee}})
	})
}

// Cancel cancels an open request, with the reason.
func (d *Desk) Cancel(ctx context.Context, actor string, id roi.RequestID, version int, reason string) (*roi.DeskRequest, error) {
	if err := requireActor(actor); err != nil {
		return nil, err
	}
	if strings.TrimSpace(reason) == "" {
		return nil, invalid("Say why the request is cancelled.")
	}
	return d.store.UpdateRequest(ctx, id, version, func(r *roi.DeskRequest, tx *store.Tx) error {
		ev, err := move(r, roi.StatusCancelled, actor, reason)
		if err != nil {
			return err
		}
		if err := tx.SetAwaitingReview(false); err != nil {
			return err
		}
		return tx.Append(ev)
	})
}

// Close closes a request that is released, denied or cancelled.
func (d *Desk) Close(ctx context.Context, actor string, id roi.RequestID, version int) (*roi.DeskRequest, error) {
	if err := requireActor(actor); err != nil {
		return nil, err
	}
	return d.store.UpdateRequest(ctx, id, version, func(r *roi.DeskRequest, tx *store.Tx) error {
		ev, err := move(r, roi.StatusClosed, actor, "closed")
		if err != nil {
			return err
		}
		if err := tx.SetAwaitingReview(false); err != nil {
			return err
		}
		return tx.Append(ev)
	})
}

func joinKinds(ks []roi.DocumentKind) string {
	out := make([]string, len(ks))
	for i, k := range ks {
		out[i] = string(k)
	}
	return strings.Join(out, ", ")
}

// chartKeys are the keys of the chart items of request id's patient:
// evidence that names items (a harm determination) may name only these.
func (d *Desk) chartKeys(ctx context.Context, id roi.RequestID) (map[string]bool, error) {
	r, err := d.store.Request(ctx, id)
	if err != nil {
		return nil, err
	}
	chart, err := d.store.ChartItems(ctx, r.PatientID)
	if err != nil {
		return nil, err
	}
	keys := make(map[string]bool, len(chart))
	for _, it := range chart {
		keys[it.Key] = true
	}
	return keys, nil
}
