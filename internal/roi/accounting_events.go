package roi

// The accounting of disclosures' own ledger entries (45 CFR 164.528).

// EventAccountingSuspension records a health oversight agency's or a law
// enforcement official's statement that an accounting would be reasonably
// likely to impede its activities (164.528(a)(2)): AccountingSuspensionBody.
// It is a patient's entry (no request): the suspension applies to every
// accounting of the patient's disclosures produced while it is in force.
const EventAccountingSuspension EventKind = "accounting-suspension"

// AccountingSuspensionBody is an EventAccountingSuspension's body. It holds
// what 164.528(a)(2)(ii) asks the covered entity to document: the
// statement, the identity of the agency or official who made it, whether it
// was written or oral, its date and the time it specifies. The agency is
// named as the disclosures to it name their recipient; no patient
// information is in it (the entry's patient id says whose accounting).
type AccountingSuspensionBody struct {
	Agency string `json:"agency"`
	// AgencyKind is health-oversight (164.512(d)) or law-enforcement
	// (164.512(f)).
	AgencyKind Kind `json:"agency_kind"`
	// Official is the person who made the statement, with their title.
	Official string `json:"official,omitempty"`
	Written  bool   `json:"written"`
	// Statement is what was said (an oral statement must be documented) or
	// a reference to the written statement kept on file.
	Statement string `json:"statement,omitempty"`
	Stated    Date   `json:"stated"` // the statement's date
	// End is the last day of the suspension the statement specifies. For
	// an oral statement it is at most 30 days after Stated.
	End Date `json:"end"`
}

// AccountingSuspension is a suspension as the decision engine sees it
// (Facts.Suspensions): which recipient, on what ground, from when to when.
type AccountingSuspension struct {
	ID         string
	Agency     string
	AgencyKind Kind
	Written    bool
	Stated     Date
	End        Date // inclusive; for an oral statement the engine caps it at Stated+30
}
