package policy

import (
	"strings"

	"github.com/custodian-roi/custodian/internal/roi"
)

// AuthorizationFinding is the engine's finding on one authorization or
// consent of a request: valid or not, each defect, and for an incomplete
// one the elements and statements it lacks, named in words. It is what the
// engine itself found (checkAuthorization), so a page that shows it cannot
// say an incomplete document has every element.
type AuthorizationFinding struct {
	ID      string     `json:"id"`
	Valid   bool       `json:"valid"`
	Defects []roi.Code `json:"defects"`
	Missing []string   `json:"missing"`
}

// AuthorizationFindings checks every authorization of f as Evaluate does,
// in the order they were presented.
func AuthorizationFindings(f *roi.Facts) []AuthorizationFinding {
	e := evaluator{f: f}
	e.specific = specificLabels(f.Jurisdiction)
	e.checkAuthorizations()
	out := make([]AuthorizationFinding, len(e.auths))
	for i, c := range e.auths {
		out[i] = AuthorizationFinding{ID: c.a.ID, Valid: len(c.defects) == 0, Defects: append([]roi.Code{}, c.defects...),
			Missing: missingElements(c.a)}
	}
	return out
}

// missingElements lists, in words and in the order of the rules, the core
// elements (164.508(c)(1), 42 CFR 2.31(a)) and required statements
// (164.508(c)(2), 2.31) that a lacks. Empty: the document is complete.
func missingElements(a *roi.Authorization) []string {
	var out []string
	tpo := a.TPO && a.Part2
	miss := func(cond bool, what string) {
		if cond {
			out = append(out, what)
		}
	}
	miss(blank(a.Description), "a description of the information")
	miss(blank(a.Discloser), "who may disclose it")
	miss(blank(a.Recipient), "who may receive it")
	miss(blank(a.Purpose), "the purpose")
	event := strings.TrimSpace(a.ExpirationEvent)
	noneEvent := strings.EqualFold(event, "none")
	// "None" as an expiration suffices only for a Part 2 TPO consent
	// (2.31(a)(7)); HIPAA allows it only for research.
	miss((!a.Expires.Known() && event == "") || (!a.Expires.Known() && noneEvent && !tpo), "an expiry date or expiration event")
	miss(a.SignedBy == roi.SignerNone, "a signature (by the patient or a representative)")
	miss(!a.Signed.Known(), "the date signed")
	var need []roi.Statement
	if a.HIPAA {
		need = append(need, hipaaStatements...)
	}
	if a.Part2 {
		need = append(need, part2Statements...)
	}
	if tpo {
		need = append(need, tpoStatements...)
	}
	seen := map[roi.Statement]bool{}
	for _, s := range need {
		if !seen[s] && !a.HasStatement(s) {
			out = append(out, statementWords[s])
		}
		seen[s] = true
	}
	return out
}

// statementWords names the required statements.
var statementWords = map[roi.Statement]string{
	roi.StatementRevocation:          "the statement of the right to revoke",
	roi.StatementConditioning:        "the statement that treatment or payment is not conditioned on signing",
	roi.StatementRedisclosure:        "the statement that the information may be redisclosed",
	roi.StatementTPORedisclosure:     "the Part 2 statement on redisclosure for treatment, payment and operations",
	roi.StatementRefusalConsequences: "the Part 2 statement of the consequences of refusing to sign",
}
