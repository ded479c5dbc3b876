package label

import (
	"encoding/json"
	"reflect"
	"regexp"
	"testing"

	"github.com/custodian-roi/custodian/internal/roi"
)

// namedField: a refusal names what is wrong: a member (by its JSON name or
// path), or a position or kind of malformed JSON.
var namedField = regexp.MustCompile(`^label configuration: (` +
	`json: unknown field "|json: cannot unmarshal .* (field|into Go value)|` +
	`(minor_services\[\d+\]\.(label|min_age)|age_of_majority): |` +
	`invalid character|unexpected end of JSON input|something follows|EOF$|unexpected EOF$)`)

// FuzzDecodeConfig: DecodeConfig never panics, refuses with a named field,
// and what it accepts is a configuration New takes, with real ages and
// known labels, that encodes and decodes to itself.
func FuzzDecodeConfig(f *testing.F) {
	f.Add([]byte(`{"part2_programs":["Riverside Recovery"],"minor_services":[{"label":"behavioral-health","min_age":13}]}`))
	f.Add([]byte(`{"age_of_majority":19,"psychotherapy_note_types":[{"system":"http://loinc.org","code":"11488-4"}],"sud_counseling_note_types":[]}`))
	f.Add([]byte(`{"minor_services":[{"label":"sadness"}]}`))
	f.Add([]byte(`{"part2_program":["x"]}`))
	f.Add([]byte(`{"age_of_majority":-1}`))
	f.Add([]byte(`{"minor_services":[{"label":"hiv","min_age":-3}]}`))
	f.Add([]byte(`{} {"age_of_majority":1}`))
	f.Add([]byte(`{"age_of_majority":"18"}`))
	f.Add([]byte(``))
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := DecodeConfig(data)
		if err != nil {
			if !namedField.MatchString(err.Error()) {
				t.Fatalf("refusal names no field: %v", err)
			}
			return
		}
		if c.AgeOfMajority < 0 || c.AgeOfMajority > 30 {
			t.Fatalf("accepted age_of_majority %d", c.AgeOfMajority)
		}
		for _, m := range c.MinorServices {
			if l, ok := roi.ParseLabel(m.Label); !ok || l == roi.LabelGeneral || m.MinAge < 0 || m.MinAge > 30 {
				t.Fatalf("accepted minor service %+v", m)
			}
		}
		if _, err := New(c); err != nil {
			t.Fatalf("New refuses an accepted configuration: %v", err)
		}
		again, err := json.Marshal(c)
		if err != nil {
			t.Fatal(err)
		}
		c2, err := DecodeConfig(again)
		if err != nil || !reflect.DeepEqual(c, c2) {
			t.Fatalf("round trip: %+v, %+v, %v", c, c2, err)
		}
	})
}

// FuzzLabelResource labels arbitrary bytes as a resource: the labeler
// never panics, tolerates what is not JSON, and gives the same labels
// twice; every label it gives names its rule and the resource.
func FuzzLabelResource(f *testing.F) {
	f.Add([]byte(`{"code":{"coding":[{"system":"http://hl7.org/fhir/sid/icd-10-cm","code":"B20"}]},"note":[{"text":"denies drug use"}]}`))
	f.Add([]byte(`{"text":{"div":"<div>HIV <b>positive</b></div>"},"content":[{"attachment":{"data":"aGl2"}}]}`))
	f.Add([]byte(`{"meta":{"security":[{"system":"http://terminology.hl7.org/CodeSystem/v3-ActCode","code":"STD"}]}}`))
	f.Add([]byte(`not json`))
	l, err := New(Config{LocalCodes: []LocalCode{{System: "s", Code: "c", Label: "hiv"}}})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		it := Item{Resources: []string{"X/1"}, Raw: [][]byte{raw}, AgeAtDate: -1}
		a, why := l.Label(it)
		b, _ := l.Label(it)
		if a != b {
			t.Fatalf("labels differ between two runs: %v, %v", a.Strings(), b.Strings())
		}
		for _, w := range why {
			if w.Rule == "" || w.Resource != "X/1" {
				t.Fatalf("provenance %+v", w)
			}
		}
	})
}
