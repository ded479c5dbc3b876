package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/custodian-roi/custodian/internal/ccda"
	"github.com/custodian-roi/custodian/internal/fhir"
	"github.com/custodian-roi/custodian/internal/workflow"
)

// readAny imports one file: a C-CDA document (told by its content: a
// file whose first non-blank byte is "<" is XML, and FHIR is read as JSON
// only), or else FHIR, a Bundle or NDJSON (readCharts, each patient
// handed to fn). A C-CDA document is imported here, through desk, and
// counted in sum; its stats are those of the FHIR reader's kind.
func readAny(ctx context.Context, name, mrn string, sum *importSummary, desk func() (*workflow.Desk, error), fn func(fhir.Chart) error) (fhir.Stats, int64, error) {
	isXML, err := sniffXML(name)
	if err != nil {
		return fhir.Stats{}, 0, err
	}
	if !isXML {
		return readCharts(name, mrn, fn)
	}
	f, err := os.Open(name)
	if err != nil {
		return fhir.Stats{}, 0, err
	}
	defer f.Close()
	// Read one byte past the cap, so that a larger file is refused by the
	// parser's own check rather than read whole.
	data, err := io.ReadAll(io.LimitReader(f, ccda.MaxDocumentBytes+1))
	if err != nil {
		return fhir.Stats{}, 0, err
	}
	r, err := ccda.Parse(data, ccda.Options{MRNSystem: mrn})
	if err != nil {
		return fhir.Stats{}, int64(len(data)), err
	}
	d, err := desk()
	if err != nil {
		return fhir.Stats{}, int64(len(data)), err
	}
	_, n, err := d.ImportCCDA(ctx, "import", r)
	if err != nil {
		return fhir.Stats{}, int64(len(data)), err
	}
	sum.add(r.Chart, n)
	sum.CCDA = append(sum.CCDA, summarizeCCDA(filepath.Base(name), r))
	return fhir.Stats{Items: len(r.Chart.Items), Folded: r.Folded, Undated: r.Undated, Partial: r.Partial}, int64(len(data)), nil
}

// sniffXML reports whether a file's first non-blank byte (after a byte
// order mark) is "<".
func sniffXML(name string) (bool, error) {
	f, err := os.Open(name)
	if err != nil {
		return false, err
	}
	defer f.Close()
	head := make([]byte, 512)
	n, _ := io.ReadFull(f, head)
	h := bytes.TrimLeft(bytes.TrimPrefix(head[:n], []byte("\xef\xbb\xbf")), " \t\r\n")
	return len(h) > 0 && h[0] == '<', nil
}

// ccdaSummary is what one C-CDA document gave: its items by section, so
// that nothing read goes unsaid.
type ccdaSummary struct {
	File     string              `json:"file"`
	Document string              `json:"document_key"`
	Items    int                 `json:"items"`
	Folded   int                 `json:"folded_results"`
	Undated  int                 `json:"undated_items"`
	Partial  int                 `json:"partially_dated_items"`
	Sections []ccda.SectionCount `json:"sections"`
}

func summarizeCCDA(file string, r *ccda.Result) ccdaSummary {
	return ccdaSummary{File: file, Document: r.DocumentKey, Items: len(r.Chart.Items), Folded: r.Folded,
		Undated: r.Undated, Partial: r.Partial, Sections: r.Sections}
}

// printCCDA says, per C-CDA document, how many items each kind of
// section gave, how many sections were narrative only (one note item
// each), and how many entries held nothing to keep.
func (s *importSummary) printCCDA(w io.Writer) {
	for _, d := range s.CCDA {
		kinds := map[string]int{}
		var order []string
		notes, empty, entries := 0, 0, 0
		for _, sc := range d.Sections {
			entries += sc.Entries
			empty += sc.Empty
			if sc.Note {
				notes++
				continue
			}
			if _, ok := kinds[sc.Kind]; !ok {
				order = append(order, sc.Kind)
			}
			kinds[sc.Kind] += sc.Items
		}
		var parts []string
		for _, k := range order {
			parts = append(parts, fmt.Sprintf("%s %d", k, kinds[k]))
		}
		if notes > 0 {
			parts = append(parts, fmt.Sprintf("notes (narrative-only sections) %d", notes))
		}
		fmt.Fprintf(w, "C-CDA %s: %d items from %d sections and %d entries: %s\n", d.File, d.Items, len(d.Sections), entries, strings.Join(parts, ", "))
		if empty > 0 {
			fmt.Fprintf(w, "C-CDA %s: %d entries held no clinical statement (nothing to keep)\n", d.File, empty)
		}
	}
}
