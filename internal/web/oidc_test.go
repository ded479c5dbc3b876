package web

import (
	"bufio"
	"bytes"
	"context"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/custodian-roi/custodian/internal/auth"
	"github.com/custodian-roi/custodian/internal/roi"
	"github.com/custodian-roi/custodian/internal/store"
	"github.com/custodian-roi/custodian/internal/workflow"
)

// The single sign-on tests run the whole flow against a real OpenID
// Connect provider started here: custodian-oidc-provider, zitadel/oidc's
// provider built from .ci/oidc-provider (a module of its own; .ci/run
// installs it). They drive it as a browser would: an http.Client with a
// cookie jar follows Custodian's redirect to the provider, posts the
// provider's login form, and follows the provider back to the callback.

// oidcProviderPath finds the provider: $CUSTODIAN_OIDC_PROVIDER, else
// custodian-oidc-provider on PATH. Without it the tests skip, saying how
// to build it; under CI=true they fail.
func oidcProviderPath(t *testing.T) string {
	t.Helper()
	path := os.Getenv("CUSTODIAN_OIDC_PROVIDER")
	if path == "" {
		path, _ = exec.LookPath("custodian-oidc-provider")
	}
	if path == "" {
		msg := "the OpenID Connect test provider is not installed: run `cd .ci/oidc-provider && go install .` (puts custodian-oidc-provider in $GOBIN), or set CUSTODIAN_OIDC_PROVIDER to the binary"
		if os.Getenv("CI") == "true" {
			t.Fatal(msg + "; CI=true requires the single sign-on tests")
		}
		t.Skip(msg + "; skipping the single sign-on tests")
	}
	return path
}

// idpUser is a person at the test provider.
type idpUser struct {
	ID       string   `json:"id"`
	Username string   `json:"username"`
	Password string   `json:"password"`
	Email    string   `json:"email"`
	Name     string   `json:"name"`
	Groups   []string `json:"groups"`
	AMR      []string `json:"amr,omitempty"`
	ACR      string   `json:"acr,omitempty"`
}

type idpClient struct {
	ID            string   `json:"id"`
	Secret        string   `json:"secret"`
	RedirectGlobs []string `json:"redirect_globs"`
}

// testIDP is a running provider; setUsers rewrites its users (it reads
// them again at every lookup), as an administrator changes groups.
type testIDP struct {
	t       *testing.T
	issuer  string
	cfgPath string
	clients []idpClient
}

func (p *testIDP) setUsers(users ...idpUser) {
	p.t.Helper()
	b, err := json.Marshal(map[string]any{"clients": p.clients, "users": users})
	if err != nil {
		p.t.Fatal(err)
	}
	tmp := p.cfgPath + ".tmp"
	if err := os.WriteFile(tmp, b, 0o600); err != nil {
		p.t.Fatal(err)
	}
	if err := os.Rename(tmp, p.cfgPath); err != nil {
		p.t.Fatal(err)
	}
}

const (
	idpClientID = "custodian"
	idpSecret   = "custodian-test-secret"
)

func startIDP(t *testing.T, users ...idpUser) *testIDP {
	t.Helper()
	bin := oidcProviderPath(t)
	// The callback, and the sign-in page the provider returns to after
	// signing out (auth.OIDC.PostLogoutURL).
	globs := []string{"http://127.0.0.1:*/login/oidc/callback", "http://127.0.0.1:*/login"}
	p := &testIDP{t: t, cfgPath: filepath.Join(t.TempDir(), "idp.json"), clients: []idpClient{
		{ID: idpClientID, Secret: idpSecret, RedirectGlobs: globs},
		{ID: "other-app", Secret: "other-secret", RedirectGlobs: globs},
	}}
	p.setUsers(users...)
	cmd := exec.Command(bin, "-config", p.cfgPath)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
	})
	line := make(chan string, 1)
	go func() {
		s := bufio.NewScanner(out)
		if s.Scan() {
			line <- s.Text()
		}
		close(line)
		io.Copy(io.Discard, out)
	}()
	select {
	case l := <-line:
		iss, ok := strings.CutPrefix(l, "issuer ")
		if !ok {
			t.Fatalf("the provider said %q, not its issuer; stderr: %s", l, stderr.String())
		}
		p.issuer = iss
	case <-time.After(20 * time.Second):
		t.Fatalf("the provider did not start in 20 s; stderr: %s", stderr.String())
	}
	return p
}

// tokenTamper rewrites the id_token of the provider's token response on
// its way to Custodian, as an attacker between them (or a provider gone
// wrong) would: the desk must refuse what comes out.
type tokenTamper struct {
	mu      sync.Mutex
	rewrite func(idToken string) string
	seen    []string // every id_token the provider issued, untouched
}

// first is the first id_token seen. The transport runs in the server's
// goroutines: the lock orders it with the test's (the race detector
// does not see the order a socket gives).
func (tt *tokenTamper) first(t *testing.T) string {
	t.Helper()
	tt.mu.Lock()
	defer tt.mu.Unlock()
	if len(tt.seen) == 0 {
		t.Fatal("the provider issued no token through this desk")
	}
	return tt.seen[0]
}

func (tt *tokenTamper) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := http.DefaultTransport.RoundTrip(r)
	if err != nil || !strings.HasSuffix(r.URL.Path, "/oauth/token") || resp.StatusCode != http.StatusOK {
		return resp, err
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		return nil, err
	}
	var m map[string]any
	if err := json.Unmarshal(body, &m); err != nil {
		return nil, err
	}
	tt.mu.Lock()
	if s, ok := m["id_token"].(string); ok {
		tt.seen = append(tt.seen, s)
		if tt.rewrite != nil {
			m["id_token"] = tt.rewrite(s)
		}
	}
	tt.mu.Unlock()
	body, _ = json.Marshal(m)
	resp.Body = io.NopCloser(bytes.NewReader(body))
	resp.ContentLength = int64(len(body))
	resp.Header.Del("Content-Length")
	return resp, nil
}

// ssoEnv is a desk with real sign-in and single sign-on at idp.
func ssoEnv(t *testing.T, idp *testIDP, tamper *tokenTamper, clientID, secret string) *webEnv {
	t.Helper()
	return ssoEnvClock(t, idp, tamper, clientID, secret, nil)
}

// ssoEnvClock is ssoEnv with the desk's clock set (nil: the real one)
// before the server starts.
func ssoEnvClock(t *testing.T, idp *testIDP, tamper *tokenTamper, clientID, secret string, clock func() time.Time) *webEnv {
	t.Helper()
	var deskHook func(*workflow.Desk)
	if clock != nil {
		deskHook = func(d *workflow.Desk) { d.SetClock(clock) }
	}
	return newWebEnv(t, webSetup{SignIn: true, InsecureCookies: true, Desk: deskHook, OIDC: func(a *auth.Service) *auth.OIDC {
		hc := &http.Client{Timeout: 15 * time.Second}
		if tamper != nil {
			hc.Transport = tamper
		}
		o, err := auth.NewOIDC(a, auth.OIDCConfig{Name: "Test Hospital SSO", Issuer: idp.issuer, ClientID: clientID, ClientSecret: secret,
			// The redirect URL's port is the test server's, unknown
			// yet: the provider accepts any loopback port, and the
			// callback is rewritten below to this server's.
			RedirectURL: "http://127.0.0.1:1/login/oidc/callback",
			Scopes:      []string{"profile", "email"},
			GroupRoles: []auth.GroupRole{{Group: "roi-staff", Role: auth.RoleSpecialist},
				{Group: "privacy", Role: auth.RolePrivacyOfficer}, {Group: "auditors", Role: auth.RoleAuditor}},
			MFAACR:     []string{"urn:test:loa:2fa"},
			HTTPClient: hc})
		if err != nil {
			t.Fatal(err)
		}
		return o
	}})
}

// ssoBrowser is one person's browser: a cookie jar, following redirects,
// except that the provider's redirect to the callback port 1 (the
// placeholder in RedirectURL) is sent to the test server instead.
func ssoBrowser(t *testing.T, e *webEnv) *http.Client {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	srv, _ := url.Parse(e.srv.URL)
	return &http.Client{Jar: jar, Timeout: 30 * time.Second, Transport: redirectPort{host: srv.Host}}
}

type redirectPort struct{ host string }

func (rp redirectPort) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.URL.Host == "127.0.0.1:1" {
		r = r.Clone(r.Context())
		r.URL.Host, r.Host = rp.host, rp.host
	}
	return http.DefaultTransport.RoundTrip(r)
}

var providerFormID = regexp.MustCompile(`name="id" value="([^"]+)"`)

// ssoSignIn runs the flow in c up to and including the provider's login
// form, and returns the last response: the desk's page after the
// callback (and its redirects).
func ssoSignIn(t *testing.T, e *webEnv, c *http.Client, username, password string) (*http.Response, string) {
	t.Helper()
	resp, err := c.Get(e.srv.URL + "/login/oidc")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	m := providerFormID.FindSubmatch(body)
	if m == nil {
		t.Fatalf("no login form at the provider (%s, %d): %.300s", resp.Request.URL, resp.StatusCode, body)
	}
	form := url.Values{"id": {string(m[1])}, "username": {username}, "password": {password}}
	login := *resp.Request.URL
	login.Path, login.RawQuery = "/login/username", ""
	resp, err = c.PostForm(login.String(), form)
	if err != nil {
		t.Fatal(err)
	}
	body, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	return resp, string(body)
}

// signedIn says whether c holds a session: the queue answers, not the
// sign-in page.
func signedIn(t *testing.T, e *webEnv, c *http.Client) bool {
	t.Helper()
	resp, err := c.Get(e.srv.URL + "/")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode == http.StatusOK && resp.Request.URL.Path == "/"
}

// ledgerOf returns the entries of kind, bodies decoded into maps.
func ledgerOf(t *testing.T, e *webEnv, kind roi.EventKind) []map[string]any {
	t.Helper()
	es, err := e.store.Ledger(context.Background(), store.LedgerFilter{Kind: kind})
	if err != nil {
		t.Fatal(err)
	}
	var out []map[string]any
	for _, en := range es {
		m := map[string]any{"actor": en.Actor}
		if err := json.Unmarshal(en.Body, &m); err != nil {
			t.Fatal(err)
		}
		m["actor"] = en.Actor
		out = append(out, m)
	}
	return out
}

func hasEntry(entries []map[string]any, want map[string]any) bool {
	for _, e := range entries {
		ok := true
		for k, v := range want {
			if e[k] != v {
				ok = false
			}
		}
		if ok {
			return true
		}
	}
	return false
}

var (
	dana  = idpUser{ID: "sub-dana", Username: "dana", Password: "pw-dana", Email: "dana@hospital.test", Name: "Dana Reyes", Groups: []string{"roi-staff"}, AMR: []string{"pwd", "mfa"}}
	erin  = idpUser{ID: "sub-erin", Username: "erin", Password: "pw-erin", Name: "Erin Moss", Groups: []string{"roi-staff"}}
	olaf  = idpUser{ID: "sub-olaf", Username: "olaf", Password: "pw-olaf", Name: "Olaf Berg", Groups: []string{"cafeteria"}, AMR: []string{"pwd", "mfa"}}
	acrly = idpUser{ID: "sub-acr", Username: "ari", Password: "pw-ari", Name: "Ari Acr", Groups: []string{"auditors"}, ACR: "urn:test:loa:2fa"}
)

// TestSSOSignIn: a person whose provider asserted a second factor lands
// signed in with the role of their group, provisioned and linked; a
// person without one goes through the desk's TOTP step (and is not
// signed in before it); a person in no mapped group is refused with a
// clear page and a ledger entry.
func TestSSOSignIn(t *testing.T) {
	idp := startIDP(t, dana, erin, olaf, acrly)
	e := ssoEnv(t, idp, nil, idpClientID, idpSecret)

	// The sign-in page offers the provider.
	resp, err := http.Get(e.srv.URL + "/login")
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(page), `href="/login/oidc"`) || !strings.Contains(string(page), "Sign in with Test Hospital SSO") {
		t.Errorf("the sign-in page does not offer single sign-on: %.400s", page)
	}

	t.Run("mfa asserted", func(t *testing.T) {
		c := ssoBrowser(t, e)
		resp, _ := ssoSignIn(t, e, c, dana.Username, dana.Password)
		if resp.StatusCode != http.StatusOK || resp.Request.URL.Path != "/" {
			t.Fatalf("after the provider: %d at %s, want the queue", resp.StatusCode, resp.Request.URL.Path)
		}
		if !signedIn(t, e, c) {
			t.Fatal("not signed in after single sign-on with mfa")
		}
		u, err := e.store.UserByName(context.Background(), "dana")
		if err != nil {
			t.Fatalf("no account provisioned: %v", err)
		}
		if u.Role != string(auth.RoleSpecialist) || u.Name != "Dana Reyes" {
			t.Errorf("provisioned %q as %q, want Dana Reyes as %s", u.Name, u.Role, auth.RoleSpecialist)
		}
		linked, err := e.store.UserByIdentity(context.Background(), idp.issuer, dana.ID)
		if err != nil || linked.ID != u.ID {
			t.Errorf("the identity is not linked to the account: %v", err)
		}
		if !hasEntry(ledgerOf(t, e, roi.EventLogin), map[string]any{"actor": "dana", "method": "oidc", "mfa": "provider"}) {
			t.Error("no login entry with method oidc and mfa by the provider")
		}
		if !hasEntry(ledgerOf(t, e, roi.EventIdentityLinked), map[string]any{"username": "dana", "issuer": idp.issuer}) {
			t.Error("no identity-linked entry")
		}
		// Signing out is recorded as for a local session.
		before := len(ledgerOf(t, e, roi.EventLogout))
		resp, err = c.PostForm(e.srv.URL+"/logout", nil)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if signedIn(t, e, c) {
			t.Error("still signed in after signing out")
		}
		if got := len(ledgerOf(t, e, roi.EventLogout)); got != before+1 {
			t.Errorf("%d logout entries after signing out, want %d", got, before+1)
		}
		// A second sign-in finds the same account by its link.
		c2 := ssoBrowser(t, e)
		ssoSignIn(t, e, c2, dana.Username, dana.Password)
		if !signedIn(t, e, c2) {
			t.Error("the second sign-in failed")
		}
		if n := len(ledgerOf(t, e, roi.EventUserAdded)); n != 1 {
			t.Errorf("%d accounts added after two sign-ins of one person, want 1", n)
		}
	})

	t.Run("acr listed by the administrator", func(t *testing.T) {
		c := ssoBrowser(t, e)
		ssoSignIn(t, e, c, acrly.Username, acrly.Password)
		if !signedIn(t, e, c) {
			t.Fatal("an acr the administrator listed did not skip the TOTP step")
		}
		u, _ := e.store.UserByName(context.Background(), "ari")
		if u == nil || u.Role != string(auth.RoleAuditor) {
			t.Errorf("ari's role: %+v, want auditor", u)
		}
	})

	t.Run("no mfa, no account: refused", func(t *testing.T) {
		// The desk makes no account it could never finish signing in to
		// (no second factor from the provider, no authenticator enrolled).
		c := ssoBrowser(t, e)
		resp, body := ssoSignIn(t, e, c, erin.Username, erin.Password)
		if resp.StatusCode != http.StatusForbidden || !strings.Contains(body, "did not confirm a second factor") {
			t.Errorf("status %d: %.500s", resp.StatusCode, body)
		}
		if _, err := e.store.UserByName(context.Background(), "erin"); roi.CodeOf(err) != roi.CodeNotFound {
			t.Errorf("an account was made without a second factor: %v", err)
		}
		if signedIn(t, e, c) {
			t.Error("signed in")
		}
	})

	t.Run("no mfa: TOTP follows", func(t *testing.T) {
		// Added by an administrator (TOTP enrolled), linked at the first
		// single sign-on.
		if _, _, err := e.auth.AddUser(context.Background(), "erin", "Erin Moss", auth.RoleIntakeClerk, "a long local passphrase 42"); err != nil {
			t.Fatal(err)
		}
		c := ssoBrowser(t, e)
		resp, _ := ssoSignIn(t, e, c, erin.Username, erin.Password)
		if resp.Request.URL.Path != "/login/code" {
			t.Fatalf("after the provider without mfa: at %s, want /login/code", resp.Request.URL.Path)
		}
		if signedIn(t, e, c) {
			t.Fatal("signed in before the TOTP code")
		}
		if hasEntry(ledgerOf(t, e, roi.EventLogin), map[string]any{"actor": "erin"}) {
			t.Error("a login entry before the TOTP code")
		}
		u, err := e.store.UserByName(context.Background(), "erin")
		if err != nil {
			t.Fatal(err)
		}
		// A wrong code does not sign in.
		resp, err = c.PostForm(e.srv.URL+"/login/code", url.Values{"code": {"000000"}})
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if signedIn(t, e, c) {
			t.Fatal("signed in with a wrong code")
		}
		code, err := auth.TOTPCode(u.TOTPSecret, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		resp, err = c.PostForm(e.srv.URL+"/login/code", url.Values{"code": {code}})
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if !signedIn(t, e, c) {
			t.Fatal("not signed in after the right code")
		}
	})

	t.Run("no mapped group", func(t *testing.T) {
		c := ssoBrowser(t, e)
		resp, body := ssoSignIn(t, e, c, olaf.Username, olaf.Password)
		if resp.StatusCode != http.StatusForbidden {
			t.Errorf("status %d, want 403", resp.StatusCode)
		}
		if !strings.Contains(body, "in no group that gives a role at this desk") || !strings.Contains(body, `role="alert"`) {
			t.Errorf("the refusal does not say why: %.600s", body)
		}
		if signedIn(t, e, c) {
			t.Error("signed in without a mapped group")
		}
		if _, err := e.store.UserByName(context.Background(), "olaf"); roi.CodeOf(err) != roi.CodeNotFound {
			t.Errorf("an account was provisioned for a person with no role: %v", err)
		}
		if !hasEntry(ledgerOf(t, e, roi.EventLoginFailed), map[string]any{"actor": "olaf", "reason": "oidc: no mapped group"}) {
			t.Error("no login-failed entry for the refusal")
		}
	})
}

// TestSSORolesFollowProvider: the role is the provider's at every
// sign-in; a group removed there takes the role (and the open session)
// away at the next.
func TestSSORolesFollowProvider(t *testing.T) {
	gwen := idpUser{ID: "sub-gwen", Username: "gwen", Password: "pw-gwen", Name: "Gwen Hart", Groups: []string{"roi-staff"}, AMR: []string{"mfa"}}
	idp := startIDP(t, gwen)
	e := ssoEnv(t, idp, nil, idpClientID, idpSecret)
	role := func() string {
		u, err := e.store.UserByName(context.Background(), "gwen")
		if err != nil {
			t.Fatal(err)
		}
		return u.Role
	}
	first := ssoBrowser(t, e)
	ssoSignIn(t, e, first, gwen.Username, gwen.Password)
	if got := role(); got != string(auth.RoleSpecialist) {
		t.Fatalf("role %q, want %s", got, auth.RoleSpecialist)
	}

	// Moved to the privacy office at the provider.
	gwen.Groups = []string{"privacy"}
	idp.setUsers(gwen)
	c := ssoBrowser(t, e)
	ssoSignIn(t, e, c, gwen.Username, gwen.Password)
	if got := role(); got != string(auth.RolePrivacyOfficer) {
		t.Errorf("after the group changed: role %q, want %s", got, auth.RolePrivacyOfficer)
	}
	if !hasEntry(ledgerOf(t, e, roi.EventUserRoleChanged), map[string]any{"username": "gwen", "from": string(auth.RoleSpecialist),
		"to": string(auth.RolePrivacyOfficer), "source": "oidc"}) {
		t.Error("no user-role-changed entry")
	}

	// Every group removed: refused, and the open session ends.
	if !signedIn(t, e, first) {
		t.Fatal("the first session ended early")
	}
	gwen.Groups = nil
	idp.setUsers(gwen)
	resp, _ := ssoSignIn(t, e, ssoBrowser(t, e), gwen.Username, gwen.Password)
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("with no group: status %d, want 403", resp.StatusCode)
	}
	if signedIn(t, e, first) || signedIn(t, e, c) {
		t.Error("a session of a person with no mapped group lives on")
	}
}

// TestSSOLinksLocalAccount: a local account of the same user name is
// linked at the first sign-in, not duplicated; with SSOOnly its password
// no longer signs in, and without it, it still does.
func TestSSOLinksLocalAccount(t *testing.T) {
	lee := idpUser{ID: "sub-lee", Username: "lee", Password: "pw-lee", Name: "Lee Park", Groups: []string{"roi-staff"}, AMR: []string{"mfa"}}
	idp := startIDP(t, lee)
	e := ssoEnv(t, idp, nil, idpClientID, idpSecret)
	ctx := context.Background()
	const pw = "correct horse battery staple 7"
	local, _, err := e.auth.AddUser(ctx, "lee", "Lee Park", auth.RoleIntakeClerk, pw)
	if err != nil {
		t.Fatal(err)
	}
	c := ssoBrowser(t, e)
	ssoSignIn(t, e, c, lee.Username, lee.Password)
	if !signedIn(t, e, c) {
		t.Fatal("not signed in")
	}
	linked, err := e.store.UserByIdentity(ctx, idp.issuer, lee.ID)
	if err != nil || linked.ID != local.ID {
		t.Fatalf("the local account was not linked: %v", err)
	}
	if linked.Role != string(auth.RoleSpecialist) {
		t.Errorf("role %q, want the provider's %s", linked.Role, auth.RoleSpecialist)
	}
	if _, err := e.auth.Login(ctx, "lee", pw, "192.0.2.1"); err != nil {
		t.Errorf("without SSOOnly the local password should still work: %v", err)
	}
	e.auth.SSOOnly = true
	if _, err := e.auth.Login(ctx, "lee", pw, "192.0.2.2"); roi.CodeOf(err) != roi.CodeUnauthenticated {
		t.Errorf("with SSOOnly a linked account's password signed in: %v", err)
	}
	if !hasEntry(ledgerOf(t, e, roi.EventLoginFailed), map[string]any{"actor": "lee", "reason": "single sign-on only"}) {
		t.Error("no login-failed entry for the refused password")
	}
}

// b64 is JWT base64.
var b64 = base64.RawURLEncoding

func jwtParts(t *testing.T, tok string) (header, payload map[string]any) {
	t.Helper()
	parts := strings.Split(tok, ".")
	if len(parts) != 3 {
		t.Fatalf("not a JWS: %d parts", len(parts))
	}
	for i, dst := range []*map[string]any{&header, &payload} {
		b, err := b64.DecodeString(parts[i])
		if err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(b, dst); err != nil {
			t.Fatal(err)
		}
	}
	return header, payload
}

func jwtEncode(t *testing.T, header, payload map[string]any) string {
	t.Helper()
	h, _ := json.Marshal(header)
	p, _ := json.Marshal(payload)
	return b64.EncodeToString(h) + "." + b64.EncodeToString(p)
}

// TestSSORefusesBadTokens: an ID token that is unsigned, signed by
// another key, issued to another client, expired, or for another
// sign-in (nonce), and a callback whose state is not the browser's, are
// all refused; the same flow untouched signs in (so the refusals are the
// tampering's).
func TestSSORefusesBadTokens(t *testing.T) {
	idp := startIDP(t, dana)
	forger, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	refused := func(t *testing.T, e *webEnv, reason string) {
		t.Helper()
		c := ssoBrowser(t, e)
		resp, body := ssoSignIn(t, e, c, dana.Username, dana.Password)
		if resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("status %d, want 401: %.300s", resp.StatusCode, body)
		}
		if !strings.Contains(body, "could not be completed") {
			t.Errorf("the page does not say the sign-in failed: %.500s", body)
		}
		if signedIn(t, e, c) {
			t.Error("signed in with a bad token")
		}
		if !hasEntry(ledgerOf(t, e, roi.EventLoginFailed), map[string]any{"reason": "oidc: " + reason}) {
			t.Errorf("no login-failed entry with reason %q: %v", reason, ledgerOf(t, e, roi.EventLoginFailed))
		}
		if strings.Contains(e.logs.String(), "eyJ") {
			t.Error("a token reached the log")
		}
	}

	t.Run("untouched", func(t *testing.T) {
		e := ssoEnv(t, idp, &tokenTamper{}, idpClientID, idpSecret)
		c := ssoBrowser(t, e)
		ssoSignIn(t, e, c, dana.Username, dana.Password)
		if !signedIn(t, e, c) {
			t.Fatal("the untouched flow does not sign in: the refusals below would prove nothing")
		}
	})
	t.Run("unsigned", func(t *testing.T) {
		e := ssoEnv(t, idp, &tokenTamper{rewrite: func(tok string) string {
			h, p := jwtParts(t, tok)
			h["alg"] = "none"
			return jwtEncode(t, h, p) + "."
		}}, idpClientID, idpSecret)
		refused(t, e, "id token")
	})
	t.Run("forged signature", func(t *testing.T) {
		e := ssoEnv(t, idp, &tokenTamper{rewrite: func(tok string) string {
			h, p := jwtParts(t, tok)
			p["groups"] = []string{"roi-staff", "privacy"} // what a forger would want
			signing := jwtEncode(t, h, p)
			sum := sha256.Sum256([]byte(signing))
			sig, err := rsa.SignPKCS1v15(rand.Reader, forger, crypto.SHA256, sum[:])
			if err != nil {
				t.Fatal(err)
			}
			return signing + "." + b64.EncodeToString(sig)
		}}, idpClientID, idpSecret)
		refused(t, e, "id token")
	})
	t.Run("wrong audience", func(t *testing.T) {
		// A genuine token of the same provider, issued to another
		// application (another desk signs in as "other-app" first).
		other := &tokenTamper{}
		eo := ssoEnv(t, idp, other, "other-app", "other-secret")
		oc := ssoBrowser(t, eo)
		ssoSignIn(t, eo, oc, dana.Username, dana.Password)
		otherToken := other.first(t)
		_, p := jwtParts(t, otherToken)
		if fmt.Sprint(p["aud"]) != "[other-app]" && p["aud"] != "other-app" {
			t.Fatalf("the other token's audience is %v", p["aud"])
		}
		e := ssoEnv(t, idp, &tokenTamper{rewrite: func(string) string { return otherToken }}, idpClientID, idpSecret)
		refused(t, e, "id token")
	})
	t.Run("expired", func(t *testing.T) {
		// The provider's tokens live an hour; the desk's clock is two
		// hours ahead.
		e := ssoEnvClock(t, idp, nil, idpClientID, idpSecret, func() time.Time { return time.Now().Add(2 * time.Hour) })
		refused(t, e, "id token")
	})
	t.Run("another sign-in's token", func(t *testing.T) {
		// A genuine token for this client, but from an earlier sign-in:
		// its nonce is not this flow's.
		rec := &tokenTamper{}
		e := ssoEnv(t, idp, rec, idpClientID, idpSecret)
		ssoSignIn(t, e, ssoBrowser(t, e), dana.Username, dana.Password)
		old := rec.first(t)
		rec.mu.Lock()
		rec.rewrite = func(string) string { return old }
		rec.mu.Unlock()
		refused(t, e, "nonce")
	})
	t.Run("state", func(t *testing.T) {
		e := ssoEnv(t, idp, nil, idpClientID, idpSecret)
		c := ssoBrowser(t, e)
		c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
		resp, err := c.Get(e.srv.URL + "/login/oidc")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		to, err := url.Parse(resp.Header.Get("Location"))
		if err != nil || to.Query().Get("state") == "" || to.Query().Get("code_challenge_method") != "S256" || to.Query().Get("nonce") == "" {
			t.Fatalf("the redirect to the provider lacks state, nonce or PKCE: %s", resp.Header.Get("Location"))
		}
		resp, err = c.Get(e.srv.URL + "/login/oidc/callback?state=not-the-one&code=x")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("a callback with another state: %d, want 401", resp.StatusCode)
		}
		if !hasEntry(ledgerOf(t, e, roi.EventLoginFailed), map[string]any{"reason": "oidc: state"}) {
			t.Error("no login-failed entry for the wrong state")
		}
	})
}

// TestSSOSignOutAtProvider: signing out of a session begun at the provider
// signs out there too — the browser goes to the provider's
// end_session_endpoint with this client's id, the ID token as a hint and
// the desk's sign-in page to come back to, and the real provider accepts
// all three and sends it back — so the next person at a shared workstation
// is not signed in as the last. The pages let their forms lead there
// (form-action); once signed out, signing out again stays at the desk.
func TestSSOSignOutAtProvider(t *testing.T) {
	idp := startIDP(t, dana)
	e := ssoEnv(t, idp, nil, idpClientID, idpSecret)
	iss, _ := url.Parse(idp.issuer)
	c := ssoBrowser(t, e)
	ssoSignIn(t, e, c, dana.Username, dana.Password)
	if !signedIn(t, e, c) {
		t.Fatal("not signed in after single sign-on")
	}
	resp, err := c.Get(e.srv.URL + "/")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if csp := resp.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "form-action 'self' "+iss.Scheme+"://"+iss.Host+";") {
		t.Errorf("the queue's CSP does not let the sign-out form lead to the provider: %s", csp)
	}

	var visited []*url.URL
	c.CheckRedirect = func(req *http.Request, via []*http.Request) error {
		visited = append(visited, req.URL)
		return nil
	}
	resp, err = c.PostForm(e.srv.URL+"/logout", nil)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	var endSession *url.URL
	for _, u := range visited {
		if u.Host == iss.Host && endSession == nil {
			endSession = u
		}
	}
	if endSession == nil {
		t.Fatalf("signing out never went to the provider: %v", visited)
	}
	q := endSession.Query()
	if q.Get("client_id") != idpClientID || q.Get("id_token_hint") == "" || q.Get("post_logout_redirect_uri") != "http://127.0.0.1:1/login" {
		t.Errorf("end session request %s lacks the client, the hint or the way back", endSession)
	}
	if resp.StatusCode != http.StatusOK || resp.Request.URL.Path != "/login" || resp.Request.URL.Host == iss.Host || !strings.Contains(string(body), `action="/login"`) {
		t.Errorf("after signing out: %d at %s, want the desk's sign-in page (the provider refused?) %.300s", resp.StatusCode, resp.Request.URL, body)
	}
	if signedIn(t, e, c) {
		t.Error("still signed in at the desk after signing out")
	}

	// The mark went with the session: signing out again stays here.
	visited = nil
	resp, err = c.PostForm(e.srv.URL+"/logout", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	for _, u := range visited {
		if u.Host == iss.Host {
			t.Errorf("a second sign-out went to the provider: %s", u)
		}
	}
}
