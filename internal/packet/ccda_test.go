package packet

import (
	"bytes"
	"encoding/base64"
	"os"
	"strings"
	"testing"

	"github.com/custodian-roi/custodian/internal/ccda"
	"github.com/custodian-roi/custodian/internal/doc"
	"github.com/custodian-roi/custodian/internal/roi"
)

func blockText(bs []doc.Block) string {
	var b strings.Builder
	doc.WriteBlocks(&b, bs)
	return b.String()
}

// A C-CDA item prints its entry and the narrative the entry points at,
// not its section's other rows; the whole document prints every
// section, and is hashed as stored.
func TestFromCCDA(t *testing.T) {
	data, err := os.ReadFile("../ccda/testdata/sensitive.xml")
	if err != nil {
		t.Fatal(err)
	}
	r, err := ccda.Parse(data, ccda.Options{})
	if err != nil {
		t.Fatal(err)
	}
	it := r.Chart.Items[0] // the HIV problem
	pi, err := FromCCDA(it, [][]byte{r.Chart.Details[0].Raw}, Released{})
	if err != nil {
		t.Fatal(err)
	}
	text := blockText(pi.Blocks)
	for _, want := range []string{"Human immunodeficiency virus disease | March 3, 2025 | Active", "PROBLEMS"} {
		if !strings.Contains(text, want) {
			t.Errorf("the item lacks %q:\n%s", want, text)
		}
	}
	if strings.Contains(text, "Opioid") {
		t.Errorf("the item carries another entry's row:\n%s", text)
	}
	whole, err := FromCCDADocument(r.DocumentKey, data, roi.LabelsOf(roi.LabelHIV))
	if err != nil {
		t.Fatal(err)
	}
	text = blockText(whole.Blocks)
	for _, want := range []string{"PROBLEMS", "Opioid use disorder", "MEDICATIONS", "NOTES", "No information about allergies"} {
		if !strings.Contains(text, want) {
			t.Errorf("the whole document lacks %q", want)
		}
	}
	if whole.SHA256 != ResourcesSHA256([][]byte{data}) || !whole.Labels.Has(roi.LabelHIV) || whole.Key != r.DocumentKey {
		t.Errorf("document item %+v", whole)
	}
	if _, err := FromCCDADocument(r.DocumentKey, []byte("<x"), 0); roi.CodeOf(err) != roi.CodeInvalid {
		t.Errorf("a broken stored document: %v", err)
	}
}

// An unstructured C-CDA (nonXMLBody) is one document item whose content
// goes into the packet as sent: a PDF is merged as an attachment.
func TestFromCCDANonXMLBody(t *testing.T) {
	pdf := []byte("%PDF-1.4 stand-in")
	doc := `<ClinicalDocument xmlns="urn:hl7-org:v3"><templateId root="2.16.840.1.113883.10.20.22.1.10"/>
<code code="18842-5" codeSystem="2.16.840.1.113883.6.1"/><title>Discharge summary (scanned)</title><effectiveTime value="20250102"/>
<recordTarget><patientRole><id root="1.2.3" extension="M1"/></patientRole></recordTarget>
<component><nonXMLBody><text mediaType="application/pdf" representation="B64">` + base64.StdEncoding.EncodeToString(pdf) + `</text></nonXMLBody></component></ClinicalDocument>`
	r, err := ccda.Parse([]byte(doc), ccda.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if !r.Unstructured || len(r.Chart.Items) != 1 || r.Chart.Items[0].Date != roi.MakeDate(2025, 1, 2) {
		t.Fatalf("unstructured document: %+v", r.Chart.Items)
	}
	it, err := FromCCDA(r.Chart.Items[0], [][]byte{r.Chart.Details[0].Raw}, Released{})
	if err != nil {
		t.Fatal(err)
	}
	if len(it.Attachments) != 1 || it.Attachments[0].ContentType != "application/pdf" || !bytes.Equal(it.Attachments[0].Data, pdf) {
		t.Errorf("attachments %+v", it.Attachments)
	}
}
