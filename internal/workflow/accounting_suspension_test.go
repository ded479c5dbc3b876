package workflow

import (
	"bytes"
	"context"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/custodian-roi/custodian/internal/policy"
	"github.com/custodian-roi/custodian/internal/roi"
	"github.com/custodian-roi/custodian/internal/store"
	"github.com/custodian-roi/custodian/internal/storetest"
)

// logDisclosure writes a disclosure to the ledger as Release does.
func (f *fixture) logDisclosure(date, recipient string, basis roi.Basis, purpose string) int64 {
	f.t.Helper()
	d, err := roi.ParseDate(date)
	if err != nil {
		f.t.Fatal(err)
	}
	dis := Disclosure{RequestNumber: "R-" + date, Date: d, Recipient: recipient, Address: "1 Main St", Description: "1 encounter dated 2025-01-01",
		Purpose: purpose, Basis: basis, Delivery: roi.DeliveryMail, Accountable: true}
	if err := f.desk.store.Append(f.ctx, roi.Event{Kind: roi.EventDisclosure, PatientID: f.pid, Actor: "specialist", Body: &dis}); err != nil {
		f.t.Fatal(err)
	}
	ds, err := f.desk.disclosures(f.ctx, f.pid)
	if err != nil {
		f.t.Fatal(err)
	}
	return ds[len(ds)-1].Seq
}

func (f *fixture) accounting(asOf roi.Date, summarize bool) *Accounting {
	f.t.Helper()
	return must[*Accounting](f.t)(f.desk.AccountingWith(f.ctx, "privacy", f.pid, AccountingOptions{AsOf: asOf, Summarize: summarize}))
}

func recipients(a *Accounting) []string {
	var out []string
	for _, r := range a.Rows {
		out = append(out, r.Recipient)
	}
	return out
}

func d(s string) roi.Date {
	x, err := roi.ParseDate(s)
	if err != nil {
		panic(err)
	}
	return x
}

func TestAccountingSuspension(t *testing.T) {
	f := newFixture(t, roi.MakeDate(1980, 6, 15), item("Encounter/1", "2025-01-01", "encounter"))
	sheriff1 := f.logDisclosure("2025-10-01", "County Sheriff", roi.BasisLawEnforcement, "Law enforcement request")
	sheriff2 := f.logDisclosure("2026-01-15", "county  sheriff", roi.BasisWarrant, "Response to a warrant")
	police := f.logDisclosure("2026-02-01", "State Police", roi.BasisLawEnforcement, "Law enforcement request")
	f.logDisclosure("2026-02-10", "County Health Department", roi.BasisHealthOversight, "Health oversight")

	// Refused: who may not suspend, what a statement must give.
	bad := []SuspensionInput{
		{Agency: "County Sheriff", AgencyKind: roi.KindAttorney, Written: true, Stated: d("2026-02-20"), End: d("2026-04-30")},
		{Agency: " ", AgencyKind: roi.KindLawEnforcement, Written: true, Stated: d("2026-02-20"), End: d("2026-04-30")},
		{Agency: "County Sheriff", AgencyKind: roi.KindLawEnforcement, Written: true, Stated: d("2026-02-20")},                       // no end
		{Agency: "County Sheriff", AgencyKind: roi.KindLawEnforcement, Written: true, Stated: d("2026-03-03"), End: d("2026-04-30")}, // future
		{Agency: "County Sheriff", AgencyKind: roi.KindLawEnforcement, Written: true, Stated: d("2026-02-20"), End: d("2026-02-19")},
		{Agency: "State Police", AgencyKind: roi.KindLawEnforcement, Official: "Sgt. Roe", Statement: "", Stated: d("2026-02-25")}, // oral, undocumented
		{Agency: "State Police", AgencyKind: roi.KindLawEnforcement, Statement: "would impede", Stated: d("2026-02-25")},           // oral, no official
		{Agency: "State Police", AgencyKind: roi.KindLawEnforcement, Official: "Sgt. Roe", Statement: "would impede",
			Stated: d("2026-02-25"), End: d("2026-03-28")}, // oral, 31 days
	}
	for i, in := range bad {
		if _, err := f.desk.SuspendAccounting(f.ctx, "privacy", f.pid, in); roi.CodeOf(err) != roi.CodeInvalid {
			t.Errorf("bad suspension %d: err=%v", i, err)
		}
	}
	if ss := must[[]Suspension](t)(f.desk.AccountingSuspensions(f.ctx, "privacy", f.pid)); len(ss) != 0 {
		t.Fatalf("refused suspensions were recorded: %+v", ss)
	}

	// A written statement from the sheriff through April 30.
	s := must[*Suspension](t)(f.desk.SuspendAccounting(f.ctx, "privacy", f.pid, SuspensionInput{Agency: " County  Sheriff ",
		AgencyKind: roi.KindLawEnforcement, Official: "Lt. Doe", Written: true, Statement: "Letter of 2026-02-20, in the privacy file",
		Stated: d("2026-02-20"), End: d("2026-04-30")}))
	if s.Agency != "County Sheriff" || s.Until != d("2026-04-30") || !s.InForce || s.LedgerSeq == 0 || s.RecordedBy != "privacy" {
		t.Errorf("recorded %+v", s)
	}
	all := []string{"County Sheriff", "county  sheriff", "State Police", "County Health Department"}
	for _, c := range []struct {
		on   string
		want []string
	}{
		{"2026-02-19", all}, // before the statement
		{"2026-03-02", []string{"State Police", "County Health Department"}},
		{"2026-04-30", []string{"State Police", "County Health Department"}}, // the last day
		{"2026-05-01", all}, // the day after: listed again
	} {
		a := f.accounting(d(c.on), false)
		if got := recipients(a); !slices.Equal(got, c.want) {
			t.Errorf("accounting on %s: %v, want %v", c.on, got, c.want)
		}
		if inForce := len(a.Suspended) == 1; inForce != (c.on >= "2026-02-20" && c.on <= "2026-04-30") {
			t.Errorf("on %s staff told of %+v", c.on, a.Suspended)
		}
	}
	a := f.accounting(roi.NoDate, false)
	if len(a.Suspended) != 1 || a.Suspended[0].Until != d("2026-04-30") || a.Suspended[0].Omitted != 2 || a.Suspended[0].Agency != "County Sheriff" {
		t.Errorf("staff note %+v", a.Suspended)
	}
	if len(a.HeldBack) != 2 || a.HeldBack[sheriff1] != d("2026-04-30") || a.HeldBack[sheriff2] != d("2026-04-30") || a.HeldBack[police].Known() {
		t.Errorf("held back %v", a.HeldBack)
	}
	// The patient page's history says so, disclosure by disclosure.
	v := must[*PatientView](t)(f.desk.PatientPage(f.ctx, "privacy", f.pid, true))
	for _, row := range v.Disclosures {
		if held := row.LedgerSeq == sheriff1 || row.LedgerSeq == sheriff2; held != (row.SuspendedUntil == d("2026-04-30")) || held == row.InAccounting {
			t.Errorf("patient page row %d: in accounting %v, suspended until %s", row.LedgerSeq, row.InAccounting, row.SuspendedUntil)
		}
	}
	// Nothing of the sheriff in what goes out: JSON, CSV, the letter.
	var csv bytes.Buffer
	if err := a.WriteCSV(&csv); err != nil {
		t.Fatal(err)
	}
	l := must[interface{ Text() string }](t)(f.desk.AccountingLetter(f.ctx, "privacy", f.pid, roi.NoDate))
	for name, out := range map[string]string{"json": string(toJSON(a)), "csv": csv.String(), "letter": l.Text()} {
		low := strings.ToLower(out)
		for _, w := range []string{"sheriff", "suspen", "impede", "164.528(a)(2)"} {
			if strings.Contains(low, w) {
				t.Errorf("%s reveals %q:\n%s", name, w, out)
			}
		}
		if !strings.Contains(out, "State Police") {
			t.Errorf("%s lost the state police disclosure", name)
		}
	}

	// An oral statement from the state police: 30 days at most, then a
	// written one within them carries the suspension on.
	o := must[*Suspension](t)(f.desk.SuspendAccounting(f.ctx, "privacy", f.pid, SuspensionInput{Agency: "State Police",
		AgencyKind: roi.KindLawEnforcement, Official: "Sgt. Roe, investigations", Statement: "An accounting now would alert a suspect",
		Stated: d("2026-02-25")}))
	if o.End != d("2026-03-27") || o.Until != d("2026-03-27") {
		t.Errorf("oral suspension ends %s/%s, want 2026-03-27", o.End, o.Until)
	}
	if got := recipients(f.accounting(d("2026-03-27"), false)); !slices.Equal(got, []string{"County Health Department"}) {
		t.Errorf("day 30 of the oral suspension: %v", got)
	}
	if got := recipients(f.accounting(d("2026-03-28"), false)); !slices.Equal(got, []string{"State Police", "County Health Department"}) {
		t.Errorf("day 31 of the oral suspension: %v", got)
	}
	// The request's own facts carry the suspensions too.
	ss := must[[]Suspension](t)(f.desk.AccountingSuspensions(f.ctx, "privacy", f.pid))
	if len(ss) != 2 || !ss[0].Written || ss[1].Written {
		t.Errorf("suspensions %+v", ss)
	}
}

func TestAccountingRequestHonorsSuspension(t *testing.T) {
	f := newFixture(t, roi.MakeDate(1980, 6, 15), item("Encounter/1", "2025-01-01", "encounter"))
	sheriff := f.logDisclosure("2026-01-15", "County Sheriff", roi.BasisWarrant, "Response to a warrant")
	police := f.logDisclosure("2026-02-01", "State Police", roi.BasisLawEnforcement, "Law enforcement request")
	must[*Suspension](t)(f.desk.SuspendAccounting(f.ctx, "privacy", f.pid, SuspensionInput{Agency: "County Sheriff",
		AgencyKind: roi.KindLawEnforcement, Written: true, Stated: d("2026-02-20"), End: d("2026-04-30")}))
	r := must[*roi.DeskRequest](t)(f.desk.Intake(f.ctx, "clerk", Intake{PatientID: f.pid, Request: roi.Request{Type: roi.RequestAccounting,
		Received: today, Requester: roi.Requester{Kind: roi.KindPatient, Name: "Pat Example"}, Basis: roi.BasisAccess},
		Contact: "pat@example.org", Delivery: roi.DeliveryPortal}))
	fs, err := f.desk.Facts(f.ctx, r)
	if err != nil {
		t.Fatal(err)
	}
	if len(fs.Suspensions) != 1 {
		t.Fatalf("facts carry %d suspensions", len(fs.Suspensions))
	}
	fs.Evidence.Identity = []roi.IdentityCheck{{Verified: true}}
	dec := policy.Evaluate(fs)
	if got, want := dec.Accounting(), []string{strconv.FormatInt(police, 10)}; !slices.Equal(got, want) {
		t.Errorf("the request's decision lists %v, want %v (sheriff %d held back)", got, want, sheriff)
	}
}

func TestAccountingSummaries(t *testing.T) {
	f := newFixture(t, roi.MakeDate(1980, 6, 15), item("Encounter/1", "2025-01-01", "encounter"))
	const ph = "Public health activities required or authorized by law"
	first := f.logDisclosure("2025-11-01", "County Health Dept", roi.BasisPublicHealth, ph)
	f.logDisclosure("2025-09-01", "Springfield Superior Court", roi.BasisCourtOrder, "Response to a court order")
	second := f.logDisclosure("2025-12-01", "county health  dept", roi.BasisPublicHealth, ph)
	f.logDisclosure("2026-01-05", "County Health Dept", roi.BasisPublicHealth, "Disease surveillance") // another purpose
	f.logDisclosure("2026-01-06", "State Health Dept", roi.BasisPublicHealth, ph)                      // another recipient
	f.logDisclosure("2026-01-07", "County Health Dept", roi.BasisHealthOversight, ph)                  // another basis
	f.logDisclosure("2026-01-08", "County Health Dept", roi.BasisImpermissible, "Sent in error")       // never summarized
	f.logDisclosure("2026-01-09", "County Health Dept", roi.BasisImpermissible, "Sent in error")       // never summarized
	f.logDisclosure("2026-02-01", "County Health Dept", roi.BasisAuthorization, ph)                    // exempt
	third := f.logDisclosure("2026-02-15", "County Health Dept", roi.BasisPublicHealth, ph)

	full := f.accounting(roi.NoDate, false)
	if len(full.Rows) != 9 || full.Summarized {
		t.Fatalf("full accounting: %d rows, summarized %v", len(full.Rows), full.Summarized)
	}
	sum := f.accounting(roi.NoDate, true)
	if !sum.Summarized || len(sum.Rows) != 7 {
		t.Fatalf("summarized: %d rows %v", len(sum.Rows), recipients(sum))
	}
	var found bool
	total := 0
	for _, r := range sum.Rows {
		total += r.Count
		if r.Count > 1 {
			if found {
				t.Errorf("a second summary row: %+v", r)
			}
			found = true
			if r.Count != 3 || r.Date != d("2025-11-01") || r.LastDate != d("2026-02-15") || r.Recipient != "County Health Dept" ||
				r.LedgerSeq != first || !slices.Equal(r.LedgerSeqs, []int64{first, second, third}) || r.Purpose != ph {
				t.Errorf("summary row %+v", r)
			}
		} else if r.LastDate.Known() || len(r.LedgerSeqs) > 0 || r.Count != 1 {
			t.Errorf("single row %+v", r)
		}
	}
	if !found || total != len(full.Rows) {
		t.Errorf("summary found %v, counts add to %d of %d", found, total, len(full.Rows))
	}
	var csv bytes.Buffer
	if err := sum.WriteCSV(&csv); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(csv.String()), "\n")
	if !strings.HasSuffix(lines[0], ",count,last_date") || len(lines) != 8 {
		t.Errorf("summarized CSV:\n%s", csv.String())
	}
	if !slices.ContainsFunc(lines, func(l string) bool {
		return strings.HasPrefix(l, "2025-11-01,County Health Dept,") && strings.HasSuffix(l, ",3,2026-02-15")
	}) {
		t.Errorf("summary line missing:\n%s", csv.String())
	}
	l := must[interface{ Text() string }](t)(f.desk.AccountingLetterWith(f.ctx, "privacy", f.pid, AccountingOptions{Summarize: true}))
	if !strings.Contains(l.Text(), "We made 9 disclosures") || !strings.Contains(l.Text(), "164.528(b)(3)") {
		t.Errorf("summarized letter:\n%s", l.Text())
	}
}

func TestAccountingNothingToSummarize(t *testing.T) {
	f := newFixture(t, roi.MakeDate(1980, 6, 15), item("Encounter/1", "2025-01-01", "encounter"))
	f.logDisclosure("2025-11-01", "County Health Dept", roi.BasisPublicHealth, "Public health")
	f.logDisclosure("2025-12-01", "Springfield Superior Court", roi.BasisCourtOrder, "Response to a court order")
	f.logDisclosure("2026-01-01", "County Health Dept", roi.BasisImpermissible, "Sent in error")
	a, b := f.accounting(roi.NoDate, false), f.accounting(roi.NoDate, true)
	if b.Summarized || !slices.EqualFunc(a.Rows, b.Rows, func(x, y AccountingRow) bool {
		return x.LedgerSeq == y.LedgerSeq && x.Count == 1 && y.Count == 1 && !y.LastDate.Known()
	}) {
		t.Errorf("nothing to summarize, yet:\n%+v\n%+v", a.Rows, b.Rows)
	}
	var ca, cb bytes.Buffer
	a.WriteCSV(&ca)
	b.WriteCSV(&cb)
	if ca.String() != cb.String() || !strings.HasPrefix(ca.String(), "date,recipient,address,description,purpose,basis,request_number,ledger_seq\n") {
		t.Errorf("CSV changed:\n%s\n%s", ca.String(), cb.String())
	}
}

// TestAccountingSuspensionBothDatabases: the suspension, read back from
// the ledger, holds back the same disclosures on SQLite and PostgreSQL,
// and the summary counts the same.
func TestAccountingSuspensionBothDatabases(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, s *store.Store) {
		desk := New(s)
		desk.SetClock(func() time.Time { return time.Date(2026, 3, 2, 15, 0, 0, 0, time.UTC) })
		ctx := context.Background()
		pid, _, err := s.ImportChart(ctx, roi.PatientRecord{FHIRID: "p1", MRN: "M1", Name: "Pat Example", BirthDate: roi.MakeDate(1980, 6, 15)},
			[]roi.ChartItem{item("Encounter/1", "2025-01-01", "encounter")}, []roi.RawResource{{Key: "Encounter/1", JSON: []byte(`{"resourceType":"Encounter","id":"1"}`)}}, "import")
		if err != nil {
			t.Fatal(err)
		}
		f := &fixture{t: t, desk: desk, ctx: ctx, pid: pid}
		f.logDisclosure("2026-01-15", "County Sheriff", roi.BasisWarrant, "Response to a warrant")
		f.logDisclosure("2026-01-20", "County Health Dept", roi.BasisPublicHealth, "Public health")
		f.logDisclosure("2026-02-20", "County Health Dept", roi.BasisPublicHealth, "Public health")
		must[*Suspension](t)(desk.SuspendAccounting(ctx, "privacy", pid, SuspensionInput{Agency: "County Sheriff", AgencyKind: roi.KindLawEnforcement,
			Official: "Sgt. Roe", Statement: "would alert a suspect", Stated: d("2026-02-25")}))
		if got := recipients(f.accounting(d("2026-03-27"), false)); !slices.Equal(got, []string{"County Health Dept", "County Health Dept"}) {
			t.Errorf("during the oral suspension: %v", got)
		}
		if got := recipients(f.accounting(d("2026-03-28"), false)); len(got) != 3 {
			t.Errorf("after it: %v", got)
		}
		if a := f.accounting(d("2026-03-02"), true); len(a.Rows) != 1 || a.Rows[0].Count != 2 || a.Rows[0].LastDate != d("2026-02-20") {
			t.Errorf("summarized: %+v", a.Rows)
		}
	})
}
