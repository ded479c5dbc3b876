package web

import (
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
	"github.com/custodian-roi/custodian/internal/workflow"
)

// call sends a JSON API request as role, with an Accept header when accept
// is not empty, and returns the status and the body.
func (e *staffEnv) call(role auth.Role, method, path, body, accept string) (int, string) {
	e.t.Helper()
	req, _ := http.NewRequest(method, e.srv.URL+path, strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+e.tokens[role])
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if accept != "" {
		req.Header.Set("Accept", accept)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func (e *staffEnv) logDisclosure(date roi.Date, recipient string, basis roi.Basis, purpose string) {
	e.t.Helper()
	dis := &workflow.Disclosure{RequestNumber: "R-1", Date: date, Recipient: recipient, Address: "1 Court St", Description: "1 encounter dated 2025-01-01",
		Purpose: purpose, Basis: basis, Delivery: roi.DeliveryMail, Accountable: true}
	if err := e.store.Append(context.Background(), roi.Event{Kind: roi.EventDisclosure, PatientID: e.pid, Actor: "spec.sam", Body: dis}); err != nil {
		e.t.Fatal(err)
	}
}

// TestAccountingSuspensionPages: the privacy officer records a suspension
// from the patient page (and the API); nobody else may; while it is in
// force staff see it with its end date, and the accounting's JSON, CSV and
// letter show nothing of the agency. Summary entries on request.
func TestAccountingSuspensionPages(t *testing.T) {
	e := newStaffEnv(t)
	pid := strconv.FormatInt(int64(e.pid), 10)
	e.logDisclosure(roi.MakeDate(2026, 2, 1), "County Sheriff", roi.BasisLawEnforcement, "Law enforcement request")
	e.logDisclosure(roi.MakeDate(2026, 1, 10), "County Health Dept", roi.BasisPublicHealth, "Public health reporting")
	e.logDisclosure(roi.MakeDate(2026, 2, 10), "County Health Dept", roi.BasisPublicHealth, "Public health reporting")

	status, body := e.call(auth.RoleAuditor, "GET", "/api/v1/patients/"+pid+"/accounting", "", "")
	if status != 200 || !strings.Contains(body, "County Sheriff") {
		t.Fatalf("accounting before the suspension: %d %s", status, body)
	}

	written := url.Values{"agency": {"county sheriff"}, "agency_kind": {"law-enforcement"}, "form": {"written"},
		"official": {"Lt. Doe"}, "statement": {"Letter in the privacy file"}, "stated": {"2026-02-20"}, "end": {"2026-04-30"}}
	for _, role := range []auth.Role{auth.RoleIntakeClerk, auth.RoleSpecialist, auth.RoleAuditor} {
		if status, _, _ := e.page(role, "POST", "/patients/"+pid+"/accounting/suspensions", written); status != http.StatusForbidden {
			t.Errorf("%s recorded a suspension from the page: %d", role, status)
		}
		if status, _ := e.call(role, "POST", "/api/v1/patients/"+pid+"/accounting/suspensions",
			`{"agency":"County Sheriff","agency_kind":"law-enforcement","written":true,"stated":"2026-02-20","end":"2026-04-30"}`, ""); status != http.StatusForbidden {
			t.Errorf("%s recorded a suspension through the API: %d", role, status)
		}
	}

	// An oral statement for longer than 30 days is refused, the form shown
	// again with what was typed.
	oral := url.Values{"agency": {"State Police"}, "agency_kind": {"law-enforcement"}, "form": {"oral"}, "official": {"Sgt. Roe"},
		"statement": {"would alert a suspect"}, "stated": {"2026-02-25"}, "end": {"2026-04-25"}}
	status, body, _ = e.page(auth.RolePrivacyOfficer, "POST", "/patients/"+pid+"/accounting/suspensions", oral)
	if status != http.StatusUnprocessableEntity || !strings.Contains(body, `id="suspend-error"`) || !strings.Contains(body, "no more than 30 days") ||
		!strings.Contains(body, `value="Sgt. Roe"`) {
		t.Errorf("oral beyond 30 days: %d", status)
	}

	status, _, h := e.page(auth.RolePrivacyOfficer, "POST", "/patients/"+pid+"/accounting/suspensions", written)
	if status != http.StatusSeeOther || h.Get("Location") != "/patients/"+pid+"?done=suspension#accounting" {
		t.Fatalf("record a suspension: %d %q", status, h.Get("Location"))
	}
	status, body, _ = e.page(auth.RolePrivacyOfficer, "GET", "/patients/"+pid+"?done=suspension", nil)
	if status != 200 {
		t.Fatalf("patient page after the suspension: %d", status)
	}
	end := e.desk.FormatDate(roi.MakeDate(2026, 4, 30))
	for _, want := range []string{`id="suspension-done"`, `id="suspensions-in-force"`, "Suspension in force", "county sheriff", end,
		"in force", `id="suspend-form"`, "1 held back", "no — suspended until " + end} {
		if !strings.Contains(body, want) {
			t.Errorf("patient page after the suspension lacks %q", want)
		}
	}
	// The auditor sees it, but gets no form.
	_, body, _ = e.page(auth.RoleAuditor, "GET", "/patients/"+pid, nil)
	if !strings.Contains(body, `id="suspensions-in-force"`) || strings.Contains(body, `id="suspend-form"`) {
		t.Error("the auditor's patient page: suspension not shown, or the form is")
	}

	// What may go to the patient shows nothing of the sheriff.
	_, js := e.call(auth.RoleAuditor, "GET", "/api/v1/patients/"+pid+"/accounting", "", "")
	_, csv := e.call(auth.RoleAuditor, "GET", "/api/v1/patients/"+pid+"/accounting", "", "text/csv")
	_, letter := e.call(auth.RoleAuditor, "GET", "/api/v1/patients/"+pid+"/accounting/letter", "", "text/plain")
	for name, out := range map[string]string{"json": js, "csv": csv, "letter": letter} {
		low := strings.ToLower(out)
		if strings.Contains(low, "sheriff") || strings.Contains(low, "suspen") || !strings.Contains(out, "County Health Dept") {
			t.Errorf("%s during the suspension:\n%s", name, out)
		}
	}

	// Summary entries on request: the two health department disclosures
	// become one entry.
	var acc workflow.Accounting
	_, js = e.call(auth.RoleAuditor, "GET", "/api/v1/patients/"+pid+"/accounting?summarize=1", "", "")
	if err := json.Unmarshal([]byte(js), &acc); err != nil {
		t.Fatal(err)
	}
	if !acc.Summarized || len(acc.Rows) != 1 || acc.Rows[0].Count != 2 || acc.Rows[0].Date != roi.MakeDate(2026, 1, 10) ||
		acc.Rows[0].LastDate != roi.MakeDate(2026, 2, 10) {
		t.Errorf("summarized accounting: %s", js)
	}
	_, js = e.call(auth.RoleAuditor, "GET", "/api/v1/patients/"+pid+"/accounting", "", "")
	if err := json.Unmarshal([]byte(js), &acc); err != nil || acc.Summarized || len(acc.Rows) != 2 {
		t.Errorf("accounting without summarize: %s", js)
	}
	if _, letter = e.call(auth.RoleAuditor, "GET", "/api/v1/patients/"+pid+"/accounting/letter?summarize=1", "", "text/plain"); !strings.Contains(letter, "164.528(b)(3)") {
		t.Errorf("summarized letter:\n%s", letter)
	}
	if status, csv, _ := e.page(auth.RoleAuditor, "GET", "/patients/"+pid+"/accounting.csv?summarize=1", nil); status != 200 || !strings.Contains(csv, ",count,last_date") {
		t.Errorf("summarized CSV: %d %s", status, csv)
	}

	// The API: an oral statement without an end lasts 30 days; the list
	// has both.
	status, body = e.call(auth.RolePrivacyOfficer, "POST", "/api/v1/patients/"+pid+"/accounting/suspensions",
		`{"agency":"State Police","agency_kind":"law-enforcement","official":"Sgt. Roe","written":false,"statement":"would alert a suspect","stated":"2026-02-25"}`, "")
	var sp workflow.Suspension
	if err := json.Unmarshal([]byte(body), &sp); status != http.StatusCreated || err != nil || sp.Until != roi.MakeDate(2026, 3, 27) || !sp.InForce || sp.Written {
		t.Errorf("oral suspension through the API: %d %s", status, body)
	}
	status, body = e.call(auth.RoleAuditor, "GET", "/api/v1/patients/"+pid+"/accounting/suspensions", "", "")
	var list struct {
		Suspensions []workflow.Suspension `json:"suspensions"`
	}
	if err := json.Unmarshal([]byte(body), &list); status != 200 || err != nil || len(list.Suspensions) != 2 {
		t.Errorf("suspensions: %d %s", status, body)
	}
	if strings.Contains(e.logs.String(), patientName) || strings.Contains(e.logs.String(), "Sheriff") {
		t.Error("the log names the patient or the agency")
	}
}
