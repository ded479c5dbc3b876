package workflow

import (
	"slices"
	"testing"

	"github.com/custodian-roi/custodian/internal/roi"
	"github.com/custodian-roi/custodian/internal/store"
)

const subpoenaWithAssurances = `{"type":"subpoena","issued_by":"attorney","assurances":"notice","covers":{"labels":["general"]}}`

// TestPatientPage: the patient page lists every request about the patient,
// newest first, every disclosure (the patient's own copy, which the
// accounting leaves out, and a subpoena, which it lists), marks which the
// accounting lists only when the accounting is asked for, and records the
// look as a view of the patient (and of the accounting when produced).
func TestPatientPage(t *testing.T) {
	f := newFixture(t, roi.MakeDate(1986, 10, 15), item("Encounter/1", "2025-06-18", "encounter"))
	first := f.intakeOn(today.AddDays(-20), roi.KindPatient, roi.BasisAccess, roi.NoDate)
	f.releaseOn(today.AddDays(-19), first)
	second := f.intakeOn(today.AddDays(-5), roi.KindAttorney, roi.BasisSubpoena, roi.NoDate)
	f.release(second, subpoenaWithAssurances)
	f.at(today)
	open := f.intake(roi.KindPatient, "Pat Example", roi.BasisAccess)

	v, err := f.desk.PatientPage(f.ctx, "clerk", f.pid, false)
	if err != nil {
		t.Fatal(err)
	}
	if v.Patient == nil || v.Patient.ID != f.pid {
		t.Fatalf("patient %+v", v.Patient)
	}
	var ids []roi.RequestID
	for _, r := range v.Requests {
		ids = append(ids, r.ID)
	}
	if want := []roi.RequestID{open.ID, second.ID, first.ID}; !slices.Equal(ids, want) {
		t.Errorf("requests %v, want newest first %v", ids, want)
	}
	if len(v.Disclosures) != 2 {
		t.Fatalf("disclosures %+v, want 2", v.Disclosures)
	}
	sub, own := v.Disclosures[0], v.Disclosures[1]
	if sub.RequestID != second.ID || sub.Recipient != "Requester attorney" || sub.Basis != roi.BasisSubpoena || !sub.Accountable ||
		sub.Date != today.AddDays(-5) || sub.RequestNumber != second.Number || sub.Packet == "" || sub.Items != 1 || sub.Description == "" {
		t.Errorf("newest disclosure %+v, want the subpoena's", sub)
	}
	if own.RequestID != first.ID || own.Basis != roi.BasisAccess || own.Accountable || own.Date != today.AddDays(-19) {
		t.Errorf("older disclosure %+v, want the patient's own copy", own)
	}
	if v.Accounting != nil || sub.InAccounting {
		t.Errorf("the accounting was produced without being asked for")
	}

	// With the accounting: the subpoena is listed, the patient's own copy
	// is not (164.528(a)(1)(i)).
	v, err = f.desk.PatientPage(f.ctx, "privacy", f.pid, true)
	if err != nil {
		t.Fatal(err)
	}
	if v.Accounting == nil || len(v.Accounting.Rows) != 1 || !v.Disclosures[0].InAccounting || v.Disclosures[1].InAccounting {
		t.Errorf("accounting %+v, rows %+v", v.Accounting, v.Disclosures)
	}

	// Each look is a view naming who looked and at which patient.
	if err := f.desk.Flush(f.ctx); err != nil {
		t.Fatal(err)
	}
	es, err := f.desk.store.Ledger(f.ctx, store.LedgerFilter{PatientID: f.pid, Kind: roi.EventView})
	if err != nil {
		t.Fatal(err)
	}
	var seen []string
	for _, e := range es {
		seen = append(seen, e.Actor+":"+string(e.Body))
	}
	for _, want := range []string{`clerk:{"what":"patient","results":2}`, `privacy:{"what":"patient","results":2}`,
		`privacy:{"what":"accounting","results":1}`} {
		if !slices.Contains(seen, want) {
			t.Errorf("views %v lack %s", seen, want)
		}
	}
	if slices.Contains(seen, `clerk:{"what":"accounting","results":1}`) {
		t.Errorf("the clerk's look recorded a view of the accounting")
	}

	if _, err := f.desk.PatientPage(f.ctx, "clerk", f.pid+99, false); roi.CodeOf(err) != roi.CodeNotFound {
		t.Errorf("an unknown patient: %v", err)
	}
	if _, err := f.desk.PatientPage(f.ctx, "", f.pid, false); err == nil {
		t.Errorf("no actor: the view was made anonymously")
	}
}
