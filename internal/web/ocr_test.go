package web

import (
	"bytes"
	"context"
	"encoding/json"
	"html"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"

	"github.com/go-pdf/fpdf"

	"github.com/custodian-roi/custodian/internal/auth"
	"github.com/custodian-roi/custodian/internal/roi"
)

// scannedAuthorization is a signed HIPAA authorization as a letter-size
// PDF, as a scanner would give it.
func scannedAuthorization(t *testing.T) []byte {
	t.Helper()
	pdf := fpdf.New("P", "pt", "Letter", "")
	pdf.SetMargins(54, 54, 54)
	pdf.AddPage()
	pdf.SetFont("Helvetica", "", 11)
	for _, l := range []string{
		"AUTHORIZATION FOR RELEASE OF PROTECTED HEALTH INFORMATION",
		"",
		"Patient Name: Rosa Delgado    Date of Birth: 10/15/1986",
		"I authorize Custodian Demo Hospital to release/disclose the information described below to:",
		"Name of person/organization: Lee & Park LLP",
		"Information to be released:",
		"[X] Entire medical record",
		"[X] HIV/AIDS test results",
		"[ ] Psychotherapy notes",
		"Purpose of disclosure: Legal proceedings (personal injury claim)",
		"This authorization expires on: 12/31/2026",
		"I understand that I may revoke this authorization at any time by notifying the hospital in writing.",
		"Signature of patient: Rosa Delgado    Date: 02/20/2026",
	} {
		pdf.CellFormat(0, 16, l, "", 1, "L", false, 0, "")
	}
	var b bytes.Buffer
	if err := pdf.Output(&b); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// TestReadScanSuggests: a clerk opens the authorization form beside its
// scan and asks the desk to read it. OCR suggests answers, each marked
// "suggested — confirm" with the line it came from; the form is not saved
// until the clerk confirms them; then the evidence is what the form says.
// Real tesseract; skipped without it, a failure under CI=true.
func TestReadScanSuggests(t *testing.T) {
	for _, tool := range []string{"tesseract", "pdftoppm"} {
		if _, err := exec.LookPath(tool); err != nil {
			if os.Getenv("CI") == "true" {
				t.Fatalf("%s is required under CI=true (apt-get install tesseract-ocr tesseract-ocr-eng poppler-utils)", tool)
			}
			t.Skipf("%s not installed; skipping (apt-get install tesseract-ocr tesseract-ocr-eng poppler-utils)", tool)
		}
	}
	e := newStaffEnv(t)
	r := e.attorneyRequest()
	reqPath := "/requests/" + strconv.FormatInt(int64(r.ID), 10)
	st, _, _ := e.multipartPage(auth.RoleIntakeClerk, reqPath+"/documents",
		url.Values{"version": {strconv.Itoa(r.Version)}, "kind": {"authorization"}}, map[string][2]string{"file": {"auth.pdf", string(scannedAuthorization(t))}})
	if st != http.StatusSeeOther {
		t.Fatalf("upload: %d", st)
	}
	c, err := e.desk.Get(context.Background(), "test", r.ID)
	if err != nil || len(c.Documents) != 1 {
		t.Fatalf("documents: %v %d", err, len(c.Documents))
	}
	doc := strconv.FormatInt(c.Documents[0].ID, 10)
	form := reqPath + "/evidence/new?type=authorization&doc=" + doc
	_, body, _ := e.page(auth.RoleIntakeClerk, "GET", form, nil)
	if !strings.Contains(body, `id="read-scan"`) {
		t.Fatalf("the form beside an authorization scan offers no reading:\n%s", clip(body))
	}
	if strings.Contains(body, "suggested — confirm</span>") {
		t.Error("answers are suggested before anyone asked to read the scan")
	}
	st, body, _ = e.page(auth.RoleIntakeClerk, "GET", form+"&read=1", nil)
	if st != http.StatusOK {
		t.Fatalf("read: %d\n%s", st, clip(body))
	}
	for _, want := range []string{"What the scan says", `name="suggested" value="recipient"`, `name="suggestions_checked"`,
		html.EscapeString("Lee & Park LLP"), `value="2026-12-31"`, "suggested — confirm"} {
		if !strings.Contains(body, want) {
			t.Errorf("the read form lacks %q", want)
		}
	}
	if strings.Contains(body, `name="suggested" value="statements"`) == false {
		t.Error("the revocation statement was not suggested")
	}
	// Psychotherapy notes were printed with an empty box: not suggested.
	if strings.Contains(body, `value="psychotherapy-note" checked`) {
		t.Error("an unticked category was suggested")
	}
	// Saving the suggestions unconfirmed is refused; the answers stay.
	post := url.Values{"version": {strconv.Itoa(e.request(r.ID).Version)}, "type": {"authorization"}, "document": {doc},
		"forms": {"hipaa"}, "signed_by": {"patient"}, "signed": {"2026-02-20"}, "expires": {"2026-12-31"},
		"discloser": {"Custodian Demo Hospital"}, "recipient": {"Lee & Park LLP"}, "purpose": {"Legal proceedings"},
		"description": {"Entire medical record; HIV test results"}, "covers_labels": {"general", "hiv"},
		"statements": {"revocation", "conditioning", "redisclosure"}, "suggested": {"recipient", "expires"}}
	st, body, _ = e.page(auth.RoleIntakeClerk, "POST", reqPath+"/evidence", post)
	if st != http.StatusUnprocessableEntity || !strings.Contains(body, "suggested answer") {
		t.Errorf("unconfirmed suggestions: %d\n%s", st, clip(body))
	}
	if len(e.activeEvidence(r.ID, "authorization")) != 0 {
		t.Fatal("unconfirmed suggestions became evidence")
	}
	post.Set("suggestions_checked", "yes")
	if st, body, _ = e.page(auth.RoleIntakeClerk, "POST", reqPath+"/evidence", post); st != http.StatusSeeOther {
		t.Fatalf("confirmed: %d\n%s", st, clip(body))
	}
	got := e.activeEvidence(r.ID, "authorization")
	var a struct{ Recipient, Expires string }
	if len(got) != 1 || json.Unmarshal([]byte(got[0]), &a) != nil || a.Recipient != "Lee & Park LLP" || a.Expires != "2026-12-31" {
		t.Errorf("the authorization recorded: %v", got)
	}
}

// activeEvidence is the request's evidence of typ in force, as stored.
func (e *staffEnv) activeEvidence(id roi.RequestID, typ string) []string {
	e.t.Helper()
	c, err := e.desk.Get(context.Background(), "test", id)
	if err != nil {
		e.t.Fatal(err)
	}
	var out []string
	for _, ev := range c.Evidence {
		if ev.Type == typ && ev.Active() {
			out = append(out, string(ev.Body))
		}
	}
	return out
}
