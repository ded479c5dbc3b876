package roi

import "time"

// Label changes that lift a restriction (issue #15, H1): removing a
// sensitivity label could let a record go that the rules keep back, so it
// is only proposed; it takes effect when a second person approves it, and
// until then every decision sees the label still in place. Adding a label
// only restricts more and takes effect at once (EventLabel).
const (
	// EventLabelProposed: a person proposed removing a label from a chart
	// item, with the reason: LabelProposalBody.
	EventLabelProposed EventKind = "label-proposed"
	// EventLabelApproved: a second person approved a proposed removal, which
	// took effect then (an EventLabel follows in the same transaction):
	// LabelProposalDecisionBody.
	EventLabelApproved EventKind = "label-approved"
	// EventLabelRejected: a second person, or the proposer withdrawing it,
	// rejected a proposed removal; the label stays: LabelProposalDecisionBody.
	EventLabelRejected EventKind = "label-rejected"
)

// LabelProposalBody is an EventLabelProposed's body. Item is a chart item
// key, never content.
type LabelProposalBody struct {
	ProposalID int64  `json:"proposal_id"`
	Item       string `json:"item"`
	Label      string `json:"label"`
	Action     string `json:"action"`
	Reason     string `json:"reason"`
}

// LabelProposalDecisionBody is the body of an EventLabelApproved or
// EventLabelRejected: the proposal, who proposed it (so that the ledger
// alone shows two people took part) and the decider's note.
type LabelProposalDecisionBody struct {
	ProposalID int64  `json:"proposal_id"`
	Item       string `json:"item"`
	Label      string `json:"label"`
	ProposedBy string `json:"proposed_by"`
	Note       string `json:"note,omitempty"`
}

// Label proposal states.
const (
	ProposalPending  = "pending"
	ProposalApproved = "approved"
	ProposalRejected = "rejected"
)

// LabelProposal is a proposed removal of one label from one chart item,
// waiting for (or decided by) a second person.
type LabelProposal struct {
	ID         int64     `json:"id"`
	PatientID  PatientID `json:"patient_id"`
	Item       string    `json:"item"`
	Label      string    `json:"label"`
	Action     string    `json:"action"`
	Reason     string    `json:"reason"`
	ProposedBy string    `json:"proposed_by"`
	ProposedAt time.Time `json:"proposed_at"`
	State      string    `json:"state"`
	DecidedBy  string    `json:"decided_by,omitempty"`
	DecidedAt  time.Time `json:"decided_at,omitzero"`
	Note       string    `json:"note,omitempty"`
}
