package workflow

import (
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/custodian-roi/custodian/internal/ocr"
	"github.com/custodian-roi/custodian/internal/roi"
	"github.com/custodian-roi/custodian/internal/store"
)

func TestDateStyles(t *testing.T) {
	day := roi.MakeDate(1970, 3, 14)
	for _, c := range []struct {
		style DateStyle
		shown string
		typed []string // all mean day
		wrong []string // none reads, or reads as another day
	}{
		{DatesUS, "Mar 14, 1970", []string{"1970-03-14", "03/14/1970", "3/14/1970", "Mar 14, 1970", "March 14, 1970", "14 Mar 1970", " 3-14-1970 "},
			[]string{"14/03/1970", "1970-02-30", "yesterday", "", "03/14"}},
		{DatesIntl, "14 Mar 1970", []string{"1970-03-14", "14/03/1970", "14.3.1970", "14 March 1970", "Mar 14, 1970"},
			[]string{"03/14/1970", "31/02/1970"}},
		{DatesISO, "1970-03-14", []string{"1970-03-14", "14/03/1970"}, []string{"03/14/1970"}},
	} {
		if got := c.style.Format(day); got != c.shown {
			t.Errorf("%s: Format = %q, want %q", c.style, got, c.shown)
		}
		for _, s := range c.typed {
			if got, ok := c.style.ParseDay(s); !ok || got != day {
				t.Errorf("%s: ParseDay(%q) = %s %v, want %s", c.style, s, got, ok, day)
			}
		}
		for _, s := range c.wrong {
			if got, ok := c.style.ParseDay(s); ok && got == day {
				t.Errorf("%s: ParseDay(%q) read %s", c.style, s, got)
			}
		}
		if got, ok := c.style.ParseDay(c.style.Typed(day)); !ok || got != day {
			t.Errorf("%s: a date written as typed (%q) does not read back", c.style, c.style.Typed(day))
		}
		if c.style.Format(roi.NoDate) != "—" {
			t.Errorf("%s: an unknown date shows %q", c.style, c.style.Format(roi.NoDate))
		}
	}
	if _, ok := ParseDateStyle("klingon"); ok {
		t.Error("an unknown date style was accepted")
	}
	if s, ok := ParseDateStyle(""); !ok || s != DatesUS {
		t.Errorf("the default date style is %q", s)
	}
}

// TestDirectory: the requester directory keeps one entry per kind and
// name, checks what it keeps, and records changes in the ledger.
func TestDirectory(t *testing.T) {
	f := newFixture(t, roi.MakeDate(1980, 6, 15))
	e := &DirectoryEntry{Kind: roi.KindAttorney, Name: "  Smith & Jones LLP ", Delivery: roi.DeliveryMail, Contact: "1 Main St, Springfield"}
	if err := f.desk.SaveRequester(f.ctx, "clerk", e); err != nil || e.ID == 0 || e.Name != "Smith & Jones LLP" {
		t.Fatalf("add: %v %+v", err, e)
	}
	dup := &DirectoryEntry{Kind: roi.KindAttorney, Name: "smith  &  jones llp"}
	if err := f.desk.SaveRequester(f.ctx, "clerk", dup); roi.CodeOf(err) != roi.CodeConflict {
		t.Errorf("the same firm again: %v", err)
	}
	other := &DirectoryEntry{Kind: roi.KindInsurer, Name: "Smith & Jones LLP"}
	if err := f.desk.SaveRequester(f.ctx, "clerk", other); err != nil {
		t.Errorf("the same name as another kind: %v", err)
	}
	for _, bad := range []*DirectoryEntry{
		{Kind: roi.KindAttorney, Name: " "},
		{Kind: roi.KindPatient, Name: "Pat Example"},
		{Kind: "wizard", Name: "Merlin"},
		{Kind: roi.KindProvider, Name: "Clinic", Delivery: roi.DeliveryFax},
		{Kind: roi.KindProvider, Name: "Clinic", Delivery: "pigeon", Contact: "roof"},
	} {
		if err := f.desk.SaveRequester(f.ctx, "clerk", bad); roi.CodeOf(err) != roi.CodeInvalid {
			t.Errorf("%+v: %v, want invalid", bad, err)
		}
	}
	e.Phone = "555-0100"
	if err := f.desk.SaveRequester(f.ctx, "clerk", e); err != nil {
		t.Fatalf("change: %v", err)
	}
	got, err := f.desk.Requester(f.ctx, e.ID)
	if err != nil || got.Phone != "555-0100" || got.Contact != "1 Main St, Springfield" {
		t.Errorf("after the change: %v %+v", err, got)
	}
	all, err := f.desk.Requesters(f.ctx, roi.KindAttorney)
	if err != nil || len(all) != 1 || all[0].ID != e.ID {
		t.Errorf("attorneys: %v %+v", err, all)
	}
	if _, err := f.desk.Requester(f.ctx, 999); roi.CodeOf(err) != roi.CodeNotFound {
		t.Errorf("unknown entry: %v", err)
	}
	if err := f.desk.SaveRequester(f.ctx, "clerk", &DirectoryEntry{ID: 999, Kind: roi.KindCourt, Name: "X"}); roi.CodeOf(err) != roi.CodeNotFound {
		t.Errorf("changing an unknown entry: %v", err)
	}
	evs, err := f.desk.store.Ledger(f.ctx, store.LedgerFilter{Kind: roi.EventDirectory})
	if err != nil || len(evs) != 3 {
		t.Errorf("directory entries in the ledger: %d, %v", len(evs), err)
	}
}

// TestSearchAndFind: a clerk finds requests by the patient's birth date,
// by the requester's name, by MRN and by part of the patient's name; and
// finds nothing for what matches no one.
func TestSearchAndFind(t *testing.T) {
	f := newFixture(t, roi.MakeDate(1970, 3, 14), item("Encounter/1", "2025-03-14", "encounter"))
	own := f.intake(roi.KindPatient, "Pat Example", roi.BasisAccess)
	firm := f.intake(roi.KindAttorney, "Smith & Jones LLP", roi.BasisAuthorization)
	ids := func(rows []QueueRow) []roi.RequestID {
		var out []roi.RequestID
		for _, r := range rows {
			out = append(out, r.R.ID)
			if r.Patient == nil || r.Patient.Name != "Pat Example" {
				t.Errorf("row %s without its patient: %+v", r.R.Number, r.Patient)
			}
		}
		return out
	}
	for _, c := range []struct {
		term string
		want []roi.RequestID
	}{
		{"03/14/1970", []roi.RequestID{own.ID, firm.ID}},
		{"1970-03-14", []roi.RequestID{own.ID, firm.ID}},
		{"Smith & Jones", []roi.RequestID{firm.ID}},
		{"smith & jones llp", []roi.RequestID{firm.ID}},
		{"m1", []roi.RequestID{own.ID, firm.ID}},
		{"pat exa", []roi.RequestID{own.ID, firm.ID}},
		{own.Number, []roi.RequestID{own.ID}},
		{"03/15/1970", nil},
		{"Jones & Smith", nil},
		{"100%_", nil},
	} {
		rows, err := f.desk.Search(f.ctx, "clerk", c.term)
		if err != nil {
			t.Fatalf("%q: %v", c.term, err)
		}
		got := ids(rows)
		slices.Sort(got)
		if !slices.Equal(got, c.want) {
			t.Errorf("search %q: %v, want %v", c.term, got, c.want)
		}
	}
	for term, want := range map[string]int{"03/14/1970": 1, "M1": 1, "example": 1, "03/15/1970": 0, "Nobody": 0} {
		ps, err := f.desk.FindPatients(f.ctx, "clerk", term)
		if err != nil || len(ps) != want {
			t.Errorf("find %q: %d patients, %v; want %d", term, len(ps), err, want)
		}
	}
	if _, err := f.desk.FindPatients(f.ctx, "clerk", "x"); roi.CodeOf(err) != roi.CodeInvalid {
		t.Errorf("a one-letter search: %v", err)
	}
}

// TestAwaitingReview: a decision that needs a second person waits in the
// reviewers' queue until reviewed; one that needs none never appears.
func TestAwaitingReview(t *testing.T) {
	f := newFixture(t, roi.MakeDate(1980, 6, 15),
		item("Encounter/1", "2025-03-14", "encounter"),
		item("Observation/hiv", "2025-04-01", "lab", roi.LabelHIV))
	waiting := func() []roi.RequestID {
		page, err := f.desk.Queue(f.ctx, "reviewer", RequestFilter{AwaitingReview: true})
		if err != nil {
			t.Fatal(err)
		}
		var out []roi.RequestID
		for _, r := range page.Rows {
			out = append(out, r.R.ID)
		}
		return out
	}
	// The patient's own request releases an HIV result: reviewed first.
	r := f.evidence(f.intake(roi.KindPatient, "Pat Example", roi.BasisAccess), identity)
	r, ev := f.evaluate(r)
	r, _, err := f.desk.Decide(f.ctx, "specialist", r.ID, r.Version, Decide{Action: actionFor[ev.Decision.Outcome]})
	if err != nil {
		t.Fatal(err)
	}
	if got := waiting(); !slices.Equal(got, []roi.RequestID{r.ID}) {
		t.Fatalf("awaiting review after the decision: %v", got)
	}
	r = f.review(r)
	if got := waiting(); len(got) != 0 {
		t.Errorf("still awaiting review after the review: %v", got)
	}
	// Sent back: no longer waiting; decided again: waiting again; released: gone.
	if _, _, _, err := f.desk.Release(f.ctx, "specialist", r.ID, r.Version); err != nil {
		t.Fatalf("release: %v", err)
	}
	if got := waiting(); len(got) != 0 {
		t.Errorf("awaiting review after the release: %v", got)
	}
}

// TestSuggestAuthorization: what the parser reads becomes the
// authorization form's values, each field listed as suggested with its
// line; what the form does not say is not invented.
func TestSuggestAuthorization(t *testing.T) {
	text, err := os.ReadFile("../ocr/testdata/hipaa-labeled.txt")
	if err != nil {
		t.Fatal(err)
	}
	s := suggestAuthorization(ocr.ParseAuthorization(string(text)))
	for field, want := range map[string]string{"recipient": "Smith & Jones LLP", "expires": "2026-12-31", "signed": "2026-03-01",
		"covers_from": "2020-01-01", "covers_to": "2025-12-31"} {
		if got := s.Values.Get(field); got != want {
			t.Errorf("%s = %q, want %q", field, got, want)
		}
		if s.Lines[field] == "" || !slices.Contains(s.Fields, field) {
			t.Errorf("%s is not marked suggested with its line", field)
		}
	}
	labels := s.Values["covers_labels"]
	for _, want := range []string{"hiv", "behavioral-health", "sti"} {
		if !slices.Contains(labels, want) {
			t.Errorf("covers_labels %v lacks %s", labels, want)
		}
	}
	for _, never := range []string{"psychotherapy-note", "genetic", "part2"} {
		if slices.Contains(labels, never) {
			t.Errorf("covers_labels %v has %s, whose box is empty", labels, never)
		}
	}
	if s.Values.Get("forms") != "" || s.Values.Get("tpo") != "" {
		t.Errorf("a HIPAA form suggested as Part 2: forms %q tpo %q", s.Values.Get("forms"), s.Values.Get("tpo"))
	}
	empty := suggestAuthorization(ocr.ParseAuthorization(""))
	if len(empty.Fields) != 0 || len(empty.Values) != 0 {
		t.Errorf("nothing read, yet suggested %v", empty.Values)
	}
}

// TestFormatTime: an instant is shown on the day and at the hour of the
// desk's time zone, not the server's.
func TestFormatTime(t *testing.T) {
	d, _ := newTestDesk(t)
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Skip("no time zone data:", err)
	}
	d.Location = ny
	at := time.Date(2026, 3, 2, 3, 30, 0, 0, time.UTC)
	if got := d.FormatTime(at); got != "Mar 1, 2026 22:30" {
		t.Errorf("FormatTime = %q, want the evening before in New York", got)
	}
	d.Dates = DatesIntl
	if got := d.FormatTime(at); got != "1 Mar 2026 22:30" {
		t.Errorf("FormatTime (intl) = %q", got)
	}
	if d.FormatTime(time.Time{}) != "—" {
		t.Error("a zero time is not shown as unknown")
	}
}

// TestLinkLanguage: a Spanish request's download link opens the page in
// Spanish; the token stays after '#', and nothing else is in the link.
func TestLinkLanguage(t *testing.T) {
	d, _ := newTestDesk(t)
	d.Org.PortalURL = "https://records.example.org/"
	if got := d.linkURL("tok", roi.LanguageSpanish); got != "https://records.example.org/portal/download?lang=es#tok" {
		t.Errorf("Spanish link %q", got)
	}
	for _, l := range []roi.Language{roi.LanguageEnglish, ""} {
		if got := d.linkURL("tok", l); got != "https://records.example.org/portal/download#tok" {
			t.Errorf("link for %q: %q", l, got)
		}
	}
}

// TestNotificationLanguage: the download-link e-mail is in the request's
// language, with the link and the expiry day, and no English in the
// Spanish one.
func TestNotificationLanguage(t *testing.T) {
	exp := time.Date(2026, 12, 20, 15, 0, 0, 0, time.UTC)
	es := notification("Hospital Riverbend", "https://x/portal/download?lang=es#t", exp, roi.LanguageSpanish)
	for _, want := range []string{"Hola:", "https://x/portal/download?lang=es#t", "20 de diciembre de 2026", "código de un solo uso"} {
		if !strings.Contains(es, want) {
			t.Errorf("Spanish e-mail lacks %q:\n%s", want, es)
		}
	}
	for _, english := range []string{"Hello", "download securely", "December"} {
		if strings.Contains(es, english) {
			t.Errorf("English %q in the Spanish e-mail", english)
		}
	}
	en := notification("", "https://x/portal/download#t", exp, roi.LanguageEnglish)
	if !strings.Contains(en, "The records office has records ready") || !strings.Contains(en, "December 20, 2026") {
		t.Errorf("English e-mail:\n%s", en)
	}
	if notificationSubject(roi.LanguageSpanish) == notificationSubject(roi.LanguageEnglish) {
		t.Error("the subject is not translated")
	}
}
