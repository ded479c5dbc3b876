package audit

// What a FHIR client expects of the AuditEvent interface besides the
// events: the server's CapabilityStatement (GET [base]/metadata), which a
// client reads first to learn what it may ask, and errors as
// OperationOutcome resources rather than the desk's own JSON.

// CapabilityStatement is a FHIR R4 CapabilityStatement, with the elements
// this interface uses.
type CapabilityStatement struct {
	ResourceType   string              `json:"resourceType"`
	Status         string              `json:"status"`
	Date           string              `json:"date"`
	Publisher      string              `json:"publisher,omitempty"`
	Kind           string              `json:"kind"`
	Software       *CapabilitySoftware `json:"software,omitempty"`
	Implementation *CapabilityImpl     `json:"implementation,omitempty"`
	FHIRVersion    string              `json:"fhirVersion"`
	Format         []string            `json:"format"`
	Rest           []CapabilityRest    `json:"rest"`
}

// CapabilitySoftware names the software.
type CapabilitySoftware struct {
	Name    string `json:"name"`
	Version string `json:"version,omitempty"`
}

// CapabilityImpl is the installation the statement describes.
type CapabilityImpl struct {
	Description string `json:"description"`
	URL         string `json:"url,omitempty"`
}

// CapabilityRest is the server's RESTful interface.
type CapabilityRest struct {
	Mode          string               `json:"mode"`
	Documentation string               `json:"documentation,omitempty"`
	Security      *CapabilitySecurity  `json:"security,omitempty"`
	Resource      []CapabilityResource `json:"resource"`
}

// CapabilitySecurity says how a client authenticates.
type CapabilitySecurity struct {
	Description string `json:"description"`
}

// CapabilityResource is one resource type the server serves.
type CapabilityResource struct {
	Type             string             `json:"type"`
	Profile          string             `json:"profile,omitempty"`
	SupportedProfile []string           `json:"supportedProfile,omitempty"`
	Interaction      []Interaction      `json:"interaction"`
	SearchParam      []CapabilitySearch `json:"searchParam,omitempty"`
}

// Interaction is a RESTful operation on a resource type.
type Interaction struct {
	Code string `json:"code"`
}

// CapabilitySearch is one search parameter.
type CapabilitySearch struct {
	Name          string `json:"name"`
	Definition    string `json:"definition,omitempty"`
	Type          string `json:"type"`
	Documentation string `json:"documentation,omitempty"`
}

// interfaceChanged is when what Capability describes last changed: the
// statement's date, which FHIR defines as that, not as the time of asking.
const interfaceChanged = "2026-12-06"

// Capability describes the AuditEvent interface at base (the address
// ending in /fhir) for the software version: read and search by patient,
// date and agent, JSON only, the events following the BALP profiles.
func Capability(base, version string) CapabilityStatement {
	var profiles []string
	for _, p := range []Profile{ProfileCreate, ProfilePatientCreate, ProfileRead, ProfilePatientRead, ProfileUpdate,
		ProfilePatientUpdate, ProfileQuery, ProfilePatientQuery, ProfileLogin, ProfileLogout} {
		profiles = append(profiles, p.URL())
	}
	const params = "http://hl7.org/fhir/SearchParameter/"
	return CapabilityStatement{
		ResourceType:   "CapabilityStatement",
		Status:         "active",
		Date:           interfaceChanged,
		Publisher:      "Custodian",
		Kind:           "instance",
		Software:       &CapabilitySoftware{Name: "Custodian", Version: version},
		Implementation: &CapabilityImpl{Description: "The release-of-information desk's ledger as AuditEvents (IHE BALP)", URL: base},
		FHIRVersion:    "4.0.1",
		Format:         []string{"json"},
		Rest: []CapabilityRest{{
			Mode: "server",
			Documentation: "Each AuditEvent is derived from one ledger entry, whose number is its id and whose hash it carries " +
				"(entity \"ledger entry\"); `custodian ledger verify --entry N` proves it. Every search and read is itself recorded.",
			Security: &CapabilitySecurity{Description: "A staff bearer token (POST /api/v1/session) or the staff session cookie, " +
				"of a role with the ledger permission (auditor, privacy officer, administrator)."},
			Resource: []CapabilityResource{{
				Type:             "AuditEvent",
				Profile:          "http://hl7.org/fhir/StructureDefinition/AuditEvent",
				SupportedProfile: profiles,
				Interaction:      []Interaction{{Code: "read"}, {Code: "search-type"}},
				SearchParam: []CapabilitySearch{
					{Name: "patient", Definition: params + "AuditEvent-patient", Type: "reference", Documentation: "Patient/123 or 123"},
					{Name: "date", Definition: params + "AuditEvent-date", Type: "date", Documentation: "When recorded; up to two, with prefixes (ge, gt, le, lt, eq, sa, eb)"},
					{Name: "agent", Definition: params + "AuditEvent-agent", Type: "reference", Documentation: "Who acted: a user name as the ledger records it"},
					{Name: "_count", Type: "number", Documentation: "Events a page, 1 to 500"},
				},
			}},
		}},
	}
}

// OperationOutcome is a FHIR R4 OperationOutcome: how the interface answers
// an error.
type OperationOutcome struct {
	ResourceType string  `json:"resourceType"`
	Issue        []Issue `json:"issue"`
}

// Issue is one issue of an OperationOutcome.
type Issue struct {
	Severity    string           `json:"severity"`
	Code        string           `json:"code"`
	Details     *CodeableConcept `json:"details,omitempty"`
	Diagnostics string           `json:"diagnostics,omitempty"`
}

// Outcome is the OperationOutcome of one error: code is FHIR's issue type
// (invalid, not-found, login, forbidden, exception, ...), message the
// sentence shown to people, diagnostics what helps whoever reads the
// server's log (the request ID).
func Outcome(code, message, diagnostics string) OperationOutcome {
	return OperationOutcome{ResourceType: "OperationOutcome", Issue: []Issue{{
		Severity: "error", Code: code, Details: &CodeableConcept{Text: message}, Diagnostics: diagnostics}}}
}
