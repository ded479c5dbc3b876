package packet

import (
	"strings"
)

// What is printed never carries what is withheld. A FHIR Reference may
// carry a display: text copied from the resource it names ("Normal
// pregnancy" for a Condition). Printed with a released item, it would
// disclose part of the named resource even when the decision withheld
// that resource. So a reference's display is printed, or exported, only
// when the reference names a resource released in the same packet or
// export, or one that is not a clinical record at all (an author, a
// place, a payer, a drug). Otherwise the packet prints Withheld in its
// place, and the export drops the display; the reference itself, an
// opaque id, stays.

// Withheld is printed in place of the display of a reference to a record
// the release does not include. It says that something is not included,
// never what.
const Withheld = "(a record not included in this release)"

// Released is the set of resources a release lets go, as "Type/id" keys:
// each released item's own key and the keys of the resources folded into
// it. nil is the empty set.
type Released map[string]bool

// nonClinical are the resource types whose displays are always printed:
// the people, organizations and places that wrote or hosted a record, the
// patient, a payer's coverage and a drug. None of them is a chart item a
// decision can withhold.
var nonClinical = map[string]bool{
	"Practitioner": true, "PractitionerRole": true, "Organization": true, "Location": true,
	"Patient": true, "Medication": true, "Coverage": true,
}

// nonClinicalMembers are the members whose reference, by the FHIR R4
// definition of the chart's resource types, names a person, an
// organization, a place, a device, the patient, a coverage or a drug (or,
// for performer, actor and author, a care team), never a record a decision
// can withhold. They type a reference that does not say its own type: a
// urn:uuid that names no released resource, or a display with no
// reference (Synthea writes a claim's coverage that way).
var nonClinicalMembers = map[string]bool{
	"individual": true, "actor": true, "author": true, "performer": true, "recorder": true,
	"asserter": true, "requester": true, "custodian": true, "authenticator": true,
	"serviceProvider": true, "provider": true, "insurer": true, "payor": true, "facility": true,
	"location": true, "organization": true, "managingOrganization": true, "enterer": true,
	"assigner": true, "referrer": true, "interpreter": true, "resultsInterpreter": true,
	"party": true, "subject": true, "patient": true, "beneficiary": true, "policyHolder": true,
	"subscriber": true, "coverage": true, "medicationReference": true,
}

// with returns rel holding keys too, copying rel only when it lacks one:
// an item's own resources are always released with it.
func (rel Released) with(keys ...string) Released {
	for _, k := range keys {
		if !rel[k] {
			out := make(Released, len(rel)+len(keys))
			for k := range rel {
				out[k] = true
			}
			for _, k := range keys {
				out[k] = true
			}
			return out
		}
	}
	return rel
}

// Names reports whether the reference string s names a released
// resource: "Type/id", an absolute URL ending in Type/id, either with
// "/_history/n", or "urn:uuid:<id>", which names any released key ending
// in "/<id>". A conditional reference ("Type?identifier=…") names no
// particular resource, so never a released one.
func (rel Released) Names(s string) bool {
	typ, id := target(s)
	if id == "" {
		return false
	}
	if typ != "" {
		return rel[typ+"/"+id]
	}
	for k := range rel {
		if strings.HasSuffix(k, "/"+id) {
			return true
		}
	}
	return false
}

// Shows reports whether the display of Reference r, the value (or a list
// element) of member, may be printed or exported (see Withheld): the FHIR
// export asks it of a reference to a resource it does not carry.
func (rel Released) Shows(member string, r map[string]any) bool { return rel.shows(member, r) }

// shows reports whether the display of Reference r, the value (or a list
// element) of member, may be printed.
func (rel Released) shows(member string, r obj) bool {
	s := r.str("reference")
	if strings.HasPrefix(s, "#") {
		return true // a contained resource travels inside the released one
	}
	if rel.Names(s) {
		return true
	}
	typ, _ := target(s)
	if typ == "" {
		typ = lastSegment(r.str("type")) // "Practitioner" or its StructureDefinition URL
	}
	if typ == "" {
		return nonClinicalMembers[member]
	}
	return nonClinical[typ]
}

// target is the resource type and id reference s names; either may be ""
// (a urn:uuid has no type, a conditional reference no id, and a urn:oid or
// garbage neither).
func target(s string) (typ, id string) {
	if id, ok := strings.CutPrefix(s, "urn:uuid:"); ok {
		return "", id
	}
	if q, _, ok := strings.Cut(s, "?"); ok {
		return resourceType(lastSegment(q)), ""
	}
	if i := strings.Index(s, "/_history/"); i >= 0 {
		s = s[:i]
	}
	i := strings.LastIndexByte(s, '/')
	if i < 0 {
		return "", ""
	}
	typ = resourceType(lastSegment(s[:i]))
	if typ == "" {
		return "", ""
	}
	return typ, s[i+1:]
}

func lastSegment(s string) string { return s[strings.LastIndexByte(s, '/')+1:] }

// resourceType returns s when it reads as a FHIR resource type (an upper
// case letter, then letters), else "": "fhir" in "https://x/fhir" is not.
func resourceType(s string) string {
	if s == "" || s[0] < 'A' || s[0] > 'Z' {
		return ""
	}
	for _, c := range s {
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z') {
			return ""
		}
	}
	return s
}

// isReference reports whether m, the value (or a list element) of member,
// is a FHIR Reference: it has a reference, or a display with no code and
// no system (which a Coding would have).
func isReference(member string, m obj) bool {
	if _, ok := m["reference"].(string); ok {
		return true
	}
	_, display := m["display"].(string)
	return display && member != "coding" && m["code"] == nil && m["system"] == nil
}

// RedactReferences drops from resource res, contained resources included,
// the display of every Reference that rel says may not be printed (see
// Withheld), keeping the reference itself. A Reference that is only a
// display gets Withheld as its display instead, since an empty Reference
// is not valid FHIR. It is for an export: res is changed in place.
func RedactReferences(res map[string]any, rel Released) {
	redact("", res, rel)
}

func redact(member string, v any, rel Released) {
	switch v := v.(type) {
	case map[string]any:
		if _, ok := v["display"]; ok && isReference(member, v) && !rel.shows(member, v) {
			if len(v) == 1 {
				v["display"] = Withheld
			} else {
				delete(v, "display")
			}
		}
		for k, x := range v {
			redact(k, x, rel)
		}
	case []any:
		for _, x := range v {
			redact(member, x, rel)
		}
	}
}
