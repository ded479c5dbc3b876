package workflow

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/custodian-roi/custodian/internal/roi"
	"github.com/custodian-roi/custodian/internal/store"
)

// Information blocking (45 CFR Part 171) at the desk.
//
// On the individual's own access and on a copy the individual directs to a
// third party, every withholding, denial, hold and delay names the Part 171
// exception it rests on, or roi.ExceptionNone. The engine names it for what
// the rules decide (roi.Decision.InfoBlocking, kept in the decision); a
// person names it for what a person decides: an escalation resolved to
// withhold or deny, a request a person holds for the privacy officer, an
// extension, a delay of a request ready to release. Nothing a person leaves
// unnamed is given an exception: it is ExceptionNone, the risk the desk
// shows. A practice resting on none goes into no letter to the individual,
// and is shown as a risk past the due date, until a privacy officer records
// the reason (ExplainNone).
//
// "Ready to release" is the moment a decision that releases something
// became final: the decision itself when it needs no second person's
// review, else the approving review. It ends with the release (the
// disclosure) or when the request leaves approved otherwise (a review sent
// the decision back, the request was cancelled). It is written to the
// ledger when it happens (roi.EventReadyToRelease), so the time from ready
// to release is read from the ledger's own times.

// DefaultReadyLimitDays is how long an access or directive request may sit
// ready to release before the desk lists it as an information-blocking risk,
// when the configuration sets nothing (info_blocking.ready_limit_days). Once
// a person approved the release and the review is done, what is left is
// pressing Release: two days cover a weekend's gap in a small office.
const DefaultReadyLimitDays = 2

// privacyOfficer is auth.RolePrivacyOfficer: workflow does not import auth
// (it sits beside it), so the role is named by its stored value.
const privacyOfficer = "privacy-officer"

// ErrNoneWithoutReason is the cause of the error a letter or a release
// returns while a practice it carries rests on no exception and no privacy
// officer's reason is recorded (errors.Is finds it; the error's code is
// roi.CodeConflict).
var ErrNoneWithoutReason = errors.New("a practice rests on no information-blocking exception and has no privacy officer's reason")

func noneWithoutReason(number, what string) error {
	return roi.WrapOp("workflow.info-blocking-none", roi.CodeConflict, ErrNoneWithoutReason, fmt.Sprintf(
		"Request %s withholds or delays records on no information-blocking exception (none); %s waits until a privacy officer records the reason.", number, what))
}

// InPart171 reports whether request r is one on which Part 171 exceptions
// are named: the individual's own access, or a copy the individual directs
// to a third party (an accounting of disclosures is not access to EHI).
func InPart171(r *roi.DeskRequest) bool {
	return r.Type != roi.RequestAccounting && (r.Basis == roi.BasisAccess || r.Basis == roi.BasisDirective)
}

// ParseException reads an exception a person picked; "" is none (nothing
// named is no exception).
func ParseException(s string) (roi.Exception, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return roi.ExceptionNone, nil
	}
	e := roi.Exception(s)
	if !e.Valid() {
		names := make([]string, len(roi.Exceptions))
		for i, x := range roi.Exceptions {
			names[i] = string(x)
		}
		return "", invalid("Unknown information-blocking exception; the exceptions are %s.", strings.Join(names, ", "))
	}
	return e, nil
}

// readyLimit is the desk's configured limit, or the default.
func (d *Desk) readyLimit() time.Duration {
	days := d.ReadyLimitDays
	if days <= 0 {
		days = DefaultReadyLimitDays
	}
	return time.Duration(days) * 24 * time.Hour
}

// IBEntry is one practice on a request and the exception it rests on.
type IBEntry struct {
	Ref roi.InfoBlockingRef `json:"ref"`
	// Practice: withhold, deny, pending, extension or delay (roi.Practice*).
	Practice string `json:"practice"`
	// Key is the withheld item's key, roi.InfoBlockingRequest for the
	// request as a whole, "" for an extension or a delay.
	Key       string        `json:"key,omitempty"`
	Exception roi.Exception `json:"exception"`
	// ByEngine: the rules named it (By is who evaluated or decided on
	// the rules' word); otherwise the person By did.
	ByEngine bool      `json:"by_engine"`
	By       string    `json:"by"`
	At       time.Time `json:"at"`
	Note     string    `json:"note,omitempty"`
	// Reason is the privacy officer's reason for a none; nil when there is
	// none yet (or the exception is not none).
	Reason *IBReason `json:"reason,omitempty"`
}

// IBReason is a privacy officer's recorded reason.
type IBReason struct {
	Text string    `json:"text"`
	By   string    `json:"by"`
	At   time.Time `json:"at"`
}

// InfoBlocking is where a request stands under Part 171: what its current
// withholdings, hold, extension and delay rest on, and its time from ready
// to release.
type InfoBlocking struct {
	// Applies: the request is access or a directive; nothing else is set
	// otherwise.
	Applies bool      `json:"applies"`
	Entries []IBEntry `json:"entries"`
	// Unexplained counts the entries resting on none with no privacy
	// officer's reason; PastDue: the request is open past its due date
	// with such an entry.
	Unexplained int  `json:"unexplained"`
	PastDue     bool `json:"past_due"`
	// ReadyAt is when the request last became ready to release (nil when
	// it is not and was not); ReleasedAt the release that ended it.
	ReadyAt    *time.Time `json:"ready_at,omitempty"`
	ReleasedAt *time.Time `json:"released_at,omitempty"`
	// ReadyFor is the time from ready to release, or to now while it sits
	// ready; ReadyTooLong: it sits ready longer than ReadyLimit.
	ReadyFor     time.Duration `json:"ready_for_seconds"`
	ReadyLimit   time.Duration `json:"ready_limit_seconds"`
	ReadyTooLong bool          `json:"ready_too_long"`
}

// MarshalJSON writes the durations as whole seconds (the API's unit).
func (ib InfoBlocking) MarshalJSON() ([]byte, error) {
	type plain InfoBlocking
	return json.Marshal(struct {
		plain
		ReadyFor   int64 `json:"ready_for_seconds"`
		ReadyLimit int64 `json:"ready_limit_seconds"`
	}{plain(ib), int64(ib.ReadyFor / time.Second), int64(ib.ReadyLimit / time.Second)})
}

// Sitting reports whether the request is ready and not released.
func (ib *InfoBlocking) Sitting() bool { return ib.ReadyAt != nil && ib.ReleasedAt == nil }

// unexplained returns the entries resting on none with no reason.
func (ib *InfoBlocking) unexplained() []roi.InfoBlockingRef {
	var out []roi.InfoBlockingRef
	for _, e := range ib.Entries {
		if e.Exception == roi.ExceptionNone && e.Reason == nil {
			out = append(out, e.Ref)
		}
	}
	return out
}

// practiceOf names the practice of a decision's entry under key.
func practiceOf(key, action string, outcome roi.Outcome) string {
	switch {
	case key != roi.InfoBlockingRequest:
		return roi.PracticeWithhold
	case strings.HasSuffix(action, ActDeny) || (action == "" && outcome == roi.OutcomeDeny):
		return roi.PracticeDeny
	}
	return roi.PracticePending
}

// infoBlockingOf works out a request's standing from its stored decisions
// and its ledger history (in sequence order); pure, so the page, the
// metrics and the guards read it alike.
func infoBlockingOf(r *roi.DeskRequest, decisions []roi.DecisionRecord, history []roi.LedgerEntry, now time.Time, today roi.Date, limit time.Duration) (*InfoBlocking, error) {
	ib := &InfoBlocking{Applies: InPart171(r), ReadyLimit: limit}
	if !ib.Applies {
		return ib, nil
	}
	var person, eval *roi.DecisionRecord
	for i := len(decisions) - 1; i >= 0; i-- {
		switch rec := &decisions[i]; {
		case rec.Kind == roi.DecisionByPerson && person == nil:
			person = rec
		case rec.Kind == roi.DecisionByEngine && eval == nil:
			eval = rec
		}
	}
	// What a person named on a decision is in the ledger (info-blocking
	// entries naming the decision); the rest of a decision's entries are
	// the engine's, copied into it.
	picked := map[roi.InfoBlockingRef]bool{}
	for _, e := range history {
		if e.Kind != roi.EventInfoBlocking {
			continue
		}
		var b roi.InfoBlockingBody
		if err := json.Unmarshal(e.Body, &b); err != nil {
			return nil, ibUnreadable(e, err)
		}
		if b.DecisionID == 0 {
			continue
		}
		if len(b.Keys) == 0 {
			picked[roi.InfoBlockingRef{Decision: b.DecisionID, Key: roi.InfoBlockingRequest}] = true
		}
		for _, k := range b.Keys {
			picked[roi.InfoBlockingRef{Decision: b.DecisionID, Key: k}] = true
		}
	}
	add := func(rec *roi.DecisionRecord, m map[string]roi.Exception, action string, outcome roi.Outcome, byEngine bool) {
		keys := make([]string, 0, len(m))
		for k := range m {
			keys = append(keys, k)
		}
		// The request's own entry first, then the items in key order.
		slices.SortFunc(keys, func(a, b string) int {
			switch {
			case a == roi.InfoBlockingRequest:
				return -1
			case b == roi.InfoBlockingRequest:
				return 1
			}
			return strings.Compare(a, b)
		})
		for _, k := range keys {
			ref := roi.InfoBlockingRef{Decision: rec.ID, Key: k}
			ib.Entries = append(ib.Entries, IBEntry{Ref: ref, Practice: practiceOf(k, action, outcome),
				Key: k, Exception: m[k], ByEngine: byEngine || !picked[ref], By: rec.By, At: rec.At})
		}
	}
	var final *Final
	if person != nil {
		final = &Final{}
		if err := json.Unmarshal(person.Body, final); err != nil {
			return nil, roi.WrapOp("workflow.decision-read", roi.CodeInternal, err, "A stored decision does not read.")
		}
	}
	switch {
	case person != nil && (eval == nil || final.EvaluationID == eval.ID):
		// The person's decision on the latest evaluation stands.
		add(person, final.InfoBlocking, final.Action, "", false)
	case eval != nil:
		// Evaluated again since (or never decided): the engine's word is
		// what holds the request now.
		sd, err := ParseDecision(eval.Body)
		if err != nil {
			return nil, err
		}
		add(eval, sd.InfoBlocking, "", sd.Outcome, true)
	}

	reasons := map[roi.InfoBlockingRef]*IBReason{}
	var extension, delay *IBEntry
	var readySeq int64
	for _, e := range history {
		switch e.Kind {
		case roi.EventInfoBlocking:
			var b roi.InfoBlockingBody
			if err := json.Unmarshal(e.Body, &b); err != nil {
				return nil, ibUnreadable(e, err)
			}
			en := &IBEntry{Ref: roi.InfoBlockingRef{Entry: e.Seq}, Practice: b.Practice, Exception: b.Exception, By: e.Actor, At: e.At, Note: b.Note}
			switch b.Practice {
			case roi.PracticeExtension:
				extension = en
			case roi.PracticeDelay:
				delay = en
			}
		case roi.EventInfoBlockingReason:
			var b roi.InfoBlockingReasonBody
			if err := json.Unmarshal(e.Body, &b); err != nil {
				return nil, ibUnreadable(e, err)
			}
			for _, ref := range b.Covers {
				reasons[ref] = &IBReason{Text: b.Reason, By: e.Actor, At: e.At}
			}
		case roi.EventReadyToRelease:
			at := e.At
			ib.ReadyAt, ib.ReleasedAt, readySeq, delay = &at, nil, e.Seq, nil
		case roi.EventDisclosure:
			if ib.ReadyAt != nil && ib.ReleasedAt == nil {
				at := e.At
				ib.ReleasedAt = &at
			}
		case roi.EventTransition:
			var b roi.TransitionBody
			if err := json.Unmarshal(e.Body, &b); err != nil {
				return nil, ibUnreadable(e, err)
			}
			// Leaving approved other than by the release ends readiness
			// (a review sent the decision back; a cancellation).
			if b.From == roi.StatusApproved && b.To != roi.StatusReleased && b.To != roi.StatusPartiallyReleased {
				ib.ReadyAt, ib.ReleasedAt, delay = nil, nil, nil
			}
		}
	}
	if extension != nil {
		ib.Entries = append(ib.Entries, *extension)
	}
	if delay != nil && delay.Ref.Entry > readySeq && ib.Sitting() {
		ib.Entries = append(ib.Entries, *delay)
	}
	for i := range ib.Entries {
		en := &ib.Entries[i]
		if en.Exception != roi.ExceptionNone {
			continue
		}
		if en.Reason = reasons[en.Ref]; en.Reason == nil {
			ib.Unexplained++
		}
	}
	ib.PastDue = ib.Unexplained > 0 && r.Status.Open() && r.Due.Known() && r.Due < today
	switch {
	case ib.ReadyAt != nil && ib.ReleasedAt != nil:
		ib.ReadyFor = ib.ReleasedAt.Sub(*ib.ReadyAt)
	case ib.ReadyAt != nil:
		ib.ReadyFor = now.Sub(*ib.ReadyAt)
		ib.ReadyTooLong = ib.ReadyFor > limit
	}
	return ib, nil
}

func ibUnreadable(e roi.LedgerEntry, err error) error {
	return roi.WrapOp("workflow.info-blocking-read", roi.CodeInternal, fmt.Errorf("ledger entry %d: %w", e.Seq, err), "A ledger entry does not read.")
}

// InfoBlocking returns request id's standing under Part 171. It shows no
// PHI (exceptions, item keys, times) and records no view.
func (d *Desk) InfoBlocking(ctx context.Context, id roi.RequestID) (*InfoBlocking, error) {
	r, err := d.store.Request(ctx, id)
	if err != nil {
		return nil, err
	}
	return d.infoBlockingFor(ctx, r)
}

func (d *Desk) infoBlockingFor(ctx context.Context, r *roi.DeskRequest) (*InfoBlocking, error) {
	if !InPart171(r) {
		return &InfoBlocking{ReadyLimit: d.readyLimit()}, nil
	}
	ds, err := d.store.Decisions(ctx, r.ID)
	if err != nil {
		return nil, err
	}
	hist, err := d.store.Ledger(ctx, store.LedgerFilter{RequestID: r.ID, NotKind: roi.EventView})
	if err != nil {
		return nil, err
	}
	return infoBlockingOf(r, ds, hist, d.Now(), d.Today(), d.readyLimit())
}

// requireExplained refuses (ErrNoneWithoutReason) to let what carries the
// stored decision decisionID — its letter, its release — go while one of
// its entries rests on none without a privacy officer's reason; with
// extension, the extension entry too (the extension letter).
func (d *Desk) requireExplained(ctx context.Context, r *roi.DeskRequest, decisionID int64, extension bool, what string) error {
	if !InPart171(r) {
		return nil
	}
	ib, err := d.infoBlockingFor(ctx, r)
	if err != nil {
		return err
	}
	for _, e := range ib.Entries {
		if e.Exception != roi.ExceptionNone || e.Reason != nil {
			continue
		}
		if (decisionID != 0 && e.Ref.Decision == decisionID) || (extension && e.Practice == roi.PracticeExtension) {
			return noneWithoutReason(r.Number, what)
		}
	}
	return nil
}

// ExplainNone records a privacy officer's reason for every practice on
// request id that rests on no exception and has no reason yet. Only an
// account in the privacy officer's role may (CodeForbidden otherwise,
// whatever route called it); with nothing to explain it is CodeConflict.
// The reason is kept in the ledger with what it covers; it changes no state
// of the request (its version stays).
func (d *Desk) ExplainNone(ctx context.Context, actor string, id roi.RequestID, reason string) (*InfoBlocking, error) {
	if err := requireActor(actor); err != nil {
		return nil, err
	}
	reason = strings.TrimSpace(reason)
	if reason == "" {
		return nil, invalid("Write the reason: why the practice may stand without an information-blocking exception.")
	}
	if len(reason) > 4000 {
		return nil, invalid("The reason is too long: at most 4,000 characters.")
	}
	u, err := d.store.UserByName(ctx, actor)
	if err != nil && roi.CodeOf(err) != roi.CodeNotFound {
		return nil, err
	}
	if u == nil || u.Disabled || u.Role != privacyOfficer {
		return nil, roi.Errorf(roi.CodeForbidden, "Only a privacy officer may record the reason for a practice that rests on no information-blocking exception.")
	}
	r, err := d.store.Request(ctx, id)
	if err != nil {
		return nil, err
	}
	ib, err := d.infoBlockingFor(ctx, r)
	if err != nil {
		return nil, err
	}
	covers := ib.unexplained()
	if len(covers) == 0 {
		return nil, roi.Errorf(roi.CodeConflict, "Nothing on request %s rests on no exception without a reason.", r.Number)
	}
	if err := d.store.Append(ctx, roi.Event{Kind: roi.EventInfoBlockingReason, RequestID: r.ID, PatientID: r.PatientID, Actor: actor,
		Body: roi.InfoBlockingReasonBody{Covers: covers, Reason: reason}}); err != nil {
		return nil, err
	}
	return d.infoBlockingFor(ctx, r)
}

// Delay is a person's account of why a request ready to release is not
// released yet: the exception it rests on and a note.
type Delay struct {
	Exception roi.Exception
	Note      string
}

// RecordDelay records why an access or directive request that is ready to
// release waits: the exception (none is allowed, and is then a risk for
// the privacy officer) and the note. Like a reason, it changes no state.
func (d *Desk) RecordDelay(ctx context.Context, actor string, id roi.RequestID, in Delay) (*InfoBlocking, error) {
	if err := requireActor(actor); err != nil {
		return nil, err
	}
	if !in.Exception.Valid() {
		return nil, invalid("Name the information-blocking exception the delay rests on (or none).")
	}
	in.Note = strings.TrimSpace(in.Note)
	if in.Note == "" {
		return nil, invalid("Say why the release waits.")
	}
	r, err := d.store.Request(ctx, id)
	if err != nil {
		return nil, err
	}
	if !InPart171(r) {
		return nil, invalid("Only an access or directive request's delay is recorded under Part 171.")
	}
	ib, err := d.infoBlockingFor(ctx, r)
	if err != nil {
		return nil, err
	}
	if r.Status != roi.StatusApproved || !ib.Sitting() {
		return nil, roi.Errorf(roi.CodeConflict, "Request %s is not ready to release; only a delay of a ready request is recorded.", r.Number)
	}
	if err := d.store.Append(ctx, roi.Event{Kind: roi.EventInfoBlocking, RequestID: r.ID, PatientID: r.PatientID, Actor: actor,
		Body: roi.InfoBlockingBody{Practice: roi.PracticeDelay, Exception: in.Exception, Note: in.Note}}); err != nil {
		return nil, err
	}
	return d.infoBlockingFor(ctx, r)
}

// engineExceptions is the info_blocking of the evaluation a decision rests
// on, for a Part 171 request. An evaluation stored before the engine named
// exceptions has none: the request is evaluated again (CodeConflict)
// rather than have its withholdings pass as resting on nothing.
func engineExceptions(r *roi.DeskRequest, ev *StoredDecision) (map[string]roi.Exception, error) {
	if ev.InfoBlocking == nil {
		return nil, roi.Errorf(roi.CodeConflict, "Request %s's evaluation names no information-blocking exceptions (it predates them); evaluate it again.", r.Number)
	}
	return ev.InfoBlocking, nil
}

// decisionExceptions fills a person's decision's InfoBlocking on a Part 171
// request: the engine's exception for what the engine withholds or holds,
// and for a hold that is the person's own (escalating what the engine
// decided) the exception the person picked — when they picked nothing, the
// engine's own for the request if it named one (a pending request held
// still lacks what the law requires), else none. It returns whether the
// request entry is the person's.
func decisionExceptions(r *roi.DeskRequest, ev *StoredDecision, final *Final, pick roi.Exception) (bool, error) {
	eng, err := engineExceptions(r, ev)
	if err != nil {
		return false, err
	}
	final.InfoBlocking = map[string]roi.Exception{}
	for k := range final.Withhold {
		final.InfoBlocking[k] = exceptionOr(eng, k)
	}
	own := false
	switch final.Action {
	case ActDeny, ActPending:
		final.InfoBlocking[roi.InfoBlockingRequest] = exceptionOr(eng, roi.InfoBlockingRequest)
	case ActEscalate:
		if x, ok := eng[roi.InfoBlockingRequest]; ok && ev.Outcome == roi.OutcomeEscalate {
			final.InfoBlocking[roi.InfoBlockingRequest] = x
		} else if ev.Outcome != roi.OutcomeEscalate {
			// The person holds what the rules decided: their call.
			x := pick
			if e, ok := eng[roi.InfoBlockingRequest]; ok && x == "" {
				x = e
			}
			final.InfoBlocking[roi.InfoBlockingRequest] = pickOf(x)
			own = true
		}
	}
	return own, nil
}

// exceptionOr is m[k], or none when the engine named nothing for k.
func exceptionOr(m map[string]roi.Exception, k string) roi.Exception {
	if x, ok := m[k]; ok {
		return x
	}
	return roi.ExceptionNone
}

// resolutionExceptions fills a resolution's InfoBlocking on a Part 171
// request: a denial rests on what the person picked (picking nothing, on
// the engine's exception for the request when it named one — a
// representative's endangerment is preventing harm — else none); an
// approval keeps the engine's exception for what the rules withhold and
// takes the person's pick (none when nothing is picked) for the waiting
// items they did not release. It returns the keys resting on the person's
// call.
func resolutionExceptions(final *Final, eng map[string]roi.Exception, waiting []string, picked roi.Exception) []string {
	final.InfoBlocking = map[string]roi.Exception{}
	pick := pickOf(picked)
	if final.Action == "resolve-deny" {
		if x, ok := eng[roi.InfoBlockingRequest]; ok && picked == "" {
			pick = x
		}
		final.InfoBlocking[roi.InfoBlockingRequest] = pick
		return []string{roi.InfoBlockingRequest}
	}
	var own []string
	for k := range final.Withhold {
		if slices.Contains(waiting, k) {
			final.InfoBlocking[k] = pick
			own = append(own, k)
		} else {
			final.InfoBlocking[k] = exceptionOr(eng, k)
		}
	}
	slices.Sort(own)
	return own
}

// readyEvent is the ledger entry of the moment a request became ready to
// release, for a Part 171 request whose decision releases something.
func readyEvent(r *roi.DeskRequest, final *Final, actor string, decisionID, reviewID int64) (roi.Event, bool) {
	if !InPart171(r) || final == nil || len(final.Release) == 0 {
		return roi.Event{}, false
	}
	return roi.Event{Kind: roi.EventReadyToRelease, Actor: actor, Body: roi.ReadyBody{DecisionID: decisionID, ReviewID: reviewID}}, true
}

// pickOf is the exception a person picked: none when they picked nothing.
func pickOf(e roi.Exception) roi.Exception {
	if e == "" {
		return roi.ExceptionNone
	}
	return e
}

// checkPick refuses an exception that is not on the list (empty is none).
func checkPick(e roi.Exception) error {
	if e == "" || e.Valid() {
		return nil
	}
	_, err := ParseException(string(e))
	return err
}
