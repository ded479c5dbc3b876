package workflow

import (
	"context"
	"encoding/json"
	"strings"

	"github.com/custodian-roi/custodian/internal/roi"
	"github.com/custodian-roi/custodian/internal/store"
)

// actResolvePrefix begins the action of every resolution of an escalation
// ("resolve-approve", "resolve-deny").
const actResolvePrefix = "resolve-"

// ordinary are the labels whose release needs no second look: records that
// carry no special label, and identifying data only.
const ordinary = roi.Labels(1<<roi.LabelGeneral | 1<<roi.LabelDemographics)

// Sensitive reports whether an item labeled l needs a second look before
// it is released: it carries any label but general and demographics.
func Sensitive(l roi.Labels) bool { return l&^ordinary != 0 }

// NeedsReview reports whether a decision must be reviewed by a second
// person before anything goes out: it releases an item carrying a
// sensitive label (anything but general or demographics) in chart, it
// denies, it is a partial release withholding items, or it resolves an
// escalation — every resolution, approve or deny, whether or not it named
// waiting items (issue #15, H2: an approval dismissing a concern about the
// representative named none and went out unreviewed). An item the chart
// no longer holds counts as sensitive. Pending and escalation decisions
// release nothing and need no review. The desk passes the chart as
// reviewChart makes it: the labels at the evaluation joined with today's.
func NeedsReview(final *Final, chart []roi.ChartItem) bool {
	if final == nil {
		return false
	}
	switch final.Action {
	case ActPending, ActEscalate:
		return false
	}
	if outcomeOf(final) != roi.OutcomeRelease || strings.HasSuffix(final.Action, ActDeny) ||
		strings.HasPrefix(final.Action, actResolvePrefix) || len(final.Resolved) > 0 {
		return true
	}
	labels := make(map[string]roi.Labels, len(chart))
	for _, it := range chart {
		labels[it.Key] = it.Labels
	}
	for _, k := range final.Release {
		l, ok := labels[k]
		if !ok || Sensitive(l) {
			return true
		}
	}
	return false
}

// reviewBody is a stored review of a decision.
type reviewBody struct {
	Approve    bool   `json:"approve"`
	Note       string `json:"note,omitempty"`
	DecisionID int64  `json:"decision_id"`
}

// underReview is the latest person's decision of a request and who took
// part in it: its maker, and the makers of the decisions resting on the
// same evaluation (the escalation a resolution settled).
type underReview struct {
	id           int64
	final        *Final
	participants map[string]bool
	// approvedBy is who approved the decision in the latest review by a
	// non-participant; empty when there is none or it rejected.
	approvedBy string
}

func (d *Desk) underReview(ctx context.Context, id roi.RequestID) (*underReview, error) {
	ds, err := d.store.Decisions(ctx, id)
	if err != nil {
		return nil, err
	}
	last := -1
	for i := len(ds) - 1; i >= 0 && last < 0; i-- {
		if ds[i].Kind == roi.DecisionByPerson {
			last = i
		}
	}
	if last < 0 {
		return nil, roi.Errorf(roi.CodeConflict, "The request has no decision to review yet.")
	}
	u := &underReview{id: ds[last].ID, final: &Final{}, participants: map[string]bool{}}
	if err := json.Unmarshal(ds[last].Body, u.final); err != nil {
		return nil, roi.WrapOp("workflow.decision-read", roi.CodeInternal, err, "The stored decision does not read.")
	}
	for _, rec := range ds[:last+1] {
		if rec.Kind != roi.DecisionByPerson {
			continue
		}
		var f Final
		if json.Unmarshal(rec.Body, &f) == nil && f.EvaluationID == u.final.EvaluationID {
			u.participants[person(rec.By)] = true
		}
	}
	for _, rec := range ds[last+1:] {
		if rec.Kind != "review" {
			continue
		}
		var b reviewBody
		if json.Unmarshal(rec.Body, &b) != nil || b.DecisionID != u.id || u.participants[person(rec.By)] {
			continue
		}
		u.approvedBy = ""
		if b.Approve {
			u.approvedBy = rec.By
		}
	}
	return u, nil
}

// person is an actor's name as compared for the second pair of eyes.
func person(actor string) string { return strings.ToLower(strings.TrimSpace(actor)) }

// Review records a second person's review of request id's latest
// decision. The reviewer must not have taken part in it: neither its maker
// nor, for a resolved escalation, whoever escalated or resolved it
// (CodeForbidden). An approval lets the decision's release or letter go; a
// rejection needs a note and sends the request back to in review, where
// the decision is made again. Only an approved or denied request is
// reviewed.
func (d *Desk) Review(ctx context.Context, actor string, id roi.RequestID, version int, approve bool, note string) (*roi.DeskRequest, error) {
	if err := requireActor(actor); err != nil {
		return nil, err
	}
	if !approve && strings.TrimSpace(note) == "" {
		return nil, invalid("Say why the decision is rejected: a rejection needs a note.")
	}
	u, err := d.underReview(ctx, id)
	if err != nil {
		return nil, err
	}
	if u.participants[person(actor)] {
		return nil, roi.Errorf(roi.CodeForbidden, "A second person must review the decision: whoever made it (or escalated or resolved it) cannot review it.")
	}
	r0, err := d.store.Request(ctx, id)
	if err != nil {
		return nil, err
	}
	chart, err := d.store.ChartItems(ctx, r0.PatientID)
	if err != nil {
		return nil, err
	}
	needed, err := d.needsReview(ctx, r0, u.final, chart)
	if err != nil {
		return nil, err
	}
	return d.store.UpdateRequest(ctx, id, version, func(r *roi.DeskRequest, tx *store.Tx) error {
		if r.Status != roi.StatusApproved && r.Status != roi.StatusDenied {
			return roi.Errorf(roi.CodeConflict, "Request %s is %s; only an approved or denied request is reviewed.", r.Number, r.Status)
		}
		// A review changes no fact the engine sees.
		if r.EvaluatedVersion == r.Version-1 {
			r.EvaluatedVersion = r.Version
		}
		rec := roi.DecisionRecord{Kind: roi.DecisionReview, RuleSet: RuleSet, Outcome: outcomeOf(u.final), By: actor,
			Body: toJSON(reviewBody{Approve: approve, Note: note, DecisionID: u.id})}
		if err := tx.AddDecision(&rec); err != nil {
			return err
		}
		// Approved or sent back, the decision no longer waits for review.
		if err := tx.SetAwaitingReview(false); err != nil {
			return err
		}
		if err := tx.Append(roi.Event{Kind: roi.EventReview, Actor: actor, Body: roi.ReviewBody{
			ReviewID: rec.ID, DecisionID: u.id, Approve: approve}}); err != nil {
			return err
		}
		if approve {
			// The review a release waited for makes it ready now.
			if ev, ok := readyEvent(r, u.final, actor, u.id, rec.ID); ok && r.Status == roi.StatusApproved && needed {
				return tx.Append(ev)
			}
			return nil
		}
		mv, err := move(r, roi.StatusInReview, actor, "review rejected the decision: "+note)
		if err != nil {
			return err
		}
		return tx.Append(mv)
	})
}

// Reviewed reports whether request id's latest decision was approved by a
// reviewer who took no part in it.
func (d *Desk) Reviewed(ctx context.Context, id roi.RequestID) (bool, error) {
	u, err := d.underReview(ctx, id)
	if err != nil {
		return false, err
	}
	return u.approvedBy != "", nil
}

// requireReview refuses, with CodeConflict, to let a decision that needs
// a second person's review go out (a release, a denial letter) before it
// was reviewed. Sensitivity is judged on the labels at the evaluation the
// decision rests on joined with those at release, never on today's alone.
func (d *Desk) requireReview(ctx context.Context, r *roi.DeskRequest, final *Final, chart []roi.ChartItem) error {
	needed, err := d.needsReview(ctx, r, final, chart)
	if err != nil {
		return err
	}
	if !needed {
		return nil
	}
	ok, err := d.Reviewed(ctx, r.ID)
	if err != nil {
		return err
	}
	if !ok {
		return roi.Errorf(roi.CodeConflict, "Request %s needs a second person's review of its decision first.", r.Number)
	}
	return nil
}
