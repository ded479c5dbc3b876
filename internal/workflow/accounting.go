package workflow

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"github.com/custodian-roi/custodian/internal/doc"
	"github.com/custodian-roi/custodian/internal/letter"
	"io"
	"strconv"

	"github.com/custodian-roi/custodian/internal/policy"
	"github.com/custodian-roi/custodian/internal/roi"
	"github.com/custodian-roi/custodian/internal/store"
)

// loggedDisclosure is a disclosure as read back from the ledger.
type loggedDisclosure struct {
	Disclosure
	id        string // the ledger sequence number
	Seq       int64
	RequestID roi.RequestID
}

func (d *Desk) disclosures(ctx context.Context, pid roi.PatientID) ([]loggedDisclosure, error) {
	entries, err := d.store.Ledger(ctx, store.LedgerFilter{PatientID: pid, Kind: roi.EventDisclosure})
	if err != nil {
		return nil, err
	}
	out := make([]loggedDisclosure, 0, len(entries))
	for _, e := range entries {
		var x loggedDisclosure
		if err := json.Unmarshal(e.Body, &x.Disclosure); err != nil {
			return nil, roi.WrapOp("workflow.disclosure-read", roi.CodeInternal, err, "A disclosure in the ledger does not read.")
		}
		x.Seq, x.id, x.RequestID = e.Seq, strconv.FormatInt(e.Seq, 10), e.RequestID
		out = append(out, x)
	}
	return out, nil
}

// AccountingRow is one line of an accounting of disclosures, with every
// element 164.528(b)(2) requires.
type AccountingRow struct {
	Date          roi.Date  `json:"date"`
	Recipient     string    `json:"recipient"`
	Address       string    `json:"address"`
	Description   string    `json:"description"`
	Purpose       string    `json:"purpose"`
	Basis         roi.Basis `json:"basis"`
	RequestNumber string    `json:"request_number"`
	LedgerSeq     int64     `json:"ledger_seq"`
}

// Accounting is an accounting of disclosures for one patient.
type Accounting struct {
	PatientID roi.PatientID   `json:"patient_id"`
	From      roi.Date        `json:"from"`
	To        roi.Date        `json:"to"`
	RuleSet   string          `json:"rule_set"`
	Rows      []AccountingRow `json:"disclosures"`
}

// Accounting produces the accounting of disclosures for a patient from the
// ledger: the six years before asOf, with the exemptions of 164.528(a)(1)
// applied by the engine's own rules. Producing it is recorded as a view.
func (d *Desk) Accounting(ctx context.Context, actor string, pid roi.PatientID, asOf roi.Date) (*Accounting, error) {
	if err := requireActor(actor); err != nil {
		return nil, err
	}
	if _, err := d.store.Patient(ctx, pid); err != nil {
		return nil, err
	}
	if !asOf.Known() {
		asOf = d.Today()
	}
	logged, err := d.disclosures(ctx, pid)
	if err != nil {
		return nil, err
	}
	// The engine decides which disclosures an accounting lists; ask it as
	// if the patient had asked today.
	f := &roi.Facts{Now: asOf, Request: roi.Request{Type: roi.RequestAccounting, Received: asOf,
		Requester: roi.Requester{Kind: roi.KindPatient}, Basis: roi.BasisAccess},
		Evidence: roi.Evidence{Identity: []roi.IdentityCheck{{Verified: true}}}}
	byID := map[string]*loggedDisclosure{}
	for i := range logged {
		x := &logged[i]
		byID[x.id] = x
		f.Disclosures = append(f.Disclosures, roi.Disclosure{ID: x.id, Date: x.Date, Recipient: x.Recipient, Basis: x.Basis})
	}
	dec := policy.Evaluate(f)
	out := &Accounting{PatientID: pid, From: asOf.AddYears(-6), To: asOf, RuleSet: dec.RuleSet, Rows: []AccountingRow{}}
	for _, id := range dec.Accounting() {
		x := byID[id]
		out.Rows = append(out.Rows, AccountingRow{Date: x.Date, Recipient: x.Recipient, Address: x.Address,
			Description: x.Description, Purpose: x.Purpose, Basis: x.Basis, RequestNumber: x.RequestNumber, LedgerSeq: x.Seq})
	}
	err = d.viewed(ctx, actor, 0, pid, roi.ViewBody{What: "accounting", Results: len(out.Rows)})
	return out, err
}

// WriteCSV writes the accounting as CSV with a header row.
func (a *Accounting) WriteCSV(w io.Writer) error {
	cw := csv.NewWriter(w)
	cw.Write([]string{"date", "recipient", "address", "description", "purpose", "basis", "request_number", "ledger_seq"})
	for _, r := range a.Rows {
		cw.Write([]string{r.Date.String(), r.Recipient, r.Address, r.Description, r.Purpose, string(r.Basis),
			r.RequestNumber, strconv.FormatInt(r.LedgerSeq, 10)})
	}
	cw.Flush()
	return cw.Error()
}

// AccountingLetter is the accounting of disclosures as the report the
// patient receives (164.528(b)): the same rows as Accounting, in a letter.
func (d *Desk) AccountingLetter(ctx context.Context, actor string, pid roi.PatientID, asOf roi.Date) (doc.Letter, error) {
	acc, err := d.Accounting(ctx, actor, pid, asOf)
	if err != nil {
		return doc.Letter{}, err
	}
	p, err := d.store.Patient(ctx, pid)
	if err != nil {
		return doc.Letter{}, err
	}
	in := letter.Input{Org: d.Org, Date: d.Today(), To: []string{p.Name}, Type: roi.RequestAccounting,
		Basis: roi.BasisAccess, Requester: roi.KindPatient}
	ds := make([]letter.Disclosure, 0, len(acc.Rows))
	for _, row := range acc.Rows {
		ds = append(ds, letter.Disclosure{Date: row.Date, Recipient: row.Recipient, Address: row.Address,
			Description: row.Description, Purpose: row.Purpose})
	}
	return letter.Accounting(in, acc.From, acc.To, ds)
}
