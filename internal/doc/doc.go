// Package doc is the neutral shape of what Custodian prints: letters and the
// readable form of chart items, as headings, paragraphs, lists and tables.
// The words are decided elsewhere (package letter for letters, package
// packet for chart items); the layout is decided once, where a Letter or a
// block is rendered to PDF (package packet) or to plain text (Text, here).
//
// Everything in a doc value may be PHI. Never log one.
package doc

import (
	"strings"

	"github.com/custodian-roi/custodian/internal/roi"
)

// Kind is what a block is.
type Kind string

// The block kinds.
const (
	Heading Kind = "heading" // Text is a section heading
	Para    Kind = "para"    // Text is a paragraph, wrapped on output
	List    Kind = "list"    // Items are bullet points
	Table   Kind = "table"   // Header names the columns; Rows hold the cells
	Pre     Kind = "pre"     // Text is preformatted (a clinical note), kept line for line
	Notice  Kind = "notice"  // Text is a statement the law requires, set apart (boxed)
)

// Block is one block of a document.
type Block struct {
	Kind   Kind
	Text   string
	Items  []string
	Header []string
	Rows   [][]string
}

// Letter is a letter Custodian writes: a cover letter, a denial, a pending
// notice, an extension notice, an escalation summary, an accounting of
// disclosures.
type Letter struct {
	Kind      string   // cover, denial, partial-denial, pending, extension, escalation, accounting
	Title     string   // printed at the top, e.g. "Notice of denial of access"
	Reference string   // the request number people quote
	Date      roi.Date // the date of the letter
	// DateText, when set, is the date as the letter's language writes it
	// ("6 de diciembre de 2026"); otherwise Date is printed as is.
	DateText string
	// ReLabel, when set, introduces the reference in the letter's
	// language ("Ref.: solicitud"); otherwise "Re: request".
	ReLabel string
	From    []string // the organization: name, address lines, phone
	To      []string // the recipient: name, address lines
	Blocks  []Block
}

// P returns a paragraph block.
func P(text string) Block { return Block{Kind: Para, Text: text} }

// H returns a heading block.
func H(text string) Block { return Block{Kind: Heading, Text: text} }

// L returns a list block.
func L(items ...string) Block { return Block{Kind: List, Items: items} }

// Text renders the letter as plain text: for tests, for an email preview
// inside the staff workbench and for readers that cannot open a PDF.
func (l Letter) Text() string {
	var b strings.Builder
	for _, s := range l.From {
		b.WriteString(s + "\n")
	}
	b.WriteString("\n")
	if l.Date.Known() {
		b.WriteString(l.DateLine() + "\n\n")
	}
	for _, s := range l.To {
		b.WriteString(s + "\n")
	}
	if len(l.To) > 0 {
		b.WriteString("\n")
	}
	if l.Reference != "" {
		b.WriteString(l.ReLine() + "\n\n")
	}
	b.WriteString(strings.ToUpper(l.Title) + "\n\n")
	WriteBlocks(&b, l.Blocks)
	return b.String()
}

// WriteBlocks writes blocks as plain text.
func WriteBlocks(b *strings.Builder, blocks []Block) {
	for _, bl := range blocks {
		switch bl.Kind {
		case Heading:
			b.WriteString(bl.Text + "\n" + strings.Repeat("-", len([]rune(bl.Text))) + "\n")
		case Para, Pre:
			b.WriteString(bl.Text + "\n")
		case Notice:
			b.WriteString("*** " + bl.Text + " ***\n")
		case List:
			for _, it := range bl.Items {
				b.WriteString("  - " + it + "\n")
			}
		case Table:
			b.WriteString(strings.Join(bl.Header, " | ") + "\n")
			for _, r := range bl.Rows {
				b.WriteString(strings.Join(r, " | ") + "\n")
			}
		}
		b.WriteString("\n")
	}
}

// DateLine is the letter's date as printed.
func (l Letter) DateLine() string {
	if l.DateText != "" {
		return l.DateText
	}
	return l.Date.String()
}

// ReLine is the reference line as printed.
func (l Letter) ReLine() string {
	label := l.ReLabel
	if label == "" {
		label = "Re: request"
	}
	return label + " " + l.Reference
}
