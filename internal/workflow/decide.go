package workflow

import (
	"context"
	"encoding/json"
	"slices"
	"strings"

	"github.com/custodian-roi/custodian/internal/policy"
	"github.com/custodian-roi/custodian/internal/roi"
	"github.com/custodian-roi/custodian/internal/store"
)

// Evaluation is a stored run of the engine.
type Evaluation struct {
	Record   roi.DecisionRecord
	Decision roi.Decision
}

// Evaluate runs the engine on the request as it stands and stores the
// decision with the rule-set version that made it. A request received,
// being verified or awaiting the requester moves to in review; an
// escalated one stays escalated.
func (d *Desk) Evaluate(ctx context.Context, actor string, id roi.RequestID, version int) (*roi.DeskRequest, *Evaluation, error) {
	if err := requireActor(actor); err != nil {
		return nil, nil, err
	}
	r, err := d.store.Request(ctx, id)
	if err != nil {
		return nil, nil, err
	}
	f, err := d.Facts(ctx, r)
	if err != nil {
		return nil, nil, err
	}
	dec := policy.Evaluate(f)
	body, err := json.Marshal(dec)
	if err != nil {
		return nil, nil, err
	}
	if body, err = withAuthorizationFindings(body, f); err != nil {
		return nil, nil, err
	}
	// The labels the engine saw, for the review rule (labels.go).
	if body, err = withLabels(body, f); err != nil {
		return nil, nil, err
	}
	out := &Evaluation{Decision: dec}
	r, err = d.store.UpdateRequest(ctx, id, version, func(r *roi.DeskRequest, tx *store.Tx) error {
		switch r.Status {
		case roi.StatusReceived, roi.StatusVerifying, roi.StatusAwaitingRequester:
			ev, err := move(r, roi.StatusInReview, actor, "evaluated")
			if err != nil {
				return err
			}
			if err := tx.Append(ev); err != nil {
				return err
			}
		case roi.StatusInReview, roi.StatusEscalated:
		default:
			return roi.Errorf(roi.CodeConflict, "Request %s is %s; it is no longer evaluated.", r.Number, r.Status)
		}
		r.EvaluatedVersion = r.Version
		out.Record = roi.DecisionRecord{Kind: roi.DecisionByEngine, RuleSet: dec.RuleSet, Outcome: dec.Outcome, Body: body, By: actor}
		if err := tx.AddDecision(&out.Record); err != nil {
			return err
		}
		return tx.Append(roi.Event{Kind: roi.EventEvaluation, Actor: actor, Body: roi.EvaluationBody{
			DecisionID: out.Record.ID, RuleSet: dec.RuleSet, Outcome: dec.Outcome, Reasons: dec.Reasons,
			Released: len(dec.Released()), Withheld: len(dec.Withheld())}})
	})
	if err != nil {
		return nil, nil, err
	}
	return r, out, nil
}

// Decision actions.
const (
	ActApprove  = "approve"
	ActPartial  = "partial"
	ActDeny     = "deny"
	ActPending  = "pending"
	ActEscalate = "escalate"
)

// Decide is a person's decision on an evaluated request.
type Decide struct {
	Action string
	Note   string
	// Missing says what the requester must supply (pending).
	Missing []string
	// Exception is the Part 171 exception a person's own hold rests on
	// (escalating an access or directive request the rules decided);
	// empty is none. What the engine decides carries the engine's.
	Exception roi.Exception
}

// Final is what a decision lets go: the items released and the codes of
// those withheld, as stored with the decision and used at release.
type Final struct {
	Action   string              `json:"action"`
	Note     string              `json:"note,omitempty"`
	Missing  []string            `json:"missing,omitempty"`
	Reasons  []roi.Code          `json:"reasons"`
	Release  []string            `json:"release"`
	Withhold map[string]roi.Code `json:"withhold"`
	// Resolved lists the items a person released after an escalation.
	Resolved []string `json:"resolved,omitempty"`
	// EvaluationID is the evaluation the decision rests on.
	EvaluationID int64 `json:"evaluation_id"`
	Accountable  bool  `json:"accountable"`
	Part2Notice  bool  `json:"part2_notice"`
	// InfoBlocking maps each withheld item, and roi.InfoBlockingRequest
	// for a denial or a hold, to the Part 171 exception it rests on
	// (access and directive requests only; infoblocking.go).
	InfoBlocking map[string]roi.Exception `json:"info_blocking,omitempty"`
}

// latestEvaluation returns the request's most recent evaluation.
func (d *Desk) latestEvaluation(ctx context.Context, id roi.RequestID) (*roi.DecisionRecord, *StoredDecision, error) {
	ds, err := d.store.Decisions(ctx, id)
	if err != nil {
		return nil, nil, err
	}
	for i := len(ds) - 1; i >= 0; i-- {
		if ds[i].Kind == "evaluation" {
			b, err := ParseDecision(ds[i].Body)
			if err != nil {
				return nil, nil, err
			}
			return &ds[i], b, nil
		}
	}
	return nil, nil, roi.Errorf(roi.CodeConflict, "The request has not been evaluated yet.")
}

// StoredDecision reads back an engine decision as stored with an
// evaluation: the conformance format's members and its explanation. It is
// the one reader of that JSON (the request page shows it too).
type StoredDecision struct {
	Outcome     roi.Outcome         `json:"outcome"`
	Reasons     []roi.Code          `json:"reasons"`
	Release     []string            `json:"release"`
	Withhold    map[string]roi.Code `json:"withhold"`
	Accountable *bool               `json:"accountable"`
	Part2Notice bool                `json:"part2_notice"`
	// InfoBlocking is the engine's Part 171 exception per withheld item
	// and for a request-level deny or hold; nil for other requests and for
	// evaluations stored before the engine named them.
	InfoBlocking map[string]roi.Exception `json:"info_blocking"`
	// Authorizations is the engine's finding on each authorization, in
	// the order presented (evaluations before it was kept have none).
	Authorizations []policy.AuthorizationFinding `json:"authorizations,omitempty"`
	Explain        struct {
		RuleSet string                   `json:"rule_set"`
		Request []ExplainedRule          `json:"request"`
		Items   map[string]ExplainedItem `json:"items"`
	} `json:"explain"`
}

// ExplainedRule is a rule as a stored decision names it.
type ExplainedRule struct {
	Rule   string   `json:"rule"`
	Text   string   `json:"text"`
	Cite   []string `json:"cite"`
	Detail string   `json:"detail"`
}

// ExplainedItem is the decision on one item: release, withhold or wait.
type ExplainedItem struct {
	Decision string   `json:"decision"`
	Code     roi.Code `json:"code"`
	ExplainedRule
}

// ParseDecision reads a stored evaluation's body.
func ParseDecision(body []byte) (*StoredDecision, error) {
	var b StoredDecision
	if err := json.Unmarshal(body, &b); err != nil {
		return nil, roi.WrapOp("workflow.evaluation-read", roi.CodeInternal, err, "A stored evaluation does not read.")
	}
	return &b, nil
}

func (b *StoredDecision) waiting() []string {
	var out []string
	for id, it := range b.Explain.Items {
		if it.Decision == "wait" {
			out = append(out, id)
		}
	}
	slices.Sort(out)
	return out
}

// actionFor is the one action that agrees with each engine outcome. A
// person may always escalate; nothing else may release what the engine
// withholds.
var actionFor = map[roi.Outcome]string{
	roi.OutcomeRelease: ActApprove,
	roi.OutcomePartial: ActPartial,
	roi.OutcomeDeny:    ActDeny,
	roi.OutcomePending: ActPending,
}

// Decide records a person's decision on the latest evaluation, which must
// be of the request as it stands (CodeConflict otherwise: evaluate again).
// approve, partial, deny and pending must agree with the engine's outcome;
// escalate sends any request to the privacy officer.
func (d *Desk) Decide(ctx context.Context, actor string, id roi.RequestID, version int, in Decide) (*roi.DeskRequest, *Final, error) {
	if err := requireActor(actor); err != nil {
		return nil, nil, err
	}
	rec, ev, err := d.latestEvaluation(ctx, id)
	if err != nil {
		return nil, nil, err
	}
	if err := checkPick(in.Exception); err != nil {
		return nil, nil, err
	}
	want, agrees := actionFor[ev.Outcome]
	switch {
	case in.Action == ActEscalate:
		if strings.TrimSpace(in.Note) == "" {
			return nil, nil, invalid("Say why the request is escalated.")
		}
	case !slices.Contains([]string{ActApprove, ActPartial, ActDeny, ActPending}, in.Action):
		return nil, nil, invalid("The action must be approve, partial, deny, pending or escalate.")
	case ev.Outcome == roi.OutcomeEscalate:
		return nil, nil, invalid("The engine escalates this request: escalate it for the privacy officer.")
	case !agrees || in.Action != want:
		return nil, nil, invalid("The engine's decision is %s; %s disagrees with it. Decide %s, or escalate with a note.", ev.Outcome, in.Action, want)
	}
	final := &Final{Action: in.Action, Note: in.Note, Missing: in.Missing, Reasons: ev.Reasons,
		Release: ev.Release, Withhold: ev.Withhold, EvaluationID: rec.ID, Part2Notice: ev.Part2Notice,
		Accountable: ev.Accountable != nil && *ev.Accountable}
	if in.Action == ActPending && len(final.Missing) == 0 {
		for _, c := range ev.Reasons {
			final.Missing = append(final.Missing, string(c))
		}
	}
	to := map[string]roi.Status{ActApprove: roi.StatusApproved, ActPartial: roi.StatusApproved, ActDeny: roi.StatusDenied,
		ActPending: roi.StatusAwaitingRequester, ActEscalate: roi.StatusEscalated}[in.Action]
	r, err := d.store.UpdateRequest(ctx, id, version, func(r *roi.DeskRequest, tx *store.Tx) error {
		if r.EvaluatedVersion != version {
			return roi.Errorf(roi.CodeConflict, "Request %s changed since it was evaluated; evaluate it again before deciding.", r.Number)
		}
		own := false
		if InPart171(r) {
			var err error
			if own, err = decisionExceptions(r, ev, final, in.Exception); err != nil {
				return err
			}
		}
		decID, err := d.record(ctx, r, tx, actor, to, final)
		if err != nil || !own {
			return err
		}
		return tx.Append(roi.Event{Kind: roi.EventInfoBlocking, Actor: actor, Body: roi.InfoBlockingBody{Practice: roi.PracticePending,
			Exception: final.InfoBlocking[roi.InfoBlockingRequest], DecisionID: decID}})
	})
	if err != nil {
		return nil, nil, err
	}
	return r, final, nil
}

// record moves r to status to and stores the decision final, marking
// whether it now waits for a second person's review (the reviewers'
// queue), and returns the stored decision's ID. An approval that needs no
// review makes the request ready to release now (infoblocking.go).
func (d *Desk) record(ctx context.Context, r *roi.DeskRequest, tx *store.Tx, actor string, to roi.Status, final *Final) (int64, error) {
	mv, err := move(r, to, actor, final.Action)
	if err != nil {
		return 0, err
	}
	chart, err := d.store.ChartItems(ctx, r.PatientID)
	if err != nil {
		return 0, err
	}
	review, err := d.needsReview(ctx, r, final, chart)
	if err != nil {
		return 0, err
	}
	if err := tx.SetAwaitingReview(review); err != nil {
		return 0, err
	}
	// A decision changes no fact the engine sees: the evaluation it rests
	// on stays current (an escalation can be resolved on it).
	r.EvaluatedVersion = r.Version
	rec := roi.DecisionRecord{Kind: roi.DecisionByPerson, RuleSet: RuleSet, Outcome: outcomeOf(final), Body: toJSON(final), By: actor}
	if err := tx.AddDecision(&rec); err != nil {
		return 0, err
	}
	kind := map[roi.Status]roi.EventKind{roi.StatusDenied: roi.EventDenial, roi.StatusEscalated: roi.EventEscalation,
		roi.StatusAwaitingRequester: roi.EventPending}[to]
	if kind == "" {
		kind = roi.EventDecision
	}
	if err := tx.Append(roi.Event{Kind: kind, Actor: actor, Body: roi.DecisionBody{DecisionID: rec.ID, Action: string(final.Action),
		Reasons: final.Reasons, Released: len(final.Release), Withheld: len(final.Withhold), Missing: final.Missing}}); err != nil {
		return 0, err
	}
	if err := tx.Append(mv); err != nil {
		return 0, err
	}
	if ev, ok := readyEvent(r, final, actor, rec.ID, 0); ok && to == roi.StatusApproved && !review {
		return rec.ID, tx.Append(ev)
	}
	return rec.ID, nil
}

func outcomeOf(f *Final) roi.Outcome {
	switch f.Action {
	case ActDeny:
		return roi.OutcomeDeny
	case ActPending:
		return roi.OutcomePending
	case ActEscalate:
		return roi.OutcomeEscalate
	}
	if len(f.Withhold) > 0 {
		return roi.OutcomePartial
	}
	return roi.OutcomeRelease
}

// Resolve is the privacy officer's or licensed professional's resolution
// of an escalated request.
type Resolve struct {
	Action string // approve or deny
	// Release lists the items, among those waiting for a person, that the
	// person decided may go.
	Release []string
	Note    string
	// Exception is the Part 171 exception the person's denial, or their
	// keeping back waiting items, rests on (access and directive
	// requests); empty is none.
	Exception roi.Exception
}

// ResolveEscalation settles an escalated request. approve releases what
// the engine released plus the waiting items the person names; deny denies
// the request. When the engine escalated the whole request (a concern about
// the representative), approving means the person dismissed the concern:
// the items the engine would release without it may go. Nothing the engine
// withholds for a rule may go.
func (d *Desk) ResolveEscalation(ctx context.Context, actor string, id roi.RequestID, version int, in Resolve) (*roi.DeskRequest, *Final, error) {
	if err := requireActor(actor); err != nil {
		return nil, nil, err
	}
	if strings.TrimSpace(in.Note) == "" {
		return nil, nil, invalid("Record the reasoning: a resolution needs a note.")
	}
	r, err := d.store.Request(ctx, id)
	if err != nil {
		return nil, nil, err
	}
	rec, ev, err := d.latestEvaluation(ctx, id)
	if err != nil {
		return nil, nil, err
	}
	final := &Final{Action: actResolvePrefix + in.Action, Note: in.Note, Reasons: ev.Reasons, EvaluationID: rec.ID,
		Release: append([]string(nil), ev.Release...), Withhold: map[string]roi.Code{},
		Part2Notice: ev.Part2Notice, Accountable: ev.Accountable != nil && *ev.Accountable}
	for k, v := range ev.Withhold {
		final.Withhold[k] = v
	}
	if err := checkPick(in.Exception); err != nil {
		return nil, nil, err
	}
	var waiting []string
	var engIB map[string]roi.Exception
	if InPart171(r) {
		if engIB, err = engineExceptions(r, ev); err != nil {
			return nil, nil, err
		}
	}
	var to roi.Status
	switch in.Action {
	case "deny":
		to, final.Release, final.Withhold = roi.StatusDenied, nil, nil
	case "approve":
		to = roi.StatusApproved
		waiting = ev.waiting()
		if len(ev.Release) == 0 && len(ev.Withhold) == 0 {
			// The whole request waited: re-decide without the concern.
			f, err := d.Facts(ctx, r)
			if err != nil {
				return nil, nil, err
			}
			f.Evidence.EndangermentConcern = false
			alt := policy.Evaluate(f)
			final.Release, final.Withhold, waiting, engIB = alt.Released(), alt.Withheld(), nil, alt.InfoBlocking
			for _, it := range alt.Items {
				if it.Waits {
					waiting = append(waiting, it.ID)
				}
			}
			if alt.Accountable != nil {
				final.Accountable = *alt.Accountable
			}
			final.Part2Notice = alt.Part2Notice
		}
		for _, id := range in.Release {
			if !slices.Contains(waiting, id) {
				return nil, nil, invalid("Item %s is not waiting for a person's decision; only waiting items can be released on resolution.", id)
			}
			delete(final.Withhold, id)
			final.Release = append(final.Release, id)
			final.Resolved = append(final.Resolved, id)
		}
		slices.Sort(final.Release)
		if len(final.Release) == 0 {
			return nil, nil, invalid("Nothing would be released; resolve with deny instead.")
		}
		if len(ev.Release) == 0 && len(ev.Withhold) > 0 {
			// The engine released nothing itself, so it said nothing about
			// accountability: the basis decides (164.528(a)(1)).
			final.Accountable = policy.Accountable(r.Basis)
		}
	default:
		return nil, nil, invalid("A resolution is approve or deny.")
	}
	r, err = d.store.UpdateRequest(ctx, id, version, func(r *roi.DeskRequest, tx *store.Tx) error {
		if r.Status != roi.StatusEscalated {
			return roi.Errorf(roi.CodeConflict, "Request %s is %s, not escalated.", r.Number, r.Status)
		}
		if r.EvaluatedVersion != version {
			return roi.Errorf(roi.CodeConflict, "Request %s changed since it was evaluated; evaluate it again before resolving.", r.Number)
		}
		var own []string
		if InPart171(r) {
			own = resolutionExceptions(final, engIB, waiting, in.Exception)
		}
		decID, err := d.record(ctx, r, tx, actor, to, final)
		if err != nil || len(own) == 0 {
			return err
		}
		// The person's note stays with the decision; the ledger names the
		// pick, the decision and the keys only.
		body := roi.InfoBlockingBody{Practice: roi.PracticeWithhold, Exception: final.InfoBlocking[own[0]], DecisionID: decID, Keys: own}
		if to == roi.StatusDenied {
			body.Practice, body.Keys = roi.PracticeDeny, nil
		}
		return tx.Append(roi.Event{Kind: roi.EventInfoBlocking, Actor: actor, Body: body})
	})
	if err != nil {
		return nil, nil, err
	}
	return r, final, nil
}

// Extend is the one extension of a deadline: a written notice with the
// reasons for the delay and the new date.
type Extend struct {
	NewDue roi.Date
	Reason string
	// Exception is the Part 171 exception the delay rests on (access and
	// directive requests); empty is none.
	Exception roi.Exception
}

// Extend extends an access or accounting deadline once (164.524(b)(2)(ii),
// 164.528(c)(1)(ii)): the notice goes out on or before the current due date
// and promises a date no later than receipt + 60 days (+ 90 for an
// accounting). The notice is kept as extension-notice evidence, so the
// engine sees it too.
func (d *Desk) Extend(ctx context.Context, actor string, id roi.RequestID, version int, in Extend) (*roi.DeskRequest, error) {
	if err := requireActor(actor); err != nil {
		return nil, err
	}
	if strings.TrimSpace(in.Reason) == "" {
		return nil, invalid("The extension notice must state the reasons for the delay.")
	}
	if err := checkPick(in.Exception); err != nil {
		return nil, err
	}
	today := d.Today()
	return d.store.UpdateRequest(ctx, id, version, func(r *roi.DeskRequest, tx *store.Tx) error {
		limit := r.Received.AddDays(60)
		if r.Type == roi.RequestAccounting {
			limit = r.Received.AddDays(90)
		}
		switch {
		case !r.Status.Open():
			return roi.Errorf(roi.CodeConflict, "Request %s is %s; it cannot be extended.", r.Number, r.Status)
		case r.Type != roi.RequestAccounting && r.Basis != roi.BasisAccess && r.Basis != roi.BasisDirective:
			return invalid("Only access and accounting deadlines are extended under HIPAA.")
		case r.Extended:
			return roi.Errorf(roi.CodeConflict, "Request %s was already extended once; HIPAA allows one extension.", r.Number)
		case today > r.Due:
			return roi.Errorf(roi.CodeConflict, "The deadline of request %s (%s) has passed; an extension must be sent before it.", r.Number, r.Due)
		case !in.NewDue.Known() || in.NewDue <= r.Due:
			return invalid("The new date must be after the current due date %s.", r.Due)
		case in.NewDue > limit:
			return invalid("The new date may be no later than %s (one extension of at most 30 days).", limit)
		}
		notice := toJSON(map[string]string{"type": "extension-notice", "sent": today.String(), "new_due": in.NewDue.String()})
		evID, err := tx.AddEvidence("extension-notice", notice, actor)
		if err != nil {
			return err
		}
		old := r.Due
		r.Due, r.Extended = in.NewDue, true
		if err := tx.Append(roi.Event{Kind: roi.EventExtension, Actor: actor, Body: roi.ExtensionBody{
			EvidenceID: evID, From: old, To: in.NewDue, Reason: in.Reason}}); err != nil {
			return err
		}
		if !InPart171(r) {
			return nil
		}
		// The delay of an individual's access names its exception.
		return tx.Append(roi.Event{Kind: roi.EventInfoBlocking, Actor: actor, Body: roi.InfoBlockingBody{
			Practice: roi.PracticeExtension, Exception: pickOf(in.Exception), Note: in.Reason}})
	})
}
