package fhir

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/custodian-roi/custodian/internal/echocheck"
)

// The fuzz targets of this file (FuzzReadBundle is in fhir_test.go) check,
// for every input:
//
//   - no panic, and an answer within fuzzDeadline;
//   - an error is an *Error whose message repeats no value of the document
//     (a run of more than echocheck.Max bytes of a JSON string or number that is
//     not also a member name or FHIR vocabulary);
//   - what is kept of the document (PatientRaw, Detail.Raw, FoldedRaw, SharedRaw) is
//     byte for byte a JSON object of the input (checkDetails);
//   - ReadByPatient and ReadBundle agree: when both read a bundle, they
//     return the same charts.
//
// Seeds are small (see fuzzSeeds): testdata/small.json as a Bundle and as
// NDJSON, the fuzzSeeds, malformed variants; what the fuzzer found is in
// testdata/fuzz/<Name>/.

const fuzzDeadline = 2 * time.Second

// vocabularyWords may be repeated in a message although they are values
// of the document: resource and bundle type names, member paths.
var vocabularyWords = []string{"DiagnosticReport", "DocumentReference", "MedicationRequest", "ExplanationOfBenefit",
	"AllergyIntolerance", "ImagingStudy", "Immunization", "Observation", "Encounter", "Condition", "Procedure",
	"CarePlan", "Patient", "Claim", "Bundle", "transaction", "collection", "searchset", "batch", "history",
	"document", "message", "Organization", "Practitioner", "Provenance", "transaction-response", "batch-response",
	"resourceType", "resource", "entry", "fullUrl", "reference", "subject", "patient"}

// echo returns a run of more than echocheck.Max bytes of msg found in a
// value of data (in data itself, when it is not one JSON value; in each
// line, for NDJSON) and in no member name, with the message's own words
// (member names it quotes as paths, FHIR type names) masked, or "".
func echo(msg string, data []byte) string {
	var names, values []string
	for _, line := range bytes.Split(data, []byte("\n")) { // NDJSON too
		n, v := echocheck.Parts(line)
		names, values = append(names, n...), append(values, v...)
	}
	n, v := echocheck.Parts(data)
	names, values = append(names, n...), append(values, v...)
	if !json.Valid(data) {
		values = append(values, string(data))
	}
	return echocheck.Find(msg, names, values, append(append([]string{}, names...), vocabularyWords...)...)
}

// checkErr checks an import's error.
func checkErr(t *testing.T, err error, data []byte) {
	t.Helper()
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("error %T is not an *Error: %v", err, err)
	}
	if e.Reason == "" {
		t.Fatalf("error %v has no reason", err)
	}
	if w := echo(e.Error(), data); w != "" {
		t.Fatalf("error %q repeats input value bytes %q", e.Error(), w)
	}
}

// checkCharts checks what every successful import must hold.
func checkCharts(t *testing.T, charts []Chart, stats Stats, data []byte) {
	t.Helper()
	n := 0
	for _, c := range charts {
		for k, it := range c.Items {
			// Undated items are kept; a dated one names the member its date came from.
			if it.Date.Known() != (it.DateField != "" && it.DateField != "meta.lastUpdated") && !it.Until.Known() ||
				it.Type == "" || it.Title == "" || !strings.Contains(it.Key, "/") {
				t.Fatalf("bad item %+v", it)
			}
			if k > 0 && (c.Items[k-1].Date > it.Date || c.Items[k-1].Date == it.Date && c.Items[k-1].Key >= it.Key) {
				t.Fatalf("items out of order or repeated at %d", k)
			}
		}
		if !isRawObject(c.PatientRaw, data) {
			t.Fatal("PatientRaw is not an object of the input")
		}
		for _, d := range c.Details {
			if !isRawObject(d.Raw, data) {
				t.Fatal("a Detail.Raw is not an object of the input")
			}
		}
		for key, raw := range c.FoldedRaw {
			if !isRawObject(raw, data) {
				t.Fatalf("FoldedRaw[%s] is not an object of the input", key)
			}
		}
		for key, raw := range c.SharedRaw {
			if !isRawObject(raw, data) {
				t.Fatalf("SharedRaw[%s] is not an object of the input", key)
			}
		}
		for ref, key := range c.References {
			if _, ok := conditionalKey(ref); !ok || !strings.Contains(key, "/") {
				t.Fatalf("References maps a reference that is not conditional, or to no Type/id")
			}
		}
		n += len(c.Items)
	}
	if n != stats.Items {
		t.Fatalf("stats.Items = %d, charts hold %d", stats.Items, n)
	}
}

// timed fails the test if fn takes longer than fuzzDeadline.
func timed(t *testing.T, what string, fn func()) {
	t.Helper()
	start := time.Now()
	fn()
	if d := time.Since(start); d > fuzzDeadline {
		t.Fatalf("%s took %v", what, d)
	}
}

// ndjsonOf turns a bundle into NDJSON: each entry's resource on a line.
func ndjsonOf(data []byte) []byte {
	var b struct {
		Entry []struct {
			Resource json.RawMessage `json:"resource"`
		} `json:"entry"`
	}
	if json.Unmarshal(data, &b) != nil {
		return nil
	}
	var out bytes.Buffer
	for _, e := range b.Entry {
		if json.Compact(&out, e.Resource) == nil {
			out.WriteByte('\n')
		}
	}
	return out.Bytes()
}

func bundleSeeds(tb testing.TB) [][]byte {
	small, err := os.ReadFile("testdata/small.json")
	if err != nil {
		tb.Fatal(err)
	}
	out := [][]byte{small}
	for _, s := range fuzzSeeds {
		out = append(out, []byte(s))
	}
	s0 := fuzzSeeds[0]
	out = append(out,
		[]byte(s0[:len(s0)/2]), // truncated
		[]byte(strings.Replace(s0, `"Bundle"`, `"ZebediahQuillfeather"`, 1)),          // not a bundle
		[]byte(strings.Replace(s0, `"batch"`, `"QuillfeatherZebediah"`, 1)),           // bundle type
		[]byte(strings.Replace(s0, `"Encounter"`, `"ZebediahQuillfeather"`, 1)),       // resource type
		[]byte(strings.Replace(s0, `"2000-01-01"`, `"Zebediah Quillfeather"`, 1)),     // a name for a date
		[]byte(strings.Replace(s0, `"birthDate":"2000-01-01"`, `"birthDate":[1]`, 1)), // wrong type
		[]byte(strings.Replace(s0, `"id":"e"`, `"id":"Zebediah Quillfeather"`, 1)),    // bad id
		[]byte(strings.Replace(s0, `"id":"e"`, `"id":12345678901234567890123`, 1)),    // a number id
		[]byte(strings.Replace(s0, `"id":"e"`, `"id":"p","subject":{"reference":1}`, 1)),
		[]byte(`{"resourceType":"Bundle","type":"collection","entry":[{"resource":null},{}]}`),
		[]byte(`{"resourceType":"Bundle","type":"collection","entry":{}}`),
	)
	return out
}

func FuzzReadNDJSON(f *testing.F) {
	for _, b := range bundleSeeds(f) {
		if nd := ndjsonOf(b); nd != nil {
			f.Add(nd)
		}
	}
	f.Add([]byte("\n\n{\"resourceType\":\"Patient\",\"id\":\"p\"}\n \n"))
	f.Add([]byte(`{"resourceType":"Patient","id":"p"}{"resourceType":"Patient","id":"q"}`))
	f.Add([]byte(`{"resourceType":"Patient","id":"p"}` + "\n" + `]}, {"resource": {"resourceType":"Patient","id":"q"}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		var charts []Chart
		var stats Stats
		var err error
		timed(t, "ReadNDJSON", func() { charts, stats, err = ReadNDJSON(bytes.NewReader(data), "") })
		if err != nil {
			if charts != nil {
				t.Fatal("charts with an error")
			}
			checkErr(t, err, data)
			return
		}
		checkCharts(t, charts, stats, data)
		// Each resource kept is one whole line of the input: the lines are
		// not spliced into one another's JSON.
		lines := map[string]bool{}
		for _, l := range bytes.Split(data, []byte("\n")) {
			lines[string(bytes.TrimSpace(l))] = true
		}
		for _, c := range charts {
			if !lines[string(c.PatientRaw)] {
				t.Fatalf("PatientRaw %q is not a line of the input", c.PatientRaw)
			}
			for _, d := range c.Details {
				if !lines[string(d.Raw)] {
					t.Fatalf("Raw %q is not a line of the input", d.Raw)
				}
			}
		}
	})
}

func FuzzReadByPatient(f *testing.F) {
	for _, b := range bundleSeeds(f) {
		f.Add(b, false)
		if nd := ndjsonOf(b); nd != nil {
			f.Add(nd, true)
		}
	}
	f.Fuzz(func(t *testing.T, data []byte, ndjson bool) {
		var charts []Chart
		var stats Stats
		var err error
		timed(t, "ReadByPatient", func() {
			stats, err = ReadByPatient(bytes.NewReader(data), int64(len(data)), ndjson, "", func(c Chart) error {
				charts = append(charts, c)
				return nil
			})
		})
		var whole []Chart
		var werr error = &Error{}
		if !ndjson {
			// ReadBundle's errors too repeat nothing of the document.
			whole, _, werr = ReadBundleStats(bytes.NewReader(data), "")
			if werr != nil {
				checkErr(t, werr, data)
			}
		}
		if err != nil {
			checkErr(t, err, data)
			return
		}
		checkCharts(t, charts, stats, data)
		if werr != nil {
			// NDJSON; or a bundle the whole read refuses: reading patient by
			// patient does not read what it skips (resources of no patient).
			return
		}
		// The same file read whole gives the same charts.
		if len(charts) == 0 && len(whole) == 0 {
			return
		}
		if !reflect.DeepEqual(whole, charts) {
			t.Fatalf("read by patient: %d charts; read whole: %d, or they differ", len(charts), len(whole))
		}
	})
}

// TestFuzzEcho keeps the echo check honest.
func TestFuzzEcho(t *testing.T) {
	data := []byte(`{"resourceType":"ZebediahQuillfeather","DiagnosticReport":1}`)
	if echo("fhir: the document is a ZebediahQuillfeather, not a Bundle", data) == "" {
		t.Error("a repeated value passes")
	}
	if echo("fhir: entry[0] (DiagnosticReport): id: missing", data) != "" {
		t.Error("vocabulary counts as a value")
	}
}
