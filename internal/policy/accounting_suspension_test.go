package policy

import (
	"slices"
	"testing"

	"github.com/custodian-roi/custodian/internal/roi"
)

// accountingFacts is a patient's own request for an accounting, received
// and decided on day now, over the given log and suspensions.
func accountingFacts(now roi.Date, ds []roi.Disclosure, ss ...roi.AccountingSuspension) *roi.Facts {
	return &roi.Facts{Now: now, Request: roi.Request{Type: roi.RequestAccounting, Received: now,
		Requester: roi.Requester{Kind: roi.KindPatient}, Basis: roi.BasisAccess},
		Evidence:    roi.Evidence{Identity: []roi.IdentityCheck{{Verified: true}}},
		Disclosures: ds, Suspensions: ss}
}

func listed(t *testing.T, f *roi.Facts) []string {
	t.Helper()
	d := Evaluate(f)
	return d.Accounting()
}

var (
	day = roi.MakeDate
	// A log: two law-enforcement disclosures to the sheriff, one to the
	// state police, one oversight disclosure to the health department and
	// one to the sheriff on the patient's authorization (exempt anyway).
	suspLog = []roi.Disclosure{
		{ID: "1", Date: day(2026, 1, 10), Recipient: "County Sheriff", Basis: roi.BasisLawEnforcement},
		{ID: "2", Date: day(2026, 2, 20), Recipient: "county  sheriff ", Basis: roi.BasisWarrant},
		{ID: "3", Date: day(2026, 2, 21), Recipient: "State Police", Basis: roi.BasisLawEnforcement},
		{ID: "4", Date: day(2026, 3, 1), Recipient: "Health Department", Basis: roi.BasisHealthOversight},
		{ID: "5", Date: day(2026, 3, 2), Recipient: "County Sheriff", Basis: roi.BasisAuthorization},
	}
)

func TestWrittenSuspensionUntilEndDay(t *testing.T) {
	s := roi.AccountingSuspension{ID: "s", Agency: "COUNTY SHERIFF", AgencyKind: roi.KindLawEnforcement, Written: true,
		Stated: day(2026, 3, 1), End: day(2026, 6, 30)}
	for _, c := range []struct {
		now  roi.Date
		want []string
	}{
		{day(2026, 2, 28), []string{"1", "2", "3"}},     // before the statement: nothing suspended (4 is later)
		{day(2026, 3, 1), []string{"3", "4"}},           // the statement's day
		{day(2026, 6, 30), []string{"3", "4"}},          // the last day it specifies: still in force
		{day(2026, 7, 1), []string{"1", "2", "3", "4"}}, // the day after: listed again
	} {
		got := listed(t, accountingFacts(c.now, suspLog, s))
		if !slices.Equal(got, c.want) {
			t.Errorf("accounting on %s lists %v, want %v", c.now, got, c.want)
		}
	}
	// The suspended disclosures carry the suspension's rule, and the
	// decision says until when (a date, never the agency).
	d := Evaluate(accountingFacts(day(2026, 4, 1), suspLog, s))
	for _, x := range d.Disclosures {
		if (x.ID == "1" || x.ID == "2") != (x.Rule == ruleAccountingSuspended) {
			t.Errorf("disclosure %s: rule %s", x.ID, x.Rule.ID)
		}
	}
	var step bool
	for _, st := range d.Steps {
		if st.Rule == ruleAccountingSuspended {
			step = true
			if st.Detail != "in force through 2026-06-30" {
				t.Errorf("step detail %q", st.Detail)
			}
		}
	}
	if !step {
		t.Error("no step says a suspension is in force")
	}
}

func TestSuspensionCoversDisclosuresDuringIt(t *testing.T) {
	s := roi.AccountingSuspension{Agency: "County Sheriff", AgencyKind: roi.KindLawEnforcement, Written: true,
		Stated: day(2026, 1, 1), End: day(2026, 12, 31)}
	ds := append(slices.Clone(suspLog), roi.Disclosure{ID: "6", Date: day(2026, 5, 5), Recipient: "County Sheriff", Basis: roi.BasisCourtOrder})
	if got, want := listed(t, accountingFacts(day(2026, 6, 1), ds, s)), []string{"3", "4"}; !slices.Equal(got, want) {
		t.Errorf("during the suspension: %v, want %v", got, want)
	}
	if got, want := listed(t, accountingFacts(day(2027, 1, 1), ds, s)), []string{"1", "2", "3", "4", "6"}; !slices.Equal(got, want) {
		t.Errorf("after it: %v, want %v", got, want)
	}
}

func TestOralSuspensionCappedAt30Days(t *testing.T) {
	stated := day(2026, 3, 10)
	oral := roi.AccountingSuspension{Agency: "County Sheriff", AgencyKind: roi.KindLawEnforcement, Stated: stated,
		End: day(2026, 9, 1)} // recorded far too long: the law allows 30 days
	if e := SuspensionEnd(oral); e != day(2026, 4, 9) {
		t.Fatalf("oral suspension ends %s, want 2026-04-09", e)
	}
	if got, want := listed(t, accountingFacts(day(2026, 4, 9), suspLog, oral)), []string{"3", "4"}; !slices.Equal(got, want) {
		t.Errorf("day 30: %v, want %v", got, want)
	}
	if got, want := listed(t, accountingFacts(day(2026, 4, 10), suspLog, oral)), []string{"1", "2", "3", "4"}; !slices.Equal(got, want) {
		t.Errorf("day 31: %v, want %v", got, want)
	}
	// Without an end, an oral statement suspends the full 30 days.
	oral.End = roi.NoDate
	if e := SuspensionEnd(oral); e != day(2026, 4, 9) {
		t.Errorf("oral without end ends %s", e)
	}
	// A shorter end is kept.
	oral.End = day(2026, 3, 20)
	if got, want := listed(t, accountingFacts(day(2026, 3, 21), suspLog, oral)), []string{"1", "2", "3", "4"}; !slices.Equal(got, want) {
		t.Errorf("after a short oral suspension: %v, want %v", got, want)
	}
	// A written statement submitted within the 30 days carries it on.
	oral.End = roi.NoDate
	written := roi.AccountingSuspension{Agency: "County Sheriff", AgencyKind: roi.KindLawEnforcement, Written: true,
		Stated: day(2026, 4, 1), End: day(2026, 8, 31)}
	if got, want := listed(t, accountingFacts(day(2026, 5, 1), suspLog, oral, written)), []string{"3", "4"}; !slices.Equal(got, want) {
		t.Errorf("written after oral: %v, want %v", got, want)
	}
}

func TestSuspensionNeverHidesOtherAgencies(t *testing.T) {
	sheriff := roi.AccountingSuspension{Agency: "County Sheriff", AgencyKind: roi.KindLawEnforcement, Written: true,
		Stated: day(2026, 3, 1), End: day(2026, 12, 31)}
	got := listed(t, accountingFacts(day(2026, 4, 1), suspLog, sheriff))
	for _, id := range []string{"3", "4"} { // the state police, the health department
		if !slices.Contains(got, id) {
			t.Errorf("disclosure %s to another agency hidden: %v", id, got)
		}
	}
	// An oversight agency's statement does not reach law-enforcement
	// disclosures to a recipient of the same name, and the other way round.
	oversight := roi.AccountingSuspension{Agency: "County Sheriff", AgencyKind: roi.KindHealthOversight, Written: true,
		Stated: day(2026, 3, 1), End: day(2026, 12, 31)}
	if got := listed(t, accountingFacts(day(2026, 4, 1), suspLog, oversight)); !slices.Equal(got, []string{"1", "2", "3", "4"}) {
		t.Errorf("oversight suspension hid law-enforcement disclosures: %v", got)
	}
	health := roi.AccountingSuspension{Agency: "health department", AgencyKind: roi.KindHealthOversight, Written: true,
		Stated: day(2026, 3, 1), End: day(2026, 12, 31)}
	if got := listed(t, accountingFacts(day(2026, 4, 1), suspLog, health)); !slices.Equal(got, []string{"1", "2", "3"}) {
		t.Errorf("oversight suspension: %v, want 1 2 3", got)
	}
	// A similar but different name is a different recipient.
	near := roi.AccountingSuspension{Agency: "County Sheriff's Office", AgencyKind: roi.KindLawEnforcement, Written: true,
		Stated: day(2026, 3, 1), End: day(2026, 12, 31)}
	if got := listed(t, accountingFacts(day(2026, 4, 1), suspLog, near)); !slices.Equal(got, []string{"1", "2", "3", "4"}) {
		t.Errorf("a different name hid disclosures: %v", got)
	}
}

func TestSuspensionDoesNotReachLaterDisclosures(t *testing.T) {
	// A suspension that ended before a later disclosure to the same agency
	// never covers it, and a lapsed one hides nothing.
	s := roi.AccountingSuspension{Agency: "County Sheriff", AgencyKind: roi.KindLawEnforcement, Written: true,
		Stated: day(2025, 1, 1), End: day(2025, 6, 30)}
	x := roi.Disclosure{Date: day(2026, 1, 10), Recipient: "County Sheriff", Basis: roi.BasisLawEnforcement}
	if Suspends(s, x) {
		t.Error("a suspension covers a disclosure made after it ended")
	}
	x.Date = day(2025, 3, 1)
	if !Suspends(s, x) {
		t.Error("a suspension does not cover a disclosure made during it")
	}
	// Written without an end, or ending before it starts: nothing.
	for _, bad := range []roi.AccountingSuspension{
		{Agency: "County Sheriff", AgencyKind: roi.KindLawEnforcement, Written: true, Stated: day(2025, 1, 1)},
		{Agency: "County Sheriff", AgencyKind: roi.KindLawEnforcement, Written: true, Stated: day(2025, 1, 1), End: day(2024, 12, 31)},
		{Agency: "", AgencyKind: roi.KindLawEnforcement, Written: true, Stated: day(2025, 1, 1), End: day(2025, 6, 30)},
	} {
		if SuspensionInForce(bad, day(2025, 3, 1)) && Suspends(bad, x) {
			t.Errorf("%+v suspends", bad)
		}
	}
}

func TestSummaryKey(t *testing.T) {
	a, ok := SummaryKey("County Health Dept", roi.BasisPublicHealth, "Public health reporting")
	if !ok {
		t.Fatal("public-health disclosures may be summarized")
	}
	if b, _ := SummaryKey("  county   HEALTH dept ", roi.BasisPublicHealth, "public health  reporting"); a != b {
		t.Error("case and spaces make a different summary")
	}
	for _, c := range []struct {
		r string
		b roi.Basis
		p string
	}{
		{"County Health Department", roi.BasisPublicHealth, "Public health reporting"},
		{"County Health Dept", roi.BasisHealthOversight, "Public health reporting"},
		{"County Health Dept", roi.BasisPublicHealth, "Disease surveillance"},
	} {
		if k, _ := SummaryKey(c.r, c.b, c.p); k == a {
			t.Errorf("%v merged with another recipient or purpose", c)
		}
	}
	for _, b := range []roi.Basis{roi.BasisImpermissible, roi.BasisNone, roi.BasisAuthorization} {
		if _, ok := SummaryKey("County Health Dept", b, "x"); ok {
			t.Errorf("basis %s summarized", b)
		}
	}
}
