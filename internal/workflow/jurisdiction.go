package workflow

import (
	"github.com/custodian-roi/custodian/internal/jurisdiction"
	"github.com/custodian-roi/custodian/internal/roi"
)

// StateLaw is what the request page says about state law: which pack the
// desk applies and which of its rules touched this request, each with its
// citation, confidence and the date it was checked. It is built from the
// request view, so it names the same items the page shows.
type StateLaw struct {
	// Pack: the rules come from a jurisdiction pack with citations.
	// Custom: from a file without citations. Neither: federal law only.
	Pack, Custom bool
	State, Name  string
	Checked      string // the day the pack was last reviewed
	Weakest      string // the weakest confidence of any rule in the pack
	// Rules are the pack's rules that touched the decision: the access
	// deadline when it set the due date, and for each withheld or waiting
	// item the rule its code or labels rest on.
	Rules []StateRuleUse
}

// StateRuleUse is one pack rule as it touched a request: Item is the title
// of the record it applied to ("" for the request as a whole).
type StateRuleUse struct {
	Item string
	jurisdiction.Rule
}

// StateLaw says which state rules apply to the request v shows.
func (d *Desk) StateLaw(v *RequestView) *StateLaw {
	p := d.JurisdictionPack
	if p == nil {
		j := d.Jurisdiction
		custom := j.State != "" || j.AccessDeadline.Days > 0 || j.SpecificAuthorization != 0 || len(j.MinorConsent) > 0 ||
			j.AgeOfMajority > 0 || j.WorkersComp || j.Unclear != 0
		return &StateLaw{Custom: custom, State: j.State}
	}
	out := &StateLaw{Pack: true, State: p.State, Name: p.Name, Checked: p.Checked, Weakest: p.Weakest()}
	if v == nil || v.C == nil || v.C.Request == nil {
		return out
	}
	r := v.C.Request
	// The state deadline set the due date when it is the earlier one
	// (AccessDue): say so, with its citation.
	if dl := p.AccessDeadline; dl != nil && dl.Days > 0 && r.Due.Known() && r.Type != roi.RequestAccounting &&
		(r.Basis == roi.BasisAccess || r.Basis == roi.BasisDirective) && r.Due < r.Received.AddDays(30) {
		if rule, ok := p.Cite(jurisdiction.KindAccessDeadline, roi.LabelGeneral); ok {
			out.Rules = append(out.Rules, StateRuleUse{Rule: rule})
		}
	}
	for _, row := range v.Withhold {
		var kind jurisdiction.Kind
		switch row.Code {
		case roi.CodeStateSpecificAuth:
			kind = jurisdiction.KindSpecificAuthorization
		case roi.CodeMinorConsentedService:
			kind = jurisdiction.KindMinorConsent
		default:
			continue
		}
		for _, rule := range p.For(kind, row.Item.Labels) {
			out.Rules = append(out.Rules, StateRuleUse{Item: row.Item.Title, Rule: rule})
		}
	}
	// An item waiting for a person because the state's law on one of its
	// categories is unclear.
	unclear := p.Rules().Unclear
	for _, row := range v.Items {
		if row.Decision != "wait" || row.Item.Labels&unclear == 0 {
			continue
		}
		for _, rule := range p.For(jurisdiction.KindUnclear, row.Item.Labels) {
			out.Rules = append(out.Rules, StateRuleUse{Item: row.Item.Title, Rule: rule})
		}
	}
	return out
}
