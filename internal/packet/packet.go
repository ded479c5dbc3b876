// Package packet renders what a release discloses as one PDF, the release
// packet: the cover letter, the 42 CFR 2.32 notice when it applies, an
// index, each released chart item in readable form, and the attached
// documents, with the recipient, the release date, the packet id and
// "Page N of M" on every page. It also renders stand-alone letters,
// describes each packet by a manifest that binds it to the released bytes,
// and encrypts packets for delivery.
//
// Generated pages are drawn with go-pdf/fpdf; pdfcpu is used only when
// PDFs are merged in (to merge, order and stamp those pages) and to
// encrypt. See docs/PACKETS.md.
//
// Everything a packet holds is PHI. Errors from this package never quote
// it, and nothing here logs.
package packet

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"strconv"

	"github.com/custodian-roi/custodian/internal/doc"
	"github.com/custodian-roi/custodian/internal/letter"
	"github.com/custodian-roi/custodian/internal/roi"
)

// The 42 CFR 2.32(a) notices (2024 text) are worded once, in package
// letter: the full statement for the notice page, the short form for the
// top of every page that holds a Part 2 record.
const (
	Part2Statement      = letter.Part2Statement
	Part2ShortStatement = letter.Part2ShortStatement
)

// Item is a released chart item in readable form.
type Item struct {
	Key    string // the FHIR "Type/id" it came from
	Type   string // encounter, document, report ...
	Date   roi.Date
	Until  roi.Date // a partial or "on or before" date's last day (roi.ChartItem)
	Title  string
	Labels roi.Labels // a Part 2 item's pages carry the short Part 2 notice
	Source string
	Blocks []doc.Block
	// Attachments are documents the item's resources carry: PDFs are merged
	// right after the item's pages, images are placed on pages of their own.
	Attachments []Attachment
	// SHA256 is ResourcesSHA256 of the item's raw resources.
	SHA256 string
}

// Attachment is a document placed in a packet as it is: a PDF (merged) or
// a PNG or JPEG image (placed on a page).
type Attachment struct {
	Title       string // printed in the index; may be PHI
	ContentType string // application/pdf, image/png or image/jpeg
	Data        []byte
}

// Part2Notice is what 42 CFR 2.32 requires to accompany a disclosure of
// Part 2 records made with the patient's consent: the notice, and a copy
// of the consent or a clear explanation of its scope (at least one).
type Part2Notice struct {
	Statement    string      // the notice; "" prints Part2Statement
	Consent      *Attachment // a copy of the consent
	ConsentScope string      // an explanation of the consent's scope
}

// Input is everything a packet holds.
type Input struct {
	Number      string   // the request number
	PacketID    string   // printed on every page and in the manifest
	Recipient   string   // printed on every page: "Released to <Recipient> on <Released>"
	Released    roi.Date // the release date; also the PDF's creation date
	Cover       doc.Letter
	Items       []Item // in the order they are printed
	Part2       *Part2Notice
	Attachments []Attachment // appended after the items
}

// Manifest describes a built packet: what it holds and where, and the
// hashes that bind it to the released resources and to the PDF itself.
// It holds no PHI beyond chart keys and dates.
type Manifest struct {
	PacketID    string         `json:"packet_id"`
	Number      string         `json:"number"`
	Pages       int            `json:"pages"`
	SHA256      string         `json:"sha256"` // of the unencrypted PDF
	Items       []ManifestItem `json:"items"`
	Attachments []ManifestPart `json:"attachments,omitempty"`
}

// ManifestItem is where an item is in a packet and what it was made from.
type ManifestItem struct {
	Key       string   `json:"key"`
	Type      string   `json:"type"`
	Date      roi.Date `json:"date"`
	SHA256    string   `json:"sha256"` // Item.SHA256
	FirstPage int      `json:"first_page"`
	Pages     int      `json:"pages"`
}

// ManifestPart is where an attachment of the packet (the Part 2 consent
// or one of Input.Attachments) is, and the hash of its bytes.
type ManifestPart struct {
	Kind      string `json:"kind"` // consent, attachment
	SHA256    string `json:"sha256"`
	FirstPage int    `json:"first_page"`
	Pages     int    `json:"pages"`
}

// RenderLetter renders a stand-alone letter (a denial, a pending or
// extension notice ...) in the cover letter's layout, with the request
// number and "Page N of M" on every page. The same letter gives the same
// bytes: the PDF's creation date is the letter's date.
func RenderLetter(l doc.Letter) ([]byte, error) {
	r := newRenderer(l.Date)
	if l.Reference != "" {
		r.headerLeft = "Request " + l.Reference
		r.footerLeft = "Request " + l.Reference
	}
	r.letter(l)
	r.finish()
	return r.output()
}

// Build renders the packet for in and describes it. The pages, in order:
//
//  1. the cover letter;
//  2. when in.Part2 is set, the 42 CFR 2.32 notice, boxed, on a page of
//     its own, with the consent's scope;
//  3. the index: number, date, type, title, first page and page count of
//     every item and attachment;
//  4. each item from a new page, under a heading, followed by its images
//     and merged PDFs;
//  5. the Part 2 consent copy, then in.Attachments.
//
// Every page carries the packet id and request number at the top,
// "Released to <recipient> on <date> — <packet id>" and "Page N of M" at
// the foot; every page holding a Part 2 item carries the short Part 2
// notice. The same Input gives the same bytes.
//
// Errors are *roi.Error and never quote the packet's content.
func Build(in Input) ([]byte, Manifest, error) {
	if in.PacketID == "" || in.Recipient == "" || !in.Released.Known() {
		return nil, Manifest{}, roi.Errorf(roi.CodeInvalid, "A packet needs an id, a recipient and a release date.")
	}
	if in.Part2 != nil && in.Part2.Consent == nil && in.Part2.ConsentScope == "" {
		return nil, Manifest{}, roi.Errorf(roi.CodeInvalid, "A Part 2 disclosure needs a copy of the consent or an explanation of its scope (42 CFR 2.32(b)).")
	}
	b := &builder{in: in, r: newRenderer(in.Released)}
	b.r.headerLeft = "Request " + in.Number
	b.r.headerRight = "Packet " + in.PacketID
	b.r.footerLeft = "Released to " + in.Recipient + " on " + in.Released.String() + " — " + in.PacketID
	pdf, m, err := b.build()
	if err != nil {
		return nil, Manifest{}, err
	}
	return pdf, m, nil
}

// builder lays out one packet.
type builder struct {
	in    Input
	r     *renderer
	parts []pdfPart // PDFs to merge, in packet order
	items []span
	atts  []span
	kinds []string // by atts
}

// span is where something is: fpdf pages first..last and the merged pages
// that follow them.
type span struct {
	first, last int // fpdf pages; last < first when it has none
	merged      int // merged PDF pages after them
	firstMerged int // packet page of its first merged page, when it has no fpdf page
}

// pdfPart is a PDF to be merged after fpdf page after.
type pdfPart struct {
	data  []byte
	after int
	pages int
	part2 bool
}

func (b *builder) build() ([]byte, Manifest, error) {
	in, r := b.in, b.r
	// The PDFs' page counts are needed before anything is drawn: the index
	// gives page numbers and every footer gives the total.
	counts := map[*Attachment]int{}
	count := func(a *Attachment) error {
		if a.ContentType != "application/pdf" {
			return nil
		}
		n, err := pageCount(a.Data)
		if err != nil {
			return err
		}
		counts[a] = n
		return nil
	}
	for i := range in.Items {
		for k := range in.Items[i].Attachments {
			if err := count(&in.Items[i].Attachments[k]); err != nil {
				return nil, Manifest{}, err
			}
		}
	}
	var appendix []*Attachment
	if in.Part2 != nil && in.Part2.Consent != nil {
		appendix = append(appendix, in.Part2.Consent)
		b.kinds = append(b.kinds, "consent")
	}
	for i := range in.Attachments {
		appendix = append(appendix, &in.Attachments[i])
		b.kinds = append(b.kinds, "attachment")
	}
	for _, a := range appendix {
		if err := count(a); err != nil {
			return nil, Manifest{}, err
		}
	}

	r.letter(in.Cover)
	if in.Part2 != nil {
		b.part2Page()
	}
	rows := len(in.Items) + len(appendix)
	indexFirst := r.pdf.PageCount() + 1
	for range indexPages(rows) {
		r.addPage(false)
	}

	for i := range in.Items {
		it := &in.Items[i]
		part2 := it.Labels.Has(roi.LabelPart2)
		r.addPage(part2)
		s := span{first: r.pdf.PageCount()}
		b.itemHeading(i, it, counts)
		r.blocks(it.Blocks)
		for k := range it.Attachments {
			a := &it.Attachments[k]
			if a.ContentType == "application/pdf" {
				continue
			}
			if err := r.image(attachmentTitle(i, k, a), *a); err != nil {
				return nil, Manifest{}, err
			}
		}
		s.last = r.pdf.PageCount()
		for k := range it.Attachments {
			a := &it.Attachments[k]
			if a.ContentType == "application/pdf" {
				b.merge(a, counts[a], part2)
				s.merged += counts[a]
			}
		}
		b.items = append(b.items, s)
	}
	r.part2 = false
	for k, a := range appendix {
		s := span{first: r.pdf.PageCount() + 1, last: r.pdf.PageCount()}
		switch a.ContentType {
		case "application/pdf":
			s.firstMerged = r.total() + 1
			b.merge(a, counts[a], false)
			s.merged = counts[a]
		case "image/png", "image/jpeg":
			if err := r.image(appendixTitle(k, a), *a); err != nil {
				return nil, Manifest{}, err
			}
			s.last = r.pdf.PageCount()
		default:
			return nil, Manifest{}, roi.Errorf(roi.CodeInvalid, "Attachment %d is neither a PDF nor a PNG or JPEG image.", k+1)
		}
		b.atts = append(b.atts, s)
	}

	m := Manifest{PacketID: in.PacketID, Number: in.Number, Pages: r.total()}
	for i, it := range in.Items {
		first, pages := b.where(b.items[i])
		m.Items = append(m.Items, ManifestItem{Key: it.Key, Type: it.Type, Date: it.Date, SHA256: it.SHA256, FirstPage: first, Pages: pages})
	}
	for k, a := range appendix {
		first, pages := b.where(b.atts[k])
		sum := sha256.Sum256(a.Data)
		m.Attachments = append(m.Attachments, ManifestPart{Kind: b.kinds[k], SHA256: hex.EncodeToString(sum[:]), FirstPage: first, Pages: pages})
	}
	b.index(indexFirst, m, appendix)
	r.finish()
	pdf, err := r.output()
	if err != nil {
		return nil, Manifest{}, err
	}
	if len(b.parts) > 0 {
		if pdf, err = b.assemble(pdf); err != nil {
			return nil, Manifest{}, err
		}
	}
	sum := sha256.Sum256(pdf)
	m.SHA256 = hex.EncodeToString(sum[:])
	return pdf, m, nil
}

// merge places a PDF's pages after the fpdf pages drawn so far.
func (b *builder) merge(a *Attachment, pages int, part2 bool) {
	after := b.r.pdf.PageCount()
	b.parts = append(b.parts, pdfPart{data: a.Data, after: after, pages: pages, part2: part2})
	b.r.inserts = append(b.r.inserts, insert{after: after, pages: pages})
}

// where is a span's first packet page and page count.
func (b *builder) where(s span) (first, pages int) {
	if s.last >= s.first {
		return b.r.logical(s.first), s.last - s.first + 1 + s.merged
	}
	return s.firstMerged, s.merged
}

func (b *builder) part2Page() {
	r, p := b.r, b.r.pdf
	n := b.in.Part2
	r.addPage(false)
	p.SetFont(sans, "B", 14)
	p.MultiCell(textW, 7, "Notice to the recipient: records protected by 42 CFR part 2", "", "L", false)
	p.Ln(4)
	stmt := n.Statement
	if stmt == "" {
		stmt = Part2Statement
	}
	bl := []doc.Block{{Kind: doc.Notice, Text: stmt}}
	if n.ConsentScope != "" {
		bl = append(bl, doc.H("Scope of the patient's consent"), doc.P(n.ConsentScope))
	}
	if n.Consent != nil {
		bl = append(bl, doc.P("A copy of the patient's consent is attached to this packet; the index gives its page."))
	}
	bl = append(bl, doc.P("Every page that holds a record protected by 42 CFR part 2 carries the short form of this notice at its top."))
	r.blocks(bl)
}

func (b *builder) itemHeading(i int, it *Item, counts map[*Attachment]int) {
	p := b.r.pdf
	p.SetFont(sans, "B", 13)
	title := it.Title
	if title == "" {
		title = it.Type
	}
	p.MultiCell(textW, 6.5, clean("Item "+strconv.Itoa(i+1)+". "+title, false), "", "L", false)
	p.SetFont(sans, "", 8.5)
	p.SetTextColor(70, 70, 70)
	meta := "Date " + roi.DateSpan(it.Date, it.Until) + "  ·  Type " + it.Type
	if it.Source != "" {
		meta += "  ·  Source " + it.Source
	}
	meta += "  ·  Record " + it.Key
	p.MultiCell(textW, 4.5, clean(meta, false), "", "L", false)
	p.SetTextColor(0, 0, 0)
	p.SetDrawColor(120, 120, 120)
	p.Line(marginL, p.GetY()+1.5, pageW-marginR, p.GetY()+1.5)
	p.SetDrawColor(0, 0, 0)
	p.Ln(4)
	var notes []string
	for k := range it.Attachments {
		a := &it.Attachments[k]
		switch a.ContentType {
		case "application/pdf":
			notes = append(notes, "The attached document “"+a.Title+"” follows this item ("+plural(counts[a], "page")+").")
		case "image/png", "image/jpeg":
			notes = append(notes, "The attached image “"+a.Title+"” follows on a page of its own.")
		}
	}
	if len(notes) > 0 {
		b.r.blocks([]doc.Block{doc.L(notes...)})
	}
}

func attachmentTitle(i, k int, a *Attachment) string {
	t := a.Title
	if t == "" {
		t = "image " + strconv.Itoa(k+1)
	}
	return "Item " + strconv.Itoa(i+1) + ", attached image: " + t
}

func appendixTitle(k int, a *Attachment) string {
	t := a.Title
	if t == "" {
		t = "image"
	}
	return "Attachment A" + strconv.Itoa(k+1) + ": " + t
}

func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return strconv.Itoa(n) + " " + word + "s"
}

// The index has one fixed-height row per item or attachment, so the pages
// it needs are known before the items are drawn.
const (
	indexRowH    = 5.0
	indexHeadH   = 14.0 // the title on the first index page
	indexColsH   = 6.0  // the column header on each index page
	indexUsableH = pageH - marginT - marginB
)

var (
	usableH          = float64(indexUsableH)
	indexRowsFirst   = int((usableH - indexHeadH - indexColsH) / indexRowH)
	indexRowsPerPage = int((usableH - indexColsH) / indexRowH)
)

func indexPages(rows int) int {
	if rows <= indexRowsFirst {
		return 1
	}
	return 1 + (rows-indexRowsFirst+indexRowsPerPage-1)/indexRowsPerPage
}

var indexCols = []struct {
	name  string
	w     float64
	align string
}{
	{"No.", 11, "L"}, {"Date", 21, "L"}, {"Type", 24, "L"}, {"Title", textW - 11 - 21 - 24 - 15 - 13, "L"}, {"Page", 15, "R"}, {"Pages", 13, "R"},
}

// index draws the index onto the pages reserved for it, once every item's
// pages are known.
func (b *builder) index(first int, m Manifest, appendix []*Attachment) {
	r, p := b.r, b.r.pdf
	last := p.PageCount()
	p.SetAutoPageBreak(false, 0)
	type row struct{ no, date, typ, title, page, pages string }
	var rows []row
	for i, it := range b.in.Items {
		title := it.Title
		if title == "" {
			title = it.Type
		}
		rows = append(rows, row{strconv.Itoa(i + 1), roi.DateSpan(it.Date, it.Until), it.Type, title,
			strconv.Itoa(m.Items[i].FirstPage), strconv.Itoa(m.Items[i].Pages)})
	}
	for k, a := range appendix {
		title := a.Title
		if title == "" {
			title = b.kinds[k]
		}
		rows = append(rows, row{"A" + strconv.Itoa(k+1), "", b.kinds[k], title,
			strconv.Itoa(m.Attachments[k].FirstPage), strconv.Itoa(m.Attachments[k].Pages)})
	}
	page := first
	y := 0.0
	newPage := func(firstPage bool) {
		r.revisit(page)
		y = marginT
		if firstPage {
			p.SetFont(sans, "B", 14)
			p.SetXY(marginL, y)
			p.CellFormat(textW, 7, "Index of released records", "", 0, "L", false, 0, "")
			p.SetFont(sans, "", 8.5)
			p.SetXY(marginL, y+7)
			p.CellFormat(textW, 5, plural(len(b.in.Items), "item")+", "+plural(len(appendix), "attachment")+"; "+plural(m.Pages, "page")+" in all.", "", 0, "L", false, 0, "")
			y += indexHeadH
		}
		p.SetFont(sans, "B", 8.5)
		p.SetFillColor(235, 235, 235)
		x := marginL
		for _, c := range indexCols {
			p.SetXY(x, y)
			p.CellFormat(c.w, indexColsH, c.name, "B", 0, c.align, true, 0, "")
			x += c.w
		}
		p.SetFillColor(255, 255, 255)
		y += indexColsH
		p.SetFont(sans, "", 8.5)
	}
	newPage(true)
	perPage := indexRowsFirst
	n := 0
	for _, rw := range rows {
		if n == perPage {
			page++
			newPage(false)
			perPage, n = indexRowsPerPage, 0
		}
		x := marginL
		for k, c := range indexCols {
			s := [...]string{rw.no, rw.date, rw.typ, rw.title, rw.page, rw.pages}[k]
			p.SetXY(x, y)
			p.CellFormat(c.w, indexRowH, fit(p, clean(s, false), c.w), "", 0, c.align, false, 0, "")
			x += c.w
		}
		y += indexRowH
		n++
	}
	p.SetPage(last)
	p.SetAutoPageBreak(true, marginB)
}

// readSeeker wraps bytes for pdfcpu.
func readSeeker(b []byte) *bytes.Reader { return bytes.NewReader(b) }
