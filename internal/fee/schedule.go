package fee

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

	"github.com/custodian-roi/custodian/internal/roi"
)

// Schedule is a fee schedule: a state's statutory limits, or an
// organization's own schedule when State is empty. It is data, read from
// JSON (snake_case field names; amounts are dollar strings such as "1.94").
type Schedule struct {
	// State is the two-letter postal code; empty for an organization's own
	// schedule.
	State string `json:"state,omitempty"`
	// Name says whose schedule this is and what it covers, e.g. "Texas
	// physician practices".
	Name string `json:"name"`
	// Citations are the statutes and rules the figures come from.
	Citations []string `json:"citations"`
	// Effective is the date or period the figures are for, as published
	// ("2025-01-01", "2024 calendar year").
	Effective string `json:"effective"`
	// Year is the year of the figures; with AdjustedAnnually an
	// administrator must replace them each year.
	Year int `json:"year"`
	// AdjustedAnnually is true where the law indexes the figures (to the
	// CPI, usually), so the file goes stale every year.
	AdjustedAnnually bool `json:"adjusted_annually"`
	// Confidence is the weakest confidence of the figures: "S" (statute or
	// official text read), "S2°" (secondary source), "M" (memory).
	Confidence string `json:"confidence"`
	// Sources are the URLs the figures were read from.
	Sources []string `json:"sources"`
	// Notes are caveats for the people who quote fees: scope, what is not
	// modeled, what to verify.
	Notes []string `json:"notes,omitempty"`
	// DirectiveRates says which rates apply to a third-party directive:
	// "others" (the default) or "patient" where the state keys its rates on
	// who makes the request and the directive is the patient's own.
	DirectiveRates string `json:"directive_rates,omitempty"`

	// Patient are the state's limits for the patient or a personal
	// representative. Nil: the copy rates of Others are the limit (never
	// their search, clerical or certification fees).
	Patient *Rates `json:"patient,omitempty"`
	// Others are the rates for everyone else (authorizations, directives).
	Others *Rates `json:"others,omitempty"`
	// Subpoena are the rates for subpoenas and court orders; nil: Others.
	Subpoena *Rates `json:"subpoena,omitempty"`
}

// Rates is one set of limits within a schedule, with its own citation,
// confidence and source, because the blocks of one state often come from
// different laws.
type Rates struct {
	Cite       string `json:"cite"`
	Confidence string `json:"confidence"`
	Source     string `json:"source"`
	// Paper are the per-page tiers for paper copies.
	Paper []Tier `json:"paper,omitempty"`
	// Electronic says how electronic copies are charged: "tiers" (the
	// Electronic tiers), "percent_of_paper" (ElectronicPercent of the paper
	// charge), "same_as_paper", or "" when the law sets no electronic rate.
	ElectronicRule    string `json:"electronic_rule,omitempty"`
	Electronic        []Tier `json:"electronic,omitempty"`
	ElectronicPercent int64  `json:"electronic_percent,omitempty"`
	// Search is a per-request search, retrieval or handling fee.
	Search *Fee `json:"search,omitempty"`
	// ClericalPerQuarterHour is a clerical time charge, billed per quarter
	// hour or fraction of one.
	ClericalPerQuarterHour *Fee `json:"clerical_per_quarter_hour,omitempty"`
	// Certification is a fee for a certificate or affidavit of records.
	Certification *Fee `json:"certification,omitempty"`
	// Postage is "actual" (actual postage may be added), "included" (the
	// limits include postage) or "" (the law says nothing; actual postage
	// is added when mailing is asked for).
	Postage string `json:"postage,omitempty"`
	// Cap is a ceiling on the total before postage; nil: none.
	Cap *Fee `json:"cap,omitempty"`
	// Notes are caveats particular to these rates.
	Notes []string `json:"notes,omitempty"`
}

// Tier is a range of pages and what each page in it costs: PerPage for
// every page in the range, or Flat once when any page falls in it. Tiers
// add up. To is inclusive; 0 means no upper bound.
type Tier struct {
	From    int   `json:"from"`
	To      int   `json:"to,omitempty"`
	PerPage Cents `json:"per_page,omitempty"`
	Flat    Cents `json:"flat,omitempty"`
}

// Fee is one amount with what it is for, and, when it comes from a
// different source than its Rates, its own citation and confidence.
type Fee struct {
	Amount     Cents  `json:"amount"`
	What       string `json:"what,omitempty"`
	Cite       string `json:"cite,omitempty"`
	Confidence string `json:"confidence,omitempty"`
	Source     string `json:"source,omitempty"`
}

//go:embed schedules/*.json
var schedulesFS embed.FS

// builtin holds the embedded schedules, parsed once at start-up. A file
// that fails to parse is left out and its error kept in builtinErr, which
// TestBuiltinSchedules requires to be nil: a broken file is a build bug,
// not something to panic over at run time.
var builtin, builtinErr = loadBuiltin()

func loadBuiltin() (map[string]*Schedule, error) {
	entries, err := schedulesFS.ReadDir("schedules")
	if err != nil {
		return nil, err
	}
	out := make(map[string]*Schedule)
	var errs []error
	for _, e := range entries {
		b, err := schedulesFS.ReadFile(path.Join("schedules", e.Name()))
		if err != nil {
			errs = append(errs, err)
			continue
		}
		s, err := LoadSchedule(bytes.NewReader(b))
		if err != nil {
			errs = append(errs, errors.New(e.Name()+": "+err.Error()))
			continue
		}
		if want := strings.TrimSuffix(e.Name(), ".json"); s.State != want {
			errs = append(errs, errors.New(e.Name()+": state is "+s.State))
			continue
		}
		out[s.State] = s
	}
	return out, errors.Join(errs...)
}

// Schedules returns the built-in state schedules, sorted by state. The
// schedules are shared: callers must not modify them.
func Schedules() []*Schedule {
	out := make([]*Schedule, 0, len(builtin))
	for _, s := range builtin {
		out = append(out, s)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].State < out[j].State })
	return out
}

// ScheduleFor returns the built-in schedule of a state by postal code
// ("TX"), and false when there is none. The schedule is shared: callers
// must not modify it.
func ScheduleFor(state string) (*Schedule, bool) {
	s, ok := builtin[strings.ToUpper(strings.TrimSpace(state))]
	return s, ok
}

// maxScheduleBytes bounds an administrator's file; real schedules are a
// few kilobytes.
const maxScheduleBytes = 1 << 20

// LoadSchedule reads a schedule from JSON, strictly: an unknown field, a
// second JSON value, a negative amount, overlapping tiers or an unknown rule
// name is an error with CodeInvalid whose message names the field. A
// schedule without a state is the organization's own.
func LoadSchedule(r io.Reader) (*Schedule, error) {
	b, err := io.ReadAll(io.LimitReader(r, maxScheduleBytes+1))
	if err != nil {
		return nil, roi.Wrap(roi.CodeInvalid, err, "The fee schedule could not be read.")
	}
	if len(b) > maxScheduleBytes {
		return nil, roi.Errorf(roi.CodeTooLarge, "The fee schedule is larger than %d bytes.", maxScheduleBytes)
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	var s Schedule
	if err := dec.Decode(&s); err != nil {
		var re *roi.Error
		if errors.As(err, &re) {
			if field := badAmount(b); field != "" {
				return nil, invalid(field, `must be a quoted dollar string such as "6.50", at most two decimal places`)
			}
			// The bad amount was overridden by a later copy of its member.
			if dup := duplicateMember(b); dup != "" {
				return nil, invalid(dup, "appears more than once")
			}
		}
		return nil, decodeError(err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, roi.Errorf(roi.CodeInvalid, "The fee schedule must be a single JSON object.")
	}
	// A member given twice (JSON keeps the last, matching names without
	// regard to case) would let a schedule say one thing and mean another.
	if dup := duplicateMember(b); dup != "" {
		return nil, invalid(dup, "appears more than once")
	}
	if err := s.validate(); err != nil {
		return nil, err
	}
	return &s, nil
}

// badAmount returns the path of the first amount of the schedule b that
// is not a quoted dollar amount, "" if none is found. Amounts (Cents) fail
// in their own UnmarshalJSON, which encoding/json does not tell the field
// of.
func badAmount(b []byte) string {
	// The first JSON value only, as LoadSchedule decodes it: whatever
	// follows it is refused later, and must not hide the bad amount.
	var doc any
	if json.NewDecoder(bytes.NewReader(b)).Decode(&doc) != nil {
		return ""
	}
	var walk func(path string, v any) string
	walk = func(path string, v any) string {
		switch v := v.(type) {
		case map[string]any:
			keys := make([]string, 0, len(v))
			for k := range v {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			for _, k := range keys {
				p := k
				if path != "" {
					p = path + "." + k
				}
				switch strings.ToLower(k) {
				case "amount", "per_page", "flat":
					if str, ok := v[k].(string); !ok || func() bool { _, err := ParseCents(str); return err != nil }() {
						return p
					}
					continue
				}
				if f := walk(p, v[k]); f != "" {
					return f
				}
			}
		case []any:
			for i, x := range v {
				if f := walk(path+"["+strconv.Itoa(i)+"]", x); f != "" {
					return f
				}
			}
		}
		return ""
	}
	return walk("", doc)
}

// duplicateMember returns the path of the first member that appears twice
// in one object (names compared without regard to case, as encoding/json
// matches them), "" if none does or b is not JSON.
func duplicateMember(b []byte) string {
	dec := json.NewDecoder(bytes.NewReader(b))
	// walk reads one value at path; it returns the duplicate's path, and
	// whether the value read cleanly.
	var walk func(path string) (string, bool)
	walk = func(path string) (string, bool) {
		tok, err := dec.Token()
		if err != nil {
			return "", false
		}
		d, ok := tok.(json.Delim)
		if !ok {
			return "", true // a scalar
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
				if dup, ok := walk(path + "[" + strconv.Itoa(i) + "]"); dup != "" || !ok {
					return dup, ok
				}
			}
		}
		_, err = dec.Token() // the closing delimiter
		return "", err == nil
	}
	dup, _ := walk("")
	return dup
}

// decodeError turns a JSON error into a message that names the field.
func decodeError(err error) error {
	var re *roi.Error
	if errors.As(err, &re) {
		return re // a bad amount; the message names the value
	}
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		if te.Field == "" {
			return roi.Errorf(roi.CodeInvalid, "The fee schedule must be a single JSON object.")
		}
		return roi.Errorf(roi.CodeInvalid, "The fee schedule field %q has the wrong type (%s given).", te.Field, te.Value)
	}
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return roi.Errorf(roi.CodeInvalid, "The fee schedule is not valid JSON (at byte %d).", se.Offset)
	}
	if name, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
		return roi.Errorf(roi.CodeInvalid, "The fee schedule has an unknown field %s.", name)
	}
	return roi.Errorf(roi.CodeInvalid, "The fee schedule could not be decoded.")
}

var confidences = map[string]bool{"S": true, "S2°": true, "M": true}

func (s *Schedule) validate() error {
	if s.State != "" && (len(s.State) != 2 || strings.ToUpper(s.State) != s.State) {
		return invalid("state", "must be a two-letter upper-case postal code or empty")
	}
	if strings.TrimSpace(s.Name) == "" {
		return invalid("name", "is required")
	}
	if s.Confidence != "" && !confidences[s.Confidence] {
		return invalid("confidence", `must be "S", "S2°" or "M"`)
	}
	if s.State != "" && (s.Confidence == "" || len(s.Citations) == 0 || len(s.Sources) == 0 || s.Year == 0) {
		return invalid("confidence", "a state schedule needs confidence, citations, sources and year")
	}
	switch s.DirectiveRates {
	case "", "others", "patient":
	default:
		return invalid("directive_rates", `must be "others" or "patient"`)
	}
	if s.Patient == nil && s.Others == nil && s.Subpoena == nil {
		return invalid("others", "a schedule needs at least one of patient, others or subpoena")
	}
	for _, b := range []struct {
		name string
		r    *Rates
	}{{"patient", s.Patient}, {"others", s.Others}, {"subpoena", s.Subpoena}} {
		if b.r == nil {
			continue
		}
		if err := b.r.validate(b.name); err != nil {
			return err
		}
	}
	return nil
}

func (r *Rates) validate(at string) error {
	if r.Confidence != "" && !confidences[r.Confidence] {
		return invalid(at+".confidence", `must be "S", "S2°" or "M"`)
	}
	if err := validateTiers(at+".paper", r.Paper); err != nil {
		return err
	}
	if err := validateTiers(at+".electronic", r.Electronic); err != nil {
		return err
	}
	switch r.ElectronicRule {
	case "", "same_as_paper":
	case "tiers":
		if len(r.Electronic) == 0 {
			return invalid(at+".electronic", `is required when electronic_rule is "tiers"`)
		}
	case "percent_of_paper":
		if r.ElectronicPercent <= 0 || r.ElectronicPercent > 100 {
			return invalid(at+".electronic_percent", "must be between 1 and 100")
		}
	default:
		return invalid(at+".electronic_rule", `must be "tiers", "percent_of_paper", "same_as_paper" or empty`)
	}
	if r.ElectronicPercent < 0 {
		return invalid(at+".electronic_percent", "must not be negative")
	}
	switch r.Postage {
	case "", "actual", "included":
	default:
		return invalid(at+".postage", `must be "actual", "included" or empty`)
	}
	for _, f := range []struct {
		name string
		f    *Fee
	}{{"search", r.Search}, {"clerical_per_quarter_hour", r.ClericalPerQuarterHour},
		{"certification", r.Certification}, {"cap", r.Cap}} {
		if f.f == nil {
			continue
		}
		if f.f.Amount < 0 {
			return invalid(at+"."+f.name+".amount", "must not be negative")
		}
		if f.f.Confidence != "" && !confidences[f.f.Confidence] {
			return invalid(at+"."+f.name+".confidence", `must be "S", "S2°" or "M"`)
		}
	}
	return nil
}

func validateTiers(at string, tiers []Tier) error {
	next := 1
	for i, t := range tiers {
		name := at + "[" + strconv.Itoa(i) + "]"
		if t.PerPage < 0 {
			return invalid(name+".per_page", "must not be negative")
		}
		if t.Flat < 0 {
			return invalid(name+".flat", "must not be negative")
		}
		if t.From != next {
			return invalid(name+".from", "must continue the previous tier (expected "+strconv.Itoa(next)+")")
		}
		if t.To != 0 && t.To < t.From {
			return invalid(name+".to", "must not be below from")
		}
		if t.To == 0 && i != len(tiers)-1 {
			return invalid(name+".to", "only the last tier may be open-ended")
		}
		next = t.To + 1
	}
	return nil
}

func invalid(field, what string) error {
	return roi.Errorf(roi.CodeInvalid, "The fee schedule field %q %s.", field, what)
}
