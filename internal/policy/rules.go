package policy

import "github.com/custodian-roi/custodian/internal/roi"

// The rules, in plain words, with their citations. Every finding of a
// decision points at one of these; the text is what staff and requesters
// read in the decision's explanation, so it states the rule, never facts
// about the patient.

var allRules []*roi.Rule

func rule(id, text string, cite ...string) *roi.Rule {
	r := &roi.Rule{ID: id, Text: text, Cite: cite}
	allRules = append(allRules, r)
	return r
}

// Rules returns every rule the engine applies, in the order declared.
func Rules() []*roi.Rule { return append([]*roi.Rule(nil), allRules...) }

// Identity and authority.
var (
	ruleIdentityVerified      = rule("identity-verified", "The requester's identity was verified before any disclosure.", "45 CFR 164.514(h)(1)")
	ruleIdentityUnverified    = rule("identity-unverified", "The requester's identity is not verified; nothing is disclosed until it is. The deadline still runs from receipt.", "45 CFR 164.514(h)(1)", "45 CFR 164.524(b)(2)")
	ruleIndividual            = rule("individual", "The requester is the individual the records are about.", "45 CFR 164.524(a)(1)")
	ruleRepresentative        = rule("personal-representative", "The requester has verified authority to act for the patient in health-care matters and is treated as the individual.", "45 CFR 164.502(g)(1)-(4)")
	ruleAuthorityUndocumented = rule("authority-undocumented", "The requester claims to act for the patient but has not documented a verified authority to do so.", "45 CFR 164.514(h)(1)", "45 CFR 164.502(g)")
	ruleNotRepresentative     = rule("not-personal-representative", "The authority shown does not make the requester a personal representative: a parent only of an unemancipated minor, a guardian or health-care agent only of a living patient, an executor or administrator only of a deceased one, and a financial power of attorney never.", "45 CFR 164.502(g)(2)-(4)")
	ruleEndangerment          = rule("representative-endangerment", "There is reason to believe the would-be representative endangers the patient; a person must decide whether to treat them as representative.", "45 CFR 164.502(g)(5)")
	ruleNoPermission          = rule("no-permission", "No authorization was given and no exception permits this disclosure.", "45 CFR 164.502(a)", "45 CFR 164.508(a)(1)")
	ruleAllWithheld           = rule("all-withheld", "Every item in scope is withheld, so nothing may be released on this request as submitted.", "45 CFR 164.524(d)(2)")
	ruleNonPHI                = rule("decedent-50-years", "The patient died more than 50 years ago; the records are no longer protected health information.", "45 CFR 160.103 (protected health information (2)(iv))", "45 CFR 164.502(f)")
)

// Right of access.
var (
	ruleAccess                 = rule("access", "The individual has a right to a copy of records in the designated record set; minimum necessary does not apply.", "45 CFR 164.524(a)(1)", "45 CFR 164.502(b)(2)(ii)")
	rulePNAccessExcluded       = rule("psychotherapy-note-access-excluded", "Psychotherapy notes are excluded from the right of access; the denial is not reviewable.", "45 CFR 164.524(a)(1)(i)", "45 CFR 164.524(a)(2)(i)")
	ruleLitigation             = rule("litigation-compiled", "Information compiled in reasonable anticipation of litigation is excluded from the right of access; the denial is not reviewable.", "45 CFR 164.524(a)(1)(ii)", "45 CFR 164.524(a)(2)(i)")
	ruleReviewableHarm         = rule("reviewable-harm", "A licensed health care professional determined that access is reasonably likely to endanger life or physical safety; the requester may ask for a review.", "45 CFR 164.524(a)(3)", "45 CFR 164.524(a)(4)")
	rulePart2PatientAccess     = rule("part2-patient-access", "A patient may see their own Part 2 records without a Part 2 consent.", "42 CFR 2.23", "45 CFR 164.524")
	ruleMinorParentAllowed     = rule("minor-parent-access-allowed", "The minor consented to this care alone, and state law permits the parent access to its records.", "45 CFR 164.502(g)(3)(ii)(A)")
	ruleMinorParentProhibited  = rule("minor-parent-access-prohibited", "The minor consented to this care alone, and state law prohibits the parent's access to its records.", "45 CFR 164.502(g)(3)(i)", "45 CFR 164.502(g)(3)(ii)(B)")
	ruleMinorConsentGiven      = rule("minor-consent-given", "The minor consented to this care alone and has consented in writing to its disclosure to this requester.", "45 CFR 164.502(g)(3)(i)", "45 CFR 164.524")
	rulePart2MinorConsentGiven = rule("part2-minor-consent-given", "The minor obtained this SUD treatment alone and has consented in writing to its disclosure to this requester; the 2.32 notice and a copy or explanation of the consent go with it.", "42 CFR 2.14", "42 CFR 2.31", "42 CFR 2.32")
	ruleMinorParentDiscretion  = rule("minor-parent-access-discretion", "The minor consented to this care alone and state law is silent on the parent's access; a licensed health care professional decides.", "45 CFR 164.502(g)(3)(i)", "45 CFR 164.502(g)(3)(ii)(C)")
	ruleDirectiveMissing       = rule("directive-missing", "A copy sent to a third party at the individual's direction needs the individual's signed written direction.", "45 CFR 164.524(c)(3)(ii)")
	ruleDirectiveDefective     = rule("directive-defective", "The written direction must be signed by the individual and clearly name the person the copy goes to, and the request must go to that person.", "45 CFR 164.524(c)(3)(ii)")
	ruleDirectiveValid         = rule("directive-valid", "The individual's signed written direction names the recipient of the copy.", "45 CFR 164.524(c)(3)(ii)")
	ruleDirective              = rule("directive", "Sent to the person the individual designated, as part of the individual's right of access.", "45 CFR 164.524(c)(3)(ii)")
)

// Authorizations and consents.
var (
	ruleNoAuthorization        = rule("no-authorization", "The request rests on an authorization, but none was provided.", "45 CFR 164.508(a)(1)")
	ruleAuthorizationValid     = rule("authorization-valid", "The authorization has every required element and statement, is in force, is not compound or conditioned, and names this recipient.", "45 CFR 164.508(b)(1)", "45 CFR 164.508(c)", "42 CFR 2.31")
	ruleAuthorizationDefective = rule("authorization-defective", "The authorization is not valid: it is expired, incomplete, revoked, compound, conditioned, known to be false, or does not name this recipient.", "45 CFR 164.508(b)(2)", "42 CFR 2.31")
	ruleAuthorizationCovers    = rule("authorization-covers", "A valid authorization describes this record by its dates and category; no minimum-necessary review applies.", "45 CFR 164.508(a)(1)", "45 CFR 164.502(b)(2)(iii)")
	rulePart2Consent           = rule("part2-consent", "A valid Part 2 written consent covers this record; the 2.32 notice and a copy or explanation of the consent go with it.", "42 CFR 2.31", "42 CFR 2.32", "42 CFR 2.33")
	ruleOutsideAuthScope       = rule("outside-authorization-scope", "The record is outside what the authorization describes (its dates or categories).", "45 CFR 164.508(a)(1)", "45 CFR 164.508(c)(1)(i)")
	rulePNAuthRequired         = rule("psychotherapy-note-authorization-required", "Psychotherapy notes need an authorization that names them, even for treatment by another provider.", "45 CFR 164.508(a)(2)")
	ruleStateSpecific          = rule("state-specific-authorization", "State law requires an authorization or order that specifically names this category of record.", "45 CFR 160.203(b)", "state law (jurisdiction specific_authorization)")
	ruleMinorSignedByParent    = rule("minor-consented-service", "The minor consented to this care alone; a parent's signature cannot authorize its disclosure.", "45 CFR 164.502(g)(3)(i)")
	ruleNot508                 = rule("part2-consent-not-hipaa-authorization", "The document covering this record is a Part 2 consent that lacks an element or statement a HIPAA authorization requires; it may let go only the Part 2 records it covers, and is incomplete for every other record.", "45 CFR 164.508(b)(2)(ii)", "45 CFR 164.508(c)", "42 CFR 2.31")
	ruleSignerUndocumented     = rule("signer-authority-undocumented", "An authorization signed by a representative is relied on only when a verified document shows that person's authority to act for this patient; it has not been provided.", "45 CFR 164.508(c)(1)(vi)", "45 CFR 164.502(g)", "45 CFR 164.514(h)(1)")
	ruleSignerEndangers        = rule("signer-endangerment", "The authorization was signed by a representative reasonably believed to endanger the patient; a person must decide whether to rely on it.", "45 CFR 164.502(g)(5)", "45 CFR 164.508(c)(1)(vi)")
	ruleDirectiveStateSpecific = rule("directive-state-specific-authorization", "A written direction names no categories of record; state law lets this category go to a third party only on an authorization that names it, and none is held.", "45 CFR 160.203(b)", "45 CFR 164.524(c)(3)(ii)", "state law (jurisdiction specific_authorization)")
	ruleStateUnclear           = rule("state-law-unclear", "State law on disclosing this category of record is unsettled and no document relied on names the category; a person decides before it goes to anyone but the patient.", "45 CFR 160.203(b)", "state law (see the jurisdiction pack)")
)

// 42 CFR Part 2.
var (
	rulePart2NoConsent      = rule("part2-no-consent", "A Part 2 program record needs a written consent meeting 42 CFR 2.31 (or another Part 2 permission) for this disclosure.", "42 CFR 2.12", "42 CFR 2.13", "42 CFR 2.31")
	rulePart2CounselingNote = rule("part2-counseling-note", "SUD counseling notes need a separate consent that names them.", "42 CFR 2.11", "42 CFR 2.31")
	rulePart2MinorConsent   = rule("part2-minor-consent", "The minor obtained this SUD treatment alone; only the minor may consent to its disclosure, including to a parent.", "42 CFR 2.14")
	rulePart2NoCourtOrder   = rule("part2-no-court-order", "A Part 2 record sought by legal process needs a court order meeting subpart E; a subpoena or warrant alone does not permit disclosure.", "42 CFR 2.12(d)", "42 CFR 2.61", "42 CFR 2.64", "42 CFR 2.65")
)

// Dates a record cannot be placed against.
var ruleDateUncertain = rule("date-uncertain", "The request is bounded by dates and this record gives no day (or only a year, a month or a last-updated day) that places it inside or outside them; a person places it before anything goes.", "45 CFR 164.524(b)(1)", "45 CFR 164.508(c)(1)(i)", "45 CFR 164.502(b)")

// Treatment, payment and operations; 164.512.
var (
	ruleTPO                     = rule("treatment-payment-operations", "Disclosure to another covered entity for treatment, payment or health care operations needs no authorization; its request may be relied on as the minimum necessary.", "45 CFR 164.506(c)", "45 CFR 164.502(b)(2)(i)", "45 CFR 164.514(d)(3)(iii)(B)")
	ruleTPOWrongRequester       = rule("tpo-wrong-requester", "Treatment disclosures go to a health care provider, payment and operations disclosures to a covered entity; this requester is neither.", "45 CFR 164.506(c)")
	ruleAssurancesNeeded        = rule("assurances-needed", "A subpoena not accompanied by a court order needs satisfactory assurance of notice to the patient or of a qualified protective order.", "45 CFR 164.512(e)(1)(ii)-(vi)")
	ruleAssurancesMoot          = rule("assurances-moot", "The subpoena lacks satisfactory assurances, but none would let anything in scope go, so none are asked for.", "45 CFR 164.512(e)(1)(ii)", "42 CFR 2.61")
	ruleProcessMissing          = rule("process-missing", "The request rests on legal process, but no order, subpoena or warrant was provided.", "45 CFR 164.512(e)", "45 CFR 164.512(f)(1)")
	ruleProcess                 = rule("legal-process", "Disclosure in answer to legal process is limited to what the process expressly covers.", "45 CFR 164.512(e)(1)", "45 CFR 164.512(f)(1)(ii)")
	ruleProcessCovers           = rule("process-covers", "The order, warrant or subpoena expressly covers this record.", "45 CFR 164.512(e)(1)(i)", "45 CFR 164.512(f)(1)(ii)")
	ruleOutsideOrderScope       = rule("outside-order-scope", "The record is not expressly covered by the order, warrant or subpoena.", "45 CFR 164.512(e)(1)(i)")
	ruleLawEnforcementNoProcess = rule("law-enforcement-no-process", "Law enforcement asked without warrant, order or subpoena: only limited identifying and location data may go; everything else is withheld.", "45 CFR 164.512(f)(2)")
	ruleLawEnforcementLimitedID = rule("law-enforcement-limited-id", "Limited identification and location data may go to law enforcement on request.", "45 CFR 164.512(f)(2)")
	ruleLawEnforcementBeyondID  = rule("law-enforcement-beyond-id", "Beyond the identifying and location data 164.512(f)(2) allows to law enforcement without a warrant, order or subpoena; withheld.", "45 CFR 164.512(f)(2)", "45 CFR 164.502(b)")
	rulePublicHealth            = rule("public-health", "Disclosure to a public health authority authorized by law to collect it; the official's request may be relied on as the minimum necessary.", "45 CFR 164.512(b)(1)(i)", "45 CFR 164.514(d)(3)(iii)(A)")
	ruleHealthOversight         = rule("health-oversight", "Disclosure to a health oversight agency for oversight activities authorized by law.", "45 CFR 164.512(d)", "45 CFR 164.514(d)(3)(iii)(A)")
	ruleCoroner                 = rule("coroner", "Disclosure to a coroner or medical examiner to identify a deceased person or determine the cause of death.", "45 CFR 164.512(g)(1)")
	ruleCoronerPN               = rule("coroner-psychotherapy-note", "Psychotherapy notes may go to a coroner or medical examiner without authorization.", "45 CFR 164.508(a)(2)(ii)", "45 CFR 164.512(g)(1)")
	ruleCoronerPart2            = rule("coroner-part2", "Part 2 records may go to an authority inquiring into the cause of death.", "42 CFR 2.15(b)(1)")
	ruleWorkersComp             = rule("workers-comp", "State law authorizes disclosure for workers' compensation without authorization.", "45 CFR 164.512(l)")
	rulePermissionNotMet        = rule("permission-not-met", "The permission claimed does not apply: public health disclosures go to a public health authority, oversight disclosures to an oversight agency, coroner disclosures concern a deceased patient, and workers' compensation disclosures need a state law authorizing them.", "45 CFR 164.512(b)", "45 CFR 164.512(d)", "45 CFR 164.512(g)(1)", "45 CFR 164.512(l)")
)

// Deadlines.
var (
	ruleAccessDue        = rule("access-due", "Act on an access request no later than 30 calendar days after receipt.", "45 CFR 164.524(b)(2)(i)")
	ruleStateDeadline    = rule("state-deadline", "The state's deadline for access is earlier than HIPAA's 30 days and applies.", "45 CFR 160.203(b)", "state law (jurisdiction access_deadline)")
	ruleAccountingDue    = rule("accounting-due", "Act on a request for an accounting no later than 60 days after receipt.", "45 CFR 164.528(c)(1)")
	ruleExtensionValid   = rule("extension-valid", "A written notice with the reasons and a new date, sent in time and within the one 30-day extension allowed, extends the deadline.", "45 CFR 164.524(b)(2)(ii)", "45 CFR 164.528(c)(1)(ii)")
	ruleExtensionLate    = rule("extension-late", "The extension notice was sent after the deadline; the deadline stands.", "45 CFR 164.524(b)(2)(ii)")
	ruleExtensionTooLong = rule("extension-too-long", "The extension notice promises a date beyond the one 30-day extension allowed; the deadline stands.", "45 CFR 164.524(b)(2)(ii)")
	ruleExtensionSecond  = rule("extension-second", "Only one extension is allowed per request.", "45 CFR 164.524(b)(2)(ii)")
	ruleOverdue          = rule("overdue", "The due date has passed.", "45 CFR 164.524(b)(2)", "45 CFR 164.528(c)(1)")
)

// Accounting of disclosures.
var (
	ruleAccountingWindow       = rule("accounting-window", "The accounting covers disclosures in the six years before the request, or the shorter period asked for.", "45 CFR 164.528(a)(1)", "45 CFR 164.528(a)(3)")
	ruleOutsideWindow          = rule("outside-window", "Outside the period the accounting covers.", "45 CFR 164.528(a)(1)")
	ruleBeforeCompliance       = rule("before-compliance-date", "Made before the covered entity's compliance date.", "45 CFR 164.528(a)(1)(ix)")
	ruleAccountable            = rule("accountable", "Not among the exempt disclosures: listed with date, recipient, description and purpose.", "45 CFR 164.528(a)(1)", "45 CFR 164.528(b)(2)")
	ruleExemptTPO              = rule("exempt-tpo", "Disclosures for treatment, payment or health care operations are exempt.", "45 CFR 164.528(a)(1)(i)")
	ruleExemptIndividual       = rule("exempt-individual", "Disclosures to the individual, or at the individual's direction as part of access, are exempt.", "45 CFR 164.528(a)(1)(ii)")
	ruleExemptIncidental       = rule("exempt-incidental", "Disclosures incident to a permitted disclosure are exempt.", "45 CFR 164.528(a)(1)(iii)")
	ruleExemptAuthorization    = rule("exempt-authorization", "Disclosures under an authorization are exempt.", "45 CFR 164.528(a)(1)(iv)")
	ruleExemptDirectory        = rule("exempt-directory", "Facility directory disclosures and disclosures to persons involved in care are exempt.", "45 CFR 164.528(a)(1)(v)")
	ruleExemptNationalSecurity = rule("exempt-national-security", "Disclosures for national security or intelligence purposes are exempt.", "45 CFR 164.528(a)(1)(vi)")
	ruleExemptLimitedDataSet   = rule("exempt-limited-data-set", "Disclosures of a limited data set are exempt.", "45 CFR 164.528(a)(1)(viii)")
)
