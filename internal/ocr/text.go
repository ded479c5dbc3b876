package ocr

import (
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"

	"github.com/custodian-roi/custodian/internal/roi"
)

// line is one line of OCR text: as read (orig), and as matched (key):
// lower case, accents folded, typographic quotes and dashes made plain,
// and inside words the digits OCR confuses with letters read as letters
// ("Patlent", "B1rth", "0f"). pos maps each byte of key to the byte of orig
// it came from, so a value found in key is cut from orig as written.
type line struct {
	n     int // index in the document's lines
	orig  string
	key   string
	pos   []int // len(key)+1 entries
	words []word
}

type word struct {
	s          string
	start, end int // in key
}

func newLine(n int, orig string) *line {
	l := &line{n: n, orig: orig}
	var key []byte
	for o, r := range orig {
		var s string
		switch r {
		case '’', '‘', '`', '´':
			s = "'"
		case '“', '”':
			s = `"`
		case '–', '—', '‑', '−':
			s = "-"
		case '\t', '\u00a0':
			s = " "
		default:
			var b strings.Builder
			for _, d := range norm.NFKD.String(string(r)) {
				if unicode.Is(unicode.Mn, d) {
					continue
				}
				b.WriteRune(unicode.ToLower(d))
			}
			s = b.String()
		}
		for i := 0; i < len(s); i++ {
			key = append(key, s[i])
			l.pos = append(l.pos, o)
		}
	}
	l.pos = append(l.pos, len(orig))
	ocrLetters(key)
	l.key = string(key)
	l.words = splitWords(l.key)
	return l
}

// ocrLetters reads, inside runs of letters and digits that hold a letter,
// the digits and bars OCR puts for letters as those letters. Runs of
// digits only (dates, numbers, "42 CFR") are left alone.
func ocrLetters(b []byte) {
	for i := 0; i < len(b); {
		j := i
		letter := false
		for j < len(b) && (isASCIIAlnum(b[j]) || b[j] == '|') {
			letter = letter || (b[j] >= 'a' && b[j] <= 'z')
			j++
		}
		if j == i {
			i++
			continue
		}
		if letter {
			for k := i; k < j; k++ {
				switch b[k] {
				case '0':
					b[k] = 'o'
				case '1', '|':
					b[k] = 'l'
				case '5':
					b[k] = 's'
				}
			}
		}
		i = j
	}
}

func isASCIIAlnum(c byte) bool { return c >= 'a' && c <= 'z' || c >= '0' && c <= '9' }

// splitWords returns the words of key: runs of letters, digits and
// apostrophes.
func splitWords(key string) []word {
	var ws []word
	start := -1
	for i, r := range key {
		in := unicode.IsLetter(r) || unicode.IsDigit(r) || r == '\''
		switch {
		case in && start < 0:
			start = i
		case !in && start >= 0:
			ws = append(ws, word{key[start:i], start, i})
			start = -1
		}
	}
	if start >= 0 {
		ws = append(ws, word{key[start:], start, len(key)})
	}
	for i := range ws { // "patient's" and "patients'" read as "patients"
		ws[i].s = strings.ReplaceAll(ws[i].s, "'", "")
	}
	return ws
}

// origSpan returns orig's text for key[start:end].
func (l *line) origSpan(start, end int) string {
	if start >= end {
		return ""
	}
	return l.orig[l.pos[start]:l.pos[end]]
}

// phrase is a sequence of words to find in a line. A word ending in '*' is
// a prefix, matched exactly; other words are matched allowing the errors
// OCR makes (see wordMatch).
type phrase []string

func ph(s string) phrase { return phrase(strings.Fields(s)) }

// matchAt reports whether p occurs at word i of ws.
func (p phrase) matchAt(ws []word, i int) bool {
	if i+len(p) > len(ws) {
		return false
	}
	for j, w := range p {
		if !wordMatch(ws[i+j].s, w) {
			return false
		}
	}
	return true
}

// find returns the index of the first word at which p occurs, or -1.
func (p phrase) find(ws []word) int {
	for i := range ws {
		if p.matchAt(ws, i) {
			return i
		}
	}
	return -1
}

// wordMatch reports whether the word read, got, is the word want: equal;
// or, for a long word, one letter off (two for a very long one), also
// after reading "rn" as "m", the commonest OCR confusion of all.
func wordMatch(got, want string) bool {
	if p, ok := strings.CutSuffix(want, "*"); ok {
		return strings.HasPrefix(got, p)
	}
	if got == want {
		return true
	}
	tol := 0
	switch n := utf8.RuneCountInString(want); {
	case n >= 9:
		tol = 2
	case n >= 5:
		tol = 1
	}
	if strings.Contains(got, "rn") && strings.ReplaceAll(got, "rn", "m") == want {
		return true
	}
	return tol > 0 && within(got, want, tol)
}

// within reports whether the edit distance of a and b is at most k.
func within(a, b string, k int) bool {
	ra, rb := []rune(a), []rune(b)
	if d := len(ra) - len(rb); d > k || -d > k {
		return false
	}
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		best := cur[0]
		for j := 1; j <= len(rb); j++ {
			c := prev[j-1]
			if ra[i-1] != rb[j-1] {
				c++
			}
			c = min(c, prev[j]+1, cur[j-1]+1)
			cur[j] = c
			best = min(best, c)
		}
		if best > k {
			return false
		}
		prev, cur = cur, prev
	}
	return prev[len(rb)] <= k
}

// hasAny reports whether any of ps occurs in ws.
func hasAny(ws []word, ps ...phrase) bool {
	for _, p := range ps {
		if p.find(ws) >= 0 {
			return true
		}
	}
	return false
}

// A dateHit is a date found in a line's orig text.
type dateHit struct {
	d          roi.Date
	start, end int
}

var (
	numericDate = regexp.MustCompile(`(^|[^0-9])([0-9]{1,4}) ?[/.\-] ?([0-9]{1,2}) ?[/.\-] ?([0-9]{2,4})($|[^0-9])`)
	monthFirst  = regexp.MustCompile(`(?i)\b(` + monthAlt + `)\.? +([0-9]{1,2})(?:st|nd|rd|th)?,? +([0-9]{4})\b`)
	dayFirst    = regexp.MustCompile(`(?i)\b([0-9]{1,2})(?:st|nd|rd|th)? +(?:de +|of +)?(` + monthAlt + `)\.?,? +(?:de +|del +)?([0-9]{4})\b`)
	dateish     = regexp.MustCompile(`[0-9OoIl|SB/.\-]+`)
)

const monthAlt = `january|february|march|april|may|june|july|august|september|october|november|december|` +
	`jan|feb|mar|apr|jun|jul|aug|sept|sep|oct|nov|dec|` +
	`enero|febrero|marzo|abril|mayo|junio|julio|agosto|septiembre|setiembre|octubre|noviembre|diciembre|` +
	`ene|abr|ago|dic`

var months = map[string]int{
	"january": 1, "february": 2, "march": 3, "april": 4, "may": 5, "june": 6, "july": 7,
	"august": 8, "september": 9, "october": 10, "november": 11, "december": 12,
	"jan": 1, "feb": 2, "mar": 3, "apr": 4, "jun": 6, "jul": 7, "aug": 8, "sept": 9, "sep": 9,
	"oct": 10, "nov": 11, "dec": 12,
	"enero": 1, "febrero": 2, "marzo": 3, "abril": 4, "mayo": 5, "junio": 6, "julio": 7,
	"agosto": 8, "septiembre": 9, "setiembre": 9, "octubre": 10, "noviembre": 11, "diciembre": 12,
	"ene": 1, "abr": 4, "ago": 8, "dic": 12,
}

// fixDigits reads, in tokens that look like numeric dates (two digits or
// more, and nothing but digits, separators and the letters OCR puts for
// digits), O as 0, l and I and | as 1, S as 5 and B as 8. The result has
// the same length as s.
func fixDigits(s string) string {
	b := []byte(s)
	for _, m := range dateish.FindAllStringIndex(s, -1) {
		tok := s[m[0]:m[1]]
		digits := 0
		for i := 0; i < len(tok); i++ {
			if tok[i] >= '0' && tok[i] <= '9' {
				digits++
			}
		}
		if digits < 2 || !strings.ContainsAny(tok, "/.-") {
			continue
		}
		for i := m[0]; i < m[1]; i++ {
			switch b[i] {
			case 'O', 'o':
				b[i] = '0'
			case 'I', 'l', '|':
				b[i] = '1'
			case 'S':
				b[i] = '5'
			case 'B':
				b[i] = '8'
			}
		}
	}
	return string(b)
}

// findDates returns the dates written in s, in order. A numeric date is
// read month first (the US way) unless its numbers say otherwise or
// dayFirstHint is set (the form says "dd/mm"). A two-digit year is read
// as 20yy up to 40 and as 19yy above.
func findDates(s string, dayFirstHint bool) []dateHit {
	f := fixDigits(s)
	var hits []dateHit
	for at := 0; at < len(f); {
		m := numericDate.FindStringSubmatchIndex(f[at:])
		if m == nil {
			break
		}
		for i := range m {
			if m[i] >= 0 {
				m[i] += at
			}
		}
		at = m[9] // the next date may begin right after this one's last digit
		a, b, c := f[m[4]:m[5]], f[m[6]:m[7]], f[m[8]:m[9]]
		var y, mo, d int
		if len(a) == 4 { // ISO
			if len(c) > 2 {
				continue
			}
			y, mo, d = atoi(a), atoi(b), atoi(c)
		} else {
			if len(a) > 2 || len(c) == 3 {
				continue
			}
			x, z := atoi(a), atoi(b)
			y = year(c)
			switch {
			case x > 12 && z <= 12:
				d, mo = x, z
			case z > 12:
				mo, d = x, z
			case dayFirstHint:
				d, mo = x, z
			default:
				mo, d = x, z
			}
		}
		if dt, ok := civil(y, mo, d); ok {
			hits = append(hits, dateHit{dt, m[4], m[9]})
		}
	}
	for _, m := range monthFirst.FindAllStringSubmatchIndex(f, -1) {
		mo := months[strings.ToLower(f[m[2]:m[3]])]
		if dt, ok := civil(atoi(f[m[6]:m[7]]), mo, atoi(f[m[4]:m[5]])); ok {
			hits = append(hits, dateHit{dt, m[0], m[1]})
		}
	}
	for _, m := range dayFirst.FindAllStringSubmatchIndex(f, -1) {
		mo := months[strings.ToLower(f[m[4]:m[5]])]
		if dt, ok := civil(atoi(f[m[6]:m[7]]), mo, atoi(f[m[2]:m[3]])); ok {
			hits = append(hits, dateHit{dt, m[0], m[1]})
		}
	}
	// In order, dropping any that overlaps one before it.
	for i := 1; i < len(hits); i++ {
		for j := i; j > 0 && hits[j].start < hits[j-1].start; j-- {
			hits[j], hits[j-1] = hits[j-1], hits[j]
		}
	}
	out := hits[:0]
	for _, h := range hits {
		if len(out) > 0 && h.start < out[len(out)-1].end {
			continue
		}
		out = append(out, h)
	}
	return out
}

func atoi(s string) int { n, _ := strconv.Atoi(s); return n }

func year(s string) int {
	y := atoi(s)
	if len(s) == 2 {
		if y <= 40 {
			return 2000 + y
		}
		return 1900 + y
	}
	return y
}

// civil returns the day y-m-d when it exists, in years a form could name.
func civil(y, m, d int) (roi.Date, bool) {
	if y < 1880 || y > 2200 || m < 1 || m > 12 || d < 1 {
		return roi.NoDate, false
	}
	t := time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC)
	if t.Day() != d {
		return roi.NoDate, false
	}
	return roi.MakeDate(y, m, d), true
}
