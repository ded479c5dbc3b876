package roi

// Information blocking (45 CFR Part 171) at the desk: the ledger entries
// that show what a withholding, a denial, a hold or a delay of an
// individual's access rests on, when a request was ready to release, and a
// privacy officer's reason for a practice that rests on no exception.
const (
	// EventInfoBlocking: a person named the exception a practice rests
	// on (a resolution that withholds or denies, a decision's hold, an
	// extension, a delay of a request ready to release): InfoBlockingBody.
	EventInfoBlocking EventKind = "info-blocking"
	// EventInfoBlockingReason: a privacy officer's recorded reason for
	// practices that rest on no exception (ExceptionNone):
	// InfoBlockingReasonBody.
	EventInfoBlockingReason EventKind = "info-blocking-reason"
	// EventReadyToRelease: the moment an access or directive request
	// became ready to release — a decision releasing something is final
	// and, when it needs one, its second person's review approved it:
	// ReadyBody. The time from this entry to the disclosure is the
	// request's ready-to-release time.
	EventReadyToRelease EventKind = "ready-to-release"
)

// Practices a person names an exception for (InfoBlockingBody.Practice).
const (
	PracticeWithhold  = "withhold"  // items kept back by a person's resolution
	PracticeDeny      = "deny"      // the request denied by a person's resolution
	PracticePending   = "pending"   // the request held for what the requester owes
	PracticeExtension = "extension" // the deadline extended (164.524(b)(2))
	PracticeDelay     = "delay"     // a request ready to release not released yet
)

// InfoBlockingBody is an EventInfoBlocking's body: the practice, the
// exception a person named for it, the decision it belongs to (0 for an
// extension or a delay), the item keys it covers (empty for the request as
// a whole) and the person's note. Keys are chart item keys, never content.
type InfoBlockingBody struct {
	Practice   string    `json:"practice"`
	Exception  Exception `json:"exception"`
	DecisionID int64     `json:"decision_id,omitempty"`
	Keys       []string  `json:"keys,omitempty"`
	Note       string    `json:"note,omitempty"`
}

// InfoBlockingRef names one practice that rests on ExceptionNone: an entry
// of a stored decision (Decision and Key: an item key or
// InfoBlockingRequest), or a person's extension or delay entry (Entry, the
// ledger sequence number of its EventInfoBlocking).
type InfoBlockingRef struct {
	Decision int64  `json:"decision,omitempty"`
	Key      string `json:"key,omitempty"`
	Entry    int64  `json:"entry,omitempty"`
}

// InfoBlockingReasonBody is an EventInfoBlockingReason's body: the
// practices resting on no exception that the privacy officer's reason
// covers, and the reason.
type InfoBlockingReasonBody struct {
	Covers []InfoBlockingRef `json:"covers"`
	Reason string            `json:"reason"`
}

// ReadyBody is an EventReadyToRelease's body: the decision that made the
// request ready, and the review that approved it (0 when it needed none).
type ReadyBody struct {
	DecisionID int64 `json:"decision_id"`
	ReviewID   int64 `json:"review_id,omitempty"`
}
