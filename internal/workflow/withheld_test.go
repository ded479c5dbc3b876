package workflow

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/custodian-roi/custodian/internal/packet"
	"github.com/custodian-roi/custodian/internal/roi"
)

// TestWithheldDisplayNeverPrinted: a released screening names, as its
// reason, a Part 2 Condition that the release withholds (no Part 2
// consent); a released visit names a released Condition. Neither the
// packet nor the FHIR export carries the withheld Condition's name, which
// the screening's reference repeats (the export drops the reference
// whole); both carry the released one's, and the practitioner's.
func TestWithheldDisplayNeverPrinted(t *testing.T) {
	f := newFixtureRaw(t, roi.MakeDate(1980, 6, 15), map[string]string{
		"Procedure/scr": `{"resourceType":"Procedure","id":"scr","status":"completed","code":{"text":"Depression screening"},
			"reasonReference":[{"reference":"urn:uuid:oud","display":"Opioid use disorder"}],
			"performer":[{"actor":{"reference":"Practitioner/pr1","display":"Dr. Ana Flórez"}}]}`,
		"Encounter/1": `{"resourceType":"Encounter","id":"1","status":"finished",
			"reasonReference":[{"reference":"Condition/htn","display":"Essential hypertension"}]}`,
		"Condition/htn": `{"resourceType":"Condition","id":"htn","code":{"text":"Essential hypertension"}}`,
		"Condition/oud": `{"resourceType":"Condition","id":"oud","code":{"text":"Opioid use disorder"}}`,
	},
		item("Encounter/1", "2025-03-14", "encounter"),
		item("Procedure/scr", "2025-03-14", "procedure"),
		item("Condition/htn", "2025-03-14", "problem"),
		item("Condition/oud", "2025-03-14", "problem", roi.LabelPart2))
	r := f.intake(roi.KindAttorney, "Okafor Legal Group", roi.BasisAuthorization)
	dis, iss := f.release(r, hipaaAuth)
	if strings.Join(dis.Items, " ") != "Condition/htn Encounter/1 Procedure/scr" {
		t.Fatalf("released %v; the Part 2 Condition must be withheld, the rest released", dis.Items)
	}

	out, err := f.desk.Export(f.ctx, "specialist", r.ID)
	if err != nil {
		t.Fatal(err)
	}
	var bundle struct {
		Entry []struct{ Resource map[string]any }
	}
	if err := json.Unmarshal(out, &bundle); err != nil {
		t.Fatal(err)
	}
	resources := map[string]string{}
	for _, e := range bundle.Entry {
		b, _ := json.Marshal(e.Resource)
		resources[e.Resource["resourceType"].(string)+"/"+e.Resource["id"].(string)] = string(b)
	}
	// The reference to the withheld Condition goes whole (#16): not its
	// display only, nor does its id stay to say that something was there.
	if s := resources["Procedure/scr"]; strings.Contains(s, "Opioid use disorder") || strings.Contains(s, "reasonReference") ||
		strings.Contains(string(out), "oud") || !strings.Contains(s, "Dr. Ana Flórez") {
		t.Errorf("exported screening: %s", s)
	}
	if s := resources["Encounter/1"]; !strings.Contains(s, `"display":"Essential hypertension"`) {
		t.Errorf("exported visit lacks the released Condition's name: %s", s)
	}
	if strings.Contains(string(out), "Opioid use disorder") {
		t.Error("the export carries the withheld Condition's name")
	}

	text := packetText(t, f, iss)
	if strings.Contains(text, "Opioid use disorder") {
		t.Error("the packet prints the withheld Condition's name")
	}
	for _, want := range []string{"Reason: " + packet.Withheld, "Reason: Essential hypertension", "Dr. Ana Flórez"} {
		if !strings.Contains(text, want) {
			t.Errorf("the packet lacks %q", want)
		}
	}
}
