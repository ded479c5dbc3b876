package label

import (
	"encoding/base64"
	"strings"
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
	"value": true, // an identifier's value, or a quantity's as text
	"unit":  true, "creation": true, "lastUpdated": true, "versionId": true, "source": true, "mode": true,
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
			} else {
				sc.code = v
			}
			return
		case "div": // a narrative: its words, not its markup
			sc.words(m, stripTags(v), false, resource, "in a narrative")
			return
		case "data":
			if n >= 2 && (path[n-2] == "attachment" || path[n-2] == "content" || path[n-2] == "presentedForm" || path[n-2] == "valueAttachment") {
				if t, ok := textOf(v); ok {
					sc.words(m, t, false, resource, "in an attached note")
				} else if pdf != nil && strings.HasPrefix(v, "JVBERi") { // base64 of "%PDF-"
					if data, err := base64.StdEncoding.DecodeString(v); err == nil {
						if t, ok := pdf(data); ok {
							sc.words(m, t, false, resource, "in an attached PDF")
						}
					}
				}
			}
			return
		}
		if skipped[key] || path[0] == "meta" || (n >= 2 && path[n-2] == "extension" && key == "url") {
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
	sc.tmp = m.find(&sc.tok, text, sc.tmp[:0])
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

// textOf decodes an attachment's base64 data when it is text (a note),
// not a PDF or an image.
func textOf(b64 string) (string, bool) {
	data, err := base64.StdEncoding.DecodeString(b64)
	if err != nil || len(data) == 0 || !utf8.Valid(data) || strings.HasPrefix(string(data), "%PDF") {
		return "", false
	}
	for _, c := range data {
		if c < 0x20 && c != '\n' && c != '\r' && c != '\t' {
			return "", false
		}
	}
	return string(data), true
}

// stripTags drops the markup of an XHTML narrative, keeping its words
// apart.
func stripTags(s string) string {
	var b strings.Builder
	in := false
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '<':
			in = true
			b.WriteByte(' ')
		case c == '>':
			in = false
		case !in:
			b.WriteByte(c)
		}
	}
	return b.String()
}
