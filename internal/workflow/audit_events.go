package workflow

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"time"

	"github.com/custodian-roi/custodian/internal/audit"
	"github.com/custodian-roi/custodian/internal/roi"
	"github.com/custodian-roi/custodian/internal/store"
	"github.com/custodian-roi/custodian/internal/syslog"
)

// The ledger read as FHIR AuditEvents (internal/audit maps each entry),
// for a security team: searched by patient, actor and date, and forwarded
// to their syslog/ATNA collector. Reading them is itself a look at PHI
// (they say who looked at which patient's records) and is recorded as one.

// AuditQuery selects AuditEvents. Zero fields select everything.
type AuditQuery struct {
	PatientID roi.PatientID
	Actor     string
	Date      audit.Range
	// After is the page cursor: events after this ledger entry. Until
	// ends the search at a ledger entry (0: at the head as the first page
	// is read): each search is itself recorded, so without it a search by
	// the searcher's patient or name would grow a page with every page.
	After, Until int64
	// Count is the page size: 1 to MaxAuditCount; 0 is DefaultAuditCount.
	Count int
}

// Page sizes of the AuditEvent search.
const (
	DefaultAuditCount = 50
	MaxAuditCount     = 500
)

// AuditPage is one page of AuditEvents, in ledger order.
type AuditPage struct {
	Events []audit.AuditEvent
	// Next is the cursor of the next page (AuditQuery.After); 0 on the
	// last page. Until is where the search ends, for the next pages.
	Next, Until int64
}

// site is the desk as the source of its events.
func (d *Desk) site() audit.Site {
	s := d.AuditSite
	if s.Observer == "" {
		s.Observer = "custodian"
	}
	return s
}

// AuditEvents returns a page of the ledger as AuditEvents and records the
// search as a view.
func (d *Desk) AuditEvents(ctx context.Context, actor string, q AuditQuery) (*AuditPage, error) {
	if err := requireActor(actor); err != nil {
		return nil, err
	}
	if q.Count == 0 {
		q.Count = DefaultAuditCount
	}
	if q.Count < 1 || q.Count > MaxAuditCount {
		return nil, roi.Errorf(roi.CodeInvalid, "_count must be from 1 to %d.", MaxAuditCount)
	}
	if q.After < 0 || q.Until < 0 {
		return nil, roi.Errorf(roi.CodeInvalid, "The page cursor is not a ledger entry.")
	}
	// Views still waiting in the batch belong in the answer.
	if err := d.Flush(ctx); err != nil {
		return nil, err
	}
	if q.Until == 0 {
		head, err := d.store.Ledger(ctx, store.LedgerFilter{Last: 1})
		if err != nil {
			return nil, err
		}
		if len(head) == 1 {
			q.Until = head[0].Seq
		}
	}
	es, err := d.store.AuditEntries(ctx, store.AuditFilter{PatientID: q.PatientID, Actor: q.Actor,
		From: q.Date.From, To: q.Date.To, After: q.After, Until: q.Until, Limit: q.Count + 1})
	if err != nil {
		return nil, err
	}
	page := &AuditPage{Events: []audit.AuditEvent{}, Until: q.Until}
	if len(es) > q.Count {
		es = es[:q.Count]
		page.Next = es[len(es)-1].Seq
	}
	patients := map[roi.RequestID]roi.PatientID{}
	for _, e := range es {
		ev, err := d.auditEvent(ctx, e, patients)
		if err != nil {
			return nil, err
		}
		page.Events = append(page.Events, ev)
	}
	return page, d.viewed(ctx, actor, 0, q.PatientID, roi.ViewBody{What: "audit-events", Results: len(page.Events)})
}

// AuditEvent returns the AuditEvent of ledger entry seq and records the
// read as a view of its patient's records.
func (d *Desk) AuditEvent(ctx context.Context, actor string, seq int64) (audit.AuditEvent, error) {
	if err := requireActor(actor); err != nil {
		return audit.AuditEvent{}, err
	}
	if err := d.Flush(ctx); err != nil {
		return audit.AuditEvent{}, err
	}
	e, err := d.store.LedgerEntry(ctx, seq)
	if err != nil {
		return audit.AuditEvent{}, err
	}
	ev, err := d.auditEvent(ctx, e, map[roi.RequestID]roi.PatientID{})
	if err != nil {
		return audit.AuditEvent{}, err
	}
	return ev, d.viewed(ctx, actor, e.RequestID, e.PatientID, roi.ViewBody{What: "audit-event", Results: 1})
}

// auditEvent maps e. An entry about a request written without its patient
// (some workers' entries) names the request's patient in its event, looked
// up once per request in patients: DICOM's Export requires the patient.
// The ledger entry itself is unchanged; its hash is over what it holds.
func (d *Desk) auditEvent(ctx context.Context, e roi.LedgerEntry, patients map[roi.RequestID]roi.PatientID) (audit.AuditEvent, error) {
	if e.PatientID == 0 && e.RequestID != 0 {
		pid, ok := patients[e.RequestID]
		if !ok {
			r, err := d.store.Request(ctx, e.RequestID)
			switch {
			case err == nil:
				pid = r.PatientID
			case roi.CodeOf(err) != roi.CodeNotFound:
				return audit.AuditEvent{}, err
			}
			patients[e.RequestID] = pid
		}
		e.PatientID = pid
	}
	return audit.Event(e, d.site()), nil
}

// ---- forwarding to a syslog/ATNA collector ----

// AuditConn is a connection to the collector (a *syslog.Conn).
type AuditConn interface {
	Write(msgs ...syslog.Message) error
	Close() error
}

// AuditForward configures ForwardAudit.
type AuditForward struct {
	// Name keys the persisted cursor; "" is "syslog".
	Name string
	// Dial connects to the collector.
	Dial func(ctx context.Context) (AuditConn, error)
	// Batch is the most entries per write (0: 100); Poll how often an
	// idle forwarder looks for new entries (0: 1 s).
	Batch int
	Poll  time.Duration
	// MinBackoff and MaxBackoff bound the wait between attempts while the
	// collector or the database is unreachable (0: 1 s and 5 min); the
	// wait doubles from one to the other.
	MinBackoff, MaxBackoff time.Duration
	Log                    *slog.Logger
}

// ForwardAudit sends every ledger entry, as an AuditEvent in an RFC 5424
// message, to the collector, in ledger order, from the persisted cursor on,
// until ctx ends. It runs beside the desk and never holds up a request: it
// reads the ledger after the fact. Delivery is at least once: an entry
// whose write fails is sent again (with the batch before it, which may
// have been in flight on the broken connection), and the cursor moves only
// after a write succeeds, so an outage or a restart loses nothing and may
// repeat a few; the collector tells repeats by the AuditEvent id (the
// entry's number).
func (d *Desk) ForwardAudit(ctx context.Context, f AuditForward) error {
	if f.Dial == nil {
		return errors.New("workflow: audit forwarding without a collector")
	}
	if f.Name == "" {
		f.Name = "syslog"
	}
	if f.Batch <= 0 {
		f.Batch = 100
	}
	if f.Poll <= 0 {
		f.Poll = time.Second
	}
	if f.MinBackoff <= 0 {
		f.MinBackoff = time.Second
	}
	if f.MaxBackoff < f.MinBackoff {
		f.MaxBackoff = max(5*time.Minute, f.MinBackoff)
	}
	log := f.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	wait := func(dt time.Duration) bool {
		t := time.NewTimer(dt)
		defer t.Stop()
		select {
		case <-ctx.Done():
			return false
		case <-t.C:
			return true
		}
	}
	backoff := f.MinBackoff
	failed := func(what string, err error) bool {
		log.Warn("audit forwarding: "+what+"; trying again", "err", err, "retry_in", backoff.String())
		ok := wait(backoff)
		backoff = min(backoff*2, f.MaxBackoff)
		return ok
	}

	var cursor int64
	for {
		var err error
		if cursor, err = d.store.ForwardCursor(ctx, f.Name); err == nil {
			break
		}
		if !failed("read the cursor", err) {
			return ctx.Err()
		}
	}
	log.Info("audit forwarding from ledger entry", "after", cursor)
	var conn AuditConn
	defer func() {
		if conn != nil {
			conn.Close()
		}
	}()
	// rewind is where to start again if the connection breaks: before the
	// last batch written on it.
	rewind := cursor
	site := d.site()
	patients := map[roi.RequestID]roi.PatientID{}
	for ctx.Err() == nil {
		es, err := d.store.AuditEntries(ctx, store.AuditFilter{After: cursor, Limit: f.Batch})
		if err != nil {
			if !failed("read the ledger", err) {
				break
			}
			continue
		}
		if len(es) == 0 {
			if !wait(f.Poll) {
				break
			}
			continue
		}
		if len(patients) > 10000 {
			clear(patients)
		}
		msgs := make([]syslog.Message, 0, len(es))
		for _, e := range es {
			ev, err := d.auditEvent(ctx, e, patients)
			if err != nil {
				break
			}
			body, err := json.Marshal(ev)
			if err != nil {
				break
			}
			msgs = append(msgs, syslog.Message{Priority: syslog.PriorityAudit, Time: e.At, Hostname: site.Observer,
				AppName: "custodian", MsgID: "AuditEvent", Body: body})
		}
		if len(msgs) == 0 {
			if !failed("map a ledger entry", errors.New("an entry did not map")) {
				break
			}
			continue
		}
		if conn == nil {
			if conn, err = f.Dial(ctx); err != nil {
				conn = nil
				if !failed("connect to the collector", err) {
					break
				}
				continue
			}
			rewind = cursor
		}
		if err := conn.Write(msgs...); err != nil {
			conn.Close()
			conn = nil
			cursor = rewind
			if !failed("send to the collector", err) {
				break
			}
			continue
		}
		rewind, cursor = cursor, es[len(msgs)-1].Seq
		if backoff != f.MinBackoff {
			log.Info("audit forwarding resumed", "through", cursor)
			backoff = f.MinBackoff
		}
		// Saved even when ctx has just ended: these entries went.
		if err := d.store.SetForwardCursor(context.WithoutCancel(ctx), f.Name, cursor); err != nil {
			// The entries went; a cursor not saved only means they may go
			// again after a restart.
			log.Warn("audit forwarding: save the cursor", "err", err)
		}
	}
	return ctx.Err()
}
