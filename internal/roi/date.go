package roi

import (
	"errors"
	"strconv"
)

// Date is a calendar day without a time of day or zone, counted in days from
// 0000-03-01, so that every real date (year 1 on) is positive and the zero
// value is NoDate. Release-of-information deadlines are counted in whole
// days (day of receipt = day 0), so a day count is both exact and cheap to
// compare.
type Date int32

// NoDate marks an absent date: an open bound, a death date of a living
// patient, the due date of a request that has none. It is the zero value
// and sorts before every real date.
const NoDate Date = 0

// ErrBadDate is returned by ParseDate for anything but a real YYYY-MM-DD day.
var ErrBadDate = errors.New("not a valid YYYY-MM-DD date")

// MakeDate returns the day y-m-d. It does not validate; ParseDate does.
func MakeDate(y, m, d int) Date {
	// Days from civil, after H. Hinnant's "chrono-compatible low-level date
	// algorithms": shift the year to start in March so February is last.
	if m <= 2 {
		y--
	}
	era := y / 400
	if y < 0 && y%400 != 0 {
		era--
	}
	yoe := y - era*400
	mp := m + 9
	if m > 2 {
		mp = m - 3
	}
	doy := (153*mp+2)/5 + d - 1
	doe := yoe*365 + yoe/4 - yoe/100 + doy
	return Date(era*146097 + doe)
}

// Civil returns the year, month (1-12) and day (1-31) of d.
func (d Date) Civil() (year, month, day int) {
	z := int(d)
	era := z / 146097
	if z < 0 && z%146097 != 0 {
		era--
	}
	doe := z - era*146097
	yoe := (doe - doe/1460 + doe/36524 - doe/146096) / 365
	y := yoe + era*400
	doy := doe - (365*yoe + yoe/4 - yoe/100)
	mp := (5*doy + 2) / 153
	day = doy - (153*mp+2)/5 + 1
	month = mp + 3
	if mp >= 10 {
		month = mp - 9
	}
	if month <= 2 {
		y++
	}
	return y, month, day
}

// ParseDate parses a strict YYYY-MM-DD day between 0001-01-01 and
// 9999-12-31. Impossible days such as 2026-02-29 are rejected.
func ParseDate(s string) (Date, error) {
	if len(s) != 10 || s[4] != '-' || s[7] != '-' {
		return NoDate, ErrBadDate
	}
	y, ok1 := digits(s[0:4])
	m, ok2 := digits(s[5:7])
	d, ok3 := digits(s[8:10])
	if !ok1 || !ok2 || !ok3 || y < 1 || m < 1 || m > 12 || d < 1 || d > daysIn(y, m) {
		return NoDate, ErrBadDate
	}
	return MakeDate(y, m, d), nil
}

func digits(s string) (int, bool) {
	n := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, true
}

func isLeap(y int) bool { return y%4 == 0 && (y%100 != 0 || y%400 == 0) }

func daysIn(y, m int) int {
	switch m {
	case 2:
		if isLeap(y) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}

// Known reports whether d is a real date rather than NoDate.
func (d Date) Known() bool { return d != NoDate }

// String formats d as YYYY-MM-DD, or "" for NoDate.
func (d Date) String() string {
	if d == NoDate {
		return ""
	}
	y, m, dd := d.Civil()
	b := make([]byte, 0, 10)
	b = appendPadded(b, y, 4)
	b = append(b, '-')
	b = appendPadded(b, m, 2)
	b = append(b, '-')
	b = appendPadded(b, dd, 2)
	return string(b)
}

func appendPadded(b []byte, n, width int) []byte {
	s := strconv.Itoa(n)
	for i := len(s); i < width; i++ {
		b = append(b, '0')
	}
	return append(b, s...)
}

// MarshalJSON writes "YYYY-MM-DD", or null for NoDate.
func (d Date) MarshalJSON() ([]byte, error) {
	if d == NoDate {
		return []byte("null"), nil
	}
	return []byte(`"` + d.String() + `"`), nil
}

// AddDays returns the day n calendar days after d (before, for negative n).
func (d Date) AddDays(n int) Date { return d + Date(n) }

// AddYears returns the same month and day n years later. February 29 of a
// leap year becomes March 1 in a common year: a person born on a leap day
// has not completed the year until February has ended.
func (d Date) AddYears(n int) Date {
	y, m, dd := d.Civil()
	y += n
	if m == 2 && dd == 29 && !isLeap(y) {
		m, dd = 3, 1
	}
	return MakeDate(y, m, dd)
}

// Weekday returns 0 for Sunday through 6 for Saturday, as time.Weekday does.
func (d Date) Weekday() int {
	// Day 0, 0000-03-01 (proleptic Gregorian), was a Wednesday (3).
	w := (int(d) + 3) % 7
	if w < 0 {
		w += 7
	}
	return w
}

// AddBusinessDays returns the n-th Monday-to-Friday day after d; d itself
// (the day of receipt) is never counted. Holidays are not known to the
// engine and are not skipped.
func (d Date) AddBusinessDays(n int) Date {
	for n > 0 {
		d++
		if w := d.Weekday(); w != 0 && w != 6 {
			n--
		}
	}
	return d
}

// YearsOld returns the number of whole years completed between birth and on,
// the age on day on. The birthday itself completes the year.
func YearsOld(birth, on Date) int {
	by, bm, bd := birth.Civil()
	y, m, d := on.Civil()
	age := y - by
	if m < bm || (m == bm && d < bd) {
		age--
	}
	// A leap-day birthday completes the year on March 1 in a common year,
	// consistent with AddYears: February 28 < February 29 above.
	return age
}

// Year returns the year of d.
func (d Date) Year() int {
	y, _, _ := d.Civil()
	return y
}

// UnmarshalJSON reads "YYYY-MM-DD" or null (NoDate).
func (d *Date) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		*d = NoDate
		return nil
	}
	if len(b) < 2 || b[0] != '"' || b[len(b)-1] != '"' {
		return ErrBadDate
	}
	t, err := ParseDate(string(b[1 : len(b)-1]))
	if err != nil {
		return err
	}
	*d = t
	return nil
}
