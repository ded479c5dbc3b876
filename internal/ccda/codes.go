package ccda

import "strings"

// systemURIs maps the code system OIDs C-CDA documents use to the URIs
// FHIR names them by, which are the ones the labeler's value sets, the
// C2S lists and the organization's local codes are written in. An OID
// not listed becomes "urn:oid:<oid>", as FHIR writes an OID with no URI
// (HCPCS is listed that way in the C2S lists).
var systemURIs = map[string]string{
	"2.16.840.1.113883.6.96":       "http://snomed.info/sct",
	"2.16.840.1.113883.6.1":        "http://loinc.org",
	"2.16.840.1.113883.6.88":       "http://www.nlm.nih.gov/research/umls/rxnorm",
	"2.16.840.1.113883.6.90":       "http://hl7.org/fhir/sid/icd-10-cm",
	"2.16.840.1.113883.6.3":        "http://hl7.org/fhir/sid/icd-10",
	"2.16.840.1.113883.6.103":      "http://hl7.org/fhir/sid/icd-9-cm",
	"2.16.840.1.113883.6.4":        "http://www.cms.gov/Medicare/Coding/ICD10",
	"2.16.840.1.113883.6.12":       "http://www.ama-assn.org/go/cpt",
	"2.16.840.1.113883.12.292":     "http://hl7.org/fhir/sid/cvx",
	"2.16.840.1.113883.6.69":       "http://hl7.org/fhir/sid/ndc",
	"2.16.840.1.113883.4.9":        "http://fdasis.nlm.nih.gov",
	"2.16.840.1.113883.6.101":      "http://nucc.org/provider-taxonomy",
	"2.16.840.1.113883.6.8":        "http://unitsofmeasure.org",
	"2.16.840.1.113883.5.4":        "http://terminology.hl7.org/CodeSystem/v3-ActCode",
	"2.16.840.1.113883.5.25":       "http://terminology.hl7.org/CodeSystem/v3-Confidentiality",
	"2.16.840.1.113883.5.1":        "http://terminology.hl7.org/CodeSystem/v3-AdministrativeGender",
	"2.16.840.1.113883.5.83":       "http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation",
	"2.16.840.1.113883.5.8":        "http://terminology.hl7.org/CodeSystem/v3-ActReason",
	"2.16.840.1.113883.5.1063":     "http://terminology.hl7.org/CodeSystem/v3-ObservationValue",
	"2.16.840.1.113883.5.111":      "http://terminology.hl7.org/CodeSystem/v3-RoleCode",
	"2.16.840.1.113883.1.11.20471": "http://terminology.hl7.org/CodeSystem/v3-ActCode",
}

// SystemURI returns the URI for a code system OID (see systemURIs).
func SystemURI(oid string) string {
	oid = strings.TrimSpace(oid)
	if u, ok := systemURIs[oid]; ok {
		return u
	}
	if strings.HasPrefix(oid, "urn:") || strings.HasPrefix(oid, "http") {
		return oid
	}
	return "urn:oid:" + oid
}

// actCodeURI is the system of DS4P sensitivity and privacy-law codes
// (ETH, HIV, PSY, 42CFRPart2 ...): a coding in it inside an entry, or in
// the header, is a security label the sender put on the record.
const (
	actCodeURI           = "http://terminology.hl7.org/CodeSystem/v3-ActCode"
	confidentialityURI   = "http://terminology.hl7.org/CodeSystem/v3-Confidentiality"
	ssnOID               = "2.16.840.1.113883.4.1"
	usRealmHeader        = "2.16.840.1.113883.10.20.22.1.1"
	docTemplatePrefix    = "2.16.840.1.113883.10.20.22.1."
	noteActivity         = "2.16.840.1.113883.10.20.22.4.202"
	immunizationAct      = "2.16.840.1.113883.10.20.22.4.52"
	ds4pTemplatePrefix   = "2.16.840.1.113883.3.3251."
	privacyMarkingsLOINC = "57017-6"
)
