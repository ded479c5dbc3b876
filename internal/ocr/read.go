// Package ocr reads the text of an uploaded authorization with Debian's
// tesseract-ocr and turns it into suggestions for the evidence form.
//
// The two halves are apart on purpose. Read runs the programs (tesseract,
// and pdftoppm for a PDF) and returns text; ParseAuthorization is pure and
// turns text into a Prefill. Nothing here decides anything: every field of
// a Prefill is a Suggestion, which a person confirms or corrects before it
// becomes evidence. This package has no conversion from a Prefill to
// evidence, and none should be added: the evidence form builds evidence
// from what the person submitted, never from a Suggestion directly.
//
// Nothing is sent anywhere. The programs run on this machine, with no
// shell, a fixed argument list, a clean environment, standard input and
// output rather than files, and a deadline. Errors never carry the
// document's text.
package ocr

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"image"
	_ "image/jpeg" // image.DecodeConfig for JPEG uploads
	_ "image/png"  // image.DecodeConfig for PNG uploads
	"mime"
	"os"
	"os/exec"
	"strings"
	"time"
)

// Limits of Read when Options leaves them zero.
const (
	DefaultMaxBytes  = 20 << 20        // an upload larger than this is not read
	DefaultMaxPages  = 3               // pages read from a PDF or a multi-page TIFF
	DefaultMaxPixels = 50_000_000      // pixels of one page (a letter page at 300 dpi is 8.4 million)
	DefaultTimeout   = 2 * time.Minute // the whole document, every program together
	DefaultLanguages = "eng+spa"       // tesseract's language models: English and Spanish forms

	// pdfLongSide is the long side, in pixels, of a rasterized PDF page:
	// 11 inches at 300 dpi, so a letter page is read at 300 dpi and an
	// oversized page is scaled down rather than rendered huge.
	pdfLongSide = 3300
	maxText     = 1 << 20 // bytes of text kept from one page
)

// Errors of Read. Each names the problem, never the document's content.
var (
	ErrUnavailable = errors.New("ocr: tesseract is not installed (apt-get install tesseract-ocr tesseract-ocr-eng tesseract-ocr-spa)")
	ErrUnsupported = errors.New("ocr: not a PNG, JPEG, TIFF or PDF document")
	ErrTooLarge    = errors.New("ocr: document too large to read")
	ErrNoPages     = errors.New("ocr: the document has no page that could be read")
	ErrTimeout     = errors.New("ocr: reading the document took too long")
	ErrLanguage    = errors.New("ocr: a tesseract language model is missing (apt-get install tesseract-ocr-eng tesseract-ocr-spa)")
)

// Options bound one Read. The zero value uses the defaults above.
type Options struct {
	Languages string        // tesseract -l, e.g. "eng" or "eng+spa"
	MaxBytes  int           // largest upload read
	MaxPages  int           // pages read from a PDF or TIFF; later pages are ignored
	MaxPixels int           // largest page, in pixels
	Timeout   time.Duration // for the whole document
}

func (o Options) withDefaults() Options {
	if o.Languages == "" {
		o.Languages = DefaultLanguages
	}
	if o.MaxBytes <= 0 {
		o.MaxBytes = DefaultMaxBytes
	}
	if o.MaxPages <= 0 {
		o.MaxPages = DefaultMaxPages
	}
	if o.MaxPixels <= 0 {
		o.MaxPixels = DefaultMaxPixels
	}
	if o.Timeout <= 0 {
		o.Timeout = DefaultTimeout
	}
	return o
}

// Available reports whether tesseract is installed (on PATH).
func Available() bool {
	_, err := exec.LookPath("tesseract")
	return err == nil
}

// Kind is a document format Read accepts.
type Kind string

// The kinds.
const (
	KindPNG  Kind = "image/png"
	KindJPEG Kind = "image/jpeg"
	KindTIFF Kind = "image/tiff"
	KindPDF  Kind = "application/pdf"
)

// Sniff returns the kind of data, judged by its first bytes, and checks it
// against the declared content type: a declared type that names another
// kind is refused (ErrUnsupported), and an empty or generic one
// (application/octet-stream) is left to the bytes.
func Sniff(data []byte, contentType string) (Kind, error) {
	var k Kind
	switch {
	case bytes.HasPrefix(data, []byte("\x89PNG\r\n\x1a\n")):
		k = KindPNG
	case bytes.HasPrefix(data, []byte("\xff\xd8\xff")):
		k = KindJPEG
	case bytes.HasPrefix(data, []byte("II*\x00")), bytes.HasPrefix(data, []byte("MM\x00*")):
		k = KindTIFF
	case bytes.HasPrefix(data, []byte("%PDF-")):
		k = KindPDF
	default:
		return "", ErrUnsupported
	}
	declared, _, err := mime.ParseMediaType(contentType)
	if err != nil || declared == "" || declared == "application/octet-stream" {
		return k, nil
	}
	switch declared {
	case "image/jpg", "image/pjpeg":
		declared = string(KindJPEG)
	case "image/tif":
		declared = string(KindTIFF)
	case "application/x-pdf":
		declared = string(KindPDF)
	}
	if Kind(declared) != k {
		return "", ErrUnsupported
	}
	return k, nil
}

// Read returns the text of an uploaded document: a PNG, JPEG or TIFF image
// (the first MaxPages pages of a multi-page TIFF) or a PDF, whose first
// MaxPages pages are rasterized at about 300 dpi by pdftoppm. Pages are
// separated by a form feed. It runs tesseract (and pdftoppm) on this
// machine; nothing leaves it, and no file is written.
//
// The text is what the scanner and tesseract made of the page: it has
// errors. Give it to ParseAuthorization for suggestions a person confirms.
func Read(ctx context.Context, data []byte, contentType string, opt Options) (string, error) {
	opt = opt.withDefaults()
	if len(data) > opt.MaxBytes {
		return "", ErrTooLarge
	}
	kind, err := Sniff(data, contentType)
	if err != nil {
		return "", err
	}
	// Images are checked before any program runs.
	var pages [][]byte
	switch kind {
	case KindPNG, KindJPEG:
		if err := checkPixels(data, opt.MaxPixels); err != nil {
			return "", err
		}
		pages = [][]byte{data}
	case KindTIFF:
		page, err := firstTIFFPages(data, opt.MaxPages, opt.MaxPixels)
		if err != nil {
			return "", err
		}
		pages = [][]byte{page} // tesseract reads every page of a TIFF
	}
	tesseract, err := exec.LookPath("tesseract")
	if err != nil {
		return "", ErrUnavailable
	}
	ctx, cancel := context.WithTimeout(ctx, opt.Timeout)
	defer cancel()
	if kind == KindPDF {
		if pages, err = rasterize(ctx, data, opt.MaxPages); err != nil {
			return "", err
		}
	}
	var texts []string
	for _, p := range pages {
		t, err := recognize(ctx, tesseract, p, opt.Languages)
		if err != nil {
			return "", err
		}
		texts = append(texts, t)
	}
	return strings.Join(texts, "\f"), nil
}

// checkPixels refuses an image whose header declares more than max pixels
// (a small PNG can claim to be a gigapixel).
func checkPixels(data []byte, max int) error {
	cfg, _, err := image.DecodeConfig(bytes.NewReader(data))
	if err != nil {
		return ErrUnsupported
	}
	if cfg.Width <= 0 || cfg.Height <= 0 {
		return ErrNoPages
	}
	if cfg.Width > max/cfg.Height {
		return ErrTooLarge
	}
	return nil
}

// env is the whole environment of the programs run: the path to find
// their libraries' helpers, one thread (a desk serves many; tesseract's
// OpenMP threads slow a shared machine down), and tesseract's model
// directory when the administrator set one. Nothing else of the server's
// environment (keys, database addresses) is passed on.
func env() []string {
	e := []string{"PATH=" + os.Getenv("PATH"), "OMP_THREAD_LIMIT=1", "LC_ALL=C"}
	if d := os.Getenv("TESSDATA_PREFIX"); d != "" {
		e = append(e, "TESSDATA_PREFIX="+d)
	}
	return e
}

// run runs one program with data on standard input and returns at most
// limit bytes of its standard output. Its standard error is kept only to
// classify a failure; it is never returned.
func run(ctx context.Context, path string, args []string, data []byte, limit int) ([]byte, []byte, error) {
	cmd := exec.CommandContext(ctx, path, args...)
	cmd.Env = env()
	cmd.Dir = os.TempDir()
	cmd.Stdin = bytes.NewReader(data)
	out := &capped{limit: limit}
	errOut := &capped{limit: 4096}
	cmd.Stdout = out
	cmd.Stderr = errOut
	cmd.WaitDelay = 2 * time.Second
	err := cmd.Run()
	if ctx.Err() != nil {
		return nil, nil, ErrTimeout
	}
	return out.b.Bytes(), errOut.b.Bytes(), err
}

// capped keeps the first limit bytes written to it and discards the rest.
type capped struct {
	b     bytes.Buffer
	limit int
}

func (c *capped) Write(p []byte) (int, error) {
	if room := c.limit - c.b.Len(); room > 0 {
		c.b.Write(p[:min(room, len(p))])
	}
	return len(p), nil
}

// recognize runs tesseract over one image (or TIFF) on standard input.
// Page segmentation 3 is tesseract's default, fully automatic layout
// analysis, which keeps a form's label and value on one line.
func recognize(ctx context.Context, tesseract string, img []byte, langs string) (string, error) {
	out, stderr, err := run(ctx, tesseract, []string{"stdin", "stdout", "-l", langs, "--psm", "3"}, img, maxText)
	if err != nil {
		if errors.Is(err, ErrTimeout) {
			return "", err
		}
		if bytes.Contains(stderr, []byte("Failed loading language")) {
			return "", ErrLanguage
		}
		return "", fmt.Errorf("ocr: tesseract failed: %w", exitOnly(err))
	}
	return string(out), nil
}

// exitOnly reduces a program's failure to its exit status.
func exitOnly(err error) error {
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return fmt.Errorf("exit status %d", ee.ExitCode())
	}
	return err
}

// rasterize renders the first pages of a PDF as grayscale PNGs with
// pdftoppm, reading the PDF from standard input and the PNGs, one after
// the other, from standard output.
func rasterize(ctx context.Context, pdf []byte, pages int) ([][]byte, error) {
	pdftoppm, err := exec.LookPath("pdftoppm")
	if err != nil {
		return nil, fmt.Errorf("ocr: pdftoppm is not installed (apt-get install poppler-utils): %w", ErrUnavailable)
	}
	args := []string{"-f", "1", "-l", fmt.Sprint(pages), "-r", "300", "-scale-to", fmt.Sprint(pdfLongSide), "-gray", "-png", "-"}
	// A page is at most pdfLongSide² grayscale pixels; a PNG of it is
	// smaller than its raw pixels plus overhead.
	limit := pages * (pdfLongSide*pdfLongSide + 1<<20)
	out, _, err := run(ctx, pdftoppm, args, pdf, limit)
	if err != nil {
		if errors.Is(err, ErrTimeout) {
			return nil, err
		}
		return nil, fmt.Errorf("ocr: pdftoppm could not read the PDF: %w", exitOnly(err))
	}
	imgs, err := splitPNGs(out)
	if err != nil {
		return nil, err
	}
	if len(imgs) == 0 {
		return nil, ErrNoPages
	}
	if len(imgs) > pages {
		imgs = imgs[:pages]
	}
	return imgs, nil
}

// splitPNGs splits a stream of PNG files written one after the other.
func splitPNGs(b []byte) ([][]byte, error) {
	const sig = "\x89PNG\r\n\x1a\n"
	var imgs [][]byte
	for len(b) > 0 {
		if !bytes.HasPrefix(b, []byte(sig)) {
			return nil, ErrNoPages
		}
		i := len(sig)
		for {
			if i+12 > len(b) {
				return nil, ErrNoPages // truncated
			}
			n := int(binary.BigEndian.Uint32(b[i:]))
			typ := string(b[i+4 : i+8])
			if n < 0 || n > len(b)-i-12 {
				return nil, ErrNoPages
			}
			i += 12 + n
			if typ == "IEND" {
				break
			}
		}
		imgs = append(imgs, b[:i:i])
		b = b[i:]
	}
	return imgs, nil
}

// firstTIFFPages returns a copy of a TIFF that holds only its first pages
// (the chain of image directories cut after the last page kept), after
// checking each kept page's size. BigTIFF is refused.
func firstTIFFPages(data []byte, pages, maxPixels int) ([]byte, error) {
	var bo binary.ByteOrder
	switch {
	case bytes.HasPrefix(data, []byte("II*\x00")):
		bo = binary.LittleEndian
	case bytes.HasPrefix(data, []byte("MM\x00*")):
		bo = binary.BigEndian
	default:
		return nil, ErrUnsupported
	}
	if len(data) < 8 {
		return nil, ErrUnsupported
	}
	out := bytes.Clone(data)
	off := int64(bo.Uint32(data[4:]))
	seen := map[int64]bool{}
	for n := 0; off != 0; n++ {
		if seen[off] || off < 8 || off+2 > int64(len(data)) {
			if n == 0 {
				return nil, ErrNoPages
			}
			return nil, ErrUnsupported // a loop or a pointer out of the file
		}
		seen[off] = true
		count := int64(bo.Uint16(data[off:]))
		next := off + 2 + 12*count
		if next+4 > int64(len(data)) {
			return nil, ErrUnsupported
		}
		var w, h int64
		for e := off + 2; e < next; e += 12 {
			tag, typ := bo.Uint16(data[e:]), bo.Uint16(data[e+2:])
			var v int64
			switch typ {
			case 3: // SHORT
				v = int64(bo.Uint16(data[e+8:]))
			case 4: // LONG
				v = int64(bo.Uint32(data[e+8:]))
			}
			switch tag {
			case 256:
				w = v
			case 257:
				h = v
			}
		}
		if w <= 0 || h <= 0 {
			return nil, ErrUnsupported
		}
		if w > int64(maxPixels)/h {
			return nil, ErrTooLarge
		}
		if n+1 == pages {
			bo.PutUint32(out[next:], 0) // end the chain here
			break
		}
		off = int64(bo.Uint32(data[next:]))
	}
	return out, nil
}
