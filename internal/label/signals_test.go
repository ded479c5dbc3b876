package label

import (
	"encoding/base64"
	"encoding/json"
	"strings"
	"testing"

	"github.com/custodian-roi/custodian/internal/roi"
)

func one(t *testing.T, l *Labeler, raw string) (roi.Labels, []Source) {
	t.Helper()
	return l.Label(Item{Resources: []string{"X/1"}, Raw: [][]byte{[]byte(raw)}, AgeAtDate: -1})
}

// Each signal both ways: what gives a label and its look-alike that must not.
func TestSignals(t *testing.T) {
	l := mustLabeler(t, Config{LocalCodes: []LocalCode{{System: "http://lab.example/codes", Code: "L77", Label: "hiv"}}})
	for _, tc := range []struct {
		name, raw string
		want      roi.Labels
	}{
		{"local code", `{"code":{"coding":[{"system":"http://lab.example/codes","code":"L77"}]}}`, roi.LabelsOf(roi.LabelHIV)},
		{"the same code in another system", `{"code":{"coding":[{"system":"http://other.example","code":"L77"}]}}`, 0},
		{"a code mislabelled under LOINC, read by its display", `{"code":{"coding":[{"system":"http://loinc.org","code":"1040AAAA","display":"HIV RAPID TEST, QUALITATIVE"}]}}`, roi.LabelsOf(roi.LabelHIV)},
		{"sender's DS4P label", `{"meta":{"security":[{"system":"http://terminology.hl7.org/CodeSystem/v3-ActCode","code":"SDV"}]},"code":{"text":"Visit"}}`, roi.LabelsOf(roi.LabelViolence)},
		{"a confidentiality code alone names no category", `{"meta":{"security":[{"system":"http://terminology.hl7.org/CodeSystem/v3-Confidentiality","code":"R"}]}}`, 0},
		{"note text", `{"note":[{"text":"History of heroin use, on methadone maintenance."}]}`, roi.LabelsOf(roi.LabelSubstanceUse)},
		{"negated note", `{"note":[{"text":"Denies alcohol or drug use."}]}`, 0},
		{"a negative HIV test is an HIV test", `{"note":[{"text":"Negative for HIV today."}]}`, roi.LabelsOf(roi.LabelHIV)},
		{"exclude phrase", `{"code":{"text":"ST depression on ECG"}}`, 0},
		{"alcohol swab", `{"code":{"text":"Alcohol swab applied"}}`, 0},
		{"tobacco", `{"code":{"coding":[{"system":"http://hl7.org/fhir/sid/icd-10-cm","code":"F17.210","display":"Nicotine dependence, cigarettes"}]}}`, 0},
		{"chlamydia by ICD-10-CM range", `{"code":{"coding":[{"system":"http://hl7.org/fhir/sid/icd-10-cm","code":"A56.01"}]}}`, roi.LabelsOf(roi.LabelSTI)},
		{"an ordinary antibiotic", `{"medicationCodeableConcept":{"text":"Azithromycin 250 MG Oral Tablet"}}`, 0},
		{"narrative only", `{"text":{"div":"<div xmlns=\"http://www.w3.org/1999/xhtml\"><p>Victim of intimate partner violence.</p></div>"}}`, roi.LabelsOf(roi.LabelViolence)},
		{"attached note", `{"content":[{"attachment":{"contentType":"text/plain","data":"UGF0aWVudCBpcyBhbiBhbGNvaG9saWMu"}}]}`, roi.LabelsOf(roi.LabelSubstanceUse)},
		{"a reference's display is read", `{"reasonReference":[{"reference":"Condition/9","display":"Normal pregnancy"}]}`, roi.LabelsOf(roi.LabelReproductive)},
		{"an id is not read", `{"id":"hiv-test-1","code":{"text":"Hemoglobin"}}`, 0},
	} {
		if got, why := one(t, l, tc.raw); got != tc.want {
			t.Errorf("%s: %v, want %v (%+v)", tc.name, got.Strings(), tc.want.Strings(), why)
		}
	}
}

// A weak word labels from a display and asks a person from a note.
func TestWeakWordsAskForConfirmation(t *testing.T) {
	l := mustLabeler(t, Config{})
	_, why := one(t, l, `{"note":[{"text":"Long visit. Patient reports anxiety about the upcoming move and the new job, otherwise well."}]}`)
	if len(why) != 1 || !why[0].Confirm || why[0].Term == "" {
		t.Fatalf("a weak word in a note: %+v, want one label to confirm with its term", why)
	}
	_, why = one(t, l, `{"code":{"text":"Anxiety"}}`)
	if len(why) != 1 || why[0].Confirm {
		t.Fatalf("a weak word as the display: %+v, want one confirmed label", why)
	}
}

// Labels follow references one step, from the named item's own labels.
func TestPropagationOneStep(t *testing.T) {
	l := mustLabeler(t, Config{})
	items := []Item{
		{Resources: []string{"Condition/preg"}, Raw: [][]byte{[]byte(`{"code":{"coding":[{"system":"http://snomed.info/sct","code":"72892002","display":"Normal pregnancy"}]}}`)}, AgeAtDate: -1},
		{Resources: []string{"Procedure/scr"}, Raw: [][]byte{[]byte(`{"code":{"text":"Urine culture"}}`)}, Names: []string{"Condition/preg"}, AgeAtDate: -1},
		{Resources: []string{"Claim/c"}, Raw: [][]byte{[]byte(`{"type":{"text":"professional"}}`)}, Names: []string{"Procedure/scr"}, AgeAtDate: -1},
		{Resources: []string{"Observation/bp"}, Raw: [][]byte{[]byte(`{"code":{"text":"Blood pressure"}}`)}, AgeAtDate: -1},
	}
	out := l.Chart(items)
	if !out[1].Labels.Has(roi.LabelReproductive) || out[1].Why[0].Rule != "reference" || out[1].Why[0].Resource != "Condition/preg" {
		t.Errorf("the procedure for the pregnancy: %+v", out[1])
	}
	if out[2].Labels != 0 {
		t.Errorf("two steps away: %v, want none (only an item's own labels travel)", out[2].Labels.Strings())
	}
	if out[3].Labels != 0 {
		t.Errorf("an item that names nothing: %v", out[3].Labels.Strings())
	}
}

func TestSecurityLabelsSTIAndViolence(t *testing.T) {
	got := SecurityLabels(roi.LabelsOf(roi.LabelSTI, roi.LabelViolence))
	codes := map[string]bool{}
	for _, s := range got {
		codes[s.Code] = true
	}
	if !codes["R"] || !codes["STD"] || !codes["SDV"] {
		t.Fatalf("security labels %+v, want R, STD and SDV", got)
	}
}

// A large chart is labeled on every core; the labels are the same as one
// item at a time.
func TestLargeChartSameAsOneByOne(t *testing.T) {
	l := mustLabeler(t, Config{})
	raws := []string{
		`{"code":{"text":"Hemoglobin"}}`, `{"note":[{"text":"History of heroin use."}]}`,
		`{"code":{"coding":[{"system":"http://hl7.org/fhir/sid/icd-10-cm","code":"A56.01"}]}}`, `{"code":{"text":"Anxiety"}}`,
	}
	var items []Item
	for i := 0; i < 1000; i++ {
		items = append(items, Item{Resources: []string{"X/" + string(rune('a'+i%26)) + string(rune('a'+i/26%26))}, Raw: [][]byte{[]byte(raws[i%len(raws)])}, AgeAtDate: -1})
	}
	out := l.Chart(items)
	for i, it := range items {
		want, _ := l.Label(it)
		if out[i].Labels != want {
			t.Fatalf("item %d: %v in a chart, %v alone", i, out[i].Labels.Strings(), want.Strings())
		}
	}
}

// The packet prints an item's source; its name is read like the item's
// own words.
func TestSourceNameIsRead(t *testing.T) {
	l := mustLabeler(t, Config{})
	got, _ := l.Label(Item{Resources: []string{"Encounter/1"}, Raw: [][]byte{[]byte(`{"type":[{"text":"Office visit"}]}`)},
		Source: "Riverside Addiction Treatment Center", AgeAtDate: -1})
	if !got.Has(roi.LabelSubstanceUse) {
		t.Errorf("a visit at an addiction treatment center: %v", got.Strings())
	}
	got, _ = l.Label(Item{Resources: []string{"Encounter/2"}, Raw: [][]byte{[]byte(`{"type":[{"text":"Office visit"}]}`)},
		Source: "Riverside General Hospital", AgeAtDate: -1})
	if got != 0 {
		t.Errorf("a visit at a general hospital: %v", got.Strings())
	}
}

// Words written the ways records really write them: accents, full-width
// forms, spaced and dotted letters, a line-break hyphen, letters run into
// digits, obstetric shorthand, Spanish, misspellings — and look-alikes.
func TestWrittenForms(t *testing.T) {
	l := mustLabeler(t, Config{})
	for _, tc := range []struct {
		name, text string
		want       roi.Labels
	}{
		{"accents folded", "Depresión mayor, episodio recurrente", roi.LabelsOf(roi.LabelBehavioralHealth)},
		{"full-width letters", "ＨＩＶ viral load", roi.LabelsOf(roi.LabelHIV)},
		{"spaced letters", "H I V screen", roi.LabelsOf(roi.LabelHIV)},
		{"dotted letters", "H.I.V. screen", roi.LabelsOf(roi.LabelHIV)},
		{"soft hyphen", "Gonor\u00adrhea culture", roi.LabelsOf(roi.LabelSTI)},
		{"zero-width space", "HI\u200bV test", roi.LabelsOf(roi.LabelHIV)},
		{"line-break hyphen", "positive for chla-\nmydia", roi.LabelsOf(roi.LabelSTI)},
		{"letters run into digits", "PHQ9 total score", roi.LabelsOf(roi.LabelBehavioralHealth)},
		{"gravida/para", "G3P2 at 12 weeks", roi.LabelsOf(roi.LabelReproductive)},
		{"Spanish", "Prueba de embarazo positiva", roi.LabelsOf(roi.LabelReproductive)},
		{"misspelling", "Gonnorhea NAAT", roi.LabelsOf(roi.LabelSTI)},
		{"negation ends at a terminator", "Denies HI, endorses suicidal ideation", roi.LabelsOf(roi.LabelBehavioralHealth)},
		{"look-alike: SI joint", "SI joint injection", 0},
		{"look-alike: GAD antibodies", "GAD 65 antibody", 0},
		{"look-alike: a tablet", "1 tab x 5 days", 0},
		{"look-alike: vitamin B C", "vitamin B C complex", 0},
	} {
		raw := `{"code":{"text":` + strconvQuote(tc.text) + `}}`
		if got, why := one(t, l, raw); got != tc.want {
			t.Errorf("%s: %v, want %v (%+v)", tc.name, got.Strings(), tc.want.Strings(), why)
		}
	}
}

// Goals name what they aim at in the negative: not a negation.
func TestGoalNegation(t *testing.T) {
	l := mustLabeler(t, Config{})
	got, _ := l.Label(Item{Resources: []string{"Goal/1"}, Raw: [][]byte{[]byte(`{"description":{"text":"No self-harm episodes for 90 days"}}`)}, AgeAtDate: -1})
	if !got.Has(roi.LabelBehavioralHealth) {
		t.Errorf("a goal of no self-harm: %v", got.Strings())
	}
	got, _ = l.Label(Item{Resources: []string{"Condition/1"}, Raw: [][]byte{[]byte(`{"note":[{"text":"No self-harm."}]}`)}, AgeAtDate: -1})
	if got != 0 {
		t.Errorf("a note saying no self-harm: %v", got.Strings())
	}
}

// Attachments as they arrive: UTF-16, Latin-1, base64 broken over lines,
// HTML with inline tags inside a word.
func TestAttachmentEncodings(t *testing.T) {
	l := mustLabeler(t, Config{})
	b64 := func(b []byte) string { return base64.StdEncoding.EncodeToString(b) }
	utf16le := []byte{0xFF, 0xFE}
	for _, r := range "Induced abortion at 9 weeks" {
		utf16le = append(utf16le, byte(r), 0)
	}
	wrapped := b64([]byte("Patient is an alcoholic."))
	wrapped = wrapped[:8] + "\r\n" + wrapped[8:]
	for _, tc := range []struct {
		name, data string
		want       roi.Labels
	}{
		{"UTF-16 with its mark", b64(utf16le), roi.LabelsOf(roi.LabelReproductive)},
		{"Latin-1", b64([]byte("Caf\xe9 worker, chlamydia positive")), roi.LabelsOf(roi.LabelSTI)},
		{"base64 over lines", wrapped, roi.LabelsOf(roi.LabelSubstanceUse)},
		{"inline tags inside a word", b64([]byte("<p>Result: <span>Chla</span>mydia detected</p>")), roi.LabelsOf(roi.LabelSTI)},
		{"an image", b64([]byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")), 0},
	} {
		raw := `{"content":[{"attachment":{"contentType":"text/plain","data":"` + strings.ReplaceAll(strings.ReplaceAll(tc.data, "\r", `\r`), "\n", `\n`) + `"}}]}`
		if got, why := one(t, l, raw); got != tc.want {
			t.Errorf("%s: %v, want %v (%+v)", tc.name, got.Strings(), tc.want.Strings(), why)
		}
	}
}

func strconvQuote(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}
