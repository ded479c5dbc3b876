package ccda

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/custodian-roi/custodian/internal/echocheck"
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
			if echo := echoed(err.Error(), data); echo != "" {
				t.Fatalf("the error repeats the input (%q): %v", echo, err)
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
			if hasNull(r.Chart.Details[i].Raw) {
				t.Fatalf("item %s holds a null: %s", it.Key, r.Chart.Details[i].Raw)
			}
		}
		for k, raw := range r.Chart.FoldedRaw {
			if !json.Valid(raw) || hasNull(raw) {
				t.Fatalf("folded %s: not JSON, or a null in it: %s", k, raw)
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

// source is the package's own text: every word an error may say.
var source = func() string {
	var b bytes.Buffer
	files, _ := filepath.Glob("*.go")
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue // the tests' inputs are not the package's words
		}
		data, _ := os.ReadFile(f)
		b.Write(data)
	}
	return b.String()
}()

// echoed is the echo check the fuzz targets share (package echocheck)
// for XML: a run of an attribute value or of text of the input found in
// msg that the package's own source does not hold.
func echoed(msg string, data []byte) string {
	var names, values []string
	d := xml.NewDecoder(bytes.NewReader(data))
	d.Strict = false
	for {
		tok, err := d.RawToken()
		if err != nil {
			break
		}
		switch t := tok.(type) {
		case xml.StartElement:
			names = append(names, t.Name.Local)
			for _, a := range t.Attr {
				names = append(names, a.Name.Local)
				values = append(values, a.Value)
			}
		case xml.CharData:
			values = append(values, string(t))
		case xml.Directive:
			values = append(values, string(t))
		case xml.Comment:
			values = append(values, string(t))
		}
	}
	// What the decoder could not tokenize is input too.
	values = append(values, string(data))
	return echocheck.Find(msg, append(names, source), values)
}

// The echo check can fail: a message carrying the input's text is caught,
// the package's own words are not.
func TestEchoed(t *testing.T) {
	data := []byte(`<ClinicalDocument xmlns="urn:hl7-org:v3"><title>Zebediah Quillfeather</title></ClinicalDocument>`)
	if echoed("C-CDA: bad name Zebediah Quillfeather", data) == "" {
		t.Error("an echoed title was not caught")
	}
	if e := echoed("C-CDA: not a CDA document: the root element is not an HL7 v3 ClinicalDocument (namespace urn:hl7-org:v3)", data); e != "" {
		t.Errorf("the package's own message was taken for an echo: %q", e)
	}
}

// hasNull reports whether a JSON value holds a null anywhere: FHIR
// allows none, and a member the document left out is left out.
func hasNull(raw []byte) bool {
	var v any
	if json.Unmarshal(raw, &v) != nil {
		return false
	}
	var walk func(any) bool
	walk = func(v any) bool {
		switch x := v.(type) {
		case nil:
			return true
		case map[string]any:
			for _, e := range x {
				if walk(e) {
					return true
				}
			}
		case []any:
			for _, e := range x {
				if walk(e) {
					return true
				}
			}
		}
		return false
	}
	return walk(v)
}
