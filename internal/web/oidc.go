package web

import (
	"net/http"

	"github.com/custodian-roi/custodian/internal/auth"
	"github.com/custodian-roi/custodian/internal/roi"
)

// Single sign-on at the OpenID Connect provider an administrator
// configured (Options.OIDC; auth/oidc.go has the protocol). GET
// /login/oidc sends the browser to the provider with a new state, nonce
// and PKCE challenge, which the browser keeps in an HttpOnly cookie until
// the provider sends it back to GET /login/oidc/callback. The cookie is
// SameSite=Lax because the callback is a navigation from the provider's
// site, which a Strict cookie would not follow.

// oidcCookie names the cookie of a sign-in under way at the provider.
// With Secure cookies it takes the __Host- prefix (path /, this host
// only, so no other site under the same domain can plant one).
func (s *Server) oidcCookie() (name, path string) {
	if s.opts.InsecureCookies {
		return "custodian_oidc", "/login/oidc"
	}
	return "__Host-custodian_oidc", "/"
}

// ssoCookie names the cookie that marks a browser signed in through the
// provider, holding the provider's ID token (or "1" when the token is too
// long for a cookie) as the hint for signing out there too (handleLogout,
// auth.OIDC.LogoutURL). It proves nothing and grants nothing: a forged one
// only sends its browser to the provider's sign-out page.
func (s *Server) ssoCookie() string {
	if s.opts.InsecureCookies {
		return "custodian_sso"
	}
	return "__Host-custodian_sso"
}

// maxHintCookie bounds the ID token kept as a cookie: browsers keep
// cookies up to about 4 KB, name and attributes included.
const maxHintCookie = 3500

// setSSOCookie marks the browser as signed in through the provider (hint:
// its ID token), for the browser's session as the session cookie is; ""
// clears the mark.
func (s *Server) setSSOCookie(w http.ResponseWriter, hint string) {
	c := &http.Cookie{Name: s.ssoCookie(), Path: "/", HttpOnly: true, Secure: !s.opts.InsecureCookies,
		SameSite: http.SameSiteLaxMode}
	switch {
	case hint == "":
		c.MaxAge = -1
	case len(hint) > maxHintCookie:
		c.Value = "1"
	default:
		c.Value = hint
	}
	http.SetCookie(w, c)
}

// loginData is the sign-in page's data: its error, if any, and the name
// of the single sign-on provider when one is configured ("Sign in with
// <name>").
func (s *Server) loginData(msg string) map[string]string {
	d := map[string]string{}
	if msg != "" {
		d["Error"] = msg
	}
	if s.opts.OIDC != nil {
		d["SSO"] = s.opts.OIDC.Name()
	}
	return d
}

func (s *Server) handleOIDCStart() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if s.opts.OIDC == nil {
			s.renderError(w, r, roi.Errorf(roi.CodeNotFound, "Single sign-on is not configured on this server."))
			return
		}
		to, flow, err := s.opts.OIDC.Begin(r.Context())
		if err != nil {
			s.render(w, r, statusOf[roi.CodeOf(err)], "login", "Sign in", s.loginData(s.shown(r, err)))
			return
		}
		name, path := s.oidcCookie()
		http.SetCookie(w, &http.Cookie{Name: name, Value: flow.Encode(), Path: path, HttpOnly: true,
			Secure: !s.opts.InsecureCookies, SameSite: http.SameSiteLaxMode, MaxAge: 600})
		http.Redirect(w, r, to, http.StatusSeeOther)
	})
}

func (s *Server) handleOIDCCallback() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if s.opts.OIDC == nil || s.opts.Auth == nil {
			s.renderError(w, r, roi.Errorf(roi.CodeNotFound, "Single sign-on is not configured on this server."))
			return
		}
		name, path := s.oidcCookie()
		// The flow is spent whatever happens: a callback is answered once.
		http.SetCookie(w, &http.Cookie{Name: name, Path: path, MaxAge: -1, HttpOnly: true, Secure: !s.opts.InsecureCookies, SameSite: http.SameSiteLaxMode})
		fail := func(err error) {
			s.log.Warn("single sign-on refused", "request_id", s.requestID(r), "code", string(roi.CodeOf(err)), "ops", roi.Ops(err))
			s.render(w, r, statusOf[roi.CodeOf(err)], "login", "Sign in", s.loginData(s.shown(r, err)))
		}
		q := r.URL.Query()
		if q.Get("error") != "" {
			// The provider's own error text is not shown: it is the
			// provider's to word, and may be anything.
			fail(roi.Errorf(roi.CodeUnauthenticated, "%s did not sign you in; start again.", s.opts.OIDC.Name()))
			return
		}
		c, err := r.Cookie(name)
		if err != nil {
			fail(roi.Errorf(roi.CodeUnauthenticated, "The sign-in at the identity provider could not be completed (it took too long, or began in another browser); start again."))
			return
		}
		flow, err := auth.DecodeOIDCFlow(c.Value)
		if err != nil {
			fail(err)
			return
		}
		res, err := s.opts.OIDC.Finish(r.Context(), flow, q.Get("state"), q.Get("code"), clientOf(r))
		if err != nil {
			fail(err)
			return
		}
		s.setSSOCookie(w, res.IDToken)
		if res.Pending != "" {
			// The provider asserted no second factor: the desk's TOTP
			// step follows, as after a password.
			http.SetCookie(w, &http.Cookie{Name: pendingCookie, Value: res.Pending, Path: "/login", HttpOnly: true,
				Secure: !s.opts.InsecureCookies, SameSite: http.SameSiteStrictMode, MaxAge: 300})
			http.Redirect(w, r, "/login/code", http.StatusSeeOther)
			return
		}
		// A new session token at sign-in, as for a local sign-in: nothing
		// set before it survives (no session fixation).
		http.SetCookie(w, &http.Cookie{Name: s.sessionCookie(), Value: res.Token, Path: "/", HttpOnly: true,
			Secure: !s.opts.InsecureCookies, SameSite: http.SameSiteLaxMode})
		home := "/"
		if !auth.Can(auth.Role(res.User.Role), auth.PermViewQueue) {
			home = "/metrics"
		}
		http.Redirect(w, r, home, http.StatusSeeOther)
	})
}
