package ccda

import (
	"encoding/base64"
	"encoding/json"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/custodian-roi/custodian/internal/fhir"
	"github.com/custodian-roi/custodian/internal/roi"
)

// sectionKinds names the sections C-CDA R2.1 codes with LOINC. A section
// with another code (or none) is "other": its entries are still items,
// typed by what each entry is, and its narrative a note when it has no
// entries.
var sectionKinds = map[string]string{
	"11450-4": "problems", "11348-0": "problems", "75310-3": "health-concerns",
	"10160-0": "medications", "29549-3": "medications", "10183-2": "medications", "42346-7": "medications",
	"30954-2": "results", "8716-3": "vital-signs", "47519-4": "procedures", "46240-8": "encounters",
	"29762-2": "social-history", "48765-2": "allergies", "11369-6": "immunizations",
	"18776-5": "plan-of-care", "61146-7": "goals", "47420-5": "functional-status", "10190-7": "mental-status",
	"10157-6": "family-history", "46264-8": "medical-equipment", "48768-6": "payers", "42348-3": "advance-directives",
}

// Extension URLs of the resources written for C-CDA items.
const (
	ExtDocument  = "urn:custodian:ccda-document"  // valueString: the document's key
	ExtSection   = "urn:custodian:ccda-section"   // valueCodeableConcept: the section's code and title
	ExtNarrative = "urn:custodian:ccda-narrative" // valueString: the narrative the entry points at
	ExtCode      = "urn:custodian:ccda-code"      // valueCodeableConcept: another coded element of the entry
)

// itemTypes are the item types of the resources written, as the FHIR
// import names them.
var itemTypes = map[string]string{
	"Encounter": "encounter", "DocumentReference": "document", "DiagnosticReport": "report",
	"Observation": "result", "Immunization": "immunization", "MedicationRequest": "medication",
	"Condition": "problem", "Procedure": "procedure", "CarePlan": "care-plan", "AllergyIntolerance": "allergy",
}

// coding is a code as the importer hands it on.
type coding = fhir.Coding

// building is an item being made.
type building struct {
	item roi.ChartItem
	det  fhir.Detail
	id   string
	rt   string
	sec  *secCtx
}

// secCtx is what an entry reads of its section: its code and title, and
// its narrative by ID.
type secCtx struct {
	node  *node
	code  string
	kind  string
	title string
	ids   map[string]*node // narrative elements by their ID attribute
	owner map[string]int   // narrative ID → the entry that first points at it
	// rowOwner caches, per table row or list item, the one entry that
	// points into it (noOwner, manyOwners).
	rowOwner map[*node]int
}

func newSecCtx(s *node, kind string) *secCtx {
	c := &secCtx{node: s, code: s.child("code").attr("code"), kind: kind, title: s.child("title").plain(),
		ids: map[string]*node{}, owner: map[string]int{}, rowOwner: map[*node]int{}}
	s.child("text").walk(func(x *node) bool {
		if id := x.attr("ID"); id != "" {
			if _, dup := c.ids[id]; !dup {
				c.ids[id] = x
			}
		}
		return true
	})
	for i, e := range s.children("entry") {
		for _, id := range refsIn(e) {
			if _, ok := c.owner[id]; !ok {
				c.owner[id] = i
			}
		}
	}
	return c
}

// refsIn returns the narrative IDs n's reference elements point at.
func refsIn(n *node) []string {
	var out []string
	n.walk(func(x *node) bool {
		if x.is("reference") {
			if v := x.attr("value"); strings.HasPrefix(v, "#") && len(v) > 1 {
				out = append(out, v[1:])
			}
		}
		return true
	})
	return out
}

// section reads one section and the sections nested in it.
func (p *parser) section(s *node) {
	if s == nil {
		return
	}
	code := s.child("code").attr("code")
	kind := sectionKinds[code]
	if kind == "" {
		kind = "other"
	}
	if privacySection(s) {
		// Its codes label the whole document (header); it holds no record
		// of care.
		p.res.Sections = append(p.res.Sections, SectionCount{Code: code, Kind: "privacy-markings", Entries: len(s.children("entry"))})
		return
	}
	ctx := newSecCtx(s, kind)
	sc := SectionCount{Code: code, Kind: kind}
	entries := s.children("entry")
	sc.Entries = len(entries)
	for i, e := range entries {
		stmt := statement(e)
		if stmt == nil {
			sc.Empty++
			continue
		}
		p.entry(ctx, i, stmt)
		sc.Items++
	}
	if sc.Items == 0 {
		if text := narrativeText(s.child("text")); text != "" {
			p.note(ctx, text)
			sc.Items, sc.Note = 1, true
		}
	}
	p.res.Sections = append(p.res.Sections, sc)
	for _, comp := range s.children("component") {
		p.section(comp.child("section"))
	}
}

// statement returns an entry's clinical statement: its first v3 element
// that is not header furniture.
func statement(e *node) *node {
	for _, k := range e.kids {
		if k.space != nsV3 {
			continue
		}
		switch k.local {
		case "realmCode", "typeId", "templateId":
			continue
		}
		return k
	}
	return nil
}

// resourceFor chooses the FHIR resource an entry is written as: by what
// the statement is and the section it sits in.
func resourceFor(kind string, stmt *node) string {
	switch {
	case stmt.local == "organizer":
		return "DiagnosticReport"
	case stmt.hasTemplate(noteActivity) || (stmt.local == "act" && stmt.child("code").attr("code") == "34109-9"):
		return "DocumentReference"
	case stmt.local == "observationMedia" || stmt.local == "regionOfInterest":
		return "DocumentReference"
	}
	switch kind {
	case "problems", "health-concerns":
		return "Condition"
	case "allergies":
		return "AllergyIntolerance"
	case "medications":
		return "MedicationRequest"
	case "plan-of-care", "goals":
		return "CarePlan"
	case "immunizations":
		if stmt.local == "substanceAdministration" {
			return "Immunization"
		}
	}
	switch stmt.local {
	case "substanceAdministration", "supply":
		if stmt.hasTemplate(immunizationAct) {
			return "Immunization"
		}
		return "MedicationRequest"
	case "procedure":
		return "Procedure"
	case "encounter":
		return "Encounter"
	case "observation":
		return "Observation"
	case "act":
		// A wrapper act outside its usual section (an admission or
		// discharge diagnosis, a discharge medication) is what it wraps.
		switch {
		case nestedTemplate(stmt, problemObservation):
			return "Condition"
		case nestedTemplate(stmt, allergyObservation):
			return "AllergyIntolerance"
		case nestedTemplate(stmt, medicationActivity):
			return "MedicationRequest"
		}
	}
	return "Procedure"
}

// C-CDA entry templates a wrapper act may hold.
const (
	problemObservation = "2.16.840.1.113883.10.20.22.4.4"
	allergyObservation = "2.16.840.1.113883.10.20.22.4.7"
	medicationActivity = "2.16.840.1.113883.10.20.22.4.16"
)

// nestedTemplate reports whether a statement under stmt (not stmt
// itself) carries templateId root.
func nestedTemplate(stmt *node, root string) bool {
	found := false
	for _, k := range stmt.kids {
		k.walk(func(x *node) bool {
			if found {
				return false
			}
			if x.space == nsV3 && x.hasTemplate(root) {
				found = true
			}
			return !found
		})
	}
	return found
}

// newItem starts the item of type rt, numbered in document order.
func (p *parser) newItem(rt string, sec *secCtx) *building {
	p.n++
	id := "ccda-" + p.docHash + "-" + strconv.Itoa(p.n)
	b := &building{id: id, rt: rt, sec: sec}
	b.item = roi.ChartItem{Key: rt + "/" + id, Type: itemTypes[rt], Source: p.source}
	b.det = fhir.Detail{Org: p.org, Resources: []string{b.item.Key}}
	return b
}

// base is what every resource written carries: its type and id, the
// patient, the document it came from, its section, and its security
// labels (the header's, then its own).
func (p *parser) base(b *building, stmt *node) map[string]any {
	res := map[string]any{"resourceType": b.rt, "id": b.id}
	// FHIR names the patient "patient" in these two, "subject" elsewhere.
	if b.rt == "AllergyIntolerance" || b.rt == "Immunization" {
		res["patient"] = map[string]any{"reference": p.patRef}
	} else {
		res["subject"] = map[string]any{"reference": p.patRef}
	}
	ext := []any{map[string]any{"url": ExtDocument, "valueString": p.res.DocumentKey}}
	if b.sec != nil {
		sc := map[string]any{}
		if b.sec.code != "" {
			sc["coding"] = []any{map[string]any{"system": "http://loinc.org", "code": b.sec.code}}
		}
		if b.sec.title != "" {
			sc["text"] = b.sec.title
		}
		if len(sc) > 0 {
			ext = append(ext, map[string]any{"url": ExtSection, "valueCodeableConcept": sc})
		}
	}
	res["extension"] = ext
	sec := append([]coding{}, p.security...)
	if stmt != nil {
		if c := stmt.child("confidentialityCode"); !c.null() && c.attr("code") != "" {
			sec = append(sec, coding{System: confidentialityURI, Code: c.attr("code")})
		}
		sec = append(sec, securityCodes(stmt)...)
	}
	sec = dedupe(sec)
	if len(sec) > 0 {
		var l []any
		for _, c := range sec {
			l = append(l, codingJSON(c))
		}
		res["meta"] = map[string]any{"security": l}
	}
	return res
}

// entry makes the item of one entry.
func (p *parser) entry(ctx *secCtx, idx int, stmt *node) {
	rt := resourceFor(ctx.kind, stmt)
	b := p.newItem(rt, ctx)
	res := p.base(b, stmt)
	narrative := ctx.narrativeOf(idx, stmt)
	primary := primaryNode(rt, stmt)
	prim := concept(primary, ctx)
	status := stmt.child("statusCode").attr("code")
	from, until, field, str := stmtDate(stmt)
	negated := stmt.attr("negationInd") == "true"
	switch rt {
	case "Condition":
		setConcept(res, "code", prim, false)
		if status != "" {
			res["clinicalStatus"] = map[string]any{"text": status}
		}
		if negated {
			res["verificationStatus"] = map[string]any{"coding": []any{map[string]any{
				"system": "http://terminology.hl7.org/CodeSystem/condition-ver-status", "code": "refuted"}}}
		}
		p.dated(b, res, from, until, field, "onsetDateTime", str)
	case "AllergyIntolerance":
		setConcept(res, "code", prim, false)
		if status != "" {
			res["clinicalStatus"] = map[string]any{"text": status}
		}
		p.dated(b, res, from, until, field, "onsetDateTime", str)
	case "MedicationRequest":
		setConcept(res, "medicationCodeableConcept", prim, true)
		res["status"] = medStatus(status, negated)
		res["intent"] = "order"
		if narrative != "" {
			res["dosageInstruction"] = []any{map[string]any{"text": narrative}}
		}
		p.dated(b, res, from, until, field, "authoredOn", str)
	case "Immunization":
		setConcept(res, "vaccineCode", prim, true)
		res["status"] = "completed"
		if negated {
			res["status"] = "not-done"
		}
		p.dated(b, res, from, until, field, "occurrenceDateTime", str)
		if _, ok := res["occurrenceDateTime"]; !ok {
			res["occurrenceString"] = "not stated"
		}
	case "Observation":
		setConcept(res, "code", prim, true)
		res["status"] = obsStatus(status)
		setValue(res, stmt.child("value"), ctx)
		p.dated(b, res, from, until, field, "effectiveDateTime", str)
	case "DiagnosticReport":
		setConcept(res, "code", prim, true)
		res["status"] = obsStatus(status)
		p.dated(b, res, from, until, field, "effectiveDateTime", str)
		var results []any
		m := 0
		for _, comp := range stmt.children("component") {
			cs := statement(comp)
			if cs == nil {
				continue
			}
			m++
			key := p.foldedObservation(b, ctx, cs, m)
			results = append(results, map[string]any{"reference": key})
		}
		if len(results) > 0 {
			res["result"] = results
		}
	case "Procedure":
		setConcept(res, "code", prim, false)
		res["status"] = procStatus(status, negated)
		p.dated(b, res, from, until, field, "performedDateTime", str)
	case "Encounter":
		if prim != nil {
			res["type"] = []any{prim}
		}
		res["status"] = "finished"
		// FHIR requires a class; a C-CDA encounter rarely gives one (its
		// code is a visit type, often CPT). An ActCode code is a class;
		// anything else is the standard "unknown".
		class := map[string]any{"system": "http://terminology.hl7.org/CodeSystem/v3-NullFlavor", "code": "UNK", "display": "unknown"}
		if c := stmt.child("code"); SystemURI(c.attr("codeSystem")) == actCodeURI && c.attr("code") != "" {
			class = codingJSON(coding{System: actCodeURI, Code: c.attr("code"), Display: c.attr("displayName")})
		}
		res["class"] = class
		p.datedPeriod(b, res, stmt, from, until, field, "period")
	case "CarePlan":
		res["status"] = "unknown"
		res["intent"] = "plan"
		det := map[string]any{"status": "unknown"}
		if prim != nil {
			det["code"] = prim
		}
		if narrative != "" {
			det["description"] = narrative
		}
		res["activity"] = []any{map[string]any{"detail": det}}
		p.datedPeriod(b, res, stmt, from, until, field, "period")
	case "DocumentReference":
		res["status"] = "current"
		if prim != nil {
			res["type"] = prim
		}
		b.det.DocType = append(conceptCodings(primary), sectionCodings(ctx)...)
		if narrative != "" {
			res["content"] = []any{map[string]any{"attachment": map[string]any{
				"contentType": "text/plain; charset=utf-8", "data": b64(narrative), "title": firstNonEmpty(ctx.title, "Note")}}}
		} else {
			res["content"] = []any{map[string]any{"attachment": map[string]any{"contentType": "text/plain", "title": "no narrative in the document"}}}
		}
		p.datedPeriod(b, res, stmt, from, until, field, "context.period")
	}
	if narrative != "" && rt != "DocumentReference" && rt != "MedicationRequest" && rt != "CarePlan" {
		res["extension"] = append(res["extension"].([]any), map[string]any{"url": ExtNarrative, "valueString": narrative})
	}
	// Every other coded element of the entry (a translation's siblings, a
	// reaction, a product's class, a nested observation's value ...), so
	// that the labeler reads every code the entry holds.
	seen := map[coding]bool{}
	for _, c := range conceptCodings(primary) {
		seen[c] = true
	}
	all := conceptCodings(primary)
	stmt.walk(func(x *node) bool {
		if x == primary || x.space != nsV3 || x.attr("code") == "" || x.attr("codeSystem") == "" {
			return true
		}
		if x.local == "translation" && x.parent != nil && x.parent.attr("code") != "" && x.parent.attr("codeSystem") != "" {
			return true // read with its parent (a null or uncoded parent's are read alone)
		}
		cc := conceptCodings(x)
		var fresh []coding
		for _, c := range cc {
			if !seen[c] {
				seen[c] = true
				fresh = append(fresh, c)
			}
		}
		if len(fresh) > 0 {
			all = append(all, fresh...)
			res["extension"] = append(res["extension"].([]any), map[string]any{"url": ExtCode, "valueCodeableConcept": conceptFromCodings(fresh, "")})
		}
		return true
	})
	b.det.Codes = append(b.det.Codes, all...)
	title := conceptText(prim)
	if rt == "DocumentReference" {
		// A note's code is "Note" (34109-9); its kind is the translation's
		// (a consult note, a progress note ...), else its section's title.
		title = ""
		if primary != nil {
			for _, tr := range primary.children("translation") {
				if title = tr.attr("displayName"); title != "" {
					break
				}
			}
		}
		title = firstNonEmpty(title, ctx.title, conceptText(prim))
	}
	b.item.Title = clip(firstNonEmpty(title, firstLine(narrative), ctx.title, "C-CDA entry"), 200)
	p.finish(b, res)
}

// foldedObservation writes one component of an organizer as an
// Observation folded into the organizer's item, and returns its key.
func (p *parser) foldedObservation(b *building, ctx *secCtx, cs *node, m int) string {
	id := b.id + "-" + strconv.Itoa(m)
	key := "Observation/" + id
	res := map[string]any{"resourceType": "Observation", "id": id, "subject": map[string]any{"reference": p.patRef},
		"extension": []any{map[string]any{"url": ExtDocument, "valueString": p.res.DocumentKey}}}
	setConcept(res, "code", concept(primaryNode("Observation", cs), ctx), true)
	res["status"] = obsStatus(cs.child("statusCode").attr("code"))
	setValue(res, cs.child("value"), ctx)
	if _, _, _, str := stmtDate(cs); str != "" {
		res["effectiveDateTime"] = str
	}
	if rr := cs.path("referenceRange", "observationRange", "text"); rr != nil {
		if t := rr.plain(); t != "" {
			res["referenceRange"] = []any{map[string]any{"text": t}}
		}
	}
	if c := concept(cs.child("interpretationCode"), ctx); c != nil {
		res["interpretation"] = []any{c}
	}
	if p.res.Chart.FoldedRaw == nil {
		p.res.Chart.FoldedRaw = map[string]json.RawMessage{}
	}
	p.res.Chart.FoldedRaw[key] = mustJSON(res)
	b.det.Resources = append(b.det.Resources, key)
	p.res.Folded++
	return key
}

// note makes the one item of a section with no entries: its narrative
// as a document of the section's type.
func (p *parser) note(ctx *secCtx, text string) {
	b := p.newItem("DocumentReference", ctx)
	res := p.base(b, nil)
	res["status"] = "current"
	sc := map[string]any{"text": firstNonEmpty(ctx.title, "Section")}
	if ctx.code != "" {
		sc["coding"] = []any{map[string]any{"system": "http://loinc.org", "code": ctx.code}}
	}
	res["type"] = sc
	res["content"] = []any{map[string]any{"attachment": map[string]any{
		"contentType": "text/plain; charset=utf-8", "data": b64(text), "title": firstNonEmpty(ctx.title, "Section")}}}
	b.det.DocType = sectionCodings(ctx)
	b.det.Codes = append(b.det.Codes, b.det.DocType...)
	if p.docDate.Known() {
		p.datedPeriod(b, res, nil, p.docDate, roi.NoDate, "ClinicalDocument.effectiveTime", "context.period")
	} else {
		p.res.Undated++
	}
	b.item.Title = clip(firstNonEmpty(ctx.title, firstLine(text), "Note"), 200)
	p.finish(b, res)
}

func sectionCodings(ctx *secCtx) []coding {
	if ctx == nil || ctx.code == "" {
		return nil
	}
	return []coding{{System: "http://loinc.org", Code: ctx.code}}
}

// dated sets the item's date and the resource's date member; an undated
// or partly dated item is counted, never dropped.
func (p *parser) dated(b *building, res map[string]any, from, until roi.Date, field, member, str string) {
	b.item.Date, b.item.Until, b.item.DateField = from, until, field
	switch {
	case !from.Known() && !until.Known():
		b.item.DateField = ""
		p.res.Undated++
		return
	case until.Known():
		p.res.Partial++
	}
	if str != "" && member != "" {
		res[member] = str
	}
}

// datedPeriod is dated for a resource dated by a period: start and, when
// the statement gives one, end.
func (p *parser) datedPeriod(b *building, res map[string]any, stmt *node, from, until roi.Date, field, member string) {
	str := ""
	if from.Known() && !until.Known() {
		str = from.String()
	}
	p.dated(b, res, from, until, field, "", "")
	per := map[string]any{}
	if str != "" {
		per["start"] = str
	}
	if stmt != nil {
		if _, _, hs := parseTS(stmt.path("effectiveTime", "high").attr("value")); hs != "" {
			per["end"] = hs
		}
	}
	if len(per) == 0 {
		return
	}
	if member == "context.period" {
		res["context"] = map[string]any{"period": per}
		return
	}
	res[member] = per
}

func (p *parser) finish(b *building, res map[string]any) {
	b.det.Raw = mustJSON(res)
	p.res.Chart.Items = append(p.res.Chart.Items, b.item)
	p.res.Chart.Details = append(p.res.Chart.Details, b.det)
}

// primaryNode is the coded element that says what the item is: a
// problem's value, an allergy's substance, a drug or vaccine, else the
// statement's code.
func primaryNode(rt string, stmt *node) *node {
	var found *node
	switch rt {
	case "Condition":
		stmt.walk(func(x *node) bool {
			if found != nil {
				return false
			}
			if x.is("observation") {
				if v := x.child("value"); v != nil && (v.attr("code") != "" || v.child("translation") != nil || v.child("originalText") != nil) {
					found = v
					return false
				}
			}
			return true
		})
	case "AllergyIntolerance":
		stmt.walk(func(x *node) bool {
			if found != nil {
				return false
			}
			if x.is("playingEntity") {
				if c := x.child("code"); c != nil {
					found = c
				}
				return false
			}
			return true
		})
	case "MedicationRequest", "Immunization":
		stmt.walk(func(x *node) bool {
			if found != nil {
				return false
			}
			if x.is("manufacturedMaterial") {
				if c := x.child("code"); c != nil {
					found = c
				}
				return false
			}
			return true
		})
	}
	if found != nil {
		return found
	}
	return stmt.child("code")
}

// concept writes a CD as a CodeableConcept: its code and translations,
// and as text its original text (the narrative it points at) or display.
func concept(cd *node, ctx *secCtx) map[string]any {
	if cd == nil {
		return nil
	}
	text := ""
	if ot := cd.child("originalText"); ot != nil {
		if ref := ot.child("reference"); ref != nil && ctx != nil {
			if n := ctx.ids[strings.TrimPrefix(ref.attr("value"), "#")]; n != nil {
				text = clip(narrativeText(n), 500)
			}
		}
		if text == "" {
			text = clip(strings.Join(strings.Fields(directText(ot)), " "), 500)
		}
	}
	c := conceptFromCodings(conceptCodings(cd), text)
	if len(c) == 0 {
		return nil
	}
	return c
}

// setConcept sets a CodeableConcept member; a member FHIR requires gets
// a text saying the document gave no code, rather than null.
func setConcept(res map[string]any, member string, c map[string]any, required bool) {
	switch {
	case c != nil:
		res[member] = c
	case required:
		res[member] = map[string]any{"text": "not coded in the document"}
	}
}

// directText is n's own character data, not its children's.
func directText(n *node) string {
	var b strings.Builder
	for _, k := range n.kids {
		if k.local == "#text" {
			b.WriteString(k.text)
		}
	}
	return b.String()
}

func conceptFromCodings(cs []coding, text string) map[string]any {
	c := map[string]any{}
	var l []any
	for _, x := range cs {
		l = append(l, codingJSON(x))
	}
	if len(l) > 0 {
		c["coding"] = l
	}
	if text == "" && len(cs) > 0 {
		text = cs[0].Display
	}
	if text != "" {
		c["text"] = text
	}
	return c
}

// conceptCodings are a CD's coding and its translations' (nullFlavor ones
// have no code and are passed over; their translations are kept).
func conceptCodings(cd *node) []coding {
	if cd == nil {
		return nil
	}
	var out []coding
	add := func(x *node) {
		if x.attr("code") == "" || x.attr("nullFlavor") != "" {
			return
		}
		sys := x.attr("codeSystem")
		if sys == "" {
			return
		}
		out = append(out, coding{System: SystemURI(sys), Code: strings.TrimSpace(x.attr("code")), Display: x.attr("displayName")})
	}
	add(cd)
	for _, t := range cd.children("translation") {
		add(t)
	}
	return out
}

func codingJSON(c coding) map[string]any {
	m := map[string]any{"system": c.System, "code": c.Code}
	if c.Display != "" {
		m["display"] = c.Display
	}
	return m
}

func conceptText(c map[string]any) string {
	if c == nil {
		return ""
	}
	if t, _ := c["text"].(string); t != "" {
		return t
	}
	return ""
}

// setValue writes an observation's value by its xsi:type.
func setValue(res map[string]any, v *node, ctx *secCtx) {
	if v == nil || (v.null() && v.child("translation") == nil) {
		return
	}
	switch v.xsiType() {
	case "PQ", "IVL_PQ":
		if val := v.attr("value"); val != "" {
			if jsonNumber(val) {
				q := map[string]any{"value": json.Number(val)}
				if u := v.attr("unit"); u != "" && u != "1" {
					q["unit"], q["system"], q["code"] = u, "http://unitsofmeasure.org", u
				}
				res["valueQuantity"] = q
			}
		}
	case "ST", "ED":
		if s := strings.TrimSpace(v.plain()); s != "" {
			res["valueString"] = clip(s, 2000)
		}
	case "INT", "REAL":
		if val := v.attr("value"); val != "" {
			if jsonNumber(val) {
				res["valueQuantity"] = map[string]any{"value": json.Number(val)}
			}
		}
	case "BL":
		if val := v.attr("value"); val == "true" || val == "false" {
			res["valueBoolean"] = val == "true"
		}
	case "TS":
		if _, _, s := parseTS(v.attr("value")); s != "" {
			res["valueDateTime"] = s
		}
	default:
		if c := concept(v, ctx); c != nil {
			res["valueCodeableConcept"] = c
		}
	}
}

// jsonNumber reports whether s is a number as JSON writes one, so that
// it is kept as the document wrote it ("5.60") and always encodes.
func jsonNumber(s string) bool {
	if s == "" || !(s[0] == '-' || ('0' <= s[0] && s[0] <= '9')) {
		return false
	}
	return json.Valid([]byte(s))
}

func medStatus(s string, negated bool) string {
	if negated {
		return "cancelled"
	}
	switch s {
	case "active":
		return "active"
	case "completed":
		return "completed"
	case "aborted", "cancelled":
		return "stopped"
	case "suspended", "held":
		return "on-hold"
	case "new":
		return "draft"
	}
	return "unknown"
}

func obsStatus(s string) string {
	switch s {
	case "active":
		return "preliminary"
	case "cancelled", "aborted":
		return "cancelled"
	case "completed", "":
		return "final"
	}
	return "unknown"
}

func procStatus(s string, negated bool) string {
	if negated {
		return "not-done"
	}
	switch s {
	case "completed":
		return "completed"
	case "active", "new":
		return "in-progress"
	case "aborted", "cancelled":
		return "stopped"
	case "suspended", "held":
		return "on-hold"
	}
	return "unknown"
}

func dedupe(cs []coding) []coding {
	seen := map[[2]string]bool{}
	var out []coding
	for _, c := range cs {
		k := [2]string{c.System, c.Code}
		if !seen[k] {
			seen[k] = true
			out = append(out, c)
		}
	}
	return out
}

func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic("ccda: a resource written from a document does not encode") // maps of strings and numbers always do
	}
	return b
}

func b64(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }

func firstNonEmpty(ss ...string) string {
	for _, s := range ss {
		if s = strings.TrimSpace(s); s != "" {
			return s
		}
	}
	return ""
}

func firstLine(s string) string {
	l, _, _ := strings.Cut(s, "\n")
	return l
}

// clip cuts s to at most n bytes on a rune boundary.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}
