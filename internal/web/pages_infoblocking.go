package web

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/custodian-roi/custodian/internal/roi"
	"github.com/custodian-roi/custodian/internal/workflow"
)

// Information blocking (45 CFR Part 171) on the request page and in the
// API: what each withholding, hold and delay rests on, the privacy
// officer's reason for one resting on none, and a delay of a request ready
// to release. The rules are workflow's (infoblocking.go); this is forms and
// words.

// exceptionChoice is an exception as a form offers it.
type exceptionChoice struct {
	Code roi.Exception
	Text string
}

// exceptionWords say each exception in a line staff can pick from.
var exceptionWords = map[roi.Exception]string{
	roi.ExceptionNotEHI:                   "Not electronic health information: psychotherapy notes, records compiled for litigation (171.102)",
	roi.ExceptionPreventingHarm:           "Preventing harm: a licensed professional's determination, or a representative who endangers the patient (171.201)",
	roi.ExceptionPrivacyPrecondition:      "Privacy — a precondition the law sets is not met: identity, authority, a required consent or authorization (171.202(b))",
	roi.ExceptionPrivacyDenial:            "Privacy — a HIPAA unreviewable ground of denial (171.202(d))",
	roi.ExceptionPrivacyIndividualRequest: "Privacy — the individual asked not to share, or to wait (171.202(e))",
	roi.ExceptionSecurity:                 "Security: needed to safeguard the information, tailored to the risk (171.203)",
	roi.ExceptionInfeasibility:            "Infeasibility: an event we cannot control, records that cannot be separated, or infeasible here; written reply within 10 business days (171.204)",
	roi.ExceptionHealthITPerformance:      "Health IT performance: the system is down for maintenance or repair, no longer than needed (171.205)",
	roi.ExceptionProtectingCareAccess:     "Protecting care access: protecting lawful reproductive health care (171.206)",
	roi.ExceptionManner:                   "Manner: the requested form cannot be done; another is offered (171.301)",
	roi.ExceptionFees:                     "Fees: a fee that meets 171.302 and HIPAA's limits",
	roi.ExceptionNone:                     "None: no exception applies — an information-blocking risk; the privacy officer must record why it stands",
}

// exceptionChoices are the exceptions in the order of Part 171, none last.
func exceptionChoices() []exceptionChoice {
	out := make([]exceptionChoice, 0, len(roi.Exceptions))
	for _, x := range roi.Exceptions {
		out = append(out, exceptionChoice{Code: x, Text: exceptionWords[x]})
	}
	return out
}

// ibPage is the request page's information-blocking section.
type ibPage struct {
	*workflow.InfoBlocking
	Choices []exceptionChoice
	// PrivacyOfficer: the signed-in person may record a reason.
	PrivacyOfficer bool
}

// ExceptionText is an exception in words.
func (p ibPage) ExceptionText(x roi.Exception) string {
	if s, ok := exceptionWords[x]; ok {
		return s
	}
	return string(x)
}

// PracticeText is a practice in words.
func (p ibPage) PracticeText(practice string) string {
	switch practice {
	case roi.PracticeWithhold:
		return "Withheld"
	case roi.PracticeDeny:
		return "Request denied"
	case roi.PracticePending:
		return "Request held"
	case roi.PracticeExtension:
		return "Deadline extended"
	case roi.PracticeDelay:
		return "Release delayed"
	}
	return practice
}

// Span says a duration in days and hours.
func (p ibPage) Span(d time.Duration) string { return ibSpan(d) }

// ReadySince and ReleasedOn are ReadyAt and ReleasedAt for a template
// (zero when not set; the template asks first).
func (p ibPage) ReadySince() time.Time {
	if p.ReadyAt == nil {
		return time.Time{}
	}
	return *p.ReadyAt
}

// ReleasedOn: see ReadySince.
func (p ibPage) ReleasedOn() time.Time {
	if p.ReleasedAt == nil {
		return time.Time{}
	}
	return *p.ReleasedAt
}

// LimitDays is the configured limit in days.
func (p ibPage) LimitDays() int { return int(p.ReadyLimit / (24 * time.Hour)) }

func ibSpan(d time.Duration) string {
	if d < 0 {
		d = 0
	}
	h := int(d / time.Hour)
	days, h := h/24, h%24
	switch {
	case days == 0 && h == 0:
		return "less than an hour"
	case days == 0:
		return ibPlural(h, "hour")
	case h == 0:
		return ibPlural(days, "day")
	}
	return ibPlural(days, "day") + " " + ibPlural(h, "hour")
}

func ibPlural(n int, noun string) string {
	s := strconv.Itoa(n) + " " + noun
	if n != 1 {
		s += "s"
	}
	return s
}

// ItemTitle is the title of the chart item with key, for the section's
// rows ("" when the item is not in scope any more).
func (p requestPage) ItemTitle(key string) string {
	for _, it := range p.Items {
		if it.Item.Key == key {
			return it.Item.Title
		}
	}
	return ""
}

// handlePageIBReason records the privacy officer's reason for what rests on
// none (the route needs the escalation permission, which only the privacy
// officer holds; workflow checks the role itself too).
func (s *Server) handlePageIBReason() http.Handler {
	return s.act("ib-reason", func(w http.ResponseWriter, r *http.Request, id roi.RequestID, v int) error {
		_, err := s.desk.ExplainNone(r.Context(), actor(r), id, r.PostForm.Get("reason"))
		return err
	})
}

// handlePageIBDelay records why a request ready to release waits.
func (s *Server) handlePageIBDelay() http.Handler {
	return s.act("ib-delay", func(w http.ResponseWriter, r *http.Request, id roi.RequestID, v int) error {
		x, err := workflow.ParseException(r.PostForm.Get("exception"))
		if err != nil {
			return err
		}
		if strings.TrimSpace(r.PostForm.Get("exception")) == "" {
			return roi.Errorf(roi.CodeInvalid, "Pick the exception the delay rests on (or none).")
		}
		_, err = s.desk.RecordDelay(r.Context(), actor(r), id, workflow.Delay{Exception: x, Note: r.PostForm.Get("note")})
		return err
	})
}

// handleIBShow is GET /api/v1/requests/{id}/info-blocking.
func (s *Server) handleIBShow() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id, err := pathID(r, "id")
		if err != nil {
			writeError(w, s.log, err)
			return
		}
		ib, err := s.desk.InfoBlocking(r.Context(), roi.RequestID(id))
		if err != nil {
			writeError(w, s.log, err)
			return
		}
		writeJSON(w, http.StatusOK, ib)
	})
}

// ibReasonBody is the body of POST .../info-blocking/reason.
type ibReasonBody struct {
	Reason string `json:"reason"`
}

func (ibReasonBody) check() error { return nil }

// handleIBReason is POST /api/v1/requests/{id}/info-blocking/reason.
func (s *Server) handleIBReason() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var in ibReasonBody
		s.change(w, r, &in, func(id roi.RequestID) (any, error) {
			return s.desk.ExplainNone(r.Context(), actor(r), id, in.Reason)
		})
	})
}

// ibDelayBody is the body of POST .../info-blocking/delay.
type ibDelayBody struct {
	Exception roi.Exception `json:"exception"`
	Note      string        `json:"note"`
}

func (ibDelayBody) check() error { return nil }

// handleIBDelay is POST /api/v1/requests/{id}/info-blocking/delay.
func (s *Server) handleIBDelay() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var in ibDelayBody
		s.change(w, r, &in, func(id roi.RequestID) (any, error) {
			return s.desk.RecordDelay(r.Context(), actor(r), id, workflow.Delay{Exception: in.Exception, Note: in.Note})
		})
	})
}

func init() {
	flashes["ib-reason"] = "The privacy officer's reason is recorded."
	flashes["ib-delay"] = "The delay and the exception it rests on are recorded."
}

// handleRisksPage is the list of requests at information-blocking risk,
// for everyone who works the queue (the metrics show it too, to fewer
// people). Request numbers, statuses and dates only: no PHI.
func (s *Server) handleRisksPage() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		risks, err := s.desk.InfoBlockingRisks(r.Context())
		if err != nil {
			s.renderError(w, r, err)
			return
		}
		limit := s.desk.ReadyLimitDays
		if limit <= 0 {
			limit = workflow.DefaultReadyLimitDays
		}
		s.render(w, r, http.StatusOK, "risks", "Information-blocking risks", map[string]any{"Risks": risks, "LimitDays": limit})
	})
}

// handleRisks is GET /api/v1/info-blocking/risks.
func (s *Server) handleRisks() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		risks, err := s.desk.InfoBlockingRisks(r.Context())
		if err != nil {
			writeError(w, s.log, err)
			return
		}
		writeJSON(w, http.StatusOK, map[string]any{"risks": risks})
	})
}
