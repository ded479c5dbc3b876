package roi

import (
	"math/bits"
	"strconv"
)

// Label is a sensitivity label on a chart item, or a category named by a
// document's coverage or a request's scope. The names are those of the
// conformance format.
type Label uint8

// The labels. LabelGeneral is never on an item: in a document's coverage
// it stands for records that carry no special label.
const (
	LabelBehavioralHealth  Label = iota // mental-health records that are not psychotherapy notes
	LabelPsychotherapyNote              // 45 CFR 164.501 psychotherapy notes kept apart from the record
	LabelPart2                          // a record of a 42 CFR Part 2 program
	LabelSUDCounselingNote              // 42 CFR 2.11 SUD counseling notes kept apart; always with part2
	LabelSubstanceUse                   // substance-use information outside a Part 2 program
	LabelHIV
	LabelGenetic
	LabelReproductive
	LabelLitigationFile // compiled in anticipation of litigation, 164.524(a)(1)(ii)
	LabelMinorConsented // care a minor lawfully consented to alone
	LabelDemographics   // identifying and demographic data only
	LabelSTI            // sexually transmitted infections other than HIV (DS4P STD)
	LabelViolence       // domestic or intimate-partner violence, sexual assault, abuse (DS4P SDV)
	LabelGeneral
	numLabels
)

var labelNames = [numLabels]string{
	"behavioral-health", "psychotherapy-note", "part2", "sud-counseling-note",
	"substance-use", "hiv", "genetic", "reproductive", "litigation-file",
	"minor-consented", "demographics", "sti", "violence", "general",
}

// String returns the label's format name.
func (l Label) String() string {
	if l < numLabels {
		return labelNames[l]
	}
	return "label(" + strconv.Itoa(int(l)) + ")"
}

// ParseLabel returns the label named s. ok is false for an unknown name.
func ParseLabel(s string) (l Label, ok bool) {
	for i, n := range labelNames {
		if n == s {
			return Label(i), true
		}
	}
	return 0, false
}

// Labels is a set of labels. A set fits in one word so that deciding a
// 10,000-item chart costs a few instructions per item.
type Labels uint16

// LabelsOf returns the set holding ls.
func LabelsOf(ls ...Label) Labels {
	var s Labels
	for _, l := range ls {
		s |= 1 << l
	}
	return s
}

// Has reports whether l is in s.
func (s Labels) Has(l Label) bool { return s&(1<<l) != 0 }

// With returns s with l added.
func (s Labels) With(l Label) Labels { return s | 1<<l }

// HasAll reports whether every label of t is in s.
func (s Labels) HasAll(t Labels) bool { return s&t == t }

// Len returns the number of labels in s.
func (s Labels) Len() int { return bits.OnesCount16(uint16(s)) }

// List returns the labels of s in declaration order.
func (s Labels) List() []Label {
	out := make([]Label, 0, s.Len())
	for l := Label(0); l < numLabels; l++ {
		if s.Has(l) {
			out = append(out, l)
		}
	}
	return out
}

// Strings returns the names of the labels of s in declaration order.
func (s Labels) Strings() []string {
	out := make([]string, 0, s.Len())
	for _, l := range s.List() {
		out = append(out, l.String())
	}
	return out
}

// AllLabels lists every label in the format's order, general last: the
// choices a form offers.
func AllLabels() []Label {
	out := make([]Label, numLabels)
	for i := range out {
		out[i] = Label(i)
	}
	return out
}
