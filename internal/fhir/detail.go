package fhir

import (
	"cmp"
	"encoding/json"
	"net/url"
	"slices"
	"strings"
)

// Coding is one code of a resource: a system URI and a code.
type Coding struct{ System, Code, Display string }

// Detail is what the importer read from the resources behind one chart
// item, parallel to Chart.Items (Details[i] describes Items[i]). It is PHI
// as the resources are.
type Detail struct {
	// Codes are the codings of the item's resource's clinical code members,
	// primary code first, each system and code once (the first display
	// kept), codings with no code left out:
	//
	//   - Encounter: type, class, serviceType, reasonCode
	//   - DocumentReference: type, category, context.event,
	//     context.facilityType, context.practiceSetting
	//   - DiagnosticReport: code, category, conclusionCode, then the codes
	//     of every Observation folded into it
	//   - Observation: code, category, valueCodeableConcept, component.code
	//     and component.valueCodeableConcept
	//   - ImagingStudy: procedureCode, reasonCode, modality, series.modality,
	//     series.bodySite
	//   - Immunization: vaccineCode, reasonCode
	//   - MedicationRequest: medicationCodeableConcept, category, reasonCode
	//   - Condition: code, category
	//   - Claim, ExplanationOfBenefit: type, item.productOrService,
	//     diagnosis.diagnosisCodeableConcept, procedure.procedureCodeableConcept
	//   - Procedure: code, category, reasonCode
	//   - CarePlan: category, activity.detail.code, activity.detail.reasonCode
	//   - AllergyIntolerance: code, reaction.substance, reaction.manifestation
	//
	// A category that every resource of its type carries under US Core or
	// Synthea says nothing of the item and is left out (see
	// genericCategory); DocType keeps a DocumentReference's.
	Codes []Coding
	// DocType is a DocumentReference's type and category codings, all of
	// them; empty for other types.
	DocType []Coding
	// Org is the producing organization as a string for configuration to
	// match: the NPI (system http://hl7.org/fhir/sid/us-npi) of the
	// Organization referenced, when the bundle holds it, else its name, else
	// the reference's display. A conditional reference
	// Organization?identifier=<system>|<value> finds the bundle's
	// Organization with that identifier, and names the NPI itself when the
	// system is the NPI's. The references tried, in order: serviceProvider
	// (Encounter); custodian, then author (DocumentReference); performer
	// (DiagnosticReport, Observation, Immunization, Procedure); requester
	// (MedicationRequest); provider (Claim, ExplanationOfBenefit); else the
	// Org of the item's encounter. A reference to a Practitioner or any
	// other type but Organization is passed over; one whose type cannot be
	// told (a display alone, a urn:uuid the bundle does not hold) gives its
	// display. "" when none names an organization.
	Org string
	// Resources are the "Type/id" of every resource behind the item: the
	// item's own (its Key) first, then the Observations folded into it, in
	// its result order.
	Resources []string
	// Names are the "Type/id" of the resources the item names along the
	// edges its labels follow (edgeMembers: a reason, a condition
	// addressed, an encounter's or a claim's diagnoses, a claim's
	// encounters, a report's results ...), each once, when the bundle holds
	// them. References that resolve to nothing in the bundle are left out.
	Names []string
	// Raw is the item's own resource exactly as the bundle held it: the
	// bytes of the entry's "resource" member, not re-encoded. The folded
	// Observations' bytes are in Chart.FoldedRaw.
	Raw json.RawMessage
}

const npiSystem = "http://hl7.org/fhir/sid/us-npi"

// genericCategory reports whether a category coding is one US Core or
// Synthea puts on every resource of a type, which tells nothing of the
// item: the observation and condition categories (vital-signs,
// laboratory, problem-list-item ...), the medication request categories
// (inpatient, outpatient ...), the lab section LAB, the clinical-note
// document category and the care plan's assess-plan.
func genericCategory(cd coding) bool {
	switch cd.System {
	case "http://terminology.hl7.org/CodeSystem/observation-category",
		"http://terminology.hl7.org/CodeSystem/condition-category",
		"http://terminology.hl7.org/CodeSystem/medicationrequest-category":
		return true
	case "http://hl7.org/fhir/us/core/CodeSystem/condition-category":
		return cd.Code == "health-concern"
	case "http://terminology.hl7.org/CodeSystem/v2-0074":
		return cd.Code == "LAB"
	case "http://hl7.org/fhir/us/core/CodeSystem/us-core-documentreference-category":
		return cd.Code == "clinical-note"
	}
	// Argonaut's and US Core's care plan category; the title skips it
	// whatever the system.
	return cd.Code == "assess-plan"
}

// codeSet collects codings, each system and code once, in order.
type codeSet []Coding

func (s *codeSet) add(cd Coding) {
	if cd.Code == "" {
		return
	}
	for _, x := range *s {
		if x.Code == cd.Code && x.System == cd.System {
			return
		}
	}
	*s = append(*s, cd)
}

func (s *codeSet) coding(cd *coding) {
	if cd != nil {
		s.add(Coding{System: cd.System, Code: cd.Code, Display: cd.Display})
	}
}

func (s *codeSet) concept(c *concept) {
	if c == nil {
		return
	}
	for k := range c.Coding {
		s.coding(&c.Coding[k])
	}
}

func (s *codeSet) concepts(cs []concept) {
	for k := range cs {
		s.concept(&cs[k])
	}
}

// categories adds the codings that are not generic (genericCategory).
func (s *codeSet) categories(cs []concept) {
	for k := range cs {
		for n := range cs[k].Coding {
			if !genericCategory(cs[k].Coding[n]) {
				s.coding(&cs[k].Coding[n])
			}
		}
	}
}

// org is Detail.Org.
func (b *builder) org(c *candidate) string {
	for _, r := range c.orgs {
		if s := b.orgName(r); s != "" {
			return s
		}
	}
	if j, ok := b.resolve(c.encounter); ok && b.entries[j].typ == "Encounter" {
		return b.orgName(b.entries[j].provider)
	}
	return ""
}

// orgName is the organization a reference names, as Detail.Org describes,
// or "" when it names none.
func (b *builder) orgName(r reference) string {
	j, ok := b.resolve(r.Reference)
	typ, query := refType(r.Reference)
	if !ok && typ == "Organization" && query != "" {
		if q, err := url.ParseQuery(query); err == nil {
			ident := q.Get("identifier")
			if j, ok = b.orgIdent[ident]; !ok {
				if npi, isNPI := strings.CutPrefix(ident, npiSystem+"|"); isNPI && npi != "" {
					return npi
				}
			}
		}
	}
	switch {
	case ok && b.entries[j].typ == "Organization":
		return cmp.Or(b.entries[j].npi, b.entries[j].name, r.Display)
	case ok:
		return "" // a Practitioner, a Patient ...
	case typ == "" || typ == "Organization":
		return r.Display
	}
	return ""
}

// refType is the resource type a reference names by its form ("Type/id",
// an absolute URL ending in Type/id, "Type?query"), with the query of a
// conditional one; "" when the form does not tell (a urn:uuid, a
// contained "#id", a display alone).
func refType(ref string) (typ, query string) {
	if ref == "" || ref[0] == '#' || strings.HasPrefix(ref, "urn:") {
		return "", ""
	}
	if k := strings.IndexByte(ref, '?'); k >= 0 {
		ref, query = ref[:k], ref[k+1:]
		return ref[strings.LastIndexByte(ref, '/')+1:], query
	}
	if k := strings.Index(ref, "/_history/"); k > 0 {
		ref = ref[:k]
	}
	k := strings.LastIndexByte(ref, '/')
	if k <= 0 {
		return "", ""
	}
	return ref[strings.LastIndexByte(ref[:k], '/')+1 : k], ""
}

// detail is Detail for candidate c, an item of chart ch; the Observations
// folded into it go into ch.FoldedRaw.
func (b *builder) detail(c *candidate, ch *Chart) Detail {
	d := Detail{
		Codes:     c.codes,
		DocType:   c.docType,
		Org:       b.org(c),
		Resources: []string{c.item.Key},
		Raw:       c.raw,
	}
	codes := codeSet(d.Codes)
	for _, r := range c.results {
		j, ok := b.result(c, r.Reference)
		if !ok {
			continue
		}
		o := &b.cands[b.entries[j].cand]
		if slices.Contains(d.Resources, o.item.Key) {
			continue
		}
		d.Resources = append(d.Resources, o.item.Key)
		for _, cd := range o.codes {
			codes.add(cd)
		}
		if ch.FoldedRaw == nil {
			ch.FoldedRaw = make(map[string]json.RawMessage)
		}
		ch.FoldedRaw[o.item.Key] = o.raw
	}
	// A prescription's drug and a document's content held in a Binary are
	// part of the item, as a report's results are.
	for _, ref := range append([]string{c.medRef}, c.binaries...) {
		j, ok := b.resolve(ref)
		if !ok || !foldable(b.entries[j].typ) || len(b.entries[j].raw) == 0 {
			continue
		}
		key := b.entries[j].typ + "/" + b.entries[j].id
		if slices.Contains(d.Resources, key) {
			continue
		}
		b.entries[j].used = true
		d.Resources = append(d.Resources, key)
		for _, cd := range b.entries[j].codes {
			codes.add(cd)
		}
		if ch.FoldedRaw == nil {
			ch.FoldedRaw = make(map[string]json.RawMessage)
		}
		ch.FoldedRaw[key] = b.entries[j].raw
	}
	d.Codes = codes
	names := c.names
	if c.encounter != "" && c.item.Type == "claim" {
		names = append(names, c.encounter) // a bill names the visit it bills
	}
	for _, r := range names {
		j, ok := b.resolve(r)
		if !ok || b.entries[j].id == "" {
			continue
		}
		if key := b.entries[j].typ + "/" + b.entries[j].id; key != c.item.Key && !slices.Contains(d.Names, key) {
			d.Names = append(d.Names, key)
		}
	}
	return d
}
