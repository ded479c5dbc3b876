package workflow

import (
	"context"
	"encoding/json"
	"strings"

	"github.com/custodian-roi/custodian/internal/roi"
)

// Label changes by staff (issue #15, H1). A label restricts: the rules
// keep a psychotherapy note back, a release of an HIV result waits for a
// second person. Adding one only restricts more, so it takes effect at
// once. Removing one lifts a restriction, so one person alone must not be
// able to do it: the removal is proposed, and until a different person
// approves it the item keeps the label for every evaluation, decision,
// review and release. Demographics is the one label whose removal lifts
// nothing (it is "ordinary", see Sensitive) and takes effect at once.

// LabelChange is what a label change did: the item's labels as every
// decision now sees them, and, for a removal, the proposal that waits for
// a second person (nil when the change took effect).
type LabelChange struct {
	Item     string
	Labels   roi.Labels
	Proposal *roi.LabelProposal
}

// ChangeLabel adds or removes one label of a chart item, as a staff
// member's decision with its reason, recorded in the ledger. An addition
// (and the removal of demographics) takes effect at once and outlives
// re-imports. Any other removal is only proposed: the item keeps the label
// until a person other than actor approves it (DecideLabelProposal).
func (d *Desk) ChangeLabel(ctx context.Context, actor string, pid roi.PatientID, item, name, action, reason string) (*LabelChange, error) {
	if err := requireActor(actor); err != nil {
		return nil, err
	}
	lb, ok := roi.ParseLabel(name)
	switch {
	case !ok || lb == roi.LabelGeneral:
		// The value is not repeated: whatever was typed there may be PHI.
		return nil, invalid("Unknown label; the labels are %s.", strings.Join(labelNames(), ", "))
	case action != "add" && action != "remove":
		return nil, invalid("The action is add or remove.")
	case strings.TrimSpace(reason) == "":
		return nil, invalid("Say why the label is changed: a reason is required.")
	case item == "":
		return nil, invalid("Name the chart item.")
	}
	if action == "add" || !Sensitive(roi.LabelsOf(lb)) {
		l, err := d.store.OverrideLabel(ctx, pid, item, lb, action == "add", reason, actor)
		if err != nil {
			return nil, err
		}
		return &LabelChange{Item: item, Labels: l}, nil
	}
	p, err := d.store.ProposeLabelRemoval(ctx, pid, item, lb, reason, actor)
	if err != nil {
		return nil, err
	}
	l, err := d.itemLabels(ctx, pid, item)
	if err != nil {
		return nil, err
	}
	return &LabelChange{Item: item, Labels: l, Proposal: p}, nil
}

// SetLabel is ChangeLabel returning only the item's labels as decisions
// see them: unchanged by a removal that waits for approval.
func (d *Desk) SetLabel(ctx context.Context, actor string, pid roi.PatientID, item, name, action, reason string) (roi.Labels, error) {
	c, err := d.ChangeLabel(ctx, actor, pid, item, name, action, reason)
	if err != nil {
		return 0, err
	}
	return c.Labels, nil
}

// itemLabels returns one chart item's labels as stored.
func (d *Desk) itemLabels(ctx context.Context, pid roi.PatientID, key string) (roi.Labels, error) {
	items, err := d.store.ChartItems(ctx, pid)
	if err != nil {
		return 0, err
	}
	for _, it := range items {
		if it.Key == key {
			return it.Labels, nil
		}
	}
	return 0, roi.Errorf(roi.CodeNotFound, "Chart item not found.")
}

// LabelProposals lists a patient's proposed label removals; pendingOnly
// keeps those still waiting for a second person.
func (d *Desk) LabelProposals(ctx context.Context, actor string, pid roi.PatientID, pendingOnly bool) ([]roi.LabelProposal, error) {
	if err := requireActor(actor); err != nil {
		return nil, err
	}
	return d.store.LabelProposals(ctx, pid, pendingOnly)
}

// DecideLabelProposal approves or rejects a proposed label removal. Only a
// person other than the proposer may approve it (CodeForbidden); the
// proposer may withdraw it (a rejection). A rejection needs a note. An
// approved removal takes effect at once; decisions already made on the
// label keep it for their review (reviewChart).
func (d *Desk) DecideLabelProposal(ctx context.Context, actor string, pid roi.PatientID, id int64, approve bool, note string) (*LabelChange, error) {
	if err := requireActor(actor); err != nil {
		return nil, err
	}
	if !approve && strings.TrimSpace(note) == "" {
		return nil, invalid("Say why the label stays: a rejection needs a note.")
	}
	p, l, err := d.store.DecideLabelProposal(ctx, pid, id, approve, actor, note, func(p *roi.LabelProposal) error {
		if approve && person(p.ProposedBy) == person(actor) {
			return roi.Errorf(roi.CodeForbidden, "A second person must approve a label removal: whoever proposed it cannot approve it.")
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &LabelChange{Item: p.Item, Labels: l, Proposal: p}, nil
}

// labelNames lists the labels staff may add or remove.
func labelNames() []string {
	var out []string
	for l := roi.Label(0); l.String() != "general"; l++ {
		out = append(out, l.String())
	}
	return out
}

// labelsMember is the evaluation body's member holding the sensitive
// labels of the chart items as the engine saw them.
const labelsMember = "labels_at_evaluation"

// withLabels adds to a stored evaluation the labels of every item the
// engine saw with a sensitive label, so that the review rule judges a
// decision on the labels as they stood when it was made even when one is
// later removed (reviewChart).
func withLabels(body []byte, f *roi.Facts) ([]byte, error) {
	ls := map[string][]string{}
	for _, it := range f.Items {
		if Sensitive(it.Labels) {
			ls[it.ID] = it.Labels.Strings()
		}
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(body, &m); err != nil {
		return nil, err
	}
	b, err := json.Marshal(ls)
	if err != nil {
		return nil, err
	}
	m[labelsMember] = b
	return json.Marshal(m)
}

// reviewChart is chart with each item's labels joined by those it carried
// at the evaluation final rests on: the review rule must never judge a
// release only on the labels as they stand at release, since a label
// removed in between lifted a restriction the decision was made under.
func (d *Desk) reviewChart(ctx context.Context, id roi.RequestID, final *Final, chart []roi.ChartItem) ([]roi.ChartItem, error) {
	if final == nil || final.EvaluationID == 0 {
		return chart, nil
	}
	ds, err := d.store.Decisions(ctx, id)
	if err != nil {
		return nil, err
	}
	var then map[string][]string
	for _, rec := range ds {
		if rec.ID != final.EvaluationID {
			continue
		}
		var b map[string]json.RawMessage
		if err := json.Unmarshal(rec.Body, &b); err != nil {
			return nil, roi.WrapOp("workflow.evaluation-read", roi.CodeInternal, err, "A stored evaluation does not read.")
		}
		if raw, ok := b[labelsMember]; ok {
			if err := json.Unmarshal(raw, &then); err != nil {
				return nil, roi.WrapOp("workflow.evaluation-read", roi.CodeInternal, err, "A stored evaluation does not read.")
			}
		}
	}
	if len(then) == 0 {
		return chart, nil
	}
	out := make([]roi.ChartItem, len(chart))
	copy(out, chart)
	for i := range out {
		for _, n := range then[out[i].Key] {
			if l, ok := roi.ParseLabel(n); ok {
				out[i].Labels = out[i].Labels.With(l)
			}
		}
	}
	return out, nil
}

// needsReview is NeedsReview judged on reviewChart: the labels at the
// evaluation and now.
func (d *Desk) needsReview(ctx context.Context, r *roi.DeskRequest, final *Final, chart []roi.ChartItem) (bool, error) {
	c, err := d.reviewChart(ctx, r.ID, final, chart)
	if err != nil {
		return false, err
	}
	return NeedsReview(final, c), nil
}
