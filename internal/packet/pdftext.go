package packet

import (
	"bytes"
	"io"
	"strings"

	"github.com/pdfcpu/pdfcpu/pkg/api"
)

// PDFText returns the words a PDF shows, as far as they can be read from
// its content streams: the strings of its text-showing operators (Tj, TJ,
// ' and "), in order, one line each. The labeler reads a document's PDF
// attachments with it, since the packet merges them page for page.
//
// It reads what simple PDFs write (fonts with a single-byte encoding, as
// scanners' OCR layers and most report writers use); text drawn with
// two-byte glyph ids (Identity-H subset fonts) comes out as bytes that are
// not words and matches nothing. ok is false when the document cannot be
// read at all.
func PDFText(data []byte) (text string, ok bool) {
	var b strings.Builder
	err := api.ExtractContent(bytes.NewReader(data), nil, func(r io.Reader, _ int) error {
		content, err := io.ReadAll(r)
		if err != nil {
			return err
		}
		showText(content, &b)
		return nil
	}, pdfConf())
	if err != nil {
		return "", false
	}
	return b.String(), true
}

// showText appends the strings of content's text-showing operators to b.
// It is a scanner, not a parser: strings outside them (in a marked-content
// property list, say) are rare, and reading one too many costs nothing.
func showText(content []byte, b *strings.Builder) {
	var pending []string
	for i := 0; i < len(content); i++ {
		switch c := content[i]; c {
		case '(':
			s, end := literal(content, i)
			pending = append(pending, s)
			i = end
		case '<':
			if i+1 < len(content) && content[i+1] == '<' { // a dictionary
				i++
				continue
			}
			s, end := hexString(content, i)
			pending = append(pending, s)
			i = end
		case 'T', '\'', '"':
			op := c == '\'' || c == '"' || (i+1 < len(content) && (content[i+1] == 'j' || content[i+1] == 'J'))
			if op && len(pending) > 0 {
				for _, s := range pending {
					b.WriteString(s)
				}
				b.WriteByte('\n')
				pending = pending[:0]
			}
		case '%': // a comment, to the end of the line
			for i < len(content) && content[i] != '\n' && content[i] != '\r' {
				i++
			}
		}
	}
}

// literal reads a PDF literal string starting at content[i] == '(' and
// returns it with the index of its closing parenthesis.
func literal(content []byte, i int) (string, int) {
	var out []byte
	depth := 0
	for j := i; j < len(content); j++ {
		c := content[j]
		switch {
		case c == '\\' && j+1 < len(content):
			j++
			switch e := content[j]; e {
			case 'n', 'r', 't', 'f', 'b':
				out = append(out, ' ')
			case '0', '1', '2', '3', '4', '5', '6', '7':
				v := 0
				for k := 0; k < 3 && j < len(content) && content[j] >= '0' && content[j] <= '7'; k++ {
					v = v*8 + int(content[j]-'0')
					j++
				}
				j--
				out = append(out, byte(v))
			case '\n', '\r':
			default:
				out = append(out, e)
			}
		case c == '(':
			if depth > 0 {
				out = append(out, c)
			}
			depth++
		case c == ')':
			depth--
			if depth == 0 {
				return latin1(out), j
			}
			out = append(out, c)
		default:
			out = append(out, c)
		}
	}
	return latin1(out), len(content)
}

// hexString reads a PDF hex string starting at content[i] == '<'.
func hexString(content []byte, i int) (string, int) {
	var out []byte
	hi, half := byte(0), false
	for j := i + 1; j < len(content); j++ {
		c := content[j]
		var v byte
		switch {
		case c == '>':
			if half {
				out = append(out, hi<<4)
			}
			return latin1(out), j
		case c >= '0' && c <= '9':
			v = c - '0'
		case c >= 'a' && c <= 'f':
			v = c - 'a' + 10
		case c >= 'A' && c <= 'F':
			v = c - 'A' + 10
		default:
			continue
		}
		if half {
			out = append(out, hi<<4|v)
		} else {
			hi = v
		}
		half = !half
	}
	return latin1(out), len(content)
}
