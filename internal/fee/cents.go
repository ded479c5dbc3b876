package fee

import (
	"encoding/json"
	"strconv"
	"strings"

	"github.com/custodian-roi/custodian/internal/roi"
)

// Cents is an amount of money in US cents. Money is never a float here: a
// fee is added up from many small amounts and must not drift.
type Cents int64

// String formats c as dollars, e.g. "$6.50" or "-$1.25".
func (c Cents) String() string {
	sign := ""
	if c < 0 {
		sign = "-"
		c = -c
	}
	cents := strconv.FormatInt(int64(c%100), 10)
	if len(cents) == 1 {
		cents = "0" + cents
	}
	return sign + "$" + strconv.FormatInt(int64(c/100), 10) + "." + cents
}

// ParseCents reads a dollar amount written "6.50", "$6.50", "6.5" or "6".
// More than two decimal places is an error: a schedule that says $0.435
// must be rounded by the person who wrote it, not guessed here.
func ParseCents(s string) (Cents, error) {
	t := strings.TrimSpace(s)
	neg := strings.HasPrefix(t, "-")
	t = strings.TrimPrefix(t, "-")
	t = strings.TrimPrefix(t, "$")
	whole, frac, hasDot := strings.Cut(t, ".")
	if whole == "" && (!hasDot || frac == "") {
		return 0, roi.Errorf(roi.CodeInvalid, "The amount %q is not a dollar amount.", s)
	}
	if len(frac) > 2 || (hasDot && frac == "") {
		return 0, roi.Errorf(roi.CodeInvalid, "The amount %q must have at most two decimal places.", s)
	}
	for _, r := range whole + frac {
		if r < '0' || r > '9' {
			return 0, roi.Errorf(roi.CodeInvalid, "The amount %q is not a dollar amount.", s)
		}
	}
	if len(whole) > 7 { // $9,999,999.99 at most: keeps every product far from overflow
		return 0, roi.Errorf(roi.CodeInvalid, "The amount %q is too large.", s)
	}
	var d int64
	if whole != "" {
		d, _ = strconv.ParseInt(whole, 10, 64)
	}
	for len(frac) < 2 {
		frac += "0"
	}
	f, _ := strconv.ParseInt(frac, 10, 64)
	c := Cents(d*100 + f)
	if neg {
		c = -c
	}
	return c, nil
}

// MarshalJSON writes c as a dollar string, "6.50", so that schedules and
// quotes read the way people write fees.
func (c Cents) MarshalJSON() ([]byte, error) {
	return json.Marshal(strings.Replace(c.String(), "$", "", 1))
}

// UnmarshalJSON reads a dollar string ("6.50"). A bare JSON number is
// refused: 6.5 and 650 are both plausible readings, and a fee schedule is
// no place to guess.
func (c *Cents) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return roi.Errorf(roi.CodeInvalid, "An amount must be a quoted dollar string such as \"6.50\".")
	}
	v, err := ParseCents(s)
	if err != nil {
		return err
	}
	*c = v
	return nil
}

// mulDiv returns a*b/d rounded down, for rates and percentages. Rounding
// down keeps every computed figure at or under the limit it comes from.
func mulDiv(a Cents, b, d int64) Cents {
	if d == 0 {
		return 0
	}
	return Cents(int64(a) * b / d)
}
