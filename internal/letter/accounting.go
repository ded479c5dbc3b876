package letter

import (
	"sort"
	"strconv"
	"strings"

	"github.com/custodian-roi/custodian/internal/doc"
	"github.com/custodian-roi/custodian/internal/roi"
)

// Disclosure is one entry of an accounting, with the elements of
// 164.528(b)(2): the date; the name of the recipient and, if known, the
// address; a brief description of what was disclosed; a brief statement of
// the purpose. workflow.AccountingRow holds them.
type Disclosure struct {
	Date        roi.Date
	Recipient   string
	Address     string // empty when not known
	Description string
	Purpose     string
	// Count and Last make a summary entry (164.528(b)(3)): Count
	// disclosures to the same recipient for the same purpose, the first of
	// them described above, the last made on Last. Count 0 or 1: a single
	// disclosure, and Last is not used.
	Count int
	Last  roi.Date
}

// Accounting returns the accounting of disclosures of 164.528: for each
// disclosure its date, recipient and address if known, a brief description
// and the purpose (164.528(b)(2)), sorted by date; the period covered,
// which defaults to the six years before through; what an accounting does
// not list (164.528(a)(1)); and that the first accounting in any 12 months
// is free (164.528(c)(2)). in supplies the organization, request number,
// letter date and recipient; through defaults to the letter date.
//
// It is not screened like the other outside letters: it goes to the
// individual or their personal representative, who is entitled to it, and
// its descriptions name kinds of records, never their content.
//
// Returns CodeInvalid when the period cannot be set (no letter date and no
// through), when from is after through, or when a disclosure lacks its
// date, recipient, description or purpose (named by its position only).
func Accounting(in Input, from, through roi.Date, ds []Disclosure) (doc.Letter, error) {
	if !through.Known() {
		through = in.Date
	}
	if !through.Known() {
		return doc.Letter{}, invalid("An accounting needs the date it is made or the last day it covers.")
	}
	if !from.Known() {
		from = through.AddYears(-6)
	}
	if from > through {
		return doc.Letter{}, invalid("The period of the accounting starts after it ends.")
	}
	for i, x := range ds {
		if !x.Date.Known() || strings.TrimSpace(x.Recipient) == "" || strings.TrimSpace(x.Description) == "" ||
			strings.TrimSpace(x.Purpose) == "" {
			return doc.Letter{}, invalid("Disclosure " + strconv.Itoa(i+1) + " lacks a date, recipient, description or purpose, which " +
				"an accounting must give (45 CFR 164.528(b)(2)).")
		}
		if x.Count > 1 && (!x.Last.Known() || x.Last < x.Date) {
			return doc.Letter{}, invalid("Summary entry " + strconv.Itoa(i+1) + " lacks the date of its last disclosure, or gives one " +
				"before its first (45 CFR 164.528(b)(3)).")
		}
	}
	summary, total := false, 0
	for _, x := range ds {
		summary = summary || x.Count > 1
		total += max(x.Count, 1)
	}
	ds = append([]Disclosure(nil), ds...)
	sort.SliceStable(ds, func(i, j int) bool { return ds[i].Date < ds[j].Date })

	in.Type = roi.RequestAccounting
	c := in.lang()
	l := head(&in, KindAccounting, c.accountingTitle)
	l.Blocks = append(l.Blocks, doc.P(fill(c.accountingIntro, "from", c.date(from), "through", c.date(through))))
	if len(ds) == 0 {
		l.Blocks = append(l.Blocks, doc.P(c.accountingNone))
	} else {
		rows := make([][]string, 0, len(ds))
		for _, x := range ds {
			addr := strings.TrimSpace(x.Address)
			if addr == "" {
				addr = c.notKnown
			}
			row := []string{c.date(x.Date), x.Recipient, addr, x.Description, x.Purpose}
			if summary {
				// A single disclosure in a summarized table is one, on its date.
				last := x.Last
				if x.Count <= 1 {
					last = x.Date
				}
				row = append(row, strconv.Itoa(max(x.Count, 1)), c.date(last))
			}
			rows = append(rows, row)
		}
		n := c.disclosure[1]
		if total == 1 {
			n = c.disclosure[0]
		}
		header := append([]string(nil), c.accountingHeader...)
		if summary {
			header = append(header, c.accountingSummaryHeader...)
		}
		l.Blocks = append(l.Blocks, doc.P(fill(c.accountingSome, "count", strconv.Itoa(total)+" "+n)))
		if summary {
			l.Blocks = append(l.Blocks, doc.P(c.accountingSummary))
		}
		l.Blocks = append(l.Blocks, doc.Block{Kind: doc.Table, Header: header, Rows: rows})
	}
	l.Blocks = append(l.Blocks, doc.H(c.accountingNotListed),
		doc.Block{Kind: doc.Notice, Text: c.accountingExemptLead + strings.Join(c.exempt, " ") + " (45 CFR 164.528(a)(1))"},
		doc.H(c.fees),
		doc.Block{Kind: doc.Notice, Text: c.feesNotice},
		questions(&in))
	return l, nil
}
