package fhir

import (
	"bufio"
	"bytes"
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
)

// WholeBundle is the size up to which ReadByPatient reads a Bundle in one
// pass (a variable so that tests can send small files down the split path).
var WholeBundle int64 = 16 << 20

// span is where one resource sits in a file, and whose it is.
type span struct {
	start, end int64  // the entry (Bundle) or the line (NDJSON)
	patient    int    // index into the patients found; -1: shared (organizations, practitioners ...)
	typ        string // its resourceType
}

// indexEntry is the little ReadByPatient reads of each resource on the
// first pass: its identity and the reference that says whose it is.
type indexEntry struct {
	FullURL  string `json:"fullUrl"`
	Resource struct {
		ResourceType string  `json:"resourceType"`
		ID           string  `json:"id"`
		Subject      *refRaw `json:"subject"`
		Patient      *refRaw `json:"patient"`
		Beneficiary  *refRaw `json:"beneficiary"`
	} `json:"resource"`
}

type refRaw struct {
	Reference string `json:"reference"`
}

// ReadByPatient reads a Bundle or NDJSON file one patient at a time, so
// that memory grows with the largest patient's record rather than with the
// file: a first pass streams the file and keeps, for each resource, only
// where it is and whose it is; then, for each patient, the resources that
// are theirs (and the shared ones: organizations, practitioners, locations)
// are read back by their byte ranges, untouched, and read as one Bundle.
// fn receives each patient's chart in the order the patients appear.
//
// A Bundle of at most WholeBundle bytes is read in one pass instead: the
// memory is bounded by that size, and the second pass and its copies were
// a fifth of the import's time on a typical one-patient export.
func ReadByPatient(f io.ReaderAt, size int64, ndjson bool, mrnSystem string, fn func(Chart) error) (Stats, error) {
	if !ndjson && size <= WholeBundle {
		charts, st, err := ReadBundleStats(bufio.NewReaderSize(io.NewSectionReader(f, 0, size), 1<<16), mrnSystem)
		if err != nil {
			return Stats{}, err
		}
		for _, c := range charts {
			if err := fn(c); err != nil {
				return st, err
			}
		}
		return st, nil
	}
	var spans []span
	var patients []string // the fullUrl or Type/id of each Patient, by index
	var refs []string     // each span's patient reference, resolved after the pass
	var err error
	if ndjson {
		spans, patients, refs, err = indexNDJSON(io.NewSectionReader(f, 0, size))
	} else {
		spans, patients, refs, err = indexBundle(io.NewSectionReader(f, 0, size))
	}
	if err != nil {
		return Stats{}, err
	}
	byRef := map[string]int{}
	for i, p := range patients {
		for _, alias := range strings.Split(p, "\x00") {
			if alias != "" {
				byRef[alias] = i
			}
		}
	}
	var shared []int
	var total Stats
	for i := range spans {
		if spans[i].patient >= 0 {
			continue // a Patient itself
		}
		switch p, ok := byRef[normRef(refs[i])]; {
		case refs[i] == "":
			shared = append(shared, i)
			// Counted here, once, not in every patient's read-back below.
			total.Ignored++
			total.leave(spans[i].typ, cmp.Or(leftOutTypes[spans[i].typ], ReasonShared))
		case ok:
			spans[i].patient = p
		case refs[i] == "\x00ignored" && spans[i].typ == "":
			total.Ignored++
			total.leave("", ReasonNoResource)
		case refs[i] == "\x00ignored":
			total.Ignored++
			total.leave(spans[i].typ, cmp.Or(leftOutTypes[spans[i].typ], ReasonNoPatient))
		default: // about no patient in the file
			total.Unattached++
			total.leave(spans[i].typ, ReasonNoPatient)
		}
	}
	mine := make([][]int, len(patients)) // each patient's spans, in file order
	for i, sp := range spans {
		if sp.patient >= 0 {
			mine[sp.patient] = append(mine[sp.patient], i)
		}
	}
	for p := range patients {
		if len(mine[p])+len(shared) > MaxPatientEntries {
			return total, &Error{Entry: -1, Member: "entry", Reason: fmt.Sprintf("one patient's record holds more entries than an import takes (at most %d per patient)", MaxPatientEntries)}
		}
	}
	buf := make([]byte, 0, 1<<16)
	for p := range patients {
		var b bytes.Buffer
		size := int64(64)
		for _, i := range mine[p] {
			size += spans[i].end - spans[i].start + 16
		}
		for _, i := range shared {
			size += spans[i].end - spans[i].start + 16
		}
		b.Grow(int(size)) // one allocation, not a doubling per megabyte
		b.WriteString(`{"resourceType":"Bundle","type":"collection","entry":[`)
		n := 0
		write := func(s span) error {
			buf = buf[:0]
			if int64(cap(buf)) < s.end-s.start {
				buf = make([]byte, 0, s.end-s.start)
			}
			buf = buf[:s.end-s.start]
			if _, err := f.ReadAt(buf, s.start); err != nil {
				return &Error{Entry: -1, Reason: "cannot read the file back", Err: err}
			}
			if n > 0 {
				b.WriteByte(',')
			}
			n++
			if ndjson {
				b.WriteString(`{"resource":`)
				b.Write(bytes.TrimSpace(buf))
				b.WriteByte('}')
			} else {
				b.Write(bytes.TrimLeft(buf, " \t\r\n,"))
			}
			return nil
		}
		for _, i := range mine[p] {
			if err := write(spans[i]); err != nil {
				return total, err
			}
		}
		for _, i := range shared {
			if err := write(spans[i]); err != nil {
				return total, err
			}
		}
		b.WriteString(`]}`)
		charts, st, err := ReadBundleStats(&b, mrnSystem)
		if err != nil {
			return total, err
		}
		total.add(st)
		for _, c := range charts {
			if err := fn(c); err != nil {
				return total, err
			}
		}
	}
	total.Entries = len(spans) // shared entries were read back once per patient
	return total, nil
}

// add adds the stats of one patient's read-back, but for the shared
// resources, which ReadByPatient counts once itself.
func (s *Stats) add(o Stats) {
	s.Entries += o.Entries
	s.Items += o.Items
	s.Folded += o.Folded
	s.Undated += o.Undated
	s.Partial += o.Partial
	s.Unattached += o.Unattached
	s.Unresolved += o.Unresolved
	s.DeceasedWithoutDate += o.DeceasedWithoutDate
	for k, n := range o.LeftOut {
		if k.Reason == ReasonShared {
			continue
		}
		if k.Reason != ReasonNoPatient {
			s.Ignored += n
		}
		if s.LeftOut == nil {
			s.LeftOut = make(map[LeftOutKey]int)
		}
		s.LeftOut[k] += n
	}
}

// normRef reduces a reference to the forms a Patient is known by.
func normRef(ref string) string {
	if i := strings.Index(ref, "Patient/"); i > 0 {
		return ref[i:] // an absolute URL ending in Patient/id
	}
	return ref
}

// note records a resource on the first pass.
func note(e *indexEntry, start, end int64, spans *[]span, patients, refs *[]string) error {
	if len(*spans) >= MaxEntries {
		return tooManyEntries()
	}
	if end-start > MaxResourceBytes {
		return tooLarge(len(*spans), e.Resource.ResourceType)
	}
	s := span{start: start, end: end, patient: -1, typ: e.Resource.ResourceType}
	ref := ""
	r := &e.Resource
	switch {
	case r.ResourceType == "Patient":
		s.patient = len(*patients)
		// Known as the importer resolves references: Type/id, urn:uuid:id,
		// and its fullUrl.
		aliases := "Patient/" + r.ID + "\x00urn:uuid:" + r.ID
		if e.FullURL != "" {
			aliases += "\x00" + normRef(e.FullURL)
		}
		*patients = append(*patients, aliases)
	case r.Subject != nil:
		ref = r.Subject.Reference
	case r.Patient != nil:
		ref = r.Patient.Reference
	case r.Beneficiary != nil:
		ref = r.Beneficiary.Reference
	}
	if ref == "" && r.ResourceType != "Patient" && !sharedType(r.ResourceType) {
		// Neither shared nor attached: a chart item about no one is left
		// out (and counted); anything else (a Provenance) the importer
		// ignores anyway.
		ref = "\x00unattached"
		if !kept(r.ResourceType) {
			ref = "\x00ignored"
		}
	}
	*spans = append(*spans, s)
	*refs = append(*refs, ref)
	return nil
}

// sharedType are the resource types items point to but no patient owns.
func sharedType(t string) bool {
	switch t {
	case "Organization", "Practitioner", "PractitionerRole", "Location", "Medication", "Device":
		return true
	}
	return false
}

// indexBundle streams a Bundle and notes each entry's byte range.
func indexBundle(r io.Reader) ([]span, []string, []string, error) {
	dec := json.NewDecoder(bufio.NewReaderSize(r, 1<<16))
	var spans []span
	var patients, refs []string
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return nil, nil, nil, &Error{Entry: -1, Reason: "not a JSON object"}
	}
	isBundle, sawEntries, sawType := false, false, false
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return nil, nil, nil, &Error{Entry: -1, Reason: "malformed JSON", Err: err}
		}
		switch t {
		case "resourceType":
			var rt string
			if err := dec.Decode(&rt); err != nil || rt != "Bundle" {
				return nil, nil, nil, &Error{Entry: -1, Member: "resourceType", Reason: "not a Bundle"}
			}
			isBundle = true
		case "type":
			// As ReadBundle: a history Bundle, say, is not imported.
			var bt string
			if err := dec.Decode(&bt); err != nil {
				return nil, nil, nil, &Error{Entry: -1, Member: "type", Reason: "malformed JSON", Err: err}
			}
			if !slices.Contains(bundleTypes, bt) {
				return nil, nil, nil, badBundleType(bt)
			}
			sawType = true
		case "entry":
			if sawEntries {
				return nil, nil, nil, &Error{Entry: -1, Member: "entry", Reason: "more than once"}
			}
			sawEntries = true
			if t, err := dec.Token(); err != nil || t != json.Delim('[') {
				if t == nil && err == nil {
					continue // "entry": null
				}
				return nil, nil, nil, &Error{Entry: -1, Member: "entry", Reason: "not an array"}
			}
			for i := 0; dec.More(); i++ {
				start := dec.InputOffset()
				var e indexEntry
				if err := dec.Decode(&e); err != nil {
					return nil, nil, nil, &Error{Entry: i, Reason: "malformed entry", Err: err}
				}
				if err := note(&e, start, dec.InputOffset(), &spans, &patients, &refs); err != nil {
					return nil, nil, nil, err
				}
			}
			if _, err := dec.Token(); err != nil {
				return nil, nil, nil, &Error{Entry: -1, Member: "entry", Reason: "malformed JSON", Err: err}
			}
		default:
			var skip json.RawMessage
			if err := dec.Decode(&skip); err != nil {
				return nil, nil, nil, &Error{Entry: -1, Reason: "malformed JSON", Err: err}
			}
		}
	}
	if _, err := dec.Token(); err != nil { // the closing brace
		return nil, nil, nil, &Error{Entry: -1, Reason: "malformed JSON", Err: err}
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, nil, nil, &Error{Entry: -1, Reason: "trailing data after the Bundle", Err: err}
	}
	if !isBundle {
		return nil, nil, nil, &Error{Entry: -1, Member: "resourceType", Reason: "not a Bundle"}
	}
	if !sawType {
		return nil, nil, nil, badBundleType("")
	}
	return spans, patients, refs, nil
}

// indexNDJSON streams NDJSON and notes each line's byte range.
func indexNDJSON(r io.Reader) ([]span, []string, []string, error) {
	br := bufio.NewReaderSize(r, 1<<16)
	var spans []span
	var patients, refs []string
	var off int64
	for i := 0; ; {
		line, err := br.ReadBytes('\n')
		start := off
		off += int64(len(line))
		if t := bytes.TrimSpace(line); len(t) > 0 {
			var e indexEntry
			if jerr := json.Unmarshal(t, &e.Resource); jerr != nil {
				return nil, nil, nil, &Error{Entry: i, Reason: "malformed line", Err: jerr}
			}
			if err := note(&e, start, off, &spans, &patients, &refs); err != nil {
				return nil, nil, nil, err
			}
			i++
		}
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, nil, nil, &Error{Entry: i, Reason: "cannot read", Err: err}
		}
	}
	return spans, patients, refs, nil
}
