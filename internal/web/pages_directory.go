package web

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/custodian-roi/custodian/internal/roi"
	"github.com/custodian-roi/custodian/internal/workflow"
)

// The directory of known requesters: the firms, insurers, agencies and
// providers a records team hears from again and again, kept by the clerks
// so intake picks one rather than retyping it.

type directoryPage struct {
	Entries    []*workflow.DirectoryEntry
	Edit       *workflow.DirectoryEntry // the entry in the form: new (ID 0) or being changed
	Error      string
	Kinds      []roi.Kind
	Deliveries []roi.Delivery
}

func (s *Server) directoryData(r *http.Request) (*directoryPage, error) {
	es, err := s.desk.Requesters(r.Context(), "")
	if err != nil {
		return nil, err
	}
	kinds := make([]roi.Kind, 0, len(roi.Kinds))
	for _, k := range roi.Kinds {
		if k != roi.KindPatient {
			kinds = append(kinds, k)
		}
	}
	return &directoryPage{Entries: es, Edit: &workflow.DirectoryEntry{}, Kinds: kinds, Deliveries: roi.Deliveries}, nil
}

func (s *Server) handleDirectoryPage() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		d, err := s.directoryData(r)
		if err != nil {
			s.renderError(w, r, err)
			return
		}
		if id, err := strconv.ParseInt(r.URL.Query().Get("edit"), 10, 64); err == nil {
			for _, e := range d.Entries {
				if e.ID == id {
					c := *e
					d.Edit = &c
				}
			}
		}
		s.render(w, r, http.StatusOK, "requesters", "Requesters", d)
	})
}

func (s *Server) handleDirectorySave() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.Body = http.MaxBytesReader(w, r.Body, 16<<10)
		if err := r.ParseForm(); err != nil {
			s.renderError(w, r, roi.Errorf(roi.CodeInvalid, "The form could not be read."))
			return
		}
		id, _ := strconv.ParseInt(r.PostForm.Get("id"), 10, 64)
		e := &workflow.DirectoryEntry{ID: id, Kind: roi.Kind(r.PostForm.Get("kind")), Name: r.PostForm.Get("name"),
			Delivery: roi.Delivery(r.PostForm.Get("delivery")), Contact: r.PostForm.Get("contact"),
			Phone: r.PostForm.Get("phone"), Note: strings.TrimSpace(r.PostForm.Get("note"))}
		err := s.desk.SaveRequester(r.Context(), actor(r), e)
		if err == nil {
			http.Redirect(w, r, "/requesters?done=directory", http.StatusSeeOther)
			return
		}
		switch roi.CodeOf(err) {
		case roi.CodeInvalid, roi.CodeConflict, roi.CodeNotFound:
		default:
			s.renderError(w, r, err)
			return
		}
		d, derr := s.directoryData(r)
		if derr != nil {
			s.renderError(w, r, derr)
			return
		}
		d.Edit, d.Error = e, publicMessage("", err)
		s.render(w, r, http.StatusUnprocessableEntity, "requesters", "Requesters", d)
	})
}
