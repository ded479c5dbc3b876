package fee

import (
	"slices"
	"strings"
	"testing"

	"github.com/custodian-roi/custodian/internal/roi"
)

// costs is a plausible organization: $30 an hour, 30 seconds a page,
// 5 cents of paper a page, $1.50 postage.
var costs = Costs{
	Method: MethodActual, Flat: 650, LaborPerHour: 3000, LaborSecondsPerPage: 30, LaborMinutesElectronic: 10,
	PaperPerPage: 5, AveragePerPage: 25, AverageElectronic: 400, Media: 200, Postage: 150, Summary: 2000, Accounting: 1000,
}

func with(c Costs, f func(*Costs)) Costs { f(&c); return c }

func state(t *testing.T, code string) *Schedule {
	t.Helper()
	s, ok := ScheduleFor(code)
	if !ok {
		t.Fatalf("no schedule for %s", code)
	}
	return s
}

func TestCalculate(t *testing.T) {
	patient := func(f Format, pages int) Request {
		return Request{Basis: roi.BasisAccess, Requester: roi.KindPatient, Format: f, Pages: pages}
	}
	tests := []struct {
		name      string
		req       Request
		costs     Costs
		state     string // "" for no schedule
		wantTotal Cents
		wantRule  Rule
		wantKinds []LineKind // the line kinds, in order
		wantText  string     // a fragment of a line or note
		capped    bool
		notice    bool
	}{
		{
			name:      "AccessElectronicFlatWithMailAndMedia",
			req:       Request{Basis: roi.BasisAccess, Requester: roi.KindPatient, Format: FormatElectronic, Pages: 900, Mail: true, Media: true},
			costs:     with(costs, func(c *Costs) { c.Method = MethodFlat }),
			state:     "TX",
			wantTotal: 650, wantRule: RuleAccess,
			wantKinds: []LineKind{LineFlat},
			wantText:  NoteUnpaidBills,
		},
		{
			name:      "AccessFlatByRepresentative",
			req:       Request{Basis: roi.BasisAccess, Requester: roi.KindRepresentative, Format: FormatElectronic, Pages: 10},
			costs:     with(costs, func(c *Costs) { c.Method = MethodFlat; c.Flat = 500 }),
			wantTotal: 500, wantRule: RuleAccess,
			wantKinds: []LineKind{LineFlat},
		},
		{
			// $60 an hour, 2 minutes a page: 10 pages cost $20 labor and
			// $0.50 paper, but New York allows only $0.75 a page.
			name:      "AccessPaperActualStateLower",
			req:       patient(FormatPaper, 10),
			costs:     with(costs, func(c *Costs) { c.LaborPerHour = 6000; c.LaborSecondsPerPage = 120 }),
			state:     "NY",
			wantTotal: 750, wantRule: RuleAccess, capped: true,
			wantKinds: []LineKind{LineLabor, LineSupplies, LineStateLimit},
			wantText:  "Lowered to the state limit",
		},
		{
			// 100 pages: labor 50 min at $30 = $25, paper $5, postage $1.50;
			// Texas would allow $65 with postage included.
			name:      "AccessPaperActualStateHigher",
			req:       Request{Basis: roi.BasisAccess, Requester: roi.KindPatient, Format: FormatPaper, Pages: 100, Mail: true},
			costs:     costs,
			state:     "TX",
			wantTotal: 3150, wantRule: RuleAccess,
			wantKinds: []LineKind{LineLabor, LineSupplies, LinePostage},
			wantText:  "preempted",
		},
		{
			// Pennsylvania's patient block has no search fee; the average
			// schedule gives 10 x $0.25.
			name:      "AccessPaperAveragePA",
			req:       patient(FormatPaper, 10),
			costs:     with(costs, func(c *Costs) { c.Method = MethodAverage }),
			state:     "PA",
			wantTotal: 250, wantRule: RuleAccess,
			wantKinds: []LineKind{LineAverage},
		},
		{
			// Illinois: electronic at 50% of paper; 4 pages = $2.60, below
			// the $6.50 flat fee. The $34.72 handling charge never applies.
			name:      "AccessElectronicFlatILLower",
			req:       patient(FormatElectronic, 4),
			costs:     with(costs, func(c *Costs) { c.Method = MethodFlat }),
			state:     "IL",
			wantTotal: 260, wantRule: RuleAccess, capped: true,
			wantKinds: []LineKind{LineFlat, LineStateLimit},
		},
		{
			name:      "AccessWithSummary",
			req:       Request{Basis: roi.BasisAccess, Requester: roi.KindPatient, Format: FormatElectronic, Summary: true},
			costs:     costs,
			wantTotal: 500 + 2000, wantRule: RuleAccess,
			wantKinds: []LineKind{LineLabor, LineSummary},
			wantText:  "agreed in advance",
		},
		{
			name:      "AccessPaperFlatFallsBackToActual",
			req:       patient(FormatPaper, 10),
			costs:     with(costs, func(c *Costs) { c.Method = MethodFlat }),
			wantTotal: 250 + 50, wantRule: RuleAccess,
			wantKinds: []LineKind{LineLabor, LineSupplies},
		},
		{
			name:      "PortalFree",
			req:       Request{Basis: roi.BasisAccess, Requester: roi.KindPatient, Portal: true},
			costs:     costs,
			state:     "IL",
			wantTotal: 0, wantRule: RulePortal,
			wantKinds: []LineKind{LineNoFee},
			wantText:  "171.302",
		},
		{
			// Texas: up to $25 for pages 1-20, $0.50 a page after; affidavit $15.
			name:      "AttorneyAuthorizationTX",
			req:       Request{Basis: roi.BasisAuthorization, Requester: roi.KindAttorney, Format: FormatPaper, Pages: 30, Certified: true, Mail: true},
			costs:     costs,
			state:     "TX",
			wantTotal: 2500 + 500 + 1500, wantRule: RuleSchedule,
			wantKinds: []LineKind{LineCopies, LineCertification},
		},
		{
			// Illinois 2024: handling $34.72; pages 1-25 at $1.30, 26-50 at
			// $0.87, 51-60 at $0.43; postage $1.50.
			name:      "InsurerAuthorizationIL",
			req:       Request{Basis: roi.BasisAuthorization, Requester: roi.KindInsurer, Format: FormatPaper, Pages: 60, Mail: true},
			costs:     costs,
			state:     "IL",
			wantTotal: 3472 + 3250 + 2175 + 430 + 150, wantRule: RuleSchedule,
			wantKinds: []LineKind{LineSearch, LineCopies, LinePostage},
		},
		{
			name:      "DirectiveTXElectronic",
			req:       Request{Basis: roi.BasisDirective, Requester: roi.KindPatient, Format: FormatElectronic, Pages: 600},
			costs:     costs,
			state:     "TX",
			wantTotal: 5000, wantRule: RuleDirective,
			wantKinds: []LineKind{LineNoFee, LineCopies},
			wantText:  "Ciox",
		},
		{
			// Pennsylvania: a directive is charged at the others' rates,
			// search fee included: $28.74 + 20 x $1.94.
			name:      "DirectivePA",
			req:       Request{Basis: roi.BasisDirective, Requester: roi.KindPatient, Format: FormatPaper, Pages: 20},
			costs:     costs,
			state:     "PA",
			wantTotal: 2874 + 3880, wantRule: RuleDirective,
			wantKinds: []LineKind{LineNoFee, LineSearch, LineCopies},
		},
		{
			// Ohio keys its rates on who asks: the directive is the
			// patient's, so no search fee and the patient tiers.
			name:      "DirectiveOHPatientRates",
			req:       Request{Basis: roi.BasisDirective, Requester: roi.KindPatient, Format: FormatPaper, Pages: 10},
			costs:     costs,
			state:     "OH",
			wantTotal: 3620, wantRule: RuleDirective,
			wantKinds: []LineKind{LineNoFee, LineCopies},
		},
		{
			// California subpoena: $0.10 a page, clerical $6 a quarter hour
			// (20 minutes = 2 quarters), actual postage.
			name:      "SubpoenaCA",
			req:       Request{Basis: roi.BasisSubpoena, Requester: roi.KindAttorney, Format: FormatPaper, Pages: 40, ClericalMinutes: 20, Mail: true},
			costs:     costs,
			state:     "CA",
			wantTotal: 1200 + 400 + 150, wantRule: RuleSchedule,
			wantKinds: []LineKind{LineClerical, LineCopies, LinePostage},
		},
		{
			// California has no authorization rates in the data: the
			// organization's costs are quoted, and the quote says so.
			name:      "AuthorizationCAFallsBackToCosts",
			req:       Request{Basis: roi.BasisAuthorization, Requester: roi.KindAttorney, Format: FormatPaper, Pages: 10},
			costs:     costs,
			state:     "CA",
			wantTotal: 250 + 50, wantRule: RuleSchedule,
			wantKinds: []LineKind{LineLabor, LineSupplies},
			wantText:  "sets no rates",
		},
		{
			// Washington sets no electronic rate: the organization's flat
			// fee is quoted for the copy, on top of the $28 clerical fee.
			name:      "AuthorizationWAElectronic",
			req:       Request{Basis: roi.BasisAuthorization, Requester: roi.KindEmployer, Format: FormatElectronic, Pages: 50, Mail: true},
			costs:     with(costs, func(c *Costs) { c.Method = MethodFlat }),
			state:     "WA",
			wantTotal: 2800 + 650, wantRule: RuleSchedule,
			wantKinds: []LineKind{LineSearch, LineFlat},
		},
		{
			name:      "AuthorizationNoSchedule",
			req:       Request{Basis: roi.BasisAuthorization, Requester: roi.KindInsurer, Format: FormatPaper, Pages: 10, Mail: true},
			costs:     costs,
			wantTotal: 250 + 50 + 150, wantRule: RuleSchedule,
			wantKinds: []LineKind{LineLabor, LineSupplies, LinePostage},
		},
		{
			name:      "TreatmentNoFee",
			req:       Request{Basis: roi.BasisTreatment, Requester: roi.KindProvider, Format: FormatPaper, Pages: 500},
			costs:     costs,
			state:     "IL",
			wantTotal: 0, wantRule: RuleNoSchedule,
			wantKinds: []LineKind{LineNoFee},
		},
		{
			name:      "PublicHealthNoFee",
			req:       Request{Basis: roi.BasisPublicHealth, Requester: roi.KindPublicHealth, Format: FormatElectronic},
			costs:     costs,
			state:     "PA",
			wantTotal: 0, wantRule: RuleNoSchedule,
			wantKinds: []LineKind{LineNoFee},
		},
		{
			name:      "FirstAccountingFree",
			req:       Request{Accounting: true},
			costs:     costs,
			wantTotal: 0, wantRule: RuleAccounting,
			wantKinds: []LineKind{LineNoFee},
		},
		{
			name:      "SecondAccountingFlagged",
			req:       Request{Accounting: true, PriorAccountings12Months: 1},
			costs:     costs,
			wantTotal: 1000, wantRule: RuleAccounting, notice: true,
			wantKinds: []LineKind{LineAccounting},
			wantText:  "withdraw",
		},
		{
			name:      "SecondAccountingNoFeeConfigured",
			req:       Request{Accounting: true, PriorAccountings12Months: 3},
			costs:     with(costs, func(c *Costs) { c.Accounting = 0 }),
			wantTotal: 0, wantRule: RuleAccounting,
			wantKinds: []LineKind{LineNoFee},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var s *Schedule
			if tt.state != "" {
				s = state(t, tt.state)
			}
			q, err := Calculate(tt.req, tt.costs, s)
			if err != nil {
				t.Fatalf("Calculate: %v", err)
			}
			if q.Total != tt.wantTotal {
				t.Errorf("Total=%v, want %v; lines %+v", q.Total, tt.wantTotal, q.Lines)
			}
			if q.Rule != tt.wantRule {
				t.Errorf("Rule=%v, want %v", q.Rule, tt.wantRule)
			}
			var kinds []LineKind
			var sum Cents
			for _, l := range q.Lines {
				kinds = append(kinds, l.Kind)
				sum += l.Amount
				if l.Cite == "" || l.What == "" {
					t.Errorf("line %+v lacks a citation or a description", l)
				}
			}
			if !slices.Equal(kinds, tt.wantKinds) {
				t.Errorf("kinds=%v, want %v", kinds, tt.wantKinds)
			}
			if sum != q.Total {
				t.Errorf("lines add up to %v, Total=%v", sum, q.Total)
			}
			if q.Capped != tt.capped || q.NeedsAdvanceNotice != tt.notice {
				t.Errorf("Capped=%v NeedsAdvanceNotice=%v, want %v %v", q.Capped, q.NeedsAdvanceNotice, tt.capped, tt.notice)
			}
			if tt.wantText != "" && !strings.Contains(quoteText(q), tt.wantText) {
				t.Errorf("quote does not mention %q:\n%s", tt.wantText, quoteText(q))
			}
			if tt.req.Basis == roi.BasisAccess && !slices.Contains(q.Notes, NoteUnpaidBills) {
				t.Errorf("access quote lacks the unpaid-bills note")
			}
		})
	}
}

func quoteText(q Quote) string {
	var b strings.Builder
	for _, l := range q.Lines {
		b.WriteString(l.What + " | " + l.Cite + " | " + l.Note + "\n")
	}
	for _, n := range q.Notes {
		b.WriteString(n + "\n")
	}
	return b.String()
}

func TestCalculate_Invalid(t *testing.T) {
	ok := Request{Basis: roi.BasisAccess, Requester: roi.KindPatient, Format: FormatPaper, Pages: 1}
	tests := []struct {
		name  string
		req   Request
		costs Costs
		field string
	}{
		{"AccessByAttorney", with2(ok, func(r *Request) { r.Requester = roi.KindAttorney }), costs, "Requester"},
		{"AccessNoRequester", with2(ok, func(r *Request) { r.Requester = "" }), costs, "Requester"},
		{"UnknownKind", Request{Basis: roi.BasisAuthorization, Requester: "alien", Format: FormatPaper}, costs, "Requester"},
		{"NoBasis", with2(ok, func(r *Request) { r.Basis = roi.BasisNone }), costs, "Basis"},
		{"UnknownBasis", with2(ok, func(r *Request) { r.Basis = "curiosity" }), costs, "Basis"},
		{"BadFormat", with2(ok, func(r *Request) { r.Format = "fax" }), costs, "Format"},
		{"MediaOnPaper", with2(ok, func(r *Request) { r.Media = true }), costs, "Media"},
		{"NegativePages", with2(ok, func(r *Request) { r.Pages = -1 }), costs, "Pages"},
		{"HugePages", with2(ok, func(r *Request) { r.Pages = maxCount + 1 }), costs, "Pages"},
		{"PortalForAttorney", Request{Basis: roi.BasisAuthorization, Requester: roi.KindAttorney, Portal: true}, costs, "Portal"},
		{"FlatAboveLimit", ok, with(costs, func(c *Costs) { c.Flat = 651 }), "Flat"},
		{"NegativePostage", ok, with(costs, func(c *Costs) { c.Postage = -1 }), "Postage"},
		{"NoMethod", ok, with(costs, func(c *Costs) { c.Method = "" }), "Method"},
		{"SecondsTooMany", ok, with(costs, func(c *Costs) { c.LaborSecondsPerPage = 3601 }), "LaborSecondsPerPage"},
		{"NegativePriorAccountings", Request{Accounting: true, PriorAccountings12Months: -1}, costs, "PriorAccountings12Months"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q, err := Calculate(tt.req, tt.costs, nil)
			if err == nil {
				t.Fatalf("Calculate succeeded with %+v; want an error", q)
			}
			if roi.CodeOf(err) != roi.CodeInvalid {
				t.Errorf("code=%v, want invalid", roi.CodeOf(err))
			}
			if !strings.Contains(roi.PublicMessage(err), `"`+tt.field+`"`) {
				t.Errorf("message %q does not name the field %q", roi.PublicMessage(err), tt.field)
			}
		})
	}
}

func with2(r Request, f func(*Request)) Request { f(&r); return r }

// TestCalculate_AdministratorSchedule: a schedule loaded from a file is
// used like a built-in one, including its cap.
func TestCalculate_AdministratorSchedule(t *testing.T) {
	s, err := LoadSchedule(strings.NewReader(`{
		"name": "Example Clinic",
		"others": {"cite": "Clinic fee policy 4", "paper": [{"from": 1, "per_page": "1.00"}],
		           "search": {"amount": "10.00"}, "cap": {"amount": "50.00"}, "postage": "actual"}}`))
	if err != nil {
		t.Fatal(err)
	}
	q, err := Calculate(Request{Basis: roi.BasisAuthorization, Requester: roi.KindInsurer, Format: FormatPaper, Pages: 100, Mail: true}, costs, s)
	if err != nil {
		t.Fatal(err)
	}
	if q.Total != 5000+150 || !q.Capped {
		t.Errorf("Total=%v Capped=%v, want $51.50 capped; lines %+v", q.Total, q.Capped, q.Lines)
	}
	// The same schedule for a patient: its search fee never applies, and
	// its per-page rate ($100) is above the cost-based fee, so HIPAA's fee
	// stands.
	q, err = Calculate(Request{Basis: roi.BasisAccess, Requester: roi.KindPatient, Format: FormatPaper, Pages: 100}, costs, s)
	if err != nil {
		t.Fatal(err)
	}
	if q.Total != 2500+500 {
		t.Errorf("access Total=%v, want $30.00; lines %+v", q.Total, q.Lines)
	}
}
