package roi

// Outcome is the decision on a whole request.
type Outcome string

// The outcomes, 45 CFR 164 as summarized in the conformance format.
const (
	OutcomeRelease  Outcome = "release"  // every item in scope may go
	OutcomePartial  Outcome = "partial"  // some go, some are withheld, no judgment needed
	OutcomeDeny     Outcome = "deny"     // nothing may go on these facts
	OutcomePending  Outcome = "pending"  // the requester must supply something first
	OutcomeEscalate Outcome = "escalate" // a licensed professional or the privacy officer decides
)

// Code names a reason: for a request (why it is denied, pending or
// escalated) or for an item (why it is withheld).
type Code string

// Request-level codes.
const (
	CodeAuthorizationExpired     Code = "authorization-expired"
	CodeAuthorizationIncomplete  Code = "authorization-incomplete"
	CodeAuthorizationRevoked     Code = "authorization-revoked"
	CodeAuthorizationCompound    Code = "authorization-compound"
	CodeAuthorizationConditioned Code = "authorization-conditioned"
	CodeAuthorizationFalse       Code = "authorization-false"
	CodeRecipientNotAuthorized   Code = "recipient-not-authorized"
	CodeNotPersonalRep           Code = "not-personal-representative"
	CodeNoPermission             Code = "no-permission"
	CodeIdentityUnverified       Code = "identity-unverified"
	CodeAuthorityDocsMissing     Code = "authority-documents-missing"
	CodeAssurancesNeeded         Code = "assurances-needed"
	CodeMinorParentDiscretion    Code = "minor-parent-access-discretion"
	CodeRepresentativeEndangers  Code = "representative-endangerment"
)

// Item-level codes. Two of them (part2-minor-consent, part2-no-court-order)
// are request-level codes as well.
const (
	// CodeDateUncertain: the record gives no day, or only a year, a month
	// or an "on or before", and the request is bounded by dates it cannot
	// be placed against; a person places it.
	CodeDateUncertain         Code = "date-uncertain"
	CodePart2MinorConsent     Code = "part2-minor-consent"
	CodePart2CounselingNote   Code = "part2-counseling-note"
	CodePart2NoCourtOrder     Code = "part2-no-court-order"
	CodePart2NoConsent        Code = "part2-no-consent"
	CodePNAccessExcluded      Code = "psychotherapy-note-access-excluded"
	CodePNAuthRequired        Code = "psychotherapy-note-authorization-required"
	CodeLitigationCompiled    Code = "litigation-compiled"
	CodeReviewableHarm        Code = "reviewable-harm"
	CodeMinorConsentedService Code = "minor-consented-service"
	CodeStateSpecificAuth     Code = "state-specific-authorization"
	CodeOutsideAuthScope      Code = "outside-authorization-scope"
	CodeOutsideOrderScope     Code = "outside-order-scope"
	CodeMinimumNecessary      Code = "minimum-necessary"
)

// ItemCodes lists the item-level codes in order of precedence: where
// several apply to one item, the first is reported.
var ItemCodes = []Code{
	CodeDateUncertain, CodePart2MinorConsent, CodePart2CounselingNote, CodePart2NoCourtOrder,
	CodePart2NoConsent, CodePNAccessExcluded, CodePNAuthRequired,
	CodeLitigationCompiled, CodeReviewableHarm, CodeMinorConsentedService,
	CodeStateSpecificAuth, CodeOutsideAuthScope, CodeOutsideOrderScope,
	CodeMinimumNecessary,
}

// RequestCodes lists the request-level codes.
var RequestCodes = []Code{
	CodeAuthorizationExpired, CodeAuthorizationIncomplete, CodeAuthorizationRevoked,
	CodeAuthorizationCompound, CodeAuthorizationConditioned, CodeAuthorizationFalse,
	CodeRecipientNotAuthorized, CodeNotPersonalRep, CodeNoPermission,
	CodePart2NoCourtOrder, CodePart2MinorConsent, CodeIdentityUnverified,
	CodeAuthorityDocsMissing, CodeAssurancesNeeded, CodeMinorParentDiscretion,
	CodeRepresentativeEndangers,
}

// IsItemCode reports whether c is an item-level code.
func IsItemCode(c Code) bool { return contains(ItemCodes, c) }

// IsRequestCode reports whether c is a request-level code.
func IsRequestCode(c Code) bool { return contains(RequestCodes, c) }

// Flag is a timing flag.
type Flag string

// The timing flags, 45 CFR 164.524(b)(2) and 164.528(c)(1).
const (
	FlagExtensionValid   Flag = "extension-valid"
	FlagExtensionLate    Flag = "extension-late"
	FlagExtensionInvalid Flag = "extension-invalid"
	FlagOverdue          Flag = "overdue"
)

// Flags lists every timing flag.
var Flags = []Flag{FlagExtensionValid, FlagExtensionLate, FlagExtensionInvalid, FlagOverdue}

// Outcomes lists every outcome.
var Outcomes = []Outcome{OutcomeRelease, OutcomePartial, OutcomeDeny, OutcomePending, OutcomeEscalate}

func contains[T comparable](list []T, v T) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}
