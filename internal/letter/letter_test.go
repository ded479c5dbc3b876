package letter

import (
	"slices"
	"strings"
	"testing"

	"github.com/custodian-roi/custodian/internal/doc"
	"github.com/custodian-roi/custodian/internal/roi"
)

// Synthetic fixtures: invented organization, people and records.
var org = Org{
	Name: "Riverbend Health", Address: []string{"100 Main Street", "Springfield, ST 00000"}, Phone: "555-0100",
	PrivacyContact: "Privacy Officer", PrivacyPhone: "555-0199", PrivacyEmail: "privacy@riverbend.example",
	PortalURL: "https://portal.riverbend.example",
}

func day(s string) roi.Date {
	d, err := roi.ParseDate(s)
	if err != nil {
		panic(err)
	}
	return d
}

var items = []Item{
	{Key: "Encounter/1", Date: day("2024-01-10"), Type: "encounter", Title: "Annual visit"},
	{Key: "Encounter/2", Date: day("2024-06-02"), Type: "encounter", Title: "Follow-up visit"},
	{Key: "DocumentReference/3", Date: day("2025-02-01"), Type: "document", Title: "Discharge summary"},
	{Key: "DocumentReference/9", Date: day("2025-03-01"), Type: "document", Title: "Program intake note"},
}

func base(basis roi.Basis, kind roi.Kind) Input {
	return Input{
		Org: org, Number: "R-2026-000042", Date: day("2026-03-05"), To: []string{"Jane Example", "1 Elm Road", "Springfield, ST 00000"},
		Basis: basis, Requester: kind, Received: day("2026-03-01"), Due: day("2026-03-31"),
		Items: append([]Item(nil), items...),
	}
}

// outside builds each outside letter kind from in, shaped so that the kind
// accepts it: a cover and partial release Encounter/1; a denial releases
// nothing; a pending notice has its Missing list.
type outsideKind struct {
	name string
	make func(in Input) (doc.Letter, error)
}

var outsideKinds = []outsideKind{
	{"cover", func(in Input) (doc.Letter, error) { in.Released = []string{"Encounter/1"}; return Cover(in) }},
	{"denial", func(in Input) (doc.Letter, error) { in.Released = nil; return Denial(in) }},
	{"partial", func(in Input) (doc.Letter, error) {
		in.Released = []string{"Encounter/1"}
		if len(in.Withheld) == 0 {
			in.Withheld = map[string]roi.Code{"Encounter/2": roi.CodeMinimumNecessary}
		}
		return Partial(in)
	}},
	{"pending", func(in Input) (doc.Letter, error) {
		in.Released, in.Withheld = nil, nil
		for _, c := range in.Reasons {
			in.Missing = append(in.Missing, string(c))
		}
		if len(in.Missing) == 0 {
			in.Missing = []string{"a signed copy of the request form"}
		}
		return Pending(in)
	}},
	{"extension", func(in Input) (doc.Letter, error) {
		return Extension(in, in.Due.AddDays(30), "We are gathering records from an archive")
	}},
}

// forbidden are the words no outside reader may see unless the Part 2
// notice is released; the list is the test's own, independent of screen.
var part2Words = []string{"part 2", "part2", "42 cfr", "2.32", "2.31", "2.12", "2.14", "2.61"}

var alwaysForbidden = []string{"sud", "substance*", "counseling*", "alcohol*", "drug*", "addiction*", "opioid*", "hiv", "reproductive",
	"genetic*", "minor consented", "consented alone", "behavioral health", "litigation file"}

// forbiddenIn returns the first forbidden term in text, as whole words.
func forbiddenIn(text string, terms []string) string {
	norm := words(text)
	for _, t := range terms {
		if p, ok := strings.CutSuffix(t, "*"); ok {
			if strings.Contains(norm, " "+p) {
				return t
			}
		} else if strings.Contains(norm, " "+t+" ") {
			return t
		}
	}
	return ""
}

func allCodes() []roi.Code {
	out := append([]roi.Code(nil), roi.ItemCodes...)
	for _, c := range roi.RequestCodes {
		if !slices.Contains(out, c) {
			out = append(out, c)
		}
	}
	return out
}

func checkClean(t *testing.T, name string, l doc.Letter, part2OK, pnOK bool) {
	t.Helper()
	text := l.Text()
	low := strings.ToLower(text)
	if !part2OK {
		for _, w := range part2Words {
			if strings.Contains(low, w) {
				t.Errorf("%s: outside letter says %q:\n%s", name, w, text)
				return
			}
		}
	}
	if m := forbiddenIn(text, alwaysForbidden); m != "" {
		t.Errorf("%s: outside letter says %q:\n%s", name, m, text)
		return
	}
	if !pnOK && (strings.Contains(low, "psychotherapy") || strings.Contains(low, "mental health")) {
		t.Errorf("%s: outside letter names psychotherapy notes to a reader not entitled:\n%s", name, text)
	}
	for _, c := range allCodes() {
		if strings.Contains(text, string(c)) {
			t.Errorf("%s: outside letter prints the raw code %q", name, c)
		}
	}
}

// TestNonAcknowledgment generates every outside letter for every item and
// request code, alone and in pairs, for every basis, requester and label
// that matters, and checks that none names Part 2, a substance use
// disorder or a protected category, except the 2.32 notice in a cover
// letter whose decision carries it. Every letter must also be produced:
// the screen must never be what keeps our own words clean.
func TestNonAcknowledgment(t *testing.T) {
	type who struct {
		basis roi.Basis
		kind  roi.Kind
	}
	readers := []who{
		{roi.BasisAccess, roi.KindPatient}, {roi.BasisAccess, roi.KindRepresentative}, {roi.BasisDirective, roi.KindPatient},
		{roi.BasisAuthorization, roi.KindAttorney}, {roi.BasisSubpoena, roi.KindAttorney}, {roi.BasisLawEnforcement, roi.KindLawEnforcement},
		{roi.BasisTreatment, roi.KindProvider},
	}
	labelSets := []roi.Labels{0, roi.LabelsOf(roi.LabelPart2), roi.LabelsOf(roi.LabelPart2, roi.LabelSUDCounselingNote),
		roi.LabelsOf(roi.LabelMinorConsented, roi.LabelReproductive), roi.LabelsOf(roi.LabelHIV),
		roi.LabelsOf(roi.LabelPsychotherapyNote, roi.LabelMinorConsented)}
	codes := allCodes()
	n := 0
	run := func(name string, in Input) {
		for _, k := range outsideKinds {
			for _, notice := range []bool{false, true} {
				if notice && k.name != "cover" {
					continue
				}
				in := in
				in.Part2Notice = notice
				l, err := k.make(in)
				if err != nil {
					t.Errorf("%s/%s: %v", k.name, name, err)
					continue
				}
				n++
				pnOK := in.entitled() && slices.Contains(withheldCodes(&in), roi.CodePNAccessExcluded) &&
					(in.Requester == roi.KindPatient || !in.Items[3].Labels.Has(roi.LabelMinorConsented))
				checkClean(t, k.name+"/"+name, l, notice, pnOK)
			}
		}
	}
	for _, r := range readers {
		for _, ls := range labelSets {
			for _, c := range codes {
				in := base(r.basis, r.kind)
				in.Items[3].Labels = ls
				if roi.IsItemCode(c) {
					in.Withheld = map[string]roi.Code{"DocumentReference/9": c}
				} else {
					in.Reasons = []roi.Code{c}
				}
				run(string(r.basis)+"/"+string(r.kind)+"/"+string(c)+"/"+strings.Join(ls.Strings(), "+"), in)
			}
		}
	}
	// Pairs: two withheld items and a request code.
	if testing.Short() {
		return
	}
	for i, a := range roi.ItemCodes {
		for _, b := range roi.ItemCodes[i:] {
			for _, rc := range append([]roi.Code{""}, roi.RequestCodes...) {
				in := base(roi.BasisAuthorization, roi.KindAttorney)
				in.Items[3].Labels = roi.LabelsOf(roi.LabelPart2)
				in.Withheld = map[string]roi.Code{"DocumentReference/9": a, "DocumentReference/3": b}
				if rc != "" {
					in.Reasons = []roi.Code{rc}
				}
				run(string(a)+"+"+string(b)+"+"+string(rc), in)
			}
		}
	}
	t.Logf("%d outside letters checked", n)
}

func withheldCodes(in *Input) []roi.Code {
	var out []roi.Code
	for _, c := range in.Withheld {
		out = append(out, c)
	}
	return out
}

// TestSpecialIndistinguishable: a letter withholding Part 2 records reads
// exactly like one withholding records for any other reason that needs a
// specific permission, so neither its words nor its counts single them
// out.
func TestSpecialIndistinguishable(t *testing.T) {
	group := []roi.Code{roi.CodePart2NoConsent, roi.CodePart2CounselingNote, roi.CodePart2MinorConsent, roi.CodePart2NoCourtOrder,
		roi.CodeStateSpecificAuth, roi.CodeMinorConsentedService, roi.CodePNAuthRequired}
	for _, k := range outsideKinds {
		if k.name == "pending" || k.name == "extension" {
			continue
		}
		var first string
		for _, c := range group {
			in := base(roi.BasisAuthorization, roi.KindAttorney)
			// Two Part 2 items and one ordinary withholding: the letter
			// may give only the total.
			in.Withheld = map[string]roi.Code{"DocumentReference/9": c, "DocumentReference/3": c, "Encounter/2": roi.CodeOutsideAuthScope}
			l, err := k.make(in)
			if err != nil {
				t.Fatalf("%s/%s: %v", k.name, c, err)
			}
			got := l.Text()
			if first == "" {
				first = got
				if strings.Contains(got, "2 records") {
					t.Errorf("%s: a per-reason count of 2 appears:\n%s", k.name, got)
				}
				if !strings.Contains(got, "3 records") {
					t.Errorf("%s: the total of 3 withheld records is missing:\n%s", k.name, got)
				}
				continue
			}
			if got != first {
				t.Errorf("%s: the letter for %s differs from the one for %s", k.name, c, group[0])
			}
		}
	}
	// Request-level: a subpoena denied for want of a Part 2 order reads
	// like one denied for a minor's consent.
	a, b := base(roi.BasisSubpoena, roi.KindAttorney), base(roi.BasisSubpoena, roi.KindAttorney)
	a.Reasons, b.Reasons = []roi.Code{roi.CodePart2NoCourtOrder}, []roi.Code{roi.CodePart2MinorConsent}
	la, _ := Denial(a)
	lb, _ := Denial(b)
	if la.Text() != lb.Text() {
		t.Errorf("denials for part2-no-court-order and part2-minor-consent differ")
	}
}

func TestCoverPart2Notice(t *testing.T) {
	in := base(roi.BasisAuthorization, roi.KindProvider)
	in.Released = []string{"Encounter/1", "DocumentReference/9"}
	in.Part2Notice = true
	l, err := Cover(in)
	if err != nil {
		t.Fatal(err)
	}
	text := l.Text()
	for _, want := range []string{Part2Statement, "42 CFR 2.32", "A copy of the patient's written consent is enclosed."} {
		if !strings.Contains(text, want) {
			t.Errorf("cover with the Part 2 notice lacks %q", want)
		}
	}
	if !hasNotice(l, Part2Statement) {
		t.Errorf("the 2.32 statement is not set apart as a notice")
	}
	in.ConsentScope = "records of 2024-2025 to the named provider for treatment"
	l, _ = Cover(in)
	if !strings.Contains(l.Text(), "Scope of the patient's consent: records of 2024-2025") {
		t.Errorf("the consent's scope is not explained")
	}
	in.Part2Notice = false
	l, _ = Cover(in)
	if strings.Contains(l.Text(), Part2Statement) || strings.Contains(strings.ToLower(l.Text()), "part 2") {
		t.Errorf("cover without the Part 2 notice mentions Part 2")
	}
}

func TestPart2Statements(t *testing.T) {
	if !strings.HasPrefix(Part2Statement, "This record which has been disclosed to you is protected by Federal confidentiality rules (42 CFR part 2). These rules prohibit you from using or disclosing this record, or testimony") {
		t.Errorf("Statement 1 does not open with the 2024 text")
	}
	if !strings.HasSuffix(Part2Statement, "(see 42 CFR 2.31).") {
		t.Errorf("Statement 1 does not end with the 2024 text")
	}
	if Part2ShortStatement != "42 CFR part 2 prohibits unauthorized use or disclosure of these records." {
		t.Errorf("Statement 2 is not the 2024 text")
	}
}

func TestCover(t *testing.T) {
	in := base(roi.BasisAuthorization, roi.KindAttorney)
	in.Released = []string{"Encounter/1", "Encounter/2", "DocumentReference/3"}
	l, err := Cover(in)
	if err != nil {
		t.Fatal(err)
	}
	text := l.Text()
	for _, want := range []string{"2 encounters and 1 document", "dated January 10, 2024 to February 1, 2025", "index",
		"Re: request R-2026-000042", "Riverbend Health", "555-0199"} {
		if !strings.Contains(text, want) {
			t.Errorf("cover lacks %q:\n%s", want, text)
		}
	}
	for _, title := range []string{"Annual visit", "Discharge summary", "What was not released"} {
		if strings.Contains(text, title) {
			t.Errorf("cover prints %q", title)
		}
	}
	in.Withheld = map[string]roi.Code{"DocumentReference/9": roi.CodeOutsideAuthScope}
	l, _ = Cover(in)
	if text := l.Text(); !strings.Contains(text, "1 record within your request") || !strings.Contains(text, "outside what the authorization describes") ||
		!strings.Contains(text, HHSComplaintPhone) {
		t.Errorf("cover does not say what was withheld and why:\n%s", text)
	}
	in.Released = nil
	if _, err := Cover(in); roi.CodeOf(err) != roi.CodeInvalid {
		t.Errorf("cover with nothing released: err=%v, want invalid", err)
	}
}

func hasNotice(l doc.Letter, substr string) bool {
	for _, b := range l.Blocks {
		if b.Kind == doc.Notice && strings.Contains(b.Text, substr) {
			return true
		}
	}
	return false
}

// complaintRoutes checks 164.524(d)(2)(iii): the organization's contact
// by name or title and telephone, and the Secretary's routes, in a notice.
func complaintRoutes(t *testing.T, name string, l doc.Letter) {
	t.Helper()
	for _, want := range []string{"Privacy Officer", "555-0199", "Secretary of the U.S. Department of Health and Human Services",
		"Office for Civil Rights", HHSComplaintURL, HHSComplaintPhone} {
		if !hasNotice(l, want) {
			t.Errorf("%s: the complaint notice lacks %q", name, want)
		}
	}
}

const reviewText = "who did not take part in the original decision"

func TestDenialContent(t *testing.T) {
	cases := []struct {
		name       string
		basis      roi.Basis
		kind       roi.Kind
		reasons    []roi.Code
		withheld   map[string]roi.Code
		review     bool
		want       []string
		validForm  bool
		notReview  bool
		heldAbroad string
	}{
		{name: "ReviewableHarm", basis: roi.BasisAccess, kind: roi.KindPatient,
			withheld: map[string]roi.Code{"DocumentReference/9": roi.CodeReviewableHarm}, review: true,
			want: []string{"reasonably likely to endanger the life or physical safety", "45 CFR 164.524(a)(3)", "NOTICE OF DENIAL OF ACCESS"}},
		{name: "Endangerment", basis: roi.BasisAccess, kind: roi.KindRepresentative,
			reasons: []roi.Code{roi.CodeRepresentativeEndangers}, review: true,
			want: []string{"personal representative is reasonably likely to cause substantial harm", "164.524(a)(3)(iii)"}},
		{name: "PsychotherapyNotes", basis: roi.BasisAccess, kind: roi.KindPatient,
			withheld: map[string]roi.Code{"DocumentReference/9": roi.CodePNAccessExcluded}, notReview: true,
			want: []string{"Psychotherapy notes", "not part of the right of access", "164.524(a)(1)(i)"}},
		{name: "Litigation", basis: roi.BasisAccess, kind: roi.KindPatient,
			withheld: map[string]roi.Code{"DocumentReference/9": roi.CodeLitigationCompiled}, notReview: true,
			want: []string{"anticipation of", "164.524(a)(1)(ii)"}, heldAbroad: "Lakeside Imaging, 5 Lake Road, Springfield"},
		{name: "HarmAndLitigation", basis: roi.BasisAccess, kind: roi.KindPatient,
			withheld: map[string]roi.Code{"DocumentReference/9": roi.CodeReviewableHarm, "DocumentReference/3": roi.CodeLitigationCompiled},
			review:   true, want: []string{"review of a decision on the other grounds above"}},
		{name: "Expired", basis: roi.BasisAuthorization, kind: roi.KindAttorney, reasons: []roi.Code{roi.CodeAuthorizationExpired},
			validForm: true, notReview: true, want: []string{"has expired", "164.508(b)(2)(i)"}},
		{name: "Revoked", basis: roi.BasisAuthorization, kind: roi.KindInsurer, reasons: []roi.Code{roi.CodeAuthorizationRevoked},
			validForm: true, want: []string{"revoked in writing"}},
		{name: "IncompleteAndCompound", basis: roi.BasisAuthorization, kind: roi.KindAttorney,
			reasons: []roi.Code{roi.CodeAuthorizationIncomplete, roi.CodeAuthorizationCompound}, validForm: true,
			want: []string{"not filled out completely", "separate form"}},
		{name: "Conditioned", basis: roi.BasisAuthorization, kind: roi.KindEmployer, reasons: []roi.Code{roi.CodeAuthorizationConditioned},
			validForm: true, want: []string{"condition of treatment"}},
		{name: "False", basis: roi.BasisAuthorization, kind: roi.KindInsurer, reasons: []roi.Code{roi.CodeAuthorizationFalse},
			validForm: true, want: []string{"known to be false"}},
		{name: "RecipientNotNamed", basis: roi.BasisAuthorization, kind: roi.KindAttorney, reasons: []roi.Code{roi.CodeRecipientNotAuthorized},
			validForm: true, want: []string{"does not name the person or organization"}},
		{name: "NoPermission", basis: roi.BasisNone, kind: roi.KindEmployer, reasons: []roi.Code{roi.CodeNoPermission},
			validForm: true, want: []string{"no exception in the law permits"}},
		{name: "DirectiveIncomplete", basis: roi.BasisDirective, kind: roi.KindPatient, reasons: []roi.Code{roi.CodeAuthorizationIncomplete},
			want: []string{"written direction is not signed", "164.524(c)(3)(ii)", "clearly name the person who is to receive"}},
		{name: "NotRepresentative", basis: roi.BasisAccess, kind: roi.KindRepresentative, reasons: []roi.Code{roi.CodeNotPersonalRep},
			want: []string{"financial power of attorney", "164.502(g)"}},
		{name: "Part2Order", basis: roi.BasisSubpoena, kind: roi.KindAttorney, reasons: []roi.Code{roi.CodePart2NoCourtOrder},
			notReview: true, want: []string{"specific written consent, authorization or court order"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			in := base(tc.basis, tc.kind)
			in.Reasons, in.Withheld, in.HeldElsewhere = tc.reasons, tc.withheld, tc.heldAbroad
			l, err := Denial(in)
			if err != nil {
				t.Fatal(err)
			}
			text := l.Text()
			for _, w := range tc.want {
				if !strings.Contains(text, w) {
					t.Errorf("denial lacks %q:\n%s", w, text)
				}
			}
			if got := strings.Contains(text, reviewText); got != tc.review {
				t.Errorf("review rights=%v, want %v:\n%s", got, tc.review, text)
			}
			if tc.review && !hasNotice(l, reviewText) {
				t.Errorf("review rights are not a notice")
			}
			if tc.notReview && !strings.Contains(text, "does not provide for a review") {
				t.Errorf("an unreviewable denial does not say so:\n%s", text)
			}
			if got := strings.Contains(text, "A valid authorization must"); got != tc.validForm {
				t.Errorf("valid-authorization requirements=%v, want %v", got, tc.validForm)
			}
			if tc.validForm {
				for _, el := range []string{"expiration date", "signature", "revoke", "name of the person or organization who will receive"} {
					if !strings.Contains(text, el) {
						t.Errorf("the requirements of a valid authorization lack %q", el)
					}
				}
			}
			if tc.heldAbroad != "" && !strings.Contains(text, "You may ask for them from: "+tc.heldAbroad) {
				t.Errorf("164.524(d)(3): where the records are held is missing")
			}
			complaintRoutes(t, tc.name, l)
		})
	}
}

func TestDenialErrors(t *testing.T) {
	in := base(roi.BasisAccess, roi.KindPatient)
	if _, err := Denial(in); roi.CodeOf(err) != roi.CodeInvalid {
		t.Errorf("denial without a reason: err=%v, want invalid", err)
	}
	in.Reasons = []roi.Code{roi.CodeNoPermission}
	in.Released = []string{"Encounter/1"}
	if _, err := Denial(in); roi.CodeOf(err) != roi.CodeInvalid {
		t.Errorf("denial that releases records: err=%v, want invalid", err)
	}
}

func TestPartial(t *testing.T) {
	in := base(roi.BasisAccess, roi.KindPatient)
	in.Released = []string{"Encounter/1", "Encounter/2"}
	in.Withheld = map[string]roi.Code{"DocumentReference/9": roi.CodeReviewableHarm, "DocumentReference/3": roi.CodePNAccessExcluded}
	l, err := Partial(in)
	if err != nil {
		t.Fatal(err)
	}
	text := l.Text()
	for _, w := range []string{"2 encounters", "We have provided everything else within your request", "2 records within your request",
		"endanger the life", "Psychotherapy notes", reviewText, "review of a decision on the other grounds above"} {
		if !strings.Contains(text, w) {
			t.Errorf("partial denial lacks %q:\n%s", w, text)
		}
	}
	complaintRoutes(t, "partial", l)
	in.Withheld = nil
	if _, err := Partial(in); roi.CodeOf(err) != roi.CodeInvalid {
		t.Errorf("partial with nothing withheld: err=%v, want invalid", err)
	}
	in.Withheld, in.Released = map[string]roi.Code{"Encounter/1": roi.CodeReviewableHarm}, nil
	if _, err := Partial(in); roi.CodeOf(err) != roi.CodeInvalid {
		t.Errorf("partial with nothing released: err=%v, want invalid", err)
	}
}

// TestParentNotTold: a parent is not told that the minor had psychotherapy
// the minor consented to alone, even though the code is the access
// exclusion.
func TestParentNotTold(t *testing.T) {
	in := base(roi.BasisAccess, roi.KindRepresentative)
	in.Items[3].Labels = roi.LabelsOf(roi.LabelPsychotherapyNote, roi.LabelMinorConsented)
	in.Withheld = map[string]roi.Code{"DocumentReference/9": roi.CodePNAccessExcluded}
	l, err := Denial(in)
	if err != nil {
		t.Fatal(err)
	}
	if text := l.Text(); strings.Contains(strings.ToLower(text), "psychotherapy") || !strings.Contains(text, "specific written consent") {
		t.Errorf("a parent is told the category:\n%s", text)
	}
}

func TestPending(t *testing.T) {
	cases := []struct {
		name    string
		basis   roi.Basis
		kind    roi.Kind
		reasons []roi.Code
		missing []string
		due     bool
		want    []string
	}{
		{"Identity", roi.BasisAccess, roi.KindPatient, []roi.Code{roi.CodeIdentityUnverified}, nil, true,
			[]string{"government-issued photo identification", "March 31, 2026", "keeps running"}},
		{"Representative", roi.BasisAccess, roi.KindRepresentative, []roi.Code{roi.CodeAuthorityDocsMissing, roi.CodeIdentityUnverified},
			[]string{"authority-documents-missing"}, true, []string{"order of guardianship", "photo identification"}},
		{"Directive", roi.BasisDirective, roi.KindPatient, []roi.Code{roi.CodeAuthorityDocsMissing}, nil, true,
			[]string{"written direction, signed by the patient"}},
		{"Subpoena", roi.BasisSubpoena, roi.KindAttorney, []roi.Code{roi.CodeAssurancesNeeded}, nil, false,
			[]string{"qualified protective order", "written notice", "stay open"}},
		{"NoProcess", roi.BasisCourtOrder, roi.KindCourt, nil, []string{"authority-documents-missing"}, false,
			[]string{"copy of the subpoena, court order or warrant"}},
		{"StaffText", roi.BasisAuthorization, roi.KindAttorney, nil,
			[]string{"A corrected authorization with the patient's date of signature", "authorization-expired"}, false,
			[]string{"A corrected authorization with the patient's date of signature", "A new authorization"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			in := base(tc.basis, tc.kind)
			in.Reasons, in.Missing = tc.reasons, tc.missing
			if !tc.due {
				in.Due = roi.NoDate
			}
			l, err := Pending(in)
			if err != nil {
				t.Fatal(err)
			}
			text := l.Text()
			for _, w := range append(tc.want, "portal.riverbend.example", "R-2026-000042") {
				if !strings.Contains(text, w) {
					t.Errorf("pending notice lacks %q:\n%s", w, text)
				}
			}
			if strings.Count(text, "photo identification (") > 1 {
				t.Errorf("a missing thing is listed twice")
			}
			checkClean(t, tc.name, l, false, false)
		})
	}
	if _, err := Pending(base(roi.BasisAccess, roi.KindPatient)); roi.CodeOf(err) != roi.CodeInvalid {
		t.Errorf("pending with nothing missing: err=%v, want invalid", err)
	}
}

func TestExtension(t *testing.T) {
	in := base(roi.BasisAccess, roi.KindPatient)
	l, err := Extension(in, day("2026-04-20"), "Some records are kept off site")
	if err != nil {
		t.Fatal(err)
	}
	text := l.Text()
	for _, w := range []string{"April 20, 2026", "Some records are kept off site.", "March 31, 2026", "164.524(b)(2)(ii)", "one extension"} {
		if !strings.Contains(text, w) {
			t.Errorf("extension lacks %q:\n%s", w, text)
		}
	}
	if !hasNotice(l, "April 20, 2026") {
		t.Errorf("the reasons and new date are not a notice")
	}
	acc := base(roi.BasisAccess, roi.KindPatient)
	acc.Type, acc.Due = roi.RequestAccounting, day("2026-04-30")
	l, err = Extension(acc, day("2026-05-30"), "staff shortage")
	if err != nil || !strings.Contains(l.Text(), "164.528(c)(1)(ii)") || !strings.Contains(l.Text(), "within 60 days") {
		t.Errorf("accounting extension: err=%v\n%s", err, l.Text())
	}

	bad := []struct {
		name    string
		date    roi.Date
		newDue  roi.Date
		reasons string
	}{
		{"LetterAfterDue", day("2026-04-01"), day("2026-04-20"), "x"},
		{"MoreThan30Days", day("2026-03-05"), day("2026-05-01"), "x"},
		{"NotLater", day("2026-03-05"), day("2026-03-31"), "x"},
		{"NoReasons", day("2026-03-05"), day("2026-04-20"), "  "},
		{"NoNewDate", day("2026-03-05"), roi.NoDate, "x"},
		{"ProtectedReason", day("2026-03-05"), day("2026-04-20"), "Substance use records need review"},
	}
	for _, tc := range bad {
		in := base(roi.BasisAccess, roi.KindPatient)
		in.Date = tc.date
		_, err := Extension(in, tc.newDue, tc.reasons)
		if roi.CodeOf(err) != roi.CodeInvalid {
			t.Errorf("%s: err=%v, want invalid", tc.name, err)
			continue
		}
		phiFree(t, tc.name, err, in)
	}
	// The last day allowed: 30 days after the original due date, letter
	// on the due date itself.
	in.Date = in.Due
	if _, err := Extension(in, in.Due.AddDays(30), "x"); err != nil {
		t.Errorf("extension on the due date to due+30: %v", err)
	}
}

// phiFree: an error message is shown to staff and logged; it must hold no
// name, date or request number.
func phiFree(t *testing.T, name string, err error, in Input) {
	t.Helper()
	msg := roi.PublicMessage(err)
	for _, s := range append([]string{in.Number, in.Date.String(), longDate(in.Due), in.Due.String()}, in.To...) {
		if s != "" && strings.Contains(msg, s) {
			t.Errorf("%s: error message holds %q", name, s)
		}
	}
	if forbiddenIn(msg, alwaysForbidden) != "" {
		t.Errorf("%s: error message names a protected term: %s", name, msg)
	}
}

// TestScreenStaffText: free text written by staff cannot carry a protected
// category out.
func TestScreenStaffText(t *testing.T) {
	in := base(roi.BasisAuthorization, roi.KindAttorney)
	in.Missing = []string{"A Part 2 consent signed by the patient"}
	if _, err := Pending(in); roi.CodeOf(err) != roi.CodeInvalid {
		t.Errorf("pending with a Part 2 mention: err=%v, want invalid", err)
	} else {
		phiFree(t, "pending", err, in)
	}
	in.Missing = nil
	in.Reasons = []roi.Code{roi.CodeNoPermission}
	in.HeldElsewhere = "Oak Street HIV Clinic"
	if _, err := Denial(in); roi.CodeOf(err) != roi.CodeInvalid {
		t.Errorf("denial naming an HIV clinic: err=%v, want invalid", err)
	}
}

func TestAccounting(t *testing.T) {
	in := base(roi.BasisAccess, roi.KindPatient)
	ds := []Disclosure{
		{Date: day("2025-06-01"), Recipient: "County Health Department", Address: "9 Civic Plaza", Description: "1 report dated 2025-05-30",
			Purpose: "Public health activities required or authorized by law"},
		{Date: day("2023-02-03"), Recipient: "Springfield Superior Court", Description: "2 encounters dated 2022-01-01 to 2022-03-01",
			Purpose: "Response to a court order"},
	}
	l, err := Accounting(in, roi.NoDate, roi.NoDate, ds)
	if err != nil {
		t.Fatal(err)
	}
	text := l.Text()
	for _, w := range []string{"March 5, 2020 through March 5, 2026", "County Health Department", "9 Civic Plaza", "not known",
		"1 report dated 2025-05-30", "Response to a court order", "treatment, payment or health care operations", "under your written authorization",
		"limited data set", "164.528(a)(1)", "first accounting you ask for in any 12-month period is free", "164.528(c)(2)"} {
		if !strings.Contains(text, w) {
			t.Errorf("accounting lacks %q:\n%s", w, text)
		}
	}
	var table doc.Block
	for _, b := range l.Blocks {
		if b.Kind == doc.Table {
			table = b
		}
	}
	if len(table.Rows) != 2 || table.Rows[0][1] != "Springfield Superior Court" {
		t.Errorf("accounting rows are not in date order: %v", table.Rows)
	}
	if !slices.Equal(table.Header, []string{"Date", "Recipient", "Address", "What was disclosed", "Purpose"}) {
		t.Errorf("header=%v", table.Header)
	}
	l, err = Accounting(in, day("2025-01-01"), day("2025-12-31"), nil)
	if err != nil || !strings.Contains(l.Text(), "no disclosures") || !strings.Contains(l.Text(), "January 1, 2025 through December 31, 2025") {
		t.Errorf("empty accounting: err=%v\n%s", err, l.Text())
	}
	if _, err := Accounting(in, day("2026-01-01"), day("2025-01-01"), nil); roi.CodeOf(err) != roi.CodeInvalid {
		t.Errorf("period backwards: err=%v", err)
	}
	ds[1].Purpose = ""
	if _, err := Accounting(in, roi.NoDate, roi.NoDate, ds); roi.CodeOf(err) != roi.CodeInvalid {
		t.Errorf("entry without purpose: err=%v", err)
	} else {
		phiFree(t, "accounting", err, in)
	}
}

func TestEscalation(t *testing.T) {
	rule := &roi.Rule{ID: "minor-parent-access-discretion", Text: "The minor consented to this care alone and state law is silent.",
		Cite: []string{"45 CFR 164.502(g)(3)(ii)(C)"}}
	le := &roi.Rule{ID: "law-enforcement-beyond-id", Text: "Beyond the identifying data 164.512(f)(2) allows.", Cite: []string{"45 CFR 164.512(f)(2)"}}
	in := base(roi.BasisAccess, roi.KindRepresentative)
	in.Items[3].Labels = roi.LabelsOf(roi.LabelPart2, roi.LabelMinorConsented)
	in.Note = "Parent asks for everything since 2024."
	d := roi.Decision{RuleSet: "2026.1", Outcome: roi.OutcomeEscalate, Reasons: []roi.Code{roi.CodeMinorParentDiscretion},
		Due: day("2026-03-31"), Flags: []roi.Flag{roi.FlagOverdue},
		Items: []roi.ItemDecision{
			{ID: "Encounter/1", Release: true},
			{ID: "DocumentReference/9", Code: roi.CodeMinorConsentedService, Waits: true, Rule: rule},
			{ID: "DocumentReference/3", Code: roi.CodeMinimumNecessary, Waits: true, Rule: le},
			{ID: "Encounter/2", Code: roi.CodeLitigationCompiled, Rule: &roi.Rule{ID: "litigation-compiled", Text: "Litigation.", Cite: []string{"45 CFR 164.524(a)(1)(ii)"}}},
		},
		Steps: []roi.Step{{Rule: &roi.Rule{ID: "personal-representative", Text: "The requester is a representative.", Cite: []string{"45 CFR 164.502(g)"}}, Detail: "evidence 7"}}}
	l := Escalation(in, d)
	if l.Kind != KindEscalation {
		t.Errorf("kind=%q", l.Kind)
	}
	text := l.Text()
	for _, w := range []string{"INTERNAL", "R-2026-000042", "personal-representative", "2026-03-01", "2026-03-31", "overdue", "2026.1",
		"Parent asks for everything", "DocumentReference/9", "Program intake note", "part2, minor-consented", rule.Text,
		"45 CFR 164.502(g)(3)(ii)(C)", le.Text, "Whether the parent may see records", "evidence 7", "litigation-compiled",
		"1 encounter", "Not evaluated by the engine"} {
		if !strings.Contains(text, w) {
			t.Errorf("escalation lacks %q:\n%s", w, text)
		}
	}
	d.Outcome = roi.OutcomeDeny
	if !strings.Contains(Escalation(in, d).Text(), "a staff member escalated") {
		t.Errorf("a manual escalation is not said to be one")
	}
}
