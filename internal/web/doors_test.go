package web

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/custodian-roi/custodian/internal/auth"
	"github.com/custodian-roi/custodian/internal/send/sendtest"
)

// The API's doors (issue #15, findings M1 and M4): who may post to /api/,
// in what form, and what the idempotency layer reads and keeps.

const doorsIntake = `{"patient":"MRN-77","received":"2026-03-02",
	"requester":{"kind":"attorney","name":"Harper & Vance LLP"},"basis":"subpoena","contact":"harper-vance","delivery":"sftp"}`

// countingReader is a request body that says how much of it was read.
type countingReader struct {
	left int64
	read atomic.Int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	if c.left <= 0 {
		return 0, io.EOF
	}
	if int64(len(p)) > c.left {
		p = p[:c.left]
	}
	for i := range p {
		p[i] = ' '
	}
	c.left -= int64(len(p))
	c.read.Add(int64(len(p)))
	return len(p), nil
}

// idempotencyRows returns every stored idempotency row as text.
func idempotencyRows(t *testing.T, dsn string) []string {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+dsn+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rows, err := db.Query(`SELECT key, fingerprint, status, body, created_at FROM idempotency`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var key, fp, body, at string
		var status int
		if err := rows.Scan(&key, &fp, &status, &body, &at); err != nil {
			t.Fatal(err)
		}
		out = append(out, strings.Join([]string{key, fp, fmt.Sprint(status), body, at}, "|"))
	}
	return out
}

// TestAPICrossOriginCookiePostRefused (M1): a page on another origin
// cannot use a signed-in clerk's session cookie to post to the JSON API;
// the same post from the desk's own origin, and a bearer-token client that
// sends no browser headers, reach the handler.
func TestAPICrossOriginCookiePostRefused(t *testing.T) {
	e := newSecEnv(t)
	c := e.browser()
	e.signIn(c, auth.RoleIntakeClerk)
	post := func(ctype string, headers ...string) int {
		t.Helper()
		req, _ := http.NewRequest("POST", e.srv.URL+"/api/v1/requests", strings.NewReader(`{"patient":"nobody","received":"2026-03-01"}`))
		req.Header.Set("Content-Type", ctype)
		for i := 0; i+1 < len(headers); i += 2 {
			req.Header.Set(headers[i], headers[i+1])
		}
		resp, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return resp.StatusCode
	}
	for _, h := range [][]string{{"Sec-Fetch-Site", "cross-site"}, {"Origin", "https://evil.example"}} {
		for _, ctype := range []string{"text/plain", "application/json"} {
			if got := post(ctype, h...); got != http.StatusForbidden {
				t.Errorf("cross-site cookie post (%s, %s): %d, want 403", h[0], ctype, got)
			}
		}
	}
	// The desk's own origin reaches the handler: 404, there is no patient "nobody".
	if got := post("application/json", "Sec-Fetch-Site", "same-origin", "Origin", e.srv.URL); got != http.StatusNotFound {
		t.Errorf("same-origin cookie post: %d, want 404 from the handler", got)
	}
	// A script client with the bearer token and no browser headers works.
	tok := sessionOf(c, e.srv.URL)
	req, _ := http.NewRequest("POST", e.srv.URL+"/api/v1/requests", strings.NewReader(`{"patient":"nobody","received":"2026-03-01"}`))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+tok)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound {
		t.Errorf("bearer post: %d, want 404 from the handler", resp.StatusCode)
	}
}

// TestAPITextPlainRefused (M1): a JSON body sent as text/plain (what a
// cross-site form or fetch can send without a preflight) is 415; the
// same body as application/json is accepted.
func TestAPITextPlainRefused(t *testing.T) {
	a := newAPI(t)
	for _, ctype := range []string{"text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", ""} {
		status, out := a.do("POST", "/api/v1/requests", doorsIntake, "Content-Type", ctype)
		if status != http.StatusUnsupportedMediaType {
			t.Errorf("intake as %q: %d %v, want 415", ctype, status, out)
		}
	}
	// The refused posts created nothing: this is the first request.
	out := a.want(201, "POST", "/api/v1/requests", doorsIntake, "Content-Type", "application/json; charset=utf-8")
	if n := out["request"].(map[string]any)["number"]; n != "R-2026-000001" {
		t.Errorf("the accepted intake is %v: a refused post created a request", n)
	}
}

// TestIdempotencyAnonymousNotStoredNorRead (M4): an anonymous POST with
// an Idempotency-Key is refused before its body is read, and nothing is
// kept under its key.
func TestIdempotencyAnonymousNotStoredNorRead(t *testing.T) {
	e := newWebEnv(t, webSetup{SignIn: true, HandlerOnly: true})
	body := &countingReader{left: 5 << 20}
	req := httptest.NewRequest("POST", "/api/v1/requests", body)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Idempotency-Key", "anon-1")
	rec := httptest.NewRecorder()
	e.h.ServeHTTP(rec, req)
	if rec.Code != http.StatusUnauthorized {
		t.Fatalf("anonymous post: %d, want 401", rec.Code)
	}
	if n := body.read.Load(); n > 64<<10 {
		t.Errorf("an anonymous post had %d bytes of its body read, want at most 64 KiB", n)
	}
	if rows := idempotencyRows(t, e.dsn); len(rows) != 0 {
		t.Errorf("an anonymous post left %d idempotency rows", len(rows))
	}
}

// TestIdempotencyKeysPerUser (M4): a key is one user's: another user's
// request under the same key is a new request, while the same user
// reusing it for something else is still refused.
func TestIdempotencyKeysPerUser(t *testing.T) {
	a := newAPI(t)
	first := a.want(201, "POST", "/api/v1/requests", doorsIntake, "Idempotency-Key", "k-1")
	other := strings.Replace(doorsIntake, "2026-03-02", "2026-03-01", 1)
	second := a.want(201, "POST", "/api/v1/requests", other, "Idempotency-Key", "k-1", ActorHeader, "clerk.bo")
	if first["request"].(map[string]any)["id"] == second["request"].(map[string]any)["id"] {
		t.Error("the second user's intake was answered with the first user's request")
	}
	if status, _ := a.do("POST", "/api/v1/requests", other, "Idempotency-Key", "k-1"); status != http.StatusConflict {
		t.Errorf("the first user reusing the key for another body: %d, want 409", status)
	}
	again := a.want(201, "POST", "/api/v1/requests", doorsIntake, "Idempotency-Key", "k-1")
	if again["request"].(map[string]any)["id"] != first["request"].(map[string]any)["id"] {
		t.Error("the first user's retry was not replayed")
	}
}

// TestIdempotencyKeysExpire (M4): a key is kept for IdempotencyTTL; after
// that the same key is a new request.
func TestIdempotencyKeysExpire(t *testing.T) {
	a := newAPI(t)
	now := webTestNow()
	a.desk.SetClock(func() time.Time { return now })
	a.want(201, "POST", "/api/v1/requests", doorsIntake, "Idempotency-Key", "k-exp")
	other := strings.Replace(doorsIntake, "2026-03-02", "2026-03-01", 1)
	now = now.Add(IdempotencyTTL - time.Minute)
	if status, _ := a.do("POST", "/api/v1/requests", other, "Idempotency-Key", "k-exp"); status != http.StatusConflict {
		t.Errorf("within %v: %d, want 409", IdempotencyTTL, status)
	}
	now = now.Add(2 * time.Minute)
	a.want(201, "POST", "/api/v1/requests", other, "Idempotency-Key", "k-exp")
	if rows := idempotencyRows(t, a.dsn); len(rows) != 1 {
		t.Errorf("%d idempotency rows after expiry, want 1 (the expired one purged)", len(rows))
	}
}

// TestIdempotencyStoresNoPHI (M4): the kept rows hold neither the
// requester's name and e-mail nor the key as sent.
func TestIdempotencyStoresNoPHI(t *testing.T) {
	a := newAPI(t)
	const name, email = "Ottoline Brackenridge", "ottoline.brackenridge@example.org"
	in := `{"patient":"MRN-77","received":"2026-03-02","requester":{"kind":"patient","name":"` + name + `"},"basis":"access","delivery":"email","contact":"` + email + `"}`
	first := a.want(201, "POST", "/api/v1/requests", in, "Idempotency-Key", "intake-"+email)
	again := a.want(201, "POST", "/api/v1/requests", in, "Idempotency-Key", "intake-"+email)
	if first["request"].(map[string]any)["id"] != again["request"].(map[string]any)["id"] {
		t.Error("the retry was not replayed")
	}
	rows := idempotencyRows(t, a.dsn)
	if len(rows) != 1 {
		t.Fatalf("%d rows, want 1", len(rows))
	}
	for _, s := range []string{name, email, "Ottoline", "brackenridge", patientName, "MRN-77"} {
		if strings.Contains(strings.ToLower(rows[0]), strings.ToLower(s)) {
			t.Errorf("the kept row holds %q in the clear", s)
		}
	}
}

// TestTrustedProxyClientAddress (M2): behind a trusted proxy, twenty
// failures with made-up names from one address do not block a real user
// at another; the attacker's own address is blocked; without the setting
// a forged X-Forwarded-For changes nothing.
func TestTrustedProxyClientAddress(t *testing.T) {
	for _, trusted := range []bool{true, false} {
		t.Run(fmt.Sprintf("trusted=%v", trusted), func(t *testing.T) {
			setup := webSetup{SignIn: true, InsecureCookies: true}
			if trusted {
				setup.TrustedProxies = []string{"127.0.0.0/8"}
			}
			e := &secEnv{t: t, webEnv: newWebEnv(t, setup), secrets: map[auth.Role]string{}}
			if _, _, err := e.auth.AddUser(context.Background(), "clerk.real", "Real Clerk", auth.RoleIntakeClerk, secPassword); err != nil {
				t.Fatal(err)
			}
			c := e.browser()
			try := func(user, pw, from string) int {
				return e.form(c, "/login", url.Values{"username": {user}, "password": {pw}}, "X-Forwarded-For", from).StatusCode
			}
			for i := range auth.ClientMaxFailures {
				try(fmt.Sprintf("made-up-%02d", i), "guess", "203.0.113.9")
			}
			attacker := try("clerk.real", secPassword, "203.0.113.9")
			real := try("clerk.real", secPassword, "198.51.100.20")
			if trusted {
				if real != http.StatusSeeOther {
					t.Errorf("the real user behind the proxy: %d, want 303 (password step passed)", real)
				}
				if attacker == http.StatusSeeOther {
					t.Error("the attacker's own address was not limited")
				}
			} else if real == http.StatusSeeOther {
				t.Error("without trusted proxies, a forged X-Forwarded-For escaped the limit")
			}
		})
	}
}

// TestPortalCodeMailsLimited (issue #15): asking again and again for a
// download code sends CodeMailsPerToken e-mails, then is refused with
// 429; one address spraying made-up tokens is stopped too.
func TestPortalCodeMailsLimited(t *testing.T) {
	a := newAPI(t)
	smtp := sendtest.StartSMTP(t)
	a.desk.Mail = smtp.Client()
	a.desk.Org.PortalURL = a.srv.URL
	base, v := approveViaAPI(t, a, "email", patientEmail)
	a.want(200, "POST", base+"/release", `{"version":`+strconv.Itoa(v)+`}`)
	if worked, err := a.desk.Deliver(context.Background(), "test"); !worked || err != nil {
		t.Fatalf("deliver: %v %v", worked, err)
	}
	m := regexp.MustCompile(`/portal/download#([A-Za-z0-9_-]{20,})`).FindStringSubmatch(mailText(t, smtp.Messages()[0]))
	if m == nil {
		t.Fatal("no portal link in the notification")
	}
	token := m[1]
	for i := range CodeMailsPerToken {
		if r := a.portalPost("/portal/v1/code", url.Values{"token": {token}}); r.status != http.StatusAccepted {
			t.Fatalf("code request %d: %d %s", i+1, r.status, r.body)
		}
	}
	if r := a.portalPost("/portal/v1/code", url.Values{"token": {token}}); r.status != http.StatusTooManyRequests {
		t.Errorf("code request %d: %d, want 429", CodeMailsPerToken+1, r.status)
	}
	if n := len(smtp.Messages()); n != 1+CodeMailsPerToken {
		t.Errorf("%d messages, want the notification and %d codes", n, CodeMailsPerToken)
	}
	// The same address with made-up tokens: stopped at CodeMailsPerClient
	// requests in all.
	refused := 0
	for i := range CodeMailsPerClient {
		if r := a.portalPost("/portal/v1/code", url.Values{"token": {fmt.Sprintf("made-up-%d", i)}}); r.status == http.StatusTooManyRequests {
			refused++
		}
	}
	// The address has spent CodeMailsPerToken requests above (the refused
	// one is not counted), so the last CodeMailsPerToken are refused.
	if want := CodeMailsPerToken; refused != want {
		t.Errorf("%d of %d made-up token requests refused, want %d (the address's limit)", refused, CodeMailsPerClient, want)
	}
}

// TestPortalResendCodeLimited (issue #15): a submission's "send a new
// code" sends CodeMailsPerToken e-mails in the window (the first sent at
// submission counts as a send of the desk, not of the requester's
// button), then is refused with 429 in the requester's language.
func TestPortalResendCodeLimited(t *testing.T) {
	a := newAPI(t)
	smtp := sendtest.StartSMTP(t)
	a.desk.Mail = smtp.Client()
	form := url.Values{"patient_name": {patientName}, "birth_date": {"1986-10-15"}, "requester_kind": {"patient"},
		"requester_name": {patientName}, "email": {patientEmail}, "basis": {"access"}, "format": {"electronic"},
		"delivery": {"portal"}, "language": {"es"}}
	sub := a.portalPost("/portal/submit", form)
	token := regexp.MustCompile(`/portal/status#([A-Za-z0-9_-]+)`).FindSubmatch(sub.body)
	if sub.status != 200 || token == nil {
		t.Fatalf("submit: %d", sub.status)
	}
	sent := len(smtp.Messages())
	for i := range CodeMailsPerToken {
		if r := a.portalPost("/portal/resend", url.Values{"token": {string(token[1])}}); r.status != http.StatusOK {
			t.Fatalf("resend %d: %d", i+1, r.status)
		}
	}
	r := a.portalPost("/portal/resend", url.Values{"token": {string(token[1])}})
	if r.status != http.StatusTooManyRequests || !strings.Contains(string(r.body), "demasiados códigos") {
		t.Errorf("resend %d: %d, want 429 in Spanish", CodeMailsPerToken+1, r.status)
	}
	if n := len(smtp.Messages()) - sent; n != CodeMailsPerToken {
		t.Errorf("%d codes sent by the button, want %d", n, CodeMailsPerToken)
	}
}

// TestAnonymousJSONBodyBounded (M4): a JSON post from nobody signed in
// (the sign-in call) is refused once it passes a small limit, and the
// server reads little more than that.
func TestAnonymousJSONBodyBounded(t *testing.T) {
	e := newWebEnv(t, webSetup{SignIn: true, HandlerOnly: true})
	body := &countingReader{left: 5 << 20}
	req := httptest.NewRequest("POST", "/api/v1/session", body)
	req.Header.Set("Content-Type", "application/json")
	rec := httptest.NewRecorder()
	e.h.ServeHTTP(rec, req)
	if rec.Code != http.StatusRequestEntityTooLarge {
		t.Errorf("a 5 MiB anonymous sign-in body: %d, want 413", rec.Code)
	}
	if n := body.read.Load(); n > 64<<10 {
		t.Errorf("%d bytes of an anonymous body read, want at most 64 KiB", n)
	}
	// A real sign-in body is well within the limit.
	req = httptest.NewRequest("POST", "/api/v1/session", strings.NewReader(`{"username":"nobody","password":"not a password"}`))
	req.Header.Set("Content-Type", "application/json")
	rec = httptest.NewRecorder()
	e.h.ServeHTTP(rec, req)
	if rec.Code != http.StatusUnauthorized {
		t.Errorf("a small sign-in body: %d, want 401", rec.Code)
	}
}

// TestClientAddress: X-Forwarded-For is read only from a trusted proxy,
// from the right, skipping trusted hops; what the client wrote to the
// left of the first untrusted hop is never believed.
func TestClientAddress(t *testing.T) {
	trusted := []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("2001:db8::/32")}
	for _, tc := range []struct {
		remote, xff string
		trusted     []netip.Prefix
		want        string
	}{
		{"203.0.113.5:4000", "198.51.100.1", nil, "203.0.113.5"},             // no setting: the header is ignored
		{"203.0.113.5:4000", "198.51.100.1", trusted, "203.0.113.5"},         // not from a proxy: ignored
		{"10.0.0.2:4000", "198.51.100.1", trusted, "198.51.100.1"},           // one proxy
		{"10.0.0.2:4000", "6.6.6.6, 198.51.100.1", trusted, "198.51.100.1"},  // a forged hop on the left
		{"10.0.0.2:4000", "198.51.100.1, 10.0.0.9", trusted, "198.51.100.1"}, // two proxies
		{"10.0.0.2:4000", "", trusted, "10.0.0.2"},                           // no header
		{"10.0.0.2:4000", "garbage, 198.51.100.1", trusted, "198.51.100.1"},
		{"10.0.0.2:4000", "198.51.100.1, garbage", trusted, "10.0.0.2"}, // the proxy's own hop unreadable
		{"[2001:db8::1]:443", "2001:db8::2, 2606:4700::1", trusted, "2606:4700::1"},
		{"[::ffff:10.0.0.2]:4000", "198.51.100.1", trusted, "198.51.100.1"},
	} {
		r := httptest.NewRequest("GET", "/", nil)
		r.RemoteAddr = tc.remote
		if tc.xff != "" {
			r.Header.Set("X-Forwarded-For", tc.xff)
		}
		if got := clientAddress(r, tc.trusted); got != tc.want {
			t.Errorf("%s with X-Forwarded-For %q (trusted %v): %q, want %q", tc.remote, tc.xff, tc.trusted != nil, got, tc.want)
		}
	}
}

// TestPortalSubmitCodeMailsLimited: each portal submission with an e-mail
// address sends a code; from one client they count against the same
// window as the resend button, so the submit form cannot be used to flood
// mailboxes either.
func TestPortalSubmitCodeMailsLimited(t *testing.T) {
	a := newAPI(t)
	smtp := sendtest.StartSMTP(t)
	a.desk.Mail = smtp.Client()
	form := url.Values{"patient_name": {patientName}, "birth_date": {"1986-10-15"}, "requester_kind": {"patient"},
		"requester_name": {patientName}, "email": {patientEmail}, "basis": {"access"}, "format": {"electronic"},
		"delivery": {"portal"}, "language": {"en"}}
	for i := range CodeMailsPerClient {
		if r := a.portalPost("/portal/submit", form); r.status != http.StatusOK {
			t.Fatalf("submit %d: %d", i+1, r.status)
		}
	}
	sent := len(smtp.Messages())
	if r := a.portalPost("/portal/submit", form); r.status != http.StatusTooManyRequests {
		t.Errorf("submit %d: %d, want 429", CodeMailsPerClient+1, r.status)
	}
	if n := len(smtp.Messages()); n != sent || n != CodeMailsPerClient {
		t.Errorf("%d code e-mails after the refused submission, want %d", n, CodeMailsPerClient)
	}
}
