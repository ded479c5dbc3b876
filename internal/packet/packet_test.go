package packet

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/go-pdf/fpdf"

	"github.com/custodian-roi/custodian/internal/doc"
	"github.com/custodian-roi/custodian/internal/fhir"
	"github.com/custodian-roi/custodian/internal/roi"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// bob is a Synthea-HIV bundle (copied byte for byte from the shared data):
// encounters, DocumentReference notes (base64 text), reports with folded
// results, immunizations, claims.
const bob = "testdata/Bob965_Keeling57_3f6fd0bb-6cd3-eb3f-4401-cd38ace25f2b.json"

// clemente is a 2019-generation Synthea bundle whose DiagnosticReports
// fold Observations (a lipid panel, a metabolic panel ...).
const clemente = "testdata/Clemente_Kreiger_1484a42d-0eaf-4654-9cbf-6b050a5cd73b.json"

func day(tb testing.TB, s string) roi.Date {
	tb.Helper()
	d, err := roi.ParseDate(s)
	if err != nil {
		tb.Fatal(err)
	}
	return d
}

func readChart(tb testing.TB, path string) fhir.Chart {
	tb.Helper()
	f, err := os.Open(path)
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	charts, err := fhir.ReadBundle(f, "")
	if err != nil {
		tb.Fatal(err)
	}
	if len(charts) != 1 {
		tb.Fatalf("%d charts, want 1", len(charts))
	}
	return charts[0]
}

// raws are chart item i's resources as the release holds them: its own,
// then the ones folded into it.
func raws(c fhir.Chart, i int) [][]byte {
	d := c.Details[i]
	out := [][]byte{d.Raw}
	for _, k := range d.Resources[1:] {
		out = append(out, c.FoldedRaw[k])
	}
	return out
}

// items renders the chart items keep selects.
func items(tb testing.TB, c fhir.Chart, keep func(i int, it roi.ChartItem) bool) []Item {
	tb.Helper()
	var out []Item
	for i, ci := range c.Items {
		if !keep(i, ci) {
			continue
		}
		it, err := FromFHIR(ci, raws(c, i), nil)
		if err != nil {
			tb.Fatalf("FromFHIR(%s): %v", ci.Key, err)
		}
		out = append(out, it)
	}
	return out
}

func cover(number string, released roi.Date) doc.Letter {
	return doc.Letter{
		Kind:      "cover",
		Title:     "Release of health information",
		Reference: number,
		Date:      released,
		From:      []string{"Riverside Health — Health Information Management", "1 Main Street", "Springfield, MA 01101"},
		To:        []string{"Dr. José Montañez", "22 Elm Road", "Boston, MA 02110"},
		Blocks: []doc.Block{
			doc.P("Enclosed are the records released in answer to your request, as listed in the index that follows."),
			doc.H("What is enclosed"),
			doc.L("Encounters and clinical notes", "Laboratory results", "Immunizations"),
		},
	}
}

func input(tb testing.TB, its []Item) Input {
	released := day(tb, "2026-11-22")
	return Input{
		Number:    "2026-000123",
		PacketID:  "PKT-2026-000123-1",
		Recipient: "Dr. José Montañez",
		Released:  released,
		Patient:   testPatient,
		Certifier: Certifier{Name: "Dana Whitfield", Role: "ROI specialist"},
		Cover:     cover("2026-000123", released),
		Items:     its,
	}
}

// testPatient is printed at the top of every page of the test packets.
var testPatient = Patient{Name: "Zoë Quintanilla-Brandt", BirthDate: roi.MakeDate(1961, 4, 9), MRN: "MRN-0042-7781"}

// firstN keeps the chart's first n items.
func firstN(n int) func(int, roi.ChartItem) bool {
	return func(i int, _ roi.ChartItem) bool { return i < n }
}

// needTool returns the path of a command-line tool, skipping the test when
// it is absent, except under CI=true, where its absence is a failure.
func needTool(tb testing.TB, name string) string {
	tb.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		if os.Getenv("CI") == "true" {
			tb.Fatalf("%s is required under CI=true (apt-get install poppler-utils qpdf chromium)", name)
		}
		tb.Skipf("%s not installed; skipping (apt-get install poppler-utils qpdf)", name)
	}
	return p
}

func writeTemp(tb testing.TB, name string, data []byte) string {
	tb.Helper()
	p := filepath.Join(tb.TempDir(), name)
	if err := os.WriteFile(p, data, 0o600); err != nil {
		tb.Fatal(err)
	}
	return p
}

// pdftotext returns the text of pages first..last (0 for all).
func pdftotext(tb testing.TB, pdf []byte, first, last int, args ...string) string {
	tb.Helper()
	bin := needTool(tb, "pdftotext")
	path := writeTemp(tb, "p.pdf", pdf)
	a := append([]string{}, args...)
	if first > 0 {
		a = append(a, "-f", strconv.Itoa(first), "-l", strconv.Itoa(last))
	}
	a = append(a, "-layout", path, "-")
	out, err := exec.Command(bin, a...).CombinedOutput()
	if err != nil {
		tb.Fatalf("pdftotext: %v: %s", err, out)
	}
	return string(out)
}

// flat collapses white space, so that text wrapped over lines or set in
// columns compares as a sentence.
func flat(s string) string { return strings.Join(strings.Fields(s), " ") }

// TestGoldenManifest pins the layout of a packet built from a fixed
// Synthea bundle on a fixed date: every item's first page and page count,
// and its hash over the released resources. Run with -update after an
// intended layout change and review the diff.
func TestGoldenManifest(t *testing.T) {
	c := readChart(t, clemente)
	in := input(t, items(t, c, firstN(len(c.Items))))
	pdf, m, err := Build(in)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(pdf, []byte("%PDF-")) {
		t.Fatal("not a PDF")
	}
	got, err := json.MarshalIndent(struct {
		Pages int            `json:"pages"`
		Items []ManifestItem `json:"items"`
	}{m.Pages, m.Items}, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	got = append(got, '\n')
	golden := "testdata/manifest.golden.json"
	if *update {
		if err := os.WriteFile(golden, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run go test -run TestGoldenManifest -update)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("manifest differs from %s (run with -update if intended):\n%s", golden, got)
	}
}

func TestManifestBindsResources(t *testing.T) {
	c := readChart(t, clemente)
	its := items(t, c, firstN(len(c.Items)))
	_, m, err := Build(input(t, its))
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Items) != len(its) {
		t.Fatalf("%d manifest items, want %d", len(m.Items), len(its))
	}
	// The manifest follows the printed order, in which the results of one
	// encounter are gathered: find each item's chart index by its key.
	byKey := map[string]int{}
	for i, ci := range c.Items {
		byKey[ci.Key] = i
	}
	folded := 0
	seen := map[string]bool{}
	for k, mi := range m.Items {
		i, ok := byKey[mi.Key]
		if !ok || seen[mi.Key] {
			t.Fatalf("manifest item %d: key %s unknown or repeated", k, mi.Key)
		}
		seen[mi.Key] = true
		if want := ResourcesSHA256(raws(c, i)); mi.SHA256 != want {
			t.Errorf("item %d (%s): sha256 %s, want %s", i, mi.Key, mi.SHA256, want)
		}
		if mi.Date != c.Items[i].Date {
			t.Errorf("item %d: date %s, want %s", i, mi.Date, c.Items[i].Date)
		}
		folded += len(c.Details[i].Resources) - 1
		// Items follow one another: each starts on the page the one
		// before it ends on, or the next.
		if k > 0 {
			prevEnd := m.Items[k-1].FirstPage + m.Items[k-1].Pages - 1
			if mi.FirstPage < m.Items[k-1].FirstPage || mi.FirstPage > prevEnd+1 {
				t.Errorf("item %d starts on page %d; the item before it spans %d to %d", k, mi.FirstPage, m.Items[k-1].FirstPage, prevEnd)
			}
		}
	}
	if folded == 0 {
		t.Error("no item with folded resources among those built; the test does not cover them")
	}
	last := m.Items[len(m.Items)-1]
	if m.Identifiers == nil || last.FirstPage+last.Pages != m.Identifiers.FirstPage || m.Identifiers.FirstPage+m.Identifiers.Pages-1 != m.Pages {
		t.Errorf("last item ends on page %d, identifiers %+v, of %d pages", last.FirstPage+last.Pages-1, m.Identifiers, m.Pages)
	}
	if m.RecordPages != last.FirstPage+last.Pages-m.Items[0].FirstPage {
		t.Errorf("record pages %d, want the items' %d", m.RecordPages, last.FirstPage+last.Pages-m.Items[0].FirstPage)
	}
}

func TestDeterministic(t *testing.T) {
	c := readChart(t, bob)
	in := input(t, items(t, c, firstN(25)))
	a, ma, err := Build(in)
	if err != nil {
		t.Fatal(err)
	}
	b, mb, err := Build(in)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a, b) || ma.SHA256 != mb.SHA256 {
		t.Error("the same input built different PDFs")
	}
	// With merged PDFs (pdfcpu writes the result) and images.
	in.Items[3].Attachments = []Attachment{{Title: "Outside record", ContentType: "application/pdf", Data: testPDF(t, 2, "OUTSIDE RECORD")}}
	in.Attachments = []Attachment{{Title: "Scan", ContentType: "image/png", Data: testPNG(t)}, {Title: "Letter", ContentType: "application/pdf", Data: testPDF(t, 1, "APPENDED LETTER")}}
	a, ma, err = Build(in)
	if err != nil {
		t.Fatal(err)
	}
	b, mb, err = Build(in)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a, b) || ma.SHA256 != mb.SHA256 {
		t.Error("the same input with merged PDFs built different PDFs")
	}
	if bytes.Contains(a, []byte("<"+strings.Repeat("0", 32)+">")) {
		t.Error("zero document id")
	}
}

func TestRenderLetter(t *testing.T) {
	l := cover("2026-000124", day(t, "2026-11-23"))
	l.Kind, l.Title = "denial", "Notice of denial of access"
	l.Blocks = append(l.Blocks, doc.Block{Kind: doc.Notice, Text: "You may ask for a review of this denial."})
	a, err := RenderLetter(l)
	if err != nil {
		t.Fatal(err)
	}
	b, err := RenderLetter(l)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a, b) {
		t.Error("the same letter rendered different PDFs")
	}
	text := flat(pdftotext(t, a, 0, 0))
	for _, want := range []string{"Notice of denial of access", "Dr. José Montañez", "Re: request 2026-000124", "You may ask for a review of this denial.", "Page 1 of 1"} {
		if !strings.Contains(text, want) {
			t.Errorf("letter text lacks %q", want)
		}
	}
}

// TestContent checks the text of a packet built from the chart less one
// sensitive item: the released items' titles and records are there, the
// left-out item is not, there is no Part 2 notice, and the last page says
// "Page M of M" where M is the page count.
func TestContent(t *testing.T) {
	c := readChart(t, bob)
	// The left-out item: the HIV DNA PCR result, one of the Observations
	// the encounter of 2019-07-27 produced; the other items of that day and
	// the visits before it are released.
	left := -1
	for i, it := range c.Items {
		if strings.HasPrefix(it.Title, "HIV DNA POLYMERASE CHAIN REACTION") {
			left = i
		}
	}
	if left < 0 {
		t.Fatal("no HIV DNA PCR result in the test bundle")
	}
	keep := func(i int, it roi.ChartItem) bool {
		return i != left && i >= 170 && it.Date <= c.Items[left].Date
	}
	its := items(t, c, keep)
	pdf, m, err := Build(input(t, its))
	if err != nil {
		t.Fatal(err)
	}
	text := pdftotext(t, pdf, 0, 0)
	ft := flat(text)
	// Record ids are in the appendix, and only there.
	appendix := flat(pdftotext(t, pdf, m.Identifiers.FirstPage, m.Pages))
	body := flat(pdftotext(t, pdf, 1, m.Identifiers.FirstPage-1))
	for _, it := range its {
		id := it.Key[strings.IndexByte(it.Key, '/')+1:]
		if !strings.Contains(appendix, it.Key) {
			t.Errorf("released item %s is not in the appendix of record identifiers", it.Key)
		}
		if strings.Contains(body, id) {
			t.Errorf("the id of released item %s is printed in the packet's body", it.Key)
		}
		if !strings.Contains(ft, flat(it.Title)) {
			t.Errorf("the title of released item %s is not in the packet", it.Key)
		}
	}
	leftID := c.Items[left].Key[strings.IndexByte(c.Items[left].Key, '/')+1:]
	if strings.Contains(ft, leftID) {
		t.Error("the left-out item's record id is in the packet")
	}
	if strings.Contains(ft, "HIV DNA POLYMERASE CHAIN REACTION") {
		t.Error("the left-out result's title is in the packet")
	}
	if strings.Contains(ft, "42 CFR part 2") {
		t.Error("Part 2 notice printed without Part2")
	}
	for _, want := range []string{"Released to Dr. José Montañez on 2026-11-22 — PKT-2026-000123-1", "Index of released records", "Release of health information"} {
		if !strings.Contains(ft, want) {
			t.Errorf("packet lacks %q", want)
		}
	}
	if n := pdfPages(t, pdf); n != m.Pages {
		t.Errorf("pdfinfo counts %d pages, manifest %d", n, m.Pages)
	}
	lastPage := flat(pdftotext(t, pdf, m.Pages, m.Pages))
	if want := fmt.Sprintf("Page %d of %d", m.Pages, m.Pages); !strings.Contains(lastPage, want) {
		t.Errorf("last page lacks %q: %q", want, lastPage)
	}
	// Every item's first page carries its heading (a result group's: the
	// group's title and the item numbers it holds) and the right number.
	byKey := map[string]Item{}
	for _, it := range its {
		byKey[it.Key] = it
	}
	for i, mi := range m.Items {
		pg := flat(pdftotext(t, pdf, mi.FirstPage, mi.FirstPage))
		heading := fmt.Sprintf("Item %d.", i+1)
		if it := byKey[mi.Key]; it.Group != "" {
			heading = it.GroupTitle
		}
		if !strings.Contains(pg, heading) || !strings.Contains(pg, fmt.Sprintf("Page %d of %d", mi.FirstPage, m.Pages)) {
			t.Errorf("page %d does not start item %d (%q): %q", mi.FirstPage, i+1, heading, pg[:min(len(pg), 200)])
		}
	}
	// A note decoded from base64 is printed as text.
	if !strings.Contains(ft, "Chief Complaint") {
		t.Error("no decoded clinical note in the packet")
	}
}

func pdfPages(tb testing.TB, pdf []byte, args ...string) int {
	tb.Helper()
	bin := needTool(tb, "pdfinfo")
	out, err := exec.Command(bin, append(args, writeTemp(tb, "i.pdf", pdf))...).CombinedOutput()
	if err != nil {
		tb.Fatalf("pdfinfo: %v: %s", err, out)
	}
	m := regexp.MustCompile(`(?m)^Pages:\s+(\d+)`).FindSubmatch(out)
	if m == nil {
		tb.Fatalf("pdfinfo gave no page count: %s", out)
	}
	n, _ := strconv.Atoi(string(m[1]))
	return n
}

// TestPart2 checks the 42 CFR 2.32 notice: the full statement boxed on a
// page near the front, the consent's scope, the consent copy attached and
// indexed, and the short statement on exactly the pages of Part 2 items,
// merged pages included.
func TestPart2(t *testing.T) {
	c := readChart(t, bob)
	its := items(t, c, firstN(12))
	its[4].Labels = its[4].Labels.With(roi.LabelPart2)
	its[4].Attachments = []Attachment{{Title: "Program discharge summary", ContentType: "application/pdf", Data: testPDF(t, 2, "PROGRAM SUMMARY")}}
	in := input(t, its)
	in.Part2 = &Part2Notice{
		ConsentScope: "The patient consented on 2026-11-01 to disclose substance use treatment records from 2019 to 2026 to Dr. José Montañez for treatment.",
		Consent:      &Attachment{Title: "Consent to disclose", ContentType: "application/pdf", Data: testPDF(t, 1, "CONSENT FORM COPY")},
	}
	pdf, m, err := Build(in)
	if err != nil {
		t.Fatal(err)
	}
	front := flat(pdftotext(t, pdf, 2, 2))
	if !strings.Contains(front, flat(Part2Statement)) {
		t.Errorf("page 2 lacks the full Part 2 statement: %q", front)
	}
	if !strings.Contains(front, "The patient consented on 2026-11-01") {
		t.Error("page 2 lacks the consent's scope")
	}
	if len(m.Attachments) != 1 || m.Attachments[0].Kind != "consent" || m.Attachments[0].Pages != 1 {
		t.Fatalf("attachments %+v, want the consent", m.Attachments)
	}
	if pg := flat(pdftotext(t, pdf, m.Attachments[0].FirstPage, m.Attachments[0].FirstPage)); !strings.Contains(pg, "CONSENT FORM COPY") ||
		!strings.Contains(pg, fmt.Sprintf("Page %d of %d", m.Attachments[0].FirstPage, m.Pages)) {
		t.Errorf("the consent's page lacks the consent or its page number: %q", pg)
	}
	p2 := m.Items[4]
	if p2.Pages < 3 {
		t.Fatalf("the Part 2 item has %d pages, want its own and the 2 merged", p2.Pages)
	}
	for n := 1; n <= m.Pages; n++ {
		pg := flat(pdftotext(t, pdf, n, n))
		in := n >= p2.FirstPage && n < p2.FirstPage+p2.Pages
		has := strings.Contains(pg, Part2ShortStatement)
		if in != has {
			t.Errorf("page %d: short Part 2 statement %v, want %v", n, has, in)
		}
		if !strings.Contains(pg, fmt.Sprintf("Page %d of %d", n, m.Pages)) {
			t.Errorf("page %d lacks its page number", n)
		}
	}
	if pg := flat(pdftotext(t, pdf, p2.FirstPage+1, p2.FirstPage+1)); !strings.Contains(pg, "PROGRAM SUMMARY page 1") {
		t.Errorf("the merged PDF does not follow its item: %q", pg)
	}

	in.Part2.Consent, in.Part2.ConsentScope = nil, ""
	if _, _, err := Build(in); roi.CodeOf(err) != roi.CodeInvalid {
		t.Errorf("Part 2 without consent or scope: %v, want invalid", err)
	}
}

// TestAttachments checks merged PDFs and placed images: page counts in the
// manifest and the index, and the footer stamped on merged pages.
func TestAttachments(t *testing.T) {
	c := readChart(t, bob)
	its := items(t, c, firstN(6))
	its[1].Attachments = []Attachment{
		{Title: "Outside record", ContentType: "application/pdf", Data: testPDF(t, 3, "OUTSIDE RECORD")},
		{Title: "Wound photo", ContentType: "image/png", Data: testPNG(t)},
	}
	in := input(t, its)
	in.Attachments = []Attachment{{Title: "Billing statement", ContentType: "application/pdf", Data: testPDF(t, 2, "BILLING STATEMENT")}}
	pdf, m, err := Build(in)
	if err != nil {
		t.Fatal(err)
	}
	if n := pdfPages(t, pdf); n != m.Pages {
		t.Fatalf("pdfinfo counts %d pages, manifest %d", n, m.Pages)
	}
	it := m.Items[1]
	// The item's page, the image's page, the three merged pages.
	if it.Pages != 5 {
		t.Errorf("item with a PDF and an image: %d pages, want 5", it.Pages)
	}
	for k := 1; k <= 3; k++ {
		n := it.FirstPage + 1 + k
		pg := flat(pdftotext(t, pdf, n, n))
		if !strings.Contains(pg, fmt.Sprintf("OUTSIDE RECORD page %d", k)) || !strings.Contains(pg, fmt.Sprintf("Page %d of %d", n, m.Pages)) ||
			!strings.Contains(pg, "Released to Dr. José Montañez on 2026-11-22 - PKT-2026-000123-1") {
			t.Errorf("page %d: %q", n, pg)
		}
	}
	if m.Items[2].FirstPage != it.FirstPage+5 {
		t.Errorf("next item on page %d, want %d", m.Items[2].FirstPage, it.FirstPage+5)
	}
	a := m.Attachments[0]
	if a.Pages != 2 || m.Identifiers == nil || a.FirstPage+2 != m.Identifiers.FirstPage {
		t.Errorf("appended PDF at %d (+%d) of %d", a.FirstPage, a.Pages, m.Pages)
	}
	index := flat(pdftotext(t, pdf, m.Certification+1, m.Certification+1))
	if !strings.Contains(index, fmt.Sprintf("A1 attachment Billing statement %d 2", a.FirstPage)) {
		t.Errorf("index lacks the attachment row: %q", index)
	}
	if _, _, err := Build(Input{Number: "x", PacketID: "p", Recipient: "r", Released: day(t, "2026-01-01"),
		Attachments: []Attachment{{Title: "bad", ContentType: "application/pdf", Data: []byte("%PDF-1.4 not really")}}}); roi.CodeOf(err) != roi.CodeInvalid {
		t.Errorf("damaged PDF: %v, want invalid", err)
	}
}

func TestBuildNeedsIdentity(t *testing.T) {
	if _, _, err := Build(Input{}); roi.CodeOf(err) != roi.CodeInvalid {
		t.Errorf("empty input: %v, want invalid", err)
	}
}

// testPDF is a PDF of n pages reading "<label> page k".
func testPDF(tb testing.TB, n int, label string) []byte {
	tb.Helper()
	p := fpdf.New("P", "mm", "A4", "")
	p.SetFont("Helvetica", "", 16)
	for k := 1; k <= n; k++ {
		p.AddPage()
		p.Cell(100, 10, fmt.Sprintf("%s page %d", label, k))
	}
	var buf bytes.Buffer
	if err := p.Output(&buf); err != nil {
		tb.Fatal(err)
	}
	return buf.Bytes()
}

func testPNG(tb testing.TB) []byte {
	tb.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 60, 40))
	for x := range 60 {
		for y := range 40 {
			img.Set(x, y, color.RGBA{uint8(x * 4), uint8(y * 6), 128, 255})
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		tb.Fatal(err)
	}
	return buf.Bytes()
}
