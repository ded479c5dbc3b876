package roi

// The stored shapes of the label proposal entries (labels_events.go), added
// to the samples TestEveryKindHasATypedBody and the shape tests read.
func init() {
	bodySamples = append(bodySamples,
		bodySample{EventLabelProposed, `{"proposal_id":1,"item":"DocumentReference/pn","label":"psychotherapy-note","action":"remove","reason":"a progress note, not a psychotherapy note"}`, ptr[LabelProposalBody]()},
		bodySample{EventLabelApproved, `{"proposal_id":1,"item":"DocumentReference/pn","label":"psychotherapy-note","proposed_by":"sam","note":"checked the note"}`, ptr[LabelProposalDecisionBody]()},
		bodySample{EventLabelRejected, `{"proposal_id":1,"item":"DocumentReference/pn","label":"psychotherapy-note","proposed_by":"sam"}`, ptr[LabelProposalDecisionBody]()},
	)
}
