package workflow

import (
	"encoding/json"
	"slices"
	"testing"

	"github.com/custodian-roi/custodian/internal/fhir"
	"github.com/custodian-roi/custodian/internal/roi"
)

// TestImportLabelExport: an imported chart is labeled at ingestion (the HIV
// report carries its label, the ordinary encounter none); a staff change is
// recorded; the release exports as FHIR with DS4P security labels and a
// Provenance naming request, decision and basis; withheld resources never
// appear in the export.
func TestImportLabelExport(t *testing.T) {
	f := newFixture(t, roi.MakeDate(1980, 1, 1))
	enc := json.RawMessage(`{"resourceType":"Encounter","id":"e1","status":"finished"}`)
	rep := json.RawMessage(`{"resourceType":"DiagnosticReport","id":"r1","result":[{"reference":"urn:uuid:o1"}]}`)
	obs := json.RawMessage(`{"resourceType":"Observation","id":"o1","code":{"coding":[{"system":"http://loinc.org","code":"20447-9"}]}}`)
	pn := json.RawMessage(`{"resourceType":"DocumentReference","id":"pn1"}`)
	c := fhir.Chart{
		Patient: roi.PatientRecord{FHIRID: "p1", Name: "Pat Example", BirthDate: roi.MakeDate(1980, 1, 1)},
		Items: []roi.ChartItem{
			{Key: "Encounter/e1", Date: roi.MakeDate(2025, 1, 1), Type: "encounter", Title: "Visit"},
			{Key: "DiagnosticReport/r1", Date: roi.MakeDate(2025, 1, 2), Type: "report", Title: "Viral load"},
			{Key: "DocumentReference/pn1", Date: roi.MakeDate(2025, 1, 3), Type: "document", Title: "Note"},
		},
		Details: []fhir.Detail{
			{Resources: []string{"Encounter/e1"}, Codes: []fhir.Coding{{System: "http://snomed.info/sct", Code: "185349003"}}, Raw: enc},
			{Resources: []string{"DiagnosticReport/r1", "Observation/o1"}, Codes: []fhir.Coding{{System: "http://loinc.org", Code: "20447-9"}}, Raw: rep},
			{Resources: []string{"DocumentReference/pn1"}, DocType: []fhir.Coding{{System: "urn:custodian:document-type", Code: "psychotherapy-note"}}, Raw: pn},
		},
		FoldedRaw: map[string]json.RawMessage{"Observation/o1": obs},
	}
	pid, _, err := f.desk.Import(f.ctx, "import", c)
	if err != nil {
		t.Fatal(err)
	}
	f.pid = pid
	items := must[[]roi.ChartItem](t)(f.desk.store.ChartItems(f.ctx, pid))
	got := map[string]roi.Labels{}
	for _, it := range items {
		got[it.Key] = it.Labels
	}
	if got["Encounter/e1"] != 0 || got["DiagnosticReport/r1"] != roi.LabelsOf(roi.LabelHIV) || got["DocumentReference/pn1"] != roi.LabelsOf(roi.LabelPsychotherapyNote) {
		t.Fatalf("labels at ingestion: %v", got)
	}
	if _, err := f.desk.SetLabel(f.ctx, "po", pid, "Encounter/e1", "hiv", "add", ""); roi.CodeOf(err) != roi.CodeInvalid {
		t.Errorf("label change without a reason: %v", err)
	}

	r := f.intake(roi.KindPatient, "Pat Example", roi.BasisAccess)
	r = f.evidence(r, identity)
	r, _ = f.evaluate(r)
	if _, err := f.desk.Export(f.ctx, "s", r.ID); roi.CodeOf(err) != roi.CodeConflict {
		t.Errorf("export before approval: %v", err)
	}
	r, _ = must2(t)(f.desk.Decide(f.ctx, "s", r.ID, r.Version, Decide{Action: ActPartial}))
	out, err := f.desk.Export(f.ctx, "s", r.ID)
	if err != nil {
		t.Fatal(err)
	}
	var b struct {
		ResourceType string
		Entry        []struct {
			Resource map[string]any
		}
	}
	if err := json.Unmarshal(out, &b); err != nil || b.ResourceType != "Bundle" {
		t.Fatalf("export: %v %s", err, out)
	}
	var kinds []string
	var hivSecurity []string
	for _, e := range b.Entry {
		res := e.Resource
		kinds = append(kinds, res["resourceType"].(string)+"/"+res["id"].(string))
		if res["id"] == "o1" {
			for _, s := range res["meta"].(map[string]any)["security"].([]any) {
				hivSecurity = append(hivSecurity, s.(map[string]any)["code"].(string))
			}
		}
		if res["resourceType"] == "Provenance" {
			pol := res["policy"].([]any)
			if len(pol) != 3 || pol[0] != "urn:custodian:request:"+r.Number || len(res["target"].([]any)) != 3 {
				t.Errorf("provenance %v", res)
			}
		}
	}
	want := []string{"DiagnosticReport/r1", "Observation/o1", "Encounter/e1", "Provenance/release-" + r.Number} // release order: sorted ids
	if !slices.Equal(kinds, want) {
		t.Errorf("exported %v, want %v (the psychotherapy note must not be there)", kinds, want)
	}
	if !slices.Equal(hivSecurity, []string{"R", "HIV"}) {
		t.Errorf("security labels on the HIV observation: %v", hivSecurity)
	}
}
