// Package caseformat reads the facts of a request in the vocabulary of the
// conformance format (FORMAT.md of the shared conformance corpus): whole
// cases for the CLI and the corpus, single evidence entries for the API.
// It checks every member strictly.
//
// Decoding never guesses: a malformed document, an unknown label, code,
// basis, requester kind or evidence type, a missing required member or an
// impossible date is an *InputError naming the member. Error messages never
// repeat names, dates or free text from the case, which may be PHI.
package caseformat

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/custodian-roi/custodian/internal/roi"
)

// InputError is a case that cannot be decided as written.
type InputError struct {
	Member string // JSON path of the offending member, e.g. items[2].labels[0]
	Reason string
}

func (e *InputError) Error() string {
	if e.Member == "" {
		return e.Reason
	}
	return e.Member + ": " + e.Reason
}

// Case is one decoded case.
type Case struct {
	Name   string
	Facts  roi.Facts
	Expect map[string]json.RawMessage // nil when the case has no expect
}

// maxCaseBytes bounds what Decode reads: a case is a page of facts, a
// chart of 10,000 items well under a megabyte.
const maxCaseBytes = 64 << 20

type wireCase struct {
	Name         *string                      `json:"name"`
	Now          *string                      `json:"now"`
	Jurisdiction *wireJurisdiction            `json:"jurisdiction"`
	Patient      *wirePatient                 `json:"patient"`
	Items        *[]wireItem                  `json:"items"`
	Request      *wireRequest                 `json:"request"`
	Evidence     []map[string]json.RawMessage `json:"evidence"`
	Disclosures  []wireDisclosure             `json:"disclosures"`
	Expect       map[string]json.RawMessage   `json:"expect"`
}

type wireJurisdiction struct {
	State                 string             `json:"state"`
	AccessDeadline        *wireDeadline      `json:"access_deadline"`
	SpecificAuthorization []string           `json:"specific_authorization"`
	MinorConsent          []wireMinorConsent `json:"minor_consent"`
	AgeOfMajority         *int               `json:"age_of_majority"`
	WorkersComp           *string            `json:"workers_comp"`
	// Unclear is Custodian's extension (the decoder has always let members
	// it does not know pass): labels whose state law a jurisdiction pack
	// marks as unsettled (roi.Jurisdiction.Unclear).
	Unclear []string `json:"unclear"`
}

type wireDeadline struct {
	Days         *int `json:"days"`
	BusinessDays bool `json:"business_days"`
}

type wireMinorConsent struct {
	Label        *string `json:"label"`
	MinAge       *int    `json:"min_age"`
	ParentAccess *string `json:"parent_access"`
}

type wirePatient struct {
	BirthDate   *string `json:"birth_date"`
	DeathDate   *string `json:"death_date"`
	Emancipated bool    `json:"emancipated"`
}

type wireItem struct {
	ID   *string         `json:"id"`
	Date json.RawMessage `json:"date"`
	// Until is Custodian's extension for a record dated only to a year, a
	// month or "on or before": the item lies between date (null: any day
	// before) and until. "date": null with no until is a record with no
	// date at all.
	Until  *string  `json:"until"`
	Labels []string `json:"labels"`
}

type wireRequest struct {
	Type      *string        `json:"type"`
	Received  *string        `json:"received"`
	Requester *wireRequester `json:"requester"`
	Basis     *string        `json:"basis"`
	Recipient string         `json:"recipient"`
	Scope     *wireCoverage  `json:"scope"`
}

type wireRequester struct {
	Kind *string `json:"kind"`
	Name string  `json:"name"`
}

type wireCoverage struct {
	From   *string  `json:"from"`
	To     *string  `json:"to"`
	Labels []string `json:"labels"`
}

type wireDisclosure struct {
	ID        *string `json:"id"`
	Date      *string `json:"date"`
	Recipient string  `json:"recipient"`
	Basis     *string `json:"basis"`
}

// DecodeFile decodes the case in path.
func DecodeFile(path string) (*Case, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return Decode(f)
}

// Decode reads one case from r. Errors are *InputError.
func Decode(r io.Reader) (*Case, error) {
	data, err := io.ReadAll(io.LimitReader(r, maxCaseBytes+1))
	if err != nil {
		return nil, &InputError{Reason: "cannot read: " + err.Error()}
	}
	if len(data) > maxCaseBytes {
		return nil, &InputError{Reason: fmt.Sprintf("larger than %d MiB", maxCaseBytes>>20)}
	}
	var w wireCase
	if err := strictJSON(data, &w); err != nil {
		return nil, err
	}
	d := decoder{}
	c := d.caseOf(&w)
	if d.err != nil {
		return nil, d.err
	}
	return c, nil
}

// strictJSON unmarshals one JSON value, rejecting trailing data, and turns
// encoding/json's errors into InputErrors that name the position or member
// without quoting the document.
func strictJSON(data []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(v); err != nil {
		return jsonError(data, err)
	}
	if dec.More() {
		return &InputError{Reason: "malformed JSON: more than one value"}
	}
	if _, err := dec.Token(); err != io.EOF {
		return &InputError{Reason: "malformed JSON: trailing data after the case"}
	}
	return nil
}

func jsonError(data []byte, err error) error {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn):
		line, col := position(data, syn.Offset)
		return &InputError{Reason: fmt.Sprintf("malformed JSON at line %d, column %d: %s", line, col, syn.Error())}
	case errors.As(err, &typ):
		member := typ.Field
		if member == "" {
			member = "(top level)"
		}
		return &InputError{Member: member, Reason: fmt.Sprintf("expected %s, found a JSON %s", typ.Type, jsonKind(typ))}
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return &InputError{Reason: "malformed JSON: the document ends too early"}
	}
	return &InputError{Reason: "malformed JSON"}
}

// jsonKind is the kind of JSON value a type error found ("number",
// "string" ...) without the value itself, which encoding/json adds for a
// number out of range ("number 12345678901234567890") and may be PHI.
func jsonKind(typ *json.UnmarshalTypeError) string {
	kind, _, _ := strings.Cut(typ.Value, " ")
	return kind
}

func position(data []byte, off int64) (line, col int) {
	line, col = 1, 1
	for i := int64(0); i < off && i < int64(len(data)); i++ {
		if data[i] == '\n' {
			line, col = line+1, 1
		} else {
			col++
		}
	}
	return line, col
}

// decoder converts the wire form, keeping the first error.
type decoder struct{ err error }

func (d *decoder) fail(member, format string, args ...any) {
	if d.err == nil {
		d.err = &InputError{Member: member, Reason: fmt.Sprintf(format, args...)}
	}
}

func (d *decoder) required(member string, present bool) bool {
	if !present {
		d.fail(member, "required member is missing")
	}
	return present
}

// date parses a required date. The value is not repeated in the error: a
// birth date is PHI even when mistyped.
func (d *decoder) date(member string, s *string) roi.Date {
	if !d.required(member, s != nil) {
		return roi.NoDate
	}
	return d.optDate(member, s)
}

func (d *decoder) optDate(member string, s *string) roi.Date {
	if s == nil {
		return roi.NoDate
	}
	t, err := roi.ParseDate(*s)
	if err != nil {
		d.fail(member, "not a real calendar date in YYYY-MM-DD form")
		return roi.NoDate
	}
	return t
}

// Enumeration values are not repeated in errors (issue #15): a value in
// the wrong place may be PHI ("Bob Keeling 1991-07-08" typed as a basis),
// and the member path already says where the mistake is.

func (d *decoder) labels(member string, names []string, general bool) roi.Labels {
	var s roi.Labels
	for i, n := range names {
		l, ok := roi.ParseLabel(n)
		if !ok || (l == roi.LabelGeneral && !general) {
			d.fail(fmt.Sprintf("%s[%d]", member, i), "unknown label")
			continue
		}
		s = s.With(l)
	}
	return s
}

func (d *decoder) coverage(member string, w *wireCoverage) roi.Coverage {
	c := roi.Coverage{From: roi.NoDate, To: roi.NoDate}
	if w == nil {
		return c
	}
	c.From = d.optDate(member+".from", w.From)
	c.To = d.optDate(member+".to", w.To)
	if c.From.Known() && c.To.Known() && c.From > c.To {
		d.fail(member, "from is after to")
	}
	c.Labels = d.labels(member+".labels", w.Labels, true)
	c.HasLabels = w.Labels != nil
	return c
}

func (d *decoder) caseOf(w *wireCase) *Case {
	c := &Case{Expect: w.Expect}
	if d.required("name", w.Name != nil) {
		c.Name = *w.Name
	}
	f := &c.Facts
	f.Now = d.date("now", w.Now)
	if w.Jurisdiction != nil {
		d.jurisdiction(&f.Jurisdiction, w.Jurisdiction)
	}
	if d.required("patient", w.Patient != nil) {
		p := w.Patient
		f.Patient = roi.Patient{
			BirthDate:   d.date("patient.birth_date", p.BirthDate),
			DeathDate:   d.optDate("patient.death_date", p.DeathDate),
			Emancipated: p.Emancipated,
		}
		if f.Patient.DeathDate.Known() && f.Patient.DeathDate < f.Patient.BirthDate {
			d.fail("patient.death_date", "is before patient.birth_date")
		}
		if f.Now.Known() && f.Patient.BirthDate > f.Now {
			d.fail("patient.birth_date", "is after now")
		}
		if f.Now.Known() && f.Patient.DeathDate.Known() && f.Patient.DeathDate > f.Now {
			d.fail("patient.death_date", "is after now")
		}
	}
	ids := map[string]bool{}
	if d.required("items", w.Items != nil) {
		f.Items = make([]roi.Item, len(*w.Items))
		for i, wi := range *w.Items {
			m := fmt.Sprintf("items[%d]", i)
			it := &f.Items[i]
			if d.required(m+".id", wi.ID != nil && *wi.ID != "") {
				it.ID = *wi.ID
				if ids[it.ID] {
					d.fail(m+".id", "duplicate item id")
				}
				ids[it.ID] = true
			}
			// "date" is required; null says the record gives none.
			if d.required(m+".date", wi.Date != nil) && string(wi.Date) != "null" {
				var day string
				if json.Unmarshal(wi.Date, &day) != nil {
					d.fail(m+".date", "not a date in YYYY-MM-DD form or null")
				} else {
					it.Date = d.date(m+".date", &day)
				}
			}
			it.Until = d.optDate(m+".until", wi.Until)
			if it.Until.Known() && it.Date.Known() && it.Until < it.Date {
				d.fail(m+".until", "is before the item's date")
			}
			it.Labels = d.labels(m+".labels", wi.Labels, false)
			if it.Labels.Has(roi.LabelSUDCounselingNote) && !it.Labels.Has(roi.LabelPart2) {
				d.fail(m+".labels", "sud-counseling-note is always with part2")
			}
		}
	}
	if d.required("request", w.Request != nil) {
		d.request(&f.Request, w.Request, f.Now)
	}
	for i, raw := range w.Evidence {
		d.evidence(fmt.Sprintf("evidence[%d]", i), raw, &f.Evidence, ids)
	}
	for i, wd := range w.Disclosures {
		m := fmt.Sprintf("disclosures[%d]", i)
		x := roi.Disclosure{Recipient: wd.Recipient}
		if d.required(m+".id", wd.ID != nil) {
			x.ID = *wd.ID
		}
		x.Date = d.date(m+".date", wd.Date)
		if d.required(m+".basis", wd.Basis != nil) {
			x.Basis = roi.Basis(*wd.Basis)
			if !roi.IsDisclosureBasis(x.Basis) {
				d.fail(m+".basis", "unknown basis")
			}
		}
		f.Disclosures = append(f.Disclosures, x)
	}
	if w.Expect != nil {
		d.expect(w.Expect)
	}
	return c
}

func (d *decoder) jurisdiction(j *roi.Jurisdiction, w *wireJurisdiction) {
	j.State = w.State
	if a := w.AccessDeadline; a != nil {
		if d.required("jurisdiction.access_deadline.days", a.Days != nil) {
			if *a.Days <= 0 {
				d.fail("jurisdiction.access_deadline.days", "must be a positive number of days")
			}
			j.AccessDeadline = roi.Deadline{Days: *a.Days, BusinessDays: a.BusinessDays}
		}
	}
	j.SpecificAuthorization = d.labels("jurisdiction.specific_authorization", w.SpecificAuthorization, false)
	for i, r := range w.MinorConsent {
		m := fmt.Sprintf("jurisdiction.minor_consent[%d]", i)
		var rule roi.MinorConsentRule
		if d.required(m+".label", r.Label != nil) {
			l, ok := roi.ParseLabel(*r.Label)
			if !ok || l == roi.LabelGeneral {
				d.fail(m+".label", "unknown label")
			}
			rule.Label = l
		}
		if r.MinAge != nil {
			if *r.MinAge < 0 || *r.MinAge > 30 {
				d.fail(m+".min_age", "must be an age between 0 and 30")
			}
			rule.MinAge = *r.MinAge
		}
		if d.required(m+".parent_access", r.ParentAccess != nil) {
			rule.ParentAccess = roi.ParentAccess(*r.ParentAccess)
			switch rule.ParentAccess {
			case roi.ParentAccessSilent, roi.ParentAccessProhibited, roi.ParentAccessAllowed:
			default:
				d.fail(m+".parent_access", "unknown value (silent, prohibited or allowed)")
			}
		}
		j.MinorConsent = append(j.MinorConsent, rule)
	}
	if w.AgeOfMajority != nil {
		if *w.AgeOfMajority < 1 || *w.AgeOfMajority > 30 {
			d.fail("jurisdiction.age_of_majority", "must be an age between 1 and 30")
		}
		j.AgeOfMajority = *w.AgeOfMajority
	}
	j.Unclear = d.labels("jurisdiction.unclear", w.Unclear, false)
	if w.WorkersComp != nil {
		switch *w.WorkersComp {
		case "permitted":
			j.WorkersComp = true
		case "not-permitted", "prohibited":
		default:
			d.fail("jurisdiction.workers_comp", "unknown value (permitted or not-permitted)")
		}
	}
}

func (d *decoder) request(r *roi.Request, w *wireRequest, now roi.Date) {
	r.Type = roi.RequestRecords
	if w.Type != nil {
		r.Type = roi.RequestType(*w.Type)
		if r.Type != roi.RequestRecords && r.Type != roi.RequestAccounting {
			d.fail("request.type", "unknown request type (records or accounting)")
		}
	}
	r.Received = d.date("request.received", w.Received)
	if now.Known() && r.Received.Known() && r.Received > now {
		d.fail("request.received", "is after now")
	}
	if d.required("request.requester", w.Requester != nil) {
		r.Requester.Name = w.Requester.Name
		if d.required("request.requester.kind", w.Requester.Kind != nil) {
			r.Requester.Kind = roi.Kind(*w.Requester.Kind)
			if !roi.IsKind(r.Requester.Kind) {
				d.fail("request.requester.kind", "unknown requester kind")
			}
		}
	}
	if d.required("request.basis", w.Basis != nil) {
		r.Basis = roi.Basis(*w.Basis)
		if !roi.IsRequestBasis(r.Basis) {
			d.fail("request.basis", "unknown basis")
		}
		if r.Type == roi.RequestAccounting && r.Basis != roi.BasisAccess {
			d.fail("request.basis", "an accounting request's basis is access")
		}
	}
	r.Recipient = w.Recipient
	r.Scope = d.coverage("request.scope", w.Scope)
}

func (d *decoder) evidence(m string, raw map[string]json.RawMessage, ev *roi.Evidence, items map[string]bool) {
	var typ string
	if t, ok := raw["type"]; !d.required(m+".type", ok) || !d.field(m+".type", t, &typ) {
		return
	}
	// Members an entry carries beyond those the engine reads (a method, a
	// note for people) are not examined: people read the cases too.
	if !roi.IsEvidenceType(typ) {
		d.fail(m+".type", "unknown evidence type")
		return
	}
	switch typ {
	case "identity":
		var x roi.IdentityCheck
		d.requiredField(m, raw, "verified", &x.Verified)
		d.optField(m, raw, "method", &x.Method)
		ev.Identity = append(ev.Identity, x)
	case "representative":
		var x roi.Representative
		var a string
		if d.requiredField(m, raw, "authority", &a) {
			x.Authority = roi.Authority(a)
			if !containsAuthority(x.Authority) {
				d.fail(m+".authority", "unknown authority")
			}
		}
		d.requiredField(m, raw, "verified", &x.Verified)
		ev.Representatives = append(ev.Representatives, x)
	case "authorization":
		ev.Authorizations = append(ev.Authorizations, d.authorization(m, raw))
	case "directive":
		x := roi.Directive{Signed: roi.NoDate}
		d.optField(m, raw, "recipient", &x.Recipient)
		x.Signed = d.optDateField(m, raw, "signed")
		ev.Directives = append(ev.Directives, x)
	case "court-order":
		var x roi.CourtOrder
		x.Covers = d.coverageField(m, raw)
		d.optField(m, raw, "part2_findings", &x.Part2Findings)
		ev.CourtOrders = append(ev.CourtOrders, x)
	case "subpoena":
		var x roi.Subpoena
		var s string
		if d.requiredField(m, raw, "issued_by", &s) {
			x.IssuedBy = roi.Issuer(s)
			if x.IssuedBy != roi.IssuerCourt && x.IssuedBy != roi.IssuerAttorney {
				d.fail(m+".issued_by", "unknown issuer (court or attorney)")
			}
		}
		var a *string
		d.optField(m, raw, "assurances", &a)
		if a != nil {
			x.Assurances = roi.Assurance(*a)
			if x.Assurances != roi.AssuranceNotice && x.Assurances != roi.AssuranceProtectiveOrder {
				d.fail(m+".assurances", "unknown assurance (notice or protective-order)")
			}
		}
		x.Covers = d.coverageField(m, raw)
		ev.Subpoenas = append(ev.Subpoenas, x)
	case "warrant":
		ev.Warrants = append(ev.Warrants, roi.Warrant{Covers: d.coverageField(m, raw)})
	case "extension-notice":
		var x roi.ExtensionNotice
		var s, n *string
		d.optField(m, raw, "sent", &s)
		d.optField(m, raw, "new_due", &n)
		x.Sent = d.date(m+".sent", s)
		x.NewDue = d.date(m+".new_due", n)
		ev.ExtensionNotices = append(ev.ExtensionNotices, x)
	case "harm-determination":
		var ids []string
		if d.requiredField(m, raw, "items", &ids) {
			if ev.HarmItems == nil {
				ev.HarmItems = map[string]bool{}
			}
			for i, id := range ids {
				if !items[id] {
					d.fail(fmt.Sprintf("%s.items[%d]", m, i), "names no item of the case")
				}
				ev.HarmItems[id] = true
			}
		}
	case "endangerment-concern":
		ev.EndangermentConcern = true
	case "minor-disclosure-consent":
		ev.MinorDisclosureConsent = true
	}
}

func (d *decoder) authorization(m string, raw map[string]json.RawMessage) roi.Authorization {
	a := roi.Authorization{Signed: roi.NoDate, Expires: roi.NoDate, Revoked: roi.NoDate}
	d.optField(m, raw, "id", &a.ID)
	var forms []string
	if d.requiredField(m, raw, "forms", &forms) {
		if len(forms) == 0 {
			d.fail(m+".forms", "must name hipaa, part2 or both")
		}
		for i, f := range forms {
			switch f {
			case "hipaa":
				a.HIPAA = true
			case "part2":
				a.Part2 = true
			default:
				d.fail(fmt.Sprintf("%s.forms[%d]", m, i), "unknown form (hipaa or part2)")
			}
		}
	}
	var signer *string
	d.optField(m, raw, "signed_by", &signer)
	if signer != nil {
		a.SignedBy = roi.Signer(*signer)
		if a.SignedBy != roi.SignerPatient && a.SignedBy != roi.SignerRepresentative {
			d.fail(m+".signed_by", "unknown signer (patient or representative)")
		}
	}
	a.Signed = d.optDateField(m, raw, "signed")
	a.Expires = d.optDateField(m, raw, "expires")
	a.Revoked = d.optDateField(m, raw, "revoked")
	d.optField(m, raw, "expiration_event", &a.ExpirationEvent)
	d.optField(m, raw, "expired_event_occurred", &a.ExpiredEventOccurred)
	d.optField(m, raw, "discloser", &a.Discloser)
	d.optField(m, raw, "recipient", &a.Recipient)
	d.optField(m, raw, "purpose", &a.Purpose)
	d.optField(m, raw, "description", &a.Description)
	a.Covers = d.coverageField(m, raw)
	var statements []string
	d.optField(m, raw, "statements", &statements)
	for i, s := range statements {
		st := roi.Statement(s)
		if !containsStatement(st) {
			d.fail(fmt.Sprintf("%s.statements[%d]", m, i), "unknown statement")
		}
		a.Statements = append(a.Statements, st)
	}
	d.optField(m, raw, "tpo", &a.TPO)
	if a.TPO && !a.Part2 {
		d.fail(m+".tpo", "a TPO consent is a Part 2 consent: forms must include part2")
	}
	d.optField(m, raw, "known_false", &a.KnownFalse)
	d.optField(m, raw, "conditioned", &a.Conditioned)
	return a
}

// field unmarshals one member, naming it on error.
func (d *decoder) field(member string, raw json.RawMessage, v any) bool {
	if err := json.Unmarshal(raw, v); err != nil {
		var typ *json.UnmarshalTypeError
		if errors.As(err, &typ) {
			d.fail(member, "expected %s, found a JSON %s", typ.Type, jsonKind(typ))
		} else {
			d.fail(member, "malformed value")
		}
		return false
	}
	return true
}

func (d *decoder) optField(m string, raw map[string]json.RawMessage, name string, v any) bool {
	r, ok := raw[name]
	if !ok || string(r) == "null" {
		return false
	}
	return d.field(m+"."+name, r, v)
}

func (d *decoder) requiredField(m string, raw map[string]json.RawMessage, name string, v any) bool {
	r, ok := raw[name]
	if !d.required(m+"."+name, ok && string(r) != "null") {
		return false
	}
	return d.field(m+"."+name, r, v)
}

func (d *decoder) optDateField(m string, raw map[string]json.RawMessage, name string) roi.Date {
	var s *string
	d.optField(m, raw, name, &s)
	return d.optDate(m+"."+name, s)
}

func (d *decoder) coverageField(m string, raw map[string]json.RawMessage) roi.Coverage {
	var w *wireCoverage
	d.optField(m, raw, "covers", &w)
	return d.coverage(m+".covers", w)
}

// expectMembers are the decision members a case may expect.
var expectMembers = map[string]bool{
	"outcome": true, "reasons": true, "release": true, "withhold": true, "due": true,
	"accountable": true, "part2_notice": true, "flags": true, "accounting": true,
	"info_blocking": true,
}

// expect checks that every expectation is a member the decision has and
// uses the format's vocabulary, so that a typo fails loudly instead of
// never matching.
func (d *decoder) expect(x map[string]json.RawMessage) {
	for k, raw := range x {
		m := "expect." + k
		if !expectMembers[k] {
			d.fail(m, "not a member of a decision")
			continue
		}
		switch k {
		case "outcome":
			var o roi.Outcome
			if d.field(m, raw, &o) && !containsOutcome(o) {
				d.fail(m, "unknown outcome")
			}
		case "reasons":
			var cs []roi.Code
			if d.field(m, raw, &cs) {
				for i, c := range cs {
					if !roi.IsRequestCode(c) {
						d.fail(fmt.Sprintf("%s[%d]", m, i), "unknown request-level code")
					}
				}
			}
		case "withhold":
			var w map[string]roi.Code
			if d.field(m, raw, &w) {
				for id, c := range w {
					if !roi.IsItemCode(c) {
						d.fail(m+"."+id, "unknown item-level code")
					}
				}
			}
		case "flags":
			var fs []roi.Flag
			if d.field(m, raw, &fs) {
				for i, f := range fs {
					if !containsFlag(f) {
						d.fail(fmt.Sprintf("%s[%d]", m, i), "unknown flag")
					}
				}
			}
		case "due":
			var s *string
			if d.field(m, raw, &s) {
				d.optDate(m, s)
			}
		case "release", "accounting":
			var ids []string
			d.field(m, raw, &ids)
		case "accountable":
			var b *bool
			d.field(m, raw, &b)
		case "part2_notice":
			var b bool
			d.field(m, raw, &b)
		case "info_blocking":
			// null (not an access or directive request) or an object of
			// item ids and "request" mapped to Part 171 exceptions.
			var ib map[string]roi.Exception
			if d.field(m, raw, &ib) {
				for id, x := range ib {
					if !x.Valid() {
						d.fail(m+"."+id, "unknown information-blocking exception")
					}
				}
			}
		}
	}
}

func containsAuthority(a roi.Authority) bool {
	for _, x := range roi.Authorities {
		if x == a {
			return true
		}
	}
	return false
}

func containsStatement(s roi.Statement) bool {
	for _, x := range roi.Statements {
		if x == s {
			return true
		}
	}
	return false
}

func containsOutcome(o roi.Outcome) bool {
	for _, x := range roi.Outcomes {
		if x == o {
			return true
		}
	}
	return false
}

func containsFlag(f roi.Flag) bool {
	for _, x := range roi.Flags {
		if x == f {
			return true
		}
	}
	return false
}

// DecodeEvidence checks one evidence entry of the format (an object with a
// "type") and adds it to ev. items are the IDs of the chart items a
// harm-determination may name. Errors are *InputError naming the member
// under "evidence".
func DecodeEvidence(data []byte, items map[string]bool, ev *roi.Evidence) error {
	var raw map[string]json.RawMessage
	if err := strictJSON(data, &raw); err != nil {
		if ie, ok := err.(*InputError); ok && ie.Member == "(top level)" {
			return &InputError{Member: "evidence", Reason: "must be a JSON object"}
		}
		return err
	}
	if raw == nil {
		return &InputError{Member: "evidence", Reason: "must be a JSON object"}
	}
	d := decoder{}
	d.evidence("evidence", raw, ev, items)
	return d.err
}

// EvidenceType returns the "type" member of an evidence entry already
// checked by DecodeEvidence.
func EvidenceType(data []byte) string {
	var t struct{ Type string }
	_ = json.Unmarshal(data, &t)
	return t.Type
}

// DecodeJurisdiction checks a jurisdiction object of the format.
func DecodeJurisdiction(data []byte) (roi.Jurisdiction, error) {
	var w wireJurisdiction
	var j roi.Jurisdiction
	if err := strictJSON(data, &w); err != nil {
		return j, err
	}
	d := decoder{}
	d.jurisdiction(&j, &w)
	return j, d.err
}

// Scope is a request scope in the wire form: optional dates and labels.
type Scope = wireCoverage

// DecodeScope checks a scope (or coverage) named member.
func DecodeScope(member string, w *Scope) (roi.Coverage, error) {
	d := decoder{}
	c := d.coverage(member, w)
	return c, d.err
}

// CheckRequest checks the enumerations of a request: its type, requester
// kind and basis.
func CheckRequest(typ, kind, basis string) error {
	d := decoder{}
	r := roi.Request{}
	w := wireRequest{Type: &typ, Requester: &wireRequester{Kind: &kind}, Basis: &basis}
	received := "2000-01-01"
	w.Received = &received
	d.request(&r, &w, roi.NoDate)
	return d.err
}
