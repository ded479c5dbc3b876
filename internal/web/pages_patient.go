package web

import (
	"net/http"
	"strconv"

	"github.com/custodian-roi/custodian/internal/auth"
	"github.com/custodian-roi/custodian/internal/roi"
	"github.com/custodian-roi/custodian/internal/workflow"
)

// patientPage is the patient page: the desk's view of the patient and
// whether the signed-in user may see the accounting of disclosures.
type patientPage struct {
	*workflow.PatientView
	CanAccounting bool
}

// handlePatientPage shows a patient: who they are, their requests, the
// disclosures of their records, and for the privacy officer and the
// auditor the accounting of disclosures with its letter and CSV.
func (s *Server) handlePatientPage() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id, err := pathID(r, "id")
		if err != nil {
			s.renderError(w, r, err)
			return
		}
		can := staffOf(r).can(auth.PermAccounting)
		v, err := s.desk.PatientPage(r.Context(), actor(r), roi.PatientID(id), can)
		if err != nil {
			s.renderError(w, r, err)
			return
		}
		// The title is the tab's name: no patient name in it either way,
		// but the page is no-store like every other.
		s.render(w, r, http.StatusOK, "patient", "Patient", patientPage{PatientView: v, CanAccounting: can})
	})
}

// handleAccountingCSV downloads the accounting of disclosures as CSV from
// a link (the API gives CSV only for Accept: text/csv, which a link cannot
// send). The file is named by the patient's internal id, never the name.
func (s *Server) handleAccountingCSV() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id, err := pathID(r, "id")
		if err != nil {
			s.renderError(w, r, err)
			return
		}
		acc, err := s.desk.Accounting(r.Context(), actor(r), roi.PatientID(id), roi.NoDate)
		if err != nil {
			s.renderError(w, r, err)
			return
		}
		w.Header().Set("Content-Type", "text/csv; charset=utf-8")
		w.Header().Set("Content-Disposition", `attachment; filename="accounting-`+strconv.FormatInt(id, 10)+`.csv"`)
		acc.WriteCSV(w)
	})
}
