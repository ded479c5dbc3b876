package policy

import "github.com/custodian-roi/custodian/internal/roi"

// complianceDate is the HIPAA Privacy Rule compliance date for most covered
// entities; disclosures before it are exempt (164.528(a)(1)(ix)).
var complianceDate = roi.MakeDate(2003, 4, 14)

// accountingExempt lists the disclosure bases 164.528(a)(1) leaves out of
// an accounting, with the paragraph that exempts each.
var accountingExempt = map[roi.Basis]*roi.Rule{
	roi.BasisTreatment:         ruleExemptTPO,
	roi.BasisPayment:           ruleExemptTPO,
	roi.BasisOperations:        ruleExemptTPO,
	roi.BasisAccess:            ruleExemptIndividual,
	roi.BasisDirective:         ruleExemptIndividual,
	roi.BasisIncidental:        ruleExemptIncidental,
	roi.BasisAuthorization:     ruleExemptAuthorization,
	roi.BasisFacilityDirectory: ruleExemptDirectory,
	roi.BasisNationalSecurity:  ruleExemptNationalSecurity,
	roi.BasisLimitedDataSet:    ruleExemptLimitedDataSet,
}

// Accountable reports whether a disclosure on basis b must appear in an
// accounting of disclosures (164.528(a)(1)). Impermissible disclosures are
// not exempt, so they are listed.
func Accountable(b roi.Basis) bool {
	_, exempt := accountingExempt[b]
	return !exempt
}

// accounting decides a request for an accounting of disclosures: the six
// years before the request (or the shorter period asked for), less the
// exempt disclosures.
func (e *evaluator) accounting() {
	if !e.representative() || e.stopped() {
		return
	}
	f := e.f
	from, to := f.Request.Received.AddYears(-6), f.Request.Received
	if s := f.Request.Scope; s.From.Known() && s.From > from {
		from = s.From
	}
	if s := f.Request.Scope; s.To.Known() && s.To < to {
		to = s.To
	}
	e.step(ruleAccountingWindow, from.String()+".."+to.String())
	e.d.Disclosures = make([]roi.DisclosureDecision, 0, len(f.Disclosures))
	for _, x := range f.Disclosures {
		dd := roi.DisclosureDecision{ID: x.ID}
		switch rule, exempt := accountingExempt[x.Basis]; {
		case x.Date < from || x.Date > to:
			dd.Rule = ruleOutsideWindow
		case x.Date < complianceDate:
			dd.Rule = ruleBeforeCompliance
		case exempt:
			dd.Rule = rule
		default:
			dd.Listed, dd.Rule = true, ruleAccountable
		}
		e.d.Disclosures = append(e.d.Disclosures, dd)
	}
}
