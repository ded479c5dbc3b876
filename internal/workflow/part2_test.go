package workflow

import (
	"bytes"
	"strings"
	"testing"

	"github.com/custodian-roi/custodian/internal/roi"
)

// packetText decrypts a released packet and returns its text, read back
// with poppler's pdftotext (skipped when absent, required under CI=true).
func packetText(t *testing.T, f *fixture, iss *Issued) string {
	t.Helper()
	return strings.Join(packetPages(t, f, iss), " ")
}

const (
	hipaaAuth = `{"type":"authorization","id":"A1","forms":["hipaa"],"signed_by":"patient","signed":"2026-02-20","expires":"2026-10-31",
		"discloser":"Example Hospital","recipient":"Okafor Legal Group","purpose":"litigation","description":"all records of 2025",
		"covers":{"from":"2025-01-01","to":"2025-12-31","labels":["general"]},"statements":["revocation","conditioning","redisclosure"]}`
	part2Consent = `{"type":"authorization","id":"C1","forms":["part2"],"signed_by":"patient","signed":"2026-02-20","expires":"2026-10-31",
		"discloser":"Bridgeway Program","recipient":"Okafor Legal Group","purpose":"litigation","description":"treatment records of 2025",
		"covers":{"from":"2025-01-01","to":"2025-12-31","labels":["part2"]},"statements":["revocation"]}`
)

func part2Release(t *testing.T, evidence ...string) (*fixture, *Disclosure, *Issued) {
	t.Helper()
	f := newFixture(t, roi.MakeDate(1980, 6, 15),
		item("Encounter/1", "2025-03-14", "encounter"),
		item("Encounter/p2", "2025-05-13", "encounter", roi.LabelPart2))
	r := f.intake(roi.KindAttorney, "Okafor Legal Group", roi.BasisAuthorization)
	dis, iss := f.release(r, evidence...)
	return f, dis, iss
}

// release attaches an identity and evidence to r, evaluates it, takes the
// engine's decision (approve, or partial when it withholds something),
// has it reviewed and releases it.
func (f *fixture) release(r *roi.DeskRequest, evidence ...string) (*Disclosure, *Issued) {
	f.t.Helper()
	r = f.evidence(r, identity)
	for _, e := range evidence {
		r = f.evidence(r, e)
	}
	r, ev := f.evaluate(r)
	action := ActApprove
	if ev.Decision.Outcome == roi.OutcomePartial {
		action = ActPartial
	}
	r, _, err := f.desk.Decide(f.ctx, "specialist", r.ID, r.Version, Decide{Action: action})
	if err != nil {
		f.t.Fatal(err)
	}
	r = f.review(r)
	_, dis, iss, err := f.desk.Release(f.ctx, "specialist", r.ID, r.Version)
	if err != nil {
		f.t.Fatal(err)
	}
	return dis, iss
}

// With a Part 2 consent the record goes, with the 42 CFR 2.32 notice and
// the consent's scope; without one it stays, and nothing in the packet
// says that the patient was ever in substance-use treatment (2.13(c)).
func TestPart2_NoticeWithConsentSilenceWithout(t *testing.T) {
	f, dis, iss := part2Release(t, hipaaAuth, part2Consent)
	if !dis.Part2Notice || len(dis.Items) != 2 {
		t.Fatalf("with consent: disclosure %+v", dis)
	}
	text := packetText(t, f, iss)
	for _, want := range []string{"42 CFR part 2 prohibits unauthorized use or disclosure of these records",
		"A general authorization for the release of medical or other information is NOT sufficient", "Consent C1", "Bridgeway Program"} {
		if !strings.Contains(text, want) {
			t.Errorf("the packet lacks %q", want)
		}
	}

	f, dis, iss = part2Release(t, hipaaAuth)
	if dis.Part2Notice || len(dis.Items) != 1 || dis.Items[0] != "Encounter/1" {
		t.Fatalf("without consent: disclosure %+v", dis)
	}
	text = packetText(t, f, iss)
	for _, never := range []string{"part 2", "Part 2", "substance", "Substance", "SUD", "Encounter/p2", "2.32", "counseling"} {
		if strings.Contains(text, never) {
			t.Errorf("the packet sent without a Part 2 consent says %q", never)
		}
	}
	if !bytes.Contains([]byte(text), []byte("Encounter/1")) {
		t.Error("the released encounter is not in the packet")
	}
}
