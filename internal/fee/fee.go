package fee

import (
	"strconv"

	"github.com/custodian-roi/custodian/internal/roi"
)

// FlatFeeMax is the most HHS guidance allows as a flat fee for an
// electronic copy of PHI maintained electronically, inclusive of labor,
// supplies and postage (HHS FAQ 2030, 2016).
const FlatFeeMax Cents = 650

// Format is the form of the copy asked for.
type Format string

// The formats.
const (
	FormatElectronic Format = "electronic"
	FormatPaper      Format = "paper"
)

// Method is how the organization computes a patient's access fee, one of
// the three HHS described in its 2016 access guidance.
type Method string

// The methods.
const (
	// MethodActual: labor time at an hourly rate, plus supplies.
	MethodActual Method = "actual"
	// MethodAverage: the organization's own average per-page (paper) or
	// per-copy (electronic) figure, covering labor and supplies.
	MethodAverage Method = "average"
	// MethodFlat: one flat fee of at most FlatFeeMax for an electronic copy
	// of PHI maintained electronically. Paper copies fall back to
	// MethodActual: the flat fee is defined only for electronic copies.
	MethodFlat Method = "flat"
)

// Request is what a fee is quoted for. It holds counts and choices, never
// PHI.
type Request struct {
	Basis     roi.Basis
	Requester roi.Kind
	Format    Format
	// Pages is the number of pages, or of page-equivalents for an
	// electronic copy.
	Pages int
	// Media: the individual asked for the copy on portable media (CD, USB).
	Media bool
	// Mail: the requester asked for the copy to be mailed.
	Mail bool
	// Portal: electronic self-service access (view, download, or transmit
	// through the portal or an API). Always $0.
	Portal bool
	// Summary: a summary or explanation the individual agreed to, and
	// agreed to pay for, in advance (164.524(c)(2)(iii)).
	Summary bool
	// Certified: a certificate or affidavit of the records was asked for
	// (third parties; never part of an access fee).
	Certified bool
	// LaborMinutes is the copying labor actually spent, when known; 0
	// estimates it from Costs.
	LaborMinutes int
	// ClericalMinutes is clerical time, charged only where a state schedule
	// allows a clerical time charge to third parties.
	ClericalMinutes int
	// Accounting: this is a request for an accounting of disclosures, and
	// PriorAccountings12Months is how many the individual already received
	// in the 12 months before it.
	Accounting               bool
	PriorAccountings12Months int
}

// Costs is the organization's configuration: its method and its own
// figures. All amounts are at most $1,000,000.
type Costs struct {
	Method Method
	// Flat is the flat fee for electronic copies; at most FlatFeeMax.
	Flat Cents
	// LaborPerHour is the hourly cost of the staff who make copies.
	LaborPerHour Cents
	// LaborSecondsPerPage is the copying time per paper page (actual).
	LaborSecondsPerPage int
	// LaborMinutesElectronic is the time to produce one electronic copy
	// (actual).
	LaborMinutesElectronic int
	// PaperPerPage is the cost of paper and toner per page (actual).
	PaperPerPage Cents
	// AveragePerPage and AverageElectronic are the organization's average
	// schedule: per paper page, and per electronic copy (average).
	AveragePerPage    Cents
	AverageElectronic Cents
	// Media is the cost of the portable media an individual asked for.
	Media Cents
	// Postage is the postage for a mailed copy.
	Postage Cents
	// Summary is the agreed fee for preparing a summary or explanation.
	Summary Cents
	// Accounting is the reasonable cost-based fee for a second or later
	// accounting of disclosures within 12 months; 0 charges nothing.
	Accounting Cents
}

// LineKind says what a quote line charges for. Tests use it to prove what
// an access fee can never contain.
type LineKind string

// The line kinds.
const (
	LineLabor         LineKind = "labor"
	LineSupplies      LineKind = "supplies"
	LineAverage       LineKind = "average"
	LineFlat          LineKind = "flat"
	LineMedia         LineKind = "media"
	LinePostage       LineKind = "postage"
	LineSummary       LineKind = "summary"
	LineCopies        LineKind = "copies"
	LineSearch        LineKind = "search"
	LineClerical      LineKind = "clerical"
	LineCertification LineKind = "certification"
	LineAccounting    LineKind = "accounting"
	// LineStateLimit and LineCap reduce the total; their Amount is negative.
	LineStateLimit LineKind = "state-limit"
	LineCap        LineKind = "cap"
	// LineNoFee is a $0 line that says why nothing is charged.
	LineNoFee LineKind = "no-fee"
)

// Line is one line of a quote.
type Line struct {
	Kind   LineKind `json:"kind"`
	What   string   `json:"what"`
	Amount Cents    `json:"amount"`
	Cite   string   `json:"cite"`
	Note   string   `json:"note,omitempty"`
}

// Rule names the rule a quote followed.
type Rule string

// The rules.
const (
	RuleAccess     Rule = "access"      // 164.524(c)(4)
	RulePortal     Rule = "portal"      // 171.302: self-service is free
	RuleDirective  Rule = "directive"   // Ciox: state schedule
	RuleSchedule   Rule = "schedule"    // state or organization schedule
	RuleNoSchedule Rule = "no-schedule" // TPO, public health and the like
	RuleAccounting Rule = "accounting"  // 164.528(c)(2)
)

// Quote is a fee with its working.
type Quote struct {
	Total Cents  `json:"total"`
	Lines []Line `json:"lines"`
	Rule  Rule   `json:"rule"`
	// Schedule names the schedule used, with its year and confidence, or
	// is empty when none was.
	Schedule string   `json:"schedule,omitempty"`
	Notes    []string `json:"notes,omitempty"`
	// NeedsAdvanceNotice: the fee may be charged only if the individual is
	// told in advance and may withdraw or change the request.
	NeedsAdvanceNotice bool `json:"needs_advance_notice,omitempty"`
	// Capped: a state limit or a cap lowered the total.
	Capped bool `json:"capped,omitempty"`
}

// Citations used on lines and notes.
const (
	citeAccessFee  = "45 CFR 164.524(c)(4)"
	citeFlat       = "45 CFR 164.524(c)(4); HHS FAQ 2030 (flat fee up to $6.50)"
	citeSummary    = "45 CFR 164.524(c)(4)(iv), (c)(2)(iii)"
	citePortal     = "45 CFR 171.302; HHS access guidance (2016)"
	citeCiox       = "Ciox Health, LLC v. Azar, 435 F. Supp. 3d 30 (D.D.C. 2020)"
	citeAccounting = "45 CFR 164.528(c)(2)"
	citePreemption = "45 CFR 160.203"
	citeOrg        = "Organization's cost-based schedule"
)

// Notes every access quote carries.
const (
	NoteUnpaidBills = "Access may not be withheld because the individual has not paid a bill for health care services (HHS access guidance)."
	NoteNoSearch    = "No search, retrieval, verification, system or per-request handling fee may be charged for an individual's access (45 CFR 164.524(c)(4); HHS access guidance)."
	NoteCiox        = "After Ciox Health v. Azar (D.D.C. 2020) the patient-rate limit of 45 CFR 164.524(c)(4) does not apply to a copy sent to a third party at the individual's direction; the state schedule, or the organization's reasonable cost-based schedule, applies."
)

// Limits that keep every product of amounts and counts far from overflow.
const (
	maxAmount  Cents = 100_000_000 // $1,000,000
	maxCount   int   = 100_000
	maxSeconds int   = 3_600
)

// Calculate quotes the fee for r under the organization's costs c and the
// schedule s (a state's, the organization's own, or nil for none). It
// returns CodeInvalid, naming the field, for a request or configuration it
// cannot quote; a valid request always gets a quote, $0 where nothing may
// be charged.
func Calculate(r Request, c Costs, s *Schedule) (Quote, error) {
	if err := r.validate(); err != nil {
		return Quote{}, err
	}
	if err := c.validate(); err != nil {
		return Quote{}, err
	}
	if r.Accounting {
		return accounting(r, c), nil
	}
	switch r.Basis {
	case roi.BasisAccess:
		return access(r, c, s), nil
	case roi.BasisDirective:
		q := thirdParty(r, c, s, s.directiveRates())
		q.Rule = RuleDirective
		q.Lines = append([]Line{{Kind: LineNoFee, What: "Third-party directive: the state schedule applies, not the patient rate", Cite: citeCiox, Note: NoteCiox}}, q.Lines...)
		q.Notes = append(q.Notes, NoteCiox)
		return q, nil
	case roi.BasisAuthorization, roi.BasisWorkersComp:
		return thirdParty(r, c, s, s.rates(false)), nil
	case roi.BasisSubpoena, roi.BasisCourtOrder:
		return thirdParty(r, c, s, s.rates(true)), nil
	default:
		// Treatment, payment, operations, public health, oversight,
		// coroners, law enforcement: HIPAA sets no fee and the states
		// modeled here set none; Custodian quotes nothing rather than guess.
		return Quote{
			Rule:  RuleNoSchedule,
			Lines: []Line{{Kind: LineNoFee, What: "No fee schedule applies to a " + string(r.Basis) + " disclosure", Cite: "45 CFR 164.506, 164.512"}},
			Notes: []string{"No fee schedule applies to this disclosure; it is quoted at $0. An organization that charges for it must set its own fee outside this calculator."},
		}, nil
	}
}

func (r *Request) validate() error {
	if r.Accounting {
		if r.PriorAccountings12Months < 0 || r.PriorAccountings12Months > maxCount {
			return roi.Errorf(roi.CodeInvalid, "The field %q must be between 0 and %d.", "PriorAccountings12Months", maxCount)
		}
		return nil
	}
	if !roi.IsRequestBasis(r.Basis) || r.Basis == roi.BasisNone {
		return roi.Errorf(roi.CodeInvalid, "The field %q must name a basis on which records may be released.", "Basis")
	}
	if r.Requester != "" && !roi.IsKind(r.Requester) {
		return roi.Errorf(roi.CodeInvalid, "The field %q is not a known requester kind.", "Requester")
	}
	if r.Basis == roi.BasisAccess && r.Requester != roi.KindPatient && r.Requester != roi.KindRepresentative {
		// 164.524 is the individual's right; a personal representative
		// stands in their shoes (164.502(g)). Anyone else is a third party.
		return roi.Errorf(roi.CodeInvalid, "The field %q must be the patient or a personal representative for access.", "Requester")
	}
	if r.Portal {
		if r.Basis != roi.BasisAccess {
			return roi.Errorf(roi.CodeInvalid, "The field %q applies only to the individual's own access.", "Portal")
		}
		return nil
	}
	if r.Format != FormatElectronic && r.Format != FormatPaper {
		return roi.Errorf(roi.CodeInvalid, "The field %q must be %q or %q.", "Format", FormatElectronic, FormatPaper)
	}
	if r.Media && r.Format != FormatElectronic {
		return roi.Errorf(roi.CodeInvalid, "The field %q applies only to electronic copies.", "Media")
	}
	for _, f := range []struct {
		name string
		v    int
	}{{"Pages", r.Pages}, {"LaborMinutes", r.LaborMinutes}, {"ClericalMinutes", r.ClericalMinutes}} {
		if f.v < 0 || f.v > maxCount {
			return roi.Errorf(roi.CodeInvalid, "The field %q must be between 0 and %d.", f.name, maxCount)
		}
	}
	return nil
}

func (c *Costs) validate() error {
	switch c.Method {
	case MethodActual, MethodAverage, MethodFlat:
	default:
		return roi.Errorf(roi.CodeInvalid, "The field %q must be %q, %q or %q.", "Method", MethodActual, MethodAverage, MethodFlat)
	}
	// SECURITY: a configured flat fee above $6.50 is refused, not clamped,
	// so that a misconfiguration is seen rather than silently repaired.
	if c.Flat > FlatFeeMax {
		return roi.Errorf(roi.CodeInvalid, "The field %q must be at most %s (HHS flat fee for electronic copies).", "Flat", FlatFeeMax)
	}
	for _, f := range []struct {
		name string
		v    Cents
	}{{"Flat", c.Flat}, {"LaborPerHour", c.LaborPerHour}, {"PaperPerPage", c.PaperPerPage},
		{"AveragePerPage", c.AveragePerPage}, {"AverageElectronic", c.AverageElectronic},
		{"Media", c.Media}, {"Postage", c.Postage}, {"Summary", c.Summary}, {"Accounting", c.Accounting}} {
		if f.v < 0 || f.v > maxAmount {
			return roi.Errorf(roi.CodeInvalid, "The field %q must be between $0.00 and %s.", f.name, maxAmount)
		}
	}
	if c.LaborSecondsPerPage < 0 || c.LaborSecondsPerPage > maxSeconds {
		return roi.Errorf(roi.CodeInvalid, "The field %q must be between 0 and %d.", "LaborSecondsPerPage", maxSeconds)
	}
	if c.LaborMinutesElectronic < 0 || c.LaborMinutesElectronic > maxCount {
		return roi.Errorf(roi.CodeInvalid, "The field %q must be between 0 and %d.", "LaborMinutesElectronic", maxCount)
	}
	return nil
}

// access quotes an individual's own access: the HIPAA cost-based fee,
// lowered to the state's patient limit when that is lower.
func access(r Request, c Costs, s *Schedule) Quote {
	q := Quote{Rule: RuleAccess, Notes: []string{NoteUnpaidBills, NoteNoSearch}}
	if r.Portal {
		q.Rule = RulePortal
		q.Lines = []Line{{Kind: LineNoFee, What: "Electronic self-service access (portal view, download or API)", Cite: citePortal,
			Note: "No fee may be charged for an individual's electronic access to their own information through self-service."}}
		q.Notes = append(q.Notes, "Electronic self-service access is free (45 CFR 171.302; HHS access guidance).")
		return q
	}
	q.Lines = costLines(r, c, true)
	if r.Mail && !(c.Method == MethodFlat && r.Format == FormatElectronic) {
		q.Lines = append(q.Lines, Line{Kind: LinePostage, What: "Postage (mailing requested)", Amount: c.Postage, Cite: citeAccessFee + "(iii)"})
	}
	if s != nil {
		q.Schedule = s.label()
		stateLimit(&q, r, s.patientRates())
	}
	if r.Summary {
		q.Lines = append(q.Lines, Line{Kind: LineSummary, What: "Preparing the agreed summary or explanation", Amount: c.Summary, Cite: citeSummary,
			Note: "Only if the individual agreed in advance to the summary and to this fee."})
	}
	q.total()
	return q
}

// costLines are the organization's cost-based lines for the copy itself
// (labor, supplies, media; not postage or a summary). patient limits the
// flat fee to FlatFeeMax and cites the access rule.
func costLines(r Request, c Costs, patient bool) []Line {
	// cite names the paragraph of 164.524(c)(4) that allows a line.
	cite := func(par string) string {
		if !patient {
			return citeOrg
		}
		return "45 CFR 164.524(c)(4)" + par + "; HHS access guidance (2016)"
	}
	var lines []Line
	method := c.Method
	if method == MethodFlat && r.Format == FormatPaper {
		method = MethodActual // the flat fee is defined for electronic copies only
	}
	switch method {
	case MethodFlat:
		flatCite := citeFlat
		if !patient {
			flatCite = citeOrg
		}
		lines = append(lines, Line{Kind: LineFlat, What: "Flat fee for an electronic copy (labor, supplies, media and postage included)", Amount: min(c.Flat, FlatFeeMax), Cite: flatCite})
		return lines
	case MethodAverage:
		if r.Format == FormatPaper {
			lines = append(lines, Line{Kind: LineAverage, What: strconv.Itoa(r.Pages) + " pages at the average rate of " + c.AveragePerPage.String() + " a page (labor and supplies)",
				Amount: c.AveragePerPage * Cents(r.Pages), Cite: cite("(i)-(ii)")})
		} else {
			lines = append(lines, Line{Kind: LineAverage, What: "Electronic copy at the average rate (labor)", Amount: c.AverageElectronic, Cite: cite("(i)")})
		}
	default:
		seconds := int64(r.LaborMinutes) * 60
		if r.LaborMinutes == 0 {
			if r.Format == FormatPaper {
				seconds = int64(r.Pages) * int64(c.LaborSecondsPerPage)
			} else {
				seconds = int64(c.LaborMinutesElectronic) * 60
			}
		}
		lines = append(lines, Line{Kind: LineLabor, What: "Copying labor: " + strconv.FormatInt(seconds/60, 10) + " min " + strconv.FormatInt(seconds%60, 10) + " s at " + c.LaborPerHour.String() + " an hour",
			Amount: mulDiv(c.LaborPerHour, seconds, 3600), Cite: cite("(i)")})
		if r.Format == FormatPaper {
			lines = append(lines, Line{Kind: LineSupplies, What: "Paper and toner: " + strconv.Itoa(r.Pages) + " pages at " + c.PaperPerPage.String(),
				Amount: c.PaperPerPage * Cents(r.Pages), Cite: cite("(ii)")})
		}
	}
	if r.Media {
		lines = append(lines, Line{Kind: LineMedia, What: "Portable media the individual asked for", Amount: c.Media, Cite: cite("(ii)")})
	}
	return lines
}

// stateLimit lowers an access quote to the state's patient limit for the
// copy (and postage, where the state's figure includes it) when the state
// figure is lower. A higher state figure changes nothing: HIPAA's limit
// is the more protective and the state law is preempted to that extent.
func stateLimit(q *Quote, r Request, rates *Rates) {
	if rates == nil {
		return
	}
	copies, desc, ok := rates.copies(r.Format, r.Pages)
	if !ok {
		q.Notes = append(q.Notes, "The state schedule sets no patient limit for "+string(r.Format)+" copies; the HIPAA cost-based fee applies.")
		return
	}
	if rates.Cap != nil && copies > rates.Cap.Amount {
		copies = rates.Cap.Amount
	}
	var hipaa, postage Cents
	for _, l := range q.Lines {
		hipaa += l.Amount
		if l.Kind == LinePostage {
			postage = l.Amount
		}
	}
	limit := copies
	if rates.Postage != "included" {
		limit += postage // actual postage is allowed on top of the state figure
	}
	if limit < hipaa {
		q.Lines = append(q.Lines, Line{Kind: LineStateLimit, What: "Lowered to the state limit for a patient's copy (" + desc + ")",
			Amount: limit - hipaa, Cite: rates.Cite, Note: "The state figure is lower than the HIPAA cost-based fee, so the lower applies."})
		q.Capped = true
		return
	}
	q.Notes = append(q.Notes, "The state allows up to "+limit.String()+" for this copy ("+rates.Cite+"); the HIPAA cost-based fee is lower and applies ("+citePreemption+": a state law less protective of access is preempted).")
}

// thirdParty quotes a copy for someone other than the individual: the
// state's rates when there are any, else the organization's costs.
func thirdParty(r Request, c Costs, s *Schedule, rates *Rates) Quote {
	q := Quote{Rule: RuleSchedule}
	if s != nil {
		q.Schedule = s.label()
	}
	if rates == nil {
		if s == nil {
			q.Notes = append(q.Notes, "No fee schedule was given; the organization's reasonable cost-based fee is quoted.")
		} else {
			q.Notes = append(q.Notes, "The schedule sets no rates for this kind of request; the organization's reasonable cost-based fee is quoted (see the schedule's notes).")
		}
		q.Lines = costLines(r, c, false)
		if r.Mail && !(c.Method == MethodFlat && r.Format == FormatElectronic) {
			q.Lines = append(q.Lines, Line{Kind: LinePostage, What: "Postage (mailing requested)", Amount: c.Postage, Cite: citeOrg})
		}
		q.total()
		return q
	}
	q.Notes = append(q.Notes, rates.Notes...)
	if rates.Search != nil {
		q.Lines = append(q.Lines, rates.fixed(LineSearch, rates.Search, "Search, retrieval and handling"))
	}
	if rates.ClericalPerQuarterHour != nil && r.ClericalMinutes > 0 {
		quarters := (r.ClericalMinutes + 14) / 15
		l := rates.fixed(LineClerical, rates.ClericalPerQuarterHour, "Clerical time")
		l.What += ": " + strconv.Itoa(quarters) + " quarter hours at " + rates.ClericalPerQuarterHour.Amount.String()
		l.Amount = rates.ClericalPerQuarterHour.Amount * Cents(quarters)
		q.Lines = append(q.Lines, l)
	}
	orgCopy := false
	if copies, desc, ok := rates.copies(r.Format, r.Pages); ok {
		q.Lines = append(q.Lines, Line{Kind: LineCopies, What: "Copies: " + desc, Amount: copies, Cite: rates.Cite})
	} else {
		orgCopy = true
		q.Notes = append(q.Notes, "The state schedule sets no rate for "+string(r.Format)+" copies; the organization's reasonable cost-based fee is quoted for the copy.")
		q.Lines = append(q.Lines, costLines(r, c, false)...)
	}
	if r.Certified && rates.Certification != nil {
		q.Lines = append(q.Lines, rates.fixed(LineCertification, rates.Certification, "Certification of records"))
	}
	if rates.Cap != nil {
		var sum Cents
		for _, l := range q.Lines {
			sum += l.Amount
		}
		if sum > rates.Cap.Amount {
			q.Lines = append(q.Lines, Line{Kind: LineCap, What: "Lowered to the schedule's cap of " + rates.Cap.Amount.String(), Amount: rates.Cap.Amount - sum, Cite: rates.Cap.cite(rates)})
			q.Capped = true
		}
	}
	// An organization's flat fee already includes postage.
	if r.Mail && rates.Postage != "included" && !(orgCopy && c.Method == MethodFlat && r.Format == FormatElectronic) {
		q.Lines = append(q.Lines, Line{Kind: LinePostage, What: "Actual postage (mailing requested)", Amount: c.Postage, Cite: rates.Cite})
	}
	q.total()
	return q
}

func accounting(r Request, c Costs) Quote {
	q := Quote{Rule: RuleAccounting}
	switch {
	case r.PriorAccountings12Months == 0:
		q.Lines = []Line{{Kind: LineNoFee, What: "First accounting of disclosures in 12 months", Cite: citeAccounting, Note: "The first accounting in any 12-month period is free."}}
	case c.Accounting == 0:
		q.Lines = []Line{{Kind: LineNoFee, What: "Later accounting of disclosures in 12 months", Cite: citeAccounting, Note: "The organization charges nothing for a repeat accounting."}}
	default:
		q.Lines = []Line{{Kind: LineAccounting, What: "Later accounting of disclosures in 12 months (reasonable cost-based fee)", Amount: c.Accounting, Cite: citeAccounting,
			Note: "Chargeable only if the individual is told of the fee in advance and given the chance to withdraw or modify the request."}}
		q.NeedsAdvanceNotice = true
		q.Notes = append(q.Notes, "Tell the individual the fee before preparing the accounting, and offer to withdraw or modify the request to avoid or reduce it (45 CFR 164.528(c)(2)).")
	}
	q.total()
	return q
}

func (q *Quote) total() {
	q.Total = 0
	for _, l := range q.Lines {
		q.Total += l.Amount
	}
	if q.Total < 0 {
		q.Total = 0 // reductions never make a refund
	}
}

// patientRates are the state's limits for a patient's copy: the patient
// block, or the copy rates of the others block without its search,
// clerical and certification fees, which HIPAA never allows for access.
func (s *Schedule) patientRates() *Rates {
	if s.Patient != nil {
		return s.Patient
	}
	if s.Others == nil {
		return nil
	}
	r := *s.Others
	r.Search, r.ClericalPerQuarterHour, r.Certification = nil, nil, nil
	return &r
}

func (s *Schedule) rates(legalProcess bool) *Rates {
	if s == nil {
		return nil
	}
	if legalProcess && s.Subpoena != nil {
		return s.Subpoena
	}
	return s.Others
}

func (s *Schedule) directiveRates() *Rates {
	if s == nil {
		return nil
	}
	if s.DirectiveRates == "patient" && s.Patient != nil {
		return s.Patient
	}
	return s.Others
}

func (s *Schedule) label() string {
	name := s.Name
	if s.State != "" {
		name = s.State + ": " + name
	}
	if s.Year != 0 {
		name += ", " + strconv.Itoa(s.Year) + " figures"
	}
	if s.Confidence != "" {
		name += " [" + s.Confidence + "]"
	}
	return name
}

// copies prices the copy by the rates' tiers for the format, with a short
// description of the working. ok is false when the rates set no figure for
// the format.
func (r *Rates) copies(f Format, pages int) (amount Cents, desc string, ok bool) {
	n := strconv.Itoa(pages) + " pages"
	switch {
	case f == FormatPaper || r.ElectronicRule == "same_as_paper":
		if len(r.Paper) == 0 {
			return 0, "", false
		}
		return tiersTotal(r.Paper, pages), n + " at the paper rates", true
	case r.ElectronicRule == "tiers":
		return tiersTotal(r.Electronic, pages), n + " at the electronic rates", true
	case r.ElectronicRule == "percent_of_paper" && len(r.Paper) > 0:
		return mulDiv(tiersTotal(r.Paper, pages), r.ElectronicPercent, 100), n + " at " + strconv.FormatInt(r.ElectronicPercent, 10) + "% of the paper rates", true
	}
	return 0, "", false
}

// tiersTotal adds up the tiers a page count reaches: every page in a tier
// at its per-page rate, plus its flat amount once.
func tiersTotal(tiers []Tier, pages int) Cents {
	var sum Cents
	for _, t := range tiers {
		hi := pages
		if t.To != 0 && t.To < hi {
			hi = t.To
		}
		if n := hi - t.From + 1; n > 0 {
			sum += t.PerPage*Cents(n) + t.Flat
		}
	}
	return sum
}

// fixed is the line for a fixed fee of the rates.
func (r *Rates) fixed(kind LineKind, f *Fee, what string) Line {
	if f.What != "" {
		what = f.What
	}
	return Line{Kind: kind, What: what, Amount: f.Amount, Cite: f.cite(r)}
}

func (f *Fee) cite(r *Rates) string {
	if f.Cite != "" {
		return f.Cite
	}
	return r.Cite
}
