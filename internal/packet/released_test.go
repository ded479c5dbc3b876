package packet

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/custodian-roi/custodian/internal/roi"
)

// The withheld record every test below refers to, and what a reference to
// it says of it.
const (
	pregKey     = "Condition/preg"
	pregDisplay = "Normal pregnancy"
)

// render is FromFHIR's text of one resource released under rel.
func render(t *testing.T, key, raw string, rel Released) string {
	t.Helper()
	it, err := FromFHIR(roi.ChartItem{Key: key}, [][]byte{[]byte(raw)}, rel)
	if err != nil {
		t.Fatal(err)
	}
	return text(it)
}

// checkBothWays renders raw with the pregnancy Condition withheld, then
// released: the display must be absent, then present.
func checkBothWays(t *testing.T, key, raw string) {
	t.Helper()
	withheld := render(t, key, raw, Released{key: true, "Encounter/e1": true})
	if strings.Contains(withheld, pregDisplay) || !strings.Contains(withheld, Withheld) {
		t.Errorf("%s, the Condition withheld: prints its display, or no placeholder:\n%s", key, withheld)
	}
	released := render(t, key, raw, Released{key: true, pregKey: true})
	if !strings.Contains(released, pregDisplay) {
		t.Errorf("%s, the Condition released: lacks its display:\n%s", key, released)
	}
}

// The outside finding: a released depression screening printed "Reason:
// Normal pregnancy" from the withheld Condition its reasonReference names.
// Authors and places keep their names.
func TestWithheldReasonReference(t *testing.T) {
	for _, ref := range []string{pregKey, "urn:uuid:preg", "https://ehr.example.org/fhir/Condition/preg/_history/3"} {
		raw := `{"resourceType":"Procedure","id":"scr","status":"completed",
		"code":{"text":"Depression screening"},
		"reasonReference":[{"reference":"` + ref + `","display":"` + pregDisplay + `"}],
		"performer":[{"actor":{"reference":"Practitioner/pr1","display":"Dr. Ana Flórez"}}],
		"location":{"reference":"Location?identifier=https://example.org|PCP1","display":"Riverside Clinic"}}`
		checkBothWays(t, "Procedure/scr", raw)
		s := render(t, "Procedure/scr", raw, nil)
		for _, want := range []string{"Depression screening", "Performer: Dr. Ana Flórez", "Location: Riverside Clinic"} {
			if !strings.Contains(s, want) {
				t.Errorf("reference %s: the rendering lacks %q:\n%s", ref, want, s)
			}
		}
	}
}

func TestWithheldEncounterAndMedication(t *testing.T) {
	checkBothWays(t, "Encounter/e1", `{"resourceType":"Encounter","id":"e1","status":"finished",
	"diagnosis":[{"condition":{"reference":"Condition/preg","display":"Normal pregnancy"}}],
	"participant":[{"individual":{"reference":"urn:uuid:pr1","display":"Dr. Ana Flórez"}}]}`)
	checkBothWays(t, "MedicationRequest/m1", `{"resourceType":"MedicationRequest","id":"m1","status":"active",
	"medicationReference":{"reference":"#med","display":"Prenatal vitamins"},
	"contained":[{"resourceType":"Medication","id":"med","code":{"text":"Prenatal vitamins"}}],
	"reasonReference":[{"reference":"Condition/preg","display":"Normal pregnancy"}]}`)
	// The urn:uuid participant names no released resource, but the member
	// names a person: the name stays. So does the contained drug.
	s := render(t, "Encounter/e1", `{"resourceType":"Encounter","id":"e1",
	"participant":[{"individual":{"reference":"urn:uuid:pr1","display":"Dr. Ana Flórez"}}]}`, nil)
	if !strings.Contains(s, "Dr. Ana Flórez") {
		t.Errorf("participant's name lost:\n%s", s)
	}
	s = render(t, "MedicationRequest/m1", `{"resourceType":"MedicationRequest","id":"m1",
	"medicationReference":{"reference":"#med","display":"Prenatal vitamins"}}`, nil)
	if !strings.Contains(s, "Medication: Prenatal vitamins") {
		t.Errorf("contained medication's name lost:\n%s", s)
	}
}

// Resource types without a layout of their own go through the generic
// rendering, which prints every display it finds; the rule holds there.
func TestWithheldGeneric(t *testing.T) {
	checkBothWays(t, "Goal/g1", `{"resourceType":"Goal","id":"g1","lifecycleStatus":"active",
	"description":{"text":"Healthy weight gain"},
	"addresses":[{"reference":"Condition/preg","display":"Normal pregnancy"}]}`)
	checkBothWays(t, "ServiceRequest/s1", `{"resourceType":"ServiceRequest","id":"s1","status":"active",
	"code":{"text":"Obstetric ultrasound"},
	"reasonReference":[{"reference":"urn:uuid:preg","display":"Normal pregnancy"}],
	"requester":{"reference":"Practitioner/pr1","display":"Dr. Ana Flórez"}}`)
	// A conditional reference names no particular resource: never a
	// released one, unless its type is an author's.
	s := render(t, "ServiceRequest/s1", `{"resourceType":"ServiceRequest","id":"s1",
	"reasonReference":[{"reference":"Condition?identifier=https://example.org|preg","display":"Normal pregnancy"}],
	"requester":{"reference":"Practitioner?identifier=https://example.org|pr1","display":"Dr. Ana Flórez"}}`, Released{pregKey: true})
	if strings.Contains(s, pregDisplay) || !strings.Contains(s, "Dr. Ana Flórez") {
		t.Errorf("conditional references:\n%s", s)
	}
	// A folded resource is rendered generically under anything but a
	// report, and obeys the same rule.
	it, err := FromFHIR(roi.ChartItem{Key: "Procedure/p1"}, [][]byte{
		[]byte(`{"resourceType":"Procedure","id":"p1","code":{"text":"Ultrasound"}}`),
		[]byte(`{"resourceType":"Observation","id":"o1","focus":[{"reference":"Condition/preg","display":"Normal pregnancy"}]}`)}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if s := text(it); strings.Contains(s, pregDisplay) {
		t.Errorf("folded resource prints the withheld display:\n%s", s)
	}
}

func TestWithheldClaimDiagnosis(t *testing.T) {
	for _, rt := range []string{"Claim", "ExplanationOfBenefit"} {
		checkBothWays(t, rt+"/c1", `{"resourceType":"`+rt+`","id":"c1","status":"active",
		"provider":{"reference":"Organization?identifier=https://example.org|org1","display":"Riverside Clinic"},
		"diagnosis":[{"sequence":1,"diagnosisReference":{"reference":"urn:uuid:preg","display":"Normal pregnancy"}}],
		"procedure":[{"sequence":1,"procedureReference":{"reference":"Procedure/us1","display":"Obstetric ultrasound"}}]}`)
	}
	s := render(t, "Claim/c1", `{"resourceType":"Claim","id":"c1",
	"provider":{"reference":"Organization?identifier=https://example.org|org1","display":"Riverside Clinic"},
	"insurance":[{"coverage":{"display":"UnitedHealthcare"}}],
	"procedure":[{"sequence":1,"procedureReference":{"reference":"Procedure/us1","display":"Obstetric ultrasound"}}]}`, Released{"Procedure/us1": true})
	for _, want := range []string{"Provider: Riverside Clinic", "Insurance: UnitedHealthcare", "Procedures: Obstetric ultrasound"} {
		if !strings.Contains(s, want) {
			t.Errorf("claim lacks %q:\n%s", want, s)
		}
	}
}

func TestReleasedNames(t *testing.T) {
	rel := Released{"Condition/preg": true, "Observation/o1": true}
	for ref, want := range map[string]bool{
		"Condition/preg":                    true,
		"Condition/preg/_history/2":         true,
		"http://x.org/fhir/Condition/preg":  true,
		"urn:uuid:preg":                     true,
		"urn:uuid:o1":                       true,
		"Observation/preg":                  false, // same id, another type
		"urn:uuid:reg":                      false, // a suffix of an id is not the id
		"Condition?identifier=x|preg":       false,
		"Condition/other":                   false,
		"#preg":                             false, // contained: travels with its container (see shows)
		"urn:oid:1.2.3":                     false,
		"":                                  false,
		"https://x.org/fhir/Condition/":     false,
		"https://x.org/fhir/condition/preg": false,
	} {
		if got := rel.Names(ref); got != want {
			t.Errorf("Names(%q) = %v, want %v", ref, got, want)
		}
	}
}

// The FHIR export drops what the packet would not print: the display of a
// reference to a withheld record, in contained resources too, keeping the
// reference; authors, places and released records keep theirs.
func TestRedactReferences(t *testing.T) {
	raw := `{"resourceType":"ExplanationOfBenefit","id":"c1",
	"provider":{"reference":"Organization?identifier=https://example.org|org1","display":"Riverside Clinic"},
	"diagnosis":[{"sequence":1,"diagnosisReference":{"reference":"urn:uuid:preg","display":"Normal pregnancy"}}],
	"procedure":[{"sequence":1,"procedureReference":{"reference":"Procedure/us1","display":"Obstetric ultrasound"}}],
	"insurance":[{"coverage":{"reference":"#cov","display":"UnitedHealthcare"}}],
	"contained":[{"resourceType":"ServiceRequest","id":"ref","reasonReference":[{"display":"Normal pregnancy"}]},
	             {"resourceType":"Coverage","id":"cov","payor":[{"display":"UnitedHealthcare"}]}],
	"extension":[{"url":"https://example.org/x","valueReference":{"reference":"Condition/preg","display":"Normal pregnancy"}}]}`
	redacted := func(rel Released) string {
		var res map[string]any
		if err := json.Unmarshal([]byte(raw), &res); err != nil {
			t.Fatal(err)
		}
		RedactReferences(res, rel)
		out, err := json.Marshal(res)
		if err != nil {
			t.Fatal(err)
		}
		return string(out)
	}
	withheld := redacted(Released{"ExplanationOfBenefit/c1": true})
	if strings.Contains(withheld, pregDisplay) || strings.Contains(withheld, "Obstetric ultrasound") {
		t.Errorf("withheld displays exported: %s", withheld)
	}
	for _, want := range []string{`"reference":"urn:uuid:preg"`, `"reference":"Condition/preg"`, `"reference":"Procedure/us1"`,
		"Riverside Clinic", "UnitedHealthcare", `{"display":"` + Withheld + `"}`} {
		if !strings.Contains(withheld, want) {
			t.Errorf("export lacks %s: %s", want, withheld)
		}
	}
	released := redacted(Released{"ExplanationOfBenefit/c1": true, pregKey: true, "Procedure/us1": true})
	if strings.Count(released, pregDisplay) != 2 || !strings.Contains(released, "Obstetric ultrasound") {
		t.Errorf("released displays dropped: %s", released)
	}
	// The display-only reason in the contained request names nothing
	// the release holds, so it never shows.
	if strings.Contains(released, `"reasonReference":[{"display":"Normal pregnancy"}]`) {
		t.Errorf("a display-only reference to an unknown record exported: %s", released)
	}
	if !bytes.Contains([]byte(redacted(nil)), []byte(`"reference":"Procedure/us1"}`)) {
		t.Error("the reference itself was dropped")
	}
}

// TestWithheldPacket builds, encrypts and reads back a real packet: one
// released item refers to a withheld Condition, another to a released
// one. Only the released Condition's name is in the text.
func TestWithheldPacket(t *testing.T) {
	raws := map[string]string{
		"Procedure/scr": `{"resourceType":"Procedure","id":"scr","status":"completed","code":{"text":"Depression screening"},
			"reasonReference":[{"reference":"urn:uuid:oud","display":"Opioid use disorder"}],
			"performer":[{"actor":{"reference":"Practitioner/pr1","display":"Dr. Ana Flórez"}}]}`,
		"Encounter/e1": `{"resourceType":"Encounter","id":"e1","status":"finished","type":[{"text":"Office visit"}],
			"reasonReference":[{"reference":"Condition/htn","display":"Essential hypertension"}]}`,
		"Condition/htn": `{"resourceType":"Condition","id":"htn","code":{"text":"Essential hypertension"}}`,
	}
	rel := Released{}
	for k := range raws {
		rel[k] = true // Condition/oud is not: it is withheld
	}
	var its []Item
	for _, k := range []string{"Procedure/scr", "Encounter/e1", "Condition/htn"} {
		it, err := FromFHIR(roi.ChartItem{Key: k, Date: day(t, "2025-03-14"), Title: k}, [][]byte{[]byte(raws[k])}, rel)
		if err != nil {
			t.Fatal(err)
		}
		its = append(its, it)
	}
	plain, _, err := Build(input(t, its))
	if err != nil {
		t.Fatal(err)
	}
	enc, err := Encrypt(plain, "user-password", "owner-password")
	if err != nil {
		t.Fatal(err)
	}
	dec, err := Decrypt(enc, "user-password")
	if err != nil {
		t.Fatal(err)
	}
	ft := flat(pdftotext(t, dec, 0, 0))
	if strings.Contains(ft, "Opioid use disorder") {
		t.Error("the packet prints the withheld Condition's name")
	}
	for _, want := range []string{"Reason: " + Withheld, "Reason: Essential hypertension", "Dr. Ana Flórez", "Depression screening"} {
		if !strings.Contains(ft, want) {
			t.Errorf("the packet lacks %q", want)
		}
	}
}
