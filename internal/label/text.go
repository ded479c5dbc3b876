package label

import (
	"encoding/json"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"

	"github.com/custodian-roi/custodian/internal/roi"
)

// TermList is one label's words: data files (terms/*.json) naming their
// sources, read by the text rules.
type TermList struct {
	ID      string   `json:"id"`
	Label   string   `json:"label"`
	Version string   `json:"version"`
	Title   string   `json:"title"`
	Sources []string `json:"sources"`
	// NegationCancels is false where a negative finding is still the
	// category's information (an HIV test that was negative is an HIV test).
	NegationCancels bool `json:"negation_cancels"`
	// Terms mean the category by themselves; Weak words usually do but
	// have ordinary uses; Exclude phrases contain one of them and mean
	// something ordinary ("st depression", "alcohol swab").
	Terms   []string `json:"terms"`
	Weak    []string `json:"weak"`
	Exclude []string `json:"exclude"`

	label roi.Label
}

// negation is the NegEx-style list of cues before a finding that negate
// it, and pseudo-cues that contain a cue but do not ("no increase").
type negation struct {
	ID      string   `json:"id"`
	Version string   `json:"version"`
	Sources []string `json:"sources"`
	Cues    []string `json:"cues"`
	Pseudo  []string `json:"pseudo"`
	// Terminators end a negation's scope: "denies HI, endorses suicidal
	// ideation" negates HI, not the ideation.
	Terminators []string `json:"terminators"`
	Window      int      `json:"window"`
}

// phrase kinds.
const (
	kindTerm = iota
	kindWeak
	kindExclude
	kindCue
	kindPseudo
	kindStop
)

type phrase struct {
	rest []string // the tokens after the first
	text string   // the whole phrase, normalized
	kind int
	list int // index in matcher.lists; -1 for cues
}

// matcher finds the term lists' phrases in text.
type matcher struct {
	lists  []*TermList
	first  map[string][]phrase // by first token
	window int
	// obstetric is the reproductive list, for the gravida/para shorthand
	// ("G2P1", "G3P2012"), which is a pattern rather than a word.
	obstetric int
}

func newMatcher(lists []*TermList, neg negation) (*matcher, error) {
	m := &matcher{lists: lists, first: map[string][]phrase{}, window: neg.Window, obstetric: -1}
	for i, l := range lists {
		if l.label == roi.LabelReproductive {
			m.obstetric = i
		}
	}
	if m.window <= 0 {
		m.window = 5
	}
	add := func(s string, kind, list int) error {
		toks := tokens(s)
		if len(toks) == 0 {
			return fmt.Errorf("label: the phrase %q has no words", s)
		}
		m.first[toks[0]] = append(m.first[toks[0]], phrase{rest: toks[1:], text: strings.Join(toks, " "), kind: kind, list: list})
		return nil
	}
	for i, l := range lists {
		for _, group := range []struct {
			words []string
			kind  int
		}{{l.Terms, kindTerm}, {l.Weak, kindWeak}, {l.Exclude, kindExclude}} {
			for _, w := range group.words {
				if err := add(w, group.kind, i); err != nil {
					return nil, err
				}
			}
		}
	}
	for _, c := range neg.Cues {
		if err := add(c, kindCue, -1); err != nil {
			return nil, err
		}
	}
	for _, c := range neg.Pseudo {
		if err := add(c, kindPseudo, -1); err != nil {
			return nil, err
		}
	}
	for _, c := range neg.Terminators {
		if err := add(c, kindStop, -1); err != nil {
			return nil, err
		}
	}
	return m, nil
}

// tokens normalizes s as the matcher reads text: lower case, runs of
// letters or digits, everything else a separator.
func tokens(s string) []string {
	var t tokenizer
	t.run(s)
	out := make([]string, len(t.toks))
	for i, k := range t.toks {
		out[i] = string(t.buf[k.start:k.end])
	}
	return out
}

type tok struct {
	start, end int32
	sentence   int32
}

// tokenizer splits text into lower-case tokens, keeping its buffers between
// texts: labeling reads every string of every resource.
type tokenizer struct {
	buf  []byte
	toks []tok
}

func (t *tokenizer) run(s string) {
	t.buf, t.toks = t.buf[:0], t.toks[:0]
	sentence := int32(0)
	in, digits := false, false
	end := func() {
		if in {
			t.toks[len(t.toks)-1].end = int32(len(t.buf))
			in = false
		}
	}
	for i := 0; i < len(s); {
		c := s[i]
		var r rune
		size := 1
		if c < utf8.RuneSelf {
			r = rune(c)
		} else {
			r, size = utf8.DecodeRuneInString(s[i:])
		}
		i += size
		if r >= utf8.RuneSelf {
			switch r {
			case '\u00ad', '\u200b', '\u200c', '\u200d', '\u2060', '\ufeff':
				continue // soft hyphens and zero-width marks join what they sit in
			}
			if folded, ok := fold(r); ok {
				r = folded
			}
		}
		// A word broken across a line ("chla-" then "mydia") is one word.
		if r == '-' && in && !digits {
			j := i
			for j < len(s) && (s[j] == ' ' || s[j] == '\t' || s[j] == '\r') {
				j++
			}
			if j < len(s) && s[j] == '\n' {
				j++
				for j < len(s) && (s[j] == ' ' || s[j] == '\t') {
					j++
				}
				if j < len(s) && isLetter(s[j]) {
					i = j
					continue
				}
			}
		}
		letter := 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || r >= utf8.RuneSelf && unicode.IsLetter(r)
		digit := '0' <= r && r <= '9' || r >= utf8.RuneSelf && unicode.IsDigit(r)
		if !letter && !digit {
			end()
			switch r {
			case '.', ';', '!', '?', '\n', ':':
				sentence++ // a negation does not reach past a sentence
			}
			continue
		}
		// Letters and digits are separate words: "HIV1" is "hiv 1",
		// "PHQ9" is "phq 9", "x2" is "x 2".
		if in && digit != digits {
			end()
		}
		if !in {
			t.toks = append(t.toks, tok{start: int32(len(t.buf)), sentence: sentence})
			in, digits = true, digit
		}
		if r < utf8.RuneSelf {
			if 'A' <= r && r <= 'Z' {
				r += 'a' - 'A'
			}
			t.buf = append(t.buf, byte(r))
		} else {
			t.buf = utf8.AppendRune(t.buf, unicode.ToLower(r))
		}
	}
	end()
	t.joinLetters()
}

// joinLetters makes one word of a run of single letters ("H I V",
// "H.I.V.", "S T D"): the letters are already adjacent in the buffer.
func (t *tokenizer) joinLetters() {
	out := t.toks[:0]
	for i := 0; i < len(t.toks); {
		j := i
		for j < len(t.toks) && t.toks[j].end-t.toks[j].start == 1 && isLetter(t.buf[t.toks[j].start]) {
			j++
		}
		if j-i >= 2 {
			out = append(out, tok{start: t.toks[i].start, end: t.toks[j-1].end, sentence: t.toks[i].sentence})
			i = j
			continue
		}
		out = append(out, t.toks[i])
		i++
	}
	t.toks = out
}

func isDigits(b []byte) bool {
	for _, c := range b {
		if c < '0' || c > '9' {
			return false
		}
	}
	return len(b) > 0
}

func isLetter(c byte) bool { c |= 0x20; return 'a' <= c && c <= 'z' }

// fold reads a letter or digit as the ASCII one it is written from, where
// there is one: accents dropped ("depresión" is "depresion"), full-width
// forms narrowed ("ＨＩＶ" is "HIV"). Compatibility decomposition (NFKD)
// gives the base character first.
func fold(r rune) (rune, bool) {
	var buf [utf8.UTFMax * 4]byte
	n := utf8.EncodeRune(buf[:], r)
	d := norm.NFKD.Append(nil, buf[:n]...)
	if len(d) > 0 && d[0] < utf8.RuneSelf && (isLetter(d[0]) || '0' <= d[0] && d[0] <= '9') {
		return rune(d[0]), true
	}
	return r, false
}

func (t *tokenizer) word(i int) []byte { return t.buf[t.toks[i].start:t.toks[i].end] }

// hit is one term found in a text.
type hit struct {
	list int
	weak bool
	term string
}

type span struct{ from, to, list int } // tokens [from, to)

// find reports the terms found in text, in order, without those inside an
// exclude phrase of the same list or (where the list says so) negated.
//
// negation false reads every term as affirmed: a goal of "no self-harm
// episodes" or "abstinence from alcohol" is about self-harm and alcohol.
func (m *matcher) find(t *tokenizer, text string, negation bool, out []hit) []hit {
	t.run(text)
	n := len(t.toks)
	var excl, cues []span
	var found []struct {
		span
		weak bool
		text string
	}
	for i := 0; i < n; i++ {
		ps := m.first[string(t.word(i))]
		for k := range ps {
			p := &ps[k]
			if i+1+len(p.rest) > n {
				continue
			}
			ok := true
			for j, w := range p.rest {
				if string(t.word(i+1+j)) != w {
					ok = false
					break
				}
			}
			if !ok {
				continue
			}
			s := span{i, i + 1 + len(p.rest), p.list}
			switch p.kind {
			case kindExclude:
				excl = append(excl, s)
			case kindCue:
				cues = append(cues, s)
			case kindPseudo:
				cues = append(cues, span{s.from, s.to, -2})
			case kindStop:
				cues = append(cues, span{s.from, s.to, -3})
			default:
				found = append(found, struct {
					span
					weak bool
					text string
				}{s, p.kind == kindWeak, p.text})
			}
		}
	}
	if m.obstetric >= 0 {
		// g <digits> p <digits>: the words of "G2P1" once letters and
		// digits are apart.
		for i := 0; i+3 < n; i++ {
			if string(t.word(i)) == "g" && isDigits(t.word(i+1)) && string(t.word(i+2)) == "p" && isDigits(t.word(i+3)) {
				found = append(found, struct {
					span
					weak bool
					text string
				}{span{i, i + 4, m.obstetric}, false, "gravida/para (GxPy)"})
			}
		}
	}
next:
	for _, f := range found {
		for _, e := range excl {
			if e.list == f.list && e.from <= f.from && f.to <= e.to {
				continue next
			}
		}
		if negation && m.lists[f.list].NegationCancels && m.negated(t, cues, f.from) {
			continue
		}
		out = append(out, hit{list: f.list, weak: f.weak, term: f.text})
	}
	return out
}

// negated reports whether a cue ends within the window before token at,
// in the same sentence, and is not part of a pseudo-cue.
func (m *matcher) negated(t *tokenizer, cues []span, at int) bool {
	for _, c := range cues {
		if c.list != -1 || c.to > at || at-c.to > m.window || t.toks[c.from].sentence != t.toks[at].sentence {
			continue
		}
		stopped := false
		for _, x := range cues {
			if x.list == -3 && x.from >= c.to && x.from < at {
				stopped = true
				break
			}
		}
		if stopped {
			continue
		}
		pseudo := false
		for _, p := range cues {
			if p.list == -2 && p.from <= c.from && c.to <= p.to {
				pseudo = true
				break
			}
		}
		if !pseudo {
			return true
		}
	}
	return false
}

func loadTerms() ([]*TermList, negation, error) {
	var neg negation
	entries, err := files.ReadDir("terms")
	if err != nil {
		return nil, neg, err
	}
	var out []*TermList
	for _, e := range entries {
		data, err := files.ReadFile("terms/" + e.Name())
		if err != nil {
			return nil, neg, err
		}
		if e.Name() == "negation.json" {
			if err := json.Unmarshal(data, &neg); err != nil {
				return nil, neg, fmt.Errorf("label: %s: %w", e.Name(), err)
			}
			continue
		}
		l := &TermList{}
		if err := json.Unmarshal(data, l); err != nil {
			return nil, neg, fmt.Errorf("label: term list %s: %w", e.Name(), err)
		}
		lb, ok := roi.ParseLabel(l.Label)
		if !ok || lb == roi.LabelGeneral {
			return nil, neg, fmt.Errorf("label: term list %s: unknown label %q", e.Name(), l.Label)
		}
		if l.Version == "" || len(l.Sources) == 0 {
			return nil, neg, fmt.Errorf("label: term list %s: a version and its sources are required", e.Name())
		}
		l.label = lb
		out = append(out, l)
	}
	return out, neg, nil
}
