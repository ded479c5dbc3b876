package workflow

import "github.com/custodian-roi/custodian/internal/roi"

// Steps says which of a request's steps can be taken now, so a page
// offers a step only when it can be done: no "Release" before the review
// it needs, no "Evaluate" on a released request. Permissions are the
// caller's to add (who may take a step); this is whether the step is
// possible at all. The workflow refuses the same things on its own.
type Steps struct {
	Evaluate, Decide, Review, Resolve, Release bool
	// Waiting says in words what the request waits for, when a step is
	// held back: "" when nothing is.
	Waiting string
}

// Steps works out the steps from the view, with no I/O.
func (v *RequestView) Steps() Steps {
	r := v.C.Request
	var s Steps
	switch r.Status {
	case roi.StatusReceived, roi.StatusVerifying, roi.StatusAwaitingRequester, roi.StatusInReview:
		s.Evaluate = true
	case roi.StatusEscalated:
		s.Evaluate, s.Resolve = true, true
	}
	current := v.Eval != nil && r.EvaluatedVersion == r.Version
	s.Decide = r.Status == roi.StatusInReview && current
	if r.Status == roi.StatusInReview && v.Eval != nil && !current {
		s.Waiting = "The request changed since it was evaluated: evaluate it again before deciding."
	}
	decided := r.Status == roi.StatusApproved || r.Status == roi.StatusDenied
	s.Review = decided && v.Final != nil && v.NeedsReview && !v.Reviewed
	s.Release = r.Status == roi.StatusApproved && (!v.NeedsReview || v.Reviewed)
	switch {
	case r.Status == roi.StatusApproved && !s.Release:
		s.Waiting = "Release waits for a second person's review of the decision (a QA reviewer or the privacy officer)."
	case r.Status == roi.StatusDenied && s.Review:
		s.Waiting = "The denial letter waits for a second person's review of the decision."
	case r.Status == roi.StatusEscalated:
		s.Waiting = "With the privacy officer: the request is decided when the escalation is resolved."
	case r.Status == roi.StatusAwaitingRequester:
		s.Waiting = "Waiting for the requester to send what is missing; evaluate again when it arrives."
	case !r.Status.Open() && r.Status != roi.StatusDenied:
		s.Waiting = "This request is finished; nothing more is done on it."
	}
	return s
}
