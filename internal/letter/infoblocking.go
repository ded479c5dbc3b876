package letter

import (
	"github.com/custodian-roi/custodian/internal/doc"
	"github.com/custodian-roi/custodian/internal/roi"
)

// ibCites are the sections of 45 CFR Part 171 behind each exception, the
// same in every language.
var ibCites = map[roi.Exception]string{
	roi.ExceptionNotEHI:                   "45 CFR 171.102",
	roi.ExceptionPreventingHarm:           "45 CFR 171.201",
	roi.ExceptionPrivacyPrecondition:      "45 CFR 171.202(b)",
	roi.ExceptionPrivacyDenial:            "45 CFR 171.202(d)",
	roi.ExceptionPrivacyIndividualRequest: "45 CFR 171.202(e)",
	roi.ExceptionSecurity:                 "45 CFR 171.203",
	roi.ExceptionInfeasibility:            "45 CFR 171.204",
	roi.ExceptionHealthITPerformance:      "45 CFR 171.205",
	roi.ExceptionProtectingCareAccess:     "45 CFR 171.206",
	roi.ExceptionManner:                   "45 CFR 171.301",
	roi.ExceptionFees:                     "45 CFR 171.302",
}

// infoBlockingGround names, in plain words and once each, the Part 171
// grounds the decision's withholdings and hold rest on, in the order of
// Part 171. ExceptionNone is never printed: it is no ground, and the desk
// lets no letter carry it without a privacy officer's recorded reason
// (workflow's rule); a letter whose entries are all none says nothing here.
// Grounds are named for the whole letter, never per item, so they count
// nothing a reader could match to a category of record.
func infoBlockingGround(in *Input) []doc.Block {
	if len(in.InfoBlocking) == 0 || in.accounting() || (in.Basis != roi.BasisAccess && in.Basis != roi.BasisDirective) {
		return nil
	}
	c := in.lang()
	used := map[roi.Exception]bool{}
	for _, x := range in.InfoBlocking {
		used[x] = true
	}
	var lines []string
	for _, x := range roi.Exceptions {
		if x == roi.ExceptionNone || !used[x] || c.ibGround[x] == "" {
			continue
		}
		lines = append(lines, c.ibGround[x]+" ("+ibCites[x]+")")
	}
	if len(lines) == 0 {
		return nil
	}
	return []doc.Block{doc.H(c.ibHeading), doc.P(c.ibIntro), doc.L(lines...)}
}
