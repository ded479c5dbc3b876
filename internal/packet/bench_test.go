package packet

import (
	"context"
	"fmt"
	"html"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/custodian-roi/custodian/internal/doc"
	"github.com/custodian-roi/custodian/internal/roi"
)

// largeBundle is the largest shared Synthea patient (1,111 resources);
// CUSTODIAN_LARGE_BUNDLE overrides it.
func largeBundle(tb testing.TB) string {
	p := os.Getenv("CUSTODIAN_LARGE_BUNDLE")
	if p == "" {
		p = "../../../shared/data/synthea-large/Fletcher_Hyatt_fe0562b5-f517-4951-8366-32fdab088930.json"
	}
	if _, err := os.Stat(p); err != nil {
		tb.Skipf("large bundle not found (%v); set CUSTODIAN_LARGE_BUNDLE", err)
	}
	return p
}

// largeInput is a packet of the large patient's items, repeated if need
// be, cut to the fewest that fill at least 1,000 pages.
func largeInput(tb testing.TB) (Input, int) {
	tb.Helper()
	c := readChart(tb, largeBundle(tb))
	once := items(tb, c, func(int, roi.ChartItem) bool { return true })
	in := input(tb, once)
	_, m, err := Build(in)
	if err != nil {
		tb.Fatal(err)
	}
	for m.Pages < 1000 {
		in.Items = append(in.Items, once...)
		if _, m, err = Build(in); err != nil {
			tb.Fatal(err)
		}
	}
	// Then the shortest prefix that still reaches 1,000 pages.
	all := in.Items
	for n := len(all) * 1000 / m.Pages; ; n += 10 {
		in.Items = all[:min(n, len(all))]
		if _, m, err = Build(in); err != nil {
			tb.Fatal(err)
		}
		if m.Pages >= 1000 || n >= len(all) {
			return in, m.Pages
		}
	}
}

// BenchmarkBuild1000 builds a packet of about 1,000 pages.
func BenchmarkBuild1000(b *testing.B) {
	in, pages := largeInput(b)
	b.ResetTimer()
	for b.Loop() {
		if _, _, err := Build(in); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(pages)*float64(b.N)/b.Elapsed().Seconds(), "pages/s")
}

// BenchmarkBuildEncrypt1000 builds and encrypts a packet of about 1,000
// pages: what a release costs.
func BenchmarkBuildEncrypt1000(b *testing.B) {
	in, pages := largeInput(b)
	b.ResetTimer()
	for b.Loop() {
		pdf, _, err := Build(in)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := Encrypt(pdf, "user-password-1", "owner-password-2"); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(pages)*float64(b.N)/b.Elapsed().Seconds(), "pages/s")
}

// TestCompareChromium times, in one process, this package's build and
// encryption of the ~1,000-page packet against rendering the same content
// as HTML, printing it with headless chromium and encrypting it with qpdf.
// It runs only with CUSTODIAN_COMPARE=1.
func TestCompareChromium(t *testing.T) {
	if os.Getenv("CUSTODIAN_COMPARE") != "1" {
		t.Skip("set CUSTODIAN_COMPARE=1 to compare with headless chromium")
	}
	chromium := needTool(t, "chromium")
	qpdf := needTool(t, "qpdf")
	in, pages := largeInput(t)
	dir := t.TempDir()

	const runs = 3
	var goBest time.Duration
	for range runs {
		start := time.Now()
		pdf, _, err := Build(in)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := Encrypt(pdf, "user-password-1", "owner-password-2"); err != nil {
			t.Fatal(err)
		}
		if d := time.Since(start); goBest == 0 || d < goBest {
			goBest = d
		}
	}

	var chBest time.Duration
	chPages := 0
	for k := range runs {
		start := time.Now()
		htmlPath := filepath.Join(dir, "packet.html")
		if err := os.WriteFile(htmlPath, []byte(packetHTML(in)), 0o600); err != nil {
			t.Fatal(err)
		}
		out := filepath.Join(dir, fmt.Sprintf("chromium-%d.pdf", k))
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
		cmd := exec.CommandContext(ctx, chromium, "--headless", "--no-sandbox", "--disable-gpu",
			"--user-data-dir="+filepath.Join(dir, "profile"), "--print-to-pdf="+out, "file://"+htmlPath)
		if msg, err := cmd.CombinedOutput(); err != nil {
			cancel()
			t.Fatalf("chromium: %v: %s", err, msg)
		}
		cancel()
		enc := filepath.Join(dir, fmt.Sprintf("chromium-%d-enc.pdf", k))
		if msg, err := exec.Command(qpdf, "--encrypt", "user-password-1", "owner-password-2", "256", "--", out, enc).CombinedOutput(); err != nil {
			t.Fatalf("qpdf: %v: %s", err, msg)
		}
		if d := time.Since(start); chBest == 0 || d < chBest {
			chBest = d
		}
		data, err := os.ReadFile(out)
		if err != nil {
			t.Fatal(err)
		}
		chPages = pdfPages(t, data)
	}
	t.Logf("fpdf+pdfcpu: %d pages, build+encrypt best of %d: %.2f s (%.0f pages/s)", pages, runs, goBest.Seconds(), float64(pages)/goBest.Seconds())
	t.Logf("chromium+qpdf: %d pages, HTML+print+encrypt best of %d: %.2f s (%.0f pages/s)", chPages, runs, chBest.Seconds(), float64(chPages)/chBest.Seconds())
	t.Logf("ratio chromium/fpdf: %.1fx", chBest.Seconds()/goBest.Seconds())
}

// packetHTML is the packet's content as one HTML document, for the
// comparison: the same letter, index and items, with each item on a new
// page.
func packetHTML(in Input) string {
	var b strings.Builder
	e := html.EscapeString
	b.WriteString(`<!doctype html><html><head><meta charset="utf-8"><style>
@page { size: Letter; margin: 20mm 18mm; }
body { font-family: "DejaVu Sans", sans-serif; font-size: 10pt; }
.item { break-before: page; } h1 { font-size: 13pt; } h2 { font-size: 11.5pt; }
table { border-collapse: collapse; width: 100%; font-size: 8.5pt; } td, th { border: 1px solid #999; padding: 1px 3px; text-align: left; }
pre { font-family: "DejaVu Sans Mono", monospace; font-size: 8.5pt; white-space: pre-wrap; }
.notice { border: 1px solid #000; background: #f2f2f2; font-weight: bold; padding: 4px; }
.foot { font-size: 7.5pt; color: #555; }
</style></head><body>`)
	l := in.Cover
	for _, s := range l.From {
		b.WriteString("<div>" + e(s) + "</div>")
	}
	b.WriteString("<p>" + e(l.Date.String()) + "</p>")
	for _, s := range l.To {
		b.WriteString("<div>" + e(s) + "</div>")
	}
	b.WriteString("<h1>" + e(l.Title) + "</h1>")
	htmlBlocks(&b, l.Blocks)
	b.WriteString(`<div class="item"><h1>Index of released records</h1><table><tr><th>No.</th><th>Date</th><th>Type</th><th>Title</th></tr>`)
	for i, it := range in.Items {
		fmt.Fprintf(&b, "<tr><td>%d</td><td>%s</td><td>%s</td><td>%s</td></tr>", i+1, it.Date, e(it.Type), e(it.Title))
	}
	b.WriteString("</table></div>")
	foot := e("Released to " + in.Recipient + " on " + in.Released.String() + " — " + in.PacketID)
	for i, it := range in.Items {
		fmt.Fprintf(&b, `<div class="item"><h1>Item %d. %s</h1><div class="foot">Date %s · Type %s · Record %s</div>`, i+1, e(it.Title), it.Date, e(it.Type), e(it.Key))
		htmlBlocks(&b, it.Blocks)
		b.WriteString(`<div class="foot">` + foot + "</div></div>")
	}
	b.WriteString("</body></html>")
	return b.String()
}

func htmlBlocks(b *strings.Builder, bs []doc.Block) {
	e := html.EscapeString
	for _, bl := range bs {
		switch bl.Kind {
		case doc.Heading:
			b.WriteString("<h2>" + e(bl.Text) + "</h2>")
		case doc.Para:
			b.WriteString("<p>" + strings.ReplaceAll(e(bl.Text), "\n", "<br>") + "</p>")
		case doc.Pre:
			b.WriteString("<pre>" + e(bl.Text) + "</pre>")
		case doc.Notice:
			b.WriteString(`<div class="notice">` + e(bl.Text) + "</div>")
		case doc.List:
			b.WriteString("<ul>")
			for _, it := range bl.Items {
				b.WriteString("<li>" + e(it) + "</li>")
			}
			b.WriteString("</ul>")
		case doc.Table:
			b.WriteString("<table><tr>")
			for _, h := range bl.Header {
				b.WriteString("<th>" + e(h) + "</th>")
			}
			b.WriteString("</tr>")
			for _, r := range bl.Rows {
				b.WriteString("<tr>")
				for _, c := range r {
					b.WriteString("<td>" + e(c) + "</td>")
				}
				b.WriteString("</tr>")
			}
			b.WriteString("</table>")
		}
	}
}

// BenchmarkBuildMerged1000 is BenchmarkBuildEncrypt1000 with a 20-page
// PDF attached to an item in the middle and a Part 2 consent at the end,
// so that pdfcpu merges, reorders, stamps and renumbers.
func BenchmarkBuildMerged1000(b *testing.B) {
	in, _ := largeInput(b)
	in.Items = append([]Item(nil), in.Items...)
	mid := len(in.Items) / 2
	in.Items[mid].Attachments = []Attachment{{Title: "Outside record", ContentType: "application/pdf", Data: testPDF(b, 20, "OUTSIDE RECORD")}}
	in.Part2 = &Part2Notice{Consent: &Attachment{Title: "Consent", ContentType: "application/pdf", Data: testPDF(b, 1, "CONSENT")}}
	_, m, err := Build(in)
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for b.Loop() {
		pdf, _, err := Build(in)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := Encrypt(pdf, "user-password-1", "owner-password-2"); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(m.Pages)*float64(b.N)/b.Elapsed().Seconds(), "pages/s")
}
