package letter

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/custodian-roi/custodian/internal/doc"
	"github.com/custodian-roi/custodian/internal/roi"
)

// asked describes what the request asked for and on what claim, in words a
// requester recognizes. It names the legal process or permission, never a
// category of record.
func asked(in *Input) string {
	c := in.lang()
	if in.accounting() {
		return c.askedAccounting
	}
	if s, ok := c.asked[in.Basis]; ok {
		return s
	}
	return c.askedOther
}

// opening is the first sentence: which request this letter answers.
func opening(in *Input) string {
	c := in.lang()
	if in.Received.Known() {
		return fill(c.openingReceived, "asked", asked(in), "date", c.date(in.Received))
	}
	return fill(c.opening, "asked", asked(in))
}

// withheldCount says how many records were not released, as one total.
// SECURITY: never a count per reason: a count for the generic reason alone
// could be the count of Part 2 records.
func withheldCount(in *Input) string {
	c := in.lang()
	n := len(in.Withheld)
	if n == 0 {
		return c.withheldNone
	}
	return fill(c.withheldSome, "count", c.count(n, "record"))
}

// Cover returns the cover letter of a release packet: what is enclosed (a
// count of items by kind and their date range; the packet prints the
// index), what was withheld in terms any reader may be told, with the
// rights a denial carries, and, when the decision carries the Part 2
// notice, the 42 CFR 2.32 statement and the consent's scope or copy.
//
// Returns CodeInvalid when nothing is released, or when staff text would
// name a protected category (screen).
func Cover(in Input) (doc.Letter, error) {
	if len(in.Released) == 0 {
		return doc.Letter{}, invalid("Nothing is released on this request, so there is no packet to cover; write a denial instead.")
	}
	c := in.lang()
	l := head(&in, KindCover, c.coverTitle)
	l.Blocks = append(l.Blocks,
		doc.P(fill(c.coverEnclosed, "opening", opening(&in))),
		doc.H(c.coverWhatHeading),
		doc.P(capitalize(kindsOf(&in, in.Released))+c.coverIndex))
	if in.Part2Notice {
		// 42 CFR 2.32: the recipient was consented; the notice and the
		// consent's scope must go with the records.
		what := c.part2Copy
		if in.ConsentScope != "" {
			what = c.part2Scope
		}
		l.Blocks = append(l.Blocks, doc.H(c.part2Heading), doc.P(fill(c.part2Released, "what", what)))
		l.Blocks = append(l.Blocks, part2Blocks(c, in.ConsentScope)...)
	}
	rs := reasonsOf(&in)
	if len(rs) > 0 {
		l.Blocks = append(l.Blocks, doc.H(c.notReleased), doc.P(withheldCount(&in)), reasonList(rs),
			doc.P(c.everythingElse))
		l.Blocks = append(l.Blocks, heldElsewhere(&in)...)
		l.Blocks = append(l.Blocks, cures(&in, rs)...)
		l.Blocks = append(l.Blocks, rights(&in, rs)...)
	}
	l.Blocks = append(l.Blocks, questions(&in))
	if err := screen(l, in.Part2Notice, mentions(rs)); err != nil {
		return doc.Letter{}, err
	}
	return l, nil
}

// Denial returns the written denial of 164.524(d)(2): in plain language,
// the basis for the denial; the right to a review by a licensed health care
// professional who took no part in it when a ground is reviewable
// (164.524(a)(3)), and that the others are not; how to complain to the
// organization and to the Secretary. For a request under an authorization
// or direction it says what was wrong with it and what a valid one needs;
// with HeldElsewhere, where to ask for records the organization does not
// hold (164.524(d)(3)).
//
// Returns CodeInvalid when anything is released (use Partial or Cover),
// when there is no reason to give, or when staff text would name a
// protected category.
func Denial(in Input) (doc.Letter, error) {
	if len(in.Released) > 0 {
		return doc.Letter{}, invalid("Records are released on this request; write a partial denial or a cover letter instead of a denial.")
	}
	rs := reasonsOf(&in)
	if len(rs) == 0 {
		return doc.Letter{}, invalid("A denial must give its basis, and this decision holds no reason.")
	}
	c := in.lang()
	title := c.denialTitle
	if in.Basis == roi.BasisAccess {
		title = c.denialAccessTitle
	}
	l := head(&in, KindDenial, title)
	l.Blocks = append(l.Blocks,
		doc.P(fill(c.denialOpening, "opening", opening(&in))),
		doc.H(c.why), doc.P(withheldCount(&in)), reasonList(rs))
	l.Blocks = append(l.Blocks, heldElsewhere(&in)...)
	l.Blocks = append(l.Blocks, infoBlockingGround(&in)...)
	l.Blocks = append(l.Blocks, cures(&in, rs)...)
	l.Blocks = append(l.Blocks, rights(&in, rs)...)
	l.Blocks = append(l.Blocks, questions(&in))
	if err := screen(l, false, mentions(rs)); err != nil {
		return doc.Letter{}, err
	}
	return l, nil
}

// Partial returns the notice of a partial denial: what is released
// (164.524(d)(1): everything else asked for is provided), and for what is
// withheld the same content as Denial.
//
// Returns CodeInvalid unless something is released and something withheld,
// or when staff text would name a protected category.
func Partial(in Input) (doc.Letter, error) {
	if len(in.Released) == 0 {
		return doc.Letter{}, invalid("Nothing is released on this request; write a denial instead of a partial denial.")
	}
	rs := reasonsOf(&in)
	if len(in.Withheld) == 0 || len(rs) == 0 {
		return doc.Letter{}, invalid("Nothing is withheld on this request; write a cover letter instead of a partial denial.")
	}
	c := in.lang()
	title := c.partialTitle
	if in.Basis == roi.BasisAccess {
		title = c.partialAccessTitle
	}
	l := head(&in, KindPartial, title)
	l.Blocks = append(l.Blocks,
		doc.P(fill(c.partialOpening, "opening", opening(&in))),
		doc.H(c.partialReleasing),
		doc.P(capitalize(kindsOf(&in, in.Released))+c.partialProvided),
		doc.P(c.partialAllElse),
		doc.H(c.partialNotReleasing), doc.P(withheldCount(&in)), reasonList(rs))
	l.Blocks = append(l.Blocks, heldElsewhere(&in)...)
	l.Blocks = append(l.Blocks, infoBlockingGround(&in)...)
	l.Blocks = append(l.Blocks, cures(&in, rs)...)
	l.Blocks = append(l.Blocks, rights(&in, rs)...)
	l.Blocks = append(l.Blocks, questions(&in))
	if err := screen(l, false, mentions(rs)); err != nil {
		return doc.Letter{}, err
	}
	return l, nil
}

// heldElsewhere is 164.524(d)(3): where to ask for records the
// organization does not hold but knows the location of.
func heldElsewhere(in *Input) []doc.Block {
	if strings.TrimSpace(in.HeldElsewhere) == "" {
		return nil
	}
	c := in.lang()
	return []doc.Block{doc.H(c.heldElsewhereHeading), doc.P(c.heldElsewhere + strings.TrimSpace(in.HeldElsewhere))}
}

// Pending returns the notice that the requester must supply something
// before anything can be released: each thing missing, from the decision's
// reasons and the staff's Missing list (code names replaced by the
// standard wording), how to send it, and the deadline still running.
//
// Returns CodeInvalid when nothing is missing, or when staff text would
// name a protected category.
func Pending(in Input) (doc.Letter, error) {
	var needs, whys []string
	seen := map[string]bool{}
	add := func(list *[]string, s string) {
		if s != "" && !seen[s] {
			seen[s] = true
			*list = append(*list, s)
		}
	}
	explain := func(c roi.Code) {
		r := publicReason(&in, c, 0)
		need := r.cure
		if need == "" {
			need = r.text
		}
		add(&needs, need)
		add(&whys, r.text+" ("+strings.Join(r.cite, "; ")+")")
	}
	for _, c := range in.Reasons {
		explain(c)
	}
	for _, m := range in.Missing {
		m = strings.TrimSpace(m)
		if c := roi.Code(m); roi.IsRequestCode(c) || roi.IsItemCode(c) {
			explain(c)
			continue
		}
		add(&needs, m)
	}
	if len(needs) == 0 {
		return doc.Letter{}, invalid("A pending notice must say what is missing, and this decision names nothing.")
	}
	c := in.lang()
	l := head(&in, KindPending, c.pendingTitle)
	l.Blocks = append(l.Blocks,
		doc.P(fill(c.pendingOpening, "opening", opening(&in))),
		doc.L(needs...))
	if len(whys) > 0 {
		l.Blocks = append(l.Blocks, doc.H(c.pendingWhy), doc.L(whys...))
	}
	l.Blocks = append(l.Blocks, infoBlockingGround(&in)...)
	how := c.pendingSendIt
	if in.Org.PortalURL != "" {
		how += fill(c.pendingThrough, "url", in.Org.PortalURL)
	}
	how += c.pendingByMail + reference(&in)
	l.Blocks = append(l.Blocks, doc.H(c.pendingHowHeading), doc.P(how))
	if in.Due.Known() {
		l.Blocks = append(l.Blocks, doc.H(c.timeLimit), doc.P(fill(c.pendingDue, "due", c.date(in.Due))))
	} else {
		l.Blocks = append(l.Blocks, doc.H(c.timeLimit), doc.P(c.pendingNoDue))
	}
	l.Blocks = append(l.Blocks, questions(&in))
	if err := screen(l, false, false); err != nil {
		return doc.Letter{}, err
	}
	return l, nil
}

// Extension returns the written notice that extends the time to act once
// by no more than 30 days (164.524(b)(2)(ii); for an accounting,
// 164.528(c)(1)(ii)): the reasons for the delay and the date by which the
// organization will act. It must be sent within the original time limit.
//
// Returns CodeInvalid when the letter date, the original due date or
// newDue is missing, when the letter is dated after the original due date,
// when newDue is not after it or is more than 30 days after it, when
// reasons is empty, or when reasons would name a protected category. The
// caller checks that the request was not extended before: only one
// extension is allowed.
func Extension(in Input, newDue roi.Date, reasons string) (doc.Letter, error) {
	reasons = strings.TrimSpace(reasons)
	switch {
	case !in.Date.Known() || !in.Due.Known() || !newDue.Known():
		return doc.Letter{}, invalid("An extension notice needs its date, the original due date and the new date.")
	case in.Date > in.Due:
		return doc.Letter{}, invalid("An extension notice must be sent on or before the original due date; that date has passed.")
	case newDue <= in.Due:
		return doc.Letter{}, invalid("The new date must be after the original due date.")
	case newDue > in.Due.AddDays(30):
		return doc.Letter{}, invalid("The new date may be no more than 30 days after the original due date.")
	case reasons == "":
		return doc.Letter{}, invalid("An extension notice must give the reasons for the delay.")
	}
	days, cite := "30", "45 CFR 164.524(b)(2)(ii)"
	if in.accounting() {
		days, cite = "60", "45 CFR 164.528(c)(1)(ii)"
	}
	c := in.lang()
	l := head(&in, KindExtension, c.extensionTitle)
	first := fill(c.extensionWeHave, "asked", asked(&in))
	if in.Received.Known() {
		first = fill(c.extensionOn, "date", c.date(in.Received), "asked", asked(&in))
	}
	first += fill(c.extensionReceived, "days", days, "due", c.date(in.Due))
	if !strings.HasSuffix(reasons, ".") {
		reasons += "."
	}
	l.Blocks = append(l.Blocks, doc.P(first),
		doc.Block{Kind: doc.Notice, Text: fill(c.extensionNotice, "reasons", reasons, "newDue", c.date(newDue), "cite", cite)},
		doc.P(c.extensionOnce),
		questions(&in))
	if err := screen(l, false, false); err != nil {
		return doc.Letter{}, err
	}
	return l, nil
}

func capitalize(s string) string {
	if s == "" {
		return s
	}
	r, n := utf8.DecodeRuneInString(s)
	return string(unicode.ToUpper(r)) + s[n:]
}
