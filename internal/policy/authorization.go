package policy

import (
	"strings"

	"github.com/custodian-roi/custodian/internal/roi"
)

// authCheck is one authorization or consent checked against this request:
// the defects that make it invalid (164.508(b)(2), 42 CFR 2.31), in the
// order found.
type authCheck struct {
	a       *roi.Authorization
	defects []roi.Code
	// not508: the document lacks an element or statement 164.508 requires
	// (a Part 2 consent may), so it can let go only the Part 2 records its
	// Part 2 form covers: whatever its forms say, every other record needs
	// a document meeting 164.508.
	not508 bool
	// signer: whether the authority of the representative who signed it
	// is shown (164.502(g), 164.508(c)(1)(vi)).
	signer signerStatus
}

// signerStatus is what the evidence shows about who signed a document.
type signerStatus uint8

const (
	// signerShown: the patient signed, or a representative whose verified
	// authority lets them act for this patient.
	signerShown signerStatus = iota
	// signerUndocumented: signed by a representative whose authority is
	// not documented (no representative entry, or only unverified ones of
	// an authority that could qualify): the requester owes the papers.
	signerUndocumented
	// signerEndangers: signed by a representative believed to endanger the
	// patient (164.502(g)(5)): a person decides whether to rely on it.
	signerEndangers
)

func (c *authCheck) defect(code roi.Code) {
	for _, d := range c.defects {
		if d == code {
			return
		}
	}
	c.defects = append(c.defects, code)
}

// checkAuthorizations checks every authorization once, before any item is
// decided.
func (e *evaluator) checkAuthorizations() {
	as := e.f.Evidence.Authorizations
	e.auths = make([]authCheck, len(as))
	for i := range as {
		c := &e.auths[i]
		c.a = &as[i]
		e.checkAuthorization(c)
		switch {
		case len(c.defects) > 0:
		case c.signer == signerShown || e.trustSigners:
			e.valid = append(e.valid, c)
		default:
			e.unproven = append(e.unproven, c)
		}
	}
}

var (
	hipaaStatements = []roi.Statement{roi.StatementRevocation, roi.StatementConditioning, roi.StatementRedisclosure}
	part2Statements = []roi.Statement{roi.StatementRevocation}
	tpoStatements   = []roi.Statement{roi.StatementRevocation, roi.StatementRedisclosure,
		roi.StatementTPORedisclosure, roi.StatementRefusalConsequences}
)

func (e *evaluator) checkAuthorization(c *authCheck) {
	a, now := c.a, e.f.Now

	// 164.508(b)(2)(ii), (c)(1)-(2) and 42 CFR 2.31(a): every core element
	// filled in and every required statement present.
	if len(missingElements(a)) > 0 {
		c.defect(roi.CodeAuthorizationIncomplete)
	}
	// 164.508(b)(2)(i): valid through its expiration date, not after.
	if (a.Expires.Known() && a.Expires < now) || a.ExpiredEventOccurred {
		c.defect(roi.CodeAuthorizationExpired)
	}
	// 164.508(b)(5): a revocation counts once the covered entity has it.
	if a.Revoked.Known() && a.Revoked <= now {
		c.defect(roi.CodeAuthorizationRevoked)
	}
	// 164.508(b)(3)(ii): psychotherapy notes only with psychotherapy notes;
	// 42 CFR 2.31: SUD counseling notes only with SUD counseling notes.
	l := a.Covers.Labels
	if l.Has(roi.LabelPsychotherapyNote) && l.Len() > 1 {
		c.defect(roi.CodeAuthorizationCompound)
	}
	if l.Has(roi.LabelSUDCounselingNote) && !roi.LabelsOf(roi.LabelSUDCounselingNote, roi.LabelPart2).HasAll(l) {
		c.defect(roi.CodeAuthorizationCompound)
	}
	if a.Conditioned { // 164.508(b)(4), (b)(2)(iv)
		c.defect(roi.CodeAuthorizationConditioned)
	}
	if a.KnownFalse { // 164.508(b)(2)(v)
		c.defect(roi.CodeAuthorizationFalse)
	}
	// A signature dated after the patient's death cannot be the patient's:
	// the document says something known to be false (164.508(b)(2)(v)).
	if d := e.f.Patient.DeathDate; a.SignedBy == roi.SignerPatient && d.Known() && a.Signed.Known() && a.Signed > d {
		c.defect(roi.CodeAuthorizationFalse)
	}
	// A representative signs only with authority to act for this patient
	// (164.508(c)(1)(vi), 164.502(g)), judged as for access on the day of
	// decision.
	if a.SignedBy == roi.SignerRepresentative {
		switch st, _ := e.representativeEvidence(); st {
		case repUndocumented:
			c.signer = signerUndocumented
		case repNotRepresentative:
			c.defect(roi.CodeNotPersonalRep)
		case repShown:
			if e.f.Evidence.EndangermentConcern {
				c.signer = signerEndangers
			}
		}
	}
	c.not508 = len(missing508(a)) > 0
	if !blank(a.Recipient) && !e.recipientNamed(a) {
		c.defect(roi.CodeRecipientNotAuthorized)
	}
}

func blank(s string) bool { return strings.TrimSpace(s) == "" }

// sameName compares names ignoring case and surrounding space.
func sameName(a, b string) bool {
	a, b = strings.TrimSpace(a), strings.TrimSpace(b)
	return a != "" && strings.EqualFold(a, b)
}

// recipientNamed reports whether the document permits disclosure to this
// request's recipient (164.508(c)(1)(iii), 2.31(a)(4)). A Part 2 TPO consent
// names a class: treating providers, health plans and others helping to
// operate the program, asking for treatment, payment or operations.
func (e *evaluator) recipientNamed(a *roi.Authorization) bool {
	if a.TPO && a.Part2 {
		r := e.f.Request
		return (r.Requester.Kind == roi.KindProvider || r.Requester.Kind == roi.KindHealthPlan) &&
			(r.Basis == roi.BasisTreatment || r.Basis == roi.BasisPayment || r.Basis == roi.BasisOperations)
	}
	return sameName(a.Recipient, e.recipient())
}

// labelsCover reports whether a document naming named covers an item
// labeled have, ignoring dates and forms. An item carrying a specific
// label (psychotherapy note, Part 2, SUD counseling note, a state's
// specific-authorization labels) is covered only if every such label is
// named; any other item when the document names "general" or one of the
// item's labels.
func (e *evaluator) labelsCover(named, have roi.Labels) bool {
	return labelsCover(e.specific, named, have)
}

func labelsCover(specific, named, have roi.Labels) bool {
	if sp := have & specific; sp != 0 {
		return named.HasAll(sp)
	}
	return named.Has(roi.LabelGeneral) || named&have != 0
}

// covers reports whether coverage c reaches item it by dates and labels. A
// record whose date is uncertain is covered by a date-bounded document only
// when every day it may be from is inside (roi.Coverage.Place): a document
// never reaches further than it says.
func (e *evaluator) covers(c *roi.Coverage, it *roi.Item) bool {
	return c.Place(it) == roi.Inside && e.labelsCover(c.Labels, it.Labels)
}

// authCovers reports whether a valid authorization reaches it: dates,
// labels, and for a Part 2 record a document that is a Part 2 consent.
func (e *evaluator) authCovers(a *roi.Authorization, it *roi.Item) bool {
	return e.covers(&a.Covers, it) && (a.Part2 || !it.Labels.Has(roi.LabelPart2))
}

// minorMaySign reports whether a's signer may permit disclosure of it. For
// care a minor consented to alone, the parent is not the personal
// representative (164.502(g)(3)(i)) and, for Part 2 records, only the
// minor may consent (42 CFR 2.14); the minor's own written consent cures it.
func (e *evaluator) minorMaySign(a *roi.Authorization, it *roi.Item) bool {
	return !(e.minor && it.Labels.Has(roi.LabelMinorConsented) &&
		a.SignedBy == roi.SignerRepresentative && !e.f.Evidence.MinorDisclosureConsent)
}

func (e *evaluator) anyValid(ok func(a *roi.Authorization) bool) bool {
	for _, c := range e.valid {
		if ok(c.a) {
			return true
		}
	}
	return false
}

// meets reports whether c's document is one that may be relied on for it:
// a Part 2 record is judged against the Part 2 form (authCovers requires
// one), every other record against 164.508 whatever the forms say.
func meets(c *authCheck, it *roi.Item) bool {
	return it.Labels.Has(roi.LabelPart2) || !c.not508
}

// reliedOn returns a valid document that lets it go, or nil.
func (e *evaluator) reliedOn(it *roi.Item) *authCheck {
	for _, c := range e.valid {
		if e.authCovers(c.a, it) && meets(c, it) && e.minorMaySign(c.a, it) {
			return c
		}
	}
	return nil
}

// viaConsent decides an item that needs the patient's written permission:
// it goes when a valid authorization or consent covers it, and otherwise
// is withheld with the first code, in precedence order, that says what the
// paperwork lacks.
func (e *evaluator) viaConsent(it *roi.Item) roi.ItemDecision {
	if c := e.reliedOn(it); c != nil {
		if it.Labels.Has(roi.LabelPart2) {
			e.part2ViaConsent = true
			return release(it, rulePart2Consent)
		}
		return release(it, ruleAuthorizationCovers)
	}
	l := it.Labels
	names := func(want roi.Labels, part2 bool) bool {
		for _, c := range e.valid {
			if c.a.Covers.Labels.HasAll(want) && (!part2 || c.a.Part2) && (part2 || !c.not508) {
				return true
			}
		}
		return false
	}
	switch {
	case e.minor && l.Has(roi.LabelPart2) && l.Has(roi.LabelMinorConsented) &&
		!e.f.Evidence.MinorDisclosureConsent &&
		!e.anyValid(func(a *roi.Authorization) bool {
			return a.Part2 && a.SignedBy == roi.SignerPatient && a.Covers.Labels.Has(roi.LabelPart2)
		}):
		return withhold(it, roi.CodePart2MinorConsent, rulePart2MinorConsent)
	case l.Has(roi.LabelSUDCounselingNote) && !names(roi.LabelsOf(roi.LabelSUDCounselingNote, roi.LabelPart2), true):
		return withhold(it, roi.CodePart2CounselingNote, rulePart2CounselingNote)
	case l.Has(roi.LabelPart2) && !names(roi.LabelsOf(roi.LabelPart2), true):
		return withhold(it, roi.CodePart2NoConsent, rulePart2NoConsent)
	case l.Has(roi.LabelPsychotherapyNote) && !names(roi.LabelsOf(roi.LabelPsychotherapyNote), false):
		return withhold(it, roi.CodePNAuthRequired, rulePNAuthRequired)
	case l&e.f.Jurisdiction.SpecificAuthorization != 0 && !names(l&e.f.Jurisdiction.SpecificAuthorization, false):
		return withhold(it, roi.CodeStateSpecificAuth, ruleStateSpecific)
	case e.minor && l.Has(roi.LabelMinorConsented) && e.anyValid(func(a *roi.Authorization) bool {
		return e.authCovers(a, it)
	}):
		return withhold(it, roi.CodeMinorConsentedService, ruleMinorSignedByParent)
	}
	for _, c := range e.valid {
		if c.not508 && e.authCovers(c.a, it) {
			// Covered only by a Part 2 consent that is not a 164.508
			// authorization: incomplete for this record. When nothing else
			// goes, the request fails as authorization-incomplete.
			e.itemDeny = append(e.itemDeny, roi.CodeAuthorizationIncomplete)
			return withhold(it, roi.CodeOutsideAuthScope, ruleNot508)
		}
	}
	return withhold(it, roi.CodeOutsideAuthScope, ruleOutsideAuthScope)
}

// authorization decides a request that rests on the patient's written
// authorization (164.508) or Part 2 consent (2.31). Disclosures under an
// authorization are exempt from minimum necessary (164.502(b)(2)(iii)) and
// from the accounting (164.528(a)(1)(iv)).
func (e *evaluator) authorization() {
	if len(e.auths) == 0 {
		e.step(ruleNoAuthorization, "")
		e.deny = append(e.deny, roi.CodeNoPermission)
		return
	}
	for i := range e.auths {
		c := &e.auths[i]
		if len(c.defects) == 0 {
			e.step(ruleAuthorizationValid, c.a.ID)
		} else {
			e.step(ruleAuthorizationDefective, c.a.ID+": "+joinCodes(c.defects))
		}
	}
	if len(e.valid) == 0 && len(e.unproven) == 0 {
		e.deny = append(e.deny, e.defects()...)
		return
	}
	// With only documents whose signer's authority is not shown, the items
	// are decided without them; signerGate then asks for the papers (or a
	// person's judgment) if they could let something go, and otherwise the
	// request fails for the defects found.
	e.denyIfNothing = len(e.valid) == 0
	if e.stopped() {
		return
	}
	e.accountable = false
	e.decideItems(e.viaConsent)
}

// defects lists the defects of every authorization, in the order found.
func (e *evaluator) defects() []roi.Code {
	var out []roi.Code
	for i := range e.auths {
		out = append(out, e.auths[i].defects...)
	}
	return out
}

func joinCodes(cs []roi.Code) string {
	var b strings.Builder
	for i, c := range cs {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(string(c))
	}
	return b.String()
}
