package web

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/custodian-roi/custodian/internal/auth"
	"github.com/custodian-roi/custodian/internal/roi"
	"github.com/custodian-roi/custodian/internal/store"
	"github.com/custodian-roi/custodian/internal/workflow"
)

// staffEnv is a server with real sign-in, the API tests' patient and the
// fixed clock, and one signed-in account per role (bearer tokens).
type staffEnv struct {
	t *testing.T
	*webEnv
	tokens map[auth.Role]string
}

func newStaffEnv(t *testing.T) *staffEnv {
	t.Helper()
	e := &staffEnv{t: t, webEnv: newWebEnv(t, webSetup{SignIn: true, Patient: true, FixedClock: true,
		Desk: func(d *workflow.Desk) { d.Org.PortalURL = "https://records.example.org" }}), tokens: map[auth.Role]string{}}
	ctx := context.Background()
	post := func(path string, body any) map[string]any {
		b, _ := json.Marshal(body)
		resp, err := http.Post(e.srv.URL+path, "application/json", bytes.NewReader(b))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var v map[string]any
		json.NewDecoder(resp.Body).Decode(&v)
		return v
	}
	for _, role := range []auth.Role{auth.RoleIntakeClerk, auth.RoleSpecialist, auth.RoleAuditor, auth.RolePrivacyOfficer} {
		name := "user-" + string(role)
		u, _, err := e.auth.AddUser(ctx, name, name, role, "a long enough passphrase")
		if err != nil {
			t.Fatal(err)
		}
		pending, _ := post("/api/v1/session", map[string]string{"username": name, "password": "a long enough passphrase"})["pending"].(string)
		code, _ := auth.TOTPCode(u.TOTPSecret, webTestNow())
		tok, _ := post("/api/v1/session/code", map[string]string{"pending": pending, "code": code})["token"].(string)
		if tok == "" {
			t.Fatalf("%s could not sign in", role)
		}
		e.tokens[role] = tok
	}
	return e
}

// page sends a request as role (a form when form is not nil) and returns
// the status, the body and the answer's headers; redirects are not
// followed.
func (e *staffEnv) page(role auth.Role, method, path string, form url.Values) (int, string, http.Header) {
	e.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, _ := http.NewRequest(method, e.srv.URL+path, body)
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
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

// release takes a patient's access request (delivery via, to contact)
// through identity, evaluation, a partial decision and its review to
// release, through the desk, on the fixed clock's day.
func (e *staffEnv) release(kind roi.Kind, name string, via roi.Delivery, contact string) (*roi.DeskRequest, *workflow.Issued) {
	e.t.Helper()
	ctx := context.Background()
	r, err := e.desk.Intake(ctx, "clerk.ana", workflow.Intake{PatientID: e.pid, Request: roi.Request{Received: roi.MakeDate(2026, 3, 2),
		Requester: roi.Requester{Kind: kind, Name: name}, Basis: roi.BasisAccess}, Contact: contact, Delivery: via})
	if err != nil {
		e.t.Fatal(err)
	}
	if r, _, err = e.desk.AttachEvidence(ctx, "clerk.ana", r.ID, r.Version, []byte(`{"type":"identity","verified":true,"method":"photo ID"}`)); err != nil {
		e.t.Fatal(err)
	}
	if r, _, err = e.desk.Evaluate(ctx, "spec.sam", r.ID, r.Version); err != nil {
		e.t.Fatal(err)
	}
	if r, _, err = e.desk.Decide(ctx, "spec.sam", r.ID, r.Version, workflow.Decide{Action: workflow.ActPartial}); err != nil {
		e.t.Fatal(err)
	}
	if r, err = e.desk.Review(ctx, "qa.lee", r.ID, r.Version, true, ""); err != nil {
		e.t.Fatal(err)
	}
	r, _, iss, err := e.desk.Release(ctx, "spec.sam", r.ID, r.Version)
	if err != nil {
		e.t.Fatal(err)
	}
	return r, iss
}

// TestPatientPage: staff reach the patient page from the request page; it
// names the patient (name, birth date, MRN), lists the requests and the
// disclosure history; the accounting links are there only for roles that
// hold the accounting permission, and the CSV works from its link for
// them alone. Each look is a view in the ledger; no name in any URL.
func TestPatientPage(t *testing.T) {
	e := newStaffEnv(t)
	r, _ := e.release(roi.KindPatient, patientName, roi.DeliveryMail, "1 Main St, Springfield")
	pid := strconv.FormatInt(int64(e.pid), 10)

	status, body, _ := e.page(auth.RoleIntakeClerk, "GET", "/requests/"+strconv.FormatInt(int64(r.ID), 10), nil)
	if status != 200 || !strings.Contains(body, `href="/patients/`+pid+`"`) {
		t.Fatalf("request page %d: no link to the patient page", status)
	}

	status, body, h := e.page(auth.RoleIntakeClerk, "GET", "/patients/"+pid, nil)
	if status != 200 || h.Get("Cache-Control") != "no-store" {
		t.Fatalf("patient page as clerk: %d, Cache-Control %q", status, h.Get("Cache-Control"))
	}
	born := e.desk.FormatDate(roi.MakeDate(1986, 10, 15))
	for _, want := range []string{patientName, born, "MRN-77", r.Number, `href="/requests/` + strconv.FormatInt(int64(r.ID), 10) + `"`,
		"Disclosure history (1)", "1 Main St, Springfield"} {
		if !strings.Contains(body, want) {
			t.Errorf("patient page as clerk lacks %q", want)
		}
	}
	for _, not := range []string{"accounting-letter", "accounting.csv", "In the accounting"} {
		if strings.Contains(body, not) {
			t.Errorf("the clerk sees %q, which needs the accounting permission", not)
		}
	}
	status, body, _ = e.page(auth.RoleAuditor, "GET", "/patients/"+pid, nil)
	if status != 200 || !strings.Contains(body, `/api/v1/patients/`+pid+`/accounting/letter`) || !strings.Contains(body, `/patients/`+pid+`/accounting.csv`) ||
		!strings.Contains(body, "0 disclosures listed") {
		t.Errorf("patient page as auditor: %d, accounting links or count missing", status)
	}
	// The patient's own copy is history, but not in the accounting.
	if !strings.Contains(body, "<td>no</td>") {
		t.Errorf("the auditor's disclosure history does not say the access copy is left out of the accounting")
	}
	status, csv, h := e.page(auth.RoleAuditor, "GET", "/patients/"+pid+"/accounting.csv", nil)
	if status != 200 || !strings.HasPrefix(h.Get("Content-Type"), "text/csv") || !strings.HasPrefix(csv, "date,recipient,address") ||
		strings.Contains(h.Get("Content-Disposition"), "Quillfeather") {
		t.Errorf("accounting CSV: %d %q %q", status, h.Get("Content-Type"), csv)
	}
	if status, _, _ := e.page(auth.RoleIntakeClerk, "GET", "/patients/"+pid+"/accounting.csv", nil); status != http.StatusForbidden {
		t.Errorf("the clerk downloaded the accounting: %d", status)
	}
	if status, _, _ := e.page(auth.RoleIntakeClerk, "GET", "/patients/999", nil); status != http.StatusNotFound {
		t.Errorf("an unknown patient: %d", status)
	}

	// The looks are views of the patient, naming who looked.
	if err := e.desk.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	views := 0
	for _, ent := range ledgerViews(t, e.webEnv) {
		if ent.PatientID == e.pid && strings.Contains(string(ent.Body), `"what":"patient"`) &&
			(ent.Actor == "user-intake-clerk" || ent.Actor == "user-auditor") {
			views++
		}
	}
	if views != 2 {
		t.Errorf("%d views of the patient page recorded, want 2", views)
	}
	if strings.Contains(e.logs.String(), patientName) {
		t.Error("the log names the patient")
	}
}

func ledgerViews(t *testing.T, e *webEnv) []roi.LedgerEntry {
	t.Helper()
	es, err := e.store.Ledger(context.Background(), store.LedgerFilter{Kind: roi.EventView})
	if err != nil {
		t.Fatal(err)
	}
	return es
}
