package workflow

import (
	"context"

	"github.com/custodian-roi/custodian/internal/fee"
	"github.com/custodian-roi/custodian/internal/roi"
)

// FeeSettings are the organization's copy costs and the fee schedule of
// its state (nil: no state schedule, the organization's costs only).
type FeeSettings struct {
	Costs    fee.Costs
	Schedule *fee.Schedule
}

// FeeAsk is what a fee quote needs beyond the request itself: the form
// of the copy and what it takes to make.
type FeeAsk struct {
	Format    fee.Format
	Pages     int
	Media     bool
	Mail      bool
	Portal    bool
	Summary   bool
	Certified bool
	// PriorAccountings counts accountings the patient received in the
	// last 12 months (the first is free).
	PriorAccountings int
}

// Fee quotes the fee for request id, line by line with citations. It
// never charges a patient's own access more than the law allows; the
// calculator (package fee) holds those limits.
func (d *Desk) Fee(ctx context.Context, id roi.RequestID, ask FeeAsk) (fee.Quote, error) {
	r, err := d.store.Request(ctx, id)
	if err != nil {
		return fee.Quote{}, err
	}
	if ask.Format == "" {
		ask.Format = fee.FormatElectronic
		if r.Delivery == roi.DeliveryMail || r.Delivery == roi.DeliveryFax || r.Delivery == roi.DeliveryPickup {
			ask.Format = fee.FormatPaper
		}
	}
	req := fee.Request{Basis: r.Basis, Requester: r.Requester.Kind, Format: ask.Format, Pages: ask.Pages,
		Media: ask.Media, Mail: ask.Mail || r.Delivery == roi.DeliveryMail, Portal: ask.Portal, Summary: ask.Summary,
		Certified: ask.Certified, Accounting: r.Type == roi.RequestAccounting, PriorAccountings12Months: ask.PriorAccountings}
	return fee.Calculate(req, d.Fees.Costs, d.Fees.Schedule)
}
