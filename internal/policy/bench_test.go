package policy_test

import (
	"strconv"
	"testing"

	"github.com/custodian-roi/custodian/internal/policy"
	"github.com/custodian-roi/custodian/internal/roi"
)

// chart returns n items with a realistic mix of labels: most general, the
// rest spread over every sensitive category.
func chart(n int) []roi.Item {
	mix := []roi.Labels{
		0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
		roi.LabelsOf(roi.LabelBehavioralHealth),
		roi.LabelsOf(roi.LabelPsychotherapyNote),
		roi.LabelsOf(roi.LabelPart2),
		roi.LabelsOf(roi.LabelPart2, roi.LabelSUDCounselingNote),
		roi.LabelsOf(roi.LabelSubstanceUse),
		roi.LabelsOf(roi.LabelHIV),
		roi.LabelsOf(roi.LabelGenetic),
		roi.LabelsOf(roi.LabelReproductive),
		roi.LabelsOf(roi.LabelLitigationFile),
		roi.LabelsOf(roi.LabelBehavioralHealth, roi.LabelMinorConsented),
		roi.LabelsOf(roi.LabelDemographics),
	}
	items := make([]roi.Item, n)
	start := roi.MakeDate(2015, 1, 1)
	for i := range items {
		items[i] = roi.Item{ID: "I" + strconv.Itoa(i), Date: start.AddDays(i % 4000), Labels: mix[i%len(mix)]}
	}
	return items
}

func benchFacts(basis roi.Basis, kind roi.Kind, n int) roi.Facts {
	now := roi.MakeDate(2026, 3, 2)
	f := roi.Facts{
		Now:          now,
		Jurisdiction: roi.Jurisdiction{SpecificAuthorization: roi.LabelsOf(roi.LabelHIV), AccessDeadline: roi.Deadline{Days: 15, BusinessDays: true}},
		Patient:      roi.Patient{BirthDate: roi.MakeDate(1970, 5, 5), DeathDate: roi.NoDate},
		Items:        chart(n),
		Request: roi.Request{Received: now, Basis: basis, Requester: roi.Requester{Kind: kind, Name: "Smith & Jones LLP"},
			Scope: roi.Coverage{From: roi.NoDate, To: roi.NoDate}},
	}
	auth := func(labels roi.Labels, part2 bool) roi.Authorization {
		return roi.Authorization{ID: "A", HIPAA: !part2, Part2: part2, SignedBy: roi.SignerPatient, Signed: now.AddDays(-10),
			Expires: now.AddDays(300), Discloser: "Mercy General", Recipient: "Smith & Jones LLP", Purpose: "litigation",
			Description: "records", Covers: roi.Coverage{From: roi.MakeDate(2018, 1, 1), To: roi.NoDate, Labels: labels},
			Statements: roi.Statements, Revoked: roi.NoDate}
	}
	f.Evidence = roi.Evidence{
		Identity: []roi.IdentityCheck{{Verified: true}},
		Authorizations: []roi.Authorization{
			auth(roi.LabelsOf(roi.LabelGeneral, roi.LabelBehavioralHealth, roi.LabelHIV), false),
			auth(roi.LabelsOf(roi.LabelPsychotherapyNote), false),
			auth(roi.LabelsOf(roi.LabelPart2), true),
		},
		CourtOrders: []roi.CourtOrder{{Covers: roi.Coverage{From: roi.MakeDate(2020, 1, 1), To: roi.MakeDate(2025, 12, 31),
			Labels: roi.LabelsOf(roi.LabelGeneral, roi.LabelPart2)}, Part2Findings: true}},
		Subpoenas: []roi.Subpoena{{IssuedBy: roi.IssuerAttorney, Assurances: roi.AssuranceNotice,
			Covers: roi.Coverage{From: roi.NoDate, To: roi.NoDate, Labels: roi.LabelsOf(roi.LabelGeneral)}}},
		ExtensionNotices: []roi.ExtensionNotice{{Sent: now.AddDays(5), NewDue: now.AddDays(40)}},
		HarmItems:        map[string]bool{"I7": true},
	}
	return f
}

// BenchmarkEvaluate decides a 10,000-item chart with mixed labels and
// several documents on each kind of basis. ns/item is the figure the
// performance goal (under 1 microsecond per item on one core) is about.
func BenchmarkEvaluate(b *testing.B) {
	const n = 10000
	for _, tc := range []struct {
		name  string
		basis roi.Basis
		kind  roi.Kind
	}{
		{"authorization", roi.BasisAuthorization, roi.KindAttorney},
		{"access", roi.BasisAccess, roi.KindPatient},
		{"treatment", roi.BasisTreatment, roi.KindProvider},
		{"subpoena", roi.BasisSubpoena, roi.KindAttorney},
	} {
		b.Run(tc.name, func(b *testing.B) {
			f := benchFacts(tc.basis, tc.kind, n)
			b.ReportAllocs()
			for b.Loop() {
				d := policy.Evaluate(&f)
				if len(d.Items) != n {
					b.Fatalf("decided %d items, want %d", len(d.Items), n)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/n, "ns/item")
		})
	}
}

// BenchmarkEvaluateWithOutput adds what the CLI and the server do with a
// decision: the sorted release list and the withhold map.
func BenchmarkEvaluateWithOutput(b *testing.B) {
	const n = 10000
	f := benchFacts(roi.BasisAuthorization, roi.KindAttorney, n)
	b.ReportAllocs()
	for b.Loop() {
		d := policy.Evaluate(&f)
		_ = d.Released()
		_ = d.Withheld()
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/n, "ns/item")
}
