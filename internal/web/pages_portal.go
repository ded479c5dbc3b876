package web

import (
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/custodian-roi/custodian/internal/fee"
	"github.com/custodian-roi/custodian/internal/roi"
	"github.com/custodian-roi/custodian/internal/workflow"
)

// The requester portal: separate from the staff side (its own layout, no
// staff session, no PHI beyond what the requester typed in themselves).
// The status token lives after '#' in the link and travels in POST
// bodies, never in a URL the server sees.

type portalPage struct {
	Title   string
	Org     string
	Error   string
	Done    string // what the requester's action did, when it worked
	Token   string
	Receipt *workflow.SubmissionReceipt
	Status  *workflow.SubmissionStatus
	Kinds   []roi.Kind
	Bases   []roi.Basis
	Form    map[string]string
}

func (s *Server) portal(w http.ResponseWriter, status int, name string, p portalPage) {
	p.Org = s.desk.Org.Name
	s.write(w, status, name, p)
}

// portalKinds and portalBases are what a requester may claim online; the
// clerk checks every claim.
var (
	portalKinds = []roi.Kind{roi.KindPatient, roi.KindRepresentative, roi.KindAttorney, roi.KindProvider, roi.KindInsurer,
		roi.KindEmployer, roi.KindOther}
	portalBases = []roi.Basis{roi.BasisAccess, roi.BasisDirective, roi.BasisAuthorization}
)

func (s *Server) handlePortalHome() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.portal(w, http.StatusOK, "portal_submit", portalPage{Title: "Ask for medical records", Kinds: portalKinds, Bases: portalBases})
	})
}

func (s *Server) handlePortalSubmit() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.Body = http.MaxBytesReader(w, r.Body, 16<<10)
		if err := r.ParseForm(); err != nil {
			s.portal(w, http.StatusBadRequest, "portal_submit", portalPage{Title: "Ask for medical records", Error: "The form could not be read.", Kinds: portalKinds, Bases: portalBases})
			return
		}
		f := r.PostForm
		keep := map[string]string{}
		for k := range f {
			keep[k] = f.Get(k)
		}
		fail := func(err error) {
			s.portal(w, statusOf[roi.CodeOf(err)], "portal_submit", portalPage{Title: "Ask for medical records",
				Error: s.shown(r, err), Kinds: portalKinds, Bases: portalBases, Form: keep})
		}
		sub := workflow.Submission{PatientName: f.Get("patient_name"), RequesterKind: roi.Kind(f.Get("requester_kind")),
			RequesterName: f.Get("requester_name"), Basis: roi.Basis(f.Get("basis")), Recipient: f.Get("recipient"),
			Format: fee.Format(f.Get("format")), Delivery: roi.Delivery(f.Get("delivery")), Contact: f.Get("contact"),
			Email: f.Get("email"), Type: roi.RequestRecords}
		var err error
		if sub.BirthDate, err = roi.ParseDate(f.Get("birth_date")); err != nil {
			fail(roi.Errorf(roi.CodeInvalid, "The patient's date of birth must be a real date (YYYY-MM-DD)."))
			return
		}
		for _, p := range []struct {
			name string
			to   *roi.Date
		}{{"from", &sub.Scope.From}, {"to", &sub.Scope.To}} {
			if v := f.Get(p.name); v != "" {
				if *p.to, err = roi.ParseDate(v); err != nil {
					fail(roi.Errorf(roi.CodeInvalid, "The %q date of the records you want must be a real date (YYYY-MM-DD).", p.name))
					return
				}
			}
		}
		rc, err := s.desk.Submit(r.Context(), sub)
		if err != nil {
			fail(err)
			return
		}
		st, err := s.desk.SubmissionStatus(r.Context(), rc.Token)
		if err != nil {
			fail(err)
			return
		}
		s.portal(w, http.StatusOK, "portal_status", portalPage{Title: "Request received", Receipt: rc, Token: rc.Token, Status: st})
	})
}

func (s *Server) handlePortalStatusPage() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.portal(w, http.StatusOK, "portal_status", portalPage{Title: "Your request"})
	})
}

// portalAct runs a requester action with the token from the form, then
// shows the status page with done (or the error on it).
func (s *Server) portalAct(done string, run func(r *http.Request, token string) error) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var token string
		var err error
		if strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/form-data") {
			r.Body = http.MaxBytesReader(w, r.Body, workflow.MaxDocumentBytes+1<<20)
			if err = r.ParseMultipartForm(1 << 20); err != nil {
				err = roi.Errorf(roi.CodeTooLarge, "The file is too large or the form could not be read.")
			}
		} else {
			r.Body = http.MaxBytesReader(w, r.Body, 4096)
			if err = r.ParseForm(); err != nil {
				err = roi.Errorf(roi.CodeInvalid, "The form could not be read.")
			}
		}
		token = strings.TrimSpace(r.FormValue("token"))
		if err == nil && token == "" {
			err = roi.Errorf(roi.CodeInvalid, "The link's token is missing; open the link you were given again.")
		}
		if err == nil && run != nil {
			err = run(r, token)
		}
		p := portalPage{Title: "Your request", Token: token}
		code := http.StatusOK
		if err != nil {
			p.Error, code = s.shown(r, err), statusOf[roi.CodeOf(err)]
		} else {
			p.Done = done
		}
		if token != "" {
			if st, serr := s.desk.SubmissionStatus(r.Context(), token); serr == nil {
				p.Status = st
			} else if err == nil {
				p.Error, code = s.shown(r, serr), statusOf[roi.CodeOf(serr)]
			}
		}
		s.portal(w, code, "portal_status", p)
	})
}

func (s *Server) handlePortalStatus() http.Handler { return s.portalAct("", nil) }

func (s *Server) handlePortalResend() http.Handler {
	return s.portalAct("We sent a new code to your e-mail address.", func(r *http.Request, token string) error {
		return s.desk.SendSubmissionCode(r.Context(), token)
	})
}

func (s *Server) handlePortalVerify() http.Handler {
	return s.portalAct("Thank you: your e-mail address is confirmed.", func(r *http.Request, token string) error {
		return s.desk.VerifySubmissionEmail(r.Context(), token, strings.TrimSpace(r.FormValue("code")))
	})
}

func (s *Server) handlePortalUpload() http.Handler {
	return s.portalAct("Thank you: we received your file. We will look at it soon.", func(r *http.Request, token string) error {
		f, hdr, err := r.FormFile("file")
		if err != nil {
			return roi.Errorf(roi.CodeInvalid, "Choose a file to upload.")
		}
		defer f.Close()
		content, err := io.ReadAll(io.LimitReader(f, workflow.MaxDocumentBytes+1))
		if err != nil {
			return roi.Errorf(roi.CodeInvalid, "The file could not be read.")
		}
		return s.desk.AddSubmissionDocument(r.Context(), token, r.FormValue("kind"), hdr.Filename, content)
	})
}

// ---- staff: portal submissions ----

type submissionsPage struct {
	Rows []*workflow.SubmissionRecord
}

func (s *Server) handleSubmissionsPage() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rows, err := s.desk.Submissions(r.Context(), workflow.SubmissionSubmitted)
		if err != nil {
			s.renderError(w, r, err)
			return
		}
		s.render(w, r, http.StatusOK, "submissions", "Portal submissions", submissionsPage{Rows: rows})
	})
}

type submissionPage struct {
	V          *workflow.SubmissionView
	Candidates []*roi.PatientRecord
}

func (s *Server) handleSubmissionPage() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id, err := pathID(r, "id")
		if err != nil {
			s.renderError(w, r, err)
			return
		}
		v, err := s.desk.Submission(r.Context(), actor(r), id)
		if err != nil {
			s.renderError(w, r, err)
			return
		}
		// Candidates: patients with the same birth date; the clerk
		// decides which one (if any) the request is about.
		cands, err := s.desk.PatientsBornOn(r.Context(), actor(r), v.Form.BirthDate)
		if err != nil {
			s.renderError(w, r, err)
			return
		}
		s.render(w, r, http.StatusOK, "submission", "Submission "+v.Record.Number, submissionPage{V: v, Candidates: cands})
	})
}

func (s *Server) handleSubmissionDocument() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id, err := pathID(r, "id")
		var docID int64
		if err == nil {
			docID, err = pathID(r, "doc")
		}
		if err != nil {
			s.renderError(w, r, err)
			return
		}
		d, content, err := s.desk.SubmissionDocument(r.Context(), actor(r), id, docID)
		if err != nil {
			s.renderError(w, r, err)
			return
		}
		w.Header().Set("Content-Type", d.ContentType)
		w.Header().Set("Content-Disposition", "attachment; filename=\"submission-document-"+strconv.FormatInt(docID, 10)+"\"")
		w.Write(content)
	})
}

func (s *Server) handleSubmissionAccept() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id, err := pathID(r, "id")
		if err == nil {
			r.Body = http.MaxBytesReader(w, r.Body, 4096)
			err = r.ParseForm()
		}
		var pid int64
		if err == nil {
			if pid, err = strconv.ParseInt(r.PostForm.Get("patient"), 10, 64); err != nil {
				err = roi.Errorf(roi.CodeInvalid, "Choose the patient the request is about.")
			}
		}
		var req *roi.DeskRequest
		if err == nil {
			req, err = s.desk.AcceptSubmission(r.Context(), actor(r), id, roi.PatientID(pid))
		}
		if err != nil {
			s.renderError(w, r, err)
			return
		}
		http.Redirect(w, r, "/requests/"+strconv.FormatInt(int64(req.ID), 10)+"?done=accepted", http.StatusSeeOther)
	})
}

func (s *Server) handleSubmissionConfirm() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id, err := pathID(r, "id")
		if err == nil {
			r.Body = http.MaxBytesReader(w, r.Body, 4096)
			err = r.ParseForm()
		}
		if err == nil {
			err = s.desk.ConfirmSubmissionContact(r.Context(), actor(r), id, r.PostForm.Get("how"))
		}
		if err != nil {
			s.renderError(w, r, err)
			return
		}
		http.Redirect(w, r, "/submissions/"+strconv.FormatInt(id, 10)+"?done=confirmed", http.StatusSeeOther)
	})
}

func (s *Server) handleSubmissionReject() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id, err := pathID(r, "id")
		if err == nil {
			r.Body = http.MaxBytesReader(w, r.Body, 4096)
			err = r.ParseForm()
		}
		if err == nil {
			err = s.desk.RejectSubmission(r.Context(), actor(r), id, r.PostForm.Get("reason"))
		}
		if err != nil {
			s.renderError(w, r, err)
			return
		}
		http.Redirect(w, r, "/submissions?done=rejected", http.StatusSeeOther)
	})
}
