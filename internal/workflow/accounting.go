package workflow

import (
	"cmp"
	"context"
	"encoding/csv"
	"encoding/json"
	"io"
	"slices"
	"strconv"

	"github.com/custodian-roi/custodian/internal/doc"
	"github.com/custodian-roi/custodian/internal/letter"

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
// element 164.528(b)(2) requires. A summary row (Count above 1) stands for
// several disclosures to the same recipient for the same purpose
// (164.528(b)(3)): its date, recipient, address, description and purpose
// are the first disclosure's, Count says how many there were and LastDate
// when the last was made; LedgerSeqs lists them all.
type AccountingRow struct {
	Date          roi.Date  `json:"date"`
	Recipient     string    `json:"recipient"`
	Address       string    `json:"address"`
	Description   string    `json:"description"`
	Purpose       string    `json:"purpose"`
	Basis         roi.Basis `json:"basis"`
	RequestNumber string    `json:"request_number"`
	LedgerSeq     int64     `json:"ledger_seq"`
	Count         int       `json:"count"`
	LastDate      roi.Date  `json:"last_date,omitempty"` // set on summary rows only
	LedgerSeqs    []int64   `json:"ledger_seqs,omitempty"`
}

// Seqs returns the ledger sequence numbers of every disclosure the row
// stands for.
func (r *AccountingRow) Seqs() []int64 {
	if len(r.LedgerSeqs) > 0 {
		return r.LedgerSeqs
	}
	return []int64{r.LedgerSeq}
}

// Accounting is an accounting of disclosures for one patient.
type Accounting struct {
	PatientID roi.PatientID   `json:"patient_id"`
	From      roi.Date        `json:"from"`
	To        roi.Date        `json:"to"`
	RuleSet   string          `json:"rule_set"`
	Rows      []AccountingRow `json:"disclosures"`
	// Summarized: repeated disclosures were gathered into summary rows.
	Summarized bool `json:"summarized"`
	// Suspended are the suspensions in force on the accounting's date, for
	// staff only: never in the JSON, the CSV or the letter, which must not
	// reveal the disclosures they hold back (164.528(a)(2)).
	Suspended []SuspendedNote `json:"-"`
	// HeldBack maps the ledger sequence of each disclosure a suspension
	// holds back to the suspension's last day; staff only, like Suspended.
	HeldBack map[int64]roi.Date `json:"-"`
}

// SuspendedNote is what staff are told of a suspension in force: whose,
// until when, and how many disclosures the accounting leaves out for it.
type SuspendedNote struct {
	Agency     string
	AgencyKind roi.Kind
	Written    bool
	Until      roi.Date
	Omitted    int
}

// AccountingOptions are the choices behind one accounting.
type AccountingOptions struct {
	// AsOf is the day the accounting is made (NoDate: today). It covers the
	// six years before it, and suspensions are judged on it.
	AsOf roi.Date
	// Summarize gathers repeated disclosures to the same recipient for the
	// same purpose under 164.512 into one summary row each (164.528(b)(3)).
	// Off unless asked for: the law allows a summary, it does not require
	// one, and the full list is what tells the patient most.
	Summarize bool
}

// Accounting produces the accounting of disclosures for a patient from the
// ledger: the six years before asOf, with the exemptions of 164.528(a)(1)
// applied by the engine's own rules. Producing it is recorded as a view.
func (d *Desk) Accounting(ctx context.Context, actor string, pid roi.PatientID, asOf roi.Date) (*Accounting, error) {
	return d.AccountingWith(ctx, actor, pid, AccountingOptions{AsOf: asOf})
}

// AccountingWith produces the accounting of disclosures for a patient as
// Accounting does, with the options: the engine leaves out the
// disclosures a suspension in force holds back (164.528(a)(2)), and with
// Summarize, repeated disclosures become summary rows (164.528(b)(3)).
func (d *Desk) AccountingWith(ctx context.Context, actor string, pid roi.PatientID, opt AccountingOptions) (*Accounting, error) {
	if err := requireActor(actor); err != nil {
		return nil, err
	}
	if _, err := d.store.Patient(ctx, pid); err != nil {
		return nil, err
	}
	asOf := opt.AsOf
	if !asOf.Known() {
		asOf = d.Today()
	}
	logged, err := d.disclosures(ctx, pid)
	if err != nil {
		return nil, err
	}
	susp, err := d.suspensionFacts(ctx, pid)
	if err != nil {
		return nil, err
	}
	// The engine decides which disclosures an accounting lists; ask it as
	// if the patient had asked today.
	f := &roi.Facts{Now: asOf, Request: roi.Request{Type: roi.RequestAccounting, Received: asOf,
		Requester: roi.Requester{Kind: roi.KindPatient}, Basis: roi.BasisAccess},
		Evidence:    roi.Evidence{Identity: []roi.IdentityCheck{{Verified: true}}},
		Suspensions: susp}
	byID := map[string]*loggedDisclosure{}
	for i := range logged {
		x := &logged[i]
		byID[x.id] = x
		f.Disclosures = append(f.Disclosures, roi.Disclosure{ID: x.id, Date: x.Date, Recipient: x.Recipient, Basis: x.Basis})
	}
	dec := policy.Evaluate(f)
	out := &Accounting{PatientID: pid, From: asOf.AddYears(-6), To: asOf, RuleSet: dec.RuleSet, Rows: []AccountingRow{}}
	ids := dec.Accounting()
	// In date order (the ledger's order breaks ties), so that a summary's
	// first and last disclosures are the first and last made.
	slices.SortStableFunc(ids, func(a, b string) int {
		return cmp.Or(cmp.Compare(byID[a].Date, byID[b].Date), cmp.Compare(byID[a].Seq, byID[b].Seq))
	})
	group := map[string]int{} // summary key → index in Rows
	for _, id := range ids {
		x := byID[id]
		if opt.Summarize {
			if k, ok := policy.SummaryKey(x.Recipient, x.Basis, x.Purpose); ok {
				if i, seen := group[k]; seen {
					r := &out.Rows[i]
					if r.Count == 1 {
						r.LedgerSeqs = []int64{r.LedgerSeq}
					}
					r.Count++
					r.LastDate = x.Date
					r.LedgerSeqs = append(r.LedgerSeqs, x.Seq)
					out.Summarized = true
					continue
				}
				group[k] = len(out.Rows)
			}
		}
		out.Rows = append(out.Rows, AccountingRow{Date: x.Date, Recipient: x.Recipient, Address: x.Address,
			Description: x.Description, Purpose: x.Purpose, Basis: x.Basis, RequestNumber: x.RequestNumber, LedgerSeq: x.Seq, Count: 1})
	}
	out.Suspended, out.HeldBack = suspendedNotes(susp, f.Disclosures, &dec, asOf, byID)
	err = d.viewed(ctx, actor, 0, pid, roi.ViewBody{What: "accounting", Results: len(out.Rows)})
	return out, err
}

// suspendedNotes tells staff which suspensions are in force on day and how
// many of the disclosures the engine held back each covers.
func suspendedNotes(ss []roi.AccountingSuspension, ds []roi.Disclosure, dec *roi.Decision, day roi.Date,
	byID map[string]*loggedDisclosure) ([]SuspendedNote, map[int64]roi.Date) {
	held := map[string]bool{}
	for _, x := range dec.Disclosures {
		if !x.Listed && x.Rule != nil && x.Rule.ID == policy.SuspendedRuleID {
			held[x.ID] = true
		}
	}
	var out []SuspendedNote
	until := map[int64]roi.Date{}
	for _, s := range ss {
		if !policy.SuspensionInForce(s, day) {
			continue
		}
		n := SuspendedNote{Agency: s.Agency, AgencyKind: s.AgencyKind, Written: s.Written, Until: policy.SuspensionEnd(s)}
		for _, x := range ds {
			if held[x.ID] && policy.Suspends(s, x) {
				n.Omitted++
				// Held back until the last of the suspensions covering it ends.
				if seq := byID[x.ID].Seq; n.Until > until[seq] {
					until[seq] = n.Until
				}
			}
		}
		out = append(out, n)
	}
	return out, until
}

// WriteCSV writes the accounting as CSV with a header row. A summarized
// accounting has two more columns, the number of disclosures and the date
// of the last; one that is not reads as it always has.
func (a *Accounting) WriteCSV(w io.Writer) error {
	cw := csv.NewWriter(w)
	head := []string{"date", "recipient", "address", "description", "purpose", "basis", "request_number", "ledger_seq"}
	if a.Summarized {
		head = append(head, "count", "last_date")
	}
	cw.Write(head)
	for _, r := range a.Rows {
		rec := []string{r.Date.String(), r.Recipient, r.Address, r.Description, r.Purpose, string(r.Basis),
			r.RequestNumber, strconv.FormatInt(r.LedgerSeq, 10)}
		if a.Summarized {
			last := r.LastDate
			if !last.Known() {
				last = r.Date
			}
			rec = append(rec, strconv.Itoa(max(r.Count, 1)), last.String())
		}
		cw.Write(rec)
	}
	cw.Flush()
	return cw.Error()
}

// AccountingLetter is the accounting of disclosures as the report the
// patient receives (164.528(b)): the same rows as Accounting, in a letter.
func (d *Desk) AccountingLetter(ctx context.Context, actor string, pid roi.PatientID, asOf roi.Date) (doc.Letter, error) {
	return d.AccountingLetterWith(ctx, actor, pid, AccountingOptions{AsOf: asOf})
}

// AccountingLetterWith is AccountingLetter with the options of
// AccountingWith. Summary rows print their count and last date; a
// suspension in force leaves its disclosures out without a word about it.
func (d *Desk) AccountingLetterWith(ctx context.Context, actor string, pid roi.PatientID, opt AccountingOptions) (doc.Letter, error) {
	acc, err := d.AccountingWith(ctx, actor, pid, opt)
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
			Description: row.Description, Purpose: row.Purpose, Count: row.Count, Last: row.LastDate})
	}
	return letter.Accounting(in, acc.From, acc.To, ds)
}
