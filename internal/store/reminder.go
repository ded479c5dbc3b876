package store

import (
	"context"
	"database/sql"
	"time"

	"github.com/custodian-roi/custodian/internal/roi"
)

// Reminder is one due-date reminder: on Day, request RequestID was due in
// DaysLeft days (negative when overdue). Worker is the instance that
// recorded it.
type Reminder struct {
	ID        int64
	RequestID roi.RequestID
	Day       roi.Date
	DaysLeft  int
	Worker    string
	CreatedAt time.Time
}

// AddReminder records rem unless its request already has a reminder for
// rem.Day, and then appends ev to the ledger in the same transaction. It
// reports whether this call recorded it: of any number of instances
// racing for the same request and day, exactly one gets true, because the
// table's UNIQUE (request_id, day) admits one row (ON CONFLICT DO NOTHING
// waits for a concurrent insert of the same key to commit or roll back).
func (s *Store) AddReminder(ctx context.Context, rem *Reminder, ev roi.Event) (bool, error) {
	added := false
	err := s.tx(ctx, func(tx *sql.Tx) error {
		now := s.now()
		err := tx.QueryRowContext(ctx, `INSERT INTO reminders (request_id, day, days_left, worker, created_at)
			VALUES ($1, $2, $3, $4, $5) ON CONFLICT (request_id, day) DO NOTHING RETURNING id`,
			rem.RequestID, rem.Day.String(), rem.DaysLeft, rem.Worker, now).Scan(&rem.ID)
		if err == sql.ErrNoRows {
			return nil // another instance (or an earlier pass) has it
		}
		if err != nil {
			return err
		}
		rem.CreatedAt, added = parseTime(now), true
		return s.append(ctx, tx, ev)
	})
	if err != nil {
		return false, err
	}
	return added, nil
}

// RemindersOn returns the reminders recorded for day, by request.
func (s *Store) RemindersOn(ctx context.Context, day roi.Date) ([]Reminder, error) {
	rows, err := s.read.QueryContext(ctx, `SELECT id, request_id, day, days_left, worker, created_at FROM reminders
		WHERE day = $1 ORDER BY request_id`, day.String())
	if err != nil {
		return nil, classify(err)
	}
	defer rows.Close()
	var out []Reminder
	for rows.Next() {
		var r Reminder
		var d, at string
		if err := rows.Scan(&r.ID, &r.RequestID, &d, &r.DaysLeft, &r.Worker, &at); err != nil {
			return nil, err
		}
		if r.Day, err = roi.ParseDate(d); err != nil {
			return nil, err
		}
		r.CreatedAt = parseTime(at)
		out = append(out, r)
	}
	return out, classify(rows.Err())
}

// ClaimReminderDigest claims the one digest notice of day for worker and
// reports whether this call got it: the first claim of a day wins.
func (s *Store) ClaimReminderDigest(ctx context.Context, day roi.Date, worker string) (bool, error) {
	res, err := s.write.ExecContext(ctx, `INSERT INTO reminder_digests (day, worker, created_at) VALUES ($1, $2, $3)
		ON CONFLICT (day) DO NOTHING`, day.String(), worker, s.now())
	if err != nil {
		return false, classify(err)
	}
	n, err := res.RowsAffected()
	return n == 1, classify(err)
}

// UnclaimReminderDigest gives back worker's claim on day's digest (its
// notice could not be sent), so that a later pass tries again.
func (s *Store) UnclaimReminderDigest(ctx context.Context, day roi.Date, worker string) error {
	_, err := s.write.ExecContext(ctx, `DELETE FROM reminder_digests WHERE day = $1 AND worker = $2`, day.String(), worker)
	return classify(err)
}
