// Package fhir imports FHIR R4 JSON Bundles, such as Synthea writes, into
// the desk's chart model: one roi.PatientRecord and its roi.ChartItems for
// each Patient resource in a bundle.
//
// It reads only the io.Reader it is given and keeps nothing of the
// document but what it returns, the imported resources' bytes among it
// (Chart.PatientRaw, Detail.Raw, Chart.FoldedRaw, Chart.SharedRaw). Its
// errors name a resource by its type and its position in the bundle and
// name the offending member, never a value from it: names, dates,
// identifiers and free text in a bundle are PHI.
package fhir

import (
	"bytes"
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"slices"
	"strings"

	"github.com/custodian-roi/custodian/internal/roi"
)

// Chart is one patient's record as imported.
type Chart struct {
	Patient roi.PatientRecord // ID left 0
	Items   []roi.ChartItem   // sorted by Date, then Key
	// Details describe the items: Details[i] is Items[i]'s, and
	// len(Details) == len(Items).
	Details []Detail
	// PatientRaw is the Patient resource exactly as the bundle held it.
	PatientRaw json.RawMessage
	// FoldedRaw holds, by "Observation/<id>", the bytes of every
	// Observation folded into an item of the chart (listed in a
	// Detail.Resources after the first); nil when there are none.
	FoldedRaw map[string]json.RawMessage
	// SharedRaw holds, by "Type/id", the bytes of every Practitioner,
	// PractitionerRole, Organization and Location the chart's resources
	// name (and those they name in turn) that the bundle holds; nil when
	// there are none (see refs.go).
	SharedRaw map[string]json.RawMessage
	// References maps each conditional reference of the chart's resources
	// ("Organization?identifier=system|value") that the bundle resolves to
	// the "Type/id" of the resource carrying that identifier; nil when
	// there are none. The bytes above are as received: ResolveReferences
	// applies this to them.
	References map[string]string
}

// Stats counts what an import read and what it left out.
type Stats struct {
	Entries int // Bundle.entry elements read
	Items   int // chart items returned, over all charts
	// Folded counts resources that are part of another item: Observations
	// listed in a DiagnosticReport's result, a prescription's Medication.
	Folded int
	// Undated counts items kept although their record gives no date at
	// all; Partial those dated only to a year, a month, or "on or before"
	// (meta.lastUpdated). A date-bounded request cannot place them without
	// a person (roi.Coverage.Place).
	Undated int
	Partial int
	// Unattached counts resources of an item type whose subject or patient
	// reference names no Patient in the bundle (also in LeftOut).
	Unattached int
	// Ignored counts resources that are not chart items (also in LeftOut,
	// with the reason).
	Ignored int
	// LeftOut counts every resource that is neither a chart item nor part
	// of one, by resource type and reason (the Reason* constants).
	LeftOut map[LeftOutKey]int
	// Unresolved counts conditional references (Type?identifier=...) in
	// the charts' resources that name no resource in the file: they are
	// kept as written, and an export drops them (see refs.go).
	Unresolved int
	// DeceasedWithoutDate counts Patients marked deceasedBoolean true with
	// no deceasedDateTime. Their DeathDate is NoDate: the desk cannot tell
	// them from the living, so a person must look.
	DeceasedWithoutDate int
}

// LeftOutKey is a resource type and why resources of it were left out.
type LeftOutKey struct{ Type, Reason string }

func (s *Stats) leave(rt, reason string) {
	if s.LeftOut == nil {
		s.LeftOut = make(map[LeftOutKey]int)
	}
	if rt != "" && safeName(rt) == "" {
		rt, reason = "(unknown)", ReasonUnknown
	}
	s.LeftOut[LeftOutKey{rt, reason}]++
}

// itemTypes maps the resource types imported as chart items to the item
// type. Observation items are only those no DiagnosticReport lists.
var itemTypes = map[string]string{
	"Encounter":            "encounter",
	"DocumentReference":    "document",
	"DiagnosticReport":     "report",
	"Observation":          "result",
	"ImagingStudy":         "imaging",
	"Immunization":         "immunization",
	"MedicationRequest":    "medication",
	"Condition":            "problem",
	"Claim":                "claim",
	"ExplanationOfBenefit": "claim",
	"Procedure":            "procedure",
	"CarePlan":             "care-plan",
	"AllergyIntolerance":   "allergy",
}

// Error is a bundle that cannot be imported as written. Its message names
// the entry by index and resource type and names the member, never a value
// from the document.
type Error struct {
	Entry        int    // index in Bundle.entry; -1 for the bundle itself
	ResourceType string // "" when unknown
	Member       string // JSON path within the resource (or bundle), may be ""
	Reason       string
	Err          error // the decoder's error, if any; not part of the message
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("fhir: ")
	if e.Entry < 0 {
		b.WriteString("bundle")
	} else {
		fmt.Fprintf(&b, "entry[%d]", e.Entry)
		if e.ResourceType != "" {
			b.WriteString(" (" + e.ResourceType + ")")
		}
	}
	if e.Member != "" {
		b.WriteString(": " + e.Member)
	}
	b.WriteString(": " + e.Reason)
	return b.String()
}

func (e *Error) Unwrap() error { return e.Err }

// ReadBundle reads one FHIR R4 Bundle (type transaction, batch, collection
// or searchset) from r and returns one Chart per Patient resource in it, in
// bundle order, with the items attached to their patient by the resource's
// subject or patient reference ("urn:uuid:<id>", "Patient/<id>" or an
// absolute URL ending in Patient/<id>).
//
// mrnSystem is the identifier system whose value is the MRN; when it is ""
// the MRN is the identifier whose type has the v2-0203 code "MR".
//
// Malformed JSON, a document that is not a Bundle of those types, a
// resource of an imported type with a member of the wrong shape, a missing
// or malformed id, a date that is not a FHIR date, a partial birth or
// death date, two resources with the same type and id and a Bundle with
// two entry members are errors (*Error). Resources with no full date are
// left out, as are Observations that a DiagnosticReport lists;
// ReadBundleStats counts them.
func ReadBundle(r io.Reader, mrnSystem string) ([]Chart, error) {
	charts, _, err := ReadBundleStats(r, mrnSystem)
	return charts, err
}

// ReadBundleStats is ReadBundle, also counting what it read and left out.
func ReadBundleStats(r io.Reader, mrnSystem string) ([]Chart, Stats, error) {
	b := &builder{mrnSystem: mrnSystem, index: make(map[string]int)}
	if err := b.read(r); err != nil {
		return nil, Stats{}, err
	}
	b.finish()
	return b.charts, b.stats, nil
}

// builder collects a bundle's entries; finish attaches the items once every
// patient, report and organization is known, whatever the entry order.
type builder struct {
	mrnSystem string
	stats     Stats
	entries   []entryInfo    // by entry index
	index     map[string]int // fullUrl, "urn:uuid:<id>", "Type/id" -> entry index
	charts    []Chart
	cands     []candidate
	orgIdent  map[string]int   // an Organization's "<system>|<value>" -> entry index
	ident     map[string][]int // any resource's "Type?<system>|<value>" -> entry indexes, in file order (conditional references)
	patients  []int            // each chart's Patient entry, by chart index
}

type entryInfo struct {
	typ      string
	name     string    // an Organization's or Practitioner's name, for Source
	npi      string    // an Organization's NPI, for Detail.Org
	provider reference // an Encounter's serviceProvider
	chart    int       // a Patient's index in charts; -1 otherwise
	cand     int       // an item type's index in cands; -1 otherwise
	// A Medication's bytes and codes, folded into the items that name it.
	raw   json.RawMessage
	codes codeSet
	used  bool
	id    string   // the resource's id, for Detail.Names
	refs  []string // a Patient's, Medication's or shared resource's references (chartRefs)
}

type candidate struct {
	entry     int
	item      roi.ChartItem // all but Source, filled in by finish
	dated     bool          // item.Date (and Until) came from the record itself
	updated   string        // meta.lastUpdated, the last resort for a date
	names     []string      // references along the edges an item's labels follow
	medRef    string        // medicationReference, folded in when the bundle holds it
	binaries  []string      // attachment URLs, folded in when they name a Binary the bundle holds
	subject   string
	encounter string
	sources   [2]reference // in order of preference
	orgs      []reference  // for Detail.Org, in order of preference
	results   []reference  // the Observations folded into the item
	codes     []Coding
	docType   []Coding
	raw       json.RawMessage
	refs      []string // every reference the resource holds (chartRefs)
}

// bundleTypes are the Bundle types read. A document (an IPS or a discharge
// summary as a FHIR document: a Composition and the resources it cites) is
// a set of records like any other; a history or a response is not.
var bundleTypes = []string{"transaction", "batch", "collection", "searchset", "document"}

func (b *builder) read(r io.Reader) error {
	rec := &recorder{r: r}
	dec := json.NewDecoder(rec)
	tok, err := dec.Token()
	if err == io.EOF {
		return &Error{Entry: -1, Reason: "empty document"}
	}
	if err != nil {
		return jsonError(-1, "", "", err)
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return &Error{Entry: -1, Reason: "not a JSON object, so not a Bundle"}
	}
	var rtype, btype string
	var entries bool
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return jsonError(-1, "", "", err)
		}
		switch key, _ := tok.(string); key {
		case "resourceType":
			if err := dec.Decode(&rtype); err != nil {
				return jsonError(-1, "", "resourceType", err)
			}
			if rtype != "Bundle" {
				return notBundle(rtype)
			}
		case "type":
			if err := dec.Decode(&btype); err != nil {
				return jsonError(-1, "", "type", err)
			}
			if rtype == "Bundle" && !slices.Contains(bundleTypes, btype) {
				return badBundleType(btype)
			}
		case "entry":
			if entries {
				// Its entries would take the first list's indexes.
				return &Error{Entry: -1, Member: "entry", Reason: "more than once"}
			}
			entries = true
			if err := b.readEntries(dec, rec); err != nil {
				return err
			}
		default:
			var skip json.RawMessage
			if err := dec.Decode(&skip); err != nil {
				return jsonError(-1, "", "", err)
			}
		}
	}
	if _, err := dec.Token(); err != nil { // the closing brace
		return jsonError(-1, "", "", err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return &Error{Entry: -1, Reason: "trailing data after the Bundle", Err: err}
	}
	if rtype == "" {
		return &Error{Entry: -1, Reason: "no resourceType, so not a Bundle"}
	}
	if !slices.Contains(bundleTypes, btype) {
		return badBundleType(btype)
	}
	return nil
}

func notBundle(rtype string) error {
	if s := safeName(rtype); s != "" {
		return &Error{Entry: -1, Reason: "the document is a " + s + ", not a Bundle"}
	}
	return &Error{Entry: -1, Reason: "the document is not a Bundle"}
}

func badBundleType(t string) error {
	if t == "" {
		return &Error{Entry: -1, Member: "type", Reason: "missing"}
	}
	reason := "not one imported (transaction, batch, collection, searchset, document)"
	if s := safeName(t); s != "" {
		reason = s + " is " + reason
	}
	return &Error{Entry: -1, Member: "type", Reason: reason}
}

func (b *builder) readEntries(dec *json.Decoder, rec *recorder) error {
	tok, err := dec.Token()
	if err != nil {
		return jsonError(-1, "", "entry", err)
	}
	if tok == nil { // "entry": null
		return nil
	}
	if d, ok := tok.(json.Delim); !ok || d != '[' {
		return &Error{Entry: -1, Member: "entry", Reason: "not an array"}
	}
	for i := 0; dec.More(); i++ {
		if i >= MaxEntries {
			return tooManyEntries()
		}
		start := dec.InputOffset()
		rec.discard(start)
		var e entry
		if err := dec.Decode(&e); err != nil {
			rt := ""
			if e.Resource != nil {
				rt = e.Resource.ResourceType
			}
			var te *json.UnmarshalTypeError
			// Decoding goes on past a member of the wrong type, so a
			// resource the import does not read may have any shape.
			if !errors.As(err, &te) || !strings.HasPrefix(te.Field, "resource.") || rt == "" || tracked(rt) {
				return jsonError(i, safeName(rt), "", err)
			}
		}
		if dec.InputOffset()-start > MaxResourceBytes {
			rt := ""
			if e.Resource != nil {
				rt = e.Resource.ResourceType
			}
			return tooLarge(i, rt)
		}
		var raw json.RawMessage
		if e.Resource != nil && (kept(e.Resource.ResourceType) || foldable(e.Resource.ResourceType) || sharedKept(e.Resource.ResourceType)) {
			// The decoder has read the entry, and found it valid JSON.
			raw = bytes.Clone(memberValue(rec.bytes(start, dec.InputOffset()), "resource"))
		}
		if err := b.add(i, &e, raw); err != nil {
			return err
		}
	}
	if _, err := dec.Token(); err != nil { // the closing bracket
		return jsonError(-1, "", "entry", err)
	}
	return nil
}

// tracked reports whether resources of type rt are read: Patients and the
// item types.
func tracked(rt string) bool {
	return rt == "Patient" || itemTypes[rt] != ""
}

// jsonError describes a decoder error at member (of the bundle, or of
// entry[entry] when entry >= 0), without quoting the document.
func jsonError(entry int, rtype, member string, err error) error {
	e := &Error{Entry: entry, ResourceType: rtype, Member: member, Err: err}
	var syn *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn):
		e.Reason = fmt.Sprintf("malformed JSON at byte %d", syn.Offset)
	case errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF):
		e.Reason = "the document ends early"
	case errors.As(err, &te):
		if te.Field != "" {
			e.Member = strings.TrimPrefix(te.Field, "resource.")
		}
		e.Reason = "wrong JSON type: want " + jsonKind(te.Type)
	default:
		// Not the document's content: the reader failed.
		e.Reason = "read failed: " + err.Error()
	}
	return e
}

// jsonKind names the JSON kind a Go type decodes from.
func jsonKind(t reflect.Type) string {
	if t == nil {
		return "another type"
	}
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "true or false"
	case reflect.Struct, reflect.Map:
		return "an object"
	case reflect.Slice, reflect.Array:
		return "an array"
	}
	return "another type"
}

// safeName returns s if it is a FHIR resource or Bundle type name the
// desk knows, else "": only such names go into a message. A name that
// merely looks like one (ASCII letters) may be a person's, put in the
// wrong member.
func safeName(s string) string {
	if kept(s) || knownNames[s] || leftOutTypes[s] != "" {
		return s
	}
	return ""
}

// knownNames are the names besides the imported types that messages may
// show: the R4 Bundle types and resource types common in exports.
var knownNames = map[string]bool{
	"Bundle": true, "document": true, "message": true, "transaction": true, "transaction-response": true,
	"batch": true, "batch-response": true, "history": true, "searchset": true, "collection": true,
	"Organization": true, "Practitioner": true, "PractitionerRole": true, "Location": true, "Provenance": true,
	"Goal": true, "Device": true, "Medication": true, "MedicationAdministration": true, "MedicationStatement": true,
	"CareTeam": true, "Coverage": true, "SupplyDelivery": true, "Binary": true, "OperationOutcome": true,
	"Parameters": true, "RelatedPerson": true, "ServiceRequest": true, "Specimen": true, "Composition": true,
}

// ValidID reports whether s is a FHIR id: 1 to 64 of A-Z a-z 0-9 - .
func ValidID(s string) bool {
	if len(s) == 0 || len(s) > 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '.') {
			return false
		}
	}
	return true
}

func (b *builder) add(i int, e *entry, raw json.RawMessage) error {
	b.stats.Entries++
	b.entries = append(b.entries, entryInfo{chart: -1, cand: -1})
	res, fullURL := e.Resource, e.FullURL
	if res == nil {
		b.stats.Ignored++
		b.stats.leave("", ReasonNoResource)
		return nil
	}
	rt := res.ResourceType
	if rt == "" {
		return &Error{Entry: i, Member: "resourceType", Reason: "missing"}
	}
	b.entries[i].typ = rt
	id := res.ID
	defer func() { b.entries[i].id = id }()
	if id == "" && strings.HasPrefix(fullURL, "urn:uuid:") {
		// A transaction may leave a new resource's id to the server and
		// name it by its fullUrl alone.
		id = fullURL[len("urn:uuid:"):]
	}
	if kept(rt) {
		if id == "" {
			return &Error{Entry: i, ResourceType: rt, Member: "id", Reason: "missing"}
		}
		if !ValidID(id) {
			return &Error{Entry: i, ResourceType: rt, Member: "id", Reason: "not a FHIR id"}
		}
	}
	if err := b.register(i, rt, id, fullURL); err != nil {
		return err
	}
	b.identify(i, rt, res.Identifier)
	if sharedKept(rt) {
		b.entries[i].raw = raw
		b.entries[i].refs = scan(raw, nil).refs
	}
	switch rt {
	case "Patient":
		return b.patient(i, id, res, raw)
	case "Medication", "Binary":
		// Part of the items that name them (finish counts them).
		b.entries[i].raw = raw
		if rt == "Medication" {
			sc := scan(raw, nil)
			b.entries[i].codes, b.entries[i].refs = sc.codes, sc.refs
		}
		return nil
	case "Organization":
		var name string
		if json.Unmarshal(res.Name, &name) == nil {
			b.entries[i].name = name
		}
		b.organization(i, res)
	case "Practitioner":
		var names []humanName
		if json.Unmarshal(res.Name, &names) == nil && len(names) > 0 {
			b.entries[i].name = personName(pickName(names), true)
		}
	}
	switch {
	case itemTypes[rt] != "":
		return b.item(i, id, res, raw)
	case generic(rt):
		b.genericItem(i, id, res, raw)
		return nil
	case rt == "Patient":
		return nil
	}
	b.stats.Ignored++
	b.stats.leave(rt, cmp.Or(leftOutTypes[rt], ReasonUnknown))
	return nil
}

// organization keeps an Organization's NPI and its identifiers, by which
// conditional references find it, for Detail.Org.
func (b *builder) organization(i int, res *resource) {
	var ids []identifier
	_ = json.Unmarshal(res.Identifier, &ids) // any shape: Organizations are not checked
	for _, id := range ids {
		if id.System == "" || id.Value == "" {
			continue
		}
		if id.System == npiSystem && b.entries[i].npi == "" {
			b.entries[i].npi = id.Value
		}
		if b.orgIdent == nil {
			b.orgIdent = make(map[string]int)
		}
		if _, taken := b.orgIdent[id.System+"|"+id.Value]; !taken {
			b.orgIdent[id.System+"|"+id.Value] = i
		}
	}
}

func (b *builder) register(i int, rt, id, fullURL string) error {
	if fullURL != "" {
		if _, dup := b.index[fullURL]; !dup {
			b.index[fullURL] = i
		}
	}
	if id == "" {
		return nil
	}
	if u := "urn:uuid:" + id; u != fullURL {
		if _, taken := b.index[u]; !taken {
			b.index[u] = i
		}
	}
	key := rt + "/" + id
	if j, dup := b.index[key]; dup {
		if tracked(rt) {
			return &Error{Entry: i, ResourceType: rt, Member: "id",
				Reason: fmt.Sprintf("the same resource as entry[%d]", j)}
		}
		return nil
	}
	b.index[key] = i
	return nil
}

// resolve finds the entry a reference names: by fullUrl, as "urn:uuid:<id>",
// as "Type/id", or as an absolute URL ending in Type/id, with or without a
// /_history/ version. Conditional references (Type?identifier=...) and
// contained ones (#id) are not resolved.
func (b *builder) resolve(ref string) (int, bool) {
	if ref == "" {
		return 0, false
	}
	if j, ok := b.index[ref]; ok {
		return j, true
	}
	if k := strings.Index(ref, "/_history/"); k > 0 {
		ref = ref[:k]
		if j, ok := b.index[ref]; ok {
			return j, true
		}
	}
	if strings.Contains(ref, "://") {
		slash := strings.LastIndexByte(ref, '/')
		if slash <= 0 {
			return 0, false
		}
		prev := strings.LastIndexByte(ref[:slash], '/')
		j, ok := b.index[ref[prev+1:]]
		return j, ok
	}
	return 0, false
}

// decodeRaw decodes a member kept raw; an absent or null member leaves v
// as it is.
func decodeRaw(i int, rt, member string, raw json.RawMessage, v any) error {
	if len(raw) == 0 || string(raw) == "null" {
		return nil
	}
	if err := json.Unmarshal(raw, v); err != nil {
		e := &Error{Entry: i, ResourceType: rt, Member: member, Reason: "wrong JSON type", Err: err}
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			if te.Field != "" {
				e.Member += "." + te.Field
			}
			e.Reason += ": want " + jsonKind(te.Type)
		}
		return e
	}
	return nil
}

func (b *builder) patient(i int, id string, res *resource, raw json.RawMessage) error {
	p := roi.PatientRecord{FHIRID: id}
	var ids []identifier
	if err := decodeRaw(i, "Patient", "identifier", res.Identifier, &ids); err != nil {
		return err
	}
	p.MRN = mrn(ids, b.mrnSystem)
	if len(p.MRN) > MaxMRNBytes {
		return tooLong(i, "identifier", MaxMRNBytes)
	}
	var names []humanName
	if err := decodeRaw(i, "Patient", "name", res.Name, &names); err != nil {
		return err
	}
	if len(names) > 0 {
		p.Name = personName(pickName(names), false)
	}
	if len(p.Name) > MaxNameBytes {
		return tooLong(i, "name", MaxNameBytes)
	}
	var err error
	if p.BirthDate, err = fullDate(i, "birthDate", res.BirthDate); err != nil {
		return err
	}
	if p.DeathDate, err = fullDate(i, "deceasedDateTime", res.DeceasedDateTime); err != nil {
		return err
	}
	if res.DeceasedBoolean && res.DeceasedDateTime == "" {
		b.stats.DeceasedWithoutDate++
	}
	b.entries[i].chart = len(b.charts)
	b.entries[i].refs = scan(raw, nil).refs
	b.charts = append(b.charts, Chart{Patient: p, PatientRaw: raw})
	b.patients = append(b.patients, i)
	return nil
}

func mrn(ids []identifier, system string) string {
	for _, id := range ids {
		if id.Value == "" {
			continue
		}
		if system != "" && id.System == system || system == "" && id.Type.hasCode("MR") {
			return id.Value
		}
	}
	return ""
}

// pickName prefers the official name: Synthea lists a married woman's
// maiden name after it.
func pickName(names []humanName) humanName {
	for _, n := range names {
		if n.Use == "official" {
			return n
		}
	}
	return names[0]
}

// personName is given names then family name, without the digits Synthea
// appends to keep names unique ("Bob965 Keeling57" is "Bob Keeling").
func personName(n humanName, prefix bool) string {
	var parts []string
	if prefix {
		parts = append(parts, n.Prefix...)
	}
	parts = append(parts, n.Given...)
	parts = append(parts, n.Family)
	s := stripNameDigits(strings.Join(parts, " "))
	if s == "" {
		s = strings.Join(strings.Fields(n.Text), " ")
	}
	return s
}

// stripNameDigits drops the digits that end each word of a name, keeps a
// word that is all digits, and collapses spaces.
func stripNameDigits(s string) string {
	words := strings.Fields(s)
	for k, w := range words {
		if t := strings.TrimRight(w, "0123456789"); t != "" {
			words[k] = t
		}
	}
	return strings.Join(words, " ")
}

// fhirDay reads the day of a FHIR date, dateTime or instant from its first
// ten characters. ok is false, with no error, for a partial date (YYYY or
// YYYY-MM), which names no day.
func fhirDay(s string) (d roi.Date, ok bool, err error) {
	first, last, err := fhirSpan(s)
	if err != nil || last.Known() {
		return roi.NoDate, false, err
	}
	return first, true, nil
}

// fhirSpan reads a FHIR date, dateTime or instant as the days it may
// name: one day (last NoDate), or the first and last days of the month or
// year a partial date gives.
func fhirSpan(s string) (first, last roi.Date, err error) {
	switch {
	case len(s) >= 10:
		if len(s) > 10 && s[10] != 'T' {
			return roi.NoDate, roi.NoDate, roi.ErrBadDate
		}
		d, err := roi.ParseDate(s[:10])
		return d, roi.NoDate, err
	case len(s) == 7 && s[4] == '-':
		first, err := roi.ParseDate(s + "-01")
		if err != nil {
			return roi.NoDate, roi.NoDate, err
		}
		y, m, _ := first.Civil()
		next := roi.MakeDate(y+m/12, m%12+1, 1)
		return first, next - 1, nil
	case len(s) == 4:
		first, err := roi.ParseDate(s + "-01-01")
		if err != nil {
			return roi.NoDate, roi.NoDate, err
		}
		last, err := roi.ParseDate(s + "-12-31")
		return first, last, err
	}
	return roi.NoDate, roi.NoDate, roi.ErrBadDate
}

// fullDate reads a Patient date that must name a day when present.
func fullDate(i int, member, s string) (roi.Date, error) {
	if s == "" {
		return roi.NoDate, nil
	}
	d, ok, err := fhirDay(s)
	if err != nil {
		return roi.NoDate, &Error{Entry: i, ResourceType: "Patient", Member: member, Reason: "not a FHIR date", Err: err}
	}
	if !ok {
		return roi.NoDate, &Error{Entry: i, ResourceType: "Patient", Member: member, Reason: "a partial date: the desk needs the day"}
	}
	return d, nil
}

type field struct{ member, value string }

// pickDate returns the best date the fields give: the first that names a
// day, else the first partial one (a year or a month, as a span), with the
// member it came from. A field that is not a FHIR date at all is an error,
// even if a later one is good.
func pickDate(i int, rt string, fields ...field) (first, last roi.Date, member string, err error) {
	partial := -1
	for k, f := range fields {
		if f.value == "" {
			continue
		}
		a, z, err := fhirSpan(f.value)
		if err != nil {
			return roi.NoDate, roi.NoDate, "", &Error{Entry: i, ResourceType: rt, Member: f.member, Reason: "not a FHIR date", Err: err}
		}
		if !z.Known() {
			return a, roi.NoDate, f.member, nil
		}
		if partial < 0 {
			partial = k
			first, last, member = a, z, f.member
		}
	}
	return first, last, member, nil
}

func (b *builder) item(i int, id string, res *resource, raw json.RawMessage) error {
	rt := res.ResourceType
	c := candidate{
		entry:     i,
		item:      roi.ChartItem{Key: rt + "/" + id, Type: itemTypes[rt]},
		subject:   res.Subject.ref(),
		encounter: res.Encounter.ref(),
		raw:       raw,
	}
	if c.subject == "" {
		c.subject = res.Patient.ref()
	}
	var dates []field
	var title string
	var codes codeSet
	var err error
	switch rt {
	case "Encounter":
		dates = []field{{"period.start", res.Period.start()}}
		var types []concept
		if err := decodeRaw(i, rt, "type", res.Type, &types); err != nil {
			return err
		}
		for k := range types {
			if title = types[k].label(); title != "" {
				break
			}
		}
		codes.concepts(types)
		codes.coding(res.Class)
		codes.concept(res.ServiceType)
		codes.concepts(res.ReasonCode)
		c.sources[0] = deref(res.ServiceProvider)
		b.entries[i].provider = c.sources[0]
		c.orgs = []reference{c.sources[0]}
	case "DocumentReference":
		var ctxPeriod *period
		if res.Context != nil {
			ctxPeriod = res.Context.Period
			if len(res.Context.Encounter) > 0 {
				c.encounter = res.Context.Encounter[0].Reference
			}
		}
		dates = []field{{"date", res.Date}, {"context.period.start", ctxPeriod.start()}}
		var typ concept
		if err := decodeRaw(i, rt, "type", res.Type, &typ); err != nil {
			return err
		}
		if title = typ.label(); title == "" {
			if err := decodeRaw(i, rt, "description", res.Description, &title); err != nil {
				return err
			}
		}
		var cats []concept
		if err := decodeRaw(i, rt, "category", res.Category, &cats); err != nil {
			return err
		}
		var docType codeSet
		docType.concept(&typ)
		docType.concepts(cats)
		c.docType = docType
		codes.concept(&typ)
		codes.categories(cats)
		if res.Context != nil {
			codes.concepts(res.Context.Event)
			codes.concept(res.Context.FacilityType)
			codes.concept(res.Context.PracticeSetting)
		}
		var authors []reference
		if err := decodeRaw(i, rt, "author", res.Author, &authors); err != nil {
			return err
		}
		if len(authors) > 0 {
			c.sources[0] = authors[0]
		}
		c.sources[1] = deref(res.Custodian)
		c.orgs = append([]reference{c.sources[1]}, authors...)
	case "DiagnosticReport", "Observation":
		dates = []field{{"effectiveDateTime", res.EffectiveDateTime}, {"effectivePeriod.start", res.EffectivePeriod.start()},
			{"effectiveInstant", res.EffectiveInstant}, {"issued", res.Issued}}
		title = res.Code.label()
		var cats []concept
		if err := decodeRaw(i, rt, "category", res.Category, &cats); err != nil {
			return err
		}
		codes.concept(res.Code)
		codes.categories(cats)
		codes.concepts(res.ConclusionCode)
		codes.concept(res.ValueCodeableConcept)
		for k := range res.Component {
			codes.concept(res.Component[k].Code)
			codes.concept(res.Component[k].ValueCodeableConcept)
		}
		if c.orgs, err = performers(i, res); err != nil {
			return err
		}
		c.sources[0] = first(c.orgs)
		c.results = res.Result
	case "ImagingStudy":
		dates = []field{{"started", res.Started}}
		if err := decodeRaw(i, rt, "description", res.Description, &title); err != nil {
			return err
		}
		for k := 0; title == "" && k < len(res.ProcedureCode); k++ {
			title = res.ProcedureCode[k].label()
		}
		if title == "" && len(res.Series) > 0 {
			title = seriesTitle(res.Series[0])
		}
		codes.concepts(res.ProcedureCode)
		codes.concepts(res.ReasonCode)
		for k := range res.Modality {
			codes.coding(&res.Modality[k])
		}
		for _, s := range res.Series {
			codes.coding(s.Modality)
			codes.coding(s.BodySite)
		}
	case "Immunization":
		dates = []field{{"occurrenceDateTime", res.OccurrenceDateTime}, {"recorded", res.Recorded}}
		title = res.VaccineCode.label()
		codes.concept(res.VaccineCode)
		codes.concepts(res.ReasonCode)
		if c.orgs, err = performers(i, res); err != nil {
			return err
		}
		c.sources[0] = first(c.orgs)
	case "MedicationRequest":
		dates = []field{{"authoredOn", res.AuthoredOn}}
		if title = res.MedicationCodeableConcept.label(); title == "" && res.MedicationReference != nil {
			title = res.MedicationReference.Display
		}
		var cats []concept
		if err := decodeRaw(i, rt, "category", res.Category, &cats); err != nil {
			return err
		}
		codes.concept(res.MedicationCodeableConcept)
		codes.categories(cats)
		codes.concepts(res.ReasonCode)
		c.sources[0] = deref(res.Requester)
		c.orgs = []reference{c.sources[0]}
	case "Condition":
		dates = []field{{"onsetDateTime", res.OnsetDateTime}, {"onsetPeriod.start", res.OnsetPeriod.start()},
			{"recordedDate", res.RecordedDate}, {"abatementDateTime", res.AbatementDateTime}}
		title = res.Code.label()
		var cats []concept
		if err := decodeRaw(i, rt, "category", res.Category, &cats); err != nil {
			return err
		}
		codes.concept(res.Code)
		codes.categories(cats)
	case "Claim", "ExplanationOfBenefit":
		dates = []field{{"billablePeriod.start", res.BillablePeriod.start()}, {"created", res.Created}}
		items := res.Item
		title = "Claim"
		if rt == "ExplanationOfBenefit" {
			title = "Explanation of benefit"
		}
		if len(items) > 0 {
			if s := items[0].ProductOrService.label(); s != "" {
				title += ": " + s
			}
			if c.encounter == "" && len(items[0].Encounter) > 0 {
				c.encounter = items[0].Encounter[0].Reference
			}
		}
		var typ concept
		if err := decodeRaw(i, rt, "type", res.Type, &typ); err != nil {
			return err
		}
		codes.concept(&typ)
		for k := range items {
			codes.concept(items[k].ProductOrService)
		}
		for _, d := range res.Diagnosis {
			codes.concept(d.DiagnosisCodeableConcept)
		}
		for _, p := range res.Procedure {
			codes.concept(p.ProcedureCodeableConcept)
		}
		c.sources[0] = deref(res.Provider)
		c.orgs = []reference{c.sources[0]}
	case "Procedure":
		dates = []field{{"performedPeriod.start", res.PerformedPeriod.start()}, {"performedDateTime", res.PerformedDateTime}}
		title = res.Code.label()
		var cat concept
		if err := decodeRaw(i, rt, "category", res.Category, &cat); err != nil {
			return err
		}
		codes.concept(res.Code)
		codes.categories([]concept{cat})
		codes.concepts(res.ReasonCode)
		if c.orgs, err = performers(i, res); err != nil {
			return err
		}
		c.sources[0] = first(c.orgs)
	case "CarePlan":
		dates = []field{{"period.start", res.Period.start()}, {"created", res.Created}}
		var cats []concept
		if err := decodeRaw(i, rt, "category", res.Category, &cats); err != nil {
			return err
		}
		// Synthea's US Core plans lead with the generic "assess-plan".
		for k := 0; title == "" && k < len(cats); k++ {
			if !cats[k].hasCode("assess-plan") {
				title = cats[k].label()
			}
		}
		if title == "" {
			title = res.Title
		}
		codes.categories(cats)
		for _, a := range res.Activity {
			if a.Detail != nil {
				codes.concept(a.Detail.Code)
				codes.concepts(a.Detail.ReasonCode)
			}
		}
	case "AllergyIntolerance":
		dates = []field{{"recordedDate", res.RecordedDate}, {"onsetDateTime", res.OnsetDateTime}}
		title = res.Code.label()
		codes.concept(res.Code)
		for k := range res.Reaction {
			codes.concept(res.Reaction[k].Substance)
			codes.concepts(res.Reaction[k].Manifestation)
		}
	}
	if c.item.Date, c.item.Until, c.item.DateField, err = pickDate(i, rt, dates...); err != nil {
		return err
	}
	c.dated = c.item.DateField != ""
	if res.Meta != nil {
		c.updated = res.Meta.LastUpdated
	}
	sc := scan(raw, nil)
	c.names, c.refs = sc.names, sc.refs
	if res.MedicationReference != nil {
		c.medRef = res.MedicationReference.Reference
	}
	for _, k := range res.Content {
		if k.Attachment != nil && k.Attachment.URL != "" {
			c.binaries = append(c.binaries, k.Attachment.URL)
		}
	}
	for _, f := range res.PresentedForm {
		if f.URL != "" {
			c.binaries = append(c.binaries, f.URL)
		}
	}
	if title == "" {
		title = rt
	}
	c.item.Title = title
	c.codes = codes
	b.entries[i].cand = len(b.cands)
	b.cands = append(b.cands, c)
	return nil
}

func deref(r *reference) reference {
	if r == nil {
		return reference{}
	}
	return *r
}

func first(rs []reference) reference {
	if len(rs) == 0 {
		return reference{}
	}
	return rs[0]
}

// performers are a resource's performers: their actors (Immunization,
// Procedure) or themselves (DiagnosticReport, Observation).
func performers(i int, res *resource) ([]reference, error) {
	var ps []performer
	if err := decodeRaw(i, res.ResourceType, "performer", res.Performer, &ps); err != nil {
		return nil, err
	}
	var rs []reference
	for _, p := range ps {
		if p.Actor != nil {
			rs = append(rs, *p.Actor)
		} else {
			rs = append(rs, p.reference)
		}
	}
	return rs, nil
}

func seriesTitle(s series) string {
	var mod, site string
	if s.Modality != nil {
		mod = s.Modality.Display
	}
	if s.BodySite != nil {
		site = s.BodySite.Display
	}
	switch {
	case mod != "" && site != "":
		return mod + " (" + site + ")"
	case mod != "":
		return mod
	}
	return site
}

func (b *builder) finish() {
	folded := make(map[int]bool)
	for k := range b.cands {
		for _, r := range b.cands[k].results {
			if j, ok := b.result(&b.cands[k], r.Reference); ok {
				folded[j] = true
			}
		}
	}
	byChart := make([][]int, len(b.charts)) // indexes in cands
	for k := range b.cands {
		c := &b.cands[k]
		j, ok := b.resolve(c.subject)
		if !ok || b.entries[j].chart < 0 {
			b.stats.Unattached++
			b.stats.leave(b.entries[c.entry].typ, ReasonNoPatient)
			continue
		}
		if folded[c.entry] {
			b.stats.Folded++
			continue
		}
		b.date(c)
		c.item.Source = b.source(c)
		byChart[b.entries[j].chart] = append(byChart[b.entries[j].chart], k)
		b.stats.Items++
	}
	for n, ks := range byChart {
		if len(ks) == 0 {
			continue
		}
		slices.SortFunc(ks, func(x, y int) int {
			if c := cmp.Compare(b.cands[x].item.Date, b.cands[y].item.Date); c != 0 {
				return c
			}
			return strings.Compare(b.cands[x].item.Key, b.cands[y].item.Key)
		})
		ch := &b.charts[n]
		ch.Items = make([]roi.ChartItem, len(ks))
		ch.Details = make([]Detail, len(ks))
		for m, k := range ks {
			ch.Items[m] = b.cands[k].item
			ch.Details[m] = b.detail(&b.cands[k], ch)
		}
	}
	for n := range b.charts {
		ch := &b.charts[n]
		refs := b.entries[b.patients[n]].refs
		for _, d := range ch.Details {
			for _, key := range d.Resources {
				if j, ok := b.index[key]; ok {
					if b.entries[j].cand >= 0 {
						refs = append(refs, b.cands[b.entries[j].cand].refs...)
					} else {
						refs = append(refs, b.entries[j].refs...)
					}
				}
			}
		}
		b.chartRefs(ch, b.patients[n], refs)
	}
	// Counted once the items have taken what they name (detail).
	for j := range b.entries {
		switch t := b.entries[j].typ; {
		case !foldable(t):
		case b.entries[j].used:
			b.stats.Folded++
		default:
			b.stats.Ignored++
			b.stats.leave(t, leftOutTypes[t])
		}
	}
}

// result finds the Observation a report c lists as a result: one the
// bundle holds, about the report's own patient. An Observation about no
// patient, or another, is not folded in: reading patient by patient
// (ReadByPatient) never puts it beside the report, and reading the whole
// bundle must give the same chart — nor may one patient's result go out
// in another's record.
func (b *builder) result(c *candidate, ref string) (int, bool) {
	j, ok := b.resolve(ref)
	if !ok || b.entries[j].typ != "Observation" || b.entries[j].cand < 0 {
		return 0, false
	}
	p, ok := b.resolve(c.subject)
	if !ok || b.entries[p].chart < 0 {
		return 0, false
	}
	q, ok := b.resolve(b.cands[b.entries[j].cand].subject)
	return j, ok && q == p
}

// date gives an item its record's date, else the best it can: the day of
// the encounter it belongs to, else "on or before" the day the record was
// last updated, else none (an undated item, kept and counted).
func (b *builder) date(c *candidate) {
	if c.dated {
		if c.item.Until.Known() {
			b.stats.Partial++
		}
		return
	}
	if j, ok := b.resolve(c.encounter); ok && b.entries[j].typ == "Encounter" && b.entries[j].cand >= 0 {
		if e := &b.cands[b.entries[j].cand]; e.dated {
			c.item.Date, c.item.Until, c.item.DateField = e.item.Date, e.item.Until, "encounter."+e.item.DateField
			if c.item.Until.Known() {
				b.stats.Partial++
			}
			return
		}
	}
	if a, z, err := fhirSpan(c.updated); err == nil {
		c.item.Date, c.item.Until, c.item.DateField = roi.NoDate, cmp.Or(z, a), "meta.lastUpdated"
		b.stats.Partial++
		return
	}
	b.stats.Undated++
}

// source names who produced an item: its own author, performer or
// provider, else the organization of the encounter it belongs to.
func (b *builder) source(c *candidate) string {
	for _, r := range c.sources {
		if s := b.refName(r); s != "" {
			return s
		}
	}
	if j, ok := b.resolve(c.encounter); ok && b.entries[j].typ == "Encounter" {
		return b.refName(b.entries[j].provider)
	}
	return ""
}

// refName is a reference's display, else the name of the Organization or
// Practitioner it resolves to in the bundle. Practitioner names lose
// Synthea's digits as patient names do.
func (b *builder) refName(r reference) string {
	j, resolved := b.resolve(r.Reference)
	if r.Display != "" {
		if strings.HasPrefix(r.Reference, "Practitioner/") || strings.HasPrefix(r.Reference, "Practitioner?") ||
			resolved && b.entries[j].typ == "Practitioner" {
			return stripNameDigits(r.Display)
		}
		return r.Display
	}
	if resolved {
		return b.entries[j].name
	}
	return ""
}
