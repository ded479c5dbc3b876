package audit

import (
	"errors"
	"strings"
	"time"
)

// Range is a half-open interval of ledger times, [From, To); a zero end is
// open.
type Range struct {
	From, To time.Time
}

// Narrow intersects r with o.
func (r Range) Narrow(o Range) Range {
	if !o.From.IsZero() && (r.From.IsZero() || o.From.After(r.From)) {
		r.From = o.From
	}
	if !o.To.IsZero() && (r.To.IsZero() || o.To.Before(r.To)) {
		r.To = o.To
	}
	return r
}

// ErrDate is a date search value this server does not read. It repeats
// nothing of the value.
var ErrDate = errors.New("date must be a prefix (eq, ge, gt, le, lt; none is eq) and a date: YYYY, YYYY-MM, YYYY-MM-DD, or a date and time with its zone (2026-03-02T12:00:00Z)")

// ParseDate reads a FHIR date search value ("ge2026-03-01",
// "lt2026-03-02T10:00:00Z", "2026-03") as the range of recorded times it
// selects. A value without a time stands for its whole period, in UTC:
// ge2026-03-01 starts at its first moment, le2026-03-01 ends after its last.
func ParseDate(v string) (Range, error) {
	prefix := "eq"
	if len(v) > 2 && v[0] >= 'a' && v[0] <= 'z' {
		prefix, v = v[:2], v[2:]
	}
	start, end, err := period(v)
	if err != nil {
		return Range{}, err
	}
	switch prefix {
	case "eq":
		return Range{From: start, To: end}, nil
	case "ge", "sa":
		if prefix == "sa" {
			return Range{From: end}, nil
		}
		return Range{From: start}, nil
	case "gt":
		return Range{From: end}, nil
	case "le":
		return Range{To: end}, nil
	case "lt", "eb":
		return Range{To: start}, nil
	}
	return Range{}, ErrDate
}

// period is the span a date value covers: a year, a month, a day, or one
// microsecond (the ledger's precision) for a full time.
func period(v string) (time.Time, time.Time, error) {
	for _, f := range []struct {
		layout string
		next   func(time.Time) time.Time
	}{
		{"2006", func(t time.Time) time.Time { return t.AddDate(1, 0, 0) }},
		{"2006-01", func(t time.Time) time.Time { return t.AddDate(0, 1, 0) }},
		{"2006-01-02", func(t time.Time) time.Time { return t.AddDate(0, 0, 1) }},
	} {
		if len(v) == len(f.layout) {
			t, err := time.Parse(f.layout, v)
			if err != nil || t.Year() < 1000 {
				// Before year 1000 a bound can be Go's zero time, which
				// means "no bound": lt0001 would select everything.
				return time.Time{}, time.Time{}, ErrDate
			}
			return t, f.next(t), nil
		}
	}
	if !strings.Contains(v, "T") {
		return time.Time{}, time.Time{}, ErrDate
	}
	t, err := time.Parse(time.RFC3339Nano, v)
	if err != nil || t.Year() < 1000 {
		return time.Time{}, time.Time{}, ErrDate
	}
	t = t.UTC().Truncate(time.Microsecond)
	return t, t.Add(time.Microsecond), nil
}
