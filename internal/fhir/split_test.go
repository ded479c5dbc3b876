package fhir

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

func byPatient(t *testing.T, data []byte, ndjson bool) []Chart {
	t.Helper()
	var out []Chart
	_, err := ReadByPatient(bytes.NewReader(data), int64(len(data)), ndjson, "", func(c Chart) error {
		out = append(out, c)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestReadByPatientSame: reading patient by patient gives exactly the
// charts reading the whole file gives, raw bytes included.
func TestReadByPatientSame(t *testing.T) {
	files, _ := filepath.Glob("testdata/*.json")
	for _, f := range files {
		data := mustRead(t, f)
		whole, err := ReadBundle(bytes.NewReader(data), "")
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		split := byPatient(t, data, false)
		if !reflect.DeepEqual(whole, split) {
			t.Errorf("%s: read by patient differs from reading the whole file", f)
		}
	}
}

// TestReadByPatientMany: a file of several patients (interleaved, with a
// shared organization and an orphan) gives each patient's own chart.
func TestReadByPatientMany(t *testing.T) {
	type entry = json.RawMessage
	var a, b struct {
		Entry []entry `json:"entry"`
	}
	da := mustRead(t, "testdata/Clemente_Kreiger_1484a42d-0eaf-4654-9cbf-6b050a5cd73b.json")
	db := mustRead(t, "testdata/Laurie_McCullough_8a417ce8-b525-42ab-a2be-651291f73c8c.json")
	json.Unmarshal(da, &a)
	json.Unmarshal(db, &b)
	var mixed []entry
	for i := 0; i < len(a.Entry) || i < len(b.Entry); i++ {
		if i < len(b.Entry) {
			mixed = append(mixed, b.Entry[i])
		}
		if i < len(a.Entry) {
			mixed = append(mixed, a.Entry[i])
		}
	}
	mixed = append(mixed, entry(`{"fullUrl":"urn:uuid:x","resource":{"resourceType":"Encounter","id":"orphan","subject":{"reference":"urn:uuid:nobody"},"period":{"start":"2020-01-01"}}}`))
	file, _ := json.Marshal(map[string]any{"resourceType": "Bundle", "type": "collection", "entry": mixed})
	got := byPatient(t, file, false)
	wa, _ := ReadBundle(bytes.NewReader(da), "")
	wb, _ := ReadBundle(bytes.NewReader(db), "")
	if len(got) != 2 {
		t.Fatalf("%d charts, want 2", len(got))
	}
	// Entries were re-marshalled above, compacting them, so compare what
	// the charts say rather than the bytes.
	for i, want := range []Chart{wb[0], wa[0]} {
		if got[i].Patient != want.Patient || len(got[i].Items) != len(want.Items) {
			t.Errorf("chart %d: %v with %d items, want %v with %d", i, got[i].Patient.FHIRID, len(got[i].Items), want.Patient.FHIRID, len(want.Items))
			continue
		}
		for j := range want.Items {
			if !reflect.DeepEqual(got[i].Items[j], want.Items[j]) {
				t.Errorf("chart %d item %d: %+v, want %+v", i, j, got[i].Items[j], want.Items[j])
				break
			}
		}
	}

	// The same resources as NDJSON.
	var nd bytes.Buffer
	for _, e := range mixed {
		var x struct {
			Resource json.RawMessage `json:"resource"`
		}
		json.Unmarshal(e, &x)
		json.Compact(&nd, x.Resource) // one resource per line
		nd.WriteByte('\n')
	}
	got = byPatient(t, nd.Bytes(), true)
	if len(got) != 2 || len(got[0].Items) != len(wb[0].Items) || len(got[1].Items) != len(wa[0].Items) {
		t.Errorf("NDJSON by patient: %d charts", len(got))
	}
	for _, c := range got {
		for i, d := range c.Details {
			if !bytes.Contains(nd.Bytes(), d.Raw) {
				t.Errorf("%s: raw bytes are not the line's", c.Items[i].Key)
			}
		}
	}
}

func TestReadByPatientErrors(t *testing.T) {
	for _, in := range []string{`[]`, `{"resourceType":"Patient"}`, `{"resourceType":"Bundle","entry":{}}`, `{"resourceType":"Bundle","entry":[{"resource":`} {
		_, err := ReadByPatient(bytes.NewReader([]byte(in)), int64(len(in)), false, "", func(Chart) error { return nil })
		if _, ok := err.(*Error); !ok {
			t.Errorf("%s: %v", in, err)
		}
	}
}

// The package's tests were written for the split path (first pass, then
// each patient's resources read back); they take it for every size.
// TestWholeBundleSameAsSplit checks the one-pass path gives the same.
func init() { WholeBundle = 0 }

func TestWholeBundleSameAsSplit(t *testing.T) {
	files, _ := filepath.Glob("../../../shared/data/synthea/*.json")
	files = append(files, filepath.Join("testdata", "small.json"))
	for _, name := range files {
		data, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		read := func(whole int64) ([]Chart, Stats) {
			defer func(old int64) { WholeBundle = old }(WholeBundle)
			WholeBundle = whole
			var out []Chart
			st, err := ReadByPatient(bytes.NewReader(data), int64(len(data)), false, "", func(c Chart) error {
				out = append(out, c)
				return nil
			})
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			return out, st
		}
		split, st1 := read(0)
		whole, st2 := read(1 << 30)
		if !reflect.DeepEqual(split, whole) {
			t.Errorf("%s: the one-pass read differs from the split read", filepath.Base(name))
		}
		if st1.Items != st2.Items || st1.Undated != st2.Undated || st1.Folded != st2.Folded || !reflect.DeepEqual(st1.LeftOut, st2.LeftOut) {
			t.Errorf("%s: stats differ: split %+v, whole %+v", filepath.Base(name), st1, st2)
		}
	}
}
