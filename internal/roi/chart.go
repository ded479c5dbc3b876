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
	Key    string // stable within the patient: the FHIR "Type/id" it came from
	Date   Date
	Type   string // encounter, document, report, immunization, claim ...
	Title  string // PHI-bearing description shown to staff; never logged
	Labels Labels
	Source string // the organization or author that produced it, when known
}
