package workflow

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/custodian-roi/custodian/internal/policy"
	"github.com/custodian-roi/custodian/internal/roi"
)

// EvidenceEntry is one evidence entry as the request page shows it: in
// words, with who recorded it, and, once withdrawn or corrected, who took
// it back, when and why.
type EvidenceEntry struct {
	Record  roi.EvidenceRecord
	Title   string // "Authorization A1", "Identity check", ...
	Summary string // what it says, in words
	AddedBy string // the person's name
	AddedOn string // the day, in the desk's style
	Active  bool
	// Withdrawn entries: who, when, why; Corrected when a new version
	// replaced it.
	WithdrawnBy, WithdrawnOn, WithdrawnReason string
	Corrected                                 bool
	// Authority: the entry says what entitles the requester (as opposed to
	// who they are, or another fact).
	Authority bool
	// Verdict is the engine's finding on an authorization at the latest
	// evaluation; nil before one, or for other types.
	Verdict *AuthorizationVerdict
}

// AuthorizationVerdict is the one verdict the page shows on an
// authorization, from the engine's finding.
type AuthorizationVerdict struct {
	Ref     string
	Valid   bool
	Text    string   // one sentence
	Missing []string // the elements and statements it lacks, in words
	// Stale: the evidence changed after the evaluation; evaluate again.
	Stale bool
}

// evidenceView fills the page's evidence entries and the authorization
// check from the stored evidence and the latest evaluation.
func (d *Desk) evidenceView(ctx context.Context, v *RequestView) {
	names := map[string]string{}
	name := func(user string) string {
		if n, ok := names[user]; ok {
			return n
		}
		n := user
		if u, err := d.store.UserByName(ctx, user); err == nil && strings.TrimSpace(u.Name) != "" {
			n = u.Name
		}
		names[user] = n
		return n
	}
	var findings []policy.AuthorizationFinding
	stale := false
	if v.Eval != nil {
		findings = v.Eval.Authorizations
		stale = v.C.Request.EvaluatedVersion != v.C.Request.Version
	}
	v.EvidenceOpen = evidenceMayChange(v.C.Request, "changed") == nil
	v.VerdictStale = v.Eval != nil && stale
	labels := authorizationLabels(findings)
	nth := 0
	for _, e := range v.C.Evidence {
		x := EvidenceEntry{Record: e, Active: e.Active(), AddedBy: name(e.AddedBy), AddedOn: d.FormatDate(dayOf(e.AddedAt)),
			Authority: authorityTypes[e.Type]}
		x.Title, x.Summary = d.describeEvidence(e, x.AddedBy, x.AddedOn)
		if !x.Active {
			x.WithdrawnBy, x.WithdrawnOn, x.WithdrawnReason = name(e.WithdrawnBy), d.FormatDate(dayOf(e.WithdrawnAt)), e.WithdrawnReason
			x.Corrected = e.SupersededBy != 0
		}
		// The findings follow the authorizations in force, in order, as
		// the engine saw them; after a change of evidence they no longer
		// line up, and the page asks for a new evaluation instead.
		if e.Type == "authorization" && x.Active {
			if nth < len(findings) && !stale {
				vd := verdictOf(findings[nth], labels[nth])
				x.Verdict = &vd
			}
			nth++
		}
		if x.Active {
			switch {
			case e.Type == roi.EvidenceIdentity:
				v.HasIdentity = true
			case x.Authority:
				v.HasAuthority = true
			}
		}
		v.Evidence = append(v.Evidence, x)
	}
	if v.Eval == nil {
		return
	}
	// The check list: the engine's request-level findings, with its
	// generic lines on authorizations replaced by one verdict per
	// authorization (an evaluation from before the findings were kept
	// keeps its lines).
	for _, s := range v.Eval.Explain.Request {
		if len(findings) > 0 && (s.Rule == "authorization-valid" || s.Rule == "authorization-defective") {
			continue
		}
		v.Checks = append(v.Checks, s)
	}
	if len(findings) == 0 {
		return
	}
	at := 0
	for i, s := range v.Eval.Explain.Request {
		if s.Rule == "authorization-valid" || s.Rule == "authorization-defective" || s.Rule == "no-authorization" {
			at = i
			break
		}
		at = i + 1
	}
	if at > len(v.Checks) {
		at = len(v.Checks)
	}
	var lines []ExplainedRule
	for i, f := range findings {
		vd := verdictOf(f, labels[i])
		rule, cite := "authorization-valid", []string{"45 CFR 164.508(b)(1)", "45 CFR 164.508(c)", "42 CFR 2.31"}
		if !f.Valid {
			rule, cite = "authorization-defective", []string{"45 CFR 164.508(b)(2)", "42 CFR 2.31"}
		}
		lines = append(lines, ExplainedRule{Rule: rule, Text: vd.Text, Cite: cite})
	}
	v.Checks = append(v.Checks[:at], append(lines, v.Checks[at:]...)...)
}

func dayOf(t time.Time) roi.Date {
	if t.IsZero() {
		return roi.NoDate
	}
	y, m, dd := t.Date()
	return roi.MakeDate(y, int(m), dd)
}

// defectWords says each way an authorization fails, for people.
var defectWords = map[roi.Code]string{
	roi.CodeAuthorizationExpired:     "it has expired",
	roi.CodeAuthorizationRevoked:     "it was revoked",
	roi.CodeAuthorizationCompound:    "it is compound: psychotherapy notes or SUD counseling notes must be authorized on a document of their own",
	roi.CodeAuthorizationConditioned: "signing it was made a condition of treatment, payment, enrollment or eligibility",
	roi.CodeAuthorizationFalse:       "it is known to be false",
	roi.CodeRecipientNotAuthorized:   "it does not name this recipient",
	roi.CodeAuthorityDocsMissing:     "it was signed by a representative whose authority to act for this patient is not on file (record a verified representative document)",
	roi.CodeNotPersonalRep:           "it was signed by someone whose documented authority does not let them act for this patient (for example a financial power of attorney, a parent of an adult, an executor of a living patient)",
	roi.CodeRepresentativeEndangers:  "it was signed by a representative believed to endanger the patient; the privacy officer decides whether it may be relied on",
}

// authorizationLabels names each authorization of the findings: by its
// reference, and where two share one (or one has none) by its place too,
// so that two verdicts never seem to speak of the same document.
func authorizationLabels(fs []policy.AuthorizationFinding) []string {
	count := map[string]int{}
	for _, f := range fs {
		count[f.ID]++
	}
	out := make([]string, len(fs))
	for i, f := range fs {
		switch {
		case f.ID == "":
			out[i] = fmt.Sprintf("Authorization number %d (no reference)", i+1)
		case count[f.ID] > 1:
			out[i] = fmt.Sprintf("Authorization %s (number %d of %d on this request)", f.ID, i+1, len(fs))
		default:
			out[i] = "Authorization " + f.ID
		}
	}
	return out
}

// verdictOf words the engine's finding on one authorization, named ref.
func verdictOf(f policy.AuthorizationFinding, ref string) AuthorizationVerdict {
	vd := AuthorizationVerdict{Ref: f.ID, Valid: f.Valid}
	if f.Valid {
		vd.Text = ref + " is valid: it has every required element and statement, is in force, is not compound or conditioned, and names this recipient."
		return vd
	}
	var why []string
	for _, c := range f.Defects {
		if c == roi.CodeAuthorizationIncomplete && f.Part2Only {
			// A Part 2 consent without the HIPAA statements still lets its
			// Part 2 records go; only the other records need more.
			vd.Missing = f.Missing
			why = append(why, "as a Part 2 consent it may release the Part 2 records it covers, but it is not a HIPAA authorization for any other record — missing "+strings.Join(f.Missing, "; "))
			continue
		}
		if c == roi.CodeAuthorizationIncomplete {
			vd.Missing = f.Missing
			why = append(why, "it is incomplete — missing "+strings.Join(f.Missing, "; "))
			continue
		}
		if w, ok := defectWords[c]; ok {
			why = append(why, w)
		} else {
			why = append(why, string(c))
		}
	}
	vd.Text = ref + " is not valid: " + strings.Join(why, "; and ") + "."
	return vd
}

// describeEvidence titles an entry and says what it holds, in words.
func (d *Desk) describeEvidence(e roi.EvidenceRecord, by, on string) (title, summary string) {
	var m map[string]any
	_ = json.Unmarshal(e.Body, &m)
	str := func(k string) string { s, _ := m[k].(string); return strings.TrimSpace(s) }
	yes := func(k string) bool { b, _ := m[k].(bool); return b }
	day := func(k string) string {
		if dd, err := roi.ParseDate(str(k)); err == nil {
			return d.FormatDate(dd)
		}
		return ""
	}
	who := " — " + by + ", " + on
	form, _ := EvidenceFormFor(e.Type)
	title = form.Title
	var parts []string
	add := func(s string) {
		if s != "" {
			parts = append(parts, s)
		}
	}
	switch e.Type {
	case "identity":
		title = "Identity check"
		if yes("verified") {
			summary = "Identity verified"
		} else {
			summary = "Identity NOT verified"
		}
		if mth := str("method"); mth != "" {
			summary += " by " + mth
		}
		return title, summary + who
	case "representative":
		a := str("authority")
		for _, c := range AuthorityChoices() {
			if c.Value == a {
				a = c.Label
			}
		}
		summary = a
		if yes("verified") {
			summary += ", documents verified"
		} else {
			summary += ", documents NOT verified"
		}
		return title, summary + who
	case "authorization":
		title = "Authorization"
		if id := str("id"); id != "" {
			title += " " + id
		}
		forms, _ := m["forms"].([]any)
		switch len(forms) {
		case 2:
			add("HIPAA authorization and Part 2 consent in one")
		case 1:
			if forms[0] == "part2" {
				add("Part 2 consent")
			} else {
				add("HIPAA authorization")
			}
		}
		switch str("signed_by") {
		case "patient":
			add("signed by the patient" + prefix(" on ", day("signed")))
		case "representative":
			add("signed by a representative" + prefix(" on ", day("signed")))
		default:
			add("not signed")
		}
		if x := day("expires"); x != "" {
			add("expires " + x)
		} else if ev := str("expiration_event"); ev != "" {
			add("expires at: " + ev)
		}
		add(prefix("from ", str("discloser")))
		add(prefix("to ", str("recipient")))
		add(prefix("for ", str("purpose")))
		add(coverWords(m["covers"], d))
		if yes("tpo") {
			add("single consent for treatment, payment and operations")
		}
		if x := day("revoked"); x != "" {
			add("revoked " + x)
		}
	case "directive":
		add(prefix("copy to ", str("recipient")))
		if x := day("signed"); x != "" {
			add("signed by the patient on " + x)
		} else {
			add("not signed")
		}
	case "court-order":
		add(coverWords(m["covers"], d))
		if yes("part2_findings") {
			add("with the Part 2 findings (42 CFR 2.64/2.65)")
		}
	case "subpoena":
		if str("issued_by") == "court" {
			add("issued by a court")
		} else {
			add("issued by an attorney or clerk")
		}
		switch str("assurances") {
		case "notice":
			add("assurance of notice to the patient received")
		case "protective-order":
			add("assurance of a qualified protective order received")
		default:
			add("no assurances received")
		}
		add(coverWords(m["covers"], d))
	case "warrant":
		add(coverWords(m["covers"], d))
	case "extension-notice":
		add(prefix("sent ", day("sent")))
		add(prefix("new due date ", day("new_due")))
	case "harm-determination":
		items, _ := m["items"].([]any)
		add(prefix("by ", str("professional")))
		if len(items) == 1 {
			add("1 record")
		} else {
			add(itoa(len(items)) + " records")
		}
	}
	summary = strings.Join(parts, ", ")
	if n := str("note"); n != "" {
		summary += " (note: " + n + ")"
	}
	if summary == "" {
		summary = form.About
	}
	return title, summary + who
}

func prefix(p, s string) string {
	if s == "" {
		return ""
	}
	return p + s
}

func itoa(n int) string {
	b, _ := json.Marshal(n)
	return string(b)
}

// coverWords says what a document covers.
func coverWords(x any, d *Desk) string {
	c, _ := x.(map[string]any)
	if c == nil {
		return ""
	}
	var names []string
	ls, _ := c["labels"].([]any)
	for _, l := range ls {
		s, _ := l.(string)
		if lb, ok := roi.ParseLabel(s); ok {
			names = append(names, strings.ToLower(LabelWords(lb)))
		}
	}
	out := "covers " + strings.Join(names, ", ")
	if len(names) == 0 {
		out = "covers no category"
	}
	from, _ := c["from"].(string)
	to, _ := c["to"].(string)
	fd, ferr := roi.ParseDate(from)
	td, terr := roi.ParseDate(to)
	switch {
	case ferr == nil && terr == nil:
		out += ", " + d.FormatDate(fd) + " to " + d.FormatDate(td)
	case ferr == nil:
		out += ", from " + d.FormatDate(fd)
	case terr == nil:
		out += ", up to " + d.FormatDate(td)
	default:
		out += ", all dates"
	}
	return out
}
