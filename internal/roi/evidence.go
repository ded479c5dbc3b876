package roi

// Evidence is what the desk holds about a request, grouped by type. The
// order within each list is the order the documents were presented.
type Evidence struct {
	Identity         []IdentityCheck
	Representatives  []Representative
	Authorizations   []Authorization
	Directives       []Directive
	CourtOrders      []CourtOrder
	Subpoenas        []Subpoena
	Warrants         []Warrant
	ExtensionNotices []ExtensionNotice
	// HarmItems are item IDs a licensed health care professional determined
	// are reasonably likely to endanger life or physical safety
	// (164.524(a)(3)(i)).
	HarmItems map[string]bool
	// EndangermentConcern: the would-be representative is reasonably
	// believed to endanger the patient (164.502(g)(5)).
	EndangermentConcern bool
	// MinorDisclosureConsent: the minor's own written consent to disclosure
	// to the requester.
	MinorDisclosureConsent bool
}

// EvidenceTypes lists the evidence type names of the conformance format.
var EvidenceTypes = []string{
	"identity", "representative", "authorization", "directive", "court-order",
	"subpoena", "warrant", "extension-notice", "harm-determination",
	"endangerment-concern", "minor-disclosure-consent",
}

// IsEvidenceType reports whether t is an evidence type of the format.
func IsEvidenceType(t string) bool { return contains(EvidenceTypes, t) }

// IdentityCheck records a check of the requester's identity (164.514(h)).
type IdentityCheck struct {
	Verified bool
	Method   string
}

// Authority is the legal authority a representative claims.
type Authority string

// The representative authorities of 164.502(g).
const (
	AuthorityParent        Authority = "parent"
	AuthorityGuardian      Authority = "guardian"
	AuthorityHealthcarePOA Authority = "healthcare-poa"
	AuthorityFinancialPOA  Authority = "financial-poa"
	AuthorityExecutor      Authority = "executor"
	AuthorityAdministrator Authority = "administrator"
)

// Authorities lists every representative authority.
var Authorities = []Authority{
	AuthorityParent, AuthorityGuardian, AuthorityHealthcarePOA,
	AuthorityFinancialPOA, AuthorityExecutor, AuthorityAdministrator,
}

// Representative is proof of a personal representative's authority.
type Representative struct {
	Authority Authority
	Verified  bool
}

// Signer is who signed an authorization.
type Signer string

// The signers. SignerNone means the document is unsigned.
const (
	SignerNone           Signer = ""
	SignerPatient        Signer = "patient"
	SignerRepresentative Signer = "representative"
)

// Statement is a required statement of an authorization or consent.
type Statement string

// The statements of 164.508(c)(2) and 42 CFR 2.31.
const (
	StatementRevocation          Statement = "revocation"
	StatementConditioning        Statement = "conditioning"
	StatementRedisclosure        Statement = "redisclosure"
	StatementTPORedisclosure     Statement = "tpo-redisclosure"
	StatementRefusalConsequences Statement = "refusal-consequences"
)

// Statements lists every statement.
var Statements = []Statement{
	StatementRevocation, StatementConditioning, StatementRedisclosure,
	StatementTPORedisclosure, StatementRefusalConsequences,
}

// Authorization is a HIPAA authorization (164.508), a 42 CFR 2.31 consent,
// or one document meeting both.
type Authorization struct {
	ID       string
	HIPAA    bool // forms include "hipaa"
	Part2    bool // forms include "part2"
	SignedBy Signer
	Signed   Date
	Expires  Date
	// ExpirationEvent is the expiration event text; "none" is allowed only
	// on a Part 2 TPO consent.
	ExpirationEvent      string
	ExpiredEventOccurred bool
	Discloser            string
	Recipient            string
	Purpose              string
	Description          string
	Covers               Coverage
	Statements           []Statement
	// TPO marks a Part 2 single consent for all future treatment, payment
	// and health care operations (42 CFR 2.31(a)(4)(i)).
	TPO        bool
	Revoked    Date // day the revocation was received; NoDate if none
	KnownFalse bool
	// Conditioned: treatment, payment, enrollment or eligibility was
	// conditioned on signing where 164.508(b)(4) forbids it.
	Conditioned bool
}

// HasStatement reports whether the document carries s.
func (a *Authorization) HasStatement(s Statement) bool { return contains(a.Statements, s) }

// Directive is the individual's signed written direction to send a copy
// of their records to a third party (164.524(c)(3)(ii)).
type Directive struct {
	Recipient string
	Signed    Date // NoDate: unsigned
}

// CourtOrder is an order of a court or administrative tribunal
// (164.512(e)(1)(i)). Part2Findings marks an order meeting 42 CFR 2.64/2.65.
type CourtOrder struct {
	Covers        Coverage
	Part2Findings bool
}

// Issuer is who issued a subpoena.
type Issuer string

// The subpoena issuers.
const (
	IssuerCourt    Issuer = "court"
	IssuerAttorney Issuer = "attorney"
)

// Assurance is a satisfactory assurance under 164.512(e)(1)(ii).
type Assurance string

// The assurances. AssuranceNone means none was received.
const (
	AssuranceNone            Assurance = ""
	AssuranceNotice          Assurance = "notice"
	AssuranceProtectiveOrder Assurance = "protective-order"
)

// Subpoena is a subpoena or other lawful process not accompanied by an order.
type Subpoena struct {
	IssuedBy   Issuer
	Assurances Assurance
	Covers     Coverage
}

// Warrant is a court-ordered warrant (164.512(f)(1)(ii)(A)).
type Warrant struct {
	Covers Coverage
}

// ExtensionNotice is the written notice of a single extension of a
// deadline: the reasons and the new date.
type ExtensionNotice struct {
	Sent   Date
	NewDue Date
}
