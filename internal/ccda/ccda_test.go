package ccda

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"errors"

	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/custodian-roi/custodian/internal/roi"
)

// examplesDir holds the HL7 C-CDA examples (../shared/data/ccda beside
// the checkout).
const examplesDir = "../../../shared/data/ccda"

func examples(t *testing.T) []string {
	t.Helper()
	files, _ := filepath.Glob(filepath.Join(examplesDir, "*.xml"))
	if len(files) == 0 {
		if os.Getenv("CI") == "true" {
			t.Fatalf("no HL7 C-CDA examples in %s (CI=true: they must be there)", examplesDir)
		}
		t.Skipf("no HL7 C-CDA examples in %s", examplesDir)
	}
	return files
}

// The test's own reading of a document's sections, with encoding/xml's
// struct decoding rather than the package's tree: what each section
// should give.
type xComp struct {
	Section *xSection `xml:"section"`
}

type xSection struct {
	Code struct {
		Code string `xml:"code,attr"`
	} `xml:"code"`
	Text *struct {
		Inner []byte `xml:",innerxml"`
	} `xml:"text"`
	Entries []struct {
		Inner []byte `xml:",innerxml"`
		Kids  []struct {
			XMLName xml.Name
		} `xml:",any"`
	} `xml:"entry"`
	Subs []xComp `xml:"component"`
}

type xDoc struct {
	Comps []xComp `xml:"component>structuredBody>component"`
}

type wantSection struct {
	code           string
	entries, items int
	codes          [][]string // per entry with a statement: "system|code" of every coded element
}

// oidURI is the test's own table of the code systems the labeler reads.
var oidURI = map[string]string{
	"2.16.840.1.113883.6.96": "http://snomed.info/sct", "2.16.840.1.113883.6.1": "http://loinc.org",
	"2.16.840.1.113883.6.88": "http://www.nlm.nih.gov/research/umls/rxnorm", "2.16.840.1.113883.6.90": "http://hl7.org/fhir/sid/icd-10-cm",
	"2.16.840.1.113883.6.12": "http://www.ama-assn.org/go/cpt", "2.16.840.1.113883.12.292": "http://hl7.org/fhir/sid/cvx",
}

// codedElements lists "system|code" for every element of an entry's XML
// with a code and a codeSystem and no nullFlavor; systems the test does
// not know are left as "?" (only the code is compared).
func codedElements(inner []byte) []string {
	d := xml.NewDecoder(bytes.NewReader(inner))
	var out []string
	for {
		tok, err := d.Token()
		if err != nil {
			break
		}
		se, ok := tok.(xml.StartElement)
		if !ok {
			continue
		}
		var code, sys, null string
		for _, a := range se.Attr {
			switch a.Name.Local {
			case "code":
				code = a.Value
			case "codeSystem":
				sys = a.Value
			case "nullFlavor":
				null = a.Value
			}
		}
		if code == "" || sys == "" || null != "" {
			continue
		}
		u := oidURI[sys]
		if u == "" {
			u = "?"
		}
		out = append(out, u+"|"+strings.TrimSpace(code))
	}
	return out
}

func hasText(inner []byte) bool {
	d := xml.NewDecoder(bytes.NewReader(inner))
	for {
		tok, err := d.Token()
		if err != nil {
			return false
		}
		if cd, ok := tok.(xml.CharData); ok && len(bytes.TrimSpace(cd)) > 0 {
			return true
		}
	}
}

func flatten(comps []xComp, out *[]wantSection) {
	for _, c := range comps {
		s := c.Section
		if s == nil {
			continue
		}
		w := wantSection{code: s.Code.Code, entries: len(s.Entries)}
		privacy := s.Code.Code == "57017-6"
		for _, e := range s.Entries {
			stmt := false
			for _, k := range e.Kids {
				switch k.XMLName.Local {
				case "templateId", "typeId", "realmCode":
				default:
					stmt = true
				}
			}
			if stmt && !privacy {
				w.items++
				w.codes = append(w.codes, codedElements(e.Inner))
			}
		}
		if w.items == 0 && !privacy && s.Text != nil && hasText(s.Text.Inner) {
			w.items = 1
		}
		*out = append(*out, w)
		flatten(s.Subs, out)
	}
}

// Every HL7 example imports; each section gives one item per entry (a
// note when it has none), counted here apart from the parser; every
// coded element of an entry is among its item's codes; every item is a
// FHIR resource bound to the document and the patient; undated items are
// kept and counted.
func TestHL7Examples(t *testing.T) {
	for _, file := range examples(t) {
		t.Run(filepath.Base(file), func(t *testing.T) {
			data, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			r, err := Parse(data, Options{})
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(r.Original, data) {
				t.Error("the original is not kept byte for byte")
			}
			var doc xDoc
			if err := xml.Unmarshal(data, &doc); err != nil {
				t.Fatal(err)
			}
			var want []wantSection
			flatten(doc.Comps, &want)
			if len(want) != len(r.Sections) {
				t.Fatalf("%d sections read, the XML has %d", len(r.Sections), len(want))
			}
			total, entryItems := 0, 0
			for i, w := range want {
				got := r.Sections[i]
				if got.Code != w.code || got.Entries != w.entries || got.Items != w.items {
					t.Errorf("section %d (%s): read %+v, the XML has %d entries giving %d items", i, w.code, got, w.entries, w.items)
				}
				total += w.items
				entryItems += len(w.codes)
			}
			if total == 0 || len(r.Chart.Items) != total || len(r.Chart.Details) != total {
				t.Fatalf("%d items (%d details), the XML gives %d", len(r.Chart.Items), len(r.Chart.Details), total)
			}
			// Items come in document order: match each entry's codes to its item.
			k := 0
			for _, w := range want {
				if len(w.codes) == 0 {
					k += w.items
					continue
				}
				for _, codes := range w.codes {
					det := r.Chart.Details[k]
					have := map[string]bool{}
					for _, c := range det.Codes {
						have[c.System+"|"+c.Code] = true
						have["?|"+c.Code] = true
					}
					for _, c := range codes {
						if !have[c] {
							t.Errorf("item %s lacks the entry's code %s", r.Chart.Items[k].Key, c)
						}
					}
					k++
				}
			}
			undated := 0
			for i, it := range r.Chart.Items {
				doc, ok := DocumentOf(it.Key)
				if !ok || doc != r.DocumentKey {
					t.Errorf("item %s is not bound to %s", it.Key, r.DocumentKey)
				}
				var res struct {
					ResourceType, ID string
					Subject, Patient struct{ Reference string }
				}
				if err := json.Unmarshal(r.Chart.Details[i].Raw, &res); err != nil || hasNull(r.Chart.Details[i].Raw) {
					t.Fatalf("item %s: %v, or a null in %s", it.Key, err, r.Chart.Details[i].Raw)
				}
				if res.ResourceType+"/"+res.ID != it.Key {
					t.Errorf("item %s is written as %s/%s", it.Key, res.ResourceType, res.ID)
				}
				if ref := res.Subject.Reference + res.Patient.Reference; ref != "Patient/"+r.Chart.Patient.FHIRID {
					t.Errorf("item %s names patient %q", it.Key, ref)
				}
				if it.Title == "" || it.Type == "" {
					t.Errorf("item %s has no title or type", it.Key)
				}
				if !it.Date.Known() && !it.Until.Known() {
					undated++
					if it.DateField != "" {
						t.Errorf("undated item %s says its date came from %q", it.Key, it.DateField)
					}
				} else if it.DateField == "" {
					t.Errorf("dated item %s does not say where its date came from", it.Key)
				}
				for _, f := range r.Chart.Details[i].Resources[1:] {
					if !json.Valid(r.Chart.FoldedRaw[f]) {
						t.Errorf("folded %s of %s is not stored", f, it.Key)
					}
				}
			}
			if undated != r.Undated {
				t.Errorf("%d items undated, counted %d", undated, r.Undated)
			}
			if r.Chart.Patient.Name == "" || !r.Chart.Patient.BirthDate.Known() || r.Chart.Patient.FHIRID == "" {
				t.Errorf("patient %+v", r.Chart.Patient)
			}
			if n, err := ReadNarrative(data); err != nil || len(n.Sections) != len(want) {
				t.Errorf("narrative: %v, %d sections", err, len(n.Sections))
			}
		})
	}
}

func TestPatientAndMRN(t *testing.T) {
	data := must(os.ReadFile("testdata/sensitive.xml"))
	r := must(Parse(data, Options{}))
	p := r.Chart.Patient
	if p.Name != "Robin Q Testperson" || p.MRN != "SENS-0001" || p.BirthDate != roi.MakeDate(1980, 6, 15) {
		t.Errorf("patient %+v", p)
	}
	var pat struct {
		Gender     string
		BirthDate  string
		Identifier []struct{ System, Value string }
	}
	if err := json.Unmarshal(r.Chart.PatientRaw, &pat); err != nil || pat.Gender != "female" || pat.BirthDate != "1980-06-15" ||
		len(pat.Identifier) != 1 || pat.Identifier[0].System != "urn:oid:2.16.840.1.113883.19.5.99999.2" {
		t.Errorf("patient resource %s (%v)", r.Chart.PatientRaw, err)
	}
	// The Part 2 program's document names the same person by the same
	// identifier: the same patient id, so the desk matches them.
	r2 := must(Parse(must(os.ReadFile("testdata/part2.xml")), Options{}))
	if r2.Chart.Patient.FHIRID != p.FHIRID {
		t.Errorf("the same identifier gave %s and %s", p.FHIRID, r2.Chart.Patient.FHIRID)
	}
	// --mrn-system picks another identifier: none here matches, so no MRN.
	r3 := must(Parse(data, Options{MRNSystem: "urn:oid:1.2.3"}))
	if r3.Chart.Patient.MRN != "" {
		t.Errorf("MRN %q from an identifier of another system", r3.Chart.Patient.MRN)
	}
}

// An entry's narrative is its own row, never a row another entry points
// into, and the codes reach the item whatever the nullFlavors.
func TestNarrativeAndCodes(t *testing.T) {
	r := must(Parse(must(os.ReadFile("testdata/sensitive.xml")), Options{}))
	byKey := map[string]int{}
	for i, it := range r.Chart.Items {
		byKey[it.Type+":"+it.Title] = i
	}
	hiv, ok := byKey["problem:Human immunodeficiency virus disease"]
	if !ok {
		t.Fatalf("no HIV problem among %v", byKey)
	}
	raw := string(r.Chart.Details[hiv].Raw)
	if !strings.Contains(raw, "March 3, 2025") || strings.Contains(raw, "Opioid") {
		t.Errorf("the HIV problem's narrative: %s", raw)
	}
	oud := byKey["problem:Opioid use disorder, moderate"]
	codes := r.Chart.Details[oud].Codes
	if !slices.ContainsFunc(codes, func(c coding) bool { return c.System == "http://hl7.org/fhir/sid/icd-10-cm" && c.Code == "F11.20" }) {
		t.Errorf("the translation under a nullFlavor value is lost: %v", codes)
	}
	if it := r.Chart.Items[oud]; it.Date != roi.MakeDate(2025, 4, 10) || it.DateField != "entryRelationship.observation.effectiveTime.low" {
		t.Errorf("a concern with a null low takes its problem's date: %+v", it)
	}
	med := byKey["medication:Buprenorphine 8 MG / Naloxone 2 MG sublingual film"]
	if it := r.Chart.Items[med]; it.Date != roi.MakeDate(2025, 4, 12) {
		t.Errorf("the medication's date, not its frequency: %+v", it)
	}
	// The allergies section is nullFlavor NI with a sentence: a note, kept.
	if last := r.Sections[len(r.Sections)-1]; !last.Note || last.Items != 1 {
		t.Errorf("the narrative-only section: %+v", last)
	}
}

// A document with nullFlavor wherever one may stand still imports:
// nothing panics, its entries are kept, undated.
func TestNullFlavorEverywhere(t *testing.T) {
	doc := `<ClinicalDocument xmlns="urn:hl7-org:v3" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<templateId root="2.16.840.1.113883.10.20.22.1.1"/><id nullFlavor="NI"/><code nullFlavor="NI"/><title nullFlavor="NI"/>
<effectiveTime nullFlavor="NI"/><confidentialityCode nullFlavor="NI"/>
<recordTarget><patientRole><id nullFlavor="NI"/><patient><name nullFlavor="NI"/><administrativeGenderCode nullFlavor="NI"/><birthTime nullFlavor="NI"/></patient></patientRole></recordTarget>
<custodian nullFlavor="NI"/>
<component><structuredBody>
<component><section nullFlavor="NI"><code nullFlavor="NI"/><title nullFlavor="NI"/><text nullFlavor="NI"/>
<entry><observation nullFlavor="NI"><code nullFlavor="NI"/><effectiveTime nullFlavor="NI"><low nullFlavor="NI"/></effectiveTime><value xsi:type="CD" nullFlavor="NI"/></observation></entry>
<entry><act><code nullFlavor="UNK"><translation nullFlavor="UNK"/></code><effectiveTime value="nonsense"/><entryRelationship><observation><value xsi:type="PQ" value="NaN" unit="mg"/></observation></entryRelationship></act></entry>
<entry nullFlavor="NI"/>
<entry><organizer><code nullFlavor="NI"/><component nullFlavor="NI"/><component><observation><code nullFlavor="NI"/><value xsi:type="PQ" value="1e999"/></observation></component></organizer></entry>
</section></component>
<component><section><code code="99999-9" codeSystem="2.16.840.1.113883.6.1"/><title>Something new</title><text><paragraph>Free text</paragraph></text></section></component>
<component nullFlavor="NI"/>
</structuredBody></component></ClinicalDocument>`
	r, err := Parse([]byte(doc), Options{})
	if err != nil {
		t.Fatal(err)
	}
	// All four undated: the note's date would be the document's, null.
	if len(r.Chart.Items) != 4 || r.Undated != 4 {
		t.Fatalf("%d items, %d undated; sections %+v", len(r.Chart.Items), r.Undated, r.Sections)
	}
	if r.Sections[0].Empty != 1 || r.Sections[0].Entries != 4 || r.Sections[1].Kind != "other" || !r.Sections[1].Note {
		t.Errorf("sections %+v", r.Sections)
	}
	for i, d := range r.Chart.Details {
		if !json.Valid(d.Raw) || hasNull(d.Raw) {
			t.Errorf("item %d is not JSON or holds a null: %s", i, d.Raw)
		}
	}
	if r.Chart.Patient.FHIRID == "" || r.Chart.Patient.Name != "" || r.Chart.Patient.BirthDate.Known() {
		t.Errorf("patient %+v", r.Chart.Patient)
	}
}

// Bad input is refused with the reason, never with the content.
func TestRefusals(t *testing.T) {
	const secret = "Zebediah-Secret-Name"
	good := string(must(os.ReadFile("testdata/part2.xml")))
	cases := []struct {
		name, doc, want string
	}{
		{"doctype", `<?xml version="1.0"?><!DOCTYPE ClinicalDocument [<!ENTITY x "` + secret + `">]><ClinicalDocument xmlns="urn:hl7-org:v3">&x;</ClinicalDocument>`, "DOCTYPE"},
		{"external entity", `<!DOCTYPE d SYSTEM "http://example.org/` + secret + `.dtd"><d/>`, "DOCTYPE"},
		{"undeclared entity", `<ClinicalDocument xmlns="urn:hl7-org:v3">&` + secret + `;</ClinicalDocument>`, "not well-formed"},
		{"broken", `<ClinicalDocument xmlns="urn:hl7-org:v3"><title>` + secret + `</ClinicalDocument>`, "not well-formed"},
		{"not cda", `<Bundle xmlns="http://hl7.org/fhir"><id value="` + secret + `"/></Bundle>`, "not a CDA document"},
		{"no namespace", `<ClinicalDocument><title>` + secret + `</title></ClinicalDocument>`, "not a CDA document"},
		{"not c-cda", `<ClinicalDocument xmlns="urn:hl7-org:v3"><templateId root="1.2.3"/><title>` + secret + `</title></ClinicalDocument>`, "not a C-CDA document"},
		{"no patient", `<ClinicalDocument xmlns="urn:hl7-org:v3"><templateId root="2.16.840.1.113883.10.20.22.1.1"/><title>` + secret + `</title></ClinicalDocument>`, "recordTarget"},
		{"long name", strings.Replace(good, "<given>Robin</given>", "<given>"+strings.Repeat(secret, 100)+"</given>", 1), "name is longer"},
		{"two roots", `<a/><b>` + secret + `</b>`, "more than one root"},
		{"empty", ``, "no XML element"},
		{"charset", `<?xml version="1.0" encoding="ISO-8859-1"?><ClinicalDocument xmlns="urn:hl7-org:v3">` + secret + `</ClinicalDocument>`, "not well-formed"},
	}
	for _, c := range cases {
		_, err := Parse([]byte(c.doc), Options{})
		var ce *Error
		if !errors.As(err, &ce) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want an error saying %q", c.name, err, c.want)
			continue
		}
		if strings.Contains(err.Error(), secret) || strings.Contains(err.Error(), "Zebediah") {
			t.Errorf("%s: the error echoes the content: %v", c.name, err)
		}
	}
	// And the good one reads: the cases fail for what they say.
	if _, err := Parse([]byte(good), Options{}); err != nil {
		t.Fatal(err)
	}
}

func TestCaps(t *testing.T) {
	good := must(os.ReadFile("testdata/part2.xml"))
	defer func(b int64, d, e int) { MaxDocumentBytes, MaxDepth, MaxElements = b, d, e }(MaxDocumentBytes, MaxDepth, MaxElements)
	MaxDocumentBytes = int64(len(good) - 1)
	if _, err := Parse(good, Options{}); err == nil || !strings.Contains(err.Error(), "larger than an import takes") {
		t.Errorf("size cap: %v", err)
	}
	MaxDocumentBytes = int64(len(good))
	if _, err := Parse(good, Options{}); err != nil {
		t.Errorf("at the size cap: %v", err)
	}
	MaxDepth = 5
	if _, err := Parse(good, Options{}); err == nil || !strings.Contains(err.Error(), "nested deeper") {
		t.Errorf("depth cap: %v", err)
	}
	MaxDepth, MaxElements = 256, 10
	if _, err := Parse(good, Options{}); err == nil || !strings.Contains(err.Error(), "more elements") {
		t.Errorf("element cap: %v", err)
	}
}

func TestParseTS(t *testing.T) {
	cases := []struct {
		in          string
		from, until roi.Date
		str         string
	}{
		{"20250303", roi.MakeDate(2025, 3, 3), roi.NoDate, "2025-03-03"},
		{"20250303101500-0500", roi.MakeDate(2025, 3, 3), roi.NoDate, "2025-03-03"},
		{"202502", roi.MakeDate(2025, 2, 1), roi.MakeDate(2025, 2, 28), "2025-02"},
		{"202412", roi.MakeDate(2024, 12, 1), roi.MakeDate(2024, 12, 31), "2024-12"},
		{"2024", roi.MakeDate(2024, 1, 1), roi.MakeDate(2024, 12, 31), "2024"},
		{"20250230", roi.NoDate, roi.NoDate, ""},
		{"202513", roi.NoDate, roi.NoDate, ""},
		{"abc", roi.NoDate, roi.NoDate, ""},
		{"", roi.NoDate, roi.NoDate, ""},
	}
	for _, c := range cases {
		f, u, s := parseTS(c.in)
		if f != c.from || u != c.until || s != c.str {
			t.Errorf("parseTS(%q) = %v %v %q, want %v %v %q", c.in, f, u, s, c.from, c.until, c.str)
		}
	}
}

func TestIsCCDAAndDocumentOf(t *testing.T) {
	if !IsCCDA(must(os.ReadFile("testdata/part2.xml"))) || IsCCDA([]byte(`{"resourceType":"Bundle"}`)) || IsCCDA([]byte(`<Bundle xmlns="http://hl7.org/fhir"/>`)) {
		t.Error("IsCCDA")
	}
	if d, ok := DocumentOf("Condition/ccda-0123456789ab-3"); !ok || d != "ClinicalDocument/ccda-0123456789ab" {
		t.Errorf("DocumentOf: %q %v", d, ok)
	}
	if d, ok := DocumentOf("Observation/ccda-0123456789ab-3-1"); !ok || d != "ClinicalDocument/ccda-0123456789ab" {
		t.Errorf("DocumentOf a folded result: %q %v", d, ok)
	}
	for _, k := range []string{"Condition/abc", "Condition/ccda-short-1", "ccda-0123456789ab-1", "Patient/ccda-0123456789abcdef"} {
		if _, ok := DocumentOf(k); ok {
			t.Errorf("DocumentOf(%q) names a document", k)
		}
	}
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

// A wrapper act in a section of its own (an admission or discharge
// diagnosis, a discharge medication, an allergy in a history) is typed by
// what it wraps, with the wrapped code.
func TestWrapperActs(t *testing.T) {
	doc := `<ClinicalDocument xmlns="urn:hl7-org:v3" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<templateId root="2.16.840.1.113883.10.20.22.1.1"/><recordTarget><patientRole><id root="1.2.3" extension="X1"/></patientRole></recordTarget>
<component><structuredBody><component><section><code code="11535-2" codeSystem="2.16.840.1.113883.6.1"/><title>DISCHARGE</title>
<entry><act><code code="11535-2" codeSystem="2.16.840.1.113883.6.1"/><entryRelationship><observation><templateId root="2.16.840.1.113883.10.20.22.4.4"/><code code="282291009" codeSystem="2.16.840.1.113883.6.96"/><value xsi:type="CD" code="74400008" codeSystem="2.16.840.1.113883.6.96" displayName="Appendicitis"/></observation></entryRelationship></act></entry>
<entry><act><code code="75311-1" codeSystem="2.16.840.1.113883.6.1"/><entryRelationship><substanceAdministration><templateId root="2.16.840.1.113883.10.20.22.4.16"/><consumable><manufacturedProduct><manufacturedMaterial><code code="197361" codeSystem="2.16.840.1.113883.6.88" displayName="Amlodipine 5 MG Oral Tablet"/></manufacturedMaterial></manufacturedProduct></consumable></substanceAdministration></entryRelationship></act></entry>
<entry><act><code code="CONC" codeSystem="2.16.840.1.113883.5.6"/><entryRelationship><observation><templateId root="2.16.840.1.113883.10.20.22.4.7"/><participant><participantRole><playingEntity><code code="70618" codeSystem="2.16.840.1.113883.6.88" displayName="Penicillin"/></playingEntity></participantRole></participant></observation></entryRelationship></act></entry>
<entry><act><code code="409073007" codeSystem="2.16.840.1.113883.6.96" displayName="Education"/></act></entry>
</section></component></structuredBody></component></ClinicalDocument>`
	r, err := Parse([]byte(doc), Options{})
	if err != nil {
		t.Fatal(err)
	}
	want := []struct{ typ, title string }{{"problem", "Appendicitis"}, {"medication", "Amlodipine 5 MG Oral Tablet"}, {"allergy", "Penicillin"}, {"procedure", "Education"}}
	if len(r.Chart.Items) != len(want) {
		t.Fatalf("%d items", len(r.Chart.Items))
	}
	for i, w := range want {
		if it := r.Chart.Items[i]; it.Type != w.typ || it.Title != w.title {
			t.Errorf("item %d: %s %q, want %s %q", i, it.Type, it.Title, w.typ, w.title)
		}
	}
}

// The header's and the privacy markings' DS4P codes label every item of
// the document; a security observation's own code (SECCLASSOBS) and other
// ActCode codes are not labels.
func TestSecurityLabels(t *testing.T) {
	data := must(os.ReadFile("testdata/part2.xml"))
	data = bytes.Replace(data, []byte("<component>\n    <structuredBody>"),
		[]byte(`<documentationOf><serviceEvent classCode="PCPR"><code code="PCPR" codeSystem="2.16.840.1.113883.5.4"/></serviceEvent></documentationOf>
  <component>
    <structuredBody>`), 1)
	if !bytes.Contains(data, []byte("PCPR")) {
		t.Fatal("the service event was not put in")
	}
	r := must(Parse(data, Options{}))
	if len(r.Chart.Items) != 2 {
		t.Fatalf("%d items", len(r.Chart.Items))
	}
	for i, d := range r.Chart.Details {
		var res struct {
			Meta struct {
				Security []struct{ System, Code string }
			}
		}
		if err := json.Unmarshal(d.Raw, &res); err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, c := range res.Meta.Security {
			got = append(got, c.Code)
		}
		slices.Sort(got)
		if want := []string{"42CFRPart2", "NORDSCLCD", "R"}; !slices.Equal(got, want) {
			t.Errorf("item %s: security %v, want %v", r.Chart.Items[i].Key, got, want)
		}
	}
}
