// Package web is Custodian's HTTP side: the JSON API under /api/v1 (and,
// in a later issue, the staff and requester pages). Every route is listed
// in routes.go. Errors are rendered in one place, errors.go, and never carry
// PHI; nothing with PHI goes into a URL or the log.
package web

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/custodian-roi/custodian/internal/roi"
	"github.com/custodian-roi/custodian/internal/workflow"
)

// Server serves the API, the staff pages and the requester portal.
type Server struct {
	desk   *workflow.Desk
	log    *slog.Logger
	mux    *http.ServeMux
	routes []route
	opts   Options
	pages  *pages
	// codeMail limits the portal's code e-mails (pages_portal.go).
	codeMail *codeMailLimit
	// csp is the pages' Content-Security-Policy (pageCSP, with the
	// identity provider's origin among the form targets when single
	// sign-on is configured: signing out posts here and is sent on there).
	csp string
}

// maxBody bounds a JSON request body; uploads have their own bound.
// maxAnonymousBody bounds one from nobody signed in (sign-in, portal).
const (
	maxBody          = 1 << 20
	maxAnonymousBody = 16 << 10
)

// ActorHeader names the acting staff member when Options.TrustActorHeader
// is set (API tests only).
const ActorHeader = "X-Custodian-Actor"

// NewServer returns the server's handler.
func NewServer(log *slog.Logger, desk *workflow.Desk, opts Options) http.Handler {
	s := &Server{desk: desk, log: log, mux: http.NewServeMux(), routes: routes, opts: opts, pages: loadPages(desk),
		codeMail: newCodeMailLimit(), csp: pageCSP}
	if opts.OIDC != nil {
		s.csp = strings.Replace(pageCSP, "form-action 'self'", "form-action 'self' "+opts.OIDC.Origin(), 1)
	}
	// Every state change from a browser is protected from cross-site
	// posts, the JSON API's too: the session cookie is accepted there
	// (the staff pages link to its downloads), so a page on another site
	// could otherwise post in a signed-in clerk's name (issue #15, M1).
	// A script client sends neither Origin nor Sec-Fetch-Site and passes.
	cop := http.NewCrossOriginProtection()
	cop.SetDenyHandler(s.crossOriginDenied())
	for _, rt := range routes {
		// Outermost first: the origin check, then who is signed in
		// (guard), and only then the idempotency layer, so that an
		// anonymous post is never read nor kept (M4).
		h := cop.Handler(s.guard(rt, s.idempotent(rt, rt.handler(s))))
		s.mux.Handle(rt.method+" "+rt.pattern, h)
	}
	// Not a route: what the mux answers for a path under /api/ that no
	// route serves (404) or serves with another method (405), as a JSON
	// error like every other API error (errors.go).
	s.mux.Handle("/api/", s.apiNoRoute())
	return s.requestIDs(s.recoverer(s.headers(s.logRequests(s.identify(s.mux)))))
}

// requestIDs gives every request a new random ID (nothing of the client's
// is used): the X-Request-Id response header, in the context for the error
// page and the log, and reachable from the ResponseWriter for writeError.
func (s *Server) requestIDs(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, pattern := s.mux.Handler(r)
		info := &reqInfo{id: newRequestID(), method: r.Method, route: pattern, fhir: strings.HasPrefix(r.URL.Path, fhirPrefix)}
		w.Header().Set(RequestIDHeader, info.id)
		next.ServeHTTP(&infoWriter{ResponseWriter: w, info: info}, r.WithContext(context.WithValue(r.Context(), reqInfoKey{}, info)))
	})
}

// headers sets the response headers every answer needs: PHI is never
// cached, never sniffed, never framed.
func (s *Server) headers(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Cache-Control", "no-store")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'")
		next.ServeHTTP(w, r)
	})
}

type statusWriter struct {
	http.ResponseWriter
	status int
	body   *bytes.Buffer // set when the response is kept for idempotency
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	if w.body != nil {
		w.body.Write(b)
	}
	return w.ResponseWriter.Write(b)
}

// logRequests logs the route pattern, never the path: paths carry IDs only,
// but the pattern is all an operator needs and can never leak.
func (s *Server) logRequests(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w}
		next.ServeHTTP(sw, r)
		_, pattern := s.mux.Handler(r)
		s.log.Info("http", "request_id", infoFrom(w).id, "route", pattern, "status", sw.status, "ms", time.Since(start).Milliseconds())
	})
}

func (s *Server) recoverer(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if v := recover(); v != nil {
				// PHI: the panic value may hold request data; log its type only.
				writeError(w, s.log, roi.WrapOp("web.panic", roi.CodeInternal, panicError(typeName(v)), "Internal error."))
			}
		}()
		next.ServeHTTP(w, r)
	})
}

// panicError is a recovered panic, known by the type of its value only.
type panicError string

func (e panicError) Error() string    { return "panic with a value of type " + string(e) }
func (e panicError) SafeText() string { return e.Error() }

func typeName(v any) string {
	switch v.(type) {
	case error:
		return "error"
	case string:
		return "string"
	}
	return "other"
}

// IdempotencyTTL is how long an answer is kept under its Idempotency-Key:
// a client retrying after a lost answer does so within minutes; a day is
// generous. After it the key is free and the row purged.
const IdempotencyTTL = 24 * time.Hour

// idempotent replays the stored answer to a POST repeated with the same
// Idempotency-Key by the same signed-in user, so a retried intake or
// release happens once. The same key with a different request is
// refused. It runs behind guard: an anonymous request never gets here.
//
// What is kept (issue #15, M4): the key hashed together with the user
// (one user's key never blocks another's, and a key holding a name is
// not stored as typed), a hash of the request, the status, and the body
// sealed with the vault (no body at all without an encryption key; the
// replay then says the request was done without repeating its answer).
// Rows expire after IdempotencyTTL.
func (s *Server) idempotent(rt route, next http.Handler) http.Handler {
	// Only the staff API replays answers: a requester's download must
	// pass its one-time code and be recorded every time, and a replay
	// would keep a copy of the packet.
	if rt.method != http.MethodPost || !strings.HasPrefix(rt.pattern, "/api/") {
		return next
	}
	// The body is bounded before anything reads it: a document upload by
	// its own limit, everything else by maxBody.
	limit := int64(maxBody)
	if strings.HasSuffix(rt.pattern, "/documents") {
		limit = workflow.MaxDocumentBytes + 1<<20
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		key := r.Header.Get("Idempotency-Key")
		user := actor(r)
		if key == "" || user == "" {
			next.ServeHTTP(w, r)
			return
		}
		if len(key) > 200 {
			writeError(w, s.log, roi.Errorf(roi.CodeInvalid, "The Idempotency-Key is longer than 200 characters."))
			return
		}
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, limit))
		if err != nil {
			writeError(w, s.log, roi.Errorf(roi.CodeTooLarge, "The request body is too large."))
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		scoped := scopedKey(user, key)
		sum := sha256.Sum256(append([]byte(r.Method+" "+r.URL.Path+"\n"+r.Header.Get("Content-Type")+"\n"), body...))
		fp := hex.EncodeToString(sum[:])
		ctx := r.Context()
		prev, err := s.desk.Replay(ctx, scoped, IdempotencyTTL)
		if err != nil {
			writeError(w, s.log, err)
			return
		}
		if prev != nil {
			if prev.Fingerprint != fp {
				writeError(w, s.log, roi.Errorf(roi.CodeConflict, "This Idempotency-Key was used for a different request."))
				return
			}
			w.Header().Set("Content-Type", "application/json")
			w.Header().Set("Idempotent-Replayed", "true")
			w.WriteHeader(prev.Status)
			if prev.Body != nil {
				w.Write(prev.Body)
			} else {
				json.NewEncoder(w).Encode(map[string]string{"note": "This request was already done under this Idempotency-Key; its answer is not kept on a server without an encryption key."})
			}
			return
		}
		sw := &statusWriter{ResponseWriter: w, body: &bytes.Buffer{}}
		rctx, rp := withReplay(ctx)
		next.ServeHTTP(sw, r.WithContext(rctx))
		kept := sw.body.Bytes()
		if rp.body != nil {
			kept = rp.body // the answer held a secret shown once
		}
		if sw.status < 500 {
			// A failure to keep the answer must not fail the request that
			// already happened; it is logged.
			if err := s.desk.Remember(context.WithoutCancel(ctx), scoped, workflow.IdempotentResponse{Fingerprint: fp, Status: sw.status, Body: kept}, IdempotencyTTL); err != nil {
				s.log.Error("idempotency: keep response", "request_id", infoFrom(w).id, "code", roi.CodeOf(err),
					"op", strings.Join(roi.Ops(err), " > "), "cause", causeOf(err))
			}
		}
	})
}

// scopedKey is the stored form of a user's Idempotency-Key: the SHA-256
// of both, so keys are per user and never stored as sent.
func scopedKey(user, key string) string {
	sum := sha256.Sum256([]byte(user + "\x00" + key))
	return hex.EncodeToString(sum[:])
}
