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
//
// A document signed by a representative whose authority is not documented
// has the defect authority-documents-missing, and one signed by a
// representative believed to endanger the patient representative-
// endangerment: neither may be relied on until that is settled. A Part 2
// consent that lacks what 164.508 requires is Part2Only: it may let go
// the Part 2 records it covers and nothing else; its Defects then include
// authorization-incomplete and Missing what 164.508 lacks.
type AuthorizationFinding struct {
	ID        string     `json:"id"`
	Valid     bool       `json:"valid"`
	Defects   []roi.Code `json:"defects"`
	Missing   []string   `json:"missing"`
	Part2Only bool       `json:"part2_only,omitempty"`
}

// AuthorizationFindings checks every authorization of f as Evaluate does,
// in the order they were presented.
func AuthorizationFindings(f *roi.Facts) []AuthorizationFinding {
	e := newEvaluator(f)
	e.checkAuthorizations()
	out := make([]AuthorizationFinding, len(e.auths))
	for i, c := range e.auths {
		defects := append([]roi.Code{}, c.defects...)
		switch c.signer {
		case signerUndocumented:
			defects = append(defects, roi.CodeAuthorityDocsMissing)
		case signerEndangers:
			defects = append(defects, roi.CodeRepresentativeEndangers)
		}
		missing := missingElements(c.a)
		part2Only := false
		if c.not508 {
			for _, m := range missing508(c.a) {
				if !containsString(missing, m) {
					missing = append(missing, m)
				}
			}
			if !hasCode(defects, roi.CodeAuthorizationIncomplete) {
				part2Only = c.a.Part2 && len(defects) == 0
				defects = append(defects, roi.CodeAuthorizationIncomplete)
			}
		}
		out[i] = AuthorizationFinding{ID: c.a.ID, Valid: len(defects) == 0, Defects: defects,
			Missing: missing, Part2Only: part2Only}
	}
	return out
}

// missingElements lists, in words and in the order of the rules, the core
// elements (164.508(c)(1), 42 CFR 2.31(a)) and required statements
// (164.508(c)(2), 2.31) that a lacks. Empty: the document is complete.
func missingElements(a *roi.Authorization) []string {
	return missingFor(a, a.HIPAA, a.Part2)
}

// missing508 lists what a lacks to be a HIPAA authorization (164.508(c)),
// whatever forms it claims: an expiry date or event other than "none"
// (which only a Part 2 TPO consent may use), and the three statements.
func missing508(a *roi.Authorization) []string {
	return missingFor(a, true, false)
}

// missingFor lists what a lacks when judged against the HIPAA form, the
// Part 2 form, or both.
func missingFor(a *roi.Authorization, hipaa, part2 bool) []string {
	var out []string
	tpo := a.TPO && part2
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
	if hipaa {
		need = append(need, hipaaStatements...)
	}
	if part2 {
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

func containsString(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func hasCode(list []roi.Code, c roi.Code) bool {
	for _, x := range list {
		if x == c {
			return true
		}
	}
	return false
}
