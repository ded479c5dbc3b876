package letter

import (
	"sort"
	"strings"

	"github.com/custodian-roi/custodian/internal/doc"
	"github.com/custodian-roi/custodian/internal/roi"
)

// undecided says, for each code that sends a request to a person, what the
// person must decide and why the rules cannot.
var undecided = map[roi.Code]string{
	roi.CodeMinorParentDiscretion: "Whether the parent may see records of care the minor lawfully consented to alone. State law is " +
		"silent, so a licensed health care professional decides in the exercise of professional judgment (45 CFR 164.502(g)(3)(ii)(C)). " +
		"A refusal is worded generically in outside letters.",
	roi.CodeRepresentativeEndangers: "Whether to treat the requester as the patient's personal representative. There is reason to " +
		"believe the requester has subjected or may subject the patient to abuse or endangerment; the organization may decline if a " +
		"licensed professional judges that treating them as representative is not in the patient's best interest (45 CFR 164.502(g)(5)). " +
		"A denial on this ground is reviewable (45 CFR 164.524(a)(3)(iii)).",
}

// notModeled is what the engine does not decide at all (docs/RULES.md,
// "What the format cannot express"), for the privacy officer to weigh.
var notModeled = []string{
	"research disclosures and IRB or privacy board waivers (45 CFR 164.512(i));",
	"information-blocking exceptions other than not-EHI, preventing harm and privacy preconditions (45 CFR part 171): whoever denies or keeps back waiting records names the exception it rests on, or none, which then needs the privacy officer's recorded reason;",
	"fees, and electronic versus paper form and format (45 CFR 164.524(c));",
	"correctional-custody and other unreviewable grounds of 45 CFR 164.524(a)(2)(ii)-(v);",
	"disclosures for serious threats, crime victims or crimes on the premises (45 CFR 164.512(f)(3), (f)(5), (j)).",
}

// Escalation returns the internal summary for the privacy officer: the
// request's facts, every item waiting for a person with the engine's rule
// text and citations, the request-level findings, the flags, and what the
// engine could not decide and why. d is the engine's decision the request
// rests on; in.Note is the staff note that escalated it.
//
// PHI: this letter is internal and, unlike every outside letter, names the
// categories of sensitive records (Part 2, psychotherapy notes, HIV...) and
// the titles of items. It must never be sent outside the organization.
func Escalation(in Input, d roi.Decision) doc.Letter {
	l := head(&in, KindEscalation, "Escalation summary for the privacy officer")
	if len(l.To) == 0 && in.Org.PrivacyContact != "" {
		l.To = []string{in.Org.PrivacyContact}
	}
	l.Blocks = append(l.Blocks, doc.Block{Kind: doc.Notice, Text: "INTERNAL. Not to be sent outside the organization: this summary " +
		"names categories of sensitive records, including any substance use disorder (42 CFR part 2) records, and is protected health " +
		"information."})

	typ := in.Type
	if typ == "" {
		typ = roi.RequestRecords
	}
	rows := [][]string{
		{"Request", in.Number},
		{"Type", string(typ)},
		{"Basis", string(in.Basis)},
		{"Requester", string(in.Requester)},
		{"Received", in.Received.String()},
		{"Due", dueText(d.Due, in.Due)},
		{"Engine outcome", string(d.Outcome)},
		{"Rule set", d.RuleSet},
		{"Reasons", codes(d.Reasons)},
		{"Flags", flags(d.Flags)},
		{"Part 2 notice", yesNo(d.Part2Notice)},
		{"Accountable", accountable(d.Accountable)},
	}
	l.Blocks = append(l.Blocks, doc.H("Request"), doc.Block{Kind: doc.Table, Header: []string{"Fact", "Value"}, Rows: rows})
	if strings.TrimSpace(in.Note) != "" {
		l.Blocks = append(l.Blocks, doc.H("Staff note"), doc.P(strings.TrimSpace(in.Note)))
	}

	// What a person must decide: request-level codes first, then the rule
	// behind each group of waiting items.
	var open []string
	for _, c := range d.Reasons {
		if s, ok := undecided[c]; ok {
			open = append(open, s)
		}
	}
	seen := map[string]bool{}
	var waiting [][]string
	for _, it := range d.Items {
		if !it.Waits {
			continue
		}
		waiting = append(waiting, itemRow(&in, it))
		if it.Rule != nil && !seen[it.Rule.ID] {
			seen[it.Rule.ID] = true
			open = append(open, it.Rule.Text+" ("+strings.Join(it.Rule.Cite, "; ")+")")
		}
	}
	if d.Outcome != roi.OutcomeEscalate {
		open = append(open, "The engine decided "+string(d.Outcome)+"; a staff member escalated the request (see the staff note).")
	}
	l.Blocks = append(l.Blocks, doc.H("What the engine could not decide"))
	if len(open) == 0 {
		l.Blocks = append(l.Blocks, doc.P("The engine names nothing left to a person."))
	} else {
		l.Blocks = append(l.Blocks, doc.L(open...))
	}
	itemHeader := []string{"Item", "Date", "Kind and title", "Labels", "Code", "Rule", "Citations"}
	l.Blocks = append(l.Blocks, doc.H("Items waiting for a person"))
	if len(waiting) == 0 {
		l.Blocks = append(l.Blocks, doc.P("No item waits for a person's decision."))
	} else {
		l.Blocks = append(l.Blocks, doc.Block{Kind: doc.Table, Header: itemHeader, Rows: waiting})
	}

	var withheld [][]string
	released := 0
	for _, it := range d.Items {
		switch {
		case it.Release:
			released++
		case !it.Waits:
			withheld = append(withheld, itemRow(&in, it))
		}
	}
	l.Blocks = append(l.Blocks, doc.H("Items withheld by the rules"))
	if len(withheld) == 0 {
		l.Blocks = append(l.Blocks, doc.P("None."))
	} else {
		l.Blocks = append(l.Blocks, doc.Block{Kind: doc.Table, Header: itemHeader, Rows: withheld})
	}
	l.Blocks = append(l.Blocks, doc.H("Items the rules release"))
	if released == 0 {
		l.Blocks = append(l.Blocks, doc.P("None."))
	} else {
		l.Blocks = append(l.Blocks, doc.P(capitalize(kindsOf(&in, d.Released()))+"."))
	}

	if len(d.Steps) > 0 {
		var steps [][]string
		for _, s := range d.Steps {
			if s.Rule == nil {
				steps = append(steps, []string{"", "", "", s.Detail})
				continue
			}
			steps = append(steps, []string{s.Rule.ID, s.Rule.Text, strings.Join(s.Rule.Cite, "; "), s.Detail})
		}
		l.Blocks = append(l.Blocks, doc.H("Request-level findings, in order"),
			doc.Block{Kind: doc.Table, Header: []string{"Rule", "Text", "Citations", "Detail"}, Rows: steps})
	}
	l.Blocks = append(l.Blocks, doc.H("Not evaluated by the engine"),
		doc.P("The rules do not decide the following; consider whether any applies:"), doc.L(notModeled...))
	return l
}

func itemRow(in *Input, it roi.ItemDecision) []string {
	x, _ := in.item(it.ID)
	kind := x.Type
	if x.Title != "" {
		kind = strings.TrimSpace(kind + ": " + x.Title)
	}
	row := []string{it.ID, x.Date.String(), kind, strings.Join(x.Labels.Strings(), ", "), string(it.Code), "", ""}
	if it.Rule != nil {
		row[5], row[6] = it.Rule.Text, strings.Join(it.Rule.Cite, "; ")
	}
	return row
}

func dueText(engine, request roi.Date) string {
	if engine.Known() {
		return engine.String()
	}
	if request.Known() {
		return request.String()
	}
	return "no deadline"
}

func codes(cs []roi.Code) string {
	s := make([]string, 0, len(cs))
	for _, c := range cs {
		s = append(s, string(c))
	}
	sort.Strings(s)
	if len(s) == 0 {
		return "none"
	}
	return strings.Join(s, ", ")
}

func flags(fs []roi.Flag) string {
	s := make([]string, 0, len(fs))
	for _, f := range fs {
		s = append(s, string(f))
	}
	if len(s) == 0 {
		return "none"
	}
	return strings.Join(s, ", ")
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

func accountable(b *bool) string {
	if b == nil {
		return "n/a (nothing released)"
	}
	return yesNo(*b)
}
