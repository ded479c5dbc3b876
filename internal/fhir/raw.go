package fhir

import (
	"bytes"
	"encoding/json"
	"io"
	"strings"
)

// The bytes of each entry's resource are taken from the document as the
// decoder reads it, not re-encoded: the recorder keeps what the decoder
// has read of the entry, the decoder's offsets bound the entry, and
// memberValue finds the resource member's value in it.

// recorder keeps what a json.Decoder reads of the document, from the
// entry being read on, for the bytes of its resource by the decoder's
// offsets.
type recorder struct {
	r    io.Reader
	buf  []byte // the document from offset base on
	base int64
}

func (r *recorder) Read(p []byte) (int, error) {
	n, err := r.r.Read(p)
	r.buf = append(r.buf, p[:n]...)
	return n, err
}

// discard forgets the bytes before offset off, once they are many.
func (r *recorder) discard(off int64) {
	if k := off - r.base; k >= 1<<16 && k <= int64(len(r.buf)) {
		r.buf = r.buf[:copy(r.buf, r.buf[k:])]
		r.base = off
	}
}

// bytes are the document's bytes from offset start to end, nil if they
// are not kept.
func (r *recorder) bytes(start, end int64) []byte {
	if start < r.base || end < start || end-r.base > int64(len(r.buf)) {
		return nil
	}
	return r.buf[start-r.base : end-r.base]
}

// memberValue returns the value of the last member of the JSON object in
// doc whose name matches name as encoding/json matches a field's name
// (exactly, else without case), or nil. doc is valid JSON, an object
// after any white space and commas: an entry as the decoder read it.
func memberValue(doc []byte, name string) []byte {
	i := 0
	for i < len(doc) && (isSpace(doc[i]) || doc[i] == ',') {
		i++
	}
	if i == len(doc) || doc[i] != '{' {
		return nil
	}
	var found []byte
	for i++; ; {
		for i < len(doc) && (isSpace(doc[i]) || doc[i] == ',') {
			i++
		}
		if i == len(doc) || doc[i] != '"' {
			return found // the closing brace
		}
		end := stringEnd(doc, i)
		key := doc[i:end]
		for i = end; i < len(doc) && (isSpace(doc[i]) || doc[i] == ':'); i++ {
		}
		end = valueEnd(doc, i)
		if keyMatches(key, name) {
			found = doc[i:end]
		}
		i = end
	}
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\r' || c == '\n' }

// stringEnd returns the index after the JSON string that starts at i.
func stringEnd(doc []byte, i int) int {
	for i++; i < len(doc); i++ {
		switch doc[i] {
		case '"':
			return i + 1
		case '\\':
			i++ // the escaped byte, perhaps a quote
		}
	}
	return len(doc)
}

// valueEnd returns the index after the JSON value that starts at i.
func valueEnd(doc []byte, i int) int {
	if i < len(doc) && doc[i] != '{' && doc[i] != '[' && doc[i] != '"' { // a number, true, false or null
		for i < len(doc) && !isSpace(doc[i]) && doc[i] != ',' && doc[i] != '}' && doc[i] != ']' {
			i++
		}
		return i
	}
	depth := 0
	for j := i; j < len(doc); j++ {
		switch doc[j] {
		case '"':
			j = stringEnd(doc, j) - 1
		case '{', '[':
			depth++
		case '}', ']':
			depth--
		default:
			continue
		}
		if depth == 0 {
			return j + 1
		}
	}
	return len(doc)
}

// keyMatches reports whether the quoted name key matches name.
func keyMatches(key []byte, name string) bool {
	if bytes.IndexByte(key, '\\') < 0 {
		return bytes.EqualFold(key[1:len(key)-1], []byte(name))
	}
	var s string
	return json.Unmarshal(key, &s) == nil && strings.EqualFold(s, name)
}
