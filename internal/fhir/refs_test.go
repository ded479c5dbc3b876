package fhir

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// readBothRefs reads data whole (ReadBundleStats) and patient by patient
// (ReadByPatient, which the tests send down the split path), fails unless
// both give the same charts and the same count of unresolved references,
// and returns the whole read.
func readBothRefs(t *testing.T, data []byte) ([]Chart, Stats) {
	t.Helper()
	whole, st, err := ReadBundleStats(bytes.NewReader(data), "")
	if err != nil {
		t.Fatal(err)
	}
	var split []Chart
	sst, err := ReadByPatient(bytes.NewReader(data), int64(len(data)), false, "", func(c Chart) error {
		split = append(split, c)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(whole, split) || st.Unresolved != sst.Unresolved {
		t.Fatalf("whole and split reads differ (unresolved %d and %d)", st.Unresolved, sst.Unresolved)
	}
	return whole, st
}

// TestConditionalReferences: a conditional reference resolves to the
// resource of the bundle carrying the identifier — a shared one or the
// patient's own record, never another patient's — and what it names is
// kept; what resolves to nothing is counted.
func TestConditionalReferences(t *testing.T) {
	data := []byte(`{"resourceType":"Bundle","type":"collection","entry":[
{"fullUrl":"urn:uuid:p","resource":{"resourceType":"Patient","id":"p","generalPractitioner":[{"reference":"Practitioner?identifier=http://hl7.org/fhir/sid/us-npi|111"}]}},
{"fullUrl":"urn:uuid:q","resource":{"resourceType":"Patient","id":"q"}},
{"fullUrl":"urn:uuid:dr","resource":{"resourceType":"Practitioner","id":"dr","identifier":[{"system":"http://hl7.org/fhir/sid/us-npi","value":"111"}]}},
{"fullUrl":"urn:uuid:role","resource":{"resourceType":"PractitionerRole","id":"role","identifier":[{"system":"urn:x","value":"r1"}],"organization":{"reference":"urn:uuid:org"}}},
{"fullUrl":"urn:uuid:org","resource":{"resourceType":"Organization","id":"org","identifier":[{"system":"urn:x","value":"o1"}]}},
{"fullUrl":"urn:uuid:unused","resource":{"resourceType":"Organization","id":"unused"}},
{"fullUrl":"urn:uuid:qc","resource":{"resourceType":"Condition","id":"qc","identifier":[{"system":"urn:x","value":"c1"},{"system":"urn:x","value":"c2"}],"subject":{"reference":"urn:uuid:q"},"onsetDateTime":"2020-01-01"}},
{"fullUrl":"urn:uuid:pc","resource":{"resourceType":"Condition","id":"pc","identifier":[{"system":"urn:x","value":"c2"}],"subject":{"reference":"urn:uuid:p"},"onsetDateTime":"2020-01-01"}},
{"fullUrl":"urn:uuid:e","resource":{"resourceType":"Encounter","id":"e","subject":{"reference":"urn:uuid:p"},"period":{"start":"2020-01-01"},
 "participant":[{"individual":{"reference":"Practitioner?identifier=http%3A%2F%2Fhl7.org%2Ffhir%2Fsid%2Fus-npi%7C111"}}],
 "serviceProvider":{"reference":"PractitionerRole?identifier=urn:x|r1"},
 "location":[{"location":{"reference":"Location?identifier=urn:x|nowhere"}}],
 "reasonReference":[{"reference":"Condition?identifier=urn:x|c1"},{"reference":"Condition?identifier=urn:x|c2"}]}}]}`)
	charts, st := readBothRefs(t, data)
	if len(charts) != 2 {
		t.Fatalf("%d charts", len(charts))
	}
	p := charts[0]
	want := map[string]string{
		"Practitioner?identifier=http://hl7.org/fhir/sid/us-npi|111":               "Practitioner/dr",
		"Practitioner?identifier=http%3A%2F%2Fhl7.org%2Ffhir%2Fsid%2Fus-npi%7C111": "Practitioner/dr",
		"PractitionerRole?identifier=urn:x|r1":                                     "PractitionerRole/role",
		// The other patient's Condition carries this identifier first; the
		// patient's own is the one named.
		"Condition?identifier=urn:x|c2": "Condition/pc",
	}
	if !reflect.DeepEqual(p.References, want) {
		t.Errorf("references %v, want %v", p.References, want)
	}
	// The role brings the organization it names; the unused one stays out.
	var shared []string
	for k := range p.SharedRaw {
		shared = append(shared, k)
	}
	if len(shared) != 3 || p.SharedRaw["Organization/org"] == nil || p.SharedRaw["Practitioner/dr"] == nil || p.SharedRaw["PractitionerRole/role"] == nil {
		t.Errorf("shared %v", shared)
	}
	// The Location nobody carries, and the other patient's Condition.
	if st.Unresolved != 2 {
		t.Errorf("unresolved %d, want 2", st.Unresolved)
	}
	if charts[1].References != nil || charts[1].SharedRaw != nil {
		t.Errorf("the other patient: %v %v", charts[1].References, charts[1].SharedRaw)
	}
}

// TestResolveReferences: only a Reference.reference that the map names
// changes; every other byte stays.
func TestResolveReferences(t *testing.T) {
	raw := []byte(`{"resourceType":"Encounter", "note":"Organization?identifier=a|b",` +
		"\n" + `"serviceProvider" : { "reference" : "Organization?identifier=a\u007cb", "display":"X"},` +
		`"x":{"reference":"Organization?identifier=a|c"},"reference":{"reference":"Organization?identifier=a|b"}}`)
	got := ResolveReferences(raw, map[string]string{"Organization?identifier=a|b": "Organization/o"})
	want := `{"resourceType":"Encounter", "note":"Organization?identifier=a|b",` +
		"\n" + `"serviceProvider" : { "reference" : "Organization/o", "display":"X"},` +
		`"x":{"reference":"Organization?identifier=a|c"},"reference":{"reference":"Organization/o"}}`
	if string(got) != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
	if !json.Valid(got) {
		t.Error("not JSON")
	}
	if same := ResolveReferences(raw, map[string]string{"Organization?identifier=z|z": "Organization/z"}); &same[0] != &raw[0] {
		t.Error("a map that changes nothing copies")
	}
}

// TestConditionalReferences_Synthea: the Synthea-HIV bundle names its
// clinicians, organizations and places by identifier only; alone, every
// such reference is counted as unresolved, and with the run's hospital and
// practitioner bundles beside it every one resolves.
func TestConditionalReferences_Synthea(t *testing.T) {
	bob, err := os.ReadFile(filepath.Join(sharedSample, "Bob965_Keeling57_3f6fd0bb-6cd3-eb3f-4401-cd38ace25f2b.json"))
	if err != nil {
		t.Skip("shared Synthea sample not present:", err)
	}
	conditional := strings.Count(string(bob), "?identifier=")
	_, st := readBothRefs(t, bob)
	if st.Unresolved == 0 || st.Unresolved > conditional {
		t.Fatalf("alone: %d unresolved of %d conditional references", st.Unresolved, conditional)
	}
	entries := func(data []byte) []json.RawMessage {
		var b struct{ Entry []json.RawMessage }
		if err := json.Unmarshal(data, &b); err != nil {
			t.Fatal(err)
		}
		return b.Entry
	}
	all := entries(bob)
	for _, f := range []string{"hospitalInformation1633536936158.json", "practitionerInformation1633536936158.json"} {
		data, err := os.ReadFile(filepath.Join(sharedSample, "..", "synthea-support", f))
		if err != nil {
			t.Skip("synthea-support not present:", err)
		}
		all = append(all, entries(data)...)
	}
	merged, _ := json.Marshal(map[string]any{"resourceType": "Bundle", "type": "collection", "entry": all})
	charts, st := readBothRefs(t, merged)
	if st.Unresolved != 0 {
		t.Errorf("with the support bundles: %d unresolved", st.Unresolved)
	}
	c := charts[0]
	if len(c.References) == 0 {
		t.Fatal("no reference resolved")
	}
	for ref, key := range c.References {
		if c.SharedRaw[key] == nil {
			t.Errorf("%s resolves to %s, which the chart does not keep", ref, key)
		}
	}
	// What is stored carries no conditional reference.
	for _, d := range c.Details {
		if r := ResolveReferences(d.Raw, c.References); bytes.Contains(r, []byte(`?identifier=`)) {
			t.Fatalf("%s keeps a conditional reference", c.Items[0].Key)
		}
	}
}
