package web

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/custodian-roi/custodian/internal/auth"
	"github.com/custodian-roi/custodian/internal/roi"
	"github.com/custodian-roi/custodian/internal/workflow"
)

// A failed delivery is retried or re-routed by someone who may release
// (the routes ask for auth.PermRelease): sending the packet again, or to
// another place, is a release's act, not a clerk's.

type retryIn struct {
	Reason string `json:"reason"`
}

// handleRetryDelivery queues a failed delivery again, same channel and
// destination.
func (s *Server) handleRetryDelivery() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id, err := pathID(r, "id")
		var in retryIn
		if err == nil {
			err = decode(w, r, &in)
		}
		if err != nil {
			writeError(w, s.log, err)
			return
		}
		d, err := s.desk.RetryDelivery(r.Context(), actor(r), 0, id, in.Reason)
		if err != nil {
			writeError(w, s.log, err)
			return
		}
		writeJSON(w, http.StatusOK, map[string]any{"delivery": viewDelivery(d)})
	})
}

// handleRerouteDelivery sends a failed delivery's packet by another
// channel or to another destination. A portal link is shown once.
func (s *Server) handleRerouteDelivery() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id, err := pathID(r, "id")
		var in workflow.Reroute
		if err == nil {
			err = decode(w, r, &in)
		}
		if err != nil {
			writeError(w, s.log, err)
			return
		}
		out, err := s.desk.RerouteDelivery(r.Context(), actor(r), 0, id, in)
		if err != nil {
			writeError(w, s.log, err)
			return
		}
		body := map[string]any{"delivery": viewDelivery(out.Delivery), "from": id}
		if out.Link != "" {
			body["link"] = out.Link
			kept := map[string]any{"delivery": viewDelivery(out.Delivery), "from": id,
				"note": "This is a replay: the link was shown once, when the delivery was re-routed."}
			setReplay(r, kept)
		}
		writeJSON(w, http.StatusOK, body)
	})
}

// handlePageRetryDelivery is the delivery page's retry button.
func (s *Server) handlePageRetryDelivery() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id, did, ok := s.deliveryForm(w, r)
		if !ok {
			return
		}
		form := map[string]string{"retry_reason": strings.TrimSpace(r.PostForm.Get("reason"))}
		if _, err := s.desk.RetryDelivery(r.Context(), actor(r), id, did, form["retry_reason"]); err != nil {
			if c := roi.CodeOf(err); c == roi.CodeInvalid || c == roi.CodeConflict {
				s.renderDelivery(w, r, id, did, statusOf[c], s.shown(r, err), form)
				return
			}
			s.renderError(w, r, err)
			return
		}
		http.Redirect(w, r, deliveryPath(id, did), http.StatusSeeOther)
	})
}

// handlePageRerouteDelivery is the delivery page's re-route form. A
// portal re-route shows the new delivery's page with the link, once.
func (s *Server) handlePageRerouteDelivery() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id, did, ok := s.deliveryForm(w, r)
		if !ok {
			return
		}
		form := map[string]string{}
		for _, k := range []string{"channel", "target", "reason"} {
			form["reroute_"+k] = strings.TrimSpace(r.PostForm.Get(k))
		}
		out, err := s.desk.RerouteDelivery(r.Context(), actor(r), id, did, workflow.Reroute{
			Channel: roi.Delivery(form["reroute_channel"]), Target: form["reroute_target"], Reason: form["reroute_reason"]})
		if err != nil {
			if c := roi.CodeOf(err); c == roi.CodeInvalid || c == roi.CodeConflict {
				s.renderDelivery(w, r, id, did, statusOf[c], s.shown(r, err), form)
				return
			}
			s.renderError(w, r, err)
			return
		}
		if out.Link != "" {
			s.renderDelivery(w, r, id, out.Delivery.ID, http.StatusOK, "", map[string]string{"link": out.Link})
			return
		}
		http.Redirect(w, r, deliveryPath(id, out.Delivery.ID), http.StatusSeeOther)
	})
}

func deliveryPath(id roi.RequestID, did int64) string {
	return "/requests/" + strconv.FormatInt(int64(id), 10) + "/deliveries/" + strconv.FormatInt(did, 10)
}

// canRecover reports whether the delivery page offers retry and re-route.
func canRecover(r *http.Request, d *roi.DeliveryRecord) bool {
	return d.State == roi.DeliveryFailed && staffOf(r).can(auth.PermRelease)
}
