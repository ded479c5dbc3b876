package fhir

import (
	"bufio"
	"bytes"
	"encoding/json"
	"io"
)

// maxNDJSONLine bounds one NDJSON resource.
const maxNDJSONLine = 64 << 20

// ReadNDJSON reads FHIR resources in NDJSON (one resource per line, as the
// FHIR Bulk Data export writes them) and returns one Chart per Patient, as
// ReadBundle does. Blank lines are skipped; each resource's bytes are kept
// as they are on their line. Errors name the line's position in the file
// as the entry index.
func ReadNDJSON(r io.Reader, mrnSystem string) ([]Chart, Stats, error) {
	// The lines become the entries of one collection Bundle, byte for byte,
	// so that one reader decides everything.
	var b bytes.Buffer
	b.WriteString(`{"resourceType":"Bundle","type":"collection","entry":[`)
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 1<<20), maxNDJSONLine)
	n := 0
	for sc.Scan() {
		line := bytes.TrimSpace(sc.Bytes())
		if len(line) == 0 {
			continue
		}
		// A line is one JSON object, nothing before or after it: anything
		// else would be spliced into the Bundle built here (a line ending
		// `},"x":1` would add a member to its entry) instead of refused.
		if line[0] != '{' || !json.Valid(line) {
			return nil, Stats{}, &Error{Entry: n, Reason: "the line is not one JSON object (NDJSON holds one resource a line)"}
		}
		if n > 0 {
			b.WriteByte(',')
		}
		b.WriteString(`{"resource":`)
		b.Write(line)
		b.WriteByte('}')
		n++
	}
	if err := sc.Err(); err != nil {
		return nil, Stats{}, &Error{Entry: n, Reason: "cannot read the line (longer than 64 MiB?)", Err: err}
	}
	b.WriteString(`]}`)
	return ReadBundleStats(&b, mrnSystem)
}

// IsNDJSON reports whether the start of a file looks like NDJSON rather than
// a Bundle: a first object that is not a Bundle.
func IsNDJSON(head []byte) bool {
	line := head
	if i := bytes.IndexByte(head, '\n'); i >= 0 {
		line = head[:i]
	}
	line = bytes.TrimSpace(line)
	return len(line) > 0 && line[0] == '{' && line[len(line)-1] == '}' &&
		!bytes.Contains(line, []byte(`"resourceType":"Bundle"`)) && !bytes.Contains(line, []byte(`"resourceType": "Bundle"`))
}
