package web

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/custodian-roi/custodian/internal/auth"
	"github.com/custodian-roi/custodian/internal/roi"
	"github.com/custodian-roi/custodian/internal/workflow"
)

// The staff intake: a request received by mail, fax, phone or at the desk
// is entered here, on the one intake path the API and the portal use too.
// Everything the clerk typed comes back with any message, so nothing is
// typed twice.

// intakeForm is the intake page's data: the values as typed, the choices
// offered and what went wrong, field by field.
type intakeForm struct {
	V          map[string]string // the values as typed, by field name
	Labels     map[string]bool   // scope categories ticked
	Patients   []*roi.PatientRecord
	Searched   bool
	Patient    *roi.PatientRecord // the patient picked
	Directory  []*workflow.DirectoryEntry
	Colleagues []auth.Colleague
	Errors     map[string]string // by field name; "" is the form as a whole
	Channels   []string
	Kinds      []roi.Kind
	Bases      []roi.Basis
	Deliveries []roi.Delivery
	AllLabels  []roi.Label
	DocKinds   []roi.DocumentKind
	Languages  []roi.Language
	DatesHint  string
}

// intakeFields are the form's fields kept across a re-render.
var intakeFields = []string{"channel", "received", "find", "patient", "directory", "kind", "name", "basis", "recipient",
	"type", "from", "to", "all", "delivery", "contact", "language", "identity", "due", "assignee", "save", "doc_kind", "doc_kind2"}

func (s *Server) intakeData(r *http.Request, v map[string]string) (*intakeForm, error) {
	f := &intakeForm{V: v, Labels: map[string]bool{}, Errors: map[string]string{}, Channels: workflow.Channels[:5],
		Kinds: roi.Kinds, Bases: roi.RequestBases, Deliveries: roi.Deliveries, AllLabels: roi.AllLabels(),
		DocKinds: roi.DocumentKinds, Languages: []roi.Language{roi.LanguageEnglish, roi.LanguageSpanish},
		DatesHint: s.desk.Dates.Placeholder()}
	var err error
	if f.Directory, err = s.desk.Requesters(r.Context(), ""); err != nil {
		return nil, err
	}
	if s.opts.Auth != nil {
		if f.Colleagues, err = s.opts.Auth.Colleagues(r.Context(), auth.PermEvidence); err != nil {
			return nil, err
		}
	}
	return f, nil
}

func (s *Server) handleIntakePage() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f, err := s.intakeData(r, map[string]string{"received": s.desk.Dates.Typed(s.desk.Today()), "all": "1",
			"type": string(roi.RequestRecords), "channel": "mail", "language": string(roi.LanguageEnglish)})
		if err != nil {
			s.renderError(w, r, err)
			return
		}
		s.render(w, r, http.StatusOK, "intake", "New request", f)
	})
}

// maxIntakeBytes bounds an intake post: the form and two scans.
const maxIntakeBytes = 2*workflow.MaxDocumentBytes + 1<<20

func (s *Server) handleIntakeSubmit() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.Body = http.MaxBytesReader(w, r.Body, maxIntakeBytes)
		if err := r.ParseMultipartForm(1 << 20); err != nil {
			var mbe *http.MaxBytesError
			if errors.As(err, &mbe) {
				s.renderError(w, r, roi.Errorf(roi.CodeTooLarge, "The scans are larger than %d MiB together.", 2*workflow.MaxDocumentBytes>>20))
				return
			}
			if err := r.ParseForm(); err != nil {
				s.renderError(w, r, roi.Errorf(roi.CodeInvalid, "The form could not be read."))
				return
			}
		}
		if r.MultipartForm != nil {
			defer r.MultipartForm.RemoveAll()
		}
		v := map[string]string{}
		for _, k := range intakeFields {
			v[k] = strings.TrimSpace(r.FormValue(k))
		}
		f, err := s.intakeData(r, v)
		if err != nil {
			s.renderError(w, r, err)
			return
		}
		for _, l := range r.Form["label"] {
			f.Labels[l] = true
		}
		ctx, who := r.Context(), actor(r)
		if id, err := strconv.ParseInt(v["patient"], 10, 64); err == nil && id > 0 {
			if f.Patient, err = s.desk.Patient(ctx, who, roi.PatientID(id)); err != nil && roi.CodeOf(err) != roi.CodeNotFound {
				s.renderError(w, r, err)
				return
			}
		}
		// "Find" looks the patient up and shows the form again.
		if r.FormValue("step") == "find" || f.Patient == nil {
			if v["find"] != "" {
				f.Searched = true
				if f.Patients, err = s.desk.FindPatients(ctx, who, v["find"]); err != nil {
					if roi.CodeOf(err) != roi.CodeInvalid {
						s.renderError(w, r, err)
						return
					}
					f.Errors["find"] = publicMessage("", err)
				}
			}
			if r.FormValue("step") != "find" && f.Patient == nil {
				f.Errors["patient"] = "Find the patient and pick them before recording the request."
			}
			s.render(w, r, http.StatusOK, "intake", "New request", f)
			return
		}
		in, ok := s.intakeFromForm(f)
		if !ok {
			s.render(w, r, http.StatusUnprocessableEntity, "intake", "New request", f)
			return
		}
		req, err := s.desk.Intake(ctx, who, in)
		if err != nil {
			if roi.CodeOf(err) == roi.CodeInvalid || roi.CodeOf(err) == roi.CodeNotFound {
				f.Errors[""] = publicMessage("", err)
				s.render(w, r, http.StatusUnprocessableEntity, "intake", "New request", f)
				return
			}
			s.renderError(w, r, err)
			return
		}
		// The request exists from here on: what follows adds to it, and a
		// failure is shown on the request page rather than losing it.
		done := "intake"
		if err := s.intakeAttachments(r, req, v); err != nil {
			if st := statusOf[roi.CodeOf(err)]; st == 0 || st >= 500 {
				s.renderError(w, r, err)
				return
			}
			done = "intake-partial"
		}
		if v["save"] == "1" && in.Requester.Kind != roi.KindPatient && v["directory"] == "new" {
			e := &workflow.DirectoryEntry{Kind: in.Requester.Kind, Name: in.Requester.Name, Delivery: in.Delivery, Contact: in.Contact}
			if err := s.desk.SaveRequester(ctx, who, e); err != nil && roi.CodeOf(err) != roi.CodeConflict {
				done = "intake-partial"
			}
		}
		http.Redirect(w, r, "/requests/"+strconv.FormatInt(int64(req.ID), 10)+"?done="+done, http.StatusSeeOther)
	})
}

// intakeFromForm reads the typed form into an intake, marking each field
// that cannot be read. ok is false when any could not.
func (s *Server) intakeFromForm(f *intakeForm) (workflow.Intake, bool) {
	v, e := f.V, f.Errors
	day := func(field string, required bool) roi.Date {
		t := v[field]
		if t == "" {
			if required {
				e[field] = "Give the date."
			}
			return roi.NoDate
		}
		d, ok := s.desk.Dates.ParseDay(t)
		if !ok {
			e[field] = "Write the date as " + s.desk.Dates.Placeholder() + "."
		}
		return d
	}
	in := workflow.Intake{PatientID: f.Patient.ID, Channel: v["channel"], Contact: v["contact"],
		Delivery: roi.Delivery(v["delivery"]), Assignee: v["assignee"], Language: roi.Language(v["language"])}
	in.Type = roi.RequestType(v["type"])
	in.Received = day("received", true)
	in.Due = day("due", false)
	in.Basis = roi.Basis(v["basis"])
	in.Recipient = v["recipient"]
	switch v["directory"] {
	case "", "patient":
		in.Requester = roi.Requester{Kind: roi.KindPatient, Name: f.Patient.Name}
		if in.Basis == "" {
			in.Basis = roi.BasisAccess
		}
	case "new":
		in.Requester = roi.Requester{Kind: roi.Kind(v["kind"]), Name: v["name"]}
		if !roi.IsKind(in.Requester.Kind) {
			e["kind"] = "Say what kind of requester this is."
		}
		if in.Requester.Name == "" {
			e["name"] = "Give the requester's name."
		}
	default:
		id, _ := strconv.ParseInt(v["directory"], 10, 64)
		var entry *workflow.DirectoryEntry
		for _, x := range f.Directory {
			if x.ID == id {
				entry = x
			}
		}
		if entry == nil {
			e["directory"] = "Pick the requester from the list again."
			break
		}
		in.Requester = roi.Requester{Kind: entry.Kind, Name: entry.Name}
		if in.Delivery == "" && entry.Delivery != "" {
			in.Delivery, v["delivery"] = entry.Delivery, string(entry.Delivery)
		}
		if in.Contact == "" && entry.Contact != "" {
			in.Contact, v["contact"] = entry.Contact, entry.Contact
		}
	}
	if in.Basis == "" {
		e["basis"] = "Say what entitles the requester to the records."
	}
	if in.Delivery == "" {
		e["delivery"] = "Say how the records should go."
	}
	in.Scope.From, in.Scope.To = day("from", false), day("to", false)
	if in.Scope.From.Known() && in.Scope.To.Known() && in.Scope.To < in.Scope.From {
		e["to"] = "The end of the range is before its start."
	}
	if v["all"] != "1" {
		for l := range f.Labels {
			lb, ok := roi.ParseLabel(l)
			if !ok {
				e["labels"] = "Tick the kinds of records again."
				continue
			}
			in.Scope.Labels = in.Scope.Labels.With(lb)
		}
		if in.Scope.Labels == 0 {
			e["labels"] = "Tick the kinds of records asked for, or \"all kinds of records\"."
		}
		in.Scope.HasLabels = true
	}
	if in.Basis == roi.BasisAccess || in.Basis == roi.BasisDirective || in.Type == roi.RequestAccounting {
		in.Due = roi.NoDate // the law sets it; the page says so
	}
	return in, len(e) == 0
}

// intakeAttachments uploads the scans sent with the intake and records
// the identity check typed on the form.
func (s *Server) intakeAttachments(r *http.Request, req *roi.DeskRequest, v map[string]string) error {
	ctx, who := r.Context(), actor(r)
	version := req.Version
	for i, field := range []string{"file", "file2"} {
		if r.MultipartForm == nil || len(r.MultipartForm.File[field]) == 0 {
			continue
		}
		fh := r.MultipartForm.File[field][0]
		if fh.Size == 0 {
			continue
		}
		f, err := fh.Open()
		if err != nil {
			return roi.Errorf(roi.CodeInvalid, "The scan could not be read.")
		}
		content, err := io.ReadAll(io.LimitReader(f, workflow.MaxDocumentBytes+1))
		f.Close()
		if err != nil {
			return roi.Errorf(roi.CodeInvalid, "The scan could not be read.")
		}
		kind := v[[]string{"doc_kind", "doc_kind2"}[i]]
		got, _, err := s.desk.UploadDocument(ctx, who, req.ID, version, fh.Filename, roi.DocumentKind(kind), content)
		if err != nil {
			return err
		}
		version = got.Version
	}
	if m := v["identity"]; m != "" {
		body, _ := json.Marshal(map[string]any{"type": roi.EvidenceIdentity, "verified": true, "method": m})
		if _, _, err := s.desk.AttachEvidence(ctx, who, req.ID, version, body); err != nil {
			return err
		}
	}
	return nil
}
