package packet

import (
	"bytes"
	"os/exec"
	"strings"
	"testing"

	"github.com/custodian-roi/custodian/internal/roi"
)

// TestEncrypt checks an encrypted packet with the tools a recipient's
// reader resembles: qpdf sees AES-256 (security handler revision 6),
// pdfinfo cannot open it without a password and opens it with the user
// password, and Decrypt gives back a PDF with the same pages and text.
func TestEncrypt(t *testing.T) {
	c := readChart(t, bob)
	plain, m, err := Build(input(t, items(t, c, firstN(8))))
	if err != nil {
		t.Fatal(err)
	}
	user, err := NewPassword()
	if err != nil {
		t.Fatal(err)
	}
	owner, err := NewPassword()
	if err != nil {
		t.Fatal(err)
	}
	enc, err := Encrypt(plain, user, owner)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(enc, []byte("Released to")) {
		t.Error("encrypted packet holds plain text")
	}
	qpdf := needTool(t, "qpdf")
	path := writeTemp(t, "enc.pdf", enc)
	out, err := exec.Command(qpdf, "--show-encryption", "--password="+user, path).CombinedOutput()
	if err != nil {
		t.Fatalf("qpdf: %v: %s", err, out)
	}
	if s := string(out); !strings.Contains(s, "R = 6") {
		t.Errorf("qpdf does not report revision 6: %s", s)
	}
	if s := string(out); !strings.Contains(s, "AESv3") {
		t.Errorf("streams not AESv3: %s", s)
	}
	if out, err := exec.Command(qpdf, "--check", "--password="+user, path).CombinedOutput(); err != nil {
		t.Errorf("qpdf --check: %v: %s", err, out)
	}
	pdfinfo := needTool(t, "pdfinfo")
	if out, err := exec.Command(pdfinfo, path).CombinedOutput(); err == nil {
		t.Errorf("pdfinfo opened the packet without a password: %s", out)
	}
	if n := pdfPages(t, enc, "-upw", user); n != m.Pages {
		t.Errorf("with the user password: %d pages, want %d", n, m.Pages)
	}
	info, _ := exec.Command(pdfinfo, "-upw", user, path).CombinedOutput()
	if !strings.Contains(string(info), "print:yes") || !strings.Contains(string(info), "copy:no") || !strings.Contains(string(info), "change:no") {
		t.Errorf("permissions are not print-only: %s", info)
	}
	dec, err := Decrypt(enc, user)
	if err != nil {
		t.Fatal(err)
	}
	if n := pdfPages(t, dec); n != m.Pages {
		t.Errorf("decrypted: %d pages, want %d", n, m.Pages)
	}
	want := flat(pdftotext(t, plain, m.Pages, m.Pages))
	if got := flat(pdftotext(t, dec, m.Pages, m.Pages)); got != want {
		t.Errorf("decrypted last page %q, want %q", got, want)
	}
	if _, err := Decrypt(enc, "wrong-password"); roi.CodeOf(err) != roi.CodeForbidden {
		t.Errorf("wrong password: %v, want forbidden", err)
	}
	if _, err := Encrypt(plain, user, user); roi.CodeOf(err) != roi.CodeInvalid {
		t.Errorf("same user and owner password: %v, want invalid", err)
	}
}

func TestNewPassword(t *testing.T) {
	seen := map[string]bool{}
	for range 200 {
		p, err := NewPassword()
		if err != nil {
			t.Fatal(err)
		}
		if len(p) != PasswordLength {
			t.Fatalf("password of %d characters", len(p))
		}
		for _, c := range p {
			if !strings.ContainsRune(passwordAlphabet, c) || strings.ContainsRune("0O1Il5S", c) {
				t.Fatalf("password character %q outside the alphabet", c)
			}
		}
		if seen[p] {
			t.Fatal("the same password twice")
		}
		seen[p] = true
	}
}
