package workflow

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/custodian-roi/custodian/internal/roi"
	"github.com/custodian-roi/custodian/internal/store"
)

// Metrics are the desk's figures over a run of ISO weeks, computed from
// the ledger and the requests as they stand — never from counters kept
// apart, so they agree with the record.
type Metrics struct {
	AsOf roi.Date `json:"as_of"`
	// From is the Monday of the first week counted; every figure but the
	// open ones (overdue, due soon) counts events from From to AsOf.
	From  roi.Date    `json:"from"`
	Weeks []WeekCount `json:"weeks"`
	// Turnaround counts the requests finished in the period by the days
	// from receipt to their first disclosure (or their denial).
	Turnaround []Bucket `json:"turnaround"`
	Finished   int      `json:"finished"`
	// OnTime and Late split the finished requests that had a due date;
	// OnTimeShare is OnTime over both (0 when there are none).
	OnTime      int     `json:"on_time"`
	Late        int     `json:"late"`
	OnTimeShare float64 `json:"on_time_share"`
	// OverdueNow counts open requests past their due date on AsOf;
	// DueSoon those due within DueSoonDays of it.
	OverdueNow  int `json:"overdue_now"`
	DueSoon     int `json:"due_soon"`
	DueSoonDays int `json:"due_soon_days"`
	// DenialsByReason and PendingByReason count the reason codes of the
	// denials and pending decisions made in the period.
	DenialsByReason map[roi.Code]int `json:"denials_by_reason"`
	PendingByReason map[roi.Code]int `json:"pending_by_reason"`
	// InfoBlocking: the time access and directive requests waited from
	// ready to release, and those at risk now (infoblocking_metrics.go).
	InfoBlocking IBMetrics `json:"info_blocking"`
}

// WeekCount is the requests received in one ISO week, by requester kind.
type WeekCount struct {
	Week   string           `json:"week"` // e.g. 2026-W10
	Start  roi.Date         `json:"start"`
	Total  int              `json:"total"`
	ByKind map[roi.Kind]int `json:"by_kind"`
}

// Bucket is a turnaround range in days, inclusive; Max 0 means no bound.
type Bucket struct {
	Label string `json:"label"`
	Min   int    `json:"min"`
	Max   int    `json:"max,omitempty"`
	Count int    `json:"count"`
}

// turnaroundBuckets are the ranges reported, in days from receipt.
var turnaroundBuckets = []Bucket{{Label: "0-7", Min: 0, Max: 7}, {Label: "8-14", Min: 8, Max: 14},
	{Label: "15-30", Min: 15, Max: 30}, {Label: "31-45", Min: 31, Max: 45}, {Label: "46+", Min: 46}}

// dueSoonDays is how near a due date counts as due soon.
const dueSoonDays = 3

// MaxMetricWeeks bounds the period of Metrics.
const MaxMetricWeeks = 104

// Metrics computes the desk's figures for the weeks ISO weeks ending with
// the week of asOf (today when asOf is NoDate): requests received per week
// by requester kind (intake entries), turnaround and the share finished on
// time (first disclosure, or the denial of a request still denied),
// denials and pending decisions by reason code (their ledger entries),
// and the open requests overdue or due soon on asOf.
func (d *Desk) Metrics(ctx context.Context, asOf roi.Date, weeks int) (*Metrics, error) {
	if !asOf.Known() {
		asOf = d.Today()
	}
	if weeks < 1 || weeks > MaxMetricWeeks {
		return nil, invalid("The number of weeks must be between 1 and %d.", MaxMetricWeeks)
	}
	monday := asOf.AddDays(-((asOf.Weekday() + 6) % 7))
	m := &Metrics{AsOf: asOf, From: monday.AddDays(-7 * (weeks - 1)), DueSoonDays: dueSoonDays,
		Turnaround: append([]Bucket(nil), turnaroundBuckets...), DenialsByReason: map[roi.Code]int{}, PendingByReason: map[roi.Code]int{}}
	for i := range weeks {
		start := m.From.AddDays(7 * i)
		m.Weeks = append(m.Weeks, WeekCount{Week: isoWeek(start), Start: start, ByKind: map[roi.Kind]int{}})
	}
	inPeriod := func(day roi.Date) bool { return day >= m.From && day <= asOf }

	entries := map[roi.EventKind][]roi.LedgerEntry{}
	for _, kind := range []roi.EventKind{roi.EventIntake, roi.EventDisclosure, roi.EventDenial, roi.EventPending} {
		es, err := d.store.Ledger(ctx, store.LedgerFilter{Kind: kind})
		if err != nil {
			return nil, err
		}
		entries[kind] = es
	}

	for _, e := range entries[roi.EventIntake] {
		var b struct {
			Kind     roi.Kind `json:"requester_kind"`
			Received roi.Date `json:"received"`
		}
		if err := json.Unmarshal(e.Body, &b); err != nil {
			return nil, metricsUnreadable(e, err)
		}
		day := b.Received
		if !day.Known() {
			day = d.dayOf(e.At)
		}
		if !inPeriod(day) {
			continue
		}
		w := &m.Weeks[int(day-m.From)/7]
		w.Total++
		w.ByKind[b.Kind]++
	}

	rs, err := d.store.Requests(ctx, store.RequestFilter{})
	if err != nil {
		return nil, err
	}
	byID := make(map[roi.RequestID]*roi.DeskRequest, len(rs))
	for _, r := range rs {
		byID[r.ID] = r
		if r.Status.Open() && r.Due.Known() {
			switch {
			case r.Due < asOf:
				m.OverdueNow++
			case r.Due <= asOf.AddDays(dueSoonDays):
				m.DueSoon++
			}
		}
	}

	// A request is finished by its first disclosure or, failing one, by
	// its latest denial if it is still denied (a denial a review sent back
	// finished nothing).
	finished := map[roi.RequestID]roi.Date{}
	for _, e := range entries[roi.EventDisclosure] {
		if _, ok := finished[e.RequestID]; !ok {
			finished[e.RequestID] = d.dayOf(e.At)
		}
	}
	denied := map[roi.RequestID]roi.Date{}
	for _, e := range entries[roi.EventDenial] {
		denied[e.RequestID] = d.dayOf(e.At)
		if err := countReasons(e, m.DenialsByReason, inPeriod(d.dayOf(e.At))); err != nil {
			return nil, err
		}
	}
	for id, day := range denied {
		if _, ok := finished[id]; !ok && byID[id] != nil && (byID[id].Status == roi.StatusDenied || byID[id].Status == roi.StatusClosed) {
			finished[id] = day
		}
	}
	for _, e := range entries[roi.EventPending] {
		if err := countReasons(e, m.PendingByReason, inPeriod(d.dayOf(e.At))); err != nil {
			return nil, err
		}
	}

	for id, day := range finished {
		r := byID[id]
		if r == nil || !inPeriod(day) {
			continue
		}
		m.Finished++
		days := int(day - r.Received)
		for i := range m.Turnaround {
			b := &m.Turnaround[i]
			if days >= b.Min && (b.Max == 0 || days <= b.Max) {
				b.Count++
				break
			}
		}
		if r.Due.Known() {
			if day <= r.Due {
				m.OnTime++
			} else {
				m.Late++
			}
		}
	}
	if n := m.OnTime + m.Late; n > 0 {
		m.OnTimeShare = float64(m.OnTime) / float64(n)
	}
	if err := d.ibMetrics(ctx, m, rs, entries[roi.EventDisclosure], inPeriod); err != nil {
		return nil, err
	}
	return m, nil
}

// countReasons adds the engine's reason codes of a denial or pending entry
// to counts, when count is set (the entry is in the period). What a person
// typed as missing is free text and is never counted.
func countReasons(e roi.LedgerEntry, counts map[roi.Code]int, count bool) error {
	var b struct {
		Reasons []roi.Code `json:"reasons"`
	}
	if err := json.Unmarshal(e.Body, &b); err != nil {
		return metricsUnreadable(e, err)
	}
	if !count {
		return nil
	}
	if len(b.Reasons) == 0 {
		b.Reasons = []roi.Code{"unspecified"}
	}
	for _, c := range b.Reasons {
		counts[c]++
	}
	return nil
}

func metricsUnreadable(e roi.LedgerEntry, err error) error {
	return roi.WrapOp("workflow.ledger-entry-read", roi.CodeInternal, fmt.Errorf("ledger entry %d: %w", e.Seq, err), "A ledger entry does not read.")
}

// dayOf is the desk's calendar day of an instant.
func (d *Desk) dayOf(t time.Time) roi.Date {
	y, m, dd := t.In(d.Location).Date()
	return roi.MakeDate(y, int(m), dd)
}

// isoWeek names the ISO week of day, e.g. 2026-W10.
func isoWeek(day roi.Date) string {
	y, m, dd := day.Civil()
	yw, w := time.Date(y, time.Month(m), dd, 12, 0, 0, 0, time.UTC).ISOWeek()
	return fmt.Sprintf("%d-W%02d", yw, w)
}
