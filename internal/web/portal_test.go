package web

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/custodian-roi/custodian/internal/roi"
	"github.com/custodian-roi/custodian/internal/send/sendtest"
	"github.com/custodian-roi/custodian/internal/workflow"
)

const patientEmail = "zebediah.q@example.org"

// approveViaAPI takes a patient's access request through intake,
// identity, evaluation and a partial decision (the chart's psychotherapy
// note is withheld), all over HTTP, and returns its path and version.
func approveViaAPI(t *testing.T, a *api, delivery, contact string) (base string, v int) {
	t.Helper()
	in, _ := json.Marshal(map[string]any{"patient": "MRN-77", "received": "2026-03-02",
		"requester": map[string]string{"kind": "patient", "name": patientName}, "basis": "access",
		"contact": contact, "delivery": delivery})
	out := a.want(201, "POST", "/api/v1/requests", string(in))
	base = "/api/v1/requests/" + strconv.Itoa(int(out["request"].(map[string]any)["id"].(float64)))
	v = version(out)
	out = a.want(200, "POST", base+"/evidence", `{"version":`+strconv.Itoa(v)+`,"evidence":{"type":"identity","verified":true,"method":"photo ID"}}`)
	out = a.want(200, "POST", base+"/evaluate", `{"version":`+strconv.Itoa(version(out))+`}`)
	if o := out["decision"].(map[string]any)["outcome"]; o != "partial" {
		t.Fatalf("outcome %v, want partial", o)
	}
	out = a.want(200, "POST", base+"/decide", `{"version":`+strconv.Itoa(version(out))+`,"action":"partial"}`)
	// A partial release needs a second person's review before it goes.
	out = a.want(200, "POST", base+"/review", `{"version":`+strconv.Itoa(version(out))+`,"approve":true}`, ActorHeader, "qa.lee")
	return base, version(out)
}

// portalResp is one answer from the requester's side, as a browser gets it.
type portalResp struct {
	status int
	header http.Header
	body   []byte
}

// portalPost posts to a portal route as a browser would: a form
// (application/x-www-form-urlencoded) or JSON, never with a staff actor.
// headers are name, value pairs (Origin, Sec-Fetch-Site).
func (a *api) portalPost(path string, form url.Values, headers ...string) portalResp {
	a.t.Helper()
	req, _ := http.NewRequest("POST", a.srv.URL+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	return a.portalDo(req)
}

func (a *api) portalJSON(path string, v any) portalResp {
	a.t.Helper()
	b, _ := json.Marshal(v)
	req, _ := http.NewRequest("POST", a.srv.URL+path, bytes.NewReader(b))
	req.Header.Set("Content-Type", "application/json")
	return a.portalDo(req)
}

func (a *api) portalDo(req *http.Request) portalResp {
	a.t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		a.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return portalResp{resp.StatusCode, resp.Header, b}
}

func (p portalResp) isPDF() bool {
	return strings.HasPrefix(p.header.Get("Content-Type"), "application/pdf") || bytes.HasPrefix(p.body, []byte("%PDF"))
}

func mailText(t *testing.T, m sendtest.ReceivedMail) string {
	t.Helper()
	body, err := m.Body()
	if err != nil {
		t.Fatal(err)
	}
	return body
}

var codeRE = regexp.MustCompile(`\b(\d{8})\b`)

// lastCode returns the one-time code in the newest message, which must
// be the (n)th message the server received.
func lastCode(t *testing.T, smtp *sendtest.SMTPServer, n int) string {
	t.Helper()
	msgs := smtp.Messages()
	if len(msgs) != n {
		t.Fatalf("%d messages, want %d", len(msgs), n)
	}
	if !slices.Equal(msgs[n-1].To, []string{patientEmail}) || !msgs[n-1].TLS {
		t.Fatalf("code e-mail to %v (TLS %v)", msgs[n-1].To, msgs[n-1].TLS)
	}
	m := codeRE.FindStringSubmatch(mailText(t, msgs[n-1]))
	if m == nil {
		t.Fatalf("no code in message %d", n)
	}
	return m[1]
}

func historyKinds(t *testing.T, a *api, base string) []string {
	t.Helper()
	var kinds []string
	for _, h := range a.want(200, "GET", base, "")["history"].([]any) {
		kinds = append(kinds, h.(map[string]any)["kind"].(string))
	}
	return kinds
}

// TestPortalEmailDownload is the requester's whole journey over HTTP: the
// e-mailed link, a code by e-mail asked for with an HTML form, a wrong
// code, the right one once, cross-site posts refused, the page's CSP,
// and a log that holds none of the secrets or PHI.
func TestPortalEmailDownload(t *testing.T) {
	a := newAPI(t)
	smtp := sendtest.StartSMTP(t)
	a.desk.Mail = smtp.Client()
	a.desk.Org.PortalURL = a.srv.URL

	base, v := approveViaAPI(t, a, "email", patientEmail)
	rel := a.want(200, "POST", base+"/release", `{"version":`+strconv.Itoa(v)+`}`)
	if rel["link"] != nil || rel["delivery"].(map[string]any)["state"] != "queued" {
		t.Fatalf("an e-mail release queues the link for the worker: link %v delivery %v", rel["link"], rel["delivery"])
	}
	if len(smtp.Messages()) != 0 {
		t.Fatal("the release itself sent mail; the worker sends it")
	}
	if worked, err := a.desk.Deliver(context.Background(), "test"); !worked || err != nil {
		t.Fatalf("deliver: %v %v", worked, err)
	}
	msgs := smtp.Messages()
	if len(msgs) != 1 || !slices.Equal(msgs[0].To, []string{patientEmail}) {
		t.Fatalf("notification: %+v", msgs)
	}
	note := mailText(t, msgs[0])
	m := regexp.MustCompile(regexp.QuoteMeta(a.srv.URL) + `/portal/download#([A-Za-z0-9_-]{20,})`).FindStringSubmatch(note)
	if m == nil {
		t.Fatalf("no portal link in the notification:\n%s", note)
	}
	link, token := m[0], m[1]
	if strings.Contains(note, patientName) || strings.Contains(note, "R-2026-") {
		t.Errorf("the notification carries PHI:\n%s", note)
	}

	// The link opens the page; the fragment never leaves the browser.
	page, err := http.Get(link)
	if err != nil {
		t.Fatal(err)
	}
	html, _ := io.ReadAll(page.Body)
	page.Body.Close()
	if page.StatusCode != 200 || !strings.HasPrefix(page.Header.Get("Content-Type"), "text/html") {
		t.Fatalf("portal page: %d %s", page.StatusCode, page.Header.Get("Content-Type"))
	}
	csp := page.Header.Get("Content-Security-Policy")
	if !strings.Contains(csp, "script-src 'self'") || strings.Contains(csp, "unsafe-inline") || strings.Contains(csp, "unsafe-eval") {
		t.Errorf("portal CSP %q: want script-src 'self' and nothing unsafe", csp)
	}
	if !strings.Contains(csp, "form-action 'self'") || !strings.Contains(csp, "frame-ancestors 'none'") {
		t.Errorf("portal CSP %q: want form-action 'self' and frame-ancestors 'none'", csp)
	}
	if page.Header.Get("Cache-Control") != "no-store" || page.Header.Get("Referrer-Policy") != "no-referrer" {
		t.Errorf("portal page caching/referrer headers: %v", page.Header)
	}
	scripts := regexp.MustCompile(`(?is)<script\b([^>]*)>(.*?)</script>`).FindAllStringSubmatch(string(html), -1)
	if len(scripts) == 0 {
		t.Error("the page loads no script: the token would never reach the forms")
	}
	for _, s := range scripts {
		if !strings.Contains(s[1], `src="/static/portal.js"`) || strings.TrimSpace(s[2]) != "" {
			t.Errorf("inline or foreign script on the portal page: %q", s[0])
		}
	}
	if regexp.MustCompile(`(?i)\son[a-z]+\s*=|javascript:`).MatchString(string(html)) {
		t.Error("the portal page has an inline event handler or javascript: URL")
	}
	for _, action := range []string{`action="/portal/v1/code"`, `action="/portal/v1/download"`} {
		if !strings.Contains(string(html), action) {
			t.Errorf("the page lacks the form %s", action)
		}
	}
	js, err := http.Get(a.srv.URL + "/static/portal.js")
	if err != nil {
		t.Fatal(err)
	}
	jsBody, _ := io.ReadAll(js.Body)
	js.Body.Close()
	if js.StatusCode != 200 || !strings.HasPrefix(js.Header.Get("Content-Type"), "text/javascript") || !bytes.Contains(jsBody, []byte("location.hash")) {
		t.Errorf("portal script: %d %s", js.StatusCode, js.Header.Get("Content-Type"))
	}

	// Before any code, a download is refused.
	if r := a.portalPost("/portal/v1/download", url.Values{"token": {token}, "code": {"12345678"}}); r.status != 403 || r.isPDF() {
		t.Errorf("download before a code: %d", r.status)
	}
	// A form without the token is a 400; an unknown token gets no code.
	if r := a.portalPost("/portal/v1/code", url.Values{"token": {""}}); r.status != 400 {
		t.Errorf("code without a token: %d %s", r.status, r.body)
	}
	if r := a.portalPost("/portal/v1/code", url.Values{"token": {"not-a-token"}}); r.status < 400 {
		t.Errorf("code for an unknown token: %d %s", r.status, r.body)
	}
	if n := len(smtp.Messages()); n != 1 {
		t.Fatalf("refused code requests sent mail: %d messages", n)
	}

	// The requester asks for a code with the page's form.
	r := a.portalPost("/portal/v1/code", url.Values{"token": {token}})
	if r.status != 202 {
		t.Fatalf("POST /portal/v1/code: %d %s", r.status, r.body)
	}
	if bytes.Contains(r.body, []byte(patientEmail)) {
		t.Error("the code answer says where the code went")
	}
	code := lastCode(t, smtp, 2)

	wrong := "00000000"
	if wrong == code {
		wrong = "11111111"
	}
	if r := a.portalPost("/portal/v1/download", url.Values{"token": {token}, "code": {wrong}}); r.status != 403 || r.isPDF() || !bytes.Contains(r.body, []byte("That code is not right")) {
		t.Errorf("wrong code: %d %s (%d bytes)", r.status, r.header.Get("Content-Type"), len(r.body))
	}
	// With an Idempotency-Key, as a retrying client might send: the staff
	// API's replay layer must not apply here, or a used code would
	// download again, unrecorded.
	r = a.portalPost("/portal/v1/download", url.Values{"token": {token}, "code": {code}}, "Idempotency-Key", "dl-1")
	if r.status != 200 || r.header.Get("Content-Type") != "application/pdf" || !bytes.HasPrefix(r.body, []byte("%PDF")) {
		t.Fatalf("download with the right code: %d %s", r.status, r.header.Get("Content-Type"))
	}
	if again := a.portalPost("/portal/v1/download", url.Values{"token": {token}, "code": {code}}, "Idempotency-Key", "dl-1"); again.status != 403 || again.isPDF() {
		t.Errorf("a replayed download with a used code: %d %s", again.status, again.header.Get("Content-Type"))
	}
	pks := a.want(200, "GET", base+"/packets", "")["packets"].([]any)
	if len(pks) != 1 {
		t.Fatalf("packets %v", pks)
	}
	pk := pks[0].(map[string]any)
	if sum := sha256.Sum256(r.body); hex.EncodeToString(sum[:]) != pk["sha256"] {
		t.Error("the downloaded file is not the released packet")
	}
	if cd := r.header.Get("Content-Disposition"); !strings.Contains(cd, pk["packet_id"].(string)+".pdf") || strings.Contains(cd, "Quillfeather") {
		t.Errorf("Content-Disposition %q", cd)
	}
	if r := a.portalPost("/portal/v1/download", url.Values{"token": {token}, "code": {code}}); r.status != 403 || r.isPDF() {
		t.Errorf("the same code a second time: %d", r.status)
	}

	// Cross-site posts are refused before the handler runs: no code is
	// sent, none is used up.
	for _, hdr := range [][]string{
		{"Sec-Fetch-Site", "cross-site"},
		{"Origin", "https://attacker.example"},
		{"Sec-Fetch-Site", "same-site"},
	} {
		if r := a.portalPost("/portal/v1/code", url.Values{"token": {token}}, hdr...); r.status != 403 {
			t.Errorf("cross-origin code request (%s: %s): %d", hdr[0], hdr[1], r.status)
		}
	}
	if n := len(smtp.Messages()); n != 2 {
		t.Fatalf("a cross-site post sent a code: %d messages", n)
	}
	// The same form from the page itself is allowed.
	if r := a.portalPost("/portal/v1/code", url.Values{"token": {token}}, "Sec-Fetch-Site", "same-origin", "Origin", a.srv.URL); r.status != 202 {
		t.Fatalf("same-origin code request: %d %s", r.status, r.body)
	}
	code2 := lastCode(t, smtp, 3)
	if code2 == code {
		t.Error("a new code repeats the old one")
	}
	if r := a.portalPost("/portal/v1/download", url.Values{"token": {token}, "code": {code2}}, "Sec-Fetch-Site", "cross-site"); r.status != 403 || r.isPDF() {
		t.Errorf("cross-site download: %d", r.status)
	}
	if r := a.portalPost("/portal/v1/download", url.Values{"token": {token}, "code": {code2}}, "Origin", "http://evil.example"); r.status != 403 || r.isPDF() {
		t.Errorf("download from another origin: %d", r.status)
	}
	// The code the refused posts carried still works: they never reached
	// the desk. JSON bodies work as well as forms.
	if r := a.portalJSON("/portal/v1/download", map[string]string{"token": token, "code": code2}); r.status != 200 || !r.isPDF() {
		t.Fatalf("JSON download with the second code: %d %s", r.status, r.body)
	}

	// Every download, and the delivery, is in the request's history.
	kinds := historyKinds(t, a, base)
	if n := strings.Count(","+strings.Join(kinds, ",")+",", ",download,"); n != 2 {
		t.Errorf("history %v: want 2 downloads, have %d", kinds, n)
	}
	for _, want := range []string{"delivery", "portal-code", "portal-code-failed", "disclosure"} {
		if !slices.Contains(kinds, want) {
			t.Errorf("history %v lacks %s", kinds, want)
		}
	}
	dels := a.want(200, "GET", base+"/deliveries", "")["deliveries"].([]any)
	if len(dels) != 1 || dels[0].(map[string]any)["state"] != "done" {
		t.Errorf("deliveries %v", dels)
	}

	// The log shows the routes and statuses, and none of the secrets.
	logs := a.logs.String()
	for _, want := range []string{`"route":"POST /portal/v1/download","status":200`, `"route":"POST /portal/v1/download","status":403`, `"route":"POST /portal/v1/code","status":202`} {
		if !strings.Contains(logs, want) {
			t.Errorf("the log lacks %s", want)
		}
	}
	for name, secret := range map[string]string{"token": token, "code": code, "second code": code2, "patient name": patientName,
		"surname": "Quillfeather", "e-mail address": patientEmail, "MRN": "MRN-77"} {
		if strings.Contains(logs, secret) {
			t.Errorf("the server log contains the %s", name)
		}
	}
}

// TestPortalStaffCode: staff issue a one-time code for a portal release;
// the code is shown once, an idempotent replay does not repeat it, and
// the code opens the download once.
func TestPortalStaffCode(t *testing.T) {
	a := newAPI(t)
	base, v := approveViaAPI(t, a, "portal", "555-0199")

	// Before the release there is no link and so no code.
	if _, out := a.do("POST", base+"/portal-code", `{}`); errCode(out) != "not_found" || out["code"] != nil {
		t.Errorf("code before a release: %v", out)
	}
	rel := a.want(200, "POST", base+"/release", `{"version":`+strconv.Itoa(v)+`}`)
	link, _ := rel["link"].(string)
	i := strings.Index(link, "/portal/download#")
	if i < 0 {
		t.Fatalf("portal release link %q", link)
	}
	token := link[i+len("/portal/download#"):]
	if rel["delivery"].(map[string]any)["state"] != "waiting" {
		t.Errorf("portal delivery %v", rel["delivery"])
	}

	// No actor: no code.
	req, _ := http.NewRequest("POST", a.srv.URL+base+"/portal-code", strings.NewReader(`{}`))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 401 {
		t.Errorf("portal-code without an actor: %d", resp.StatusCode)
	}

	first := a.want(200, "POST", base+"/portal-code", `{}`, "Idempotency-Key", "code-1")
	code, _ := first["code"].(string)
	if !regexp.MustCompile(`^\d{8}$`).MatchString(code) || first["expires_in_minutes"] != float64(15) {
		t.Fatalf("issued code: %v", first)
	}
	status, again := a.do("POST", base+"/portal-code", `{}`, "Idempotency-Key", "code-1")
	if status != 200 || again["code"] != nil || again["note"] == nil {
		t.Errorf("the replay: %d %v", status, again)
	}
	raw, _ := json.Marshal(again)
	if bytes.Contains(raw, []byte(code)) {
		t.Error("the replay repeats the code")
	}
	// The replay issued no second code: the first still works.
	if r := a.portalJSON("/portal/v1/download", map[string]string{"token": token, "code": code}); r.status != 200 || !r.isPDF() {
		t.Fatalf("download with the staff code: %d %s", r.status, r.body)
	}
	if r := a.portalJSON("/portal/v1/download", map[string]string{"token": token, "code": code}); r.status != 403 {
		t.Errorf("the staff code worked twice: %d", r.status)
	}
	// A new key gives a new code.
	second := a.want(200, "POST", base+"/portal-code", `{}`, "Idempotency-Key", "code-2")
	if c, _ := second["code"].(string); c == "" || c == code {
		t.Errorf("second issue: %v", second)
	}
	// No mailer here: the requester cannot ask for a code by e-mail.
	if r := a.portalPost("/portal/v1/code", url.Values{"token": {token}}); r.status != 409 {
		t.Errorf("code by e-mail without a mailer: %d %s", r.status, r.body)
	}

	dels := a.want(200, "GET", base+"/deliveries", "")["deliveries"].([]any)
	if len(dels) != 1 || dels[0].(map[string]any)["state"] != "done" {
		t.Errorf("the first download completes the portal delivery: %v", dels)
	}
	kinds := historyKinds(t, a, base)
	for _, want := range []string{"portal-code", "download", "delivery"} {
		if !slices.Contains(kinds, want) {
			t.Errorf("history %v lacks %s", kinds, want)
		}
	}
	for _, secret := range []string{code, second["code"].(string), token, patientName} {
		if strings.Contains(a.logs.String(), secret) {
			t.Errorf("the log holds %q", secret)
		}
	}
}

// TestMailDeliveryNeedsTracking: a postal delivery waits for staff, who
// must record a tracking number to complete it, once.
func TestMailDeliveryNeedsTracking(t *testing.T) {
	a := newAPI(t)
	base, v := approveViaAPI(t, a, "mail", "1 Main St, Springfield")
	rel := a.want(200, "POST", base+"/release", `{"version":`+strconv.Itoa(v)+`}`)
	d := rel["delivery"].(map[string]any)
	if d["state"] != "waiting" || d["channel"] != "mail" {
		t.Fatalf("mail delivery %v", d)
	}
	if worked, _ := a.desk.Deliver(context.Background(), "test"); worked {
		t.Error("the worker took a mail delivery")
	}
	path := "/api/v1/deliveries/" + strconv.Itoa(int(d["id"].(float64))) + "/complete"

	if _, out := a.do("POST", path, `{"carrier":"USPS"}`); errCode(out) != "invalid" {
		t.Errorf("complete without tracking: %v", out)
	}
	a.want(400, "POST", path, `{"carrier":"USPS","tracking":"   "}`)
	a.want(400, "POST", path, `{"carrier":"USPS","tracking":"1","colour":"red"}`)
	a.want(404, "POST", "/api/v1/deliveries/9999/complete", `{"tracking":"1"}`)
	if dels := a.want(200, "GET", base+"/deliveries", "")["deliveries"].([]any); dels[0].(map[string]any)["state"] != "waiting" {
		t.Errorf("refused completions changed the delivery: %v", dels)
	}

	out := a.want(200, "POST", path, `{"carrier":"USPS","tracking":"9400 1000 0000 0000 0000 00"}`)
	done := out["delivery"].(map[string]any)
	if done["state"] != "done" {
		t.Errorf("completed delivery %v", done)
	}
	if rc, _ := json.Marshal(done["receipt"]); !bytes.Contains(rc, []byte("9400 1000")) || !bytes.Contains(rc, []byte("clerk.ana")) {
		t.Errorf("receipt %s", rc)
	}
	if _, again := a.do("POST", path, `{"tracking":"x"}`); errCode(again) != "conflict" {
		t.Errorf("completed twice: %v", again)
	}
	if kinds := historyKinds(t, a, base); !slices.Contains(kinds, "delivery") {
		t.Errorf("history %v lacks the delivery", kinds)
	}
}

// The portal in Spanish: the switch keeps the choice in a cookie (never in
// a URL), the page says <html lang="es"> and every visible sentence in
// Spanish, the submission carries the language, and the request a clerk
// makes of it has its letters in Spanish. Intake over the API takes the
// language too.
func TestPortalSpanish(t *testing.T) {
	a := newAPI(t)
	get := func(path string, cookies ...*http.Cookie) portalResp {
		t.Helper()
		req, _ := http.NewRequest("GET", a.srv.URL+path, nil)
		for _, c := range cookies {
			req.AddCookie(c)
		}
		return a.portalDo(req)
	}
	english := []string{"Tell us whose records you want", "Send my request", "The patient", "Full name", "What you want",
		"Requests for medical records", "We received your request", "Your request number", "Show my request"}
	noEnglish := func(name string, body []byte) {
		t.Helper()
		for _, s := range english {
			if bytes.Contains(body, []byte(s)) {
				t.Errorf("%s: English %q on the Spanish page", name, s)
			}
		}
	}

	en := get("/portal")
	if en.status != 200 || !bytes.Contains(en.body, []byte(`<html lang="en">`)) || !bytes.Contains(en.body, []byte("Send my request")) {
		t.Fatalf("English portal: %d\n%s", en.status, en.body)
	}
	es := get("/portal?lang=es")
	var cookie *http.Cookie
	for _, c := range (&http.Response{Header: es.header}).Cookies() {
		if c.Name == portalLangCookie {
			cookie = c
		}
	}
	if cookie == nil || cookie.Value != "es" || !cookie.Secure || !cookie.HttpOnly {
		t.Fatalf("the choice of Spanish is not kept in a secure cookie: %v", es.header.Values("Set-Cookie"))
	}
	for _, w := range []string{`<html lang="es">`, "Solicitar registros médicos", "Enviar mi solicitud", "Nombre completo",
		`name="language" value="es"`, "Nuestras cartas sobre esta solicitud estarán en español.", "Español", "English"} {
		if !bytes.Contains(es.body, []byte(w)) {
			t.Errorf("Spanish portal lacks %q", w)
		}
	}
	noEnglish("/portal?lang=es", es.body)
	// The cookie keeps it without the query.
	if kept := get("/portal", cookie); !bytes.Contains(kept.body, []byte(`<html lang="es">`)) {
		t.Error("the language cookie is not honoured")
	}
	if bad := get("/portal?lang=xx"); !bytes.Contains(bad.body, []byte(`<html lang="en">`)) {
		t.Error("an unknown language is not English")
	}

	form := url.Values{"patient_name": {patientName}, "birth_date": {"1986-10-15"}, "requester_kind": {"patient"},
		"requester_name": {patientName}, "email": {patientEmail}, "basis": {"access"}, "format": {"electronic"},
		"delivery": {"portal"}, "language": {"es"}}
	sub := a.portalPost("/portal/submit", form)
	if sub.status != 200 {
		t.Fatalf("submit: %d\n%s", sub.status, sub.body)
	}
	for _, w := range []string{`<html lang="es">`, "Recibimos su solicitud", "Su número de solicitud es", "estamos verificando su identidad"} {
		if !bytes.Contains(sub.body, []byte(w)) {
			t.Errorf("Spanish status page lacks %q:\n%s", w, sub.body)
		}
	}
	noEnglish("status", sub.body)
	token := regexp.MustCompile(`/portal/status#([A-Za-z0-9_-]+)`).FindSubmatch(sub.body)
	if token == nil {
		t.Fatal("no status link")
	}
	// The switch on the status page posts the token back, never in a URL.
	if !bytes.Contains(sub.body, []byte(`<form method="post" action="/portal/status" class="inline lang-switch"`)) {
		t.Error("the status page's language switch is not a form")
	}
	back := a.portalPost("/portal/status", url.Values{"token": {string(token[1])}, "lang": {"en"}})
	if !bytes.Contains(back.body, []byte(`<html lang="en">`)) || !bytes.Contains(back.body, []byte("checking who you are")) {
		t.Errorf("switching the status page to English:\n%s", back.body)
	}
	// Without a choice, the status page follows the submission's language.
	again := a.portalPost("/portal/status", url.Values{"token": {string(token[1])}})
	if !bytes.Contains(again.body, []byte(`<html lang="es">`)) {
		t.Error("the status page does not follow the submission's language")
	}

	// A clerk accepts it: the request is in Spanish.
	ctx := context.Background()
	subs, err := a.desk.Submissions(ctx, workflow.SubmissionSubmitted)
	if err != nil || len(subs) != 1 {
		t.Fatalf("submissions %v %v", subs, err)
	}
	if err := a.desk.ConfirmSubmissionContact(ctx, "clerk", subs[0].ID, "read back by telephone"); err != nil {
		t.Fatal(err)
	}
	r, err := a.desk.AcceptSubmission(ctx, "clerk", subs[0].ID, a.pid)
	if err != nil || r.Language != roi.LanguageSpanish {
		t.Fatalf("accepted request: %v, language %v", err, r)
	}
	out := a.want(200, "GET", "/api/v1/requests/"+strconv.Itoa(int(r.ID)), "")
	if lang := out["request"].(map[string]any)["language"]; lang != "es" {
		t.Errorf("API shows language %v, want es", lang)
	}

	// Intake over the API.
	in := func(lang string) string {
		b, _ := json.Marshal(map[string]any{"patient": "MRN-77", "received": "2026-03-02", "language": lang,
			"requester": map[string]string{"kind": "patient", "name": patientName}, "basis": "access",
			"contact": patientEmail, "delivery": "portal"})
		return string(b)
	}
	made := a.want(201, "POST", "/api/v1/requests", in("es"))
	if lang := made["request"].(map[string]any)["language"]; lang != "es" {
		t.Errorf("API intake in Spanish made a request in %v", lang)
	}
	a.want(400, "POST", "/api/v1/requests", in("fr"))
}

// Every word of the portal exists in Spanish, and none is the English.
func TestPortalTextComplete(t *testing.T) {
	en, es := portalText[roi.LanguageEnglish], portalText[roi.LanguageSpanish]
	if len(en) < 50 {
		t.Fatalf("only %d English portal strings", len(en))
	}
	for k, s := range en {
		if strings.TrimSpace(es[k]) == "" {
			t.Errorf("no Spanish for %q", k)
		} else if es[k] == s {
			t.Errorf("the Spanish for %q is the English %q", k, s)
		}
	}
	if len(es) != len(en) {
		t.Errorf("Spanish has %d strings, English %d", len(es), len(en))
	}
	for _, k := range portalKinds {
		if en["kind."+string(k)] == "" {
			t.Errorf("no words for the requester kind %s", k)
		}
	}
	for _, b := range portalBases {
		if en["basis."+string(b)] == "" {
			t.Errorf("no words for the basis %s", b)
		}
	}
}

// TestDownloadPageSpanish: the download page follows the language the link
// names (a Spanish request's link carries ?lang=es) and offers the switch.
func TestDownloadPageSpanish(t *testing.T) {
	a := newAPI(t)
	for lang, want := range map[string]string{"es": "Descargar sus registros", "en": "Download your records"} {
		req, _ := http.NewRequest("GET", a.srv.URL+"/portal/download?lang="+lang, nil)
		r := a.portalDo(req)
		if !bytes.Contains(r.body, []byte(`<html lang="`+lang+`"`)) || !bytes.Contains(r.body, []byte(want)) || !bytes.Contains(r.body, []byte(`id="lang-switch"`)) {
			t.Errorf("download page in %s:\n%s", lang, r.body)
		}
	}
}
