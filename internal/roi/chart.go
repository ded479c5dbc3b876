package roi

// PatientID identifies a patient in the desk's store.
type PatientID int64

// PatientRecord is a patient as the desk knows them. Name, BirthDate, MRN
// and FHIRID are PHI: PatientRecord logs as its ID only.
type PatientRecord struct {
	ID          PatientID
	FHIRID      string // the FHIR Patient.id
	MRN         string // the medical record number, when the source has one
	Name        string
	BirthDate   Date
	DeathDate   Date // NoDate while living
	Emancipated bool
}

// ChartItem is one releasable part of a patient's record: an encounter with
// its notes, a document, a report with its results, a list.
type ChartItem struct {
	Key string // stable within the patient: the FHIR "Type/id" it came from
	// Date is the item's day, or the first day it may be from. Until, when
	// known, is the last day it may be from: a record that gives only a
	// year or a month, or only when it was last updated (Date NoDate,
	// Until that day). Both NoDate: the record gives no date at all.
	Date  Date
	Until Date
	// DateField names the member the date came from ("onsetDateTime",
	// "encounter.period.start", "meta.lastUpdated", "staff" ...); "" when
	// the record gives no date.
	DateField string
	Type      string // encounter, document, report, immunization, claim ...
	Title     string // PHI-bearing description shown to staff; never logged
	Labels    Labels
	Source    string // the organization or author that produced it, when known
	// Why holds the provenance of each label: the rule, code and resource
	// that put it there, or the staff member who did and why.
	Why []LabelSource
}

// When says in words when the item is from: its day, the span a partial
// date names, "on or before" a last update, or that the record gives no
// date (see Date and Until).
func (it ChartItem) When() string { return DateSpan(it.Date, it.Until) }

// DateSpan says in words when something dated date (and, when known, no
// later than until) is from.
func DateSpan(date, until Date) string {
	switch {
	case !until.Known() && date.Known():
		return date.String()
	case until.Known() && date.Known():
		return date.String() + " to " + until.String()
	case until.Known():
		return "on or before " + until.String()
	}
	return "no date"
}

// Exact reports whether the item's date is one known day.
func (it *ChartItem) Exact() bool { return it.Date.Known() && !it.Until.Known() }

// LabelSource is why an item carries a label.
type LabelSource struct {
	Label    string `json:"label"`
	Rule     string `json:"rule"`                // value-set, document-type, part2-program, minor-consent-service, staff-add
	ValueSet string `json:"value_set,omitempty"` // id@version, for a value-set rule
	System   string `json:"system,omitempty"`
	Code     string `json:"code,omitempty"`
	Resource string `json:"resource,omitempty"` // the FHIR Type/id that triggered it
	Reason   string `json:"reason,omitempty"`
	Term     string `json:"term,omitempty"` // the words matched, for a text rule
	// Confirm marks a label a weak signal gave (a word with ordinary uses
	// in a long note): it holds the item back like any label until a
	// person confirms it or removes it with a reason.
	Confirm bool   `json:"confirm,omitempty"`
	By      string `json:"by,omitempty"` // a staff member, for staff rules
}

// RawResource is one source resource exactly as received, byte for byte.
type RawResource struct {
	Key  string // FHIR Type/id
	JSON []byte
}
