package workflow

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/custodian-roi/custodian/internal/roi"
	"github.com/custodian-roi/custodian/internal/send"
	"github.com/custodian-roi/custodian/internal/store"
)

// ReminderDays: an open request due within this many days, or overdue,
// gets one reminder a day (the same window as the reminders list's
// default).
const ReminderDays = 7

// ReminderRun is what one pass of SendReminders did.
type ReminderRun struct {
	Day roi.Date
	// Recorded is how many reminders this pass recorded; requests another
	// instance (or an earlier pass) reminded today are not counted.
	Recorded int
	// Digest reports whether this pass sent the day's digest notice.
	Digest bool
}

// SendReminders records today's reminder for every open request due
// within ReminderDays or overdue: one row per request per day and, only
// by the instance whose row went in, a "reminder" ledger event in the same
// transaction. Any number of instances may run it at once; each request
// is reminded exactly once a day (the store's unique key decides).
//
// Staff accounts carry no e-mail address, so reminders do not go to
// assignees one by one. When e-mail is configured and the organization
// has a privacy e-mail address, the day's first pass that finds
// reminders sends one digest there, with counts only: no names, no
// request numbers, nothing from a record.
func (d *Desk) SendReminders(ctx context.Context, worker string) (ReminderRun, error) {
	today := d.Today()
	run := ReminderRun{Day: today}
	due, err := d.Reminders(ctx, ReminderDays)
	if err != nil {
		return run, err
	}
	for _, x := range due {
		r := x.Request
		rem := &store.Reminder{RequestID: r.ID, Day: today, DaysLeft: x.DaysLeft, Worker: worker}
		added, err := d.store.AddReminder(ctx, rem, roi.Event{Kind: roi.EventReminder, RequestID: r.ID, PatientID: r.PatientID,
			Actor: "reminders:" + worker, Body: roi.ReminderBody{Day: today, Due: r.Due,
				DaysLeft: x.DaysLeft, Overdue: x.DaysLeft < 0, Assignee: r.Assignee}})
		if err != nil {
			return run, err
		}
		if added {
			run.Recorded++
		}
	}
	if run.Recorded > 0 {
		slog.Info("reminders recorded", "day", today.String(), "count", run.Recorded, "worker", worker)
	}
	if d.Mail == nil || d.Org.PrivacyEmail == "" || len(due) == 0 {
		return run, nil
	}
	run.Digest, err = d.sendDigest(ctx, today, worker)
	return run, err
}

// sendDigest sends the day's digest if this worker claims it first. A
// failed send gives the claim back, so a later pass tries again.
func (d *Desk) sendDigest(ctx context.Context, today roi.Date, worker string) (bool, error) {
	ok, err := d.store.ClaimReminderDigest(ctx, today, worker)
	if err != nil || !ok {
		return false, err
	}
	rs, err := d.store.RemindersOn(ctx, today)
	if err != nil {
		d.store.UnclaimReminderDigest(ctx, today, worker)
		return false, err
	}
	if len(rs) == 0 {
		return false, d.store.UnclaimReminderDigest(ctx, today, worker)
	}
	overdue := 0
	for _, r := range rs {
		if r.DaysLeft < 0 {
			overdue++
		}
	}
	if _, err := d.Mail.Send(ctx, digest(d.Org.Name, d.Org.PrivacyEmail, d.Org.PortalURL, today, overdue, len(rs)-overdue)); err != nil {
		if uerr := d.store.UnclaimReminderDigest(ctx, today, worker); uerr != nil {
			slog.Error("reminder digest claim", "err", uerr)
		}
		return false, roi.WrapOp("workflow.reminder-send", roi.CodeInternal, err, "The reminder digest could not be sent; the next pass tries again.")
	}
	return true, nil
}

// digest is the day's notice: counts and where to look, nothing else.
func digest(org, to, portal string, day roi.Date, overdue, soon int) send.Message {
	if org == "" {
		org = "Custodian"
	}
	queue := strings.TrimRight(portal, "/") + "/"
	if portal == "" {
		queue = "the Custodian queue"
	}
	return send.Message{To: to,
		Subject:   fmt.Sprintf("Records requests: %d overdue, %d due within %d days", overdue, soon, ReminderDays),
		MessageID: "reminders-" + day.String() + "@custodian",
		Text: fmt.Sprintf("Hello,\n\nOn %s, %s has %d open records requests past their deadline and %d due within %d days.\n\n"+
			"Open %s to see them, soonest due first. This notice names no one on purpose.\n", day, org, overdue, soon, ReminderDays, queue)}
}

// RunReminders runs SendReminders now and then every interval until ctx
// ends. Every instance may run it: reminders stay once a day.
func (d *Desk) RunReminders(ctx context.Context, worker string, every time.Duration) {
	for {
		if _, err := d.SendReminders(ctx, worker); err != nil && ctx.Err() == nil {
			slog.Error("reminders", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(every):
		}
	}
}
