package web

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/custodian-roi/custodian/internal/caseformat"
	"github.com/custodian-roi/custodian/internal/ledger"
	"github.com/custodian-roi/custodian/internal/roi"
	"github.com/custodian-roi/custodian/internal/workflow"
)

// requestJSON is a request as the API shows it.
type requestJSON struct {
	ID               roi.RequestID   `json:"id"`
	Number           string          `json:"number"`
	PatientID        roi.PatientID   `json:"patient_id"`
	Type             roi.RequestType `json:"type"`
	Received         roi.Date        `json:"received"`
	Requester        requesterJSON   `json:"requester"`
	Basis            roi.Basis       `json:"basis"`
	Recipient        string          `json:"recipient"`
	Scope            json.RawMessage `json:"scope"`
	Contact          string          `json:"contact"`
	Delivery         roi.Delivery    `json:"delivery"`
	Language         roi.Language    `json:"language"`
	Status           roi.Status      `json:"status"`
	Assignee         string          `json:"assignee"`
	Due              roi.Date        `json:"due"`
	Overdue          bool            `json:"overdue"`
	Version          int             `json:"version"`
	EvaluatedVersion int             `json:"evaluated_version"`
	Extended         bool            `json:"extended"`
	LinkedTo         *roi.RequestID  `json:"linked_to"`
	CreatedAt        time.Time       `json:"created_at"`
	UpdatedAt        time.Time       `json:"updated_at"`
}

type requesterJSON struct {
	Kind roi.Kind `json:"kind"`
	Name string   `json:"name"`
}

func (s *Server) requestView(r *roi.DeskRequest) requestJSON {
	v := requestJSON{ID: r.ID, Number: r.Number, PatientID: r.PatientID, Type: r.Type, Received: r.Received,
		Requester: requesterJSON{r.Requester.Kind, r.Requester.Name}, Basis: r.Basis, Recipient: r.Recipient,
		Scope: json.RawMessage(workflow.ScopeJSON(r.Scope)), Contact: r.Contact, Delivery: r.Delivery, Language: r.Language.OrEnglish(), Status: r.Status,
		Assignee: r.Assignee, Due: r.Due, Version: r.Version, EvaluatedVersion: r.EvaluatedVersion, Extended: r.Extended,
		CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt}
	v.Overdue = r.Status.Open() && r.Due.Known() && s.desk.Today() > r.Due
	if r.LinkedTo != 0 {
		l := r.LinkedTo
		v.LinkedTo = &l
	}
	return v
}

func (s *Server) handleHealth() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	})
}

type intakeJSON struct {
	PatientID roi.PatientID     `json:"patient_id"`
	Patient   string            `json:"patient"` // FHIR id or MRN, when patient_id is not known
	Type      roi.RequestType   `json:"type"`
	Received  roi.Date          `json:"received"`
	Requester requesterJSON     `json:"requester"`
	Basis     roi.Basis         `json:"basis"`
	Recipient string            `json:"recipient"`
	Scope     *caseformat.Scope `json:"scope"`
	Contact   string            `json:"contact"`
	Delivery  roi.Delivery      `json:"delivery"`
	Due       roi.Date          `json:"due"`
	Assignee  string            `json:"assignee"`
	Language  roi.Language      `json:"language"`
}

func (s *Server) handleIntake() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var in intakeJSON
		if err := decode(w, r, &in); err != nil {
			writeError(w, s.log, err)
			return
		}
		ctx := r.Context()
		if in.PatientID == 0 && in.Patient != "" {
			pid, err := s.desk.PatientByRef(ctx, in.Patient)
			if err != nil {
				writeError(w, s.log, err)
				return
			}
			in.PatientID = pid
		}
		scope, err := caseformat.DecodeScope("scope", in.Scope)
		if err != nil {
			writeError(w, s.log, roi.Errorf(roi.CodeInvalid, "The scope is not valid: %s.", err))
			return
		}
		req, err := s.desk.Intake(ctx, actor(r), workflow.Intake{PatientID: in.PatientID,
			Request: roi.Request{Type: in.Type, Received: in.Received, Requester: roi.Requester{Kind: in.Requester.Kind, Name: in.Requester.Name},
				Basis: in.Basis, Recipient: in.Recipient, Scope: scope},
			Contact: in.Contact, Delivery: in.Delivery, Due: in.Due, Assignee: in.Assignee, Language: in.Language})
		if err != nil {
			writeError(w, s.log, err)
			return
		}
		writeJSON(w, http.StatusCreated, map[string]any{"request": s.requestView(req)})
	})
}

func (s *Server) handleQueue() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		var f workflow.RequestFilter
		for _, st := range strings.Split(q.Get("status"), ",") {
			if st = strings.TrimSpace(st); st != "" {
				if !validStatus(roi.Status(st)) {
					writeError(w, s.log, roi.Errorf(roi.CodeInvalid, "Unknown status in the status parameter; see the Request schema for the statuses."))
					return
				}
				f.Statuses = append(f.Statuses, roi.Status(st))
			}
		}
		if v := q.Get("due_before"); v != "" {
			d, err := roi.ParseDate(v)
			if err != nil {
				writeError(w, s.log, roi.Errorf(roi.CodeInvalid, "due_before must be a YYYY-MM-DD date."))
				return
			}
			f.DueBefore = d
		}
		if q.Get("overdue") == "true" {
			f.Overdue = s.desk.Today()
		}
		// Open requests by default: the closed history grows without end
		// and is asked for by status, number or open=false.
		f.Open = q.Get("open") == "true" || (q.Get("open") != "false" && len(f.Statuses) == 0 && q.Get("number") == "")
		f.Assignee = q.Get("assignee")
		f.Number = q.Get("number")
		if v := q.Get("patient_id"); v != "" {
			id, err := strconv.ParseInt(v, 10, 64)
			if err != nil {
				writeError(w, s.log, roi.Errorf(roi.CodeInvalid, "patient_id must be a number."))
				return
			}
			f.PatientID = roi.PatientID(id)
		}
		f.Limit = 100
		if v := q.Get("limit"); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil || n < 1 || n > workflow.MaxPage {
				writeError(w, s.log, roi.Errorf(roi.CodeInvalid, "limit must be a number from 1 to %d.", workflow.MaxPage))
				return
			}
			f.Limit = n
		}
		if v := q.Get("after"); v != "" {
			k, err := workflow.ParseQueueKey(v)
			if err != nil {
				writeError(w, s.log, err)
				return
			}
			f.After = k
		}
		page, err := s.desk.Queue(r.Context(), actor(r), f)
		if err != nil {
			writeError(w, s.log, err)
			return
		}
		out := make([]requestJSON, 0, len(page.Rows))
		for _, x := range page.Rows {
			out = append(out, s.requestView(x.R))
		}
		res := map[string]any{"requests": out}
		if page.Next != nil {
			res["next"] = page.Next.String()
		}
		writeJSON(w, http.StatusOK, res)
	})
}

func validStatus(st roi.Status) bool {
	for _, x := range roi.Statuses {
		if x == st {
			return true
		}
	}
	return false
}

type evidenceJSON struct {
	ID      int64           `json:"id"`
	Type    string          `json:"type"`
	Body    json.RawMessage `json:"body"`
	AddedBy string          `json:"added_by"`
	AddedAt time.Time       `json:"added_at"`
	// Withdrawn: the entry was taken back or corrected; it no longer
	// counts. Absent while the entry is in force.
	Withdrawn *withdrawnJSON `json:"withdrawn,omitempty"`
}

type withdrawnJSON struct {
	By           string    `json:"by"`
	At           time.Time `json:"at"`
	Reason       string    `json:"reason"`
	SupersededBy int64     `json:"superseded_by,omitempty"`
}

func evidenceView(e roi.EvidenceRecord) evidenceJSON {
	out := evidenceJSON{ID: e.ID, Type: e.Type, Body: e.Body, AddedBy: e.AddedBy, AddedAt: e.AddedAt}
	if !e.Active() {
		out.Withdrawn = &withdrawnJSON{By: e.WithdrawnBy, At: e.WithdrawnAt, Reason: e.WithdrawnReason, SupersededBy: e.SupersededBy}
	}
	return out
}

type documentJSON struct {
	ID          int64     `json:"id"`
	Name        string    `json:"name"`
	ContentType string    `json:"content_type"`
	Kind        string    `json:"kind"`
	Size        int64     `json:"size"`
	SHA256      string    `json:"sha256"`
	AddedBy     string    `json:"added_by"`
	AddedAt     time.Time `json:"added_at"`
}

type decisionJSON struct {
	ID      int64           `json:"id"`
	Kind    string          `json:"kind"`
	RuleSet string          `json:"rule_set"`
	Outcome roi.Outcome     `json:"outcome"`
	Body    json.RawMessage `json:"body"`
	By      string          `json:"by"`
	At      time.Time       `json:"at"`
}

type ledgerJSON struct {
	Seq       int64           `json:"seq"`
	At        string          `json:"at"`
	Kind      string          `json:"kind"`
	RequestID roi.RequestID   `json:"request_id"`
	PatientID roi.PatientID   `json:"patient_id"`
	Actor     string          `json:"actor"`
	Body      json.RawMessage `json:"body"`
	Hash      string          `json:"hash"`
}

func docView(d roi.DocumentRecord) documentJSON {
	return documentJSON{d.ID, d.Name, d.ContentType, string(d.Kind), d.Size, d.SHA256, d.AddedBy, d.AddedAt}
}

func (s *Server) handleRequestShow() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id, err := pathID(r, "id")
		if err != nil {
			writeError(w, s.log, err)
			return
		}
		c, err := s.desk.Get(r.Context(), actor(r), roi.RequestID(id))
		if err != nil {
			writeError(w, s.log, err)
			return
		}
		out := map[string]any{"request": s.requestView(c.Request), "next": c.Next}
		ev := []evidenceJSON{}
		for _, e := range c.Evidence {
			ev = append(ev, evidenceView(e))
		}
		docs := []documentJSON{}
		for _, d := range c.Documents {
			docs = append(docs, docView(d))
		}
		decs := []decisionJSON{}
		for _, d := range c.Decisions {
			decs = append(decs, decisionJSON{d.ID, string(d.Kind), d.RuleSet, d.Outcome, d.Body, d.By, d.At})
		}
		hist := []ledgerJSON{}
		for _, e := range c.History {
			hist = append(hist, ledgerJSON{e.Seq, e.At.UTC().Format(ledger.TimeFormat), string(e.Kind), e.RequestID, e.PatientID, e.Actor, ledgerBodyView(e.Body), e.Hash})
		}
		linked := []requestJSON{}
		for _, l := range c.Linked {
			linked = append(linked, s.requestView(l))
		}
		out["evidence"], out["documents"], out["decisions"], out["history"], out["linked"] = ev, docs, decs, hist, linked
		writeJSON(w, http.StatusOK, out)
	})
}

// accessLast reads the "last" parameter of an access log: how many of
// the newest views to show.
func accessLast(r *http.Request) (int, error) {
	v := r.URL.Query().Get("last")
	if v == "" {
		return 200, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > 1000 {
		return 0, roi.Errorf(roi.CodeInvalid, "last must be a number from 1 to 1000.")
	}
	return n, nil
}

func (s *Server) handleAccessLog() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id, err := pathID(r, "id")
		if err != nil {
			writeError(w, s.log, err)
			return
		}
		last, err := accessLast(r)
		if err != nil {
			writeError(w, s.log, err)
			return
		}
		es, err := s.desk.AccessLog(r.Context(), actor(r), roi.RequestID(id), last)
		if err != nil {
			writeError(w, s.log, err)
			return
		}
		writeJSON(w, http.StatusOK, map[string]any{"access": es})
	})
}

// versioned is the member every state change carries: the version of the
// request it was made against.
type versioned struct {
	Version int `json:"version"`
}

func (v versioned) check() error {
	if v.Version <= 0 {
		return roi.Errorf(roi.CodeInvalid, "Say which version of the request this change is made against: member version is required.")
	}
	return nil
}

// change decodes a state change's body and runs it against request {id}.
func (s *Server) change(w http.ResponseWriter, r *http.Request, body interface{ check() error }, run func(id roi.RequestID) (any, error)) {
	id, err := pathID(r, "id")
	if err == nil {
		err = decode(w, r, body)
	}
	if err == nil {
		err = body.check()
	}
	if err != nil {
		writeError(w, s.log, err)
		return
	}
	out, err := run(roi.RequestID(id))
	if err != nil {
		writeError(w, s.log, err)
		return
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) handleEvidence() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var in struct {
			versioned
			Evidence json.RawMessage `json:"evidence"`
		}
		s.change(w, r, &in, func(id roi.RequestID) (any, error) {
			if len(in.Evidence) == 0 {
				return nil, roi.Errorf(roi.CodeInvalid, "Member evidence is required.")
			}
			req, evID, err := s.desk.AttachEvidence(r.Context(), actor(r), id, in.Version, in.Evidence)
			if err != nil {
				return nil, err
			}
			return map[string]any{"request": s.requestView(req), "evidence_id": evID}, nil
		})
	})
}

func (s *Server) handleUpload() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id, err := pathID(r, "id")
		if err != nil {
			writeError(w, s.log, err)
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, workflow.MaxDocumentBytes+1<<20)
		if err := r.ParseMultipartForm(1 << 20); err != nil {
			var mbe *http.MaxBytesError
			if errors.As(err, &mbe) {
				writeError(w, s.log, roi.Errorf(roi.CodeTooLarge, "The document is larger than %d MiB.", workflow.MaxDocumentBytes>>20))
				return
			}
			writeError(w, s.log, roi.Errorf(roi.CodeInvalid, "Send the document as multipart/form-data with members version and file."))
			return
		}
		defer r.MultipartForm.RemoveAll()
		version, _ := strconv.Atoi(r.FormValue("version"))
		if err := (versioned{version}).check(); err != nil {
			writeError(w, s.log, err)
			return
		}
		f, fh, err := r.FormFile("file")
		if err != nil {
			writeError(w, s.log, roi.Errorf(roi.CodeInvalid, "Member file is required."))
			return
		}
		defer f.Close()
		content, err := io.ReadAll(io.LimitReader(f, workflow.MaxDocumentBytes+1))
		if err != nil {
			writeError(w, s.log, roi.Errorf(roi.CodeInvalid, "The document could not be read."))
			return
		}
		req, doc, err := s.desk.UploadDocument(r.Context(), actor(r), roi.RequestID(id), version, fh.Filename, roi.DocumentKind(r.FormValue("kind")), content)
		if err != nil {
			writeError(w, s.log, err)
			return
		}
		writeJSON(w, http.StatusCreated, map[string]any{"request": s.requestView(req), "document": docView(*doc)})
	})
}

func (s *Server) handleDocument() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id, docID, err := documentPath(r)
		if err != nil {
			writeError(w, s.log, err)
			return
		}
		doc, content, err := s.desk.Document(r.Context(), actor(r), roi.RequestID(id), docID)
		if err != nil {
			writeError(w, s.log, err)
			return
		}
		w.Header().Set("Content-Type", doc.ContentType)
		// The stored name is never echoed into a header: it may hold PHI.
		w.Header().Set("Content-Disposition", `attachment; filename="document-`+strconv.FormatInt(doc.ID, 10)+`"`)
		w.Header().Set("Digest", "sha-256="+doc.SHA256)
		w.Write(content)
	})
}

func (s *Server) handleEvaluate() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var in versioned
		s.change(w, r, &in, func(id roi.RequestID) (any, error) {
			req, ev, err := s.desk.Evaluate(r.Context(), actor(r), id, in.Version)
			if err != nil {
				return nil, err
			}
			return map[string]any{"request": s.requestView(req), "decision_id": ev.Record.ID, "decision": ev.Decision}, nil
		})
	})
}

func (s *Server) handleDecide() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var in struct {
			versioned
			Action  string   `json:"action"`
			Note    string   `json:"note"`
			Missing []string `json:"missing"`
			// Exception: the Part 171 exception a person's own hold
			// rests on (infoblocking.go); empty is none.
			Exception roi.Exception `json:"exception"`
		}
		s.change(w, r, &in, func(id roi.RequestID) (any, error) {
			req, final, err := s.desk.Decide(r.Context(), actor(r), id, in.Version, workflow.Decide{Action: in.Action, Note: in.Note, Missing: in.Missing, Exception: in.Exception})
			if err != nil {
				return nil, err
			}
			return map[string]any{"request": s.requestView(req), "decision": final}, nil
		})
	})
}

func (s *Server) handleResolve() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var in struct {
			versioned
			Action    string        `json:"action"`
			Release   []string      `json:"release"`
			Note      string        `json:"note"`
			Exception roi.Exception `json:"exception"`
		}
		s.change(w, r, &in, func(id roi.RequestID) (any, error) {
			req, final, err := s.desk.ResolveEscalation(r.Context(), actor(r), id, in.Version, workflow.Resolve{Action: in.Action, Release: in.Release, Note: in.Note, Exception: in.Exception})
			if err != nil {
				return nil, err
			}
			return map[string]any{"request": s.requestView(req), "decision": final}, nil
		})
	})
}

func (s *Server) handleExtend() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var in struct {
			versioned
			NewDue    roi.Date      `json:"new_due"`
			Reason    string        `json:"reason"`
			Exception roi.Exception `json:"exception"`
		}
		s.change(w, r, &in, func(id roi.RequestID) (any, error) {
			req, err := s.desk.Extend(r.Context(), actor(r), id, in.Version, workflow.Extend{NewDue: in.NewDue, Reason: in.Reason, Exception: in.Exception})
			if err != nil {
				return nil, err
			}
			return map[string]any{"request": s.requestView(req)}, nil
		})
	})
}

func (s *Server) handleAssign() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var in struct {
			versioned
			Assignee string `json:"assignee"`
		}
		s.change(w, r, &in, func(id roi.RequestID) (any, error) {
			req, err := s.desk.Assign(r.Context(), actor(r), id, in.Version, in.Assignee)
			if err != nil {
				return nil, err
			}
			return map[string]any{"request": s.requestView(req)}, nil
		})
	})
}

func (s *Server) handleCancel() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var in struct {
			versioned
			Reason string `json:"reason"`
		}
		s.change(w, r, &in, func(id roi.RequestID) (any, error) {
			req, err := s.desk.Cancel(r.Context(), actor(r), id, in.Version, in.Reason)
			if err != nil {
				return nil, err
			}
			return map[string]any{"request": s.requestView(req)}, nil
		})
	})
}

func (s *Server) handleClose() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var in versioned
		s.change(w, r, &in, func(id roi.RequestID) (any, error) {
			req, err := s.desk.Close(r.Context(), actor(r), id, in.Version)
			if err != nil {
				return nil, err
			}
			return map[string]any{"request": s.requestView(req)}, nil
		})
	})
}

func (s *Server) handleReminders() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		days := 7
		if v := r.URL.Query().Get("days"); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil || n < 0 || n > 366 {
				writeError(w, s.log, roi.Errorf(roi.CodeInvalid, "days must be a number from 0 to 366."))
				return
			}
			days = n
		}
		rs, err := s.desk.Reminders(r.Context(), days)
		if err != nil {
			writeError(w, s.log, err)
			return
		}
		type reminder struct {
			Request  requestJSON `json:"request"`
			DaysLeft int         `json:"days_left"`
		}
		out := []reminder{}
		for _, x := range rs {
			out = append(out, reminder{s.requestView(x.Request), x.DaysLeft})
		}
		writeJSON(w, http.StatusOK, map[string]any{"reminders": out})
	})
}

type patientJSON struct {
	ID        roi.PatientID `json:"id"`
	FHIRID    string        `json:"fhir_id"`
	MRN       string        `json:"mrn"`
	Name      string        `json:"name"`
	BirthDate roi.Date      `json:"birth_date"`
	DeathDate roi.Date      `json:"death_date"`
}

func patientView(p *roi.PatientRecord) patientJSON {
	return patientJSON{p.ID, p.FHIRID, p.MRN, p.Name, p.BirthDate, p.DeathDate}
}

func (s *Server) handlePatients() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		if actor(r) == "" {
			writeError(w, s.log, roi.Errorf(roi.CodeUnauthenticated, "Say who is acting: set %s.", ActorHeader))
			return
		}
		ps, err := s.desk.Patients(ctx, actor(r))
		if err != nil {
			writeError(w, s.log, err)
			return
		}
		out := []patientJSON{}
		for _, p := range ps {
			out = append(out, patientView(p))
		}
		writeJSON(w, http.StatusOK, map[string]any{"patients": out})
	})
}

func (s *Server) handleChart() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id, err := pathID(r, "id")
		if err != nil {
			writeError(w, s.log, err)
			return
		}
		p, items, err := s.desk.Chart(r.Context(), actor(r), roi.PatientID(id))
		if err != nil {
			writeError(w, s.log, err)
			return
		}
		out := []ChartItemJSON{}
		for _, it := range items {
			out = append(out, ChartItemView(it))
		}
		writeJSON(w, http.StatusOK, map[string]any{"patient": patientView(p), "items": out})
	})
}

func (s *Server) handleAccounting() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id, err := pathID(r, "id")
		if err != nil {
			writeError(w, s.log, err)
			return
		}
		acc, err := s.desk.AccountingWith(r.Context(), actor(r), roi.PatientID(id), workflow.AccountingOptions{Summarize: summarize(r)})
		if err != nil {
			writeError(w, s.log, err)
			return
		}
		ct, ok := negotiate(r.Header.Get("Accept"), "application/json", "text/csv")
		if !ok {
			writeError(w, s.log, notAcceptable("application/json", "text/csv"))
			return
		}
		if ct == "text/csv" {
			w.Header().Set("Content-Type", "text/csv; charset=utf-8")
			w.Header().Set("Content-Disposition", `attachment; filename="accounting.csv"`)
			acc.WriteCSV(w)
			return
		}
		writeJSON(w, http.StatusOK, acc)
	})
}

func (s *Server) handleLedgerVerify() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n, err := s.desk.VerifyLedger(r.Context())
		var b *ledger.BrokenError
		switch {
		case errors.As(err, &b):
			writeJSON(w, http.StatusOK, map[string]any{"ok": false, "entries": n, "broken": map[string]any{"seq": b.Seq, "reason": b.Reason}})
		case err != nil:
			writeError(w, s.log, err)
		default:
			writeJSON(w, http.StatusOK, map[string]any{"ok": true, "entries": n})
		}
	})
}

// ChartItemJSON is a chart item as the API and `custodian chart` show it.
type ChartItemJSON struct {
	ID   string   `json:"id"`
	Date roi.Date `json:"date"`
	// Until is the last day a record dated only to a year, a month or a
	// last update may be from; DateField the member the date came from
	// ("" and a null date: the record gives none).
	Until        roi.Date          `json:"until"`
	DateField    string            `json:"date_field"`
	Type         string            `json:"type"`
	Title        string            `json:"title"`
	Labels       []string          `json:"labels"`
	LabelSources []roi.LabelSource `json:"label_sources"`
	Source       string            `json:"source"`
}

// ChartItemView is the JSON form of it.
func ChartItemView(it roi.ChartItem) ChartItemJSON {
	why := it.Why
	if why == nil {
		why = []roi.LabelSource{}
	}
	return ChartItemJSON{it.Key, it.Date, it.Until, it.DateField, it.Type, it.Title, it.Labels.Strings(), why, it.Source}
}

func (s *Server) handleLabel() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id, err := pathID(r, "id")
		if err != nil {
			writeError(w, s.log, err)
			return
		}
		var in struct {
			Item   string `json:"item"`
			Label  string `json:"label"`
			Action string `json:"action"`
			Reason string `json:"reason"`
		}
		if err := decode(w, r, &in); err != nil {
			writeError(w, s.log, err)
			return
		}
		c, err := s.desk.ChangeLabel(r.Context(), actor(r), roi.PatientID(id), in.Item, in.Label, in.Action, in.Reason)
		if err != nil {
			writeError(w, s.log, err)
			return
		}
		if c.Proposal != nil {
			// A removal waits for a second person (labels.go): 202, the
			// labels as every decision still sees them, and the proposal.
			writeJSON(w, http.StatusAccepted, map[string]any{"item": c.Item, "labels": c.Labels.Strings(), "proposal": c.Proposal})
			return
		}
		writeJSON(w, http.StatusOK, map[string]any{"item": c.Item, "labels": c.Labels.Strings()})
	})
}

func (s *Server) handleExport() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id, err := pathID(r, "id")
		if err != nil {
			writeError(w, s.log, err)
			return
		}
		b, err := s.desk.Export(r.Context(), actor(r), roi.RequestID(id))
		if err != nil {
			writeError(w, s.log, err)
			return
		}
		w.Header().Set("Content-Type", "application/fhir+json")
		w.Write(b)
	})
}
