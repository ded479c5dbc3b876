package web

import (
	"context"
	"encoding/json"
	"html"
	"io"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/custodian-roi/custodian/internal/auth"
	"github.com/custodian-roi/custodian/internal/demo"
	"github.com/custodian-roi/custodian/internal/roi"
	"github.com/custodian-roi/custodian/internal/workflow"
)

// attorneyRequest is an attorney's request on an authorization for the
// staff env's patient, recorded at intake.
func (e *staffEnv) attorneyRequest() *roi.DeskRequest {
	e.t.Helper()
	r, err := e.desk.Intake(context.Background(), "clerk.ana", workflow.Intake{PatientID: e.pid, Request: roi.Request{Received: roi.MakeDate(2026, 3, 1),
		Requester: roi.Requester{Kind: roi.KindAttorney, Name: "Lee & Park LLP"}, Basis: roi.BasisAuthorization},
		Contact: "records@leepark.example", Delivery: roi.DeliveryEmail, Due: roi.MakeDate(2026, 4, 1)})
	if err != nil {
		e.t.Fatal(err)
	}
	return r
}

func (e *staffEnv) request(id roi.RequestID) *roi.DeskRequest {
	e.t.Helper()
	c, err := e.desk.Get(context.Background(), "test", id)
	if err != nil {
		e.t.Fatal(err)
	}
	return c.Request
}

// authorizationForm is the 164.508 checklist filled in for the attorney.
func authorizationForm(version int) url.Values {
	return url.Values{"version": {strconv.Itoa(version)}, "type": {"authorization"}, "forms": {"hipaa"}, "signed_by": {"patient"},
		"signed": {"2026-02-01"}, "expires": {"2026-12-31"}, "discloser": {"Custodian Test Hospital"}, "recipient": {"Lee & Park LLP"},
		"purpose": {"personal injury claim"}, "description": {"ED records 2025"}, "covers_labels": {"general"},
		"statements": {"revocation", "conditioning", "redisclosure"}}
}

// TestEvidencePages: every evidence type has a form page offering the
// whole label vocabulary where a document covers categories; a mistake
// comes back as the same form with what was typed and the message beside
// the field (not an error page, nothing stored); a good form is recorded
// and summarized in words; the verdict after evaluation agrees with the
// engine; a withdrawal stays on the page struck through; the scan is
// served inline to this site's frames only; the auditor gets no form.
func TestEvidencePages(t *testing.T) {
	e := newStaffEnv(t)
	ctx := context.Background()
	r := e.attorneyRequest()
	base := "/requests/" + strconv.FormatInt(int64(r.ID), 10)
	clerk := auth.RoleIntakeClerk

	for _, f := range workflow.EvidenceForms {
		st, body, _ := e.page(clerk, "GET", base+"/evidence/new?type="+f.Type, nil)
		if st != 200 || !strings.Contains(body, `name="type" value="`+f.Type+`"`) {
			t.Fatalf("form %s: %d", f.Type, st)
		}
		if strings.Contains(body, "JSON") || strings.Contains(body, "textarea id=\"evidence-json\"") {
			t.Errorf("form %s asks for JSON", f.Type)
		}
		for _, ff := range workflow.EvidenceFields(f.Type) {
			if ff.Kind != "items" && !strings.Contains(body, `name="`+ff.Name+`"`) {
				t.Errorf("form %s lacks field %s", f.Type, ff.Name)
			}
		}
	}
	_, body, _ := e.page(clerk, "GET", base+"/evidence/new?type=authorization", nil)
	for _, c := range workflow.LabelChoices() {
		if !strings.Contains(body, `name="covers_labels" value="`+c.Value+`"`) {
			t.Errorf("authorization form lacks the category %s", c.Value)
		}
	}
	if st, _, _ := e.page(clerk, "GET", base+"/evidence/new?type=fingerprint", nil); st != 400 {
		t.Errorf("unknown type: %d", st)
	}
	if st, _, _ := e.page(auth.RoleAuditor, "GET", base+"/evidence/new?type=authorization", nil); st != 403 {
		t.Errorf("auditor's form: %d", st)
	}

	// A mistake: the same form again, typed values kept, the message
	// beside the field, nothing stored.
	bad := authorizationForm(r.Version)
	bad.Set("signed", "2026-02-30")
	st, body, _ := e.page(clerk, "POST", base+"/evidence", bad)
	if st != http.StatusUnprocessableEntity || !strings.Contains(body, `id="f-signed-error"`) ||
		!strings.Contains(body, "Write the signature date as a date") {
		t.Fatalf("bad form: %d\n%s", st, body)
	}
	for _, kept := range []string{`value="` + html.EscapeString("Lee & Park LLP") + `"`, `value="2026-02-30"`, `value="personal injury claim"`,
		`value="general" id="f-covers_labels-general" checked`, `value="hipaa" id="f-forms-hipaa" checked`} {
		if !strings.Contains(body, kept) {
			t.Errorf("the form lost %s", kept)
		}
	}
	if c, _ := e.desk.Get(ctx, "test", r.ID); len(c.Evidence) != 0 {
		t.Fatalf("a refused form stored %d entries", len(c.Evidence))
	}

	// Identity by the quick form, then the authorization, bare (only the
	// form and categories): recorded, the engine says incomplete.
	if st, _, _ := e.page(clerk, "POST", base+"/evidence", url.Values{"version": {strconv.Itoa(r.Version)}, "type": {"identity"},
		"method": {"bar card and letterhead"}}); st != http.StatusSeeOther {
		t.Fatalf("identity: %d", st)
	}
	r = e.request(r.ID)
	if st, _, _ := e.page(clerk, "POST", base+"/evidence", url.Values{"version": {strconv.Itoa(r.Version)}, "type": {"authorization"},
		"forms": {"hipaa"}, "covers_labels": {"general"}}); st != http.StatusSeeOther {
		t.Fatalf("bare authorization: %d", st)
	}
	r = e.request(r.ID)
	if _, _, err := e.desk.Evaluate(ctx, "spec.sam", r.ID, r.Version); err != nil {
		t.Fatal(err)
	}
	_, body, _ = e.page(clerk, "GET", base, nil)
	if strings.Contains(body, "has every required element") || !strings.Contains(body, "Authorization A1 is not valid: it is incomplete — missing") ||
		!strings.Contains(body, "the date signed") || !strings.Contains(body, "who may receive it") {
		t.Errorf("verdict on a bare authorization:\n%s", section(body, "h-evidence"))
	}
	if !strings.Contains(body, "Identity verified by bar card and letterhead — user-intake-clerk, ") {
		t.Errorf("identity not in words:\n%s", section(body, "h-evidence"))
	}
	if strings.Contains(section(body, "h-evidence"), `{&#34;`) || strings.Contains(section(body, "h-evidence"), `{"type"`) {
		t.Errorf("raw JSON on the page")
	}

	// Correct it: the form comes pre-filled; saving supersedes it.
	c, _ := e.desk.Get(ctx, "test", r.ID)
	authID := c.Evidence[1].ID
	_, body, _ = e.page(clerk, "GET", base+"/evidence/new?correct="+strconv.FormatInt(authID, 10), nil)
	if !strings.Contains(body, `name="correct" value="`+strconv.FormatInt(authID, 10)+`"`) || !strings.Contains(body, `value="hipaa" id="f-forms-hipaa" checked`) {
		t.Fatalf("correction form not pre-filled:\n%s", body)
	}
	r = e.request(r.ID)
	fix := authorizationForm(r.Version)
	fix.Set("correct", strconv.FormatInt(authID, 10))
	fix.Set("correct_reason", "filled in from the scan")
	if st, body, _ := e.page(clerk, "POST", base+"/evidence", fix); st != http.StatusSeeOther {
		t.Fatalf("correction: %d %s", st, body)
	}
	r = e.request(r.ID)
	if _, _, err := e.desk.Evaluate(ctx, "spec.sam", r.ID, r.Version); err != nil {
		t.Fatal(err)
	}
	_, body, _ = e.page(clerk, "GET", base, nil)
	ev := section(body, "h-evidence")
	if !strings.Contains(ev, "Authorization A1 is valid") || !strings.Contains(ev, "<del>") || !strings.Contains(ev, "replaced by a correction") ||
		!strings.Contains(ev, "filled in from the scan") {
		t.Errorf("after the correction:\n%s", ev)
	}

	// Withdraw it through the page.
	c, _ = e.desk.Get(ctx, "test", r.ID)
	newID := c.Evidence[len(c.Evidence)-1].ID
	r = e.request(r.ID)
	if st, _, _ := e.page(clerk, "POST", base+"/evidence/"+strconv.FormatInt(newID, 10)+"/withdraw",
		url.Values{"version": {strconv.Itoa(r.Version)}, "reason": {"signed for another firm"}}); st != http.StatusSeeOther {
		t.Fatalf("withdraw: %d", st)
	}
	_, body, _ = e.page(clerk, "GET", base, nil)
	ev = section(body, "h-evidence")
	if !strings.Contains(ev, "signed for another firm") || strings.Count(ev, "<del>") != 2 || !strings.Contains(ev, "None in force.") ||
		!strings.Contains(body, `id="verdict-stale"`) {
		t.Errorf("after the withdrawal:\n%s", ev)
	}

	// The scan beside the form: served inline, framed by this site only.
	r = e.request(r.ID)
	png := []byte("\x89PNG\r\n\x1a\n" + strings.Repeat("\x00", 64))
	_, doc, err := e.desk.UploadDocument(ctx, "clerk.ana", r.ID, r.Version, "Jane Doe authorization.png", roi.DocumentAuthorization, png)
	if err != nil {
		t.Fatal(err)
	}
	docPath := base + "/documents/" + strconv.FormatInt(doc.ID, 10)
	st, body, h := e.page(clerk, "GET", docPath, nil)
	if st != 200 || body != string(png) || !strings.HasPrefix(h.Get("Content-Disposition"), "inline;") || strings.Contains(h.Get("Content-Disposition"), "Jane") ||
		!strings.Contains(h.Get("Content-Security-Policy"), "frame-ancestors 'self'") || !strings.Contains(h.Get("Content-Security-Policy"), "default-src 'none'") ||
		h.Get("X-Frame-Options") != "SAMEORIGIN" || h.Get("Content-Type") != "image/png" {
		t.Errorf("inline document: %d %v", st, h)
	}
	_, body, _ = e.page(clerk, "GET", base+"/evidence/new?type=authorization", nil)
	if !strings.Contains(body, `id="scan" alt="The scanned document" src="`+docPath+`"`) {
		t.Errorf("the form page does not show the scan:\n%s", body)
	}
	if st, _, _ := e.page(auth.RoleAuditor, "GET", docPath, nil); st != 200 {
		t.Errorf("auditor reading the scan: %d", st)
	}

	// The API withdraws the same way: the reason is required.
	c, _ = e.desk.Get(ctx, "test", r.ID)
	api := "/api/v1/requests/" + strconv.FormatInt(int64(r.ID), 10) + "/evidence/" + strconv.FormatInt(c.Evidence[0].ID, 10) + "/withdraw"
	if st, body := e.api(clerk, api, `{"version":`+strconv.Itoa(c.Request.Version)+`,"reason":""}`); st != 400 || !strings.Contains(body, "Say why") {
		t.Errorf("API withdrawal without a reason: %d %s", st, body)
	}
	if st, body := e.api(clerk, api, `{"version":`+strconv.Itoa(c.Request.Version)+`,"reason":"wrong requester"}`); st != 200 {
		t.Errorf("API withdrawal: %d %s", st, body)
	}
	if c, _ = e.desk.Get(ctx, "test", r.ID); c.Evidence[0].Active() || c.Evidence[0].WithdrawnReason != "wrong requester" {
		t.Errorf("after the API withdrawal: %+v", c.Evidence[0])
	}
	_, body, _ = e.page(clerk, "GET", "/api/v1/requests/"+strconv.FormatInt(int64(r.ID), 10), nil)
	var shown struct {
		Evidence []struct {
			ID        int64
			Withdrawn *struct{ By, Reason string }
		}
	}
	if err := json.Unmarshal([]byte(body), &shown); err != nil {
		t.Fatal(err)
	}
	withdrawn := 0
	for _, x := range shown.Evidence {
		if x.Withdrawn != nil {
			withdrawn++
			if x.ID == c.Evidence[0].ID && (x.Withdrawn.Reason != "wrong requester" || x.Withdrawn.By != "user-intake-clerk") {
				t.Errorf("API withdrawal shown as %+v", x.Withdrawn)
			}
		}
	}
	if withdrawn != 3 || len(shown.Evidence) != 3 {
		t.Errorf("the API shows %d of %d entries withdrawn, want 3 of 3: %s", withdrawn, len(shown.Evidence), body)
	}

	// Answers suggested by a machine (OCR) are marked and must be
	// confirmed: without the box ticked the form comes back, marked.
	r = e.request(r.ID)
	sug := authorizationForm(r.Version)
	sug.Set("id", "B7")
	sug["suggested"] = []string{"recipient", "signed"}
	st, body, _ = e.page(clerk, "POST", base+"/evidence", sug)
	if st != http.StatusUnprocessableEntity || strings.Count(body, "suggested — confirm") != 2 || !strings.Contains(body, `id="f-suggestions_checked"`) ||
		!strings.Contains(body, "Check each suggested answer against the scan") {
		t.Errorf("unconfirmed suggestions: %d\n%s", st, body)
	}
	sug.Set("suggestions_checked", "yes")
	if st, body, _ := e.page(clerk, "POST", base+"/evidence", sug); st != http.StatusSeeOther {
		t.Errorf("confirmed suggestions: %d %s", st, body)
	}
}

// api posts a JSON body as role and returns the status and body.
func (e *staffEnv) api(role auth.Role, path, body string) (int, string) {
	e.t.Helper()
	req, _ := http.NewRequest("POST", e.srv.URL+path, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+e.tokens[role])
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// section is the HTML of the section whose heading has id.
func section(body, id string) string {
	i := strings.Index(body, `id="`+id+`"`)
	if i < 0 {
		return ""
	}
	j := strings.Index(body[i:], "</section>")
	if j < 0 {
		return body[i:]
	}
	return body[i : i+j]
}

// TestBrowserEvidenceForm: in a real browser, a clerk records an
// attorney's authorization through its form with the scan beside it,
// makes a mistake (the expiry date before the signature), sees the message
// beside the field with everything typed still there, fixes it; the
// specialist evaluates and sees one verdict that agrees with the engine;
// the clerk withdraws the authorization with a reason and it stays on the
// page struck through, no longer counted.
func TestBrowserEvidenceForm(t *testing.T) {
	e := newBrowserEnv(t)
	patient := e.journeyPatient()
	r, err := e.desk.Intake(e.ctx, demo.Actor, workflow.Intake{PatientID: patient.ID, Request: roi.Request{Received: e.desk.Today(),
		Requester: roi.Requester{Kind: roi.KindAttorney, Name: "Lee & Park LLP"}, Basis: roi.BasisAuthorization},
		Contact: "records@leepark.example", Delivery: roi.DeliveryEmail, Due: e.desk.Today().AddDays(20)})
	if err != nil {
		t.Fatal(err)
	}
	png, err := os.ReadFile(tinyPNG(t))
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := e.desk.UploadDocument(e.ctx, demo.Actor, r.ID, r.Version, "scan.png", roi.DocumentAuthorization, png); err != nil {
		t.Fatal(err)
	}
	reqPath := "/requests/" + strconv.FormatInt(int64(r.ID), 10)
	today := e.desk.Today()
	signed, expires := today.AddDays(-20), today.AddDays(300)

	clerk := e.person("clerk")
	clerk.signIn(demo.Actor)
	clerk.open(reqPath)
	clerk.do("identity", chromedp.SendKeys(chromedp.ID("identity-method"), "bar card and firm letterhead"))
	clerk.submit("#verify-identity")
	clerk.expect("identity in words", "Identity verified by bar card and firm letterhead — Dana Clerk")
	if clerk.has("#evidence-json") {
		t.Fatal("the request page still asks for JSON")
	}
	// "Add evidence: Authorization" opens its form, the scan beside it.
	clerk.submit("#add-authority")
	clerk.expect("the authorization form", "Record: Authorization", "Which form it is", "Required statements")
	if !clerk.has("img#scan") {
		t.Error("the scan is not shown beside the form")
	}
	clerk.do("fill in the checklist, with the expiry before the signature",
		chromedp.Click(chromedp.ID("f-forms-hipaa")),
		chromedp.Click(chromedp.ID("f-signed_by-patient")),
		chromedp.SetValue(chromedp.ID("f-signed"), signed.String()),
		chromedp.SetValue(chromedp.ID("f-expires"), signed.AddDays(-40).String()),
		chromedp.SendKeys(chromedp.ID("f-discloser"), "Custodian Test Hospital"),
		chromedp.SendKeys(chromedp.ID("f-recipient"), "Lee & Park LLP"),
		chromedp.SendKeys(chromedp.ID("f-purpose"), "personal injury claim"),
		chromedp.SendKeys(chromedp.ID("f-description"), "all records of the last two years"),
		chromedp.Click(chromedp.ID("f-covers_labels-general")),
		chromedp.Click(chromedp.ID("f-statements-revocation")),
		chromedp.Click(chromedp.ID("f-statements-conditioning")),
		chromedp.Click(chromedp.ID("f-statements-redisclosure")))
	clerk.shot("evidence-mistake.png")
	clerk.submit("#save-evidence")
	clerk.expect("the message beside the field", "Nothing was recorded yet", "The expiry date is before the signature date")
	if !clerk.has("#f-expires-error") {
		t.Error("the message is not beside the expiry date")
	}
	kept, err := chromedp.Run(clerk.ctx, chromedp.Evaluate[string](`[document.getElementById("f-recipient").value, document.getElementById("f-purpose").value,
		document.getElementById("f-signed").value, String(document.getElementById("f-covers_labels-general").checked),
		String(document.getElementById("f-statements-redisclosure").checked)].join("|")`))
	if err != nil {
		t.Fatal(err)
	}
	if want := "Lee & Park LLP|personal injury claim|" + signed.String() + "|true|true"; kept != want {
		t.Errorf("what was typed: %q, want %q", kept, want)
	}
	clerk.do("fix the expiry date", chromedp.SetValue(chromedp.ID("f-expires"), expires.String()))
	clerk.submit("#save-evidence")
	clerk.expect("recorded", "Evidence recorded.", "Authorization A1", "signed by the patient", "to Lee & Park LLP", "covers general records")

	spec := e.person("specialist")
	spec.signIn(demo.Specialist)
	spec.open(reqPath)
	spec.submit("#evaluate")
	spec.expect("one verdict", "Authorization A1 is valid")
	checks := spec.text("#checks")
	if strings.Contains(checks, "not valid") || strings.Count(checks, "Authorization A1") != 1 {
		t.Errorf("the authorization check contradicts itself:\n%s", checks)
	}
	spec.shotUpTo("evidence-verdict.png", "#h-evidence", "#checks", 1400)

	// The clerk withdraws it, with the reason.
	clerk.open(reqPath)
	c, err := e.desk.Get(e.ctx, "test", r.ID)
	if err != nil {
		t.Fatal(err)
	}
	auth := strconv.FormatInt(c.Evidence[len(c.Evidence)-1].ID, 10)
	clerk.do("open the withdrawal", chromedp.Click(chromedp.ID("withdraw-open-"+auth)),
		chromedp.SendKeys(chromedp.ID("withdraw-reason-"+auth), "signed for a different firm"))
	clerk.submit("#withdraw-" + auth)
	clerk.expect("withdrawn", "Evidence withdrawn", "withdrawn by Dana Clerk", "signed for a different firm", "None in force.",
		"evaluate again")
	if !clerk.has("#evidence-"+auth+" del") || clerk.has("#withdraw-"+auth) {
		t.Error("the withdrawn entry is not struck through, or can still be withdrawn")
	}
	spec.open(reqPath)
	spec.submit("#evaluate")
	if checks := spec.text("#checks"); !strings.Contains(checks, "rests on an authorization, but none was provided") || strings.Contains(checks, "Authorization A1") {
		t.Errorf("the engine still counts the withdrawn authorization:\n%s", checks)
	}
	e.checkBrowsing(patient.Name)
}
