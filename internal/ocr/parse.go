package ocr

import (
	"regexp"
	"strings"
	"unicode"

	"github.com/custodian-roi/custodian/internal/roi"
)

// Suggestion is a value read from a scanned form, for a person to confirm
// or correct. It is never evidence: the evidence form shows Value
// pre-filled and marked as read by OCR, and Line (the text it was read
// from, errors and all) beside it for the clerk to compare with the scan.
// Only what the person then submits becomes evidence.
type Suggestion[T comparable] struct {
	Value T
	Line  string // the OCR line the value was read from
}

// Found reports whether anything was read for the field. A field the form
// leaves blank, or that could not be read, is not found: nothing is
// guessed in its place.
func (s Suggestion[T]) Found() bool { return s.Line != "" }

// Prefill is what an authorization's text suggests for the evidence form
// (a HIPAA authorization under 45 CFR 164.508, or a 42 CFR 2.31 consent).
// Every field is a Suggestion; the zero Suggestion means not found.
type Prefill struct {
	// Language is the language the form's wording looks written in
	// (roi.LanguageSpanish or roi.LanguageEnglish); "" for no text.
	Language roi.Language

	PatientName Suggestion[string]
	BirthDate   Suggestion[roi.Date]
	Discloser   Suggestion[string] // who may disclose ("I authorize X to release")
	Recipient   Suggestion[string] // to whom
	Purpose     Suggestion[string]

	// Expires is an expiry date; ExpirationEvent an expiration event written
	// in words ("end of litigation"). A form may give either.
	Expires         Suggestion[roi.Date]
	ExpirationEvent Suggestion[string]

	Signed     Suggestion[roi.Date]   // the signature's date
	SignedBy   Suggestion[roi.Signer] // patient or representative, when the form says which
	SignerName Suggestion[string]     // the printed or signed name, as read
	// Authority is the representative's authority when its words name
	// one of the desk's authorities; AuthorityText is what the form says,
	// also when it names none ("power of attorney" says not which kind).
	Authority     Suggestion[roi.Authority]
	AuthorityText Suggestion[string]

	// From and To bound the dates of service the form covers.
	From, To Suggestion[roi.Date]

	// Labels are the special categories the form marks as included (a
	// checked box), as the desk's labels; roi.LabelGeneral for ordinary
	// record types (entire record, discharge summary, labs). A category
	// printed with an empty box, or in a list of exclusions, is not here.
	Labels []Suggestion[roi.Label]
	// Statements are the required statements whose wording appears:
	// revocation, conditioning, redisclosure.
	Statements []Suggestion[roi.Statement]

	// Part2 is true when the form cites 42 CFR Part 2 or a Part 2 program:
	// it looks like a Part 2 consent. TPO is true when it also reads as a
	// single consent for all future treatment, payment and operations.
	Part2 Suggestion[bool]
	TPO   Suggestion[bool]
}

// HasLabel reports whether l is among the suggested labels.
func (p *Prefill) HasLabel(l roi.Label) bool {
	for _, s := range p.Labels {
		if s.Value == l {
			return true
		}
	}
	return false
}

// HasStatement reports whether s is among the suggested statements.
func (p *Prefill) HasStatement(s roi.Statement) bool {
	for _, x := range p.Statements {
		if x.Value == s {
			return true
		}
	}
	return false
}

// field is what a label on the form introduces.
type field uint8

const (
	fNone field = iota
	fPatient
	fBirth
	fDiscloser
	fRecipient
	fName // "Name of person/organization": whose depends on the section
	fPurpose
	fExpires
	fSignature
	fDate   // "Date": the signature's date when next to a signature
	fSigned // "Date signed"
	fRange
	fRepName
	fAuthority
	fPrinted
	fSignedBy // "Signed by: [X] Patient [ ] Guardian"
	fStop     // a label whose value nobody asks for (MRN, address); it ends the value before it
)

// A label is a phrase that introduces a field. colon: only when a colon
// follows it ("Patient:", "Name:"); first: only as the line's first word.
type label struct {
	p     phrase
	f     field
	colon bool
	first bool
}

func lb(f field, s ...string) []label {
	var ls []label
	for _, x := range s {
		l := label{f: f}
		if c, ok := strings.CutSuffix(x, ":"); ok {
			x, l.colon = c, true
		}
		if c, ok := strings.CutPrefix(x, "^"); ok {
			x, l.first = c, true
		}
		l.p = ph(x)
		ls = append(ls, l)
	}
	return ls
}

// labels, longest first at any one position (see hits). Words are matched
// as key writes them: lower case, no accents, no apostrophes, punctuation
// gone ("person/organization" is "person organization").
var labels = sortLabels(concat(
	lb(fPatient, "patient name", "name of patient", "patients name", "name of individual",
		"individuals name", "client name", "name of client", "patient:", "nombre del paciente",
		"nombre de la paciente", "nombre completo del paciente", "paciente:"),
	lb(fBirth, "date of birth", "birth date", "birthdate", "dob", "d o b", "fecha de nacimiento",
		"fecha nacimiento"),
	lb(fDiscloser, "provider releasing", "name of provider releasing", "facility releasing",
		"releasing facility", "releasing provider", "disclosing party", "person organization disclosing",
		"person or organization disclosing", "authorized to disclose", "authorized to release",
		"authorized to make the disclosure", "release from", "disclose from", "releasing",
		"proveedor que divulga", "entidad que divulga", "institucion que divulga", "divulgar de",
		"quien divulga", "autorizado a divulgar", "^from:", "^de:"),
	lb(fRecipient, "release to", "disclose to", "send to", "send records to", "deliver to",
		"recipient:", "recipient name", "name of recipient", "person organization receiving",
		"person or organization receiving", "receiving party", "may be disclosed to",
		"will be disclosed to", "to be released to", "to be disclosed to", "disclosed to:", "released to:",
		"destinatario:", "nombre del destinatario", "divulgar a", "entregar a", "enviar a",
		"persona u organizacion que recibe", "que recibe la informacion", "que recibe",
		"nombre de la persona u organizacion que recibe la informacion",
		"nombre de la persona u organizacion que recibe", "^to:", "^para:", "^a:"),
	lb(fName, "name of person organization", "name of person or organization", "person organization:",
		"organization name", "name of organization", "name:", "nombre de la persona u organizacion",
		"nombre:"),
	lb(fPurpose, "purpose of disclosure", "purpose of the disclosure", "purpose of release",
		"purpose of this disclosure", "purpose of use or disclosure", "purpose of the use or disclosure",
		"purpose of the request", "purpose of request", "reason for release", "reason for disclosure",
		"reason for request", "purpose:", "purposes:", "for the purpose of", "the purpose of this disclosure is",
		"proposito", "proposito de la divulgacion", "finalidad", "motivo de la solicitud", "motivo:",
		"con el proposito de", "para fines de"),
	lb(fExpires, "expires on", "expires upon", "expires", "expire on", "expire upon", "will expire",
		"will expire on", "will expire upon", "expiration date", "expiration date or event",
		"expiration event", "expiration", "valid until", "in effect until", "remain in effect until",
		"vence el", "vence", "expira el", "expira", "fecha de vencimiento", "fecha de expiracion",
		"vencimiento", "valida hasta", "vigente hasta"),
	lb(fSignature, "signature of patient or legal representative",
		"signature of patient or personal representative", "signature of patient or representative",
		"signature of patient", "patient signature", "patients signature", "signature of individual",
		"signature", "firma del paciente o representante legal", "firma del paciente o representante",
		"firma del paciente", "firma"),
	lb(fDate, "date:", "date", "fecha:", "today's date", "todays date"),
	lb(fSigned, "date signed", "signed on", "date of signature", "fecha de la firma", "fecha de firma"),
	lb(fRange, "dates of service", "date of service", "date range", "dates of treatment",
		"treatment dates", "service dates", "fechas de servicio", "fechas de tratamiento",
		"fechas de atencion"),
	lb(fRepName, "name of legal representative", "name of personal representative",
		"legal representatives name", "representatives name", "representative name",
		"name of representative", "printed name of representative", "print name of representative",
		"if signed by a legal representative name", "if signed by a representative name",
		"if signed by representative name", "legal representative:", "personal representative:",
		"nombre del representante", "nombre del representante legal", "representante legal:"),
	lb(fAuthority, "relationship to patient", "relationship to the patient", "relationship authority",
		"relationship:", "description of authority", "description of representatives authority",
		"authority to act", "authority to act for the patient", "description of authority to act for the patient",
		"authority to act on behalf of the patient", "legal authority", "authority:", "relacion con el paciente",
		"parentesco", "autoridad legal", "descripcion de la autoridad"),
	lb(fPrinted, "printed name", "print name", "name printed", "nombre en letra de molde",
		"nombre impreso", "nombre en letra imprenta"),
	lb(fSignedBy, "signed by:", "firmado por:"),
	lb(fStop, "mrn", "medical record number", "medical record:", "record number", "account number",
		"ssn", "social security", "address", "street", "city:", "state:", "zip", "phone", "telephone",
		"tel:", "fax", "email", "e mail", "direccion", "telefono", "ciudad:", "estado:",
		"codigo postal", "numero de expediente", "correo", "date of request", "fecha de la solicitud"),
))

func concat(ls ...[]label) []label {
	var out []label
	for _, l := range ls {
		out = append(out, l...)
	}
	return out
}

func sortLabels(ls []label) []label {
	for i := 1; i < len(ls); i++ {
		for j := i; j > 0 && len(ls[j].p) > len(ls[j-1].p); j-- {
			ls[j], ls[j-1] = ls[j-1], ls[j]
		}
	}
	return ls
}

// A hit is a label found in a line; its value runs from end to the next
// hit's start.
type hit struct {
	f          field
	start, end int // in key
	w          int // index of the label's first word
}

// hits returns the labels of l, left to right, longest at each position.
func hits(l *line) []hit {
	var hs []hit
	for i := 0; i < len(l.words); {
		found := false
		for _, lab := range labels {
			if lab.first && i != 0 || !lab.p.matchAt(l.words, i) {
				continue
			}
			end := l.words[i+len(lab.p)-1].end
			if lab.colon && !strings.HasPrefix(strings.TrimLeft(l.key[end:], " .'"), ":") {
				continue
			}
			hs = append(hs, hit{lab.f, l.words[i].start, end, i})
			i += len(lab.p)
			found = true
			break
		}
		if !found {
			i++
		}
	}
	return hs
}

// A box is a checkbox on a line: checked or not, and the text after it up
// to the next box.
type box struct {
	checked    bool
	start, end int // the box itself, in key
	text       *line
}

var (
	checkedBox   = regexp.MustCompile(`[\[(|]\s*[x×✓✔/]\s*[\])|lj1]?|(^|\s)[l|][x×][l|\]]|[☒☑✓✔■▣⊠]|\[xl\b`)
	uncheckedBox = regexp.MustCompile(`[\[(|]\s*_?\s*[\])|]|[☐□❏◻○]`)
)

func boxes(l *line) []box {
	var bs []box
	add := func(re *regexp.Regexp, checked bool) {
		for _, m := range re.FindAllStringIndex(l.key, -1) {
			s := m[0]
			for s < m[1] && l.key[s] == ' ' {
				s++
			}
			// "(x)" must stand alone: not the end of a word ("max)")
			if s > 0 && unicode.IsLetter(rune(l.key[s-1])) {
				continue
			}
			overlap := false
			for _, b := range bs {
				if s < b.end && m[1] > b.start {
					overlap = true
				}
			}
			if !overlap {
				bs = append(bs, box{checked: checked, start: s, end: m[1]})
			}
		}
	}
	add(checkedBox, true)
	add(uncheckedBox, false)
	for i := 1; i < len(bs); i++ {
		for j := i; j > 0 && bs[j].start < bs[j-1].start; j-- {
			bs[j], bs[j-1] = bs[j-1], bs[j]
		}
	}
	for i := range bs {
		end := len(l.key)
		if i+1 < len(bs) {
			end = bs[i+1].start
		}
		bs[i].text = newLine(l.n, l.origSpan(bs[i].end, end))
	}
	return bs
}

// section is the part of the form a generic "Name:" belongs to.
type section uint8

const (
	secNone section = iota
	secPatient
	secDiscloser
	secRecipient
)

type parser struct {
	lines    []*line // blank lines are nil
	dayFirst bool
	out      Prefill
	prose    Prefill // values read from sentences, used where no labeled field gave one
	sigOnly  bool    // the signature line is the patient's alone
	sigLine  int     // index of the last signature line, -1 before any
}

// maxParse is how much text ParseAuthorization reads: some ten pages.
const maxParse = 64 << 10

// ParseAuthorization reads the text of an authorization (as Read returns
// it, or as typed) and returns what it suggests for the evidence form.
// It is pure: no clock, no files, no network. It reads forms in English
// and Spanish, labeled ("Patient name: …") or written as sentences ("I,
// …, authorize … to release … to …"), with OCR's usual errors. What it
// cannot read it leaves not found rather than guessing.
func ParseAuthorization(text string) Prefill {
	if len(text) > maxParse { // a form is a few pages; more is not an authorization
		text = text[:maxParse]
	}
	text = strings.NewReplacer("\r\n", "\n", "\r", "\n", "\f", "\n\n").Replace(text)
	p := &parser{sigLine: -1}
	for i, s := range strings.Split(text, "\n") {
		s = strings.TrimSpace(s)
		if s == "" || !strings.ContainsFunc(s, func(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }) {
			p.lines = append(p.lines, nil)
			continue
		}
		p.lines = append(p.lines, newLine(i, s))
	}
	p.language()
	p.fields()
	p.statements()
	p.merge()
	p.signer()
	return p.out
}

// language tells Spanish from English wording, and whether numeric dates
// are written day first.
func (p *parser) language() {
	es, en := 0, 0
	esWords := map[string]bool{"autorizo": true, "paciente": true, "fecha": true, "firma": true,
		"informacion": true, "divulgar": true, "que": true, "del": true, "los": true, "las": true,
		"esta": true, "autorizacion": true, "por": true, "para": true, "el": true, "la": true, "de": true}
	enWords := map[string]bool{"authorize": true, "patient": true, "date": true, "signature": true,
		"information": true, "disclose": true, "release": true, "the": true, "this": true,
		"authorization": true, "of": true, "to": true, "and": true, "my": true, "for": true}
	for _, l := range p.lines {
		if l == nil {
			continue
		}
		for _, w := range l.words {
			switch {
			case esWords[w.s]:
				es++
			case enWords[w.s]:
				en++
			}
		}
		if strings.Contains(l.key, "dd/mm") || hasAny(l.words, ph("dia mes ano"), ph("dd mm aaaa"), ph("dd mm yyyy")) {
			p.dayFirst = true
		}
	}
	switch {
	case es > en:
		p.out.Language = roi.LanguageSpanish
	case en > 0:
		p.out.Language = roi.LanguageEnglish
	}
}

// statementLine reports whether l is a sentence of the form's fine print
// ("I understand that…"): its labels are words, not fields.
func statementLine(l *line) bool {
	return hasAny(l.words, ph("i understand"), ph("entiendo"), ph("i may"), ph("you may"),
		ph("if i do not"), ph("if no"), ph("si no"), ph("unless"), ph("a menos que"))
}

// next returns the index of the next non-blank line after i, or -1.
func (p *parser) next(i int) int {
	for j := i + 1; j < len(p.lines); j++ {
		if p.lines[j] != nil {
			return j
		}
	}
	return -1
}

func (p *parser) fields() {
	sec := secNone
	pending, pendingFrom := fNone, -1
	exclude, prevStmt := false, false
	for i, l := range p.lines {
		if l == nil {
			pending, exclude = fNone, false // a sentence of fine print may go on after a blank line
			continue
		}
		hs := hits(l)
		bs := boxes(l)
		// Fine print, or its sentence going on (a line that begins in
		// lower case after one).
		stmt := statementLine(l) || prevStmt && startsLower(l.orig)
		prevStmt = stmt

		// A value on the line after its label.
		if pending != fNone && len(hs) == 0 && len(bs) == 0 && !stmt && len(l.orig) <= 120 {
			p.value(pending, sec, p.lines[pendingFrom], l, 0, len(l.key), i)
		}
		pending = fNone

		if !stmt {
			for k, h := range hs {
				end := len(l.key)
				if k+1 < len(hs) {
					end = hs[k+1].start
				}
				switch h.f {
				case fDiscloser:
					sec = secDiscloser
				case fRecipient:
					sec = secRecipient
				case fPatient:
					sec = secPatient
				case fSignature:
					p.sigLine = i
					p.sigOnly = hasAny(l.words, ph("patient"), ph("paciente"), ph("individual")) &&
						!hasAny(l.words, ph("or"), ph("representative"), ph("representante"), ph("o"))
				}
				if !p.value(h.f, sec, l, l, h.end, end, i) && k == len(hs)-1 {
					pending, pendingFrom = h.f, i
				}
			}
			if len(hs) == 0 && hasAny(l.words, ph("patient information"), ph("informacion del paciente")) {
				sec = secPatient
			}
			p.proseLine(i, &sec, &pending, &pendingFrom)
		}
		p.dateRange(l, hs)

		// Checked boxes: categories, unless on a purpose or signer line.
		switch {
		case hasAny(l.words, ph("do not"), ph("except"), ph("exclude"), ph("excluding"),
			ph("no autorizo"), ph("excepto"), ph("no incluya"), ph("not include")):
			exclude = true
		case len(bs) == 0:
			exclude = false
		}
		if len(bs) == 0 {
			continue
		}
		skip := false
		for _, h := range hs {
			if h.f == fPurpose || h.f == fSignature || h.f == fAuthority || h.f == fSignedBy {
				skip = true
			}
		}
		signerLine := skip || hasAny(l.words, ph("signed by"), ph("signer"), ph("firmado por"),
			ph("relationship"), ph("relacion"), ph("parentesco"))
		for _, b := range bs {
			if !b.checked {
				continue
			}
			if signerLine {
				p.signerBox(l, b.text)
			}
			if skip || exclude {
				continue
			}
			for _, lab := range categories(b.text) {
				p.addLabel(lab, l)
			}
		}
	}
	if p.out.HasLabel(roi.LabelSubstanceUse) && p.part2() && !p.out.HasLabel(roi.LabelPart2) {
		for _, s := range p.out.Labels {
			if s.Value == roi.LabelSubstanceUse {
				p.addLabel(roi.LabelPart2, &line{orig: s.Line})
				break
			}
		}
	}
}

func (p *parser) addLabel(lab roi.Label, l *line) {
	if !p.out.HasLabel(lab) {
		p.out.Labels = append(p.out.Labels, Suggestion[roi.Label]{lab, l.orig})
	}
}

// value reads field f's value from key[start:end] of vl (the label being
// on ll), and reports whether there was one.
func (p *parser) value(f field, sec section, ll, vl *line, start, end, i int) bool {
	seg := newLine(vl.n, vl.origSpan(start, end))
	src := ll.orig
	if vl != ll {
		src = ll.orig + " / " + vl.orig
	}
	switch f {
	case fName:
		switch sec {
		case secRecipient:
			f = fRecipient
		case secDiscloser:
			f = fDiscloser
		case secPatient, secNone:
			f = fPatient
		}
	}
	switch f {
	case fPatient:
		return setName(&p.out.PatientName, seg, src)
	case fDiscloser:
		return setName(&p.out.Discloser, seg, src)
	case fRecipient:
		return setName(&p.out.Recipient, seg, src)
	case fRepName:
		ok := setName(&p.out.SignerName, seg, src)
		if ok {
			set(&p.out.SignedBy, roi.SignerRepresentative, src)
		}
		return ok
	case fPrinted:
		return setName(&p.out.SignerName, seg, src)
	case fBirth:
		return p.setDate(&p.out.BirthDate, seg, src)
	case fSigned:
		return p.setDate(&p.out.Signed, seg, src)
	case fDate:
		if p.sigLine >= 0 && i-p.sigLine <= 3 {
			return p.setDate(&p.out.Signed, seg, src)
		}
		return true // a date that is not the signature's: nothing to read
	case fSignature:
		ds := findDates(seg.orig, p.dayFirst)
		text := seg
		if len(ds) > 0 {
			p.setDate(&p.out.Signed, seg, src)
			text = newLine(seg.n, seg.orig[:ds[0].start])
		}
		return setName(&p.out.SignerName, text, src) || len(ds) > 0
	case fPurpose:
		if bs := boxes(seg); len(bs) > 0 {
			var chosen []string
			for _, b := range bs {
				if v := clean(b.text.orig); b.checked && v != "" {
					chosen = append(chosen, v)
				}
			}
			return set(&p.out.Purpose, strings.Join(chosen, "; "), src) || true
		}
		v := strings.TrimSuffix(clean(seg.orig), ".")
		if placeholder(seg) || !letters(v, 3) {
			return false
		}
		return set(&p.out.Purpose, v, src)
	case fExpires:
		v := clean(seg.orig)
		if v == "" {
			return false
		}
		if ds := findDates(seg.orig, p.dayFirst); len(ds) > 0 && !letters(clean(seg.orig[:ds[0].start]), 6) {
			return set(&p.out.Expires, ds[0].d, src)
		}
		if placeholder(seg) || !letters(v, 4) {
			return false
		}
		return set(&p.out.ExpirationEvent, strings.TrimSuffix(v, "."), src)
	case fAuthority:
		v := clean(seg.orig)
		if placeholder(seg) || !letters(v, 3) {
			return false
		}
		set(&p.out.AuthorityText, v, src)
		if a, ok := authority(seg); ok {
			set(&p.out.Authority, a, src)
		}
		set(&p.out.SignedBy, roi.SignerRepresentative, src)
		return true
	case fSignedBy:
		return len(boxes(seg)) > 0 // read as boxes by the caller
	case fStop, fRange:
		return true
	}
	return false
}

// set fills s with v from line src unless it is filled already (the first
// reading wins) or v is empty.
func set[T comparable](s *Suggestion[T], v T, src string) bool {
	var zero T
	if v == zero {
		return false
	}
	if !s.Found() {
		*s = Suggestion[T]{v, src}
	}
	return true
}

func (p *parser) setDate(s *Suggestion[roi.Date], seg *line, src string) bool {
	ds := findDates(seg.orig, p.dayFirst)
	if len(ds) == 0 {
		return false
	}
	return set(s, ds[0].d, src)
}

// setName fills s with the name seg holds, if it holds one.
func setName(s *Suggestion[string], seg *line, src string) bool {
	if placeholder(seg) {
		return false
	}
	v := clean(seg.orig)
	// An address after the name: "Smith & Jones LLP, 100 Main St".
	if m := addressAfter.FindStringIndex(v); m != nil {
		v = strings.TrimSpace(v[:m[0]])
	}
	if !letters(v, 2) || len(findDates(v, false)) > 0 && !letters(v, 6) {
		return false
	}
	return set(s, v, src)
}

var (
	addressAfter = regexp.MustCompile(`,\s*[0-9]`)
	parenthetic  = regexp.MustCompile(`^\([^)]*\)|\([^)]*\)$`)
)

// clean trims a value of the form's furniture: blanks drawn as
// underscores or dots, separators, and a parenthetical instruction at
// either end ("(print)", "(mm/dd/yyyy)").
func clean(s string) string {
	for {
		t := strings.TrimSpace(s)
		t = strings.TrimLeft(t, ":;-–—_.,|>*=~ ")
		t = strings.TrimRight(t, ":;-–—_,|<*=~ ")
		t = strings.TrimSpace(parenthetic.ReplaceAllString(t, ""))
		for strings.Contains(t, "__") {
			t = strings.ReplaceAll(t, "__", "_")
		}
		t = strings.ReplaceAll(t, " _ ", " ")
		if t == s {
			if len(t) > 200 {
				t = t[:200]
			}
			return t
		}
		s = t
	}
}

// letters reports whether s has at least n letters.
func letters(s string, n int) bool {
	c := 0
	for _, r := range s {
		if unicode.IsLetter(r) {
			c++
		}
	}
	return c >= n
}

// placeholder reports whether a value is the form's instruction rather
// than something written in ("the person named below").
func placeholder(seg *line) bool {
	return hasAny(seg.words, ph("named below"), ph("listed below"), ph("described below"),
		ph("indicated below"), ph("named above"), ph("the following"), ph("please print"),
		ph("print name"), ph("a continuacion"), ph("siguiente"), ph("abajo"), ph("mm dd yyyy"),
		ph("dd mm aaaa"), ph("mm dd aaaa"))
}

var (
	authorizeWords = []phrase{ph("authorize"), ph("authorise"), ph("authorizes"), ph("autorizo"), ph("autorizamos")}
	releaseVerbs   = []string{"release", "disclose", "use", "furnish", "provide", "send", "give", "share",
		"deliver", "exchange", "divulgar", "revelar", "entregar", "compartir", "proporcionar", "usar",
		"enviar", "facilitar", "dar", "divulgue", "entregue"}
	namePrefix = regexp.MustCompile(`^\s*(i|yo)\s*,(.+),\s*(hereby\s+|por la presente\s+)?$`)
)

// proseLine reads the sentence that grants the authorization: "I, NAME,
// authorize DISCLOSER to release … to RECIPIENT for the purpose of …",
// "Autorizo a DISCLOSER a divulgar … a RECIPIENT". A sentence OCR wrapped
// over lines is read joined, up to three lines.
func (p *parser) proseLine(i int, sec *section, pending *field, pendingFrom *int) {
	l := p.lines[i]
	at := -1
	for _, w := range authorizeWords {
		if at = w.find(l.words); at >= 0 {
			break
		}
	}
	if at < 0 {
		return
	}
	joined := l.orig
	for j, n := i, 0; n < 2; n++ {
		if j = p.next(j); j < 0 || j != i+n+1 || !onlyPurpose(hits(p.lines[j])) || len(boxes(p.lines[j])) > 0 {
			break
		}
		joined += " " + p.lines[j].orig
	}
	s := newLine(i, joined)
	src := s.orig
	ws := s.words
	es := strings.HasPrefix(ws[at].s, "autori")

	if m := namePrefix.FindStringSubmatchIndex(s.key[:ws[at].start]); m != nil {
		setName(&p.prose.PatientName, newLine(i, s.origSpan(m[4], m[5])), src)
	}
	start := at + 1
	if es && start < len(ws) && (ws[start].s == "a" || ws[start].s == "al") {
		start++
	}
	to := "to"
	if es {
		to = "a"
	}
	verb := -1
	for k := start; k+1 < len(ws); k++ {
		if ws[k].s == to && isVerb(ws[k+1].s) {
			verb = k + 1
			break
		}
	}
	if verb < 0 {
		return
	}
	if start < verb-1 {
		d := newLine(i, s.origSpan(ws[start].start, ws[verb-1].start))
		if !hasAny(d.words[:min(2, len(d.words))], ph("the"), ph("release"), ph("use"), ph("disclosure"), ph("la"), ph("el")) {
			setName(&p.prose.Discloser, d, src)
		}
	}
	for k := verb + 1; k < len(ws); k++ {
		if ws[k].s != to && !(es && ws[k].s == "al") {
			continue
		}
		end := len(s.key)
		for j := k + 1; j < len(ws); j++ {
			if ws[j].s == "for" || ws[j].s == "para" || (es && ws[j].s == "con" && j+1 < len(ws) && ws[j+1].s == "el") {
				end = ws[j].start
				break
			}
		}
		r := newLine(i, s.origSpan(ws[k].end, end))
		if !setName(&p.prose.Recipient, r, src) {
			*sec = secRecipient
			*pending, *pendingFrom = fRecipient, i
		}
		break
	}
	if k := ph("for the purpose of").find(ws); k >= 0 && !p.out.Purpose.Found() {
		v := clean(strings.TrimRight(s.origSpan(ws[k+3].end, len(s.key)), "."))
		if letters(v, 3) {
			set(&p.prose.Purpose, v, src)
		}
	}
}

func isVerb(w string) bool {
	for _, v := range releaseVerbs {
		if wordMatch(w, v) {
			return true
		}
	}
	return false
}

// dateRange reads "from DATE to DATE" (or "DATE - DATE", "desde … hasta")
// on a line that is not about birth or signature.
func (p *parser) dateRange(l *line, hs []hit) {
	if p.out.From.Found() {
		return
	}
	labeled := false
	for _, h := range hs {
		switch h.f {
		case fBirth, fSignature, fSigned, fDate, fExpires:
			return
		case fRange:
			labeled = true
		}
	}
	fromWord := hasAny(l.words, ph("from"), ph("desde"), ph("del"), ph("between"), ph("entre"))
	if !labeled && !fromWord {
		return
	}
	ds := findDates(l.orig, p.dayFirst)
	for k := 0; k+1 < len(ds); k++ {
		between := strings.ToLower(strings.TrimSpace(l.orig[ds[k].end:ds[k+1].start]))
		switch between {
		case "to", "through", "thru", "until", "-", "–", "—", "hasta", "al", "a", "and", "y":
			set(&p.out.From, ds[k].d, l.orig)
			set(&p.out.To, ds[k+1].d, l.orig)
			return
		}
	}
	if len(ds) == 1 && hasAny(l.words, ph("present"), ph("to date"), ph("hasta la fecha"), ph("actualidad"), ph("presente")) {
		set(&p.out.From, ds[0].d, l.orig)
	}
}

// categories returns the desk's labels a checked box's text names.
func categories(t *line) []roi.Label {
	var out []roi.Label
	for _, c := range categoryTable {
		if hasAny(t.words, c.ps...) {
			out = append(out, c.l)
		}
	}
	if len(out) == 0 && hasAny(t.words, generalRecords...) {
		out = append(out, roi.LabelGeneral)
	}
	return out
}

var categoryTable = []struct {
	l  roi.Label
	ps []phrase
}{
	{roi.LabelHIV, []phrase{ph("hiv"), ph("aids"), ph("vih"), ph("sida")}},
	{roi.LabelPsychotherapyNote, []phrase{ph("psychotherapy*"), ph("psicoterapia*")}},
	{roi.LabelSUDCounselingNote, []phrase{ph("sud counseling"), ph("substance use disorder counseling"),
		ph("counseling notes of a part 2")}},
	{roi.LabelBehavioralHealth, []phrase{ph("mental health"), ph("behavioral health"), ph("psychiatr*"),
		ph("psycholog*"), ph("salud mental"), ph("psiquiatr*"), ph("psicolog*")}},
	{roi.LabelSubstanceUse, []phrase{ph("alcohol*"), ph("drug abuse"), ph("drug use"), ph("drug treatment"),
		ph("substance*"), ph("chemical dependency"), ph("addiction*"), ph("droga*"), ph("sustancia*"),
		ph("adiccion*")}},
	{roi.LabelPart2, []phrase{ph("part 2"), ph("42 cfr"), ph("42 c f r"), ph("parte 2")}},
	{roi.LabelGenetic, []phrase{ph("genet*")}},
	{roi.LabelSTI, []phrase{ph("sexually transmitted"), ph("std"), ph("stds"), ph("sti"), ph("stis"),
		ph("venereal"), ph("transmision sexual")}},
	{roi.LabelReproductive, []phrase{ph("reproducti*"), ph("abortion"), ph("aborto"), ph("family planning"),
		ph("planificacion familiar"), ph("pregnancy"), ph("embarazo"), ph("contracepti*"), ph("anticoncepti*")}},
	{roi.LabelViolence, []phrase{ph("domestic violence"), ph("sexual assault"), ph("sexual abuse"),
		ph("child abuse"), ph("elder abuse"), ph("physical abuse"), ph("intimate partner"), ph("violence"),
		ph("violencia*"), ph("agresion sexual"), ph("abuso sexual"), ph("maltrato")}},
}

var generalRecords = []phrase{ph("entire"), ph("complete"), ph("all records"), ph("all medical records"),
	ph("discharge summary"), ph("history and physical"), ph("lab*"), ph("radiology"), ph("x ray"),
	ph("imaging"), ph("progress notes"), ph("medication*"), ph("immunization*"), ph("billing"),
	ph("itemized"), ph("operative"), ph("consultation*"), ph("emergency"), ph("office notes"),
	ph("clinic notes"), ph("expediente*"), ph("historia clinica"), ph("resumen de alta"), ph("radiologia"),
	ph("completo"), ph("completa"), ph("vacuna*"), ph("facturacion"), ph("notas de progreso")}

// authority returns the representative authority t's words name.
func authority(t *line) (roi.Authority, bool) {
	switch {
	case hasAny(t.words, ph("health care power of attorney"), ph("healthcare power of attorney"),
		ph("medical power of attorney"), ph("health care proxy"), ph("health care agent"),
		ph("healthcare agent"), ph("health care surrogate"), ph("poder medico"),
		ph("poder notarial para atencion medica"), ph("poder para atencion medica"),
		ph("apoderado de atencion medica"), ph("healthcare poa"), ph("health care poa")):
		return roi.AuthorityHealthcarePOA, true
	case hasAny(t.words, ph("financial power of attorney"), ph("power of attorney for finances"),
		ph("poder financiero"), ph("financial poa")):
		return roi.AuthorityFinancialPOA, true
	case hasAny(t.words, ph("guardian"), ph("conservator"), ph("tutor"), ph("tutora"), ph("tutor legal")):
		return roi.AuthorityGuardian, true
	case hasAny(t.words, ph("parent"), ph("mother"), ph("father"), ph("padre"), ph("madre"), ph("padres")):
		return roi.AuthorityParent, true
	case hasAny(t.words, ph("executor"), ph("executrix"), ph("albacea"), ph("personal representative of the estate")):
		return roi.AuthorityExecutor, true
	case hasAny(t.words, ph("administrator"), ph("administratrix"), ph("administrador")):
		return roi.AuthorityAdministrator, true
	}
	return "", false
}

// signerBox reads a checked box on a "Signed by" line.
func (p *parser) signerBox(l, t *line) {
	if a, ok := authority(t); ok {
		set(&p.out.SignedBy, roi.SignerRepresentative, l.orig)
		set(&p.out.Authority, a, l.orig)
		set(&p.out.AuthorityText, clean(t.orig), l.orig)
		return
	}
	if hasAny(t.words, ph("patient"), ph("self"), ph("paciente"), ph("individual")) &&
		!hasAny(t.words, ph("representative"), ph("representante")) {
		set(&p.out.SignedBy, roi.SignerPatient, l.orig)
	}
}

var (
	statementTable = []struct {
		s  roi.Statement
		ps []phrase
	}{
		{roi.StatementRevocation, []phrase{ph("revoke*"), ph("revok*"), ph("revocation"), ph("revocar*"),
			ph("revocacion")}},
		{roi.StatementRedisclosure, []phrase{ph("redisclos*"), ph("re disclos*"), ph("no longer be protected"),
			ph("no longer protected"), ph("disclosed again"), ph("redivulga*"), ph("volver a ser divulgada"),
			ph("ya no estar protegida"), ph("ya no estara protegida"), ph("nuevamente divulgada")}},
	}
	conditionVerbs = []phrase{ph("condition"), ph("conditioned"), ph("conditioning"), ph("condicionar"),
		ph("condicionado"), ph("condicionados"), ph("condicionada"), ph("condicionadas"),
		ph("condicionara"), ph("condicionaran"), ph("condiciona")}
	conditionObjects = []phrase{ph("treatment"), ph("payment"), ph("enrollment"), ph("eligibility"),
		ph("tratamiento"), ph("pago"), ph("inscripcion"), ph("elegibilidad")}
	part2Phrases = []phrase{ph("42 cfr part 2"), ph("42 c f r part 2"), ph("42 cfr 2"), ph("42 c f r 2"),
		ph("part 2 program"), ph("42 cfr parte 2"), ph("confidentiality of substance use disorder patient records"),
		ph("programa de la parte 2")}
	tpoPhrases = []phrase{ph("treatment payment and health care operations"),
		ph("treatment payment and healthcare operations"), ph("treatment payment or health care operations"),
		ph("tratamiento pago y operaciones de atencion medica")}
)

// statements finds the required statements, Part 2 and TPO wording over
// the whole text, two lines at a time (a sentence wraps).
func (p *parser) statements() {
	var prev []word
	for i, l := range p.lines {
		if l == nil {
			prev = nil
			continue
		}
		ws, next := l.words, []word(nil)
		if j := p.next(i); j >= 0 {
			next = p.lines[j].words
			ws = append(append([]word(nil), ws...), next...)
		}
		// here: the wording is on this line, or begins on it and ends on
		// the next (the next line's own wording is found on its turn).
		here := func(ps ...phrase) bool {
			return hasAny(l.words, ps...) || hasAny(ws, ps...) && !hasAny(next, ps...)
		}
		for _, st := range statementTable {
			if here(st.ps...) {
				p.addStatement(st.s, l)
			}
		}
		if hasAny(l.words, conditionVerbs...) && hasAny(ws, conditionObjects...) ||
			hasAny(l.words, conditionObjects...) && hasAny(next, conditionVerbs...) {
			p.addStatement(roi.StatementConditioning, l)
		}
		if here(part2Phrases...) {
			set(&p.out.Part2, true, l.orig)
		}
		future := []phrase{ph("future"), ph("futuro"), ph("futuros"), ph("futuras")}
		if here(tpoPhrases...) && (hasAny(ws, future...) || hasAny(prev, future...)) {
			set(&p.out.TPO, true, l.orig)
		}
		prev = l.words
	}
	if !p.out.Part2.Found() {
		p.out.TPO = Suggestion[bool]{}
	}
}

func (p *parser) addStatement(s roi.Statement, l *line) {
	if !p.out.HasStatement(s) {
		p.out.Statements = append(p.out.Statements, Suggestion[roi.Statement]{s, l.orig})
	}
}

func (p *parser) part2() bool {
	for _, l := range p.lines {
		if l != nil && hasAny(l.words, part2Phrases...) {
			return true
		}
	}
	return false
}

// merge fills what no labeled field gave from the sentences.
func (p *parser) merge() {
	o, s := &p.out, &p.prose
	if !o.PatientName.Found() && !(o.SignedBy.Value == roi.SignerRepresentative && sameName(s.PatientName.Value, o.SignerName.Value)) {
		o.PatientName = s.PatientName
	}
	if !o.Discloser.Found() {
		o.Discloser = s.Discloser
	}
	if !o.Recipient.Found() {
		o.Recipient = s.Recipient
	}
	if !o.Purpose.Found() {
		o.Purpose = s.Purpose
	}
}

// signer settles who signed when no box or representative field said so:
// the patient, when the signature line is the patient's alone and was
// filled in, or when the name signed is the patient's.
func (p *parser) signer() {
	o := &p.out
	if o.SignedBy.Found() || p.sigLine < 0 {
		return
	}
	src := p.lines[p.sigLine].orig
	if o.SignerName.Found() && o.PatientName.Found() && sameName(o.SignerName.Value, o.PatientName.Value) {
		set(&o.SignedBy, roi.SignerPatient, o.SignerName.Line)
		return
	}
	if p.sigOnly && (o.SignerName.Found() || o.Signed.Found()) {
		set(&o.SignedBy, roi.SignerPatient, src)
	}
}

// sameName reports whether two names read are one person's: every word of
// the shorter is a word, or the initial, of the longer ("María E. López"
// and "María Elena López García").
func sameName(a, b string) bool {
	wa, wb := newLine(0, a).words, newLine(0, b).words
	if len(wa) == 0 || len(wb) == 0 {
		return false
	}
	if len(wa) > len(wb) {
		wa, wb = wb, wa
	}
	for _, x := range wa {
		ok := false
		for _, y := range wb {
			if x.s == y.s || len(x.s) == 1 && strings.HasPrefix(y.s, x.s) {
				ok = true
				break
			}
		}
		if !ok {
			return false
		}
	}
	return true
}

// startsLower reports whether s begins with a lower-case letter.
func startsLower(s string) bool {
	for _, r := range s {
		return unicode.IsLower(r)
	}
	return false
}

// onlyPurpose reports whether every hit is "for the purpose of" and the
// like: a sentence's own words, not a field of the form.
func onlyPurpose(hs []hit) bool {
	for _, h := range hs {
		if h.f != fPurpose {
			return false
		}
	}
	return true
}
