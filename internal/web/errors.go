package web

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/custodian-roi/custodian/internal/roi"
	"github.com/custodian-roi/custodian/internal/workflow"
)

// statusOf is the one map from error codes to HTTP statuses.
var statusOf = map[roi.ErrorCode]int{
	roi.CodeInvalid:          http.StatusBadRequest,
	roi.CodeNotFound:         http.StatusNotFound,
	roi.CodeConflict:         http.StatusConflict,
	roi.CodeForbidden:        http.StatusForbidden,
	roi.CodeUnauthenticated:  http.StatusUnauthorized,
	roi.CodeTooLarge:         http.StatusRequestEntityTooLarge,
	roi.CodeUnsupportedMedia: http.StatusUnsupportedMediaType,
	roi.CodeRateLimited:      http.StatusTooManyRequests,
	roi.CodeInternal:         http.StatusInternalServerError,
}

// RequestIDHeader carries the ID of every answer. The same ID is in a JSON
// error's request_id, on an error page, and on the log line of the failure,
// so a reference a person reads out finds the log line.
const RequestIDHeader = "X-Request-Id"

// reqInfo is what an error's log line says of its request: the ID, the
// method and the route pattern (never the path).
type reqInfo struct {
	id, method, route string
	// fhir: the request is to the FHIR interface (/api/v1/fhir/), whose
	// errors are OperationOutcome resources.
	fhir bool
}

type reqInfoKey struct{}

// newRequestID returns 12 random hex digits. Nothing of the client's is
// used: a client's header could carry anything.
func newRequestID() string {
	var b [6]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// infoOf returns the request's reqInfo from its context.
func infoOf(ctx context.Context) *reqInfo {
	ri, _ := ctx.Value(reqInfoKey{}).(*reqInfo)
	return ri
}

// infoWriter carries the reqInfo to writeError, which is handed the
// ResponseWriter but not the request.
type infoWriter struct {
	http.ResponseWriter
	info *reqInfo
}

func (w *infoWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// infoFrom finds the reqInfo of the answer w writes, or, if w is not
// wrapped by requestIDs, one holding only the ID of the response header.
func infoFrom(w http.ResponseWriter) *reqInfo {
	for rw := w; rw != nil; {
		if iw, ok := rw.(*infoWriter); ok {
			return iw.info
		}
		u, ok := rw.(interface{ Unwrap() http.ResponseWriter })
		if !ok {
			break
		}
		rw = u.Unwrap()
	}
	return &reqInfo{id: w.Header().Get(RequestIDHeader)}
}

type errorBody struct {
	Error struct {
		Code      roi.ErrorCode `json:"code"`
		Message   string        `json:"message"`
		RequestID string        `json:"request_id"`
	} `json:"error"`
}

// writeError renders err as {"error": {"code", "message", "request_id"}}.
// Only the public message is shown; an internal error is logged by
// logFailure, and its message names the request ID.
func writeError(w http.ResponseWriter, log *slog.Logger, err error) {
	code := roi.CodeOf(err)
	status, ok := statusOf[code]
	if !ok {
		status = http.StatusInternalServerError
	}
	info := infoFrom(w)
	if status >= 500 {
		logFailure(log, info, status, err)
	}
	if info.fhir {
		writeOutcome(w, status, code, publicMessage(info.id, err), info.id)
		return
	}
	var b errorBody
	b.Error.Code, b.Error.Message, b.Error.RequestID = code, publicMessage(info.id, err), info.id
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(b)
}

// publicMessage is the message of err to show: an internal error's names
// the request ID, for the person to give whoever reads the log.
func publicMessage(id string, err error) string {
	msg := roi.PublicMessage(err)
	if roi.CodeOf(err) != roi.CodeInternal {
		return msg
	}
	return msg + " " + reference(id)
}

// reference is the sentence an internal error's message ends with.
func reference(id string) string {
	if id == "" {
		return "Something went wrong on our side; tell your administrator the time it happened."
	}
	return "Something went wrong on our side (reference " + id + "); give this reference to your administrator."
}

// logFailure logs an internal error: the request ID, method and route
// pattern, the operations named along the error's chain, the public
// message, and the cause described without its text (causeOf).
func logFailure(log *slog.Logger, info *reqInfo, status int, err error) {
	// A person who closed the page or a client that gave up is no failure
	// of ours: one line at Info, not an error to chase.
	if errors.Is(err, context.Canceled) {
		log.Info("request abandoned by the client", "request_id", info.id, "method", info.method, "route", info.route)
		return
	}
	log.Error("request failed", "request_id", info.id, "method", info.method, "route", info.route, "status", status,
		"code", roi.CodeOf(err), "op", strings.Join(roi.Ops(err), " > "), "message", roi.PublicMessage(err), "cause", causeOf(err))
}

// causeOf describes the causes err wraps without quoting their text, which
// may hold PHI: a parse error quotes what it could not parse, a database
// error can quote a value, a caseformat error quotes an unknown word. Each
// layer is named by its Go type or by what is known to be safe of it (a
// driver's code, a system call's errno, the store's own message of an
// internal error); fmt.Errorf's wrappers, whose text is their cause's, are
// skipped; an error with a SafeText method (text known to hold no data)
// gives that. The outermost *roi.Error is the message and op logged beside.
func causeOf(err error) string {
	var parts []string
	first := true
	var walk func(error)
	walk = func(err error) {
		for err != nil {
			if s := describe(err, first); s != "" {
				parts = append(parts, s)
			}
			if _, ok := err.(*roi.Error); ok {
				first = false
			}
			switch u := err.(type) {
			case interface{ Unwrap() []error }:
				for _, e := range u.Unwrap() {
					walk(e)
				}
				return
			case interface{ Unwrap() error }:
				err = u.Unwrap()
			default:
				return
			}
		}
	}
	walk(err)
	return strings.Join(parts, " > ")
}

// describe names one layer of an error's chain (see causeOf).
func describe(err error, outermost bool) string {
	if s, ok := workflow.SafeCause(err); ok {
		return s
	}
	if sc, ok := err.(interface{ SafeText() string }); ok {
		return sc.SafeText()
	}
	switch e := err.(type) {
	case *roi.Error:
		switch {
		case outermost:
			return ""
		case e.Code == roi.CodeInternal:
			return e.Message // the code's own sentence: no data
		}
		return "roi." + string(e.Code)
	case syscall.Errno:
		return "errno: " + e.Error()
	case *fs.PathError:
		return e.Op + ":" // the path is left out; the errno follows
	case *json.SyntaxError:
		return "json: syntax error at byte " + strconv.FormatInt(e.Offset, 10)
	case *json.UnmarshalTypeError:
		return "json: a value does not fit field " + e.Field + " of type " + e.Type.String()
	case *strconv.NumError:
		return "strconv." + e.Func + ": " + e.Err.Error()
	case *time.ParseError:
		return "time: does not parse as " + e.Layout
	}
	switch {
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded),
		err == io.EOF, err == io.ErrUnexpectedEOF:
		return err.Error()
	}
	t := fmt.Sprintf("%T", err)
	if t == "*fmt.wrapError" || t == "*fmt.wrapErrors" {
		return ""
	}
	return t
}

// codeMethodNotAllowed is the error code of a 405: the path is served,
// by other methods (the Allow header lists them).
const codeMethodNotAllowed roi.ErrorCode = "method_not_allowed"

func init() {
	statusOf[codeNotAcceptable] = http.StatusNotAcceptable
	statusOf[codeMethodNotAllowed] = http.StatusMethodNotAllowed
}

// apiNoRoute answers a request under /api/ that no route takes: 405 with
// an Allow header when the path is served by other methods, else 404;
// both as the JSON error body (a client parses every API error the same
// way, with its request ID), where the mux would answer in plain text.
// Pages keep the mux's answers and their HTML error pages.
func (s *Server) apiNoRoute() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var allow []string
		for _, m := range []string{http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete} {
			probe := &http.Request{Method: m, URL: r.URL, Host: r.Host, Header: http.Header{}}
			if _, pattern := s.mux.Handler(probe); pattern != "" && pattern != "/api/" {
				allow = append(allow, m)
			}
		}
		if len(allow) == 0 {
			writeError(w, s.log, roi.Errorf(roi.CodeNotFound, "No such API call: see /api/v1/openapi.json for the calls there are."))
			return
		}
		w.Header().Set("Allow", strings.Join(allow, ", "))
		writeError(w, s.log, roi.Errorf(codeMethodNotAllowed, "This path does not take %s; it takes %s.", r.Method, strings.Join(allow, ", ")))
	})
}

// crossOriginDenied answers a state change a browser sent from another
// site (http.CrossOriginProtection): a JSON error under /api/, the error
// page elsewhere, instead of the plain-text default.
func (s *Server) crossOriginDenied() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		err := roi.Errorf(roi.CodeForbidden, "A request from another site was refused (cross-origin protection).")
		if strings.HasPrefix(r.URL.Path, "/api/") || strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") {
			writeError(w, s.log, err)
			return
		}
		s.renderError(w, r, err)
	})
}
