package packet

import (
	"encoding/json"
	"strings"

	"github.com/custodian-roi/custodian/internal/ccda"
	"github.com/custodian-roi/custodian/internal/doc"
	"github.com/custodian-roi/custodian/internal/roi"
)

// FromCCDA renders a chart item imported from a C-CDA document (package
// ccda): as FromFHIR renders the resource ccda wrote for the entry, then
// the section it sat in and the narrative the entry points at, as the
// document wrote it. Only the entry's own narrative is printed, never
// its section's whole text, which would carry the other entries (some
// of them perhaps withheld).
func FromCCDA(it roi.ChartItem, raws [][]byte, rel Released) (Item, error) {
	out, err := FromFHIR(it, raws, rel)
	if err != nil {
		return out, err
	}
	var res struct {
		Extension []struct {
			URL                  string `json:"url"`
			ValueString          string `json:"valueString"`
			ValueCodeableConcept struct {
				Text string `json:"text"`
			} `json:"valueCodeableConcept"`
		} `json:"extension"`
	}
	if err := json.Unmarshal(raws[0], &res); err != nil {
		return out, nil // FromFHIR read it; nothing more to add
	}
	var section string
	var narrative []string
	for _, e := range res.Extension {
		switch e.URL {
		case ccda.ExtSection:
			section = e.ValueCodeableConcept.Text
		case ccda.ExtNarrative:
			if e.ValueString != "" {
				narrative = append(narrative, e.ValueString)
			}
		}
	}
	if section != "" {
		out.Blocks = append(out.Blocks, doc.L("From the C-CDA section: "+section))
	}
	if len(narrative) > 0 {
		out.Blocks = append(out.Blocks, doc.H("As the document wrote it"))
		for _, n := range narrative {
			out.Blocks = append(out.Blocks, lines(n)...)
		}
	}
	return out, nil
}

// FromCCDADocument renders a whole C-CDA document stored under key:
// every section's title and narrative, in order. The caller puts it in a
// packet only when every item of the document is released (a document
// with a withheld item goes as its released items alone); labels are
// its items' labels, so that its pages carry the notices theirs would.
// SHA256 is ResourcesSHA256 of the document's bytes, as stored.
func FromCCDADocument(key string, raw []byte, labels roi.Labels) (Item, error) {
	n, err := ccda.ReadNarrative(raw)
	if err != nil {
		return Item{}, roi.Wrap(roi.CodeInvalid, err, "A stored C-CDA document does not read.")
	}
	out := Item{
		Key:     key,
		Type:    "document",
		Date:    n.Date,
		Title:   "Clinical document (C-CDA): " + strings.TrimSpace(n.Title),
		Labels:  labels,
		Source:  n.Source,
		SHA256:  ResourcesSHA256([][]byte{raw}),
		Sources: []string{key},
	}
	if strings.TrimSpace(n.Title) == "" {
		out.Title = "Clinical document (C-CDA)"
	}
	out.Blocks = append(out.Blocks, doc.P("The whole document, every section's narrative as the document wrote it; each of its entries is also in this packet as an item of its own."))
	for _, s := range n.Sections {
		out.Blocks = append(out.Blocks, doc.H(s.Title))
		if s.Text == "" {
			out.Blocks = append(out.Blocks, doc.P("(no narrative)"))
			continue
		}
		out.Blocks = append(out.Blocks, lines(s.Text)...)
	}
	return out, nil
}

// lines is one paragraph per line of a narrative.
func lines(s string) []doc.Block {
	var out []doc.Block
	for _, l := range strings.Split(s, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, doc.P(l))
		}
	}
	return out
}
