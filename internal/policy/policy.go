// Package policy is Custodian's decision engine. Given the facts a records
// desk holds about one request, it decides item by item what may be
// released and what must be withheld and why, what the requester still
// owes, who must look at it, when it is due, and whether the disclosure is
// accountable.
//
// It is pure: no I/O, no clock, no randomness, no package state that
// changes. The same Facts always give the same Decision. deps_test.go keeps
// it that way.
package policy

import (
	"sort"

	"github.com/custodian-roi/custodian/internal/roi"
)

// RuleSetVersion names the rules in this package. It is stored with every
// decision so that a past decision can be explained with the rules that
// made it. Change it whenever a rule changes an outcome.
const RuleSetVersion = "custodian-rules/2026-12-06"

// Evaluate decides the request described by f.
func Evaluate(f *roi.Facts) roi.Decision {
	e := newEvaluator(f)
	e.run()
	return e.d
}

// newEvaluator derives once what every rule reads about the patient and
// the state.
func newEvaluator(f *roi.Facts) *evaluator {
	e := &evaluator{f: f}
	e.specific = specificLabels(f.Jurisdiction)
	e.deceased = f.Patient.DeathDate.Known() && f.Patient.DeathDate <= f.Now
	e.minor = !e.deceased && !f.Patient.Emancipated &&
		roi.YearsOld(f.Patient.BirthDate, f.Now) < f.Jurisdiction.Majority()
	// 45 CFR 160.103 (definition of PHI, (2)(iv)) and 164.502(f): a person
	// dead more than 50 years has no PHI.
	e.nonPHI = e.deceased && f.Now > f.Patient.DeathDate.AddYears(50)
	return e
}

// evaluator holds one evaluation: the facts, what has been derived from
// them once (so the per-item loop stays cheap) and the decision being built.
type evaluator struct {
	f *roi.Facts
	d roi.Decision

	specific roi.Labels // labels a document must name to cover an item
	minor    bool       // unemancipated minor on f.Now
	deceased bool
	auths    []authCheck // every authorization, checked against this request
	valid    []*authCheck
	// unproven: documents with no defect whose representative signer's
	// authority is not shown (undocumented, or endangerment).
	unproven []*authCheck
	// probe: a what-if evaluation (signerGate) that skips the identity gate;
	// trustSigners: in it, the unproven documents count as valid.
	probe, trustSigners bool
	// itemDeny: request-level codes that say why, when every item is
	// withheld (a Part 2 consent relied on for other records).
	itemDeny []roi.Code
	// denyIfNothing: on an authorization, no document was valid; if the
	// signer gate asks for nothing, the request fails for their defects.
	denyIfNothing bool

	pending  []roi.Code // request-level gates: the requester owes something
	deny     []roi.Code // request-level failures
	escalate []roi.Code // request-level judgment calls
	// waitAll: the whole request waits for a person; no item is decided.
	waitAll bool
	// waits: at least one item waits for a person's judgment.
	waits bool

	accountable     bool // a release on this basis is accountable (164.528)
	part2ViaConsent bool // a part2 item went out on written consent
	dueApplies      bool
	nonPHI          bool // decedent dead more than 50 years
}

func (e *evaluator) step(r *roi.Rule, detail string) {
	e.d.Steps = append(e.d.Steps, roi.Step{Rule: r, Detail: detail})
}

func (e *evaluator) run() {
	f := e.f
	e.d.RuleSet = RuleSetVersion
	e.d.Due = roi.NoDate
	e.checkAuthorizations()

	accounting := f.Request.Type == roi.RequestAccounting
	basis := f.Request.Basis
	e.dueApplies = !e.nonPHI && (accounting || basis == roi.BasisAccess || basis == roi.BasisDirective)

	// 164.514(h): verify the identity of a requester before any disclosure.
	if e.probe || e.identityVerified() {
		e.step(ruleIdentityVerified, "")
	} else {
		e.step(ruleIdentityUnverified, "")
		e.pending = append(e.pending, roi.CodeIdentityUnverified)
	}

	switch {
	case accounting:
		e.accounting()
	case e.nonPHI:
		e.decideNonPHI()
	default:
		switch basis {
		case roi.BasisAccess:
			e.access()
		case roi.BasisDirective:
			e.directive()
		case roi.BasisAuthorization:
			e.authorization()
		case roi.BasisTreatment, roi.BasisPayment, roi.BasisOperations:
			e.tpo()
		case roi.BasisSubpoena, roi.BasisCourtOrder, roi.BasisWarrant:
			e.legalProcess()
		case roi.BasisLawEnforcement:
			e.lawEnforcement()
		case roi.BasisPublicHealth, roi.BasisHealthOversight, roi.BasisWorkersComp, roi.BasisCoroner:
			e.permitted()
		default: // BasisNone
			e.step(ruleNoPermission, "")
			e.deny = append(e.deny, roi.CodeNoPermission)
		}
	}
	if !accounting && !e.nonPHI {
		e.signerGate()
	}
	if e.dueApplies {
		e.computeDue(accounting)
	}
	e.finish(accounting)
}

// stopped reports whether a request-level gate already settles the request,
// so that no item needs deciding.
func (e *evaluator) stopped() bool {
	return len(e.pending) > 0 || len(e.deny) > 0 || e.waitAll
}

// inScope reports whether it is part of what was asked for. Items outside
// the request's scope are not part of the decision at all.
func (e *evaluator) inScope(it *roi.Item) bool {
	return scopeCovers(e.specific, &e.f.Request.Scope, it) != roi.Outside
}

// InScope reports whether a request's scope asks for item it under the
// state rules j: the rule the engine applies before deciding anything,
// for pages that show what a request reaches.
// An item whose date cannot be placed against the scope's dates is in the
// decision, waiting for a person to place it (roi.Coverage.Place).
func InScope(j roi.Jurisdiction, scope roi.Coverage, it roi.Item) bool {
	return scopeCovers(specificLabels(j), &scope, &it) != roi.Outside
}

// specificLabels are the labels a document must name to cover an item.
func specificLabels(j roi.Jurisdiction) roi.Labels {
	return roi.LabelsOf(roi.LabelPsychotherapyNote, roi.LabelSUDCounselingNote, roi.LabelPart2) | j.SpecificAuthorization
}

func scopeCovers(specific roi.Labels, s *roi.Coverage, it *roi.Item) roi.Placement {
	// The scope uses the coverage vocabulary; it is not a consent form, so
	// Part 2 items need no Part 2 form to be asked for.
	if s.HasLabels && !labelsCover(specific, s.Labels, it.Labels) {
		return roi.Outside
	}
	return s.Place(it)
}

// decideItems runs decide on every item in scope.
func (e *evaluator) decideItems(decide func(it *roi.Item) roi.ItemDecision) {
	items := e.f.Items
	e.d.Items = make([]roi.ItemDecision, 0, len(items))
	for i := range items {
		it := &items[i]
		switch scopeCovers(e.specific, &e.f.Request.Scope, it) {
		case roi.Outside:
			continue
		case roi.Uncertain:
			// Never silently in, never silently out: a person places it —
			// but only an item that would go once placed. One the rules
			// withhold whatever its date is withheld for that rule, so that
			// placing it can never release it.
			if d := e.unsettled(it, decide(it)); !d.Release {
				e.d.Items = append(e.d.Items, d)
				continue
			}
			e.d.Items = append(e.d.Items, e.wait(it, roi.CodeDateUncertain, ruleDateUncertain))
			continue
		}
		e.d.Items = append(e.d.Items, e.unsettled(it, decide(it)))
	}
}

func release(it *roi.Item, r *roi.Rule) roi.ItemDecision {
	return roi.ItemDecision{ID: it.ID, Release: true, Rule: r}
}

func withhold(it *roi.Item, c roi.Code, r *roi.Rule) roi.ItemDecision {
	return roi.ItemDecision{ID: it.ID, Code: c, Rule: r}
}

// wait withholds it until a person decides, which escalates the request.
func (e *evaluator) wait(it *roi.Item, c roi.Code, r *roi.Rule) roi.ItemDecision {
	e.waits = true
	return roi.ItemDecision{ID: it.ID, Code: c, Rule: r, Waits: true}
}

// finish settles the outcome by the precedence pending > escalate >
// partial > deny/release, and the members that depend on it.
func (e *evaluator) finish(accounting bool) {
	d := &e.d
	released := 0
	for i := range d.Items {
		if d.Items[i].Release {
			released++
		}
	}
	switch {
	case len(e.pending) > 0:
		d.Outcome, d.Reasons = roi.OutcomePending, e.pending
		d.Items, d.Disclosures = nil, nil
	case len(e.deny) > 0:
		d.Outcome, d.Reasons = roi.OutcomeDeny, e.deny
		d.Items, d.Disclosures = nil, nil
	case e.waitAll:
		d.Outcome, d.Reasons = roi.OutcomeEscalate, e.escalate
		d.Items, released = nil, 0
	case e.waits:
		d.Outcome, d.Reasons = roi.OutcomeEscalate, e.escalate
	case e.denyIfNothing && released == 0 && len(e.defects()) > 0:
		// On an authorization no document was valid, and proving the
		// signers' authority would let nothing go: the defects say why.
		d.Outcome, d.Reasons = roi.OutcomeDeny, e.defects()
		d.Items = nil
		e.step(ruleAllWithheld, "")
	case accounting || released == len(d.Items):
		d.Outcome = roi.OutcomeRelease
	case released > 0:
		d.Outcome = roi.OutcomePartial
	default:
		// Every item is withheld: the request as submitted fails. Item codes
		// that are also request-level codes say why at the request level.
		d.Outcome = roi.OutcomeDeny
		for i := range d.Items {
			if c := d.Items[i].Code; roi.IsRequestCode(c) {
				d.Reasons = append(d.Reasons, c)
			}
		}
		if len(e.itemDeny) > 0 {
			// A document was relied on for records it cannot authorize:
			// the request fails as any defective authorization does, with
			// every other document's defects, and nothing decided item by
			// item.
			d.Reasons = append(append(d.Reasons, e.itemDeny...), e.defects()...)
			d.Items = nil
		}
		e.step(ruleAllWithheld, "")
	}
	d.Reasons = sortedCodes(d.Reasons)
	if released > 0 && d.Outcome != roi.OutcomeDeny && d.Outcome != roi.OutcomePending {
		acc := e.accountable
		d.Accountable = &acc
		d.Part2Notice = e.part2ViaConsent
	} else {
		d.Part2Notice = false
	}
	if d.Outcome == roi.OutcomeDeny || !e.dueApplies {
		d.Due, d.Flags = roi.NoDate, nil
	}
	sort.Slice(d.Flags, func(i, j int) bool { return d.Flags[i] < d.Flags[j] })
	e.infoBlocking(accounting)
}

func sortedCodes(cs []roi.Code) []roi.Code {
	out := make([]roi.Code, 0, len(cs))
	for _, c := range cs {
		dup := false
		for _, o := range out {
			if o == c {
				dup = true
				break
			}
		}
		if !dup {
			out = append(out, c)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}

func (e *evaluator) identityVerified() bool {
	for _, c := range e.f.Evidence.Identity {
		if c.Verified {
			return true
		}
	}
	return false
}

// recipient is who the records would go to: the request's recipient when
// given, else the requester.
func (e *evaluator) recipient() string {
	if e.f.Request.Recipient != "" {
		return e.f.Request.Recipient
	}
	return e.f.Request.Requester.Name
}

// decideNonPHI releases the records of a person dead more than 50 years:
// they are not PHI, so HIPAA's limits do not reach them. 42 CFR Part 2 has
// no such limit, so Part 2 records still need Part 2 permission.
func (e *evaluator) decideNonPHI() {
	e.step(ruleNonPHI, "")
	if e.stopped() {
		return
	}
	e.accountable = false
	e.decideItems(func(it *roi.Item) roi.ItemDecision {
		if it.Labels.Has(roi.LabelPart2) && e.f.Request.Basis != roi.BasisAccess {
			return e.viaConsent(it)
		}
		return release(it, ruleNonPHI)
	})
}
