package workflow

import (
	"bytes"
	"context"
	"encoding/base64"
	"strings"
	"testing"

	"github.com/go-pdf/fpdf"

	"github.com/custodian-roi/custodian/internal/fhir"
	"github.com/custodian-roi/custodian/internal/roi"
)

// A note that arrives only as a PDF attachment is labeled from the words
// on its pages (the packet would merge them as they are); the same
// document saying nothing sensitive stays ordinary.
func TestPDFNoteLabeled(t *testing.T) {
	pdf := func(line string) string {
		p := fpdf.New("P", "mm", "Letter", "")
		p.AddPage()
		p.SetFont("Helvetica", "", 12)
		p.CellFormat(0, 8, line, "", 1, "L", false, 0, "")
		var b bytes.Buffer
		if err := p.Output(&b); err != nil {
			t.Fatal(err)
		}
		return base64.StdEncoding.EncodeToString(b.Bytes())
	}
	doc := func(id, line string) string {
		return `{"fullUrl":"urn:uuid:` + id + `","resource":{"resourceType":"DocumentReference","id":"` + id + `","status":"current",
			"subject":{"reference":"urn:uuid:p1"},"date":"2024-05-01T10:00:00Z","type":{"text":"Outside records"},
			"content":[{"attachment":{"contentType":"application/pdf","data":"` + pdf(line) + `"}}]}}`
	}
	bundle := `{"resourceType":"Bundle","type":"collection","entry":[
		{"fullUrl":"urn:uuid:p1","resource":{"resourceType":"Patient","id":"p1","birthDate":"1980-01-01"}},
		` + doc("d1", "Assessment: syphilis, RPR reactive; treated with benzathine penicillin.") + `,
		` + doc("d2", "Assessment: sprained ankle, ice and rest.") + `]}`
	charts, err := fhir.ReadBundle(strings.NewReader(bundle), "")
	if err != nil {
		t.Fatal(err)
	}
	d, s := newTestDesk(t)
	pid, _, err := d.Import(context.Background(), "import", charts[0])
	if err != nil {
		t.Fatal(err)
	}
	items, err := s.ChartItems(context.Background(), pid)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]roi.ChartItem{}
	for _, it := range items {
		got[it.Key] = it
	}
	if it := got["DocumentReference/d1"]; !it.Labels.Has(roi.LabelSTI) || len(it.Why) == 0 || it.Why[0].Reason != "in an attached PDF" {
		t.Errorf("the PDF note about syphilis: %v %+v", it.Labels.Strings(), it.Why)
	}
	if it := got["DocumentReference/d2"]; it.Labels != 0 {
		t.Errorf("the PDF note about an ankle: %v", it.Labels.Strings())
	}
}
