// Package letter writes every letter the desk sends, and the one it keeps
// inside, from the stored decision: the cover letter of a release packet,
// the denial and partial-denial notices of 45 CFR 164.524(d), the pending
// notice, the extension notice of 164.524(b)(2)(ii) and 164.528(c)(1), the
// accounting of disclosures of 164.528(b), and the escalation summary for
// the privacy officer.
//
// It decides words, not layout: every function returns a doc.Letter that
// package packet renders. It performs no I/O and never reads the clock; the
// date of a letter is an input.
//
// SECURITY: a letter that leaves the organization (cover, denial, partial
// denial, pending, extension) must never affirmatively reveal that the
// patient has or had a substance use disorder diagnosis or treatment
// (42 CFR 2.13(c)), nor name a category of record (HIV under state law,
// care a minor consented to alone) to a reader who is not entitled to learn
// it. Withholdings for those reasons share one generic sentence and generic
// citations (reasons.go), withheld items are counted only in a single total,
// and every outside letter is screened for protected terms before it is
// returned (screen.go). The one exception is a release made under a Part 2
// consent (Input.Part2Notice): the recipient was consented, and 42 CFR 2.32
// requires the notice to go with the records.
//
// PHI: a letter is PHI. Errors returned here are safe to show and never
// hold names, dates of a patient or titles of records.
package letter

import (
	"strconv"
	"strings"

	"github.com/custodian-roi/custodian/internal/doc"
	"github.com/custodian-roi/custodian/internal/roi"
)

// The kinds of letter, as set in doc.Letter.Kind.
const (
	KindCover      = "cover"
	KindDenial     = "denial"
	KindPartial    = "partial-denial"
	KindPending    = "pending"
	KindExtension  = "extension"
	KindEscalation = "escalation"
	KindAccounting = "accounting"
)

// Org is the organization that sends the letters, from configuration.
// PrivacyContact and PrivacyPhone are the contact person or office that
// 164.524(d)(2)(iii) and 164.530(a)(1)(ii) require a denial to name.
type Org struct {
	Name           string
	Address        []string
	Phone          string
	PrivacyContact string // a name or a title, e.g. "Privacy Officer"
	PrivacyPhone   string
	PrivacyEmail   string
	PortalURL      string
}

// Item is one chart item in scope of the request, as the letters need it.
// Outside letters use only Type and Date of released items and Labels of
// withheld ones (to decide what may be said); Title is printed only in the
// internal escalation summary.
type Item struct {
	Key    string
	Date   roi.Date
	Type   string // encounter, document, report ...
	Title  string
	Labels roi.Labels
}

// Input is what every request letter is written from: the organization,
// the request, and the stored decision (workflow.Final and the evaluation
// it rests on).
type Input struct {
	Org    Org
	Number string   // the request number people quote
	Date   roi.Date // the date of the letter
	To     []string // the recipient: name, then address lines

	Type      roi.RequestType // RequestRecords when empty
	Basis     roi.Basis
	Requester roi.Kind
	Received  roi.Date
	Due       roi.Date // NoDate when no deadline applies

	Outcome  roi.Outcome
	Reasons  []roi.Code          // request-level codes
	Items    []Item              // the items in scope, for kinds, dates and labels
	Released []string            // keys of the released items
	Withheld map[string]roi.Code // key of each withheld item and its code

	// Missing says what the requester must supply (pending): free text
	// written by staff for the requester, or code names, which are
	// replaced by the standard wording.
	Missing []string
	// Note is the staff member's note on the decision. It is internal: it
	// is printed only in the escalation summary.
	Note string
	// Part2Notice: Part 2 records are released under the patient's written
	// consent, and the 42 CFR 2.32 notice goes with them.
	Part2Notice bool
	// ConsentScope is a clear explanation of the scope of the consent
	// (2.32(b)); empty means a copy of the consent is enclosed instead.
	ConsentScope string
	// HeldElsewhere says where records the organization does not hold can
	// be asked for (164.524(d)(3)); empty when not known.
	HeldElsewhere string
	// Language is the language of an outside letter: the request's
	// (English when empty). Staff text (Missing, HeldElsewhere, extension
	// reasons) is printed as written. The escalation summary is internal
	// and always in English.
	Language roi.Language
	// InfoBlocking is the decision's Part 171 exception per withheld item
	// and for the request (access and directive requests); the letters to
	// the individual name each ground in plain words, never none.
	InfoBlocking map[string]roi.Exception
}

func (in *Input) accounting() bool { return in.Type == roi.RequestAccounting }

// entitled reports whether the reader of the letter is the individual or
// stands in the individual's shoes for a right of access, and so may be
// told the basis of an access denial in its own terms.
func (in *Input) entitled() bool {
	return in.Basis == roi.BasisAccess && (in.Requester == roi.KindPatient || in.Requester == roi.KindRepresentative)
}

func (in *Input) item(key string) (Item, bool) {
	for _, it := range in.Items {
		if it.Key == key {
			return it, true
		}
	}
	return Item{}, false
}

// head returns a letter with its heading filled in.
// A letter in another language than English writes its date and
// reference line in that language too; English letters keep the ISO date.
func head(in *Input, kind, title string) doc.Letter {
	c := in.lang()
	l := doc.Letter{Kind: kind, Title: title, Reference: in.Number, Date: in.Date,
		From: from(c, in.Org), To: append([]string(nil), in.To...), ReLabel: c.reLabel}
	if c.lang != roi.LanguageEnglish {
		l.DateText = c.date(in.Date)
	}
	return l
}

func from(c *catalog, o Org) []string {
	out := []string{}
	if o.Name != "" {
		out = append(out, o.Name)
	}
	out = append(out, o.Address...)
	if o.Phone != "" {
		out = append(out, c.telephone+o.Phone)
	}
	return out
}

// contact is how to reach the privacy office, for questions, for what a
// pending notice asks for, for review and for complaints.
func contact(c *catalog, o Org) string {
	who := o.PrivacyContact
	if who == "" {
		who = c.privacyOffice
	}
	s := who
	var ways []string
	if o.PrivacyPhone != "" {
		ways = append(ways, c.byPhone+o.PrivacyPhone)
	} else if o.Phone != "" {
		ways = append(ways, c.byPhone+o.Phone)
	}
	if o.PrivacyEmail != "" {
		ways = append(ways, c.byEmail+o.PrivacyEmail)
	}
	if len(o.Address) > 0 {
		ways = append(ways, c.byMail)
	}
	if len(ways) > 0 {
		s += ", " + join(ways, c.or)
	}
	return s
}

// reference asks the reader to quote the request number.
func reference(in *Input) string {
	if in.Number == "" {
		return ""
	}
	return " " + fill(in.lang().quote, "n", in.Number)
}

// kindsOf describes released items by kind and date range, never by
// content: "3 encounters and 1 document, dated March 1, 2024 to May 2,
// 2025". The packet prints the index of items.
func kindsOf(in *Input, keys []string) string {
	c := in.lang()
	counts := map[string]int{}
	var order []string
	lo, hi := roi.NoDate, roi.NoDate
	for _, k := range keys {
		it, ok := in.item(k)
		t := strings.TrimSpace(it.Type)
		if !ok || t == "" {
			t = "record"
		}
		if counts[t] == 0 {
			order = append(order, t)
		}
		counts[t]++
		if it.Date.Known() {
			if !lo.Known() || it.Date < lo {
				lo = it.Date
			}
			if it.Date > hi {
				hi = it.Date
			}
		}
	}
	var parts []string
	for _, t := range order {
		parts = append(parts, c.count(counts[t], t))
	}
	s := join(parts, c.and)
	switch {
	case lo.Known() && lo == hi:
		s += fill(c.datedOne, "date", c.date(lo))
	case lo.Known():
		s += fill(c.datedRange, "from", c.date(lo), "through", c.date(hi))
	}
	return s
}

// count returns "1 record" or "3 records".
func count(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	switch {
	case strings.HasSuffix(noun, "s"), strings.HasSuffix(noun, "x"), strings.HasSuffix(noun, "ch"):
		return strconv.Itoa(n) + " " + noun + "es"
	case strings.HasSuffix(noun, "y") && !strings.HasSuffix(noun, "ey"):
		return strconv.Itoa(n) + " " + noun[:len(noun)-1] + "ies"
	}
	return strconv.Itoa(n) + " " + noun + "s"
}

// join joins a list as English: "a", "a and b", "a, b and c".
func join(parts []string, and string) string {
	switch len(parts) {
	case 0:
		return ""
	case 1:
		return parts[0]
	}
	return strings.Join(parts[:len(parts)-1], ", ") + " " + and + " " + parts[len(parts)-1]
}

// longDate writes a date the way an English letter does: "March 1, 2026".
func longDate(d roi.Date) string { return english.date(d) }

// invalid returns the error for an input a letter cannot be written from.
// The message never holds PHI: callers pass fixed sentences only.
func invalid(msg string) error { return roi.Errorf(roi.CodeInvalid, "%s", msg) }
