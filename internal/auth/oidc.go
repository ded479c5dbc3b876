package auth

// Single sign-on for staff with OpenID Connect (issue #16): the
// authorization code flow with PKCE, a state and a nonce, at an identity
// provider an administrator configured. The ID token is verified by
// github.com/coreos/go-oidc (signature against the provider's published
// keys, issuer, audience, expiry); the code is exchanged by
// golang.org/x/oauth2. Nothing here parses or checks a token by hand.
//
// What the desk takes from the provider, and why:
//   - the subject (sub) names the person: an account is linked to the
//     issuer and subject (store.Identity) at the first sign-in, by
//     provisioning a new account or linking the unlinked account of the
//     same user name, and found by that link ever after;
//   - the groups (GroupsClaim) give the role, at every sign-in: the first
//     of the administrator's GroupRoles the person has decides it, so a
//     group removed at the provider takes its role away at the next
//     sign-in; a person with no mapped group is refused (and their open
//     sessions end);
//   - amr and acr say whether the provider checked a second factor: only
//     then is the desk's own TOTP step skipped. Otherwise the sign-in
//     waits for the TOTP code exactly as a password sign-in does.
//
// Every outbound request goes to the issuer's host only (issuerOnly): the
// discovery document cannot send the desk's client secret, or anything
// else, elsewhere.

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/custodian-roi/custodian/internal/roi"
	"github.com/custodian-roi/custodian/internal/store"
)

// DefaultMFAAMR are the amr values (RFC 8176) taken as the provider having
// checked a second factor: "mfa" says so outright; the others are
// factors beyond a password (one-time password, hardware or software
// key, smart card). Biometrics and SMS are left out: a site that accepts
// them lists them in OIDCConfig.MFAAMR.
var DefaultMFAAMR = []string{"mfa", "otp", "hwk", "swk", "sc"}

// GroupRole maps a group (a value of the groups claim) to a role.
type GroupRole struct {
	Group string
	Role  Role
}

// OIDCConfig is a single sign-on provider as an administrator configures
// it (custodian serve --oidc-* flags, docs/DEPLOYMENT.md).
type OIDCConfig struct {
	// Name is the provider's name on the sign-in page: "Sign in with
	// <Name>".
	Name string
	// Issuer is the provider's issuer URL, exactly as its discovery
	// document and its tokens say it (https; http only on loopback).
	Issuer       string
	ClientID     string
	ClientSecret string
	// RedirectURL is the desk's callback, registered at the provider:
	// https://<public address>/login/oidc/callback.
	RedirectURL string
	// Scopes asked for besides openid (default: profile, email).
	Scopes []string
	// UsernameClaim is the claim that names a new account (default
	// preferred_username, then email). It must be one the provider
	// controls, not one people can edit: at the first sign-in an unlinked
	// account of that name is linked.
	UsernameClaim string
	// GroupsClaim holds the person's groups or roles (default "groups"):
	// an array of strings or one string.
	GroupsClaim string
	// GroupRoles in order: the first group the person has gives the role.
	GroupRoles []GroupRole
	// MFAAMR are the amr values that mean a second factor was checked
	// (default DefaultMFAAMR); MFAACR the acr values that do (none by
	// default: acr values are the provider's own).
	MFAAMR []string
	MFAACR []string
	// HTTPClient makes the requests to the provider (nil: one with a 15 s
	// timeout). It is wrapped so that it reaches the issuer's host only.
	HTTPClient *http.Client
}

// OIDC signs staff in at the configured provider. Its discovery document
// is read at the first sign-in and kept once read, so that a provider
// down when the desk starts delays only single sign-on.
type OIDC struct {
	cfg    OIDCConfig
	svc    *Service
	client *http.Client

	mu       sync.Mutex
	provider *oidc.Provider
}

// NewOIDC checks cfg and returns the sign-in at its provider for svc's
// accounts. It makes no request yet.
func NewOIDC(svc *Service, cfg OIDCConfig) (*OIDC, error) {
	iss, err := url.Parse(cfg.Issuer)
	if err != nil || iss.Host == "" || (iss.Scheme != "https" && !(iss.Scheme == "http" && loopbackHost(iss.Hostname()))) {
		return nil, roi.Errorf(roi.CodeInvalid, "The OpenID Connect issuer must be an https:// URL (http:// only on loopback).")
	}
	if cfg.ClientID == "" {
		return nil, roi.Errorf(roi.CodeInvalid, "The OpenID Connect client ID is required.")
	}
	red, err := url.Parse(cfg.RedirectURL)
	if err != nil || red.Host == "" || (red.Scheme != "https" && !(red.Scheme == "http" && loopbackHost(red.Hostname()))) {
		return nil, roi.Errorf(roi.CodeInvalid, "The OpenID Connect redirect URL must be an https:// URL (http:// only on loopback), ending in /login/oidc/callback.")
	}
	if len(cfg.GroupRoles) == 0 {
		return nil, roi.Errorf(roi.CodeInvalid, "Map at least one group to a role: nobody could sign in at the provider otherwise.")
	}
	for _, gr := range cfg.GroupRoles {
		if _, err := ParseRole(string(gr.Role)); err != nil {
			return nil, err
		}
	}
	if cfg.Name == "" {
		cfg.Name = iss.Hostname()
	}
	if cfg.UsernameClaim == "" {
		cfg.UsernameClaim = "preferred_username"
	}
	if cfg.GroupsClaim == "" {
		cfg.GroupsClaim = "groups"
	}
	if cfg.MFAAMR == nil {
		cfg.MFAAMR = DefaultMFAAMR
	}
	if cfg.Scopes == nil {
		cfg.Scopes = []string{"profile", "email"}
	}
	base := cfg.HTTPClient
	if base == nil {
		base = &http.Client{Timeout: 15 * time.Second}
	}
	client := *base
	rt := client.Transport
	if rt == nil {
		rt = http.DefaultTransport
	}
	client.Transport = issuerOnly{host: iss.Host, scheme: iss.Scheme, next: rt}
	return &OIDC{cfg: cfg, svc: svc, client: &client}, nil
}

func loopbackHost(h string) bool {
	if h == "localhost" {
		return true
	}
	ip := net.ParseIP(h)
	return ip != nil && ip.IsLoopback()
}

// Name is the provider's name for the sign-in page.
func (o *OIDC) Name() string { return o.cfg.Name }

// issuerOnly refuses any request that is not to the issuer's scheme and
// host: the discovery document names the other endpoints, and a wrong
// (or tampered) one must not make the desk call, or send its client
// secret, anywhere else.
type issuerOnly struct {
	host, scheme string
	next         http.RoundTripper
}

func (t issuerOnly) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.URL.Host != t.host || r.URL.Scheme != t.scheme {
		return nil, fmt.Errorf("auth: oidc: refused a request to %s://%s, not the issuer's host", r.URL.Scheme, r.URL.Host)
	}
	return t.next.RoundTrip(r)
}

func (o *OIDC) ctx(ctx context.Context) context.Context {
	return oidc.ClientContext(context.WithValue(ctx, oauth2.HTTPClient, o.client), o.client)
}

// discover reads the provider's discovery document once.
func (o *OIDC) discover(ctx context.Context) (*oidc.Provider, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.provider != nil {
		return o.provider, nil
	}
	p, err := oidc.NewProvider(o.ctx(ctx), o.cfg.Issuer)
	if err != nil {
		return nil, roi.WrapOp("auth.oidc-discover", roi.CodeInternal, err, "The identity provider cannot be reached; sign in with your local account or try again later.")
	}
	o.provider = p
	return p, nil
}

func (o *OIDC) oauth(p *oidc.Provider) *oauth2.Config {
	return &oauth2.Config{ClientID: o.cfg.ClientID, ClientSecret: o.cfg.ClientSecret, RedirectURL: o.cfg.RedirectURL,
		Endpoint: p.Endpoint(), Scopes: append([]string{oidc.ScopeOpenID}, o.cfg.Scopes...)}
}

// OIDCFlow is what a browser keeps between the redirect to the provider
// and the callback: the state (against cross-site requests), the nonce
// (binds the ID token to this sign-in) and the PKCE verifier (binds the
// code to it). The web layer keeps it in an HttpOnly cookie.
type OIDCFlow struct {
	State    string `json:"s"`
	Nonce    string `json:"n"`
	Verifier string `json:"v"`
}

// Encode is the flow as a cookie value.
func (f OIDCFlow) Encode() string {
	b, _ := json.Marshal(f)
	return base64.RawURLEncoding.EncodeToString(b)
}

// DecodeOIDCFlow reads a cookie value written by Encode.
func DecodeOIDCFlow(s string) (OIDCFlow, error) {
	var f OIDCFlow
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err == nil {
		err = json.Unmarshal(b, &f)
	}
	if err != nil || f.State == "" || f.Nonce == "" || f.Verifier == "" {
		return OIDCFlow{}, errFlow()
	}
	return f, nil
}

func errFlow() error {
	return roi.Errorf(roi.CodeUnauthenticated, "The sign-in at the identity provider could not be completed; start again.")
}

func randomString() (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("auth: oidc: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

// Begin starts a sign-in: the provider's authorization URL to send the
// browser to, and the flow for it to keep until the callback.
func (o *OIDC) Begin(ctx context.Context) (string, OIDCFlow, error) {
	p, err := o.discover(ctx)
	if err != nil {
		return "", OIDCFlow{}, err
	}
	var f OIDCFlow
	if f.State, err = randomString(); err != nil {
		return "", OIDCFlow{}, err
	}
	if f.Nonce, err = randomString(); err != nil {
		return "", OIDCFlow{}, err
	}
	f.Verifier = oauth2.GenerateVerifier()
	u := o.oauth(p).AuthCodeURL(f.State, oauth2.S256ChallengeOption(f.Verifier), oidc.Nonce(f.Nonce))
	return u, f, nil
}

// OIDCResult is a finished sign-in at the provider: a session (Token)
// when the provider asserted a second factor, else a pending sign-in
// (Pending) for VerifyTOTP, as after a password.
type OIDCResult struct {
	User    *store.User
	Token   string
	Pending string
	// IDToken is the provider's ID token as it came, verified: the hint
	// LogoutURL gives the provider when the person signs out.
	IDToken string
}

// LogoutURL is where to send the browser of someone who signed in at the
// provider and now signs out, so that the provider's session ends too (on
// a shared workstation the next person's "Sign in with …" would otherwise
// find the last person still signed in at the provider): the provider's
// end_session_endpoint (OpenID Connect RP-Initiated Logout 1.0) with this
// client's id, the ID token as a hint when there is one, and the desk's
// sign-in page to come back to (PostLogoutURL). "" when the provider
// advertises no end_session_endpoint.
func (o *OIDC) LogoutURL(ctx context.Context, idTokenHint string) (string, error) {
	p, err := o.discover(ctx)
	if err != nil {
		return "", err
	}
	var meta struct {
		EndSession string `json:"end_session_endpoint"`
	}
	if err := p.Claims(&meta); err != nil || meta.EndSession == "" {
		return "", nil
	}
	// The browser is sent only to the issuer's own host: the configured
	// issuer is the one site an administrator chose to trust.
	u, err := url.Parse(meta.EndSession)
	if err != nil || u.Scheme+"://"+u.Host != o.Origin() {
		return "", nil
	}
	q := u.Query()
	q.Set("client_id", o.cfg.ClientID)
	if idTokenHint != "" {
		q.Set("id_token_hint", idTokenHint)
	}
	if after := o.PostLogoutURL(); after != "" {
		q.Set("post_logout_redirect_uri", after)
	}
	u.RawQuery = q.Encode()
	return u.String(), nil
}

// Origin is the issuer's scheme and host, the one site the desk sends a
// browser to for signing in and out.
func (o *OIDC) Origin() string {
	u, err := url.Parse(o.cfg.Issuer)
	if err != nil {
		return ""
	}
	return u.Scheme + "://" + u.Host
}

// PostLogoutURL is the desk's sign-in page on the callback's host: where
// the provider sends the browser back after signing out, to be registered
// at the provider beside the callback.
func (o *OIDC) PostLogoutURL() string {
	u, err := url.Parse(o.cfg.RedirectURL)
	if err != nil || u.Host == "" {
		return ""
	}
	u.Path, u.RawQuery, u.Fragment = "/login", "", ""
	return u.String()
}

// claims are the ID token's claims the desk reads.
type claims struct {
	Subject string
	Name    string
	User    string
	Groups  []string
	AMR     []string
	ACR     string
}

// Finish completes a sign-in at the callback: state is the callback's
// state parameter, code its code, flow what the browser kept, client the
// caller's address. Every refusal is in the ledger (login-failed, with a
// reason and never a token) and is CodeUnauthenticated, or CodeForbidden
// for a person the desk does not let in (no mapped group, a disabled
// account).
func (o *OIDC) Finish(ctx context.Context, flow OIDCFlow, state, code, client string) (*OIDCResult, error) {
	o.svc.init()
	now := o.svc.now()
	if d, ok := o.svc.clients.reserve(client, now); !ok {
		return nil, errTooMany(d)
	}
	refuse := func(actor, reason string, err error) (*OIDCResult, error) {
		if aerr := o.svc.Store.Append(ctx, failedEvent(actor, "oidc: "+reason, client, o.svc.clients.full(client, now))); aerr != nil {
			return nil, aerr
		}
		return nil, err
	}
	if state == "" || subtle.ConstantTimeCompare([]byte(state), []byte(flow.State)) != 1 {
		return refuse("", "state", errFlow())
	}
	if code == "" {
		return refuse("", "no code", errFlow())
	}
	p, err := o.discover(ctx)
	if err != nil {
		return nil, err
	}
	cctx := o.ctx(ctx)
	tok, err := o.oauth(p).Exchange(cctx, code, oauth2.VerifierOption(flow.Verifier))
	if err != nil {
		return refuse("", "code exchange", roi.WrapOp("auth.oidc-exchange", roi.CodeUnauthenticated, err, errFlow().Error()))
	}
	raw, _ := tok.Extra("id_token").(string)
	if raw == "" {
		return refuse("", "no id token", errFlow())
	}
	v := p.Verifier(&oidc.Config{ClientID: o.cfg.ClientID, Now: o.svc.now})
	idt, err := v.Verify(cctx, raw)
	if err != nil {
		return refuse("", "id token", roi.WrapOp("auth.oidc-verify", roi.CodeUnauthenticated, err, errFlow().Error()))
	}
	// go-oidc checks that the client is among the audiences; with more
	// than one, the token must also have been issued to this client.
	var azp struct {
		AZP string `json:"azp"`
	}
	if err := idt.Claims(&azp); err != nil {
		return refuse("", "id token", errFlow())
	}
	if len(idt.Audience) > 1 && azp.AZP != o.cfg.ClientID {
		return refuse("", "id token audience", errFlow())
	}
	if subtle.ConstantTimeCompare([]byte(idt.Nonce), []byte(flow.Nonce)) != 1 {
		return refuse("", "nonce", errFlow())
	}
	c, err := o.claims(cctx, p, idt, tok)
	if err != nil {
		return refuse("", "claims", err)
	}
	role, ok := o.roleFor(c.Groups)
	linked, lerr := o.svc.Store.UserByIdentity(ctx, o.cfg.Issuer, c.Subject)
	if lerr != nil && roi.CodeOf(lerr) != roi.CodeNotFound {
		return nil, lerr
	}
	if !ok {
		actor := c.User
		if linked != nil {
			actor = linked.Username
			// Their groups no longer give a role here: whatever session
			// they still have ends now.
			if _, err := o.svc.Store.DeleteUserSessions(ctx, linked.ID); err != nil {
				return nil, err
			}
		}
		return refuse(actor, "no mapped group", roi.Errorf(roi.CodeForbidden,
			"Your account at %s is in no group that gives a role at this desk. Ask your administrator to add you to one.", o.cfg.Name))
	}
	mfa := o.assertsMFA(c)
	u := linked
	if u == nil {
		if u, err = o.link(ctx, c, role, mfa); err != nil {
			if code := roi.CodeOf(err); code == roi.CodeConflict || code == roi.CodeInvalid || code == roi.CodeForbidden {
				return refuse(c.User, "link", err)
			}
			return nil, err
		}
	}
	if u.Disabled {
		return refuse(u.Username, "disabled", roi.Errorf(roi.CodeForbidden, "This account is disabled; ask an administrator."))
	}
	token, hash, err := newToken()
	if err != nil {
		return nil, err
	}
	var locked time.Time
	err = o.svc.Store.UpdateUser(ctx, u.ID, func(su *store.User) ([]roi.Event, error) {
		var evs []roi.Event
		if su.LockedUntil.After(now) {
			locked = su.LockedUntil
			return []roi.Event{failedEvent(su.Username, "locked", client, o.svc.clients.full(client, now))}, nil
		}
		if su.Role != string(role) {
			evs = append(evs, roi.Event{Kind: roi.EventUserRoleChanged, Actor: su.Username,
				Body: roi.UserRoleChangedBody{Username: su.Username, From: su.Role, To: string(role), Source: "oidc"}})
			su.Role = string(role)
		}
		if mfa {
			su.Failed = 0
			evs = append(evs, roi.Event{Kind: roi.EventLogin, Actor: su.Username,
				Body: roi.LoginBody{Client: client, Session: hash[:12], Method: "oidc", MFA: "provider"}})
		}
		u = su
		return evs, nil
	})
	if err != nil {
		return nil, err
	}
	if !locked.IsZero() {
		return nil, errTooMany(locked.Sub(now))
	}
	o.svc.clients.undo(client, now)
	sess := &store.Session{TokenHash: hash, UserID: u.ID, MFA: mfa, Client: client, CreatedAt: now, LastSeen: now}
	if mfa {
		sess.ExpiresAt = now.Add(o.svc.maxAge())
	} else {
		sess.ExpiresAt = now.Add(PendingFor)
	}
	if err := o.svc.Store.CreateSession(ctx, sess); err != nil {
		return nil, err
	}
	if mfa {
		return &OIDCResult{User: u, Token: token, IDToken: raw}, nil
	}
	return &OIDCResult{User: u, Pending: token, IDToken: raw}, nil
}

// claims reads what the desk needs from the ID token. The user name,
// name and groups may be only at the userinfo endpoint (the ID token of
// a code flow need not carry profile claims), so they are asked for there
// when the token lacks them; amr and acr are taken from the ID token
// only, which is signed.
func (o *OIDC) claims(ctx context.Context, p *oidc.Provider, idt *oidc.IDToken, tok *oauth2.Token) (claims, error) {
	var all map[string]json.RawMessage
	if err := idt.Claims(&all); err != nil {
		return claims{}, errFlow()
	}
	if idt.Subject == "" {
		return claims{}, errFlow()
	}
	c := claims{Subject: idt.Subject, AMR: stringsClaim(all["amr"]), ACR: stringClaim(all["acr"])}
	_, hasGroups := all[o.cfg.GroupsClaim]
	if (!hasGroups || o.username(all) == "") && p.UserInfoEndpoint() != "" {
		info, err := p.UserInfo(ctx, oauth2.StaticTokenSource(tok))
		if err != nil {
			return claims{}, roi.WrapOp("auth.oidc-userinfo", roi.CodeUnauthenticated, err, errFlow().Error())
		}
		if info.Subject != idt.Subject {
			return claims{}, errFlow()
		}
		var ui map[string]json.RawMessage
		if err := info.Claims(&ui); err != nil {
			return claims{}, errFlow()
		}
		for k, v := range ui {
			if _, ok := all[k]; !ok && k != "amr" && k != "acr" {
				all[k] = v
			}
		}
	}
	c.Name = stringClaim(all["name"])
	c.User = o.username(all)
	c.Groups = stringsClaim(all[o.cfg.GroupsClaim])
	return c, nil
}

// username is the person's user name from the claims: UsernameClaim, or
// for the default preferred_username, the e-mail address if it is
// missing.
func (o *OIDC) username(all map[string]json.RawMessage) string {
	u := NormalizeUsername(stringClaim(all[o.cfg.UsernameClaim]))
	if u == "" && o.cfg.UsernameClaim == "preferred_username" {
		u = NormalizeUsername(stringClaim(all["email"]))
	}
	return u
}

func stringClaim(raw json.RawMessage) string {
	var s string
	if json.Unmarshal(raw, &s) != nil {
		return ""
	}
	return strings.TrimSpace(s)
}

// stringsClaim reads an array of strings, or one string (some providers
// write a single group, or space-separated values, that way).
func stringsClaim(raw json.RawMessage) []string {
	var ss []string
	if json.Unmarshal(raw, &ss) == nil {
		return ss
	}
	return strings.Fields(stringClaim(raw))
}

// roleFor is the role of the first of GroupRoles whose group is in groups.
func (o *OIDC) roleFor(groups []string) (Role, bool) {
	return RoleForGroups(o.cfg.GroupRoles, groups)
}

// RoleForGroups is the role of the first mapping whose group is in
// groups; false if none is.
func RoleForGroups(m []GroupRole, groups []string) (Role, bool) {
	for _, gr := range m {
		if slices.Contains(groups, gr.Group) {
			return gr.Role, true
		}
	}
	return "", false
}

func (o *OIDC) assertsMFA(c claims) bool {
	return AssertsMFA(c.AMR, c.ACR, o.cfg.MFAAMR, o.cfg.MFAACR)
}

// AssertsMFA says whether a provider that sent amr and acr checked a
// second factor: some amr value in mfaAMR, or acr in mfaACR.
func AssertsMFA(amr []string, acr string, mfaAMR, mfaACR []string) bool {
	for _, a := range amr {
		if slices.Contains(mfaAMR, a) {
			return true
		}
	}
	return acr != "" && slices.Contains(mfaACR, acr)
}

// link finds the account for a first sign-in: the unlinked account of
// the person's user name, else a new one, linked to the issuer and
// subject. A new account is made only when the provider asserted a
// second factor (mfa): it has no password anyone knows and a TOTP
// secret nobody holds, and the desk does not enrol one on first use, so
// without the provider's second factor the person could never finish
// signing in. Such a person's account is added beforehand by an
// administrator (custodian user add, which enrols TOTP) and linked here.
func (o *OIDC) link(ctx context.Context, c claims, role Role, mfa bool) (*store.User, error) {
	if !usernameRE.MatchString(c.User) {
		return nil, roi.Errorf(roi.CodeInvalid, "The identity provider sent no usable user name (claim %s); ask your administrator.", o.cfg.UsernameClaim)
	}
	u, err := o.svc.Store.UserByName(ctx, c.User)
	switch {
	case roi.CodeOf(err) == roi.CodeNotFound && !mfa:
		return nil, roi.Errorf(roi.CodeForbidden, "%s did not confirm a second factor, and this desk has no account for you yet: ask an administrator to add your account, with its authenticator, first.", o.cfg.Name)
	case roi.CodeOf(err) == roi.CodeNotFound:
		name := c.Name
		if name == "" {
			name = c.User
		}
		hash, err := unusablePassword()
		if err != nil {
			return nil, err
		}
		secret, _, err := NewTOTP(o.svc.issuer(), c.User)
		if err != nil {
			return nil, err
		}
		u = &store.User{Username: c.User, Name: name, Role: string(role), PasswordHash: hash, TOTPSecret: secret}
		ev := roi.Event{Kind: roi.EventUserAdded, Actor: "oidc", Body: roi.UserAddedBody{Username: c.User, Role: string(role)}}
		if err := o.svc.Store.AddUser(ctx, u, ev); err != nil {
			return nil, err
		}
	case err != nil:
		return nil, err
	}
	ev := roi.Event{Kind: roi.EventIdentityLinked, Actor: "oidc", Body: roi.IdentityLinkedBody{Username: u.Username, Issuer: o.cfg.Issuer}}
	if err := o.svc.Store.LinkIdentity(ctx, store.Identity{Issuer: o.cfg.Issuer, Subject: c.Subject, UserID: u.ID}, ev); err != nil {
		return nil, err
	}
	return u, nil
}

// unusablePassword is the hash of a random password nobody is told: an
// account made at a single sign-on has no local password until an
// administrator sets one.
func unusablePassword() (string, error) {
	p, err := randomString()
	if err != nil {
		return "", err
	}
	return HashPassword(p)
}

func (s *Service) issuer() string {
	if s.Issuer == "" {
		return "Custodian"
	}
	return s.Issuer
}

// ParseGroupRoles reads "group=role,group=role" (the --oidc-roles flag):
// the order is kept, and the first group a person has decides the role.
func ParseGroupRoles(s string) ([]GroupRole, error) {
	var out []GroupRole
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		i := strings.LastIndex(part, "=")
		if i <= 0 || i == len(part)-1 {
			return nil, roi.Errorf(roi.CodeInvalid, "%q is not group=role.", part)
		}
		r, err := ParseRole(strings.TrimSpace(part[i+1:]))
		if err != nil {
			return nil, err
		}
		out = append(out, GroupRole{Group: strings.TrimSpace(part[:i]), Role: r})
	}
	if len(out) == 0 {
		return nil, roi.Errorf(roi.CodeInvalid, "Map at least one group to a role (group=role).")
	}
	return out, nil
}
