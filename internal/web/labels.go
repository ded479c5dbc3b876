package web

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/custodian-roi/custodian/internal/roi"
)

// Label proposals (issue #15, H1): removing a sensitivity label is only
// proposed; a second person with the label permission approves or rejects
// it, from the API or the patient page. The proposer may withdraw it
// (reject) but never approve it; the desk refuses that with 403.

// handleLabelProposals lists a patient's proposed label removals: those
// waiting, or all with ?all=1.
func (s *Server) handleLabelProposals() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id, err := pathID(r, "id")
		if err != nil {
			writeError(w, s.log, err)
			return
		}
		ps, err := s.desk.LabelProposals(r.Context(), actor(r), roi.PatientID(id), r.URL.Query().Get("all") != "1")
		if err != nil {
			writeError(w, s.log, err)
			return
		}
		writeJSON(w, http.StatusOK, map[string]any{"proposals": ps})
	})
}

// handleDecideLabelProposal approves or rejects one proposed removal.
func (s *Server) handleDecideLabelProposal() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id, err := pathID(r, "id")
		if err != nil {
			writeError(w, s.log, err)
			return
		}
		pid, err := pathID(r, "proposal")
		if err != nil {
			writeError(w, s.log, err)
			return
		}
		var in struct {
			Approve *bool  `json:"approve"`
			Note    string `json:"note"`
		}
		if err := decode(w, r, &in); err != nil {
			writeError(w, s.log, err)
			return
		}
		if in.Approve == nil {
			writeError(w, s.log, roi.Errorf(roi.CodeInvalid, "Say approve: true or false."))
			return
		}
		c, err := s.desk.DecideLabelProposal(r.Context(), actor(r), roi.PatientID(id), pid, *in.Approve, in.Note)
		if err != nil {
			writeError(w, s.log, err)
			return
		}
		writeJSON(w, http.StatusOK, map[string]any{"item": c.Item, "labels": c.Labels.Strings(), "proposal": c.Proposal})
	})
}

// handlePageLabelProposal is the patient page's approve and reject
// buttons for a proposed removal.
func (s *Server) handlePageLabelProposal() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id, err := pathID(r, "id")
		if err != nil {
			s.renderError(w, r, err)
			return
		}
		pid, err := pathID(r, "proposal")
		if err != nil {
			s.renderError(w, r, err)
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, 16<<10)
		if err := r.ParseForm(); err != nil {
			s.renderError(w, r, roi.Errorf(roi.CodeInvalid, "The form could not be read."))
			return
		}
		approve := r.PostForm.Get("decision") == "approve"
		if !approve && r.PostForm.Get("decision") != "reject" {
			s.renderError(w, r, roi.Errorf(roi.CodeInvalid, "Approve or reject the proposal."))
			return
		}
		if _, err := s.desk.DecideLabelProposal(r.Context(), actor(r), roi.PatientID(id), pid, approve, strings.TrimSpace(r.PostForm.Get("note"))); err != nil {
			s.renderError(w, r, err)
			return
		}
		done := "label-rejected"
		if approve {
			done = "label-approved"
		}
		http.Redirect(w, r, "/patients/"+strconv.FormatInt(id, 10)+"?done="+done+"#label-proposals", http.StatusSeeOther)
	})
}
