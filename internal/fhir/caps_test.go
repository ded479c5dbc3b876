package fhir

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"testing"
)

// capBundle is a Bundle of one Patient (named name) and n Observations
// about them.
func capBundle(name string, n int) []byte {
	var b bytes.Buffer
	b.WriteString(`{"resourceType":"Bundle","type":"collection","entry":[`)
	fmt.Fprintf(&b, `{"fullUrl":"urn:uuid:p1","resource":{"resourceType":"Patient","id":"p1","birthDate":"1980-06-15","name":[{"family":%q}]}}`, name)
	for i := range n {
		fmt.Fprintf(&b, `,{"resource":{"resourceType":"Observation","id":"o%d","status":"final","subject":{"reference":"urn:uuid:p1"},"effectiveDateTime":"2025-01-02","code":{"text":"x"}}}`, i)
	}
	b.WriteString(`]}`)
	return b.Bytes()
}

func readBoth(t *testing.T, data []byte) []error {
	t.Helper()
	_, _, err1 := ReadBundleStats(bytes.NewReader(data), "")
	_, err2 := ReadByPatient(bytes.NewReader(data), int64(len(data)), false, "", func(Chart) error { return nil })
	return []error{err1, err2}
}

func wantCap(t *testing.T, what string, errs []error, member string, echo string) {
	t.Helper()
	for i, err := range errs {
		var fe *Error
		if !errors.As(err, &fe) {
			t.Errorf("%s (path %d): %v, want a *fhir.Error", what, i, err)
			continue
		}
		if !strings.Contains(err.Error(), member) || !strings.Contains(err.Error(), "at most") {
			t.Errorf("%s (path %d): %q does not name %s and the cap", what, i, err, member)
		}
		if echo != "" && strings.Contains(err.Error(), echo) {
			t.Errorf("%s (path %d): the error repeats the input", what, i)
		}
	}
}

// TestImportCaps (issue #15): a 200 MB patient name was accepted, and a
// million tiny entries took 1.96 GB. A name, a resource, a file's entries
// and one patient's entries are capped, with an error naming the cap and
// nothing of the value; under the caps the same shapes import.
func TestImportCaps(t *testing.T) {
	long := strings.Repeat("Quillfeather", MaxNameBytes/12+1)
	wantCap(t, "a long name", readBoth(t, capBundle(long, 1)), "name", "QuillfeatherQuillfeather")
	for _, err := range readBoth(t, capBundle(long[:MaxNameBytes-10], 1)) {
		if err != nil {
			t.Errorf("a name under the cap: %v", err)
		}
	}

	defer func(e, p int, r int64) { MaxEntries, MaxPatientEntries, MaxResourceBytes = e, p, r }(MaxEntries, MaxPatientEntries, MaxResourceBytes)
	MaxEntries, MaxPatientEntries = 20, 1000
	wantCap(t, "too many entries", readBoth(t, capBundle("Pat", 20)), "entry", "")
	for _, err := range readBoth(t, capBundle("Pat", 19)) {
		if err != nil {
			t.Errorf("entries at the cap: %v", err)
		}
	}
	MaxEntries, MaxPatientEntries = 1000, 10
	// One patient's record: the split path reads one patient at a time,
	// so it is the cap that bounds its memory.
	_, err := ReadByPatient(bytes.NewReader(capBundle("Pat", 11)), int64(len(capBundle("Pat", 11))), false, "", func(Chart) error { return nil })
	wantCap(t, "one patient's entries", []error{err}, "entries", "")
	MaxEntries, MaxPatientEntries, MaxResourceBytes = 1000, 1000, 2000
	wantCap(t, "a large resource", readBoth(t, capBundle(strings.Repeat("x", 2100), 1)), "entry", "")
}
