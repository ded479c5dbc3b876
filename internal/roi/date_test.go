package roi

import (
	"testing"
	"time"
)

func d(s string) Date {
	t, err := ParseDate(s)
	if err != nil {
		panic(s)
	}
	return t
}

func TestParseDate(t *testing.T) {
	for _, tc := range []struct {
		in string
		ok bool
	}{
		{"2026-03-02", true},
		{"2024-02-29", true},  // leap year
		{"2000-02-29", true},  // divisible by 400
		{"1900-02-29", false}, // divisible by 100, not 400
		{"2026-02-29", false},
		{"2026-02-30", false},
		{"2026-04-31", false},
		{"2026-13-01", false},
		{"2026-00-10", false},
		{"2026-01-00", false},
		{"0000-01-01", false},
		{"2026-3-2", false},
		{"2026/03/02", false},
		{"2026-03-02T00:00:00Z", false},
		{"", false},
		{"２０２６-03-02", false},
	} {
		_, err := ParseDate(tc.in)
		if (err == nil) != tc.ok {
			t.Errorf("ParseDate(%q) err=%v, want ok=%v", tc.in, err, tc.ok)
		}
	}
}

// TestDateMatchesTime checks the civil-date arithmetic against package time
// for every day from 1900 to 2100.
func TestDateMatchesTime(t *testing.T) {
	start := time.Date(1900, 1, 1, 0, 0, 0, 0, time.UTC)
	for day := start; day.Year() < 2101; day = day.AddDate(0, 0, 1) {
		s := day.Format("2006-01-02")
		got := d(s)
		if want := Date(day.Unix()/86400 + 719468); got != want {
			t.Fatalf("ParseDate(%s)=%d, want %d", s, got, want)
		}
		if got.String() != s {
			t.Fatalf("String()=%s, want %s", got.String(), s)
		}
		if got.Weekday() != int(day.Weekday()) {
			t.Fatalf("%s Weekday()=%d, want %d", s, got.Weekday(), day.Weekday())
		}
	}
}

func TestAddDays(t *testing.T) {
	for _, tc := range []struct {
		from string
		n    int
		want string
	}{
		{"2026-03-02", 30, "2026-04-01"},
		{"2026-01-05", 60, "2026-03-06"},
		{"2026-12-15", 30, "2027-01-14"},
		{"2024-02-01", 29, "2024-03-01"},
		{"2026-03-02", -1, "2026-03-01"},
	} {
		if got := d(tc.from).AddDays(tc.n).String(); got != tc.want {
			t.Errorf("%s + %d days = %s, want %s", tc.from, tc.n, got, tc.want)
		}
	}
}

func TestAddYears(t *testing.T) {
	for _, tc := range []struct {
		from string
		n    int
		want string
	}{
		{"2026-03-02", -6, "2020-03-02"},
		{"1975-06-30", 50, "2025-06-30"},
		{"2008-02-29", 18, "2026-03-01"}, // leap-day birthday in a common year
		{"2008-02-29", 16, "2024-02-29"},
		{"2028-02-29", -6, "2022-03-01"},
	} {
		if got := d(tc.from).AddYears(tc.n).String(); got != tc.want {
			t.Errorf("%s + %d years = %s, want %s", tc.from, tc.n, got, tc.want)
		}
	}
}

func TestAddBusinessDays(t *testing.T) {
	for _, tc := range []struct {
		from string
		n    int
		want string
	}{
		{"2026-07-06", 15, "2026-07-27"}, // Monday: three weekends crossed
		{"2026-07-03", 1, "2026-07-06"},  // Friday: the next business day is Monday
		{"2026-07-04", 1, "2026-07-06"},  // Saturday receipt: Monday is day 1
		{"2026-07-05", 5, "2026-07-10"},  // Sunday receipt
		{"2026-07-06", 0, "2026-07-06"},
		{"2026-07-10", 15, "2026-07-31"}, // Friday receipt
	} {
		if got := d(tc.from).AddBusinessDays(tc.n).String(); got != tc.want {
			t.Errorf("%s + %d business days = %s, want %s", tc.from, tc.n, got, tc.want)
		}
	}
}

func TestYearsOld(t *testing.T) {
	for _, tc := range []struct {
		birth, on string
		want      int
	}{
		{"2008-03-02", "2026-03-01", 17},
		{"2008-03-02", "2026-03-02", 18}, // the birthday completes the year
		{"2008-02-29", "2026-02-28", 17},
		{"2008-02-29", "2026-03-01", 18},
		{"2008-02-29", "2024-02-29", 16},
		{"1980-06-15", "1980-06-15", 0},
	} {
		if got := YearsOld(d(tc.birth), d(tc.on)); got != tc.want {
			t.Errorf("YearsOld(%s, %s)=%d, want %d", tc.birth, tc.on, got, tc.want)
		}
		// Consistency with AddYears: the age turns exactly on birth+n years.
		b := d(tc.birth)
		if YearsOld(b, b.AddYears(tc.want+1)) != tc.want+1 || YearsOld(b, b.AddYears(tc.want+1)-1) != tc.want {
			t.Errorf("YearsOld and AddYears disagree for birth %s", tc.birth)
		}
	}
}

func TestZeroIsNoDate(t *testing.T) {
	var z Date
	if z.Known() || z != NoDate || z.String() != "" {
		t.Errorf("zero Date is %q, want NoDate", z.String())
	}
	if first := d("0001-01-01"); first <= NoDate {
		t.Errorf("0001-01-01 = %d, want > NoDate", first)
	}
}

func TestDateJSON(t *testing.T) {
	b, _ := NoDate.MarshalJSON()
	if string(b) != "null" {
		t.Errorf("NoDate marshals as %s, want null", b)
	}
	b, _ = d("2026-04-01").MarshalJSON()
	if string(b) != `"2026-04-01"` {
		t.Errorf("date marshals as %s", b)
	}
}

func TestCoveragePlace(t *testing.T) {
	d := func(s string) Date {
		x, err := ParseDate(s)
		if err != nil {
			t.Fatal(err)
		}
		return x
	}
	year := Coverage{From: d("2024-01-01"), To: d("2024-12-31")}
	upTo := Coverage{To: d("2024-12-31")}
	for _, tc := range []struct {
		name string
		c    Coverage
		it   Item
		want Placement
	}{
		{"no bounds, undated", Coverage{}, Item{}, Inside},
		{"day inside", year, Item{Date: d("2024-03-01")}, Inside},
		{"day outside", year, Item{Date: d("2023-12-31")}, Outside},
		{"undated", year, Item{}, Uncertain},
		{"year inside", year, Item{Date: d("2024-01-01"), Until: d("2024-12-31")}, Inside},
		{"year before", year, Item{Date: d("2023-01-01"), Until: d("2023-12-31")}, Outside},
		{"month straddling the start", Coverage{From: d("2024-05-15")}, Item{Date: d("2024-05-01"), Until: d("2024-05-31")}, Uncertain},
		{"on or before a day inside", year, Item{Until: d("2024-06-01")}, Uncertain},
		{"on or before a day before the scope", year, Item{Until: d("2023-06-01")}, Outside},
		{"on or before, scope with no start", upTo, Item{Until: d("2024-06-01")}, Inside},
		{"on or before, after the scope's end", upTo, Item{Until: d("2025-01-02")}, Uncertain},
	} {
		if got := tc.c.Place(&tc.it); got != tc.want {
			t.Errorf("%s: %v, want %v", tc.name, got, tc.want)
		}
	}
}
