package web

import (
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/custodian-roi/custodian/internal/roi"
	"github.com/custodian-roi/custodian/internal/workflow"
)

// Evidence by form (issue #13): one form per evidence type, the scan
// beside it, the form shown again with what was typed and a message beside
// each field to fix; withdrawal and correction of an entry. The forms'
// questions and their conversion to the case format are workflow's
// (workflow.EvidenceFields, workflow.EvidenceFromForm): no one types JSON.

// evidenceFormPage is the evidence form page.
type evidenceFormPage struct {
	R       *roi.DeskRequest
	Patient *roi.PatientRecord
	Forms   []workflow.EvidenceForm // the types to pick from
	Form    workflow.EvidenceForm   // the chosen one; empty Type: none yet
	Fields  []fieldView
	// Correct is the entry being corrected (0: a new entry); Reason the
	// correction's reason as typed.
	Correct int64
	Reason  string
	Message string // what concerns the whole form
	// Documents are the request's uploads; Doc the one shown beside the
	// form, and how (pdf, image, or other: a link only).
	Documents []roi.DocumentRecord
	Doc       int64
	DocShow   string
	Items     []workflow.ItemRow // the chart items in scope (harm determination)
	// Suggested lists the fields pre-filled by a machine (read from the
	// scan), which a person must confirm before the form is saved.
	Suggested []string
	// SuggestError: the suggested answers were not confirmed.
	SuggestError string
	// CanRead: the scan shown may be read by OCR to suggest answers (an
	// authorization form, a new entry, OCR installed). Read are the lines
	// of the scan each suggestion came from, for the clerk to compare.
	CanRead bool
	Read    []readLine
}

// readLine is one suggestion's field and the line of the scan it was read
// from.
type readLine struct{ Label, Line string }

// fieldView is one question with what was typed, its message and whether
// the answer was suggested rather than typed.
type fieldView struct {
	workflow.FormField
	Value     string
	Values    map[string]bool
	Error     string
	Suggested bool
}

// EvidenceFormValues is what an evidence form shows: the answers (as a
// posted form), a message per field, and the fields whose answers were
// suggested by a machine (OCR) for a person to confirm; those are marked
// "suggested — confirm" and cannot be saved until confirmed.
type EvidenceFormValues struct {
	Values    url.Values
	Errors    map[string]string
	Suggested map[string]bool
	// Lines are the lines of the scan OCR read each suggestion from.
	Lines map[string]string
}

func fieldsOf(typ string, in EvidenceFormValues) []fieldView {
	var out []fieldView
	for _, f := range workflow.EvidenceFields(typ) {
		fv := fieldView{FormField: f, Value: in.Values.Get(f.Name), Error: in.Errors[f.Name], Suggested: in.Suggested[f.Name]}
		if f.Kind == "checks" || f.Kind == "items" {
			fv.Values = map[string]bool{}
			for _, x := range in.Values[f.Name] {
				fv.Values[x] = true
			}
		}
		out = append(out, fv)
	}
	return out
}

// renderEvidenceForm shows the form page for request id: the form of typ
// (none: only the type picker) filled with in.
func (s *Server) renderEvidenceForm(w http.ResponseWriter, r *http.Request, status int, id roi.RequestID, typ string, correct int64, in EvidenceFormValues, message string) {
	v, err := s.desk.RequestPage(r.Context(), actor(r), id)
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	pd := evidenceFormPage{R: v.C.Request, Patient: v.Patient, Forms: workflow.EvidenceForms, Correct: correct,
		Message: message, Documents: v.C.Documents, Items: v.Items}
	if in.Values == nil {
		in.Values = url.Values{}
	}
	pd.Reason = in.Values.Get("correct_reason")
	pd.SuggestError = in.Errors["suggestions_checked"]
	if f, ok := workflow.EvidenceFormFor(typ); ok {
		pd.Form, pd.Fields = f, fieldsOf(typ, in)
	}
	for _, f := range pd.Fields {
		if line, ok := in.Lines[f.Name]; ok {
			pd.Read = append(pd.Read, readLine{Label: f.Label, Line: line})
		}
		if f.Suggested {
			pd.Suggested = append(pd.Suggested, f.Name)
		}
	}
	// The scan beside the form: the one picked, else the first.
	doc, _ := strconv.ParseInt(cmpOr(r.URL.Query().Get("doc"), in.Values.Get("document")), 10, 64)
	for _, d := range pd.Documents {
		if d.ID == doc || (doc == 0 && pd.Doc == 0) {
			pd.Doc = d.ID
			switch {
			case d.ContentType == "application/pdf":
				pd.DocShow = "pdf"
			case strings.HasPrefix(d.ContentType, "image/") && d.ContentType != "image/tiff":
				pd.DocShow = "image"
			default:
				pd.DocShow = "other"
			}
		}
	}
	pd.CanRead = pd.Doc != 0 && typ == "authorization" && correct == 0 && workflow.OCRAvailable()
	title := "Record evidence"
	if correct != 0 {
		title = "Correct evidence"
	}
	s.render(w, r, status, "evidence", title+" · "+v.C.Request.Number, pd)
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// handleEvidenceFormPage: GET /requests/{id}/evidence/new?type=…, or
// ?correct={entry} for a correction, and &doc={document} for the scan to
// show. The URL carries a type name and IDs only.
func (s *Server) handleEvidenceFormPage() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id, err := pathID(r, "id")
		if err != nil {
			s.renderError(w, r, err)
			return
		}
		q := r.URL.Query()
		typ := q.Get("type")
		in := EvidenceFormValues{Values: url.Values{}}
		var correct int64
		if c := q.Get("correct"); c != "" {
			if correct, err = strconv.ParseInt(c, 10, 64); err != nil || correct <= 0 {
				s.renderError(w, r, roi.Errorf(roi.CodeInvalid, "The entry to correct is not a number."))
				return
			}
			e, err := s.desk.EvidenceEntry(r.Context(), roi.RequestID(id), correct)
			if err != nil {
				s.renderError(w, r, err)
				return
			}
			if !e.Active() {
				s.renderError(w, r, roi.Errorf(roi.CodeConflict, "That entry was already withdrawn or corrected; correct the version in force."))
				return
			}
			typ, in.Values = e.Type, workflow.FormValues(*e)
		}
		if typ != "" {
			if _, ok := workflow.EvidenceFormFor(typ); !ok {
				s.renderError(w, r, roi.Errorf(roi.CodeInvalid, "There is no form for that kind of evidence; pick one from the list."))
				return
			}
		}
		msg := ""
		// "Read the scan": OCR suggests answers, each marked for a person
		// to confirm against the scan; nothing is recorded until saved.
		if q.Get("read") == "1" && typ == "authorization" && correct == 0 {
			doc, err := strconv.ParseInt(q.Get("doc"), 10, 64)
			if err != nil {
				s.renderError(w, r, roi.Errorf(roi.CodeInvalid, "Pick the scan to read."))
				return
			}
			sug, err := s.desk.ReadAuthorization(r.Context(), actor(r), roi.RequestID(id), doc)
			switch {
			case err == nil && len(sug.Fields) == 0:
				msg = "Nothing could be read from this scan with confidence; fill in the form from the scan."
			case err == nil:
				in.Values, in.Lines, in.Suggested = sug.Values, sug.Lines, map[string]bool{}
				for _, f := range sug.Fields {
					in.Suggested[f] = true
				}
			case statusOf[roi.CodeOf(err)] < 500 && statusOf[roi.CodeOf(err)] != 0:
				msg = publicMessage("", err)
			default:
				s.renderError(w, r, err)
				return
			}
		}
		s.renderEvidenceForm(w, r, http.StatusOK, roi.RequestID(id), typ, correct, in, msg)
	})
}

// handlePageEvidence records a filled-in evidence form (or corrects an
// entry, with correct=entry). A form with mistakes is shown again with
// everything typed and a message beside each field to fix.
func (s *Server) handlePageEvidence() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id, v, err := form(w, r)
		if err != nil {
			s.renderError(w, r, err)
			return
		}
		pf := r.PostForm
		typ := pf.Get("type")
		if typ == "" && pf.Get("step") == "identity" { // the request page's quick identity form
			typ = "identity"
		}
		var correct int64
		if c := pf.Get("correct"); c != "" {
			if correct, err = strconv.ParseInt(c, 10, 64); err != nil {
				s.renderError(w, r, roi.Errorf(roi.CodeInvalid, "The entry to correct is not a number."))
				return
			}
		}
		if correct != 0 {
			_, _, err = s.desk.CorrectEvidence(r.Context(), actor(r), id, v, correct, pf, pf.Get("correct_reason"))
		} else {
			_, _, err = s.desk.RecordEvidence(r.Context(), actor(r), id, v, typ, pf)
		}
		var fe *workflow.FormError
		if errors.As(err, &fe) {
			if _, ok := workflow.EvidenceFormFor(typ); !ok && correct == 0 {
				typ = ""
			}
			suggested := map[string]bool{}
			for _, n := range pf["suggested"] {
				suggested[n] = true
			}
			msg := fe.Message
			if msg == "" {
				msg = "Nothing was recorded yet: some answers need attention (marked below)."
			}
			s.renderEvidenceForm(w, r, http.StatusUnprocessableEntity, id, typ, correct,
				EvidenceFormValues{Values: pf, Errors: fe.Fields, Suggested: suggested}, msg)
			return
		}
		if err != nil {
			s.renderError(w, r, err)
			return
		}
		http.Redirect(w, r, "/requests/"+strconv.FormatInt(int64(id), 10)+"?done=evidence#h-evidence", http.StatusSeeOther)
	})
}

// handlePageWithdrawEvidence withdraws an entry with the reason typed.
func (s *Server) handlePageWithdrawEvidence() http.Handler {
	return s.act("withdrawn", func(w http.ResponseWriter, r *http.Request, id roi.RequestID, v int) error {
		ev, err := pathID(r, "ev")
		if err != nil {
			return err
		}
		_, err = s.desk.WithdrawEvidence(r.Context(), actor(r), id, v, ev, r.PostForm.Get("reason"))
		return err
	})
}

// handleDocumentInline serves an uploaded document to be shown inside the
// evidence form page: inline, framed only by this site's pages, under a
// CSP that lets it run nothing. Its name is never echoed (it may hold PHI).
func (s *Server) handleDocumentInline() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id, docID, err := documentPath(r)
		if err != nil {
			s.renderError(w, r, err)
			return
		}
		doc, content, err := s.desk.Document(r.Context(), actor(r), roi.RequestID(id), docID)
		if err != nil {
			s.renderError(w, r, err)
			return
		}
		h := w.Header()
		h.Set("Content-Type", doc.ContentType)
		h.Set("Content-Disposition", `inline; filename="document-`+strconv.FormatInt(doc.ID, 10)+`"`)
		h.Set("Content-Security-Policy", documentCSP)
		h.Set("X-Frame-Options", "SAMEORIGIN")
		h.Set("Digest", "sha-256="+doc.SHA256)
		w.Write(content)
	})
}

// documentCSP is an inline document's policy: nothing of its own may load
// or run (a PDF with script stays inert), and only this site's pages may
// frame it.
const documentCSP = "default-src 'none'; img-src 'self'; frame-ancestors 'self'; base-uri 'none'; form-action 'none'"

// handleWithdrawEvidence is the API's withdrawal: the same workflow step
// as the page's.
func (s *Server) handleWithdrawEvidence() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var in struct {
			versioned
			Reason string `json:"reason"`
		}
		s.change(w, r, &in, func(id roi.RequestID) (any, error) {
			ev, err := pathID(r, "ev")
			if err != nil {
				return nil, err
			}
			req, err := s.desk.WithdrawEvidence(r.Context(), actor(r), id, in.Version, ev, in.Reason)
			if err != nil {
				return nil, err
			}
			return map[string]any{"request": s.requestView(req)}, nil
		})
	})
}

// entryView is one evidence entry on the request page with what its
// buttons need.
type entryView struct {
	E    workflow.EvidenceEntry
	R    *roi.DeskRequest
	Can  bool // the signed-in person may change evidence, and it may change
	Open bool
}

func init() {
	// The request page's evidence section and the form page use these.
	funcs["evidenceForms"] = func() []workflow.EvidenceForm { return workflow.EvidenceForms }
	funcs["entry"] = func(e workflow.EvidenceEntry, r *roi.DeskRequest, can, open bool) entryView {
		return entryView{E: e, R: r, Can: can && open, Open: open}
	}
	funcs["fieldID"] = func(name, value string) string {
		id := "f-" + name
		if value != "" {
			id += "-" + strings.Map(func(c rune) rune {
				if c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' {
					return c
				}
				return '-'
			}, strings.ToLower(value))
		}
		return id
	}
}
