package letter

import (
	"sort"

	"github.com/custodian-roi/custodian/internal/roi"
)

// reason is what an outside letter may say about one code: the basis in
// plain words, the authority for it, whether the requester may have it
// reviewed by a licensed health care professional (164.524(a)(3), (a)(4)),
// and what would cure it.
//
// SECURITY: the words and citations here are read by people outside the
// organization. None of them may name a substance use disorder, Part 2, or
// a category of record a reader is not entitled to learn; those codes all
// map to special, below, whose sentence and citations are shared with
// every other withholding that needs a specific consent, authorization or
// order.
type reason struct {
	key    string // reasons with the same key are said once
	text   string
	cite   []string
	review bool
	cure   string
}

// special is the one reason shared by every withholding whose own words
// would reveal a protected category: Part 2 records without consent or
// order, SUD counseling notes, a minor's Part 2 consent, a state law that
// requires a specific authorization (HIV), care a minor consented to alone
// asked for by a parent, and psychotherapy notes asked for by a third
// party. 42 CFR 2.13(c) requires that a refusal not reveal a substance use
// disorder; grouping them means the reader learns only that something
// needs a specific permission, which is true of all of them.
var special = reason{
	key: "special",
	text: "Some records can be released only with a specific written consent, authorization or court order " +
		"that the law requires for them, and we did not receive one that covers them.",
	cite: []string{"45 CFR 164.502(a)", "45 CFR 164.508(a)(1)", "other federal and state laws that protect certain records"},
	cure: "If the patient wants these records released, the patient may contact our privacy office, listed below, " +
		"to learn what written permission is needed.",
}

// specialCodes are the codes that always map to special.
var specialCodes = map[roi.Code]bool{
	roi.CodePart2MinorConsent:     true,
	roi.CodePart2CounselingNote:   true,
	roi.CodePart2NoCourtOrder:     true,
	roi.CodePart2NoConsent:        true,
	roi.CodePNAuthRequired:        true,
	roi.CodeMinorConsentedService: true,
	roi.CodeStateSpecificAuth:     true,
	// A licensed professional's decision not to give a parent records of
	// care the minor consented to alone (164.502(g)(3)(ii)(C)): naming it
	// would tell the parent that such care exists.
	roi.CodeMinorParentDiscretion: true,
}

// authorizationElements is what a valid HIPAA authorization needs
// (164.508(b)(2), (b)(3), (c)(1), (c)(2)), said generically so that it is
// the same list whatever was asked for.
var authorizationElements = []string{
	"a description of the information to be released that identifies it in a specific and meaningful way;",
	"the name of the person or organization allowed to release it (us);",
	"the name of the person or organization who will receive it;",
	"the purpose of the release (\"at the request of the individual\" is enough when the patient asks);",
	"an expiration date, or an event that ends it, which has not yet passed;",
	"the patient's signature and the date signed, and, if someone signs for the patient, a description of their authority;",
	"statements that the patient may revoke it in writing and how, whether treatment or payment may be conditioned on signing it, " +
		"and that information released may be disclosed again by the recipient and no longer be protected.",
}

const authorizationRules = "It must not be combined with another document in a way the law does not allow, must not be a condition of " +
	"treatment, payment, enrollment or eligibility for benefits, must not have been revoked, and must contain nothing known to be false. " +
	"Some kinds of records need an authorization or consent that names them specifically."

// directiveElements is what a third-party directive needs
// (164.524(c)(3)(ii)).
const directiveElements = "The direction must be in writing, signed by the patient, and clearly name the person who is to receive the copy " +
	"and where to send it."

// publicReason returns what an outside letter may say about code c, which
// withholds an item carrying labels (zero for a request-level code).
func publicReason(in *Input, c roi.Code, labels roi.Labels) reason {
	if specialCodes[c] {
		return special
	}
	form := "authorization"
	if in.Basis == roi.BasisDirective {
		form = "written direction"
	}
	newForm := "A new " + form + " that meets the requirements below."
	switch c {
	// Right of access, 164.524(a). The individual and a personal
	// representative may be told these in their own terms; anyone else,
	// or a parent about care a minor consented to alone, gets special.
	case roi.CodePNAccessExcluded:
		if !in.entitled() || (in.Requester != roi.KindPatient && labels.Has(roi.LabelMinorConsented)) {
			return special
		}
		return reason{key: string(c),
			text: "Psychotherapy notes (notes a mental health professional keeps apart from the rest of the medical record about what was " +
				"said in private or group sessions) are not part of the right of access. The rest of the record, including diagnoses, " +
				"treatment plans, medications and test results, is not affected by this.",
			cite: []string{"45 CFR 164.524(a)(1)(i)", "45 CFR 164.524(a)(2)(i)"}}
	case roi.CodeLitigationCompiled:
		if in.Requester != roi.KindPatient && labels.Has(roi.LabelMinorConsented) {
			return special
		}
		return reason{key: string(c),
			text: "Some information was compiled in reasonable anticipation of, or for use in, a civil, criminal or administrative action " +
				"or proceeding, and the law excludes it from the right of access.",
			cite: []string{"45 CFR 164.524(a)(1)(ii)", "45 CFR 164.524(a)(2)(i)"}}
	case roi.CodeReviewableHarm:
		if in.Requester != roi.KindPatient && labels.Has(roi.LabelMinorConsented) {
			return special
		}
		return reason{key: string(c), review: true,
			text: "A licensed health care professional has determined, in the exercise of professional judgment, that access to some " +
				"records is reasonably likely to endanger the life or physical safety of the patient or another person, or to cause " +
				"substantial harm to a person the records refer to.",
			cite: []string{"45 CFR 164.524(a)(3)"}}
	case roi.CodeRepresentativeEndangers:
		return reason{key: string(c), review: true,
			text: "A licensed health care professional has determined, in the exercise of professional judgment, that access by the " +
				"requester as the patient's personal representative is reasonably likely to cause substantial harm to the patient or " +
				"another person.",
			cite: []string{"45 CFR 164.524(a)(3)(iii)", "45 CFR 164.502(g)(5)"}}

	// Items outside what the permission covers.
	case roi.CodeOutsideAuthScope:
		return reason{key: string(c),
			text: "Some records fall outside what the " + form + " describes: its dates, or the kinds of records it names.",
			cite: []string{"45 CFR 164.508(a)(1)", "45 CFR 164.508(c)(1)(i)"},
			cure: "An " + form + " that describes these records by their dates and kind."}
	case roi.CodeOutsideOrderScope:
		return reason{key: string(c),
			text: "Some records are not expressly covered by the court order, subpoena or warrant.",
			cite: []string{"45 CFR 164.512(e)(1)(i)", "45 CFR 164.512(f)(1)(ii)"},
			cure: "A court order, subpoena or warrant that expressly describes these records, or an authorization signed by the patient."}
	case roi.CodeDateUncertain:
		return reason{key: string(c),
			text: "Some records carry no date, or only a year or a month, and we could not tell whether they fall within the dates you asked for.",
			cite: []string{"45 CFR 164.524(b)(1)", "45 CFR 164.508(c)(1)(i)"},
			cure: "Tell us whether you want these records whatever their date, or give dates that include them."}
	case roi.CodeMinimumNecessary:
		return reason{key: string(c),
			text: "Some records are more than the minimum necessary for the purpose of the request, and the law allows us to release " +
				"only the minimum necessary.",
			cite: []string{"45 CFR 164.502(b)", "45 CFR 164.514(d)"},
			cure: "An authorization signed by the patient, or legal process that covers these records."}

	// The authorization or direction itself, 164.508(b)(2).
	case roi.CodeAuthorizationExpired:
		return reason{key: string(c),
			text: "The " + form + " has expired: its expiration date has passed, or the event that ends it has occurred.",
			cite: []string{"45 CFR 164.508(b)(2)(i)"}, cure: newForm}
	case roi.CodeAuthorizationIncomplete:
		text := "The " + form + " is not filled out completely: a required element or statement is missing."
		cite := []string{"45 CFR 164.508(b)(2)(ii)", "45 CFR 164.508(c)"}
		if in.Basis == roi.BasisDirective {
			text = "The written direction is not signed by the patient, or does not clearly name the person who is to receive the copy."
			cite = []string{"45 CFR 164.524(c)(3)(ii)"}
		}
		return reason{key: string(c), text: text, cite: cite, cure: newForm}
	case roi.CodeAuthorizationRevoked:
		return reason{key: string(c),
			text: "The " + form + " has been revoked in writing.",
			cite: []string{"45 CFR 164.508(b)(2)(iii)", "45 CFR 164.508(b)(5)"}, cure: newForm}
	case roi.CodeAuthorizationCompound:
		return reason{key: string(c),
			text: "The " + form + " is combined with another authorization or document in a way the law does not allow: some kinds of " +
				"records must be authorized on a separate form that covers only them.",
			cite: []string{"45 CFR 164.508(b)(2)(iv)", "45 CFR 164.508(b)(3)"}, cure: newForm}
	case roi.CodeAuthorizationConditioned:
		return reason{key: string(c),
			text: "The " + form + " was made a condition of treatment, payment, enrollment in a health plan or eligibility for benefits, " +
				"which the law does not allow here.",
			cite: []string{"45 CFR 164.508(b)(2)(iv)", "45 CFR 164.508(b)(4)"}, cure: newForm}
	case roi.CodeAuthorizationFalse:
		return reason{key: string(c),
			text: "Information in the " + form + " that matters to it is known to be false.",
			cite: []string{"45 CFR 164.508(b)(2)(v)"}, cure: newForm}
	case roi.CodeRecipientNotAuthorized:
		cite := []string{"45 CFR 164.508(a)(1)", "45 CFR 164.508(c)(1)(iii)"}
		if in.Basis == roi.BasisDirective {
			cite = []string{"45 CFR 164.524(c)(3)(ii)"}
		}
		return reason{key: string(c),
			text: "The " + form + " does not name the person or organization the records would go to.",
			cite: cite, cure: "A new " + form + " that names the person or organization who is to receive the records."}

	// Who asks, and on what permission.
	case roi.CodeNotPersonalRep:
		return reason{key: string(c),
			text: "The documents provided do not give the requester authority to act for the patient in health care matters. For " +
				"example, a financial power of attorney does not, a parent acts only for a child who is still a minor, and an executor " +
				"or administrator acts only for a patient who has died.",
			cite: []string{"45 CFR 164.502(g)"},
			cure: "Documents showing authority to make health care decisions for the patient, or an authorization signed by the patient."}
	case roi.CodeNoPermission:
		return reason{key: string(c),
			text: "We did not receive an authorization signed by the patient, and no exception in the law permits this release without one.",
			cite: []string{"45 CFR 164.502(a)", "45 CFR 164.508(a)(1)"},
			cure: "An authorization signed by the patient that meets the requirements below."}

	// Pending: what the requester owes.
	case roi.CodeIdentityUnverified:
		return reason{key: string(c),
			text: "We have not been able to verify the identity of the person making the request.",
			cite: []string{"45 CFR 164.514(h)"},
			cure: "Proof of identity: a copy of a current government-issued photo identification (such as a driver's license, state " +
				"identification card or passport) of the person making the request, or a visit to our office with it."}
	case roi.CodeAuthorityDocsMissing:
		return reason{key: string(c),
			text: "We have not received the documents that show the authority for this request.",
			cite: []string{"45 CFR 164.514(h)", "45 CFR 164.502(g)"},
			cure: authorityCure(in.Basis)}
	case roi.CodeAssurancesNeeded:
		return reason{key: string(c),
			text: "A subpoena or discovery request that is not accompanied by a court order needs satisfactory written assurances before " +
				"we may respond.",
			cite: []string{"45 CFR 164.512(e)(1)(ii)-(v)"},
			cure: "One of: (a) a court order; (b) a written statement, with documentation, that you made a good-faith attempt to give the " +
				"patient written notice of the request with enough information to allow an objection, and that the time to object has " +
				"passed with no objection or with every objection resolved by the court; or (c) a written statement, with documentation, " +
				"that the parties have agreed to a qualified protective order and presented it to the court, or that you have asked " +
				"the court for one."}
	}
	// A code this package does not know: say nothing specific about it.
	return special
}

// authorityCure is what documents show the authority a request rests on.
func authorityCure(b roi.Basis) string {
	switch b {
	case roi.BasisDirective:
		return "The patient's written direction, signed by the patient, naming the person who is to receive the copy and where to send it."
	case roi.BasisSubpoena, roi.BasisCourtOrder, roi.BasisWarrant, roi.BasisLawEnforcement:
		return "A copy of the subpoena, court order or warrant the request relies on."
	case roi.BasisAuthorization:
		return "The authorization signed by the patient."
	}
	return "Documents showing your authority to act for the patient in health care matters: for a parent of a minor, a birth " +
		"certificate or custody order; for a guardian, the court's order of guardianship; for a health care agent, the health care " +
		"power of attorney; for the executor or administrator of a patient who has died, the letters testamentary or of administration."
}

// reasonsOf returns the public reasons for a request's codes and its
// withheld items, each said once, request-level first.
func reasonsOf(in *Input) []reason {
	var out []reason
	seen := map[string]bool{}
	add := func(r reason) {
		if !seen[r.key] {
			seen[r.key] = true
			out = append(out, r)
		}
	}
	for _, c := range in.Reasons {
		add(publicReason(in, c, 0))
	}
	// Item codes in precedence order, so that the letter reads the same
	// whatever order the map holds them in.
	keys := make([]string, 0, len(in.Withheld))
	for key := range in.Withheld {
		keys = append(keys, key)
	}
	sort.Strings(keys)
	for _, c := range roi.ItemCodes {
		for _, key := range keys {
			if in.Withheld[key] == c {
				it, _ := in.item(key)
				add(publicReason(in, c, it.Labels))
			}
		}
	}
	for _, key := range keys {
		if c := in.Withheld[key]; !roi.IsItemCode(c) {
			it, _ := in.item(key)
			add(publicReason(in, c, it.Labels))
		}
	}
	return out
}

// needsAuthorization reports whether any code is a defect of the
// authorization or direction itself, or the lack of one, so that the
// letter says what a valid one needs.
func needsAuthorization(codes []roi.Code) bool {
	for _, c := range codes {
		switch c {
		case roi.CodeAuthorizationExpired, roi.CodeAuthorizationIncomplete, roi.CodeAuthorizationRevoked,
			roi.CodeAuthorizationCompound, roi.CodeAuthorizationConditioned, roi.CodeAuthorizationFalse,
			roi.CodeRecipientNotAuthorized, roi.CodeNoPermission:
			return true
		}
	}
	return false
}
