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
}

// exempt is the statement of what an accounting leaves out,
// 164.528(a)(1)(i)-(ix), in plain words.
var exempt = []string{
	"for treatment, payment or health care operations;",
	"to you, or to a person you designated as part of your right of access;",
	"incident to another use or disclosure the law permits;",
	"under your written authorization;",
	"for a facility directory, or to people involved in your care, or for notification purposes;",
	"for national security or intelligence purposes;",
	"to correctional institutions or law enforcement officials having lawful custody of you;",
	"as part of a limited data set;",
	"before April 14, 2003, when these rules took effect.",
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
	}
	ds = append([]Disclosure(nil), ds...)
	sort.SliceStable(ds, func(i, j int) bool { return ds[i].Date < ds[j].Date })

	in.Type = roi.RequestAccounting
	l := head(&in, KindAccounting, "Accounting of disclosures")
	l.Blocks = append(l.Blocks,
		doc.P("This is the accounting of disclosures of your health information that you asked for. It covers "+longDate(from)+
			" through "+longDate(through)+". You may ask for a shorter period (45 CFR 164.528(a))."))
	if len(ds) == 0 {
		l.Blocks = append(l.Blocks, doc.P("We made no disclosures in this period that the law requires us to list."))
	} else {
		rows := make([][]string, 0, len(ds))
		for _, x := range ds {
			addr := strings.TrimSpace(x.Address)
			if addr == "" {
				addr = "not known"
			}
			rows = append(rows, []string{longDate(x.Date), x.Recipient, addr, x.Description, x.Purpose})
		}
		l.Blocks = append(l.Blocks,
			doc.P("We made "+count(len(ds), "disclosure")+" in this period that the law requires us to list:"),
			doc.Block{Kind: doc.Table, Header: []string{"Date", "Recipient", "Address", "What was disclosed", "Purpose"}, Rows: rows})
	}
	l.Blocks = append(l.Blocks, doc.H("What this accounting does not list"),
		doc.Block{Kind: doc.Notice, Text: "The law does not require an accounting to list disclosures made: " + strings.Join(exempt, " ") +
			" (45 CFR 164.528(a)(1))"},
		doc.H("Fees"),
		doc.Block{Kind: doc.Notice, Text: "The first accounting you ask for in any 12-month period is free. For another within the same 12 " +
			"months we may charge a reasonable, cost-based fee; we will tell you the fee in advance, and you may then withdraw or change " +
			"your request to avoid or reduce it. (45 CFR 164.528(c)(2))"},
		questions(&in))
	return l, nil
}
