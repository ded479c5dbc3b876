package fee

import (
	"math/rand/v2"
	"slices"
	"strconv"
	"testing"

	"github.com/custodian-roi/custodian/internal/roi"
)

// accessKinds are the only lines an access quote may have: the four things
// 164.524(c)(4) allows, the flat fee that stands for them, reductions, and
// the $0 explanation of free self-service.
var accessKinds = []LineKind{LineLabor, LineSupplies, LineAverage, LineFlat, LineMedia, LinePostage, LineSummary, LineStateLimit, LineNoFee}

// TestAccessNeverOvercharges is the property behind the whole package: for
// many generated requests, configurations and schedules (the built-in
// states, none, and hostile administrator schedules with huge fees), an
// individual's access quote
//   - never has a search, retrieval, handling, clerical or certification
//     line, nor a state per-page "copies" line;
//   - never exceeds the HIPAA cost-based fee computed independently below;
//   - never exceeds the state's patient figure, when the state has one;
//   - with the flat method for an electronic copy, never exceeds $6.50
//     apart from an agreed summary;
//   - is $0 for portal self-service;
//   - always says access may not be withheld for unpaid bills.
func TestAccessNeverOvercharges(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	schedules := append([]*Schedule{nil}, Schedules()...)
	const n = 20000
	for i := range n {
		var s *Schedule
		if i%4 == 0 {
			s = hostileSchedule(rng)
		} else {
			s = schedules[rng.IntN(len(schedules))]
		}
		r := randomAccess(rng)
		c := randomCosts(rng)
		q, err := Calculate(r, c, s)
		if err != nil {
			t.Fatalf("case %d: Calculate(%+v, %+v): %v", i, r, c, err)
		}
		fail := func(format string, args ...any) {
			t.Helper()
			name := "none"
			if s != nil {
				name = s.Name
			}
			t.Fatalf("case %d (schedule %s): "+format+"\nrequest %+v\ncosts %+v\nquote %+v", append(append([]any{i, name}, args...), r, c, q)...)
		}
		var summary, sum Cents
		for _, l := range q.Lines {
			if !slices.Contains(accessKinds, l.Kind) {
				fail("line of kind %q in an access quote", l.Kind)
			}
			if (l.Kind == LineStateLimit) != (l.Amount < 0) {
				fail("line %+v: only a state-limit line may be negative, and it must be", l)
			}
			if l.Kind == LineSummary {
				summary = l.Amount
			}
			sum += l.Amount
		}
		if q.Total < 0 || q.Total != max(sum, 0) {
			fail("Total %v does not match the lines (%v)", q.Total, sum)
		}
		if !slices.Contains(q.Notes, NoteUnpaidBills) {
			fail("no unpaid-bills note")
		}
		if r.Portal {
			if q.Total != 0 {
				fail("portal access charged %v", q.Total)
			}
			continue
		}
		ceiling := hipaaCeiling(r, c)
		if q.Total-summary > ceiling {
			fail("charged %v before the summary; HIPAA allows %v", q.Total-summary, ceiling)
		}
		if c.Method == MethodFlat && r.Format == FormatElectronic && q.Total-summary > FlatFeeMax {
			fail("flat electronic fee %v above %v", q.Total-summary, FlatFeeMax)
		}
		if s != nil {
			if limit, ok := statePatientLimit(s, r, c); ok && q.Total-summary > limit {
				fail("charged %v before the summary; the state allows a patient %v", q.Total-summary, limit)
			}
		}
	}
}

// TestAccessFlatFeeConfigurationRefused: no configuration can set a flat
// fee above $6.50; it is refused, never applied.
func TestAccessFlatFeeConfigurationRefused(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for i := range 2000 {
		c := randomCosts(rng)
		c.Flat = FlatFeeMax + 1 + Cents(rng.Int64N(int64(maxAmount)))
		if q, err := Calculate(randomAccess(rng), c, nil); err == nil {
			t.Fatalf("case %d: flat fee %v accepted: %+v", i, c.Flat, q)
		}
	}
}

// TestDirectiveAlwaysCitesCiox: every directive quote says why the patient
// rate does not apply, whatever the schedule.
func TestDirectiveAlwaysCitesCiox(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	schedules := append([]*Schedule{nil}, Schedules()...)
	for i := range 2000 {
		r := randomAccess(rng)
		r.Basis, r.Portal = roi.BasisDirective, false
		if r.Format == "" {
			r.Format = FormatPaper
		}
		q, err := Calculate(r, randomCosts(rng), schedules[rng.IntN(len(schedules))])
		if err != nil {
			t.Fatalf("case %d: %v", i, err)
		}
		if q.Rule != RuleDirective || len(q.Lines) == 0 || q.Lines[0].Cite != citeCiox || !slices.Contains(q.Notes, NoteCiox) {
			t.Fatalf("case %d: directive quote without the Ciox line and note: %+v", i, q)
		}
	}
}

// hipaaCeiling is the most 164.524(c)(4) allows for the copy, postage
// included and summary excluded, written out again from the rule rather
// than from the code under test.
func hipaaCeiling(r Request, c Costs) Cents {
	if c.Method == MethodFlat && r.Format == FormatElectronic {
		return min(c.Flat, FlatFeeMax) // labor, supplies, media and postage included
	}
	var fee Cents
	if c.Method == MethodAverage {
		if r.Format == FormatPaper {
			fee = c.AveragePerPage * Cents(r.Pages)
		} else {
			fee = c.AverageElectronic
		}
	} else {
		minutes := Cents(r.LaborMinutes)
		seconds := minutes * 60
		if r.LaborMinutes == 0 && r.Format == FormatPaper {
			seconds = Cents(r.Pages) * Cents(c.LaborSecondsPerPage)
		} else if r.LaborMinutes == 0 {
			seconds = Cents(c.LaborMinutesElectronic) * 60
		}
		fee = c.LaborPerHour * seconds / 3600
		if r.Format == FormatPaper {
			fee += c.PaperPerPage * Cents(r.Pages)
		}
	}
	if r.Media {
		fee += c.Media
	}
	if r.Mail {
		fee += c.Postage
	}
	return fee
}

// statePatientLimit is the state's figure for a patient's copy, with
// actual postage on top unless the state's figure includes it.
func statePatientLimit(s *Schedule, r Request, c Costs) (Cents, bool) {
	rates := s.Patient
	if rates == nil {
		rates = s.Others
	}
	if rates == nil {
		return 0, false
	}
	copies, _, ok := rates.copies(r.Format, r.Pages)
	if !ok {
		return 0, false
	}
	if rates.Cap != nil {
		copies = min(copies, rates.Cap.Amount)
	}
	if r.Mail && rates.Postage != "included" && !(c.Method == MethodFlat && r.Format == FormatElectronic) {
		copies += c.Postage
	}
	return copies, true
}

func randomAccess(rng *rand.Rand) Request {
	r := Request{Basis: roi.BasisAccess, Requester: roi.KindPatient}
	if rng.IntN(2) == 0 {
		r.Requester = roi.KindRepresentative
	}
	if rng.IntN(20) == 0 {
		r.Portal = true
		return r
	}
	r.Format = FormatPaper
	if rng.IntN(2) == 0 {
		r.Format = FormatElectronic
		r.Media = rng.IntN(3) == 0
	}
	r.Pages = randomCount(rng)
	r.Mail = rng.IntN(2) == 0
	r.Summary = rng.IntN(5) == 0
	r.Certified = rng.IntN(4) == 0 // asked for, but never chargeable for access
	r.ClericalMinutes = randomCount(rng)
	if rng.IntN(4) == 0 {
		r.LaborMinutes = randomCount(rng)
	}
	return r
}

func randomCosts(rng *rand.Rand) Costs {
	methods := []Method{MethodActual, MethodAverage, MethodFlat}
	return Costs{
		Method:                 methods[rng.IntN(len(methods))],
		Flat:                   Cents(rng.Int64N(int64(FlatFeeMax) + 1)),
		LaborPerHour:           randomAmount(rng),
		LaborSecondsPerPage:    rng.IntN(maxSeconds + 1),
		LaborMinutesElectronic: randomCount(rng),
		PaperPerPage:           randomAmount(rng),
		AveragePerPage:         randomAmount(rng),
		AverageElectronic:      randomAmount(rng),
		Media:                  randomAmount(rng),
		Postage:                randomAmount(rng),
		Summary:                randomAmount(rng),
		Accounting:             randomAmount(rng),
	}
}

// randomAmount is mostly small, sometimes the largest allowed.
func randomAmount(rng *rand.Rand) Cents {
	switch rng.IntN(10) {
	case 0:
		return 0
	case 1:
		return maxAmount
	default:
		return Cents(rng.Int64N(5000))
	}
}

func randomCount(rng *rand.Rand) int {
	switch rng.IntN(10) {
	case 0:
		return 0
	case 1:
		return maxCount
	default:
		return rng.IntN(2000)
	}
}

// hostileSchedule is an administrator's schedule with every kind of fee,
// some of them enormous, to prove none of them reaches an access quote.
func hostileSchedule(rng *rand.Rand) *Schedule {
	big := func() Cents { return Cents(rng.Int64N(999_999_999)) }
	fee := func() *Fee {
		if rng.IntN(2) == 0 {
			return nil
		}
		return &Fee{Amount: big(), Cite: "hostile"}
	}
	rates := func() *Rates {
		if rng.IntN(4) == 0 {
			return nil
		}
		r := &Rates{Cite: "hostile", Search: fee(), ClericalPerQuarterHour: fee(), Certification: fee(), Cap: fee()}
		from := 1
		for range rng.IntN(4) {
			to := from + rng.IntN(50)
			r.Paper = append(r.Paper, Tier{From: from, To: to, PerPage: big() / 1000, Flat: big() / 100})
			from = to + 1
		}
		r.Paper = append(r.Paper, Tier{From: from, PerPage: big() / 1000})
		rules := []string{"", "tiers", "percent_of_paper", "same_as_paper"}
		r.ElectronicRule = rules[rng.IntN(len(rules))]
		r.Electronic = []Tier{{From: 1, Flat: big()}}
		r.ElectronicPercent = 1 + rng.Int64N(100)
		r.Postage = []string{"", "actual", "included"}[rng.IntN(3)]
		return r
	}
	s := &Schedule{Name: "hostile " + strconv.Itoa(rng.IntN(1000)), Patient: rates(), Others: rates(), Subpoena: rates()}
	if s.Patient == nil && s.Others == nil && s.Subpoena == nil {
		s.Others = &Rates{Cite: "hostile", Search: &Fee{Amount: big()}}
	}
	return s
}
