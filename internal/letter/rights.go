package letter

import (
	"strings"
	"unicode"

	"github.com/custodian-roi/custodian/internal/doc"
	"github.com/custodian-roi/custodian/internal/roi"
)

// The Secretary's complaint routes, for 164.524(d)(2)(iii) and
// 164.530(d): HHS Office for Civil Rights. Checked against hhs.gov and
// ocrportal.hhs.gov (docs/LETTERS.md says when and where); change them here
// only.
const (
	HHSComplaintURL   = "www.hhs.gov/hipaa/filing-a-complaint"
	HHSComplaintPhone = "1-800-368-1019"
	HHSComplaintTDD   = "1-800-537-7697"
	HHSComplaintMail  = "U.S. Department of Health and Human Services, Office for Civil Rights, 200 Independence Avenue, S.W., " +
		"Washington, D.C. 20201"
)

// reasonList writes each reason with its authority.
func reasonList(rs []reason) doc.Block {
	items := make([]string, 0, len(rs))
	for _, r := range rs {
		s := r.text
		if len(r.cite) > 0 {
			s += " (" + strings.Join(r.cite, "; ") + ")"
		}
		items = append(items, s)
	}
	return doc.L(items...)
}

// cures says what would allow the request, when anything would.
func cures(in *Input, rs []reason) []doc.Block {
	var items []string
	seen := map[string]bool{}
	for _, r := range rs {
		if r.cure != "" && !seen[r.cure] {
			seen[r.cure] = true
			items = append(items, r.cure)
		}
	}
	if len(items) == 0 {
		return nil
	}
	c := in.lang()
	out := []doc.Block{doc.H(c.whatYouCanDo), doc.P(c.mayResend), doc.L(items...)}
	var codes = in.Reasons
	for _, code := range in.Withheld {
		codes = append(codes, code)
	}
	if needsAuthorization(codes) {
		if in.Basis == roi.BasisDirective {
			out = append(out, doc.P(c.directiveElements))
		} else {
			out = append(out, doc.P(c.validAuthorization), doc.L(c.authorizationElements...), doc.P(c.authorizationRules))
		}
	}
	return out
}

// rights is what every denial must say after its basis (164.524(d)(2)(ii)
// and (iii)): the right to a review when a ground is reviewable, that the
// others are not, and how to complain to the organization and to the
// Secretary.
func rights(in *Input, rs []reason) []doc.Block {
	reviewable, other := 0, 0
	for _, r := range rs {
		if r.review {
			reviewable++
		} else {
			other++
		}
	}
	c := in.lang()
	var out []doc.Block
	if reviewable > 0 {
		out = append(out, doc.H(c.reviewHeading),
			doc.Block{Kind: doc.Notice, Text: fill(c.reviewNotice, "contact", contact(c, in.Org), "ref", reference(in))})
		if other > 0 {
			out = append(out, doc.P(c.noReviewOther))
		}
	} else if other > 0 {
		out = append(out, doc.P(c.noReview))
	}
	out = append(out, doc.H(c.complainHeading), complaint(in))
	return out
}

// complaint is the statement of 164.524(d)(2)(iii): to the organization,
// naming its contact person or office and telephone number, and to the
// Secretary.
func complaint(in *Input) doc.Block {
	c := in.lang()
	return doc.Block{Kind: doc.Notice, Text: fill(c.complaint, "contact", contact(c, in.Org), "ref", reference(in),
		"url", HHSComplaintURL, "phone", HHSComplaintPhone, "tdd", HHSComplaintTDD, "mail", c.hhsMail)}
}

// questions closes an outside letter.
func questions(in *Input) doc.Block {
	c := in.lang()
	s := fill(c.questions, "contact", contact(c, in.Org)) + reference(in)
	if in.Org.PortalURL != "" {
		s += fill(c.followAt, "url", in.Org.PortalURL)
	}
	return doc.P(s)
}

// Protected terms, for screen, as lower-case words; a trailing * matches
// any ending. part2Terms may appear only in a cover letter for a release
// under a Part 2 consent, and then only because the 2.32 notice says "42
// CFR part 2". alwaysTerms name a substance use disorder or a category of
// record no outside reader is told about. mentalTerms appear only where the
// reader is entitled to the psychotherapy-note basis.
var (
	// Spanish terms are screened in every letter: staff may write either
	// language whatever the letter's.
	part2Terms  = []string{"part 2", "part2", "42 cfr", "42 c f r", "parte 2"}
	alwaysTerms = []string{"sud", "suds", "substance*", "addict*", "alcohol*", "opioid*", "opiate*", "methadone", "buprenorphine",
		"naltrexone", "detox*", "counseling note*", "counselling note*", "hiv", "reproductive", "abortion*", "contracept*", "genetic*",
		"sexually transmitted", "minor consent*", "consented alone",
		"sustancia", "sustancias", "adicci*", "adicto*", "alcoh*", "opioide*", "opiáceo*", "opiaceo*", "metadona", "buprenorfina", "naltrexona",
		"desintoxicaci*", "drogodependencia*", "toxicoman*", "vih", "sida", "reproductiv*", "aborto*", "anticoncep*", "genétic*",
		"genetic*", "transmisión sexual", "transmision sexual", "consentimiento del menor", "consintió solo", "consintió sola"}
	mentalTerms = []string{"psychotherap*", "mental health", "psychiatr*", "behavioral health", "behavioural health",
		"psicoterap*", "salud mental", "psiquiatr*", "psiquiátr*", "salud conductual"}
)

// words returns text in lower case with every run of characters other than
// letters and digits replaced by one space, and a space at each end, so
// that a term is found only as whole words.
func words(text string) string {
	var b strings.Builder
	b.Grow(len(text) + 2)
	b.WriteByte(' ')
	space := true
	for _, r := range strings.ToLower(text) {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			b.WriteRune(r)
			space = false
		} else if !space {
			b.WriteByte(' ')
			space = true
		}
	}
	if !space {
		b.WriteByte(' ')
	}
	return b.String()
}

// hasTerm reports whether norm (from words) holds any of terms.
func hasTerm(norm string, terms []string) bool {
	for _, t := range terms {
		if p, ok := strings.CutSuffix(t, "*"); ok {
			if strings.Contains(norm, " "+p) {
				return true
			}
		} else if strings.Contains(norm, " "+t+" ") {
			return true
		}
	}
	return false
}

// screen is the last check on an outside letter: if any block names a
// protected term the reader may not be told, the letter is not returned.
// It catches staff free text (Missing, HeldElsewhere, extension reasons)
// as well as any future edit of this package's own words.
// SECURITY: 42 CFR 2.13(c). The error names neither the term nor the
// field: the term itself, next to a request, would be the disclosure.
func screen(l doc.Letter, allowPart2, allowMental bool) error {
	var b strings.Builder
	b.WriteString(l.Title + "\n")
	doc.WriteBlocks(&b, l.Blocks)
	norm := words(b.String())
	bad := hasTerm(norm, alwaysTerms) ||
		(!allowPart2 && hasTerm(norm, part2Terms)) ||
		(!allowMental && hasTerm(norm, mentalTerms))
	if bad {
		return invalid("The letter would name a protected category of records to a reader who may not learn it; reword the staff text " +
			"(what is missing, where records are held, reasons for delay) in general terms.")
	}
	return nil
}

// mentions reports whether a reason that names psychotherapy notes was
// included, which the reader is then entitled to see.
func mentions(rs []reason) bool {
	for _, r := range rs {
		if r.key == "psychotherapy-note-access-excluded" {
			return true
		}
	}
	return false
}
