package web

import (
	"context"
	"net/http"
	"net/netip"
	"strings"

	"github.com/custodian-roi/custodian/internal/auth"
	"github.com/custodian-roi/custodian/internal/roi"
)

// Options configure the server's sign-in.
type Options struct {
	// Auth signs staff in; every route with a permission requires a
	// session, from the session cookie (pages) or an Authorization:
	// Bearer token (the JSON API).
	Auth *auth.Service
	// TrustActorHeader makes the server believe X-Custodian-Actor and
	// grant it every permission. For tests of the API alone; never set
	// by the custodian command.
	TrustActorHeader bool
	// InsecureCookies drops the Secure flag from the session cookie, for
	// a demo served over plain HTTP on loopback.
	InsecureCookies bool
	// TrustedProxies are the networks of the reverse proxies in front of
	// the server. Only for a request from one of them is X-Forwarded-For
	// read for the client's address (clientaddr.go); empty, the address
	// is the connection's and the header is ignored.
	TrustedProxies []netip.Prefix
	// OIDC, if set, offers single sign-on at an OpenID Connect provider
	// beside the local accounts (oidc.go).
	OIDC *auth.OIDC
	// Version is the software's version, as the FHIR interface's
	// CapabilityStatement names it.
	Version string
}

// staff is who is signed in.
type staff struct {
	Username string
	Name     string
	Role     auth.Role
	trusted  bool // from TrustActorHeader: every permission
}

func (u *staff) can(p auth.Permission) bool {
	return u != nil && (u.trusted || auth.Can(u.Role, p))
}

type staffKey struct{}

// staffOf returns who is signed in on r, or nil.
func staffOf(r *http.Request) *staff {
	u, _ := r.Context().Value(staffKey{}).(*staff)
	return u
}

// actor returns the signed-in staff member's user name, "" if none.
func actor(r *http.Request) string {
	if u := staffOf(r); u != nil {
		return u.Username
	}
	return ""
}

// sessionCookie names the staff session cookie. The __Host- prefix binds
// it to this host and path /, and requires Secure.
func (s *Server) sessionCookie() string {
	if s.opts.InsecureCookies {
		return "custodian_session"
	}
	return "__Host-custodian_session"
}

// identify finds who is signed in: a Bearer token, else the session
// cookie, else (tests only) the actor header. A request without any is
// anonymous; guard decides whether that is enough.
func (s *Server) identify(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var u *staff
		token := ""
		if h := r.Header.Get("Authorization"); strings.HasPrefix(h, "Bearer ") {
			token = strings.TrimPrefix(h, "Bearer ")
		} else if c, err := r.Cookie(s.sessionCookie()); err == nil {
			token = c.Value
		}
		switch {
		case token != "" && s.opts.Auth != nil:
			if su, err := s.opts.Auth.Session(r.Context(), token); err == nil {
				u = &staff{Username: su.Username, Name: su.Name, Role: auth.Role(su.Role)}
			}
		case s.opts.TrustActorHeader && strings.TrimSpace(r.Header.Get(ActorHeader)) != "":
			name := strings.TrimSpace(r.Header.Get(ActorHeader))
			u = &staff{Username: name, Name: name, trusted: true}
		}
		if u != nil {
			r = r.WithContext(context.WithValue(r.Context(), staffKey{}, u))
		}
		next.ServeHTTP(w, withClient(r, s.opts.TrustedProxies))
	})
}

// guard enforces a route's permission: no session is 401 (the sign-in
// page, for a page), the wrong role is 403. It is the one place routes
// are protected.
func (s *Server) guard(rt route, h http.Handler) http.Handler {
	if rt.perm == "" {
		return h
	}
	page := !strings.HasPrefix(rt.pattern, "/api/")
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u := staffOf(r)
		switch {
		case u == nil && page:
			http.Redirect(w, r, "/login", http.StatusSeeOther)
		case u == nil:
			writeError(w, s.log, roi.Errorf(roi.CodeUnauthenticated, "Sign in first: send Authorization: Bearer with a session token."))
		case !u.can(rt.perm):
			err := roi.Errorf(roi.CodeForbidden, "Your role may not do this.")
			if page {
				s.renderError(w, r, err)
			} else {
				writeError(w, s.log, err)
			}
		default:
			h.ServeHTTP(w, r)
		}
	})
}
