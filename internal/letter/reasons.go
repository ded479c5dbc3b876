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
// specialCite is the shared reason's authority, the same in every language.
var specialCite = []string{"45 CFR 164.502(a)", "45 CFR 164.508(a)(1)", "other federal and state laws that protect certain records"}

// special returns the shared reason in the letter's language.
func special(c *catalog) reason {
	return reason{key: "special", text: c.special.text, cite: specialCite, cure: c.special.cure}
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

// publicReason returns what an outside letter may say about code c, which
// withholds an item carrying labels (zero for a request-level code).
func publicReason(in *Input, c roi.Code, labels roi.Labels) reason {
	cat := in.lang()
	if specialCodes[c] {
		return special(cat)
	}
	form, aForm := cat.form, cat.aForm
	if in.Basis == roi.BasisDirective {
		form, aForm = cat.directiveForm, cat.aDirectiveForm
	}
	w := cat.reasons[c]
	say := func(cite ...string) reason {
		return reason{key: string(c), text: fill(w.text, "form", form, "a form", aForm), cite: cite,
			cure: fill(w.cure, "form", form, "a form", aForm)}
	}
	newForm := fill(cat.newForm, "form", form)
	switch c {
	// Right of access, 164.524(a). The individual and a personal
	// representative may be told these in their own terms; anyone else,
	// or a parent about care a minor consented to alone, gets special.
	case roi.CodePNAccessExcluded:
		if !in.entitled() || (in.Requester != roi.KindPatient && labels.Has(roi.LabelMinorConsented)) {
			return special(cat)
		}
		return say("45 CFR 164.524(a)(1)(i)", "45 CFR 164.524(a)(2)(i)")
	case roi.CodeLitigationCompiled:
		if in.Requester != roi.KindPatient && labels.Has(roi.LabelMinorConsented) {
			return special(cat)
		}
		return say("45 CFR 164.524(a)(1)(ii)", "45 CFR 164.524(a)(2)(i)")
	case roi.CodeReviewableHarm:
		if in.Requester != roi.KindPatient && labels.Has(roi.LabelMinorConsented) {
			return special(cat)
		}
		r := say("45 CFR 164.524(a)(3)")
		r.review = true
		return r
	case roi.CodeRepresentativeEndangers:
		r := say("45 CFR 164.524(a)(3)(iii)", "45 CFR 164.502(g)(5)")
		r.review = true
		return r

	// Items outside what the permission covers.
	case roi.CodeOutsideAuthScope:
		return say("45 CFR 164.508(a)(1)", "45 CFR 164.508(c)(1)(i)")
	case roi.CodeOutsideOrderScope:
		return say("45 CFR 164.512(e)(1)(i)", "45 CFR 164.512(f)(1)(ii)")
	case roi.CodeDateUncertain:
		return say("45 CFR 164.524(b)(1)", "45 CFR 164.508(c)(1)(i)")
	case roi.CodeMinimumNecessary:
		return say("45 CFR 164.502(b)", "45 CFR 164.514(d)")

	// The authorization or direction itself, 164.508(b)(2).
	case roi.CodeAuthorizationExpired:
		r := say("45 CFR 164.508(b)(2)(i)")
		r.cure = newForm
		return r
	case roi.CodeAuthorizationIncomplete:
		r := say("45 CFR 164.508(b)(2)(ii)", "45 CFR 164.508(c)")
		if in.Basis == roi.BasisDirective {
			r.text, r.cite = cat.directiveIncomplete, []string{"45 CFR 164.524(c)(3)(ii)"}
		}
		r.cure = newForm
		return r
	case roi.CodeAuthorizationRevoked:
		r := say("45 CFR 164.508(b)(2)(iii)", "45 CFR 164.508(b)(5)")
		r.cure = newForm
		return r
	case roi.CodeAuthorizationCompound:
		r := say("45 CFR 164.508(b)(2)(iv)", "45 CFR 164.508(b)(3)")
		r.cure = newForm
		return r
	case roi.CodeAuthorizationConditioned:
		r := say("45 CFR 164.508(b)(2)(iv)", "45 CFR 164.508(b)(4)")
		r.cure = newForm
		return r
	case roi.CodeAuthorizationFalse:
		r := say("45 CFR 164.508(b)(2)(v)")
		r.cure = newForm
		return r
	case roi.CodeRecipientNotAuthorized:
		if in.Basis == roi.BasisDirective {
			return say("45 CFR 164.524(c)(3)(ii)")
		}
		return say("45 CFR 164.508(a)(1)", "45 CFR 164.508(c)(1)(iii)")

	// Who asks, and on what permission.
	case roi.CodeNotPersonalRep:
		return say("45 CFR 164.502(g)")
	case roi.CodeNoPermission:
		return say("45 CFR 164.502(a)", "45 CFR 164.508(a)(1)")

	// Pending: what the requester owes.
	case roi.CodeIdentityUnverified:
		return say("45 CFR 164.514(h)")
	case roi.CodeAuthorityDocsMissing:
		r := say("45 CFR 164.514(h)", "45 CFR 164.502(g)")
		r.cure = authorityCure(cat, in.Basis)
		return r
	case roi.CodeAssurancesNeeded:
		return say("45 CFR 164.512(e)(1)(ii)-(v)")
	}
	// A code this package does not know: say nothing specific about it.
	return special(cat)
}

// authorityCure is what documents show the authority a request rests on.
func authorityCure(c *catalog, b roi.Basis) string {
	if s, ok := c.authorityCure[b]; ok {
		return s
	}
	return c.authorityCureOther
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
