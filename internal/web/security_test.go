package web

import (
	"bytes"
	"context"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/custodian-roi/custodian/internal/auth"
	"github.com/custodian-roi/custodian/internal/roi"
	"github.com/custodian-roi/custodian/internal/store"
	"github.com/custodian-roi/custodian/internal/workflow"
)

// secEnv is a server with real sign-in (session cookies without Secure,
// for the cookie jar on plain-HTTP loopback) and one staff account for
// each of the intake clerk and the specialist.
type secEnv struct {
	t *testing.T
	*webEnv
	secrets map[auth.Role]string
}

const secPassword = "a long enough passphrase"

func newSecEnv(t *testing.T) *secEnv {
	t.Helper()
	ctx := context.Background()
	e := &secEnv{t: t, webEnv: newWebEnv(t, webSetup{SignIn: true, InsecureCookies: true}), secrets: map[auth.Role]string{}}
	for _, role := range []auth.Role{auth.RoleIntakeClerk, auth.RoleSpecialist} {
		u, _, err := e.auth.AddUser(ctx, string(role), string(role), role, secPassword)
		if err != nil {
			t.Fatal(err)
		}
		e.secrets[role] = u.TOTPSecret
	}
	return e
}

// browser is a client with a cookie jar that does not follow redirects.
func (e *secEnv) browser() *http.Client {
	jar, _ := cookiejar.New(nil)
	return &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

func (e *secEnv) form(c *http.Client, path string, v url.Values, headers ...string) *http.Response {
	e.t.Helper()
	req, _ := http.NewRequest("POST", e.srv.URL+path, strings.NewReader(v.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := c.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp
}

func (e *secEnv) get(c *http.Client, path string) *http.Response {
	e.t.Helper()
	resp, err := c.Get(e.srv.URL + path)
	if err != nil {
		e.t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp
}

func sessionOf(c *http.Client, base string) string {
	u, _ := url.Parse(base)
	for _, ck := range c.Jar.Cookies(u) {
		if ck.Name == "custodian_session" {
			return ck.Value
		}
	}
	return ""
}

// signIn signs role in through the pages and returns the session cookie.
func (e *secEnv) signIn(c *http.Client, role auth.Role) string {
	e.t.Helper()
	if r := e.form(c, "/login", url.Values{"username": {string(role)}, "password": {secPassword}}); r.StatusCode != http.StatusSeeOther {
		e.t.Fatalf("password step: %d", r.StatusCode)
	}
	code, _ := auth.TOTPCode(e.secrets[role], time.Now())
	if r := e.form(c, "/login/code", url.Values{"code": {code}}); r.StatusCode != http.StatusSeeOther {
		e.t.Fatalf("code step: %d", r.StatusCode)
	}
	return sessionOf(c, e.srv.URL)
}

// TestSessionFixation: a session value planted before sign-in is not the
// session after it, is worth nothing on its own, and a session ends at
// sign-out.
func TestSessionFixation(t *testing.T) {
	e := newSecEnv(t)
	c := e.browser()
	u, _ := url.Parse(e.srv.URL)
	c.Jar.SetCookies(u, []*http.Cookie{{Name: "custodian_session", Value: "attacker-chosen-value", Path: "/"}})
	if r := e.get(c, "/"); r.StatusCode != http.StatusSeeOther || r.Header.Get("Location") != "/login" {
		t.Fatalf("a planted session value opened the queue: %d", r.StatusCode)
	}
	tok := e.signIn(c, auth.RoleIntakeClerk)
	if tok == "" || tok == "attacker-chosen-value" {
		t.Fatalf("the session after sign-in is %q", tok)
	}
	if r := e.get(c, "/"); r.StatusCode != http.StatusOK {
		t.Fatalf("queue after sign-in: %d", r.StatusCode)
	}
	// Signing in again gives a new session; the first still ends at its
	// own sign-out only.
	if r := e.form(c, "/logout", nil, "Origin", e.srv.URL); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("logout: %d", r.StatusCode)
	}
	stale := e.browser()
	stale.Jar.SetCookies(u, []*http.Cookie{{Name: "custodian_session", Value: tok, Path: "/"}})
	if r := e.get(stale, "/"); r.StatusCode != http.StatusSeeOther {
		t.Errorf("a signed-out session still opens the queue: %d", r.StatusCode)
	}
}

// TestCrossSiteRequestsRefused: a signed-in clerk's browser, tricked by
// another site into posting a state change, is refused; the same post
// from the desk's own pages works.
func TestCrossSiteRequestsRefused(t *testing.T) {
	e := newSecEnv(t)
	c := e.browser()
	e.signIn(c, auth.RoleIntakeClerk)
	v := url.Values{"version": {"1"}, "assignee": {"mallory"}}
	for _, h := range [][]string{{"Sec-Fetch-Site", "cross-site"}, {"Origin", "https://evil.example"}} {
		if r := e.form(c, "/requests/1/assign", v, h...); r.StatusCode != http.StatusForbidden {
			t.Errorf("cross-site post with %s: %d, want 403", h[0], r.StatusCode)
		}
		if r := e.form(c, "/logout", nil, h...); r.StatusCode != http.StatusForbidden {
			t.Errorf("cross-site logout with %s: %d, want 403", h[0], r.StatusCode)
		}
	}
	// Same origin reaches the handler (404: there is no request 1).
	if r := e.form(c, "/requests/1/assign", v, "Sec-Fetch-Site", "same-origin", "Origin", e.srv.URL); r.StatusCode != http.StatusNotFound {
		t.Errorf("same-origin post: %d, want 404 from the handler", r.StatusCode)
	}
}

// TestDownloadPathsAndSizes: download routes take opaque numeric IDs
// only, a packet is served only under its own request, static files stay
// in their directory, and oversized uploads are refused.
func TestDownloadPathsAndSizes(t *testing.T) {
	e := newSecEnv(t)
	c := e.browser()
	e.signIn(c, auth.RoleSpecialist)
	for _, p := range []string{
		"/api/v1/requests/1/documents/..%2F..%2Fetc%2Fpasswd",
		"/api/v1/requests/1/documents/-1",
		"/api/v1/requests/1/packets/1%2F..%2F2",
		"/api/v1/requests/../../etc/passwd",
		"/static/../templates/layout.html",
		"/static/..%2Ftemplates%2Flayout.html",
		"/static/%2e%2e/pages.go",
	} {
		r := e.get(c, p)
		if r.StatusCode == http.StatusOK {
			t.Errorf("GET %s answered 200", p)
		}
	}
	// A packet of another request is not found.
	ctx := context.Background()
	pid, _, err := e.store.ImportChart(ctx, roi.PatientRecord{FHIRID: "p1", Name: "Pat Example", BirthDate: roi.MakeDate(1980, 1, 1)}, nil, nil, "import")
	if err != nil {
		t.Fatal(err)
	}
	var ids []roi.RequestID
	for i := 0; i < 2; i++ {
		r, err := e.desk.Intake(ctx, "clerk", workflow.Intake{PatientID: pid, Request: roi.Request{Received: e.desk.Today(),
			Requester: roi.Requester{Kind: roi.KindPatient, Name: "Pat Example " + strconv.Itoa(i)}, Basis: roi.BasisAccess}, Contact: "x", Delivery: roi.DeliveryMail})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, r.ID)
	}
	r0, _ := e.store.Request(ctx, ids[0])
	if _, err := e.store.UpdateRequest(ctx, ids[0], r0.Version, func(_ *roi.DeskRequest, tx *store.Tx) error {
		return tx.AddPacket(&roi.PacketRecord{PacketID: "P-1", SHA256: "aa", PlainSHA256: "bb", Pages: 1, Manifest: []byte(`{}`), CreatedBy: "x"}, []byte("%PDF"))
	}); err != nil {
		t.Fatal(err)
	}
	if r := e.get(c, "/api/v1/requests/"+strconv.Itoa(int(ids[0]))+"/packets/1"); r.StatusCode != http.StatusOK {
		t.Errorf("the packet under its own request: %d", r.StatusCode)
	}
	if r := e.get(c, "/api/v1/requests/"+strconv.Itoa(int(ids[1]))+"/packets/1"); r.StatusCode != http.StatusNotFound {
		t.Errorf("the packet under another request: %d, want 404", r.StatusCode)
	}

	// An upload over 20 MiB is refused and stores nothing.
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	mw.WriteField("version", "1")
	fw, _ := mw.CreateFormFile("file", "big.pdf")
	fw.Write([]byte("%PDF-1.7\n"))
	fw.Write(bytes.Repeat([]byte("x"), workflow.MaxDocumentBytes+1))
	mw.Close()
	req, _ := http.NewRequest("POST", e.srv.URL+"/api/v1/requests/"+strconv.Itoa(int(ids[1]))+"/documents", &buf)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Origin", e.srv.URL)
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusRequestEntityTooLarge {
		t.Errorf("oversized upload: %d, want 413", resp.StatusCode)
	}
	if docs, _ := e.store.Documents(ctx, ids[1]); len(docs) != 0 {
		t.Errorf("an oversized upload stored %d documents", len(docs))
	}
}

// TestBruteForceSignIn: guessing passwords over HTTP from one address
// slows that address (429, even with the right password), without
// locking the account against its owner elsewhere (issue #15, M2).
func TestBruteForceSignIn(t *testing.T) {
	e := newSecEnv(t)
	c := e.browser()
	for i := 0; i < auth.MaxFailures; i++ {
		if r := e.form(c, "/login", url.Values{"username": {string(auth.RoleIntakeClerk)}, "password": {"guess number " + strconv.Itoa(i)}}); r.StatusCode != http.StatusUnauthorized {
			t.Errorf("guess %d: %d, want 401", i, r.StatusCode)
		}
	}
	r := e.form(c, "/login", url.Values{"username": {string(auth.RoleIntakeClerk)}, "password": {secPassword}})
	if r.StatusCode != http.StatusTooManyRequests {
		t.Fatalf("the right password from the guessing address: %d, want 429", r.StatusCode)
	}
	es, err := e.store.Ledger(context.Background(), store.LedgerFilter{Kind: "account-locked"})
	if err != nil || len(es) != 0 {
		t.Errorf("account-locked entries: %d %v, want none", len(es), err)
	}
}
