package workflow

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/custodian-roi/custodian/internal/fee"
	"github.com/custodian-roi/custodian/internal/packet"
	"github.com/custodian-roi/custodian/internal/roi"
	"github.com/custodian-roi/custodian/internal/store"
)

// packetPages returns the text of each page of a released packet, as
// pdftotext reads it (pages are separated by form feeds), white space
// collapsed.
func packetPages(t *testing.T, f *fixture, iss *Issued) []string {
	t.Helper()
	if _, err := exec.LookPath("pdftotext"); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("pdftotext is required under CI=true (apt-get install poppler-utils)")
		}
		t.Skip("pdftotext not installed (apt-get install poppler-utils); skipping the packet text check")
	}
	_, enc, err := f.desk.store.PacketContent(f.ctx, iss.Packet.ID)
	if err != nil {
		t.Fatal(err)
	}
	plain, err := packet.Decrypt(enc, iss.Password)
	if err != nil {
		t.Fatal(err)
	}
	in := filepath.Join(t.TempDir(), "p.pdf")
	if err := os.WriteFile(in, plain, 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("pdftotext", "-layout", in, "-").Output()
	if err != nil {
		t.Fatal(err)
	}
	pages := strings.Split(strings.TrimRight(string(out), "\f"), "\f")
	for i, p := range pages {
		pages[i] = strings.Join(strings.Fields(p), " ")
	}
	return pages
}

// A released packet names the patient on every page, is certified by the
// staff member who released it with the packet's real page count, and
// carries an invoice exactly when a fee is due.
func TestReleasePacket_PatientCertificationInvoice(t *testing.T) {
	for _, tc := range []struct {
		name string
		flat fee.Cents
		due  bool
	}{
		{"flat fee due", 650, true},
		{"no fee", 0, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t, roi.MakeDate(1980, 6, 15),
				item("Encounter/1", "2025-03-14", "encounter"),
				item("Observation/bp", "2025-03-14", "result"))
			f.desk.Fees = FeeSettings{Costs: fee.Costs{Method: fee.MethodFlat, Flat: tc.flat}}
			if err := f.desk.store.AddUser(f.ctx, &store.User{Username: "specialist", Name: "Dana Whitfield", Role: "roi-specialist",
				PasswordHash: "x", TOTPSecret: "JBSWY3DPEHPK3PXP"}, roi.Event{Kind: roi.EventUserAdded, Actor: "admin", Body: map[string]string{"username": "specialist"}}); err != nil {
				t.Fatal(err)
			}
			r := f.intake(roi.KindPatient, "Pat Example", roi.BasisAccess)
			_, iss := f.release(r)
			pages := packetPages(t, f, iss)
			if len(pages) != iss.Packet.Pages {
				t.Fatalf("pdftotext reads %d pages, the packet record says %d", len(pages), iss.Packet.Pages)
			}
			who := "Patient: Pat Example · Born 1980-06-15 · MRN M1"
			for i, p := range pages {
				for _, want := range []string{who, "Request " + r.Number, "Page " + strconv.Itoa(i+1) + " of " + strconv.Itoa(len(pages))} {
					if !strings.Contains(p, want) {
						t.Errorf("page %d lacks %q: %q", i+1, want, p)
					}
				}
			}
			var cert, invoice string
			for _, p := range pages {
				if strings.Contains(p, "Certification of records") && cert == "" {
					cert = p
				}
				if strings.Contains(p, "Amount due:") {
					invoice = p
				}
			}
			for _, want := range []string{"I, Dana Whitfield, Release-of-information specialist of", "true copies",
				"kept in the course of the regularly conducted activity", "This packet has " + strconv.Itoa(len(pages)) + " pages in all",
				"encounter 1 2025-03-14", "result 1 2025-03-14"} {
				if !strings.Contains(cert, want) {
					t.Errorf("the certification lacks %q: %q", want, cert)
				}
			}
			if tc.due != (invoice != "") {
				t.Fatalf("invoice printed %v, want %v", invoice != "", tc.due)
			}
			if tc.due && (!strings.Contains(invoice, "Amount due: $6.50") || !strings.Contains(invoice, "Bill to: Pat Example") || invoice != pages[len(pages)-1]) {
				t.Errorf("the invoice is not the last page or lacks the fee: %q", invoice)
			}
			// No FHIR id before the appendix of record identifiers.
			ids := regexp.MustCompile(`\b(Encounter|Observation)/[A-Za-z0-9.-]+`)
			appendix := false
			for i, p := range pages {
				appendix = appendix || strings.Contains(p, "Appendix: record identifiers")
				if !appendix && ids.MatchString(p) {
					t.Errorf("page %d prints a record id: %q", i+1, ids.FindString(p))
				}
			}
			if !appendix {
				t.Error("no appendix of record identifiers")
			}
		})
	}
}
