package fhir

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// sharedSample is the shared Synthea sample outside the module, which the
// tests that read it skip where it is absent.
var sharedSample = filepath.Join("..", "..", "..", "shared", "data", "synthea")

// fileResources finds each resource's bytes in a bundle apart from the
// importer: the entries' "resource" members as json.Decoder delivers
// them, by "Type/id".
func fileResources(tb testing.TB, data []byte) map[string]json.RawMessage {
	tb.Helper()
	var doc struct {
		Entry []struct {
			Resource json.RawMessage `json:"resource"`
		} `json:"entry"`
	}
	if err := json.NewDecoder(bytes.NewReader(data)).Decode(&doc); err != nil {
		tb.Fatal(err)
	}
	out := make(map[string]json.RawMessage)
	for _, e := range doc.Entry {
		if len(e.Resource) == 0 {
			continue
		}
		var h struct {
			ResourceType string `json:"resourceType"`
			ID           string `json:"id"`
		}
		if err := json.Unmarshal(e.Resource, &h); err != nil {
			tb.Fatal(err)
		}
		out[h.ResourceType+"/"+h.ID] = e.Resource
	}
	return out
}

// checkDetails checks what every import must hold of its Details, raw
// bytes and folded resources; data is the document read, whose bytes the
// raw ones must be.
func checkDetails(charts []Chart, data []byte) error {
	resources, err := entryResources(data)
	if err != nil {
		return fmt.Errorf("the bundle imports, but encoding/json cannot read its entries: %v", err)
	}
	isResource := func(raw []byte) bool {
		return slices.ContainsFunc(resources, func(r json.RawMessage) bool { return bytes.Equal(r, raw) })
	}
	for n, c := range charts {
		if !isResource(c.PatientRaw) {
			return fmt.Errorf("chart %d: PatientRaw is no entry's resource", n)
		}
		for k, d := range c.Details {
			if !isResource(d.Raw) {
				return fmt.Errorf("chart %d item %d: Raw is no entry's resource", n, k)
			}
		}
		for key, raw := range c.FoldedRaw {
			if !isResource(raw) {
				return fmt.Errorf("chart %d: FoldedRaw[%s] is no entry's resource", n, key)
			}
		}
	}
	for n, c := range charts {
		if len(c.Details) != len(c.Items) {
			return fmt.Errorf("chart %d: %d details for %d items", n, len(c.Details), len(c.Items))
		}
		if !isRawObject(c.PatientRaw, data) {
			return fmt.Errorf("chart %d: PatientRaw is not an object of the document", n)
		}
		folded := map[string]bool{}
		for k, d := range c.Details {
			key := c.Items[k].Key
			if len(d.Resources) == 0 || d.Resources[0] != key {
				return fmt.Errorf("chart %d item %d (%s): Resources %q do not start with its key", n, k, key, d.Resources)
			}
			if !isRawObject(d.Raw, data) {
				return fmt.Errorf("chart %d item %d (%s): Raw is not an object of the document", n, k, key)
			}
			for m, r := range d.Resources[1:] {
				if !strings.HasPrefix(r, "Observation/") || slices.Contains(d.Resources[:m+1], r) {
					return fmt.Errorf("chart %d item %d (%s): folded %s", n, k, key, r)
				}
				folded[r] = true
				if !isRawObject(c.FoldedRaw[r], data) {
					return fmt.Errorf("chart %d: FoldedRaw[%s] is not an object of the document", n, r)
				}
			}
			if len(d.DocType) > 0 && c.Items[k].Type != "document" {
				return fmt.Errorf("chart %d item %d (%s): a DocType", n, k, key)
			}
			for _, cd := range d.Codes {
				if cd.Code == "" {
					return fmt.Errorf("chart %d item %d (%s): a coding with no code", n, k, key)
				}
			}
		}
		if len(c.FoldedRaw) != len(folded) {
			return fmt.Errorf("chart %d: FoldedRaw holds %d, the details fold %d", n, len(c.FoldedRaw), len(folded))
		}
	}
	return nil
}

// isRawObject reports whether raw is a JSON object found as is in data.
func isRawObject(raw, data []byte) bool {
	return len(raw) > 0 && raw[0] == '{' && json.Valid(raw) && bytes.Contains(data, raw)
}

// entryResources are the bytes of every entry's resource in a bundle that
// imports, as encoding/json finds them, apart from the importer's search.
func entryResources(data []byte) ([]json.RawMessage, error) {
	var bundle map[string]json.RawMessage
	if err := json.Unmarshal(data, &bundle); err != nil {
		return nil, err
	}
	var entries []struct {
		Resource json.RawMessage `json:"resource"`
	}
	if err := json.Unmarshal(bundle["entry"], &entries); err != nil && len(bundle["entry"]) > 0 {
		return nil, err
	}
	var out []json.RawMessage
	for _, e := range entries {
		out = append(out, e.Resource)
	}
	return out, nil
}

// syntheaFiles are the testdata bundles, then the shared sample's.
func syntheaFiles() []string {
	files := []string{clemente, laurie}
	shared, _ := filepath.Glob(filepath.Join(sharedSample, "*.json"))
	return append(files, shared...)
}

// TestDetails_RawRoundTrip checks that every resource imported is kept
// byte for byte: PatientRaw, each Detail.Raw and FoldedRaw are the bytes
// of that resource in the file, and together they are every Patient and
// every resource of an imported type the import did not leave out.
func TestDetails_RawRoundTrip(t *testing.T) {
	for _, path := range append(syntheaFiles(), small) {
		name := filepath.Base(path)
		if strings.HasPrefix(path, sharedSample) {
			name = "shared/" + name
		}
		t.Run(name, func(t *testing.T) {
			data := mustRead(t, path)
			charts, stats, err := ReadBundleStats(bytes.NewReader(data), "")
			if err != nil {
				t.Fatal(err)
			}
			if err := checkDetails(charts, data); err != nil {
				t.Fatal(err)
			}
			want := fileResources(t, data)
			got := map[string]json.RawMessage{}
			keep := func(key string, raw json.RawMessage) {
				if _, dup := got[key]; dup {
					t.Errorf("%s kept twice", key)
				}
				got[key] = raw
				if !bytes.Equal(raw, want[key]) {
					t.Errorf("%s: bytes differ from the file's (%d bytes, file %d)", key, len(raw), len(want[key]))
				}
			}
			for _, c := range charts {
				keep("Patient/"+c.Patient.FHIRID, c.PatientRaw)
				for k, d := range c.Details {
					keep(c.Items[k].Key, d.Raw)
				}
				for key, raw := range c.FoldedRaw {
					keep(key, raw)
				}
			}
			if n := len(charts) + stats.Items + stats.Folded; len(got) != n {
				t.Errorf("%d resources kept, want %d patients, items and folded", len(got), n)
			}
			if stats.Undated+stats.Unattached == 0 {
				// Nothing left out: every resource read is kept.
				for key := range want {
					rt, _, _ := strings.Cut(key, "/")
					if tracked(rt) && got[key] == nil {
						t.Errorf("%s not kept", key)
					}
				}
			}
		})
	}
}

// genericMember is the raw JSON of a resource read generically.
type genericMember = map[string]any

// codingsOf returns the codings of a CodeableConcept, a Coding or a list
// of either, read generically, as "system|code".
func codingsOf(v any) []string {
	var out []string
	switch v := v.(type) {
	case []any:
		for _, x := range v {
			out = append(out, codingsOf(x)...)
		}
	case genericMember:
		if code, ok := v["code"].(string); ok {
			sys, _ := v["system"].(string)
			out = append(out, sys+"|"+code)
		}
		out = append(out, codingsOf(v["coding"])...)
	}
	return out
}

func codeKeys(cs []Coding) map[string]bool {
	m := map[string]bool{}
	for _, c := range cs {
		m[c.System+"|"+c.Code] = true
	}
	return m
}

// TestDetails_SyntheaCodes checks Detail.Codes against the bundles read
// generically: the code members of each resource, the folded
// Observations' codes in their report's, no generic category, and codes
// known to be in Laurie McCullough's record.
func TestDetails_SyntheaCodes(t *testing.T) {
	const snomed, loinc = "http://snomed.info/sct", "http://loinc.org"
	known := map[string][]Coding{ // Laurie McCullough's
		"Condition/a90b1e22-cf28-4fa6-8fbf-87c44be010e5": {{System: snomed, Code: "444814009"}},
		"Encounter/ea244324-ea6b-4d17-9267-290289fad02b": {{System: snomed, Code: "185349003"},
			{System: "http://terminology.hl7.org/CodeSystem/v3-ActCode", Code: "AMB"}},
		"Encounter/ace656fa-c2a5-4588-afc0-aff6d712f187":         {{System: snomed, Code: "185345009"}, {System: snomed, Code: "444814009"}}, // reasonCode
		"Procedure/1dc3850b-e44b-4e73-b952-5c0a0a74af7a":         {{System: snomed, Code: "428191000124101"}},
		"Immunization/944d09fc-929b-482b-a0d7-a21b4f898c53":      {{System: "http://hl7.org/fhir/sid/cvx", Code: "140"}},
		"MedicationRequest/efc40903-e24e-4353-93ae-c9f0f6fd1a9f": {{System: "http://www.nlm.nih.gov/research/umls/rxnorm", Code: "834061"}},
		"Claim/9cfff48c-90d8-4f96-a996-028b8f37b293":             {{System: snomed, Code: "185345009"}, {System: snomed, Code: "444814009"}},
		"Observation/30146294-2725-44df-a055-2a0337c50f86":       {{System: loinc, Code: "72166-2"}, {System: snomed, Code: "266919005"}},
		"DiagnosticReport/b91c01e3-8646-44e8-85d0-a1f473118fcd": {{System: loinc, Code: "58410-2"}, {System: loinc, Code: "6690-2"},
			{System: loinc, Code: "718-7"}, {System: loinc, Code: "32623-1"}},
	}
	reports := 0
	for _, path := range []string{clemente, laurie} {
		t.Run(filepath.Base(path), func(t *testing.T) {
			data := mustRead(t, path)
			charts, err := ReadBundle(bytes.NewReader(data), "")
			if err != nil {
				t.Fatal(err)
			}
			c := charts[0]
			byURL := map[string]genericMember{}
			byKey := map[string]genericMember{}
			for _, e := range readRaw(t, data).Entry {
				byURL[e.FullURL] = e.Resource
				byKey[e.Resource["resourceType"].(string)+"/"+e.Resource["id"].(string)] = e.Resource
			}
			for k, it := range c.Items {
				d := c.Details[k]
				got := codeKeys(d.Codes)
				r := byKey[it.Key]
				var want []string
				for _, m := range []string{"code", "vaccineCode", "medicationCodeableConcept", "valueCodeableConcept", "reasonCode", "class"} {
					want = append(want, codingsOf(r[m])...)
				}
				if it.Type == "encounter" || it.Type == "claim" {
					want = append(want, codingsOf(r["type"])...)
				}
				if items, ok := r["item"].([]any); ok {
					for _, x := range items {
						want = append(want, codingsOf(x.(genericMember)["productOrService"])...)
					}
				}
				if it.Type == "report" {
					reports++
					var folded []string
					for _, x := range r["result"].([]any) {
						obs := byURL[x.(genericMember)["reference"].(string)]
						want = append(want, codingsOf(obs["code"])...)
						want = append(want, codingsOf(obs["valueCodeableConcept"])...)
						folded = append(folded, "Observation/"+obs["id"].(string))
					}
					if !slices.Equal(d.Resources[1:], folded) {
						t.Errorf("%s: Resources %q, want its results %q", it.Key, d.Resources[1:], folded)
					}
				} else if len(d.Resources) != 1 {
					t.Errorf("%s: Resources %q, want its own alone", it.Key, d.Resources)
				}
				if len(want) == 0 {
					t.Errorf("%s: the test finds no code in the file", it.Key)
				}
				for _, w := range want {
					if !got[w] {
						t.Errorf("%s: Codes lack %s", it.Key, w)
					}
				}
				for _, cd := range d.Codes {
					if cd.System == "http://terminology.hl7.org/CodeSystem/observation-category" || cd.Code == "LAB" {
						t.Errorf("%s: Codes hold the generic category %s|%s", it.Key, cd.System, cd.Code)
					}
				}
				if len(d.DocType) != 0 {
					t.Errorf("%s: DocType %v, want none", it.Key, d.DocType)
				}
				for _, w := range known[it.Key] {
					if !got[w.System+"|"+w.Code] {
						t.Errorf("%s: Codes %v lack %s|%s", it.Key, d.Codes, w.System, w.Code)
					}
				}
				delete(known, it.Key)
			}
		})
	}
	if len(known) != 0 {
		t.Errorf("items not found: %v", known)
	}
	if reports == 0 {
		t.Error("no reports: the fold's codes are not tested")
	}
}

// TestDetails_SyntheaOrg checks that an item whose organization the
// bundle holds, by name or NPI, has an Org: every encounter of the 2019
// sample names its serviceProvider, an Organization with a name, and so
// do the items of those encounters.
func TestDetails_SyntheaOrg(t *testing.T) {
	for _, path := range []string{clemente, laurie} {
		t.Run(filepath.Base(path), func(t *testing.T) {
			data := mustRead(t, path)
			charts, err := ReadBundle(bytes.NewReader(data), "")
			if err != nil {
				t.Fatal(err)
			}
			orgs := map[string]string{} // fullUrl -> name
			for _, e := range readRaw(t, data).Entry {
				if e.Resource["resourceType"] == "Organization" {
					orgs[e.FullURL] = e.Resource["name"].(string)
				}
			}
			if len(orgs) == 0 {
				t.Fatal("no Organization in the bundle")
			}
			c := charts[0]
			encounters := 0
			for k, it := range c.Items {
				org := c.Details[k].Org
				if it.Type == "encounter" {
					encounters++
					if !slices.Contains(slices.Collect(maps.Values(orgs)), org) {
						t.Errorf("%s: Org %q, want an Organization's name", it.Key, org)
					}
				}
				if org == "" {
					t.Errorf("%s (%s): no Org", it.Key, it.Type)
				}
			}
			if encounters == 0 {
				t.Error("no encounters")
			}
		})
	}
}

// TestDetails_SharedDocuments checks the DocumentReferences of the shared
// sample (the newer Synthea, with notes): each has a DocType, its
// clinical-note category kept there but not in Codes.
func TestDetails_SharedDocuments(t *testing.T) {
	shared, _ := filepath.Glob(filepath.Join(sharedSample, "*.json"))
	if len(shared) == 0 {
		t.Skipf("no Synthea bundles in %s", sharedSample)
	}
	docs := 0
	for _, path := range shared {
		charts, err := ReadBundle(bytes.NewReader(mustRead(t, path)), "")
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range charts {
			for k, it := range c.Items {
				d := c.Details[k]
				if it.Type != "document" {
					continue
				}
				docs++
				if len(d.DocType) == 0 {
					t.Errorf("%s: no DocType", it.Key)
				}
				for _, cd := range d.DocType {
					if cd.Code == "clinical-note" && codeKeys(d.Codes)[cd.System+"|"+cd.Code] {
						t.Errorf("%s: the generic clinical-note category in Codes", it.Key)
					}
				}
				if d.Org == "" {
					t.Errorf("%s: no Org", it.Key)
				}
			}
		}
	}
	if docs == 0 {
		t.Skip("no DocumentReference in the shared sample")
	}
}

// TestDetails_Small checks every Detail of the hand-written bundle.
func TestDetails_Small(t *testing.T) {
	data := mustRead(t, small)
	charts, err := ReadBundle(bytes.NewReader(data), "")
	if err != nil {
		t.Fatal(err)
	}
	const snomed, loinc = "http://snomed.info/sct", "http://loinc.org"
	note := []Coding{{System: loinc, Code: "34117-2", Display: "History and physical note"}}
	want := [][]Detail{{
		{Resources: []string{"Immunization/imm-1"}}, // dated to a month
		{Codes: note, DocType: note, Org: "PCP103937", Resources: []string{"DocumentReference/doc-1"}},
		{Codes: []Coding{{System: snomed, Code: "410620009", Display: "Well child visit (procedure)"}}, Org: "Example General",
			Resources: []string{"Encounter/enc-1"}},
		// The performer is a Practitioner and the report names no
		// encounter; its Observations have no codings.
		{Codes: []Coding{{System: loinc, Code: "58410-2", Display: "Hemogram panel"}},
			Resources: []string{"DiagnosticReport/dr-1", "Observation/obs-1", "Observation/obs-2"}},
		{Org: "Example General", Resources: []string{"Observation/obs-3"}}, // its encounter's
	}, {
		{Resources: []string{"Goal/goal-b"}}, // undated, first
		// assess-plan left out.
		{Codes: []Coding{{System: snomed, Code: "443402002", Display: "Hypertension care plan"}}, Resources: []string{"CarePlan/cp-b"}},
		{Codes: []Coding{{Code: "institutional"}}, Org: "Example General", Resources: []string{"Claim/claim-b"}},
		{Resources: []string{"Condition/cond-b"}},
		{Resources: []string{"MedicationRequest/med-b"}},                                                  // requested by a Practitioner
		{Org: "Example General", Resources: []string{"Procedure/proc-b"}},                                 // a performer's display
		{Resources: []string{"ExplanationOfBenefit/eob-b"}},                                               // provided by a Practitioner
		{Resources: []string{"AllergyIntolerance/al-b"}},                                                  // category "food" is a code, not a Coding
		{Codes: []Coding{{Code: "US", Display: "Ultrasound"}}, Resources: []string{"ImagingStudy/img-b"}}, // series.modality
	}}
	if len(charts) != len(want) {
		t.Fatalf("%d charts, want %d", len(charts), len(want))
	}
	files := fileResources(t, data)
	for n, c := range charts {
		if len(c.Details) != len(want[n]) {
			t.Fatalf("chart %d: %d details, want %d", n, len(c.Details), len(want[n]))
		}
		for k, d := range c.Details {
			w := want[n][k]
			if !slices.Equal(d.Codes, w.Codes) || !slices.Equal(d.DocType, w.DocType) || d.Org != w.Org ||
				!slices.Equal(d.Resources, w.Resources) {
				t.Errorf("chart %d item %d:\n got %+v\nwant %+v", n, k, Detail{Codes: d.Codes, DocType: d.DocType, Org: d.Org, Resources: d.Resources}, w)
			}
			if !bytes.Equal(d.Raw, files[d.Resources[0]]) {
				t.Errorf("%s: Raw differs from the file's", d.Resources[0])
			}
		}
	}
	var folded []string
	for key := range charts[0].FoldedRaw {
		folded = append(folded, key)
	}
	slices.Sort(folded)
	if !slices.Equal(folded, []string{"Observation/obs-1", "Observation/obs-2"}) || charts[1].FoldedRaw != nil {
		t.Errorf("FoldedRaw keys %q and %d; want obs-1, obs-2 and none", folded, len(charts[1].FoldedRaw))
	}
}

// TestDetails_Org covers Org's order of preference: an Organization's NPI,
// then its name, then the reference's display; conditional references by
// identifier; Practitioners and other types passed over; the sources of
// each type in order; the encounter's Org last.
func TestDetails_Org(t *testing.T) {
	doc := `{"resourceType":"Bundle","type":"collection","entry":[
	{"fullUrl":"urn:uuid:p","resource":{"resourceType":"Patient","id":"p"}},
	{"fullUrl":"urn:uuid:org-npi","resource":{"resourceType":"Organization","id":"org-npi","name":"Acme Clinic",
		"identifier":[{"system":"urn:example:org","value":"acme"},{"system":"http://hl7.org/fhir/sid/us-npi","value":"1234567893"}]}},
	{"fullUrl":"urn:uuid:org-name","resource":{"resourceType":"Organization","id":"org-name","name":"Named Hospital",
		"identifier":[{"system":"https://github.com/synthetichealth/synthea","value":"org-name"}]}},
	{"fullUrl":"urn:uuid:org-bare","resource":{"resourceType":"Organization","id":"org-bare"}},
	{"fullUrl":"urn:uuid:pr","resource":{"resourceType":"Practitioner","id":"pr","name":[{"family":"Who"}],
		"identifier":[{"system":"http://hl7.org/fhir/sid/us-npi","value":"9999999999"}]}},
	{"resource":{"resourceType":"Encounter","id":"npi","subject":{"reference":"urn:uuid:p"},"period":{"start":"2020-01-01"},
		"serviceProvider":{"reference":"urn:uuid:org-npi","display":"Acme"}}},
	{"resource":{"resourceType":"Encounter","id":"name","subject":{"reference":"urn:uuid:p"},"period":{"start":"2020-01-02"},
		"serviceProvider":{"reference":"Organization/org-name"}}},
	{"resource":{"resourceType":"Encounter","id":"display","subject":{"reference":"urn:uuid:p"},"period":{"start":"2020-01-03"},
		"serviceProvider":{"reference":"Organization/org-bare","display":"Bare Display"}}},
	{"resource":{"resourceType":"Encounter","id":"cond","subject":{"reference":"urn:uuid:p"},"period":{"start":"2020-01-04"},
		"serviceProvider":{"reference":"Organization?identifier=urn:example:org|acme","display":"X"}}},
	{"resource":{"resourceType":"Encounter","id":"cond-npi","subject":{"reference":"urn:uuid:p"},"period":{"start":"2020-01-05"},
		"serviceProvider":{"reference":"Organization?identifier=http://hl7.org/fhir/sid/us-npi%7C1999999999","display":"Elsewhere"}}},
	{"resource":{"resourceType":"Encounter","id":"cond-unheld","subject":{"reference":"urn:uuid:p"},"period":{"start":"2020-01-06"},
		"serviceProvider":{"reference":"Organization?identifier=urn:example:org|other","display":"Unheld"}}},
	{"resource":{"resourceType":"Encounter","id":"none","subject":{"reference":"urn:uuid:p"},"period":{"start":"2020-01-07"}}},
	{"resource":{"resourceType":"DocumentReference","id":"custodian","subject":{"reference":"urn:uuid:p"},"date":"2020-02-01",
		"author":[{"reference":"urn:uuid:org-npi"}],"custodian":{"reference":"urn:uuid:org-name"}}},
	{"resource":{"resourceType":"DocumentReference","id":"author","subject":{"reference":"urn:uuid:p"},"date":"2020-02-02",
		"author":[{"reference":"Practitioner/pr","display":"Dr. Who"},{"reference":"urn:uuid:org-npi"}]}},
	{"resource":{"resourceType":"DiagnosticReport","id":"via-encounter","subject":{"reference":"urn:uuid:p"},"issued":"2020-03-01",
		"performer":[{"reference":"urn:uuid:pr","display":"Dr. Who"}],"encounter":{"reference":"Encounter/name"}}},
	{"resource":{"resourceType":"MedicationRequest","id":"requester","subject":{"reference":"urn:uuid:p"},"authoredOn":"2020-03-02",
		"requester":{"reference":"Practitioner?identifier=http://hl7.org/fhir/sid/us-npi|9999999999","display":"Dr. Who"},
		"encounter":{"reference":"urn:uuid:nowhere"}}},
	{"resource":{"resourceType":"Claim","id":"remote","patient":{"reference":"urn:uuid:p"},"created":"2020-03-03",
		"provider":{"reference":"http://example.org/fhir/Organization/remote/_history/2","display":"Remote Org"}}},
	{"resource":{"resourceType":"ExplanationOfBenefit","id":"remote-pract","patient":{"reference":"urn:uuid:p"},"created":"2020-03-04",
		"provider":{"reference":"http://example.org/fhir/Practitioner/remote","display":"Dr. Remote"}}},
	{"resource":{"resourceType":"Procedure","id":"actor-display","subject":{"reference":"urn:uuid:p"},"performedDateTime":"2020-03-05",
		"performer":[{"actor":{"display":"Display Only"}}]}},
	{"resource":{"resourceType":"Immunization","id":"role","patient":{"reference":"urn:uuid:p"},"occurrenceDateTime":"2020-03-06",
		"performer":[{"actor":{"reference":"PractitionerRole/r","display":"A Role"}}]}},
	{"resource":{"resourceType":"Observation","id":"performer-org","subject":{"reference":"urn:uuid:p"},"issued":"2020-03-07",
		"performer":[{"reference":"urn:uuid:pr"},{"reference":"urn:uuid:org-bare"},{"reference":"urn:uuid:org-name"}]}}
	]}`
	charts, err := ReadBundle(strings.NewReader(doc), "")
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"Encounter/npi":                     "1234567893",
		"Encounter/name":                    "Named Hospital",
		"Encounter/display":                 "Bare Display",
		"Encounter/cond":                    "1234567893", // the bundle's Organization with that identifier
		"Encounter/cond-npi":                "1999999999", // the NPI the reference names
		"Encounter/cond-unheld":             "Unheld",
		"Encounter/none":                    "",
		"DocumentReference/custodian":       "Named Hospital", // custodian before author
		"DocumentReference/author":          "1234567893",     // the Practitioner passed over
		"DiagnosticReport/via-encounter":    "Named Hospital", // a Practitioner performer, then the encounter's
		"MedicationRequest/requester":       "",
		"Claim/remote":                      "Remote Org",
		"ExplanationOfBenefit/remote-pract": "",
		"Procedure/actor-display":           "Display Only",
		"Immunization/role":                 "",
		// A Practitioner, then org-bare with no NPI, name or display.
		"Observation/performer-org": "Named Hospital",
	}
	c := charts[0]
	if len(c.Items) != len(want) {
		t.Fatalf("%d items, want %d", len(c.Items), len(want))
	}
	for k, it := range c.Items {
		if got := c.Details[k].Org; got != want[it.Key] {
			t.Errorf("%s: Org %q, want %q", it.Key, got, want[it.Key])
		}
	}
}

// TestDetails_Aligned checks Details against Items, through the sort, for
// every bundle the tests read.
func TestDetails_Aligned(t *testing.T) {
	docs := map[string][]byte{}
	for _, path := range []string{clemente, laurie, small} {
		docs[path] = mustRead(t, path)
	}
	for k, seed := range fuzzSeeds {
		docs[fmt.Sprintf("seed %d", k)] = []byte(seed)
	}
	for name, data := range docs {
		charts, err := ReadBundle(bytes.NewReader(data), "")
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if err := checkDetails(charts, data); err != nil {
			t.Errorf("%s: %v", name, err)
		}
		for _, c := range charts {
			for k := range c.Items {
				if c.Details[k].Resources[0] != c.Items[k].Key {
					t.Errorf("%s: detail %d is %s's, item %d is %s", name, k, c.Details[k].Resources[0], k, c.Items[k].Key)
				}
			}
		}
	}
}

// TestDetails_RawNotReencoded: the bytes are the document's, whitespace,
// escapes, number forms and member order included.
func TestDetails_RawNotReencoded(t *testing.T) {
	patient := `{ "id" : "p", "resourceType":"Patient",
		"name":[{"family":"\u00c9clair"}], "extension":[{"valueDecimal":1.50E+2}] }`
	enc := `{"resourceType":"Encounter","id":"e","subject":{"reference":"Patient/p"},
		"period":{"start":"2001-02-03"}, "text":{"div":"<div>a\/b \u003c</div>"}}`
	doc := `{"resourceType":"Bundle","type":"batch","entry":[ {"resource":` + patient + `}, {"resource":  ` + enc + ` } ]}`
	charts, err := ReadBundle(strings.NewReader(doc), "")
	if err != nil {
		t.Fatal(err)
	}
	if string(charts[0].PatientRaw) != patient {
		t.Errorf("PatientRaw = %s\nwant %s", charts[0].PatientRaw, patient)
	}
	if string(charts[0].Details[0].Raw) != enc {
		t.Errorf("Raw = %s\nwant %s", charts[0].Details[0].Raw, enc)
	}
}

func TestMemberValue(t *testing.T) {
	for _, tc := range []struct{ doc, want string }{
		{`{"resource":{"a":1}}`, `{"a":1}`},
		{` ,	{ "fullUrl" : "x" , "resource" :  {"a":[1,{"b":"}"}]}  }`, `{"a":[1,{"b":"}"}]}`},
		{`{"n":12.5e3,"t":true,"z":null,"resource":{}}`, `{}`},
		{`{"resource":{"s":"a \"} \\"},"request":{"resource":{"x":1}}}`, `{"s":"a \"} \\"}`},
		{`{"Resource":{"a":1}}`, `{"a":1}`},
		{`{"re\u0073ource":{"a":2}}`, `{"a":2}`},
		{`{"reſource":{"a":3}}`, `{"a":3}`}, // U+017F folds to s, as encoding/json folds
		{`{"resource":{"a":1},"resource":{"a":4}}`, `{"a":4}`},
		{`{"resources":{"a":1},"fullUrl":"resource"}`, ``},
		{`{"resource":null}`, `null`},
		{`{"request":{"resource":{"a":1}}}`, ``},
		{`[{"resource":{}}]`, ``},
	} {
		if got := memberValue([]byte(tc.doc), "resource"); string(got) != tc.want {
			t.Errorf("memberValue(%s) = %s, want %s", tc.doc, got, tc.want)
		}
		// encoding/json agrees.
		obj := bytes.TrimLeft([]byte(tc.doc), " ,\t")
		if obj[0] != '{' {
			continue
		}
		var e struct{ Resource json.RawMessage }
		if err := json.Unmarshal(obj, &e); err != nil || string(e.Resource) != tc.want {
			t.Errorf("encoding/json reads %s in %s (%v); the test wants %s", e.Resource, tc.doc, err, tc.want)
		}
	}
}
