package workflow

import (
	"context"
	"sync"
	"time"

	"github.com/custodian-roi/custodian/internal/roi"
)

// accessLog writes the desk's looks at PHI (ledger entries of kind
// roi.EventView) off the request path: a page records its view here and
// goes on, and a writer appends the views in small batches, in the order
// they were recorded, onto the same hash-chained ledger. A view is never
// dropped: a batch that cannot be written is kept and tried again, and
// when too many are waiting the recording page writes them itself.
//
// Why: at a hospital's volume the views outnumber every other ledger entry
// by far (about 38 pages per request); appending each in its own
// transaction put a write, serialized with every release, on every page.
type accessLog struct {
	append func(context.Context, ...roi.Event) error

	mu      sync.Mutex
	pending []roi.Event
	started bool
	closed  bool
	wake    chan struct{}
	stopped chan struct{}

	// writing serializes flushes so batches reach the ledger in order.
	writing sync.Mutex
}

const (
	accessBatch    = 256                    // views per transaction
	accessInterval = 100 * time.Millisecond // the longest a view waits
	accessBacklog  = 4096                   // beyond this, pages write their own views
)

func newAccessLog(append func(context.Context, ...roi.Event) error) *accessLog {
	return &accessLog{append: append, wake: make(chan struct{}, 1), stopped: make(chan struct{})}
}

// record queues ev. With a backlog (the database is slow or down) it
// writes the backlog itself, so a failure surfaces to the page rather than
// growing memory without bound.
func (a *accessLog) record(ctx context.Context, ev roi.Event) error {
	a.mu.Lock()
	if a.closed {
		a.mu.Unlock()
		return a.append(ctx, ev)
	}
	a.pending = append(a.pending, ev)
	n := len(a.pending)
	if !a.started {
		a.started = true
		go a.run()
	}
	a.mu.Unlock()
	if n >= accessBacklog {
		return a.flush(ctx)
	}
	if n >= accessBatch {
		select {
		case a.wake <- struct{}{}:
		default:
		}
	}
	return nil
}

func (a *accessLog) run() {
	defer close(a.stopped)
	t := time.NewTicker(accessInterval)
	defer t.Stop()
	for {
		select {
		case <-t.C:
		case <-a.wake:
		}
		// A failed write keeps its views for the next tick.
		_ = a.flush(context.Background())
		a.mu.Lock()
		done := a.closed
		a.mu.Unlock()
		if done {
			return
		}
	}
}

// flush writes every waiting view, a batch per transaction.
func (a *accessLog) flush(ctx context.Context) error {
	a.writing.Lock()
	defer a.writing.Unlock()
	for {
		a.mu.Lock()
		n := min(len(a.pending), accessBatch)
		batch := a.pending[:n:n]
		a.mu.Unlock()
		if n == 0 {
			return nil
		}
		if err := a.append(ctx, batch...); err != nil {
			return err
		}
		a.mu.Lock()
		a.pending = a.pending[n:]
		a.mu.Unlock()
	}
}

// close writes what is waiting and stops the writer; later views are
// written as they come.
func (a *accessLog) close(ctx context.Context) error {
	a.mu.Lock()
	started := a.started && !a.closed
	a.closed = true
	a.mu.Unlock()
	if started {
		select {
		case a.wake <- struct{}{}:
		default:
		}
		<-a.stopped
	}
	return a.flush(ctx)
}

// viewed records a look at PHI in the access log.
func (d *Desk) viewed(ctx context.Context, actor string, rid roi.RequestID, pid roi.PatientID, body roi.ViewBody) error {
	return d.access.record(ctx, roi.Event{Kind: roi.EventView, RequestID: rid, PatientID: pid, Actor: actor, Body: body})
}

// Flush writes the views waiting in the access log; reads of the access
// log flush first, so they show every view recorded before them.
func (d *Desk) Flush(ctx context.Context) error { return d.access.flush(ctx) }

// Shutdown writes the waiting views and stops the access log's writer.
// The desk stays usable: later views are written as they are recorded.
func (d *Desk) Shutdown(ctx context.Context) error { return d.access.close(ctx) }
