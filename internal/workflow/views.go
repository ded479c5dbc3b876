package workflow

import (
	"cmp"
	"context"
	"encoding/json"
	"slices"
	"strings"
	"time"

	"github.com/custodian-roi/custodian/internal/policy"
	"github.com/custodian-roi/custodian/internal/roi"
	"github.com/custodian-roi/custodian/internal/store"
)

// The read side of the desk: what the pages and the API show, built here
// once so both show the same thing and record the same view. Callers above
// workflow never reach the store; these names let them speak of its
// records without importing it.
type (
	// RequestFilter selects requests for a queue.
	RequestFilter = store.RequestFilter
	// QueueKey is a request's place in queue order (keyset pagination).
	QueueKey = store.QueueKey
	// SubmissionRecord is a portal submission as stored.
	SubmissionRecord = store.SubmissionRecord
	// SubmissionState is where a portal submission stands.
	SubmissionState = store.SubmissionState
	// SubmissionDocument is a file a requester uploaded with a submission.
	SubmissionDocument = store.SubmissionDocument
	// IdempotentResponse is an API response kept under its idempotency key.
	IdempotentResponse = store.IdempotentResponse
)

// Submission states, as the pages filter them.
const (
	SubmissionSubmitted = store.SubmissionSubmitted
)

// ---- the request page ----

// RequestView is everything the request page shows about one request.
type RequestView struct {
	C       *Case
	Patient *roi.PatientRecord
	// The evidence, split into who the requester is and what they are
	// entitled to.
	Identity, Authority, Other []roi.EvidenceRecord
	Eval                       *EvaluationSeen // the latest engine decision; nil before any
	Final                      *Final          // the latest person's decision; nil before any
	FinalBy                    string
	Items                      []ItemRow // the chart items in scope, with the engine's word on each
	// Release and Withhold preview what the decision (or else the engine)
	// lets go and keeps back, before anything leaves.
	Release, Withhold []ItemRow
	Letters           []string // the letters that fit the decision
	Deliveries        []*roi.DeliveryRecord
	DaysLeft          int
	Reviewed          bool
	// NeedsReview: the decision must be approved by a second person
	// before the release or the denial letter.
	NeedsReview bool
	// LabelRemovals counts the patient's label removals waiting for a
	// second person (the patient page lists them); until approved every
	// decision sees those labels still on.
	LabelRemovals int
	// Evidence is every entry in words, withdrawn ones included (struck
	// through); HasIdentity and HasAuthority count only those in force.
	// Checks is the engine's authorization and authority check, one
	// verdict per authorization (evidence_view.go).
	Evidence                  []EvidenceEntry
	HasIdentity, HasAuthority bool
	Checks                    []ExplainedRule
	// EvidenceOpen: evidence may still be added, corrected or withdrawn.
	// VerdictStale: the evidence changed after the latest evaluation,
	// whose verdicts are then not shown beside the entries.
	EvidenceOpen, VerdictStale bool
}

// EvaluationSeen is a stored engine decision and who ran it.
type EvaluationSeen struct {
	*StoredDecision
	By string
}

// ItemRow is a chart item with the engine's decision on it.
type ItemRow struct {
	Item     roi.ChartItem
	Decision string // release, withhold, wait; "" when not evaluated
	Code     roi.Code
	Rule     ExplainedRule
}

// authorityTypes are the evidence types that say what a requester is
// entitled to (the rest say who they are, or are other facts).
var authorityTypes = map[string]bool{"representative": true, "authorization": true, "directive": true, "court-order": true,
	"subpoena": true, "warrant": true}

// RequestPage returns the request page's view of request id; like Get, it
// is recorded as one view.
func (d *Desk) RequestPage(ctx context.Context, actor string, id roi.RequestID) (*RequestView, error) {
	c, err := d.Get(ctx, actor, id)
	if err != nil {
		return nil, err
	}
	v := &RequestView{C: c}
	if v.Patient, err = d.store.Patient(ctx, c.Request.PatientID); err != nil {
		return nil, err
	}
	for _, e := range c.Evidence {
		if !e.Active() {
			continue
		}
		switch {
		case e.Type == roi.EvidenceIdentity:
			v.Identity = append(v.Identity, e)
		case authorityTypes[e.Type]:
			v.Authority = append(v.Authority, e)
		default:
			v.Other = append(v.Other, e)
		}
	}
	for i := len(c.Decisions) - 1; i >= 0; i-- {
		dr := c.Decisions[i]
		if dr.Kind == roi.DecisionByEngine && v.Eval == nil {
			sd, err := ParseDecision(dr.Body)
			if err != nil {
				return nil, err
			}
			v.Eval = &EvaluationSeen{StoredDecision: sd, By: dr.By}
		}
		if dr.Kind == roi.DecisionByPerson && v.Final == nil {
			var f Final
			if err := json.Unmarshal(dr.Body, &f); err != nil {
				return nil, roi.WrapOp("workflow.decision-read", roi.CodeInternal, err, "A stored decision does not read.")
			}
			v.Final, v.FinalBy = &f, dr.By
		}
	}
	chart, err := d.store.ChartItems(ctx, c.Request.PatientID)
	if err != nil {
		return nil, err
	}
	for _, it := range chart {
		if !d.inScope(c.Request, it) {
			continue
		}
		row := ItemRow{Item: it}
		if v.Eval != nil {
			if x, ok := v.Eval.Explain.Items[it.Key]; ok {
				row.Decision, row.Code, row.Rule = x.Decision, x.Code, x.ExplainedRule
			}
		}
		v.Items = append(v.Items, row)
	}
	release := map[string]bool{}
	withhold := map[string]roi.Code{}
	switch {
	case v.Final != nil:
		for _, k := range v.Final.Release {
			release[k] = true
		}
		withhold = v.Final.Withhold
	case v.Eval != nil:
		for _, k := range v.Eval.Release {
			release[k] = true
		}
		for k, x := range v.Eval.Explain.Items {
			if x.Decision != "release" {
				withhold[k] = x.Code
			}
		}
	}
	for _, row := range v.Items {
		if release[row.Item.Key] {
			v.Release = append(v.Release, row)
		} else if code, ok := withhold[row.Item.Key]; ok {
			row.Code = code
			v.Withhold = append(v.Withhold, row)
		}
	}
	if v.Final != nil {
		v.Letters = LettersFor(c.Request, v.Final)
	}
	if v.Deliveries, err = d.store.Deliveries(ctx, c.Request.ID); err != nil {
		return nil, err
	}
	if c.Request.Due.Known() {
		v.DaysLeft = int(c.Request.Due - d.Today())
	}
	// Only a decision can have been reviewed; asking before one exists
	// is not an error for a page that merely shows the state.
	if v.Final != nil {
		if v.Reviewed, err = d.Reviewed(ctx, c.Request.ID); err != nil {
			return nil, err
		}
	}
	ps, err := d.store.LabelProposals(ctx, c.Request.PatientID, true)
	if err != nil {
		return nil, err
	}
	v.LabelRemovals = len(ps)
	if v.Final != nil && !v.Reviewed {
		// Judged as release judges it: the labels at the evaluation too.
		if v.NeedsReview, err = d.needsReview(ctx, c.Request, v.Final, chart); err != nil {
			return nil, err
		}
	}
	d.evidenceView(ctx, v)
	return v, nil
}

// LettersFor lists the letters that fit a decision.
func LettersFor(r *roi.DeskRequest, f *Final) []string {
	var out []string
	switch f.Action {
	case ActApprove, ActPartial:
		out = append(out, "cover")
		if len(f.Withhold) > 0 {
			out = append(out, "partial-denial")
		}
	case ActDeny:
		out = append(out, "denial")
	case ActPending:
		out = append(out, "pending")
	case ActEscalate:
		out = append(out, "escalation")
	}
	if r.Extended {
		out = append(out, "extension")
	}
	return out
}

// inScope is the engine's own scope rule (policy.InScope), so pages show
// exactly the items the engine decides.
func (d *Desk) inScope(r *roi.DeskRequest, it roi.ChartItem) bool {
	return policy.InScope(d.Jurisdiction, r.Scope, roi.Item{ID: it.Key, Date: it.Date, Until: it.Until, Labels: it.Labels})
}

// sensitiveInScope reports whether any chart item in the request's scope
// carries a sensitive label: such requests need a second person's review.
func (d *Desk) sensitiveInScope(r *roi.DeskRequest, items []roi.ChartItem) bool {
	for _, it := range items {
		if Sensitive(it.Labels) && d.inScope(r, it) {
			return true
		}
	}
	return false
}

// ---- the queue ----

// QueueRow is one request in a queue, with how its deadline stands.
type QueueRow struct {
	R *roi.DeskRequest
	// Patient is who the request is about: the queue shows the name and
	// birth date so a clerk knows the row without opening it.
	Patient  *roi.PatientRecord
	DaysLeft int
	Overdue  bool
	DueSoon  bool // due within three days
}

// QueuePage is one page of a queue. Next, when not nil, is where the next
// page starts.
type QueuePage struct {
	Rows []QueueRow
	Next *QueueKey
}

// Queue lists one page of the requests f selects, soonest due first, and
// records the look as one view. Each request's "sensitive in scope" is as
// stored: worked out when the chart, its labels or the request change, not
// by reading every listed patient's chart.
func (d *Desk) Queue(ctx context.Context, actor string, f RequestFilter) (*QueuePage, error) {
	if err := requireActor(actor); err != nil {
		return nil, err
	}
	if f.Limit <= 0 || f.Limit > MaxPage {
		f.Limit = MaxPage
	}
	// A filter on sensitivity must know it for every candidate first;
	// otherwise only the page's own rows are worked out.
	if f.Sensitive {
		if err := d.refreshSensitive(ctx, f); err != nil {
			return nil, err
		}
	}
	want := f.Limit
	f.Limit++ // one more says whether there is a next page
	rs, err := d.requests(ctx, f)
	if err != nil {
		return nil, err
	}
	page := &QueuePage{Rows: make([]QueueRow, 0, min(len(rs), want))}
	if len(rs) > want {
		rs = rs[:want]
		k := store.KeyOf(rs[want-1])
		page.Next = &k
	}
	today := d.Today()
	for _, r := range rs {
		page.Rows = append(page.Rows, d.queueRow(r, today))
	}
	if err := d.withPatients(ctx, page.Rows); err != nil {
		return nil, err
	}
	return page, d.viewed(ctx, actor, 0, 0, roi.ViewBody{What: "queue", Results: len(page.Rows)})
}

// MaxPage is the most requests one queue page lists.
const MaxPage = 200

// withPatients fills in each row's patient, reading them in one query.
func (d *Desk) withPatients(ctx context.Context, rows []QueueRow) error {
	ids := make([]roi.PatientID, len(rows))
	for i, r := range rows {
		ids[i] = r.R.PatientID
	}
	ps, err := d.store.PatientsByID(ctx, ids)
	if err != nil {
		return err
	}
	for i := range rows {
		rows[i].Patient = ps[rows[i].R.PatientID]
	}
	return nil
}

func (d *Desk) queueRow(r *roi.DeskRequest, today roi.Date) QueueRow {
	row := QueueRow{R: r}
	if r.Due.Known() && r.Status.Open() {
		row.DaysLeft = int(r.Due - today)
		row.Overdue, row.DueSoon = row.DaysLeft < 0, row.DaysLeft >= 0 && row.DaysLeft <= 3
	}
	return row
}

// refreshSensitive works out "sensitive in scope" for every request f
// selects whose chart changed since it was last worked out: a filter on
// sensitivity needs them all known.
func (d *Desk) refreshSensitive(ctx context.Context, f RequestFilter) error {
	for {
		stale, err := d.store.StaleSensitive(ctx, f, 256)
		if err != nil || len(stale) == 0 {
			return err
		}
		if err := d.fillSensitive(ctx, stale); err != nil {
			return err
		}
		if len(stale) < 256 {
			return nil
		}
	}
}

// requests lists the requests f selects with "sensitive in scope" known
// for every one of them: the few whose chart changed are worked out now.
func (d *Desk) requests(ctx context.Context, f RequestFilter) ([]*roi.DeskRequest, error) {
	rs, stale, err := d.store.RequestsWithStale(ctx, f)
	if err != nil {
		return nil, err
	}
	return rs, d.fillSensitive(ctx, stale)
}

// fillSensitive works out "sensitive in scope" for stale requests and
// stores it, reading each patient's chart once. One at a time: whoever
// waited takes what the one before stored rather than work it out again.
func (d *Desk) fillSensitive(ctx context.Context, stale []store.Stale) error {
	if len(stale) == 0 {
		return nil
	}
	d.sensitive.Lock()
	defer d.sensitive.Unlock()
	ids := make([]roi.RequestID, len(stale))
	for i, st := range stale {
		ids[i] = st.Request.ID
	}
	known, err := d.store.KnownSensitive(ctx, ids)
	if err != nil {
		return err
	}
	var todo []store.Stale
	charts := map[roi.PatientID][]roi.ChartItem{}
	for _, st := range stale {
		r := st.Request
		if v, ok := known[r.ID]; ok {
			r.Sensitive = v
			continue
		}
		items, ok := charts[r.PatientID]
		if !ok {
			if items, err = d.store.ChartItems(ctx, r.PatientID); err != nil {
				return err
			}
			charts[r.PatientID] = items
		}
		r.Sensitive = d.sensitiveInScope(r, items)
		todo = append(todo, st)
	}
	if len(todo) == 0 {
		return nil
	}
	return d.store.SetSensitive(ctx, todo)
}

// Search finds requests by request number (R-…), by the patient's birth
// date (typed in the desk's date style or ISO), name (every word typed
// begins a word of the name: "pat exa") or MRN, or by the requester's
// name ("Smith & Jones"), and records the look as one view.
// The words searched for are not recorded: they may be a patient's name.
// At most MaxPage requests come back, soonest due first.
func (d *Desk) Search(ctx context.Context, actor, term string) ([]QueueRow, error) {
	if err := requireActor(actor); err != nil {
		return nil, err
	}
	term = strings.TrimSpace(term)
	var rs []*roi.DeskRequest
	add := func(f store.RequestFilter) error {
		f.Limit = MaxPage
		more, err := d.requests(ctx, f)
		rs = append(rs, more...)
		return err
	}
	switch day, isDay := d.Dates.ParseDay(term); {
	case term == "":
	case strings.HasPrefix(strings.ToUpper(term), "R-"):
		if err := add(store.RequestFilter{Number: strings.ToUpper(term)}); err != nil {
			return nil, err
		}
	case isDay:
		ps, err := d.store.PatientsBornOn(ctx, day)
		if err != nil {
			return nil, err
		}
		for _, p := range ps {
			if err := add(store.RequestFilter{PatientID: p.ID}); err != nil {
				return nil, err
			}
		}
	default:
		// The name's words and the MRN are matched in the database, on an
		// index (store.SearchPatients), not by reading every patient.
		ps, err := d.store.SearchPatients(ctx, term, 0)
		if err != nil {
			return nil, err
		}
		for _, p := range ps {
			if err := add(store.RequestFilter{PatientID: p.ID}); err != nil {
				return nil, err
			}
		}
		if err := add(store.RequestFilter{RequesterName: term}); err != nil {
			return nil, err
		}
	}
	rs = uniqueByDue(rs)
	if len(rs) > MaxPage {
		rs = rs[:MaxPage]
	}
	today := d.Today()
	out := make([]QueueRow, 0, len(rs))
	for _, r := range rs {
		out = append(out, d.queueRow(r, today))
	}
	if err := d.withPatients(ctx, out); err != nil {
		return nil, err
	}
	return out, d.viewed(ctx, actor, 0, 0, roi.ViewBody{What: "search", Results: len(out)})
}

// uniqueByDue drops repeats (a patient's own request found by name and by
// requester) and sorts soonest due first, as the queue is.
func uniqueByDue(rs []*roi.DeskRequest) []*roi.DeskRequest {
	seen := map[roi.RequestID]bool{}
	out := rs[:0]
	for _, r := range rs {
		if !seen[r.ID] {
			seen[r.ID] = true
			out = append(out, r)
		}
	}
	slices.SortFunc(out, func(a, b *roi.DeskRequest) int {
		ka, kb := store.KeyOf(a), store.KeyOf(b)
		if ka.Due != kb.Due {
			switch {
			case !ka.Due.Known():
				return 1
			case !kb.Due.Known():
				return -1
			case ka.Due < kb.Due:
				return -1
			}
			return 1
		}
		return cmp.Compare(ka.ID, kb.ID)
	})
	return out
}

// ---- patients ----

// Patients lists every patient; the look is recorded as one view.
func (d *Desk) Patients(ctx context.Context, actor string) ([]*roi.PatientRecord, error) {
	if err := requireActor(actor); err != nil {
		return nil, err
	}
	ps, err := d.store.Patients(ctx)
	if err != nil {
		return nil, err
	}
	return ps, d.viewed(ctx, actor, 0, 0, roi.ViewBody{What: "patients", Results: len(ps)})
}

// FindPatients finds the patients a clerk means by a birth date (typed in
// the desk's date style or ISO), an MRN or the beginnings of the name's
// words (as Search): the candidates
// an intake picks from. At most 50 come back; the look is one view. The
// words searched for are not recorded.
func (d *Desk) FindPatients(ctx context.Context, actor, term string) ([]*roi.PatientRecord, error) {
	if err := requireActor(actor); err != nil {
		return nil, err
	}
	term = strings.TrimSpace(term)
	if len([]rune(term)) < 2 {
		return nil, invalid("Type at least two letters of the name, or the birth date, or the MRN.")
	}
	var out []*roi.PatientRecord
	if day, ok := d.Dates.ParseDay(term); ok {
		ps, err := d.store.PatientsBornOn(ctx, day)
		if err != nil {
			return nil, err
		}
		out = ps
	} else {
		// As Search: words of the name or the MRN, on the index.
		ps, err := d.store.SearchPatients(ctx, term, 51)
		if err != nil {
			return nil, err
		}
		out = ps
	}
	if len(out) > 50 {
		out = out[:50]
	}
	return out, d.viewed(ctx, actor, 0, 0, roi.ViewBody{What: "patient-search", Results: len(out)})
}

// Patient returns one patient's record (name, birth date, MRN) for a
// page that names them; the look is one view.
func (d *Desk) Patient(ctx context.Context, actor string, id roi.PatientID) (*roi.PatientRecord, error) {
	if err := requireActor(actor); err != nil {
		return nil, err
	}
	p, err := d.store.Patient(ctx, id)
	if err != nil {
		return nil, err
	}
	return p, d.viewed(ctx, actor, 0, 0, roi.ViewBody{What: "patient", Results: 1})
}

// PatientsBornOn lists the patients born on day: the candidates a clerk
// matches a portal submission against. The look is recorded as one view.
func (d *Desk) PatientsBornOn(ctx context.Context, actor string, day roi.Date) ([]*roi.PatientRecord, error) {
	if err := requireActor(actor); err != nil {
		return nil, err
	}
	out, err := d.store.PatientsBornOn(ctx, day)
	if err != nil {
		return nil, err
	}
	return out, d.viewed(ctx, actor, 0, 0, roi.ViewBody{What: "patient-match", Results: len(out)})
}

// PatientByRef finds a patient by FHIR id or MRN (API intake names a
// patient so). Intake records the request it makes; the lookup itself
// shows nothing.
func (d *Desk) PatientByRef(ctx context.Context, ref string) (roi.PatientID, error) {
	p, err := d.store.PatientByRef(ctx, ref)
	if err != nil {
		return 0, err
	}
	return p.ID, nil
}

// ---- the ledger and idempotency ----

// VerifyLedger checks the whole hash chain after writing the views waiting
// in the access log; see store.VerifyLedger. A *ledger.BrokenError names
// the first broken entry.
func (d *Desk) VerifyLedger(ctx context.Context) (int64, error) {
	if err := d.Flush(ctx); err != nil {
		return 0, err
	}
	return d.store.VerifyLedger(ctx)
}

// Replay returns the response kept under an idempotency key within ttl,
// or nil. key is already scoped to its user (see web).
func (d *Desk) Replay(ctx context.Context, key string, ttl time.Duration) (*IdempotentResponse, error) {
	return d.store.Idempotent(ctx, key, ttl)
}

// Remember keeps a response under its idempotency key for ttl; its body
// only sealed (store.SaveIdempotent).
func (d *Desk) Remember(ctx context.Context, key string, r IdempotentResponse, ttl time.Duration) error {
	return d.store.SaveIdempotent(ctx, key, r, ttl)
}

// ParseQueueKey reads a page position written by QueueKey.String.
func ParseQueueKey(s string) (*QueueKey, error) { return store.ParseQueueKey(s) }

// ScopeJSON is a scope as the API shows it, in the case format's
// vocabulary (the form it is stored in).
func ScopeJSON(c roi.Coverage) string { return store.ScopeJSON(c) }

// SafeCause describes a database driver's error by its code, never its
// text (see store.SafeCause), so the web layer can log a cause without
// reaching the store.
func SafeCause(err error) (string, bool) { return store.SafeCause(err) }
