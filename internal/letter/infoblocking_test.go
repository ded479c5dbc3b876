package letter

import (
	"strings"
	"testing"

	"github.com/custodian-roi/custodian/internal/roi"
)

// A denial of access names the Part 171 ground it rests on in plain words
// with its citation, in English and in Spanish; none is never printed, nor
// any code; a ground used twice is said once; a disclosure that is not the
// individual's access carries no Part 171 section.
func TestLettersNameTheInfoBlockingGround(t *testing.T) {
	in := base(roi.BasisAccess, roi.KindPatient)
	in.Outcome, in.Reasons = roi.OutcomeDeny, []roi.Code{roi.CodeIdentityUnverified}
	in.InfoBlocking = map[string]roi.Exception{roi.InfoBlockingRequest: roi.ExceptionPrivacyPrecondition}

	l, err := Denial(in)
	if err != nil {
		t.Fatal(err)
	}
	text := l.Text()
	for _, want := range []string{"The legal ground for withholding or delaying", "45 CFR part 171",
		"A condition that privacy law sets before release", "(45 CFR 171.202(b))"} {
		if !strings.Contains(text, want) {
			t.Errorf("the denial lacks %q:\n%s", want, text)
		}
	}

	es := in
	es.Language = roi.LanguageSpanish
	l, err = Denial(es)
	if err != nil {
		t.Fatal(err)
	}
	text = l.Text()
	for _, want := range []string{"El fundamento legal para retener o demorar", "No se ha cumplido una condición", "(45 CFR 171.202(b))"} {
		if !strings.Contains(text, want) {
			t.Errorf("the Spanish denial lacks %q:\n%s", want, text)
		}
	}
	if strings.Contains(text, "A condition that privacy law") {
		t.Errorf("English ground in the Spanish letter:\n%s", text)
	}

	// A partial denial whose entries are one real ground twice and a none
	// (explained by the privacy officer): the ground once, none never.
	part := base(roi.BasisAccess, roi.KindPatient)
	part.Outcome = roi.OutcomePartial
	part.Released = []string{"Encounter/1"}
	part.Withheld = map[string]roi.Code{"Encounter/2": roi.CodeReviewableHarm, "DocumentReference/3": roi.CodeReviewableHarm,
		"DocumentReference/9": roi.CodeMinimumNecessary}
	part.InfoBlocking = map[string]roi.Exception{"Encounter/2": roi.ExceptionPreventingHarm, "DocumentReference/3": roi.ExceptionPreventingHarm,
		"DocumentReference/9": roi.ExceptionNone}
	l, err = Partial(part)
	if err != nil {
		t.Fatal(err)
	}
	text = l.Text()
	if n := strings.Count(text, "(45 CFR 171.201)"); n != 1 {
		t.Errorf("the harm ground is said %d times, want once:\n%s", n, text)
	}
	for _, code := range []string{"none", "preventing-harm", "privacy-precondition"} {
		if strings.Contains(strings.ToLower(text), code) {
			t.Errorf("the letter prints %q:\n%s", code, text)
		}
	}

	// Only none: nothing to name, no section.
	part.InfoBlocking = map[string]roi.Exception{"DocumentReference/9": roi.ExceptionNone}
	if l, err = Partial(part); err != nil || strings.Contains(l.Text(), "45 CFR part 171") {
		t.Errorf("a letter resting only on none has a Part 171 section (%v):\n%s", err, l.Text())
	}

	// Not the individual's access: no section even if a map is passed.
	auth := base(roi.BasisAuthorization, roi.KindAttorney)
	auth.Outcome, auth.Reasons = roi.OutcomeDeny, []roi.Code{roi.CodeAuthorizationExpired}
	auth.InfoBlocking = map[string]roi.Exception{roi.InfoBlockingRequest: roi.ExceptionPrivacyPrecondition}
	if l, err = Denial(auth); err != nil || strings.Contains(l.Text(), "171.202") {
		t.Errorf("a denial under an authorization names a Part 171 ground (%v)", err)
	}

	// A pending notice to the individual names its ground too.
	pend := base(roi.BasisAccess, roi.KindPatient)
	pend.Outcome, pend.Reasons = roi.OutcomePending, []roi.Code{roi.CodeIdentityUnverified}
	pend.InfoBlocking = map[string]roi.Exception{roi.InfoBlockingRequest: roi.ExceptionPrivacyPrecondition}
	if l, err = Pending(pend); err != nil || !strings.Contains(l.Text(), "(45 CFR 171.202(b))") {
		t.Errorf("the pending notice does not name its ground (%v)", err)
	}
}

// Every exception but none has words and a citation in both languages.
func TestEveryExceptionHasWords(t *testing.T) {
	for _, x := range roi.Exceptions {
		if x == roi.ExceptionNone {
			if english.ibGround[x] != "" || spanish.ibGround[x] != "" || ibCites[x] != "" {
				t.Errorf("none has words: it must never be printed")
			}
			continue
		}
		if english.ibGround[x] == "" || spanish.ibGround[x] == "" || ibCites[x] == "" {
			t.Errorf("exception %s lacks words or a citation", x)
		}
	}
}
