// Package jurisdiction holds state-law packs: the rules a state adds on top
// of HIPAA and 42 CFR Part 2 for a release-of-information desk, as cited
// data. A pack compiles to roi.Jurisdiction, the engine's input, and keeps
// the statute citation, a confidence tag and the date each rule was checked,
// so the desk can say which state rule touched a decision.
//
// The packs are an engineering reading of the law, not legal advice: every
// rule names where it was read and how sure the reading is, and where the
// law is unclear the pack marks the category unclear, which makes the engine
// send the records to a person instead of guessing. Counsel must review a
// pack before it is used in production (docs/STATES.md).
//
// Like package fee, this is pure: it reads its embedded files and readers it
// is handed, nothing else.
package jurisdiction

import (
	"bytes"
	"embed"
	"encoding/json"
	"errors"
	"io"
	"path"
	"sort"
	"strconv"
	"strings"

	"github.com/custodian-roi/custodian/internal/fee"
	"github.com/custodian-roi/custodian/internal/roi"
)

// Confidence tags, the vocabulary of REGULATIONS.md §0.1 and the fee
// schedules.
const (
	// ConfidenceStatute: the statute or rule text was read (an official or
	// verbatim public copy).
	ConfidenceStatute = "S"
	// ConfidenceSecondary: confirmed only from a reputable secondary
	// summary (HealthInfoLaw, a law firm, a state agency's summary).
	ConfidenceSecondary = "S2°"
	// ConfidenceMemory: not confirmed against a source. A rule on memory
	// may only make the desk more careful (withhold, escalate, an earlier
	// deadline), never release more: the decoder enforces it.
	ConfidenceMemory = "M"
)

// Citation says where a rule comes from and how sure the reading is.
type Citation struct {
	// Cite is the statute or rule, e.g. "N.Y. Public Health Law §2782(1)(b)".
	Cite string `json:"cite"`
	// Confidence is S, S2° or M (see the constants).
	Confidence string `json:"confidence"`
	// Checked is the day the rule was last checked against its source,
	// YYYY-MM-DD.
	Checked string `json:"checked"`
	// Source is the URL the rule was read at; empty for a rule from memory.
	Source string `json:"source,omitempty"`
	// Note is a caveat for the privacy officer: scope, what is unclear,
	// what to verify.
	Note string `json:"note,omitempty"`
}

// Pack is one state's rules as cited data (snake_case JSON).
type Pack struct {
	// State is the two-letter postal code.
	State string `json:"state"`
	// Name says whose rules these are, e.g. "New York".
	Name string `json:"name"`
	// Checked is the day the pack as a whole was last reviewed.
	Checked string `json:"checked"`
	// Notes are caveats that apply to the whole pack.
	Notes []string `json:"notes,omitempty"`

	// AccessDeadline is the state's deadline for an individual's access
	// request; Days 0 records that no fixed count was found (HIPAA's 30
	// days govern), with the citation saying where it was looked for.
	AccessDeadline *DeadlineRule `json:"access_deadline"`
	// SpecificAuthorization are categories a general authorization does
	// not cover: the authorization must name them.
	SpecificAuthorization []LabelRule `json:"specific_authorization"`
	// MinorConsent are the categories a minor may consent to alone, and
	// what the state says about a parent's access to those records.
	MinorConsent []MinorRule `json:"minor_consent"`
	// AgeOfMajority is the state's age of majority.
	AgeOfMajority *AgeRule `json:"age_of_majority"`
	// WorkersComp says whether state law authorizes disclosure to a
	// workers' compensation carrier without authorization (164.512(l)).
	WorkersComp *WorkersCompRule `json:"workers_comp"`
	// Unclear are categories where the state's law is unsettled or was not
	// confirmed: an item carrying one goes to a person instead of being
	// released to anyone other than the patient.
	Unclear []LabelRule `json:"unclear"`
	// Fees points to the state's fee schedule (package fee), or says there
	// is none.
	Fees *FeeRule `json:"fees"`

	rules roi.Jurisdiction // compiled by validate
}

// DeadlineRule is a state access deadline.
type DeadlineRule struct {
	Days         int  `json:"days"`
	BusinessDays bool `json:"business_days"`
	Citation
}

// LabelRule names one category of records (a label of FORMAT.md).
type LabelRule struct {
	Label string `json:"label"`
	Citation
}

// MinorRule is a category a minor of at least MinAge may consent to alone,
// and what the state says about a parent's access to those records:
// allowed, prohibited or silent.
type MinorRule struct {
	Label        string `json:"label"`
	MinAge       int    `json:"min_age"`
	ParentAccess string `json:"parent_access"`
	Citation
}

// AgeRule is the age of majority.
type AgeRule struct {
	Age int `json:"age"`
	Citation
}

// WorkersCompRule says whether disclosure for workers' compensation
// without authorization is authorized by state law.
type WorkersCompRule struct {
	Permitted bool `json:"permitted"`
	Citation
}

// FeeRule names the built-in fee schedule of package fee that applies with
// this pack ("" when there is none).
type FeeRule struct {
	Schedule string `json:"schedule"`
	Citation
}

// Kind is a kind of rule in a pack.
type Kind string

// The kinds of rules.
const (
	KindAccessDeadline        Kind = "access-deadline"
	KindSpecificAuthorization Kind = "specific-authorization"
	KindMinorConsent          Kind = "minor-consent"
	KindAgeOfMajority         Kind = "age-of-majority"
	KindWorkersComp           Kind = "workers-comp"
	KindUnclear               Kind = "unclear"
	KindFees                  Kind = "fees"
)

// Rule is one rule of a pack in words, with its citation: what the desk
// shows where the rule touched a decision.
type Rule struct {
	Kind  Kind
	Label string // the category, for the kinds that have one
	Text  string // the rule in plain words
	Citation
}

// Rules returns what the engine reads: the pack compiled to
// roi.Jurisdiction. The value is a copy; changing it does not change the
// pack.
func (p *Pack) Rules() roi.Jurisdiction {
	j := p.rules
	j.MinorConsent = append([]roi.MinorConsentRule(nil), p.rules.MinorConsent...)
	return j
}

// Cite returns the rule of the given kind, for the kinds that name a
// category the rule for label (roi.LabelGeneral for the others), and
// whether the pack has one.
func (p *Pack) Cite(kind Kind, label roi.Label) (Rule, bool) {
	for _, r := range p.All() {
		if r.Kind != kind {
			continue
		}
		if r.Label == "" || r.Label == label.String() {
			return r, true
		}
	}
	return Rule{}, false
}

// For returns the rules of a kind that apply to an item carrying labels,
// in pack order: the specific-authorization rules of the item's categories,
// say, when the engine withheld it with state-specific-authorization.
func (p *Pack) For(kind Kind, labels roi.Labels) []Rule {
	var out []Rule
	for _, r := range p.All() {
		if r.Kind != kind || r.Label == "" {
			continue
		}
		if l, ok := roi.ParseLabel(r.Label); ok && labels.Has(l) {
			out = append(out, r)
		}
	}
	return out
}

// All returns every rule of the pack in words, in a fixed order.
func (p *Pack) All() []Rule {
	var out []Rule
	if d := p.AccessDeadline; d != nil {
		out = append(out, Rule{Kind: KindAccessDeadline, Text: deadlineText(d), Citation: d.Citation})
	}
	for _, r := range p.SpecificAuthorization {
		out = append(out, Rule{Kind: KindSpecificAuthorization, Label: r.Label, Citation: r.Citation,
			Text: "A general authorization does not release " + r.Label + " records: the authorization must name them."})
	}
	for _, r := range p.MinorConsent {
		out = append(out, Rule{Kind: KindMinorConsent, Label: r.Label, Citation: r.Citation, Text: minorText(r)})
	}
	if a := p.AgeOfMajority; a != nil {
		out = append(out, Rule{Kind: KindAgeOfMajority, Citation: a.Citation, Text: "The age of majority is " + itoa(a.Age) + "."})
	}
	if w := p.WorkersComp; w != nil {
		t := "State law authorizes disclosure to a workers' compensation carrier without authorization."
		if !w.Permitted {
			t = "No state law authorizing disclosure for workers' compensation without authorization is recorded: such a request needs the patient's authorization."
		}
		out = append(out, Rule{Kind: KindWorkersComp, Citation: w.Citation, Text: t})
	}
	for _, r := range p.Unclear {
		out = append(out, Rule{Kind: KindUnclear, Label: r.Label, Citation: r.Citation,
			Text: "The state's law on " + r.Label + " records is unclear: a person decides before they go to anyone but the patient."})
	}
	if f := p.Fees; f != nil {
		t := "No state fee schedule is built in; the organization's costs apply."
		if f.Schedule != "" {
			t = "Copy fees follow the built-in " + f.Schedule + " fee schedule."
		}
		out = append(out, Rule{Kind: KindFees, Citation: f.Citation, Text: t})
	}
	return out
}

// Weakest returns the weakest confidence of any rule in the pack: M if
// any rule rests on memory, else S2° if any rests on a secondary source.
func (p *Pack) Weakest() string {
	weakest := ConfidenceStatute
	for _, r := range p.All() {
		switch {
		case r.Confidence == ConfidenceMemory:
			return ConfidenceMemory
		case r.Confidence == ConfidenceSecondary:
			weakest = ConfidenceSecondary
		}
	}
	return weakest
}

func deadlineText(d *DeadlineRule) string {
	switch {
	case d.Days == 0:
		return "The state sets no fixed number of days for access; HIPAA's 30 days apply."
	case d.BusinessDays:
		return "Access within " + itoa(d.Days) + " business days of receipt (earlier than HIPAA's 30 days)."
	}
	return "Access within " + itoa(d.Days) + " days of receipt (the earlier of this and HIPAA's 30 days applies)."
}

func minorText(r MinorRule) string {
	who := "A minor"
	if r.MinAge > 0 {
		who = "A minor of " + itoa(r.MinAge) + " or older"
	}
	t := who + " may consent alone to " + r.Label + " care; "
	switch roi.ParentAccess(r.ParentAccess) {
	case roi.ParentAccessAllowed:
		return t + "state law allows a parent to see those records."
	case roi.ParentAccessProhibited:
		return t + "state law does not let a parent see those records without the minor's consent."
	}
	return t + "state law does not settle a parent's access, so a licensed health care professional decides."
}

func itoa(n int) string { return strconv.Itoa(n) }

//go:embed packs/*.json
var packsFS embed.FS

// builtin holds the embedded packs, parsed once at start-up. A pack that
// fails to parse is left out and its error kept in builtinErr, which
// TestBuiltinPacks requires to be nil: a broken file is a build bug.
var builtin, builtinErr = loadBuiltin()

func loadBuiltin() (map[string]*Pack, error) {
	entries, err := packsFS.ReadDir("packs")
	if err != nil {
		return nil, err
	}
	out := make(map[string]*Pack)
	var errs []error
	for _, e := range entries {
		b, err := packsFS.ReadFile(path.Join("packs", e.Name()))
		if err != nil {
			errs = append(errs, err)
			continue
		}
		p, err := Load(bytes.NewReader(b))
		if err != nil {
			errs = append(errs, errors.New(e.Name()+": "+err.Error()))
			continue
		}
		if want := strings.TrimSuffix(e.Name(), ".json"); p.State != want {
			errs = append(errs, errors.New(e.Name()+": state is "+p.State))
			continue
		}
		out[p.State] = p
	}
	return out, errors.Join(errs...)
}

// States returns the postal codes of the built-in packs, sorted.
func States() []string {
	out := make([]string, 0, len(builtin))
	for s := range builtin {
		out = append(out, s)
	}
	sort.Strings(out)
	return out
}

// Lookup returns the built-in pack of a state by postal code ("NY", case
// and surrounding space ignored). The pack is shared: callers must not
// modify it. An unknown code is an error with CodeNotFound naming the
// packs there are.
func Lookup(state string) (*Pack, error) {
	if p, ok := builtin[strings.ToUpper(strings.TrimSpace(state))]; ok {
		return p, nil
	}
	return nil, roi.Errorf(roi.CodeNotFound, "There is no built-in jurisdiction pack for %q; the packs are %s.",
		state, strings.Join(States(), ", "))
}

// IsCode reports whether s looks like a two-letter postal code rather than
// a file name: how `serve --jurisdiction` and the configuration tell a
// pack from a file.
func IsCode(s string) bool {
	s = strings.TrimSpace(s)
	return len(s) == 2 && isLetter(s[0]) && isLetter(s[1])
}

func isLetter(c byte) bool { return c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' }

// IsPack reports whether a JSON document is written as a pack (it carries
// the pack's "checked" member) rather than in the conformance format's
// jurisdiction vocabulary, which has no citations.
func IsPack(data []byte) bool {
	var probe map[string]json.RawMessage
	if json.Unmarshal(data, &probe) != nil {
		return false
	}
	_, ok := probe["checked"]
	return ok
}

// maxPackBytes bounds a site's own file; real packs are a few kilobytes.
const maxPackBytes = 1 << 20

// Load reads a pack from JSON, strictly: an unknown or repeated member, a
// second JSON value, a rule without its citation, confidence or checked
// date, an unknown label, or a rule that would release more on a reading
// from memory is an error with CodeInvalid whose message names the member.
func Load(r io.Reader) (*Pack, error) {
	b, err := io.ReadAll(io.LimitReader(r, maxPackBytes+1))
	if err != nil {
		return nil, roi.Wrap(roi.CodeInvalid, err, "The jurisdiction pack could not be read.")
	}
	if len(b) > maxPackBytes {
		return nil, roi.Errorf(roi.CodeTooLarge, "The jurisdiction pack is larger than %d bytes.", maxPackBytes)
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	var p Pack
	if err := dec.Decode(&p); err != nil {
		return nil, decodeError(err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, roi.Errorf(roi.CodeInvalid, "The jurisdiction pack must be a single JSON object.")
	}
	// A member given twice (JSON keeps the last) would let a pack say one
	// thing and mean another.
	if dup := duplicateMember(b); dup != "" {
		return nil, invalid(dup, "appears more than once")
	}
	if err := p.validate(); err != nil {
		return nil, err
	}
	return &p, nil
}

func invalid(member, format string, args ...any) error {
	return roi.Errorf(roi.CodeInvalid, "The jurisdiction pack member %q "+format+".", append([]any{member}, args...)...)
}

// decodeError turns a JSON error into a message that names the member.
func decodeError(err error) error {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		if te.Field == "" {
			return roi.Errorf(roi.CodeInvalid, "The jurisdiction pack must be a single JSON object.")
		}
		return roi.Errorf(roi.CodeInvalid, "The jurisdiction pack member %q has the wrong type (%s given).", te.Field, te.Value)
	}
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return roi.Errorf(roi.CodeInvalid, "The jurisdiction pack is not valid JSON (at byte %d).", se.Offset)
	}
	if name, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
		return roi.Errorf(roi.CodeInvalid, "The jurisdiction pack has an unknown member %s.", name)
	}
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return roi.Errorf(roi.CodeInvalid, "The jurisdiction pack is empty or cut short.")
	}
	return roi.Errorf(roi.CodeInvalid, "The jurisdiction pack is not valid JSON.")
}

// validate checks the pack and compiles its rules.
func (p *Pack) validate() error {
	if !IsCode(p.State) || strings.ToUpper(p.State) != p.State {
		return invalid("state", "must be a two-letter postal code in capitals, such as \"NY\"")
	}
	if strings.TrimSpace(p.Name) == "" {
		return invalid("name", "is required")
	}
	if !validDate(p.Checked) {
		return invalid("checked", "must be a date YYYY-MM-DD")
	}
	j := roi.Jurisdiction{State: p.State}

	// Required members: a pack says something about each, even "none".
	switch {
	case p.AccessDeadline == nil:
		return invalid("access_deadline", "is required (days 0 when the state sets no fixed count, with the citation searched)")
	case p.AgeOfMajority == nil:
		return invalid("age_of_majority", "is required")
	case p.WorkersComp == nil:
		return invalid("workers_comp", "is required")
	case p.Fees == nil:
		return invalid("fees", "is required (schedule \"\" when there is none)")
	}

	d := p.AccessDeadline
	if err := d.check("access_deadline"); err != nil {
		return err
	}
	switch {
	case d.Days < 0 || d.Days > 365:
		return invalid("access_deadline.days", "must be between 0 (none) and 365")
	case d.Days == 0 && d.BusinessDays:
		return invalid("access_deadline.business_days", "needs a number of days")
	}
	j.AccessDeadline = roi.Deadline{Days: d.Days, BusinessDays: d.BusinessDays}

	seen := map[string]string{}
	for i, r := range p.SpecificAuthorization {
		m := "specific_authorization[" + itoa(i) + "]"
		l, err := label(m, r.Label, seen, "specific_authorization")
		if err != nil {
			return err
		}
		if err := r.check(m); err != nil {
			return err
		}
		j.SpecificAuthorization = j.SpecificAuthorization.With(l)
	}
	for i, r := range p.Unclear {
		m := "unclear[" + itoa(i) + "]"
		l, err := label(m, r.Label, seen, "unclear")
		if err != nil {
			return err
		}
		if err := r.check(m); err != nil {
			return err
		}
		if r.Note == "" {
			return invalid(m+".note", "is required: say what is unclear, for the person who decides")
		}
		j.Unclear = j.Unclear.With(l)
	}
	minors := map[string]bool{}
	for i, r := range p.MinorConsent {
		m := "minor_consent[" + itoa(i) + "]"
		l, ok := roi.ParseLabel(r.Label)
		if !ok || l == roi.LabelGeneral || l == roi.LabelMinorConsented {
			return invalid(m+".label", "names no category of records (%q)", r.Label)
		}
		if minors[r.Label] {
			return invalid(m+".label", "repeats %q: give one rule per category", r.Label)
		}
		minors[r.Label] = true
		if err := r.check(m); err != nil {
			return err
		}
		if r.MinAge < 0 || r.MinAge > 30 {
			return invalid(m+".min_age", "must be an age between 0 (any age) and 30")
		}
		pa := roi.ParentAccess(r.ParentAccess)
		switch pa {
		case roi.ParentAccessSilent, roi.ParentAccessProhibited:
		case roi.ParentAccessAllowed:
			// Allowed releases a minor's confidential care to a parent:
			// never on a reading from memory.
			if r.Confidence == ConfidenceMemory {
				return invalid(m+".parent_access", "may be \"allowed\" only on a reading confirmed from a source (S or S2°), not from memory (M): use \"silent\", which sends the records to a person")
			}
		default:
			return invalid(m+".parent_access", "must be allowed, prohibited or silent (%q given)", r.ParentAccess)
		}
		j.MinorConsent = append(j.MinorConsent, roi.MinorConsentRule{Label: l, MinAge: r.MinAge, ParentAccess: pa})
	}

	a := p.AgeOfMajority
	if err := a.check("age_of_majority"); err != nil {
		return err
	}
	if a.Age < 1 || a.Age > 30 {
		return invalid("age_of_majority.age", "must be an age between 1 and 30")
	}
	// A higher age of majority keeps more people minors, whose records
	// their parents see: on memory, only the federal default.
	if a.Age != 18 && a.Confidence == ConfidenceMemory {
		return invalid("age_of_majority.age", "other than 18 needs a reading confirmed from a source (S or S2°)")
	}
	j.AgeOfMajority = a.Age

	w := p.WorkersComp
	if err := w.check("workers_comp"); err != nil {
		return err
	}
	if w.Permitted && w.Confidence == ConfidenceMemory {
		return invalid("workers_comp.permitted", "may be true only on a reading confirmed from a source (S or S2°), not from memory (M)")
	}
	j.WorkersComp = w.Permitted

	f := p.Fees
	if err := f.check("fees"); err != nil {
		return err
	}
	if f.Schedule != "" {
		if _, ok := fee.ScheduleFor(f.Schedule); !ok || f.Schedule != strings.ToUpper(strings.TrimSpace(f.Schedule)) {
			return invalid("fees.schedule", "names no built-in fee schedule (%q)", f.Schedule)
		}
	}
	p.rules = j
	return nil
}

// label parses a category label of a specific-authorization or unclear
// rule; a label may appear once across both lists.
func label(member, name string, seen map[string]string, list string) (roi.Label, error) {
	l, ok := roi.ParseLabel(name)
	if !ok || l == roi.LabelGeneral || l == roi.LabelMinorConsented || l == roi.LabelDemographics {
		return 0, invalid(member+".label", "names no category of sensitive records (%q)", name)
	}
	if prev, dup := seen[name]; dup {
		return 0, invalid(member+".label", "%q is already listed in %s: a category is either specific or unclear, once", name, prev)
	}
	seen[name] = list
	return l, nil
}

// check requires the citation of the rule at member.
func (c *Citation) check(member string) error {
	switch {
	case strings.TrimSpace(c.Cite) == "":
		return invalid(member+".cite", "is required: every rule names its statute or rule")
	case c.Confidence != ConfidenceStatute && c.Confidence != ConfidenceSecondary && c.Confidence != ConfidenceMemory:
		return invalid(member+".confidence", "must be S, S2° or M (%q given)", c.Confidence)
	case !validDate(c.Checked):
		return invalid(member+".checked", "must be the date the rule was checked, YYYY-MM-DD")
	case c.Source != "" && !strings.HasPrefix(c.Source, "http"):
		return invalid(member+".source", "must be a URL")
	case c.Source == "" && c.Confidence != ConfidenceMemory:
		return invalid(member+".source", "is required for a rule read from a source (S or S2°)")
	}
	return nil
}

func validDate(s string) bool {
	d, err := roi.ParseDate(s)
	return err == nil && d.Known()
}

// duplicateMember returns the path of the first member that appears twice
// in one object (names compared without regard to case, as encoding/json
// matches them), "" if none does or b is not JSON.
func duplicateMember(b []byte) string {
	dec := json.NewDecoder(bytes.NewReader(b))
	var walk func(path string) (string, bool)
	walk = func(path string) (string, bool) {
		tok, err := dec.Token()
		if err != nil {
			return "", false
		}
		d, ok := tok.(json.Delim)
		if !ok {
			return "", true
		}
		if d == '{' {
			seen := map[string]bool{}
			for dec.More() {
				kt, err := dec.Token()
				if err != nil {
					return "", false
				}
				k, _ := kt.(string)
				p := k
				if path != "" {
					p = path + "." + k
				}
				if seen[strings.ToLower(k)] {
					return p, true
				}
				seen[strings.ToLower(k)] = true
				if dup, ok := walk(p); dup != "" || !ok {
					return dup, ok
				}
			}
		} else {
			for i := 0; dec.More(); i++ {
				if dup, ok := walk(path + "[" + itoa(i) + "]"); dup != "" || !ok {
					return dup, ok
				}
			}
		}
		_, err = dec.Token()
		return "", err == nil
	}
	dup, _ := walk("")
	return dup
}
