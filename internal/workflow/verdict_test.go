package workflow

import (
	"strings"
	"testing"

	"github.com/custodian-roi/custodian/internal/policy"
	"github.com/custodian-roi/custodian/internal/roi"
)

// TestVerdictWordsSignerDefects: every defect the engine reports about who
// signed reads as words on the evidence page, never as a raw code, and a
// Part 2 consent without the HIPAA statements is said to still release its
// Part 2 records.
func TestVerdictWordsSignerDefects(t *testing.T) {
	for _, c := range []roi.Code{roi.CodeAuthorityDocsMissing, roi.CodeNotPersonalRep, roi.CodeRepresentativeEndangers,
		roi.CodeAuthorizationFalse, roi.CodeRecipientNotAuthorized} {
		vd := verdictOf(policy.AuthorizationFinding{ID: "A1", Defects: []roi.Code{c}}, "Authorization A1")
		if vd.Valid || strings.Contains(vd.Text, string(c)) || !strings.HasPrefix(vd.Text, "Authorization A1 is not valid: ") {
			t.Errorf("%s: %q", c, vd.Text)
		}
	}
	p2 := verdictOf(policy.AuthorizationFinding{ID: "A2", Defects: []roi.Code{roi.CodeAuthorizationIncomplete},
		Missing: []string{"the revocation statement"}, Part2Only: true}, "Authorization A2")
	if !strings.Contains(p2.Text, "Part 2 records") || !strings.Contains(p2.Text, "the revocation statement") {
		t.Errorf("Part 2 only: %q", p2.Text)
	}
	inc := verdictOf(policy.AuthorizationFinding{ID: "A3", Defects: []roi.Code{roi.CodeAuthorizationIncomplete},
		Missing: []string{"a signature"}}, "Authorization A3")
	if strings.Contains(inc.Text, "Part 2 records") || !strings.Contains(inc.Text, "it is incomplete — missing a signature") {
		t.Errorf("incomplete: %q", inc.Text)
	}
}
