package audit

import (
	"encoding/json"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/custodian-roi/custodian/internal/roi"
)

// requirement is what one profile requires of an AuditEvent, written from
// the profile's text:
//
//   - BALP 1.1.x (profiles.ihe.net/ITI/BALP): Create, Read, Update and Query
//     require type rest (audit-event-type), a subtype from
//     restful-interaction (create; read/vread; update; search-type, search
//     or search-system), action C/R/U/E, an agent of type 110153 Source
//     Role ID (the client) and one of type 110152 Destination Role ID (the
//     server), each with who and requestor, at most one requestor user, a
//     source observer, and an entity:data (type 2 System Object, role 4
//     Domain Resource, what 1..1) — or for Query an entity:query (type 2,
//     role 24 Query, query 1..1). The Patient* profiles add entity:patient:
//     what Reference(Patient), type 1 Person, role 1 Patient.
//   - BALP Login/Logout: type DCM 110114 User Authentication, subtype DCM
//     110122 Login / 110123 Logout, action E, an agent (the user) with who
//     and requestor true.
//   - DICOM PS3.15 A.5.3.7 Export: EventID 110106, action R, the exporting
//     process (110153 Source Role ID) and the media it went to (110155
//     Destination Media), a requestor, the patient and the data object as
//     participant objects.
//   - DICOM PS3.15 A.5.3.11 Security Alert: EventID 110113, an event type
//     code from the alert list, action E, a requestor.
//
// Every R4 AuditEvent also needs recorded, an agent with requestor, and a
// source with an observer.
type requirement struct {
	typeSystem, typeCode string
	subSystem            string
	subCodes             []string // one of these
	action               string
	agentTypes           []string // codes each required once
	requestorUser        bool     // an agent with requestor true is required
	data, query          bool     // entity:data / entity:query required
	patient              bool     // entity:patient required
}

var profiles = map[Profile]requirement{
	ProfileCreate:        {SystemEventType, "rest", SystemRestful, []string{"create"}, "C", []string{"110153", "110152"}, false, true, false, false},
	ProfilePatientCreate: {SystemEventType, "rest", SystemRestful, []string{"create"}, "C", []string{"110153", "110152"}, false, true, false, true},
	ProfileRead:          {SystemEventType, "rest", SystemRestful, []string{"read", "vread"}, "R", []string{"110153", "110152"}, false, true, false, false},
	ProfilePatientRead:   {SystemEventType, "rest", SystemRestful, []string{"read", "vread"}, "R", []string{"110153", "110152"}, false, true, false, true},
	ProfileUpdate:        {SystemEventType, "rest", SystemRestful, []string{"update"}, "U", []string{"110153", "110152"}, false, true, false, false},
	ProfilePatientUpdate: {SystemEventType, "rest", SystemRestful, []string{"update"}, "U", []string{"110153", "110152"}, false, true, false, true},
	ProfileQuery:         {SystemEventType, "rest", SystemRestful, []string{"search-type", "search", "search-system"}, "E", []string{"110153", "110152"}, false, false, true, false},
	ProfilePatientQuery:  {SystemEventType, "rest", SystemRestful, []string{"search-type", "search", "search-system"}, "E", []string{"110153", "110152"}, false, false, true, true},
	ProfileLogin:         {SystemDCM, "110114", SystemDCM, []string{"110122"}, "E", nil, true, false, false, false},
	ProfileLogout:        {SystemDCM, "110114", SystemDCM, []string{"110123"}, "E", nil, true, false, false, false},
	ProfileExport:        {SystemDCM, "110106", "", nil, "R", []string{"110153", "110155"}, true, true, false, true},
	ProfileSecurityAlert: {SystemDCM, "110113", SystemDCM, []string{"110126", "110127", "110128", "110129", "110130", "110131", "110132", "110135", "110136", "110137"}, "E", nil, true, false, false, false},
}

// conforms lists what ev lacks against profile p; none means it conforms.
func conforms(ev AuditEvent, p Profile) []string {
	req, ok := profiles[p]
	if !ok {
		return []string{"no requirement table for profile " + string(p)}
	}
	var miss []string
	fail := func(f string, a ...any) { miss = append(miss, fmt.Sprintf(f, a...)) }
	if ev.ResourceType != "AuditEvent" {
		fail("resourceType")
	}
	if u := p.URL(); u != "" && (ev.Meta == nil || !slices.Contains(ev.Meta.Profile, u)) {
		fail("meta.profile %s", u)
	}
	if ev.Type == nil || ev.Type.System != req.typeSystem || ev.Type.Code != req.typeCode {
		fail("type %s|%s", req.typeSystem, req.typeCode)
	}
	if req.subCodes != nil && !slices.ContainsFunc(ev.Subtype, func(c Coding) bool {
		return c.System == req.subSystem && slices.Contains(req.subCodes, c.Code)
	}) {
		fail("subtype %s|%v", req.subSystem, req.subCodes)
	}
	if ev.Action != req.action {
		fail("action %s", req.action)
	}
	if _, err := time.Parse(time.RFC3339Nano, ev.Recorded); err != nil {
		fail("recorded")
	}
	if !slices.Contains([]string{"0", "4", "8", "12"}, ev.Outcome) {
		fail("outcome")
	}
	if ev.Source == nil || ev.Source.Observer == nil || (ev.Source.Observer.Identifier == nil && ev.Source.Observer.Reference == "") {
		fail("source.observer")
	}
	if len(ev.Agent) == 0 {
		fail("agent")
	}
	requestors := 0
	for i, a := range ev.Agent {
		if a.Requestor == nil {
			fail("agent[%d].requestor", i)
		} else if *a.Requestor {
			requestors++
		}
		if a.Who == nil || (a.Who.Identifier == nil && a.Who.Reference == "") {
			fail("agent[%d].who", i)
		}
		if a.Type == nil || len(a.Type.Coding) == 0 {
			fail("agent[%d].type", i)
		}
	}
	if requestors > 1 {
		fail("at most one requestor agent")
	}
	if req.requestorUser && requestors != 1 {
		fail("a requestor agent")
	}
	for _, code := range req.agentTypes {
		n := 0
		for _, a := range ev.Agent {
			if a.Type != nil && slices.ContainsFunc(a.Type.Coding, func(c Coding) bool { return c.System == SystemDCM && c.Code == code }) {
				n++
			}
		}
		if n != 1 {
			fail("one agent of type %s", code)
		}
	}
	has := func(typ, role string, ok func(Entity) bool) bool {
		return slices.ContainsFunc(ev.Entity, func(e Entity) bool {
			return e.Type != nil && e.Type.System == SystemEntityType && e.Type.Code == typ &&
				e.Role != nil && e.Role.System == SystemObjectRole && e.Role.Code == role && ok(e)
		})
	}
	if req.data && !has("2", "4", func(e Entity) bool { return e.What != nil && (e.What.Identifier != nil || e.What.Reference != "") }) {
		fail("entity:data (type 2, role 4, what)")
	}
	if req.query && !has("2", "24", func(e Entity) bool { return len(e.Query) > 0 }) {
		fail("entity:query (type 2, role 24, query)")
	}
	patient := func(e Entity) bool { return e.What != nil && strings.HasPrefix(e.What.Reference, "Patient/") }
	if req.patient && !has("1", "1", patient) {
		fail("entity:patient (type 1, role 1, what Patient)")
	}
	return miss
}

// declaredKinds are the values of every EventKind constant in internal/roi
// and internal/ledger, read from their source.
func declaredKinds(t *testing.T) []roi.EventKind {
	t.Helper()
	var out []roi.EventKind
	for _, dir := range []string{"../roi", "../ledger"} {
		files, err := filepath.Glob(filepath.Join(dir, "*.go"))
		if err != nil {
			t.Fatal(err)
		}
		fset := token.NewFileSet()
		for _, name := range files {
			if strings.HasSuffix(name, "_test.go") {
				continue
			}
			f, err := parser.ParseFile(fset, name, nil, 0)
			if err != nil {
				t.Fatal(err)
			}
			for _, d := range f.Decls {
				g, ok := d.(*ast.GenDecl)
				if !ok || g.Tok != token.CONST {
					continue
				}
				for _, sp := range g.Specs {
					vs := sp.(*ast.ValueSpec)
					typ := ""
					switch x := vs.Type.(type) {
					case *ast.Ident:
						typ = x.Name
					case *ast.SelectorExpr:
						typ = x.Sel.Name
					}
					if typ != "EventKind" {
						continue
					}
					for _, v := range vs.Values {
						if lit, ok := v.(*ast.BasicLit); ok && lit.Kind == token.STRING {
							s, _ := strconv.Unquote(lit.Value)
							out = append(out, roi.EventKind(s))
						}
					}
				}
			}
		}
	}
	if len(out) < 50 {
		t.Fatalf("found only %d ledger kinds: the parse missed some", len(out))
	}
	return out
}

var site = Site{Observer: "custodian.example.org", Name: "Example Hospital"}

func entry(kind roi.EventKind, rid roi.RequestID, pid roi.PatientID, actor, body string) roi.LedgerEntry {
	return roi.LedgerEntry{Seq: 42, At: time.Date(2026, 3, 2, 12, 0, 0, 123456000, time.UTC), Kind: kind,
		RequestID: rid, PatientID: pid, Actor: actor, Body: json.RawMessage(body),
		PrevHash: strings.Repeat("a", 64), Hash: strings.Repeat("b", 64)}
}

// bodies give some kinds a body with the ids they carry.
var bodies = map[roi.EventKind]string{
	roi.EventIntake:     `{"type":"third-party","basis":"authorization"}`,
	roi.EventEvidence:   `{"evidence_id":3,"type":"authorization"}`,
	roi.EventDocument:   `{"document_id":1,"kind":"authorization"}`,
	roi.EventDecision:   `{"decision_id":6,"action":"approve"}`,
	roi.EventDisclosure: `{"recipient":"Jane Roe, Esq.","address":"1 Main St","basis":"subpoena","decision_id":6}`,
	roi.EventDelivery:   `{"delivery_id":1,"packet":2,"channel":"mail"}`,
	roi.EventLogin:      `{"client":"192.0.2.7","session":"s"}`,
	roi.EventLabel:      `{"item":"Observation/1","label":"hiv","action":"add","reason":"result in the note"}`,
}

// TestEveryKindConforms: every declared ledger kind has a pattern, and its
// AuditEvent — with a patient and a request, and without — conforms to the
// profile it claims.
func TestEveryKindConforms(t *testing.T) {
	kinds := declaredKinds(t)
	for _, k := range kinds {
		if !Mapped(k) {
			t.Errorf("ledger kind %q has no AuditEvent pattern", k)
		}
		body := bodies[k]
		if body == "" {
			body = `{}`
		}
		for _, e := range []roi.LedgerEntry{
			entry(k, 7, 3, "spec.sam", body),
			entry(k, 0, 0, "custodian", body),
			entry(k, 0, 3, "portal", body),
		} {
			ev := Event(e, site)
			p := ProfileOf(ev)
			miss := conforms(ev, p)
			if p == ProfileExport && e.PatientID == 0 {
				// DICOM's Export requires the patient: an entry without one
				// cannot conform, and workflow fills it in from the request.
				if len(miss) != 1 || !strings.HasPrefix(miss[0], "entity:patient") {
					t.Errorf("%s without a patient: lacks %v, want only the patient", k, miss)
				}
				continue
			}
			if len(miss) > 0 {
				t.Errorf("%s (request %d, patient %d) as %s lacks %v", k, e.RequestID, e.PatientID, p, miss)
			}
			if _, err := json.Marshal(ev); err != nil {
				t.Errorf("%s: %v", k, err)
			}
			if e.PatientID != 0 && p != ProfileLogin && p != ProfileLogout && p != ProfileSecurityAlert {
				if !strings.HasPrefix(string(p), "IHE.BasicAudit.Patient") && p != ProfileExport {
					t.Errorf("%s with a patient maps to %s, not a Patient profile", k, p)
				}
			}
		}
	}
}

// TestProfilesChosen: the kinds a security team looks for land in the
// profiles it expects.
func TestProfilesChosen(t *testing.T) {
	for _, c := range []struct {
		kind roi.EventKind
		pid  roi.PatientID
		body string
		want Profile
	}{
		{roi.EventView, 3, `{"what":"request"}`, ProfilePatientRead},
		{roi.EventView, 3, `{"what":"document","document_id":2}`, ProfilePatientRead},
		{roi.EventView, 0, `{"what":"queue","results":4}`, ProfileQuery},
		{roi.EventView, 3, `{"what":"search","results":1}`, ProfilePatientQuery},
		{roi.EventIntake, 3, `{}`, ProfilePatientCreate},
		{roi.EventIntake, 0, `{}`, ProfileCreate},
		{roi.EventTransition, 3, `{}`, ProfilePatientUpdate},
		{roi.EventLogin, 0, `{}`, ProfileLogin},
		{roi.EventLoginFailed, 0, `{}`, ProfileLogin},
		{roi.EventLogout, 0, `{}`, ProfileLogout},
		{roi.EventDisclosure, 3, `{}`, ProfileExport},
		{roi.EventUserAdded, 0, `{}`, ProfileSecurityAlert},
		{"ledger-key", 0, `{}`, ProfileSecurityAlert},
	} {
		ev := Event(entry(c.kind, 7, c.pid, "clerk", c.body), site)
		if got := ProfileOf(ev); got != c.want {
			t.Errorf("%s %s: profile %s, want %s", c.kind, c.body, got, c.want)
		}
	}
	failed := Event(entry(roi.EventLoginFailed, 0, 0, "alice", `{"reason":"password","client":"192.0.2.7"}`), site)
	if n := failed.Agent[0].Network; n == nil || n.Address != "192.0.2.7" || n.Type != "2" {
		t.Errorf("a failed sign-in's client address: %+v", n)
	}
	if n := Event(entry(roi.EventLogin, 0, 0, "alice", `{"client":"not an address"}`), site).Agent[0].Network; n != nil {
		t.Errorf("a client that is not an address became the network: %+v", n)
	}
	ok := Event(entry(roi.EventLogin, 0, 0, "alice", `{}`), site)
	if failed.Outcome != "4" || ok.Outcome != "0" {
		t.Errorf("outcomes: failed sign-in %q, sign-in %q; want 4 and 0", failed.Outcome, ok.Outcome)
	}
}

// TestCheckerCatchesMissing: the checker is not a rubber stamp — for each
// profile, an event with one required element taken away fails it.
func TestCheckerCatchesMissing(t *testing.T) {
	samples := map[Profile]roi.LedgerEntry{
		ProfileCreate:        entry(roi.EventIntake, 7, 0, "clerk", `{}`),
		ProfilePatientCreate: entry(roi.EventIntake, 7, 3, "clerk", `{}`),
		ProfileRead:          entry(roi.EventView, 7, 0, "clerk", `{"what":"request"}`),
		ProfilePatientRead:   entry(roi.EventView, 7, 3, "clerk", `{"what":"request"}`),
		ProfileUpdate:        entry(roi.EventTransition, 7, 0, "clerk", `{}`),
		ProfilePatientUpdate: entry(roi.EventTransition, 7, 3, "clerk", `{}`),
		ProfileQuery:         entry(roi.EventView, 0, 0, "clerk", `{"what":"queue"}`),
		ProfilePatientQuery:  entry(roi.EventView, 0, 3, "clerk", `{"what":"search"}`),
		ProfileLogin:         entry(roi.EventLogin, 0, 0, "alice", `{}`),
		ProfileLogout:        entry(roi.EventLogout, 0, 0, "alice", `{}`),
		ProfileExport:        entry(roi.EventDisclosure, 7, 3, "spec", `{}`),
		ProfileSecurityAlert: entry(roi.EventUserAdded, 0, 0, "admin", `{}`),
	}
	if len(samples) != len(profiles) {
		t.Fatalf("%d samples for %d profiles", len(samples), len(profiles))
	}
	mutations := []struct {
		name string
		cut  func(*AuditEvent)
	}{
		{"type", func(e *AuditEvent) { e.Type = nil }},
		{"subtype", func(e *AuditEvent) { e.Subtype = e.Subtype[len(e.Subtype)-1:] }}, // keeps only the kind's own code
		{"action", func(e *AuditEvent) { e.Action = "D" }},
		{"recorded", func(e *AuditEvent) { e.Recorded = "" }},
		{"outcome", func(e *AuditEvent) { e.Outcome = "" }},
		{"source.observer", func(e *AuditEvent) { e.Source.Observer = nil }},
		{"agent.requestor", func(e *AuditEvent) { e.Agent[0].Requestor = nil }},
		{"agent.who", func(e *AuditEvent) { e.Agent[0].Who = nil }},
		{"agents", func(e *AuditEvent) { e.Agent = nil }},
		{"meta.profile", func(e *AuditEvent) { e.Meta = nil }},
		{"entity:patient", func(e *AuditEvent) {
			e.Entity = slices.DeleteFunc(e.Entity, func(x Entity) bool { return x.Role != nil && x.Role.Code == "1" })
		}},
		{"entity:data", func(e *AuditEvent) {
			e.Entity = slices.DeleteFunc(e.Entity, func(x Entity) bool { return x.Role != nil && x.Role.Code == "4" })
		}},
		{"entity:query", func(e *AuditEvent) {
			e.Entity = slices.DeleteFunc(e.Entity, func(x Entity) bool { return x.Role != nil && x.Role.Code == "24" })
		}},
		{"agent 110152 or 110155", func(e *AuditEvent) {
			e.Agent = slices.DeleteFunc(e.Agent, func(a Agent) bool { c := a.Type.Coding[0].Code; return c == "110152" || c == "110155" })
		}},
	}
	for p, e := range samples {
		ev := Event(e, site)
		if got := ProfileOf(ev); got != p {
			t.Fatalf("sample for %s maps to %s", p, got)
		}
		if miss := conforms(ev, p); len(miss) > 0 {
			t.Fatalf("%s sample lacks %v", p, miss)
		}
		caught := 0
		for _, m := range mutations {
			var cut AuditEvent
			raw, _ := json.Marshal(ev)
			if err := json.Unmarshal(raw, &cut); err != nil {
				t.Fatal(err)
			}
			before, _ := json.Marshal(cut)
			m.cut(&cut)
			after, _ := json.Marshal(cut)
			if string(before) == string(after) {
				continue // the profile has no such element to take away
			}
			if len(conforms(cut, p)) == 0 {
				t.Errorf("%s without %s still passes the checker", p, m.name)
			}
			caught++
		}
		if caught < 8 {
			t.Errorf("%s: only %d mutations applied", p, caught)
		}
	}
}

// TestLinkedToLedger: the event names its entry's sequence number and hash.
func TestLinkedToLedger(t *testing.T) {
	e := entry(roi.EventDecision, 7, 3, "spec", `{"decision_id":6}`)
	e.KeyID = "k1"
	ev := Event(e, site)
	if ev.ID != "42" {
		t.Errorf("id %q, want the sequence number 42", ev.ID)
	}
	var link *Entity
	for i := range ev.Entity {
		if w := ev.Entity[i].What; w != nil && w.Identifier != nil && w.Identifier.System == SystemLedgerEntry {
			link = &ev.Entity[i]
		}
	}
	if link == nil {
		t.Fatal("no ledger-entry entity")
	}
	got := map[string]string{}
	for _, d := range link.Detail {
		got[d.Type] = d.ValueString
	}
	if link.What.Identifier.Value != "42" || got["hash"] != e.Hash || got["prev-hash"] != e.PrevHash || got["kind"] != "decision" || got["key-id"] != "k1" {
		t.Errorf("ledger link %+v details %v", link.What.Identifier, got)
	}
	if !slices.ContainsFunc(ev.Entity, func(x Entity) bool {
		return x.What != nil && x.What.Identifier != nil && x.What.Identifier.System == "urn:custodian:decision" && x.What.Identifier.Value == "6"
	}) {
		t.Errorf("the decision is not the data object: %+v", ev.Entity)
	}
}

// TestNoBodyText: the event carries ids and codes, never a body's words
// (a disclosure's recipient and address, a label's reason).
func TestNoBodyText(t *testing.T) {
	for _, k := range []roi.EventKind{roi.EventDisclosure, roi.EventLabel} {
		raw, _ := json.Marshal(Event(entry(k, 7, 3, "spec", bodies[k]), site))
		for _, w := range []string{"Jane", "Main St", "result in the note"} {
			if strings.Contains(string(raw), w) {
				t.Errorf("%s event repeats %q: %s", k, w, raw)
			}
		}
	}
	raw, _ := json.Marshal(Event(entry(roi.EventDisclosure, 7, 3, "spec", bodies[roi.EventDisclosure]), site))
	if !strings.Contains(string(raw), `"HLEGAL"`) {
		t.Errorf("a disclosure on a subpoena carries no legal purpose of use: %s", raw)
	}
	raw, _ = json.Marshal(Event(entry(roi.EventView, 7, 3, "spec", `{"what":"request"}`), site))
	if strings.Contains(string(raw), "purposeOf") {
		t.Errorf("a view claims a purpose of use it does not know: %s", raw)
	}
}

func TestParseDate(t *testing.T) {
	day := func(d int) time.Time { return time.Date(2026, 3, d, 0, 0, 0, 0, time.UTC) }
	at := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		in   string
		want Range
	}{
		{"2026-03-02", Range{day(2), day(3)}},
		{"eq2026-03-02", Range{day(2), day(3)}},
		{"ge2026-03-02", Range{From: day(2)}},
		{"gt2026-03-02", Range{From: day(3)}},
		{"le2026-03-02", Range{To: day(3)}},
		{"lt2026-03-02", Range{To: day(2)}},
		{"ge2026-03", Range{From: day(1)}},
		{"lt2027", Range{To: time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)}},
		{"ge2026-03-02T10:00:00Z", Range{From: at}},
		{"lt2026-03-02T12:00:00+02:00", Range{To: at}},
		{"le2026-03-02T10:00:00Z", Range{To: at.Add(time.Microsecond)}},
	} {
		got, err := ParseDate(c.in)
		if err != nil || !got.From.Equal(c.want.From) || !got.To.Equal(c.want.To) {
			t.Errorf("ParseDate(%q) = %v, %v; want %v", c.in, got, err, c.want)
		}
	}
	for _, bad := range []string{"lt0001", "gt0000", "0999-12-31T23:00:00Z", "", "yesterday", "ne2026-03-02", "2026-13-01", "2026-03-02T10:00", "ge", "2026-3-2"} {
		if _, err := ParseDate(bad); err == nil {
			t.Errorf("ParseDate(%q) accepted", bad)
		} else if len(bad) > 4 && strings.Contains(err.Error(), bad) {
			t.Errorf("the error repeats the value: %v", err)
		}
	}
	r := Range{From: day(1)}.Narrow(Range{From: day(2), To: day(5)}).Narrow(Range{To: day(4)})
	if !r.From.Equal(day(2)) || !r.To.Equal(day(4)) {
		t.Errorf("Narrow: %v", r)
	}
}
