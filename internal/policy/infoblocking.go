package policy

import "github.com/custodian-roi/custodian/internal/roi"

// Information blocking (45 CFR Part 171). A practice that is likely to
// interfere with access to, exchange or use of electronic health
// information is information blocking unless an exception covers it. The
// rules below withhold and delay on grounds the law itself sets, and each
// such ground rests on one exception; the decision names it, item by item,
// for the individual's own access and for a copy the individual directs to
// a third party (the conformance format's info_blocking member), so that
// the desk can show what every withholding and delay rests on.

// itemException is the Part 171 exception a withheld item rests on.
func itemException(c roi.Code) roi.Exception {
	switch c {
	case roi.CodePNAccessExcluded, roi.CodeLitigationCompiled:
		// Psychotherapy notes and information compiled for litigation are
		// outside the definition of electronic health information (171.102).
		return roi.ExceptionNotEHI
	case roi.CodeReviewableHarm:
		// A licensed professional's determination of harm (171.201).
		return roi.ExceptionPreventingHarm
	case roi.CodeDateUncertain:
		// Custodian's own wait: the record cannot be placed against the
		// request's dates until a person reads it. No exception covers the
		// wait itself, so it is named as the risk it is; the desk surfaces
		// it until the record is placed.
		return roi.ExceptionNone
	}
	// Every other item code is a precondition the law sets that is not met:
	// a consent, a specific authorization, a minor's own consent, a state's
	// rule (171.202(b)).
	return roi.ExceptionPrivacyPrecondition
}

// requestException is the exception a request-level deny, pending or
// endangerment escalation rests on: a representative believed to endanger
// the patient is the harm exception (171.201(d)(3)); every other gate is a
// precondition the law sets (identity, authority, a valid authorization or
// direction, 171.202(b)).
func requestException(reasons []roi.Code) roi.Exception {
	for _, c := range reasons {
		if c == roi.CodeRepresentativeEndangers {
			return roi.ExceptionPreventingHarm
		}
	}
	return roi.ExceptionPrivacyPrecondition
}

// infoBlocking fills d.InfoBlocking once the outcome is settled: for access
// and directive requests only (an accounting of disclosures and every
// disclosure to a third party on another basis are not the individual's
// access to their EHI), every withheld item and, when the request as a
// whole is refused or held, the request.
func (e *evaluator) infoBlocking(accounting bool) {
	d := &e.d
	b := e.f.Request.Basis
	if accounting || (b != roi.BasisAccess && b != roi.BasisDirective) {
		d.InfoBlocking = nil
		return
	}
	ib := map[string]roi.Exception{}
	for i := range d.Items {
		if it := &d.Items[i]; !it.Release {
			ib[it.ID] = itemException(it.Code)
		}
	}
	endangers := false
	for _, c := range d.Reasons {
		endangers = endangers || c == roi.CodeRepresentativeEndangers
	}
	if d.Outcome == roi.OutcomeDeny || d.Outcome == roi.OutcomePending ||
		(d.Outcome == roi.OutcomeEscalate && endangers) {
		ib[roi.InfoBlockingRequest] = requestException(d.Reasons)
	}
	d.InfoBlocking = ib
}
