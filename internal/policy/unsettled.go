package policy

import "github.com/custodian-roi/custodian/internal/roi"

// unsettled holds back, for a person, an item the rules would release to
// someone other than the patient when it carries a label whose state law
// the jurisdiction pack marks as unsettled (roi.Jurisdiction.Unclear):
// whether the state requires a specific authorization, or forbids the
// disclosure, is not known well enough to release by guess. A document
// relied on that names the label specifically settles it: the patient
// named that category. The individual's own access (and a personal
// representative's) is never limited by it, and records that are no
// longer PHI are not either.
func (e *evaluator) unsettled(it *roi.Item, d roi.ItemDecision) roi.ItemDecision {
	u := it.Labels & e.f.Jurisdiction.Unclear
	if !d.Release || u == 0 || e.nonPHI || e.f.Request.Basis == roi.BasisAccess {
		return d
	}
	if e.namedSpecifically(it, u) {
		return d
	}
	return e.wait(it, roi.CodeStateSpecificAuth, ruleStateUnclear)
}

// namedSpecifically reports whether a document that may be relied on for it
// names every label of u: a valid authorization covering it, or for legal
// process an order, warrant or subpoena covering it.
func (e *evaluator) namedSpecifically(it *roi.Item, u roi.Labels) bool {
	for _, c := range e.valid {
		if e.authCovers(c.a, it) && meets(c, it) && e.minorMaySign(c.a, it) && c.a.Covers.Labels.HasAll(u) {
			return true
		}
	}
	switch e.f.Request.Basis {
	case roi.BasisSubpoena, roi.BasisCourtOrder, roi.BasisWarrant, roi.BasisLawEnforcement:
		ps, _ := e.processes(false)
		for i := range ps {
			if e.covers(ps[i].covers, it) && ps[i].covers.Labels.HasAll(u) {
				return true
			}
		}
	}
	return false
}
