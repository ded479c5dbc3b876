package roi

import (
	"encoding/json"
	"time"
)

// RequestID identifies a request on the desk.
type RequestID int64

// Status is where a request is in its life. The allowed moves between
// statuses are enforced in one place, package workflow.
type Status string

// The statuses.
const (
	StatusReceived          Status = "received"
	StatusVerifying         Status = "verifying"
	StatusInReview          Status = "in_review"
	StatusAwaitingRequester Status = "awaiting_requester"
	StatusEscalated         Status = "escalated"
	StatusApproved          Status = "approved"
	StatusReleased          Status = "released"
	StatusPartiallyReleased Status = "partially_released"
	StatusDenied            Status = "denied"
	StatusCancelled         Status = "cancelled"
	StatusClosed            Status = "closed"
)

// Statuses lists every status in the order of a request's life.
var Statuses = []Status{
	StatusReceived, StatusVerifying, StatusInReview, StatusAwaitingRequester,
	StatusEscalated, StatusApproved, StatusReleased, StatusPartiallyReleased,
	StatusDenied, StatusCancelled, StatusClosed,
}

// Open reports whether a request in status s still needs work.
func (s Status) Open() bool {
	switch s {
	case StatusReleased, StatusPartiallyReleased, StatusDenied, StatusCancelled, StatusClosed:
		return false
	}
	return true
}

// Delivery is how the requester wants the records.
type Delivery string

// The delivery channels.
const (
	DeliveryPortal Delivery = "portal"
	DeliveryEmail  Delivery = "email"
	DeliverySFTP   Delivery = "sftp"
	DeliveryMail   Delivery = "mail"
	DeliveryFax    Delivery = "fax"
	DeliveryPickup Delivery = "pickup"
)

// Deliveries lists every delivery channel.
var Deliveries = []Delivery{DeliveryPortal, DeliveryEmail, DeliverySFTP, DeliveryMail, DeliveryFax, DeliveryPickup}

// DeskRequest is one request on the desk: the claim as taken at intake
// (Request), where it stands, and who holds it. Requester names, contacts
// and scope are PHI-adjacent: a DeskRequest logs as its ID only.
type DeskRequest struct {
	ID        RequestID
	Number    string // the request number people quote, e.g. R-2026-000042
	PatientID PatientID
	Request
	Contact  string // where the requester is reached and records are sent
	Delivery Delivery
	// Language is the language of the letters to the requester and of the
	// portal (English when empty).
	Language Language
	Status   Status
	Assignee string
	Due      Date // NoDate when no deadline applies
	// Version counts the changes to the request; a change must name the
	// version it was made against.
	Version int
	// EvaluatedVersion is the Version the latest evaluation produced; a
	// decision may rest only on an evaluation of the request as it stands.
	EvaluatedVersion int
	Extended         bool      // the one extension was used
	LinkedTo         RequestID // an earlier request this one may duplicate; 0 if none
	// Sensitive: an item in the request's scope carries a sensitive label,
	// so a second person reviews the decision. Kept by the desk (workflow)
	// as the chart and its labels change; the queue reads it as stored.
	Sensitive bool
	CreatedAt time.Time
	UpdatedAt time.Time
}

// Evidence types that name who the requester is, kept apart from those
// that name what they are entitled to.
const (
	EvidenceIdentity = "identity"
)

// EvidenceRecord is one piece of evidence attached to a request, in the
// vocabulary of the conformance format.
type EvidenceRecord struct {
	ID        int64
	RequestID RequestID
	Type      string
	Body      json.RawMessage // the checked evidence object
	AddedBy   string
	AddedAt   time.Time
	// Withdrawn: a person took the entry back (a wrong entry, or one
	// replaced by a correction). It stays on record, struck through, and no
	// longer counts for the engine. Zero WithdrawnAt: in force.
	WithdrawnAt     time.Time
	WithdrawnBy     string
	WithdrawnReason string
	// SupersededBy is the entry that corrected this one; 0 if none.
	SupersededBy int64
}

// Active reports whether the entry still counts: not withdrawn and not
// superseded by a correction.
func (e *EvidenceRecord) Active() bool { return e.WithdrawnAt.IsZero() }

// DocumentKind says what an uploaded document is.
type DocumentKind string

// The kinds of documents a request arrives with. A portal submission's
// "authorization" and "id-image" keep their kind when accepted.
const (
	DocumentRequestLetter  DocumentKind = "request-letter"
	DocumentAuthorization  DocumentKind = "authorization"
	DocumentIDImage        DocumentKind = "id-image"
	DocumentRepresentative DocumentKind = "representative"
	DocumentCourtOrder     DocumentKind = "court-order"
	DocumentSubpoena       DocumentKind = "subpoena"
	DocumentWarrant        DocumentKind = "warrant"
	DocumentOther          DocumentKind = "other"
)

// DocumentKinds lists the kinds in the order a form offers them.
var DocumentKinds = []DocumentKind{DocumentRequestLetter, DocumentAuthorization, DocumentIDImage, DocumentRepresentative,
	DocumentCourtOrder, DocumentSubpoena, DocumentWarrant, DocumentOther}

// Title is the kind in words, for a page.
func (k DocumentKind) Title() string {
	switch k {
	case DocumentRequestLetter:
		return "Request letter"
	case DocumentAuthorization:
		return "Authorization"
	case DocumentIDImage:
		return "Photo ID"
	case DocumentRepresentative:
		return "Proof of representative's authority"
	case DocumentCourtOrder:
		return "Court order"
	case DocumentSubpoena:
		return "Subpoena"
	case DocumentWarrant:
		return "Warrant"
	}
	return "Other document"
}

// DocumentRecord is an uploaded document: an authorization, an order, an ID
// image. The content is stored with its SHA-256.
type DocumentRecord struct {
	ID          int64
	RequestID   RequestID
	Name        string
	Kind        DocumentKind
	ContentType string
	Size        int64
	SHA256      string
	AddedBy     string
	AddedAt     time.Time
}

// DecisionRecord is a stored evaluation or a staff decision.
type DecisionRecord struct {
	ID        int64
	RequestID RequestID
	Kind      DecisionKind
	RuleSet   string
	Outcome   Outcome
	Body      json.RawMessage
	By        string
	At        time.Time
}

// DecisionKind says who made a stored decision record.
type DecisionKind string

const (
	DecisionByEngine DecisionKind = "evaluation" // the engine's evaluation
	DecisionByPerson DecisionKind = "decision"   // a person's decision
	DecisionReview   DecisionKind = "review"     // a second person's review of it
)

// Event is an entry for the ledger: something that happened to a request or
// a patient's record, by whom, with its details. Body must not repeat PHI
// that the store already holds elsewhere; it names IDs.
type Event struct {
	Kind      EventKind
	RequestID RequestID // 0 if none
	PatientID PatientID // 0 if none
	Actor     string
	Body      any // marshalled to JSON
}

// LedgerEntry is one sealed ledger row.
type LedgerEntry struct {
	Seq       int64
	At        time.Time
	Kind      EventKind
	RequestID RequestID
	PatientID PatientID
	Actor     string
	Body      json.RawMessage
	PrevHash  string
	Hash      string
	// Refs are digests of the rows the entry is about (a request's intake
	// fields, a decision, an evidence entry), so that the tables can be
	// checked against the ledger; "" on entries written before them.
	Refs string
	// KeyID names the ledger key whose MAC seals the entry; "" when no
	// ledger key was configured. MAC is HMAC-SHA256 under that key.
	KeyID string
	MAC   string
}
