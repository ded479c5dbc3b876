package roi

// Facts is everything the desk holds about one request on the day it is
// decided. It is the whole input of the decision: Now is supplied by the
// caller, never read from a clock.
type Facts struct {
	Now          Date
	Jurisdiction Jurisdiction
	Patient      Patient
	Items        []Item
	Request      Request
	Evidence     Evidence
	Disclosures  []Disclosure // the disclosure log, for accounting requests
	// Suspensions are the agencies' statements suspending the accounting
	// of disclosures to them (164.528(a)(2)), for accounting requests.
	Suspensions []AccountingSuspension
}

// Jurisdiction holds state rules that apply on top of HIPAA and Part 2.
type Jurisdiction struct {
	State string
	// AccessDeadline is a state deadline for access requests; zero Days
	// means none.
	AccessDeadline Deadline
	// SpecificAuthorization are labels a general authorization does not
	// cover: the document must name them.
	SpecificAuthorization Labels
	MinorConsent          []MinorConsentRule
	AgeOfMajority         int // 0 means 18
	// WorkersComp reports that state law authorizes disclosure to a
	// workers' compensation carrier without authorization (164.512(l)).
	WorkersComp bool
	// Unclear are labels where the state's law is unsettled (a pack says
	// so): an item carrying one that a disclosure would release to someone
	// other than the patient waits for a person instead of being released
	// or withheld by guess.
	Unclear Labels
}

// Majority returns the age of majority, 18 unless the state sets another.
func (j *Jurisdiction) Majority() int {
	if j.AgeOfMajority > 0 {
		return j.AgeOfMajority
	}
	return 18
}

// Deadline is a number of calendar or business days after receipt.
type Deadline struct {
	Days         int
	BusinessDays bool
}

// ParentAccess is what state law says about a parent's access to records of
// care the minor consented to alone.
type ParentAccess string

// The parent-access rules of 164.502(g)(3)(ii).
const (
	ParentAccessSilent     ParentAccess = "silent"
	ParentAccessProhibited ParentAccess = "prohibited"
	ParentAccessAllowed    ParentAccess = "allowed"
)

// MinorConsentRule says a minor of at least MinAge may consent alone to
// care labeled Label, and what that means for a parent's access.
type MinorConsentRule struct {
	Label        Label
	MinAge       int // 0: any age
	ParentAccess ParentAccess
}

// Patient is whom the records are about.
type Patient struct {
	BirthDate   Date
	DeathDate   Date // NoDate while living
	Emancipated bool
}

// Item is one releasable part of the patient's record.
type Item struct {
	ID   string
	Date Date
	// Until, when known, makes the item's date uncertain: it lies between
	// Date (NoDate: any day before) and Until. Date and Until both NoDate:
	// the record gives no date (see Coverage.Place).
	Until  Date
	Labels Labels
}

// Undated reports whether the item's record gives no date at all.
func (it *Item) Undated() bool { return !it.Date.Known() && !it.Until.Known() }

// RequestType distinguishes a request for records from a request for an
// accounting of disclosures.
type RequestType string

// The request types.
const (
	RequestRecords    RequestType = "records"
	RequestAccounting RequestType = "accounting"
)

// Basis is what the requester claims entitles them to the records.
type Basis string

// The bases.
const (
	BasisAccess          Basis = "access"
	BasisDirective       Basis = "directive"
	BasisAuthorization   Basis = "authorization"
	BasisTreatment       Basis = "treatment"
	BasisPayment         Basis = "payment"
	BasisOperations      Basis = "operations"
	BasisSubpoena        Basis = "subpoena"
	BasisCourtOrder      Basis = "court-order"
	BasisWarrant         Basis = "warrant"
	BasisLawEnforcement  Basis = "law-enforcement"
	BasisPublicHealth    Basis = "public-health"
	BasisHealthOversight Basis = "health-oversight"
	BasisWorkersComp     Basis = "workers-comp"
	BasisCoroner         Basis = "coroner"
	BasisNone            Basis = "none"
	// Bases that appear only in the disclosure log.
	BasisLimitedDataSet    Basis = "limited-data-set"
	BasisFacilityDirectory Basis = "facility-directory"
	BasisNationalSecurity  Basis = "national-security"
	BasisIncidental        Basis = "incidental"
	BasisImpermissible     Basis = "impermissible"
)

// RequestBases lists the bases a request may claim.
var RequestBases = []Basis{
	BasisAccess, BasisDirective, BasisAuthorization, BasisTreatment, BasisPayment,
	BasisOperations, BasisSubpoena, BasisCourtOrder, BasisWarrant, BasisLawEnforcement,
	BasisPublicHealth, BasisHealthOversight, BasisWorkersComp, BasisCoroner, BasisNone,
}

// DisclosureBases lists the bases a logged disclosure may have.
var DisclosureBases = append(append([]Basis(nil), RequestBases...),
	BasisLimitedDataSet, BasisFacilityDirectory, BasisNationalSecurity,
	BasisIncidental, BasisImpermissible)

// IsRequestBasis reports whether b may be claimed by a request.
func IsRequestBasis(b Basis) bool { return contains(RequestBases, b) }

// IsDisclosureBasis reports whether b may appear in the disclosure log.
func IsDisclosureBasis(b Basis) bool { return contains(DisclosureBases, b) }

// Kind is who the requester is.
type Kind string

// The requester kinds.
const (
	KindPatient            Kind = "patient"
	KindRepresentative     Kind = "personal-representative"
	KindProvider           Kind = "provider"
	KindHealthPlan         Kind = "health-plan"
	KindAttorney           Kind = "attorney"
	KindEmployer           Kind = "employer"
	KindInsurer            Kind = "insurer"
	KindPublicHealth       Kind = "public-health"
	KindHealthOversight    Kind = "health-oversight"
	KindLawEnforcement     Kind = "law-enforcement"
	KindCourt              Kind = "court"
	KindCoroner            Kind = "coroner"
	KindWorkersCompCarrier Kind = "workers-comp-carrier"
	KindResearcher         Kind = "researcher"
	KindOther              Kind = "other"
)

// Kinds lists every requester kind.
var Kinds = []Kind{
	KindPatient, KindRepresentative, KindProvider, KindHealthPlan, KindAttorney,
	KindEmployer, KindInsurer, KindPublicHealth, KindHealthOversight, KindLawEnforcement,
	KindCourt, KindCoroner, KindWorkersCompCarrier, KindResearcher, KindOther,
}

// IsKind reports whether k is a known requester kind.
func IsKind(k Kind) bool { return contains(Kinds, k) }

// Request is what was asked, by whom and on what claim.
type Request struct {
	Type      RequestType
	Received  Date // day 0 of every deadline
	Requester Requester
	Basis     Basis
	// Recipient is who the records would go to when not the requester.
	Recipient string
	Scope     Coverage // what is asked for; items outside are not decided
}

// Requester is who asks. Name is PHI-adjacent and never logged.
type Requester struct {
	Kind Kind
	Name string
}

// Coverage is a date range and a set of labels: what a document covers or
// what a request asks for. Open bounds are NoDate. HasLabels is false when
// no label list was given (for a scope: no label restriction).
type Coverage struct {
	From, To  Date
	Labels    Labels
	HasLabels bool
}

// InDates reports whether day lies within the coverage's dates, inclusive.
func (c *Coverage) InDates(day Date) bool {
	return (c.From == NoDate || day >= c.From) && (c.To == NoDate || day <= c.To)
}

// Placement is where an item falls against a date-bounded scope.
type Placement uint8

// An item is inside the dates, outside them, or cannot be placed from its
// record: undated, or dated only to a year, a month or "on or before".
const (
	Inside Placement = iota
	Outside
	Uncertain
)

// Place says where it falls against the coverage's dates. Without bounds
// every item is inside, dated or not. An item dated to one day is inside
// or outside; an item dated to a span is inside when the whole span is,
// outside when none of it is, and otherwise uncertain; an undated item is
// uncertain. Uncertain items are never silently taken in or left out: a
// person places them (RULES.md, "Undated records").
func (c *Coverage) Place(it *Item) Placement {
	if c.From == NoDate && c.To == NoDate {
		return Inside
	}
	if !it.Until.Known() {
		if !it.Date.Known() {
			return Uncertain
		}
		if c.InDates(it.Date) {
			return Inside
		}
		return Outside
	}
	first, last := it.Date, it.Until // first may be NoDate: any day before last
	if (c.From != NoDate && last < c.From) || (c.To != NoDate && first.Known() && first > c.To) {
		return Outside
	}
	// Inside when the whole span is: an open start ("on or before") is
	// inside only a scope with no start.
	if (c.From == NoDate || first.Known() && first >= c.From) && (c.To == NoDate || last <= c.To) {
		return Inside
	}
	return Uncertain
}

// Disclosure is one entry of the disclosure log.
type Disclosure struct {
	ID        string
	Date      Date
	Recipient string
	Basis     Basis
}
