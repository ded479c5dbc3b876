package policy_test

import (
	"testing"

	"github.com/custodian-roi/custodian/internal/policy"
	"github.com/custodian-roi/custodian/internal/roi"
)

// unsettledFacts: an adult patient, a general record and an HIV record, in
// a state whose pack marks HIV law as unsettled (roi.Jurisdiction.Unclear)
// but does not list it as needing a specific authorization.
func unsettledFacts() roi.Facts {
	now := roi.MakeDate(2026, 3, 2)
	return roi.Facts{
		Now:          now,
		Jurisdiction: roi.Jurisdiction{State: "ZZ", Unclear: roi.LabelsOf(roi.LabelHIV)},
		Patient:      roi.Patient{BirthDate: roi.MakeDate(1970, 1, 1), DeathDate: roi.NoDate},
		Items: []roi.Item{
			{ID: "G1", Date: roi.MakeDate(2025, 5, 1), Until: roi.NoDate},
			{ID: "HIV1", Date: roi.MakeDate(2025, 6, 1), Until: roi.NoDate, Labels: roi.LabelsOf(roi.LabelHIV)},
		},
		Request: roi.Request{
			Type: roi.RequestRecords, Received: now,
			Requester: roi.Requester{Kind: roi.KindAttorney, Name: "Lee Law"},
			Basis:     roi.BasisAuthorization,
			Scope:     roi.Coverage{From: roi.NoDate, To: roi.NoDate},
		},
		Evidence: roi.Evidence{Identity: []roi.IdentityCheck{{Verified: true}}},
	}
}

func hipaaAuth(recipient string, labels ...roi.Label) roi.Authorization {
	return roi.Authorization{
		ID: "A1", HIPAA: true, SignedBy: roi.SignerPatient, Signed: roi.MakeDate(2026, 2, 1),
		Expires: roi.MakeDate(2026, 12, 31), Discloser: "Mercy General", Recipient: recipient,
		Purpose: "litigation", Description: "records", Revoked: roi.NoDate,
		Covers:     roi.Coverage{From: roi.NoDate, To: roi.NoDate, Labels: roi.LabelsOf(labels...), HasLabels: true},
		Statements: []roi.Statement{roi.StatementRevocation, roi.StatementConditioning, roi.StatementRedisclosure},
	}
}

type itemWant struct {
	release bool
	code    roi.Code
	waits   bool
}

func checkItems(t *testing.T, d roi.Decision, outcome roi.Outcome, want map[string]itemWant) {
	t.Helper()
	if d.Outcome != outcome {
		t.Errorf("outcome %s (reasons %v), want %s", d.Outcome, d.Reasons, outcome)
	}
	got := map[string]roi.ItemDecision{}
	for _, it := range d.Items {
		got[it.ID] = it
	}
	for id, w := range want {
		g, ok := got[id]
		if !ok {
			t.Errorf("item %s not decided", id)
			continue
		}
		if g.Release != w.release || g.Code != w.code || g.Waits != w.waits {
			t.Errorf("item %s: release %v code %q waits %v, want release %v code %q waits %v",
				id, g.Release, g.Code, g.Waits, w.release, w.code, w.waits)
		}
	}
}

var (
	goes       = itemWant{release: true}
	waitsState = itemWant{code: roi.CodeStateSpecificAuth, waits: true}
)

// TestUnsettledStateLaw: where a state pack says the law on a category is
// unsettled, a record of it never goes to a third party by guess; it waits
// for a person, unless the document relied on names the category. The
// patient's own access is never limited.
func TestUnsettledStateLaw(t *testing.T) {
	for _, tc := range []struct {
		name    string
		edit    func(f *roi.Facts)
		outcome roi.Outcome
		want    map[string]itemWant
	}{
		{"general authorization: the HIV record waits", func(f *roi.Facts) {
			f.Evidence.Authorizations = []roi.Authorization{hipaaAuth("Lee Law", roi.LabelGeneral)}
		}, roi.OutcomeEscalate, map[string]itemWant{"G1": goes, "HIV1": waitsState}},
		{"authorization naming hiv: both go", func(f *roi.Facts) {
			f.Evidence.Authorizations = []roi.Authorization{hipaaAuth("Lee Law", roi.LabelGeneral, roi.LabelHIV)}
		}, roi.OutcomeRelease, map[string]itemWant{"G1": goes, "HIV1": goes}},
		{"patient's own access is never limited", func(f *roi.Facts) {
			f.Request.Requester = roi.Requester{Kind: roi.KindPatient, Name: "Pat"}
			f.Request.Basis = roi.BasisAccess
		}, roi.OutcomeRelease, map[string]itemWant{"G1": goes, "HIV1": goes}},
		{"public health: waits", func(f *roi.Facts) {
			f.Request.Requester = roi.Requester{Kind: roi.KindPublicHealth, Name: "County Health"}
			f.Request.Basis = roi.BasisPublicHealth
		}, roi.OutcomeEscalate, map[string]itemWant{"G1": goes, "HIV1": waitsState}},
		{"treatment: waits", func(f *roi.Facts) {
			f.Request.Requester = roi.Requester{Kind: roi.KindProvider, Name: "Clinic"}
			f.Request.Basis = roi.BasisTreatment
		}, roi.OutcomeEscalate, map[string]itemWant{"G1": goes, "HIV1": waitsState}},
		{"court order naming hiv: goes", func(f *roi.Facts) {
			f.Request.Basis = roi.BasisCourtOrder
			f.Evidence.CourtOrders = []roi.CourtOrder{{Covers: roi.Coverage{From: roi.NoDate, To: roi.NoDate,
				Labels: roi.LabelsOf(roi.LabelGeneral, roi.LabelHIV), HasLabels: true}}}
		}, roi.OutcomeRelease, map[string]itemWant{"G1": goes, "HIV1": goes}},
		{"court order for all records not naming hiv: waits", func(f *roi.Facts) {
			f.Request.Basis = roi.BasisCourtOrder
			f.Evidence.CourtOrders = []roi.CourtOrder{{Covers: roi.Coverage{From: roi.NoDate, To: roi.NoDate,
				Labels: roi.LabelsOf(roi.LabelGeneral), HasLabels: true}}}
		}, roi.OutcomeEscalate, map[string]itemWant{"G1": goes, "HIV1": waitsState}},
		{"directive: waits", func(f *roi.Facts) {
			f.Request.Requester = roi.Requester{Kind: roi.KindOther, Name: "Health App"}
			f.Request.Basis = roi.BasisDirective
			f.Evidence.Directives = []roi.Directive{{Recipient: "Health App", Signed: roi.MakeDate(2026, 2, 1)}}
		}, roi.OutcomeEscalate, map[string]itemWant{"G1": goes, "HIV1": waitsState}},
		{"a withheld record stays withheld for its own rule", func(f *roi.Facts) {
			f.Jurisdiction.SpecificAuthorization = roi.LabelsOf(roi.LabelHIV)
			f.Evidence.Authorizations = []roi.Authorization{hipaaAuth("Lee Law", roi.LabelGeneral)}
		}, roi.OutcomePartial, map[string]itemWant{"G1": goes, "HIV1": {code: roi.CodeStateSpecificAuth}}},
		{"not PHI after fifty years: goes", func(f *roi.Facts) {
			f.Patient.DeathDate = roi.MakeDate(1970, 1, 1)
			f.Request.Basis = roi.BasisNone
		}, roi.OutcomeRelease, map[string]itemWant{"G1": goes, "HIV1": goes}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := unsettledFacts()
			tc.edit(&f)
			d := policy.Evaluate(&f)
			checkItems(t, d, tc.outcome, tc.want)
			for _, it := range d.Items {
				if it.Waits && it.Rule.ID != "state-law-unclear" {
					t.Errorf("item %s waits under rule %s", it.ID, it.Rule.ID)
				}
			}
			// The same facts with no unsettled label never wait for it.
			f.Jurisdiction.Unclear = 0
			for _, it := range policy.Evaluate(&f).Items {
				if it.Waits {
					t.Errorf("without unclear labels item %s still waits", it.ID)
				}
			}
		})
	}
}
