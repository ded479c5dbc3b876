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

// A note whose content is a Binary of the same export (as bulk exports
// write them) is part of its document: labeled from its words, and printed
// in the packet when the document is released.
func TestBinaryNote(t *testing.T) {
	note := func(text string) string { return base64.StdEncoding.EncodeToString([]byte(text)) }
	bundle := `{"resourceType":"Bundle","type":"collection","entry":[
		{"fullUrl":"urn:uuid:p1","resource":{"resourceType":"Patient","id":"p1","birthDate":"1980-01-01"}},
		{"fullUrl":"urn:uuid:d1","resource":{"resourceType":"DocumentReference","id":"d1","status":"current","subject":{"reference":"Patient/p1"},
			"date":"2025-05-01T10:00:00Z","type":{"text":"Progress note"},"content":[{"attachment":{"contentType":"text/plain","url":"Binary/b1"}}]}},
		{"fullUrl":"urn:uuid:b1","resource":{"resourceType":"Binary","id":"b1","contentType":"text/plain","data":"` + note("Patient disclosed intimate partner violence; safety plan made.") + `"}},
		{"fullUrl":"urn:uuid:d2","resource":{"resourceType":"DocumentReference","id":"d2","status":"current","subject":{"reference":"Patient/p1"},
			"date":"2025-05-02T10:00:00Z","type":{"text":"Progress note"},"content":[{"attachment":{"contentType":"text/plain","url":"http://ehr.example/fhir/Binary/b2"}}]}},
		{"fullUrl":"urn:uuid:b2","resource":{"resourceType":"Binary","id":"b2","contentType":"text/plain","data":"` + note("Left ankle sprain, ice and elevation, recheck in two weeks.") + `"}}]}`
	charts, stats, err := fhir.ReadBundleStats(strings.NewReader(bundle), "")
	if err != nil {
		t.Fatal(err)
	}
	if stats.Folded != 2 || len(stats.LeftOut) != 0 {
		t.Fatalf("stats %+v: both Binaries are part of their documents", stats)
	}
	d, s := newTestDesk(t)
	d.Jurisdiction = roi.Jurisdiction{SpecificAuthorization: roi.LabelsOf(roi.LabelViolence)}
	ctx := context.Background()
	pid, _, err := d.Import(ctx, "import", charts[0])
	if err != nil {
		t.Fatal(err)
	}
	items, _ := s.ChartItems(ctx, pid)
	for _, it := range items {
		if want := it.Key == "DocumentReference/d1"; it.Labels.Has(roi.LabelViolence) != want {
			t.Errorf("%s: %v", it.Key, it.Labels.Strings())
		}
	}
	f := &fixture{t: t, desk: d, ctx: ctx, pid: pid}
	r := f.intake(roi.KindAttorney, "Okafor Legal Group", roi.BasisAuthorization)
	_, iss := f.release(r, hipaaAuth)
	text := packetText(t, f, iss)
	// This chart's Patient has no name: the packet says so on its pages
	// rather than the release failing.
	if p, _ := s.Patient(ctx, pid); p.Name == "" && !strings.Contains(text, "(no name in the record)") {
		t.Error("a packet for a patient without a name does not say so")
	}
	if !strings.Contains(text, "Left ankle sprain") {
		t.Error("the released document's note, held in a Binary, is not in the packet")
	}
	if strings.Contains(text, "partner violence") {
		t.Error("the withheld document's note is in the packet")
	}
}
