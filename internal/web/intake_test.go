package web

import (
	"bytes"
	"context"
	"html"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/custodian-roi/custodian/internal/auth"
	"github.com/custodian-roi/custodian/internal/roi"
	"github.com/custodian-roi/custodian/internal/store"
)

// multipartPage posts a multipart form as role with files (field → name,
// content) and returns the status, body and headers, redirects not
// followed.
func (e *staffEnv) multipartPage(role auth.Role, path string, form url.Values, files map[string][2]string) (int, string, http.Header) {
	e.t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for k, vs := range form {
		for _, v := range vs {
			mw.WriteField(k, v)
		}
	}
	for field, f := range files {
		w, _ := mw.CreateFormFile(field, f[0])
		io.WriteString(w, f[1])
	}
	mw.Close()
	req, _ := http.NewRequest("POST", e.srv.URL+path, &buf)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Authorization", "Bearer "+e.tokens[role])
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b), resp.Header
}

// TestStaffIntake: a clerk enters a mailed request from an attorney's
// office through the page — finds the patient by birth date, types the
// firm, makes a mistake and keeps every answer, fixes it, and the request
// exists with its scan (its kind kept), the identity check, the channel in
// the ledger and the firm in the directory. Roles without intake cannot.
func TestStaffIntake(t *testing.T) {
	e := newStaffEnv(t)
	ctx := context.Background()
	if st, _, _ := e.page(auth.RoleAuditor, "GET", "/requests/new", nil); st != http.StatusForbidden {
		t.Errorf("the auditor opening the intake page: %d, want 403", st)
	}
	st, body, _ := e.page(auth.RoleIntakeClerk, "GET", "/requests/new", nil)
	if st != http.StatusOK || !strings.Contains(body, "New request") || !strings.Contains(body, `name="channel" value="mail" checked`) {
		t.Fatalf("intake page: %d\n%s", st, clip(body))
	}

	// Find the patient by birth date, in the desk's style.
	st, body, _ = e.page(auth.RoleIntakeClerk, "POST", "/requests/new", url.Values{"step": {"find"}, "find": {"10/15/1986"}})
	if st != http.StatusOK || !strings.Contains(body, html.EscapeString(patientName)) || !strings.Contains(body, `name="patient" value="`+strconv.FormatInt(int64(e.pid), 10)+`"`) {
		t.Fatalf("find by birth date: %d\n%s", st, clip(body))
	}
	_, body, _ = e.page(auth.RoleIntakeClerk, "POST", "/requests/new", url.Values{"step": {"find"}, "find": {"10/16/1986"}})
	if strings.Contains(body, html.EscapeString(patientName)) || !strings.Contains(body, `id="no-patient"`) {
		t.Errorf("a birth date nobody has found the patient:\n%s", clip(body))
	}

	// Recording without a patient is refused, with the answers kept.
	form := url.Values{"step": {"record"}, "channel": {"mail"}, "received": {"03/01/2026"}, "directory": {"new"},
		"kind": {"attorney"}, "name": {"Smith & Jones LLP"}, "save": {"1"}, "basis": {"authorization"}, "all": {"1"},
		"delivery": {"mail"}, "contact": {"12 Court St, Springfield"}, "identity": {"attorney letterhead and bar number"},
		"doc_kind": {"authorization"}}
	st, body, _ = e.page(auth.RoleIntakeClerk, "POST", "/requests/new", form)
	if st != http.StatusOK || !strings.Contains(body, "Find the patient and pick them") || !strings.Contains(body, `value="Smith &amp; Jones LLP"`) {
		t.Errorf("no patient: %d\n%s", st, clip(body))
	}
	// A date that cannot be read: the message beside it, nothing lost.
	form.Set("patient", strconv.FormatInt(int64(e.pid), 10))
	form.Set("received", "31/31/2026")
	st, body, _ = e.page(auth.RoleIntakeClerk, "POST", "/requests/new", form)
	if st != http.StatusUnprocessableEntity || !strings.Contains(body, "Write the date as MM/DD/YYYY") ||
		!strings.Contains(body, `value="Smith &amp; Jones LLP"`) || !strings.Contains(body, "12 Court St, Springfield") ||
		!strings.Contains(body, `value="31/31/2026"`) {
		t.Errorf("bad date: %d\n%s", st, clip(body))
	}
	if rs, err := e.desk.Queue(ctx, "test", store.RequestFilter{}); err != nil || len(rs.Rows) != 0 {
		t.Fatalf("a refused intake made a request: %d, %v", len(rs.Rows), err)
	}

	form.Set("received", "03/01/2026")
	st, body, hdr := e.multipartPage(auth.RoleIntakeClerk, "/requests/new", form,
		map[string][2]string{"file": {"smith-jones-auth.pdf", "%PDF-1.4\n% an authorization\n"}})
	if st != http.StatusSeeOther || !strings.Contains(hdr.Get("Location"), "done=intake") {
		t.Fatalf("record: %d %s\n%s", st, hdr.Get("Location"), clip(body))
	}
	if strings.Contains(hdr.Get("Location"), "Smith") || strings.Contains(hdr.Get("Location"), "1986") {
		t.Errorf("the redirect carries PHI: %s", hdr.Get("Location"))
	}
	id, _ := strconv.ParseInt(strings.TrimPrefix(strings.Split(hdr.Get("Location"), "?")[0], "/requests/"), 10, 64)
	c, err := e.desk.Get(ctx, "test", roi.RequestID(id))
	if err != nil {
		t.Fatal(err)
	}
	r := c.Request
	if r.Requester.Name != "Smith & Jones LLP" || r.Requester.Kind != roi.KindAttorney || r.Basis != roi.BasisAuthorization ||
		r.Received != roi.MakeDate(2026, 3, 1) || r.Delivery != roi.DeliveryMail || r.PatientID != e.pid {
		t.Errorf("the request as recorded: %+v", r)
	}
	if len(c.Documents) != 1 || c.Documents[0].Kind != roi.DocumentAuthorization || c.Documents[0].Name != "smith-jones-auth.pdf" {
		t.Errorf("the scan: %+v", c.Documents)
	}
	var identity, intake bool
	for _, ev := range c.History {
		identity = identity || ev.Kind == roi.EventVerification
		if ev.Kind == roi.EventIntake {
			intake = strings.Contains(string(ev.Body), `"channel":"mail"`)
		}
	}
	if !identity || !intake {
		t.Errorf("the ledger: identity %v, intake with channel %v", identity, intake)
	}
	dir, err := e.desk.Requesters(ctx, roi.KindAttorney)
	if err != nil || len(dir) != 1 || dir[0].Name != "Smith & Jones LLP" || dir[0].Contact != "12 Court St, Springfield" {
		t.Errorf("the directory after intake: %v %+v", err, dir)
	}

	// The next request from the firm picks it from the directory: its
	// delivery and address come with it.
	next := url.Values{"step": {"record"}, "channel": {"fax"}, "received": {"2026-03-02"}, "patient": {form.Get("patient")},
		"directory": {strconv.FormatInt(dir[0].ID, 10)}, "basis": {"authorization"}, "label": {"hiv"}}
	st, body, hdr = e.page(auth.RoleIntakeClerk, "POST", "/requests/new", next)
	if st != http.StatusSeeOther {
		t.Fatalf("from the directory: %d\n%s", st, clip(body))
	}
	id2, _ := strconv.ParseInt(strings.TrimPrefix(strings.Split(hdr.Get("Location"), "?")[0], "/requests/"), 10, 64)
	c2, err := e.desk.Get(ctx, "test", roi.RequestID(id2))
	if err != nil || c2.Request.Contact != "12 Court St, Springfield" || c2.Request.Delivery != roi.DeliveryMail ||
		!c2.Request.Scope.HasLabels || !c2.Request.Scope.Labels.Has(roi.LabelHIV) || c2.Request.Scope.Labels.Len() != 1 {
		t.Errorf("the second request: %v %+v", err, c2.Request)
	}

	// The queue shows the patient; search finds the firm and the birth date.
	_, body, _ = e.page(auth.RoleIntakeClerk, "GET", "/", nil)
	if !strings.Contains(body, html.EscapeString(patientName)) || !strings.Contains(body, "Oct 15, 1986") {
		t.Errorf("the queue lacks the patient's name and birth date:\n%s", clip(body))
	}
	for _, q := range []string{"Smith & Jones", "10/15/1986", "MRN-77"} {
		_, body, _ = e.page(auth.RoleIntakeClerk, "POST", "/search", url.Values{"q": {q}})
		if !strings.Contains(body, `href="/requests/`+strconv.FormatInt(id, 10)+`"`) || !strings.Contains(body, `href="/requests/`+strconv.FormatInt(id2, 10)+`"`) {
			t.Errorf("search %q misses the requests:\n%s", q, clip(body))
		}
	}
	// A scan that arrives later is added from the request page with its kind.
	reqPath := "/requests/" + strconv.FormatInt(id, 10)
	cur, _ := e.desk.Get(ctx, "test", roi.RequestID(id))
	st, _, _ = e.multipartPage(auth.RoleIntakeClerk, reqPath+"/documents",
		url.Values{"version": {strconv.Itoa(cur.Request.Version)}, "kind": {"id-image"}}, map[string][2]string{"file": {"id.png", "\x89PNG\r\n\x1a\n0000"}})
	if st != http.StatusSeeOther {
		t.Errorf("adding a scan from the page: %d", st)
	}
	if st, _, _ = e.multipartPage(auth.RoleAuditor, reqPath+"/documents",
		url.Values{"version": {strconv.Itoa(cur.Request.Version + 1)}}, map[string][2]string{"file": {"id.png", "\x89PNG\r\n\x1a\n0000"}}); st != http.StatusForbidden {
		t.Errorf("the auditor adding a scan: %d, want 403", st)
	}
	_, body, _ = e.page(auth.RoleIntakeClerk, "GET", reqPath, nil)
	if !strings.Contains(body, roi.DocumentAuthorization.Title()+" · document") || !strings.Contains(body, roi.DocumentIDImage.Title()+" · document") {
		t.Errorf("the request page does not name the scans by kind:\n%s", clip(body))
	}

	_, body, _ = e.page(auth.RoleIntakeClerk, "POST", "/search", url.Values{"q": {"Jones & Smith"}})
	if strings.Contains(body, `href="/requests/`+strconv.FormatInt(id, 10)+`"`) {
		t.Errorf("search for another firm found this one:\n%s", clip(body))
	}
}

// TestDirectoryPage: the clerks keep the directory; a repeated name is
// refused with what was typed kept; an auditor cannot change it.
func TestDirectoryPage(t *testing.T) {
	e := newStaffEnv(t)
	add := url.Values{"name": {"Acme Insurance"}, "kind": {"insurer"}, "delivery": {"fax"}, "contact": {"555-0199"}, "phone": {"555-0198"}}
	if st, _, _ := e.page(auth.RoleAuditor, "POST", "/requesters", add); st != http.StatusForbidden {
		t.Errorf("the auditor adding to the directory: %d, want 403", st)
	}
	st, _, hdr := e.page(auth.RoleIntakeClerk, "POST", "/requesters", add)
	if st != http.StatusSeeOther || hdr.Get("Location") != "/requesters?done=directory" {
		t.Fatalf("add: %d %s", st, hdr.Get("Location"))
	}
	_, body, _ := e.page(auth.RoleIntakeClerk, "GET", "/requesters", nil)
	if !strings.Contains(body, "Acme Insurance") || !strings.Contains(body, "555-0199") {
		t.Errorf("the directory page:\n%s", clip(body))
	}
	add.Set("name", "acme  insurance")
	add.Set("note", "claims department")
	st, body, _ = e.page(auth.RoleIntakeClerk, "POST", "/requesters", add)
	if st != http.StatusUnprocessableEntity || !strings.Contains(body, "already has") || !strings.Contains(body, "claims department") {
		t.Errorf("the same insurer again: %d\n%s", st, clip(body))
	}
	// It is offered at intake.
	_, body, _ = e.page(auth.RoleIntakeClerk, "GET", "/requests/new", nil)
	if !strings.Contains(body, "Acme Insurance (Insurer)") {
		t.Errorf("the intake page does not offer the directory:\n%s", clip(body))
	}
}

// TestStaffIntakeBadScan: a scan the desk refuses (not a PDF or image)
// does not lose the request: it is recorded, and the page says the scan
// was not.
func TestStaffIntakeBadScan(t *testing.T) {
	e := newStaffEnv(t)
	form := url.Values{"step": {"record"}, "channel": {"walk-in"}, "received": {"2026-03-02"}, "directory": {"patient"},
		"patient": {strconv.FormatInt(int64(e.pid), 10)}, "all": {"1"}, "delivery": {"pickup"}, "doc_kind": {"id-image"}}
	st, body, hdr := e.multipartPage(auth.RoleIntakeClerk, "/requests/new", form, map[string][2]string{"file": {"id.txt", "MZ this is not a scan"}})
	if st != http.StatusSeeOther || !strings.Contains(hdr.Get("Location"), "done=intake-partial") {
		t.Fatalf("a refused scan: %d %s\n%s", st, hdr.Get("Location"), clip(body))
	}
	rs, err := e.desk.Queue(context.Background(), "test", store.RequestFilter{})
	if err != nil || len(rs.Rows) != 1 || rs.Rows[0].R.Basis != roi.BasisAccess {
		t.Fatalf("the request was not kept: %v %d", err, len(rs.Rows))
	}
	_, body, _ = e.page(auth.RoleIntakeClerk, "GET", hdr.Get("Location"), nil)
	if !strings.Contains(body, "a scan or the identity check was not") {
		t.Errorf("the request page does not say the scan was not added:\n%s", clip(body))
	}
}
