// Package label decides, once, at ingestion, which sensitivity labels a
// chart item carries and why: each label comes with its provenance (the
// rule, the value set and its version, the code and the resource that
// triggered it). The engine then decides from labels alone.
//
// It is pure: value sets are data files embedded in the binary
// (valuesets/*.json, each naming its sources), configuration comes in as a
// value, and nothing here reads a disk, a network or the clock.
package label

import (
	"embed"
	"encoding/json"
	"fmt"
	"io"
	"runtime"
	"sort"
	"strings"
	"sync"

	"github.com/custodian-roi/custodian/internal/roi"
)

// Coding is a code in a code system.
type Coding struct {
	System string `json:"system"`
	Code   string `json:"code"`
}

// Code systems the value sets use.
const (
	ICD10CM = "http://hl7.org/fhir/sid/icd-10-cm"
	SNOMED  = "http://snomed.info/sct"
	LOINC   = "http://loinc.org"
	RxNorm  = "http://www.nlm.nih.gov/research/umls/rxnorm"
	// DocTypeSystem holds Custodian's own document-type codes, for EHRs that
	// mark separately kept notes with a local code mapped to these.
	DocTypeSystem = "urn:custodian:document-type"
)

// ValueSet is one sensitive value set: the label it gives and the codes that
// give it.
type ValueSet struct {
	ID      string   `json:"id"`
	Label   string   `json:"label"`
	Version string   `json:"version"`
	Title   string   `json:"title"`
	Sources []string `json:"sources"`
	Include []struct {
		System string      `json:"system"`
		Ranges [][2]string `json:"ranges"` // ICD-10-CM three-character categories, inclusive
		Codes  []struct {
			Code    string `json:"code"`
			Display string `json:"display"`
		} `json:"codes"`
	} `json:"include"`

	label roi.Label
	codes map[Coding]bool
}

// Contains reports whether c is in the value set. ICD-10-CM codes match
// with or without their dot, by category range or exactly.
func (v *ValueSet) Contains(c Coding) bool {
	if v.codes[c] {
		return true
	}
	if c.System != ICD10CM {
		return false
	}
	code := strings.ToUpper(strings.ReplaceAll(c.Code, ".", ""))
	if len(code) < 3 {
		return false
	}
	if v.codes[Coding{ICD10CM, dotted(code)}] {
		return true
	}
	cat := code[:3]
	for _, inc := range v.Include {
		if inc.System != ICD10CM {
			continue
		}
		for _, r := range inc.Ranges {
			if cat >= r[0] && cat <= r[1] {
				return true
			}
		}
	}
	return false
}

func dotted(code string) string {
	if len(code) > 3 {
		return code[:3] + "." + code[3:]
	}
	return code
}

//go:embed valuesets/*.json valuesets/*.tsv terms/*.json
var files embed.FS

// ValueSets returns the embedded value sets, by ID.
func ValueSets() ([]*ValueSet, error) {
	entries, err := files.ReadDir("valuesets")
	if err != nil {
		return nil, err
	}
	var out []*ValueSet
	for _, e := range entries {
		if !strings.HasSuffix(e.Name(), ".json") || e.Name() == "c2s-corrections.json" {
			continue // the C2S table and its corrections are read by loadC2S
		}
		data, err := files.ReadFile("valuesets/" + e.Name())
		if err != nil {
			return nil, err
		}
		v := &ValueSet{}
		if err := json.Unmarshal(data, v); err != nil {
			return nil, fmt.Errorf("label: value set %s: %w", e.Name(), err)
		}
		l, ok := roi.ParseLabel(v.Label)
		if !ok || l == roi.LabelGeneral {
			return nil, fmt.Errorf("label: value set %s: unknown label %q", e.Name(), v.Label)
		}
		if v.Version == "" || len(v.Sources) == 0 {
			return nil, fmt.Errorf("label: value set %s: a version and its sources are required", e.Name())
		}
		v.label, v.codes = l, map[Coding]bool{}
		for _, inc := range v.Include {
			for _, c := range inc.Codes {
				v.codes[Coding{inc.System, c.Code}] = true
			}
		}
		out = append(out, v)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out, nil
}

// MinorService is care a minor of at least MinAge may consent to alone in
// the desk's state (the services configured as minor-consentable).
type MinorService struct {
	Label  string `json:"label"`
	MinAge int    `json:"min_age"`
}

// Config is the desk's labeling configuration.
type Config struct {
	// Part2Programs are the organizations (NPI or name, as the importer
	// reports them) that are 42 CFR Part 2 programs. Every record they
	// produce is a Part 2 record; SUD care elsewhere (a general emergency
	// department, say) is not.
	Part2Programs []string `json:"part2_programs"`
	// MinorServices are the services a minor may consent to alone.
	MinorServices []MinorService `json:"minor_services"`
	// AgeOfMajority defaults to 18.
	AgeOfMajority int `json:"age_of_majority"`
	// PsychotherapyNoteTypes and SUDCounselingNoteTypes are the document
	// types of separately kept notes (in addition to Custodian's own codes).
	PsychotherapyNoteTypes []Coding `json:"psychotherapy_note_types"`
	SUDCounselingNoteTypes []Coding `json:"sud_counseling_note_types"`
	// LocalCodes map an organization's own codes to labels: codes an EHR
	// files under its own system (or, as Synthea-HIV does, under a standard
	// system they do not belong to) that no value set can know.
	LocalCodes []LocalCode `json:"local_codes"`
}

// LocalCode is one of an organization's own codes and the label it gives.
type LocalCode struct {
	System  string `json:"system"`
	Code    string `json:"code"`
	Label   string `json:"label"`
	Display string `json:"display,omitempty"` // for the people who keep the list
}

// DecodeConfig reads a labeling configuration.
func DecodeConfig(data []byte) (Config, error) {
	var c Config
	dec := json.NewDecoder(strings.NewReader(string(data)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&c); err != nil {
		return c, fmt.Errorf("label configuration: %w", err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return c, fmt.Errorf("label configuration: something follows the configuration object")
	}
	// An age of majority below the real one would treat minors as adults
	// and drop their minor-consent labels: only real ages (0: the default).
	if c.AgeOfMajority < 0 || c.AgeOfMajority > 30 {
		return c, fmt.Errorf("label configuration: age_of_majority: must be an age between 1 and 30 (or absent for 18)")
	}
	for i, lc := range c.LocalCodes {
		if l, ok := roi.ParseLabel(lc.Label); !ok || l == roi.LabelGeneral {
			return c, fmt.Errorf("label configuration: local_codes[%d].label: unknown label %q", i, lc.Label)
		}
		if lc.System == "" || lc.Code == "" {
			return c, fmt.Errorf("label configuration: local_codes[%d]: a system and a code are required", i)
		}
	}
	for i, m := range c.MinorServices {
		if l, ok := roi.ParseLabel(m.Label); !ok || l == roi.LabelGeneral {
			return c, fmt.Errorf("label configuration: minor_services[%d].label: unknown label %q", i, m.Label)
		}
		if m.MinAge < 0 || m.MinAge > 30 {
			return c, fmt.Errorf("label configuration: minor_services[%d].min_age: must be an age between 0 and 30", i)
		}
	}
	return c, nil
}

// Source is why an item carries a label.
type Source = roi.LabelSource

// Item is what the labeler looks at for one chart item.
type Item struct {
	Resources []string // Type/id of the item's resources, its own first
	// Raw are the item's resources as received, parallel to Resources (or
	// shorter): every coding, text, note, attachment and security label in
	// them is read.
	Raw     [][]byte
	Codes   []Coding // codes found by the importer, besides those in Raw
	DocType []Coding
	Org     string
	// Names are the Type/id of the resources the item names along the
	// edges its labels follow (a reason, a condition addressed, a
	// diagnosis ...); see Chart.
	Names []string
	// Source is the name the packet prints as the item's source (an
	// organization or author named in another resource): "Riverside
	// Addiction Services" says what the record is about as much as a code.
	Source string
	// AgeAtDate is the patient's age on the item's date; negative if unknown.
	AgeAtDate int
}

// Labeler labels chart items.
type Labeler struct {
	sets  []*ValueSet
	c2s   *c2sTable
	text  *matcher
	local map[Coding]roi.Label
	cfg   Config
	pn    map[Coding]bool
	scn   map[Coding]bool
	p2    map[string]bool
	pdf   func([]byte) (string, bool)
	index map[Coding][]indexed // every listed code of the value sets and C2S
}

type indexed struct {
	label    roi.Label
	valueSet string // id@version, for provenance
}

// WithPDFReader returns a labeler that also reads the words of PDF
// attachments with read (package label reads no PDF itself: the caller
// brings a PDF library). The labeler is shared; this returns a copy.
func (l *Labeler) WithPDFReader(read func([]byte) (string, bool)) *Labeler {
	c := *l
	c.pdf = read
	return &c
}

// New returns a labeler with the embedded value sets and term lists and cfg.
func New(cfg Config) (*Labeler, error) {
	sets, err := ValueSets()
	if err != nil {
		return nil, err
	}
	c2s, err := loadC2S()
	if err != nil {
		return nil, err
	}
	lists, neg, err := loadTerms()
	if err != nil {
		return nil, err
	}
	text, err := newMatcher(lists, neg)
	if err != nil {
		return nil, err
	}
	l := &Labeler{sets: sets, c2s: c2s, text: text, local: map[Coding]roi.Label{}, cfg: cfg,
		pn:  map[Coding]bool{{DocTypeSystem, "psychotherapy-note"}: true},
		scn: map[Coding]bool{{DocTypeSystem, "sud-counseling-note"}: true}, p2: map[string]bool{}}
	for _, c := range cfg.PsychotherapyNoteTypes {
		l.pn[c] = true
	}
	for _, c := range cfg.SUDCounselingNoteTypes {
		l.scn[c] = true
	}
	for _, o := range cfg.Part2Programs {
		l.p2[normalize(o)] = true
	}
	for _, c := range cfg.LocalCodes {
		lb, _ := roi.ParseLabel(c.Label)
		l.local[Coding{c.System, c.Code}] = lb
	}
	l.index = map[Coding][]indexed{}
	for _, v := range sets {
		for c := range v.codes {
			l.index[c] = append(l.index[c], indexed{v.label, v.ID + "@" + v.Version})
		}
	}
	for c, r := range c2s.codes {
		l.index[c] = append(l.index[c], indexed{r.label, "c2s:" + r.valueSet + "@" + c2s.version})
	}
	return l, nil
}

// systemAliases are other names of the code systems the value sets use:
// their HL7 OIDs, the WHO's ICD-10 (the same categories), ICD-9-CM's two
// URIs. canonical also drops a trailing slash and reads https as http.
var systemAliases = map[string]string{
	"urn:oid:2.16.840.1.113883.6.90":  ICD10CM,
	"http://hl7.org/fhir/sid/icd-10":  ICD10CM,
	"urn:oid:2.16.840.1.113883.6.3":   ICD10CM,
	"urn:oid:2.16.840.1.113883.6.96":  SNOMED,
	"urn:oid:2.16.840.1.113883.6.1":   LOINC,
	"urn:oid:2.16.840.1.113883.6.88":  RxNorm,
	"urn:oid:2.16.840.1.113883.6.103": icd9CM,
	"urn:oid:2.16.840.1.113883.6.2":   icd9CM,
	"http://hl7.org/fhir/sid/icd-9":   icd9CM,
}

const icd9CM = "http://hl7.org/fhir/sid/icd-9-cm"

var numericSystem = map[string]bool{SNOMED: true, LOINC: true, RxNorm: true}

// canonical is c under the system name the value sets use, and an ICD code
// in upper case (records write "f32.9" too).
func canonical(c Coding) Coding {
	sys := c.System
	if strings.HasSuffix(sys, "/") || strings.HasPrefix(sys, "https://") || strings.HasPrefix(sys, "urn:") || strings.HasSuffix(sys, "icd-10") || strings.HasSuffix(sys, "icd-9") {
		sys = strings.TrimSuffix(strings.TrimSpace(sys), "/")
		if strings.HasPrefix(sys, "https://") {
			sys = "http://" + sys[len("https://"):]
		}
		if a, ok := systemAliases[sys]; ok {
			sys = a
		}
	}
	code := c.Code
	if (sys == ICD10CM || sys == icd9CM) && hasLower(code) {
		code = strings.ToUpper(code)
	}
	return Coding{sys, code}
}

func hasLower(s string) bool {
	for i := 0; i < len(s); i++ {
		if 'a' <= s[i] && s[i] <= 'z' {
			return true
		}
	}
	return false
}

// looksICD10 reports whether code has the form of an ICD-10 code: a
// letter, a digit, one more character, then up to four after an optional
// dot.
func looksICD10(code string) bool {
	n := 0
	for i := 0; i < len(code); i++ {
		c := code[i] &^ 0x20 // upper case for letters
		switch {
		case code[i] == '.' && n == 3:
			continue
		case n == 0 && c >= 'A' && c <= 'Z', n == 1 && code[i] >= '0' && code[i] <= '9',
			n >= 2 && (code[i] >= '0' && code[i] <= '9' || c >= 'A' && c <= 'Z'):
			n++
		default:
			return false
		}
	}
	return n >= 3 && n <= 7
}

func normalize(s string) string { return strings.TrimSpace(strings.ToLower(s)) }

// content are the labels that say what a record is about, the ones that
// follow references (Chart). Part 2, the note types and minor consent say
// where a record comes from or who consented; they stay with their item.
var content = roi.LabelsOf(roi.LabelBehavioralHealth, roi.LabelSubstanceUse, roi.LabelHIV, roi.LabelSTI,
	roi.LabelReproductive, roi.LabelGenetic, roi.LabelViolence)

// Label returns the labels of it and where each came from. An item none of
// whose signals is sensitive gets no label: ordinary records stay
// ordinary, whatever else the patient's chart holds.
func (l *Labeler) Label(it Item) (roi.Labels, []Source) {
	out := l.Chart([]Item{it})
	return out[0].Labels, out[0].Why
}

// Labeled is an item's labels and why each is there.
type Labeled struct {
	Labels roi.Labels
	Why    []Source
}

// Chart labels a patient's items together: each from its own signals,
// then each inherits, one step, the content labels of the items it names
// (Item.Names: the condition a procedure was for, an encounter's or a
// claim's diagnoses, the encounter a claim bills ...). Only an item's own
// labels travel, so a chain does not spread them: the blood pressure taken
// at a psychiatric visit names nothing and stays ordinary.
func (l *Labeler) Chart(items []Item) []Labeled {
	out := make([]Labeled, len(items))
	l.ownAll(items, out)
	owner := map[string]int{}
	for i := range items {
		for _, r := range items[i].Resources {
			if _, ok := owner[r]; !ok {
				owner[r] = i
			}
		}
	}
	own := make([]roi.Labels, len(out))
	for i := range out {
		own[i] = out[i].Labels
	}
	for i := range items {
		for _, name := range items[i].Names {
			j, ok := owner[name]
			if !ok || j == i {
				continue
			}
			for _, lb := range (own[j] & content &^ out[i].Labels).List() {
				out[i].add(lb, Source{Rule: "reference", Resource: name,
					Reason: "names a record labeled " + lb.String()}, first(items[i].Resources))
			}
		}
		l.finish(&items[i], &out[i])
	}
	return out
}

// ownAll labels each item from its own signals, a large chart on every
// core: items are independent until propagation, and a long record's
// import waits on this step.
func (l *Labeler) ownAll(items []Item, out []Labeled) {
	workers := runtime.GOMAXPROCS(0)
	if len(items) < 256 || workers < 2 {
		var sc scratch
		for i := range items {
			out[i] = l.own(&items[i], &sc)
		}
		return
	}
	var wg sync.WaitGroup
	chunk := (len(items) + workers - 1) / workers
	for from := 0; from < len(items); from += chunk {
		to := min(from+chunk, len(items))
		wg.Go(func() {
			var sc scratch
			for i := from; i < to; i++ {
				out[i] = l.own(&items[i], &sc)
			}
		})
	}
	wg.Wait()
}

func first(rs []string) string {
	if len(rs) == 0 {
		return ""
	}
	return rs[0]
}

func (o *Labeled) add(lb roi.Label, s Source, res string) {
	if o.Labels.Has(lb) {
		return
	}
	o.Labels = o.Labels.With(lb)
	s.Label = lb.String()
	if s.Resource == "" {
		s.Resource = res
	}
	o.Why = append(o.Why, s)
}

// own labels an item from its own signals, strongest first: codes in the
// value sets, the organization's local codes, the sending system's own
// security labels, the document type, then words.
func (l *Labeler) own(it *Item, sc *scratch) Labeled {
	var o Labeled
	res := first(it.Resources)
	code := func(c Coding, from string) {
		if lb, ok := l.local[c]; ok {
			o.add(lb, Source{Rule: "local-code", System: c.System, Code: c.Code, Resource: from}, res)
		}
		// Provenance names the code as the record wrote it.
		orig := c
		c = canonical(c)
		// One lookup for every listed code of every value set and C2S;
		// ICD-10-CM's category ranges and undotted forms besides.
		for _, h := range l.index[c] {
			o.add(h.label, Source{Rule: "value-set", ValueSet: h.valueSet, System: orig.System, Code: orig.Code, Resource: from}, res)
		}
		if c.System == ICD10CM {
			for _, v := range l.sets {
				if v.Contains(c) {
					o.add(v.label, Source{Rule: "value-set", ValueSet: v.ID + "@" + v.Version, System: orig.System, Code: orig.Code, Resource: from}, res)
				}
			}
		}
		if numericSystem[c.System] && looksICD10(c.Code) {
			// An ICD-10 code filed under a system whose codes are all
			// numbers (SNOMED CT, LOINC, RxNorm) can only be ICD-10.
			icd := Coding{ICD10CM, c.Code}
			for _, v := range l.sets {
				if v.Contains(icd) {
					o.add(v.label, Source{Rule: "value-set", ValueSet: v.ID + "@" + v.Version, System: orig.System, Code: orig.Code, Resource: from,
						Reason: "an ICD-10 code filed under another system"}, res)
				}
			}
		}
	}
	for _, c := range it.Codes {
		code(c, "")
	}
	sc.hits = sc.hits[:0]
	for k, raw := range it.Raw {
		from := res
		if k < len(it.Resources) {
			from = it.Resources[k]
		}
		sc.read(raw, l.text, l.pdf, func(c Coding, security bool) {
			if security {
				if lb, ok := fromSecurity[c.Code]; ok && securitySystems[c.System] {
					o.add(lb, Source{Rule: "source-label", System: c.System, Code: c.Code, Resource: from}, res)
				}
				return
			}
			code(c, from)
		}, from)
	}
	if it.Source != "" {
		sc.words(l.text, it.Source, true, res, "in the name of its source")
	}
	part2 := it.Org != "" && l.p2[normalize(it.Org)]
	for _, c := range it.DocType {
		switch {
		case l.pn[c]:
			o.add(roi.LabelPsychotherapyNote, Source{Rule: "document-type", System: c.System, Code: c.Code}, res)
		case l.scn[c] && part2:
			o.add(roi.LabelSUDCounselingNote, Source{Rule: "document-type", System: c.System, Code: c.Code}, res)
		case l.scn[c]:
			// Counseling notes outside a Part 2 program are ordinary SUD records.
			o.add(roi.LabelSubstanceUse, Source{Rule: "document-type", System: c.System, Code: c.Code}, res)
		}
	}
	// Words: a term anywhere labels; a weak word labels from a display
	// and asks a person to confirm from a note. Strong before weak, so a
	// label a term gave is not marked for confirming.
	for pass := 0; pass < 2; pass++ {
		for _, h := range sc.hits {
			if h.confirm != (pass == 1) {
				continue
			}
			t := l.text.lists[h.list]
			s := Source{Rule: "text", ValueSet: t.ID + "@" + t.Version, Term: h.term, Resource: h.resource, Reason: h.where}
			if h.confirm {
				s.Confirm = true
				s.Reason = "possibly sensitive: a word with ordinary uses, " + h.where + "; confirm or remove"
			}
			o.add(t.label, s, res)
		}
	}
	return o
}

// finish applies what depends on the item's other labels: a Part 2
// program's records are Part 2 (and its SUD information is not "substance
// use elsewhere"); a minor's care of a kind the state lets minors consent
// to alone is minor-consented.
func (l *Labeler) finish(it *Item, o *Labeled) {
	res := first(it.Resources)
	if it.Org != "" && l.p2[normalize(it.Org)] {
		// 42 CFR 2.11, 2.12: the records of a Part 2 program, whatever they say.
		o.add(roi.LabelPart2, Source{Rule: "part2-program", Code: it.Org}, res)
		if o.Labels.Has(roi.LabelSubstanceUse) {
			o.Labels &^= roi.LabelsOf(roi.LabelSubstanceUse)
			kept := o.Why[:0]
			for _, s := range o.Why {
				if s.Label != roi.LabelSubstanceUse.String() {
					kept = append(kept, s)
				}
			}
			o.Why = kept
		}
	}
	majority := l.cfg.AgeOfMajority
	if majority == 0 {
		majority = 18
	}
	if it.AgeAtDate >= 0 && it.AgeAtDate < majority {
		for _, m := range l.cfg.MinorServices {
			if lb, _ := roi.ParseLabel(m.Label); o.Labels.Has(lb) && it.AgeAtDate >= m.MinAge {
				o.add(roi.LabelMinorConsented, Source{Rule: "minor-consent-service", Reason: "care a minor of this age may consent to alone: " + m.Label}, res)
				break
			}
		}
	}
}

// SecurityLabel is an HL7 security label for FHIR meta.security.
type SecurityLabel struct {
	System  string `json:"system"`
	Code    string `json:"code"`
	Display string `json:"display"`
}

const (
	confidentialitySystem = "http://terminology.hl7.org/CodeSystem/v3-Confidentiality"
	actCodeSystem         = "http://terminology.hl7.org/CodeSystem/v3-ActCode"
)

// sensitivity maps labels to HL7 v3 ActCode sensitivity codes (DS4P).
var sensitivity = map[roi.Label]SecurityLabel{
	roi.LabelBehavioralHealth:  {actCodeSystem, "PSY", "psychiatry disorder information sensitivity"},
	roi.LabelPsychotherapyNote: {actCodeSystem, "PSYTHPN", "psychotherapy note information sensitivity"},
	roi.LabelPart2:             {actCodeSystem, "42CFRPart2", "42 CFR Part2"},
	roi.LabelSUDCounselingNote: {actCodeSystem, "ETH", "substance abuse information sensitivity"},
	roi.LabelSubstanceUse:      {actCodeSystem, "ETH", "substance abuse information sensitivity"},
	roi.LabelHIV:               {actCodeSystem, "HIV", "HIV/AIDS information sensitivity"},
	roi.LabelGenetic:           {actCodeSystem, "GDIS", "genetic disease information sensitivity"},
	roi.LabelReproductive:      {actCodeSystem, "SEX", "sexuality and reproductive health information sensitivity"},
	roi.LabelSTI:               {actCodeSystem, "STD", "sexually transmitted disease information sensitivity"},
	roi.LabelViolence:          {actCodeSystem, "SDV", "sexual assault, abuse, or domestic violence information sensitivity"},
}

// securitySystems are the code systems of DS4P sensitivity labels a
// sending system may put in meta.security.
var securitySystems = map[string]bool{actCodeSystem: true, "urn:oid:2.16.840.1.113883.5.4": true}

// fromSecurity reads a sending system's DS4P sensitivity codes as labels:
// an EHR that marked a record sensitive is never overruled by its codes.
var fromSecurity = map[string]roi.Label{
	"PSY": roi.LabelBehavioralHealth, "BH": roi.LabelBehavioralHealth, "PSYTHPN": roi.LabelPsychotherapyNote, "MH": roi.LabelBehavioralHealth,
	"ETH": roi.LabelSubstanceUse, "ETHUD": roi.LabelSubstanceUse, "ALC": roi.LabelSubstanceUse, "ALCUD": roi.LabelSubstanceUse,
	"DRG": roi.LabelSubstanceUse, "DRGIS": roi.LabelSubstanceUse, "OPIOIDUD": roi.LabelSubstanceUse, "SUD": roi.LabelSubstanceUse,
	"42CFRPart2": roi.LabelPart2, "HIV": roi.LabelHIV, "STD": roi.LabelSTI, "SDV": roi.LabelViolence,
	"SEX": roi.LabelReproductive, "GDIS": roi.LabelGenetic,
}

// noRedisclosure is the HL7 v3 ActCode refrain policy a Part 2 record
// carries: no redisclosure without the patient's consent (42 CFR 2.32).
var noRedisclosure = SecurityLabel{actCodeSystem, "NORDSCLCD", "no redisclosure without consent directive"}

// SecurityLabels returns the DS4P security labels for labels: a
// confidentiality code (V, very restricted, for psychotherapy notes and
// Part 2 records; R, restricted, for any other sensitive label; N, normal,
// otherwise), the sensitivity codes, and for a Part 2 record the
// NORDSCLCD refrain policy. All are HL7's: v3-Confidentiality and
// v3-ActCode.
func SecurityLabels(labels roi.Labels) []SecurityLabel {
	conf := SecurityLabel{confidentialitySystem, "N", "normal"}
	var out []SecurityLabel
	seen := map[string]bool{}
	for _, lb := range labels.List() {
		s, ok := sensitivity[lb]
		if !ok {
			continue
		}
		if conf.Code == "N" {
			conf = SecurityLabel{confidentialitySystem, "R", "restricted"}
		}
		if lb == roi.LabelPsychotherapyNote || lb == roi.LabelPart2 || lb == roi.LabelSUDCounselingNote {
			conf = SecurityLabel{confidentialitySystem, "V", "very restricted"}
		}
		if !seen[s.Code] {
			seen[s.Code] = true
			out = append(out, s)
		}
	}
	if labels.Has(roi.LabelPart2) {
		out = append(out, noRedisclosure)
	}
	return append([]SecurityLabel{conf}, out...)
}
