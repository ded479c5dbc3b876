package fhir

import (
	"bytes"
	"encoding/json"
	"net/url"
	"strings"
)

// Conditional references. Synthea (since 2020) and many EHR exports name a
// clinician, an organization or a place by a search instead of an id:
// {"reference": "Practitioner?identifier=http://hl7.org/fhir/sid/us-npi|9999949999"}.
// That is meant for a server processing a transaction; in a stored record
// or in a collection Bundle sent on, it names nothing. The import resolves
// each to the resource of the same bundle that carries the identifier
// (Chart.References) and keeps the clinicians, organizations and places a
// chart names (Chart.SharedRaw), so that what is stored can be exported
// with every reference resolvable. One that names no resource in the
// bundle is counted (Stats.Unresolved), never silently dropped.

// sharedKept are the shared types whose resources a chart keeps when its
// records name them: not clinical records, so never withheld by a
// decision, and what an export needs for its references to resolve.
func sharedKept(rt string) bool {
	switch rt {
	case "Practitioner", "PractitionerRole", "Organization", "Location":
		return true
	}
	return false
}

// conditionalKey reads a conditional reference "Type?identifier=system|value"
// (the value URL-encoded or not) as the key identify indexes it by,
// "Type?system|value"; ok is false for any other form (a literal
// reference, a search by anything but one identifier).
func conditionalKey(ref string) (key string, ok bool) {
	typ, query, found := strings.Cut(ref, "?")
	if !found || resourceTypeName(typ) == "" {
		return "", false
	}
	q, err := url.ParseQuery(query)
	if err != nil || len(q) != 1 || len(q["identifier"]) != 1 {
		return "", false
	}
	ident := q.Get("identifier")
	if sys, val, ok := strings.Cut(ident, "|"); !ok || sys == "" || val == "" {
		return "", false
	}
	return typ + "?" + ident, true
}

// resourceTypeName returns s when it reads as a resource type name: an
// upper-case ASCII letter, then ASCII letters.
func resourceTypeName(s string) string {
	if s == "" || s[0] < 'A' || s[0] > 'Z' {
		return ""
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z') {
			return ""
		}
	}
	return s
}

// identify indexes entry i's identifiers, by which conditional references
// find it. Identifiers of any shape are tolerated: an identifier that does
// not read is simply not indexed.
func (b *builder) identify(i int, rt string, raw json.RawMessage) {
	if len(raw) == 0 || rt == "" {
		return
	}
	var ids []identifier
	if json.Unmarshal(raw, &ids) != nil {
		return
	}
	for _, id := range ids {
		if id.System == "" || id.Value == "" {
			continue
		}
		if b.ident == nil {
			b.ident = make(map[string][]int)
		}
		k := rt + "?" + id.System + "|" + id.Value
		if n := len(b.ident[k]); n == 0 || b.ident[k][n-1] != i {
			b.ident[k] = append(b.ident[k], i)
		}
	}
}

// conditional finds the entry conditional reference key (conditionalKey)
// resolves to for the chart of Patient entry patient: the first in the
// file that carries the identifier and may be named (ownOrShared). The
// first, not the only: two copies of one clinician in a file are one.
func (b *builder) conditional(key string, patient int) (int, bool) {
	for _, j := range b.ident[key] {
		if b.ownOrShared(j, patient) {
			return j, true
		}
	}
	return 0, false
}

// chartRefs fills in ch.References and ch.SharedRaw from refs, the
// reference strings of the chart's own resources, and counts what does not
// resolve. patient is the chart's Patient entry. A conditional reference
// resolves to a shared resource (sharedKept) or to a resource of this
// chart; a shared resource a reference names is kept, and what it names in
// turn followed, so a PractitionerRole brings its Practitioner.
func (b *builder) chartRefs(ch *Chart, patient int, refs []string) {
	seen := map[int]bool{}
	for len(refs) > 0 {
		ref := refs[0]
		refs = refs[1:]
		j, literal := b.resolve(ref)
		if !literal {
			key, ok := conditionalKey(ref)
			if !ok {
				continue // a urn:uuid of nothing, a contained "#id": not conditional
			}
			if j, ok = b.conditional(key, patient); !ok {
				b.stats.Unresolved++
				continue
			}
			if ch.References == nil {
				ch.References = make(map[string]string)
			}
			ch.References[ref] = b.entries[j].typ + "/" + b.entries[j].id
		}
		e := &b.entries[j]
		if !sharedKept(e.typ) || seen[j] || len(e.raw) == 0 || e.id == "" {
			continue
		}
		seen[j] = true
		if ch.SharedRaw == nil {
			ch.SharedRaw = make(map[string]json.RawMessage)
		}
		ch.SharedRaw[e.typ+"/"+e.id] = e.raw
		refs = append(refs, e.refs...)
	}
}

// ownOrShared reports whether entry j may be what a reference of the chart
// of Patient entry patient resolves to: a shared resource, the patient, or
// a record about the patient. Another patient's record never is (nor is it
// beside this patient's when the file is read patient by patient).
func (b *builder) ownOrShared(j, patient int) bool {
	e := &b.entries[j]
	switch {
	case sharedKept(e.typ), j == patient:
		return true
	case e.cand >= 0:
		p, ok := b.resolve(b.cands[e.cand].subject)
		return ok && p == patient
	}
	return false
}

// ResolveReferences returns raw with every Reference.reference that refs
// maps rewritten to what it maps to ("Type/id"); nothing else of raw
// changes, byte for byte. raw is returned as it is when refs changes
// nothing. It is for Chart.References: the import keeps the bytes as
// received, and the store keeps them with their references resolved.
func ResolveReferences(raw []byte, refs map[string]string) []byte {
	if len(refs) == 0 || !bytes.Contains(raw, []byte(`"reference"`)) {
		return raw
	}
	var out []byte
	last := 0
	for i := 0; i < len(raw); {
		if raw[i] != '"' {
			i++
			continue
		}
		end := stringEnd(raw, i)
		key := raw[i:end]
		j := end
		for j < len(raw) && isSpace(raw[j]) {
			j++
		}
		if j >= len(raw) || raw[j] != ':' || string(key) != `"reference"` {
			i = end
			continue
		}
		for j++; j < len(raw) && isSpace(raw[j]); j++ {
		}
		if j >= len(raw) || raw[j] != '"' {
			i = j
			continue
		}
		vend := stringEnd(raw, j)
		var s string
		if json.Unmarshal(raw[j:vend], &s) == nil {
			if to, ok := refs[s]; ok {
				enc, _ := json.Marshal(to)
				out = append(append(out, raw[last:j]...), enc...)
				last = vend
			}
		}
		i = vend
	}
	if out == nil {
		return raw
	}
	return append(out, raw[last:]...)
}
