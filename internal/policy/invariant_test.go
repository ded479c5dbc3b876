package policy_test

import (
	"cmp"
	"math/rand/v2"
	"reflect"
	"slices"
	"testing"

	"github.com/custodian-roi/custodian/internal/policy"
	"github.com/custodian-roi/custodian/internal/roi"
)

// TestInvariants checks properties every decision must have, over many
// generated requests. Each property is the law's bottom line, stated
// independently of how the rules reach it.
func TestInvariants(t *testing.T) {
	n := 20000
	if testing.Short() {
		n = 2000
	}
	g := gen{rand.New(rand.NewPCG(1, 2))}
	counts := map[roi.Outcome]int{}
	released := map[string]int{}
	for i := 0; i < n; i++ {
		f := g.facts(1 + g.r.IntN(8))
		d := policy.Evaluate(&f)
		counts[d.Outcome]++
		fail := func(format string, args ...any) {
			t.Helper()
			t.Errorf("case %d (basis %s, kind %s): "+format, append([]any{i, f.Request.Basis, f.Request.Requester.Kind}, args...)...)
		}

		// Deciding the same facts twice gives the same decision.
		if again := policy.Evaluate(&f); !reflect.DeepEqual(d, again) {
			fail("two evaluations differ")
		}
		// Every item is decided at most once; a withheld item is never
		// released; a withheld item always says why.
		ids := map[string]bool{}
		for _, it := range d.Items {
			if ids[it.ID] {
				fail("item %s decided twice", it.ID)
			}
			ids[it.ID] = true
			if !it.Release && !roi.IsItemCode(it.Code) {
				fail("item %s withheld without an item code (%q)", it.ID, it.Code)
			}
			if it.Release && it.Code != "" {
				fail("item %s released with code %s", it.ID, it.Code)
			}
			if it.Waits && (it.Release || d.Outcome != roi.OutcomeEscalate) {
				fail("item %s waits for a person but the outcome is %s (released %v)", it.ID, d.Outcome, it.Release)
			}
			if it.Rule == nil {
				fail("item %s has no rule", it.ID)
			}
			// A record waiting to be placed against the scope's dates is one
			// the rules would let go once placed inside them: placing it can
			// never release what a rule withholds.
			if it.Code == roi.CodeDateUncertain {
				placed := f
				placed.Items = slices.Clone(f.Items)
				for k := range placed.Items {
					if placed.Items[k].ID == it.ID {
						placed.Items[k].Date = cmp.Or(f.Request.Scope.From, f.Request.Scope.To)
						placed.Items[k].Until = roi.NoDate
					}
				}
				for _, x := range policy.Evaluate(&placed).Items {
					if x.ID == it.ID && !x.Release && !x.Waits {
						fail("item %s waits to be placed, but placed inside the dates it is withheld (%s)", it.ID, x.Code)
					}
				}
			}
		}
		checkInfoBlocking(&f, &d, fail)
		// The 2.32 notice goes with Part 2 records released on written
		// consent, never with the patient's own access.
		if f.Request.Requester.Kind == roi.KindPatient && f.Request.Basis == roi.BasisAccess && d.Part2Notice {
			fail("part2_notice on the patient's own access")
		}
		if f.Request.Basis == roi.BasisAuthorization && !nonPHIOf(&f) {
			for _, id := range d.Released() {
				for _, it := range f.Items {
					if it.ID == id && it.Labels.Has(roi.LabelPart2) && !d.Part2Notice {
						fail("Part 2 item %s released on an authorization without the 2.32 notice", id)
					}
				}
			}
		}
		// Law enforcement without process is never left to a person for
		// the records beyond (f)(2): they are withheld outright.
		if f.Request.Basis == roi.BasisLawEnforcement && !hasProcess(&f) {
			for _, it := range d.Items {
				if it.Waits && it.Code == roi.CodeMinimumNecessary {
					fail("item %s waits for a person on law enforcement without process", it.ID)
				}
			}
		}
		rel := d.Released()
		if (d.Outcome == roi.OutcomeDeny || d.Outcome == roi.OutcomePending) && len(rel) > 0 {
			fail("outcome %s releases %v", d.Outcome, rel)
		}
		if (d.Accountable == nil) != (len(rel) == 0) {
			fail("accountable %v with %d released", d.Accountable, len(rel))
		}
		for _, c := range d.Reasons {
			if !roi.IsRequestCode(c) {
				fail("reason %s is not a request-level code", c)
			}
		}
		// Nothing leaves without a verified identity (164.514(h)).
		if !f.Evidence.Identity[0].Verified && len(rel) > 0 {
			fail("released %v to an unverified requester", rel)
		}
		items := map[string]*roi.Item{}
		for i := range f.Items {
			items[f.Items[i].ID] = &f.Items[i]
		}
		nonPHI := f.Patient.DeathDate.Known() && genNow > f.Patient.DeathDate.AddYears(50)
		for _, id := range rel {
			it := items[id]
			released[string(f.Request.Basis)]++
			// Under an authorization, only a valid document releases:
			// a revoked, expired or defective one never does.
			if f.Request.Basis == roi.BasisAuthorization && !nonPHI && !anyValidAuth(&f) {
				fail("released %s with no valid authorization", id)
			}
			// A record whose state law is unsettled goes to someone other
			// than the patient only on a document that names its category.
			if u := it.Labels & f.Jurisdiction.Unclear; u != 0 && !nonPHI && f.Request.Basis != roi.BasisAccess && !namesLabels(&f, u) {
				fail("item %s with unsettled state law %v released on %s without a document naming it", id, u.Strings(), f.Request.Basis)
			}
			// Without warrant, order or subpoena, law enforcement gets
			// identifying data only (164.512(f)(2)).
			if f.Request.Basis == roi.BasisLawEnforcement && !nonPHI && !hasProcess(&f) && !it.Labels.Has(roi.LabelDemographics) {
				if r := ruleOf(&d, id); r != "authorization-covers" && r != "part2-consent" {
					fail("item %s released to law enforcement without process (rule %s)", id, r)
				}
			}
			// A Part 2 record leaves only on the patient's own access, a
			// Part 2 consent (with the 2.32 notice), a subpart E order or
			// a cause-of-death inquiry.
			if it.Labels.Has(roi.LabelPart2) {
				ok := f.Request.Basis == roi.BasisAccess || f.Request.Basis == roi.BasisCoroner || d.Part2Notice || hasFindings(&f)
				if !ok {
					fail("Part 2 item %s released without Part 2 permission", id)
				}
			}
			// A psychotherapy note never leaves on access, and never under
			// a general authorization: only a note-specific one, an order
			// or warrant naming notes, a coroner, or after 50 years.
			if it.Labels.Has(roi.LabelPsychotherapyNote) && !nonPHI {
				if f.Request.Basis == roi.BasisAccess || f.Request.Basis == roi.BasisDirective {
					fail("psychotherapy note %s released on access", id)
				}
				if f.Request.Basis != roi.BasisCoroner && !pnAuthorized(&f) {
					fail("psychotherapy note %s released without a note-specific document", id)
				}
			}
		}
	}
	for _, o := range roi.Outcomes {
		if counts[o] == 0 {
			t.Errorf("generator never produced outcome %s; the properties are under-tested", o)
		}
	}
	t.Logf("outcomes %v; releases by basis %v", counts, released)
}

// checkInfoBlocking: on the individual's access and on a directive, every
// withheld item and nothing else names the Part 171 exception it rests on,
// and so does the request whenever it is refused or held as a whole
// (FORMAT.md, info_blocking); on every other request the member is null.
func checkInfoBlocking(f *roi.Facts, d *roi.Decision, fail func(string, ...any)) {
	b := f.Request.Basis
	if f.Request.Type == roi.RequestAccounting || (b != roi.BasisAccess && b != roi.BasisDirective) {
		if d.InfoBlocking != nil {
			fail("info_blocking %v on a %s request", d.InfoBlocking, b)
		}
		return
	}
	if d.InfoBlocking == nil {
		fail("info_blocking is null on a %s request", b)
		return
	}
	want := map[string]roi.Exception{}
	for id, c := range d.Withheld() {
		switch c {
		case roi.CodePNAccessExcluded, roi.CodeLitigationCompiled:
			want[id] = roi.ExceptionNotEHI
		case roi.CodeReviewableHarm:
			want[id] = roi.ExceptionPreventingHarm
		case roi.CodeDateUncertain:
			want[id] = roi.ExceptionNone
		default:
			want[id] = roi.ExceptionPrivacyPrecondition
		}
	}
	endangers := slices.Contains(d.Reasons, roi.CodeRepresentativeEndangers)
	switch {
	case endangers:
		want[roi.InfoBlockingRequest] = roi.ExceptionPreventingHarm
	case d.Outcome == roi.OutcomeDeny || d.Outcome == roi.OutcomePending:
		want[roi.InfoBlockingRequest] = roi.ExceptionPrivacyPrecondition
	}
	if !reflect.DeepEqual(want, d.InfoBlocking) {
		fail("info_blocking %v, want %v (outcome %s, reasons %v)", d.InfoBlocking, want, d.Outcome, d.Reasons)
	}
}

// anyValidAuth reports whether some authorization could be valid, judged
// apart from the engine: in force, signed, not known false or conditioned,
// not signed "by the patient" after the patient's death, and if signed by
// a representative, with some verified representative evidence.
func anyValidAuth(f *roi.Facts) bool {
	verifiedRep := false
	for _, r := range f.Evidence.Representatives {
		verifiedRep = verifiedRep || r.Verified && r.Authority != roi.AuthorityFinancialPOA
	}
	for _, a := range f.Evidence.Authorizations {
		if a.Revoked.Known() && a.Revoked <= f.Now || a.Expires.Known() && a.Expires < f.Now ||
			a.ExpiredEventOccurred || a.KnownFalse || a.Conditioned || a.SignedBy == roi.SignerNone {
			continue
		}
		if a.SignedBy == roi.SignerPatient && f.Patient.DeathDate.Known() && a.Signed > f.Patient.DeathDate {
			continue
		}
		if a.SignedBy == roi.SignerRepresentative && !verifiedRep {
			continue
		}
		return true
	}
	return false
}

func nonPHIOf(f *roi.Facts) bool {
	return f.Patient.DeathDate.Known() && f.Now > f.Patient.DeathDate.AddYears(50)
}

func hasProcess(f *roi.Facts) bool {
	return len(f.Evidence.CourtOrders) > 0 || len(f.Evidence.Warrants) > 0 || len(f.Evidence.Subpoenas) > 0
}

// namesLabels reports whether some authorization or legal process names
// every label of u.
func namesLabels(f *roi.Facts, u roi.Labels) bool {
	for _, a := range f.Evidence.Authorizations {
		if a.Covers.Labels.HasAll(u) {
			return true
		}
	}
	for _, o := range f.Evidence.CourtOrders {
		if o.Covers.Labels.HasAll(u) {
			return true
		}
	}
	for _, w := range f.Evidence.Warrants {
		if w.Covers.Labels.HasAll(u) {
			return true
		}
	}
	for _, s := range f.Evidence.Subpoenas {
		if s.Covers.Labels.HasAll(u) {
			return true
		}
	}
	return false
}

func hasFindings(f *roi.Facts) bool {
	for _, o := range f.Evidence.CourtOrders {
		if o.Part2Findings {
			return true
		}
	}
	return false
}

func pnAuthorized(f *roi.Facts) bool {
	for _, a := range f.Evidence.Authorizations {
		if a.Covers.Labels == roi.LabelsOf(roi.LabelPsychotherapyNote) {
			return true
		}
	}
	for _, o := range f.Evidence.CourtOrders {
		if o.Covers.Labels.Has(roi.LabelPsychotherapyNote) {
			return true
		}
	}
	for _, w := range f.Evidence.Warrants {
		if w.Covers.Labels.Has(roi.LabelPsychotherapyNote) {
			return true
		}
	}
	for _, s := range f.Evidence.Subpoenas {
		if s.IssuedBy == roi.IssuerCourt && s.Covers.Labels.Has(roi.LabelPsychotherapyNote) {
			return true
		}
	}
	return false
}

func ruleOf(d *roi.Decision, id string) string {
	for _, it := range d.Items {
		if it.ID == id && it.Rule != nil {
			return it.Rule.ID
		}
	}
	return ""
}
