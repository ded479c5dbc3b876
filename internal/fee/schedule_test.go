package fee

import (
	"strings"
	"testing"

	"github.com/custodian-roi/custodian/internal/roi"
)

// TestBuiltinSchedules: every embedded file parses, and says where its
// figures come from, how sure we are and which year they are for.
func TestBuiltinSchedules(t *testing.T) {
	if builtinErr != nil {
		t.Fatalf("embedded schedules: %v", builtinErr)
	}
	want := []string{"CA", "FL", "IL", "MA", "NJ", "NY", "OH", "PA", "TX", "WA"}
	var got []string
	for _, s := range Schedules() {
		got = append(got, s.State)
		if s.Year == 0 || s.Effective == "" || len(s.Citations) == 0 || len(s.Sources) == 0 || s.Confidence == "" {
			t.Errorf("%s: year, effective, citations, sources and confidence are all required", s.State)
		}
		for _, u := range s.Sources {
			if !strings.HasPrefix(u, "http") {
				t.Errorf("%s: source %q is not a URL", s.State, u)
			}
		}
		for name, r := range map[string]*Rates{"patient": s.Patient, "others": s.Others, "subpoena": s.Subpoena} {
			if r == nil {
				continue
			}
			if r.Cite == "" || r.Confidence == "" || !strings.HasPrefix(r.Source, "http") {
				t.Errorf("%s.%s: cite, confidence and a source URL are required next to the figures", s.State, name)
			}
		}
	}
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("Schedules()=%v, want %v", got, want)
	}
	if _, ok := ScheduleFor(" tx "); !ok {
		t.Error(`ScheduleFor(" tx ") not found`)
	}
	if _, ok := ScheduleFor("ZZ"); ok {
		t.Error(`ScheduleFor("ZZ") found`)
	}
}

func TestLoadSchedule(t *testing.T) {
	const org = `{"name": "Example Clinic", "others": {"cite": "Clinic policy 12", "paper": [{"from": 1, "per_page": "0.20"}], "search": {"amount": "5.00"}}}`
	tests := []struct {
		name    string
		in      string
		wantErr string // a fragment of the message; "" for success
	}{
		{"OrganizationSchedule", org, ""},
		{"UnknownField", `{"name": "X", "others": {"cite": "c", "paper": [{"from": 1, "per_pgae": "0.20"}]}}`, `"per_pgae"`},
		{"UnknownTopField", `{"name": "X", "fees": {}}`, `"fees"`},
		{"NegativePerPage", `{"name": "X", "others": {"paper": [{"from": 1, "per_page": "-0.20"}]}}`, `"others.paper[0].per_page"`},
		{"NegativeSearch", `{"name": "X", "others": {"search": {"amount": "-5.00"}}}`, `"others.search.amount"`},
		{"NegativeCap", `{"name": "X", "patient": {"cap": {"amount": "-1"}}}`, `"patient.cap.amount"`},
		{"NumberAmount", `{"name": "X", "others": {"paper": [{"from": 1, "per_page": 0.2}]}}`, "quoted dollar string"},
		{"TooManyDecimals", `{"name": "X", "others": {"paper": [{"from": 1, "per_page": "0.435"}]}}`, "two decimal places"},
		{"TierGap", `{"name": "X", "others": {"paper": [{"from": 1, "to": 10, "per_page": "1"}, {"from": 12, "per_page": "1"}]}}`, `"others.paper[1].from"`},
		{"OpenTierNotLast", `{"name": "X", "others": {"paper": [{"from": 1, "per_page": "1"}, {"from": 2, "per_page": "1"}]}}`, `"others.paper[0].to"`},
		{"BadElectronicRule", `{"name": "X", "others": {"electronic_rule": "half"}}`, `"others.electronic_rule"`},
		{"PercentMissing", `{"name": "X", "others": {"electronic_rule": "percent_of_paper"}}`, `"others.electronic_percent"`},
		{"BadPostage", `{"name": "X", "others": {"postage": "free"}}`, `"others.postage"`},
		{"BadConfidence", `{"name": "X", "confidence": "sure", "others": {}}`, `"confidence"`},
		{"StateNeedsProvenance", `{"state": "TX", "name": "X", "others": {}}`, "confidence"},
		{"NoRates", `{"name": "X"}`, "at least one"},
		{"NoName", `{"others": {}}`, `"name"`},
		{"WrongType", `{"name": 5, "others": {}}`, `"name"`},
		{"TwoValues", org + org, "single JSON object"},
		{"NotJSON", `{"name": `, "could not be decoded"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := LoadSchedule(strings.NewReader(tt.in))
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("LoadSchedule: %v", err)
				}
				if s.State != "" || s.Others.Search.Amount != 500 {
					t.Errorf("schedule=%+v", s)
				}
				return
			}
			if err == nil {
				t.Fatalf("LoadSchedule succeeded; want an error mentioning %s", tt.wantErr)
			}
			if roi.CodeOf(err) != roi.CodeInvalid {
				t.Errorf("code=%v, want invalid", roi.CodeOf(err))
			}
			if !strings.Contains(roi.PublicMessage(err), tt.wantErr) {
				t.Errorf("message=%q, want it to mention %s", roi.PublicMessage(err), tt.wantErr)
			}
		})
	}
}

func TestTiersTotal(t *testing.T) {
	il, _ := ScheduleFor("IL")
	tx, _ := ScheduleFor("TX")
	tests := []struct {
		name  string
		tiers []Tier
		pages int
		want  Cents
	}{
		{"IL0", il.Others.Paper, 0, 0},
		{"IL25", il.Others.Paper, 25, 25 * 130},
		{"IL60", il.Others.Paper, 60, 25*130 + 25*87 + 10*43},
		{"TXPaper1", tx.Others.Paper, 1, 2500},
		{"TXPaper20", tx.Others.Paper, 20, 2500},
		{"TXPaper21", tx.Others.Paper, 21, 2550},
		{"TXElectronic500", tx.Others.Electronic, 500, 2500},
		{"TXElectronic501", tx.Others.Electronic, 501, 5000},
	}
	for _, tt := range tests {
		if got := tiersTotal(tt.tiers, tt.pages); got != tt.want {
			t.Errorf("%s: tiersTotal=%v, want %v", tt.name, got, tt.want)
		}
	}
}
