package roi

import (
	"encoding/json"
	"sort"
)

// Rule is one rule of the decision engine: a stable identifier, what it
// says in plain words and where the law says it. Rules are shared values;
// a decision points at them instead of copying text.
type Rule struct {
	ID   string
	Text string
	Cite []string
}

// Step is one request-level finding of a decision, in the order the rules
// were applied. Detail adds facts of this request (an authorization ID, a
// computed date); it never holds names or other PHI.
type Step struct {
	Rule   *Rule
	Detail string
}

// ItemDecision is the decision on one chart item in scope.
type ItemDecision struct {
	ID      string
	Release bool
	Code    Code // why the item is withheld; empty when released
	// Waits: withheld until a person decides (the request escalates).
	Waits bool
	Rule  *Rule
}

// DisclosureDecision says whether a logged disclosure belongs in an
// accounting of disclosures, and why.
type DisclosureDecision struct {
	ID     string
	Listed bool
	Rule   *Rule
}

// Decision is what the rules decide about one request. A denial is a
// decision, not an error.
type Decision struct {
	RuleSet     string
	Outcome     Outcome
	Reasons     []Code         // request-level codes, sorted
	Items       []ItemDecision // items in scope, in chart order
	Due         Date           // NoDate when no deadline applies
	Accountable *bool          // nil when nothing is released
	Part2Notice bool
	Flags       []Flag // sorted
	// InfoBlocking maps each withheld item ID, and InfoBlockingRequest for a
	// request-level deny, pending or endangerment escalation, to the Part 171
	// exception it rests on. Nil when the request is not access or directive;
	// empty when nothing is withheld.
	InfoBlocking map[string]Exception
	Disclosures  []DisclosureDecision
	Steps        []Step
}

// Released returns the IDs of the released items, sorted.
func (d *Decision) Released() []string {
	out := []string{}
	for i := range d.Items {
		if d.Items[i].Release {
			out = append(out, d.Items[i].ID)
		}
	}
	sort.Strings(out)
	return out
}

// Withheld maps the ID of every withheld item to its code.
func (d *Decision) Withheld() map[string]Code {
	out := map[string]Code{}
	for i := range d.Items {
		if !d.Items[i].Release {
			out[d.Items[i].ID] = d.Items[i].Code
		}
	}
	return out
}

// Accounting returns the IDs of the disclosures an accounting must list,
// sorted.
func (d *Decision) Accounting() []string {
	out := []string{}
	for _, x := range d.Disclosures {
		if x.Listed {
			out = append(out, x.ID)
		}
	}
	sort.Strings(out)
	return out
}

type ruleJSON struct {
	Rule   string   `json:"rule"`
	Text   string   `json:"text"`
	Cite   []string `json:"cite"`
	Detail string   `json:"detail,omitempty"`
}

type itemJSON struct {
	Decision string `json:"decision"`
	Code     Code   `json:"code,omitempty"`
	ruleJSON
}

type explainJSON struct {
	RuleSet     string              `json:"rule_set"`
	Request     []ruleJSON          `json:"request"`
	Items       map[string]itemJSON `json:"items"`
	Disclosures map[string]itemJSON `json:"disclosures,omitempty"`
}

// decisionJSON is the conformance format's decision, member for member,
// plus explain.
type decisionJSON struct {
	Outcome     Outcome         `json:"outcome"`
	Reasons     []Code          `json:"reasons"`
	Release     []string        `json:"release"`
	Withhold    map[string]Code `json:"withhold"`
	Due         Date            `json:"due"`
	Accountable *bool           `json:"accountable"`
	Part2Notice bool            `json:"part2_notice"`
	Flags       []Flag          `json:"flags"`
	Accounting  []string        `json:"accounting"`
	// InfoBlocking is null for requests other than access and directive.
	InfoBlocking map[string]Exception `json:"info_blocking"`
	Explain      explainJSON          `json:"explain"`
}

func ruleOf(r *Rule, detail string) ruleJSON {
	if r == nil {
		return ruleJSON{Detail: detail, Cite: []string{}}
	}
	cite := r.Cite
	if cite == nil {
		cite = []string{}
	}
	return ruleJSON{Rule: r.ID, Text: r.Text, Cite: cite, Detail: detail}
}

// MarshalJSON writes the decision in the conformance format: exactly its
// members, with empty lists as [] rather than null, plus an explain member
// giving the rule behind the request and behind every item.
func (d Decision) MarshalJSON() ([]byte, error) {
	out := decisionJSON{
		Outcome:      d.Outcome,
		Reasons:      d.Reasons,
		Release:      d.Released(),
		Withhold:     d.Withheld(),
		Due:          d.Due,
		Accountable:  d.Accountable,
		Part2Notice:  d.Part2Notice,
		Flags:        d.Flags,
		Accounting:   d.Accounting(),
		InfoBlocking: d.InfoBlocking,
		Explain: explainJSON{
			RuleSet: d.RuleSet,
			Request: make([]ruleJSON, 0, len(d.Steps)),
			Items:   make(map[string]itemJSON, len(d.Items)),
		},
	}
	if out.Reasons == nil {
		out.Reasons = []Code{}
	}
	if out.Flags == nil {
		out.Flags = []Flag{}
	}
	for _, s := range d.Steps {
		out.Explain.Request = append(out.Explain.Request, ruleOf(s.Rule, s.Detail))
	}
	for _, it := range d.Items {
		j := itemJSON{Decision: "release", ruleJSON: ruleOf(it.Rule, "")}
		if !it.Release {
			j.Decision, j.Code = "withhold", it.Code
		}
		if it.Waits {
			j.Decision = "wait"
		}
		out.Explain.Items[it.ID] = j
	}
	if len(d.Disclosures) > 0 {
		out.Explain.Disclosures = make(map[string]itemJSON, len(d.Disclosures))
		for _, x := range d.Disclosures {
			j := itemJSON{Decision: "omit", ruleJSON: ruleOf(x.Rule, "")}
			if x.Listed {
				j.Decision = "list"
			}
			out.Explain.Disclosures[x.ID] = j
		}
	}
	return json.Marshal(out)
}
