package label

import (
	"slices"
	"testing"

	"github.com/custodian-roi/custodian/internal/roi"
)

func mustLabeler(t *testing.T, cfg Config) *Labeler {
	t.Helper()
	l, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

func TestValueSetsWellFormed(t *testing.T) {
	sets, err := ValueSets()
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"behavioral-health", "genetic", "hiv", "reproductive", "sti", "substance-use", "violence"}
	var got []string
	for _, v := range sets {
		got = append(got, v.ID)
		if v.Version == "" || len(v.Sources) == 0 || v.Title == "" {
			t.Errorf("%s: version, title and sources are required", v.ID)
		}
	}
	if !slices.Equal(got, want) {
		t.Errorf("value sets %v, want %v", got, want)
	}
}

func TestLabelByCode(t *testing.T) {
	l := mustLabeler(t, Config{})
	for _, tc := range []struct {
		name string
		code Coding
		want roi.Labels
	}{
		{"depression ICD with dot", Coding{ICD10CM, "F32.9"}, roi.LabelsOf(roi.LabelBehavioralHealth)},
		{"depression ICD without dot", Coding{ICD10CM, "F329"}, roi.LabelsOf(roi.LabelBehavioralHealth)},
		{"alcohol use is SUD, not BH", Coding{ICD10CM, "F10.20"}, roi.LabelsOf(roi.LabelSubstanceUse)},
		{"range edge F19", Coding{ICD10CM, "F19.10"}, roi.LabelsOf(roi.LabelSubstanceUse)},
		{"range edge F20", Coding{ICD10CM, "F20.9"}, roi.LabelsOf(roi.LabelBehavioralHealth)},
		{"pregnancy O9A", Coding{ICD10CM, "O9A.111"}, roi.LabelsOf(roi.LabelReproductive)},
		{"HIV disease", Coding{ICD10CM, "B20"}, roi.LabelsOf(roi.LabelHIV)},
		{"HIV in pregnancy is both", Coding{ICD10CM, "O98.7"}, roi.LabelsOf(roi.LabelHIV, roi.LabelReproductive)},
		{"genetic susceptibility", Coding{ICD10CM, "Z15.01"}, roi.LabelsOf(roi.LabelGenetic)},
		{"HIV viral load LOINC", Coding{LOINC, "20447-9"}, roi.LabelsOf(roi.LabelHIV)},
		{"alcoholism SNOMED", Coding{SNOMED, "7200002"}, roi.LabelsOf(roi.LabelSubstanceUse)},
		{"prenatal visit SNOMED", Coding{SNOMED, "424619006"}, roi.LabelsOf(roi.LabelReproductive)},
		// Ordinary records stay ordinary.
		{"hypertension ICD", Coding{ICD10CM, "I10"}, 0},
		{"influenza vaccine SNOMED", Coding{SNOMED, "86198006"}, 0},
		{"hemoglobin LOINC", Coding{LOINC, "718-7"}, 0},
		// A local system's "F32.9" may mean anything; SNOMED CT's codes are
		// all numbers, so an "F32.9" filed under it can only be ICD-10.
		{"an ICD-looking code under a local system", Coding{"http://example.org/local", "F32.9"}, 0},
		{"an ICD-10 code filed under SNOMED CT", Coding{SNOMED, "F32.9"}, roi.LabelsOf(roi.LabelBehavioralHealth)},
		{"ICD-10-CM by its OID", Coding{"urn:oid:2.16.840.1.113883.6.90", "B20"}, roi.LabelsOf(roi.LabelHIV)},
		{"RxNorm with a trailing slash", Coding{RxNorm + "/", "351266"}, roi.LabelsOf(roi.LabelSubstanceUse)},
		{"too short", Coding{ICD10CM, "F3"}, 0},
	} {
		got, why := l.Label(Item{Resources: []string{"Condition/c1"}, Codes: []Coding{tc.code}, AgeAtDate: 40})
		if got != tc.want {
			t.Errorf("%s: labels %v, want %v", tc.name, got.Strings(), tc.want.Strings())
		}
		if len(why) != tc.want.Len() {
			t.Errorf("%s: %d sources for %d labels", tc.name, len(why), tc.want.Len())
		}
		for _, s := range why {
			if s.Rule != "value-set" || s.ValueSet == "" || s.Code != tc.code.Code || s.System != tc.code.System || s.Resource != "Condition/c1" {
				t.Errorf("%s: provenance %+v", tc.name, s)
			}
		}
	}
}

func TestLabelPart2OnlyFromAProgram(t *testing.T) {
	l := mustLabeler(t, Config{Part2Programs: []string{"1234567893", "Riverside Recovery"},
		SUDCounselingNoteTypes: []Coding{{LOINC, "11506-3"}}, PsychotherapyNoteTypes: []Coding{{LOINC, "X-PN"}}})
	sud := []Coding{{SNOMED, "5602001"}}
	// An overdose treated in a general emergency department is not Part 2.
	got, _ := l.Label(Item{Resources: []string{"Encounter/ed"}, Codes: sud, Org: "General Hospital ED", AgeAtDate: 30})
	if got != roi.LabelsOf(roi.LabelSubstanceUse) {
		t.Errorf("general ED: %v", got.Strings())
	}
	// Any record of the program is Part 2, coded or not; its SUD
	// information is Part 2 rather than substance use elsewhere.
	for _, org := range []string{"1234567893", " riverside recovery "} {
		got, why := l.Label(Item{Resources: []string{"Encounter/p2"}, Codes: sud, Org: org, AgeAtDate: 30})
		if got != roi.LabelsOf(roi.LabelPart2) || len(why) != 1 || why[0].Rule != "part2-program" {
			t.Errorf("program %q: %v %+v", org, got.Strings(), why)
		}
	}
	got, _ = l.Label(Item{Resources: []string{"DocumentReference/n"}, DocType: []Coding{{LOINC, "11506-3"}}, Org: "Riverside Recovery", AgeAtDate: 30})
	if got != roi.LabelsOf(roi.LabelPart2, roi.LabelSUDCounselingNote) {
		t.Errorf("counseling note in the program: %v", got.Strings())
	}
	got, _ = l.Label(Item{Resources: []string{"DocumentReference/n"}, DocType: []Coding{{LOINC, "11506-3"}}, Org: "General Hospital", AgeAtDate: 30})
	if got != roi.LabelsOf(roi.LabelSubstanceUse) {
		t.Errorf("counseling note elsewhere: %v", got.Strings())
	}
	got, _ = l.Label(Item{Resources: []string{"DocumentReference/p"}, DocType: []Coding{{LOINC, "X-PN"}}, AgeAtDate: 30})
	if got != roi.LabelsOf(roi.LabelPsychotherapyNote) {
		t.Errorf("psychotherapy note: %v", got.Strings())
	}
	got, _ = l.Label(Item{Resources: []string{"DocumentReference/p"}, DocType: []Coding{{DocTypeSystem, "psychotherapy-note"}}, AgeAtDate: 30})
	if got != roi.LabelsOf(roi.LabelPsychotherapyNote) {
		t.Errorf("Custodian's own note type: %v", got.Strings())
	}
	got, _ = l.Label(Item{Resources: []string{"DocumentReference/o"}, DocType: []Coding{{LOINC, "34117-2"}}, AgeAtDate: 30})
	if got != 0 {
		t.Errorf("an ordinary note: %v", got.Strings())
	}
}

func TestLabelMinorConsented(t *testing.T) {
	l := mustLabeler(t, Config{MinorServices: []MinorService{{Label: "behavioral-health", MinAge: 13}, {Label: "reproductive"}}})
	bh := []Coding{{ICD10CM, "F41.1"}}
	for _, tc := range []struct {
		age   int
		codes []Coding
		minor bool
	}{
		{15, bh, true}, {13, bh, true}, {12, bh, false}, {18, bh, false}, {-1, bh, false},
		{11, []Coding{{ICD10CM, "Z30.011"}}, true},
		{15, []Coding{{ICD10CM, "I10"}}, false},
	} {
		got, why := l.Label(Item{Resources: []string{"Condition/x"}, Codes: tc.codes, AgeAtDate: tc.age})
		if got.Has(roi.LabelMinorConsented) != tc.minor {
			t.Errorf("age %d %v: labels %v, minor-consented want %v", tc.age, tc.codes, got.Strings(), tc.minor)
		}
		if tc.minor && why[len(why)-1].Rule != "minor-consent-service" {
			t.Errorf("provenance %+v", why)
		}
	}
}

func TestSecurityLabels(t *testing.T) {
	for _, tc := range []struct {
		labels roi.Labels
		want   []string
	}{
		{0, []string{"N"}},
		{roi.LabelsOf(roi.LabelHIV), []string{"R", "HIV"}},
		{roi.LabelsOf(roi.LabelPart2, roi.LabelSUDCounselingNote), []string{"V", "42CFRPart2", "ETH", "NORDSCLCD"}},
		{roi.LabelsOf(roi.LabelPsychotherapyNote, roi.LabelBehavioralHealth), []string{"V", "PSY", "PSYTHPN"}},
		{roi.LabelsOf(roi.LabelReproductive, roi.LabelGenetic), []string{"R", "GDIS", "SEX"}},
	} {
		var got []string
		for _, s := range SecurityLabels(tc.labels) {
			got = append(got, s.Code)
		}
		if !slices.Equal(got, tc.want) {
			t.Errorf("%v: %v, want %v", tc.labels.Strings(), got, tc.want)
		}
	}
}

// TestSecurityLabelsHL7: every label's codes are HL7 v3 codes in HL7's
// systems, from the codes those systems define for DS4P.
func TestSecurityLabelsHL7(t *testing.T) {
	known := map[string]map[string]bool{
		"http://terminology.hl7.org/CodeSystem/v3-Confidentiality": {"N": true, "R": true, "V": true},
		"http://terminology.hl7.org/CodeSystem/v3-ActCode": {"PSY": true, "PSYTHPN": true, "42CFRPart2": true, "ETH": true,
			"HIV": true, "GDIS": true, "SEX": true, "STD": true, "SDV": true, "NORDSCLCD": true},
	}
	for _, l := range roi.AllLabels() {
		for _, s := range SecurityLabels(roi.LabelsOf(l)) {
			if !known[s.System][s.Code] || s.Display == "" {
				t.Errorf("label %v: %+v is not an HL7 DS4P code", l, s)
			}
		}
	}
}

func TestDecodeConfig(t *testing.T) {
	c, err := DecodeConfig([]byte(`{"part2_programs":["Riverside Recovery"],"minor_services":[{"label":"behavioral-health","min_age":13}]}`))
	if err != nil || len(c.Part2Programs) != 1 || c.MinorServices[0].MinAge != 13 {
		t.Errorf("%+v %v", c, err)
	}
	if _, err := DecodeConfig([]byte(`{"minor_services":[{"label":"sadness"}]}`)); err == nil {
		t.Error("unknown label accepted")
	}
	if _, err := DecodeConfig([]byte(`{"part2_program":["x"]}`)); err == nil {
		t.Error("misspelled member accepted")
	}
}
