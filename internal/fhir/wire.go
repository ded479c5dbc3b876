package fhir

import "encoding/json"

// The wire form: only the members the import reads. Every resource of a
// bundle decodes into the one resource struct in a single pass; members
// whose shape differs between resource types (type, category, name,
// author ...) are kept raw and decoded only for the types that use them.

type entry struct {
	FullURL  string    `json:"fullUrl"`
	Resource *resource `json:"resource"`
}

type resource struct {
	ResourceType string `json:"resourceType"`
	ID           string `json:"id"`

	// Patient; name also Organization (a string) and Practitioner.
	Identifier       json.RawMessage `json:"identifier"`
	Name             json.RawMessage `json:"name"`
	BirthDate        string          `json:"birthDate"`
	DeceasedDateTime string          `json:"deceasedDateTime"`
	DeceasedBoolean  bool            `json:"deceasedBoolean"`

	// The patient an item belongs to, and the encounter it came from.
	Subject     *reference `json:"subject"`
	Patient     *reference `json:"patient"`
	Beneficiary *reference `json:"beneficiary"` // Coverage
	Encounter   *reference `json:"encounter"`
	Meta        *struct {
		LastUpdated string `json:"lastUpdated"`
	} `json:"meta"`

	// Dates.
	Period             *period     `json:"period"`
	Date               string      `json:"date"`
	Context            *docContext `json:"context"`
	EffectiveDateTime  string      `json:"effectiveDateTime"`
	EffectivePeriod    *period     `json:"effectivePeriod"`
	EffectiveInstant   string      `json:"effectiveInstant"`
	Issued             string      `json:"issued"`
	Started            string      `json:"started"`
	OccurrenceDateTime string      `json:"occurrenceDateTime"`
	Recorded           string      `json:"recorded"`
	AuthoredOn         string      `json:"authoredOn"`
	OnsetDateTime      string      `json:"onsetDateTime"`
	OnsetPeriod        *period     `json:"onsetPeriod"`
	RecordedDate       string      `json:"recordedDate"`
	AbatementDateTime  string      `json:"abatementDateTime"`
	BillablePeriod     *period     `json:"billablePeriod"`
	Created            string      `json:"created"`
	PerformedPeriod    *period     `json:"performedPeriod"`
	PerformedDateTime  string      `json:"performedDateTime"`

	// Titles.
	Type                      json.RawMessage `json:"type"`
	Category                  json.RawMessage `json:"category"`
	Description               json.RawMessage `json:"description"`
	Title                     string          `json:"title"`
	Code                      *concept        `json:"code"`
	VaccineCode               *concept        `json:"vaccineCode"`
	MedicationCodeableConcept *concept        `json:"medicationCodeableConcept"`
	MedicationReference       *reference      `json:"medicationReference"`
	ProcedureCode             []concept       `json:"procedureCode"`
	Series                    []series        `json:"series"`
	Item                      []claimItem     `json:"item"` // only Claim and EOB have item among the imported types

	// Codes, besides code, type, category and the title members above.
	Class                *coding        `json:"class"` // Encounter
	ServiceType          *concept       `json:"serviceType"`
	ReasonCode           []concept      `json:"reasonCode"`
	ConclusionCode       []concept      `json:"conclusionCode"`
	ValueCodeableConcept *concept       `json:"valueCodeableConcept"`
	Component            []component    `json:"component"`
	Modality             []coding       `json:"modality"`  // ImagingStudy
	Diagnosis            []diagnosis    `json:"diagnosis"` // Claim, EOB; Encounter's has no codes read
	Procedure            []claimProc    `json:"procedure"` // Claim, EOB
	Activity             []planActivity `json:"activity"`  // CarePlan
	Reaction             []reaction     `json:"reaction"`  // AllergyIntolerance; Immunization's has no codes

	// Sources.
	ServiceProvider *reference      `json:"serviceProvider"`
	Author          json.RawMessage `json:"author"`
	Custodian       *reference      `json:"custodian"`
	Performer       json.RawMessage `json:"performer"`
	Requester       *reference      `json:"requester"`
	Provider        *reference      `json:"provider"`

	// DiagnosticReport.result: the Observations folded into the report.
	Result []reference `json:"result"`

	// Attachments whose content is a Binary elsewhere in the bundle.
	Content []struct {
		Attachment *attachmentURL `json:"attachment"`
	} `json:"content"` // DocumentReference
	PresentedForm []attachmentURL `json:"presentedForm"` // DiagnosticReport
}

type attachmentURL struct {
	URL string `json:"url"`
}

type reference struct {
	Reference string `json:"reference"`
	Display   string `json:"display"`
}

type coding struct {
	System  string `json:"system"`
	Code    string `json:"code"`
	Display string `json:"display"`
}

type concept struct {
	Coding []coding `json:"coding"`
	Text   string   `json:"text"`
}

type period struct {
	Start string `json:"start"`
}

type docContext struct {
	Encounter       []reference `json:"encounter"`
	Period          *period     `json:"period"`
	Event           []concept   `json:"event"`
	FacilityType    *concept    `json:"facilityType"`
	PracticeSetting *concept    `json:"practiceSetting"`
}

type series struct {
	Modality *coding `json:"modality"`
	BodySite *coding `json:"bodySite"`
}

// claimItem is a line of a Claim or ExplanationOfBenefit.
type claimItem struct {
	ProductOrService *concept    `json:"productOrService"`
	Encounter        []reference `json:"encounter"`
}

// component is an Observation component.
type component struct {
	Code                 *concept `json:"code"`
	ValueCodeableConcept *concept `json:"valueCodeableConcept"`
}

type diagnosis struct {
	DiagnosisCodeableConcept *concept `json:"diagnosisCodeableConcept"`
}

type claimProc struct {
	ProcedureCodeableConcept *concept `json:"procedureCodeableConcept"`
}

type planActivity struct {
	Detail *struct {
		Code       *concept  `json:"code"`
		ReasonCode []concept `json:"reasonCode"`
	} `json:"detail"`
}

type reaction struct {
	Substance     *concept  `json:"substance"`
	Manifestation []concept `json:"manifestation"`
}

// performer is both shapes of a performer: a Reference (DiagnosticReport,
// Observation) and a component with an actor (Immunization, Procedure).
type performer struct {
	reference
	Actor *reference `json:"actor"`
}

type identifier struct {
	Type   *concept `json:"type"`
	System string   `json:"system"`
	Value  string   `json:"value"`
}

type humanName struct {
	Use    string   `json:"use"`
	Text   string   `json:"text"`
	Family string   `json:"family"`
	Given  []string `json:"given"`
	Prefix []string `json:"prefix"`
}

func (p *period) start() string {
	if p == nil {
		return ""
	}
	return p.Start
}

func (r *reference) ref() string {
	if r == nil {
		return ""
	}
	return r.Reference
}

// label is what a person reads for a concept: its text, or else the first
// coding display.
func (c *concept) label() string {
	if c == nil {
		return ""
	}
	if c.Text != "" {
		return c.Text
	}
	for _, cd := range c.Coding {
		if cd.Display != "" {
			return cd.Display
		}
	}
	return ""
}

func (c *concept) hasCode(code string) bool {
	if c == nil {
		return false
	}
	for _, cd := range c.Coding {
		if cd.Code == code {
			return true
		}
	}
	return false
}
