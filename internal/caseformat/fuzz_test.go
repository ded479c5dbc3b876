package caseformat

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/custodian-roi/custodian/internal/echocheck"
	"github.com/custodian-roi/custodian/internal/roi"
)

// The fuzz targets of this file check properties of every decoder of the
// package, not only that it does not panic:
//
//   - an error is an *InputError whose reason repeats no value of the input
//     (a run of more than echocheck.Max bytes of a JSON string or number that is
//     not also a member name), enumeration values included (issue #15);
//   - what decodes, encoded again in the format by encodeCase (the test's
//     own encoder: the package has none) and decoded, gives the same facts.
//
// Seeds: the conformance cases of internal/conformance/testdata/cases and
// malformed variants; what the fuzzer found is in testdata/fuzz/<Name>/.

// conformanceCases returns the conformance corpus's case files.
func conformanceCases(tb testing.TB) [][]byte {
	tb.Helper()
	paths, _ := filepath.Glob("../conformance/testdata/cases/*/*.json")
	sort.Strings(paths)
	var out [][]byte
	for _, p := range paths {
		data, err := os.ReadFile(p)
		if err != nil {
			tb.Fatal(err)
		}
		out = append(out, data)
	}
	if len(out) == 0 {
		tb.Fatal("no conformance cases found")
	}
	return out
}

// echo returns a run of more than echocheck.Max bytes of msg that is part
// of one of the input's values (or, when the input is not JSON, of the
// input itself) and of none of its member names, or "".
// The decoder's fixed phrases are its own words, not the input's: a case
// whose text happens to say "the document" is not echoed by "the document
// ends too early".
func echo(msg string, data []byte) string {
	return echocheck.InJSON(msg, data, "malformed JSON", "the document ends too early")
}

// quoted matches a value shown by quote(): a Go-quoted string.
var quoted = regexp.MustCompile(`"(?:[^"\\]|\\.)*"`)

// choices is a reason's list of the allowed values, vocabulary:
// "(notice or protective-order)".
var choices = regexp.MustCompile(`\([a-z0-9, -]+ or [a-z0-9 -]+\)`)

// checkError checks an error of the package's decoders against data.
func checkError(t *testing.T, err error, data []byte) {
	t.Helper()
	var ie *InputError
	if !errors.As(err, &ie) {
		t.Fatalf("error %T (%v) is not an *InputError", err, err)
	}
	if ie.Reason == "" {
		t.Fatalf("error %v has no reason", err)
	}
	// No value is quoted since issue #15, not even an unknown
	// enumeration value: the lists of choices are vocabulary.
	reason := choices.ReplaceAllString(ie.Reason, "()")
	if q := quoted.FindString(reason); q != "" {
		t.Fatalf("error %q quotes %s", ie.Reason, q)
	}
	if w := echo(reason, data); w != "" {
		t.Fatalf("error %q repeats input value bytes %q", err, w)
	}
}

// Encoding, for the round trip.

func dateOf(d roi.Date) *string {
	if !d.Known() {
		return nil
	}
	s := d.String()
	return &s
}

func coverageOf(c roi.Coverage) *wireCoverage {
	if !c.From.Known() && !c.To.Known() && !c.HasLabels {
		return nil
	}
	w := &wireCoverage{From: dateOf(c.From), To: dateOf(c.To)}
	if c.HasLabels {
		w.Labels = c.Labels.Strings()
	}
	return w
}

func jurisdictionOf(j roi.Jurisdiction) *wireJurisdiction {
	w := &wireJurisdiction{State: j.State, SpecificAuthorization: j.SpecificAuthorization.Strings(), Unclear: j.Unclear.Strings()}
	if j.AccessDeadline.Days != 0 {
		days := j.AccessDeadline.Days
		w.AccessDeadline = &wireDeadline{Days: &days, BusinessDays: j.AccessDeadline.BusinessDays}
	}
	for _, r := range j.MinorConsent {
		label, access, age := r.Label.String(), string(r.ParentAccess), r.MinAge
		w.MinorConsent = append(w.MinorConsent, wireMinorConsent{Label: &label, MinAge: &age, ParentAccess: &access})
	}
	if j.AgeOfMajority != 0 {
		a := j.AgeOfMajority
		w.AgeOfMajority = &a
	}
	if j.WorkersComp {
		p := "permitted"
		w.WorkersComp = &p
	}
	return w
}

type entry map[string]any

func withCovers(e entry, c roi.Coverage) entry {
	if w := coverageOf(c); w != nil {
		e["covers"] = w
	}
	return e
}

// evidenceOf encodes ev as entries of the format, by type.
func evidenceOf(ev roi.Evidence) []entry {
	var out []entry
	for _, x := range ev.Identity {
		out = append(out, entry{"type": "identity", "verified": x.Verified, "method": x.Method})
	}
	for _, x := range ev.Representatives {
		out = append(out, entry{"type": "representative", "authority": x.Authority, "verified": x.Verified})
	}
	for _, a := range ev.Authorizations {
		var forms []string
		if a.HIPAA {
			forms = append(forms, "hipaa")
		}
		if a.Part2 {
			forms = append(forms, "part2")
		}
		e := entry{"type": "authorization", "id": a.ID, "forms": forms, "signed": dateOf(a.Signed),
			"expires": dateOf(a.Expires), "revoked": dateOf(a.Revoked), "expiration_event": a.ExpirationEvent,
			"expired_event_occurred": a.ExpiredEventOccurred, "discloser": a.Discloser, "recipient": a.Recipient,
			"purpose": a.Purpose, "description": a.Description, "statements": a.Statements, "tpo": a.TPO,
			"known_false": a.KnownFalse, "conditioned": a.Conditioned}
		if a.SignedBy != "" {
			e["signed_by"] = a.SignedBy
		}
		out = append(out, withCovers(e, a.Covers))
	}
	for _, x := range ev.Directives {
		out = append(out, entry{"type": "directive", "recipient": x.Recipient, "signed": dateOf(x.Signed)})
	}
	for _, x := range ev.CourtOrders {
		out = append(out, withCovers(entry{"type": "court-order", "part2_findings": x.Part2Findings}, x.Covers))
	}
	for _, x := range ev.Subpoenas {
		e := entry{"type": "subpoena", "issued_by": x.IssuedBy}
		if x.Assurances != "" {
			e["assurances"] = x.Assurances
		}
		out = append(out, withCovers(e, x.Covers))
	}
	for _, x := range ev.Warrants {
		out = append(out, withCovers(entry{"type": "warrant"}, x.Covers))
	}
	for _, x := range ev.ExtensionNotices {
		out = append(out, entry{"type": "extension-notice", "sent": dateOf(x.Sent), "new_due": dateOf(x.NewDue)})
	}
	if ev.HarmItems != nil {
		ids := []string{}
		for id := range ev.HarmItems {
			ids = append(ids, id)
		}
		sort.Strings(ids)
		out = append(out, entry{"type": "harm-determination", "items": ids})
	}
	if ev.EndangermentConcern {
		out = append(out, entry{"type": "endangerment-concern"})
	}
	if ev.MinorDisclosureConsent {
		out = append(out, entry{"type": "minor-disclosure-consent"})
	}
	return out
}

// encodeCase writes c in the format.
func encodeCase(t *testing.T, c *Case) []byte {
	f := &c.Facts
	items := []entry{}
	for _, it := range f.Items {
		e := entry{"id": it.ID, "date": dateOf(it.Date), "labels": it.Labels.Strings()}
		if it.Until.Known() {
			e["until"] = dateOf(it.Until)
		}
		items = append(items, e)
	}
	var disclosures []entry
	for _, d := range f.Disclosures {
		disclosures = append(disclosures, entry{"id": d.ID, "date": dateOf(d.Date), "recipient": d.Recipient, "basis": d.Basis})
	}
	r := f.Request
	doc := entry{
		"name":         c.Name,
		"now":          dateOf(f.Now),
		"jurisdiction": jurisdictionOf(f.Jurisdiction),
		"patient": entry{"birth_date": dateOf(f.Patient.BirthDate), "death_date": dateOf(f.Patient.DeathDate),
			"emancipated": f.Patient.Emancipated},
		"items": items,
		"request": entry{"type": r.Type, "received": dateOf(r.Received), "basis": r.Basis, "recipient": r.Recipient,
			"requester": entry{"kind": r.Requester.Kind, "name": r.Requester.Name}, "scope": coverageOf(r.Scope)},
		"evidence":    evidenceOf(f.Evidence),
		"disclosures": disclosures,
	}
	if c.Expect != nil {
		doc["expect"] = c.Expect
	}
	data, err := json.Marshal(doc)
	if err != nil {
		t.Fatalf("encoding the decoded case: %v", err)
	}
	return data
}

// normalize makes facts comparable across a round trip: nil and empty
// slices are the same facts.
func normalize(f roi.Facts) roi.Facts {
	if len(f.Items) == 0 {
		f.Items = nil
	}
	if len(f.Disclosures) == 0 {
		f.Disclosures = nil
	}
	if len(f.Jurisdiction.MinorConsent) == 0 {
		f.Jurisdiction.MinorConsent = nil
	}
	for i := range f.Evidence.Authorizations {
		if len(f.Evidence.Authorizations[i].Statements) == 0 {
			f.Evidence.Authorizations[i].Statements = nil
		}
	}
	return f
}

func seedBroken(f *testing.F, doc []byte) {
	f.Add(doc[:len(doc)/2])                                   // truncated
	f.Add(append(bytes.Clone(doc), " {}"...))                 // a second value
	f.Add(bytes.Replace(doc, []byte(`"`), []byte(`'`), 1))    // not JSON
	f.Add(bytes.Replace(doc, []byte(`-`), []byte(`-13-`), 1)) // a bad date
	f.Add(bytes.Replace(doc, []byte(`[`), []byte(`[12345678901234567890,`), 1))
}

func FuzzDecodeCase(f *testing.F) {
	cases := conformanceCases(f)
	for _, c := range cases {
		f.Add(c)
	}
	f.Add([]byte(base))
	seedBroken(f, []byte(base))
	seedBroken(f, cases[len(cases)/2])
	f.Add([]byte(strings.Replace(base, `"basis": "access"`, `"basis": "Zebediah Quillfeather, born 1980-06-15"`, 1)))
	f.Add([]byte(strings.Replace(base, `"jurisdiction"`, `"x"`, 1) + ``))
	f.Add([]byte(strings.Replace(base, "\n}", `, "jurisdiction": {"age_of_majority": 123456789012345678901234}`+"\n}", 1)))
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := Decode(bytes.NewReader(data))
		if err != nil {
			if c != nil {
				t.Fatal("a case with an error")
			}
			checkError(t, err, data)
			return
		}
		// The facts decoded are the facts the format states.
		if !c.Facts.Now.Known() || !c.Facts.Patient.BirthDate.Known() || !c.Facts.Request.Received.Known() {
			t.Fatalf("a required date is missing: %+v", c.Facts)
		}
		for _, it := range c.Facts.Items {
			// An item may be undated ("date": null), never dated after its until.
			if it.ID == "" || (it.Until.Known() && it.Date.Known() && it.Until < it.Date) || it.Labels.Has(roi.LabelGeneral) {
				t.Fatalf("bad item %+v", it)
			}
		}
		// Round trip: encoded again and decoded, the same facts.
		again := encodeCase(t, c)
		c2, err := Decode(bytes.NewReader(again))
		if err != nil {
			t.Fatalf("the re-encoded case does not decode: %v\n%s", err, again)
		}
		if c2.Name != c.Name || !reflect.DeepEqual(normalize(c2.Facts), normalize(c.Facts)) {
			t.Fatalf("round trip changed the case:\n%+v\n%+v\n%s", c.Facts, c2.Facts, again)
		}
		if len(c2.Expect) != len(c.Expect) {
			t.Fatal("round trip changed expect")
		}
	})
}

// evidenceEntries are the evidence entries of the conformance cases.
func evidenceEntries(tb testing.TB) [][]byte {
	var out [][]byte
	for _, c := range conformanceCases(tb) {
		var w struct{ Evidence []json.RawMessage }
		if err := json.Unmarshal(c, &w); err != nil {
			tb.Fatal(err)
		}
		for _, e := range w.Evidence {
			out = append(out, e)
		}
	}
	return out
}

var harmItems = map[string]bool{"G1": true, "N1": true, "Encounter/1": true}

func FuzzDecodeEvidence(f *testing.F) {
	for _, e := range evidenceEntries(f) {
		f.Add(e)
	}
	f.Add([]byte(`{"type":"harm-determination","items":["G1","nobody-named-like-this"]}`))
	f.Add([]byte(`{"type":"authorization","forms":["hipaa"],"signed":"1980-02-30","recipient":"Pat Doe"}`))
	f.Add([]byte(`{"type":"identity","verified":"Zebediah Quillfeather"}`))
	f.Add([]byte(`{"type":"identity","verified":true} {}`))
	f.Add([]byte(`null`))
	f.Add([]byte(`[]`))
	f.Fuzz(func(t *testing.T, data []byte) {
		var ev roi.Evidence
		err := DecodeEvidence(data, harmItems, &ev)
		if err != nil {
			checkError(t, err, data)
			if ie := err.(*InputError); ie.Member != "" && !strings.HasPrefix(ie.Member, "evidence") {
				t.Fatalf("error %v names a member outside the entry", err)
			}
			return
		}
		if !roi.IsEvidenceType(EvidenceType(data)) {
			t.Fatalf("accepted an entry of type %q", EvidenceType(data))
		}
		for id := range ev.HarmItems {
			if !harmItems[id] {
				t.Fatalf("harm determination names an unknown item %q", id)
			}
		}
		// Round trip: the one entry encoded again gives the same evidence.
		entries := evidenceOf(ev)
		if len(entries) != 1 {
			t.Fatalf("one entry decoded as %d", len(entries))
		}
		again, _ := json.Marshal(entries[0])
		var ev2 roi.Evidence
		if err := DecodeEvidence(again, harmItems, &ev2); err != nil {
			t.Fatalf("re-encoded entry %s: %v", again, err)
		}
		n1, n2 := normalize(roi.Facts{Evidence: ev}), normalize(roi.Facts{Evidence: ev2})
		if !reflect.DeepEqual(n1, n2) {
			t.Fatalf("round trip changed the evidence:\n%+v\n%+v", ev, ev2)
		}
	})
}

func FuzzDecodeJurisdiction(f *testing.F) {
	for _, c := range conformanceCases(f) {
		var w struct{ Jurisdiction json.RawMessage }
		if err := json.Unmarshal(c, &w); err == nil && w.Jurisdiction != nil {
			f.Add([]byte(w.Jurisdiction))
		}
	}
	f.Add([]byte(`{"state":"TX","access_deadline":{"days":15,"business_days":true},"age_of_majority":18}`))
	f.Add([]byte(`{"minor_consent":[{"label":"hiv","min_age":12,"parent_access":"allowed"}],"workers_comp":"permitted"}`))
	f.Add([]byte(`{"access_deadline":{"days":-1}}`))
	f.Add([]byte(`{"age_of_majority":1e400}`))
	f.Add([]byte(`{"minor_consent":[{"label":"Zebediah Quillfeather"}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		j, err := DecodeJurisdiction(data)
		if err != nil {
			checkError(t, err, data)
			return
		}
		if j.AccessDeadline.Days < 0 || j.AgeOfMajority < 0 || j.AgeOfMajority > 30 {
			t.Fatalf("accepted %+v", j)
		}
		again, err := json.Marshal(jurisdictionOf(j))
		if err != nil {
			t.Fatal(err)
		}
		j2, err := DecodeJurisdiction(again)
		if err != nil {
			t.Fatalf("re-encoded jurisdiction %s: %v", again, err)
		}
		n1, n2 := normalize(roi.Facts{Jurisdiction: j}), normalize(roi.Facts{Jurisdiction: j2})
		if !reflect.DeepEqual(n1, n2) {
			t.Fatalf("round trip changed the jurisdiction:\n%+v\n%+v", j, j2)
		}
	})
}

func FuzzDecodeScope(f *testing.F) {
	f.Add([]byte(`{"from":"2025-01-01","to":"2025-12-31","labels":["general","hiv"]}`))
	f.Add([]byte(`{"from":"2025-01-01","to":"2024-12-31"}`))
	f.Add([]byte(`{"labels":[]}`))
	f.Add([]byte(`{"from":"2025-02-29"}`))
	f.Add([]byte(`{"labels":["Zebediah Quillfeather's notes"]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		var w *Scope
		if json.NewDecoder(bytes.NewReader(data)).Decode(&w) != nil {
			return // the callers' JSON decoder refuses it first
		}
		c, err := DecodeScope("request.scope", w)
		if err != nil {
			checkError(t, err, data)
			if !strings.HasPrefix(err.(*InputError).Member, "request.scope") {
				t.Fatalf("error %v names another member", err)
			}
			return
		}
		if c.From.Known() && c.To.Known() && c.From > c.To {
			t.Fatalf("accepted from after to: %+v", c)
		}
		if c.HasLabels != (w != nil && w.Labels != nil) {
			t.Fatalf("HasLabels %v for %s", c.HasLabels, data)
		}
		again, _ := json.Marshal(coverageOf(c))
		var w2 *Scope
		if err := json.Unmarshal(again, &w2); err != nil {
			t.Fatal(err)
		}
		c2, err := DecodeScope("request.scope", w2)
		if err != nil || !reflect.DeepEqual(c, c2) {
			t.Fatalf("round trip: %+v, %+v, %v", c, c2, err)
		}
	})
}

// TestEchoCheck keeps the fuzzers' echo check honest: it finds a value
// repeated, and not a member name.
func TestEchoCheck(t *testing.T) {
	data := []byte(`{"name_of_a_member_long":"Zebediah Quillfeather"}`)
	if echo("x: Zebediah Quillfeather", data) == "" {
		t.Error("a repeated value passes")
	}
	if echo("name_of_a_member_long: required", data) != "" {
		t.Error("a member name counts as a value")
	}
	if echo("oops "+"Zebediah Quill", []byte(`{"a": "Zebediah Quill`)) == "" {
		t.Error("a value of a malformed document passes")
	}
}
