package workflow

import (
	"context"
	"encoding/json"
	"time"

	"github.com/custodian-roi/custodian/internal/roi"
	"github.com/custodian-roi/custodian/internal/store"
)

// Case is a request with everything recorded about it.
type Case struct {
	Request   *roi.DeskRequest
	Evidence  []roi.EvidenceRecord
	Documents []roi.DocumentRecord
	Decisions []roi.DecisionRecord
	History   []roi.LedgerEntry
	// Linked are other requests for the same patient from the same
	// requester that this one may duplicate, or that may duplicate it.
	Linked []*roi.DeskRequest
	// Next are the statuses the request may move to.
	Next []roi.Status
}

// Get returns a request with its evidence, documents, decisions and
// history from the ledger. Every look at a request is a view of PHI and is
// recorded in the access log; the history leaves the views out (they are
// in the request's access log, AccessLog).
func (d *Desk) Get(ctx context.Context, actor string, id roi.RequestID) (*Case, error) {
	if err := requireActor(actor); err != nil {
		return nil, err
	}
	r, err := d.store.Request(ctx, id)
	if err != nil {
		return nil, err
	}
	c := &Case{Request: r, Next: Transitions(r.Status)}
	if c.Evidence, err = d.store.Evidence(ctx, id); err != nil {
		return nil, err
	}
	if c.Documents, err = d.store.Documents(ctx, id); err != nil {
		return nil, err
	}
	if c.Decisions, err = d.store.Decisions(ctx, id); err != nil {
		return nil, err
	}
	if c.History, err = d.store.Ledger(ctx, store.LedgerFilter{RequestID: id, NotKind: roi.EventView}); err != nil {
		return nil, err
	}
	same, err := d.store.Requests(ctx, store.RequestFilter{PatientID: r.PatientID})
	if err != nil {
		return nil, err
	}
	for _, o := range same {
		if o.ID != r.ID && (o.ID == r.LinkedTo || o.LinkedTo == r.ID) {
			c.Linked = append(c.Linked, o)
		}
	}
	if err := d.viewed(ctx, actor, r.ID, r.PatientID, roi.ViewBody{What: "request"}); err != nil {
		return nil, err
	}
	return c, nil
}

// AccessEntry is one PHI view of a request: who looked, when, and at what.
type AccessEntry struct {
	Seq   int64     `json:"seq"`
	At    time.Time `json:"at"`
	Actor string    `json:"actor"`
	roi.ViewBody
}

// AccessLog returns the newest views of request id (at most last), oldest
// first: who looked at it and what they looked at. Views are kept out of
// the request's history (they would swamp it) and shown here, for the
// privacy officer. Reading the access log is itself a view.
func (d *Desk) AccessLog(ctx context.Context, actor string, id roi.RequestID, last int) ([]AccessEntry, error) {
	if err := requireActor(actor); err != nil {
		return nil, err
	}
	r, err := d.store.Request(ctx, id)
	if err != nil {
		return nil, err
	}
	// Views still waiting in the batch belong in the answer.
	if err := d.Flush(ctx); err != nil {
		return nil, err
	}
	es, err := d.store.Ledger(ctx, store.LedgerFilter{RequestID: id, Kind: roi.EventView, Last: last})
	if err != nil {
		return nil, err
	}
	out := make([]AccessEntry, 0, len(es))
	for _, e := range es {
		a := AccessEntry{Seq: e.Seq, At: e.At, Actor: e.Actor}
		if err := json.Unmarshal(e.Body, &a.ViewBody); err != nil {
			return nil, roi.WrapOp("workflow.access-read", roi.CodeInternal, err, "A view in the ledger does not read.")
		}
		out = append(out, a)
	}
	return out, d.viewed(ctx, actor, r.ID, r.PatientID, roi.ViewBody{What: "access-log", Results: len(out)})
}

// Document returns an uploaded document; the download is recorded as a
// view before the content is handed out.
func (d *Desk) Document(ctx context.Context, actor string, id roi.RequestID, docID int64) (*roi.DocumentRecord, []byte, error) {
	if err := requireActor(actor); err != nil {
		return nil, nil, err
	}
	doc, content, err := d.store.DocumentContent(ctx, id, docID)
	if err != nil {
		return nil, nil, err
	}
	r, err := d.store.Request(ctx, id)
	if err != nil {
		return nil, nil, err
	}
	err = d.store.Append(ctx, roi.Event{Kind: roi.EventView, RequestID: id, PatientID: r.PatientID, Actor: actor,
		Body: roi.ViewBody{What: "document", DocumentID: docID}})
	return doc, content, err
}

// Reminder is an open request due soon or overdue.
type Reminder struct {
	Request  *roi.DeskRequest
	DaysLeft int // negative when overdue
}

// Reminders lists the open requests due within days, overdue ones first.
func (d *Desk) Reminders(ctx context.Context, days int) ([]Reminder, error) {
	today := d.Today()
	rs, err := d.store.Requests(ctx, store.RequestFilter{Open: true, DueBefore: today.AddDays(days)})
	if err != nil {
		return nil, err
	}
	out := make([]Reminder, 0, len(rs))
	for _, r := range rs {
		out = append(out, Reminder{Request: r, DaysLeft: int(r.Due - today)})
	}
	return out, nil
}

// Chart returns a patient and their chart; the look is recorded as a view.
func (d *Desk) Chart(ctx context.Context, actor string, pid roi.PatientID) (*roi.PatientRecord, []roi.ChartItem, error) {
	if err := requireActor(actor); err != nil {
		return nil, nil, err
	}
	p, err := d.store.Patient(ctx, pid)
	if err != nil {
		return nil, nil, err
	}
	items, err := d.store.ChartItems(ctx, pid)
	if err != nil {
		return nil, nil, err
	}
	return p, items, d.viewed(ctx, actor, 0, pid, roi.ViewBody{What: "chart"})
}
