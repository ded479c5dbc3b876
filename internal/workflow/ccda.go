package workflow

import (
	"context"
	"strings"

	"github.com/custodian-roi/custodian/internal/ccda"
	"github.com/custodian-roi/custodian/internal/roi"
)

// ImportCCDA stores one C-CDA document read by package ccda: the patient
// (matched by the id ccda gives them, else by MRN, else created, as a
// FHIR import is), its items labeled as FHIR items are (the same
// labeler reads the resources ccda wrote for them), and the document
// itself byte for byte under its key, which every item's key names
// (ccda.DocumentOf). It returns the patient and how many items were new.
func (d *Desk) ImportCCDA(ctx context.Context, actor string, r *ccda.Result) (roi.PatientID, int, error) {
	if r == nil || len(r.Original) == 0 {
		return 0, 0, roi.Errorf(roi.CodeInvalid, "No C-CDA document to import.")
	}
	return d.importChart(ctx, actor, r.Chart, []roi.RawResource{{Key: r.DocumentKey, JSON: r.Original}})
}

// isDocumentKey reports whether key names a stored original document
// (not a FHIR resource): it is kept as received, XML, and never decoded
// as JSON.
func isDocumentKey(key string) bool { return strings.HasPrefix(key, "ClinicalDocument/") }

// wholeDocuments returns the keys of the C-CDA documents every one of
// whose items is released, in the order their first item comes in chart:
// only such a document may go in a packet as a whole. A document with a
// withheld item goes as its released items alone.
func wholeDocuments(chart []roi.ChartItem, release map[string]bool) []string {
	all := map[string]bool{}
	var order []string
	for _, it := range chart {
		doc, ok := ccda.DocumentOf(it.Key)
		if !ok {
			continue
		}
		if _, seen := all[doc]; !seen {
			all[doc] = true
			order = append(order, doc)
		}
		if !release[it.Key] {
			all[doc] = false
		}
	}
	var out []string
	for _, doc := range order {
		if all[doc] {
			out = append(out, doc)
		}
	}
	return out
}

// documentLabels is the union of the labels of a document's items: the
// document's pages carry the notices its items' pages would.
func documentLabels(chart []roi.ChartItem, doc string) roi.Labels {
	var l roi.Labels
	for _, it := range chart {
		if d, ok := ccda.DocumentOf(it.Key); ok && d == doc {
			l |= it.Labels
		}
	}
	return l
}
