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
	"github.com/custodian-roi/custodian/internal/store"
	"github.com/custodian-roi/custodian/internal/workflow"
)

// page fetches path with c and returns the status and the body.
func (e *secEnv) page(c *http.Client, path string) (int, string) {
	e.t.Helper()
	resp, err := c.Get(e.srv.URL + path)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// TestInfoBlockingPage: an access request ready to release whose extension
// names no exception shows the none notice; the reason form is offered to
// the privacy officer only; a specialist posting it is refused and records
// nothing; the privacy officer's reason is in the ledger and the notice
// goes; the section shows the ready-to-release time and the delay form.
func TestInfoBlockingPage(t *testing.T) {
	ctx := context.Background()
	e := &secEnv{t: t, webEnv: newWebEnv(t, webSetup{SignIn: true, InsecureCookies: true, Patient: true}), secrets: map[auth.Role]string{}}
	for _, role := range []auth.Role{auth.RoleSpecialist, auth.RolePrivacyOfficer, auth.RoleQAReviewer} {
		u, _, err := e.auth.AddUser(ctx, string(role), string(role), role, secPassword)
		if err != nil {
			t.Fatal(err)
		}
		e.secrets[role] = u.TOTPSecret
	}
	spec, po := string(auth.RoleSpecialist), string(auth.RolePrivacyOfficer)
	r, err := e.desk.Intake(ctx, spec, workflow.Intake{PatientID: e.pid, Request: roi.Request{Received: e.desk.Today(),
		Requester: roi.Requester{Kind: roi.KindPatient, Name: "The Patient"}, Basis: roi.BasisAccess},
		Contact: "patient@example.org", Delivery: roi.DeliveryPortal})
	if err != nil {
		t.Fatal(err)
	}
	if r, _, err = e.desk.AttachEvidence(ctx, spec, r.ID, r.Version, []byte(`{"type":"identity","verified":true,"method":"photo ID"}`)); err != nil {
		t.Fatal(err)
	}
	if r, _, err = e.desk.Evaluate(ctx, spec, r.ID, r.Version); err != nil {
		t.Fatal(err)
	}
	if r, _, err = e.desk.Decide(ctx, spec, r.ID, r.Version, workflow.Decide{Action: workflow.ActPartial}); err != nil {
		t.Fatal(err)
	}
	if r, err = e.desk.Review(ctx, string(auth.RoleQAReviewer), r.ID, r.Version, true, ""); err != nil {
		t.Fatal(err)
	}
	if r, err = e.desk.Extend(ctx, spec, r.ID, r.Version, workflow.Extend{NewDue: r.Due.AddDays(10), Reason: "archive"}); err != nil {
		t.Fatal(err)
	}
	path := "/requests/" + strconv.FormatInt(int64(r.ID), 10)

	sc := e.browser()
	e.signIn(sc, auth.RoleSpecialist)
	code, body := e.page(sc, path)
	if code != http.StatusOK {
		t.Fatalf("request page: %d", code)
	}
	for _, want := range []string{`id="info-blocking"`, `id="ib-none-notice"`, "Only a privacy officer can record the reason", `id="ib-ready"`,
		"Ready to release since", `id="ib-delay-form"`, `data-exception="not-ehi"`, `data-exception="none"`, "Deadline extended"} {
		if !strings.Contains(body, want) {
			t.Errorf("the specialist's page lacks %q", want)
		}
	}
	if strings.Contains(body, `id="ib-reason-form"`) {
		t.Error("the specialist is offered the privacy officer's reason form")
	}
	v := url.Values{"version": {strconv.Itoa(r.Version)}, "reason": {"I say so"}}
	if resp := e.form(sc, path+"/info-blocking/reason", v, "Origin", e.srv.URL); resp.StatusCode != http.StatusForbidden {
		t.Errorf("a specialist posting the reason: %d, want 403", resp.StatusCode)
	}
	reasons := func() []roi.LedgerEntry {
		es, err := e.store.Ledger(ctx, store.LedgerFilter{RequestID: r.ID, Kind: roi.EventInfoBlockingReason})
		if err != nil {
			t.Fatal(err)
		}
		return es
	}
	if n := len(reasons()); n != 0 {
		t.Fatalf("%d reasons after a refused post", n)
	}
	if _, body = e.page(sc, "/info-blocking"); !strings.Contains(body, `data-request="`+r.Number+`"`) || !strings.Contains(body, `data-risk="none-unexplained"`) {
		t.Error("the risks page does not list the request resting on none")
	}

	pc := e.browser()
	e.signIn(pc, auth.RolePrivacyOfficer)
	if _, body = e.page(pc, path); !strings.Contains(body, `id="ib-reason-form"`) || strings.Contains(body, `id="ib-delay-form"`) {
		t.Error("the privacy officer's page lacks the reason form, or offers the specialist's delay form")
	}
	v.Set("reason", "records in the off-site archive; counsel agrees the wait is necessary")
	if resp := e.form(pc, path+"/info-blocking/reason", v, "Origin", e.srv.URL); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("the privacy officer's reason: %d", resp.StatusCode)
	}
	es := reasons()
	var rb roi.InfoBlockingReasonBody
	if len(es) != 1 || es[0].Actor != po || json.Unmarshal(es[0].Body, &rb) != nil || !strings.Contains(rb.Reason, "off-site archive") || len(rb.Covers) != 1 {
		t.Fatalf("reason entries: %+v", es)
	}
	if _, body = e.page(pc, path); strings.Contains(body, `id="ib-none-notice"`) || !strings.Contains(body, "counsel agrees") {
		t.Error("the notice stays, or the reason is not shown, after the privacy officer's reason")
	}
	if _, body = e.page(sc, "/info-blocking"); strings.Contains(body, `data-request="`+r.Number+`"`) {
		t.Error("the risks page still lists the request after the privacy officer's reason")
	}
	if code, body = e.page(pc, "/metrics"); code != http.StatusOK || !strings.Contains(body, `id="ib-metrics"`) || !strings.Contains(body, `id="ib-risks"`) {
		t.Errorf("metrics page (%d) lacks the information-blocking section", code)
	}

	// The specialist records why the ready release waits.
	d := url.Values{"version": {strconv.Itoa(r.Version)}, "exception": {"health-it-performance"}, "note": {"EHR upgrade tonight"}}
	if resp := e.form(sc, path+"/info-blocking/delay", d, "Origin", e.srv.URL); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("delay: %d", resp.StatusCode)
	}
	if _, body = e.page(sc, path); !strings.Contains(body, "Release delayed") || !strings.Contains(body, "EHR upgrade tonight") {
		t.Error("the recorded delay is not on the page")
	}
}
