package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/custodian-roi/custodian/internal/auth"
)

// TestServeOIDCFlags: half or wrong single sign-on configurations stop
// serve (exit 2) naming what is wrong, before it listens; the secret is
// read from its file and never echoed.
func TestServeOIDCFlags(t *testing.T) {
	secret := filepath.Join(t.TempDir(), "secret")
	if err := os.WriteFile(secret, []byte("s3cret-value\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	base := []string{"serve", "--addr", "127.0.0.1:0", "--public-url", "https://records.example.org"}
	for _, c := range []struct {
		name  string
		args  []string
		wants string
	}{
		{"client without issuer", []string{"--oidc-client-id", "custodian"}, "need --oidc-issuer"},
		{"no roles", []string{"--oidc-issuer", "https://login.example.org", "--oidc-client-id", "custodian"}, "--oidc-roles"},
		{"unknown role", []string{"--oidc-issuer", "https://login.example.org", "--oidc-client-id", "custodian", "--oidc-roles", "staff=boss"}, "boss"},
		{"http issuer", []string{"--oidc-issuer", "http://login.example.org", "--oidc-client-id", "custodian", "--oidc-roles", "staff=auditor"}, "https"},
		{"no client", []string{"--oidc-issuer", "https://login.example.org", "--oidc-roles", "staff=auditor"}, "client ID"},
		{"missing secret file", []string{"--oidc-issuer", "https://login.example.org", "--oidc-client-id", "c", "--oidc-roles", "staff=auditor",
			"--oidc-client-secret-file", filepath.Join(t.TempDir(), "none")}, "--oidc-client-secret-file"},
	} {
		args := append(append([]string{}, base...), "--data", t.TempDir())
		code, out, errs := runCmd(t, "", append(args, c.args...)...)
		if code != 2 || !strings.Contains(errs, c.wants) || strings.Contains(out, "listening") || strings.Contains(errs, "s3cret") {
			t.Errorf("%s: exit %d, stdout %q, stderr %q (want exit 2 naming %q)", c.name, code, out, errs, c.wants)
		}
	}
	// A good configuration builds; --oidc-only reaches the sign-in service.
	svc := &auth.Service{}
	f := oidcFlags{issuer: "https://login.example.org", clientID: "c", secretFile: secret, roles: "staff=auditor", scopes: "profile,email", ssoOnly: true}
	o, err := f.build(svc, "https://records.example.org/")
	if err != nil || o == nil {
		t.Fatalf("a good configuration: %v", err)
	}
	if o.Name() != "login.example.org" || !svc.SSOOnly {
		t.Errorf("name %q, SSOOnly %v", o.Name(), svc.SSOOnly)
	}
	// No issuer, nothing else: no single sign-on, no error.
	if o, err := (&oidcFlags{}).build(&auth.Service{}, "https://records.example.org"); o != nil || err != nil {
		t.Errorf("unconfigured: %v, %v", o, err)
	}
}
