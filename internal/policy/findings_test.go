package policy_test

import (
	"slices"
	"testing"

	"github.com/custodian-roi/custodian/internal/policy"
	"github.com/custodian-roi/custodian/internal/roi"
)

// TestFindingsWhoSignedAndForms: the findings a page shows say what the
// engine found about who signed and which rule each form meets, so that a
// page never calls valid a document the engine will not rely on.
func TestFindingsWhoSignedAndForms(t *testing.T) {
	base := unsettledFacts()
	base.Jurisdiction = roi.Jurisdiction{}
	for _, tc := range []struct {
		name      string
		edit      func(f *roi.Facts)
		valid     bool
		defects   []roi.Code
		part2Only bool
	}{
		{"patient signed, complete", func(f *roi.Facts) {}, true, nil, false},
		{"patient signed after death", func(f *roi.Facts) {
			f.Patient.DeathDate = roi.MakeDate(2026, 1, 10) // signed 2026-02-01
		}, false, []roi.Code{roi.CodeAuthorizationFalse}, false},
		{"patient signed on the day of death", func(f *roi.Facts) {
			f.Patient.DeathDate = roi.MakeDate(2026, 2, 1)
		}, true, nil, false},
		{"representative, no papers", func(f *roi.Facts) {
			f.Evidence.Authorizations[0].SignedBy = roi.SignerRepresentative
		}, false, []roi.Code{roi.CodeAuthorityDocsMissing}, false},
		{"representative, financial power of attorney", func(f *roi.Facts) {
			f.Evidence.Authorizations[0].SignedBy = roi.SignerRepresentative
			f.Evidence.Representatives = []roi.Representative{{Authority: roi.AuthorityFinancialPOA, Verified: true}}
		}, false, []roi.Code{roi.CodeNotPersonalRep}, false},
		{"representative, verified guardian", func(f *roi.Facts) {
			f.Evidence.Authorizations[0].SignedBy = roi.SignerRepresentative
			f.Evidence.Representatives = []roi.Representative{{Authority: roi.AuthorityGuardian, Verified: true}}
		}, true, nil, false},
		{"representative, guardian feared", func(f *roi.Facts) {
			f.Evidence.Authorizations[0].SignedBy = roi.SignerRepresentative
			f.Evidence.Representatives = []roi.Representative{{Authority: roi.AuthorityGuardian, Verified: true}}
			f.Evidence.EndangermentConcern = true
		}, false, []roi.Code{roi.CodeRepresentativeEndangers}, false},
		{"Part 2 consent without HIPAA statements", func(f *roi.Facts) {
			a := &f.Evidence.Authorizations[0]
			a.HIPAA, a.Part2 = false, true
			a.Statements = []roi.Statement{roi.StatementRevocation}
		}, false, []roi.Code{roi.CodeAuthorizationIncomplete}, true},
		{"Part 2 consent meeting 164.508 too", func(f *roi.Facts) {
			a := &f.Evidence.Authorizations[0]
			a.HIPAA, a.Part2 = false, true
		}, true, nil, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := base
			f.Evidence.Authorizations = []roi.Authorization{hipaaAuth("Lee Law", roi.LabelGeneral)}
			tc.edit(&f)
			fs := policy.AuthorizationFindings(&f)
			if len(fs) != 1 {
				t.Fatalf("%d findings", len(fs))
			}
			got := fs[0]
			if got.Valid != tc.valid || !slices.Equal(got.Defects, tc.defects) && !(len(got.Defects) == 0 && len(tc.defects) == 0) || got.Part2Only != tc.part2Only {
				t.Errorf("finding %+v, want valid %v defects %v part2Only %v", got, tc.valid, tc.defects, tc.part2Only)
			}
			// The engine agrees: a valid finding releases the general record,
			// any other does not.
			d := policy.Evaluate(&f)
			if released := slices.Contains(d.Released(), "G1"); released != tc.valid {
				t.Errorf("engine released G1 %v (outcome %s %v), finding valid %v", released, d.Outcome, d.Reasons, tc.valid)
			}
		})
	}
}
