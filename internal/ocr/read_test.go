package ocr

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/go-pdf/fpdf"
)

// needOCR skips the test when tesseract (or pdftoppm) is not installed,
// except under CI=true, where their absence is a failure.
func needOCR(t *testing.T) {
	t.Helper()
	for _, tool := range []string{"tesseract", "pdftoppm"} {
		if _, err := exec.LookPath(tool); err != nil {
			if os.Getenv("CI") == "true" {
				t.Fatalf("%s is required under CI=true (apt-get install tesseract-ocr tesseract-ocr-eng tesseract-ocr-spa poppler-utils)", tool)
			}
			t.Skipf("%s not installed; skipping the OCR test (apt-get install tesseract-ocr tesseract-ocr-eng tesseract-ocr-spa poppler-utils)", tool)
		}
	}
}

// renderPDF draws a form's text as a letter-size PDF, one text line per
// line, in Helvetica (the PDF core font; Latin-1 through fpdf's
// translator, enough for Spanish).
func renderPDF(t *testing.T, text string) []byte {
	t.Helper()
	pdf := fpdf.New("P", "pt", "Letter", "")
	pdf.SetMargins(54, 54, 54)
	pdf.SetAutoPageBreak(true, 54)
	tr := pdf.UnicodeTranslatorFromDescriptor("")
	pdf.AddPage()
	pdf.SetFont("Helvetica", "", 10.5)
	for _, l := range strings.Split(text, "\n") {
		pdf.CellFormat(0, 15, tr(l), "", 1, "L", false, 0, "")
	}
	var b bytes.Buffer
	if err := pdf.Output(&b); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// TestReadRenderedForms renders the parser's sample forms as PDFs, reads
// them with the real tesseract (as a PDF, and as PNG and JPEG scans of
// it) and checks what the parser suggests from the OCR text.
func TestReadRenderedForms(t *testing.T) {
	needOCR(t)
	if !Available() {
		t.Fatal("Available() = false with tesseract on PATH")
	}
	for _, name := range []string{"hipaa-labeled", "spanish", "rep-prose"} {
		t.Run(name, func(t *testing.T) {
			t.Parallel() // a page takes tesseract seconds; the forms read side by side
			src, err := os.ReadFile("testdata/" + name + ".txt")
			if err != nil {
				t.Fatal(err)
			}
			pdf := renderPDF(t, string(src))
			ctx := context.Background()
			text, err := Read(ctx, pdf, "application/pdf", Options{})
			if err != nil {
				t.Fatalf("Read(pdf): %v", err)
			}
			checkPrefill(t, ParseAuthorization(text), forms[name], true)
			if t.Failed() {
				t.Logf("OCR text:\n%s", text)
				return
			}

			// The same page as a scanner would send it.
			pages, err := rasterize(ctx, pdf, 1)
			if err != nil {
				t.Fatal(err)
			}
			text, err = Read(ctx, pages[0], "image/png", Options{})
			if err != nil {
				t.Fatalf("Read(png): %v", err)
			}
			checkPrefill(t, ParseAuthorization(text), forms[name], true)
			if name != "hipaa-labeled" {
				return
			}
			img, err := png.Decode(bytes.NewReader(pages[0]))
			if err != nil {
				t.Fatal(err)
			}
			var jb bytes.Buffer
			if err := jpeg.Encode(&jb, img, &jpeg.Options{Quality: 85}); err != nil {
				t.Fatal(err)
			}
			text, err = Read(ctx, jb.Bytes(), "image/jpeg", Options{})
			if err != nil {
				t.Fatalf("Read(jpeg): %v", err)
			}
			checkPrefill(t, ParseAuthorization(text), forms[name], true)
		})
	}
}

// Only the first MaxPages pages of a PDF are read.
func TestReadPageLimit(t *testing.T) {
	needOCR(t)
	t.Parallel()
	pdf := fpdf.New("P", "pt", "Letter", "")
	pdf.SetFont("Helvetica", "", 28)
	for _, w := range []string{"FIRST PAGE", "SECOND PAGE", "THIRD PAGE"} {
		pdf.AddPage()
		pdf.Text(72, 144, w)
	}
	var b bytes.Buffer
	if err := pdf.Output(&b); err != nil {
		t.Fatal(err)
	}
	text, err := Read(context.Background(), b.Bytes(), "", Options{MaxPages: 2, Languages: "eng"})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(text, "FIRST") || !strings.Contains(text, "SECOND") || strings.Contains(text, "THIRD") {
		t.Errorf("MaxPages 2 read %q; want the first two pages only", text)
	}
	if strings.Count(text, "\f") != 1 {
		t.Errorf("pages not separated by one form feed: %q", text)
	}
}

func TestReadTimeout(t *testing.T) {
	needOCR(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := Read(ctx, renderPDF(t, "Patient name: Nobody"), "application/pdf", Options{})
	if !errors.Is(err, ErrTimeout) {
		t.Errorf("cancelled Read: %v, want ErrTimeout", err)
	}
	_, err = Read(context.Background(), renderPDF(t, "Patient name: Nobody"), "application/pdf", Options{Timeout: time.Nanosecond})
	if !errors.Is(err, ErrTimeout) {
		t.Errorf("Read with a 1ns timeout: %v, want ErrTimeout", err)
	}
}

func TestReadRefuses(t *testing.T) {
	ctx := context.Background()
	pngData := tinyPNG(t, 10, 10)
	cases := []struct {
		name string
		data []byte
		ct   string
		opt  Options
		want error
	}{
		{"text", []byte("Patient name: Jane"), "text/plain", Options{}, ErrUnsupported},
		{"png declared as pdf", pngData, "application/pdf", Options{}, ErrUnsupported},
		{"too large", pngData, "image/png", Options{MaxBytes: 10}, ErrTooLarge},
		{"too many pixels", pngData, "image/png", Options{MaxPixels: 99}, ErrTooLarge},
		{"html", []byte("<html>"), "", Options{}, ErrUnsupported},
		{"corrupt png", []byte("\x89PNG\r\n\x1a\nxx"), "", Options{}, ErrUnsupported},
		{"tiff over the pixel limit", tiff([2]uint32{100000, 100000}), "image/tiff", Options{}, ErrTooLarge},
	}
	for _, c := range cases {
		_, err := Read(ctx, c.data, c.ct, c.opt) // refused before any program runs
		if !errors.Is(err, c.want) {
			t.Errorf("%s: %v, want %v", c.name, err, c.want)
		}
	}
}

func TestSniff(t *testing.T) {
	for _, c := range []struct {
		head, ct string
		want     Kind
		ok       bool
	}{
		{"\x89PNG\r\n\x1a\n", "image/png", KindPNG, true},
		{"\xff\xd8\xff\xe0", "image/jpeg; charset=binary", KindJPEG, true},
		{"\xff\xd8\xff\xe0", "image/jpg", KindJPEG, true},
		{"II*\x00", "", KindTIFF, true},
		{"MM\x00*", "application/octet-stream", KindTIFF, true},
		{"%PDF-1.7", "application/pdf", KindPDF, true},
		{"%PDF-1.7", "image/png", "", false},
		{"GIF89a", "image/gif", "", false},
	} {
		k, err := Sniff([]byte(c.head), c.ct)
		if k != c.want || (err == nil) != c.ok {
			t.Errorf("Sniff(%q, %q) = %q, %v", c.head, c.ct, k, err)
		}
	}
}

func tinyPNG(t *testing.T, w, h int) []byte {
	img := image.NewGray(image.Rect(0, 0, w, h))
	for i := range img.Pix {
		img.Pix[i] = 255
	}
	img.Set(1, 1, color.Black)
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestSplitPNGs(t *testing.T) {
	a, b := tinyPNG(t, 3, 4), tinyPNG(t, 5, 6)
	got, err := splitPNGs(append(append([]byte(nil), a...), b...))
	if err != nil || len(got) != 2 || !bytes.Equal(got[0], a) || !bytes.Equal(got[1], b) {
		t.Fatalf("splitPNGs: %d images, %v", len(got), err)
	}
	if _, err := splitPNGs(a[:len(a)-5]); err == nil {
		t.Error("a truncated PNG was accepted")
	}
}

// tiff builds a little-endian TIFF with one directory per page (width,
// length only: enough for firstTIFFPages, which reads nothing else).
func tiff(sizes ...[2]uint32) []byte {
	b := []byte("II*\x00\x08\x00\x00\x00")
	for i, s := range sizes {
		b = binary.LittleEndian.AppendUint16(b, 2)
		for tag, v := range map[uint16]uint32{256: s[0], 257: s[1]} {
			b = binary.LittleEndian.AppendUint16(b, tag)
			b = binary.LittleEndian.AppendUint16(b, 4)
			b = binary.LittleEndian.AppendUint32(b, 1)
			b = binary.LittleEndian.AppendUint32(b, v)
		}
		next := uint32(0)
		if i+1 < len(sizes) {
			next = uint32(len(b) + 4)
		}
		b = binary.LittleEndian.AppendUint32(b, next)
	}
	return b
}

func countPages(t *testing.T, data []byte) int {
	t.Helper()
	n := 0
	for off := binary.LittleEndian.Uint32(data[4:]); off != 0; n++ {
		count := uint32(binary.LittleEndian.Uint16(data[off:]))
		off = binary.LittleEndian.Uint32(data[off+2+12*count:])
	}
	return n
}

func TestFirstTIFFPages(t *testing.T) {
	five := tiff([2]uint32{100, 100}, [2]uint32{100, 100}, [2]uint32{100, 100}, [2]uint32{100, 100}, [2]uint32{100, 100})
	out, err := firstTIFFPages(five, 3, 1e6)
	if err != nil || countPages(t, out) != 3 {
		t.Fatalf("3 of 5 pages: %v", err)
	}
	if countPages(t, five) != 5 {
		t.Fatal("the upload itself was changed")
	}
	if out, err := firstTIFFPages(five, 9, 1e6); err != nil || countPages(t, out) != 5 {
		t.Errorf("9 of 5 pages: %v", err)
	}
	if _, err := firstTIFFPages(tiff([2]uint32{100000, 100000}), 3, DefaultMaxPixels); !errors.Is(err, ErrTooLarge) {
		t.Errorf("a gigapixel page: %v, want ErrTooLarge", err)
	}
	loop := tiff([2]uint32{10, 10})
	binary.LittleEndian.PutUint32(loop[len(loop)-4:], 8) // points back at itself
	if _, err := firstTIFFPages(loop, 3, 1e6); err == nil {
		t.Error("a directory loop was accepted")
	}
	if _, err := firstTIFFPages([]byte("II*\x00\xff\xff\x00\x00"), 3, 1e6); err == nil {
		t.Error("a directory outside the file was accepted")
	}
}
