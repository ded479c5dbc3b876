package auth

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/custodian-roi/custodian/internal/roi"
)

// The protocol itself is tested end to end against a real provider in
// internal/web (oidc_test.go); these are the rules around it.

func TestParseGroupRoles(t *testing.T) {
	got, err := ParseGroupRoles(" roi-staff=roi-specialist, CN=Privacy Office=privacy-officer ,auditors=auditor")
	if err != nil {
		t.Fatal(err)
	}
	// The last "=" splits, so a group name may hold "=" (an LDAP-style
	// name without commas); the order is kept.
	want := []GroupRole{{"roi-staff", RoleSpecialist}, {"CN=Privacy Office", RolePrivacyOfficer}, {"auditors", RoleAuditor}}
	if len(got) != len(want) {
		t.Fatalf("got %+v, want %+v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("mapping %d: %+v, want %+v", i, got[i], want[i])
		}
	}
	// A distinguished name with commas cannot be written (commas split
	// mappings): it is refused, not mangled into another mapping.
	if _, err := ParseGroupRoles("CN=Privacy,OU=Groups=privacy-officer"); roi.CodeOf(err) != roi.CodeInvalid {
		t.Errorf("a group with commas: %v, want invalid", err)
	}
	for _, bad := range []string{"", "roi-staff", "=roi-specialist", "roi-staff=", "roi-staff=boss"} {
		if _, err := ParseGroupRoles(bad); roi.CodeOf(err) != roi.CodeInvalid {
			t.Errorf("ParseGroupRoles(%q): %v, want invalid", bad, err)
		}
	}
	got, err = ParseGroupRoles("a=auditor, b=roi-specialist")
	if err != nil || len(got) != 2 || got[0] != (GroupRole{"a", RoleAuditor}) || got[1] != (GroupRole{"b", RoleSpecialist}) {
		t.Errorf("got %+v, %v", got, err)
	}
}

func TestRoleForGroups(t *testing.T) {
	m := []GroupRole{{"privacy", RolePrivacyOfficer}, {"roi-staff", RoleSpecialist}}
	for _, c := range []struct {
		groups []string
		want   Role
		ok     bool
	}{
		{[]string{"roi-staff"}, RoleSpecialist, true},
		{[]string{"roi-staff", "privacy"}, RolePrivacyOfficer, true}, // the administrator's order decides
		{[]string{"cafeteria"}, "", false},
		{nil, "", false},
		{[]string{"ROI-STAFF"}, "", false}, // groups are compared exactly
	} {
		got, ok := RoleForGroups(m, c.groups)
		if got != c.want || ok != c.ok {
			t.Errorf("RoleForGroups(%v) = %q, %v; want %q, %v", c.groups, got, ok, c.want, c.ok)
		}
	}
}

func TestAssertsMFA(t *testing.T) {
	acr := []string{"urn:example:loa:2"}
	for _, c := range []struct {
		amr  []string
		acr  string
		want bool
	}{
		{[]string{"pwd", "mfa"}, "", true},
		{[]string{"pwd", "otp"}, "", true},
		{[]string{"hwk"}, "", true},
		{[]string{"pwd"}, "", false},
		{nil, "", false},
		{[]string{"pwd"}, "urn:example:loa:2", true},
		{[]string{"pwd"}, "urn:example:loa:1", false},
		{[]string{"MFA"}, "", false}, // RFC 8176 values are case-sensitive
	} {
		if got := AssertsMFA(c.amr, c.acr, DefaultMFAAMR, acr); got != c.want {
			t.Errorf("AssertsMFA(%v, %q) = %v, want %v", c.amr, c.acr, got, c.want)
		}
	}
}

func TestNewOIDCChecksConfig(t *testing.T) {
	ok := OIDCConfig{Issuer: "https://login.example.org/tenant/v2.0", ClientID: "custodian",
		RedirectURL: "https://records.example.org/login/oidc/callback", GroupRoles: []GroupRole{{"roi", RoleSpecialist}}}
	o, err := NewOIDC(&Service{}, ok)
	if err != nil {
		t.Fatalf("a good configuration: %v", err)
	}
	if o.Name() != "login.example.org" {
		t.Errorf("default name %q, want the issuer's host", o.Name())
	}
	for name, mut := range map[string]func(c *OIDCConfig){
		"http issuer":       func(c *OIDCConfig) { c.Issuer = "http://login.example.org/" },
		"no issuer":         func(c *OIDCConfig) { c.Issuer = "" },
		"no client":         func(c *OIDCConfig) { c.ClientID = "" },
		"http redirect":     func(c *OIDCConfig) { c.RedirectURL = "http://records.example.org/login/oidc/callback" },
		"no roles":          func(c *OIDCConfig) { c.GroupRoles = nil },
		"unknown role":      func(c *OIDCConfig) { c.GroupRoles = []GroupRole{{"x", "boss"}} },
		"relative redirect": func(c *OIDCConfig) { c.RedirectURL = "/login/oidc/callback" },
	} {
		c := ok
		mut(&c)
		if _, err := NewOIDC(&Service{}, c); roi.CodeOf(err) != roi.CodeInvalid {
			t.Errorf("%s: %v, want invalid", name, err)
		}
	}
	loop := ok
	loop.Issuer, loop.RedirectURL = "http://127.0.0.1:5556/dex", "http://127.0.0.1:8080/login/oidc/callback"
	if _, err := NewOIDC(&Service{}, loop); err != nil {
		t.Errorf("http on loopback (development): %v", err)
	}
}

// TestIssuerOnly: the provider's client reaches the issuer's host and
// nothing else, whatever a discovery document names.
func TestIssuerOnly(t *testing.T) {
	var hits atomic.Int32 // counted in the server's goroutines
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { hits.Add(1) }))
	defer srv.Close()
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { t.Error("a request reached another host") }))
	defer other.Close()
	o, err := NewOIDC(&Service{}, OIDCConfig{Issuer: srv.URL, ClientID: "c", RedirectURL: "http://127.0.0.1/login/oidc/callback",
		GroupRoles: []GroupRole{{"g", RoleAuditor}}})
	if err != nil {
		t.Fatal(err)
	}
	if resp, err := o.client.Get(srv.URL + "/keys"); err != nil {
		t.Errorf("the issuer's host: %v", err)
	} else {
		resp.Body.Close()
	}
	_, err = o.client.Get(other.URL + "/token")
	if err == nil || !strings.Contains(err.Error(), "not the issuer's host") {
		t.Errorf("another host: %v, want refused", err)
	}
	if n := hits.Load(); n != 1 {
		t.Errorf("%d requests reached the issuer, want 1", n)
	}
}

func TestOIDCFlowCookie(t *testing.T) {
	f := OIDCFlow{State: "s", Nonce: "n", Verifier: "v"}
	g, err := DecodeOIDCFlow(f.Encode())
	if err != nil || g != f {
		t.Fatalf("round trip: %+v, %v", g, err)
	}
	for _, bad := range []string{"", "not base64!", OIDCFlow{State: "s"}.Encode()} {
		if _, err := DecodeOIDCFlow(bad); roi.CodeOf(err) != roi.CodeUnauthenticated {
			t.Errorf("DecodeOIDCFlow(%q): %v", bad, err)
		}
	}
}
