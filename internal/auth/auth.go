// Package auth signs staff in and says what each may do.
//
// Every account has a role (role.go: one matrix of permissions), a
// password kept as an argon2id hash (password.go) and a TOTP second factor
// (totp.go), always enrolled. Signing in takes two steps: Login checks the
// password and returns a short-lived pending token that grants nothing;
// VerifyTOTP checks the code and returns a new session token. Only the
// SHA-256 of a token is stored.
//
// Failures slow the address that makes them, not the account (issue #15,
// M2): MaxFailures failed steps in a row on one account from one address
// pass at once, after which each attempt from that address waits a
// growing delay (DelayBase doubling up to MaxDelay); the owner signing in
// from elsewhere is not slowed. Only AccountLockFailures failed steps in
// a row on one account, from anywhere, lock it for LockFor, and that
// lock is an alert: a ledger entry and Service.Alert. Failures are also
// counted per client address, to stop one address trying many accounts.
// Every limit counts an attempt before the password is hashed, so
// concurrent guesses cannot all be checked.
// Every failure, lockout, sign-in and sign-out goes to the ledger, with
// the user name as actor and never the password or the code.
package auth

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/custodian-roi/custodian/internal/ledger"
	"github.com/custodian-roi/custodian/internal/roi"
	"github.com/custodian-roi/custodian/internal/store"
)

// The sign-in limits.
const (
	// MaxFailures failed steps in a row on one account from one address
	// are answered at once; each further attempt from that address waits
	// DelayBase, doubling with every failure up to MaxDelay. A full
	// sign-in, or DelayForget without failures, starts again.
	MaxFailures = 5
	DelayBase   = 30 * time.Second
	MaxDelay    = 15 * time.Minute
	DelayForget = 24 * time.Hour
	// AccountLockFailures failed steps in a row on one account, from any
	// addresses, lock it for LockFor, with an alert to administrators.
	AccountLockFailures = 20
	LockFor             = 15 * time.Minute
	// PendingFor is how long a pending token waits for its TOTP code.
	PendingFor = 5 * time.Minute
	// ClientMaxFailures failures from one client within ClientWindow
	// refuse that client until the oldest of them is ClientWindow old.
	ClientMaxFailures = 20
	ClientWindow      = 15 * time.Minute
	// Defaults of Service.IdleTimeout (HIPAA automatic logoff) and
	// Service.MaxAge.
	DefaultIdleTimeout = 15 * time.Minute
	DefaultMaxAge      = 12 * time.Hour
	// touchEvery is how often a session's last-seen time is written.
	touchEvery = time.Minute
)

// Service signs staff in and out. The zero values of Issuer, IdleTimeout
// and MaxAge mean "Custodian", DefaultIdleTimeout and DefaultMaxAge. The
// time is the store's clock, the desk's one clock, so that a session's
// expiry and the ledger entry of its sign-in never disagree. A Service
// must not be copied after first use.
type Service struct {
	Store       *store.Store
	Issuer      string // shown in the authenticator app
	IdleTimeout time.Duration
	MaxAge      time.Duration

	// Alert, if set, is told of every account lock (AccountLockFailures
	// failures in a row): someone is guessing at that account from many
	// addresses, and an administrator should look. The ledger holds the
	// account-locked entry either way.
	Alert func(ctx context.Context, username string, until time.Time)

	// SSOOnly refuses a local password for an account linked to an
	// identity provider (oidc.go): its people sign in there, where
	// leaving the organization ends their access.
	SSOOnly bool

	once    sync.Once
	clients *limiter  // failures per client address
	names   *limiter  // failures per user name that names no account
	pairs   *throttle // failures per account (or name) and address
}

func (s *Service) init() {
	s.once.Do(func() {
		s.clients = newLimiter(ClientMaxFailures, ClientWindow)
		s.names = newLimiter(AccountLockFailures, LockFor)
		s.pairs = newThrottle(MaxFailures, DelayBase, MaxDelay, DelayForget)
	})
}

func (s *Service) now() time.Time {
	if s.Store != nil && s.Store.Now != nil {
		return s.Store.Now()
	}
	return time.Now()
}

func (s *Service) idle() time.Duration {
	if s.IdleTimeout > 0 {
		return s.IdleTimeout
	}
	return DefaultIdleTimeout
}

func (s *Service) maxAge() time.Duration {
	if s.MaxAge > 0 {
		return s.MaxAge
	}
	return DefaultMaxAge
}

func errWrong() error {
	return roi.Errorf(roi.CodeUnauthenticated, "The user name, password or code is not right.")
}

func errTooMany(d time.Duration) error {
	m := int((d + time.Minute - 1) / time.Minute)
	if m <= 1 {
		return roi.Errorf(roi.CodeRateLimited, "Too many attempts; try again in 1 minute.")
	}
	return roi.Errorf(roi.CodeRateLimited, "Too many attempts; try again in %d minutes.", m)
}

func errSignIn() error {
	return roi.Errorf(roi.CodeUnauthenticated, "Please sign in.")
}

var usernameRE = regexp.MustCompile(`^[a-z0-9][a-z0-9._@-]{1,63}$`)

// NormalizeUsername is how user names are compared: trimmed, lower case.
func NormalizeUsername(s string) string { return strings.ToLower(strings.TrimSpace(s)) }

// AddUser creates an account with its password and a new TOTP secret, and
// returns the otpauth:// URL to enroll an authenticator app: every staff
// account has a second factor. username is normalized; a taken one is
// CodeConflict; a bad role, name or password is CodeInvalid naming the rule.
func (s *Service) AddUser(ctx context.Context, username, name string, role Role, password string) (*store.User, string, error) {
	username = NormalizeUsername(username)
	if !usernameRE.MatchString(username) {
		return nil, "", roi.Errorf(roi.CodeInvalid, "A user name is 2 to 64 characters: lower-case letters, digits, dots, dashes, underscores and @, starting with a letter or digit.")
	}
	name = strings.TrimSpace(name)
	if name == "" {
		return nil, "", roi.Errorf(roi.CodeInvalid, "The person's name is required.")
	}
	if _, err := ParseRole(string(role)); err != nil {
		return nil, "", err
	}
	if err := CheckPolicy(password, username); err != nil {
		return nil, "", err
	}
	hash, err := HashPassword(password)
	if err != nil {
		return nil, "", err
	}
	issuer := s.Issuer
	if issuer == "" {
		issuer = "Custodian"
	}
	secret, url, err := NewTOTP(issuer, username)
	if err != nil {
		return nil, "", err
	}
	u := &store.User{Username: username, Name: name, Role: string(role), PasswordHash: hash, TOTPSecret: secret}
	ev := roi.Event{Kind: roi.EventUserAdded, Actor: "system", Body: roi.UserAddedBody{Username: username, Role: string(role)}}
	if err := s.Store.AddUser(ctx, u, ev); err != nil {
		return nil, "", err
	}
	return u, url, nil
}

// Disable stops username from signing in and ends its sessions.
func (s *Service) Disable(ctx context.Context, username string) error {
	u, err := s.Store.UserByName(ctx, NormalizeUsername(username))
	if err != nil {
		return err
	}
	err = s.Store.UpdateUser(ctx, u.ID, func(u *store.User) ([]roi.Event, error) {
		u.Disabled = true
		return []roi.Event{{Kind: roi.EventUserDisabled, Actor: "system", Body: roi.UserDisabledBody{Username: u.Username}}}, nil
	})
	if err != nil {
		return err
	}
	_, err = s.Store.DeleteUserSessions(ctx, u.ID)
	return err
}

// checkPassword is CheckPassword; a test counts the hashes through it.
var checkPassword = CheckPassword

// dummy is a hash of nothing anyone types, checked for user names that
// name no account so that they cost the same time as a real one.
var dummy struct {
	mu     sync.Mutex
	params argonParams
	phc    string
}

func dummyHash() string {
	dummy.mu.Lock()
	defer dummy.mu.Unlock()
	if dummy.phc == "" || dummy.params != params {
		dummy.phc, _ = HashPassword("\x00 no account \x00")
		dummy.params = params
	}
	return dummy.phc
}

func newToken() (token, hash string, err error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", "", fmt.Errorf("auth: token: %w", err)
	}
	token = base64.RawURLEncoding.EncodeToString(b)
	return token, hashToken(token), nil
}

func hashToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// failedEvent is the ledger event of a failed step. It names the account
// (empty when the name named none: what was typed may be a password) and
// the client, never what was typed.
func failedEvent(actor, reason, client string, clientLimited bool) roi.Event {
	return roi.Event{Kind: roi.EventLoginFailed, Actor: actor,
		Body: roi.LoginFailedBody{Reason: reason, Client: client, ClientLimited: clientLimited}}
}

// countFailure counts one failed step on u, locking it at MaxFailures, and
// returns the events and the end of the lock if it locked.
func countFailure(u *store.User, now time.Time, reason, client string, clientLimited bool) ([]roi.Event, time.Time) {
	evs := []roi.Event{failedEvent(u.Username, reason, client, clientLimited)}
	u.Failed++
	if u.Failed < AccountLockFailures {
		return evs, time.Time{}
	}
	u.Failed = 0
	u.LockedUntil = now.Add(LockFor)
	evs = append(evs, roi.Event{Kind: roi.EventAccountLocked, Actor: u.Username, Body: roi.AccountLockedBody{
		Until: u.LockedUntil.UTC().Format(ledger.TimeFormat), Failures: AccountLockFailures, Client: client}})
	return evs, u.LockedUntil
}

// Login checks username's password, the first step of signing in, and
// returns a pending token for VerifyTOTP, good for PendingFor. It is no
// session. client is the caller's address, for the limits and the ledger.
// Errors: CodeUnauthenticated "The user name, password or code is not
// right." whatever was wrong; CodeForbidden while the account or the
// client is locked out.
func (s *Service) Login(ctx context.Context, username, password, client string) (string, error) {
	s.init()
	now := s.now()
	name := NormalizeUsername(username)
	// Every limit is checked and the attempt counted in one step, before
	// any hashing; a right password takes the counts back.
	if d, ok := s.clients.reserve(client, now); !ok {
		return "", errTooMany(d)
	}
	pair := name + "\x00" + client
	if d, ok := s.pairs.reserve(pair, now); !ok {
		return "", errTooMany(d)
	}
	u, err := s.Store.UserByName(ctx, name)
	if roi.CodeOf(err) == roi.CodeNotFound {
		return "", s.unknownUser(ctx, name, password, client, now)
	}
	if err != nil {
		s.clients.undo(client, now)
		s.pairs.undo(pair)
		return "", err
	}
	if u.Disabled {
		checkPassword(u.PasswordHash, password) // same time as any other
		if err := s.Store.Append(ctx, failedEvent(u.Username, "disabled", client, s.clients.full(client, now))); err != nil {
			return "", err
		}
		return "", errWrong()
	}
	if s.SSOOnly {
		ids, err := s.Store.IdentitiesOf(ctx, u.ID)
		if err != nil {
			return "", err
		}
		if len(ids) > 0 {
			checkPassword(u.PasswordHash, password) // same time as any other
			if err := s.Store.Append(ctx, failedEvent(u.Username, "single sign-on only", client, s.clients.full(client, now))); err != nil {
				return "", err
			}
			return "", errWrong()
		}
	}
	lockedUntil, err := s.reserveAccount(ctx, u.ID, client, now)
	if err != nil {
		return "", err
	}
	if !lockedUntil.IsZero() {
		return "", errTooMany(lockedUntil.Sub(now))
	}
	ok, err := checkPassword(u.PasswordHash, password)
	if err != nil {
		return "", roi.WrapOp("auth.session-issue", roi.CodeInternal, fmt.Errorf("auth: user %d: %w", u.ID, err), "Signing in is not possible for this account; ask an administrator.")
	}
	if !ok {
		return "", s.fail(ctx, u.ID, "password", client, now)
	}
	// A right password takes back this attempt's counts but resets
	// nothing: only a full sign-in does, or codes could be guessed
	// without end.
	s.clients.undo(client, now)
	s.pairs.undo(pair)
	if err := s.Store.UpdateUser(ctx, u.ID, func(u *store.User) ([]roi.Event, error) {
		if u.Failed > 0 {
			u.Failed--
		}
		return nil, nil
	}); err != nil {
		return "", err
	}
	token, hash, err := newToken()
	if err != nil {
		return "", err
	}
	if err := s.Store.CreateSession(ctx, &store.Session{TokenHash: hash, UserID: u.ID, Client: client,
		CreatedAt: now, LastSeen: now, ExpiresAt: now.Add(PendingFor)}); err != nil {
		return "", err
	}
	s.Store.DeleteStaleSessions(ctx, now, now.Add(-s.idle())) // housekeeping; a failure changes nothing
	return token, nil
}

// reserveAccount counts an attempt on account id in the database before
// its password is hashed, in one transaction with the check of its lock:
// however many guesses arrive at once, no more than AccountLockFailures
// in a row are checked. It returns the end of the lock if the account is
// locked (or about to be, by attempts still in flight).
func (s *Service) reserveAccount(ctx context.Context, id int64, client string, now time.Time) (time.Time, error) {
	var lockedUntil time.Time
	err := s.Store.UpdateUser(ctx, id, func(u *store.User) ([]roi.Event, error) {
		switch {
		case u.LockedUntil.After(now):
			lockedUntil = u.LockedUntil
			return []roi.Event{failedEvent(u.Username, "locked", client, s.clients.full(client, now))}, nil
		case u.Failed >= AccountLockFailures:
			lockedUntil = now.Add(LockFor) // the attempts in flight will lock it
			return nil, nil
		}
		u.Failed++
		return nil, nil
	})
	return lockedUntil, err
}

// unknownUser answers a user name that names no account exactly as a
// wrong password would: the same hash, the same delays, the same lock
// after AccountLockFailures.
func (s *Service) unknownUser(ctx context.Context, name, password, client string, now time.Time) error {
	if d, ok := s.names.reserve(name, now); !ok {
		if err := s.Store.Append(ctx, failedEvent("", "locked", client, s.clients.full(client, now))); err != nil {
			return err
		}
		return errTooMany(d)
	}
	checkPassword(dummyHash(), password)
	if err := s.Store.Append(ctx, failedEvent("", "unknown user", client, s.clients.full(client, now))); err != nil {
		return err
	}
	if s.names.full(name, now) {
		return errTooMany(LockFor)
	}
	return errWrong()
}

// fail records a failed password on account id, whose attempt
// reserveAccount already counted, locks the account at
// AccountLockFailures, and says so to the caller.
func (s *Service) fail(ctx context.Context, id int64, reason, client string, now time.Time) error {
	limited := s.clients.full(client, now)
	var lockedUntil time.Time
	locked := ""
	err := s.Store.UpdateUser(ctx, id, func(u *store.User) ([]roi.Event, error) {
		if u.LockedUntil.After(now) { // locked meanwhile by another attempt
			lockedUntil = u.LockedUntil
			return []roi.Event{failedEvent(u.Username, "locked", client, limited)}, nil
		}
		if u.Failed > 0 {
			u.Failed-- // reserveAccount counted it; countFailure counts it again
		}
		evs, until := countFailure(u, now, reason, client, limited)
		if lockedUntil = until; !until.IsZero() {
			locked = u.Username
		}
		return evs, nil
	})
	if err != nil {
		return err
	}
	if locked != "" {
		s.alert(ctx, locked, lockedUntil)
	}
	if !lockedUntil.IsZero() {
		return errTooMany(lockedUntil.Sub(now))
	}
	return errWrong()
}

// alert tells Alert, if set, that username was locked until until.
func (s *Service) alert(ctx context.Context, username string, until time.Time) {
	if s.Alert != nil {
		s.Alert(ctx, username, until)
	}
}

// VerifyTOTP checks the code of the pending sign-in, the second step, and
// returns a new session token: the pending token is spent, so no token
// lives on from one step to the next. Each code is good once. Errors are
// those of Login, and "Please sign in." for a pending token that is
// unknown, expired or already used.
func (s *Service) VerifyTOTP(ctx context.Context, pending, code string) (string, *store.User, error) {
	s.init()
	now := s.now()
	pendingHash := hashToken(pending)
	p, err := s.Store.SessionByHash(ctx, pendingHash)
	if roi.CodeOf(err) == roi.CodeNotFound {
		return "", nil, errSignIn()
	}
	if err != nil {
		return "", nil, err
	}
	if p.MFA {
		return "", nil, errSignIn() // a session is not a pending sign-in
	}
	if !now.Before(p.ExpiresAt) {
		s.Store.DeleteSession(ctx, pendingHash)
		return "", nil, errSignIn()
	}
	client := p.Client
	if d, ok := s.clients.reserve(client, now); !ok {
		return "", nil, errTooMany(d)
	}
	codeKey := fmt.Sprintf("#%d\x00%s", p.UserID, client)
	if d, ok := s.pairs.reserve(codeKey, now); !ok {
		return "", nil, errTooMany(d)
	}
	var ok bool
	locked := false
	var lockedUntil time.Time
	var user *store.User
	token, hash, err := newToken()
	if err != nil {
		return "", nil, err
	}
	err = s.Store.UpdateUser(ctx, p.UserID, func(u *store.User) ([]roi.Event, error) {
		user = u
		switch {
		case u.Disabled:
			return []roi.Event{failedEvent(u.Username, "disabled", client, s.clients.full(client, now))}, nil
		case u.LockedUntil.After(now):
			lockedUntil = u.LockedUntil
			return []roi.Event{failedEvent(u.Username, "locked", client, s.clients.full(client, now))}, nil
		}
		step, good := CheckTOTP(u.TOTPSecret, code, now, u.TOTPLastStep)
		if good {
			ok = true
			u.TOTPLastStep, u.Failed, u.LockedUntil = step, 0, time.Time{}
			return []roi.Event{{Kind: roi.EventLogin, Actor: u.Username, Body: roi.LoginBody{Client: client, Session: hash[:12]}}}, nil
		}
		reason := "code"
		if _, old := CheckTOTP(u.TOTPSecret, code, now, -1<<62); old {
			reason = "code reused"
		}
		evs, until := countFailure(u, now, reason, client, s.clients.full(client, now))
		lockedUntil, locked = until, !until.IsZero()
		return evs, nil
	})
	if err != nil {
		return "", nil, err
	}
	if locked {
		s.alert(ctx, user.Username, lockedUntil)
	}
	switch {
	case ok:
		// Signed in: this address's streaks on the account end.
		s.clients.undo(client, now)
		s.pairs.clear(codeKey)
		s.pairs.clear(user.Username + "\x00" + client)
	case user.Disabled:
		s.Store.DeleteSession(ctx, pendingHash)
		return "", nil, errWrong()
	case !lockedUntil.IsZero():
		s.Store.DeleteSession(ctx, pendingHash)
		return "", nil, errTooMany(lockedUntil.Sub(now))
	default:
		return "", nil, errWrong()
	}
	if err := s.Store.DeleteSession(ctx, pendingHash); err != nil {
		return "", nil, err
	}
	if err := s.Store.CreateSession(ctx, &store.Session{TokenHash: hash, UserID: user.ID, MFA: true, Client: client,
		CreatedAt: now, LastSeen: now, ExpiresAt: now.Add(s.maxAge())}); err != nil {
		return "", nil, err
	}
	return token, user, nil
}

// Session returns the account signed in with token. A session ends after
// IdleTimeout without use (automatic logoff) and MaxAge after sign-in; a
// pending sign-in is no session; a disabled account has none. All of them
// are CodeUnauthenticated "Please sign in.".
func (s *Service) Session(ctx context.Context, token string) (*store.User, error) {
	now := s.now()
	hash := hashToken(token)
	sess, err := s.Store.SessionByHash(ctx, hash)
	if roi.CodeOf(err) == roi.CodeNotFound {
		return nil, errSignIn()
	}
	if err != nil {
		return nil, err
	}
	if !sess.MFA {
		return nil, errSignIn()
	}
	if !now.Before(sess.ExpiresAt) || now.Sub(sess.CreatedAt) >= s.maxAge() || now.Sub(sess.LastSeen) >= s.idle() {
		s.Store.DeleteSession(ctx, hash)
		return nil, errSignIn()
	}
	u, err := s.Store.UserByID(ctx, sess.UserID)
	if err != nil {
		return nil, err
	}
	if u.Disabled {
		s.Store.DeleteSession(ctx, hash)
		return nil, errSignIn()
	}
	if now.Sub(sess.LastSeen) >= touchEvery {
		if err := s.Store.TouchSession(ctx, hash, now); err != nil {
			return nil, err
		}
	}
	return u, nil
}

// Logout ends the session of token, if there is one.
func (s *Service) Logout(ctx context.Context, token string) error {
	hash := hashToken(token)
	sess, err := s.Store.SessionByHash(ctx, hash)
	if roi.CodeOf(err) == roi.CodeNotFound {
		return nil
	}
	if err != nil {
		return err
	}
	if err := s.Store.DeleteSession(ctx, hash); err != nil {
		return err
	}
	if !sess.MFA {
		return nil
	}
	actor := ""
	if u, err := s.Store.UserByID(ctx, sess.UserID); err == nil {
		actor = u.Username
	}
	return s.Store.Append(ctx, roi.Event{Kind: roi.EventLogout, Actor: actor, Body: roi.LogoutBody{Session: hash[:12]}})
}

// RoleOf returns u's role; an unknown one (a row edited by hand) is
// returned as is and may do nothing.
func RoleOf(u *store.User) Role { return Role(u.Role) }

// Colleague is a staff member as another sees them: to assign work to.
type Colleague struct {
	Username string
	Name     string
	Role     Role
}

// Colleagues lists the enabled accounts whose role holds perm, by name:
// the people a request can be assigned to.
func (s *Service) Colleagues(ctx context.Context, perm Permission) ([]Colleague, error) {
	us, err := s.Store.Users(ctx)
	if err != nil {
		return nil, err
	}
	var out []Colleague
	for _, u := range us {
		if !u.Disabled && Can(Role(u.Role), perm) {
			out = append(out, Colleague{Username: u.Username, Name: u.Name, Role: Role(u.Role)})
		}
	}
	slices.SortFunc(out, func(a, b Colleague) int { return strings.Compare(strings.ToLower(a.Name), strings.ToLower(b.Name)) })
	return out, nil
}
