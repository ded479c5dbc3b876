package letter

import (
	"strings"

	"github.com/custodian-roi/custodian/internal/doc"
	"github.com/custodian-roi/custodian/internal/roi"
)

// asked describes what the request asked for and on what claim, in words a
// requester recognizes. It names the legal process or permission, never a
// category of record.
func asked(in *Input) string {
	if in.accounting() {
		return "for an accounting of disclosures"
	}
	switch in.Basis {
	case roi.BasisAccess:
		return "for a copy of records, under the individual's right of access"
	case roi.BasisDirective:
		return "to send a copy of records to a person the individual designated in writing"
	case roi.BasisAuthorization:
		return "for records, under the patient's written authorization"
	case roi.BasisTreatment:
		return "for records for the patient's treatment"
	case roi.BasisPayment:
		return "for records for payment purposes"
	case roi.BasisOperations:
		return "for records for health care operations"
	case roi.BasisSubpoena:
		return "for records, by subpoena"
	case roi.BasisCourtOrder:
		return "for records, by court order"
	case roi.BasisWarrant:
		return "for records, by warrant"
	case roi.BasisLawEnforcement:
		return "for records, for law enforcement purposes"
	case roi.BasisPublicHealth:
		return "for records, for public health activities"
	case roi.BasisHealthOversight:
		return "for records, for health oversight activities"
	case roi.BasisWorkersComp:
		return "for records, for workers' compensation"
	case roi.BasisCoroner:
		return "for records, for the duties of a coroner or medical examiner"
	}
	return "for records"
}

// opening is the first sentence: which request this letter answers.
func opening(in *Input) string {
	s := "your request " + asked(in)
	if in.Received.Known() {
		s += ", received " + longDate(in.Received)
	}
	return s
}

// withheldCount says how many records were not released, as one total.
// SECURITY: never a count per reason: a count for the generic reason alone
// could be the count of Part 2 records.
func withheldCount(in *Input) string {
	n := len(in.Withheld)
	if n == 0 {
		return "We did not release the records you asked for, for the following reasons:"
	}
	return "We did not release " + count(n, "record") + " within your request, for the following reasons:"
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
	l := head(&in, KindCover, "Records enclosed")
	l.Blocks = append(l.Blocks,
		doc.P("Enclosed are copies of the records released in answer to "+opening(&in)+"."),
		doc.H("What is enclosed"),
		doc.P(capitalize(kindsOf(&in, in.Released))+". An index listing each enclosed item follows this letter."))
	if in.Part2Notice {
		// 42 CFR 2.32: the recipient was consented; the notice and the
		// consent's scope must go with the records.
		what := "a copy of the patient's consent"
		if in.ConsentScope != "" {
			what = "an explanation of the scope of the patient's consent"
		}
		l.Blocks = append(l.Blocks, doc.H("Records released with the patient's consent"),
			doc.P("Some of the enclosed records are protected by federal confidentiality rules (42 CFR part 2) and are released under "+
				"the patient's written consent. As 42 CFR 2.32 requires, the statement below and "+what+" go with them."))
		l.Blocks = append(l.Blocks, Part2Blocks(in.ConsentScope)...)
	}
	rs := reasonsOf(&in)
	if len(rs) > 0 {
		l.Blocks = append(l.Blocks, doc.H("What was not released"), doc.P(withheldCount(&in)), reasonList(rs),
			doc.P("Everything else within your request that we hold is enclosed."))
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
	title := "Notice of denial"
	if in.Basis == roi.BasisAccess {
		title = "Notice of denial of access"
	}
	l := head(&in, KindDenial, title)
	l.Blocks = append(l.Blocks,
		doc.P("We have reviewed "+opening(&in)+". We are unable to release the records you asked for."),
		doc.H("Why"), doc.P(withheldCount(&in)), reasonList(rs))
	l.Blocks = append(l.Blocks, heldElsewhere(&in)...)
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
	title := "Notice of partial denial"
	if in.Basis == roi.BasisAccess {
		title = "Notice of partial denial of access"
	}
	l := head(&in, KindPartial, title)
	l.Blocks = append(l.Blocks,
		doc.P("We have reviewed "+opening(&in)+". We are releasing some of the records you asked for, and cannot release others."),
		doc.H("What we are releasing"),
		doc.P(capitalize(kindsOf(&in, in.Released))+". These records are provided with this notice, with an index of each item."),
		doc.P("We have provided everything else within your request that we hold, leaving out only the records described below."),
		doc.H("What we are not releasing, and why"), doc.P(withheldCount(&in)), reasonList(rs))
	l.Blocks = append(l.Blocks, heldElsewhere(&in)...)
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
	return []doc.Block{doc.H("Records we do not hold"),
		doc.P("We do not hold some of the records you asked for. You may ask for them from: " + strings.TrimSpace(in.HeldElsewhere))}
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
	l := head(&in, KindPending, "We need more information to act on your request")
	l.Blocks = append(l.Blocks,
		doc.P("We have reviewed "+opening(&in)+". Before we can release any records, we need the following from you:"),
		doc.L(needs...))
	if len(whys) > 0 {
		l.Blocks = append(l.Blocks, doc.H("Why we ask"), doc.L(whys...))
	}
	how := "Send it"
	if in.Org.PortalURL != "" {
		how += " through " + in.Org.PortalURL + ","
	}
	how += " by mail to the address above, or bring it to our office." + reference(&in)
	l.Blocks = append(l.Blocks, doc.H("How to send it"), doc.P(how))
	if in.Due.Known() {
		l.Blocks = append(l.Blocks, doc.H("Time limit"),
			doc.P("The law requires us to act on your request by "+longDate(in.Due)+", and that time keeps running while we wait. "+
				"If we have not received what is listed above by then, we may have to deny the request; you may make a new request at "+
				"any time."))
	} else {
		l.Blocks = append(l.Blocks, doc.H("Time limit"),
			doc.P("Your request will stay open, and nothing will be released, until we receive what is listed above."))
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
	l := head(&in, KindExtension, "Notice of extension of time to act on your request")
	first := "We have "
	if in.Received.Known() {
		first = "On " + longDate(in.Received) + " we "
	}
	first += "received " + "your request " + asked(&in) + ". The law requires us to act on it within " + days +
		" days, by " + longDate(in.Due) + ", unless we tell you in writing, within that time, why we need more time and when we will act."
	if !strings.HasSuffix(reasons, ".") {
		reasons += "."
	}
	l.Blocks = append(l.Blocks, doc.P(first),
		doc.Block{Kind: doc.Notice, Text: "We need more time for the following reasons: " + reasons + " We will act on your request no " +
			"later than " + longDate(newDue) + ". (" + cite + ")"},
		doc.P("The law allows one extension of no more than 30 days; we will not extend this date again."),
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
	return strings.ToUpper(s[:1]) + s[1:]
}
