package web

import (
	"net/http"

	"github.com/custodian-roi/custodian/internal/roi"
)

func (s *Server) handleReview() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var in struct {
			versioned
			Approve bool   `json:"approve"`
			Note    string `json:"note"`
		}
		s.change(w, r, &in, func(id roi.RequestID) (any, error) {
			req, err := s.desk.Review(r.Context(), actor(r), id, in.Version, in.Approve, in.Note)
			if err != nil {
				return nil, err
			}
			return map[string]any{"request": s.requestView(req)}, nil
		})
	})
}

func (s *Server) handleMetrics() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		m, err := s.desk.Metrics(r.Context(), s.desk.Today(), 12)
		if err != nil {
			writeError(w, s.log, err)
			return
		}
		writeJSON(w, http.StatusOK, m)
	})
}
