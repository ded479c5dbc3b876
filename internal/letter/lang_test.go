package letter

import (
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/custodian-roi/custodian/internal/doc"
	"github.com/custodian-roi/custodian/internal/roi"
)

// sameInBothLanguages are the catalog fields that are rightly the same in
// Spanish: the Secretary's mailing address is a U.S. postal address.
var sameInBothLanguages = map[string]bool{"hhsMail": true, "lang": true}

// spanishOnly are the fields English leaves empty: the translation of the
// 2.32 statement, which English gives in the regulation's own words.
var spanishOnly = map[string]bool{"part2Translation": true, "part2Statement": true}

// TestCatalogComplete requires a Spanish word for every English one, so
// that no Spanish letter falls through to English: every string, list
// entry, map entry and function of the English catalog has a Spanish
// counterpart that is not empty and not the English text.
func TestCatalogComplete(t *testing.T) {
	en, es := reflect.ValueOf(english), reflect.ValueOf(spanish)
	typ := en.Type()
	str := func(name string, e, s reflect.Value) {
		switch {
		case spanishOnly[name] && strings.TrimSpace(s.String()) == "":
			t.Errorf("%s: no Spanish", name)
		case spanishOnly[name]:
		case e.String() == "" && s.String() != "":
			t.Errorf("%s: Spanish says %q where English says nothing", name, s.String())
		case e.String() != "" && strings.TrimSpace(s.String()) == "":
			t.Errorf("%s: no Spanish for %q", name, e.String())
		case e.String() != "" && e.String() == s.String() && !sameInBothLanguages[name]:
			t.Errorf("%s: Spanish is the English %q", name, e.String())
		}
	}
	checked := 0
	for i := 0; i < typ.NumField(); i++ {
		name := typ.Field(i).Name
		e, s := en.Field(i), es.Field(i)
		switch e.Kind() {
		case reflect.String:
			str(name, e, s)
		case reflect.Slice, reflect.Array:
			if e.Len() != s.Len() {
				t.Errorf("%s: English has %d entries, Spanish %d", name, e.Len(), s.Len())
				continue
			}
			for j := 0; j < e.Len(); j++ {
				str(name, e.Index(j), s.Index(j))
			}
		case reflect.Map:
			for _, k := range e.MapKeys() {
				sv := s.MapIndex(k)
				if !sv.IsValid() {
					t.Errorf("%s[%v]: no Spanish", name, k)
					continue
				}
				ev := e.MapIndex(k)
				if ev.Kind() == reflect.Struct {
					for f := 0; f < ev.NumField(); f++ {
						str(name+"["+k.String()+"]."+ev.Type().Field(f).Name, ev.Field(f), sv.Field(f))
					}
				} else {
					str(name+"["+k.String()+"]", ev, sv)
				}
			}
		case reflect.Struct:
			for f := 0; f < e.NumField(); f++ {
				str(name+"."+e.Type().Field(f).Name, e.Field(f), s.Field(f))
			}
		case reflect.Func:
			if s.IsNil() {
				t.Errorf("%s: no Spanish function", name)
			}
		default:
			t.Errorf("%s: kind %s not checked; extend the test", name, e.Kind())
		}
		checked++
	}
	if checked < 100 {
		t.Errorf("checked only %d fields; the catalog must hold more", checked)
	}
	// Every kind of chart item the importer makes has a Spanish noun.
	for _, k := range []string{"encounter", "document", "report", "result", "imaging", "immunization", "medication", "problem",
		"claim", "procedure", "care-plan", "allergy", "goal", "record"} {
		if w, ok := spanish.nouns[k]; !ok || w[0] == "" || w[1] == "" {
			t.Errorf("no Spanish noun for the item kind %q", k)
		}
	}
	if got := spanish.count(3, "unheard-of-kind"); got != "3 registros" {
		t.Errorf("an unknown kind in Spanish is %q, want 3 registros", got)
	}
}

func spanishInput(basis roi.Basis, kind roi.Kind) Input {
	in := base(basis, kind)
	in.Language = roi.LanguageSpanish
	return in
}

// englishLeak returns an English sentence or word of the catalog found in
// a Spanish letter's title and blocks, or "". The fixtures' own English
// (organization, contact title, the HHS postal address) and the 2.32
// statement, which is given in the regulation's words, are taken out first.
func englishLeak(l doc.Letter) string {
	var b strings.Builder
	b.WriteString(l.Title + "\n")
	doc.WriteBlocks(&b, l.Blocks)
	text := b.String()
	for _, s := range []string{Part2Statement, HHSComplaintMail, org.Name, org.PrivacyContact, "We are gathering records from an archive",
		"a signed copy of the request form", "other federal and state laws that protect certain records"} {
		text = strings.ReplaceAll(text, s, "")
	}
	var sentences []string
	for _, s := range []string{english.withheldNone, english.coverEnclosed, english.denialOpening, english.partialAllElse,
		english.pendingNoDue, english.extensionOnce, english.special.text, english.special.cure, english.mayResend, english.noReview,
		english.accountingNone, english.feesNotice, english.authorizationRules, english.directiveElements} {
		for _, part := range strings.Split(s, ". ") {
			if p := strings.TrimSpace(part); len(p) > 20 && !strings.Contains(p, "{") && !strings.Contains(p, "CFR") {
				sentences = append(sentences, p)
			}
		}
	}
	for _, s := range sentences {
		if strings.Contains(text, s) {
			return s
		}
	}
	if w := forbiddenIn(text, []string{"the", "we", "you", "your", "request", "records", "please", "and", "not", "with"}); w != "" {
		return w
	}
	return ""
}

// TestSpanishLetters renders every outside letter in Spanish and checks
// the phrases the patient needs, the citations unchanged, and that no
// English sentence is left.
func TestSpanishLetters(t *testing.T) {
	check := func(name string, l doc.Letter, err error, want ...string) {
		t.Helper()
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		text := l.Title + "\n" + l.Text()
		for _, w := range want {
			if !strings.Contains(text, w) {
				t.Errorf("%s lacks %q:\n%s", name, w, text)
			}
		}
		if leak := englishLeak(l); leak != "" {
			t.Errorf("%s: English left in the Spanish letter: %q\n%s", name, leak, text)
		}
	}

	in := spanishInput(roi.BasisAccess, roi.KindPatient)
	in.Released = []string{"Encounter/1", "DocumentReference/3"}
	l, err := Cover(in)
	if text := l.Text(); strings.Contains(text, "Re: request") || !strings.Contains(text, "Ref.: solicitud R-2026-000042") ||
		!strings.Contains(text, in.lang().date(in.Date)) || strings.Contains(text, in.Date.String()) {
		t.Errorf("the Spanish letter's date and reference line are not in Spanish:\n%s", text)
	}
	check("cover", l, err, "Registros adjuntos", "1 visita y 1 documento, con fechas del 10 de enero de 2024 al 1 de febrero de 2025",
		"su solicitud de una copia de registros", "recibida el 1 de marzo de 2026", "Teléfono 555-0100",
		"Por favor, indique el número de solicitud R-2026-000042.")

	in.Part2Notice, in.ConsentScope = true, "registros de 2024"
	l, err = Cover(in)
	check("cover with the 2.32 notice", l, err, Part2Statement, "Traducción al español", "normas federales de confidencialidad (42 CFR part 2)",
		"(véase 42 CFR 2.31)", "Alcance del consentimiento del paciente: registros de 2024")

	in = spanishInput(roi.BasisAccess, roi.KindPatient)
	in.Withheld = map[string]roi.Code{"Encounter/2": roi.CodeReviewableHarm, "DocumentReference/9": roi.CodePart2NoConsent}
	l, err = Denial(in)
	check("denial", l, err, "Aviso de denegación de acceso", "No entregamos 2 registros de los que usted pidió",
		"(45 CFR 164.524(a)(3))", "(45 CFR 164.502(a); 45 CFR 164.508(a)(1); other federal and state laws that protect certain records)",
		"Su derecho a una revisión", "profesional de la salud con licencia", "Cómo presentar una queja", HHSComplaintURL, HHSComplaintPhone,
		"TDD "+HHSComplaintTDD, "dentro de los 180 días", "No tomaremos represalias", "(45 CFR 164.530(d), 160.306, 164.530(g))",
		"Privacy Officer, por teléfono al 555-0199, por correo electrónico a privacy@riverbend.example o por correo postal",
		"La ley no prevé la revisión de una decisión por los demás motivos")

	in = spanishInput(roi.BasisAuthorization, roi.KindAttorney)
	in.Released = []string{"Encounter/1"}
	in.Withheld = map[string]roi.Code{"Encounter/2": roi.CodeAuthorizationExpired}
	in.HeldElsewhere = "Hospital del Condado"
	l, err = Partial(in)
	check("partial", l, err, "Aviso de denegación parcial", "1 visita, con fecha del 10 de enero de 2024", "La autorización ha vencido",
		"(45 CFR 164.508(b)(2)(i))", "Una nueva autorización que cumpla los requisitos", "Una autorización válida debe constar por escrito",
		"Puede pedirlos a: Hospital del Condado")

	in = spanishInput(roi.BasisDirective, roi.KindPatient)
	in.Withheld = map[string]roi.Code{"Encounter/2": roi.CodeOutsideAuthScope}
	l, err = Denial(in)
	check("denial of a directive", l, err, "lo que describe la instrucción por escrito", "Una instrucción por escrito que describa")

	in = spanishInput(roi.BasisSubpoena, roi.KindAttorney)
	in.Missing = []string{string(roi.CodeIdentityUnverified), string(roi.CodeAssurancesNeeded), "una copia firmada del formulario"}
	l, err = Pending(in)
	check("pending", l, err, "Necesitamos más información", "Prueba de identidad", "orden de protección calificada",
		"(45 CFR 164.512(e)(1)(ii)-(v))", "una copia firmada del formulario", "a través de https://portal.riverbend.example,",
		"a más tardar el 31 de marzo de 2026")

	in = spanishInput(roi.BasisAccess, roi.KindPatient)
	l, err = Extension(in, in.Due.AddDays(30), "Estamos reuniendo registros de un archivo")
	check("extension", l, err, "Aviso de prórroga", "El 1 de marzo de 2026 recibimos su solicitud", "dentro de 30 días",
		"a más tardar el 30 de abril de 2026", "(45 CFR 164.524(b)(2)(ii))", "una sola prórroga")

	ds := []Disclosure{{Date: day("2025-06-01"), Recipient: "Departamento de Salud", Description: "1 informe", Purpose: "Salud pública"}}
	l, err = Accounting(in, roi.NoDate, roi.NoDate, ds)
	check("accounting", l, err, "Informe de divulgaciones", "desde el 5 de marzo de 2020 hasta el 5 de marzo de 2026",
		"hicimos 1 divulgación", "se desconoce", "(45 CFR 164.528(a)(1))", "es gratuito", "(45 CFR 164.528(c)(2))")
	if h := l.Blocks[2].Header; !slices.Equal(h, []string{"Fecha", "Destinatario", "Dirección", "Qué se divulgó", "Propósito"}) {
		t.Errorf("accounting header in Spanish: %v", h)
	}

	// The same input in English is unchanged by the language field's zero
	// value: English stays the default.
	in = base(roi.BasisAccess, roi.KindPatient)
	in.Released = []string{"Encounter/1"}
	l, err = Cover(in)
	if err != nil || !strings.Contains(l.Text(), "Enclosed are copies of the records") {
		t.Errorf("an input without a language is not English: %v\n%s", err, l.Text())
	}
}

// TestSpanishNonAcknowledgment: every outside letter in Spanish, for every
// code and reader, is produced (the screen never trips on the catalog's
// own Spanish) and names no protected category in Spanish either.
func TestSpanishNonAcknowledgment(t *testing.T) {
	spanishForbidden := []string{"sustancia", "sustancias", "adicci*", "alcohol*", "droga*", "opioide*", "vih", "reproductiv*", "genétic*",
		"consentimiento del menor", "parte 2", "salud conductual"}
	n := 0
	for _, r := range [][2]string{{"access", "patient"}, {"access", "representative"}, {"directive", "patient"},
		{"authorization", "attorney"}, {"subpoena", "attorney"}} {
		for _, c := range allCodes() {
			in := spanishInput(roi.Basis(r[0]), roi.Kind(r[1]))
			in.Items[3].Labels = roi.LabelsOf(roi.LabelPart2)
			if roi.IsItemCode(c) {
				in.Withheld = map[string]roi.Code{"DocumentReference/9": c}
			} else {
				in.Reasons = []roi.Code{c}
			}
			for _, k := range outsideKinds {
				l, err := k.make(in)
				if err != nil {
					t.Errorf("%s/%v/%s: %v", k.name, r, c, err)
					continue
				}
				n++
				if w := forbiddenIn(l.Text(), spanishForbidden); w != "" {
					t.Errorf("%s/%v/%s: Spanish letter says %q", k.name, r, c, w)
				}
				if strings.Contains(strings.ToLower(l.Text()), "psicoterapia") && c != roi.CodePNAccessExcluded {
					t.Errorf("%s/%v/%s: names psychotherapy notes", k.name, r, c)
				}
				if leak := englishLeak(l); leak != "" {
					t.Errorf("%s/%v/%s: English left: %q\n%s", k.name, r, c, leak, l.Text())
				}
			}
		}
	}
	if n < 300 {
		t.Errorf("only %d Spanish letters produced", n)
	}
}

// The screen catches staff text written in Spanish, in a letter of either
// language, without naming the term.
func TestScreenSpanishStaffText(t *testing.T) {
	for _, lang := range []roi.Language{roi.LanguageEnglish, roi.LanguageSpanish} {
		for _, m := range []string{"resultados de la prueba de VIH", "notas del programa de tratamiento de adicciones", "registros de salud mental"} {
			in := base(roi.BasisAuthorization, roi.KindAttorney)
			in.Language = lang
			in.Missing = []string{m}
			_, err := Pending(in)
			if roi.CodeOf(err) != roi.CodeInvalid {
				t.Errorf("%s letter with %q: err=%v, want CodeInvalid", lang, m, err)
				continue
			}
			if strings.Contains(strings.ToLower(err.Error()), strings.Fields(m)[len(strings.Fields(m))-1]) {
				t.Errorf("the error names the term: %v", err)
			}
		}
		in := base(roi.BasisAuthorization, roi.KindAttorney)
		in.Language = lang
		in.Missing = []string{"una copia firmada del formulario de solicitud"}
		if _, err := Pending(in); err != nil {
			t.Errorf("%s letter with harmless Spanish staff text refused: %v", lang, err)
		}
	}
}
