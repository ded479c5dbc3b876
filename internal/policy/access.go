package policy

import "github.com/custodian-roi/custodian/internal/roi"

// repStatus is what the representative evidence shows.
type repStatus uint8

const (
	// repShown: a verified entry whose authority lets that person act for
	// this patient.
	repShown repStatus = iota
	// repUndocumented: no entry, or only unverified ones of an authority
	// that could qualify: the papers are owed (164.514(h)(1)).
	repUndocumented
	// repNotRepresentative: entries, none of an authority that could make
	// the person this patient's representative.
	repNotRepresentative
)

// representativeEvidence reads the representative entries: of the requester
// asking in the patient's name, or of the representative who signed an
// authorization for the patient.
func (e *evaluator) representativeEvidence() (repStatus, *roi.Representative) {
	var unverified bool
	for i := range e.f.Evidence.Representatives {
		r := &e.f.Evidence.Representatives[i]
		if !e.qualifies(r.Authority) {
			continue
		}
		if r.Verified {
			return repShown, r
		}
		unverified = true
	}
	if unverified || len(e.f.Evidence.Representatives) == 0 {
		return repUndocumented, nil
	}
	return repNotRepresentative, nil
}

// representative checks a requester who claims to stand in the patient's
// shoes (164.502(g)). It reports whether the request may go on; when it may
// not, it has recorded the gate that stops it.
func (e *evaluator) representative() bool {
	if e.f.Request.Requester.Kind == roi.KindPatient {
		e.step(ruleIndividual, "")
		return true
	}
	switch st, ok := e.representativeEvidence(); st {
	case repShown:
		e.step(ruleRepresentative, string(ok.Authority))
	case repUndocumented:
		// 164.514(h)(1): document the authority of a requester before
		// relying on it.
		e.step(ruleAuthorityUndocumented, "")
		e.pending = append(e.pending, roi.CodeAuthorityDocsMissing)
		return false
	default:
		e.step(ruleNotRepresentative, "")
		e.deny = append(e.deny, roi.CodeNotPersonalRep)
		return false
	}
	// 164.502(g)(5): the covered entity may decline to treat a person as
	// representative on a reasonable belief of abuse or endangerment; a
	// person must make that call.
	if e.f.Evidence.EndangermentConcern {
		e.step(ruleEndangerment, "")
		e.escalate = append(e.escalate, roi.CodeRepresentativeEndangers)
		e.waitAll = true
		return false
	}
	return true
}

// qualifies reports whether authority a can make someone the patient's
// personal representative on the day of decision.
func (e *evaluator) qualifies(a roi.Authority) bool {
	switch a {
	case roi.AuthorityParent:
		// 164.502(g)(3): a parent represents an unemancipated minor only;
		// at majority or emancipation the patient acts for themself.
		return e.minor
	case roi.AuthorityGuardian, roi.AuthorityHealthcarePOA:
		// 164.502(g)(2): authority to make health-care decisions, which
		// ends with the patient's death.
		return !e.deceased
	case roi.AuthorityExecutor, roi.AuthorityAdministrator:
		return e.deceased // 164.502(g)(4)
	}
	// A financial power of attorney carries no health-care authority.
	return false
}

// access decides the individual's right of access (164.524), exercised by
// the patient or a personal representative. Minimum necessary does not
// apply (164.502(b)(2)(ii)); nor does the accounting (164.528(a)(1)(ii)).
func (e *evaluator) access() {
	if !e.representative() || e.stopped() {
		return
	}
	e.accountable = false
	parent := e.minor && e.f.Request.Requester.Kind != roi.KindPatient
	e.decideItems(func(it *roi.Item) roi.ItemDecision {
		l := it.Labels
		switch {
		case parent && l.Has(roi.LabelPart2) && l.Has(roi.LabelMinorConsented) &&
			!e.f.Evidence.MinorDisclosureConsent:
			return withhold(it, roi.CodePart2MinorConsent, rulePart2MinorConsent)
		case l.Has(roi.LabelPsychotherapyNote):
			return withhold(it, roi.CodePNAccessExcluded, rulePNAccessExcluded)
		case l.Has(roi.LabelLitigationFile):
			return withhold(it, roi.CodeLitigationCompiled, ruleLitigation)
		case e.f.Evidence.HarmItems[it.ID]:
			return withhold(it, roi.CodeReviewableHarm, ruleReviewableHarm)
		case parent && l.Has(roi.LabelMinorConsented) && !e.f.Evidence.MinorDisclosureConsent:
			return e.minorConsented(it)
		case parent && l.Has(roi.LabelPart2) && l.Has(roi.LabelMinorConsented):
			// Only the minor's own written consent lets this go to the
			// parent (42 CFR 2.14): a consented disclosure, so the 2.32
			// notice and the consent go with it.
			e.part2ViaConsent = true
			return release(it, rulePart2MinorConsentGiven)
		case parent && l.Has(roi.LabelMinorConsented):
			return release(it, ruleMinorConsentGiven)
		case l.Has(roi.LabelPart2):
			return release(it, rulePart2PatientAccess)
		}
		return release(it, ruleAccess)
	})
}

// minorConsented decides a parent's access to care the minor consented to
// alone: the parent is not the representative for it (164.502(g)(3)(i)),
// and state law decides (164.502(g)(3)(ii)).
func (e *evaluator) minorConsented(it *roi.Item) roi.ItemDecision {
	age := roi.YearsOld(e.f.Patient.BirthDate, it.Date)
rules:
	for _, r := range e.f.Jurisdiction.MinorConsent {
		if !it.Labels.Has(r.Label) || r.Label == roi.LabelMinorConsented || age < r.MinAge {
			continue
		}
		switch r.ParentAccess {
		case roi.ParentAccessAllowed:
			return release(it, ruleMinorParentAllowed)
		case roi.ParentAccessProhibited:
			return withhold(it, roi.CodeMinorConsentedService, ruleMinorParentProhibited)
		}
		break rules // the state is silent
	}
	// (g)(3)(ii)(C): no state rule on access; a licensed health care
	// professional decides.
	e.escalate = append(e.escalate, roi.CodeMinorParentDiscretion)
	return e.wait(it, roi.CodeMinorConsentedService, ruleMinorParentDiscretion)
}

// directive decides the individual's written direction to send a copy to
// a third party (164.524(c)(3)(ii)): part of the right of access, so the
// same exclusions apply, and a Part 2 record still needs a Part 2 consent
// because it leaves for someone other than the patient.
func (e *evaluator) directive() {
	ds := e.f.Evidence.Directives
	if len(ds) == 0 {
		e.step(ruleDirectiveMissing, "")
		e.pending = append(e.pending, roi.CodeAuthorityDocsMissing)
		return
	}
	var defects []roi.Code
	valid := false
	for _, d := range ds {
		switch {
		case !d.Signed.Known() || blank(d.Recipient):
			defects = append(defects, roi.CodeAuthorizationIncomplete)
		case !sameName(d.Recipient, e.recipient()):
			defects = append(defects, roi.CodeRecipientNotAuthorized)
		default:
			valid = true
		}
	}
	if !valid {
		e.step(ruleDirectiveDefective, joinCodes(defects))
		e.deny = append(e.deny, defects...)
		return
	}
	e.step(ruleDirectiveValid, "")
	if e.stopped() {
		return
	}
	e.accountable = false
	e.decideItems(func(it *roi.Item) roi.ItemDecision {
		l := it.Labels
		switch {
		case l.Has(roi.LabelPart2):
			return e.viaConsent(it)
		case l.Has(roi.LabelPsychotherapyNote):
			return withhold(it, roi.CodePNAccessExcluded, rulePNAccessExcluded)
		case l.Has(roi.LabelLitigationFile):
			return withhold(it, roi.CodeLitigationCompiled, ruleLitigation)
		case e.f.Evidence.HarmItems[it.ID]:
			return withhold(it, roi.CodeReviewableHarm, ruleReviewableHarm)
		case l&e.f.Jurisdiction.SpecificAuthorization != 0 && e.reliedOn(it) == nil:
			// A directive names no categories: a record the state lets go
			// only on a specific authorization goes to a third party only
			// when one naming its category is also held.
			return withhold(it, roi.CodeStateSpecificAuth, ruleDirectiveStateSpecific)
		}
		return release(it, ruleDirective)
	})
}
