package ccda

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// FuzzParse: whatever the bytes, Parse returns a document or an *Error,
// never panics; a document's items are each valid JSON bound to it, one
// detail per item, and its narrative reads.
func FuzzParse(f *testing.F) {
	// The HL7 examples and the sensitive test documents. Run it with a
	// short -fuzzminimizetime (.ci/fuzz gives 2s): minimizing an
	// interesting 100 KB document for the default 60 s stalls the run.
	seeds, _ := filepath.Glob(filepath.Join(examplesDir, "*.xml"))
	more, _ := filepath.Glob("testdata/*.xml")
	for _, name := range append(seeds, more...) {
		if b, err := os.ReadFile(name); err == nil {
			f.Add(b)
		}
	}
	f.Add([]byte(`<ClinicalDocument xmlns="urn:hl7-org:v3"><templateId root="2.16.840.1.113883.10.20.22.1.1"/><recordTarget><patientRole/></recordTarget></ClinicalDocument>`))
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := Parse(data, Options{})
		if err != nil {
			var ce *Error
			if !errors.As(err, &ce) {
				t.Fatalf("not an *Error: %T %v", err, err)
			}
			return
		}
		if len(r.Chart.Items) != len(r.Chart.Details) {
			t.Fatalf("%d items, %d details", len(r.Chart.Items), len(r.Chart.Details))
		}
		for i, it := range r.Chart.Items {
			if d, ok := DocumentOf(it.Key); !ok || d != r.DocumentKey {
				t.Fatalf("item %s not bound to %s", it.Key, r.DocumentKey)
			}
			if !json.Valid(r.Chart.Details[i].Raw) {
				t.Fatalf("item %s: not JSON", it.Key)
			}
		}
		for k, raw := range r.Chart.FoldedRaw {
			if !json.Valid(raw) {
				t.Fatalf("folded %s: not JSON", k)
			}
		}
		if !json.Valid(r.Chart.PatientRaw) {
			t.Fatal("patient: not JSON")
		}
		if _, err := ReadNarrative(data); err != nil {
			t.Fatalf("a document Parse read has no narrative: %v", err)
		}
	})
}
