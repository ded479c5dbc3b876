package main

// A desk of hospital size: thousands of patients with Synthea charts,
// tens of thousands of requests over two years and millions of ledger
// entries, written in bulk through store.Seeder (test use only).
//
// Charts are cloned from the Synthea bundles in the shared data directory
// and the demo bundles: every clone is a distinct synthetic patient (new
// FHIR id, MRN, name and birth date) holding a random subset of its
// template's chart items, with the labels the real import computed for
// them. Request bodies (evidence, evaluation, decision) are copied from
// one request taken through the real workflow first.

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io/fs"
	"math"
	mrand "math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/custodian-roi/custodian/internal/demo"
	"github.com/custodian-roi/custodian/internal/fhir"
	"github.com/custodian-roi/custodian/internal/roi"
	"github.com/custodian-roi/custodian/internal/store"
	"github.com/custodian-roi/custodian/internal/workflow"
)

// deskSize is how big a seeded desk is.
type deskSize struct {
	patients, closed, open int
	ledger                 int // ledger entries in all, about
	raw                    int // patients (the first ones) whose raw resources are kept, so that they can be released
}

// deskPrefix starts the FHIR id of every seeded patient; it is how a
// seeded database is recognized.
const deskPrefix = "desk-"

// template is one imported Synthea patient that clones copy.
type template struct {
	id    roi.PatientID
	items []roi.ChartItem
	raw   map[string][]byte          // item key → raw resource
	fold  map[string][]string        // item key → keys of the resources folded into it
	fraw  map[string]json.RawMessage // folded resource key → raw
	praw  []byte                     // the Patient resource
}

// seeded describes a seeded desk for the run.
type seeded struct {
	patients  []string // FHIR ids of the patients intake and release use (raw resources kept)
	deskPIDs  int      // seeded patients
	requests  int
	ledger    int64
	took      time.Duration
	wasSeeded bool
}

// deskSeeded counts the seeded patients already in s.
func deskSeeded(ctx context.Context, s *store.Store) ([]*roi.PatientRecord, error) {
	ps, err := s.Patients(ctx)
	if err != nil {
		return nil, err
	}
	var out []*roi.PatientRecord
	for _, p := range ps {
		if strings.HasPrefix(p.FHIRID, deskPrefix) {
			out = append(out, p)
		}
	}
	return out, nil
}

// seedDesk builds a desk of size sz in s, unless s already holds one
// (then it is reused as it is).
func seedDesk(ctx context.Context, s *store.Store, d *workflow.Desk, sz deskSize, dataDir string) (*seeded, error) {
	have, err := deskSeeded(ctx, s)
	if err != nil {
		return nil, err
	}
	out := &seeded{}
	if len(have) > 0 {
		if len(have) != sz.patients {
			return nil, fmt.Errorf("the database already holds a seeded desk of %d patients, not %d: use another --db", len(have), sz.patients)
		}
		out.wasSeeded = true
		for i, p := range have {
			if i < max(sz.raw, 1) {
				out.patients = append(out.patients, p.FHIRID)
			}
		}
		out.deskPIDs = len(have)
		return out, nil
	}
	t0 := time.Now()
	tpls, err := importTemplates(ctx, s, d, dataDir)
	if err != nil {
		return nil, fmt.Errorf("templates: %w", err)
	}
	bodies, err := captureBodies(ctx, s, d, tpls[0].id)
	if err != nil {
		return nil, fmt.Errorf("a request through the workflow: %w", err)
	}
	fmt.Printf("imported %d template charts (%s items) and took one request through the workflow in %s\n",
		len(tpls), templateSizes(tpls), time.Since(t0).Round(time.Millisecond))
	g := &gen{s: s, sz: sz, tpls: tpls, bodies: bodies, r: mrand.New(mrand.NewPCG(12, 2026)), now: time.Now().UTC()}
	if err := g.run(ctx); err != nil {
		return nil, err
	}
	out.patients, out.deskPIDs, out.requests, out.ledger = g.releasable, sz.patients, sz.closed+sz.open, g.b.LedgerSeq()
	out.took = time.Since(t0)
	return out, nil
}

// warmDesk brings a seeded desk to the state of one that has been
// running: "sensitive in scope" worked out for every request, and every
// patient and request in the search's word index. A running desk keeps
// both current as charts, labels and requests change (intake writes the
// words); a bulk seed has neither, and measuring it would time that
// one-off catch-up instead of the desk. The desk's own reads do both: a
// queue look filtered on sensitivity, and a search.
func warmDesk(ctx context.Context, d *workflow.Desk) error {
	t0 := time.Now()
	if _, err := d.Queue(ctx, "custodian-load", workflow.RequestFilter{Sensitive: true, Limit: 1}); err != nil {
		return fmt.Errorf("working out sensitive in scope: %w", err)
	}
	t1 := time.Now()
	if _, err := d.Search(ctx, "custodian-load", "warm"); err != nil {
		return fmt.Errorf("indexing words for search: %w", err)
	}
	fmt.Printf("sensitive in scope known for every request (%s); every patient and request indexed for search (%s)\n",
		t1.Sub(t0).Round(time.Millisecond), time.Since(t1).Round(time.Millisecond))
	return nil
}

func templateSizes(tpls []*template) string {
	var n []string
	for _, t := range tpls {
		n = append(n, fmt.Sprint(len(t.items)))
	}
	return strings.Join(n, ", ")
}

// importTemplates imports the demo bundles and the shared Synthea bundles
// through the real import (labels and all) and returns them as templates.
func importTemplates(ctx context.Context, s *store.Store, d *workflow.Desk, dataDir string) ([]*template, error) {
	type src struct {
		name string
		data []byte
	}
	var srcs []src
	names, _ := fs.Glob(demo.Bundles, "bundles/*.json")
	for _, n := range names {
		b, err := demo.Bundles.ReadFile(n)
		if err != nil {
			return nil, err
		}
		srcs = append(srcs, src{filepath.Base(n), b})
	}
	seen := map[string]bool{}
	for _, s := range srcs {
		seen[s.name] = true
	}
	for _, sub := range []string{"synthea", "synthea-large"} {
		files, _ := filepath.Glob(filepath.Join(dataDir, sub, "*.json"))
		for _, f := range files {
			if seen[filepath.Base(f)] {
				continue
			}
			b, err := os.ReadFile(f)
			if err != nil {
				return nil, err
			}
			srcs = append(srcs, src{filepath.Base(f), b})
		}
	}
	var out []*template
	for _, sr := range srcs {
		charts, err := fhir.ReadBundle(bytes.NewReader(sr.data), "")
		if err != nil {
			return nil, fmt.Errorf("%s: %w", sr.name, err)
		}
		for _, c := range charts {
			p, err := s.PatientByRef(ctx, c.Patient.FHIRID)
			var id roi.PatientID
			if err == nil {
				id = p.ID
			} else if id, _, err = d.Import(ctx, "load", c); err != nil {
				return nil, fmt.Errorf("%s: %w", sr.name, err)
			}
			items, err := s.ChartItems(ctx, id)
			if err != nil {
				return nil, err
			}
			t := &template{id: id, items: items, raw: map[string][]byte{}, fold: map[string][]string{}, fraw: c.FoldedRaw, praw: c.PatientRaw}
			for i, it := range c.Items {
				if i < len(c.Details) {
					t.raw[it.Key] = c.Details[i].Raw
					if len(c.Details[i].Resources) > 1 {
						t.fold[it.Key] = c.Details[i].Resources[1:]
					}
				}
			}
			out = append(out, t)
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no bundles")
	}
	return out, nil
}

// lifecycle holds bodies copied from one request the real workflow took
// from intake to release.
type lifecycle struct {
	evidence   string // identity evidence as stored
	evaluation string // the engine's evaluation as stored
	decision   string // the person's decision as stored
	outcome    string
	ruleSet    string
}

func captureBodies(ctx context.Context, s *store.Store, d *workflow.Desk, pid roi.PatientID) (*lifecycle, error) {
	p, err := s.Patient(ctx, pid)
	if err != nil {
		return nil, err
	}
	r, err := d.Intake(ctx, "load", workflow.Intake{PatientID: pid, Request: roi.Request{Received: d.Today(),
		Requester: roi.Requester{Kind: roi.KindPatient, Name: p.Name}, Basis: roi.BasisAccess},
		Contact: "1 Example Street, Springfield", Delivery: roi.DeliveryMail})
	if err != nil {
		return nil, err
	}
	if r, _, err = d.AttachEvidence(ctx, "load", r.ID, r.Version, []byte(`{"type":"identity","verified":true,"method":"photo ID"}`)); err != nil {
		return nil, err
	}
	if r, _, err = d.Evaluate(ctx, "load", r.ID, r.Version); err != nil {
		return nil, err
	}
	if r, _, err = d.Decide(ctx, "load", r.ID, r.Version, workflow.Decide{Action: workflow.ActApprove}); err != nil {
		if r2, err2 := s.Request(ctx, r.ID); err2 == nil {
			r = r2
		}
		if r, _, err = d.Decide(ctx, "load", r.ID, r.Version, workflow.Decide{Action: workflow.ActPartial}); err != nil {
			return nil, err
		}
	}
	ev, err := s.Evidence(ctx, r.ID)
	if err != nil || len(ev) == 0 {
		return nil, fmt.Errorf("evidence: %v", err)
	}
	ds, err := s.Decisions(ctx, r.ID)
	if err != nil {
		return nil, err
	}
	out := &lifecycle{evidence: string(ev[0].Body)}
	for _, x := range ds {
		switch x.Kind {
		case roi.DecisionByEngine:
			out.evaluation, out.outcome, out.ruleSet = string(x.Body), string(x.Outcome), x.RuleSet
		case roi.DecisionByPerson:
			out.decision = string(x.Body)
		}
	}
	if out.evaluation == "" || out.decision == "" {
		return nil, fmt.Errorf("no evaluation or decision stored")
	}
	// The request stays, approved, in the queue like any other.
	return out, nil
}

// gen generates the desk.
type gen struct {
	s      *store.Store
	b      *store.Seeder
	sz     deskSize
	tpls   []*template
	bodies *lifecycle
	r      *mrand.Rand
	now    time.Time

	firstPID   roi.PatientID
	pats       []genPatient
	reqs       []genRequest
	releasable []string
	days       [][]event // events by day of the window
	start      time.Time // the window's first day (midnight UTC)
	nextEv     int64
	nextDec    int64
}

type genPatient struct {
	id      roi.PatientID
	name    string
	mrn     string
	nItems  int
	created time.Time
}

type genRequest struct {
	id       roi.RequestID
	pid      roi.PatientID
	number   string
	kind     roi.Kind
	basis    roi.Basis
	delivery roi.Delivery
	name     string
	typ      roi.RequestType
	received roi.Date
	due      roi.Date
	status   roi.Status
	evID     int64
	evalID   int64
	decID    int64
	released int
}

// event is one ledger entry to write, compact until it is written.
type event struct {
	at   int64 // unix microseconds
	kind uint8
	req  int32 // index into reqs, -1 for none
	pid  roi.PatientID
	who  uint16
	arg  uint8
}

const (
	evImport = iota
	evIntake
	evTransition
	evVerification
	evEvaluation
	evDecision
	evDenial
	evReview
	evDisclosure
	evQueued
	evDelivery
	evViewRequest
	evViewChart
	evViewQueue
	evViewSearch
	evViewAccounting
	evViewPatients
	evViewPacket
	evReminder
)

var evKinds = []roi.EventKind{roi.EventImport, roi.EventIntake, roi.EventTransition, roi.EventVerification, roi.EventEvaluation,
	roi.EventDecision, roi.EventDenial, roi.EventReview, roi.EventDisclosure, roi.EventDeliveryQueued, roi.EventDelivery,
	roi.EventView, roi.EventView, roi.EventView, roi.EventView, roi.EventView, roi.EventView, roi.EventView, roi.EventReminder}

// Staff: who acts in the seeded history.
var staff = func() []string {
	var out []string
	for i := 1; i <= 40; i++ {
		out = append(out, fmt.Sprintf("clerk%02d", i))
	}
	for i := 1; i <= 30; i++ {
		out = append(out, fmt.Sprintf("specialist%02d", i))
	}
	for i := 1; i <= 10; i++ {
		out = append(out, fmt.Sprintf("qa%02d", i))
	}
	for i := 1; i <= 6; i++ {
		out = append(out, fmt.Sprintf("auditor%02d", i))
	}
	return out
}()

func (g *gen) clerk() uint16      { return uint16(g.r.IntN(40)) }
func (g *gen) specialist() uint16 { return uint16(40 + g.r.IntN(30)) }
func (g *gen) qa() uint16         { return uint16(70 + g.r.IntN(10)) }
func (g *gen) anyone() uint16     { return uint16(g.r.IntN(len(staff))) }

var (
	givens   = []string{"Aaron", "Abby", "Adela", "Alfonso", "Amalia", "Arden", "Bennett", "Bernie", "Bryce", "Carmen", "Cecil", "Chana", "Darla", "Delmer", "Dominga", "Elden", "Elvira", "Emmett", "Fausto", "Felipa", "Gaston", "Gertie", "Hilda", "Hollis", "Isidro", "Jacinta", "Jerold", "Kasey", "Lavern", "Leota", "Lucio", "Marlys", "Merle", "Nakia", "Noel", "Odell", "Ofelia", "Porfirio", "Quinn", "Rosalba", "Rupert", "Shanna", "Sixto", "Tamra", "Ulysses", "Vada", "Wendell", "Yesenia", "Zack", "Zelda"}
	families = []string{"Abbott", "Bartell", "Bechtelar", "Block", "Brakus", "Collier", "Cronin", "Daugherty", "Dibbert", "Ebert", "Feeney", "Gerhold", "Goldner", "Gulgowski", "Hackett", "Hahn", "Heidenreich", "Hintz", "Jakubowski", "Jaskolski", "Kautzer", "Koss", "Kuhlman", "Langworth", "Lemke", "Lind", "Marvin", "Mohr", "Nader", "Okuneva", "Pacocha", "Pfannerstill", "Quigley", "Reichert", "Rippin", "Runolfsson", "Sauer", "Schiller", "Shanahan", "Stamm", "Terry", "Tillman", "Ullrich", "Veum", "Walsh", "Wehner", "Wisozk", "Wuckert", "Yost", "Zulauf"}
)

// requester kinds with their bases, as a desk sees them (shares in ‰).
var mix = []struct {
	permil int
	kind   roi.Kind
	basis  roi.Basis
	name   string
}{
	{300, roi.KindPatient, roi.BasisAccess, ""},
	{50, roi.KindRepresentative, roi.BasisAccess, "Representative of"},
	{220, roi.KindProvider, roi.BasisTreatment, "Riverside Family Clinic"},
	{90, roi.KindAttorney, roi.BasisAuthorization, "Hale & Ortiz LLP"},
	{30, roi.KindAttorney, roi.BasisSubpoena, "Marsh Legal Group"},
	{90, roi.KindInsurer, roi.BasisAuthorization, "Great Lakes Life Insurance"},
	{70, roi.KindHealthPlan, roi.BasisPayment, "Summit Health Plan"},
	{20, roi.KindEmployer, roi.BasisAuthorization, "Northwind Logistics HR"},
	{40, roi.KindWorkersCompCarrier, roi.BasisWorkersComp, "State Workers Comp Fund"},
	{25, roi.KindPublicHealth, roi.BasisPublicHealth, "County Health Department"},
	{15, roi.KindHealthOversight, roi.BasisHealthOversight, "State Survey Agency"},
	{15, roi.KindLawEnforcement, roi.BasisLawEnforcement, "City Police Department"},
	{10, roi.KindCourt, roi.BasisCourtOrder, "Superior Court"},
	{5, roi.KindCoroner, roi.BasisCoroner, "County Medical Examiner"},
	{10, roi.KindPatient, roi.BasisAccess, "accounting"},
}

var deliveries = []struct {
	permil int
	d      roi.Delivery
}{{400, roi.DeliveryPortal}, {230, roi.DeliveryMail}, {150, roi.DeliveryEmail}, {120, roi.DeliveryFax}, {50, roi.DeliverySFTP}, {50, roi.DeliveryPickup}}

func (g *gen) run(ctx context.Context) error {
	b, err := g.s.Seed(ctx)
	if err != nil {
		return err
	}
	g.b = b
	defer b.Abort()
	var maxP, maxR, maxE, maxD, counter int64
	if err := g.maxIDs(ctx, &maxP, &maxR, &maxE, &maxD, &counter); err != nil {
		return err
	}
	g.firstPID, g.nextEv, g.nextDec = roi.PatientID(maxP+1), maxE+1, maxD+1
	g.start = time.Date(g.now.Year(), g.now.Month(), g.now.Day(), 0, 0, 0, 0, time.UTC).AddDate(-2, 0, 0)
	ndays := int(g.now.Sub(g.start).Hours()/24) + 1
	g.days = make([][]event, ndays)

	t := time.Now()
	if err := g.patients(); err != nil {
		return err
	}
	fmt.Printf("  %d patients with their charts queued in %s\n", g.sz.patients, time.Since(t).Round(time.Millisecond))
	t = time.Now()
	if err := g.requests(maxR, counter); err != nil {
		return err
	}
	fmt.Printf("  %d requests queued in %s\n", len(g.reqs), time.Since(t).Round(time.Millisecond))
	t = time.Now()
	if err := g.ledger(); err != nil {
		return err
	}
	fmt.Printf("  ledger written to entry %d in %s\n", b.LedgerSeq(), time.Since(t).Round(time.Millisecond))
	t = time.Now()
	if err := b.Close(); err != nil {
		return err
	}
	fmt.Printf("  committed in %s\n", time.Since(t).Round(time.Millisecond))
	return nil
}

func (g *gen) maxIDs(ctx context.Context, p, r, e, d, counter *int64) error {
	ps, err := g.s.Patients(ctx)
	if err != nil {
		return err
	}
	for _, x := range ps {
		*p = max(*p, int64(x.ID))
	}
	rs, err := g.s.Requests(ctx, store.RequestFilter{})
	if err != nil {
		return err
	}
	for _, x := range rs {
		*r = max(*r, int64(x.ID))
		var n int64
		if i := strings.LastIndexByte(x.Number, '-'); i >= 0 {
			fmt.Sscan(x.Number[i+1:], &n)
		}
		*counter = max(*counter, n)
		ev, err := g.s.Evidence(ctx, x.ID)
		if err != nil {
			return err
		}
		for _, y := range ev {
			*e = max(*e, y.ID)
		}
		ds, err := g.s.Decisions(ctx, x.ID)
		if err != nil {
			return err
		}
		for _, y := range ds {
			*d = max(*d, y.ID)
		}
	}
	return nil
}

// at returns a moment on day (from the window's start) in working hours,
// weekends less often.
func (g *gen) at(day int) int64 {
	t := g.start.AddDate(0, 0, day).Add(time.Duration(7*3600+g.r.IntN(11*3600)) * time.Second).Add(time.Duration(g.r.IntN(1e6)) * time.Microsecond)
	if t.After(g.now) {
		t = g.now.Add(-time.Duration(g.r.IntN(3600)) * time.Second)
	}
	return t.UnixMicro()
}

func (g *gen) add(day int, e event) {
	if day < 0 {
		day = 0
	}
	if day >= len(g.days) {
		day = len(g.days) - 1
	}
	if e.at == 0 {
		e.at = g.at(day)
	}
	g.days[day] = append(g.days[day], e)
}

// workday picks a day of the window, weekdays five times as often as
// weekend days.
func (g *gen) workday(lo, hi int) int {
	for {
		d := lo + g.r.IntN(max(hi-lo, 1))
		wd := g.start.AddDate(0, 0, d).Weekday()
		if (wd != time.Saturday && wd != time.Sunday) || g.r.IntN(5) == 0 {
			return d
		}
	}
}

func (g *gen) patients() error {
	pcols := []string{"id", "fhir_id", "mrn", "name", "birth_date", "death_date", "emancipated", "created_at"}
	icols := []string{"patient_id", "item_key", "item_date", "item_type", "title", "computed_labels", "labels", "source", "date_until", "date_field"}
	scols := []string{"patient_id", "item_key", "source"}
	rcols := []string{"patient_id", "resource_key", "raw"}
	for i := range g.sz.patients {
		id := g.firstPID + roi.PatientID(i)
		t := g.tpls[i%len(g.tpls)]
		name := fmt.Sprintf("%s%d %s%d", givens[g.r.IntN(len(givens))], 100+g.r.IntN(900), families[g.r.IntN(len(families))], 10+g.r.IntN(990))
		mrn := fmt.Sprintf("M%08d", 20000000+i)
		fhirID := fmt.Sprintf("%s%08x-%04x-4%03x-%04x-%012x", deskPrefix, g.r.Uint32(), g.r.IntN(1<<16), g.r.IntN(1<<12), 0x8000|g.r.IntN(1<<14), g.r.Uint64()&(1<<48-1))
		birth := roi.MakeDate(1930+g.r.IntN(94), 1+g.r.IntN(12), 1+g.r.IntN(28))
		var death any
		if g.r.IntN(40) == 0 {
			death = roi.MakeDate(2020+g.r.IntN(5), 1+g.r.IntN(12), 1+g.r.IntN(28)).String()
		}
		// Chart size: log-normal around 110 items (Synthea's charts run
		// from a few dozen to over a thousand), at most the template's.
		n := int(110 * math.Exp(0.7*g.r.NormFloat64()))
		n = min(max(n, 12), len(t.items))
		pick := g.r.Perm(len(t.items))[:n]
		slices.Sort(pick)
		day := g.r.IntN(5)
		created := time.UnixMicro(g.at(day)).UTC()
		if err := g.b.Row("patients", pcols, id, fhirID, mrn, name, birth.String(), death, false, created.Format("2006-01-02T15:04:05.000000Z")); err != nil {
			return err
		}
		keep := i < g.sz.raw
		written := map[string]bool{}
		raw := func(key string, b []byte) error {
			if len(b) == 0 || written[key] {
				return nil
			}
			written[key] = true
			return g.b.Row("raw_resources", rcols, id, key, b)
		}
		for _, k := range pick {
			it := t.items[k]
			ls := strings.Join(it.Labels.Strings(), ",")
			if err := g.b.Row("chart_items", icols, id, it.Key, it.Date.String(), it.Type, it.Title, ls, ls, it.Source, it.Until.String(), it.DateField); err != nil {
				return err
			}
			for _, why := range it.Why {
				wb, _ := json.Marshal(why)
				if err := g.b.Row("label_sources", scols, id, it.Key, string(wb)); err != nil {
					return err
				}
			}
			if keep {
				if err := raw(it.Key, t.raw[it.Key]); err != nil {
					return err
				}
				for _, fk := range t.fold[it.Key] {
					if err := raw(fk, t.fraw[fk]); err != nil {
						return err
					}
				}
			}
		}
		if keep {
			g.releasable = append(g.releasable, fhirID)
			if err := raw("Patient/"+fhirID, t.praw); err != nil {
				return err
			}
		}
		g.pats = append(g.pats, genPatient{id: id, name: name, mrn: mrn, nItems: n, created: created})
		g.add(day, event{at: created.UnixMicro(), kind: evImport, req: -1, pid: id, who: 0, arg: 0})
	}
	return nil
}

func (g *gen) requests(maxR, counter int64) error {
	cols := []string{"id", "number", "patient_id", "type", "received", "requester_kind", "requester_name", "basis", "recipient", "scope",
		"contact", "delivery", "status", "assignee", "due", "version", "evaluated_version", "extended", "created_at", "updated_at"}
	ecols := []string{"id", "request_id", "type", "body", "added_by", "added_at"}
	dcols := []string{"id", "request_id", "kind", "rule_set", "outcome", "body", "made_by", "made_at"}
	total := g.sz.closed + g.sz.open
	ndays := len(g.days)
	type pending struct {
		rq    genRequest
		day   int
		final roi.Status
	}
	var all []pending
	for i := range total {
		open := i >= g.sz.closed
		var day int
		if open {
			day = g.workday(ndays-45, ndays)
		} else {
			day = g.workday(5, ndays-40)
		}
		// Some patients ask often, most once or twice.
		pi := g.r.IntN(len(g.pats))
		if g.r.IntN(3) == 0 {
			pi = int(float64(len(g.pats)) * math.Pow(g.r.Float64(), 3))
		}
		p := g.pats[pi]
		m := g.pickMix()
		rq := genRequest{pid: p.id, kind: mix[m].kind, basis: mix[m].basis, delivery: g.pickDelivery(),
			received: dateOf(g.start.AddDate(0, 0, day)), typ: roi.RequestRecords}
		if mix[m].name == "accounting" {
			rq.typ = roi.RequestAccounting
		}
		switch {
		case mix[m].name == "":
			rq.name = p.name
		case mix[m].name == "accounting":
			rq.name = p.name
		case mix[m].kind == roi.KindRepresentative:
			rq.name = "Representative of " + p.name
		default:
			rq.name = mix[m].name
		}
		rq.due = rq.received.AddDays(30)
		pd := pending{rq: rq, day: day}
		if open {
			pd.final = []roi.Status{roi.StatusReceived, roi.StatusReceived, roi.StatusVerifying, roi.StatusVerifying, roi.StatusInReview,
				roi.StatusInReview, roi.StatusInReview, roi.StatusAwaitingRequester, roi.StatusEscalated, roi.StatusApproved}[g.r.IntN(10)]
		} else {
			x := g.r.IntN(100)
			switch {
			case x < 76:
				pd.final = roi.StatusReleased
			case x < 86:
				pd.final = roi.StatusPartiallyReleased
			case x < 91:
				pd.final = roi.StatusDenied
			case x < 95:
				pd.final = roi.StatusCancelled
			default:
				pd.final = roi.StatusClosed
			}
		}
		all = append(all, pd)
	}
	// Numbers and ids in order received, as intake gives them.
	slices.SortStableFunc(all, func(a, b pending) int { return a.day - b.day })
	for i := range all {
		pd := &all[i]
		rq := &pd.rq
		rq.id = roi.RequestID(maxR + 1 + int64(i))
		rq.number = fmt.Sprintf("R-%d-%06d", rq.received.Year(), counter+1+int64(i))
		rq.status = pd.final
		g.reqs = append(g.reqs, *rq)
	}
	for i := range all {
		pd := &all[i]
		rq := &g.reqs[i]
		ri := int32(i)
		day := pd.day
		spec := g.specialist()
		g.add(day, event{kind: evIntake, req: ri, who: g.clerk()})
		// Evidence and decisions follow their request's row.
		var rows []func() error
		later := func(table string, cols []string, vals ...any) error {
			rows = append(rows, func() error { return g.b.Row(table, cols, vals...) })
			return nil
		}
		version := 1
		lastDay := day
		lastAt := g.days[day][len(g.days[day])-1].at
		// Each step of the request comes after the one before it.
		step := func(gap int, e event) {
			if gap > 0 && lastDay+gap < len(g.days) {
				lastDay += gap
			}
			e.req, e.at = ri, g.at(lastDay)
			if e.at <= lastAt {
				e.at = lastAt + 1 + g.r.Int64N(int64(20*time.Minute/time.Microsecond))
			}
			lastAt = e.at
			g.add(lastDay, e)
		}
		reached := func(st roi.Status) bool { return statusRank[pd.final] >= statusRank[st] }
		if pd.final == roi.StatusCancelled {
			step(2+g.r.IntN(10), event{kind: evTransition, who: g.clerk(), arg: trCancel})
			version++
		} else if reached(roi.StatusVerifying) {
			// identity evidence, verifying, then review
			rq.evID = g.nextEv
			g.nextEv++
			step(g.r.IntN(3), event{kind: evTransition, who: spec, arg: trVerify})
			step(0, event{kind: evVerification, who: spec})
			version++
			if err := later("evidence", ecols, rq.evID, rq.id, "identity", g.bodies.evidence, staff[spec], g.stamp(lastDay)); err != nil {
				return err
			}
			if reached(roi.StatusInReview) {
				step(g.r.IntN(4), event{kind: evTransition, who: spec, arg: trReview})
				version++
			}
			if pd.final == roi.StatusAwaitingRequester {
				step(g.r.IntN(3), event{kind: evTransition, who: spec, arg: trPending})
				version++
			}
			if reached(roi.StatusApproved) || pd.final == roi.StatusDenied || pd.final == roi.StatusEscalated {
				rq.evalID = g.nextDec
				g.nextDec++
				step(g.r.IntN(5), event{kind: evEvaluation, who: spec})
				version++
				if err := later("decisions", dcols, rq.evalID, rq.id, "evaluation", g.bodies.ruleSet, g.bodies.outcome, g.bodies.evaluation, staff[spec], g.stamp(lastDay)); err != nil {
					return err
				}
				if pd.final != roi.StatusEscalated {
					rq.decID = g.nextDec
					g.nextDec++
					kind, body, outcome, tr := uint8(evDecision), g.bodies.decision, "release", uint8(trApprove)
					if pd.final == roi.StatusDenied {
						kind, tr, outcome = evDenial, trDeny, "deny"
						b, _ := json.Marshal(workflow.Final{Action: workflow.ActDeny, Reasons: []roi.Code{}, Release: []string{}, EvaluationID: rq.evalID})
						body = string(b)
					}
					step(g.r.IntN(3), event{kind: kind, who: spec})
					step(0, event{kind: evTransition, who: spec, arg: tr})
					version++
					if err := later("decisions", dcols, rq.decID, rq.id, "decision", g.bodies.ruleSet, outcome, body, staff[spec], g.stamp(lastDay)); err != nil {
						return err
					}
					if g.r.IntN(3) == 0 {
						step(g.r.IntN(2), event{kind: evReview, who: g.qa()})
						version++
					}
				} else {
					step(g.r.IntN(3), event{kind: evTransition, who: spec, arg: trEscalate})
					version++
				}
			}
			if reached(roi.StatusReleased) && pd.final != roi.StatusDenied {
				rq.released = 10 + g.r.IntN(150)
				step(g.r.IntN(4), event{kind: evDisclosure, who: spec})
				step(0, event{kind: evQueued, who: spec})
				tr := uint8(trRelease)
				if pd.final == roi.StatusPartiallyReleased {
					tr = trPartial
				}
				step(0, event{kind: evTransition, who: spec, arg: tr})
				version++
				step(g.r.IntN(3), event{kind: evDelivery, who: spec})
			}
			if pd.final == roi.StatusClosed {
				step(1+g.r.IntN(20), event{kind: evTransition, who: spec, arg: trClose})
				version++
			}
		}
		// Views of the request while it was worked and a little after;
		// on average about 28 a request.
		span := max(lastDay-day, 1) + 10
		nv := int(28 * math.Exp(0.6*g.r.NormFloat64()) * 0.84)
		for range nv {
			g.add(day+int(float64(span)*math.Pow(g.r.Float64(), 2)), event{kind: evViewRequest, req: ri, who: g.anyone()})
		}
		// Reminders for requests open near their due day.
		if lastDay-day > 25 || statusRank[pd.final] < statusRank[roi.StatusReleased] && len(g.days)-day > 25 {
			g.add(day+25, event{kind: evReminder, req: ri, who: 0})
		}
		created := g.stamp(day)
		updated := g.stamp(lastDay)
		if err := g.b.Row("requests", cols, rq.id, rq.number, rq.pid, typeOf(rq), rq.received.String(), string(rq.kind), rq.name,
			string(rq.basis), "", "{}", contactOf(rq), string(rq.delivery), string(rq.status), "", rq.due.String(), version, 0, false, created, updated); err != nil {
			return err
		}
		for _, row := range rows {
			if err := row(); err != nil {
				return err
			}
		}
	}
	return g.b.Exec(`UPDATE counters SET value = $1 WHERE name = 'request'`, counter+int64(total))
}

func typeOf(rq *genRequest) string { return string(rq.typ) }

func dateOf(t time.Time) roi.Date {
	y, m, d := t.UTC().Date()
	return roi.MakeDate(y, int(m), d)
}

func contactOf(rq *genRequest) string {
	switch rq.delivery {
	case roi.DeliveryPickup:
		return ""
	case roi.DeliveryEmail, roi.DeliveryPortal:
		return fmt.Sprintf("requester%d@example.org", rq.id)
	case roi.DeliveryFax:
		return "+1-555-0100"
	case roi.DeliverySFTP:
		return "partner"
	}
	return fmt.Sprintf("%d Example Street, Springfield", 1+rq.id%900)
}

var statusRank = map[roi.Status]int{roi.StatusReceived: 0, roi.StatusVerifying: 1, roi.StatusAwaitingRequester: 1, roi.StatusInReview: 2,
	roi.StatusEscalated: 3, roi.StatusDenied: 3, roi.StatusApproved: 4, roi.StatusReleased: 5, roi.StatusPartiallyReleased: 5,
	roi.StatusClosed: 6, roi.StatusCancelled: -1}

// transitions, by the arg of an evTransition event.
const (
	trVerify = iota
	trReview
	trPending
	trApprove
	trDeny
	trEscalate
	trRelease
	trPartial
	trClose
	trCancel
)

var trBodies = [][3]string{
	{"received", "verifying", "evidence received"},
	{"verifying", "in_review", "identity verified"},
	{"in_review", "awaiting_requester", "pending"},
	{"in_review", "approved", "approve"},
	{"in_review", "denied", "deny"},
	{"in_review", "escalated", "escalate"},
	{"approved", "released", "released"},
	{"approved", "partially_released", "released"},
	{"released", "closed", "closed"},
	{"received", "cancelled", "cancelled by the requester"},
}

func (g *gen) stamp(day int) string {
	return time.UnixMicro(g.at(min(max(day, 0), len(g.days)-1))).UTC().Format("2006-01-02T15:04:05.000000Z")
}

func (g *gen) pickMix() int {
	x := g.r.IntN(1000)
	for i, m := range mix {
		if x < m.permil {
			return i
		}
		x -= m.permil
	}
	return 0
}

func (g *gen) pickDelivery() roi.Delivery {
	x := g.r.IntN(1000)
	for _, d := range deliveries {
		if x < d.permil {
			return d.d
		}
		x -= d.permil
	}
	return roi.DeliveryPortal
}

// ledger fills the days with the views that are not about one request
// (queue, search, charts, accountings) up to the ledger size asked for,
// then writes every day's entries in time order.
func (g *gen) ledger() error {
	n := 0
	for _, d := range g.days {
		n += len(d)
	}
	fill := max(g.sz.ledger-n, 0)
	fmt.Printf("  %d entries about requests and imports, %d views of the queue, searches, charts and accountings to add\n", n, fill)
	// Weekdays get five times the weekend's share.
	weights := make([]float64, len(g.days))
	var sum float64
	for i := range g.days {
		w := 5.0
		if wd := g.start.AddDate(0, 0, i).Weekday(); wd == time.Saturday || wd == time.Sunday {
			w = 1
		}
		// The desk grew a little over the two years.
		w *= 0.8 + 0.4*float64(i)/float64(len(g.days))
		weights[i] = w
		sum += w
	}
	for i := range g.days {
		k := int(float64(fill) * weights[i] / sum)
		for range k {
			x := g.r.IntN(100)
			var e event
			switch {
			case x < 52:
				e = event{kind: evViewQueue, req: -1, who: g.anyone()}
			case x < 67:
				e = event{kind: evViewSearch, req: -1, who: g.anyone()}
			case x < 89:
				e = event{kind: evViewChart, req: -1, pid: g.pats[g.r.IntN(len(g.pats))].id, who: g.anyone()}
			case x < 92:
				e = event{kind: evViewAccounting, req: -1, pid: g.pats[g.r.IntN(len(g.pats))].id, who: uint16(80 + g.r.IntN(6))}
			case x < 94:
				e = event{kind: evViewPatients, req: -1, who: g.anyone()}
			default:
				e = event{kind: evViewPacket, req: int32(g.r.IntN(g.sz.closed)), who: g.anyone()}
			}
			g.add(i, e)
		}
	}
	for i, day := range g.days {
		slices.SortFunc(day, func(a, b event) int { return int(a.at - b.at) })
		for _, e := range day {
			if err := g.write(e); err != nil {
				return err
			}
		}
		g.days[i] = nil
	}
	return nil
}

func (g *gen) write(e event) error {
	var rq *genRequest
	var rid roi.RequestID
	pid := e.pid
	if e.req >= 0 {
		rq = &g.reqs[e.req]
		rid, pid = rq.id, rq.pid
	}
	var body any
	switch e.kind {
	case evImport:
		n := g.pats[pid-g.firstPID].nItems
		body = map[string]int{"items": n, "new_items": n, "resources": n + n/3}
	case evIntake:
		body = map[string]any{"type": typeOf(rq), "basis": rq.basis, "requester_kind": rq.kind, "delivery": rq.delivery, "due": rq.due, "received": rq.received}
	case evTransition:
		t := trBodies[e.arg]
		body = roi.TransitionBody{From: roi.Status(t[0]), To: roi.Status(t[1]), Why: t[2]}
	case evVerification:
		body = roi.EvidenceBody{EvidenceID: rq.evID, Type: string(roi.EvidenceIdentity)}
	case evEvaluation:
		body = map[string]any{"decision_id": rq.evalID, "rule_set": g.bodies.ruleSet, "outcome": g.bodies.outcome, "reasons": []string{}, "released": 40 + int(rq.id%120), "withheld": int(rq.id % 3)}
	case evDecision, evDenial:
		action := "approve"
		if e.kind == evDenial {
			action = "deny"
		}
		body = roi.DecisionBody{DecisionID: rq.decID, Action: action, Reasons: []roi.Code{}, Released: rq.released}
	case evReview:
		body = map[string]any{"review_id": rq.decID, "decision_id": rq.decID, "approve": true}
	case evDisclosure:
		dd := dateOf(time.UnixMicro(e.at))
		body = workflow.Disclosure{RequestNumber: rq.number, Date: dd, Recipient: rq.name, Address: contactOf(rq),
			Items: []string{}, Description: fmt.Sprintf("%d encounters, %d observations dated 2015-01-01 to %s", rq.released/3, rq.released-rq.released/3, dd),
			Purpose: purposeOf(rq.basis), Basis: rq.basis, Delivery: rq.delivery, ReliedOn: []int64{rq.evID}, Accountable: accountable(rq.basis), DecisionID: rq.decID}
	// No packet or delivery rows are seeded, so these entries name none:
	// `ledger verify` checks every delivery row an entry names.
	case evQueued:
		body = map[string]any{"channel": rq.delivery, "state": "queued"}
	case evDelivery:
		body = map[string]any{"channel": rq.delivery, "attempt": 1, "receipt": map[string]string{"channel": string(rq.delivery)}}
	case evViewRequest:
		body = roi.ViewBody{What: "request"}
	case evViewChart:
		body = roi.ViewBody{What: "chart"}
	case evViewQueue:
		body = roi.ViewBody{What: "queue", Results: 50}
	case evViewSearch:
		body = roi.ViewBody{What: "search", Results: g.r.IntN(6)}
	case evViewAccounting:
		body = roi.ViewBody{What: "accounting", Results: g.r.IntN(8)}
	case evViewPatients:
		body = roi.ViewBody{What: "patients", Results: g.sz.patients}
	case evViewPacket:
		body = roi.ViewBody{What: "packet", PacketID: int64(rq.id)}
	case evReminder:
		body = map[string]any{"due": rq.due, "days_left": 5}
	}
	b, err := json.Marshal(body)
	if err != nil {
		return err
	}
	actor := staff[e.who]
	switch e.kind {
	case evDelivery:
		actor = "delivery:load"
	case evReminder:
		actor = "reminders:load"
	case evImport:
		actor = "import"
	}
	return g.b.Ledger(time.UnixMicro(e.at), evKinds[e.kind], rid, pid, actor, b)
}

func purposeOf(b roi.Basis) string {
	switch b {
	case roi.BasisAccess:
		return "at the request of the individual"
	case roi.BasisTreatment:
		return "treatment"
	case roi.BasisPayment:
		return "payment"
	}
	return string(b)
}

// accountable: disclosures an accounting lists (not to the patient, not for
// treatment, payment or operations, not under an authorization).
func accountable(b roi.Basis) bool {
	switch b {
	case roi.BasisAccess, roi.BasisTreatment, roi.BasisPayment, roi.BasisOperations, roi.BasisAuthorization:
		return false
	}
	return true
}
