// Package jsonscan walks the string values of a JSON document with the
// member names that lead to each, fast and without building the document.
//
// The importer and the labeler read every string of every resource they
// keep (codes, displays, notes, references) — about a hundred thousand
// resources a second for the labeler — and encoding/json's token API costs
// an allocation per token. The documents walked here were already decoded
// and found valid by encoding/json; Walk still refuses malformed input
// rather than guess.
package jsonscan

import (
	"errors"
	"strconv"
	"unicode/utf8"
	"unsafe"
)

// ErrMalformed is returned for input that is not one JSON value.
var ErrMalformed = errors.New("jsonscan: malformed JSON")

// Walk calls str for every string value in data (not member names), with
// the member names from the top down to it; array positions are not part
// of the path. It calls end, when not nil, as each object closes, with the
// object's path. path is reused between calls: copy what you keep. Numbers,
// booleans and nulls are skipped.
//
// A string without escapes is passed as a view of data, not a copy (the
// walk reads a hundred thousand resources a second, and copying every
// string was most of its cost), and so are member names: data must not be
// modified while such a string is in use. The importer's and the store's resource bytes never
// are.
func Walk(data []byte, str func(path []string, s string), end func(path []string)) error {
	w := walker{data: data, str: str, end: end, path: make([]string, 0, 16)}
	w.skipSpace()
	if err := w.value(0); err != nil {
		return err
	}
	w.skipSpace()
	if w.i != len(w.data) {
		return ErrMalformed
	}
	return nil
}

type walker struct {
	data []byte
	i    int
	str  func([]string, string)
	end  func([]string)
	path []string
}

// view is b as a string without a copy (see Walk).
func view(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	return unsafe.String(&b[0], len(b))
}

// maxDepth is encoding/json's own limit: what the importer accepted, Walk reads whole.
const maxDepth = 10000

func (w *walker) skipSpace() {
	// Pretty-printed exports indent every line: most of a walk is here.
	i, data := w.i, w.data
	for i < len(data) && data[i] <= ' ' && (data[i] == ' ' || data[i] == '\n' || data[i] == '\t' || data[i] == '\r') {
		i++
	}
	w.i = i
}

func (w *walker) value(depth int) error {
	if depth > maxDepth || w.i >= len(w.data) {
		return ErrMalformed
	}
	switch c := w.data[w.i]; {
	case c == '{':
		return w.object(depth)
	case c == '[':
		return w.array(depth)
	case c == '"':
		s, err := w.string()
		if err != nil {
			return err
		}
		if w.str != nil {
			w.str(w.path, s)
		}
		return nil
	default:
		return w.scalar()
	}
}

func (w *walker) object(depth int) error {
	w.i++ // {
	w.skipSpace()
	if w.i < len(w.data) && w.data[w.i] == '}' {
		w.i++
		w.closeObject()
		return nil
	}
	for {
		w.skipSpace()
		if w.i >= len(w.data) || w.data[w.i] != '"' {
			return ErrMalformed
		}
		key, err := w.string()
		if err != nil {
			return err
		}
		w.skipSpace()
		if w.i >= len(w.data) || w.data[w.i] != ':' {
			return ErrMalformed
		}
		w.i++
		w.skipSpace()
		w.path = append(w.path, key)
		if err := w.value(depth + 1); err != nil {
			return err
		}
		w.path = w.path[:len(w.path)-1]
		w.skipSpace()
		if w.i >= len(w.data) {
			return ErrMalformed
		}
		switch w.data[w.i] {
		case ',':
			w.i++
		case '}':
			w.i++
			w.closeObject()
			return nil
		default:
			return ErrMalformed
		}
	}
}

func (w *walker) closeObject() {
	if w.end != nil {
		w.end(w.path)
	}
}

func (w *walker) array(depth int) error {
	w.i++ // [
	w.skipSpace()
	if w.i < len(w.data) && w.data[w.i] == ']' {
		w.i++
		return nil
	}
	for {
		w.skipSpace()
		if err := w.value(depth + 1); err != nil {
			return err
		}
		w.skipSpace()
		if w.i >= len(w.data) {
			return ErrMalformed
		}
		switch w.data[w.i] {
		case ',':
			w.i++
		case ']':
			w.i++
			return nil
		default:
			return ErrMalformed
		}
	}
}

// scalar skips a number, true, false or null.
func (w *walker) scalar() error {
	start := w.i
	for w.i < len(w.data) {
		switch c := w.data[w.i]; {
		case c >= '0' && c <= '9', c >= 'a' && c <= 'z', c == '-', c == '+', c == '.', c == 'E':
			w.i++
			continue
		}
		break
	}
	switch s := string(w.data[start:w.i]); s {
	case "true", "false", "null":
		return nil
	case "":
		return ErrMalformed
	default:
		if !isNumber(s) {
			return ErrMalformed
		}
		return nil
	}
}

// isNumber reports whether s is a JSON number: -?int frac? exp?.
func isNumber(s string) bool {
	i := 0
	digits := func() int {
		n := 0
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
			n++
		}
		return n
	}
	if i < len(s) && s[i] == '-' {
		i++
	}
	start := i
	if n := digits(); n == 0 || (n > 1 && s[start] == '0') {
		return false
	}
	if i < len(s) && s[i] == '.' {
		i++
		if digits() == 0 {
			return false
		}
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		if digits() == 0 {
			return false
		}
	}
	return i == len(s)
}

// string reads a string at w.i (the opening quote), decoding escapes only
// when there are any.
func (w *walker) string() (string, error) {
	w.i++ // "
	start := w.i
	for w.i < len(w.data) {
		switch c := w.data[w.i]; {
		case c == '"':
			s := view(w.data[start:w.i])
			w.i++
			return s, nil
		case c == '\\':
			return w.escaped(start)
		case c < 0x20:
			return "", ErrMalformed
		}
		w.i++
	}
	return "", ErrMalformed
}

func (w *walker) escaped(start int) (string, error) {
	buf := append([]byte(nil), w.data[start:w.i]...)
	for w.i < len(w.data) {
		c := w.data[w.i]
		switch {
		case c == '"':
			w.i++
			return string(buf), nil
		case c < 0x20:
			return "", ErrMalformed
		case c != '\\':
			buf = append(buf, c)
			w.i++
			continue
		}
		if w.i+1 >= len(w.data) {
			return "", ErrMalformed
		}
		e := w.data[w.i+1]
		w.i += 2
		switch e {
		case '"', '\\', '/':
			buf = append(buf, e)
		case 'b':
			buf = append(buf, '\b')
		case 'f':
			buf = append(buf, '\f')
		case 'n':
			buf = append(buf, '\n')
		case 'r':
			buf = append(buf, '\r')
		case 't':
			buf = append(buf, '\t')
		case 'u':
			r, ok := w.hex4()
			if !ok {
				return "", ErrMalformed
			}
			if r >= 0xD800 && r < 0xDC00 && w.i+5 < len(w.data) && w.data[w.i] == '\\' && w.data[w.i+1] == 'u' {
				save := w.i
				w.i += 2
				if lo, ok := w.hex4(); ok && lo >= 0xDC00 && lo < 0xE000 {
					r = 0x10000 + (r-0xD800)<<10 + (lo - 0xDC00)
				} else {
					w.i = save // a lone high surrogate; the escape after it stands alone
				}
			}
			buf = utf8.AppendRune(buf, r) // a lone surrogate becomes U+FFFD, as encoding/json does
		default:
			return "", ErrMalformed
		}
	}
	return "", ErrMalformed
}

func (w *walker) hex4() (rune, bool) {
	if w.i+4 > len(w.data) {
		return 0, false
	}
	n, err := strconv.ParseUint(string(w.data[w.i:w.i+4]), 16, 32)
	if err != nil {
		return 0, false
	}
	w.i += 4
	return rune(n), true
}
