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
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"strconv"
	"strings"

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
	// Sources are the "Type/id" of the item's resources (its own, then
	// those folded into it), listed in the packet's appendix of record
	// identifiers, never in its body.
	Sources []string
	// Group, when set, prints the item in one table with every other item
	// of the same Group (the results of one encounter or day), under
	// GroupTitle, one row per Results row. FromFHIR sets it for a bare
	// Observation.
	Group      string
	GroupTitle string
	Results    []ResultRow
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
	Number    string   // the request number
	PacketID  string   // printed on every page and in the manifest
	Recipient string   // printed on every page: "Released to <Recipient> on <Released>"
	Released  roi.Date // the release date; also the PDF's creation date
	// Patient is whose records these are, named at the top of every page.
	Patient Patient
	// Organization certifies the records and bills for them; "" takes the
	// first line of the cover letter's sender.
	Organization string
	// Certifier is the staff member who releases and certifies the
	// records; empty names leave lines to be filled in by hand.
	Certifier Certifier
	Cover     doc.Letter
	// Items are printed in this order, except that the items of a result
	// group (Item.Group) are printed together where the first of them is.
	Items       []Item
	Part2       *Part2Notice
	Attachments []Attachment // appended after the items
	// Invoice, when set, is asked for the fee once the pages of records
	// (items and attachments) are counted; an invoice it returns with a
	// fee due is printed on the last page(s). nil: no fee is due.
	Invoice func(recordPages int) (*Invoice, error)
}

// Patient identifies the patient on every page of a packet.
type Patient struct {
	Name      string
	BirthDate roi.Date
	MRN       string // the medical record number; "" when the source has none
}

// Certifier is who certifies a packet's records: the releasing staff
// member's name and role as printed on the certification page.
type Certifier struct {
	Name string
	Role string
}

// Invoice is the fee for a release, line by line, already worked out (by
// package fee) and formatted.
type Invoice struct {
	Lines []InvoiceLine
	Total string // "$6.50"
	Notes []string
}

// InvoiceLine is one charge (or reduction) of an invoice.
type InvoiceLine struct {
	What   string
	Cite   string
	Amount string
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
	// Certification is the page of the certification of records;
	// Identifiers the appendix of record identifiers; Invoice the invoice,
	// when a fee is due.
	Certification int      `json:"certification_page,omitempty"`
	Identifiers   *Section `json:"identifiers,omitempty"`
	Invoice       *Section `json:"invoice,omitempty"`
	// RecordPages counts the pages of items and attachments: what the fee
	// was quoted on.
	RecordPages int `json:"record_pages,omitempty"`
}

// Section is where a part of the packet is.
type Section struct {
	FirstPage int `json:"first_page"`
	Pages     int `json:"pages"`
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
//  3. the certification of records: who certifies, what is enclosed by
//     category and date range, the packet's page count;
//  4. the index: number, date, type, title, first page and page count of
//     every item and attachment;
//  5. the items, each under a heading, following one another on a page
//     while there is room (a Part 2 item, and an item with images or
//     PDFs, has pages of its own), followed by its images and merged PDFs;
//     the bare results of one encounter or day (Item.Group) in one table;
//  6. the Part 2 consent copy, then in.Attachments;
//  7. the record identifiers: each item's FHIR resources, for
//     verification — the only place the packet prints them;
//  8. the invoice, when in.Invoice says a fee is due.
//
// Every page carries the patient's name, birth date and MRN, the request
// number, the packet id and "Page N of M" at the top, "Released to
// <recipient> on <date> — <packet id>" at the foot; every page holding a
// Part 2 item carries the short Part 2 notice. The same Input gives the
// same bytes.
//
// Errors are *roi.Error and never quote the packet's content.
func Build(in Input) ([]byte, Manifest, error) {
	if in.PacketID == "" || in.Recipient == "" || !in.Released.Known() || in.Patient.Name == "" {
		return nil, Manifest{}, roi.Errorf(roi.CodeInvalid, "A packet needs an id, a recipient, a release date and the patient's name.")
	}
	if in.Part2 != nil && in.Part2.Consent == nil && in.Part2.ConsentScope == "" {
		return nil, Manifest{}, roi.Errorf(roi.CodeInvalid, "A Part 2 disclosure needs a copy of the consent or an explanation of its scope (42 CFR 2.32(b)).")
	}
	if in.Organization == "" && len(in.Cover.From) > 0 {
		in.Organization = in.Cover.From[0]
	}
	var sections [][]int
	in.Items, sections = printOrder(in.Items)
	b := &builder{in: in, sections: sections, r: newRenderer(in.Released)}
	b.r.headerLeft = patientLine(in.Patient)
	b.r.header2Left = "Request " + in.Number
	b.r.header2Right = "Packet " + in.PacketID
	b.r.pageAtTop = true
	b.r.footerLeft = "Released to " + in.Recipient + " on " + in.Released.String() + " — " + in.PacketID
	pdf, m, err := b.build()
	if err != nil {
		return nil, Manifest{}, err
	}
	return pdf, m, nil
}

// patientLine names the patient at the top of every page.
func patientLine(p Patient) string {
	s := "Patient: " + p.Name
	if p.BirthDate.Known() {
		s += "  ·  Born " + p.BirthDate.String()
	}
	if p.MRN != "" {
		s += "  ·  MRN " + p.MRN
	}
	return s
}

// printOrder returns items in the order they are printed, and the
// sections they are printed in (indexes into the result): an item on its
// own, or every item of a result group, gathered where the first of them
// is, in input order. A Part 2 item is grouped only with Part 2 items.
func printOrder(items []Item) ([]Item, [][]int) {
	var secs []*[]Item
	groups := map[string]*[]Item{}
	for _, it := range items {
		if !grouped(&it) {
			secs = append(secs, &[]Item{it})
			continue
		}
		key := it.Group + "|" + strconv.FormatBool(it.Labels.Has(roi.LabelPart2))
		if g, ok := groups[key]; ok {
			*g = append(*g, it)
			continue
		}
		g := &[]Item{it}
		groups[key] = g
		secs = append(secs, g)
	}
	out := make([]Item, 0, len(items))
	sections := make([][]int, len(secs))
	for k, sec := range secs {
		for _, it := range *sec {
			sections[k] = append(sections[k], len(out))
			out = append(out, it)
		}
	}
	return out, sections
}

// grouped says whether an item is printed as rows of a result group.
func grouped(it *Item) bool { return it.Group != "" && len(it.Results) > 0 }

// builder lays out one packet.
type builder struct {
	in       Input
	sections [][]int // indexes into in.Items, in print order
	r        *renderer
	parts    []pdfPart // PDFs to merge, in packet order
	items    []span
	atts     []span
	kinds    []string // by atts
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

// roomForNext is how much of a page must be left for the next item to
// start on it rather than on a new page.
const roomForNext = 55.0

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
	// The certification and the index need the final page numbers: their
	// pages are reserved now and drawn at the end.
	r.addPage(false)
	certPage := r.pdf.PageCount()
	rows := len(in.Items) + len(appendix)
	indexFirst := r.pdf.PageCount() + 1
	for range indexPages(rows) {
		r.addPage(false)
	}

	recordsFrom := r.total() + 1
	b.items = make([]span, len(in.Items))
	newPage := true
	for _, sec := range b.sections {
		part2 := false
		for _, i := range sec {
			part2 = part2 || in.Items[i].Labels.Has(roi.LabelPart2)
		}
		// An item with images or PDFs starts on a page of its own, as its
		// images and PDFs have theirs.
		if newPage || part2 || len(in.Items[sec[0]].Attachments) > 0 || r.pdf.GetY() > pageH-marginB-roomForNext {
			r.addPage(part2)
		} else {
			p := r.pdf
			p.Ln(3)
			p.SetDrawColor(90, 90, 90)
			p.SetLineWidth(0.5)
			p.Line(marginL, p.GetY(), pageW-marginR, p.GetY())
			p.SetLineWidth(0.2)
			p.SetDrawColor(0, 0, 0)
			p.Ln(5)
		}
		newPage = part2
		if grouped(&in.Items[sec[0]]) {
			first := r.pdf.PageCount()
			b.group(sec)
			for _, i := range sec {
				b.items[i] = span{first: first, last: r.pdf.PageCount()}
			}
			continue
		}
		i := sec[0]
		it := &in.Items[i]
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
		if len(it.Attachments) > 0 {
			newPage = true
		}
		b.items[i] = s
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
	m := Manifest{PacketID: in.PacketID, Number: in.Number, RecordPages: r.total() - recordsFrom + 1}

	r.addPage(false)
	idFirst := r.total()
	b.identifiers()
	m.Identifiers = &Section{FirstPage: idFirst, Pages: r.total() - idFirst + 1}

	var invoice *Invoice
	if in.Invoice != nil {
		var err error
		if invoice, err = in.Invoice(m.RecordPages); err != nil {
			return nil, Manifest{}, err
		}
	}
	if invoice != nil {
		r.addPage(false)
		first := r.total()
		b.invoice(invoice, m.RecordPages)
		m.Invoice = &Section{FirstPage: first, Pages: r.total() - first + 1}
	}

	m.Pages = r.total()
	m.Certification = r.logical(certPage)
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
	b.certification(certPage, m, len(appendix))
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
	b.r.metaLine(meta)
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

// group prints the items of a result group (indexes into b.in.Items) as
// one table under one heading: a row per result, the item's number on its
// first row.
func (b *builder) group(sec []int) {
	r, p := b.r, b.r.pdf
	items := b.in.Items
	from, to := roi.NoDate, roi.NoDate
	results := 0
	var rows []ResultRow
	for _, i := range sec {
		it := &items[i]
		if it.Date.Known() && (!from.Known() || it.Date < from) {
			from = it.Date
		}
		if last := max(it.Date, it.Until); last.Known() && last > to {
			to = last
		}
		for k, row := range it.Results {
			if k == 0 {
				row.Item = strconv.Itoa(i + 1)
			}
			rows = append(rows, row)
		}
		results += len(it.Results)
	}
	when := "no date"
	switch {
	case from.Known() && to.Known() && to > from:
		when = from.String() + " to " + to.String()
	case from.Known():
		when = from.String()
	case to.Known():
		when = "on or before " + to.String()
	}
	first := &items[sec[0]]
	p.SetFont(sans, "B", 13)
	p.MultiCell(textW, 6.5, clean(first.GroupTitle+", "+when, false), "", "L", false)
	p.SetFont(sans, "", 8.5)
	p.SetTextColor(70, 70, 70)
	meta := "Item " + strconv.Itoa(sec[0]+1)
	if len(sec) > 1 {
		meta = "Items " + strconv.Itoa(sec[0]+1) + " to " + strconv.Itoa(sec[len(sec)-1]+1)
	}
	meta += "  ·  " + plural(results, "result")
	if first.Source != "" {
		meta += "  ·  Source " + first.Source
	}
	b.r.metaLine(meta)
	r.blocks(ResultTable(rows, "Item"))
}

// identifiers prints the appendix of record identifiers: for each item,
// the FHIR resources it was rendered from, so that a reader can check the
// packet against the source (and the manifest's hashes); the body of the
// packet prints none of them.
func (b *builder) identifiers() {
	p := b.r.pdf
	p.SetFont(sans, "B", 14)
	p.MultiCell(textW, 7, "Appendix: record identifiers", "", "L", false)
	p.Ln(1)
	b.r.blocks([]doc.Block{doc.P("For verification only. Each item of this packet was printed from the records listed here, as the source system identifies them (FHIR resource type and id); the body of the packet does not repeat them.")})
	var rows [][]string
	for i, it := range b.in.Items {
		src := it.Sources
		if len(src) == 0 {
			src = []string{it.Key}
		}
		rows = append(rows, []string{strconv.Itoa(i + 1), roi.DateSpan(it.Date, it.Until), it.Type, strings.Join(src, " ")})
	}
	b.r.blocks([]doc.Block{{Kind: doc.Table, Header: []string{"Item", "Date", "Type", "Source records"}, Rows: rows}})
}

// invoice prints the fee due as an invoice.
func (b *builder) invoice(inv *Invoice, recordPages int) {
	r, p := b.r, b.r.pdf
	in := b.in
	p.SetFont(sans, "B", 14)
	p.MultiCell(textW, 7, "Invoice", "", "L", false)
	p.Ln(1)
	var from []string
	if in.Organization != "" {
		from = append(from, "From: "+in.Organization)
	}
	r.blocks([]doc.Block{doc.P(strings.Join(append(from,
		"Bill to: "+in.Recipient,
		"Date: "+in.Released.String(),
		"For: request "+in.Number+", packet "+in.PacketID+" ("+plural(recordPages, "page")+" of records)",
	), "\n"))})
	var rows [][]string
	for _, l := range inv.Lines {
		rows = append(rows, []string{l.What, l.Cite, l.Amount})
	}
	rows = append(rows, []string{"Total due", "", inv.Total})
	r.blocks([]doc.Block{{Kind: doc.Table, Header: []string{"Charge", "Basis", "Amount"}, Rows: rows}})
	p.SetFont(sans, "B", 11)
	p.MultiCell(textW, 6, clean("Amount due: "+inv.Total, false), "", "L", false)
	p.Ln(2)
	bl := []doc.Block{doc.P("Please make payment to " + cmp.Or(in.Organization, "the sender") + ", quoting request " + in.Number + ".")}
	if len(inv.Notes) > 0 {
		bl = append(bl, doc.H("Notes"), doc.L(inv.Notes...))
	}
	r.blocks(bl)
}

// certification draws the certification of records onto its reserved
// page, once the packet's page count is known.
func (b *builder) certification(page int, m Manifest, attachments int) {
	r, p := b.r, b.r.pdf
	in := b.in
	last := p.PageCount()
	r.revisit(page)
	p.SetAutoPageBreak(false, 0)
	p.SetXY(marginL, marginT)
	org := cmp.Or(in.Organization, "the organization named in the cover letter")
	name, role := in.Certifier.Name, in.Certifier.Role
	who := "I, the undersigned,"
	if name != "" {
		who = "I, " + name + ","
		if role != "" {
			who += " " + role + " of " + org + ","
		}
	}
	p.SetFont(sans, "B", 14)
	p.MultiCell(textW, 7, "Certification of records", "", "L", false)
	p.Ln(2)
	para := func(s string) {
		p.SetFont(sans, "", 9.5)
		p.MultiCell(textW, 4.8, clean(s, true), "", "L", false)
		p.Ln(1.5)
	}
	para("Request " + in.Number + "  ·  Packet " + in.PacketID + "  ·  " + patientLine(in.Patient) + "\nReleased to " + in.Recipient + " on " + in.Released.String() + ".")
	para(who + " am a custodian of the records of " + org + ", or another person qualified to certify them, and I certify that the records enclosed in this packet:")
	for _, s := range []string{
		"are true copies of records of " + org + ", printed from its record system; each value is printed as the source recorded it, except numbers marked " + RoundedMark + ", machine-generated values rounded as the note under their table says;",
		"were made at or near the time of the acts, events or conditions they record, by — or from information transmitted by — a person with knowledge of those matters;",
		"were kept in the course of the regularly conducted activity of " + org + "; and",
		"were made as a regular practice of that activity.",
	} {
		p.SetFont(sans, "", 9.5)
		p.CellFormat(5, 4.8, "•", "", 0, "L", false, 0, "")
		p.MultiCell(textW-5, 4.8, clean(s, false), "", "L", false)
	}
	p.Ln(2)
	p.SetFont(sans, "B", 10.5)
	p.MultiCell(textW, 5.5, "What is enclosed", "", "L", false)
	p.Ln(1)
	// By category (the item's type), in order of first appearance, with
	// counts and date ranges.
	type cat struct {
		n        int
		from, to roi.Date
	}
	cats := map[string]*cat{}
	var order []string
	for _, it := range in.Items {
		c := cats[it.Type]
		if c == nil {
			c = &cat{from: roi.NoDate, to: roi.NoDate}
			cats[it.Type] = c
			order = append(order, it.Type)
		}
		c.n++
		if it.Date.Known() && (!c.from.Known() || it.Date < c.from) {
			c.from = it.Date
		}
		if l := max(it.Date, it.Until); l.Known() && l > c.to {
			c.to = l
		}
	}
	const maxRows = 18
	p.SetFont(sans, "B", 8.5)
	p.SetFillColor(235, 235, 235)
	p.CellFormat(70, 5, "Category", "B", 0, "L", true, 0, "")
	p.CellFormat(25, 5, "Items", "B", 0, "R", true, 0, "")
	p.CellFormat(textW-95, 5, "Dates", "B", 1, "L", true, 0, "")
	p.SetFont(sans, "", 8.5)
	row := func(a, b, c string) {
		p.SetX(marginL)
		p.CellFormat(70, 4.6, fit(p, clean(a, false), 70), "", 0, "L", false, 0, "")
		p.CellFormat(25, 4.6, b, "", 0, "R", false, 0, "")
		p.CellFormat(textW-95, 4.6, fit(p, c, textW-95), "", 1, "L", false, 0, "")
	}
	for k, t := range order {
		if k == maxRows-1 && len(order) > maxRows {
			rest := 0
			for _, t := range order[k:] {
				rest += cats[t].n
			}
			row("other categories ("+strconv.Itoa(len(order)-k)+")", strconv.Itoa(rest), "see the index")
			break
		}
		c := cats[t]
		dates := "no date"
		switch {
		case c.from.Known() && c.to.Known() && c.to > c.from:
			dates = c.from.String() + " to " + c.to.String()
		case c.from.Known():
			dates = c.from.String()
		case c.to.Known():
			dates = "on or before " + c.to.String()
		}
		row(t, strconv.Itoa(c.n), dates)
	}
	if attachments > 0 {
		row("attached documents", strconv.Itoa(attachments), "see the index")
	}
	p.Ln(3)
	extra := ""
	if m.Invoice != nil {
		extra = ", the record identifiers and the invoice"
	} else {
		extra = " and the record identifiers"
	}
	enclosed := plural(len(in.Items), "item")
	if attachments > 0 {
		enclosed += " and " + plural(attachments, "attached document")
	}
	para("In all " + enclosed + " on " + plural(m.RecordPages, "page") +
		". This packet has " + plural(m.Pages, "page") + " in all, numbered 1 to " + strconv.Itoa(m.Pages) + ", counting the cover letter, this certification, the index" + extra + ".")
	para("Only the records released under the decision on this request are enclosed; the cover letter says whether any were withheld.")
	p.Ln(6)
	p.SetFont(sans, "", 10)
	sign := func(label, value string) {
		p.SetX(marginL)
		p.CellFormat(22, 7, label, "", 0, "L", false, 0, "")
		if value == "" {
			p.CellFormat(95, 7, "", "B", 1, "L", false, 0, "")
		} else {
			p.CellFormat(95, 7, fit(p, clean(value, false), 95), "", 1, "L", false, 0, "")
		}
		p.Ln(1.5)
	}
	sign("Signature", "")
	sign("Name", name)
	sign("Title", role)
	sign("Date", in.Released.String())
	p.SetFont(sans, "", 7.5)
	p.SetTextColor(90, 90, 90)
	p.SetX(marginL)
	p.MultiCell(textW, 3.8, "A certification of business records in the form of Federal Rules of Evidence 803(6) and 902(11); a court or agency that requires its own form or a sworn affidavit will say so.", "", "L", false)
	p.SetTextColor(0, 0, 0)
	p.SetPage(last)
	p.SetAutoPageBreak(true, marginB)
}

// The index has one fixed-height row per item or attachment, so the pages
// it needs are known before the items are drawn.
const (
	indexRowH    = 5.0
	indexHeadH   = 19.0 // the title and two lines on the first index page
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
			also := "Certification of records: page " + strconv.Itoa(m.Certification)
			if m.Identifiers != nil {
				also += "  ·  Record identifiers: page " + strconv.Itoa(m.Identifiers.FirstPage)
			}
			if m.Invoice != nil {
				also += "  ·  Invoice: page " + strconv.Itoa(m.Invoice.FirstPage)
			}
			p.SetXY(marginL, y+12)
			p.CellFormat(textW, 5, also, "", 0, "L", false, 0, "")
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

// metaLine writes an item's (or a group's) grey line of facts under its
// heading and rules it off.
func (r *renderer) metaLine(meta string) {
	p := r.pdf
	p.MultiCell(textW, 4.5, clean(meta, false), "", "L", false)
	p.SetTextColor(0, 0, 0)
	p.SetDrawColor(120, 120, 120)
	p.Line(marginL, p.GetY()+1.5, pageW-marginR, p.GetY()+1.5)
	p.SetDrawColor(0, 0, 0)
	p.Ln(4)
}
