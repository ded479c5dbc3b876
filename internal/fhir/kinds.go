package fhir

import (
	"cmp"
	"encoding/json"
	"strings"

	"github.com/custodian-roi/custodian/internal/jsonscan"
	"github.com/custodian-roi/custodian/internal/roi"
)

// Every resource of a bundle is either a chart item, folded into one (a
// report's results, a prescription's Medication), or left out and counted
// with the reason (Stats.LeftOut): nothing is dropped unsaid.

// Reasons a resource is not a chart item of its own.
const (
	ReasonShared     = "reference data shared by records (organizations, clinicians, places, drugs)"
	ReasonAudit      = "audit metadata about records, not a record of care"
	ReasonNoPatient  = "names no patient in the file"
	ReasonUnknown    = "not a FHIR R4 resource type the desk knows"
	ReasonBinary     = "binary content no record in the file was joined to (NDJSON and Bundles over 16 MB are not joined)"
	ReasonNoResource = "an entry with no resource"
)

// leftOutTypes are the resource types never made items, and why.
var leftOutTypes = map[string]string{
	"Organization": ReasonShared, "Practitioner": ReasonShared, "PractitionerRole": ReasonShared,
	"Location": ReasonShared, "Medication": ReasonShared, "Endpoint": ReasonShared,
	"HealthcareService": ReasonShared, "Substance": ReasonShared, "Group": ReasonShared,
	"Provenance": ReasonAudit, "AuditEvent": ReasonAudit, "Binary": ReasonBinary,
	"OperationOutcome": ReasonAudit, "Parameters": ReasonAudit, "Bundle": ReasonUnknown,
}

// genericTypes are the other R4 types that are part of a patient's record:
// the item type a clerk sees, and the members that date them, best first.
// They are read by one generic reader (genericItem) rather than a reader
// each: their codes, displays and references are found wherever they are.
var genericTypes = map[string]struct {
	item  string
	dates []string // member paths, "." between names; arrays are looked into
}{
	"Goal":                       {"goal", []string{"startDate", "statusDate", "target.dueDate"}},
	"ServiceRequest":             {"order", []string{"occurrenceDateTime", "occurrencePeriod.start", "authoredOn"}},
	"DeviceRequest":              {"order", []string{"occurrenceDateTime", "occurrencePeriod.start", "authoredOn"}},
	"NutritionOrder":             {"order", []string{"dateTime"}},
	"CommunicationRequest":       {"order", []string{"occurrenceDateTime", "occurrencePeriod.start", "authoredOn"}},
	"RequestGroup":               {"order", []string{"authoredOn"}},
	"Task":                       {"task", []string{"executionPeriod.start", "authoredOn", "lastModified"}},
	"QuestionnaireResponse":      {"questionnaire", []string{"authored"}},
	"Specimen":                   {"specimen", []string{"collection.collectedDateTime", "collection.collectedPeriod.start", "receivedTime"}},
	"Device":                     {"device", nil},
	"DeviceUseStatement":         {"device", []string{"timingDateTime", "timingPeriod.start", "recordedOn"}},
	"FamilyMemberHistory":        {"family-history", []string{"date"}},
	"MedicationStatement":        {"medication", []string{"effectiveDateTime", "effectivePeriod.start", "dateAsserted"}},
	"MedicationAdministration":   {"medication", []string{"effectiveDateTime", "effectivePeriod.start"}},
	"MedicationDispense":         {"medication", []string{"whenHandedOver", "whenPrepared"}},
	"CareTeam":                   {"care-team", []string{"period.start"}},
	"Communication":              {"communication", []string{"sent", "received"}},
	"RiskAssessment":             {"assessment", []string{"occurrenceDateTime", "occurrencePeriod.start"}},
	"ClinicalImpression":         {"assessment", []string{"effectiveDateTime", "effectivePeriod.start", "date"}},
	"GuidanceResponse":           {"assessment", []string{"occurrenceDateTime"}},
	"DetectedIssue":              {"assessment", []string{"identifiedDateTime", "identifiedPeriod.start"}},
	"Consent":                    {"consent", []string{"dateTime", "provision.period.start"}},
	"Coverage":                   {"coverage", []string{"period.start"}},
	"Account":                    {"billing", []string{"servicePeriod.start"}},
	"ChargeItem":                 {"billing", []string{"occurrenceDateTime", "occurrencePeriod.start", "enteredDate"}},
	"Invoice":                    {"billing", []string{"date"}},
	"CoverageEligibilityRequest": {"billing", []string{"servicedDate", "servicedPeriod.start", "created"}},
	"ClaimResponse":              {"claim", []string{"created"}},
	"Appointment":                {"appointment", []string{"start", "created"}},
	"EpisodeOfCare":              {"episode", []string{"period.start"}},
	"Media":                      {"media", []string{"createdDateTime", "createdPeriod.start", "issued"}},
	"AdverseEvent":               {"adverse-event", []string{"date", "recordedDate", "detected"}},
	"Flag":                       {"flag", []string{"period.start"}},
	"List":                       {"list", []string{"date"}},
	"Composition":                {"document", []string{"date"}},
	"BodyStructure":              {"body-structure", nil},
	"MolecularSequence":          {"result", nil},
	"ImmunizationEvaluation":     {"immunization", []string{"date"}},
	"ImmunizationRecommendation": {"immunization", []string{"date"}},
	"VisionPrescription":         {"medication", []string{"dateWritten", "created"}},
	"SupplyDelivery":             {"supply", []string{"occurrenceDateTime", "occurrencePeriod.start"}},
	"SupplyRequest":              {"supply", []string{"occurrenceDateTime", "occurrencePeriod.start", "authoredOn"}},
	"RelatedPerson":              {"related-person", []string{"period.start"}},
}

// generic reports whether resources of type rt are read by genericItem.
func generic(rt string) bool { _, ok := genericTypes[rt]; return ok }

// foldable reports whether resources of type rt become part of the items
// that name them: a prescription's Medication, the Binary holding a
// document's content.
func foldable(rt string) bool { return rt == "Medication" || rt == "Binary" }

// kept reports whether resources of type rt are kept byte for byte: the
// patients and every type made a chart item.
func kept(rt string) bool { return tracked(rt) || generic(rt) }

// edgeMembers are the members whose references name what an item is about
// or for: a reason, a condition addressed, a diagnosis, the claim an
// explanation of benefit answers, a panel's members, the order it fulfils.
// An item's labels follow these one step (package label, propagation).
var edgeMembers = map[string]bool{
	"reasonReference": true, "addresses": true, "diagnosisReference": true, "procedureReference": true,
	"claim": true, "hasMember": true, "derivedFrom": true, "basedOn": true, "partOf": true, "focus": true,
	"related": true, "target": true, "detail": true, // Condition.evidence.detail, relatesTo.target
}

// scanned is what one walk over a resource's bytes finds for the importer.
type scanned struct {
	codes codeSet
	names []string          // references along edgeMembers (and diagnosis.condition, item.encounter)
	refs  []string          // every reference, wherever it is
	first map[string]string // the first string at each path, for titles and dates
}

// scan walks raw once. Codings are collected wherever they are; the strings
// at the paths in want are kept.
func scan(raw []byte, want map[string]bool) scanned {
	var s scanned
	var sys, code, disp string
	depth := -1
	_ = jsonscan.Walk(raw, func(path []string, v string) {
		n := len(path)
		if n == 0 {
			return
		}
		switch key := path[n-1]; key {
		case "system", "code", "display":
			if depth != n {
				sys, code, disp, depth = "", "", "", n
			}
			switch key {
			case "system":
				sys = v
			case "code":
				code = v
			default:
				disp = v
			}
		case "reference":
			s.refs = append(s.refs, v)
			if n >= 2 && (edgeMembers[path[n-2]] ||
				n >= 3 && (path[n-2] == "condition" && path[n-3] == "diagnosis" || path[n-2] == "encounter" && path[n-3] == "item")) {
				s.names = append(s.names, v)
			}
		}
		if len(want) > 0 {
			p := strings.Join(path, ".")
			if want[p] {
				if s.first == nil {
					s.first = map[string]string{}
				}
				if _, ok := s.first[p]; !ok {
					s.first[p] = v
				}
			}
		}
	}, func(path []string) {
		if len(path)+1 == depth {
			if code != "" && sys != "" {
				s.codes.add(Coding{System: sys, Code: code, Display: disp})
			}
			sys, code, disp, depth = "", "", "", -1
		}
	})
	return s
}

// genericTitle members, in the order a clerk reads them.
var genericTitle = []string{"code.text", "code.coding.display", "type.text", "type.coding.display",
	"medicationCodeableConcept.text", "medicationCodeableConcept.coding.display", "medicationReference.display",
	"description.text", "description.coding.display", "description", "title", "category.text",
	"category.coding.display", "deviceName.name", "relationship.text", "relationship.coding.display", "name.text"}

// genericItem makes a chart item of a resource of a generic type. Its
// members are not checked for shape: a date that is not a FHIR date is
// passed over (the item is kept, undated, rather than lost).
func (b *builder) genericItem(i int, id string, res *resource, raw json.RawMessage) {
	rt := res.ResourceType
	g := genericTypes[rt]
	want := make(map[string]bool, len(g.dates)+len(genericTitle))
	for _, p := range g.dates {
		want[p] = true
	}
	for _, p := range genericTitle {
		want[p] = true
	}
	sc := scan(raw, want)
	c := candidate{
		entry:     i,
		item:      roi.ChartItem{Key: rt + "/" + id, Type: g.item},
		subject:   cmp.Or(res.Subject.ref(), res.Patient.ref(), res.Beneficiary.ref()),
		encounter: res.Encounter.ref(),
		raw:       raw,
		codes:     sc.codes,
		names:     sc.names,
		refs:      sc.refs,
	}
	var fields []field
	for _, p := range g.dates {
		if v := sc.first[p]; v != "" {
			if _, _, err := fhirSpan(v); err == nil {
				fields = append(fields, field{p, v})
			}
		}
	}
	c.item.Date, c.item.Until, c.item.DateField, _ = pickDate(i, rt, fields...)
	c.dated = c.item.DateField != ""
	if res.Meta != nil {
		c.updated = res.Meta.LastUpdated
	}
	title := ""
	for _, p := range genericTitle {
		if title = sc.first[p]; title != "" {
			break
		}
	}
	c.item.Title = cmp.Or(title, rt)
	if res.MedicationReference != nil {
		c.medRef = res.MedicationReference.Reference
	}
	if s := deref(res.Requester); s.Reference != "" || s.Display != "" {
		c.sources[0] = s
	}
	c.orgs = []reference{c.sources[0]}
	b.entries[i].cand = len(b.cands)
	b.cands = append(b.cands, c)
}
