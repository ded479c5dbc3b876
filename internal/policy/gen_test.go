package policy_test

import (
	"math/rand/v2"
	"strconv"

	"github.com/custodian-roi/custodian/internal/roi"
)

// gen builds random but well-formed facts: every label, basis, kind and
// evidence type turns up, with dates around a fixed decision day.
type gen struct{ r *rand.Rand }

var genNow = roi.MakeDate(2026, 3, 2)

func (g gen) day(spanDays int) roi.Date { return genNow.AddDays(-g.r.IntN(spanDays)) }

func (g gen) maybeDay(spanDays int) roi.Date {
	if g.r.IntN(3) == 0 {
		return roi.NoDate
	}
	return genNow.AddDays(g.r.IntN(spanDays) - spanDays/2)
}

func (g gen) labels(general bool) roi.Labels {
	var s roi.Labels
	n := g.r.IntN(3)
	for i := 0; i < n; i++ {
		l := roi.Label(g.r.IntN(int(roi.LabelGeneral) + 1))
		if l == roi.LabelGeneral && !general {
			continue
		}
		s = s.With(l)
	}
	if s.Has(roi.LabelSUDCounselingNote) {
		s = s.With(roi.LabelPart2)
	}
	return s
}

func (g gen) coverage() roi.Coverage {
	c := roi.Coverage{From: g.maybeDay(2000), To: g.maybeDay(2000), Labels: g.labels(true), HasLabels: true}
	if c.From.Known() && c.To.Known() && c.From > c.To {
		c.From, c.To = c.To, c.From
	}
	if g.r.IntN(2) == 0 {
		c.Labels = c.Labels.With(roi.LabelGeneral)
	}
	return c
}

func pick[T any](g gen, xs []T) T { return xs[g.r.IntN(len(xs))] }

func (g gen) facts(nItems int) roi.Facts {
	f := roi.Facts{Now: genNow}
	f.Patient = roi.Patient{BirthDate: g.day(30000), DeathDate: roi.NoDate, Emancipated: g.r.IntN(10) == 0}
	if g.r.IntN(6) == 0 {
		f.Patient.DeathDate = genNow.AddDays(-g.r.IntN(25000))
		if f.Patient.DeathDate < f.Patient.BirthDate {
			f.Patient.DeathDate = f.Patient.BirthDate
		}
	}
	if g.r.IntN(3) == 0 {
		f.Jurisdiction.SpecificAuthorization = roi.LabelsOf(roi.LabelHIV)
		f.Jurisdiction.AccessDeadline = roi.Deadline{Days: 5 + g.r.IntN(30), BusinessDays: g.r.IntN(2) == 0}
		f.Jurisdiction.WorkersComp = g.r.IntN(2) == 0
		f.Jurisdiction.MinorConsent = []roi.MinorConsentRule{{
			Label: roi.LabelBehavioralHealth, MinAge: 12,
			ParentAccess: pick(g, []roi.ParentAccess{roi.ParentAccessSilent, roi.ParentAccessAllowed, roi.ParentAccessProhibited}),
		}}
	}
	if g.r.IntN(4) == 0 {
		// A state pack marking a category's law as unsettled.
		f.Jurisdiction.Unclear = roi.LabelsOf(pick(g, []roi.Label{roi.LabelHIV, roi.LabelSTI, roi.LabelViolence, roi.LabelBehavioralHealth}))
	}
	for i := 0; i < nItems; i++ {
		it := roi.Item{ID: "I" + strconv.Itoa(i), Date: g.day(3000), Labels: g.labels(false)}
		switch g.r.IntN(8) { // some records are undated or dated to a span
		case 0:
			it.Date = roi.NoDate
		case 1:
			it.Until = it.Date.AddDays(g.r.IntN(365))
		case 2:
			it.Date, it.Until = roi.NoDate, it.Date
		}
		f.Items = append(f.Items, it)
	}
	kind := pick(g, roi.Kinds)
	f.Request = roi.Request{
		Type:      roi.RequestRecords,
		Received:  genNow.AddDays(-g.r.IntN(90)),
		Requester: roi.Requester{Kind: kind, Name: "Requester " + string(kind)},
		Basis:     pick(g, roi.RequestBases),
		Scope:     roi.Coverage{From: roi.NoDate, To: roi.NoDate},
	}
	if g.r.IntN(4) == 0 {
		f.Request.Scope = g.coverage()
	}
	ev := &f.Evidence
	ev.Identity = []roi.IdentityCheck{{Verified: g.r.IntN(8) != 0}}
	if g.r.IntN(2) == 0 {
		ev.Representatives = []roi.Representative{{Authority: pick(g, roi.Authorities), Verified: g.r.IntN(5) != 0}}
	}
	for n := g.r.IntN(3); n > 0; n-- {
		a := g.authorization(f.Request.Requester.Name)
		if f.Patient.DeathDate.Known() && g.r.IntN(2) == 0 {
			// Signed around the patient's death: before, on the day, after.
			a.Signed = f.Patient.DeathDate.AddDays(g.r.IntN(21) - 10)
		}
		ev.Authorizations = append(ev.Authorizations, a)
	}
	if g.r.IntN(3) == 0 {
		ev.Directives = []roi.Directive{{Recipient: f.Request.Requester.Name, Signed: g.day(100)}}
	}
	if g.r.IntN(4) == 0 {
		ev.CourtOrders = []roi.CourtOrder{{Covers: g.coverage(), Part2Findings: g.r.IntN(2) == 0}}
	}
	if g.r.IntN(4) == 0 {
		ev.Subpoenas = []roi.Subpoena{{IssuedBy: pick(g, []roi.Issuer{roi.IssuerCourt, roi.IssuerAttorney}),
			Assurances: pick(g, []roi.Assurance{roi.AssuranceNone, roi.AssuranceNotice, roi.AssuranceProtectiveOrder}), Covers: g.coverage()}}
	}
	if g.r.IntN(5) == 0 {
		ev.Warrants = []roi.Warrant{{Covers: g.coverage()}}
	}
	if g.r.IntN(4) == 0 {
		ev.ExtensionNotices = []roi.ExtensionNotice{{Sent: f.Request.Received.AddDays(g.r.IntN(40)), NewDue: f.Request.Received.AddDays(30 + g.r.IntN(40))}}
	}
	if g.r.IntN(5) == 0 && nItems > 0 {
		ev.HarmItems = map[string]bool{"I0": true}
	}
	ev.EndangermentConcern = g.r.IntN(12) == 0
	ev.MinorDisclosureConsent = g.r.IntN(8) == 0
	return f
}

func (g gen) authorization(recipient string) roi.Authorization {
	a := roi.Authorization{
		ID: "A", HIPAA: g.r.IntN(4) != 0, SignedBy: pick(g, []roi.Signer{roi.SignerPatient, roi.SignerPatient, roi.SignerRepresentative, roi.SignerNone}),
		Signed: g.day(400), Expires: g.maybeDay(800), Discloser: "Mercy General", Recipient: recipient,
		Purpose: "at the request of the individual", Description: "records", Covers: g.coverage(),
		Statements: roi.Statements, Revoked: roi.NoDate,
	}
	a.Part2 = !a.HIPAA || g.r.IntN(3) == 0
	a.TPO = a.Part2 && g.r.IntN(3) == 0
	if !a.Expires.Known() {
		a.ExpirationEvent = pick(g, []string{"none", "end of the lawsuit"})
	}
	if g.r.IntN(6) == 0 {
		a.Revoked = g.maybeDay(200)
	}
	switch g.r.IntN(8) {
	case 0:
		a.Statements = a.Statements[:2]
	case 1:
		// A Part 2 consent with only what 42 CFR 2.31 asks of it.
		a.Statements = []roi.Statement{roi.StatementRevocation}
	}
	if g.r.IntN(3) == 0 {
		a.Covers.Labels = roi.LabelsOf(roi.LabelPsychotherapyNote)
	}
	a.KnownFalse = g.r.IntN(15) == 0
	a.Conditioned = g.r.IntN(15) == 0
	a.ExpiredEventOccurred = g.r.IntN(15) == 0
	if g.r.IntN(6) == 0 {
		a.Recipient = "someone else"
	}
	return a
}
