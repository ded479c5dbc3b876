package packet

import (
	"fmt"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/custodian-roi/custodian/internal/roi"
)

// The tests in this file read packets as their reader does (pdftotext,
// qpdf): the patient on every page, the certification, results in
// tables at the source's precision, no record ids in the body, the
// permissions and the invoice.

// pageTexts returns every page's text, white space collapsed.
func pageTexts(tb testing.TB, pdf []byte) []string {
	tb.Helper()
	pages := strings.Split(strings.TrimRight(pdftotext(tb, pdf, 0, 0), "\f"), "\f")
	for i := range pages {
		pages[i] = flat(pages[i])
	}
	return pages
}

// recordID matches what a reader should never meet in a packet's body: a
// FHIR "Type/id" or a UUID.
var recordID = regexp.MustCompile(`\b(Encounter|Observation|DiagnosticReport|DocumentReference|Condition|Procedure|Immunization|Claim|ExplanationOfBenefit|MedicationRequest|Patient)/[A-Za-z0-9.-]+|[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}`)

func TestEveryPageNamesThePatient(t *testing.T) {
	c := readChart(t, bob)
	in := input(t, items(t, c, firstN(20)))
	in.Items[2].Attachments = []Attachment{{Title: "Outside record", ContentType: "application/pdf", Data: testPDF(t, 2, "OUTSIDE RECORD")}}
	in.Attachments = []Attachment{{Title: "Letter", ContentType: "application/pdf", Data: testPDF(t, 1, "APPENDED LETTER")}}
	pdf, m, err := Build(in)
	if err != nil {
		t.Fatal(err)
	}
	pages := pageTexts(t, pdf)
	if len(pages) != m.Pages || pdfPages(t, pdf) != m.Pages {
		t.Fatalf("pdftotext reads %d pages, the manifest says %d", len(pages), m.Pages)
	}
	merged := 0
	for i, p := range pages {
		// Merged pages are stamped in a standard font: the same words.
		for _, want := range []string{"Patient: Zoë Quintanilla-Brandt", "Born 1961-04-09", "MRN MRN-0042-7781",
			"Request 2026-000123", fmt.Sprintf("Page %d of %d", i+1, m.Pages)} {
			if !strings.Contains(p, want) {
				t.Errorf("page %d lacks %q: %q", i+1, want, p[:min(len(p), 300)])
			}
		}
		if strings.Contains(p, "OUTSIDE RECORD page") || strings.Contains(p, "APPENDED LETTER page") {
			merged++
		}
	}
	if merged != 3 {
		t.Errorf("%d merged pages read, want 3", merged)
	}
	in.Patient = Patient{}
	if _, _, err := Build(in); roi.CodeOf(err) != roi.CodeInvalid {
		t.Errorf("a packet without the patient's name: %v, want invalid", err)
	}
}

func TestCertification(t *testing.T) {
	c := readChart(t, clemente)
	its := items(t, c, firstN(len(c.Items)))
	in := input(t, its)
	in.Attachments = []Attachment{{Title: "Letter", ContentType: "application/pdf", Data: testPDF(t, 3, "APPENDED LETTER")}}
	pdf, m, err := Build(in)
	if err != nil {
		t.Fatal(err)
	}
	pages := pageTexts(t, pdf)
	if m.Certification < 1 || m.Certification > len(pages) {
		t.Fatalf("certification on page %d of %d", m.Certification, len(pages))
	}
	cert := pages[m.Certification-1]
	total := pdfPages(t, pdf)
	for _, want := range []string{
		"Certification of records",
		"I, Dana Whitfield, ROI specialist of Riverside Health — Health Information Management",
		"true copies of records",
		"kept in the course of the regularly conducted activity",
		fmt.Sprintf("This packet has %d pages in all, numbered 1 to %d", total, total),
		fmt.Sprintf("In all %d items and 1 attached document on %d pages", len(its), m.RecordPages),
		"Name Dana Whitfield", "Title ROI specialist", "Date 2026-11-22",
	} {
		if !strings.Contains(cert, want) {
			t.Errorf("the certification lacks %q: %q", want, cert)
		}
	}
	// Each category with its count and date range, worked out here from
	// the items.
	type span struct {
		n        int
		from, to roi.Date
	}
	cats := map[string]*span{}
	for _, it := range its {
		s := cats[it.Type]
		if s == nil {
			s = &span{from: it.Date, to: it.Date}
			cats[it.Type] = s
		}
		s.n++
		s.from, s.to = min(s.from, it.Date), max(s.to, it.Date)
	}
	if len(cats) < 3 {
		t.Fatalf("%d categories: the test bundle does not exercise the table", len(cats))
	}
	for typ, s := range cats {
		dates := s.from.String()
		if s.to > s.from {
			dates += " to " + s.to.String()
		}
		if want := typ + " " + strconv.Itoa(s.n) + " " + dates; !strings.Contains(cert, want) {
			t.Errorf("the certification lacks the row %q", want)
		}
	}
	// The index points to it.
	if index := pages[m.Certification]; !strings.Contains(index, "Certification of records: page "+strconv.Itoa(m.Certification)) {
		t.Errorf("the index does not point to the certification: %q", index[:min(len(index), 400)])
	}
	// Without a certifier, lines are left to fill in by hand.
	in.Certifier = Certifier{}
	pdf, m, err = Build(in)
	if err != nil {
		t.Fatal(err)
	}
	if cert := pageTexts(t, pdf)[m.Certification-1]; !strings.Contains(cert, "I, the undersigned, am a custodian") || strings.Contains(cert, "Dana Whitfield") {
		t.Errorf("certification without a certifier: %q", cert)
	}
}

func TestResultsGroupedInTables(t *testing.T) {
	c := readChart(t, clemente)
	its := items(t, c, firstN(len(c.Items)))
	pdf, m, err := Build(input(t, its))
	if err != nil {
		t.Fatal(err)
	}
	pages := pageTexts(t, pdf)
	byKey := map[string]Item{}
	for _, it := range its {
		byKey[it.Key] = it
	}
	// Bare vital signs of one encounter share a table, so a page.
	groups := map[string][]ManifestItem{}
	for _, mi := range m.Items {
		if it := byKey[mi.Key]; grouped(&it) {
			groups[it.Group] = append(groups[it.Group], mi)
		}
	}
	var vitals []ManifestItem
	for g, ms := range groups {
		if strings.Contains(g, "vital-signs") && len(ms) > len(vitals) {
			vitals = ms
		}
	}
	if len(vitals) < 3 {
		t.Fatalf("the largest vital-signs group has %d items: the bundle does not exercise grouping", len(vitals))
	}
	for k, mi := range vitals {
		if mi.FirstPage != vitals[0].FirstPage {
			t.Errorf("vital sign %d on page %d, the group's first on %d", k, mi.FirstPage, vitals[0].FirstPage)
		}
		if k > 0 && mi.Key == vitals[k-1].Key {
			t.Error("an item repeated")
		}
	}
	pg := pages[vitals[0].FirstPage-1]
	if !strings.Contains(pg, "Vital signs, ") || !strings.Contains(pg, "Item Test Value Unit") {
		t.Errorf("the vitals' page has no grouped table: %q", pg)
	}
	for _, mi := range vitals {
		if title := flat(byKey[mi.Key].Title); !strings.Contains(pg, title) {
			t.Errorf("the vitals' table lacks %q", title)
		}
	}
	// Fewer pages than one per result.
	if m.Pages >= len(its) {
		t.Errorf("%d pages for %d items", m.Pages, len(its))
	}
	// Over-precise machine floats are rounded and marked; the source's
	// long text is nowhere.
	all := strings.Join(pages, " ")
	long := regexp.MustCompile(`\d+\.\d{8,}`)
	if s := long.FindString(all); s != "" {
		t.Errorf("the packet prints the machine float %s", s)
	}
	if !strings.Contains(all, RoundedMark) || !strings.Contains(all, flat(RoundedNote)) {
		t.Error("no rounded value marked and explained")
	}
}

func TestNoRecordIDsInTheBody(t *testing.T) {
	for _, bundle := range []string{bob, clemente} {
		c := readChart(t, bundle)
		its := items(t, c, firstN(min(len(c.Items), 120)))
		pdf, m, err := Build(input(t, its))
		if err != nil {
			t.Fatal(err)
		}
		pages := pageTexts(t, pdf)
		if m.Identifiers == nil {
			t.Fatal("no appendix of record identifiers")
		}
		for i, p := range pages[:m.Identifiers.FirstPage-1] {
			if s := recordID.FindString(p); s != "" {
				t.Errorf("%s: page %d prints the record id %q", bundle, i+1, s)
			}
		}
		appendix := strings.Join(pages[m.Identifiers.FirstPage-1:m.Identifiers.FirstPage-1+m.Identifiers.Pages], " ")
		if !strings.Contains(appendix, "Appendix: record identifiers") {
			t.Errorf("%s: the appendix is not where the manifest says", bundle)
		}
		for _, it := range its {
			for _, k := range it.Sources {
				if !strings.Contains(appendix, k) {
					t.Errorf("%s: the appendix lacks %s", bundle, k)
				}
			}
		}
	}
}

func TestPermissionsAllowAccessibility(t *testing.T) {
	c := readChart(t, clemente)
	plain, _, err := Build(input(t, items(t, c, firstN(6))))
	if err != nil {
		t.Fatal(err)
	}
	enc, err := Encrypt(plain, "user-password-1", "owner-password-2")
	if err != nil {
		t.Fatal(err)
	}
	qpdf := needTool(t, "qpdf")
	out, err := exec.Command(qpdf, "--show-encryption", "--password=user-password-1", writeTemp(t, "e.pdf", enc)).CombinedOutput()
	if err != nil {
		t.Fatalf("qpdf: %v: %s", err, out)
	}
	s := string(out)
	for _, want := range []string{"R = 6", "extract for accessibility: allowed", "extract for any purpose: not allowed",
		"print high resolution: allowed", "modify anything: not allowed", "modify document assembly: not allowed", "AESv3"} {
		if !strings.Contains(s, want) {
			t.Errorf("qpdf --show-encryption lacks %q:\n%s", want, s)
		}
	}
}

func TestInvoiceWhenAndOnlyWhenDue(t *testing.T) {
	c := readChart(t, clemente)
	in := input(t, items(t, c, firstN(12)))
	asked := -1
	in.Invoice = func(pages int) (*Invoice, error) {
		asked = pages
		return nil, nil
	}
	pdf, m, err := Build(in)
	if err != nil {
		t.Fatal(err)
	}
	if asked != m.RecordPages || asked < 1 {
		t.Errorf("the fee was asked for %d pages, the records have %d", asked, m.RecordPages)
	}
	if m.Invoice != nil || strings.Contains(strings.Join(pageTexts(t, pdf), " "), "Amount due") {
		t.Error("an invoice without a fee due")
	}
	withoutInvoice := m.Pages
	in.Invoice = func(pages int) (*Invoice, error) {
		return &Invoice{Total: "$" + strconv.Itoa(pages) + ".25", Notes: []string{"Pay within 30 days."},
			Lines: []InvoiceLine{{What: "Copies, per page", Cite: "State schedule", Amount: "$" + strconv.Itoa(pages) + ".25"}}}, nil
	}
	pdf, m, err = Build(in)
	if err != nil {
		t.Fatal(err)
	}
	pages := pageTexts(t, pdf)
	if m.Invoice == nil || m.Invoice.FirstPage+m.Invoice.Pages-1 != m.Pages || m.Pages != withoutInvoice+m.Invoice.Pages {
		t.Fatalf("invoice %+v in a packet of %d pages (%d without it)", m.Invoice, m.Pages, withoutInvoice)
	}
	inv := pages[m.Invoice.FirstPage-1]
	due := "$" + strconv.Itoa(m.RecordPages) + ".25"
	for _, want := range []string{"Invoice", "Bill to: Dr. José Montañez", "request 2026-000123", "Copies, per page State schedule " + due,
		"Total due " + due, "Amount due: " + due, "Pay within 30 days.", strconv.Itoa(m.RecordPages) + " pages of records"} {
		if !strings.Contains(inv, want) {
			t.Errorf("the invoice lacks %q: %q", want, inv)
		}
	}
	cert := pages[m.Certification-1]
	if !strings.Contains(cert, fmt.Sprintf("This packet has %d pages", m.Pages)) || !strings.Contains(cert, "the record identifiers and the invoice") {
		t.Errorf("the certification does not count the invoice: %q", cert)
	}
	in.Invoice = func(int) (*Invoice, error) { return nil, roi.Errorf(roi.CodeInternal, "no quote") }
	if _, _, err := Build(in); roi.CodeOf(err) != roi.CodeInternal {
		t.Errorf("a failing fee: %v, want its error", err)
	}
}

func TestPrecise(t *testing.T) {
	for _, tc := range []struct {
		in, want string
		rounded  bool
	}{
		{"176.0058414337122", "176.0", true},
		{"0.9816277197801062", "0.9816", true},
		{"123456.78901234", "123457", true},
		{"0.000123456789012", "0.0001235", true},
		{"99.99999999999", "100.0", true},
		{"112.41600000000001", "112.416", false}, // float noise on the decimal the source meant
		{"28.104000000000003", "28.104", false},
		{"5.60", "5.60", false},           // the source's trailing zero is kept
		{"64.595", "64.595", false},       // a few decimals: as the source wrote them
		{"123456789", "123456789", false}, // integers never change
		{"12345678901234567", "12345678901234567", false},
		{"1.5e-7", "1.5e-7", false},
		{"140.123456", "140.123456", false}, // nine significant digits: kept
		{"", "", false},
		{"Never smoker", "Never smoker", false},
	} {
		got, rounded := Precise(tc.in)
		if got != tc.want || rounded != tc.rounded {
			t.Errorf("Precise(%q) = %q %v, want %q %v", tc.in, got, rounded, tc.want, tc.rounded)
		}
	}
	// Through FromFHIR: an observation's value, unit apart, at its
	// precision.
	raw := `{"resourceType":"Observation","id":"o1","status":"final","category":[{"coding":[{"code":"laboratory","display":"Laboratory"}]}],
	"code":{"text":"Glucose"},"effectiveDateTime":"2024-01-02T08:00:00Z",
	"valueQuantity":{"value":176.0058414337122,"unit":"mg/dL"},"referenceRange":[{"low":{"value":70.0,"unit":"mg/dL"},"high":{"value":99,"unit":"mg/dL"}}]}`
	it, err := FromFHIR(roi.ChartItem{Key: "Observation/o1", Type: "result"}, [][]byte{[]byte(raw)}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !grouped(&it) || len(it.Results) != 1 || it.GroupTitle != "Lab results" {
		t.Fatalf("a bare lab observation is not grouped: %+v", it)
	}
	r := it.Results[0]
	if r.Value != "176.0" || !r.Rounded || r.Unit != "mg/dL" || r.Range != "70.0 mg/dL – 99 mg/dL" || r.Test != "Glucose" {
		t.Errorf("row %+v", r)
	}
}
