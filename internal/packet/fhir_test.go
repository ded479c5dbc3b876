package packet

import (
	"encoding/base64"
	"strings"
	"testing"

	"github.com/custodian-roi/custodian/internal/doc"
	"github.com/custodian-roi/custodian/internal/roi"
)

func text(it Item) string {
	var b strings.Builder
	doc.WriteBlocks(&b, it.Blocks)
	return b.String()
}

func TestResourcesSHA256Boundaries(t *testing.T) {
	a := ResourcesSHA256([][]byte{[]byte(`{"a":1}`), []byte(`{}`)})
	b := ResourcesSHA256([][]byte{[]byte(`{"a":1}{}`)})
	c := ResourcesSHA256([][]byte{[]byte(`{}`), []byte(`{"a":1}`)})
	if a == b || a == c || b == c {
		t.Error("hash ignores resource boundaries or order")
	}
	if len(a) != 64 {
		t.Errorf("hash %q is not hex SHA-256", a)
	}
}

func TestFromFHIRReport(t *testing.T) {
	c := readChart(t, clemente)
	for i, ci := range c.Items {
		if len(c.Details[i].Resources) < 3 {
			continue
		}
		it, err := FromFHIR(ci, raws(c, i), nil)
		if err != nil {
			t.Fatal(err)
		}
		var table *doc.Block
		for k := range it.Blocks {
			if it.Blocks[k].Kind == doc.Table {
				table = &it.Blocks[k]
			}
		}
		if table == nil || len(table.Rows) < len(c.Details[i].Resources)-1 {
			t.Fatalf("report %s: no result table with a row per folded observation:\n%s", ci.Key, text(it))
		}
		if table.Header[1] != "Value" || table.Rows[0][1] == "" {
			t.Errorf("result row without a value: %v", table.Rows[0])
		}
		if it.SHA256 != ResourcesSHA256(raws(c, i)) || it.Key != ci.Key || it.Labels != ci.Labels {
			t.Error("item identity not carried over")
		}
		return
	}
	t.Fatal("no report with folded results in the test bundle")
}

func TestFromFHIRNoteAndAttachments(t *testing.T) {
	note := base64.StdEncoding.EncodeToString([]byte("Chief complaint: cough.\nPlan: rest."))
	pdf := base64.StdEncoding.EncodeToString([]byte("%PDF-1.4 stand-in"))
	png := base64.StdEncoding.EncodeToString([]byte{0x89, 'P', 'N', 'G'})
	raw := `{"resourceType":"DocumentReference","id":"d1","status":"current","type":{"text":"Progress note"},
	"date":"2024-03-05T10:30:00Z","author":[{"display":"Dr. Ana Flórez"}],
	"content":[{"attachment":{"contentType":"text/plain; charset=utf-8","data":"` + note + `"}},
	{"attachment":{"contentType":"application/pdf","title":"Scan","data":"` + pdf + `"}},
	{"attachment":{"contentType":"image/png","title":"Photo","data":"` + png + `"}},
	{"attachment":{"contentType":"application/dicom","data":"AAAA"}},
	{"attachment":{"contentType":"text/plain","url":"https://example.org/doc/1"}}]}`
	it, err := FromFHIR(roi.ChartItem{Key: "DocumentReference/d1", Type: "document"}, [][]byte{[]byte(raw)}, nil)
	if err != nil {
		t.Fatal(err)
	}
	s := text(it)
	for _, want := range []string{"Chief complaint: cough.\nPlan: rest.", "Author: Dr. Ana Flórez", "Date: 2024-03-05 10:30", "application/dicom", "https://example.org/doc/1"} {
		if !strings.Contains(s, want) {
			t.Errorf("rendering lacks %q:\n%s", want, s)
		}
	}
	if len(it.Attachments) != 2 || it.Attachments[0].ContentType != "application/pdf" || it.Attachments[1].ContentType != "image/png" {
		t.Errorf("attachments %+v", it.Attachments)
	}
}

func TestFromFHIRUnknownAndBad(t *testing.T) {
	raw := `{"resourceType":"FamilyMemberHistory","id":"f1","status":"completed","date":"2020-01-02",
	"relationship":{"coding":[{"display":"mother"}]},"condition":[{"code":{"text":"Diabetes"}}]}`
	it, err := FromFHIR(roi.ChartItem{Key: "FamilyMemberHistory/f1"}, [][]byte{[]byte(raw)}, nil)
	if err != nil {
		t.Fatal(err)
	}
	s := text(it)
	for _, want := range []string{"Resource: FamilyMemberHistory", "date 2020-01-02", "mother", "Diabetes"} {
		if !strings.Contains(s, want) {
			t.Errorf("generic rendering lacks %q:\n%s", want, s)
		}
	}
	if strings.Contains(s, "f1") {
		t.Errorf("generic rendering prints the resource id:\n%s", s)
	}
	if len(it.Sources) != 1 || it.Sources[0] != "FamilyMemberHistory/f1" {
		t.Errorf("sources %v, want the resource's key", it.Sources)
	}
	for _, bad := range []string{`not json`, `null`, `[1,2]`} {
		_, err := FromFHIR(roi.ChartItem{}, [][]byte{[]byte(bad)}, nil)
		if roi.CodeOf(err) != roi.CodeInvalid || strings.Contains(roi.PublicMessage(err), bad) {
			t.Errorf("FromFHIR(%s): %v", bad, err)
		}
	}
	if _, err := FromFHIR(roi.ChartItem{}, nil, nil); roi.CodeOf(err) != roi.CodeInvalid {
		t.Errorf("no resources: %v", err)
	}
}

// TestFromFHIRAllTypes renders every item of the test bundles: no type
// crashes and every item says something.
func TestFromFHIRAllTypes(t *testing.T) {
	for _, path := range []string{bob, clemente} {
		c := readChart(t, path)
		for i, ci := range c.Items {
			it, err := FromFHIR(ci, raws(c, i), nil)
			if err != nil {
				t.Fatalf("%s: %v", ci.Key, err)
			}
			if len(it.Blocks) == 0 {
				t.Errorf("%s: nothing rendered", ci.Key)
			}
		}
	}
}
