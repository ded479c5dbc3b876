package letter

import (
	"strconv"
	"strings"

	"github.com/custodian-roi/custodian/internal/roi"
)

// catalog is every word an outside letter says, in one language. The
// letters are written from it (lang.go's english and spanish); the code
// that decides what to say (outside.go, reasons.go, rights.go,
// accounting.go) holds no sentence of its own. Citations are not in the
// catalog: they are the same in every language.
//
// Templates mark what the code fills in with {braces}: {n} a request
// number, {opening} the sentence naming the request, {kinds} the released
// records by kind and date, {contact} how to reach the privacy office,
// {date}, {due}, {newDue}, {days}, {cite}, {url}, {what}, {reasons},
// {from}, {through}, {count}, {form} the authorization or written
// direction, {a form} the same with its indefinite article.
//
// TestCatalogComplete checks that Spanish says everything English says.
// The escalation summary is internal and stays in English.
type catalog struct {
	lang roi.Language

	// Heading and contact.
	telephone     string // "Telephone "
	reLabel       string // "Re: request", before the request number
	privacyOffice string
	byPhone       string
	byEmail       string
	byMail        string
	and, or       string
	quote         string // {n}
	months        [12]string
	longDate      func(y int, month string, d int) string
	datedOne      string // {date}
	datedRange    string // {from} {through}
	// nouns names kinds of chart item (singular, plural); a kind not
	// listed is "record". English counts any kind by its own name.
	nouns map[string][2]string

	// The request, as the letters name it.
	askedAccounting string
	asked           map[roi.Basis]string
	askedOther      string
	opening         string // {asked}
	openingReceived string // {asked} {date}
	withheldNone    string
	withheldSome    string // {count}

	// Cover letter.
	coverTitle        string
	coverEnclosed     string // {opening}
	coverWhatHeading  string
	coverIndex        string
	part2Copy         string
	part2Scope        string
	part2Heading      string
	part2Released     string // {what}
	part2ScopeOf      string
	part2CopyEnclosed string
	// part2Translation introduces a translation of the 2.32 statement,
	// which is given first in the words of the regulation; empty in
	// English. part2Statement is that translation.
	part2Translation string
	part2Statement   string
	notReleased      string
	everythingElse   string

	// Denial and partial denial.
	denialTitle       string
	denialAccessTitle string
	denialOpening     string // {opening}
	why               string
	// The ground under the information-blocking rules (45 CFR Part 171)
	// that a denial, a partial denial or a hold of the individual's
	// access rests on, in plain words; ibGround has no entry for
	// roi.ExceptionNone, which is never printed (infoblocking.go).
	ibHeading            string
	ibIntro              string
	ibGround             map[roi.Exception]string
	partialTitle         string
	partialAccessTitle   string
	partialOpening       string // {opening}
	partialReleasing     string
	partialProvided      string
	partialAllElse       string
	partialNotReleasing  string
	heldElsewhereHeading string
	heldElsewhere        string

	// Pending.
	pendingTitle      string
	pendingOpening    string // {opening}
	pendingWhy        string
	pendingSendIt     string
	pendingThrough    string // {url}
	pendingByMail     string
	pendingHowHeading string
	timeLimit         string
	pendingDue        string // {due}
	pendingNoDue      string

	// Extension.
	extensionTitle    string
	extensionWeHave   string // {asked}
	extensionOn       string // {date} {asked}
	extensionReceived string // {days} {due}
	extensionNotice   string // {reasons} {newDue} {cite}
	extensionOnce     string

	// Reasons, cures and rights.
	special               reasonWords
	reasons               map[roi.Code]reasonWords
	directiveIncomplete   string
	form                  string
	directiveForm         string
	aForm                 string
	aDirectiveForm        string
	newForm               string // {form}
	authorizationElements []string
	authorizationRules    string
	directiveElements     string
	authorityCure         map[roi.Basis]string
	authorityCureOther    string
	whatYouCanDo          string
	mayResend             string
	validAuthorization    string
	reviewHeading         string
	reviewNotice          string // {contact} {ref}
	noReviewOther         string
	noReview              string
	complainHeading       string
	complaint             string // {contact} {ref} {url} {phone} {tdd} {mail}
	hhsMail               string
	questions             string // {contact}
	followAt              string // {url}

	// Accounting of disclosures.
	accountingTitle      string
	accountingIntro      string // {from} {through}
	accountingNone       string
	accountingSome       string // {count}
	disclosure           [2]string
	notKnown             string
	accountingHeader     []string
	accountingNotListed  string
	accountingExemptLead string
	exempt               []string
	fees                 string
	feesNotice           string

	// Summary entries of an accounting (164.528(b)(3)): the two more
	// columns a summarized table has, and the sentence that explains them.
	accountingSummaryHeader []string
	accountingSummary       string
}

// reasonWords is what a letter says of one reason: the basis and what
// would cure it. {form} and {a form} stand for the authorization or the
// written direction.
type reasonWords struct {
	text, cure string
}

// fill replaces each {key} in template t by its value; pairs alternate
// key and value.
// Replacement is one pass: a value (staff text, say) is never searched for
// keys itself.
func fill(t string, pairs ...string) string {
	old := make([]string, 0, len(pairs))
	for i := 0; i+1 < len(pairs); i += 2 {
		old = append(old, "{"+pairs[i]+"}", pairs[i+1])
	}
	return strings.NewReplacer(old...).Replace(t)
}

// lang returns the catalog of the letter's language: Spanish for "es",
// English otherwise.
func (in *Input) lang() *catalog {
	if in.Language == roi.LanguageSpanish {
		return &spanish
	}
	return &english
}

// count returns "1 record" or "3 records" in the catalog's language.
func (c *catalog) count(n int, kind string) string {
	if w, ok := c.nouns[kind]; ok {
		if n == 1 {
			return "1 " + w[0]
		}
		return strconv.Itoa(n) + " " + w[1]
	}
	if c.lang == roi.LanguageSpanish {
		w := c.nouns["record"]
		if n == 1 {
			return "1 " + w[0]
		}
		return strconv.Itoa(n) + " " + w[1]
	}
	return count(n, kind)
}

// date writes a date the way a letter does in the catalog's language.
func (c *catalog) date(d roi.Date) string {
	if !d.Known() {
		return ""
	}
	y, m, dd := d.Civil()
	return c.longDate(y, c.months[m-1], dd)
}
