package policy

import (
	"sort"

	"github.com/custodian-roi/custodian/internal/roi"
)

// Deadlines, counted from the day of receipt (day 0) in calendar days with
// no roll-over for weekends (the HHS reading of 164.524(b)(2)).
const (
	accessDays         = 30 // 164.524(b)(2)(i)
	accessLimitDays    = 60 // one extension of no more than 30 days, (b)(2)(ii)
	accountingDays     = 60 // 164.528(c)(1)
	accountingLimitDay = 90 // one extension of no more than 30 days
)

// AccessDue returns the due date of an access request received on
// received: 30 calendar days, or a state's deadline when it is earlier
// (a stricter state law is not preempted, 45 CFR 160.203(b)).
func AccessDue(received roi.Date, state roi.Deadline) roi.Date {
	due := received.AddDays(accessDays)
	if state.Days > 0 {
		sd := received.AddDays(state.Days)
		if state.BusinessDays {
			sd = received.AddBusinessDays(state.Days)
		}
		if sd < due {
			due = sd
		}
	}
	return due
}

// computeDue sets the effective due date and the timing flags.
func (e *evaluator) computeDue(accounting bool) {
	f := e.f
	received := f.Request.Received
	due, limit := AccessDue(received, f.Jurisdiction.AccessDeadline), received.AddDays(accessLimitDays)
	if accounting {
		due, limit = received.AddDays(accountingDays), received.AddDays(accountingLimitDay)
		e.step(ruleAccountingDue, due.String())
	} else if due < received.AddDays(accessDays) {
		e.step(ruleStateDeadline, due.String())
	} else {
		e.step(ruleAccessDue, due.String())
	}
	notices := append([]roi.ExtensionNotice(nil), f.Evidence.ExtensionNotices...)
	sort.SliceStable(notices, func(i, j int) bool { return notices[i].Sent < notices[j].Sent })
	for i, n := range notices {
		switch {
		case i > 0:
			// Only one extension per request.
			e.flag(roi.FlagExtensionInvalid)
			e.step(ruleExtensionSecond, n.Sent.String())
		case n.Sent > due:
			e.flag(roi.FlagExtensionLate)
			e.step(ruleExtensionLate, n.Sent.String())
		case n.NewDue > limit:
			e.flag(roi.FlagExtensionInvalid)
			e.step(ruleExtensionTooLong, n.NewDue.String())
		default:
			due = n.NewDue
			e.flag(roi.FlagExtensionValid)
			e.step(ruleExtensionValid, due.String())
		}
	}
	e.d.Due = due
	if f.Now > due {
		e.flag(roi.FlagOverdue)
		e.step(ruleOverdue, due.String())
	}
}

func (e *evaluator) flag(fl roi.Flag) {
	for _, x := range e.d.Flags {
		if x == fl {
			return
		}
	}
	e.d.Flags = append(e.d.Flags, fl)
}
