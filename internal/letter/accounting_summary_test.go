package letter

import (
	"slices"
	"strings"
	"testing"

	"github.com/custodian-roi/custodian/internal/doc"
	"github.com/custodian-roi/custodian/internal/roi"
)

func accountingTable(l doc.Letter) doc.Block {
	for _, b := range l.Blocks {
		if b.Kind == doc.Table {
			return b
		}
	}
	return doc.Block{}
}

func TestAccountingSummaryEntries(t *testing.T) {
	in := base(roi.BasisAccess, roi.KindPatient)
	ds := []Disclosure{
		{Date: day("2025-06-01"), Recipient: "County Health Department", Address: "9 Civic Plaza", Description: "1 report dated 2025-05-30",
			Purpose: "Public health activities required or authorized by law", Count: 12, Last: day("2025-12-01")},
		{Date: day("2023-02-03"), Recipient: "Springfield Superior Court", Description: "2 encounters dated 2022-01-01 to 2022-03-01",
			Purpose: "Response to a court order", Count: 1},
	}
	l, err := Accounting(in, roi.NoDate, roi.NoDate, ds)
	if err != nil {
		t.Fatal(err)
	}
	text := l.Text()
	// 12 + 1 disclosures, not 2 lines.
	for _, w := range []string{"We made 13 disclosures", "the same recipient for the same purpose", "164.528(b)(3)", "December 1, 2025"} {
		if !strings.Contains(text, w) {
			t.Errorf("summarized accounting lacks %q:\n%s", w, text)
		}
	}
	tb := accountingTable(l)
	if !slices.Equal(tb.Header, []string{"Date", "Recipient", "Address", "What was disclosed", "Purpose", "Number of disclosures", "Date of the last"}) {
		t.Errorf("header=%v", tb.Header)
	}
	if len(tb.Rows) != 2 {
		t.Fatalf("rows=%v", tb.Rows)
	}
	// Date order; a single disclosure is one, last on its own date.
	if got := tb.Rows[0][5:]; !slices.Equal(got, []string{"1", "February 3, 2023"}) {
		t.Errorf("single row in a summarized table: %v", got)
	}
	if got := tb.Rows[1]; got[0] != "June 1, 2025" || got[5] != "12" || got[6] != "December 1, 2025" {
		t.Errorf("summary row: %v", got)
	}

	// Nothing summarized: the table and the count read as before.
	for i := range ds {
		ds[i].Count, ds[i].Last = 0, roi.NoDate
	}
	l, err = Accounting(in, roi.NoDate, roi.NoDate, ds)
	if err != nil {
		t.Fatal(err)
	}
	if tb := accountingTable(l); len(tb.Header) != 5 || len(tb.Rows[0]) != 5 {
		t.Errorf("unsummarized accounting has summary columns: %v", tb.Header)
	}
	if strings.Contains(l.Text(), "164.528(b)(3)") || !strings.Contains(l.Text(), "We made 2 disclosures") {
		t.Errorf("unsummarized accounting:\n%s", l.Text())
	}

	// A summary without its last date, or one before its first, is refused.
	for _, last := range []roi.Date{roi.NoDate, day("2025-05-01")} {
		ds[0].Count, ds[0].Last = 3, last
		if _, err := Accounting(in, roi.NoDate, roi.NoDate, ds); roi.CodeOf(err) != roi.CodeInvalid {
			t.Errorf("summary with last %s: err=%v", last, err)
		}
	}
}

func TestAccountingSummarySpanish(t *testing.T) {
	in := spanishInput(roi.BasisAccess, roi.KindPatient)
	ds := []Disclosure{{Date: day("2025-06-01"), Recipient: "Departamento de Salud", Description: "1 informe", Purpose: "Salud pública",
		Count: 4, Last: day("2025-09-01")}}
	l, err := Accounting(in, roi.NoDate, roi.NoDate, ds)
	if err != nil {
		t.Fatal(err)
	}
	text := l.Text()
	for _, w := range []string{"hicimos 4 divulgaciones", "mismo destinatario con el mismo propósito", "1 de septiembre de 2025", "164.528(b)(3)"} {
		if !strings.Contains(text, w) {
			t.Errorf("Spanish summary lacks %q:\n%s", w, text)
		}
	}
	for _, w := range []string{"Number of disclosures", "same recipient"} {
		if strings.Contains(text, w) {
			t.Errorf("Spanish summary has English %q", w)
		}
	}
	if h := accountingTable(l).Header; !slices.Equal(h[5:], []string{"Número de divulgaciones", "Fecha de la última"}) {
		t.Errorf("Spanish header %v", h)
	}
}
