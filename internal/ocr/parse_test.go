package ocr

import (
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/custodian-roi/custodian/internal/roi"
)

// want is what a form's text must suggest. An empty string or NoDate
// means the field must NOT be found: the parser may not invent it.
type want struct {
	language                         roi.Language
	patient, discloser, recipient    string
	purpose, event, signer, authText string
	birth, expires, signed, from, to string // YYYY-MM-DD
	signedBy                         roi.Signer
	authority                        roi.Authority
	labels                           []roi.Label
	statements                       []roi.Statement
	part2, tpo                       bool
}

var forms = map[string]want{
	"hipaa-labeled": {
		language: roi.LanguageEnglish,
		patient:  "Jane Q. Doe", birth: "1962-03-14",
		discloser: "Mercy General Hospital", recipient: "Smith & Jones LLP",
		purpose: "Legal proceedings", expires: "2026-12-31",
		signed: "2026-03-01", signedBy: roi.SignerPatient, signer: "Jane Q. Doe",
		from: "2020-01-01", to: "2025-12-31",
		labels:     []roi.Label{roi.LabelGeneral, roi.LabelHIV, roi.LabelBehavioralHealth, roi.LabelSTI},
		statements: []roi.Statement{roi.StatementRevocation, roi.StatementConditioning, roi.StatementRedisclosure},
	},
	"rep-prose": {
		language: roi.LanguageEnglish,
		patient:  "Thomas Lee", birth: "2009-07-04",
		discloser: "Lakeside Behavioral Health Center",
		recipient: "Dr. Anna Whitfield, Riverside Family Practice",
		purpose:   "continuity of care", event: "completion of treatment",
		signed: "2025-06-02", signedBy: roi.SignerRepresentative, signer: "Robert Lee",
		authority: roi.AuthorityParent, authText: "Parent of a minor",
		from: "2024-01-01", to: "2024-06-30",
		labels:     []roi.Label{roi.LabelPsychotherapyNote},
		statements: []roi.Statement{roi.StatementRevocation, roi.StatementConditioning},
	},
	"part2": {
		language: roi.LanguageEnglish,
		patient:  "Carlos Rivera", birth: "1985-11-02",
		discloser: "New Dawn Recovery Program", recipient: "County Drug Court, Probation Office",
		purpose: "compliance with drug court supervision",
		event:   "my discharge from drug court supervision",
		signed:  "2026-05-15", signedBy: roi.SignerPatient,
		labels:     []roi.Label{roi.LabelSubstanceUse, roi.LabelPart2},
		statements: []roi.Statement{roi.StatementRevocation, roi.StatementConditioning, roi.StatementRedisclosure},
		part2:      true,
	},
	"spanish": {
		language: roi.LanguageSpanish,
		patient:  "María Elena López García", birth: "1978-09-22",
		discloser: "Clínica San Rafael", recipient: "Aseguradora del Valle S.A.",
		purpose: "reclamación de seguro", expires: "2027-06-30",
		signed: "2026-03-10", signedBy: roi.SignerPatient, signer: "María E. López",
		from: "2023-01-01", to: "2024-12-31",
		labels:     []roi.Label{roi.LabelHIV, roi.LabelBehavioralHealth, roi.LabelGenetic},
		statements: []roi.Statement{roi.StatementRevocation, roi.StatementConditioning, roi.StatementRedisclosure},
	},
	"noisy": {
		language: roi.LanguageEnglish,
		patient:  "W1lliam J. 0'Brien", birth: "1949-07-30", // the name as read: the clerk corrects it
		discloser: "St. Vincent Medlcal Center", recipient: "Acme Life lnsurance Co.",
		purpose: "lnsurance application", expires: "2027-01-15", signed: "2026-02-01",
		labels:     []roi.Label{roi.LabelGenetic, roi.LabelSubstanceUse},
		statements: []roi.Statement{roi.StatementRevocation},
	},
	"blank": {language: roi.LanguageEnglish},
}

func TestParseAuthorization(t *testing.T) {
	for name, w := range forms {
		t.Run(name, func(t *testing.T) {
			text, err := os.ReadFile("testdata/" + name + ".txt")
			if err != nil {
				t.Fatal(err)
			}
			checkPrefill(t, ParseAuthorization(string(text)), w, false)
		})
	}
}

// checkPrefill compares p with w. loose (OCR of a rendered form) compares
// text fields ignoring case and space; the exact parser tests do not.
func checkPrefill(t *testing.T, p Prefill, w want, loose bool) {
	t.Helper()
	if p.Language != w.language {
		t.Errorf("language = %q, want %q", p.Language, w.language)
	}
	str := func(name string, s Suggestion[string], v string) {
		t.Helper()
		got := s.Value
		if loose {
			got, v = folded(got), folded(v)
		}
		if got != v {
			t.Errorf("%s = %q (from %q), want %q", name, s.Value, s.Line, v)
		}
		if s.Found() && !strings.Contains(s.Line, s.Value) && name != "purpose" {
			t.Errorf("%s: line %q does not show the value %q", name, s.Line, s.Value)
		}
	}
	date := func(name string, s Suggestion[roi.Date], v string) {
		t.Helper()
		got := ""
		if s.Found() {
			got = s.Value.String()
		}
		if got != v {
			t.Errorf("%s = %q (from %q), want %q", name, got, s.Line, v)
		}
	}
	str("patient", p.PatientName, w.patient)
	str("discloser", p.Discloser, w.discloser)
	str("recipient", p.Recipient, w.recipient)
	str("purpose", p.Purpose, w.purpose)
	str("expiration event", p.ExpirationEvent, w.event)
	str("signer", p.SignerName, w.signer)
	str("authority text", p.AuthorityText, w.authText)
	date("birth", p.BirthDate, w.birth)
	date("expires", p.Expires, w.expires)
	date("signed", p.Signed, w.signed)
	date("from", p.From, w.from)
	date("to", p.To, w.to)
	if p.SignedBy.Value != w.signedBy || p.SignedBy.Found() != (w.signedBy != "") {
		t.Errorf("signed by = %q (from %q), want %q", p.SignedBy.Value, p.SignedBy.Line, w.signedBy)
	}
	if p.Authority.Value != w.authority || p.Authority.Found() != (w.authority != "") {
		t.Errorf("authority = %q (from %q), want %q", p.Authority.Value, p.Authority.Line, w.authority)
	}
	var labels []roi.Label
	for _, s := range p.Labels {
		labels = append(labels, s.Value)
		if s.Line == "" {
			t.Errorf("label %s has no line", s.Value)
		}
	}
	if !sameSet(labels, w.labels) {
		t.Errorf("labels = %v, want %v", labels, w.labels)
	}
	var sts []roi.Statement
	for _, s := range p.Statements {
		sts = append(sts, s.Value)
	}
	if !sameSet(sts, w.statements) {
		t.Errorf("statements = %v, want %v", sts, w.statements)
	}
	if p.Part2.Value != w.part2 || p.Part2.Found() != w.part2 {
		t.Errorf("part2 = %v (from %q), want %v", p.Part2.Value, p.Part2.Line, w.part2)
	}
	if p.TPO.Value != w.tpo {
		t.Errorf("tpo = %v (from %q), want %v", p.TPO.Value, p.TPO.Line, w.tpo)
	}
}

func sameSet[T comparable](a, b []T) bool {
	if len(a) != len(b) {
		return false
	}
	for _, x := range b {
		if !slices.Contains(a, x) {
			return false
		}
	}
	return true
}

// A box printed empty, or checked in a list of what is NOT released, is no
// category; the same words checked elsewhere are.
func TestCategoriesOnlyWhenChecked(t *testing.T) {
	cases := []struct {
		text string
		want []roi.Label
	}{
		{"[ ] HIV/AIDS\n[ ] Mental health", nil},
		{"☐ HIV/AIDS ☒ Mental health", []roi.Label{roi.LabelBehavioralHealth}},
		{"Do not release the following:\n[X] HIV/AIDS\n[X] Genetic testing", nil},
		{"Release the following:\n[X] HIV/AIDS\n[X] Genetic testing", []roi.Label{roi.LabelHIV, roi.LabelGenetic}},
		{"My records may include information about HIV, mental health and drug abuse.", nil},
		{"[X] Alcohol/drug abuse treatment", []roi.Label{roi.LabelSubstanceUse}},
		{"[X] Domestic violence or sexual assault\n[X] Reproductive health, abortion", []roi.Label{roi.LabelViolence, roi.LabelReproductive}},
		{"(x) Psychotherapy notes", []roi.Label{roi.LabelPsychotherapyNote}},
		{"Purpose: [X] Legal [X] Insurance", nil},
	}
	for _, c := range cases {
		p := ParseAuthorization(c.text)
		var got []roi.Label
		for _, s := range p.Labels {
			got = append(got, s.Value)
		}
		if !sameSet(got, c.want) {
			t.Errorf("%q: labels %v, want %v", c.text, got, c.want)
		}
	}
}

func TestFindDates(t *testing.T) {
	cases := []struct {
		s        string
		dayFirst bool
		want     []string
	}{
		{"03/14/1962", false, []string{"1962-03-14"}},
		{"14/03/1962", false, []string{"1962-03-14"}}, // the numbers say day first
		{"05/04/2026", true, []string{"2026-04-05"}},  // the form said dd/mm
		{"05/04/2026", false, []string{"2026-05-04"}}, // US default
		{"O3/l4/2O26", false, []string{"2026-03-14"}}, // OCR's letters for digits
		{"2024-01-01 - 2024-06-30", false, []string{"2024-01-01", "2024-06-30"}},
		{"01/01/2020-12/31/2025", false, []string{"2020-01-01", "2025-12-31"}},
		{"March 14, 1962", false, []string{"1962-03-14"}},
		{"30 de junio de 2027", false, []string{"2027-06-30"}},
		{"2/30/2026", false, nil}, // no such day
		{"MRN 00012345, phone 555-1234", false, nil},
		{"3/1/62", false, []string{"1962-03-01"}},
	}
	for _, c := range cases {
		var got []string
		for _, h := range findDates(c.s, c.dayFirst) {
			got = append(got, h.d.String())
		}
		if !slices.Equal(got, c.want) {
			t.Errorf("findDates(%q, %v) = %v, want %v", c.s, c.dayFirst, got, c.want)
		}
	}
}

func TestWordMatch(t *testing.T) {
	for _, c := range []struct {
		got, want string
		ok        bool
	}{
		{"patlent", "patient", true}, {"narne", "name", true}, {"signatuer", "signature", true},
		{"date", "data", false}, {"general", "genet*", false}, {"geneticas", "genet*", true},
		{"conditions", "condition", true}, {"hiv", "his", false},
	} {
		if wordMatch(c.got, c.want) != c.ok {
			t.Errorf("wordMatch(%q, %q) = %v", c.got, c.want, !c.ok)
		}
	}
}

func TestRepresentativeAuthority(t *testing.T) {
	for text, want := range map[string]roi.Authority{
		"Relationship to patient: Legal guardian":        roi.AuthorityGuardian,
		"Relationship: Health care power of attorney":    roi.AuthorityHealthcarePOA,
		"Legal authority: Executor of the estate":        roi.AuthorityExecutor,
		"Relación con el paciente: madre":                roi.AuthorityParent,
		"Signed by: [ ] Patient [X] Guardian [ ] Parent": roi.AuthorityGuardian,
		"Relationship: Power of attorney":                "", // which kind is not said
	} {
		p := ParseAuthorization(text)
		if p.Authority.Value != want {
			t.Errorf("%q: authority %q, want %q", text, p.Authority.Value, want)
		}
		if p.SignedBy.Value != roi.SignerRepresentative {
			t.Errorf("%q: signed by %q, want representative", text, p.SignedBy.Value)
		}
	}
	p := ParseAuthorization("Signed by: [X] Patient [ ] Guardian [ ] Parent")
	if p.SignedBy.Value != roi.SignerPatient || p.Authority.Found() {
		t.Errorf("patient box: signed by %q, authority %q", p.SignedBy.Value, p.Authority.Value)
	}
}

func TestPart2TPO(t *testing.T) {
	p := ParseAuthorization("Consent under 42 CFR Part 2\nI consent to all future uses and disclosures for\ntreatment, payment, and health care operations.")
	if !p.Part2.Value || !p.TPO.Value {
		t.Errorf("part2 %v tpo %v, want both", p.Part2.Value, p.TPO.Value)
	}
	p = ParseAuthorization("I authorize disclosure for treatment, payment, and health care operations in the future.")
	if p.Part2.Found() || p.TPO.Found() {
		t.Errorf("no Part 2 citation: part2 %v tpo %v", p.Part2.Found(), p.TPO.Found())
	}
}

func FuzzParseAuthorization(f *testing.F) {
	for name := range forms {
		b, _ := os.ReadFile("testdata/" + name + ".txt")
		f.Add(string(b))
	}
	f.Fuzz(func(t *testing.T, s string) {
		p := ParseAuthorization(s)
		for _, x := range []Suggestion[string]{p.PatientName, p.Discloser, p.Recipient, p.Purpose, p.SignerName} {
			if x.Found() != (x.Line != "") || x.Value != "" && x.Line == "" {
				t.Fatalf("a value without its line")
			}
		}
	})
}

// folded is s's words as the parser matches them: OCR drops accents.
func folded(s string) string {
	var ws []string
	for _, w := range newLine(0, s).words {
		ws = append(ws, w.s)
	}
	return strings.Join(ws, " ")
}
