package fhir

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/custodian-roi/custodian/internal/roi"
)

// The two smallest bundles of the shared Synthea sample (2019 generation),
// copied byte for byte, and a hand-written bundle with what they lack.
const (
	clemente = "testdata/Clemente_Kreiger_1484a42d-0eaf-4654-9cbf-6b050a5cd73b.json"
	laurie   = "testdata/Laurie_McCullough_8a417ce8-b525-42ab-a2be-651291f73c8c.json"
	small    = "testdata/small.json"
)

const hospitalMRN = "http://hospital.smarthealthit.org"

func mustRead(tb testing.TB, path string) []byte {
	tb.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		tb.Fatal(err)
	}
	return data
}

func day(tb testing.TB, s string) roi.Date {
	tb.Helper()
	d, err := roi.ParseDate(s)
	if err != nil {
		tb.Fatalf("ParseDate(%q): %v", s, err)
	}
	return d
}

// TestReadBundle_Small checks every field of every chart of the
// hand-written bundle: names without Synthea's digits, the official name
// before a maiden one, the MRN by type and by system, urn:uuid,
// Patient/<id> and absolute references, observations folded into their
// report, sources from displays, from the bundle's Organization and
// Practitioner and from the encounter, partial dates and unattached
// resources left out, and the order by date then key.
func TestReadBundle_Small(t *testing.T) {
	charts, stats, err := ReadBundleStats(bytes.NewReader(mustRead(t, small)), "")
	if err != nil {
		t.Fatal(err)
	}
	want := []Chart{{
		Patient: roi.PatientRecord{
			FHIRID:    "aaaaaaaa-0000-4000-8000-000000000001",
			MRN:       "MRN-A-1",
			Name:      "Zebadiah Quincy Marchetti-Oduya",
			BirthDate: day(t, "2010-02-28"),
			DeathDate: roi.NoDate,
		},
		Items: []roi.ChartItem{
			// A month is kept as its first and last days (it was left out once).
			{Key: "Immunization/imm-1", Date: day(t, "2019-07-01"), Until: day(t, "2019-07-31"), DateField: "occurrenceDateTime", Type: "immunization", Title: "Hep B"},
			{Key: "DocumentReference/doc-1", Date: day(t, "2019-07-08"), DateField: "context.period.start", Type: "document", Title: "History and physical note", Source: "Dr. Ronny Block"},
			{Key: "Encounter/enc-1", Date: day(t, "2019-07-08"), DateField: "period.start", Type: "encounter", Title: "Well child visit (procedure)", Source: "Example General"},
			{Key: "DiagnosticReport/dr-1", Date: day(t, "2019-07-09"), DateField: "issued", Type: "report", Title: "Hemogram panel", Source: "Dr. Ronny Block"},
			{Key: "Observation/obs-3", Date: day(t, "2019-07-10"), DateField: "effectivePeriod.start", Type: "result", Title: "Body Weight", Source: "Example General"},
		},
	}, {
		Patient: roi.PatientRecord{
			FHIRID:    "pat-b",
			MRN:       "", // no identifier typed MR
			Name:      "Ann Marie O'Neil-Jones",
			BirthDate: day(t, "1950-12-31"),
			DeathDate: day(t, "2020-03-04"),
		},
		Items: []roi.ChartItem{
			// A Goal with no date is kept, undated.
			{Key: "Goal/goal-b", Type: "goal", Title: "Blood pressure below 140/90"},
			{Key: "CarePlan/cp-b", Date: day(t, "2018-01-02"), DateField: "period.start", Type: "care-plan", Title: "Hypertension care plan"},
			{Key: "Claim/claim-b", Date: day(t, "2018-01-02"), DateField: "billablePeriod.start", Type: "claim", Title: "Claim: Encounter for problem", Source: "Example General"},
			{Key: "Condition/cond-b", Date: day(t, "2018-01-02"), DateField: "onsetDateTime", Type: "problem", Title: "Hypertension"},
			{Key: "MedicationRequest/med-b", Date: day(t, "2018-01-02"), DateField: "authoredOn", Type: "medication", Title: "Lisinopril 10 MG Oral Tablet", Source: "Dr. Ronny Block"},
			{Key: "Procedure/proc-b", Date: day(t, "2018-01-02"), DateField: "performedPeriod.start", Type: "procedure", Title: "Blood pressure check", Source: "Example General"},
			{Key: "ExplanationOfBenefit/eob-b", Date: day(t, "2018-01-03"), DateField: "created", Type: "claim", Title: "Explanation of benefit", Source: "Dr. Ronny Block"},
			{Key: "AllergyIntolerance/al-b", Date: day(t, "2018-01-05"), DateField: "recordedDate", Type: "allergy", Title: "Allergy to peanuts"},
			{Key: "ImagingStudy/img-b", Date: day(t, "2018-02-01"), DateField: "started", Type: "imaging", Title: "Ultrasound (thoracic)"},
		},
	}}
	// Details, PatientRaw and FoldedRaw are TestDetails_Small's.
	var got []Chart
	for _, c := range charts {
		got = append(got, Chart{Patient: c.Patient, Items: c.Items})
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("charts:\n got %+v\nwant %+v", got, want)
	}
	shared := "reference data shared by records (organizations, clinicians, places, drugs)"
	wantStats := Stats{Entries: 23, Items: 14, Folded: 2, Undated: 1, Partial: 1, Unattached: 1, Ignored: 4,
		LeftOut: map[LeftOutKey]int{{"", ReasonNoResource}: 1, {"Organization", shared}: 1, {"Practitioner", shared}: 1,
			{"Procedure", ReasonNoPatient}: 1, {"Provenance", ReasonAudit}: 1},
		Unresolved: 3} // the Practitioner named twice and the Organization by identifiers no resource carries
	if !reflect.DeepEqual(stats, wantStats) {
		t.Errorf("stats = %+v, want %+v", stats, wantStats)
	}

	charts, err = ReadBundle(bytes.NewReader(mustRead(t, small)), hospitalMRN)
	if err != nil {
		t.Fatal(err)
	}
	if got := []string{charts[0].Patient.MRN, charts[1].Patient.MRN}; !slices.Equal(got, []string{"HOSP-A-1", "MRN-B-2"}) {
		t.Errorf("MRNs by system = %q, want HOSP-A-1, MRN-B-2", got)
	}
}

// rawBundle is a Synthea bundle read generically, to count what ReadBundle
// should find without sharing its code.
type rawBundle struct {
	Entry []struct {
		FullURL  string         `json:"fullUrl"`
		Resource map[string]any `json:"resource"`
	} `json:"entry"`
}

func readRaw(tb testing.TB, data []byte) rawBundle {
	tb.Helper()
	var rb rawBundle
	if err := json.Unmarshal(data, &rb); err != nil {
		tb.Fatal(err)
	}
	return rb
}

func TestReadBundle_Synthea(t *testing.T) {
	for _, tc := range []struct {
		path, name, birth string
	}{
		{clemente, "Clemente Kreiger", "1984-07-02"},
		{laurie, "Laurie McCullough", "1999-07-10"},
	} {
		t.Run(filepath.Base(tc.path), func(t *testing.T) {
			data := mustRead(t, tc.path)
			charts, stats, err := ReadBundleStats(bytes.NewReader(data), "")
			if err != nil {
				t.Fatal(err)
			}
			if len(charts) != 1 {
				t.Fatalf("%d charts, want 1", len(charts))
			}
			c := charts[0]
			rb := readRaw(t, data)

			// The patient.
			var rawPatient map[string]any
			for _, e := range rb.Entry {
				if e.Resource["resourceType"] == "Patient" {
					rawPatient = e.Resource
				}
			}
			p := c.Patient
			if p.Name != tc.name {
				t.Errorf("Name = %q, want %q", p.Name, tc.name)
			}
			if strings.ContainsAny(p.Name, "0123456789") {
				t.Errorf("Name %q has digits", p.Name)
			}
			if got := p.BirthDate.String(); got != tc.birth {
				t.Errorf("BirthDate = %s, want %s", got, tc.birth)
			}
			if p.DeathDate != roi.NoDate {
				t.Errorf("DeathDate = %s, want NoDate", p.DeathDate)
			}
			if p.FHIRID != rawPatient["id"] {
				t.Errorf("FHIRID = %q, want %q", p.FHIRID, rawPatient["id"])
			}
			if p.MRN == "" || p.ID != 0 {
				t.Errorf("MRN = %q, ID = %d; want an MRN and ID 0", p.MRN, p.ID)
			}
			// The MRN by system is the MR-typed one in Synthea; an unknown
			// system finds none.
			for system, want := range map[string]string{hospitalMRN: p.MRN, "urn:example:none": ""} {
				cs, err := ReadBundle(bytes.NewReader(data), system)
				if err != nil {
					t.Fatal(err)
				}
				if got := cs[0].Patient.MRN; got != want {
					t.Errorf("MRN with system %s = %q, want %q", system, got, want)
				}
			}

			// What the raw JSON says the chart holds: every resource of
			// an imported type, but the Observations a report lists.
			count := map[string]int{}
			folded := map[string]bool{}
			for _, e := range rb.Entry {
				r := e.Resource
				count[r["resourceType"].(string)]++
				if r["resourceType"] == "DiagnosticReport" {
					results, _ := r["result"].([]any)
					for _, x := range results {
						folded[x.(map[string]any)["reference"].(string)] = true
					}
				}
			}
			wantKeys := map[string]string{} // key -> item type
			wantEncounterDate := map[string]string{}
			for _, e := range rb.Entry {
				r := e.Resource
				rt := r["resourceType"].(string)
				typ := map[string]string{
					"Encounter": "encounter", "DiagnosticReport": "report", "Observation": "result",
					"Immunization": "immunization", "MedicationRequest": "medication", "Condition": "problem",
					"Claim": "claim", "ExplanationOfBenefit": "claim", "Procedure": "procedure",
					"CarePlan": "care-plan", "AllergyIntolerance": "allergy", "ImagingStudy": "imaging",
					"DocumentReference": "document",
				}[rt]
				if typ == "" || rt == "Observation" && folded[e.FullURL] {
					continue
				}
				key := rt + "/" + r["id"].(string)
				wantKeys[key] = typ
				if rt == "Encounter" {
					wantEncounterDate[key] = r["period"].(map[string]any)["start"].(string)[:10]
				}
			}

			got := map[string]int{}
			seen := map[string]bool{}
			for k, it := range c.Items {
				got[it.Type]++
				if it.Key == "" || !it.Date.Known() || it.Title == "" || it.Source == "" {
					t.Errorf("item %d = %+v: want a key, a date, a title and a source", k, it)
				}
				if seen[it.Key] {
					t.Errorf("key %s twice", it.Key)
				}
				seen[it.Key] = true
				if wantKeys[it.Key] != it.Type {
					t.Errorf("item %s has type %q, want %q", it.Key, it.Type, wantKeys[it.Key])
				}
				if d, ok := wantEncounterDate[it.Key]; ok && it.Date.String() != d {
					t.Errorf("%s date = %s, want period.start's %s", it.Key, it.Date, d)
				}
				if it.Labels != 0 {
					t.Errorf("%s labels = %v, want none", it.Key, it.Labels)
				}
				if k > 0 {
					prev := c.Items[k-1]
					if prev.Date > it.Date || prev.Date == it.Date && prev.Key >= it.Key {
						t.Errorf("items %d and %d out of order: %s %s, %s %s", k-1, k, prev.Date, prev.Key, it.Date, it.Key)
					}
				}
			}
			if len(seen) != len(wantKeys) {
				t.Errorf("%d items, want %d", len(seen), len(wantKeys))
			}

			for _, check := range []struct {
				typ  string
				want int
			}{
				{"encounter", count["Encounter"]},
				{"report", count["DiagnosticReport"]},
				{"result", count["Observation"] - len(folded)},
				{"immunization", count["Immunization"]},
				{"medication", count["MedicationRequest"]},
				{"problem", count["Condition"]},
				{"claim", count["Claim"] + count["ExplanationOfBenefit"]},
				{"procedure", count["Procedure"]},
				{"care-plan", count["CarePlan"]},
				{"allergy", count["AllergyIntolerance"]},
				{"imaging", count["ImagingStudy"]},
				{"document", count["DocumentReference"]},
			} {
				if got[check.typ] != check.want {
					t.Errorf("%d %s items, want %d", got[check.typ], check.typ, check.want)
				}
			}
			if len(folded) == 0 {
				t.Error("the bundle lists no report results; the fold is not tested")
			}
			if stats.Folded != len(folded) || stats.Items != len(c.Items) || stats.Entries != len(rb.Entry) ||
				stats.Undated != 0 || stats.Unattached != 0 {
				t.Errorf("stats = %+v; want Folded %d, Items %d, Entries %d, nothing undated or unattached",
					stats, len(folded), len(c.Items), len(rb.Entry))
			}
		})
	}
}

// TestReadBundle_Errors breaks Clemente's bundle in each way an import must
// refuse, and checks that the error names the entry but repeats nothing
// from the document: not the name, not the birth date, not the values the
// break put in (which are the patient's name too).
func TestReadBundle_Errors(t *testing.T) {
	data := mustRead(t, clemente)
	// edit returns the bundle with f applied to its generic form.
	edit := func(f func(b map[string]any, entries []any)) []byte {
		var b map[string]any
		if err := json.Unmarshal(data, &b); err != nil {
			t.Fatal(err)
		}
		f(b, b["entry"].([]any))
		out, err := json.Marshal(b)
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	res := func(entries []any, i int) map[string]any {
		return entries[i].(map[string]any)["resource"].(map[string]any)
	}
	// Entry 0 is the Patient, 3 the first Encounter.
	const patient, encounter = 0, 3
	if rt := res(readRawEntries(t, data), encounter)["resourceType"]; rt != "Encounter" {
		t.Fatalf("entry %d is a %v; the test expects an Encounter", encounter, rt)
	}
	compact := edit(func(map[string]any, []any) {})
	const anyEntry = -2

	for _, tc := range []struct {
		name    string
		doc     []byte
		entry   int    // -1: the bundle; anyEntry: not checked
		rtype   string // "" when it cannot be known
		member  string
		wantErr string // in the message
	}{
		{"NotJSON", []byte("Clemente Kreiger 1984-07-02"), -1, "", "", "malformed JSON"},
		{"Empty", nil, -1, "", "", "empty document"},
		{"Array", []byte(`["Clemente Kreiger"]`), -1, "", "", "not a JSON object"},
		{"NotABundle", mustMarshal(t, res(readRawEntries(t, data), patient)), -1, "", "", "is a Patient, not a Bundle"},
		{"BundleResourceTypeShape", edit(func(b map[string]any, _ []any) { b["resourceType"] = []any{"Clemente"} }),
			-1, "", "resourceType", "wrong JSON type: want a string"},
		{"NoResourceType", edit(func(b map[string]any, _ []any) { delete(b, "resourceType") }), -1, "", "", "no resourceType"},
		{"HistoryBundle", edit(func(b map[string]any, _ []any) { b["type"] = "history" }), -1, "", "type", "history is not one imported"},
		{"OddBundleType", edit(func(b map[string]any, _ []any) { b["type"] = "Clemente Kreiger" }), -1, "", "type", "not one imported"},
		{"TwoEntryLists", append(slices.Clip(bytes.TrimSuffix(compact, []byte("}"))), `,"entry":[]}`...),
			-1, "", "entry", "more than once"},
		{"EntryNotArray", edit(func(b map[string]any, _ []any) { b["entry"] = map[string]any{"Clemente": 1} }), -1, "", "entry", "not an array"},
		{"Truncated", data[:len(data)/2], anyEntry, "", "", "ends early"},
		{"TrailingData", append(slices.Clip(compact), " Kreiger"...), -1, "", "", "trailing data"},
		{"SyntaxInEntry", bytes.Replace(compact, []byte(`"resourceType":"Encounter"`), []byte(`"resourceType":"Encounter" "Clemente"`), 1),
			encounter, "", "", "malformed JSON at byte"},
		{"WrongShape", edit(func(_ map[string]any, e []any) { res(e, encounter)["period"] = "Clemente Kreiger" }),
			encounter, "Encounter", "period", "wrong JSON type: want an object"},
		{"WrongShapeRaw", edit(func(_ map[string]any, e []any) { res(e, encounter)["type"] = "Clemente Kreiger" }),
			encounter, "Encounter", "type", "wrong JSON type: want an array"},
		{"WrongShapeCode", edit(func(_ map[string]any, e []any) { res(e, encounter)["class"] = []any{"Clemente Kreiger"} }),
			encounter, "Encounter", "class", "wrong JSON type: want an object"},
		{"BadDate", edit(func(_ map[string]any, e []any) {
			res(e, encounter)["period"].(map[string]any)["start"] = "Clemente-Kreiger"
		}), encounter, "Encounter", "period.start", "not a FHIR date"},
		{"ImpossibleDate", edit(func(_ map[string]any, e []any) {
			res(e, encounter)["period"].(map[string]any)["start"] = "1984-02-30T10:00:00Z"
		}), encounter, "Encounter", "period.start", "not a FHIR date"},
		{"BadBirthDate", edit(func(_ map[string]any, e []any) { res(e, patient)["birthDate"] = "Kreiger" }),
			patient, "Patient", "birthDate", "not a FHIR date"},
		{"PartialBirthDate", edit(func(_ map[string]any, e []any) { res(e, patient)["birthDate"] = "1984" }),
			patient, "Patient", "birthDate", "partial date"},
		{"BadDeathDate", edit(func(_ map[string]any, e []any) { res(e, patient)["deceasedDateTime"] = "Clemente" }),
			patient, "Patient", "deceasedDateTime", "not a FHIR date"},
		{"PatientNameShape", edit(func(_ map[string]any, e []any) { res(e, patient)["name"] = "Clemente Kreiger" }),
			patient, "Patient", "name", "wrong JSON type"},
		{"NoResourceTypeInEntry", edit(func(_ map[string]any, e []any) { delete(res(e, encounter), "resourceType") }),
			encounter, "", "resourceType", "missing"},
		{"ResourceTypeShape", edit(func(_ map[string]any, e []any) {
			res(e, encounter)["resourceType"] = map[string]any{"name": "Clemente Kreiger"}
		}), encounter, "", "resourceType", "wrong JSON type: want a string"},
		{"ResourceNotObject", edit(func(_ map[string]any, e []any) { e[encounter].(map[string]any)["resource"] = "Clemente" }),
			encounter, "", "resource", "wrong JSON type: want an object"},
		{"MissingID", edit(func(_ map[string]any, e []any) {
			delete(res(e, encounter), "id")
			e[encounter].(map[string]any)["fullUrl"] = "http://example.org/Clemente"
		}), encounter, "Encounter", "id", "missing"},
		{"BadID", edit(func(_ map[string]any, e []any) { res(e, encounter)["id"] = "Clemente Kreiger" }),
			encounter, "Encounter", "id", "not a FHIR id"},
		{"Duplicate", edit(func(b map[string]any, e []any) { b["entry"] = append(e, e[encounter]) }),
			len(readRawEntries(t, data)), "Encounter", "id", "the same resource as entry[3]"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			charts, err := ReadBundle(bytes.NewReader(tc.doc), "")
			if err == nil {
				t.Fatalf("no error; %d charts", len(charts))
			}
			if charts != nil {
				t.Errorf("charts returned with an error")
			}
			msg := err.Error()
			for _, phi := range []string{"Clemente", "Kreiger", "1984", "d78af07c", "1484a42d"} {
				if strings.Contains(msg, phi) {
					t.Errorf("error %q repeats %q from the document", msg, phi)
				}
			}
			if !strings.Contains(msg, tc.wantErr) {
				t.Errorf("error %q does not say %q", msg, tc.wantErr)
			}
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("error %T is not an *Error", err)
			}
			if tc.entry == anyEntry {
				e.Entry = anyEntry
			}
			if e.Entry != tc.entry || e.ResourceType != tc.rtype || e.Member != tc.member {
				t.Errorf("Entry, ResourceType, Member = %d, %q, %q; want %d, %q, %q",
					e.Entry, e.ResourceType, e.Member, tc.entry, tc.rtype, tc.member)
			}
		})
	}
}

func readRawEntries(tb testing.TB, data []byte) []any {
	tb.Helper()
	var b struct{ Entry []any }
	if err := json.Unmarshal(data, &b); err != nil {
		tb.Fatal(err)
	}
	return b.Entry
}

func mustMarshal(tb testing.TB, v any) []byte {
	tb.Helper()
	out, err := json.Marshal(v)
	if err != nil {
		tb.Fatal(err)
	}
	return out
}

// TestReadBundle_Tolerates covers what a bundle may hold that the import
// does not read: resources of other types in any shape, an entry with no
// resource, bundle members it does not know, and an empty entry list.
func TestReadBundle_Tolerates(t *testing.T) {
	for _, tc := range []struct {
		name string
		doc  string
	}{
		{"NoEntries", `{"resourceType":"Bundle","type":"searchset","total":0}`},
		{"NullEntries", `{"resourceType":"Bundle","type":"batch","entry":null}`},
		{"TypeFirst", `{"type":"transaction","entry":[],"resourceType":"Bundle"}`},
		{"OddUnreadResource", `{"resourceType":"Bundle","type":"collection","entry":[
			{"resource":{"resourceType":"PractitionerRole","id":5,"code":"x","name":[1],"subject":"s","period":7}},
			{"request":{"method":"DELETE","url":"Patient/1"}}]}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			charts, stats, err := ReadBundleStats(strings.NewReader(tc.doc), "")
			if err != nil {
				t.Fatal(err)
			}
			if len(charts) != 0 || stats.Items != 0 {
				t.Errorf("charts = %v, stats = %+v; want none", charts, stats)
			}
		})
	}
}

func TestReadBundle_DeceasedWithoutDate(t *testing.T) {
	doc := `{"resourceType":"Bundle","type":"collection","entry":[
		{"resource":{"resourceType":"Patient","id":"p1","deceasedBoolean":true}}]}`
	charts, stats, err := ReadBundleStats(strings.NewReader(doc), "")
	if err != nil {
		t.Fatal(err)
	}
	if len(charts) != 1 || charts[0].Patient.DeathDate != roi.NoDate || charts[0].Patient.BirthDate != roi.NoDate {
		t.Errorf("charts = %+v; want one patient with no dates", charts)
	}
	if stats.DeceasedWithoutDate != 1 {
		t.Errorf("DeceasedWithoutDate = %d, want 1", stats.DeceasedWithoutDate)
	}
}

// fuzzSeeds are tiny bundles, each through a few paths: the fuzzer
// minimizes every new input it finds, at a cost that grows with the square
// of its size, so seeds even a kilobyte long leave a short run minimizing
// instead of fuzzing.
var fuzzSeeds = []string{
	`{"resourceType":"Bundle","type":"batch","entry":[{"fullUrl":"urn:uuid:p","resource":{"resourceType":"Patient","id":"p",` +
		`"name":[{"given":["A1"],"family":"B2"}],"birthDate":"2000-01-01"}},{"resource":{"resourceType":"Encounter","id":"e",` +
		`"subject":{"reference":"urn:uuid:p"},"period":{"start":"2001-02-03T04:05:06Z"}}}]}`,
	`{"resourceType":"Bundle","type":"collection","entry":[{"resource":{"resourceType":"Patient","id":"p"}},` +
		`{"resource":{"resourceType":"DiagnosticReport","id":"r","subject":{"reference":"Patient/p"},"issued":"2001-02-04",` +
		`"result":[{"reference":"Observation/o"}]}},{"resource":{"resourceType":"Observation","id":"o",` +
		`"subject":{"reference":"Patient/p"},"effectiveDateTime":"2001"}}]}`,
	`{"resourceType":"Bundle","type":"searchset","entry":[{"resource":{"resourceType":"Claim","id":"c",` +
		`"patient":{"reference":"Patient/p"},"created":"2001-02-05","item":[{"productOrService":{"text":"V"}}]}}]}`,
}

// TestFuzzSeeds keeps the fuzz seeds importable and on their paths.
func TestFuzzSeeds(t *testing.T) {
	var got []Stats
	for _, seed := range fuzzSeeds {
		_, stats, err := ReadBundleStats(strings.NewReader(seed), "")
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, stats)
	}
	want := []Stats{{Entries: 2, Items: 1}, {Entries: 3, Items: 1, Folded: 1}, {Entries: 1, Unattached: 1, LeftOut: map[LeftOutKey]int{{"Claim", ReasonNoPatient}: 1}}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("stats = %+v, want %+v", got, want)
	}
}

func FuzzReadBundle(f *testing.F) {
	for _, seed := range fuzzSeeds {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		charts, stats, err := ReadBundleStats(bytes.NewReader(data), "")
		if err != nil {
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("error %T is not an *Error: %v", err, err)
			}
			if charts != nil {
				t.Fatal("charts returned with an error")
			}
			return
		}
		n := 0
		for _, c := range charts {
			keys := map[string]bool{}
			for k, it := range c.Items {
				// Undated items are kept; a dated one names the member its date came from.
				if (it.Date.Known() || it.Until.Known()) != (it.DateField != "") || it.Type == "" || it.Title == "" ||
					!strings.Contains(it.Key, "/") || keys[it.Key] {
					t.Fatalf("bad item %+v", it)
				}
				keys[it.Key] = true
				if k > 0 && (c.Items[k-1].Date > it.Date || c.Items[k-1].Date == it.Date && c.Items[k-1].Key > it.Key) {
					t.Fatalf("items out of order at %d", k)
				}
			}
			n += len(c.Items)
		}
		if n != stats.Items {
			t.Fatalf("stats.Items = %d, charts hold %d", stats.Items, n)
		}
		// Details aligned with Items, and the bytes kept the document's.
		if err := checkDetails(charts, data); err != nil {
			t.Fatal(err)
		}
	})
}

// BenchmarkReadBundle reads the largest bundle of the shared Synthea
// sample, which lives outside the module: the benchmark is skipped where
// it is absent.
func BenchmarkReadBundle(b *testing.B) {
	dir := filepath.Join("..", "..", "..", "shared", "data", "synthea")
	files, _ := filepath.Glob(filepath.Join(dir, "*.json"))
	var path string
	var size int64
	for _, f := range files {
		if fi, err := os.Stat(f); err == nil && fi.Size() > size {
			path, size = f, fi.Size()
		}
	}
	if path == "" {
		b.Skipf("no Synthea bundles in %s", dir)
	}
	data := mustRead(b, path)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ReadBundle(bytes.NewReader(data), ""); err != nil {
			b.Fatal(err)
		}
	}
}

// A FHIR document (a Composition and the records it cites) imports like a
// collection; a history Bundle still does not (TestReadBundleErrors).
func TestDocumentBundle(t *testing.T) {
	data := mustRead(t, small)
	want, err := ReadBundle(bytes.NewReader(data), "")
	if err != nil {
		t.Fatal(err)
	}
	doc := bytes.Replace(data, []byte(`"type": "collection"`), []byte(`"type": "document"`), 1)
	if bytes.Equal(doc, data) {
		doc = bytes.Replace(data, []byte(`"type":"collection"`), []byte(`"type":"document"`), 1)
	}
	if bytes.Equal(doc, data) {
		t.Skip("the small bundle is not a collection; nothing to compare")
	}
	got, err := ReadBundle(bytes.NewReader(doc), "")
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(want) || len(got[0].Items) != len(want[0].Items) {
		t.Fatalf("document bundle: %d charts, want %d", len(got), len(want))
	}
}
