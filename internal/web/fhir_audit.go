package web

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/custodian-roi/custodian/internal/audit"
	"github.com/custodian-roi/custodian/internal/roi"
	"github.com/custodian-roi/custodian/internal/workflow"
)

// The ledger as FHIR AuditEvents (IHE BALP) for a hospital's security
// team: GET /api/v1/fhir/AuditEvent searches, GET .../AuditEvent/{id}
// reads one; the id is the ledger entry's number (docs/INTEGRATION.md).

// fhirJSON is FHIR's JSON media type.
const fhirJSON = "application/fhir+json"

// fhirPrefix begins every path of the FHIR interface; its errors are
// OperationOutcomes (writeOutcome), its routes' and unknown paths' alike.
const fhirPrefix = "/api/v1/fhir/"

// issueTypes maps the desk's error codes to FHIR's IssueType codes.
var issueTypes = map[roi.ErrorCode]string{
	roi.CodeInvalid:          "invalid",
	roi.CodeNotFound:         "not-found",
	roi.CodeConflict:         "conflict",
	roi.CodeForbidden:        "forbidden",
	roi.CodeUnauthenticated:  "login",
	roi.CodeTooLarge:         "too-costly",
	roi.CodeUnsupportedMedia: "not-supported",
	roi.CodeRateLimited:      "throttled",
	codeNotAcceptable:        "not-supported",
	codeMethodNotAllowed:     "not-supported",
}

// writeOutcome answers an error of the FHIR interface as an
// OperationOutcome: FHIR's issue type for code, the same message the
// desk's JSON error would carry, and the request ID and the desk's code in
// diagnostics (the X-Request-Id header carries the ID too).
func writeOutcome(w http.ResponseWriter, status int, code roi.ErrorCode, message, id string) {
	issue := issueTypes[code]
	if issue == "" {
		issue = "exception"
	}
	w.Header().Set("Content-Type", fhirJSON)
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(audit.Outcome(issue, message, "request_id "+id+"; error "+string(code)))
}

// handleFHIRMetadata answers GET /api/v1/fhir/metadata, the
// CapabilityStatement a FHIR client reads first. It is public, as FHIR
// servers' are: it says what may be asked, nothing of what is held.
func (s *Server) handleFHIRMetadata() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ct, ok := fhirType(r)
		if !ok {
			writeError(w, s.log, notAcceptable(fhirJSON, "application/json"))
			return
		}
		writeFHIR(w, ct, audit.Capability(s.fhirBase(r), s.opts.Version))
	})
}

// auditSearchParams are the search parameters the AuditEvent search takes.
var auditSearchParams = map[string]bool{"patient": true, "date": true, "agent": true, "_count": true, "_cursor": true, "_until": true, "_format": true}

// auditQuery reads the search parameters. An error names the parameter,
// never its value.
func auditQuery(q url.Values) (workflow.AuditQuery, error) {
	var out workflow.AuditQuery
	for k := range q {
		if !auditSearchParams[k] {
			return out, roi.Errorf(roi.CodeInvalid, "The AuditEvent search takes patient, date, agent, _count, and _cursor and _until from a next link; another parameter was given.")
		}
	}
	if f := q.Get("_format"); f != "" && f != "json" && f != fhirJSON && f != "application/json" {
		return out, roi.Errorf(roi.CodeInvalid, "_format: this server answers in JSON only.")
	}
	if vs := q["patient"]; len(vs) > 0 {
		id, err := strconv.ParseInt(strings.TrimPrefix(vs[0], "Patient/"), 10, 64)
		if len(vs) > 1 || err != nil || id <= 0 {
			return out, roi.Errorf(roi.CodeInvalid, "patient must be one patient's id, as Patient/123 or 123.")
		}
		out.PatientID = roi.PatientID(id)
	}
	if vs := q["agent"]; len(vs) > 0 {
		if len(vs) > 1 || vs[0] == "" {
			return out, roi.Errorf(roi.CodeInvalid, "agent must be one user name as the ledger records it.")
		}
		out.Actor = vs[0]
	}
	for _, v := range q["date"] {
		r, err := audit.ParseDate(v)
		if err != nil {
			return out, roi.Errorf(roi.CodeInvalid, "%s", err.Error())
		}
		out.Date = out.Date.Narrow(r)
	}
	if v := q.Get("_cursor"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 0 {
			return out, roi.Errorf(roi.CodeInvalid, "_cursor must be the number a next link gave.")
		}
		out.After = n
	}
	if v := q.Get("_until"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 1 {
			return out, roi.Errorf(roi.CodeInvalid, "_until must be the number a next link gave.")
		}
		out.Until = n
	}
	if v := q.Get("_count"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > workflow.MaxAuditCount {
			return out, roi.Errorf(roi.CodeInvalid, "_count must be from 1 to %d.", workflow.MaxAuditCount)
		}
		out.Count = n
	}
	return out, nil
}

// fhirBase is the absolute address of the FHIR interface (its base, which
// [base]/metadata and [base]/AuditEvent follow): the configured public
// address when there is one, else this request's host.
func (s *Server) fhirBase(r *http.Request) string {
	base := strings.TrimRight(s.desk.Org.PortalURL, "/")
	if base == "" {
		scheme := "http"
		if r.TLS != nil {
			scheme = "https"
		}
		base = scheme + "://" + r.Host
	}
	return base + strings.TrimSuffix(fhirPrefix, "/")
}

// fhirType is the media type to answer with: FHIR's JSON, or plain JSON
// (the same bytes) for a client that asks only for that; _format, FHIR's
// override of Accept, takes JSON of either name. ok is false when the
// client accepts neither (406).
func fhirType(r *http.Request) (string, bool) {
	if f := r.URL.Query().Get("_format"); f != "" {
		switch f {
		case "application/json":
			return f, true
		case "json", fhirJSON:
			return fhirJSON, true
		}
		return "", false // xml, turtle: not served
	}
	return negotiate(r.Header.Get("Accept"), fhirJSON, "application/json")
}

func writeFHIR(w http.ResponseWriter, ct string, v any) {
	w.Header().Set("Content-Type", ct)
	w.WriteHeader(http.StatusOK)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.Encode(v)
}

func (s *Server) handleAuditEvents() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		q, err := auditQuery(r.URL.Query())
		if err != nil {
			writeError(w, s.log, err)
			return
		}
		ct, ok := fhirType(r)
		if !ok {
			writeError(w, s.log, notAcceptable(fhirJSON, "application/json"))
			return
		}
		page, err := s.desk.AuditEvents(r.Context(), actor(r), q)
		if err != nil {
			writeError(w, s.log, err)
			return
		}
		base := s.fhirBase(r) + "/AuditEvent"
		self := base
		if r.URL.RawQuery != "" {
			self += "?" + r.URL.RawQuery
		}
		next := ""
		if page.Next != 0 {
			v := r.URL.Query()
			v.Set("_cursor", strconv.FormatInt(page.Next, 10))
			v.Set("_until", strconv.FormatInt(page.Until, 10))
			next = base + "?" + v.Encode()
		}
		b, err := audit.SearchSet(page.Events, base, self, next)
		if err != nil {
			writeError(w, s.log, roi.WrapOp("web.audit-events", roi.CodeInternal, err, "An AuditEvent did not encode."))
			return
		}
		writeFHIR(w, ct, b)
	})
}

func (s *Server) handleAuditEvent() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id, err := pathID(r, "id")
		if err != nil {
			writeError(w, s.log, err)
			return
		}
		ct, ok := fhirType(r)
		if !ok {
			writeError(w, s.log, notAcceptable(fhirJSON, "application/json"))
			return
		}
		ev, err := s.desk.AuditEvent(r.Context(), actor(r), id)
		if err != nil {
			writeError(w, s.log, err)
			return
		}
		writeFHIR(w, ct, ev)
	})
}
