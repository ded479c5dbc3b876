package label

import (
	"encoding/base64"
	"strings"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/custodian-roi/custodian/internal/jsonscan"
)

// scratch is the reusable state of reading one item's resources.
type scratch struct {
	tok  tokenizer
	hits []textHit
	tmp  []hit
	sys  string
	code string
	at   int // depth of the object holding sys and code
}

// textHit is a term found in a resource's text.
type textHit struct {
	hit
	confirm  bool   // a weak word in free text: a person confirms
	resource string // where it was found
	where    string // what kind of text: "in a display", "in a note"
}

// skipped are members whose strings are identifiers, codes or machinery,
// never words a person wrote or reads as the record's content.
var skipped = map[string]bool{
	"system": true, "code": true, "reference": true, "id": true, "url": true, "fullUrl": true,
	"resourceType": true, "status": true, "version": true, "profile": true, "contentType": true,
	"language": true, "hash": true, "gender": true, "use": true, "intent": true, "linkId": true,
	"value":    true, // an identifier's value, or a quantity's as text
	"creation": true, "lastUpdated": true, "versionId": true, "source": true, "mode": true,
	"questionnaire": true, "instantiatesCanonical": true, "instantiatesUri": true, "definition": true,
}

// short members hold a name for a thing (a display, a title): a weak word
// there labels. Anything else with words (a note, a narrative, an
// attachment, a long description) is free text, where a weak word asks a
// person to confirm.
var short = map[string]bool{"display": true, "text": true, "title": true, "name": true, "description": true}

const shortMax = 160

// read walks one resource: codings go to code (with security true for
// meta.security), words to the matcher, whose hits are kept in sc.hits.
func (sc *scratch) read(raw []byte, m *matcher, pdf func([]byte) (string, bool), code func(c Coding, security bool), resource string) {
	sc.at = -1
	// A resource too deep or too broken to walk whole is read as far as it
	// goes; the importer refused anything that is not JSON.
	_ = jsonscan.Walk(raw, func(path []string, v string) {
		n := len(path)
		if n == 0 {
			return
		}
		key := path[n-1]
		switch key {
		case "system", "code":
			if sc.at != n {
				sc.sys, sc.code, sc.at = "", "", n
			}
			if key == "system" {
				sc.sys = v
				return
			}
			sc.code = v
			// A code is printed where a coding has no display: its words
			// are read too ("HIV1-RNA-DETECTED" as a local result code).
			if path[0] != "meta" || (n >= 2 && path[1] == "tag") {
				sc.words(m, v, true, resource, "in a code")
			}
			return
		case "div": // a narrative: its words, not its markup
			sc.words(m, stripTags(v), false, resource, "in a narrative")
			return
		case "data":
			// An attachment's, or a Binary's own (top-level) content.
			if attachmentMember(path) || n == 1 {
				sc.attachment(m, v, pdf, resource)
			}
			return
		}
		// meta is the server's bookkeeping, but for tags, which a generic
		// rendering prints; meta.security is read as labels (own).
		if skipped[key] || (path[0] == "meta" && (n < 2 || path[1] != "tag")) || (n >= 2 && path[n-2] == "extension" && key == "url") {
			return
		}
		isShort := short[key] && len(v) <= shortMax && !inNote(path)
		where := "in a display"
		if !isShort {
			where = "in a note"
		}
		sc.words(m, v, isShort, resource, where)
	}, func(path []string) {
		if len(path)+1 == sc.at {
			if sc.code != "" && sc.sys != "" {
				security := len(path) >= 2 && path[0] == "meta" && path[1] == "security"
				code(Coding{sc.sys, sc.code}, security)
			}
			sc.sys, sc.code, sc.at = "", "", -1
		}
	})
}

func inNote(path []string) bool {
	for _, p := range path {
		if p == "note" || p == "comment" {
			return true
		}
	}
	return false
}

func (sc *scratch) words(m *matcher, text string, isShort bool, resource, where string) {
	if !hasLetter(text) {
		return
	}
	typ, _, _ := strings.Cut(resource, "/")
	// Goals and care plans name what they aim at, in the negative as often
	// as not ("no self-harm episodes", "remain free of alcohol").
	negation := typ != "Goal" && typ != "CarePlan"
	sc.tmp = m.find(&sc.tok, text, negation, sc.tmp[:0])
	for _, h := range sc.tmp {
		sc.hits = append(sc.hits, textHit{hit: h, confirm: h.weak && !isShort, resource: resource, where: where})
	}
}

func hasLetter(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i] | 0x20
		if 'a' <= c && c <= 'z' || s[i] >= utf8.RuneSelf {
			return true
		}
	}
	return false
}

func attachmentMember(path []string) bool {
	n := len(path)
	if n < 2 {
		return false
	}
	switch path[n-2] {
	case "attachment", "content", "presentedForm", "valueAttachment", "contentAttachment", "photo":
		return true
	}
	return strings.HasSuffix(path[n-2], "Attachment")
}

// attachment reads the words of an attachment: a text note in whatever
// encoding it came, its markup stripped; a PDF through the caller's
// reader. The packet prints or merges both.
func (sc *scratch) attachment(m *matcher, b64 string, pdf func([]byte) (string, bool), resource string) {
	data, ok := decodeBase64(b64)
	if !ok || len(data) == 0 {
		return
	}
	if strings.HasPrefix(string(data), "%PDF") {
		if pdf == nil {
			return
		}
		if t, ok := pdf(data); ok {
			sc.words(m, t, false, resource, "in an attached PDF")
			// A word drawn in pieces is one word once the pieces meet.
			sc.words(m, strings.ReplaceAll(t, "\n", ""), false, resource, "in an attached PDF")
		}
		return
	}
	t, ok := textOf(data)
	if !ok {
		return
	}
	if strings.ContainsRune(t, '<') && strings.ContainsRune(t, '>') {
		// Markup read as words makes words of its own ("<b>Plan:</b>"
		// reads "plan b"): the text as the packet prints it, tags stripped.
		t = stripTags(t)
	}
	sc.words(m, t, false, resource, "in an attached note")
}

// decodeBase64 decodes base64 as FHIR allows it: with or without padding,
// with line breaks and spaces.
func decodeBase64(s string) ([]byte, bool) {
	if strings.ContainsAny(s, " \t\r\n") {
		s = strings.Map(func(r rune) rune {
			if r == ' ' || r == '\t' || r == '\r' || r == '\n' {
				return -1
			}
			return r
		}, s)
	}
	if data, err := base64.StdEncoding.DecodeString(s); err == nil {
		return data, true
	}
	data, err := base64.RawStdEncoding.DecodeString(strings.TrimRight(s, "="))
	return data, err == nil
}

// textOf reads an attachment's bytes as text when they are text (a note),
// not an image or other binary: UTF-16 with its byte-order mark, UTF-8,
// else Windows-1252/Latin-1, one character a byte (a note with one stray
// byte is still a note). Control characters other than line breaks and
// tabs count as binary past one in twenty.
func textOf(data []byte) (string, bool) {
	if len(data) >= 2 && (data[0] == 0xFF && data[1] == 0xFE || data[0] == 0xFE && data[1] == 0xFF) {
		return utf16Text(data[2:], data[0] == 0xFE), true
	}
	control := 0
	for _, c := range data {
		if c == 0 {
			return "", false
		}
		if c < 0x20 && c != '\n' && c != '\r' && c != '\t' {
			control++
		}
	}
	if control*20 > len(data) {
		return "", false
	}
	if utf8.Valid(data) {
		return string(data), true
	}
	rs := make([]rune, len(data))
	for i, c := range data {
		rs[i] = rune(c)
	}
	return string(rs), true
}

func utf16Text(b []byte, bigEndian bool) string {
	u := make([]uint16, len(b)/2)
	for i := range u {
		if bigEndian {
			u[i] = uint16(b[2*i])<<8 | uint16(b[2*i+1])
		} else {
			u[i] = uint16(b[2*i+1])<<8 | uint16(b[2*i])
		}
	}
	return string(utf16.Decode(u))
}

// stripTags drops the markup of XHTML or HTML, keeping its words: a tag
// that breaks a line (p, div, br, li, td ...) parts the words around it,
// an inline one (span, b, i, em, a, font ...) does not, so that
// "<span>Chla</span>mydia" reads as the packet prints it.
func stripTags(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] != '<' {
			b.WriteByte(s[i])
			continue
		}
		j := strings.IndexByte(s[i:], '>')
		if j < 0 {
			b.WriteString(s[i:])
			break
		}
		if !inlineTag(s[i+1 : i+j]) {
			b.WriteByte(' ')
		}
		i += j
	}
	return b.String()
}

func inlineTag(tag string) bool {
	tag = strings.TrimPrefix(tag, "/")
	if k := strings.IndexAny(tag, " \t\r\n/"); k >= 0 {
		tag = tag[:k]
	}
	switch strings.ToLower(tag) {
	case "span", "b", "i", "em", "strong", "a", "font", "u", "sup", "sub", "small", "big", "mark", "abbr", "code", "s", "wbr":
		return true
	}
	return false
}
