package web

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/custodian-roi/custodian/internal/auth"
	"github.com/custodian-roi/custodian/internal/roi"
)

// TestMailDeliveryPage: the request page links its mail delivery; the
// delivery page shows the mailing address, the packet and the letters to
// print and a form; a refused form keeps what was typed and says why; the
// recorded mailing completes the delivery in the ledger and the page then
// shows the receipt in words. The auditor sees the page but no form and is
// refused a completion.
func TestMailDeliveryPage(t *testing.T) {
	e := newStaffEnv(t)
	r, iss := e.release(roi.KindPatient, patientName, roi.DeliveryMail, "1 Main St\nSpringfield, ST 00000")
	rid := strconv.FormatInt(int64(r.ID), 10)
	path := "/requests/" + rid + "/deliveries/" + strconv.FormatInt(iss.Delivery.ID, 10)

	_, body, _ := e.page(auth.RoleIntakeClerk, "GET", "/requests/"+rid, nil)
	if !strings.Contains(body, `href="`+path+`"`) || !strings.Contains(body, "Waiting for staff to print and mail it") {
		t.Fatalf("the request page does not link the mail delivery with its state in words")
	}
	status, body, h := e.page(auth.RoleIntakeClerk, "GET", path, nil)
	if status != 200 || h.Get("Cache-Control") != "no-store" {
		t.Fatalf("delivery page %d", status)
	}
	for _, want := range []string{`id="mailing-address">1 Main St<br>Springfield, ST 00000</dd>`, patientName,
		`href="/api/v1/requests/` + rid + `/packets/` + strconv.FormatInt(iss.Packet.ID, 10) + `"`, iss.Packet.PacketID,
		`href="/api/v1/requests/` + rid + `/letters/cover"`, `id="tracking"`, `id="mailed"`, "Record as mailed"} {
		if !strings.Contains(body, want) {
			t.Errorf("mail delivery page lacks %q", want)
		}
	}
	_, audit, _ := e.page(auth.RoleAuditor, "GET", path, nil)
	if strings.Contains(audit, `id="complete-form"`) || !strings.Contains(audit, "1 Main St") {
		t.Errorf("the auditor's delivery page offers the form, or hides the address")
	}
	if status, _, _ := e.page(auth.RoleAuditor, "POST", path, url.Values{"tracking": {"9400"}}); status != http.StatusForbidden {
		t.Errorf("the auditor recorded a mailing: %d", status)
	}

	// No tracking number: refused in words, the carrier kept.
	status, body, _ = e.page(auth.RoleIntakeClerk, "POST", path, url.Values{"carrier": {"UPS"}, "mailed": {"2026-03-02"}})
	if status != http.StatusBadRequest || !strings.Contains(body, "tracking number") || !strings.Contains(body, `value="UPS"`) {
		t.Errorf("mailing without tracking: %d", status)
	}
	// A day that is not a date.
	status, body, _ = e.page(auth.RoleIntakeClerk, "POST", path, url.Values{"tracking": {"9400 1"}, "mailed": {"yesterday"}})
	if status != http.StatusBadRequest || !strings.Contains(body, "not a date") || !strings.Contains(body, `value="9400 1"`) {
		t.Errorf("mailing on a day that is no date: %d", status)
	}

	status, _, h = e.page(auth.RoleIntakeClerk, "POST", path, url.Values{"carrier": {"USPS"}, "tracking": {"9400 1000 0000"}, "mailed": {"2026-03-01"}})
	if status != http.StatusSeeOther || h.Get("Location") != path {
		t.Fatalf("recording the mailing: %d to %q", status, h.Get("Location"))
	}
	_, body, _ = e.page(auth.RoleIntakeClerk, "GET", path, nil)
	if !strings.Contains(body, "Mailed") || !strings.Contains(body, "9400 1000 0000") || !strings.Contains(body, e.desk.FormatDate(roi.MakeDate(2026, 3, 1))) ||
		!strings.Contains(body, "user-intake-clerk") || strings.Contains(body, `id="complete-form"`) {
		t.Errorf("the completed delivery page does not show the receipt")
	}
	ds, err := e.desk.Deliveries(context.Background(), r.ID)
	if err != nil || len(ds) != 1 || ds[0].State != roi.DeliveryDone {
		t.Fatalf("deliveries %v %v", ds, err)
	}
	// Twice: refused, in words.
	status, body, _ = e.page(auth.RoleIntakeClerk, "POST", path, url.Values{"tracking": {"x"}})
	if status != http.StatusConflict || !strings.Contains(body, "not waiting") || !strings.Contains(body, `id="delivery-error"`) {
		t.Errorf("recorded twice: %d", status)
	}
	// A delivery under another request's number is not found.
	if status, _, _ := e.page(auth.RoleIntakeClerk, "GET", "/requests/"+strconv.FormatInt(int64(r.ID)+1, 10)+"/deliveries/"+strconv.FormatInt(iss.Delivery.ID, 10), nil); status != http.StatusNotFound {
		t.Errorf("another request's delivery: %d", status)
	}
}

// TestFaxDeliveryPage: the fax number, the fax form, and the confirmation
// recorded with the pages and the time sent (in the desk's zone).
func TestFaxDeliveryPage(t *testing.T) {
	e := newStaffEnv(t)
	r, iss := e.release(roi.KindPatient, patientName, roi.DeliveryFax, "555-0188")
	path := "/requests/" + strconv.FormatInt(int64(r.ID), 10) + "/deliveries/" + strconv.FormatInt(iss.Delivery.ID, 10)
	_, body, _ := e.page(auth.RoleSpecialist, "GET", path, nil)
	for _, want := range []string{`id="fax-number">555-0188`, "Waiting for staff to fax it", `id="confirmation"`, `id="sent_at"`, "Record as faxed"} {
		if !strings.Contains(body, want) {
			t.Errorf("fax page lacks %q", want)
		}
	}
	status, body, _ := e.page(auth.RoleSpecialist, "POST", path, url.Values{"pages": {"0"}, "confirmation": {"OK-1"}})
	if status != http.StatusBadRequest || !strings.Contains(body, "number of pages") {
		t.Errorf("zero pages: %d", status)
	}
	status, _, _ = e.page(auth.RoleSpecialist, "POST", path, url.Values{"pages": {"14"}, "confirmation": {"OK-4471"}, "sent_at": {"2026-03-02T09:30"}})
	if status != http.StatusSeeOther {
		t.Fatalf("recording the fax: %d", status)
	}
	_, body, _ = e.page(auth.RoleSpecialist, "GET", path, nil)
	if !strings.Contains(body, "Faxed") || !strings.Contains(body, `id="receipt-confirmation">OK-4471`) || !strings.Contains(body, "Mar 2, 2026 09:30") ||
		!strings.Contains(body, "<dd>14</dd>") {
		t.Errorf("the faxed delivery page does not show the confirmation")
	}
}

// TestIssueCodePage: a portal delivery offers the clerk a button that
// shows a download code once; the code then opens the packet with the
// link given at release, and is not in the log.
func TestIssueCodePage(t *testing.T) {
	e := newStaffEnv(t)
	r, iss := e.release(roi.KindPatient, patientName, roi.DeliveryPortal, "555-0199")
	if !strings.HasPrefix(iss.Link, "https://records.example.org/portal/download#") {
		t.Fatalf("link %q is not built from the public address", iss.Link)
	}
	rid := strconv.FormatInt(int64(r.ID), 10)
	_, body, _ := e.page(auth.RoleIntakeClerk, "GET", "/requests/"+rid, nil)
	if !strings.Contains(body, `action="/requests/`+rid+`/portal-code"`) || !strings.Contains(body, "Issue a download code to read to the requester") {
		t.Fatal("the request page offers no download code")
	}
	_, audit, _ := e.page(auth.RoleAuditor, "GET", "/requests/"+rid, nil)
	if strings.Contains(audit, "portal-code") {
		t.Error("the auditor is offered a download code")
	}
	if status, _, _ := e.page(auth.RoleAuditor, "POST", "/requests/"+rid+"/portal-code", url.Values{}); status != http.StatusForbidden {
		t.Errorf("the auditor issued a code: %d", status)
	}
	status, body, _ := e.page(auth.RoleIntakeClerk, "POST", "/requests/"+rid+"/portal-code", url.Values{})
	m := regexp.MustCompile(`id="download-code">(\d{8})<`).FindStringSubmatch(body)
	if status != 200 || m == nil || !strings.Contains(body, "Shown only now") {
		t.Fatalf("issue code: %d", status)
	}
	token := iss.Link[strings.Index(iss.Link, "#")+1:]
	p, content, err := e.desk.Download(context.Background(), token, m[1])
	if err != nil || p.ID != iss.Packet.ID || len(content) == 0 {
		t.Fatalf("download with the issued code: %v", err)
	}
	if strings.Contains(e.logs.String(), m[1]) {
		t.Error("the log holds the code")
	}
	// The download completed the portal delivery; the page says so in words.
	_, body, _ = e.page(auth.RoleIntakeClerk, "GET", "/requests/"+rid+"/deliveries/"+strconv.FormatInt(iss.Delivery.ID, 10), nil)
	if !strings.Contains(body, "Downloaded by the requester") || strings.Contains(body, "issue-code") {
		t.Errorf("the portal delivery page after the download does not say it was downloaded")
	}
}
