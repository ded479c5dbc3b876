package workflow

import (
	"bytes"
	"context"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/custodian-roi/custodian/internal/ccda"
	"github.com/custodian-roi/custodian/internal/fhir"
	"github.com/custodian-roi/custodian/internal/roi"
	"github.com/custodian-roi/custodian/internal/store"
	"github.com/custodian-roi/custodian/internal/storetest"
)

// ccdaFixture imports the C-CDA test documents named into a fresh desk,
// as `custodian import` does, and returns the fixture and the documents.
func ccdaFixture(t *testing.T, files ...string) (*fixture, []*ccda.Result) {
	t.Helper()
	d, _ := newTestDesk(t)
	f := &fixture{t: t, desk: d, ctx: context.Background()}
	var docs []*ccda.Result
	for _, name := range files {
		data, err := os.ReadFile("../ccda/testdata/" + name)
		if err != nil {
			t.Fatal(err)
		}
		r, err := ccda.Parse(data, ccda.Options{})
		if err != nil {
			t.Fatal(err)
		}
		pid, _, err := d.ImportCCDA(f.ctx, "import", r)
		if err != nil {
			t.Fatal(err)
		}
		if f.pid != 0 && pid != f.pid {
			t.Fatalf("the same patient's second document made patient %d, not %d", pid, f.pid)
		}
		f.pid = pid
		docs = append(docs, r)
	}
	return f, docs
}

// byTitle finds a chart item by its title.
func byTitle(t *testing.T, f *fixture, title string) roi.ChartItem {
	t.Helper()
	items := must[[]roi.ChartItem](t)(f.desk.store.ChartItems(f.ctx, f.pid))
	for _, it := range items {
		if it.Title == title {
			return it
		}
	}
	t.Fatalf("no item %q", title)
	return roi.ChartItem{}
}

const (
	// specificAuth names HIV and substance-use records; a psychotherapy
	// note needs an authorization of its own (164.508(a)(2)).
	specificAuth = `{"type":"authorization","id":"A2","forms":["hipaa"],"signed_by":"patient","signed":"2026-02-20","expires":"2026-10-31",
		"discloser":"Example Hospital","recipient":"Okafor Legal Group","purpose":"litigation","description":"all records of 2025 including HIV and substance use",
		"covers":{"from":"2025-01-01","to":"2025-12-31","labels":["general","hiv","substance-use","behavioral-health"]},"statements":["revocation","conditioning","redisclosure"]}`
	psychotherapyAuth = `{"type":"authorization","id":"A3","forms":["hipaa"],"signed_by":"patient","signed":"2026-02-20","expires":"2026-10-31",
		"discloser":"Example Hospital","recipient":"Okafor Legal Group","purpose":"litigation","description":"psychotherapy notes of 2025",
		"covers":{"from":"2025-01-01","to":"2025-12-31","labels":["psychotherapy-note"]},"statements":["revocation","conditioning","redisclosure"]}`
)

// A sensitive C-CDA: its entries are labeled as FHIR items are (the HIV
// problem, the opioid use disorder and its buprenorphine, the note the
// sender marked PSYTHPN); under a state law requiring a specific
// authorization for HIV and substance use, a general one releases only the
// ordinary entries, and the packet carries none of the others' words
// and not the document whole; specific authorizations release all, and
// then the document goes whole too.
func TestCCDA_SensitiveBothWays(t *testing.T) {
	f, docs := ccdaFixture(t, "sensitive.xml")
	// Federal law lets HIV and (outside Part 2) substance-use records go
	// with a general HIPAA authorization; the states that do not are what
	// withholds them. A state requiring one that names them:
	f.desk.Jurisdiction = roi.Jurisdiction{State: "ZZ", SpecificAuthorization: roi.LabelsOf(roi.LabelHIV, roi.LabelSubstanceUse)}
	hiv := byTitle(t, f, "Human immunodeficiency virus disease")
	oud := byTitle(t, f, "Opioid use disorder, moderate")
	bup := byTitle(t, f, "Buprenorphine 8 MG / Naloxone 2 MG sublingual film")
	note := byTitle(t, f, "Consult note")
	flu := byTitle(t, f, "Influenza vaccine, quadrivalent")
	switch {
	case !hiv.Labels.Has(roi.LabelHIV), !oud.Labels.Has(roi.LabelSubstanceUse), !bup.Labels.Has(roi.LabelSubstanceUse),
		!note.Labels.Has(roi.LabelPsychotherapyNote), flu.Labels != 0:
		t.Fatalf("labels: hiv %v, oud %v, bup %v, note %v, flu %v", hiv.Labels, oud.Labels, bup.Labels, note.Labels, flu.Labels)
	}
	// The original is kept byte for byte under the key every item names.
	raw := must[[]byte](t)(f.desk.store.RawResource(f.ctx, f.pid, docs[0].DocumentKey))
	if !bytes.Equal(raw, docs[0].Original) {
		t.Fatal("the stored document differs from the file")
	}

	r := f.intake(roi.KindAttorney, "Okafor Legal Group", roi.BasisAuthorization)
	dis, iss := f.release(r, hipaaAuth)
	for _, k := range []string{hiv.Key, oud.Key, bup.Key, note.Key} {
		if slices.Contains(dis.Items, k) {
			t.Errorf("a general authorization released %s", k)
		}
	}
	if !slices.Contains(dis.Items, flu.Key) || slices.Contains(dis.Items, docs[0].DocumentKey) {
		t.Errorf("general authorization released %v", dis.Items)
	}
	// The FHIR export of the same release carries the released entries
	// and none of the withheld ones.
	exp, err := f.desk.Export(f.ctx, "specialist", r.ID)
	if err != nil {
		t.Fatalf("export: %v", err)
	}
	if !bytes.Contains(exp, []byte(strings.TrimPrefix(flu.Key, "Immunization/"))) {
		t.Error("the export lacks the released immunization")
	}
	for _, it := range []roi.ChartItem{hiv, oud, bup, note} {
		_, id, _ := strings.Cut(it.Key, "/")
		if bytes.Contains(exp, []byte(`"`+id+`"`)) || bytes.Contains(exp, []byte(id+`"`)) {
			t.Errorf("the export of a general authorization names %s", it.Key)
		}
	}
	text := packetText(t, f, iss)
	if !strings.Contains(text, "Influenza") {
		t.Errorf("the released immunization is not in the packet")
	}
	for _, never := range []string{"immunodeficiency", "Opioid", "uprenorphine", "Psychotherapy session", "grief", "PROBLEMS"} {
		if strings.Contains(text, never) {
			t.Errorf("the packet of a general authorization carries %q", never)
		}
	}

	r = f.intake(roi.KindAttorney, "Okafor Legal Group", roi.BasisAuthorization)
	dis, iss = f.release(r, specificAuth, psychotherapyAuth)
	for _, k := range []string{hiv.Key, oud.Key, bup.Key, note.Key, flu.Key} {
		if !slices.Contains(dis.Items, k) {
			t.Errorf("specific authorizations did not release %s (released %v)", k, dis.Items)
		}
	}
	text = packetText(t, f, iss)
	for _, want := range []string{"Human immunodeficiency virus", "Opioid use disorder", "Buprenorphine", "themes of grief",
		"Clinical document (C-CDA)", "PROBLEMS", "MEDICATIONS"} {
		if !strings.Contains(text, want) {
			t.Errorf("the packet of the specific authorizations lacks %q", want)
		}
	}
	// What was sent verifies against what is stored, the document too.
	if dis.Packet == nil || len(dis.Packet.Items) != len(dis.Items)+1 {
		t.Fatalf("packet %+v for %d released items and the document", dis.Packet, len(dis.Items))
	}
	_, enc, err := f.desk.store.PacketContent(f.ctx, iss.Packet.ID)
	if err != nil {
		t.Fatal(err)
	}
	v, err := f.desk.VerifyPacket(f.ctx, enc)
	if err != nil || len(v.ChangedItems) != 0 || v.Items != len(dis.Items)+1 {
		t.Errorf("verify: %+v, %v", v, err)
	}
}

// A Part 2 program's document (restricted, DS4P 42CFRPart2, the 2.32
// notice in its privacy markings): every item is Part 2; a HIPAA
// authorization alone releases nothing of it, a Part 2 consent releases
// it with the notice.
func TestCCDA_Part2Document(t *testing.T) {
	f, _ := ccdaFixture(t, "sensitive.xml", "part2.xml")
	visit := byTitle(t, f, "Office outpatient visit 15 minutes")
	hpi := byTitle(t, f, "HISTORY OF PRESENT ILLNESS")
	if !visit.Labels.Has(roi.LabelPart2) || !hpi.Labels.Has(roi.LabelPart2) {
		t.Fatalf("labels: visit %v, history %v", visit.Labels, hpi.Labels)
	}
	r := f.intake(roi.KindAttorney, "Okafor Legal Group", roi.BasisAuthorization)
	dis, iss := f.release(r, hipaaAuth)
	if slices.Contains(dis.Items, visit.Key) || slices.Contains(dis.Items, hpi.Key) || dis.Part2Notice {
		t.Errorf("a HIPAA authorization released Part 2 records: %v", dis.Items)
	}
	text := packetText(t, f, iss)
	for _, never := range []string{"Harbor Recovery", "group sessions", "42 CFR part 2"} {
		if strings.Contains(text, never) {
			t.Errorf("the packet without consent carries %q", never)
		}
	}

	r = f.intake(roi.KindAttorney, "Okafor Legal Group", roi.BasisAuthorization)
	dis, iss = f.release(r, hipaaAuth, part2Consent)
	if !slices.Contains(dis.Items, visit.Key) || !slices.Contains(dis.Items, hpi.Key) || !dis.Part2Notice {
		t.Fatalf("with a Part 2 consent: released %v, notice %v", dis.Items, dis.Part2Notice)
	}
	text = packetText(t, f, iss)
	for _, want := range []string{"group sessions", "42 CFR part 2 prohibits unauthorized use or disclosure of these records"} {
		if !strings.Contains(text, want) {
			t.Errorf("the packet with consent lacks %q", want)
		}
	}
}

// The original document is kept byte for byte on both stores (a BLOB in
// SQLite, BYTEA in PostgreSQL), a second import of it adds nothing, and
// the same patient's FHIR record found by MRN takes the C-CDA's items.
func TestCCDA_OriginalKeptBothStores(t *testing.T) {
	data, err := os.ReadFile("../ccda/testdata/sensitive.xml")
	if err != nil {
		t.Fatal(err)
	}
	storetest.ForEach(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		d := New(s)
		fhirPID, _, err := d.Import(ctx, "import", fhir.Chart{Patient: roi.PatientRecord{FHIRID: "f1", MRN: "SENS-0001", Name: "Robin Testperson"}})
		if err != nil {
			t.Fatal(err)
		}
		r, err := ccda.Parse(data, ccda.Options{})
		if err != nil {
			t.Fatal(err)
		}
		pid, added, err := d.ImportCCDA(ctx, "import", r)
		if err != nil || pid != fhirPID || added != len(r.Chart.Items) {
			t.Fatalf("import: patient %d (FHIR %d), %d new of %d, %v", pid, fhirPID, added, len(r.Chart.Items), err)
		}
		got, err := s.RawResource(ctx, pid, r.DocumentKey)
		if err != nil || !bytes.Equal(got, data) {
			t.Fatalf("stored document: %d bytes of %d, %v", len(got), len(data), err)
		}
		if _, added, err = d.ImportCCDA(ctx, "import", r); err != nil || added != 0 {
			t.Errorf("a second import added %d (%v)", added, err)
		}
	})
}
