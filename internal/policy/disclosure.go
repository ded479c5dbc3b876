package policy

import "github.com/custodian-roi/custodian/internal/roi"

// tpo decides a disclosure for treatment, payment or health care operations
// (164.506(c)). No authorization is needed and, the requester being another
// covered entity, the covered entity may rely on its request as the minimum
// necessary (164.514(d)(3)(iii)(B); treatment is exempt outright,
// 164.502(b)(2)(i)). Psychotherapy notes still need their own authorization
// (164.508(a)(2)), and Part 2 records a Part 2 consent (2.31, 2.33).
func (e *evaluator) tpo() {
	r := e.f.Request
	ok := r.Requester.Kind == roi.KindProvider ||
		(r.Basis != roi.BasisTreatment && r.Requester.Kind == roi.KindHealthPlan)
	if !ok {
		e.step(ruleTPOWrongRequester, "")
		e.deny = append(e.deny, roi.CodeNoPermission)
		return
	}
	e.step(ruleTPO, string(r.Basis))
	if e.stopped() {
		return
	}
	e.accountable = false // 164.528(a)(1)(i)
	e.decideItems(func(it *roi.Item) roi.ItemDecision {
		if it.Labels.Has(roi.LabelPart2) || it.Labels.Has(roi.LabelPsychotherapyNote) {
			return e.viaConsent(it)
		}
		return release(it, ruleTPO)
	})
}

// process is one document of lawful process the desk may act on.
type process struct {
	covers *roi.Coverage
	// requiredByLaw: an order, a court-ordered warrant or a subpoena issued
	// by a court compels production (164.103), which reaches psychotherapy
	// notes it names (164.508(a)(2)(ii), 164.512(a)).
	requiredByLaw bool
	part2Findings bool // an order meeting 42 CFR 2.64/2.65
}

// processes lists the usable legal process in evidence, and whether an
// attorney's subpoena lacked satisfactory assurances.
//
// With assumeAssured, an attorney's subpoena counts as if its assurances
// had come, to learn whether asking for them could change anything.
func (e *evaluator) processes(assumeAssured bool) (ps []process, unassured bool) {
	ev := &e.f.Evidence
	for i := range ev.CourtOrders {
		o := &ev.CourtOrders[i]
		ps = append(ps, process{covers: &o.Covers, requiredByLaw: true, part2Findings: o.Part2Findings})
	}
	for i := range ev.Warrants {
		ps = append(ps, process{covers: &ev.Warrants[i].Covers, requiredByLaw: true})
	}
	for i := range ev.Subpoenas {
		s := &ev.Subpoenas[i]
		switch {
		case s.IssuedBy == roi.IssuerCourt:
			ps = append(ps, process{covers: &s.Covers, requiredByLaw: true})
		case s.Assurances != roi.AssuranceNone || assumeAssured:
			// 164.512(e)(1)(ii)-(v): notice given and time to object passed,
			// or a qualified protective order sought.
			ps = append(ps, process{covers: &s.Covers})
		default:
			unassured = true
		}
	}
	return ps, unassured
}

// legalProcess decides a disclosure in a judicial or administrative
// proceeding (164.512(e)) or to law enforcement under process
// (164.512(f)(1)(ii)): only what the process expressly covers. Part 2
// records need a subpart E order; a subpoena alone never suffices
// (42 CFR 2.61, 2.64, 2.65).
func (e *evaluator) legalProcess() {
	ps, unassured := e.processes(false)
	switch {
	case len(ps) == 0 && unassured:
		// Ask for assurances only when they could release something: a
		// subpoena can never reach a Part 2 record, assured or not.
		ps, _ = e.processes(true)
		if e.stopped() || e.anyReleasable(ps) {
			e.step(ruleAssurancesNeeded, "")
			e.pending = append(e.pending, roi.CodeAssurancesNeeded)
			return
		}
		e.step(ruleAssurancesMoot, "")
	case len(ps) == 0:
		e.step(ruleProcessMissing, "")
		e.pending = append(e.pending, roi.CodeAuthorityDocsMissing)
		return
	}
	e.step(ruleProcess, "")
	if e.stopped() {
		return
	}
	e.accountable = true // 164.528(a)(1): not among the exemptions
	e.decideItems(func(it *roi.Item) roi.ItemDecision { return e.underProcess(ps, it) })
}

// anyReleasable reports whether ps would release at least one item in
// scope; with no item in scope it reports true, so that the requester is
// still asked for what the request lacks.
func (e *evaluator) anyReleasable(ps []process) bool {
	found := false
	for i := range e.f.Items {
		it := &e.f.Items[i]
		if !e.inScope(it) {
			continue
		}
		found = true
		if e.underProcess(ps, it).Release {
			return true
		}
	}
	return !found
}

func (e *evaluator) underProcess(ps []process, it *roi.Item) roi.ItemDecision {
	l := it.Labels
	part2, pn := l.Has(roi.LabelPart2), l.Has(roi.LabelPsychotherapyNote)
	for i := range ps {
		p := &ps[i]
		if e.covers(p.covers, it) && (!part2 || p.part2Findings) && (!pn || p.requiredByLaw) {
			return release(it, ruleProcessCovers)
		}
	}
	any := func(ok func(p *process) bool) bool {
		for i := range ps {
			if ok(&ps[i]) {
				return true
			}
		}
		return false
	}
	if part2 || pn {
		// The patient's own consent or authorization is the other way.
		if d := e.viaConsent(it); d.Release {
			return d
		}
	}
	switch {
	case l.Has(roi.LabelSUDCounselingNote) && !any(func(p *process) bool {
		return p.part2Findings && p.covers.Labels.Has(roi.LabelSUDCounselingNote)
	}):
		return withhold(it, roi.CodePart2CounselingNote, rulePart2CounselingNote)
	case part2 && !any(func(p *process) bool { return p.part2Findings }):
		return withhold(it, roi.CodePart2NoCourtOrder, rulePart2NoCourtOrder)
	case pn && !any(func(p *process) bool {
		return p.requiredByLaw && p.covers.Labels.Has(roi.LabelPsychotherapyNote)
	}):
		return withhold(it, roi.CodePNAuthRequired, rulePNAuthRequired)
	case l&e.f.Jurisdiction.SpecificAuthorization != 0 && !any(func(p *process) bool {
		return p.covers.Labels.HasAll(l & e.f.Jurisdiction.SpecificAuthorization)
	}):
		return withhold(it, roi.CodeStateSpecificAuth, ruleStateSpecific)
	}
	return withhold(it, roi.CodeOutsideOrderScope, ruleOutsideOrderScope)
}

// lawEnforcement decides a request from law enforcement. With a warrant,
// court order or court-issued subpoena it is legal process. Without process,
// 164.512(f)(2) lets only limited identifying data go in answer to a request
// to identify or locate a suspect, fugitive, material witness or missing
// person: the items labeled demographics. Every other item is withheld as
// beyond what (f)(2) permits; that is a plain partial release, nothing left
// to judgment. The privacy officer may still find that another paragraph
// applies ((f)(3) victims, (f)(5) crime on the premises, (j) a serious
// threat), but that is a new decision on new facts, not this one.
func (e *evaluator) lawEnforcement() {
	if ps, _ := e.processes(false); len(ps) > 0 {
		e.legalProcess()
		return
	}
	e.step(ruleLawEnforcementNoProcess, "")
	if e.stopped() {
		return
	}
	e.accountable = true
	e.decideItems(func(it *roi.Item) roi.ItemDecision {
		l := it.Labels
		switch {
		case l.Has(roi.LabelPart2):
			// 42 CFR 2.65: only a court order opens Part 2 records to a
			// criminal investigation; even identifying a patient as one of a
			// program's (2.13(c)).
			return withhold(it, roi.CodePart2NoCourtOrder, rulePart2NoCourtOrder)
		case l.Has(roi.LabelPsychotherapyNote):
			// Never identifying data alone, whatever else it is labeled.
			return e.viaConsent(it)
		case l&e.f.Jurisdiction.SpecificAuthorization != 0 && e.reliedOn(it) == nil:
			// A state that lets this category go only on a specific
			// authorization is not preempted by (f)(2) (160.203(b)).
			return withhold(it, roi.CodeStateSpecificAuth, ruleStateSpecific)
		case l.Has(roi.LabelDemographics):
			return release(it, ruleLawEnforcementLimitedID)
		}
		return withhold(it, roi.CodeMinimumNecessary, ruleLawEnforcementBeyondID)
	})
}

// permitted decides the 164.512 disclosures a covered entity may make
// without authorization to a public official or a workers' compensation
// system: public health (b), health oversight (d), coroners and medical
// examiners (g)(1), workers' compensation where state law authorizes it (l).
// The covered entity may rely on the official's request as the minimum
// necessary (164.514(d)(3)(iii)(A)).
func (e *evaluator) permitted() {
	r := e.f.Request
	var ok bool
	var rule *roi.Rule
	switch r.Basis {
	case roi.BasisPublicHealth:
		ok, rule = r.Requester.Kind == roi.KindPublicHealth, rulePublicHealth
	case roi.BasisHealthOversight:
		ok, rule = r.Requester.Kind == roi.KindHealthOversight, ruleHealthOversight
	case roi.BasisCoroner:
		ok, rule = r.Requester.Kind == roi.KindCoroner && e.deceased, ruleCoroner
	case roi.BasisWorkersComp:
		ok, rule = e.f.Jurisdiction.WorkersComp, ruleWorkersComp
	}
	if !ok {
		e.step(rulePermissionNotMet, string(r.Basis))
		e.deny = append(e.deny, roi.CodeNoPermission)
		return
	}
	e.step(rule, "")
	if e.stopped() {
		return
	}
	coroner := r.Basis == roi.BasisCoroner
	e.accountable = true
	e.decideItems(func(it *roi.Item) roi.ItemDecision {
		l := it.Labels
		switch {
		case coroner && l.Has(roi.LabelPart2) && !l.Has(roi.LabelSUDCounselingNote):
			// 42 CFR 2.15(b)(1): cause-of-death inquiries.
			return release(it, ruleCoronerPart2)
		case coroner && l.Has(roi.LabelPsychotherapyNote):
			return release(it, ruleCoronerPN) // 164.508(a)(2)(ii)
		case l.Has(roi.LabelPart2) || l.Has(roi.LabelPsychotherapyNote):
			return e.viaConsent(it)
		}
		return release(it, rule)
	})
}
