package web

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/custodian-roi/custodian/internal/roi"
	"github.com/custodian-roi/custodian/internal/workflow"
)

// The accounting of disclosures' suspensions (45 CFR 164.528(a)(2)) and
// summary entries (164.528(b)(3)): see docs/LETTERS.md.

// summarize reports whether the request asks for summary entries
// (?summarize=1). Off by default: the law allows a summary, it does not
// require one, and the full list tells the patient most.
func summarize(r *http.Request) bool {
	switch strings.ToLower(r.URL.Query().Get("summarize")) {
	case "1", "true", "yes", "on":
		return true
	}
	return false
}

// handleSuspensions lists a patient's recorded suspensions, each with its
// end and whether it is in force today.
func (s *Server) handleSuspensions() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id, err := pathID(r, "id")
		if err != nil {
			writeError(w, s.log, err)
			return
		}
		ss, err := s.desk.AccountingSuspensions(r.Context(), actor(r), roi.PatientID(id))
		if err != nil {
			writeError(w, s.log, err)
			return
		}
		writeJSON(w, http.StatusOK, map[string]any{"suspensions": ss})
	})
}

// handleSuspend records an agency's statement suspending the accounting
// of disclosures to it.
func (s *Server) handleSuspend() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id, err := pathID(r, "id")
		if err != nil {
			writeError(w, s.log, err)
			return
		}
		var in workflow.SuspensionInput
		if err := decode(w, r, &in); err != nil {
			writeError(w, s.log, err)
			return
		}
		sp, err := s.desk.SuspendAccounting(r.Context(), actor(r), roi.PatientID(id), in)
		if err != nil {
			writeError(w, s.log, err)
			return
		}
		writeJSON(w, http.StatusCreated, sp)
	})
}

// suspendForm is the patient page's suspension form as submitted, shown
// again with the error when it is refused.
type suspendForm struct {
	Error                                                string
	Agency, AgencyKind, Official, Statement, Stated, End string
	Written                                              bool
}

// handlePageSuspend records a suspension from the patient page's form and
// goes back to the page's accounting section.
func (s *Server) handlePageSuspend() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id, err := pathID(r, "id")
		if err != nil {
			s.renderError(w, r, err)
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, 16<<10)
		if err := r.ParseForm(); err != nil {
			s.renderError(w, r, roi.Errorf(roi.CodeInvalid, "The form could not be read."))
			return
		}
		pf := r.PostForm
		fm := &suspendForm{Agency: pf.Get("agency"), AgencyKind: pf.Get("agency_kind"), Official: pf.Get("official"),
			Statement: pf.Get("statement"), Stated: strings.TrimSpace(pf.Get("stated")), End: strings.TrimSpace(pf.Get("end")),
			Written: pf.Get("form") == "written"}
		in := workflow.SuspensionInput{Agency: fm.Agency, AgencyKind: roi.Kind(fm.AgencyKind), Official: fm.Official,
			Written: fm.Written, Statement: fm.Statement}
		if err == nil && fm.Stated != "" {
			if in.Stated, err = roi.ParseDate(fm.Stated); err != nil {
				err = roi.Errorf(roi.CodeInvalid, "The statement's date must read YYYY-MM-DD.")
			}
		}
		if err == nil && fm.End != "" {
			if in.End, err = roi.ParseDate(fm.End); err != nil {
				err = roi.Errorf(roi.CodeInvalid, "The last day must read YYYY-MM-DD.")
			}
		}
		if err == nil {
			if _, err = s.desk.SuspendAccounting(r.Context(), actor(r), roi.PatientID(id), in); err == nil {
				http.Redirect(w, r, "/patients/"+strconv.FormatInt(id, 10)+"?done=suspension#accounting", http.StatusSeeOther)
				return
			}
		}
		if roi.CodeOf(err) != roi.CodeInvalid {
			s.renderError(w, r, err)
			return
		}
		fm.Error = publicMessage("", err)
		p, perr := s.patientPage(r, id)
		if perr != nil {
			s.renderError(w, r, perr)
			return
		}
		p.Suspend = fm
		s.render(w, r, http.StatusUnprocessableEntity, "patient", "Patient", p)
	})
}
