package jurisdiction

import (
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/custodian-roi/custodian/internal/roi"
)

// TestLoadRejects: a pack that is wrong says which member and why, as a
// CodeInvalid error; none of them loads.
func TestLoadRejects(t *testing.T) {
	good, err := os.ReadFile("packs/NY.json")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Load(strings.NewReader(string(good))); err != nil {
		t.Fatalf("NY.json: %v", err)
	}
	for _, tc := range []struct{ name, from, to, want string }{
		{"unknown member", `"name": "New York"`, `"name": "New York", "colour": "blue"`, `unknown member "colour"`},
		{"repeated member", `"name": "New York"`, `"name": "New York", "name": "NY"`, `"name" appears more than once`},
		{"lower-case state", `"state": "NY"`, `"state": "ny"`, `"state"`},
		{"no checked date", `"checked": "2026-12-06",
  "notes"`, `"notes"`, `"checked"`},
		{"rule without citation", `"cite": "N.Y. Public Health Law §2782(1)(b); 10 NYCRR 63.5(a)"`, `"cite": ""`, `specific_authorization[0].cite`},
		{"unknown confidence", `"cite": "N.Y. Public Health Law §2782(1)(b); 10 NYCRR 63.5(a)",
      "confidence": "S"`, `"cite": "N.Y. Public Health Law §2782(1)(b); 10 NYCRR 63.5(a)",
      "confidence": "high"`, `specific_authorization[0].confidence`},
		{"unknown label", `"label": "hiv",
      "cite": "N.Y. Public Health Law §2782(1)(b)`, `"label": "aids",
      "cite": "N.Y. Public Health Law §2782(1)(b)`, `"aids"`},
		{"general is not a category", `"label": "hiv",
      "cite": "N.Y. Public Health Law §2782(1)(b)`, `"label": "general",
      "cite": "N.Y. Public Health Law §2782(1)(b)`, `specific_authorization[0].label`},
		{"specific and unclear at once", `"label": "behavioral-health",
      "cite": "N.Y. Mental Hygiene Law §33.13"`, `"label": "hiv",
      "cite": "N.Y. Mental Hygiene Law §33.13"`, `already listed in specific_authorization`},
		{"parent access allowed on memory", `"parent_access": "silent",
      "cite": "N.Y. Public Health Law §2504`, `"parent_access": "allowed",
      "cite": "N.Y. Public Health Law §2504`, `minor_consent[1].parent_access`},
		{"unknown parent access", `"parent_access": "silent",
      "cite": "N.Y. Public Health Law §2504`, `"parent_access": "sometimes",
      "cite": "N.Y. Public Health Law §2504`, `must be allowed, prohibited or silent`},
		{"workers comp on memory", `"permitted": false,
    "cite": "N.Y. Workers' Compensation Law §13-a(4)",
    "confidence": "S2°"`, `"permitted": true,
    "cite": "N.Y. Workers' Compensation Law §13-a(4)",
    "confidence": "M"`, `workers_comp.permitted`},
		{"business days without days", `"days": 10,
    "business_days": false`, `"days": 0,
    "business_days": true`, `access_deadline.business_days`},
		{"wrong type", `"days": 10`, `"days": "ten"`, `has the wrong type`},
		{"fee schedule that does not exist", `"schedule": "NY"`, `"schedule": "ZZ"`, `fees.schedule`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			bad := strings.Replace(string(good), tc.from, tc.to, 1)
			if bad == string(good) {
				t.Fatalf("the edit %q did not apply to NY.json", tc.from)
			}
			_, err := Load(strings.NewReader(bad))
			var re *roi.Error
			if !errors.As(err, &re) || re.Code != roi.CodeInvalid {
				t.Fatalf("Load = %v, want a CodeInvalid error", err)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q does not mention %q", err, tc.want)
			}
		})
	}
	if _, err := Load(strings.NewReader(string(good) + " {}")); err == nil || !strings.Contains(err.Error(), "single JSON object") {
		t.Errorf("a pack followed by a second value: %v", err)
	}
	if _, err := Load(strings.NewReader("")); err == nil {
		t.Error("an empty pack loaded")
	}
}

// TestRulesCompile: the pack compiles to the engine's vocabulary, and the
// compiled value is a copy.
func TestRulesCompile(t *testing.T) {
	p, _ := Lookup("NY")
	j := p.Rules()
	if j.State != "NY" || !j.SpecificAuthorization.Has(roi.LabelHIV) || !j.Unclear.Has(roi.LabelBehavioralHealth) ||
		j.AccessDeadline != (roi.Deadline{Days: 10}) || j.Majority() != 18 || j.WorkersComp {
		t.Errorf("NY compiled to %+v", j)
	}
	if j.SpecificAuthorization.Has(roi.LabelBehavioralHealth) || j.Unclear.Has(roi.LabelHIV) {
		t.Errorf("NY: a category is in the wrong list: %+v", j)
	}
	j.MinorConsent[0].ParentAccess = roi.ParentAccessAllowed
	if p.Rules().MinorConsent[0].ParentAccess == roi.ParentAccessAllowed {
		t.Error("changing the compiled rules changed the pack")
	}
	r, ok := p.Cite(KindSpecificAuthorization, roi.LabelHIV)
	if !ok || !strings.Contains(r.Cite, "2782") || r.Checked != "2026-12-06" || r.Confidence != ConfidenceStatute {
		t.Errorf("Cite(specific, hiv) = %+v, %v", r, ok)
	}
	if _, ok := p.Cite(KindSpecificAuthorization, roi.LabelReproductive); ok {
		t.Error("NY cites a specific-authorization rule for reproductive records it does not have")
	}
	if r, ok := p.Cite(KindAccessDeadline, roi.LabelGeneral); !ok || !strings.Contains(r.Cite, "§18") {
		t.Errorf("Cite(deadline) = %+v, %v", r, ok)
	}
	if rs := p.For(KindSpecificAuthorization, roi.LabelsOf(roi.LabelHIV, roi.LabelGenetic, roi.LabelSTI)); len(rs) != 2 {
		t.Errorf("For(specific, hiv+genetic+sti) = %d rules, want 2", len(rs))
	}
}

func TestIsCodeAndIsPack(t *testing.T) {
	for s, want := range map[string]bool{"NY": true, "ny": true, " tx ": true, "NYC": false, "N1": false, "ny.json": false, "": false} {
		if IsCode(s) != want {
			t.Errorf("IsCode(%q) = %v", s, !want)
		}
	}
	good, _ := os.ReadFile("packs/CA.json")
	if !IsPack(good) || IsPack([]byte(`{"state": "CA", "specific_authorization": ["hiv"]}`)) || IsPack([]byte(`nope`)) {
		t.Error("IsPack tells packs from the conformance vocabulary wrong")
	}
}
