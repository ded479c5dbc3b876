package workflow

import (
	"context"
	"crypto/sha1"
	"encoding/hex"
	"encoding/json"
	"html"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/custodian-roi/custodian/internal/label"
	"github.com/custodian-roi/custodian/internal/ledger"
	"github.com/custodian-roi/custodian/internal/letter"
	"github.com/custodian-roi/custodian/internal/packet"
	"github.com/custodian-roi/custodian/internal/roi"
)

// Export returns what request id's decision releases as a FHIR R4 Bundle of
// type collection (docs/INTEGRATION.md, "FHIR export"):
//
//   - the patient's Patient resource (as imported, or built from the stored
//     demographics), then each released resource as imported with the
//     resources folded into it, then the clinicians, organizations and
//     places they name that the chart holds, then a Provenance of the
//     release;
//   - every entry's fullUrl a urn:uuid, and every reference to an entry
//     rewritten to that fullUrl; a reference to anything else removed (see
//     fixRef) — a reference never dangles and never names what is withheld;
//   - each resource's sensitivity as HL7 DS4P security labels in
//     meta.security, and in the Bundle's meta.security the highest
//     confidentiality of its content and, when it holds a Part 2 record,
//     42CFRPart2 and the NORDSCLCD redisclosure prohibition;
//   - the Provenance naming the request, the decision, the HL7 v3
//     purpose of use of the request's basis and its legal citation.
//
// Only an approved or released request exports, and the export is recorded
// in the ledger.
func (d *Desk) Export(ctx context.Context, actor string, id roi.RequestID) ([]byte, error) {
	if err := requireActor(actor); err != nil {
		return nil, err
	}
	r, err := d.store.Request(ctx, id)
	if err != nil {
		return nil, err
	}
	switch r.Status {
	case roi.StatusApproved, roi.StatusReleased, roi.StatusPartiallyReleased, roi.StatusClosed:
	default:
		return nil, roi.Errorf(roi.CodeConflict, "Request %s is %s; only an approved request exports.", r.Number, r.Status)
	}
	final, decisionID, err := d.finalDecision(ctx, id)
	if err != nil {
		return nil, err
	}
	chart, err := d.store.ChartItems(ctx, r.PatientID)
	if err != nil {
		return nil, err
	}
	labels := map[string]roi.Labels{}
	for _, it := range chart {
		labels[it.Key] = it.Labels
	}
	pat, err := d.store.Patient(ctx, r.PatientID)
	if err != nil {
		return nil, err
	}
	x := &exportBundle{byRef: map[string]*exportEntry{}, urls: map[string]bool{}, rel: packet.Released{}}
	raw := func(key string) (map[string]any, bool, error) {
		b, err := d.store.RawResource(ctx, r.PatientID, key)
		if roi.CodeOf(err) == roi.CodeNotFound {
			return nil, false, nil // imported before raw resources were kept
		}
		if err != nil {
			return nil, false, err
		}
		res, err := decodeResource(b)
		if err != nil {
			return nil, false, roi.WrapOp("workflow.export-resource-read", roi.CodeInternal, err, "A stored resource does not read.")
		}
		return res, true, nil
	}

	// The Patient first: what every record's subject names.
	pkey := "Patient/" + pat.FHIRID
	pres, ok, err := raw(pkey)
	if err != nil {
		return nil, err
	}
	if !ok || pat.FHIRID == "" {
		pres = patientResource(pat)
		pkey = "Patient/" + pres["id"].(string)
	}
	keepIdentifiers(pres)
	x.add(pkey, pres, 0)

	var add func(key string, sec roi.Labels) error
	add = func(key string, sec roi.Labels) error {
		if x.has(key) {
			return nil
		}
		res, ok, err := raw(key)
		if err != nil || !ok {
			return err
		}
		x.add(key, res, sec)
		for _, k := range folded(res) {
			if err := add(k, sec); err != nil {
				return err
			}
		}
		return nil
	}
	for _, key := range final.Release {
		if err := add(key, labels[key]); err != nil {
			return nil, err
		}
	}
	// The clinicians, organizations and places the entries name, when the
	// chart holds them (the import keeps them: fhir.Chart.SharedRaw), and
	// what those name in turn.
	tried := map[string]bool{}
	for i := 0; i < len(x.entries); i++ {
		for _, ref := range references(x.entries[i].res) {
			for _, key := range sharedCandidates(ref) {
				if tried[key] || x.lookup(ref) != nil {
					continue
				}
				tried[key] = true
				res, ok, err := raw(key)
				if err != nil {
					return nil, err
				}
				if ok {
					x.add(key, res, 0)
				}
			}
		}
	}

	// Only now is every entry known, so only now can each reference be
	// told to name one of them.
	for _, e := range x.entries {
		x.fix("", e.res, false)
	}
	now := d.Now().UTC()
	part2 := final.Part2Notice
	conf := "N"
	for _, e := range x.entries {
		if e.labels.Has(roi.LabelPart2) {
			part2 = true
		}
		conf = higherConfidentiality(conf, confidentialityOf(e.res))
	}
	prov := provenance(r, decisionID, actor, now, x.entries, part2)
	x.add("Provenance/"+prov["id"].(string), prov, 0)
	bundle := map[string]any{
		"resourceType": "Bundle",
		"meta":         map[string]any{"security": bundleSecurity(conf, part2)},
		"type":         "collection",
		"timestamp":    now.Format("2006-01-02T15:04:05Z"),
		"entry":        x.bundleEntries(),
	}
	if err := x.checkResolved(); err != nil {
		return nil, err
	}
	out, err := json.MarshalIndent(bundle, "", " ")
	if err != nil {
		return nil, err
	}
	err = d.store.Append(ctx, roi.Event{Kind: roi.EventExport, RequestID: r.ID, PatientID: r.PatientID, Actor: actor,
		Body: roi.ExportBody{Resources: len(x.entries) - 1, DecisionID: decisionID, At: now.Format(ledger.TimeFormat)}})
	return out, err
}

// exportEntry is one resource of an export.
type exportEntry struct {
	key    string // "Type/id" as stored
	url    string // its fullUrl, urn:uuid:...
	res    map[string]any
	labels roi.Labels
}

// exportBundle collects an export's entries and the names each is known by.
type exportBundle struct {
	entries []*exportEntry
	byRef   map[string]*exportEntry // "Type/id" and "urn:uuid:<id>"
	urls    map[string]bool         // every fullUrl
	rel     packet.Released         // every entry's key, for packet.Released.Shows
}

func (x *exportBundle) has(key string) bool { return x.byRef[key] != nil }

// add appends res as key, with the DS4P labels of sec in its meta.security
// (a Patient keeps a sender's labels and gets a confidentiality code if it
// has none; it is not a record a label describes).
func (x *exportBundle) add(key string, res map[string]any, sec roi.Labels) {
	meta, _ := res["meta"].(map[string]any)
	if meta == nil {
		meta = map[string]any{}
	}
	ours := label.SecurityLabels(sec)
	if res["resourceType"] == "Patient" {
		kept, _ := meta["security"].([]any)
		if confidentialityOf(res) == "" {
			kept = append(kept, ours[0])
		}
		meta["security"] = kept
	} else if res["resourceType"] != "Provenance" {
		meta["security"] = ours
	}
	if len(meta) > 0 {
		res["meta"] = meta
	}
	e := &exportEntry{key: key, res: res, labels: sec, url: fullURL(key, x.urls)}
	x.urls[e.url] = true
	x.entries = append(x.entries, e)
	x.byRef[key] = e
	if _, id, ok := strings.Cut(key, "/"); ok {
		if u := "urn:uuid:" + id; x.byRef[u] == nil {
			x.byRef[u] = e
		}
	}
	x.rel[key] = true
}

func (x *exportBundle) bundleEntries() []map[string]any {
	out := make([]map[string]any, len(x.entries))
	for i, e := range x.entries {
		out[i] = map[string]any{"fullUrl": e.url, "resource": e.res}
	}
	return out
}

// fullURL is the fullUrl of the resource stored as key: urn:uuid:<id> when
// its id is a UUID (as Synthea's are, so that the urn:uuid references
// written against the source bundle name the same thing), else a UUID
// derived from key (a name-based, version 5 style UUID of SHA-1), so that
// every export of the same record gives it the same fullUrl.
func fullURL(key string, taken map[string]bool) string {
	_, id, _ := strings.Cut(key, "/")
	if isUUID(id) {
		if u := "urn:uuid:" + strings.ToLower(id); !taken[u] {
			return u
		}
	}
	for n := 0; ; n++ {
		name := key
		if n > 0 {
			name += "#" + strconv.Itoa(n)
		}
		h := sha1.Sum([]byte("custodian-export:" + name))
		h[6] = h[6]&0x0f | 0x50
		h[8] = h[8]&0x3f | 0x80
		s := hex.EncodeToString(h[:16])
		u := "urn:uuid:" + s[:8] + "-" + s[8:12] + "-" + s[12:16] + "-" + s[16:20] + "-" + s[20:32]
		if !taken[u] {
			return u
		}
	}
}

func isUUID(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch i {
		case 8, 13, 18, 23:
			if c != '-' {
				return false
			}
		default:
			if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
				return false
			}
		}
	}
	return true
}

// lookup returns the entry reference s names: "urn:uuid:<id>", "Type/id",
// or an absolute URL ending in Type/id, either with /_history/n; nil for
// anything else (a conditional reference, a contained "#id") or a
// resource the export does not hold.
func (x *exportBundle) lookup(s string) *exportEntry {
	if strings.HasPrefix(s, "urn:uuid:") {
		if e := x.byRef[s]; e != nil {
			return e
		}
		return x.byRef["urn:uuid:"+strings.ToLower(s[len("urn:uuid:"):])]
	}
	if strings.Contains(s, "?") || strings.HasPrefix(s, "#") {
		return nil
	}
	if i := strings.Index(s, "/_history/"); i >= 0 {
		s = s[:i]
	}
	i := strings.LastIndexByte(s, '/')
	if i <= 0 {
		return nil
	}
	j := strings.LastIndexByte(s[:i], '/')
	return x.byRef[s[j+1:]]
}

// sharedTypes are the resource types an export carries when a released
// record names them and the chart holds them: not clinical records, so
// never withheld by a decision.
var sharedTypes = []string{"Practitioner", "PractitionerRole", "Organization", "Location"}

// sharedCandidates are the stored keys reference s may name among the
// shared types: its own "Type/id" when it says a shared type, each shared
// type's when it is a urn:uuid (which says no type).
func sharedCandidates(s string) []string {
	if id, ok := strings.CutPrefix(s, "urn:uuid:"); ok {
		out := make([]string, len(sharedTypes))
		for i, t := range sharedTypes {
			out[i] = t + "/" + id
		}
		return out
	}
	if strings.ContainsAny(s, "?#") {
		return nil
	}
	if i := strings.Index(s, "/_history/"); i >= 0 {
		s = s[:i]
	}
	i := strings.LastIndexByte(s, '/')
	if i <= 0 {
		return nil
	}
	typ := s[strings.LastIndexByte(s[:i], '/')+1 : i]
	for _, t := range sharedTypes {
		if t == typ {
			return []string{typ + "/" + s[i+1:]}
		}
	}
	return nil
}

// references lists every Reference.reference string in v.
func references(v any) []string {
	var out []string
	var walk func(any)
	walk = func(v any) {
		switch v := v.(type) {
		case map[string]any:
			for k, c := range v {
				if s, ok := c.(string); ok && k == "reference" {
					out = append(out, s)
					continue
				}
				walk(c)
			}
		case []any:
			for _, c := range v {
				walk(c)
			}
		}
	}
	walk(v)
	return out
}

// requiredRefs are the members, by name, whose single Reference FHIR R4
// requires (1..1) in the resource types a chart holds: Encounter's
// diagnosis.condition and location.location, performer.actor (Procedure,
// Immunization), insurance.coverage, Claim's and ExplanationOfBenefit's
// provider and insurer, diagnosis/procedure[x] (a choice that must have a
// value), medication[x], a record's subject or patient, Patient.link.other,
// DocumentReference.relatesTo.target, Procedure.focalDevice.manipulated. When a reference
// there must go, a data-absent-reason extension takes its place.
var requiredRefs = map[string]bool{
	"condition": true, "location": true, "actor": true, "coverage": true, "provider": true, "insurer": true,
	"diagnosisReference": true, "procedureReference": true, "medicationReference": true,
	"subject": true, "patient": true, "beneficiary": true, "who": true, "other": true, "target": true,
	"manipulated": true,
}

// requiredRefLists are the members whose list of References FHIR R4
// requires to hold at least one (Coverage.payor).
var requiredRefLists = map[string]bool{"payor": true}

// absent is what stands in a required Reference removed from an export: a
// data-absent-reason extension with no display. Its code is "unknown"
// whether the record it named was withheld or never held, so that it
// tells the recipient nothing of which.
func absent() map[string]any {
	return map[string]any{"extension": []any{map[string]any{
		"url":       "http://hl7.org/fhir/StructureDefinition/data-absent-reason",
		"valueCode": "unknown",
	}}}
}

// fix rewrites v, the value (or, when inList, a list element) of member,
// in place: every Reference to an entry names its fullUrl, every other
// goes (fixRef). It reports false when v must go from its parent: a
// removed Reference, an object or list left empty, an extension left with
// no value.
func (x *exportBundle) fix(member string, v any, inList bool) (any, bool) {
	switch v := v.(type) {
	case map[string]any:
		if isReference(member, v) {
			return x.fixRef(member, v, inList)
		}
		for k, c := range v {
			if _, narrative := c.(map[string]any); narrative && k == "text" {
				continue // the sender's narrative: text, not references
			}
			if u, ok := c.(string); ok && k == "url" && (member == "attachment" || member == "presentedForm") {
				// An attachment whose content is a Binary of the export.
				if e := x.lookup(u); e != nil {
					v[k] = e.url
				}
				continue
			}
			nc, ok := x.fix(k, c, false)
			if !ok {
				delete(v, k)
			} else {
				v[k] = nc
			}
		}
		if len(v) == 0 || member != "" && onlyAbsent(v) {
			// An element left holding nothing, or nothing but stand-ins
			// for removed references (Encounter.location with its
			// location gone), goes itself.
			return nil, false
		}
		if member == "extension" || member == "modifierExtension" {
			value := v["extension"] != nil
			for k := range v {
				value = value || strings.HasPrefix(k, "value")
			}
			if !value {
				return nil, false
			}
		}
		return v, true
	case []any:
		out := v[:0]
		for _, c := range v {
			if nc, ok := x.fix(member, c, true); ok {
				out = append(out, nc)
			}
		}
		if len(out) == 0 {
			if requiredRefLists[member] {
				return []any{absent()}, true
			}
			return nil, false
		}
		return out, true
	}
	return v, true
}

// isReference reports whether m, the value (or a list element) of member,
// is a FHIR Reference: it has a reference, or a display and neither code
// nor system (which a Coding would have).
func isReference(member string, m map[string]any) bool {
	if _, ok := m["reference"].(string); ok {
		return true
	}
	_, display := m["display"].(string)
	return display && member != "coding" && m["code"] == nil && m["system"] == nil
}

// onlyAbsent reports whether every member of v is an absent stand-in.
func onlyAbsent(v map[string]any) bool {
	for _, c := range v {
		m, _ := c.(map[string]any)
		exts, _ := m["extension"].([]any)
		if len(m) != 1 || len(exts) != 1 {
			return false
		}
		if e, _ := exts[0].(map[string]any); e["url"] != "http://hl7.org/fhir/StructureDefinition/data-absent-reason" {
			return false
		}
	}
	return true
}

// fixRef rewrites Reference ref, the value (or a list element) of member:
//
//   - a contained "#id" stays;
//   - a reference to an entry names the entry's fullUrl, display kept;
//   - a reference to a clinician, organization or place the export does
//     not carry loses its reference and keeps its display; a conditional one
//     ("Practitioner?identifier=system|value", unresolved at import) becomes
//     a logical reference (Reference.identifier and type), which names no
//     resource to resolve;
//   - anything else — a record withheld, or never held — goes entirely,
//     display and all: from a list, or, where FHIR requires the element, in
//     favour of a data-absent-reason extension (absent).
func (x *exportBundle) fixRef(member string, ref map[string]any, inList bool) (any, bool) {
	s, _ := ref["reference"].(string)
	if strings.HasPrefix(s, "#") {
		return ref, true
	}
	if e := x.lookup(s); e != nil {
		ref["reference"] = e.url
		return ref, true
	}
	shows := x.rel.Shows(member, ref)
	delete(ref, "reference")
	if shows {
		if typ, ident, ok := conditionalIdentifier(s); ok {
			ref["type"], ref["identifier"] = typ, ident
		}
		if _, ok := ref["display"]; ok || ref["identifier"] != nil {
			return ref, true
		}
	}
	if inList || !requiredRefs[member] {
		return nil, false
	}
	return absent(), true
}

// conditionalIdentifier reads "Type?identifier=system|value" for a shared
// type as the Reference.type and Reference.identifier of a logical
// reference.
func conditionalIdentifier(s string) (string, map[string]any, bool) {
	typ, query, ok := strings.Cut(s, "?")
	if !ok {
		return "", nil, false
	}
	shared := false
	for _, t := range sharedTypes {
		shared = shared || t == typ
	}
	q, err := url.ParseQuery(query)
	if !shared || err != nil || len(q["identifier"]) != 1 {
		return "", nil, false
	}
	sys, val, ok := strings.Cut(q.Get("identifier"), "|")
	if !ok || sys == "" || val == "" {
		return "", nil, false
	}
	return typ, map[string]any{"system": sys, "value": val}, true
}

// checkResolved fails the export, as an internal error, if any reference
// of it names no entry: fix is meant to leave none, and an export that
// says otherwise is not sent.
func (x *exportBundle) checkResolved() error {
	for _, e := range x.entries {
		for _, s := range references(e.res) {
			if !strings.HasPrefix(s, "#") && !x.urls[s] {
				return roi.Errorf(roi.CodeInternal, "An export would carry a reference it does not resolve; nothing was exported.")
			}
		}
	}
	return nil
}

// decodeResource decodes a stored resource, numbers kept as written.
func decodeResource(b []byte) (map[string]any, error) {
	dec := json.NewDecoder(strings.NewReader(string(b)))
	dec.UseNumber()
	var res map[string]any
	if err := dec.Decode(&res); err != nil {
		return nil, err
	}
	if res == nil {
		return nil, roi.Errorf(roi.CodeInternal, "null resource")
	}
	return res, nil
}

// patientResource builds a Patient from the stored demographics, for a
// chart imported before the Patient resource itself was kept.
func patientResource(p *roi.PatientRecord) map[string]any {
	id := p.FHIRID
	if id == "" {
		id = "patient-" + strconv.FormatInt(int64(p.ID), 10)
	}
	res := map[string]any{"resourceType": "Patient", "id": id}
	if p.MRN != "" {
		res["identifier"] = []any{map[string]any{
			"type": map[string]any{"coding": []any{map[string]any{
				"system": "http://terminology.hl7.org/CodeSystem/v2-0203", "code": "MR", "display": "Medical record number"}}},
			"value": p.MRN,
		}}
	}
	if p.Name != "" {
		res["name"] = []any{map[string]any{"text": p.Name}}
	}
	if p.BirthDate.Known() {
		res["birthDate"] = p.BirthDate.String()
	}
	if p.DeathDate.Known() {
		res["deceasedDateTime"] = p.DeathDate.String()
	}
	return res
}

// keepIdentifiers drops from a Patient the identifiers no release needs
// and a leak would cost most: social security, driver's licence and
// passport numbers (Synthea writes all three). The medical record number
// and the rest stay.
func keepIdentifiers(p map[string]any) {
	ids, _ := p["identifier"].([]any)
	var kept []any
	for _, x := range ids {
		m, _ := x.(map[string]any)
		if sys, _ := m["system"].(string); sys == "http://hl7.org/fhir/sid/us-ssn" {
			continue
		}
		drop := false
		if t, ok := m["type"].(map[string]any); ok {
			cs, _ := t["coding"].([]any)
			for _, c := range cs {
				cm, _ := c.(map[string]any)
				switch cm["code"] {
				case "SS", "SB", "DL", "PPN":
					drop = true
				}
			}
		}
		if !drop {
			kept = append(kept, x)
		}
	}
	if len(kept) == 0 {
		delete(p, "identifier")
	} else if ids != nil {
		p["identifier"] = kept
	}
}

const (
	confidentialitySystem = "http://terminology.hl7.org/CodeSystem/v3-Confidentiality"
	actCodeSystem         = "http://terminology.hl7.org/CodeSystem/v3-ActCode"
	actReasonSystem       = "http://terminology.hl7.org/CodeSystem/v3-ActReason"
)

// confidentialityOf is the v3-Confidentiality code in res's meta.security,
// or "".
func confidentialityOf(res map[string]any) string {
	meta, _ := res["meta"].(map[string]any)
	secs, _ := meta["security"].([]any)
	if labels, ok := meta["security"].([]label.SecurityLabel); ok {
		for _, l := range labels {
			if l.System == confidentialitySystem {
				return l.Code
			}
		}
	}
	for _, s := range secs {
		switch s := s.(type) {
		case map[string]any:
			if s["system"] == confidentialitySystem {
				c, _ := s["code"].(string)
				return c
			}
		case label.SecurityLabel:
			if s.System == confidentialitySystem {
				return s.Code
			}
		}
	}
	return ""
}

// confidentialityRank orders the v3-Confidentiality codes, lowest first.
var confidentialityRank = map[string]int{"U": 1, "L": 2, "M": 3, "N": 4, "R": 5, "V": 6}

func higherConfidentiality(a, b string) string {
	if confidentialityRank[b] > confidentialityRank[a] {
		return b
	}
	return a
}

var confidentialityDisplay = map[string]string{
	"U": "unrestricted", "L": "low", "M": "moderate", "N": "normal", "R": "restricted", "V": "very restricted",
}

// bundleSecurity is the Bundle's meta.security: the highest confidentiality
// of its content (the DS4P high-water mark) and, for a Part 2 record, the
// Part 2 policy and the prohibition on redisclosure without the patient's
// consent (42 CFR 2.32).
func bundleSecurity(conf string, part2 bool) []label.SecurityLabel {
	out := []label.SecurityLabel{{System: confidentialitySystem, Code: conf, Display: confidentialityDisplay[conf]}}
	if part2 {
		out = append(out,
			label.SecurityLabel{System: actCodeSystem, Code: "42CFRPart2", Display: "42 CFR Part2"},
			label.SecurityLabel{System: actCodeSystem, Code: "NORDSCLCD", Display: "no redisclosure without consent directive"})
	}
	return out
}

// PurposeOfUse is an HL7 v3 ActReason purpose-of-use code.
type PurposeOfUse struct{ Code, Display string }

// purposeOfUse is the HL7 v3 purpose of use (system
// http://terminology.hl7.org/CodeSystem/v3-ActReason) of each basis a
// request may claim, for Provenance.reason. A basis with no purpose of its
// own in the code system takes the nearest: an authorization or a
// directive is the patient's own request (PATRQT); every legal process
// and law enforcement is legal (HLEGAL); health oversight is compliance
// (HCOMPL); workers' compensation is the payment of a claim (HPAYMT); a
// coroner's is decedent (HDECD); no basis stated is the code system's
// unspecified root, PurposeOfUse.
var purposeOfUse = map[roi.Basis]PurposeOfUse{
	roi.BasisAccess:          {"PATRQT", "patient requested"},
	roi.BasisDirective:       {"PATRQT", "patient requested"},
	roi.BasisAuthorization:   {"PATRQT", "patient requested"},
	roi.BasisTreatment:       {"TREAT", "treatment"},
	roi.BasisPayment:         {"HPAYMT", "healthcare payment"},
	roi.BasisOperations:      {"HOPERAT", "healthcare operations"},
	roi.BasisSubpoena:        {"HLEGAL", "legal"},
	roi.BasisCourtOrder:      {"HLEGAL", "legal"},
	roi.BasisWarrant:         {"HLEGAL", "legal"},
	roi.BasisLawEnforcement:  {"HLEGAL", "legal"},
	roi.BasisPublicHealth:    {"PUBHLTH", "public health"},
	roi.BasisHealthOversight: {"HCOMPL", "health compliance"},
	roi.BasisWorkersComp:     {"HPAYMT", "healthcare payment"},
	roi.BasisCoroner:         {"HDECD", "decedent"},
	roi.BasisNone:            {"PurposeOfUse", "purpose of use"},
}

// legalBasis is the citation each basis rests on, as the eCFR address
// Provenance.policy carries (a URI; nothing fetches it). No basis stated
// cites nothing.
var legalBasis = map[roi.Basis]string{
	roi.BasisAccess:          "https://www.ecfr.gov/current/title-45/section-164.524",
	roi.BasisDirective:       "https://www.ecfr.gov/current/title-45/section-164.524#p-164.524(c)(3)(ii)",
	roi.BasisAuthorization:   "https://www.ecfr.gov/current/title-45/section-164.508",
	roi.BasisTreatment:       "https://www.ecfr.gov/current/title-45/section-164.506",
	roi.BasisPayment:         "https://www.ecfr.gov/current/title-45/section-164.506",
	roi.BasisOperations:      "https://www.ecfr.gov/current/title-45/section-164.506",
	roi.BasisSubpoena:        "https://www.ecfr.gov/current/title-45/section-164.512#p-164.512(e)",
	roi.BasisCourtOrder:      "https://www.ecfr.gov/current/title-45/section-164.512#p-164.512(e)",
	roi.BasisWarrant:         "https://www.ecfr.gov/current/title-45/section-164.512#p-164.512(f)",
	roi.BasisLawEnforcement:  "https://www.ecfr.gov/current/title-45/section-164.512#p-164.512(f)",
	roi.BasisPublicHealth:    "https://www.ecfr.gov/current/title-45/section-164.512#p-164.512(b)",
	roi.BasisHealthOversight: "https://www.ecfr.gov/current/title-45/section-164.512#p-164.512(d)",
	roi.BasisWorkersComp:     "https://www.ecfr.gov/current/title-45/section-164.512#p-164.512(l)",
	roi.BasisCoroner:         "https://www.ecfr.gov/current/title-45/section-164.512#p-164.512(g)",
}

// part2Policy is the citation of a Part 2 disclosure's consent and notice.
const part2Policy = "https://www.ecfr.gov/current/title-42/section-2.32"

// provenance is the Provenance of a release: its targets every other
// entry, its reason the basis's purpose of use, its policies the request,
// the decision, the rule set and the legal basis, its activity a
// disclosure (ISO 21089), its agent the staff member who exported. Its
// narrative says what was released under what; for a Part 2 record it
// carries the 42 CFR 2.32 notice.
func provenance(r *roi.DeskRequest, decisionID int64, actor string, now time.Time, entries []*exportEntry, part2 bool) map[string]any {
	targets := make([]any, len(entries))
	for i, e := range entries {
		targets[i] = map[string]any{"reference": e.url}
	}
	policy := []any{"urn:custodian:request:" + r.Number, "urn:custodian:decision:" + strconv.FormatInt(decisionID, 10), "urn:custodian:rule-set:" + RuleSet}
	if u := legalBasis[r.Basis]; u != "" {
		policy = append(policy, u)
	}
	if part2 {
		policy = append(policy, part2Policy)
	}
	pou := purposeOfUse[r.Basis]
	why := "Released under basis " + string(r.Basis)
	if p := purposes[r.Basis]; p != "" {
		why += ": " + p
	}
	div := "<p>" + html.EscapeString(why+".") + "</p>"
	if part2 {
		div += "<p>" + html.EscapeString(letter.Part2Statement) + "</p>"
	}
	return map[string]any{
		"resourceType": "Provenance",
		"id":           "release-" + r.Number,
		"text":         map[string]any{"status": "additional", "div": `<div xmlns="http://www.w3.org/1999/xhtml">` + div + "</div>"},
		"target":       targets,
		"recorded":     now.Format("2006-01-02T15:04:05Z"),
		"policy":       policy,
		"reason": []any{map[string]any{
			"coding": []any{map[string]any{"system": actReasonSystem, "code": pou.Code, "display": pou.Display}},
			"text":   why,
		}},
		"activity": map[string]any{
			"coding": []any{map[string]any{"system": "http://terminology.hl7.org/CodeSystem/iso-21089-lifecycle", "code": "disclose", "display": "Disclose Record Lifecycle Event"}},
			"text":   "release of information",
		},
		"agent": []any{map[string]any{
			"type": map[string]any{"coding": []any{map[string]any{
				"system": "http://terminology.hl7.org/CodeSystem/provenance-participant-type", "code": "performer", "display": "Performer"}}},
			"who": map[string]any{"display": actor},
		}},
	}
}

// folded returns the keys of the resources an item's own resource folds in:
// a report's result Observations, a prescription's Medication, the Binary
// holding a document's content (as fhir.Detail.Resources lists them).
func folded(res map[string]any) []string {
	var out []string
	idOf := func(ref string) string {
		if i := strings.LastIndexAny(ref, "/:"); i >= 0 {
			return ref[i+1:]
		}
		return ref
	}
	if res["resourceType"] == "DiagnosticReport" {
		results, _ := res["result"].([]any)
		for _, x := range results {
			m, _ := x.(map[string]any)
			ref, _ := m["reference"].(string)
			if id := idOf(ref); id != "" {
				out = append(out, "Observation/"+id)
			}
		}
	}
	// A prescription's Medication and the Binary holding a document's
	// content, when the import kept them (fhir.Detail.Resources).
	if m, ok := res["medicationReference"].(map[string]any); ok {
		if ref, _ := m["reference"].(string); ref != "" && !strings.HasPrefix(ref, "#") {
			out = append(out, "Medication/"+idOf(ref))
		}
	}
	var urls []string
	contents, _ := res["content"].([]any)
	for _, c := range contents {
		if a, ok := c.(map[string]any)["attachment"].(map[string]any); ok {
			if u, _ := a["url"].(string); u != "" {
				urls = append(urls, u)
			}
		}
	}
	forms, _ := res["presentedForm"].([]any)
	for _, f := range forms {
		if m, ok := f.(map[string]any); ok {
			if u, _ := m["url"].(string); u != "" {
				urls = append(urls, u)
			}
		}
	}
	for _, u := range urls {
		if strings.Contains(u, "Binary/") || strings.HasPrefix(u, "urn:uuid:") {
			out = append(out, "Binary/"+idOf(u))
		}
	}
	return out
}
