package workflow

import (
	"context"
	"slices"
	"time"

	"github.com/custodian-roi/custodian/internal/roi"
	"github.com/custodian-roi/custodian/internal/store"
)

// IBMetrics are the information-blocking figures of Metrics: how long
// access and directive requests released in the period sat ready to
// release, and the requests at risk now. No PHI: request numbers, statuses,
// dates and times.
type IBMetrics struct {
	ReadyLimitDays int `json:"ready_limit_days"`
	// Released counts the access and directive requests released in the
	// period that had a ready-to-release moment; ReadyToRelease buckets
	// them by whole days from ready to release; MedianHours and MaxHours
	// are the median and the longest wait, in hours.
	Released       int      `json:"released"`
	ReadyToRelease []Bucket `json:"ready_to_release"`
	MedianHours    float64  `json:"median_hours"`
	MaxHours       float64  `json:"max_hours"`
	// Risks are the requests at information-blocking risk on AsOf, the
	// longest-waiting first.
	Risks []IBRisk `json:"risks"`
}

// Kinds of information-blocking risk.
const (
	// RiskReadyTooLong: ready to release longer than the desk's limit.
	RiskReadyTooLong = "ready-too-long"
	// RiskNonePastDue: open past its due date with a practice resting on
	// no exception and no privacy officer's reason.
	RiskNonePastDue = "none-past-due"
	// RiskNoneUnexplained: a practice resting on no exception waits for a
	// privacy officer's reason (its letter or release is held meanwhile).
	RiskNoneUnexplained = "none-unexplained"
)

// IBRisk is one request at information-blocking risk.
type IBRisk struct {
	RequestID roi.RequestID `json:"request_id"`
	Number    string        `json:"number"`
	Status    roi.Status    `json:"status"`
	Due       roi.Date      `json:"due"`
	// Kinds lists the risks (Risk*), in that order.
	Kinds []string `json:"kinds"`
	// ReadySince and ReadyHours: when it became ready and how long it has
	// sat (ready-too-long).
	ReadySince  *time.Time `json:"ready_since,omitempty"`
	ReadyHours  float64    `json:"ready_hours,omitempty"`
	Unexplained int        `json:"unexplained,omitempty"`
}

// readyBuckets are the ranges of whole days from ready to release.
var readyBuckets = []Bucket{{Label: "0", Min: 0, Max: 0}, {Label: "1", Min: 1, Max: 1}, {Label: "2-3", Min: 2, Max: 3},
	{Label: "4-7", Min: 4, Max: 7}, {Label: "8+", Min: 8}}

// riskStatuses are the open states in which a request can hold a practice
// resting on none: decided, held for the requester or the privacy officer.
// A request in another state is looked at only when past due.
var riskStatuses = map[roi.Status]bool{roi.StatusApproved: true, roi.StatusDenied: true, roi.StatusAwaitingRequester: true,
	roi.StatusEscalated: true}

// ibMetrics adds the information-blocking figures to m: the ready-to-release
// times of the access and directive requests first disclosed in the period
// (from the latest ready-to-release entry before that disclosure), and the
// risks of the requests that can hold one now.
func (d *Desk) ibMetrics(ctx context.Context, m *Metrics, rs []*roi.DeskRequest, disclosures []roi.LedgerEntry, inPeriod func(roi.Date) bool) error {
	limit := d.readyLimit()
	ib := &m.InfoBlocking
	ib.ReadyLimitDays = int(limit / (24 * time.Hour))
	ib.ReadyToRelease = append([]Bucket(nil), readyBuckets...)
	byID := make(map[roi.RequestID]*roi.DeskRequest, len(rs))
	for _, r := range rs {
		byID[r.ID] = r
	}
	readies, err := d.store.Ledger(ctx, store.LedgerFilter{Kind: roi.EventReadyToRelease})
	if err != nil {
		return err
	}
	lastReady := func(id roi.RequestID, before int64) *roi.LedgerEntry {
		var out *roi.LedgerEntry
		for i := range readies {
			if readies[i].RequestID == id && readies[i].Seq < before {
				out = &readies[i]
			}
		}
		return out
	}
	seen := map[roi.RequestID]bool{}
	var waits []time.Duration
	for _, e := range disclosures {
		r := byID[e.RequestID]
		if r == nil || seen[r.ID] || !InPart171(r) {
			continue
		}
		seen[r.ID] = true
		if !inPeriod(d.dayOf(e.At)) {
			continue
		}
		ready := lastReady(r.ID, e.Seq)
		if ready == nil {
			continue // released before the desk recorded readiness
		}
		wait := e.At.Sub(ready.At)
		waits = append(waits, wait)
		days := d.dayOf(e.At) - d.dayOf(ready.At)
		for i := range ib.ReadyToRelease {
			b := &ib.ReadyToRelease[i]
			if int(days) >= b.Min && (b.Max == 0 && b.Min > 0 || int(days) <= b.Max) {
				b.Count++
				break
			}
		}
	}
	if n := len(waits); n > 0 {
		slices.Sort(waits)
		ib.Released = n
		med := waits[n/2]
		if n%2 == 0 {
			med = (waits[n/2-1] + waits[n/2]) / 2
		}
		ib.MedianHours, ib.MaxHours = hours(med), hours(waits[n-1])
	}

	ib.Risks, err = d.ibRisks(ctx, rs)
	return err
}

// InfoBlockingRisks lists the access and directive requests at
// information-blocking risk now (the metrics' Risks), the longest-waiting
// first. It shows no PHI and records no view.
func (d *Desk) InfoBlockingRisks(ctx context.Context) ([]IBRisk, error) {
	rs, err := d.store.Requests(ctx, store.RequestFilter{})
	if err != nil {
		return nil, err
	}
	return d.ibRisks(ctx, rs)
}

// ibRisks works out the risks among rs: only the requests that can hold
// one are read further (riskStatuses, or open past due).
func (d *Desk) ibRisks(ctx context.Context, rs []*roi.DeskRequest) ([]IBRisk, error) {
	risks := []IBRisk{}
	today := d.Today()
	for _, r := range rs {
		if !InPart171(r) || !(riskStatuses[r.Status] || (r.Status.Open() && r.Due.Known() && r.Due < today)) {
			continue
		}
		st, err := d.infoBlockingFor(ctx, r)
		if err != nil {
			return nil, err
		}
		risk := IBRisk{RequestID: r.ID, Number: r.Number, Status: r.Status, Due: r.Due, Unexplained: st.Unexplained}
		if st.ReadyTooLong && r.Status == roi.StatusApproved {
			risk.Kinds = append(risk.Kinds, RiskReadyTooLong)
			risk.ReadySince, risk.ReadyHours = st.ReadyAt, hours(st.ReadyFor)
		}
		switch {
		case st.PastDue:
			risk.Kinds = append(risk.Kinds, RiskNonePastDue)
		case st.Unexplained > 0:
			risk.Kinds = append(risk.Kinds, RiskNoneUnexplained)
		}
		if len(risk.Kinds) > 0 {
			risks = append(risks, risk)
		}
	}
	slices.SortStableFunc(risks, func(a, b IBRisk) int {
		switch {
		case a.ReadyHours > b.ReadyHours:
			return -1
		case a.ReadyHours < b.ReadyHours:
			return 1
		}
		return int(a.RequestID - b.RequestID)
	})
	return risks, nil
}

// hours is d in hours, to a tenth.
func hours(d time.Duration) float64 {
	return float64(d.Round(6*time.Minute)) / float64(time.Hour)
}
