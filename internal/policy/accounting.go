package policy

import (
	"strings"

	"github.com/custodian-roi/custodian/internal/roi"
)

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
		case suspendedOn(f.Suspensions, x, f.Now):
			dd.Rule = ruleAccountingSuspended
		default:
			dd.Listed, dd.Rule = true, ruleAccountable
		}
		e.d.Disclosures = append(e.d.Disclosures, dd)
	}
	for _, s := range f.Suspensions {
		if SuspensionInForce(s, f.Now) {
			// The detail is a date only: the agency is named in the
			// suspension the desk keeps, not in the decision.
			e.step(ruleAccountingSuspended, "in force through "+SuspensionEnd(s).String())
		}
	}
}

// Temporary suspension (164.528(a)(2)) and summary entries (164.528(b)(3)).

// SuspendedRuleID is the rule a disclosure held back by a suspension
// carries in the decision (DisclosureDecision.Rule.ID), so the desk can
// tell staff what a suspension holds back.
const SuspendedRuleID = "accounting-suspended"

var (
	ruleAccountingSuspended = rule(SuspendedRuleID, "A health oversight agency or law enforcement official stated that an accounting would be "+
		"reasonably likely to impede its activities: disclosures to it are left out of an accounting until the suspension ends, "+
		"for the time a written statement specifies, or at most 30 days from an oral one.", "45 CFR 164.528(a)(2)")
)

// oralSuspensionDays is how long an oral statement may suspend the
// accounting unless a written statement is submitted meanwhile
// (164.528(a)(2)(ii)(B)).
const oralSuspensionDays = 30

// SuspensionEnd returns the last day suspension s is in force: the end the
// statement specifies, and for an oral statement no later than 30 days
// after it, whatever end was recorded. A written statement that gives no
// end suspends nothing: the law suspends "for the time specified", and a
// desk cannot hide disclosures indefinitely on a guess; staff record the
// end the agency gives. It returns NoDate when s suspends nothing.
func SuspensionEnd(s roi.AccountingSuspension) roi.Date {
	if !s.Stated.Known() {
		return roi.NoDate
	}
	end := s.End
	if !s.Written {
		if limit := s.Stated.AddDays(oralSuspensionDays); !end.Known() || end > limit {
			end = limit
		}
	}
	if !end.Known() || end < s.Stated {
		return roi.NoDate
	}
	return end
}

// SuspensionInForce reports whether s is in force on day: from the
// statement's date through its end, both inclusive. The day after the end,
// the disclosures it covered are listed again.
func SuspensionInForce(s roi.AccountingSuspension, day roi.Date) bool {
	end := SuspensionEnd(s)
	return end.Known() && s.Stated <= day && day <= end
}

// suspendable lists, by kind of agency, the bases under which a disclosure
// to it is one 164.528(a)(2) lets the agency suspend: health oversight
// under 164.512(d); law enforcement under 164.512(f), which includes court
// orders, warrants and subpoenas issued to a law enforcement official
// (164.512(f)(1)(ii)). A disclosure to the same agency on another basis
// (an authorization, an impermissible one) is not the agency's to hide.
var suspendable = map[roi.Kind][]roi.Basis{
	roi.KindHealthOversight: {roi.BasisHealthOversight},
	roi.KindLawEnforcement:  {roi.BasisLawEnforcement, roi.BasisWarrant, roi.BasisCourtOrder, roi.BasisSubpoena},
}

// Suspends reports whether suspension s covers disclosure x: made to the
// same agency (RecipientKey) on a basis the agency's kind may suspend, no
// later than the suspension's end. Whether s is in force is a separate
// question (SuspensionInForce).
func Suspends(s roi.AccountingSuspension, x roi.Disclosure) bool {
	end := SuspensionEnd(s)
	if !end.Known() || x.Date > end || RecipientKey(s.Agency) == "" || RecipientKey(s.Agency) != RecipientKey(x.Recipient) {
		return false
	}
	for _, b := range suspendable[s.AgencyKind] {
		if b == x.Basis {
			return true
		}
	}
	return false
}

// suspendedOn reports whether a suspension in force on day covers x.
func suspendedOn(ss []roi.AccountingSuspension, x roi.Disclosure, day roi.Date) bool {
	for _, s := range ss {
		if SuspensionInForce(s, day) && Suspends(s, x) {
			return true
		}
	}
	return false
}

// RecipientKey is the form in which two recipients' names are compared:
// letter case and runs of white space do not make a different recipient
// ("County  Health Dept" is "county health dept"). Nothing else is
// guessed: "County Health Department" is another name, and staff record
// the name as the disclosures give it.
func RecipientKey(name string) string {
	return strings.ToLower(strings.Join(strings.Fields(name), " "))
}

// summarizable are the bases whose repeated disclosures an accounting may
// summarize (164.528(b)(3)): those under 164.512. Disclosures to the
// Secretary (164.502(a)(2)(ii)) and for research (164.528(b)(4)) have no
// basis of their own in the desk's log; impermissible disclosures and those
// on no basis are always listed one by one.
var summarizable = map[roi.Basis]bool{
	roi.BasisSubpoena: true, roi.BasisCourtOrder: true, roi.BasisWarrant: true, roi.BasisLawEnforcement: true,
	roi.BasisPublicHealth: true, roi.BasisHealthOversight: true, roi.BasisWorkersComp: true, roi.BasisCoroner: true,
}

// SummaryKey returns the key under which listed disclosures may be
// gathered into one summary entry (164.528(b)(3)): the same recipient
// (RecipientKey), the same basis and the same purpose (compared as
// RecipientKey compares names). ok is false when the basis may not be
// summarized, and then the disclosure stands alone.
func SummaryKey(recipient string, b roi.Basis, purpose string) (key string, ok bool) {
	if !summarizable[b] || RecipientKey(recipient) == "" {
		return "", false
	}
	return RecipientKey(recipient) + "\x00" + string(b) + "\x00" + RecipientKey(purpose), true
}
