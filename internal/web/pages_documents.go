package web

import (
	"errors"
	"io"
	"net/http"
	"strconv"

	"github.com/custodian-roi/custodian/internal/roi"
	"github.com/custodian-roi/custodian/internal/workflow"
)

// handlePageUpload adds a scan to a request from its page, saying what
// the scan is (the request letter, an authorization, an ID...).
func (s *Server) handlePageUpload() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id, err := pathID(r, "id")
		if err != nil {
			s.renderError(w, r, err)
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, workflow.MaxDocumentBytes+1<<20)
		if err := r.ParseMultipartForm(1 << 20); err != nil {
			var mbe *http.MaxBytesError
			if errors.As(err, &mbe) {
				s.renderError(w, r, roi.Errorf(roi.CodeTooLarge, "The scan is larger than %d MiB.", workflow.MaxDocumentBytes>>20))
				return
			}
			s.renderError(w, r, roi.Errorf(roi.CodeInvalid, "Pick the scan to add."))
			return
		}
		defer r.MultipartForm.RemoveAll()
		version, err := strconv.Atoi(r.FormValue("version"))
		if err != nil {
			s.renderError(w, r, roi.Errorf(roi.CodeInvalid, "The form lacks the request's version; reload the page."))
			return
		}
		f, fh, err := r.FormFile("file")
		if err != nil {
			s.renderError(w, r, roi.Errorf(roi.CodeInvalid, "Pick the scan to add."))
			return
		}
		content, err := io.ReadAll(io.LimitReader(f, workflow.MaxDocumentBytes+1))
		f.Close()
		if err != nil {
			s.renderError(w, r, roi.Errorf(roi.CodeInvalid, "The scan could not be read."))
			return
		}
		if _, _, err := s.desk.UploadDocument(r.Context(), actor(r), roi.RequestID(id), version, fh.Filename,
			roi.DocumentKind(r.FormValue("kind")), content); err != nil {
			s.renderError(w, r, err)
			return
		}
		http.Redirect(w, r, "/requests/"+strconv.FormatInt(id, 10)+"?done=document#h-evidence", http.StatusSeeOther)
	})
}
