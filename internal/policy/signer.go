package policy

import "github.com/custodian-roi/custodian/internal/roi"

// signerGate settles the documents a representative signed whose authority
// is not shown (164.502(g), 164.508(c)(1)(vi)). It asks for something only
// if it could change what goes: the same request is decided twice more,
// without the identity gate, once ignoring those documents and once
// trusting them; when trusting them lets go an item that nothing else
// lets go, the request waits for the representative's papers (pending,
// authority-documents-missing) or, for a representative believed to
// endanger the patient, for a person's judgment (escalate,
// representative-endangerment, 164.502(g)(5)). Otherwise those documents
// are simply not relied on.
func (e *evaluator) signerGate() {
	if e.probe || len(e.unproven) == 0 {
		return
	}
	without, with := e.whatIf(false), e.whatIf(true)
	gains := false
	for id := range with {
		if !without[id] {
			gains = true
			break
		}
	}
	if !gains {
		return
	}
	undocumented := false
	for _, c := range e.unproven {
		undocumented = undocumented || c.signer == signerUndocumented
	}
	if undocumented {
		e.step(ruleSignerUndocumented, "")
		e.pending = append(e.pending, roi.CodeAuthorityDocsMissing)
		return
	}
	e.step(ruleSignerEndangers, "")
	e.escalate = append(e.escalate, roi.CodeRepresentativeEndangers)
	e.waitAll = true
}

// whatIf returns the items the request would release, identity aside,
// with the unproven documents trusted or not.
func (e *evaluator) whatIf(trust bool) map[string]bool {
	p := newEvaluator(e.f)
	p.probe, p.trustSigners = true, trust
	p.run()
	out := map[string]bool{}
	for _, id := range p.d.Released() {
		out[id] = true
	}
	return out
}
