package packet

import (
	"bytes"
	"strings"
	"testing"

	"github.com/go-pdf/fpdf"
)

// simplePDF writes lines with a core font, as report writers and OCR
// layers do (single-byte strings in the content stream).
func simplePDF(t *testing.T, lines ...string) []byte {
	t.Helper()
	p := fpdf.New("P", "mm", "Letter", "")
	p.SetCompression(true)
	p.AddPage()
	p.SetFont("Helvetica", "", 12)
	for _, l := range lines {
		p.CellFormat(0, 8, l, "", 1, "L", false, 0, "")
	}
	var b bytes.Buffer
	if err := p.Output(&b); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestPDFText(t *testing.T) {
	text, ok := PDFText(simplePDF(t, "Consult note (page 1)", "Assessment: HIV positive, on antiretroviral therapy."))
	if !ok || !strings.Contains(text, "HIV positive, on antiretroviral therapy.") || !strings.Contains(text, "Consult note (page 1)") {
		t.Fatalf("PDFText = %q, %v", text, ok)
	}
	if _, ok := PDFText([]byte("%PDF-1.4 not really")); ok {
		t.Error("a broken PDF read as fine")
	}
}
