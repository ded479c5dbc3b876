// Package ccda reads HL7 C-CDA R2.1 documents into charts: the patient
// from the header's recordTarget, and one chart item per entry of every
// section (problems, medications, results, procedures, encounters, social
// history, allergies, immunizations, vital signs, plan of care, and any
// other), with its codes mapped from OIDs to the URIs the labeler knows,
// its dates, status, section and the narrative the entry points at. A
// section with no entries becomes one note item with its narrative.
//
// Each item is handed on as a FHIR R4 resource the package writes from
// the entry (a Condition, a MedicationRequest, an Observation ...), so
// that the labeler, the decision engine, the packet and the FHIR export
// read a C-CDA item exactly as they read an imported FHIR one. The
// original document is kept byte for byte beside them (Result.Original,
// under Result.DocumentKey); every item's key names it (DocumentOf).
//
// The package is pure: no I/O, no clock. It reads with encoding/xml,
// matches elements by namespace, refuses DTDs and caps what it reads.
package ccda

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"

	"github.com/custodian-roi/custodian/internal/fhir"
	"github.com/custodian-roi/custodian/internal/roi"
)

// Error says what is wrong with a document, never what it holds.
type Error struct {
	Reason string
}

func (e *Error) Error() string { return "C-CDA: " + e.Reason }

// Options configure a parse.
type Options struct {
	// MRNSystem is the identifier whose extension is the MRN: an OID (the
	// id's root), with or without "urn:oid:". Empty: the first
	// recordTarget id that is not a Social Security number.
	MRNSystem string
}

// Result is one document read.
type Result struct {
	// Chart is the patient and the items, as the FHIR import hands them
	// to the desk (fhir.Chart): Details[i].Raw is the FHIR resource
	// written for Items[i], FoldedRaw the results folded into an
	// organizer's item.
	Chart fhir.Chart
	// DocumentKey is "ClinicalDocument/ccda-<hash>", the key the original
	// is stored under; Original is the document byte for byte.
	DocumentKey string
	Original    []byte
	// Title and Code are the document's title and LOINC type code.
	Title, Code string
	// Sections counts, per section (nested ones too, in document order),
	// the entries read and the items made.
	Sections []SectionCount
	// Folded counts observations folded into an organizer's item (a
	// panel's results); Undated and Partial count items kept without a
	// day (see roi.ChartItem).
	Folded, Undated, Partial int
	// Unstructured is true for a document whose body is a nonXMLBody: it
	// is one document item.
	Unstructured bool
}

// SectionCount is what one section gave.
type SectionCount struct {
	Code    string `json:"code"`    // the section's LOINC code, "" when it has none
	Kind    string `json:"kind"`    // problems, medications, results ... or "other"
	Entries int    `json:"entries"` // its entry elements
	Items   int    `json:"items"`   // items made: one per entry with a statement, or one note
	// Empty entries are entry elements with no clinical statement in
	// them: nothing to keep.
	Empty int `json:"empty_entries"`
	// Note is true when the section had no entries and its narrative
	// became one note item.
	Note bool `json:"note"`
}

// IsCCDA reports whether head (the start of a file) looks like a CDA
// document: an XML ClinicalDocument in the HL7 v3 namespace. Parse still
// checks the C-CDA templateId.
func IsCCDA(head []byte) bool {
	h := bytes.TrimLeft(head, "\xef\xbb\xbf \t\r\n")
	if len(h) == 0 || h[0] != '<' {
		return false
	}
	return bytes.Contains(head, []byte("ClinicalDocument")) && bytes.Contains(head, []byte(nsV3))
}

// DocumentOf returns the key of the document an item key (or a folded
// result's key) came from: "Condition/ccda-ab12-3" → "ClinicalDocument/ccda-ab12".
func DocumentOf(key string) (string, bool) {
	_, id, ok := strings.Cut(key, "/")
	if !ok || !strings.HasPrefix(id, "ccda-") {
		return "", false
	}
	parts := strings.Split(id[len("ccda-"):], "-")
	if len(parts) < 2 || len(parts[0]) != hashLen {
		return "", false
	}
	return "ClinicalDocument/ccda-" + parts[0], true
}

const hashLen = 12

// Parse reads one C-CDA document.
func Parse(data []byte, opt Options) (*Result, error) {
	root, err := parseTree(data)
	if err != nil {
		return nil, err
	}
	if !root.is("ClinicalDocument") {
		return nil, &Error{Reason: "not a CDA document: the root element is not an HL7 v3 ClinicalDocument (namespace " + nsV3 + ")"}
	}
	if !ccdaTemplate(root) {
		return nil, &Error{Reason: "not a C-CDA document: the ClinicalDocument carries neither the US Realm Header templateId (" + usRealmHeader + ") nor a C-CDA document templateId (" + docTemplatePrefix + "*)"}
	}
	p := &parser{root: root, opt: opt}
	p.res = &Result{Original: data}
	p.docHash = docHash(data)
	p.res.DocumentKey = "ClinicalDocument/ccda-" + p.docHash
	p.res.Title = root.child("title").plain()
	p.res.Code = root.child("code").attr("code")
	if err := p.patient(); err != nil {
		return nil, err
	}
	p.header()
	body := root.path("component")
	if nx := body.child("nonXMLBody"); nx != nil {
		p.res.Unstructured = true
		p.nonXML(nx)
	}
	for _, comp := range body.path("structuredBody").children("component") {
		p.section(comp.child("section"))
	}
	return p.res, nil
}

// ccdaTemplate reports whether the document says it is a C-CDA: the US
// Realm Header, or one of the C-CDA document types (a CCD, a Care Plan
// ... each 2.16.840.1.113883.10.20.22.1.n), which some senders give
// without the header's.
func ccdaTemplate(root *node) bool {
	for _, t := range root.templateIDs() {
		if strings.HasPrefix(t, docTemplatePrefix) {
			return true
		}
	}
	return false
}

// docHash names the document by the hash of its bytes, so that
// importing it again updates its items rather than adding them twice.
// Not by its id: documents are replaced by new ones with new ids, and
// the HL7 examples share one id among several documents.
func docHash(data []byte) string {
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:])[:hashLen]
}

type parser struct {
	root    *node
	opt     Options
	res     *Result
	docHash string
	n       int // items made so far
	patRef  string
	// org and source name the producing organization: org for Part 2
	// program configuration (the NPI when given, else the name), source
	// as the packet prints it.
	org, source string
	// security are the header's security labels (confidentiality and
	// DS4P codes), put on every item.
	security []coding
	docDate  roi.Date
}

// patient reads recordTarget/patientRole.
func (p *parser) patient() error {
	role := p.root.path("recordTarget", "patientRole")
	if role == nil {
		return &Error{Reason: "the document has no recordTarget/patientRole: no patient to import it to"}
	}
	pat := role.child("patient")
	rec := roi.PatientRecord{}
	var idents []any
	var mrnID, firstID *node
	want := strings.TrimPrefix(strings.TrimSpace(p.opt.MRNSystem), "urn:oid:")
	for _, id := range role.children("id") {
		if id.null() || id.attr("root") == "" {
			continue
		}
		ident := map[string]any{"system": "urn:oid:" + id.attr("root")}
		if ext := id.attr("extension"); ext != "" {
			ident["value"] = ext
		}
		idents = append(idents, ident)
		if firstID == nil {
			firstID = id
		}
		switch {
		case mrnID != nil:
		case want != "" && id.attr("root") == want:
			mrnID = id
		case want == "" && id.attr("root") != ssnOID && id.attr("extension") != "":
			mrnID = id
		}
	}
	if mrnID != nil {
		rec.MRN = strings.TrimSpace(mrnID.attr("extension"))
		if len(rec.MRN) > fhir.MaxMRNBytes {
			return &Error{Reason: fmt.Sprintf("the patient's identifier is longer than an import takes (at most %d bytes)", fhir.MaxMRNBytes)}
		}
	}
	if firstID != nil {
		// The patient's id at the desk: a hash of the MRN's identifier
		// (or of the first one, a Social Security number when that is all
		// the document gives), so that every document of theirs finds
		// them again, and no identifier is spelled in it.
		if mrnID != nil {
			firstID = mrnID
		}
		sum := sha256.Sum256([]byte(firstID.attr("root") + "^" + firstID.attr("extension")))
		rec.FHIRID = "ccda-" + hex.EncodeToString(sum[:])[:16]
	} else {
		// No identifier: the patient is the document's own, matched again
		// only by importing the same document.
		rec.FHIRID = "ccda-doc-" + p.docHash
	}
	nameNode := pat.child("name")
	for _, n := range pat.children("name") {
		if n.attr("use") == "L" {
			nameNode = n
			break
		}
	}
	var given []string
	for _, g := range nameNode.children("given") {
		if s := g.plain(); s != "" {
			given = append(given, s)
		}
	}
	family := nameNode.child("family").plain()
	name := strings.TrimSpace(strings.Join(append(append([]string{}, given...), family), " "))
	if name == "" && nameNode != nil && !nameNode.null() && len(nameNode.kids) > 0 && len(given) == 0 {
		name = nameNode.plain() // an unparsed name: <name>Jane Doe</name>
	}
	if len(name) > fhir.MaxNameBytes {
		return &Error{Reason: fmt.Sprintf("the patient's name is longer than an import takes (at most %d bytes)", fhir.MaxNameBytes)}
	}
	rec.Name = name
	bt := pat.child("birthTime")
	if !bt.null() {
		if d, until, _ := parseTS(bt.attr("value")); d.Known() && !until.Known() {
			rec.BirthDate = d
		}
	}
	if dt := pat.path("deceasedTime"); !dt.null() {
		if d, until, _ := parseTS(dt.attr("value")); d.Known() && !until.Known() {
			rec.DeathDate = d
		}
	}
	p.res.Chart.Patient = rec
	p.patRef = "Patient/" + rec.FHIRID
	pr := map[string]any{"resourceType": "Patient", "id": rec.FHIRID}
	if len(idents) > 0 {
		pr["identifier"] = idents
	}
	if name != "" {
		hn := map[string]any{"text": name}
		if family != "" {
			hn["family"] = family
		}
		if len(given) > 0 {
			hn["given"] = given
		}
		pr["name"] = []any{hn}
	}
	if g := genders[pat.child("administrativeGenderCode").attr("code")]; g != "" {
		pr["gender"] = g
	}
	if rec.BirthDate.Known() {
		pr["birthDate"] = rec.BirthDate.String()
	}
	if rec.DeathDate.Known() {
		pr["deceasedDateTime"] = rec.DeathDate.String()
	}
	p.res.Chart.PatientRaw = mustJSON(pr)
	return nil
}

var genders = map[string]string{"M": "male", "F": "female", "UN": "other", "UNK": "unknown"}

// header reads what applies to every item: the producing organization,
// the document's date and its security labels.
func (p *parser) header() {
	org := p.root.path("custodian", "assignedCustodian", "representedCustodianOrganization")
	if org == nil {
		org = p.root.path("author", "assignedAuthor", "representedOrganization")
	}
	p.source = org.child("name").plain()
	p.org = p.source
	for _, id := range org.children("id") {
		if id.attr("root") == "2.16.840.1.113883.4.6" && id.attr("extension") != "" {
			p.org = id.attr("extension") // the NPI, as the FHIR import gives it
		}
	}
	if d, until, _ := parseTS(p.root.child("effectiveTime").attr("value")); !until.Known() {
		p.docDate = d
	}
	if c := p.root.child("confidentialityCode"); !c.null() && c.attr("code") != "" {
		p.security = append(p.security, coding{System: confidentialityURI, Code: c.attr("code"), Display: c.attr("displayName")})
	}
	// DS4P codes anywhere in the header (outside the body), and in a
	// privacy markings section, label the whole document.
	for _, k := range p.root.kids {
		if k.is("component") {
			continue
		}
		p.security = append(p.security, securityCodes(k)...)
	}
	for _, comp := range p.root.path("component", "structuredBody").children("component") {
		s := comp.child("section")
		if privacySection(s) {
			p.security = append(p.security, securityCodes(s)...)
		}
	}
	p.security = dedupe(p.security)
}

// privacySection reports whether s is a DS4P privacy markings section,
// whose codes are about the whole document.
func privacySection(s *node) bool {
	if s.child("code").attr("code") == privacyMarkingsLOINC {
		return true
	}
	for _, t := range s.templateIDs() {
		if strings.HasPrefix(t, ds4pTemplatePrefix) {
			return true
		}
	}
	return false
}

// ds4pCodes are the v3 ActCode codes DS4P labels records with: the
// sensitivities, the privacy laws and the obligations that go with them.
// Other ActCode codes a document carries (a service event's PCPR, a
// consent's type) say nothing of the record's sensitivity and are not
// labels.
var ds4pCodes = map[string]bool{
	"ETH": true, "ETHUD": true, "ALC": true, "ALCUD": true, "DRG": true, "DRGIS": true, "OPIOIDUD": true, "SUD": true,
	"HIV": true, "PSY": true, "PSYTHPN": true, "BH": true, "MH": true, "SDV": true, "SEX": true, "STD": true, "GDIS": true,
	"SCA": true, "SICKLE": true, "TBOO": true, "COMPT": true, "HRCOMPT": true,
	"42CFRPart2": true, "CFR42Part2": true, "HIPAANOPP": true, "HIPAAAuth": true,
	"NORDSCLCD": true, "NORDSCLCDS": true, "NORDSCLW": true, "NOREUSE": true, "DELAU": true, "NOAUTH": true,
}

// securityCodes are the DS4P codes (v3 ActCode: ETH, HIV, PSY,
// 42CFRPart2 ...) under n.
func securityCodes(n *node) []coding {
	var out []coding
	n.walk(func(x *node) bool {
		if x.space != nsV3 || x.attr("code") == "" || x.attr("nullFlavor") != "" {
			return true
		}
		switch sys := SystemURI(x.attr("codeSystem")); {
		case sys == confidentialityURI, sys == actCodeURI && ds4pCodes[x.attr("code")]:
			out = append(out, coding{System: sys, Code: x.attr("code"), Display: x.attr("displayName")})
		}
		return true
	})
	return out
}

// nonXML makes the one item of an unstructured document: its content
// as the document carries it (a PDF, an image, text), as a document.
func (p *parser) nonXML(nx *node) {
	t := nx.child("text")
	ct := t.attr("mediaType")
	if ct == "" {
		ct = "text/plain"
	}
	att := map[string]any{"contentType": ct, "title": p.res.Title}
	if t.attr("representation") == "B64" {
		att["data"] = strings.Join(strings.Fields(t.plain()), "")
	} else if ref := t.child("reference"); ref != nil {
		att["url"] = ref.attr("value")
	} else {
		att["data"] = b64(t.plain())
	}
	code := concept(p.root.child("code"), nil)
	it := p.newItem("DocumentReference", nil)
	res := p.base(it, nil)
	res["status"] = "current"
	setConcept(res, "type", code, false)
	res["content"] = []any{map[string]any{"attachment": att}}
	p.datedPeriod(it, res, nil, p.docDate, roi.NoDate, "ClinicalDocument.effectiveTime", "context.period")
	it.det.DocType = conceptCodings(p.root.child("code"))
	it.item.Title = firstNonEmpty(p.res.Title, "Document")
	p.finish(it, res)
	p.res.Sections = append(p.res.Sections, SectionCount{Code: p.res.Code, Kind: "unstructured", Items: 1})
}

// Narrative is a document as a person reads it: its title, date, source
// and every section's title and narrative, in order (nested sections
// after their parent).
type Narrative struct {
	Title    string
	Date     roi.Date
	Source   string
	Sections []NarrativeSection
}

// NarrativeSection is one section's title and its narrative as plain
// text (narrativeText).
type NarrativeSection struct {
	Title string
	Text  string
}

// ReadNarrative reads the narrative of a document Parse accepts.
func ReadNarrative(data []byte) (*Narrative, error) {
	root, err := parseTree(data)
	if err != nil {
		return nil, err
	}
	if !root.is("ClinicalDocument") {
		return nil, &Error{Reason: "not a CDA document: the root element is not an HL7 v3 ClinicalDocument"}
	}
	p := &parser{root: root}
	p.res = &Result{}
	p.header()
	out := &Narrative{Title: root.child("title").plain(), Date: p.docDate, Source: p.source}
	body := root.child("component")
	if t := body.path("nonXMLBody", "text"); t != nil {
		s := NarrativeSection{Title: "Document content"}
		mt := t.attr("mediaType")
		if (mt == "" || strings.HasPrefix(mt, "text/plain")) && t.attr("representation") != "B64" {
			s.Text = narrativeText(t)
		} else {
			s.Text = "The document's content is " + firstNonEmpty(mt, "not text") + "; it is not reproduced here."
		}
		out.Sections = append(out.Sections, s)
	}
	var rec func(s *node)
	rec = func(s *node) {
		if s == nil {
			return
		}
		out.Sections = append(out.Sections, NarrativeSection{Title: firstNonEmpty(s.child("title").plain(), "Section"), Text: narrativeText(s.child("text"))})
		for _, c := range s.children("component") {
			rec(c.child("section"))
		}
	}
	for _, c := range body.path("structuredBody").children("component") {
		rec(c.child("section"))
	}
	return out, nil
}
