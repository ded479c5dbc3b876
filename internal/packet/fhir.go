package packet

import (
	"bytes"
	"cmp"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"math"
	"mime"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/custodian-roi/custodian/internal/doc"
	"github.com/custodian-roi/custodian/internal/roi"
)

// FromFHIR returns the readable form of chart item it. raws are the item's
// FHIR resources exactly as released: its own resource first, then the
// resources folded into it (a DiagnosticReport's Observations, in result
// order). Each resource type gets the layout a reader expects of it:
// encounters and notes as text, results as tables, medications, problems,
// allergies and immunizations as lists; a type it does not know gets a
// short generic rendering. Base64 PDFs and images in a DocumentReference's
// content or a DiagnosticReport's presentedForm become the item's
// Attachments.
//
// rel is every resource released in the same packet (the item's own
// resources count as released even when rel lacks them). A reference's
// display, text taken from the resource it names, is printed only when
// that resource is released or is not a clinical record; otherwise
// Withheld is printed in its place (see Released).
//
// Item.SHA256 is computed over raws as given, so the manifest binds the
// packet to exactly the bytes that were released (see ResourcesSHA256).
// A resource that is not a JSON object is an error (CodeInvalid); its
// message names the item's position in raws, never its content.
func FromFHIR(it roi.ChartItem, raws [][]byte, rel Released) (Item, error) {
	if len(raws) == 0 {
		return Item{}, roi.Errorf(roi.CodeInvalid, "A chart item has no FHIR resource to render.")
	}
	res := make([]obj, len(raws))
	for i, raw := range raws {
		m, err := decodeObj(raw)
		if err != nil {
			return Item{}, roi.Wrap(roi.CodeInvalid, err, "Resource "+strconv.Itoa(i+1)+" of a chart item is not a FHIR JSON object.")
		}
		res[i] = m
	}
	own := []string{it.Key}
	for _, f := range res[1:] {
		own = append(own, f.str("resourceType")+"/"+f.str("id"))
	}
	out := Item{
		Key:    it.Key,
		Type:   it.Type,
		Date:   it.Date,
		Until:  it.Until,
		Title:  it.Title,
		Labels: it.Labels,
		Source: it.Source,
		SHA256: ResourcesSHA256(raws),
	}
	r := &fhirRender{rel: rel.with(own...), binaries: map[string]obj{}}
	main := res[0]
	var folded []obj // what is shown as itself: not the Binaries attachments name
	for _, f := range res[1:] {
		if f.str("resourceType") == "Binary" {
			r.binaries[f.str("id")] = f
			continue
		}
		folded = append(folded, f)
	}
	switch main.str("resourceType") {
	case "Encounter":
		r.encounter(main)
	case "DocumentReference":
		r.documentReference(main)
	case "DiagnosticReport":
		r.diagnosticReport(main, folded)
	case "Observation":
		r.observation(main)
	case "MedicationRequest":
		r.medication(main)
	case "Condition":
		r.condition(main)
	case "AllergyIntolerance":
		r.allergy(main)
	case "Immunization":
		r.immunization(main)
	case "Procedure":
		r.procedure(main)
	case "CarePlan":
		r.carePlan(main)
	case "ImagingStudy":
		r.imagingStudy(main)
	case "Claim", "ExplanationOfBenefit":
		r.claim(main)
	default:
		r.generic(main)
	}
	if main.str("resourceType") != "DiagnosticReport" {
		// Resources folded into anything but a report are unusual; they
		// were released, so they are shown.
		for _, f := range folded {
			r.blocks = append(r.blocks, doc.H(f.str("resourceType")))
			r.generic(f)
		}
	}
	out.Blocks = withRoundedNote(r.blocks)
	out.Attachments = r.attachments
	out.Sources = own
	if main.str("resourceType") == "Observation" && len(folded) == 0 && len(out.Attachments) == 0 &&
		main.get("note") == nil && main.get("performer") == nil {
		out.Group, out.GroupTitle = resultGroup(main, it)
		out.Results = observationRows(main)
	}
	return out, nil
}

// resultGroup is the group a bare Observation is printed in — the
// results of the same category from the same encounter, or, without an
// encounter, from the same day — and the group's heading.
func resultGroup(o obj, it roi.ChartItem) (key, title string) {
	var code, display string
	if cats := o.list("category"); len(cats) > 0 {
		display = cats[0].str("text")
		if cds := cats[0].list("coding"); len(cds) > 0 {
			code, display = cds[0].str("code"), cmp.Or(display, cds[0].str("display"))
		}
	}
	title = categoryTitles[code]
	if title == "" {
		rs := []rune(strings.ReplaceAll(cmp.Or(display, code, "Results"), "-", " "))
		rs[0] = unicode.ToUpper(rs[0])
		title = string(rs)
	}
	key = "results|" + cmp.Or(code, display)
	if enc := o.obj("encounter").str("reference"); enc != "" {
		return key + "|encounter|" + enc, title
	}
	return key + "|day|" + it.Date.String() + "|" + it.Until.String(), title
}

// categoryTitles head the tables of grouped results, by the FHIR
// observation-category code.
var categoryTitles = map[string]string{
	"vital-signs":    "Vital signs",
	"laboratory":     "Lab results",
	"social-history": "Social history",
	"survey":         "Surveys and assessments",
	"exam":           "Examination findings",
	"imaging":        "Imaging results",
	"procedure":      "Procedure results",
	"therapy":        "Therapy",
	"activity":       "Activity",
}

// ResourcesSHA256 is the hex SHA-256 over raws in order, each prefixed by
// its length as an 8-byte big-endian integer so that where one resource
// ends and the next begins is part of what is hashed.
func ResourcesSHA256(raws [][]byte) string {
	h := sha256.New()
	var n [8]byte
	for _, raw := range raws {
		binary.BigEndian.PutUint64(n[:], uint64(len(raw)))
		h.Write(n[:])
		h.Write(raw)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// obj is a decoded JSON object. Numbers are json.Number so that a value
// prints as the source wrote it ("5.60", not 5.6).
type obj map[string]any

func decodeObj(raw []byte) (obj, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var m map[string]any
	if err := dec.Decode(&m); err != nil {
		return nil, err
	}
	if m == nil {
		return nil, roi.Errorf(roi.CodeInvalid, "null resource")
	}
	return obj(m), nil
}

func (o obj) get(k string) any {
	if o == nil {
		return nil
	}
	return o[k]
}

func (o obj) str(k string) string { return scalar(o.get(k)) }

func (o obj) obj(k string) obj {
	m, _ := o.get(k).(map[string]any)
	return obj(m)
}

func (o obj) list(k string) []obj {
	xs, _ := o.get(k).([]any)
	out := make([]obj, 0, len(xs))
	for _, x := range xs {
		if m, ok := x.(map[string]any); ok {
			out = append(out, obj(m))
		}
	}
	return out
}

// scalar prints a JSON string, number or boolean; "" for anything else.
func scalar(v any) string {
	switch v := v.(type) {
	case string:
		return v
	case json.Number:
		return v.String()
	case bool:
		if v {
			return "yes"
		}
		return "no"
	}
	return ""
}

// concept is what a person reads for a CodeableConcept: its text, else
// its first coding's display, else its first code.
func concept(c obj) string {
	if c == nil {
		return ""
	}
	if t := c.str("text"); t != "" {
		return t
	}
	for _, cd := range c.list("coding") {
		if d := cd.str("display"); d != "" {
			return d
		}
	}
	for _, cd := range c.list("coding") {
		if d := cd.str("code"); d != "" {
			return d
		}
	}
	return ""
}

func concepts(cs []obj) string {
	var out []string
	for _, c := range cs {
		if s := concept(c); s != "" && !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	return strings.Join(out, "; ")
}

// coding is a Coding's display, else its code.
func coding(c obj) string {
	if c == nil {
		return ""
	}
	if d := c.str("display"); d != "" {
		return d
	}
	return c.str("code")
}

// ref is what a person reads for Reference x, the value (or a list
// element) of member: its display, or Withheld when x names a record that
// is not released (see Released). The reference itself (a urn:uuid, a
// conditional query) means nothing to a reader.
func (r *fhirRender) ref(member string, x obj) string {
	d := x.str("display")
	if d == "" || r.rel.shows(member, x) {
		return d
	}
	return Withheld
}

// refOf is ref of o's member.
func (r *fhirRender) refOf(o obj, member string) string { return r.ref(member, o.obj(member)) }

// refsOf joins the refs of the list o's member holds, each once.
func (r *fhirRender) refsOf(o obj, member string) string {
	var out []string
	for _, x := range o.list(member) {
		if s := r.ref(member, x); s != "" && !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	return strings.Join(out, "; ")
}

// when prints a FHIR date, dateTime or instant as a reader wants it: the
// day, and the time of day to the minute when there is one.
func when(s string) string {
	if len(s) <= 10 {
		return s
	}
	if len(s) >= 16 && s[10] == 'T' {
		return s[:10] + " " + s[11:16]
	}
	return s
}

func period(p obj) string {
	if p == nil {
		return ""
	}
	start, end := when(p.str("start")), when(p.str("end"))
	switch {
	case start != "" && end != "":
		if start[:min(10, len(start))] == end[:min(10, len(end))] && len(end) > 11 {
			return start + " – " + end[11:]
		}
		return start + " – " + end
	case start != "":
		return "from " + start
	case end != "":
		return "until " + end
	}
	return ""
}

func quantity(q obj) string {
	v, u, rounded := quantityParts(q)
	if rounded {
		v += " " + RoundedMark
	}
	return strings.TrimSpace(v + " " + u)
}

// quantityParts is a Quantity's value (with its comparator, at the
// source's precision: see Precise) and its unit apart; rounded says the
// value was a machine-generated float cut to a readable precision.
func quantityParts(q obj) (value, unit string, rounded bool) {
	if q == nil {
		return "", "", false
	}
	value, rounded = Precise(q.str("value"))
	if c := q.str("comparator"); c != "" {
		value = c + value
	}
	unit = q.str("unit")
	if unit == "" {
		unit = q.str("code")
	}
	return value, unit, rounded
}

// fhirRender collects an item's blocks and attachments; rel says whose
// displays it may print.
type fhirRender struct {
	rel         Released
	blocks      []doc.Block
	attachments []Attachment
	// binaries are the Binary resources folded into the item, by id: the
	// content of attachments that name them by url.
	binaries map[string]obj
}

// fields adds "Name: value" lines as one paragraph, leaving out empty
// values.
func (r *fhirRender) fields(kv ...string) {
	var b strings.Builder
	for i := 0; i+1 < len(kv); i += 2 {
		if kv[i+1] == "" {
			continue
		}
		if b.Len() > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(kv[i] + ": " + kv[i+1])
	}
	if b.Len() > 0 {
		r.blocks = append(r.blocks, doc.P(b.String()))
	}
}

// list adds "Name: value" bullet points, leaving out empty values.
func (r *fhirRender) list(kv ...string) {
	var items []string
	for i := 0; i+1 < len(kv); i += 2 {
		if kv[i+1] != "" {
			items = append(items, kv[i]+": "+kv[i+1])
		}
	}
	if len(items) > 0 {
		r.blocks = append(r.blocks, doc.L(items...))
	}
}

func (r *fhirRender) encounter(e obj) {
	var parts []string
	for _, p := range e.list("participant") {
		s := r.refOf(p, "individual")
		if s == "" {
			continue
		}
		if role := concepts(p.list("type")); role != "" {
			s += " (" + role + ")"
		}
		parts = append(parts, s)
	}
	var locs []string
	for _, l := range e.list("location") {
		if s := r.refOf(l, "location"); s != "" {
			locs = append(locs, s)
		}
	}
	reason := concepts(e.list("reasonCode"))
	if rr := r.refsOf(e, "reasonReference"); rr != "" {
		reason = strings.TrimPrefix(reason+"; "+rr, "; ")
	}
	var diag []string
	for _, d := range e.list("diagnosis") {
		if s := r.refOf(d, "condition"); s != "" && !slices.Contains(diag, s) {
			diag = append(diag, s)
		}
	}
	r.blocks = append(r.blocks, doc.H("Encounter"))
	r.fields(
		"Type", concepts(e.list("type")),
		"Class", coding(e.obj("class")),
		"Service", concept(e.obj("serviceType")),
		"Status", e.str("status"),
		"Period", period(e.obj("period")),
		"Reason", reason,
		"Diagnoses", strings.Join(diag, "; "),
		"Participants", strings.Join(parts, "; "),
		"Location", strings.Join(locs, "; "),
		"Service provider", r.refOf(e, "serviceProvider"),
		"Admitted from", concept(e.obj("hospitalization").obj("admitSource")),
		"Discharge disposition", concept(e.obj("hospitalization").obj("dischargeDisposition")),
	)
}

func (r *fhirRender) documentReference(d obj) {
	ctx := d.obj("context")
	r.blocks = append(r.blocks, doc.H("Document"))
	r.fields(
		"Type", concept(d.obj("type")),
		"Category", concepts(d.list("category")),
		"Date", when(d.str("date")),
		"Period", period(ctx.obj("period")),
		"Author", r.refsOf(d, "author"),
		"Custodian", r.refOf(d, "custodian"),
		"Status", d.str("status"),
		"Description", d.str("description"),
		"Facility", concept(ctx.obj("facilityType")),
		"Practice setting", concept(ctx.obj("practiceSetting")),
	)
	for i, c := range d.list("content") {
		r.attachment(c.obj("attachment"), i)
	}
}

// attachment renders a FHIR Attachment: text as a preformatted note, a
// PDF or an image as an Attachment of the item, anything else as a line
// saying what it is.
func (r *fhirRender) attachment(a obj, i int) {
	if a == nil {
		return
	}
	if a.str("data") == "" && a.str("url") != "" {
		// The content held in a Binary of the same export.
		if _, id := target(a.str("url")); id != "" && r.binaries[id] != nil {
			b := r.binaries[id]
			a = obj{"title": a.str("title"), "data": b.str("data"),
				"contentType": cmp.Or(a.str("contentType"), b.str("contentType"))}
		}
	}
	title := a.str("title")
	if title == "" {
		title = "Attachment " + strconv.Itoa(i+1)
	}
	ctype, params, err := mime.ParseMediaType(a.str("contentType"))
	if err != nil {
		ctype = strings.ToLower(strings.TrimSpace(a.str("contentType")))
	}
	data := a.str("data")
	if data == "" {
		if u := a.str("url"); u != "" {
			// A web address is a place a reader can ask for; a FHIR
			// reference or urn:uuid is an internal id, not printed.
			where := "."
			if l := strings.ToLower(u); strings.HasPrefix(l, "https://") || strings.HasPrefix(l, "http://") {
				where = " (" + u + ")."
			}
			r.blocks = append(r.blocks, doc.P(title+": not included in this packet; the record refers to a document held elsewhere"+where))
		}
		return
	}
	raw, err := base64.StdEncoding.DecodeString(strings.Join(strings.Fields(data), ""))
	if err != nil {
		r.blocks = append(r.blocks, doc.P(title+" ("+ctype+"): the attached data is not valid base64 and cannot be shown."))
		return
	}
	switch {
	case strings.HasPrefix(ctype, "text/"):
		text := string(raw)
		if cs := strings.ToLower(params["charset"]); cs != "" && cs != "utf-8" && cs != "us-ascii" || !utf8.ValidString(text) {
			text = latin1(raw)
		}
		if ctype == "text/html" {
			text = stripTags(text)
		}
		r.blocks = append(r.blocks, doc.H(title), doc.Block{Kind: doc.Pre, Text: strings.Trim(text, "\n")})
	case ctype == "application/pdf", ctype == "image/png", ctype == "image/jpeg", ctype == "image/jpg":
		if ctype == "image/jpg" {
			ctype = "image/jpeg"
		}
		r.attachments = append(r.attachments, Attachment{Title: title, ContentType: ctype, Data: raw})
	default:
		r.blocks = append(r.blocks, doc.P(title+" ("+ctype+", "+strconv.Itoa(len(raw))+" bytes): this kind of document cannot be printed; ask for an electronic copy."))
	}
}

// latin1 reads bytes as ISO 8859-1, the usual legacy charset: each byte is
// the code point of the same value.
func latin1(b []byte) string {
	rs := make([]rune, len(b))
	for i, c := range b {
		rs[i] = rune(c)
	}
	return string(rs)
}

// stripTags reduces HTML to its text: enough for a narrative note, which
// is all an HTML attachment in a chart holds.
func stripTags(s string) string {
	var b strings.Builder
	in := false
	for _, c := range s {
		switch {
		case c == '<':
			in = true
		case c == '>':
			in = false
		case !in:
			b.WriteRune(c)
		}
	}
	r := strings.NewReplacer("&amp;", "&", "&lt;", "<", "&gt;", ">", "&quot;", `"`, "&#39;", "'", "&nbsp;", " ")
	return r.Replace(b.String())
}

func (r *fhirRender) diagnosticReport(d obj, results []obj) {
	r.blocks = append(r.blocks, doc.H("Report"))
	r.fields(
		"Report", concept(d.obj("code")),
		"Category", concepts(d.list("category")),
		"Status", d.str("status"),
		"Effective", effective(d),
		"Issued", when(d.str("issued")),
		"Performer", r.refsOf(d, "performer"),
		"Interpreter", r.refsOf(d, "resultsInterpreter"),
		"Conclusion", d.str("conclusion"),
		"Coded conclusion", concepts(d.list("conclusionCode")),
	)
	var rows []ResultRow
	for _, o := range results {
		rows = append(rows, observationRows(o)...)
	}
	if len(rows) > 0 {
		r.blocks = append(r.blocks, doc.H("Results"))
		r.blocks = append(r.blocks, ResultTable(rows, "")...)
	}
	for i, f := range d.list("presentedForm") {
		r.attachment(f, i)
	}
}

func (r *fhirRender) observation(o obj) {
	r.blocks = append(r.blocks, doc.H("Result"))
	r.fields(
		"Category", concepts(o.list("category")),
		"Status", o.str("status"),
		"Performer", r.refsOf(o, "performer"),
		"Note", notes(o.list("note")),
	)
	r.blocks = append(r.blocks, ResultTable(observationRows(o), "")...)
}

// ResultRow is one line of a results table: an Observation's value or one
// of its components.
type ResultRow struct {
	Item           string // the packet's item number, in a table of grouped items
	Test           string
	Value          string // at the source's precision (see Precise)
	Unit           string
	Range          string // reference range
	Interpretation string
	Date           string
	Rounded        bool // Value was cut from a machine-generated float
}

// RoundedMark follows a value Precise rounded; the table's footnote
// explains it.
const RoundedMark = "†"

// RoundedNote is the footnote under a table with a rounded value.
const RoundedNote = RoundedMark + " Rounded (a measurement to " + roundDigitsWord + " significant digits, an amount to the cent): the source system recorded this value as a machine-generated number with more digits than any measurement carries (more than " + preciseDigitsWord + " significant digits). Every other value is printed as the source recorded it."

// withRoundedNote adds RoundedNote after blocks that print a rounded
// value outside a results table (which carries its own note).
func withRoundedNote(bs []doc.Block) []doc.Block {
	marked := false
	for _, b := range bs {
		if b.Kind == doc.Para && b.Text == RoundedNote {
			return bs
		}
		marked = marked || strings.Contains(b.Text, RoundedMark)
		for _, s := range b.Items {
			marked = marked || strings.Contains(s, RoundedMark)
		}
		for _, row := range b.Rows {
			for _, s := range row {
				marked = marked || strings.Contains(s, RoundedMark)
			}
		}
	}
	if marked {
		return append(bs, doc.P(RoundedNote))
	}
	return bs
}

// ResultTable lays rows out as a table — item (when itemCol names the
// column), test, value, unit, reference range, interpretation, date — with
// the columns no row fills left out, and the footnote when a value was
// rounded.
func ResultTable(rows []ResultRow, itemCol string) []doc.Block {
	type col struct {
		name string
		get  func(ResultRow) string
	}
	all := []col{
		{itemCol, func(r ResultRow) string { return r.Item }},
		{"Test", func(r ResultRow) string { return r.Test }},
		{"Value", func(r ResultRow) string {
			if r.Rounded {
				return r.Value + " " + RoundedMark
			}
			return r.Value
		}},
		{"Unit", func(r ResultRow) string { return r.Unit }},
		{"Reference range", func(r ResultRow) string { return r.Range }},
		{"Interpretation", func(r ResultRow) string { return r.Interpretation }},
		{"Date", func(r ResultRow) string { return r.Date }},
	}
	var cols []col
	rounded := false
	for i, c := range all {
		if i == 0 && itemCol == "" {
			continue
		}
		keep := c.name == "Test" || c.name == "Value"
		for _, row := range rows {
			keep = keep || c.get(row) != ""
			rounded = rounded || row.Rounded
		}
		if keep {
			cols = append(cols, c)
		}
	}
	t := doc.Block{Kind: doc.Table}
	for _, c := range cols {
		t.Header = append(t.Header, c.name)
	}
	for _, row := range rows {
		line := make([]string, len(cols))
		for i, c := range cols {
			line[i] = c.get(row)
		}
		t.Rows = append(t.Rows, line)
	}
	out := []doc.Block{t}
	if rounded {
		out = append(out, doc.P(RoundedNote))
	}
	return out
}

// observationRows is an Observation as result-table rows: its own value,
// then one row per component (a blood pressure's systolic and diastolic).
// A status other than final is said after the test's name.
func observationRows(o obj) []ResultRow {
	name := concept(o.obj("code"))
	if st := o.str("status"); st != "" && st != "final" {
		name += " (" + st + ")"
	}
	date := effective(o)
	var rows []ResultRow
	v, u, rd := valueParts(o)
	comps := o.list("component")
	if v != "" || len(comps) == 0 {
		if v == "" {
			v = concept(o.obj("dataAbsentReason"))
		}
		rows = append(rows, ResultRow{Test: name, Value: v, Unit: u, Rounded: rd, Range: ranges(o.list("referenceRange")),
			Date: date, Interpretation: concepts(o.list("interpretation"))})
	}
	for _, c := range comps {
		cn := concept(c.obj("code"))
		if name != "" && cn != name {
			cn = name + " — " + cn
		}
		cv, cu, crd := valueParts(c)
		if cv == "" {
			cv = concept(c.obj("dataAbsentReason"))
		}
		rows = append(rows, ResultRow{Test: cn, Value: cv, Unit: cu, Rounded: crd, Range: ranges(c.list("referenceRange")),
			Date: date, Interpretation: concepts(c.list("interpretation"))})
	}
	return rows
}

// valueParts is value with a Quantity's unit apart.
func valueParts(o obj) (v, unit string, rounded bool) {
	if q := o.obj("valueQuantity"); q != nil {
		return quantityParts(q)
	}
	return value(o), "", false
}

// value prints an Observation's or component's value[x].
func value(o obj) string {
	if q := o.obj("valueQuantity"); q != nil {
		return quantity(q)
	}
	if c := o.obj("valueCodeableConcept"); c != nil {
		return concept(c)
	}
	for _, k := range []string{"valueString", "valueBoolean", "valueInteger", "valueTime"} {
		if s := o.str(k); s != "" {
			return s
		}
	}
	if s := o.str("valueDateTime"); s != "" {
		return when(s)
	}
	if p := o.obj("valuePeriod"); p != nil {
		return period(p)
	}
	if rg := o.obj("valueRange"); rg != nil {
		return strings.Trim(quantity(rg.obj("low"))+" – "+quantity(rg.obj("high")), " –")
	}
	if ra := o.obj("valueRatio"); ra != nil {
		return quantity(ra.obj("numerator")) + " / " + quantity(ra.obj("denominator"))
	}
	if sd := o.obj("valueSampledData"); sd != nil {
		return "sampled data (not printed)"
	}
	return ""
}

func ranges(rs []obj) string {
	var out []string
	for _, rg := range rs {
		if t := rg.str("text"); t != "" {
			out = append(out, t)
			continue
		}
		lo, hi := quantity(rg.obj("low")), quantity(rg.obj("high"))
		switch {
		case lo != "" && hi != "":
			out = append(out, lo+" – "+hi)
		case lo != "":
			out = append(out, "≥ "+lo)
		case hi != "":
			out = append(out, "≤ "+hi)
		}
	}
	return strings.Join(out, "; ")
}

func notes(ns []obj) string {
	var out []string
	for _, n := range ns {
		if t := n.str("text"); t != "" {
			out = append(out, t)
		}
	}
	return strings.Join(out, " ")
}

// effective is the clinically relevant time of an Observation or report.
func effective(o obj) string {
	if s := o.str("effectiveDateTime"); s != "" {
		return when(s)
	}
	if p := o.obj("effectivePeriod"); p != nil {
		return period(p)
	}
	if s := o.str("effectiveInstant"); s != "" {
		return when(s)
	}
	return when(o.str("issued"))
}

func (r *fhirRender) medication(m obj) {
	med := concept(m.obj("medicationCodeableConcept"))
	if med == "" {
		med = r.refOf(m, "medicationReference")
	}
	var dosage []string
	for _, d := range m.list("dosageInstruction") {
		s := d.str("text")
		if s == "" {
			s = dosageText(d)
		}
		if s != "" {
			dosage = append(dosage, s)
		}
	}
	disp := m.obj("dispenseRequest")
	r.blocks = append(r.blocks, doc.H("Medication"))
	r.list(
		"Medication", med,
		"Status", m.str("status"),
		"Intent", m.str("intent"),
		"Prescribed on", when(m.str("authoredOn")),
		"Prescriber", r.refOf(m, "requester"),
		"Dosage", strings.Join(dosage, "; "),
		"Quantity", quantity(disp.obj("quantity")),
		"Refills", disp.str("numberOfRepeatsAllowed"),
		"Reason", strings.TrimPrefix(concepts(m.list("reasonCode"))+"; "+r.refsOf(m, "reasonReference"), "; "),
		"Note", notes(m.list("note")),
	)
}

// dosageText prints a structured Dosage when it carries no text: dose,
// frequency and period, "as needed".
func dosageText(d obj) string {
	var parts []string
	for _, dr := range d.list("doseAndRate") {
		if q := quantity(dr.obj("doseQuantity")); q != "" {
			parts = append(parts, q)
		}
	}
	rep := d.obj("timing").obj("repeat")
	if f := rep.str("frequency"); f != "" {
		s := f + " time(s)"
		if p := rep.str("period"); p != "" {
			s += " every " + p + " " + rep.str("periodUnit")
		}
		parts = append(parts, strings.TrimSpace(s))
	}
	if d.get("asNeededBoolean") == true {
		parts = append(parts, "as needed")
	}
	return strings.Join(parts, ", ")
}

func (r *fhirRender) condition(c obj) {
	onset := when(c.str("onsetDateTime"))
	if onset == "" {
		onset = period(c.obj("onsetPeriod"))
	}
	if onset == "" {
		onset = c.str("onsetString")
	}
	r.blocks = append(r.blocks, doc.H("Problem"))
	r.list(
		"Problem", concept(c.obj("code")),
		"Clinical status", concept(c.obj("clinicalStatus")),
		"Verification", concept(c.obj("verificationStatus")),
		"Category", concepts(c.list("category")),
		"Severity", concept(c.obj("severity")),
		"Onset", onset,
		"Resolved", when(c.str("abatementDateTime")),
		"Recorded", when(c.str("recordedDate")),
		"Recorded by", r.refOf(c, "recorder"),
		"Note", notes(c.list("note")),
	)
}

func (r *fhirRender) allergy(a obj) {
	var reactions []string
	for _, re := range a.list("reaction") {
		s := concepts(re.list("manifestation"))
		if sev := re.str("severity"); sev != "" {
			s += " (" + sev + ")"
		}
		if s != "" {
			reactions = append(reactions, s)
		}
	}
	var cats []string
	rawCats, _ := a.get("category").([]any)
	for _, c := range rawCats {
		cats = append(cats, scalar(c))
	}
	r.blocks = append(r.blocks, doc.H("Allergy or intolerance"))
	r.list(
		"Substance", concept(a.obj("code")),
		"Type", a.str("type"),
		"Category", strings.Join(cats, ", "),
		"Criticality", a.str("criticality"),
		"Clinical status", concept(a.obj("clinicalStatus")),
		"Verification", concept(a.obj("verificationStatus")),
		"Onset", when(a.str("onsetDateTime")),
		"Recorded", when(a.str("recordedDate")),
		"Reactions", strings.Join(reactions, "; "),
		"Note", notes(a.list("note")),
	)
}

func (r *fhirRender) immunization(im obj) {
	var perf []string
	for _, p := range im.list("performer") {
		if s := r.refOf(p, "actor"); s != "" {
			perf = append(perf, s)
		}
	}
	r.blocks = append(r.blocks, doc.H("Immunization"))
	r.list(
		"Vaccine", concept(im.obj("vaccineCode")),
		"Status", im.str("status"),
		"Given on", when(im.str("occurrenceDateTime")),
		"Lot", im.str("lotNumber"),
		"Site", concept(im.obj("site")),
		"Route", concept(im.obj("route")),
		"Dose", quantity(im.obj("doseQuantity")),
		"Performer", strings.Join(perf, "; "),
		"Location", r.refOf(im, "location"),
		"Note", notes(im.list("note")),
	)
}

func (r *fhirRender) procedure(p obj) {
	performed := when(p.str("performedDateTime"))
	if performed == "" {
		performed = period(p.obj("performedPeriod"))
	}
	var perf []string
	for _, pf := range p.list("performer") {
		if s := r.refOf(pf, "actor"); s != "" {
			perf = append(perf, s)
		}
	}
	r.blocks = append(r.blocks, doc.H("Procedure"))
	r.list(
		"Procedure", concept(p.obj("code")),
		"Status", p.str("status"),
		"Performed", performed,
		"Reason", strings.TrimPrefix(concepts(p.list("reasonCode"))+"; "+r.refsOf(p, "reasonReference"), "; "),
		"Body site", concepts(p.list("bodySite")),
		"Outcome", concept(p.obj("outcome")),
		"Performer", strings.Join(perf, "; "),
		"Location", r.refOf(p, "location"),
		"Note", notes(p.list("note")),
	)
}

func (r *fhirRender) carePlan(c obj) {
	r.blocks = append(r.blocks, doc.H("Care plan"))
	r.list(
		"Plan", concepts(c.list("category")),
		"Title", c.str("title"),
		"Status", c.str("status"),
		"Intent", c.str("intent"),
		"Period", period(c.obj("period")),
		"Addresses", r.refsOf(c, "addresses"),
		"Description", c.str("description"),
	)
	var acts []string
	for _, a := range c.list("activity") {
		d := a.obj("detail")
		s := concept(d.obj("code"))
		if s == "" {
			s = d.str("description")
		}
		if s == "" {
			continue
		}
		if st := d.str("status"); st != "" {
			s += " (" + st + ")"
		}
		if rc := concepts(d.list("reasonCode")); rc != "" {
			s += " — for " + rc
		}
		acts = append(acts, s)
	}
	if len(acts) > 0 {
		r.blocks = append(r.blocks, doc.H("Activities"), doc.L(acts...))
	}
}

func (r *fhirRender) imagingStudy(s obj) {
	var mods []string
	for _, m := range s.list("modality") {
		mods = append(mods, coding(m))
	}
	r.blocks = append(r.blocks, doc.H("Imaging study"))
	r.list(
		"Started", when(s.str("started")),
		"Status", s.str("status"),
		"Procedure", concepts(s.list("procedureCode")),
		"Modality", strings.Join(mods, ", "),
		"Reason", concepts(s.list("reasonCode")),
		"Description", s.str("description"),
		"Series", s.str("numberOfSeries"),
		"Instances", s.str("numberOfInstances"),
	)
	var rows [][]string
	for _, se := range s.list("series") {
		rows = append(rows, []string{se.str("number"), coding(se.obj("modality")), coding(se.obj("bodySite")), se.str("description"), se.str("numberOfInstances")})
	}
	if len(rows) > 0 {
		r.blocks = append(r.blocks, doc.Block{Kind: doc.Table, Header: []string{"Series", "Modality", "Body site", "Description", "Images"}, Rows: rows})
	}
}

func (r *fhirRender) claim(c obj) {
	title := "Claim"
	if c.str("resourceType") == "ExplanationOfBenefit" {
		title = "Explanation of benefit"
	}
	var ins []string
	for _, i := range c.list("insurance") {
		if s := r.refOf(i, "coverage"); s != "" {
			ins = append(ins, s)
		}
	}
	total := money(c.obj("total"))
	if total == "" {
		for _, t := range c.list("total") {
			if s := money(t.obj("amount")); s != "" {
				total = strings.TrimPrefix(total+"; ", "; ") + concept(t.obj("category")) + " " + s
			}
		}
	}
	// A diagnosis or procedure is coded in the claim, or a reference to
	// the Condition or Procedure, printed as ref allows.
	var diags, procs []string
	for _, d := range c.list("diagnosis") {
		if s := cmp.Or(concept(d.obj("diagnosisCodeableConcept")), r.refOf(d, "diagnosisReference")); s != "" && !slices.Contains(diags, s) {
			diags = append(diags, s)
		}
	}
	for _, p := range c.list("procedure") {
		if s := cmp.Or(concept(p.obj("procedureCodeableConcept")), r.refOf(p, "procedureReference")); s != "" && !slices.Contains(procs, s) {
			procs = append(procs, s)
		}
	}
	r.blocks = append(r.blocks, doc.H(title))
	r.list(
		"Type", concept(c.obj("type")),
		"Status", c.str("status"),
		"Billable period", period(c.obj("billablePeriod")),
		"Created", when(c.str("created")),
		"Provider", r.refOf(c, "provider"),
		"Insurer", r.refOf(c, "insurer"),
		"Insurance", strings.Join(ins, "; "),
		"Diagnoses", strings.Join(diags, "; "),
		"Procedures", strings.Join(procs, "; "),
		"Outcome", c.str("outcome"),
		"Total", strings.TrimSpace(total),
		"Payment", money(c.obj("payment").obj("amount")),
	)
	var rows [][]string
	for _, it := range c.list("item") {
		amount := money(it.obj("net"))
		if amount == "" {
			for _, a := range it.list("adjudication") {
				if s := money(a.obj("amount")); s != "" {
					amount = concept(a.obj("category")) + " " + s
					break
				}
			}
		}
		rows = append(rows, []string{it.str("sequence"), concept(it.obj("productOrService")), when(it.str("servicedDate")) + period(it.obj("servicedPeriod")), amount})
	}
	if len(rows) > 0 {
		r.blocks = append(r.blocks, doc.Block{Kind: doc.Table, Header: []string{"Line", "Service", "Date", "Amount"}, Rows: rows})
	}
}

// money prints an amount as the source wrote it; an over-precise one (see
// Precise) to the cent, marked.
func money(m obj) string {
	if m == nil || m.str("value") == "" {
		return ""
	}
	v, rounded := Precise(m.str("value"))
	if rounded {
		f, _ := strconv.ParseFloat(m.str("value"), 64)
		v = strconv.FormatFloat(f, 'f', 2, 64) + " " + RoundedMark
	}
	return strings.TrimSpace(v + " " + m.str("currency"))
}

// generic is the short rendering of a resource type without its own
// layout: its type, id, dates and the display texts it carries.
func (r *fhirRender) generic(g obj) {
	var dates, texts []string
	keys := make([]string, 0, len(g))
	for k := range g {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		if s := g.str(k); s != "" && (strings.HasSuffix(k, "Date") || strings.HasSuffix(k, "DateTime") || k == "date" || k == "issued" || k == "created" || k == "recorded") {
			dates = append(dates, k+" "+when(s))
		}
		if p, ok := g[k].(map[string]any); ok && (strings.HasSuffix(k, "Period") || k == "period") {
			if s := period(obj(p)); s != "" {
				dates = append(dates, k+" "+s)
			}
		}
		if k != "text" && k != "contained" {
			r.collectTexts(k, g[k], &texts)
		}
	}
	if len(texts) > 40 {
		texts = append(texts[:40], "…")
	}
	r.list(
		"Resource", g.str("resourceType"),
		"Status", g.str("status"),
		"Dates", strings.Join(dates, "; "),
		"Description", strings.Join(texts, "; "),
	)
}

// collectTexts gathers, depth first, the display and text strings of v,
// the value of member, each once; a Reference's display as ref prints it.
func (r *fhirRender) collectTexts(member string, v any, out *[]string) {
	add := func(s string) {
		if s != "" && !slices.Contains(*out, s) {
			*out = append(*out, s)
		}
	}
	switch v := v.(type) {
	case map[string]any:
		if isReference(member, v) {
			add(r.ref(member, v))
			return
		}
		keys := make([]string, 0, len(v))
		for k := range v {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			if k == "display" || k == "text" {
				s, _ := v[k].(string)
				add(s)
				continue
			}
			r.collectTexts(k, v[k], out)
		}
	case []any:
		for _, x := range v {
			r.collectTexts(member, x, out)
		}
	}
}

// The precision rule (docs/PACKETS.md, "Values and precision"). A JSON
// number is printed as the source wrote it ("5.60" stays "5.60"), unless
// its decimal text carries more than preciseDigits significant digits: no
// clinical measurement is that precise, so such a value is a binary
// floating-point number a system generated (a simulator, a unit
// conversion), like 176.0058414337122. It is rounded to roundDigits
// significant digits, never dropping a digit of its integer part, and
// marked.
const (
	preciseDigits     = 9
	preciseDigitsWord = "nine"
	roundDigits       = 4
	roundDigitsWord   = "four"
)

// Precise returns the decimal text s of a JSON number as it is to be
// printed, and whether it was rounded (see preciseDigits). Anything that is
// not a decimal number with a fraction or an exponent — an integer, a
// string — is returned unchanged.
func Precise(s string) (string, bool) {
	if !strings.ContainsAny(s, ".eE") || significantDigits(s) <= preciseDigits {
		return s, false
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsInf(v, 0) || math.IsNaN(v) {
		return s, false
	}
	// Binary floating-point noise on a short decimal (112.41600000000001
	// for 112.416): the decimal the system meant, read back at 12
	// significant digits, is the source's value, not a rounding of it.
	if meant := strconv.FormatFloat(v, 'g', 12, 64); !strings.ContainsAny(meant, "eE") {
		if p, _ := strconv.ParseFloat(meant, 64); significantDigits(meant) <= preciseDigits && math.Abs(p-v) <= math.Abs(v)*1e-13 {
			return meant, false
		}
	}
	if v == 0 {
		return "0", true
	}
	// The exponent of the leading digit: 176.0 → 2, 0.00012 → -4.
	e := int(math.Floor(math.Log10(math.Abs(v))))
	decimals := max(0, roundDigits-1-e)
	out := strconv.FormatFloat(v, 'f', decimals, 64)
	// Rounding may carry into a new leading digit (99.996 → "100.00"):
	// keep roundDigits significant digits.
	if significantDigits(out) > roundDigits && decimals > 0 && strings.Contains(out, ".") {
		out = strconv.FormatFloat(v, 'f', decimals-1, 64)
	}
	return out, true
}

// significantDigits counts the significant digits of a decimal text: the
// digits of its mantissa from the first that is not zero.
func significantDigits(s string) int {
	if i := strings.IndexAny(s, "eE"); i >= 0 {
		s = s[:i]
	}
	n, started := 0, false
	for _, c := range s {
		if c < '0' || c > '9' {
			continue
		}
		if c != '0' {
			started = true
		}
		if started {
			n++
		}
	}
	return n
}
