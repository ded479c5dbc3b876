package workflow

import (
	"encoding/json"
	"fmt"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/custodian-roi/custodian/internal/caseformat"
	"github.com/custodian-roi/custodian/internal/roi"
)

// Evidence by form: a person fills in one form per evidence type and the
// desk writes the case-format entry from it. Nobody types JSON. The pages
// and the API share the conversion (EvidenceFromForm), and a form with a
// mistake comes back as a *FormError naming each field, so the page can
// show the same form again with what was typed and a message beside the
// field.

// FormError is a form that cannot be recorded as it stands: a message in
// plain words per field (by the field's name in the form), and Message for
// what concerns the form as a whole.
type FormError struct {
	Fields  map[string]string
	Message string
}

func (e *FormError) Error() string {
	if len(e.Fields) == 0 {
		return e.Message
	}
	names := make([]string, 0, len(e.Fields))
	for n := range e.Fields {
		names = append(names, n)
	}
	sort.Strings(names)
	var b strings.Builder
	b.WriteString("Some answers need attention: ")
	for i, n := range names {
		if i > 0 {
			b.WriteString(" ")
		}
		b.WriteString(e.Fields[n])
	}
	return b.String()
}

// Code makes a FormError an invalid request for the API.
func (e *FormError) asRoi() *roi.Error {
	return &roi.Error{Code: roi.CodeInvalid, Op: "workflow.evidence-form", Message: e.Error(), Err: e}
}

// EvidenceForm names one evidence type's form and says what it records.
type EvidenceForm struct {
	Type  string // the case format's type name
	Title string // what a clerk calls it
	About string // one line: what the document is and why it matters
}

// EvidenceForms lists the forms in the order a clerk meets them. Every
// evidence type of the format has one.
var EvidenceForms = []EvidenceForm{
	{"identity", "Identity check", "Who the requester is: how you checked (45 CFR 164.514(h))."},
	{"authorization", "Authorization (HIPAA 164.508 / Part 2 consent)", "The patient's signed permission to disclose to this recipient."},
	{"representative", "Representative's documents", "What makes someone the patient's personal representative (45 CFR 164.502(g))."},
	{"directive", "Patient's directive to send a copy", "The patient's signed direction to send their records to a third party (164.524(c)(3)(ii))."},
	{"court-order", "Court order", "An order of a court or administrative tribunal (164.512(e)(1)(i))."},
	{"subpoena", "Subpoena", "A subpoena or other lawful process without a court order, and the assurances received (164.512(e)(1)(ii))."},
	{"warrant", "Warrant", "A court-ordered warrant (164.512(f)(1)(ii)(A))."},
	{"extension-notice", "Extension notice", "The written notice of a single 30-day extension (164.524(b)(2))."},
	{"harm-determination", "Harm determination", "A licensed professional's determination that named records are reasonably likely to endanger life or physical safety (164.524(a)(3)(i))."},
	{"endangerment-concern", "Endangerment concern", "A reasonable belief that the representative endangers the patient (164.502(g)(5))."},
	{"minor-disclosure-consent", "Minor's consent to disclosure", "The minor's own written consent to this disclosure."},
}

// EvidenceFormFor returns the form of evidence type typ.
func EvidenceFormFor(typ string) (EvidenceForm, bool) {
	for _, f := range EvidenceForms {
		if f.Type == typ {
			return f, true
		}
	}
	return EvidenceForm{}, false
}

// Choice is one option of a select, a radio group or a checkbox group.
type Choice struct {
	Value, Label string
}

// LabelChoices are the categories a document may cover: every label of the
// format's vocabulary (general last), named as a clerk reads them.
func LabelChoices() []Choice {
	var out []Choice
	for l := roi.Label(0); ; l++ {
		name := l.String()
		if _, ok := roi.ParseLabel(name); !ok {
			break
		}
		out = append(out, Choice{name, LabelWords(l)})
	}
	return out
}

// labelWords names the labels for people; a label missing here is shown
// by its format name.
var labelWords = map[string]string{
	"general":             "General records (no special category)",
	"behavioral-health":   "Mental / behavioral health (not psychotherapy notes)",
	"psychotherapy-note":  "Psychotherapy notes",
	"part2":               "Substance-use treatment records (42 CFR Part 2 program)",
	"sud-counseling-note": "Part 2 SUD counseling notes",
	"substance-use":       "Substance use (not from a Part 2 program)",
	"hiv":                 "HIV",
	"sti":                 "Sexually transmitted infections",
	"genetic":             "Genetic testing and information",
	"reproductive":        "Reproductive health care",
	"violence":            "Domestic violence, sexual assault, abuse",
	"minor-consented":     "Care a minor consented to alone",
	"litigation-file":     "Compiled for litigation",
	"demographics":        "Demographics only",
}

// LabelWords names label l for people.
func LabelWords(l roi.Label) string {
	if w, ok := labelWords[l.String()]; ok {
		return w
	}
	return l.String()
}

// AuthorityChoices are the representative authorities, in words.
func AuthorityChoices() []Choice {
	words := map[roi.Authority]string{
		roi.AuthorityParent: "Parent", roi.AuthorityGuardian: "Guardian (court-appointed)",
		roi.AuthorityHealthcarePOA: "Health care power of attorney", roi.AuthorityFinancialPOA: "Financial power of attorney",
		roi.AuthorityExecutor: "Executor of the estate", roi.AuthorityAdministrator: "Administrator of the estate",
	}
	out := make([]Choice, 0, len(roi.Authorities))
	for _, a := range roi.Authorities {
		out = append(out, Choice{string(a), words[a]})
	}
	return out
}

// StatementChoices are the statements an authorization or consent carries.
func StatementChoices() []Choice {
	words := map[roi.Statement]string{
		roi.StatementRevocation:          "The right to revoke it in writing, and how",
		roi.StatementConditioning:        "Treatment, payment, enrollment or eligibility is not conditioned on signing",
		roi.StatementRedisclosure:        "Information disclosed may be redisclosed and no longer protected",
		roi.StatementTPORedisclosure:     "Part 2 TPO: how recipients may redisclose for treatment, payment, operations",
		roi.StatementRefusalConsequences: "Part 2 TPO: the consequences of refusing to sign",
	}
	out := make([]Choice, 0, len(roi.Statements))
	for _, s := range roi.Statements {
		out = append(out, Choice{string(s), words[s]})
	}
	return out
}

// field values
func val(v url.Values, name string) string { return strings.TrimSpace(v.Get(name)) }
func checked(v url.Values, name string) bool {
	switch v.Get(name) {
	case "yes", "on", "true", "1":
		return true
	}
	return false
}

// formDate reads a date as a date field sends it (2026-12-05). Empty is
// NoDate.
func formDate(s string) (roi.Date, bool) {
	s = strings.TrimSpace(s)
	if s == "" {
		return roi.NoDate, true
	}
	d, err := roi.ParseDate(s)
	return d, err == nil
}

// formReader collects field messages while a form is read.
type formReader struct {
	v     url.Values
	today roi.Date
	errs  map[string]string
}

func (r *formReader) fail(field, format string, args ...any) {
	if r.errs == nil {
		r.errs = map[string]string{}
	}
	if _, ok := r.errs[field]; !ok {
		r.errs[field] = fmt.Sprintf(format, args...)
	}
}

// date reads a date field; past says it may not be after today.
func (r *formReader) date(field, what string, past bool) roi.Date {
	d, ok := formDate(r.v.Get(field))
	if !ok {
		r.fail(field, "Write the %s as a date, for example 2026-03-14.", what)
		return roi.NoDate
	}
	if past && d.Known() && d > r.today {
		r.fail(field, "The %s is in the future; check the document.", what)
	}
	return d
}

func (r *formReader) text(field string, max int) string {
	s := val(r.v, field)
	if len(s) > max {
		r.fail(field, "This is longer than %d characters; shorten it.", max)
	}
	return s
}

// wireCoverage is coverage as the format writes it.
type wireCoverage struct {
	From   *roi.Date `json:"from,omitempty"`
	To     *roi.Date `json:"to,omitempty"`
	Labels []string  `json:"labels"`
}

// covers reads the covers_from, covers_to and covers_labels fields.
func (r *formReader) covers(what string) *wireCoverage {
	c := &wireCoverage{Labels: []string{}}
	from := r.date("covers_from", "first date covered", false)
	to := r.date("covers_to", "last date covered", false)
	if from.Known() {
		c.From = &from
	}
	if to.Known() {
		c.To = &to
	}
	if from.Known() && to.Known() && from > to {
		r.fail("covers_to", "The last date covered is before the first; check the dates.")
	}
	for _, l := range r.v["covers_labels"] {
		if _, ok := roi.ParseLabel(l); !ok {
			r.fail("covers_labels", "Pick the categories from the list.")
			continue
		}
		if !slices.Contains(c.Labels, l) {
			c.Labels = append(c.Labels, l)
		}
	}
	if len(c.Labels) == 0 {
		r.fail("covers_labels", "Tick what the %s covers: at least one category (\"General records\" for ordinary records).", what)
	}
	return c
}

// EvidenceFromForm writes the case-format entry for a form of type typ as
// filled in (v), checked against the request's chart items (chart item
// keys, for a harm determination) and today. A *FormError says what to
// fix, field by field. The extra entries are those the form records with
// it: an authorization signed by a representative whose authority was
// given records the representative's documents too.
func EvidenceFromForm(typ string, v url.Values, items map[string]bool, today roi.Date) (body []byte, extra [][]byte, err error) {
	r := &formReader{v: v, today: today}
	var out map[string]any
	switch typ {
	case "identity":
		method := r.text("method", 200)
		if method == "" {
			r.fail("method", "Say how the identity was checked (for example: photo ID at the front desk).")
		}
		out = map[string]any{"verified": !checked(v, "not_verified"), "method": method}
	case "representative":
		a := val(v, "authority")
		if !slices.Contains(roi.Authorities, roi.Authority(a)) {
			r.fail("authority", "Pick the representative's authority.")
		}
		out = map[string]any{"authority": a, "verified": checked(v, "verified")}
	case "authorization":
		out, extra = r.authorization()
	case "directive":
		rec := r.text("recipient", 200)
		if rec == "" {
			r.fail("recipient", "Name the person or organization the patient directs the copy to.")
		}
		out = map[string]any{"recipient": rec}
		if signed := r.date("signed", "signature date", true); signed.Known() {
			out["signed"] = signed
		} else if v.Get("signed") == "" {
			r.fail("signed", "Give the date the patient signed the directive; an unsigned directive cannot be relied on.")
		}
	case "court-order":
		out = map[string]any{"covers": r.covers("order"), "part2_findings": checked(v, "part2_findings")}
	case "subpoena":
		by := val(v, "issued_by")
		if by != string(roi.IssuerCourt) && by != string(roi.IssuerAttorney) {
			r.fail("issued_by", "Say who issued the subpoena: a court (signed by a judge) or an attorney / court clerk.")
		}
		out = map[string]any{"issued_by": by, "covers": r.covers("subpoena")}
		switch a := val(v, "assurances"); a {
		case "":
		case string(roi.AssuranceNotice), string(roi.AssuranceProtectiveOrder):
			out["assurances"] = a
		default:
			r.fail("assurances", "Pick the assurance received, or none.")
		}
	case "warrant":
		out = map[string]any{"covers": r.covers("warrant")}
	case "extension-notice":
		sent := r.date("sent", "date the notice was sent", true)
		due := r.date("new_due", "new due date", false)
		if !sent.Known() && v.Get("sent") == "" {
			r.fail("sent", "Give the date the notice was sent.")
		}
		if !due.Known() && v.Get("new_due") == "" {
			r.fail("new_due", "Give the new due date the notice states.")
		}
		if sent.Known() && due.Known() && due <= sent {
			r.fail("new_due", "The new due date must be after the date the notice was sent.")
		}
		out = map[string]any{"sent": sent, "new_due": due}
	case "harm-determination":
		var ids []string
		for _, id := range v["items"] {
			if !items[id] {
				r.fail("items", "Pick the records from the chart list.")
				continue
			}
			if !slices.Contains(ids, id) {
				ids = append(ids, id)
			}
		}
		if len(ids) == 0 && r.errs["items"] == "" {
			r.fail("items", "Tick the records the professional determined may endanger life or physical safety.")
		}
		by := r.text("professional", 200)
		if by == "" {
			r.fail("professional", "Name the licensed professional who made the determination.")
		}
		out = map[string]any{"items": ids, "professional": by}
	case "endangerment-concern", "minor-disclosure-consent":
		if !checked(v, "confirm") {
			r.fail("confirm", "Tick the box to confirm what you are recording.")
		}
		out = map[string]any{}
	default:
		return nil, nil, &FormError{Message: "Pick a kind of evidence from the list."}
	}
	if note := r.text("note", 500); note != "" {
		out["note"] = note
	}
	if d := val(v, "document"); d != "" {
		if n, err := strconv.ParseInt(d, 10, 64); err == nil && n > 0 {
			out["document"] = n
		}
	}
	// Answers a machine suggested (read from the scan) count only once a
	// person has checked them against the document.
	if len(v["suggested"]) > 0 && !checked(v, "suggestions_checked") {
		r.fail("suggestions_checked", "Check each suggested answer against the scan, then tick the box to confirm.")
	}
	if len(r.errs) > 0 {
		return nil, nil, &FormError{Fields: r.errs}
	}
	out["type"] = typ
	b, err := json.Marshal(out)
	if err != nil {
		return nil, nil, err
	}
	// The entry must read as the engine reads it; a form that writes what
	// the format refuses is this code's mistake, said plainly.
	var scratch roi.Evidence
	for _, e := range append([][]byte{b}, extra...) {
		if err := caseformat.DecodeEvidence(e, items, &scratch); err != nil {
			return nil, nil, &FormError{Message: "The form could not be read as evidence; check the answers and try again."}
		}
	}
	return b, extra, nil
}

func (r *formReader) authorization() (map[string]any, [][]byte) {
	v := r.v
	out := map[string]any{}
	if id := r.text("id", 40); id != "" {
		out["id"] = id
	}
	switch val(v, "forms") {
	case "hipaa":
		out["forms"] = []string{"hipaa"}
	case "part2":
		out["forms"] = []string{"part2"}
	case "both":
		out["forms"] = []string{"hipaa", "part2"}
	default:
		r.fail("forms", "Say which form this is: a HIPAA authorization, a Part 2 consent, or one document meeting both.")
	}
	var extra [][]byte
	switch s := val(v, "signed_by"); s {
	case "patient":
		out["signed_by"] = s
	case "representative":
		out["signed_by"] = s
		if a := val(v, "rep_authority"); a != "" {
			if !slices.Contains(roi.Authorities, roi.Authority(a)) {
				r.fail("rep_authority", "Pick the representative's authority from the list.")
			} else {
				b, _ := json.Marshal(map[string]any{"type": "representative", "authority": a, "verified": checked(v, "rep_verified")})
				extra = append(extra, b)
			}
		}
	case "", "unsigned":
	default:
		r.fail("signed_by", "Say who signed: the patient, a representative, or nobody.")
	}
	signed := r.date("signed", "signature date", true)
	if signed.Known() {
		out["signed"] = signed
	}
	expires := r.date("expires", "expiry date", false)
	event := r.text("expiration_event", 200)
	switch {
	case expires.Known() && event != "":
		r.fail("expires", "Give the expiry date or the expiration event, not both: write what the document says.")
	case expires.Known():
		out["expires"] = expires
		if signed.Known() && expires < signed {
			r.fail("expires", "The expiry date is before the signature date; check the document.")
		}
	case event != "":
		out["expiration_event"] = event
	}
	if checked(v, "expired_event_occurred") {
		out["expired_event_occurred"] = true
	}
	for _, f := range []string{"discloser", "recipient", "purpose", "description"} {
		if s := r.text(f, 500); s != "" {
			out[f] = s
		}
	}
	out["covers"] = r.covers("authorization")
	statements := []string{}
	for _, s := range v["statements"] {
		if !slices.Contains(roi.Statements, roi.Statement(s)) {
			r.fail("statements", "Tick the statements from the list.")
			continue
		}
		statements = append(statements, s)
	}
	out["statements"] = statements
	if checked(v, "tpo") {
		if val(v, "forms") == "hipaa" {
			r.fail("tpo", "Only a Part 2 consent can be a single consent for treatment, payment and operations.")
		}
		out["tpo"] = true
	}
	if rev := r.date("revoked", "date the revocation was received", true); rev.Known() {
		if signed.Known() && rev < signed {
			r.fail("revoked", "The revocation is dated before the signature; check the dates.")
		}
		out["revoked"] = rev
	}
	if checked(v, "known_false") {
		out["known_false"] = true
	}
	if checked(v, "conditioned") {
		out["conditioned"] = true
	}
	return out, extra
}

// FormValues fills a form from a stored entry, for a correction: the
// person sees what was recorded and changes what was wrong.
func FormValues(e roi.EvidenceRecord) url.Values {
	var raw map[string]any
	_ = json.Unmarshal(e.Body, &raw)
	v := url.Values{}
	for k, x := range raw {
		switch k {
		case "type":
		case "forms":
			fs, _ := x.([]any)
			switch {
			case len(fs) == 2:
				v.Set("forms", "both")
			case len(fs) == 1:
				v.Set("forms", fmt.Sprint(fs[0]))
			}
		case "covers":
			c, _ := x.(map[string]any)
			for ck, cx := range c {
				switch ck {
				case "from", "to":
					v.Set("covers_"+ck, fmt.Sprint(cx))
				case "labels":
					ls, _ := cx.([]any)
					for _, l := range ls {
						v.Add("covers_labels", fmt.Sprint(l))
					}
				}
			}
		case "statements", "items":
			xs, _ := x.([]any)
			for _, s := range xs {
				v.Add(k, fmt.Sprint(s))
			}
		case "verified":
			if b, _ := x.(bool); !b && e.Type == "identity" {
				v.Set("not_verified", "yes")
			} else if b {
				v.Set("verified", "yes")
			}
		case "document":
			if n, ok := x.(float64); ok {
				v.Set("document", strconv.FormatInt(int64(n), 10))
			}
		default:
			switch t := x.(type) {
			case bool:
				if t {
					v.Set(k, "yes")
				}
			case string:
				v.Set(k, t)
			}
		}
	}
	if e.Type == "endangerment-concern" || e.Type == "minor-disclosure-consent" {
		v.Set("confirm", "yes")
	}
	return v
}
