package main

import (
	"flag"
	"fmt"
	"os"
	"strings"

	"github.com/custodian-roi/custodian/internal/auth"
)

// oidcFlags are serve's single sign-on flags (docs/DEPLOYMENT.md), each
// with its environment variable. Without --oidc-issuer there is no single
// sign-on and the other flags are refused, so that a half-configured
// provider is noticed at start.
type oidcFlags struct {
	issuer, clientID, secretFile, redirect, scopes, name string
	usernameClaim, groupsClaim, roles, mfaAMR, mfaACR    string
	ssoOnly                                              bool
}

func (f *oidcFlags) register(fs *flag.FlagSet, getenv func(string) string) {
	fs.StringVar(&f.issuer, "oidc-issuer", getenv("CUSTODIAN_OIDC_ISSUER"), "single sign-on: the OpenID Connect provider's issuer URL (https); empty: local accounts only")
	fs.StringVar(&f.clientID, "oidc-client-id", getenv("CUSTODIAN_OIDC_CLIENT_ID"), "single sign-on: the client ID registered at the provider")
	fs.StringVar(&f.secretFile, "oidc-client-secret-file", getenv("CUSTODIAN_OIDC_CLIENT_SECRET_FILE"), "single sign-on: a file holding the client secret (never the secret itself on the command line)")
	fs.StringVar(&f.redirect, "oidc-redirect-url", getenv("CUSTODIAN_OIDC_REDIRECT_URL"), "single sign-on: the redirect URI registered at the provider (default: the public address + /login/oidc/callback)")
	fs.StringVar(&f.scopes, "oidc-scopes", or(getenv("CUSTODIAN_OIDC_SCOPES"), "profile,email"), "single sign-on: scopes to ask for besides openid, separated by commas (e.g. profile,email,groups)")
	fs.StringVar(&f.name, "oidc-name", getenv("CUSTODIAN_OIDC_NAME"), `single sign-on: the provider's name on the sign-in page ("Sign in with NAME"; default: the issuer's host)`)
	fs.StringVar(&f.usernameClaim, "oidc-username-claim", or(getenv("CUSTODIAN_OIDC_USERNAME_CLAIM"), "preferred_username"), "single sign-on: the claim naming a new account (one people cannot edit at the provider)")
	fs.StringVar(&f.groupsClaim, "oidc-groups-claim", or(getenv("CUSTODIAN_OIDC_GROUPS_CLAIM"), "groups"), "single sign-on: the claim holding the person's groups or roles")
	fs.StringVar(&f.roles, "oidc-roles", getenv("CUSTODIAN_OIDC_ROLES"), "single sign-on: group=role mappings separated by commas, in order: the first group a person has gives their role ("+roleList()+")")
	fs.StringVar(&f.mfaAMR, "oidc-mfa-amr", or(getenv("CUSTODIAN_OIDC_MFA_AMR"), strings.Join(auth.DefaultMFAAMR, ",")), "single sign-on: amr values (RFC 8176) meaning the provider checked a second factor, so the desk's TOTP step is skipped")
	fs.StringVar(&f.mfaACR, "oidc-mfa-acr", getenv("CUSTODIAN_OIDC_MFA_ACR"), "single sign-on: acr values meaning the provider checked a second factor (the provider's own names)")
	fs.BoolVar(&f.ssoOnly, "oidc-only", getenv("CUSTODIAN_OIDC_ONLY") == "true", "single sign-on: accounts linked to the provider may not sign in with a local password")
}

func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// build returns the sign-in at the provider for svc, nil without
// --oidc-issuer. publicURL is the desk's public address, for the default
// redirect URI.
func (f *oidcFlags) build(svc *auth.Service, publicURL string) (*auth.OIDC, error) {
	if f.issuer == "" {
		if f.clientID != "" || f.roles != "" || f.ssoOnly {
			return nil, fmt.Errorf("--oidc-client-id, --oidc-roles and --oidc-only need --oidc-issuer")
		}
		return nil, nil
	}
	secret := ""
	if f.secretFile != "" {
		b, err := os.ReadFile(f.secretFile)
		if err != nil {
			return nil, fmt.Errorf("--oidc-client-secret-file: cannot read it")
		}
		secret = strings.TrimSpace(string(b))
	}
	redirect := f.redirect
	if redirect == "" {
		redirect = strings.TrimRight(publicURL, "/") + "/login/oidc/callback"
	}
	roles, err := auth.ParseGroupRoles(f.roles)
	if err != nil {
		return nil, fmt.Errorf("--oidc-roles: %s", describe(err))
	}
	o, err := auth.NewOIDC(svc, auth.OIDCConfig{Name: f.name, Issuer: f.issuer, ClientID: f.clientID, ClientSecret: secret,
		RedirectURL: redirect, Scopes: splitList(f.scopes), UsernameClaim: f.usernameClaim, GroupsClaim: f.groupsClaim,
		GroupRoles: roles, MFAAMR: splitList(f.mfaAMR), MFAACR: splitList(f.mfaACR)})
	if err != nil {
		return nil, fmt.Errorf("--oidc-*: %s", describe(err))
	}
	svc.SSOOnly = f.ssoOnly
	return o, nil
}
