package letter

import (
	"strconv"

	"github.com/custodian-roi/custodian/internal/roi"
)

// english is the catalog of the letters in English.
var english = catalog{
	lang:          roi.LanguageEnglish,
	telephone:     "Telephone ",
	reLabel:       "Re: request",
	privacyOffice: "our privacy office",
	byPhone:       "by telephone at ",
	byEmail:       "by email at ",
	byMail:        "by mail at the address above",
	and:           "and",
	or:            "or",
	quote:         "Please quote request number {n}.",
	months: [12]string{"January", "February", "March", "April", "May", "June", "July",
		"August", "September", "October", "November", "December"},
	longDate:   func(y int, m string, d int) string { return m + " " + strconv.Itoa(d) + ", " + strconv.Itoa(y) },
	datedOne:   ", dated {date}",
	datedRange: ", dated {from} to {through}",
	nouns:      map[string][2]string{},

	askedAccounting: "for an accounting of disclosures",
	asked: map[roi.Basis]string{
		roi.BasisAccess:          "for a copy of records, under the individual's right of access",
		roi.BasisDirective:       "to send a copy of records to a person the individual designated in writing",
		roi.BasisAuthorization:   "for records, under the patient's written authorization",
		roi.BasisTreatment:       "for records for the patient's treatment",
		roi.BasisPayment:         "for records for payment purposes",
		roi.BasisOperations:      "for records for health care operations",
		roi.BasisSubpoena:        "for records, by subpoena",
		roi.BasisCourtOrder:      "for records, by court order",
		roi.BasisWarrant:         "for records, by warrant",
		roi.BasisLawEnforcement:  "for records, for law enforcement purposes",
		roi.BasisPublicHealth:    "for records, for public health activities",
		roi.BasisHealthOversight: "for records, for health oversight activities",
		roi.BasisWorkersComp:     "for records, for workers' compensation",
		roi.BasisCoroner:         "for records, for the duties of a coroner or medical examiner",
	},
	askedOther:      "for records",
	opening:         "your request {asked}",
	openingReceived: "your request {asked}, received {date}",
	withheldNone:    "We did not release the records you asked for, for the following reasons:",
	withheldSome:    "We did not release {count} within your request, for the following reasons:",

	coverTitle:       "Records enclosed",
	coverEnclosed:    "Enclosed are copies of the records released in answer to {opening}.",
	coverWhatHeading: "What is enclosed",
	coverIndex:       ". An index listing each enclosed item follows this letter.",
	part2Copy:        "a copy of the patient's consent",
	part2Scope:       "an explanation of the scope of the patient's consent",
	part2Heading:     "Records released with the patient's consent",
	part2Released: "Some of the enclosed records are protected by federal confidentiality rules (42 CFR part 2) and are released under " +
		"the patient's written consent. As 42 CFR 2.32 requires, the statement below and {what} go with them.",
	part2ScopeOf:      "Scope of the patient's consent: ",
	part2CopyEnclosed: "A copy of the patient's written consent is enclosed.",
	notReleased:       "What was not released",
	everythingElse:    "Everything else within your request that we hold is enclosed.",

	denialTitle:       "Notice of denial",
	denialAccessTitle: "Notice of denial of access",
	denialOpening:     "We have reviewed {opening}. We are unable to release the records you asked for.",
	why:               "Why",
	ibHeading:         "The legal ground for withholding or delaying",
	ibIntro: "Federal rules on information blocking (45 CFR part 171) allow a health care provider to withhold or delay " +
		"electronic health information only on certain grounds. This decision rests on the following:",
	ibGround: map[roi.Exception]string{
		roi.ExceptionNotEHI: "Some of the information asked for is not electronic health information that these rules require us to share.",
		roi.ExceptionPreventingHarm: "A licensed health care professional determined that withholding the information reduces a " +
			"risk of harm to a person.",
		roi.ExceptionPrivacyPrecondition: "A condition that privacy law sets before release, such as proof of identity or authority " +
			"or a written permission the law requires, has not been met.",
		roi.ExceptionPrivacyDenial:            "The law allows access to be denied on this ground, and the ground is not subject to review.",
		roi.ExceptionPrivacyIndividualRequest: "The individual asked that the information not be shared, or that its release wait.",
		roi.ExceptionSecurity:                 "Withholding the information is needed to keep it secure.",
		roi.ExceptionInfeasibility:            "We cannot fulfill the request as made under the circumstances.",
		roi.ExceptionHealthITPerformance:      "Our records system is temporarily unavailable for maintenance or repair.",
		roi.ExceptionProtectingCareAccess:     "Withholding the information protects people's access to lawful health care.",
		roi.ExceptionManner:                   "We cannot provide the information in the form or manner asked for, and offer another.",
		roi.ExceptionFees:                     "A fee that the law permits applies.",
	},
	partialTitle:         "Notice of partial denial",
	partialAccessTitle:   "Notice of partial denial of access",
	partialOpening:       "We have reviewed {opening}. We are releasing some of the records you asked for, and cannot release others.",
	partialReleasing:     "What we are releasing",
	partialProvided:      ". These records are provided with this notice, with an index of each item.",
	partialAllElse:       "We have provided everything else within your request that we hold, leaving out only the records described below.",
	partialNotReleasing:  "What we are not releasing, and why",
	heldElsewhereHeading: "Records we do not hold",
	heldElsewhere:        "We do not hold some of the records you asked for. You may ask for them from: ",

	pendingTitle:      "We need more information to act on your request",
	pendingOpening:    "We have reviewed {opening}. Before we can release any records, we need the following from you:",
	pendingWhy:        "Why we ask",
	pendingSendIt:     "Send it",
	pendingThrough:    " through {url},",
	pendingByMail:     " by mail to the address above, or bring it to our office.",
	pendingHowHeading: "How to send it",
	timeLimit:         "Time limit",
	pendingDue: "The law requires us to act on your request by {due}, and that time keeps running while we wait. " +
		"If we have not received what is listed above by then, we may have to deny the request; you may make a new request at " +
		"any time.",
	pendingNoDue: "Your request will stay open, and nothing will be released, until we receive what is listed above.",

	extensionTitle:  "Notice of extension of time to act on your request",
	extensionWeHave: "We have received your request {asked}.",
	extensionOn:     "On {date} we received your request {asked}.",
	extensionReceived: " The law requires us to act on it within {days} days, by {due}, unless we tell " +
		"you in writing, within that time, why we need more time and when we will act.",
	extensionNotice: "We need more time for the following reasons: {reasons} We will act on your request no later than {newDue}. ({cite})",
	extensionOnce:   "The law allows one extension of no more than 30 days; we will not extend this date again.",

	special: reasonWords{
		text: "Some records can be released only with a specific written consent, authorization or court order " +
			"that the law requires for them, and we did not receive one that covers them.",
		cure: "If the patient wants these records released, the patient may contact our privacy office, listed below, " +
			"to learn what written permission is needed.",
	},
	reasons: map[roi.Code]reasonWords{
		roi.CodePNAccessExcluded: {text: "Psychotherapy notes (notes a mental health professional keeps apart from the rest of the medical " +
			"record about what was said in private or group sessions) are not part of the right of access. The rest of the record, " +
			"including diagnoses, treatment plans, medications and test results, is not affected by this."},
		roi.CodeLitigationCompiled: {text: "Some information was compiled in reasonable anticipation of, or for use in, a civil, criminal " +
			"or administrative action or proceeding, and the law excludes it from the right of access."},
		roi.CodeReviewableHarm: {text: "A licensed health care professional has determined, in the exercise of professional judgment, " +
			"that access to some records is reasonably likely to endanger the life or physical safety of the patient or another person, " +
			"or to cause substantial harm to a person the records refer to."},
		roi.CodeRepresentativeEndangers: {text: "A licensed health care professional has determined, in the exercise of professional " +
			"judgment, that access by the requester as the patient's personal representative is reasonably likely to cause substantial " +
			"harm to the patient or another person."},
		roi.CodeOutsideAuthScope: {text: "Some records fall outside what the {form} describes: its dates, or the kinds of records it names.",
			cure: "{a form} that describes these records by their dates and kind."},
		roi.CodeOutsideOrderScope: {text: "Some records are not expressly covered by the court order, subpoena or warrant.",
			cure: "A court order, subpoena or warrant that expressly describes these records, or an authorization signed by the patient."},
		roi.CodeDateUncertain: {text: "Some records carry no date, or only a year or a month, and we could not tell whether they fall " +
			"within the dates you asked for.",
			cure: "Tell us whether you want these records whatever their date, or give dates that include them."},
		roi.CodeMinimumNecessary: {text: "Some records are more than the minimum necessary for the purpose of the request, and the law " +
			"allows us to release only the minimum necessary.",
			cure: "An authorization signed by the patient, or legal process that covers these records."},
		roi.CodeAuthorizationExpired:    {text: "The {form} has expired: its expiration date has passed, or the event that ends it has occurred."},
		roi.CodeAuthorizationIncomplete: {text: "The {form} is not filled out completely: a required element or statement is missing."},
		roi.CodeAuthorizationRevoked:    {text: "The {form} has been revoked in writing."},
		roi.CodeAuthorizationCompound: {text: "The {form} is combined with another authorization or document in a way the law does not " +
			"allow: some kinds of records must be authorized on a separate form that covers only them."},
		roi.CodeAuthorizationConditioned: {text: "The {form} was made a condition of treatment, payment, enrollment in a health plan or " +
			"eligibility for benefits, which the law does not allow here."},
		roi.CodeAuthorizationFalse: {text: "Information in the {form} that matters to it is known to be false."},
		roi.CodeRecipientNotAuthorized: {text: "The {form} does not name the person or organization the records would go to.",
			cure: "A new {form} that names the person or organization who is to receive the records."},
		roi.CodeNotPersonalRep: {text: "The documents provided do not give the requester authority to act for the patient in health care " +
			"matters. For example, a financial power of attorney does not, a parent acts only for a child who is still a minor, and an " +
			"executor or administrator acts only for a patient who has died.",
			cure: "Documents showing authority to make health care decisions for the patient, or an authorization signed by the patient."},
		roi.CodeNoPermission: {text: "We did not receive an authorization signed by the patient, and no exception in the law permits this " +
			"release without one.",
			cure: "An authorization signed by the patient that meets the requirements below."},
		roi.CodeIdentityUnverified: {text: "We have not been able to verify the identity of the person making the request.",
			cure: "Proof of identity: a copy of a current government-issued photo identification (such as a driver's license, state " +
				"identification card or passport) of the person making the request, or a visit to our office with it."},
		roi.CodeAuthorityDocsMissing: {text: "We have not received the documents that show the authority for this request."},
		roi.CodeAssurancesNeeded: {text: "A subpoena or discovery request that is not accompanied by a court order needs satisfactory " +
			"written assurances before we may respond.",
			cure: "One of: (a) a court order; (b) a written statement, with documentation, that you made a good-faith attempt to give " +
				"the patient written notice of the request with enough information to allow an objection, and that the time to object " +
				"has passed with no objection or with every objection resolved by the court; or (c) a written statement, with " +
				"documentation, that the parties have agreed to a qualified protective order and presented it to the court, or that " +
				"you have asked the court for one."},
	},
	directiveIncomplete: "The written direction is not signed by the patient, or does not clearly name the person who is to receive the copy.",
	form:                "authorization",
	directiveForm:       "written direction",
	aForm:               "An authorization",
	aDirectiveForm:      "A written direction",
	newForm:             "A new {form} that meets the requirements below.",
	authorizationElements: []string{
		"a description of the information to be released that identifies it in a specific and meaningful way;",
		"the name of the person or organization allowed to release it (us);",
		"the name of the person or organization who will receive it;",
		"the purpose of the release (\"at the request of the individual\" is enough when the patient asks);",
		"an expiration date, or an event that ends it, which has not yet passed;",
		"the patient's signature and the date signed, and, if someone signs for the patient, a description of their authority;",
		"statements that the patient may revoke it in writing and how, whether treatment or payment may be conditioned on signing it, " +
			"and that information released may be disclosed again by the recipient and no longer be protected.",
	},
	authorizationRules: "It must not be combined with another document in a way the law does not allow, must not be a condition of " +
		"treatment, payment, enrollment or eligibility for benefits, must not have been revoked, and must contain nothing known to be false. " +
		"Some kinds of records need an authorization or consent that names them specifically.",
	directiveElements: "The direction must be in writing, signed by the patient, and clearly name the person who is to receive the copy " +
		"and where to send it.",
	authorityCure: map[roi.Basis]string{
		roi.BasisDirective:      "The patient's written direction, signed by the patient, naming the person who is to receive the copy and where to send it.",
		roi.BasisSubpoena:       "A copy of the subpoena, court order or warrant the request relies on.",
		roi.BasisCourtOrder:     "A copy of the subpoena, court order or warrant the request relies on.",
		roi.BasisWarrant:        "A copy of the subpoena, court order or warrant the request relies on.",
		roi.BasisLawEnforcement: "A copy of the subpoena, court order or warrant the request relies on.",
		roi.BasisAuthorization:  "The authorization signed by the patient.",
	},
	authorityCureOther: "Documents showing your authority to act for the patient in health care matters: for a parent of a minor, a birth " +
		"certificate or custody order; for a guardian, the court's order of guardianship; for a health care agent, the health care " +
		"power of attorney; for the executor or administrator of a patient who has died, the letters testamentary or of administration.",
	whatYouCanDo:       "What you can do",
	mayResend:          "You may send a new or corrected request at any time. What would allow us to release these records:",
	validAuthorization: "A valid authorization must be in writing, in plain language, and contain:",
	reviewHeading:      "Your right to a review",
	reviewNotice: "You may ask to have this decision reviewed by a licensed health care professional whom we " +
		"designate and who did not take part in the original decision. To ask, write to or call {contact}.{ref} We will promptly " +
		"refer your request to the reviewer, who will decide within a reasonable time. We will tell you the reviewer's decision in " +
		"writing and act on it. (45 CFR 164.524(a)(4), (d)(4))",
	noReviewOther:   "The law does not provide for a review of a decision on the other grounds above.",
	noReview:        "The law does not provide for a review of a decision on these grounds.",
	complainHeading: "How to complain",
	complaint: "If you disagree with this decision or believe your privacy rights have been violated, you " +
		"may complain to us: contact {contact}.{ref} You may also complain to the Secretary of the U.S. " +
		"Department of Health and Human Services through its Office for Civil Rights: online at {url}, by telephone " +
		"at {phone} (TDD {tdd}), or by mail to {mail}. A complaint to the Office " +
		"for Civil Rights generally must be filed within 180 days of when you knew of the problem. We will not retaliate against you " +
		"for filing a complaint. (45 CFR 164.530(d), 160.306, 164.530(g))",
	hhsMail:   HHSComplaintMail,
	questions: "If you have questions, contact {contact}.",
	followAt:  " You can also follow your request at {url}.",

	accountingTitle: "Accounting of disclosures",
	accountingIntro: "This is the accounting of disclosures of your health information that you asked for. It covers {from}" +
		" through {through}. You may ask for a shorter period (45 CFR 164.528(a)).",
	accountingNone:       "We made no disclosures in this period that the law requires us to list.",
	accountingSome:       "We made {count} in this period that the law requires us to list:",
	disclosure:           [2]string{"disclosure", "disclosures"},
	notKnown:             "not known",
	accountingHeader:     []string{"Date", "Recipient", "Address", "What was disclosed", "Purpose"},
	accountingNotListed:  "What this accounting does not list",
	accountingExemptLead: "The law does not require an accounting to list disclosures made: ",
	exempt: []string{
		"for treatment, payment or health care operations;",
		"to you, or to a person you designated as part of your right of access;",
		"incident to another use or disclosure the law permits;",
		"under your written authorization;",
		"for a facility directory, or to people involved in your care, or for notification purposes;",
		"for national security or intelligence purposes;",
		"to correctional institutions or law enforcement officials having lawful custody of you;",
		"as part of a limited data set;",
		"before April 14, 2003, when these rules took effect.",
	},
	fees: "Fees",
	feesNotice: "The first accounting you ask for in any 12-month period is free. For another within the same 12 " +
		"months we may charge a reasonable, cost-based fee; we will tell you the fee in advance, and you may then withdraw or change " +
		"your request to avoid or reduce it. (45 CFR 164.528(c)(2))",

	accountingSummaryHeader: []string{"Number of disclosures", "Date of the last"},
	accountingSummary: "Where we made several disclosures to the same recipient for the same purpose, one line gives the " +
		"first of them in full, how many there were, and the date of the last one (45 CFR 164.528(b)(3)).",
}
