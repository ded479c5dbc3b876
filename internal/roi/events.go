package roi

// EventKind names what a ledger entry records. Every kind the desk writes
// is listed here, so a reader of the ledger (the accounting, the history
// on the request page, an auditor's query) knows the whole vocabulary.
type EventKind string

// Request life.
const (
	EventIntake       EventKind = "intake"
	EventTransition   EventKind = "transition" // a status change: TransitionBody
	EventAssignment   EventKind = "assignment"
	EventEvidence     EventKind = "evidence"     // authority evidence: EvidenceBody
	EventVerification EventKind = "verification" // identity evidence: EvidenceBody
	EventDocument     EventKind = "document"
	EventEvaluation   EventKind = "evaluation"
	EventDecision     EventKind = "decision" // DecisionBody, also for the three below
	EventDenial       EventKind = "denial"
	EventEscalation   EventKind = "escalation"
	EventPending      EventKind = "pending"
	EventReview       EventKind = "review"
	EventExtension    EventKind = "extension"
	EventReminder     EventKind = "reminder"
)

// An evidence entry taken back, or replaced by a corrected version:
// EvidenceWithdrawalBody.
const (
	EventEvidenceWithdrawn EventKind = "evidence-withdrawn"
	EventEvidenceCorrected EventKind = "evidence-corrected"
)

// Releases and deliveries.
const (
	EventDisclosure     EventKind = "disclosure" // what left, to whom, on what basis: the accounting's source
	EventExport         EventKind = "export"
	EventDelivery       EventKind = "delivery"
	EventDeliveryQueued EventKind = "delivery-queued"
	EventDeliveryFailed EventKind = "delivery-failed"
	EventDownload       EventKind = "download"
	EventPortalCode     EventKind = "portal-code"
	EventPortalCodeFail EventKind = "portal-code-failed"
)

// Charts.
const (
	EventImport EventKind = "import"
	EventLabel  EventKind = "label"
)

// Looks at PHI: written off the request path in batches (workflow's access
// log) and shown in their own access log, not in a request's history.
const EventView EventKind = "view" // ViewBody

// Portal submissions.
const (
	EventSubmission                 EventKind = "submission"
	EventSubmissionAccepted         EventKind = "submission-accepted"
	EventSubmissionRejected         EventKind = "submission-rejected"
	EventSubmissionCode             EventKind = "submission-code"
	EventSubmissionCodeFailed       EventKind = "submission-code-failed"
	EventSubmissionContactConfirmed EventKind = "submission-contact-confirmed"
	EventSubmissionDocument         EventKind = "submission-document"
	EventSubmissionEmailVerified    EventKind = "submission-email-verified"
)

// Accounts and sessions.
const (
	EventLogin         EventKind = "login"
	EventLoginFailed   EventKind = "login-failed"
	EventLogout        EventKind = "logout"
	EventAccountLocked EventKind = "account-locked"
	EventUserAdded     EventKind = "user-added"
	EventUserDisabled  EventKind = "user-disabled"
	// An account's role set from its identity provider's groups at a
	// single sign-on (UserRoleChangedBody), and an account linked to an
	// identity at a provider (IdentityLinkedBody).
	EventUserRoleChanged EventKind = "user-role-changed"
	EventIdentityLinked  EventKind = "identity-linked"
)

// The directory of known requesters.
const EventDirectory EventKind = "directory" // DirectoryBody

// DirectoryBody is an EventDirectory's body: which entry was added or
// changed (the names of firms and agencies are in the directory itself).
type DirectoryBody struct {
	ID   int64 `json:"id"`
	Kind Kind  `json:"kind"`
}

// TransitionBody is an EventTransition's body.
type TransitionBody struct {
	From Status `json:"from"`
	To   Status `json:"to"`
	Why  string `json:"why"`
}

// EvidenceBody is an EventEvidence's or EventVerification's body.
type EvidenceBody struct {
	EvidenceID int64  `json:"evidence_id"`
	Type       string `json:"type"`
}

// EvidenceWithdrawalBody is an EventEvidenceWithdrawn's or
// EventEvidenceCorrected's body: the entry taken back, the entry that
// replaces it (a correction; 0 for a withdrawal) and the person's reason.
type EvidenceWithdrawalBody struct {
	EvidenceID   int64  `json:"evidence_id"`
	Type         string `json:"type"`
	SupersededBy int64  `json:"superseded_by,omitempty"`
	Reason       string `json:"reason"`
}

// ViewBody is an EventView's body: what was looked at, never the PHI.
type ViewBody struct {
	What         string `json:"what"` // request, chart, document, queue, search, patients, …
	Results      int    `json:"results,omitempty"`
	DocumentID   int64  `json:"document_id,omitempty"`
	PacketID     int64  `json:"packet_id,omitempty"`
	SubmissionID int64  `json:"submission_id,omitempty"`
	Letter       string `json:"letter,omitempty"`
}

// DecisionBody is the body of a person's decision (EventDecision,
// EventDenial, EventEscalation, EventPending).
type DecisionBody struct {
	DecisionID int64    `json:"decision_id"`
	Action     string   `json:"action"`
	Reasons    []Code   `json:"reasons"`
	Released   int      `json:"released"`
	Withheld   int      `json:"withheld"`
	Missing    []string `json:"missing"`
}

// The bodies of the request's other entries. Each names its ids and codes
// only: never a name, an address or a record's content.

// EvaluationBody is an EventEvaluation's body.
type EvaluationBody struct {
	DecisionID int64   `json:"decision_id"`
	RuleSet    string  `json:"rule_set"`
	Outcome    Outcome `json:"outcome"`
	Reasons    []Code  `json:"reasons"`
	Released   int     `json:"released"`
	Withheld   int     `json:"withheld"`
}

// ExtensionBody is an EventExtension's body: the notice recorded as
// evidence, the old and new due dates and why.
type ExtensionBody struct {
	EvidenceID int64  `json:"evidence_id"`
	From       Date   `json:"from"`
	To         Date   `json:"to"`
	Reason     string `json:"reason"`
}

// ReviewBody is an EventReview's body.
type ReviewBody struct {
	ReviewID   int64 `json:"review_id"`
	DecisionID int64 `json:"decision_id"`
	Approve    bool  `json:"approve"`
}

// DocumentBody is an EventDocument's body.
type DocumentBody struct {
	DocumentID  int64        `json:"document_id"`
	Kind        DocumentKind `json:"kind"`
	SHA256      string       `json:"sha256"`
	ContentType string       `json:"content_type"`
	Size        int64        `json:"size"`
}

// AssignmentBody is an EventAssignment's body.
type AssignmentBody struct {
	Assignee string `json:"assignee"`
}

// DeliveryQueuedBody is an EventDeliveryQueued's body.
type DeliveryQueuedBody struct {
	DeliveryID int64         `json:"delivery_id"`
	Packet     int64         `json:"packet"`
	Channel    Delivery      `json:"channel"`
	State      DeliveryState `json:"state"`
}

// DeliveryFailedBody is an EventDeliveryFailed's body.
type DeliveryFailedBody struct {
	DeliveryID int64    `json:"delivery_id"`
	Channel    Delivery `json:"channel"`
	Attempts   int      `json:"attempts"`
}

// PortalCodeBody is an EventPortalCode's body: which link, and whether the
// code went by e-mail or was read out by staff.
type PortalCodeBody struct {
	Link   int64  `json:"link"`
	SentBy string `json:"sent_by"`
}

// PortalCodeFailBody is an EventPortalCodeFail's body.
type PortalCodeFailBody struct {
	Link     int64 `json:"link"`
	Attempts int   `json:"attempts"`
}

// DownloadBody is an EventDownload's body: the link, the packet and which
// download of it this was.
type DownloadBody struct {
	Link     int64 `json:"link"`
	Packet   int64 `json:"packet"`
	Download int   `json:"download"`
}

// SubmissionBody is the body of every portal-submission entry: the
// submission, and what the entry adds to it (its number; how a code was
// sent or how the address was confirmed; failed attempts; an uploaded
// file's kind and hash; how many documents went with an acceptance; why
// it was rejected). Only what applies is written.
type SubmissionBody struct {
	SubmissionID int64  `json:"submission_id"`
	Number       string `json:"number,omitempty"`
	SentBy       string `json:"sent_by,omitempty"`
	How          string `json:"how,omitempty"`
	Attempts     int    `json:"attempts,omitempty"`
	Kind         string `json:"kind,omitempty"`
	SHA256       string `json:"sha256,omitempty"`
	ContentType  string `json:"content_type,omitempty"`
	Size         int    `json:"size,omitempty"`
	Documents    int    `json:"documents,omitempty"`
	Reason       string `json:"reason,omitempty"`
}
