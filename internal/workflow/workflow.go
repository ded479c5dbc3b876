// Package workflow is the request desk's use cases: intake, evidence,
// evaluation, decisions, extensions, release, cancellation, the queue and
// the accounting of disclosures. It owns the request's life: every move
// between statuses is checked here, in one place above storage, and every
// change is recorded in the ledger in the same transaction.
//
// It calls the pure engine (package policy) with the facts the store holds;
// it never decides a release itself.
package workflow

import (
	"context"
	"encoding/json"
	"strings"
	"sync"
	"time"

	"github.com/custodian-roi/custodian/internal/audit"
	"github.com/custodian-roi/custodian/internal/caseformat"
	"github.com/custodian-roi/custodian/internal/fee"
	"github.com/custodian-roi/custodian/internal/jurisdiction"
	"github.com/custodian-roi/custodian/internal/label"
	"github.com/custodian-roi/custodian/internal/letter"
	"github.com/custodian-roi/custodian/internal/policy"
	"github.com/custodian-roi/custodian/internal/roi"
	"github.com/custodian-roi/custodian/internal/store"
)

// Desk is the request desk.
type Desk struct {
	store *store.Store
	// Jurisdiction holds the state rules the desk applies on top of HIPAA
	// and Part 2.
	Jurisdiction roi.Jurisdiction
	// JurisdictionPack is the built-in or site pack Jurisdiction was
	// compiled from, with its citations; nil when the rules come from a
	// file without citations or there are none (federal law only).
	JurisdictionPack *jurisdiction.Pack
	// Labeler labels chart items at import (nil: the embedded value sets and
	// no Part 2 programs or minor services configured).
	Labeler *label.Labeler
	// Location is the desk's time zone, which decides what "today" is for
	// deadlines. The time itself comes from the store's clock (Now).
	Location *time.Location
	// Org is the organization as its letters and packets name it.
	Org letter.Org
	// Mail sends e-mail (delivery notices, one-time codes); nil when SMTP
	// is not configured. SFTP holds the destinations the administrator
	// configured, by name: a request's SFTP contact must name one, and
	// nothing goes anywhere else.
	Mail Mailer
	SFTP map[string]Pusher
	// Fees are the organization's copy costs and its state's schedule.
	Fees FeeSettings
	// Dates is how pages write and read dates (the API is ISO always).
	Dates DateStyle
	// ReadyLimitDays is how long an access or directive request may sit
	// ready to release before it is listed as an information-blocking
	// risk; 0 is DefaultReadyLimitDays (infoblocking.go).
	ReadyLimitDays int
	// AuditSite names this desk in the AuditEvents it serves and forwards
	// (audit_events.go); an empty Observer is "custodian".
	AuditSite audit.Site

	access *accessLog
	// sensitive serializes working out "sensitive in scope": two hundred
	// people opening the queue after a chart import do it once, not two
	// hundred times.
	sensitive sync.Mutex
}

// New returns a desk over s with no state rules, in UTC.
func New(s *store.Store) *Desk {
	// Until configured otherwise, an electronic copy costs at most the
	// flat $6.50 HHS allows, and paper its actual cost (package fee).
	return &Desk{store: s, Location: time.UTC, Fees: FeeSettings{Costs: fee.Costs{Method: fee.MethodFlat, Flat: fee.FlatFeeMax}},
		access: newAccessLog(s.Append)}
}

// Now returns the current time from the desk's one clock, the store's: the
// ledger's timestamps, deadlines and sessions all read the same time.
func (d *Desk) Now() time.Time { return d.store.Now() }

// SetClock replaces the one clock (tests, and replaying a day).
func (d *Desk) SetClock(now func() time.Time) { d.store.Now = now }

// Today returns the desk's calendar day.
func (d *Desk) Today() roi.Date {
	y, m, dd := d.Now().In(d.Location).Date()
	return roi.MakeDate(y, int(m), dd)
}

// transitions lists, for each status, the statuses a request may move to.
var transitions = map[roi.Status][]roi.Status{
	roi.StatusReceived:          {roi.StatusVerifying, roi.StatusInReview, roi.StatusCancelled},
	roi.StatusVerifying:         {roi.StatusInReview, roi.StatusAwaitingRequester, roi.StatusCancelled},
	roi.StatusInReview:          {roi.StatusVerifying, roi.StatusAwaitingRequester, roi.StatusEscalated, roi.StatusApproved, roi.StatusDenied, roi.StatusCancelled},
	roi.StatusAwaitingRequester: {roi.StatusVerifying, roi.StatusInReview, roi.StatusCancelled},
	roi.StatusEscalated:         {roi.StatusInReview, roi.StatusApproved, roi.StatusDenied, roi.StatusCancelled},
	roi.StatusApproved:          {roi.StatusReleased, roi.StatusPartiallyReleased, roi.StatusCancelled, roi.StatusInReview},
	roi.StatusReleased:          {roi.StatusClosed},
	roi.StatusPartiallyReleased: {roi.StatusClosed},
	roi.StatusDenied:            {roi.StatusClosed, roi.StatusInReview},
	roi.StatusCancelled:         {roi.StatusClosed},
}

// Transitions returns the statuses a request in status s may move to.
func Transitions(s roi.Status) []roi.Status { return append([]roi.Status(nil), transitions[s]...) }

// move changes r's status if the life of a request allows it, and returns
// the ledger event recording who moved it, from where, to where and why.
func move(r *roi.DeskRequest, to roi.Status, actor, why string) (roi.Event, error) {
	from := r.Status
	ok := false
	for _, s := range transitions[from] {
		if s == to {
			ok = true
		}
	}
	if !ok {
		return roi.Event{}, roi.Errorf(roi.CodeConflict, "Request %s is %s; it cannot become %s.", r.Number, from, to)
	}
	r.Status = to
	return roi.Event{Kind: roi.EventTransition, Actor: actor, Body: roi.TransitionBody{From: from, To: to, Why: why}}, nil
}

func invalid(format string, args ...any) error { return roi.Errorf(roi.CodeInvalid, format, args...) }

func requireActor(actor string) error {
	if strings.TrimSpace(actor) == "" {
		return roi.Errorf(roi.CodeUnauthenticated, "Say who is acting: every change records its author.")
	}
	return nil
}

// Facts gathers what the engine sees for request r: the patient, the chart
// items, the evidence and, for an accounting, the disclosures in the ledger.
func (d *Desk) Facts(ctx context.Context, r *roi.DeskRequest) (*roi.Facts, error) {
	chart, err := d.store.ChartItems(ctx, r.PatientID)
	if err != nil {
		return nil, err
	}
	evidence, err := d.store.Evidence(ctx, r.ID)
	if err != nil {
		return nil, err
	}
	return d.factsFrom(ctx, r, chart, evidence)
}

// factsFrom is Facts over a chart and evidence the caller already holds.
func (d *Desk) factsFrom(ctx context.Context, r *roi.DeskRequest, chart []roi.ChartItem, evidence []roi.EvidenceRecord) (*roi.Facts, error) {
	p, err := d.store.Patient(ctx, r.PatientID)
	if err != nil {
		return nil, err
	}
	f := &roi.Facts{
		Now:          d.Today(),
		Jurisdiction: d.Jurisdiction,
		Patient:      roi.Patient{BirthDate: p.BirthDate, DeathDate: p.DeathDate, Emancipated: p.Emancipated},
		Request:      r.Request,
		Items:        make([]roi.Item, len(chart)),
	}
	ids := make(map[string]bool, len(chart))
	for i, it := range chart {
		f.Items[i] = roi.Item{ID: it.Key, Date: it.Date, Until: it.Until, Labels: it.Labels}
		ids[it.Key] = true
	}
	for _, e := range evidence {
		if !e.Active() { // withdrawn or corrected: on record, no longer a fact
			continue
		}
		if err := caseformat.DecodeEvidence(e.Body, ids, &f.Evidence); err != nil {
			return nil, roi.WrapOp("workflow.evidence-decode", roi.CodeInternal, err, "Stored evidence no longer reads.")
		}
	}
	if r.Type == roi.RequestAccounting {
		ds, err := d.disclosures(ctx, r.PatientID)
		if err != nil {
			return nil, err
		}
		for _, x := range ds {
			f.Disclosures = append(f.Disclosures, roi.Disclosure{ID: x.id, Date: x.Date, Recipient: x.Recipient, Basis: x.Basis})
		}
		if f.Suspensions, err = d.suspensionFacts(ctx, r.PatientID); err != nil {
			return nil, err
		}
	}
	return f, nil
}

// toJSON marshals values built in this package, which always marshal.
func toJSON(v any) json.RawMessage {
	b, _ := json.Marshal(v)
	return b
}

// RuleSet is the version of the rules the desk decides with.
const RuleSet = policy.RuleSetVersion
