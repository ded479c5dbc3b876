package ccda

import (
	"strings"

	"github.com/custodian-roi/custodian/internal/roi"
)

// narrativeOf is the narrative an entry points at (its text, its
// product's or value's original text ...), each element once. An element
// inside a table row or list item is widened to the whole row when no
// other entry points into that row, so that the row's date and status
// print with it; a row another entry shares is never widened into, so
// one entry's narrative never carries another's.
func (c *secCtx) narrativeOf(idx int, stmt *node) string {
	// Each check climbs the tree once against a set: an entry pointing at
	// thousands of cells costs thousands of climbs, not their square.
	var picked []*node
	set := map[*node]bool{}
	in := func(n *node) bool {
		for x := n; x != nil; x = x.parent {
			if set[x] {
				return true
			}
		}
		return false
	}
	for _, id := range refsIn(stmt) {
		n := c.ids[id]
		if n == nil {
			continue
		}
		if row := c.row(n); row != nil && c.ownedBy(row, idx) {
			n = row
		}
		if !in(n) {
			picked = append(picked, n)
			set[n] = true
		}
	}
	var parts []string
	for _, n := range picked {
		if t := narrativeText(n); t != "" {
			parts = append(parts, t)
		}
	}
	if len(parts) == 0 {
		// An entry whose text is written inline rather than pointed at.
		if t := stmt.child("text"); t != nil && t.child("reference") == nil {
			return strings.Join(strings.Fields(t.plain()), " ")
		}
	}
	return strings.Join(parts, "\n")
}

// row returns the table row or list item n sits in, or nil.
func (c *secCtx) row(n *node) *node {
	for x := n; x != nil && !x.is("text"); x = x.parent {
		if x.is("tr") || x.is("item") {
			return x
		}
	}
	return nil
}

// ownedBy reports whether every ID inside row that some entry points at
// is pointed at by entry idx. Each row is walked once per section
// (rowOwner), however many entries point into it.
func (c *secCtx) ownedBy(row *node, idx int) bool {
	o, ok := c.rowOwner[row]
	if !ok {
		o = noOwner
		row.walk(func(x *node) bool {
			if id := x.attr("ID"); id != "" {
				if e, pointed := c.owner[id]; pointed {
					switch o {
					case noOwner:
						o = e
					case e:
					default:
						o = manyOwners
					}
				}
			}
			return o != manyOwners
		})
		c.rowOwner[row] = o
	}
	return o == idx || o == noOwner
}

// Row owners that are not an entry's index.
const (
	noOwner    = -1
	manyOwners = -2
)

// narrativeText renders a narrative block as plain text: a table row a
// line with its cells between " | ", paragraphs, list items, captions and
// line breaks on lines of their own, whitespace collapsed. Markup the
// renderer does not know is read for its text.
func narrativeText(n *node) string {
	if n == nil {
		return ""
	}
	var b strings.Builder
	var rec func(x *node)
	rec = func(x *node) {
		if x.local == "#text" {
			b.WriteString(x.text)
			return
		}
		if x.space != nsV3 {
			return
		}
		switch x.local {
		case "br":
			b.WriteByte('\n')
			return
		case "renderMultiMedia":
			return
		}
		for _, k := range x.kids {
			rec(k)
		}
		switch x.local {
		case "td", "th":
			b.WriteString(" | ")
		case "tr", "paragraph", "item", "caption", "list", "table", "thead", "tbody", "tfoot", "footnote":
			b.WriteByte('\n')
		}
	}
	rec(n)
	var lines []string
	for _, l := range strings.Split(b.String(), "\n") {
		l = strings.Join(strings.Fields(l), " ")
		l = strings.TrimSpace(strings.TrimSuffix(l, " |"))
		l = strings.TrimSuffix(l, "|")
		if l = strings.TrimSpace(l); l != "" {
			lines = append(lines, l)
		}
	}
	return strings.Join(lines, "\n")
}

// stmtDate is when a statement is from: its effectiveTime (a value, or a
// low; a high alone says "on or before"), else the first nested
// statement's, else its author's time ("on or before"). The field names
// where it came from; str is the date as FHIR writes it, at the
// document's precision.
func stmtDate(stmt *node) (from, until roi.Date, field, str string) {
	if from, until, field, str = ownDate(stmt); field != "" {
		return
	}
	var found bool
	for _, k := range stmt.kids {
		if !k.is("entryRelationship") && !k.is("component") {
			continue
		}
		cs := statement(k)
		if cs == nil {
			continue
		}
		if from, until, field, str = ownDate(cs); field != "" {
			field = k.local + "." + cs.local + "." + field
			found = true
			break
		}
	}
	if found {
		return
	}
	if d, u, _ := parseTS(stmt.path("author", "time").attr("value")); d.Known() {
		if u.Known() {
			return roi.NoDate, u, "author.time", ""
		}
		return roi.NoDate, d, "author.time", ""
	}
	return roi.NoDate, roi.NoDate, "", ""
}

// ownDate reads a statement's own effectiveTime elements; a periodic one
// (a dosing frequency) says nothing of when.
func ownDate(stmt *node) (from, until roi.Date, field, str string) {
	for _, et := range stmt.children("effectiveTime") {
		switch et.xsiType() {
		case "PIVL_TS", "EIVL_TS", "SXPR_TS":
			continue
		}
		if f, u, s := parseTS(et.attr("value")); f.Known() {
			return f, u, "effectiveTime", s
		}
		if f, u, s := parseTS(et.child("low").attr("value")); f.Known() {
			return f, u, "effectiveTime.low", s
		}
		if f, u, _ := parseTS(et.child("center").attr("value")); f.Known() {
			return f, u, "effectiveTime.center", ""
		}
		if f, u, _ := parseTS(et.child("high").attr("value")); f.Known() {
			if u.Known() {
				f = u
			}
			return roi.NoDate, f, "effectiveTime.high", ""
		}
	}
	return roi.NoDate, roi.NoDate, "", ""
}

// parseTS reads an HL7 v3 timestamp (YYYY[MM[DD[HHMM[SS[.S]]]]][+-ZZZZ])
// as a day, or as the span of the month or year it names (from, until);
// str is the date as FHIR writes it (YYYY, YYYY-MM or YYYY-MM-DD). The
// time of day and the zone are not read: the desk keeps days. Anything
// else is no date.
func parseTS(s string) (from, until roi.Date, str string) {
	s = strings.TrimSpace(s)
	n := 0
	for n < len(s) && n < 8 && '0' <= s[n] && s[n] <= '9' {
		n++
	}
	num := func(a, b int) int {
		v := 0
		for _, c := range s[a:b] {
			v = v*10 + int(c-'0')
		}
		return v
	}
	switch {
	case n >= 8:
		d, err := roi.ParseDate(s[0:4] + "-" + s[4:6] + "-" + s[6:8])
		if err != nil {
			return roi.NoDate, roi.NoDate, ""
		}
		return d, roi.NoDate, d.String()
	case n >= 6:
		y, m := num(0, 4), num(4, 6)
		if y < 1 || m < 1 || m > 12 {
			return roi.NoDate, roi.NoDate, ""
		}
		first := roi.MakeDate(y, m, 1)
		next := roi.MakeDate(y+(m/12), m%12+1, 1)
		return first, next.AddDays(-1), s[0:4] + "-" + s[4:6]
	case n >= 4:
		y := num(0, 4)
		if y < 1 {
			return roi.NoDate, roi.NoDate, ""
		}
		return roi.MakeDate(y, 1, 1), roi.MakeDate(y, 12, 31), s[0:4]
	}
	return roi.NoDate, roi.NoDate, ""
}
