package workflow

import (
	"encoding/json"
	"html"
	"slices"
	"strings"
	"testing"

	"github.com/custodian-roi/custodian/internal/fhir"
	"github.com/custodian-roi/custodian/internal/letter"
	"github.com/custodian-roi/custodian/internal/roi"
)

// exported is an export read back for tests.
type exported struct {
	ResourceType string
	Type         string
	Meta         struct{ Security []map[string]string }
	Entry        []struct {
		FullURL  string
		Resource map[string]any
	}
}

// readExport parses out and checks what every export must hold, apart
// from the code under test: a collection Bundle, the Patient first and the
// Provenance last, each fullUrl a urn:uuid and once, every reference (but
// a contained "#id") the fullUrl of an entry, and none of withheld's ids
// anywhere in the bytes.
func readExport(t *testing.T, out []byte, withheld ...string) exported {
	t.Helper()
	var b exported
	if err := json.Unmarshal(out, &b); err != nil || b.ResourceType != "Bundle" || b.Type != "collection" {
		t.Fatalf("export: %v %.300s", err, out)
	}
	if len(b.Entry) < 2 || b.Entry[0].Resource["resourceType"] != "Patient" || b.Entry[len(b.Entry)-1].Resource["resourceType"] != "Provenance" {
		t.Fatalf("export holds %d entries; want the Patient first and the Provenance last", len(b.Entry))
	}
	urls := map[string]bool{}
	for _, e := range b.Entry {
		if !strings.HasPrefix(e.FullURL, "urn:uuid:") || len(e.FullURL) != len("urn:uuid:")+36 || urls[e.FullURL] {
			t.Errorf("fullUrl %q", e.FullURL)
		}
		urls[e.FullURL] = true
	}
	n := 0
	var walk func(path string, v any)
	walk = func(path string, v any) {
		switch v := v.(type) {
		case map[string]any:
			for k, c := range v {
				if s, ok := c.(string); ok && k == "reference" {
					n++
					if !strings.HasPrefix(s, "#") && !urls[s] {
						t.Errorf("%s.reference %q resolves to no entry", path, s)
					}
				}
				walk(path+"."+k, c)
			}
		case []any:
			for _, c := range v {
				walk(path, c)
			}
		}
	}
	for _, e := range b.Entry {
		walk(e.Resource["resourceType"].(string), e.Resource)
	}
	if n == 0 {
		t.Error("no reference at all: the Provenance alone names every entry")
	}
	for _, key := range withheld {
		_, id, _ := strings.Cut(key, "/")
		if strings.Contains(string(out), id) {
			t.Errorf("the id of withheld %s is in the export", key)
		}
	}
	return b
}

func entryKeys(b exported) []string {
	var out []string
	for _, e := range b.Entry {
		out = append(out, e.Resource["resourceType"].(string)+"/"+e.Resource["id"].(string))
	}
	return out
}

func codes(secs []any) []string {
	var out []string
	for _, s := range secs {
		out = append(out, s.(map[string]any)["code"].(string))
	}
	return out
}

// TestImportLabelExport: an imported chart is labeled at ingestion (the HIV
// report carries its label, the ordinary encounter none); a staff change is
// recorded; the release exports as FHIR with the Patient, DS4P security
// labels on each resource and on the Bundle, and a Provenance naming
// request, decision, purpose of use and legal basis; withheld resources
// never appear in the export.
func TestImportLabelExport(t *testing.T) {
	f := newFixture(t, roi.MakeDate(1980, 1, 1))
	pat := json.RawMessage(`{"resourceType":"Patient","id":"p1","identifier":[
		{"type":{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/v2-0203","code":"MR"}]},"value":"MRN-1"},
		{"type":{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/v2-0203","code":"SS"}]},"system":"http://hl7.org/fhir/sid/us-ssn","value":"999-88-7777"}],
		"name":[{"family":"Example","given":["Pat"]}],"birthDate":"1980-01-01"}`)
	enc := json.RawMessage(`{"resourceType":"Encounter","id":"e1","status":"finished","class":{"code":"AMB"},"subject":{"reference":"urn:uuid:p1"}}`)
	rep := json.RawMessage(`{"resourceType":"DiagnosticReport","id":"r1","status":"final","code":{"text":"Viral load"},"subject":{"reference":"Patient/p1"},"result":[{"reference":"urn:uuid:o1"}]}`)
	obs := json.RawMessage(`{"resourceType":"Observation","id":"o1","status":"final","code":{"coding":[{"system":"http://loinc.org","code":"20447-9"}]}}`)
	pn := json.RawMessage(`{"resourceType":"DocumentReference","id":"pn-withheld-1"}`)
	c := fhir.Chart{
		Patient:    roi.PatientRecord{FHIRID: "p1", Name: "Pat Example", BirthDate: roi.MakeDate(1980, 1, 1)},
		PatientRaw: pat,
		Items: []roi.ChartItem{
			{Key: "Encounter/e1", Date: roi.MakeDate(2025, 1, 1), Type: "encounter", Title: "Visit"},
			{Key: "DiagnosticReport/r1", Date: roi.MakeDate(2025, 1, 2), Type: "report", Title: "Viral load"},
			{Key: "DocumentReference/pn-withheld-1", Date: roi.MakeDate(2025, 1, 3), Type: "document", Title: "Note"},
		},
		Details: []fhir.Detail{
			{Resources: []string{"Encounter/e1"}, Codes: []fhir.Coding{{System: "http://snomed.info/sct", Code: "185349003"}}, Raw: enc},
			{Resources: []string{"DiagnosticReport/r1", "Observation/o1"}, Codes: []fhir.Coding{{System: "http://loinc.org", Code: "20447-9"}}, Raw: rep},
			{Resources: []string{"DocumentReference/pn-withheld-1"}, DocType: []fhir.Coding{{System: "urn:custodian:document-type", Code: "psychotherapy-note"}}, Raw: pn},
		},
		FoldedRaw: map[string]json.RawMessage{"Observation/o1": obs},
	}
	pid, _, err := f.desk.Import(f.ctx, "import", c)
	if err != nil {
		t.Fatal(err)
	}
	f.pid = pid
	items := must[[]roi.ChartItem](t)(f.desk.store.ChartItems(f.ctx, pid))
	got := map[string]roi.Labels{}
	for _, it := range items {
		got[it.Key] = it.Labels
	}
	if got["Encounter/e1"] != 0 || got["DiagnosticReport/r1"] != roi.LabelsOf(roi.LabelHIV) || got["DocumentReference/pn-withheld-1"] != roi.LabelsOf(roi.LabelPsychotherapyNote) {
		t.Fatalf("labels at ingestion: %v", got)
	}
	if _, err := f.desk.SetLabel(f.ctx, "po", pid, "Encounter/e1", "hiv", "add", ""); roi.CodeOf(err) != roi.CodeInvalid {
		t.Errorf("label change without a reason: %v", err)
	}

	r := f.intake(roi.KindPatient, "Pat Example", roi.BasisAccess)
	r = f.evidence(r, identity)
	r, _ = f.evaluate(r)
	if _, err := f.desk.Export(f.ctx, "s", r.ID); roi.CodeOf(err) != roi.CodeConflict {
		t.Errorf("export before approval: %v", err)
	}
	r, _ = must2(t)(f.desk.Decide(f.ctx, "s", r.ID, r.Version, Decide{Action: ActPartial}))
	out, err := f.desk.Export(f.ctx, "s", r.ID)
	if err != nil {
		t.Fatal(err)
	}
	b := readExport(t, out, "DocumentReference/pn-withheld-1")
	want := []string{"Patient/p1", "DiagnosticReport/r1", "Observation/o1", "Encounter/e1", "Provenance/release-" + r.Number} // release order: sorted ids
	if got := entryKeys(b); !slices.Equal(got, want) {
		t.Errorf("exported %v, want %v (the psychotherapy note must not be there)", got, want)
	}
	byKey := map[string]map[string]any{}
	urlOf := map[string]string{}
	for _, e := range b.Entry {
		k := e.Resource["resourceType"].(string) + "/" + e.Resource["id"].(string)
		byKey[k], urlOf[k] = e.Resource, e.FullURL
	}
	if sec := codes(byKey["Observation/o1"]["meta"].(map[string]any)["security"].([]any)); !slices.Equal(sec, []string{"R", "HIV"}) {
		t.Errorf("security labels on the HIV observation: %v", sec)
	}
	if sec := codes(byKey["Encounter/e1"]["meta"].(map[string]any)["security"].([]any)); !slices.Equal(sec, []string{"N"}) {
		t.Errorf("security labels on the encounter: %v", sec)
	}
	var bsec []string
	for _, s := range b.Meta.Security {
		bsec = append(bsec, s["code"])
	}
	if !slices.Equal(bsec, []string{"R"}) {
		t.Errorf("bundle security %v, want the highest confidentiality (R) and no Part 2 codes", bsec)
	}
	// The references, as the import wrote them (urn:uuid:, Patient/),
	// now name the entries' fullUrls.
	if s := byKey["Encounter/e1"]["subject"].(map[string]any)["reference"]; s != urlOf["Patient/p1"] {
		t.Errorf("encounter subject %v, want the Patient's fullUrl %s", s, urlOf["Patient/p1"])
	}
	if s := byKey["DiagnosticReport/r1"]["result"].([]any)[0].(map[string]any)["reference"]; s != urlOf["Observation/o1"] {
		t.Errorf("report result %v", s)
	}
	// The Patient as imported, without its social security number.
	if strings.Contains(string(out), "999-88-7777") || !strings.Contains(string(out), "MRN-1") {
		t.Error("the Patient must keep its MRN and lose its SSN")
	}
	if sec := codes(byKey["Patient/p1"]["meta"].(map[string]any)["security"].([]any)); !slices.Equal(sec, []string{"N"}) {
		t.Errorf("patient security %v", sec)
	}
	prov := byKey["Provenance/release-"+r.Number]
	pol := prov["policy"].([]any)
	if len(pol) != 4 || pol[0] != "urn:custodian:request:"+r.Number || pol[3] != legalBasis[roi.BasisAccess] {
		t.Errorf("provenance policy %v", pol)
	}
	if n := len(prov["target"].([]any)); n != 4 {
		t.Errorf("provenance names %d targets, want the 4 other entries", n)
	}
	reason := prov["reason"].([]any)[0].(map[string]any)["coding"].([]any)[0].(map[string]any)
	if reason["system"] != actReasonSystem || reason["code"] != "PATRQT" {
		t.Errorf("provenance reason %v", reason)
	}
	if strings.Contains(string(out), "urn:custodian:basis") {
		t.Error("the private basis code is back")
	}
}

// TestExportReferences: a reference to a withheld record goes entirely —
// display and all — from a list, and where FHIR requires the element a
// display-free data-absent-reason stands in; a clinician the chart holds
// is carried and named by its fullUrl; an organization named by an
// identifier nobody resolved becomes a logical reference; a place with
// no display goes.
func TestExportReferences(t *testing.T) {
	f := newFixture(t, roi.MakeDate(1980, 1, 1))
	enc := json.RawMessage(`{"resourceType":"Encounter","id":"e1","status":"finished","class":{"code":"AMB"},
		"subject":{"reference":"urn:uuid:p1"},
		"participant":[{"individual":{"reference":"urn:uuid:dr-1","display":"Dr. Who"}},{"individual":{"reference":"Practitioner/dr-gone"}}],
		"serviceProvider":{"reference":"Organization?identifier=https://example.org/org|42","display":"Example General"},
		"reasonReference":[{"reference":"urn:uuid:pn-withheld-1","display":"Secret session words"}],
		"diagnosis":[{"condition":{"reference":"DocumentReference/pn-withheld-1","display":"Secret diagnosis words"},"rank":1}],
		"location":[{"location":{"reference":"Location/nowhere"}}],
		"extension":[{"url":"http://example.org/x","valueReference":{"reference":"urn:uuid:pn-withheld-1"}}]}`)
	dr := json.RawMessage(`{"resourceType":"Practitioner","id":"dr-1","name":[{"family":"Who"}]}`)
	pn := json.RawMessage(`{"resourceType":"DocumentReference","id":"pn-withheld-1"}`)
	c := fhir.Chart{
		Patient: roi.PatientRecord{FHIRID: "p1", MRN: "MRN-2", Name: "Pat Example", BirthDate: roi.MakeDate(1980, 1, 1)},
		Items: []roi.ChartItem{
			{Key: "Encounter/e1", Date: roi.MakeDate(2025, 1, 1), Type: "encounter", Title: "Visit"},
			{Key: "DocumentReference/pn-withheld-1", Date: roi.MakeDate(2025, 1, 3), Type: "document", Title: "Note"},
		},
		Details: []fhir.Detail{
			{Resources: []string{"Encounter/e1"}, Raw: enc},
			{Resources: []string{"DocumentReference/pn-withheld-1"}, DocType: []fhir.Coding{{System: "urn:custodian:document-type", Code: "psychotherapy-note"}}, Raw: pn},
		},
		SharedRaw: map[string]json.RawMessage{"Practitioner/dr-1": dr},
	}
	pid, _, err := f.desk.Import(f.ctx, "import", c)
	if err != nil {
		t.Fatal(err)
	}
	f.pid = pid
	r := f.intake(roi.KindPatient, "Pat Example", roi.BasisAccess)
	r = f.evidence(r, identity)
	r, _ = f.evaluate(r)
	r, _ = must2(t)(f.desk.Decide(f.ctx, "s", r.ID, r.Version, Decide{Action: ActPartial}))
	out, err := f.desk.Export(f.ctx, "s", r.ID)
	if err != nil {
		t.Fatal(err)
	}
	b := readExport(t, out, "DocumentReference/pn-withheld-1")
	for _, w := range []string{"Secret", "dr-gone", "nowhere", "http://example.org/x"} {
		if strings.Contains(string(out), w) {
			t.Errorf("%q is in the export", w)
		}
	}
	// The patient was imported without its resource: built from the
	// demographics.
	if got := entryKeys(b); !slices.Equal(got, []string{"Patient/p1", "Encounter/e1", "Practitioner/dr-1", "Provenance/release-" + r.Number}) {
		t.Fatalf("exported %v", got)
	}
	if p := b.Entry[0].Resource; p["birthDate"] != "1980-01-01" || !strings.Contains(string(out), "MRN-2") {
		t.Errorf("patient %v", p)
	}
	e := b.Entry[1].Resource
	parts := e["participant"].([]any)
	if len(parts) != 1 || parts[0].(map[string]any)["individual"].(map[string]any)["reference"] != b.Entry[2].FullURL {
		t.Errorf("participants %v: want only the clinician the export carries, by its fullUrl", parts)
	}
	sp := e["serviceProvider"].(map[string]any)
	if sp["reference"] != nil || sp["display"] != "Example General" || sp["type"] != "Organization" ||
		sp["identifier"].(map[string]any)["value"] != "42" {
		t.Errorf("service provider %v: want a logical reference", sp)
	}
	if e["reasonReference"] != nil || e["location"] != nil || e["extension"] != nil {
		t.Errorf("a reason, a location or an extension naming nothing the export holds is still there: %v %v %v", e["reasonReference"], e["location"], e["extension"])
	}
	cond := e["diagnosis"].([]any)[0].(map[string]any)["condition"].(map[string]any)
	ext := cond["extension"].([]any)[0].(map[string]any)
	if len(cond) != 1 || ext["url"] != "http://hl7.org/fhir/StructureDefinition/data-absent-reason" || ext["valueCode"] != "unknown" {
		t.Errorf("a required reference to a withheld record: %v", cond)
	}
}

// TestExportPart2: a Part 2 record released under the patient's consent
// makes the Bundle very restricted, with 42CFRPart2 and the NORDSCLCD
// redisclosure prohibition, and the Provenance carries the 2.32 notice
// and its citation; released without the Part 2 record, none of that.
func TestExportPart2(t *testing.T) {
	for _, consent := range []bool{true, false} {
		f := newFixture(t, roi.MakeDate(1980, 6, 15),
			item("Encounter/1", "2025-03-14", "encounter"),
			item("Encounter/p2", "2025-05-13", "encounter", roi.LabelPart2))
		r := f.intake(roi.KindAttorney, "Okafor Legal Group", roi.BasisAuthorization)
		ev := []string{hipaaAuth}
		if consent {
			ev = append(ev, part2Consent)
		}
		f.release(r, ev...)
		out, err := f.desk.Export(f.ctx, "s", r.ID)
		if err != nil {
			t.Fatal(err)
		}
		var withheld []string
		if !consent {
			withheld = []string{"Encounter/p2"}
		}
		b := readExport(t, out, withheld...)
		var sec []string
		for _, s := range b.Meta.Security {
			sec = append(sec, s["system"]+"#"+s["code"])
		}
		wantSec := []string{confidentialitySystem + "#N"}
		if consent {
			wantSec = []string{confidentialitySystem + "#V", actCodeSystem + "#42CFRPart2", actCodeSystem + "#NORDSCLCD"}
		}
		if !slices.Equal(sec, wantSec) {
			t.Errorf("consent %v: bundle security %v, want %v", consent, sec, wantSec)
		}
		prov := b.Entry[len(b.Entry)-1].Resource
		div := prov["text"].(map[string]any)["div"].(string)
		notice := strings.Contains(div, "protected by Federal confidentiality rules (42 CFR part 2)")
		cited := slices.Contains(prov["policy"].([]any), any(part2Policy))
		if notice != consent || cited != consent || strings.Contains(string(out), "NORDSCLCD") != consent {
			t.Errorf("consent %v: notice %v, citation %v", consent, notice, cited)
		}
		if consent && !strings.Contains(div, html.EscapeString(letter.Part2Statement)) {
			t.Error("the Provenance narrative lacks the whole 2.32 statement")
		}
	}
}

// TestPurposeOfUseTotal: every basis a request may claim has an HL7 v3
// purpose of use, from the codes the ActReason system defines, and every
// basis but "none" a legal citation.
func TestPurposeOfUseTotal(t *testing.T) {
	known := map[string]bool{"PATRQT": true, "TREAT": true, "HPAYMT": true, "HOPERAT": true, "HLEGAL": true,
		"PUBHLTH": true, "HCOMPL": true, "HDECD": true, "PurposeOfUse": true, "HRESCH": true, "COC": true}
	for _, b := range roi.RequestBases {
		p, ok := purposeOfUse[b]
		if !ok || !known[p.Code] || p.Display == "" {
			t.Errorf("basis %s: purpose of use %+v", b, p)
		}
		if u := legalBasis[b]; (u == "") != (b == roi.BasisNone) || u != "" && !strings.HasPrefix(u, "https://www.ecfr.gov/current/title-45/section-164.5") {
			t.Errorf("basis %s: legal basis %q", b, u)
		}
	}
	if len(purposeOfUse) != len(roi.RequestBases) {
		t.Errorf("%d purposes for %d bases", len(purposeOfUse), len(roi.RequestBases))
	}
}
