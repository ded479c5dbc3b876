package web

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/custodian-roi/custodian/internal/auth"
	"github.com/custodian-roi/custodian/internal/roi"
	"github.com/custodian-roi/custodian/internal/workflow"
)

func init() {
	funcs["deliveryState"] = deliveryState
	// lines splits an address typed on several lines, to print it so.
	funcs["lines"] = func(s string) []string { return strings.Split(strings.ReplaceAll(s, "\r\n", "\n"), "\n") }
}

// deliveryState says where a delivery stands in words a clerk uses,
// by channel: "Waiting for staff to print and mail it", "Faxed".
func deliveryState(d *roi.DeliveryRecord) string {
	switch d.State {
	case roi.DeliveryQueued:
		return "Waiting to be sent"
	case roi.DeliveryRunning:
		return "Being sent now"
	case roi.DeliveryFailed:
		return "Failed: not sent"
	case roi.DeliveryWaiting:
		switch d.Channel {
		case roi.DeliveryMail:
			return "Waiting for staff to print and mail it"
		case roi.DeliveryFax:
			return "Waiting for staff to fax it"
		case roi.DeliveryPickup:
			return "Waiting for the requester to pick it up"
		case roi.DeliveryPortal:
			return "Waiting for the requester to download it"
		}
		return "Waiting"
	case roi.DeliveryDone:
		switch d.Channel {
		case roi.DeliveryMail:
			return "Mailed"
		case roi.DeliveryFax:
			return "Faxed"
		case roi.DeliveryPickup:
			return "Picked up"
		case roi.DeliveryPortal:
			return "Downloaded by the requester"
		case roi.DeliveryEmail:
			return "Download link e-mailed"
		case roi.DeliverySFTP:
			return "Uploaded"
		}
		return "Done"
	}
	return string(d.State)
}

// deliveryPage is the delivery page's data.
type deliveryPage struct {
	*workflow.DeliveryView
	CanComplete bool
	// CanRecover: the delivery failed and the viewer may release, so the
	// page offers retry and re-route; Channels are the re-route's choices.
	CanRecover bool
	Channels   []roi.Delivery
	Today      string // the date field's default, YYYY-MM-DD
	Now        string // the date-and-time field's default, in the desk's zone
	Error      string // why the last form was refused; what was typed stays
	Form       map[string]string
}

// deliveryForm reads a delivery page form's request and delivery IDs
// and parses its (bounded) body; when either fails it has answered with
// the error page and returns false.
func (s *Server) deliveryForm(w http.ResponseWriter, r *http.Request) (roi.RequestID, int64, bool) {
	id, did, err := deliveryIDs(r)
	if err != nil {
		s.renderError(w, r, err)
		return 0, 0, false
	}
	r.Body = http.MaxBytesReader(w, r.Body, 16<<10)
	if err := r.ParseForm(); err != nil {
		s.renderError(w, r, roi.Errorf(roi.CodeInvalid, "The form could not be read."))
		return 0, 0, false
	}
	return id, did, true
}

func deliveryIDs(r *http.Request) (roi.RequestID, int64, error) {
	id, err := pathID(r, "id")
	if err != nil {
		return 0, 0, err
	}
	did, err := pathID(r, "delivery")
	return roi.RequestID(id), did, err
}

// handleDeliveryPage shows one delivery: for mail, fax and pickup what to
// do and a form to record it; for the others where it stands.
func (s *Server) handleDeliveryPage() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id, did, err := deliveryIDs(r)
		if err != nil {
			s.renderError(w, r, err)
			return
		}
		s.renderDelivery(w, r, id, did, http.StatusOK, "", nil)
	})
}

func (s *Server) renderDelivery(w http.ResponseWriter, r *http.Request, id roi.RequestID, did int64, status int, msg string, form map[string]string) {
	v, err := s.desk.DeliveryPage(r.Context(), actor(r), id, did)
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	now := s.desk.Now().In(s.desk.Location)
	pd := deliveryPage{DeliveryView: v, CanComplete: staffOf(r).can(auth.PermCompleteDelivery),
		CanRecover: canRecover(r, v.Delivery), Channels: roi.Deliveries,
		Today: now.Format("2006-01-02"), Now: now.Format("2006-01-02T15:04"), Error: msg, Form: form}
	if pd.Form == nil {
		pd.Form = map[string]string{}
	}
	s.render(w, r, status, "delivery", "Delivery "+strconv.FormatInt(did, 10)+" of "+v.Request.Number, pd)
}

// handleDeliveryComplete records a mail, fax or pickup delivery from the
// delivery page's form. A refusal shows the page again with the reason
// and what was typed.
func (s *Server) handleDeliveryComplete() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id, did, ok := s.deliveryForm(w, r)
		if !ok {
			return
		}
		form := map[string]string{}
		for _, k := range []string{"carrier", "tracking", "mailed", "pages", "confirmation", "sent_at", "picked_up_by", "id_checked", "note"} {
			form[k] = strings.TrimSpace(r.PostForm.Get(k))
		}
		in, err := s.completeForm(form)
		if err == nil {
			_, err = s.desk.CompleteRequestDelivery(r.Context(), actor(r), id, did, in)
		}
		if err != nil {
			if c := roi.CodeOf(err); c == roi.CodeInvalid || c == roi.CodeConflict {
				s.renderDelivery(w, r, id, did, statusOf[c], s.shown(r, err), form)
				return
			}
			s.renderError(w, r, err)
			return
		}
		http.Redirect(w, r, "/requests/"+strconv.FormatInt(int64(id), 10)+"/deliveries/"+strconv.FormatInt(did, 10), http.StatusSeeOther)
	})
}

// completeForm reads the delivery form: dates as a person types them (or
// as the browser's date field sends them), the time in the desk's zone.
func (s *Server) completeForm(f map[string]string) (workflow.Complete, error) {
	in := workflow.Complete{Carrier: f["carrier"], Tracking: f["tracking"], Confirmation: f["confirmation"],
		PickedUpBy: f["picked_up_by"], IDChecked: f["id_checked"], Note: f["note"]}
	if v := f["mailed"]; v != "" {
		day, ok := s.desk.Dates.ParseDay(v)
		if !ok {
			return in, roi.Errorf(roi.CodeInvalid, "The day mailed is not a date (for example %s).", s.desk.Dates.Placeholder())
		}
		in.Mailed = day
	}
	if v := f["pages"]; v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			return in, roi.Errorf(roi.CodeInvalid, "The pages sent must be a number of pages.")
		}
		in.Pages = n
	}
	if v := f["sent_at"]; v != "" {
		t, err := time.ParseInLocation("2006-01-02T15:04", v, s.desk.Location)
		if err != nil {
			return in, roi.Errorf(roi.CodeInvalid, "The time the fax was sent is not a date and time.")
		}
		in.SentAt = &t
	}
	return in, nil
}

// handlePageIssueCode issues a one-time download code for the request's
// portal link and shows it once, to read to the requester after checking
// who they are. Only its hash is kept.
func (s *Server) handlePageIssueCode() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id, err := pathID(r, "id")
		if err != nil {
			s.renderError(w, r, err)
			return
		}
		code, err := s.desk.IssueCode(r.Context(), actor(r), roi.RequestID(id))
		if err != nil {
			s.renderError(w, r, err)
			return
		}
		s.render(w, r, http.StatusOK, "code_issued", "Download code", codeIssued{ID: roi.RequestID(id), Code: code,
			Minutes: int(workflow.CodeLifetime.Minutes())})
	})
}

type codeIssued struct {
	ID      roi.RequestID
	Code    string
	Minutes int
}
