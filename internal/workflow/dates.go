package workflow

import (
	"strings"
	"time"

	"github.com/custodian-roi/custodian/internal/roi"
)

// DateStyle is how the desk writes and reads dates for people: a records
// team in the United States writes 03/14/1970, most of the world
// 14/03/1970. Stored dates and the API are always ISO 8601 (1970-03-14).
type DateStyle string

// The date styles a desk may be configured with.
const (
	DatesUS   DateStyle = "us"   // Mar 14, 1970; typed 03/14/1970
	DatesIntl DateStyle = "intl" // 14 Mar 1970; typed 14/03/1970
	DatesISO  DateStyle = "iso"  // 1970-03-14
)

// ParseDateStyle reads a configured style; empty is the US style.
func ParseDateStyle(s string) (DateStyle, bool) {
	switch st := DateStyle(strings.ToLower(strings.TrimSpace(s))); st {
	case "":
		return DatesUS, true
	case DatesUS, DatesIntl, DatesISO:
		return st, true
	}
	return "", false
}

// FormatDate writes a date for a page in the desk's style; an unknown
// date is "—".
func (d *Desk) FormatDate(day roi.Date) string { return d.Dates.Format(day) }

// Format writes day in the style s.
func (s DateStyle) Format(day roi.Date) string {
	if !day.Known() {
		return "—"
	}
	t := midnight(day)
	switch s {
	case DatesIntl:
		return t.Format("2 Jan 2006")
	case DatesISO:
		return day.String()
	}
	return t.Format("Jan 2, 2006")
}

// Typed writes a date the way a person types it in style s (the form a
// date field is prefilled with): 03/14/1970, 14/03/1970 or 1970-03-14.
func (s DateStyle) Typed(day roi.Date) string {
	if !day.Known() {
		return ""
	}
	t := midnight(day)
	switch s {
	case DatesIntl:
		return t.Format("02/01/2006")
	case DatesISO:
		return day.String()
	}
	return t.Format("01/02/2006")
}

// Placeholder is how a date field asks to be filled in, in style s.
func (s DateStyle) Placeholder() string {
	switch s {
	case DatesIntl:
		return "DD/MM/YYYY"
	case DatesISO:
		return "YYYY-MM-DD"
	}
	return "MM/DD/YYYY"
}

// ParseDay reads a date as a person types it: ISO (1970-03-14) always;
// numeric day and month in the desk's order (03/14/1970 in the US style,
// 14/03/1970 otherwise; '/', '.' or '-' between); or with the month's
// name (Mar 14, 1970; 14 March 1970). ok is false for anything else,
// including an impossible day.
func (s DateStyle) ParseDay(text string) (roi.Date, bool) {
	text = strings.TrimSpace(text)
	if d, err := roi.ParseDate(text); err == nil {
		return d, true
	}
	layouts := []string{"Jan 2, 2006", "January 2, 2006", "Jan 2 2006", "January 2 2006", "2 Jan 2006", "2 January 2006"}
	if s == DatesIntl || s == DatesISO {
		layouts = append(layouts, "2/1/2006", "2.1.2006", "2-1-2006")
	} else {
		layouts = append(layouts, "1/2/2006", "1.2.2006", "1-2-2006")
	}
	for _, l := range layouts {
		if t, err := time.Parse(l, text); err == nil {
			return roi.MakeDate(t.Year(), int(t.Month()), t.Day()), true
		}
	}
	return roi.NoDate, false
}

// DayOf is the day an instant falls on in the desk's time zone.
func (d *Desk) DayOf(t time.Time) roi.Date {
	t = t.In(d.Location)
	return roi.MakeDate(t.Year(), int(t.Month()), t.Day())
}

// FormatTime writes an instant for a page: its day in the desk's style
// and the time of day, both in the desk's time zone.
func (d *Desk) FormatTime(t time.Time) string {
	if t.IsZero() {
		return "—"
	}
	return d.FormatDate(d.DayOf(t)) + " " + t.In(d.Location).Format("15:04")
}

// midnight is day as a time, for time's layouts.
func midnight(day roi.Date) time.Time {
	y, m, d := day.Civil()
	return time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC)
}
