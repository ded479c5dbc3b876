package workflow

import (
	"strings"
	"testing"

	"github.com/custodian-roi/custodian/internal/jurisdiction"
	"github.com/custodian-roi/custodian/internal/roi"
)

// TestStateLaw: the request page names the pack and, for each item the
// state's rules withheld or sent to a person, the rule with its citation;
// the state deadline is cited when it set the due date; items withheld
// for federal reasons cite no state rule.
func TestStateLaw(t *testing.T) {
	ny, err := jurisdiction.Lookup("NY")
	if err != nil {
		t.Fatal(err)
	}
	received := roi.MakeDate(2026, 12, 7)
	view := func(basis roi.Basis, due roi.Date) *RequestView {
		r := &roi.DeskRequest{Request: roi.Request{Received: received, Basis: basis}, Due: due}
		return &RequestView{C: &Case{Request: r},
			Withhold: []ItemRow{
				{Item: roi.ChartItem{Title: "HIV viral load", Labels: roi.LabelsOf(roi.LabelHIV)}, Code: roi.CodeStateSpecificAuth},
				{Item: roi.ChartItem{Title: "Therapy note", Labels: roi.LabelsOf(roi.LabelPsychotherapyNote)}, Code: roi.CodePNAuthRequired},
				{Item: roi.ChartItem{Title: "Counseling visit", Labels: roi.LabelsOf(roi.LabelBehavioralHealth, roi.LabelMinorConsented)}, Code: roi.CodeMinorConsentedService},
			},
			Items: []ItemRow{
				{Item: roi.ChartItem{Title: "Clinic intake", Labels: roi.LabelsOf(roi.LabelBehavioralHealth)}, Decision: "wait"},
				{Item: roi.ChartItem{Title: "Lab panel", Labels: 0}, Decision: "release"},
			}}
	}

	// Federal law only, and a file without citations.
	d := &Desk{}
	if sl := d.StateLaw(view(roi.BasisAuthorization, roi.NoDate)); sl.Pack || sl.Custom || len(sl.Rules) > 0 {
		t.Errorf("no state rules configured: %+v", sl)
	}
	d.Jurisdiction = roi.Jurisdiction{State: "ZZ", SpecificAuthorization: roi.LabelsOf(roi.LabelHIV)}
	if sl := d.StateLaw(view(roi.BasisAuthorization, roi.NoDate)); sl.Pack || !sl.Custom || sl.State != "ZZ" {
		t.Errorf("a file without citations: %+v", sl)
	}

	d = &Desk{Jurisdiction: ny.Rules(), JurisdictionPack: ny}
	sl := d.StateLaw(view(roi.BasisAuthorization, roi.NoDate))
	if !sl.Pack || sl.State != "NY" || sl.Name != "New York" || sl.Checked != "2026-12-06" || sl.Weakest == "" {
		t.Errorf("pack identity: %+v", sl)
	}
	byItem := map[string][]StateRuleUse{}
	for _, r := range sl.Rules {
		byItem[r.Item] = append(byItem[r.Item], r)
	}
	if rs := byItem["HIV viral load"]; len(rs) != 1 || rs[0].Kind != jurisdiction.KindSpecificAuthorization || !strings.Contains(rs[0].Cite, "2782") {
		t.Errorf("HIV item: %+v", rs)
	}
	if rs := byItem["Counseling visit"]; len(rs) != 1 || rs[0].Kind != jurisdiction.KindMinorConsent || !strings.Contains(rs[0].Cite, "33.21") {
		t.Errorf("minor-consented item: %+v", rs)
	}
	if rs := byItem["Clinic intake"]; len(rs) != 1 || rs[0].Kind != jurisdiction.KindUnclear || !strings.Contains(rs[0].Cite, "33.13") {
		t.Errorf("waiting item with an unclear category: %+v", rs)
	}
	for _, title := range []string{"Therapy note", "Lab panel", ""} {
		if rs := byItem[title]; len(rs) > 0 {
			t.Errorf("%q cites a state rule it does not rest on: %+v", title, rs)
		}
	}

	// An access request due on New York's 10 days cites §18; one on
	// HIPAA's 30 (the state's is later or absent) does not.
	sl = d.StateLaw(view(roi.BasisAccess, received.AddDays(10)))
	if rs := byDeadline(sl); len(rs) != 1 || !strings.Contains(rs[0].Cite, "§18") {
		t.Errorf("state deadline not cited: %+v", sl.Rules)
	}
	if rs := byDeadline(d.StateLaw(view(roi.BasisAccess, received.AddDays(30)))); len(rs) != 0 {
		t.Errorf("HIPAA's deadline cited as the state's: %+v", rs)
	}
}

func byDeadline(sl *StateLaw) []StateRuleUse {
	var out []StateRuleUse
	for _, r := range sl.Rules {
		if r.Kind == jurisdiction.KindAccessDeadline {
			out = append(out, r)
		}
	}
	return out
}
