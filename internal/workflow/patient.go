package workflow

import (
	"cmp"
	"context"
	"slices"

	"github.com/custodian-roi/custodian/internal/roi"
	"github.com/custodian-roi/custodian/internal/store"
)

// PatientView is the patient page: who the patient is, every request
// about them, and every disclosure of their records the ledger holds.
type PatientView struct {
	Patient *roi.PatientRecord
	// Requests are the patient's requests, open and closed, newest first.
	Requests []*roi.DeskRequest
	// Disclosures are every disclosure of the patient's records in the
	// ledger, newest first, accountable or not.
	Disclosures []DisclosureRow
	// Accounting is the accounting of disclosures as the patient would
	// receive it today; nil unless the caller asked for it (only roles
	// with the accounting permission see it).
	Accounting *Accounting
}

// DisclosureRow is one disclosure as the patient page lists it.
type DisclosureRow struct {
	Date          roi.Date
	Recipient     string
	Address       string
	Description   string // kinds and dates of what went, never content
	Purpose       string
	Basis         roi.Basis
	Delivery      roi.Delivery
	Items         int
	RequestID     roi.RequestID
	RequestNumber string
	Packet        string // the packet ID printed on every page; "" before packets
	// Accountable: the disclosure was recorded as one an accounting of
	// disclosures lists (164.528); InAccounting: the accounting produced
	// today lists it (set only when the accounting was asked for).
	Accountable, InAccounting bool
	// SuspendedUntil: a suspension of the accounting (164.528(a)(2)) holds
	// the disclosure back from the accounting through this day.
	SuspendedUntil roi.Date
	LedgerSeq      int64
}

// PatientPage returns the patient page's view of patient pid, recorded as
// one view of the patient's PHI. With accounting, the accounting of
// disclosures as of today is produced too (and recorded as a view of the
// accounting, as Accounting does).
func (d *Desk) PatientPage(ctx context.Context, actor string, pid roi.PatientID, accounting bool) (*PatientView, error) {
	if err := requireActor(actor); err != nil {
		return nil, err
	}
	p, err := d.store.Patient(ctx, pid)
	if err != nil {
		return nil, err
	}
	v := &PatientView{Patient: p}
	if v.Requests, err = d.store.Requests(ctx, store.RequestFilter{PatientID: pid}); err != nil {
		return nil, err
	}
	slices.SortStableFunc(v.Requests, func(a, b *roi.DeskRequest) int {
		return cmp.Or(cmp.Compare(b.Received, a.Received), b.CreatedAt.Compare(a.CreatedAt), cmp.Compare(b.ID, a.ID))
	})
	logged, err := d.disclosures(ctx, pid)
	if err != nil {
		return nil, err
	}
	for i := len(logged) - 1; i >= 0; i-- {
		x := logged[i]
		row := DisclosureRow{Date: x.Date, Recipient: x.Recipient, Address: x.Address, Description: x.Description,
			Purpose: x.Purpose, Basis: x.Basis, Delivery: x.Delivery, Items: len(x.Items), RequestID: x.RequestID,
			RequestNumber: x.RequestNumber, Accountable: x.Accountable, LedgerSeq: x.Seq}
		if x.Packet != nil {
			row.Packet = x.Packet.ID
		}
		v.Disclosures = append(v.Disclosures, row)
	}
	// Newest first by date; the ledger's order breaks ties.
	slices.SortStableFunc(v.Disclosures, func(a, b DisclosureRow) int {
		return cmp.Or(cmp.Compare(b.Date, a.Date), cmp.Compare(b.LedgerSeq, a.LedgerSeq))
	})
	if err := d.viewed(ctx, actor, 0, pid, roi.ViewBody{What: "patient", Results: len(v.Disclosures)}); err != nil {
		return nil, err
	}
	if accounting {
		if v.Accounting, err = d.Accounting(ctx, actor, pid, roi.NoDate); err != nil {
			return nil, err
		}
		listed := map[int64]bool{}
		for _, row := range v.Accounting.Rows {
			for _, seq := range row.Seqs() { // a summary row stands for several
				listed[seq] = true
			}
		}
		for i := range v.Disclosures {
			v.Disclosures[i].InAccounting = listed[v.Disclosures[i].LedgerSeq]
			v.Disclosures[i].SuspendedUntil = v.Accounting.HeldBack[v.Disclosures[i].LedgerSeq]
		}
	}
	return v, nil
}
