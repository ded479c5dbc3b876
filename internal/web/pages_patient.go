package web

import (
	"net/http"
	"strconv"

	"github.com/custodian-roi/custodian/internal/auth"
	"github.com/custodian-roi/custodian/internal/roi"
	"github.com/custodian-roi/custodian/internal/workflow"
)

// patientPage is the patient page: the desk's view of the patient and
// whether the signed-in user may see the accounting of disclosures, and
// record a suspension of it (the privacy officer).
type patientPage struct {
	*workflow.PatientView
	CanAccounting bool
	// CanSuspend: the user may record an agency's statement suspending the
	// accounting (164.528(a)(2)); Suspensions are those on record.
	CanSuspend  bool
	Suspensions []workflow.Suspension
	Suspend     *suspendForm // the form as submitted, when refused
	Done        string
	// LabelProposals are the label removals waiting for a second person;
	// CanLabel: the user may approve or reject them (not their own); Me is
	// the user, to offer the proposer only the withdrawal.
	LabelProposals []roi.LabelProposal
	CanLabel       bool
	Me             string
}

// handlePatientPage shows a patient: who they are, their requests, the
// disclosures of their records, and for the privacy officer and the
// auditor the accounting of disclosures with its letter and CSV, and the
// suspensions of it.
func (s *Server) handlePatientPage() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id, err := pathID(r, "id")
		if err != nil {
			s.renderError(w, r, err)
			return
		}
		p, err := s.patientPage(r, id)
		if err != nil {
			s.renderError(w, r, err)
			return
		}
		p.Done = r.URL.Query().Get("done")
		// The title is the tab's name: no patient name in it either way,
		// but the page is no-store like every other.
		s.render(w, r, http.StatusOK, "patient", "Patient", p)
	})
}

// patientPage gathers the patient page for the signed-in user.
func (s *Server) patientPage(r *http.Request, id int64) (*patientPage, error) {
	u := staffOf(r)
	can := u.can(auth.PermAccounting)
	v, err := s.desk.PatientPage(r.Context(), actor(r), roi.PatientID(id), can)
	if err != nil {
		return nil, err
	}
	p := &patientPage{PatientView: v, CanAccounting: can, CanSuspend: can && u.can(auth.PermResolveEscalation),
		CanLabel: u.can(auth.PermLabel), Me: actor(r)}
	if p.LabelProposals, err = s.desk.LabelProposals(r.Context(), actor(r), roi.PatientID(id), true); err != nil {
		return nil, err
	}
	if can {
		if p.Suspensions, err = s.desk.AccountingSuspensions(r.Context(), actor(r), roi.PatientID(id)); err != nil {
			return nil, err
		}
	}
	return p, nil
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
		acc, err := s.desk.AccountingWith(r.Context(), actor(r), roi.PatientID(id), workflow.AccountingOptions{Summarize: summarize(r)})
		if err != nil {
			s.renderError(w, r, err)
			return
		}
		w.Header().Set("Content-Type", "text/csv; charset=utf-8")
		w.Header().Set("Content-Disposition", `attachment; filename="accounting-`+strconv.FormatInt(id, 10)+`.csv"`)
		acc.WriteCSV(w)
	})
}
