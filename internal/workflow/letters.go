package workflow

import (
	"context"
	"encoding/json"

	"github.com/custodian-roi/custodian/internal/doc"
	"github.com/custodian-roi/custodian/internal/letter"
	"github.com/custodian-roi/custodian/internal/policy"
	"github.com/custodian-roi/custodian/internal/roi"
	"github.com/custodian-roi/custodian/internal/store"
)

// letterInput gathers what every letter about request r needs from the
// stored request and its final decision.
func (d *Desk) letterInput(r *roi.DeskRequest, final *Final, chart []roi.ChartItem, f *roi.Facts) letter.Input {
	in := letter.Input{
		Org: d.Org, Number: r.Number, Date: d.Today(), To: recipientLines(r),
		Type: r.Type, Basis: r.Basis, Requester: r.Requester.Kind, Received: r.Received, Due: r.Due,
		Outcome: outcomeOf(final), Reasons: final.Reasons, Released: final.Release, Withheld: final.Withhold,
		Missing: final.Missing, Note: final.Note, Part2Notice: final.Part2Notice, Language: r.Language,
		InfoBlocking: final.InfoBlocking,
	}
	inScope := make(map[string]bool, len(final.Release)+len(final.Withhold))
	for _, k := range final.Release {
		inScope[k] = true
	}
	for k := range final.Withhold {
		inScope[k] = true
	}
	for _, it := range chart {
		if inScope[it.Key] {
			in.Items = append(in.Items, letter.Item{Key: it.Key, Date: it.Date, Type: it.Type, Title: it.Title, Labels: it.Labels})
		}
	}
	if final.Part2Notice && f != nil {
		in.ConsentScope = consentScope(f)
	}
	return in
}

// recipientLines are the letter's address block: who, then where.
func recipientLines(r *roi.DeskRequest) []string {
	lines := []string{recipientName(r)}
	if r.Contact != "" {
		lines = append(lines, r.Contact)
	}
	return lines
}

// Letter kinds a request may have, in the words of package letter.
var LetterKinds = []string{letter.KindCover, letter.KindDenial, letter.KindPartial, letter.KindPending,
	letter.KindExtension, letter.KindEscalation}

// Letter writes the letter of the given kind for request id from its
// stored decision (the escalation summary from the engine's evaluation of
// the request as it stands). Reading a letter is a view of PHI and is
// recorded in the ledger.
func (d *Desk) Letter(ctx context.Context, actor string, id roi.RequestID, kind string) (doc.Letter, error) {
	if err := requireActor(actor); err != nil {
		return doc.Letter{}, err
	}
	r, err := d.store.Request(ctx, id)
	if err != nil {
		return doc.Letter{}, err
	}
	chart, err := d.store.ChartItems(ctx, r.PatientID)
	if err != nil {
		return doc.Letter{}, err
	}
	evidence, err := d.store.Evidence(ctx, id)
	if err != nil {
		return doc.Letter{}, err
	}
	f, err := d.factsFrom(ctx, r, chart, evidence)
	if err != nil {
		return doc.Letter{}, err
	}
	var l doc.Letter
	switch kind {
	case letter.KindEscalation:
		dec := policy.Evaluate(f)
		final := &Final{Action: ActEscalate, Reasons: dec.Reasons, Release: dec.Released(), Withhold: dec.Withheld(), Part2Notice: dec.Part2Notice}
		if fin, _, err := d.finalDecision(ctx, id); err == nil {
			final.Note = fin.Note
		}
		l = letter.Escalation(d.letterInput(r, final, chart, f), dec)
	case letter.KindExtension:
		newDue, reason, err := d.extension(ctx, id)
		if err != nil {
			return doc.Letter{}, err
		}
		if err := d.requireExplained(ctx, r, 0, true, "the extension letter"); err != nil {
			return doc.Letter{}, err
		}
		in := d.letterInput(r, &Final{}, chart, f)
		// The notice must go out within the original deadline: 30 days
		// for access (164.524(b)(2)), 60 for an accounting (164.528(c)(1)).
		in.Due = r.Received.AddDays(30)
		if r.Type == roi.RequestAccounting {
			in.Due = r.Received.AddDays(60)
		}
		if l, err = letter.Extension(in, newDue, reason); err != nil {
			return doc.Letter{}, err
		}
	case letter.KindCover, letter.KindDenial, letter.KindPartial, letter.KindPending:
		final, decisionID, err := d.finalDecision(ctx, id)
		if err != nil {
			return doc.Letter{}, err
		}
		if kind == letter.KindDenial || kind == letter.KindPartial {
			if err := d.requireReview(ctx, r, final, chart); err != nil {
				return doc.Letter{}, err
			}
		}
		if err := d.requireExplained(ctx, r, decisionID, false, "the "+kind+" letter"); err != nil {
			return doc.Letter{}, err
		}
		in := d.letterInput(r, final, chart, f)
		switch kind {
		case letter.KindCover:
			l, err = letter.Cover(in)
		case letter.KindDenial:
			l, err = letter.Denial(in)
		case letter.KindPartial:
			l, err = letter.Partial(in)
		case letter.KindPending:
			l, err = letter.Pending(in)
		}
		if err != nil {
			return doc.Letter{}, err
		}
	default:
		return doc.Letter{}, invalid("There is no letter of that kind; the kinds are cover, denial, partial-denial, pending, extension and escalation.")
	}
	err = d.store.Append(ctx, roi.Event{Kind: roi.EventView, RequestID: r.ID, PatientID: r.PatientID, Actor: actor,
		Body: roi.ViewBody{What: "letter", Letter: kind}})
	return l, err
}

// extension returns the new date and the stated reasons of request id's
// extension, from the ledger.
func (d *Desk) extension(ctx context.Context, id roi.RequestID) (roi.Date, string, error) {
	es, err := d.store.Ledger(ctx, store.LedgerFilter{RequestID: id, Kind: roi.EventExtension})
	if err != nil {
		return roi.NoDate, "", err
	}
	if len(es) == 0 {
		return roi.NoDate, "", roi.Errorf(roi.CodeConflict, "The request was not extended.")
	}
	var body struct {
		To     roi.Date `json:"to"`
		Reason string   `json:"reason"`
	}
	if err := json.Unmarshal(es[len(es)-1].Body, &body); err != nil {
		return roi.NoDate, "", roi.WrapOp("workflow.extension-read", roi.CodeInternal, err, "The extension record does not read.")
	}
	return body.To, body.Reason, nil
}
