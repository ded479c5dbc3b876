package packet

import (
	"bytes"
	"crypto/sha256"
	_ "embed" // the fonts
	"encoding/hex"
	"image"
	_ "image/jpeg" // decoding attached JPEGs for the fallback
	"image/png"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/go-pdf/fpdf"

	"github.com/custodian-roi/custodian/internal/doc"
	"github.com/custodian-roi/custodian/internal/roi"
)

// The fonts are embedded, not read from the system, so that a packet looks
// the same wherever it is built and names such as "Montañez" or "Nguyễn"
// print: the PDF core fonts cover Latin-1 only. fpdf embeds only the
// glyphs a document uses.
var (
	//go:embed fonts/DejaVuSans.ttf
	ttfSans []byte
	//go:embed fonts/DejaVuSans-Bold.ttf
	ttfSansBold []byte
	//go:embed fonts/DejaVuSansMono.ttf
	ttfMono []byte
)

const (
	sans = "DejaVu"
	mono = "DejaVuMono"

	// US Letter, in millimetres.
	pageW   = 215.9
	pageH   = 279.4
	marginL = 18.0
	marginR = 18.0
	marginT = 24.0 // below the header and the Part 2 line
	marginB = 20.0 // above the footer
	textW   = pageW - marginL - marginR
	footerY = pageH - 13.0
)

// renderer draws letters and items onto one fpdf document. Headers are
// drawn as each page opens; footers, which carry the total page count, are
// drawn on every page at the end (finish), when the total is known.
type renderer struct {
	pdf *fpdf.Fpdf

	headerLeft, headerRight   string
	header2Left, header2Right string // a second line (a packet's request and packet id)
	pageAtTop                 bool   // "Page N of M" at the top right instead of the foot
	footerLeft                string
	part2                     bool   // the pages now being added hold a Part 2 item
	pagePart2                 []bool // by fpdf page number
	inserts                   []insert
}

// insert is a run of merged PDF pages placed after fpdf page after.
type insert struct {
	after, pages int
}

func newRenderer(created roi.Date) *renderer {
	p := fpdf.New("P", "mm", "Letter", "")
	// A fixed creation date and sorted catalog make the same input give
	// the same bytes; fpdf writes no document ID unless it encrypts.
	p.SetCatalogSort(true)
	t := timeUTC(created.Civil())
	p.SetCreationDate(t)
	p.SetModificationDate(t)
	p.SetCreator("Custodian", false)
	p.SetProducer("Custodian", false)
	// fpdf's subsetter writes into the font bytes it is given, so each
	// document gets its own copy: sharing the embedded ones made the first
	// packet a process builds differ from the next.
	p.AddUTF8FontFromBytes(sans, "", bytes.Clone(ttfSans))
	p.AddUTF8FontFromBytes(sans, "B", bytes.Clone(ttfSansBold))
	p.AddUTF8FontFromBytes(mono, "", bytes.Clone(ttfMono))
	p.SetMargins(marginL, marginT, marginR)
	p.SetAutoPageBreak(true, marginB)
	r := &renderer{pdf: p, pagePart2: []bool{false}}
	p.SetHeaderFunc(r.header)
	return r
}

// timeUTC is midnight UTC of a day: a packet is dated by its release day.
func timeUTC(y, m, d int) time.Time { return time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC) }

// clean makes text safe for the embedded fonts: fpdf indexes its width
// table by rune and has no entry past the Basic Multilingual Plane, and
// control characters print as boxes. Tabs become spaces; newlines are
// kept only where keepNL.
func clean(s string, keepNL bool) string {
	ok := true
	for _, c := range s {
		if c > 0xFFFF || c < 0x20 || c == 0x7F || (c >= 0x80 && c < 0xA0) {
			ok = false
			break
		}
	}
	if ok {
		return s
	}
	var b strings.Builder
	for _, c := range s {
		switch {
		case c == '\n' && keepNL:
			b.WriteRune(c)
		case c == '\t':
			b.WriteString("    ")
		case c == '\r':
		case c > 0xFFFF:
			b.WriteRune('\uFFFD')
		case c == '\n':
			b.WriteRune(' ')
		case unicode.IsControl(c):
		default:
			b.WriteRune(c)
		}
	}
	return b.String()
}

// addPage opens a page; part2 says whether it holds a Part 2 item.
func (r *renderer) addPage(part2 bool) {
	r.part2 = part2
	r.pdf.AddPage()
}

func (r *renderer) header() {
	p := r.pdf
	r.pagePart2 = append(r.pagePart2, r.part2)
	part2Y := 14.5
	if r.header2Left != "" || r.header2Right != "" {
		// A packet: the patient on the first line, in black, the page
		// number beside it (drawn by finish); the request and packet below.
		p.SetFont(sans, "B", 8)
		p.SetTextColor(0, 0, 0)
		p.SetXY(marginL, 7.5)
		p.CellFormat(textW-36, 4, fit(p, clean(r.headerLeft, false), textW-36), "", 0, "L", false, 0, "")
		p.SetFont(sans, "", 7.5)
		p.SetTextColor(90, 90, 90)
		p.SetXY(marginL, 11.5)
		p.CellFormat(textW/2, 4, clean(r.header2Left, false), "", 0, "L", false, 0, "")
		p.SetXY(marginL+textW/2, 11.5)
		p.CellFormat(textW/2, 4, clean(r.header2Right, false), "", 0, "R", false, 0, "")
		part2Y = 16.5
	} else {
		p.SetFont(sans, "", 7.5)
		p.SetTextColor(90, 90, 90)
		p.SetXY(marginL, 9)
		p.CellFormat(textW/2, 4, clean(r.headerLeft, false), "", 0, "L", false, 0, "")
		p.SetXY(marginL+textW/2, 9)
		p.CellFormat(textW/2, 4, clean(r.headerRight, false), "", 0, "R", false, 0, "")
	}
	if r.part2 {
		p.SetFont(sans, "B", 8)
		p.SetTextColor(0, 0, 0)
		p.SetDrawColor(0, 0, 0)
		p.SetLineWidth(0.3)
		p.SetXY(marginL, part2Y)
		p.CellFormat(textW, 6, Part2ShortStatement, "1", 0, "C", false, 0, "")
	}
	p.SetTextColor(0, 0, 0)
	p.SetXY(marginL, marginT)
}

// logical is the packet page number of fpdf page n, counting the merged
// pages placed before it.
func (r *renderer) logical(n int) int {
	l := n
	for _, in := range r.inserts {
		if in.after < n {
			l += in.pages
		}
	}
	return l
}

// total is the packet's page count: fpdf's and the merged pages.
func (r *renderer) total() int {
	n := r.pdf.PageCount()
	for _, in := range r.inserts {
		n += in.pages
	}
	return n
}

// revisit makes page n current for drawing over it, re-stating the font
// and colours: fpdf only writes a font change into the page it is on, so
// a page revisited inherits whatever its content stream last set.
func (r *renderer) revisit(n int) {
	p := r.pdf
	p.SetPage(n)
	p.SetFont(mono, "", 1)
	p.SetFont(sans, "", 9)
	p.SetTextColor(0, 0, 0)
	p.SetDrawColor(0, 0, 0)
	p.SetFillColor(255, 255, 255)
	p.SetLineWidth(0.2)
}

// finish draws every page's footer, now that the total is known, and
// leaves the last page current so that fpdf closes the document there.
func (r *renderer) finish() {
	p := r.pdf
	last := p.PageCount()
	p.SetAutoPageBreak(false, 0)
	total := strconv.Itoa(r.total())
	left := clean(r.footerLeft, false)
	for n := 1; n <= last; n++ {
		r.revisit(n)
		p.SetFont(sans, "", 7.5)
		p.SetTextColor(90, 90, 90)
		p.SetDrawColor(160, 160, 160)
		p.Line(marginL, footerY-1.5, pageW-marginR, footerY-1.5)
		p.SetXY(marginL, footerY)
		page := "Page " + strconv.Itoa(r.logical(n)) + " of " + total
		if r.pageAtTop {
			p.CellFormat(textW, 4, fit(p, left, textW), "", 0, "L", false, 0, "")
			p.SetFont(sans, "B", 8)
			p.SetTextColor(0, 0, 0)
			p.SetXY(pageW-marginR-36, 7.5)
			p.CellFormat(36, 4, page, "", 0, "R", false, 0, "")
			continue
		}
		p.CellFormat(textW-36, 4, fit(p, left, textW-36), "", 0, "L", false, 0, "")
		p.SetXY(pageW-marginR-36, footerY)
		p.CellFormat(36, 4, page, "", 0, "R", false, 0, "")
	}
	p.SetPage(last)
	p.SetAutoPageBreak(true, marginB)
}

// fit shortens s with an ellipsis to fit width w in the current font.
func fit(p *fpdf.Fpdf, s string, w float64) string {
	w -= 2 * p.GetCellMargin()
	if p.GetStringWidth(s) <= w {
		return s
	}
	rs := []rune(s)
	lo, hi := 0, len(rs)
	for lo < hi {
		mid := (lo + hi + 1) / 2
		if p.GetStringWidth(string(rs[:mid])+"…") <= w {
			lo = mid
		} else {
			hi = mid - 1
		}
	}
	return string(rs[:lo]) + "…"
}

// ensure starts a new page unless h millimetres fit above the bottom
// margin.
func (r *renderer) ensure(h float64) {
	if r.pdf.GetY()+h > pageH-marginB {
		r.addPage(r.part2)
	}
}

// letter draws a letter from the top of a new page.
func (r *renderer) letter(l doc.Letter) {
	p := r.pdf
	r.addPage(false)
	for i, s := range l.From {
		if i == 0 {
			p.SetFont(sans, "B", 11)
		} else {
			p.SetFont(sans, "", 9.5)
		}
		p.CellFormat(textW, 5, clean(s, false), "", 1, "L", false, 0, "")
	}
	p.Ln(6)
	p.SetFont(sans, "", 10)
	if l.Date.Known() {
		p.CellFormat(textW, 5, clean(l.DateLine(), false), "", 1, "L", false, 0, "")
		p.Ln(4)
	}
	for _, s := range l.To {
		p.CellFormat(textW, 5, clean(s, false), "", 1, "L", false, 0, "")
	}
	if len(l.To) > 0 {
		p.Ln(4)
	}
	if l.Reference != "" {
		p.SetFont(sans, "B", 10)
		p.CellFormat(textW, 5, clean(l.ReLine(), false), "", 1, "L", false, 0, "")
		p.Ln(3)
	}
	if l.Title != "" {
		p.SetFont(sans, "B", 14)
		p.MultiCell(textW, 7, clean(l.Title, false), "", "L", false)
		p.Ln(3)
	}
	r.blocks(l.Blocks)
}

// blocks draws doc blocks from the current position.
func (r *renderer) blocks(bs []doc.Block) {
	p := r.pdf
	for _, b := range bs {
		switch b.Kind {
		case doc.Heading:
			r.ensure(16) // a heading is not left alone at the foot of a page
			p.Ln(2)
			p.SetFont(sans, "B", 11.5)
			p.MultiCell(textW, 6, clean(b.Text, false), "", "L", false)
			p.Ln(1)
		case doc.Para:
			p.SetFont(sans, "", 10)
			p.MultiCell(textW, 5, clean(b.Text, true), "", "L", false)
			p.Ln(2.5)
		case doc.Pre:
			p.SetFont(mono, "", 8.5)
			p.MultiCell(textW, 3.9, clean(b.Text, true), "", "L", false)
			p.Ln(2.5)
		case doc.Notice:
			p.SetFont(sans, "B", 9.5)
			p.SetFillColor(242, 242, 242)
			p.SetDrawColor(0, 0, 0)
			p.SetLineWidth(0.4)
			p.MultiCell(textW, 5, clean(b.Text, true), "1", "L", true)
			p.SetLineWidth(0.2)
			p.SetFillColor(255, 255, 255)
			p.Ln(3)
		case doc.List:
			p.SetFont(sans, "", 10)
			for _, it := range b.Items {
				r.ensure(5)
				x := p.GetX()
				p.CellFormat(5, 5, "•", "", 0, "L", false, 0, "")
				p.MultiCell(textW-5, 5, clean(it, true), "", "L", false)
				p.SetX(x)
			}
			p.Ln(2.5)
		case doc.Table:
			r.table(b.Header, b.Rows)
			p.Ln(3)
		}
	}
}

// table draws a table whose rows wrap within their cells and whose header
// repeats at the top of each page it runs onto.
func (r *renderer) table(header []string, rows [][]string) {
	p := r.pdf
	cols := len(header)
	for _, row := range rows {
		cols = max(cols, len(row))
	}
	if cols == 0 {
		return
	}
	cell := func(row []string, i int) string {
		if i < len(row) {
			return clean(row[i], false)
		}
		return ""
	}
	const size, lh = 8.5, 4.2
	// Column widths follow the widest content, each capped, then scaled to
	// the text width.
	p.SetFont(sans, "B", size)
	natural := make([]float64, cols)
	for i := range cols {
		natural[i] = p.GetStringWidth(cell(header, i)) + 3
	}
	p.SetFont(sans, "", size)
	for _, row := range rows {
		for i := range cols {
			natural[i] = max(natural[i], min(p.GetStringWidth(cell(row, i))+3, textW*0.45))
		}
	}
	widths := fitWidths(natural, textW)
	draw := func(row []string, bold bool) {
		style := ""
		if bold {
			style = "B"
		}
		p.SetFont(sans, style, size)
		lines := make([][]string, cols)
		n := 1
		for i := range cols {
			lines[i] = p.SplitText(cell(row, i), widths[i])
			n = max(n, len(lines[i]))
		}
		h := float64(n)*lh + 1
		if p.GetY()+h > pageH-marginB {
			r.addPage(r.part2)
			if !bold && len(header) > 0 {
				r.drawRow(header, widths, true, size, lh)
				p.SetFont(sans, style, size)
			}
		}
		y := p.GetY()
		x := marginL
		for i := range cols {
			if bold {
				p.SetFillColor(235, 235, 235)
				p.Rect(x, y, widths[i], h, "FD")
			} else {
				p.Rect(x, y, widths[i], h, "D")
			}
			for k, line := range lines[i] {
				p.SetXY(x, y+0.5+float64(k)*lh)
				p.CellFormat(widths[i], lh, line, "", 0, "L", false, 0, "")
			}
			x += widths[i]
		}
		p.SetFillColor(255, 255, 255)
		p.SetXY(marginL, y+h)
	}
	p.SetDrawColor(150, 150, 150)
	p.SetLineWidth(0.15)
	r.ensure(2 * (lh + 1))
	if len(header) > 0 {
		draw(header, true)
	}
	for _, row := range rows {
		draw(row, false)
	}
	p.SetDrawColor(0, 0, 0)
	p.SetLineWidth(0.2)
}

// fitWidths gives columns of natural widths (each at least 12 mm) the
// width w: when they are too wide, only the widest are narrowed, to one
// common cap, so that short columns (a number, a unit) keep their width
// and the long ones wrap; when they are narrow, all widen in proportion.
func fitWidths(natural []float64, w float64) []float64 {
	out := make([]float64, len(natural))
	var sum float64
	for i, n := range natural {
		out[i] = max(n, 12)
		sum += out[i]
	}
	if sum <= w {
		for i := range out {
			out[i] *= w / sum
		}
		return out
	}
	// The cap c with sum(min(out[i], c)) == w, found by bisection.
	lo, hi := 0.0, w
	for range 40 {
		c := (lo + hi) / 2
		var t float64
		for _, n := range out {
			t += min(n, c)
		}
		if t > w {
			hi = c
		} else {
			lo = c
		}
	}
	for i := range out {
		out[i] = min(out[i], lo)
	}
	return out
}

// drawRow draws a header row again at the top of a continuation page.
func (r *renderer) drawRow(row []string, widths []float64, bold bool, size, lh float64) {
	p := r.pdf
	p.SetFont(sans, "B", size)
	n := 1
	lines := make([][]string, len(widths))
	for i := range widths {
		s := ""
		if i < len(row) {
			s = clean(row[i], false)
		}
		lines[i] = p.SplitText(s, widths[i])
		n = max(n, len(lines[i]))
	}
	h := float64(n)*lh + 1
	y, x := p.GetY(), marginL
	for i := range widths {
		p.SetFillColor(235, 235, 235)
		p.Rect(x, y, widths[i], h, "FD")
		for k, line := range lines[i] {
			p.SetXY(x, y+0.5+float64(k)*lh)
			p.CellFormat(widths[i], lh, line, "", 0, "L", false, 0, "")
		}
		x += widths[i]
	}
	p.SetFillColor(255, 255, 255)
	p.SetXY(marginL, y+h)
}

// image places an image on a page of its own, as large as fits. An image
// fpdf cannot read as stored (an interlaced or 16-bit PNG) is decoded and
// re-encoded first; one that does not decode at all is an error.
func (r *renderer) image(title string, a Attachment) error {
	p := r.pdf
	sum := sha256.Sum256(a.Data)
	name := "img-" + hex.EncodeToString(sum[:12])
	typ := "PNG"
	if a.ContentType == "image/jpeg" {
		typ = "JPG"
	}
	info := p.GetImageInfo(name)
	if info == nil {
		info = p.RegisterImageOptionsReader(name, fpdf.ImageOptions{ImageType: typ}, bytes.NewReader(a.Data))
		if p.Err() {
			p.ClearError()
			img, _, err := image.Decode(bytes.NewReader(a.Data))
			if err != nil {
				return roi.Wrap(roi.CodeInvalid, err, "An attached image does not read as PNG or JPEG.")
			}
			var buf bytes.Buffer
			if err := png.Encode(&buf, img); err != nil {
				return roi.WrapOp("packet.image-convert", roi.CodeInternal, err, "An attached image could not be converted.")
			}
			info = p.RegisterImageOptionsReader(name, fpdf.ImageOptions{ImageType: "PNG"}, &buf)
			if p.Err() {
				err := p.Error()
				p.ClearError()
				return roi.Wrap(roi.CodeInvalid, err, "An attached image cannot be placed in the packet.")
			}
		}
	}
	r.addPage(r.part2)
	p.SetFont(sans, "B", 11)
	p.MultiCell(textW, 6, clean(title, false), "", "L", false)
	p.Ln(2)
	top := p.GetY()
	maxW, maxH := textW, pageH-marginB-top
	w, h := info.Width(), info.Height()
	if w <= 0 || h <= 0 {
		return roi.Errorf(roi.CodeInvalid, "An attached image has no size.")
	}
	scale := min(maxW/w, maxH/h)
	p.ImageOptions(name, marginL+(maxW-w*scale)/2, top, w*scale, h*scale, false, fpdf.ImageOptions{ImageType: typ}, 0, "")
	if p.Err() {
		err := p.Error()
		p.ClearError()
		return roi.Wrap(roi.CodeInvalid, err, "An attached image cannot be placed in the packet.")
	}
	return nil
}

func (r *renderer) output() ([]byte, error) {
	var buf bytes.Buffer
	if err := r.pdf.Output(&buf); err != nil {
		return nil, roi.WrapOp("packet.render", roi.CodeInternal, err, "The packet could not be rendered.")
	}
	return buf.Bytes(), nil
}
