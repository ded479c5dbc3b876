package web

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/custodian-roi/custodian/internal/auth"
	"github.com/custodian-roi/custodian/internal/roi"
	"github.com/custodian-roi/custodian/internal/workflow"
)

// ---- sign-in ----

const pendingCookie = "custodian_pending"

func (s *Server) handleLoginPage() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.render(w, r, http.StatusOK, "login", "Sign in", s.loginData(""))
	})
}

func (s *Server) handleLogin() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if s.opts.Auth == nil {
			s.renderError(w, r, roi.Errorf(roi.CodeConflict, "Sign-in is not configured on this server."))
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, 4096)
		if err := r.ParseForm(); err != nil {
			s.renderError(w, r, roi.Errorf(roi.CodeInvalid, "The form could not be read."))
			return
		}
		pending, err := s.opts.Auth.Login(r.Context(), r.PostForm.Get("username"), r.PostForm.Get("password"), clientOf(r))
		if err != nil {
			w.Header().Set("Content-Security-Policy", s.csp)
			s.render(w, r, statusOf[roi.CodeOf(err)], "login", "Sign in", s.loginData(s.shown(r, err)))
			return
		}
		http.SetCookie(w, &http.Cookie{Name: pendingCookie, Value: pending, Path: "/login", HttpOnly: true,
			Secure: !s.opts.InsecureCookies, SameSite: http.SameSiteStrictMode, MaxAge: 300})
		// A local sign-in is not the provider's: signing out stays here.
		s.setSSOCookie(w, "")
		http.Redirect(w, r, "/login/code", http.StatusSeeOther)
	})
}

func (s *Server) handleCodePage() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.render(w, r, http.StatusOK, "code", "Enter your code", nil)
	})
}

func (s *Server) handleCode() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := r.Cookie(pendingCookie)
		if err != nil || s.opts.Auth == nil {
			http.Redirect(w, r, "/login", http.StatusSeeOther)
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, 4096)
		if err := r.ParseForm(); err != nil {
			s.renderError(w, r, roi.Errorf(roi.CodeInvalid, "The form could not be read."))
			return
		}
		token, su, err := s.opts.Auth.VerifyTOTP(r.Context(), c.Value, strings.TrimSpace(r.PostForm.Get("code")))
		if err != nil {
			s.render(w, r, statusOf[roi.CodeOf(err)], "code", "Enter your code", map[string]string{"Error": s.shown(r, err)})
			return
		}
		http.SetCookie(w, &http.Cookie{Name: pendingCookie, Path: "/login", MaxAge: -1})
		// A new session token at sign-in: nothing set before it survives
		// (no session fixation).
		http.SetCookie(w, &http.Cookie{Name: s.sessionCookie(), Value: token, Path: "/", HttpOnly: true,
			Secure: !s.opts.InsecureCookies, SameSite: http.SameSiteLaxMode})
		// Each role lands where it works: the queue, or for those who see
		// no PHI (the administrator), the metrics.
		home := "/"
		if !auth.Can(auth.Role(su.Role), auth.PermViewQueue) {
			home = "/metrics"
		}
		http.Redirect(w, r, home, http.StatusSeeOther)
	})
}

func (s *Server) handleLogout() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if c, err := r.Cookie(s.sessionCookie()); err == nil && s.opts.Auth != nil {
			s.opts.Auth.Logout(r.Context(), c.Value)
		}
		http.SetCookie(w, &http.Cookie{Name: s.sessionCookie(), Path: "/", MaxAge: -1, HttpOnly: true, Secure: !s.opts.InsecureCookies})
		to := "/login"
		if c, err := r.Cookie(s.ssoCookie()); err == nil && s.opts.OIDC != nil {
			// Signed in at the provider: sign out there too, and come
			// back to the sign-in page.
			s.setSSOCookie(w, "")
			hint := c.Value
			if hint == "1" {
				hint = ""
			}
			u, err := s.opts.OIDC.LogoutURL(r.Context(), hint)
			switch {
			case err != nil:
				s.log.Warn("sign-out at the identity provider skipped", "request_id", s.requestID(r), "code", string(roi.CodeOf(err)), "ops", roi.Ops(err))
			case u != "":
				to = u
			}
		}
		http.Redirect(w, r, to, http.StatusSeeOther)
	})
}

// ---- API sessions (bearer tokens) ----

func (s *Server) handleAPILogin() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var in struct {
			Username string `json:"username"`
			Password string `json:"password"`
		}
		if err := decode(w, r, &in); err != nil {
			writeError(w, s.log, err)
			return
		}
		if s.opts.Auth == nil {
			writeError(w, s.log, roi.Errorf(roi.CodeConflict, "Sign-in is not configured on this server."))
			return
		}
		pending, err := s.opts.Auth.Login(r.Context(), in.Username, in.Password, clientOf(r))
		if err != nil {
			writeError(w, s.log, err)
			return
		}
		writeJSON(w, http.StatusOK, map[string]string{"pending": pending, "next": "POST /api/v1/session/code with pending and your authenticator code"})
	})
}

func (s *Server) handleAPICode() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var in struct {
			Pending string `json:"pending"`
			Code    string `json:"code"`
		}
		if err := decode(w, r, &in); err != nil {
			writeError(w, s.log, err)
			return
		}
		if s.opts.Auth == nil {
			writeError(w, s.log, roi.Errorf(roi.CodeConflict, "Sign-in is not configured on this server."))
			return
		}
		token, u, err := s.opts.Auth.VerifyTOTP(r.Context(), in.Pending, in.Code)
		if err != nil {
			writeError(w, s.log, err)
			return
		}
		writeJSON(w, http.StatusOK, map[string]string{"token": token, "username": u.Username, "role": u.Role})
	})
}

func (s *Server) handleAPILogout() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if h := r.Header.Get("Authorization"); strings.HasPrefix(h, "Bearer ") && s.opts.Auth != nil {
			s.opts.Auth.Logout(r.Context(), strings.TrimPrefix(h, "Bearer "))
		}
		w.WriteHeader(http.StatusNoContent)
	})
}

// ---- the queue ----

type queueData struct {
	Rows      []workflow.QueueRow
	Next      string // the next page's link, "" on the last page
	Statuses  []roi.Status
	Kinds     []roi.Kind
	Status    string
	Kind      string
	Assignee  string
	Sensitive bool
	Search    bool
	Today     roi.Date
	Heading   string
	View      string // "", mine, review or soon
	// Colleagues are the people the assignee filter offers.
	Colleagues []auth.Colleague
}

func (s *Server) handleQueuePage() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/" {
			s.renderError(w, r, roi.Errorf(roi.CodeNotFound, "There is no such page."))
			return
		}
		q := r.URL.Query()
		f := workflow.RequestFilter{Open: q.Get("status") == "", Assignee: q.Get("assignee"), Kind: roi.Kind(q.Get("kind")),
			Sensitive: q.Get("sensitive") == "1"}
		if st := q.Get("status"); st != "" {
			f.Statuses = []roi.Status{roi.Status(st)}
		}
		d := queueData{Status: q.Get("status"), Kind: q.Get("kind"), Assignee: q.Get("assignee"), Sensitive: f.Sensitive,
			Heading: "Queue", View: q.Get("view")}
		// The clerk's three views of the day: their own work, what waits
		// for a second person, and what falls due within three days.
		switch d.View {
		case "mine":
			f.Assignee, d.Heading = actor(r), "My work"
		case "review":
			f.Open, f.Statuses, f.AwaitingReview, d.Heading = false, nil, true, "Awaiting review"
		case "soon":
			f.DueBefore, d.Heading = s.desk.Today().AddDays(3), "Due within three days"
		default:
			d.View = ""
		}
		s.queue(w, r, f, d)
	})
}

func (s *Server) handleEscalationsPage() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.queue(w, r, workflow.RequestFilter{Statuses: []roi.Status{roi.StatusEscalated}},
			queueData{Status: string(roi.StatusEscalated), Heading: "Escalations for the privacy officer"})
	})
}

// handleSearch finds requests by number or by patient (name, MRN). The
// search words come in a POST body, never in the URL.
func (s *Server) handleSearch() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.Body = http.MaxBytesReader(w, r.Body, 4096)
		r.ParseForm()
		term := strings.TrimSpace(r.PostForm.Get("q"))
		d := queueData{Search: true, Heading: "Search"}
		if term == "" {
			s.queue(w, r, workflow.RequestFilter{Open: true}, d)
			return
		}
		rows, err := s.desk.Search(r.Context(), actor(r), term)
		if err != nil {
			s.renderError(w, r, err)
			return
		}
		d.Rows = rows
		s.renderQueue(w, r, d)
	})
}

// queue shows one page of the queue f selects; the page position comes
// from the link's after parameter.
func (s *Server) queue(w http.ResponseWriter, r *http.Request, f workflow.RequestFilter, d queueData) {
	if a := r.URL.Query().Get("after"); a != "" {
		k, err := workflow.ParseQueueKey(a)
		if err != nil {
			s.renderError(w, r, err)
			return
		}
		f.After = k
	}
	f.Limit = queuePage
	page, err := s.desk.Queue(r.Context(), actor(r), f)
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	d.Rows = page.Rows
	if page.Next != nil {
		q := r.URL.Query()
		q.Set("after", page.Next.String())
		d.Next = r.URL.Path + "?" + q.Encode()
	}
	s.renderQueue(w, r, d)
}

// queuePage is how many requests a queue page lists.
const queuePage = 100

func (s *Server) renderQueue(w http.ResponseWriter, r *http.Request, d queueData) {
	d.Today, d.Statuses, d.Kinds = s.desk.Today(), roi.Statuses, roi.Kinds
	if s.opts.Auth != nil {
		cs, err := s.opts.Auth.Colleagues(r.Context(), auth.PermEvidence)
		if err != nil {
			s.renderError(w, r, err)
			return
		}
		d.Colleagues = cs
	}
	s.render(w, r, http.StatusOK, "queue", d.Heading, d)
}

// ---- the request page ----

// requestPage is the request page: the desk's view of the request and
// what the signed-in user may do with it.
type requestPage struct {
	*workflow.RequestView
	Can map[string]bool
	// Colleagues are the people the request can be assigned to.
	Colleagues []auth.Colleague
	// IB is the information-blocking section (pages_infoblocking.go).
	IB ibPage
	// StateLaw is the jurisdiction pack and the state rules that touched
	// the request (part_jurisdiction.html).
	StateLaw *workflow.StateLaw
}

func (s *Server) handleRequestPage() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id, err := pathID(r, "id")
		if err != nil {
			s.renderError(w, r, err)
			return
		}
		v, err := s.desk.RequestPage(r.Context(), actor(r), roi.RequestID(id))
		if err != nil {
			s.renderError(w, r, err)
			return
		}
		u := staffOf(r)
		pd := requestPage{RequestView: v, Can: map[string]bool{
			"evidence": u.can(auth.PermEvidence), "evaluate": u.can(auth.PermEvaluate), "decide": u.can(auth.PermDecide),
			"review": u.can(auth.PermReview), "resolve": u.can(auth.PermResolveEscalation), "release": u.can(auth.PermRelease),
			"assign": u.can(auth.PermIntake), "delivery": u.can(auth.PermCompleteDelivery),
			"access": u.can(auth.PermAccounting),
		}, StateLaw: s.desk.StateLaw(v)}
		ib, err := s.desk.InfoBlocking(r.Context(), roi.RequestID(id))
		if err != nil {
			s.renderError(w, r, err)
			return
		}
		pd.IB = ibPage{InfoBlocking: ib, Choices: exceptionChoices(), PrivacyOfficer: u != nil && u.Role == auth.RolePrivacyOfficer}
		if s.opts.Auth != nil { // the assignee by name, and whom to assign to
			if pd.Colleagues, err = s.opts.Auth.Colleagues(r.Context(), auth.PermEvidence); err != nil {
				s.renderError(w, r, err)
				return
			}
		}
		s.render(w, r, http.StatusOK, "request", "Request "+v.C.Request.Number, pd)
	})
}

func (s *Server) handleAccessLogPage() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id, err := pathID(r, "id")
		if err != nil {
			s.renderError(w, r, err)
			return
		}
		last, err := accessLast(r)
		if err != nil {
			s.renderError(w, r, err)
			return
		}
		es, err := s.desk.AccessLog(r.Context(), actor(r), roi.RequestID(id), last)
		if err != nil {
			s.renderError(w, r, err)
			return
		}
		s.render(w, r, http.StatusOK, "access", "Access log", accessPage{ID: roi.RequestID(id), Entries: es, Last: last})
	})
}

type accessPage struct {
	ID      roi.RequestID
	Entries []workflow.AccessEntry
	Last    int
}

// ---- request actions (forms) ----

// form reads a posted form and the version it was made against.
func form(w http.ResponseWriter, r *http.Request) (roi.RequestID, int, error) {
	id, err := pathID(r, "id")
	if err != nil {
		return 0, 0, err
	}
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	if err := r.ParseForm(); err != nil {
		return 0, 0, roi.Errorf(roi.CodeInvalid, "The form could not be read.")
	}
	v, err := strconv.Atoi(r.PostForm.Get("version"))
	if err != nil {
		return 0, 0, roi.Errorf(roi.CodeInvalid, "The form lacks the request's version; reload the page.")
	}
	return roi.RequestID(id), v, nil
}

// act runs a request action from a form and goes back to the request
// page, or shows the error.
func (s *Server) act(done string, run func(w http.ResponseWriter, r *http.Request, id roi.RequestID, version int) error) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id, v, err := form(w, r)
		if err == nil {
			err = run(w, r, id, v)
		}
		if err != nil {
			s.renderError(w, r, err)
			return
		}
		http.Redirect(w, r, "/requests/"+strconv.FormatInt(int64(id), 10)+"?done="+done, http.StatusSeeOther)
	})
}

func (s *Server) handlePageEvaluate() http.Handler {
	return s.act("evaluated", func(w http.ResponseWriter, r *http.Request, id roi.RequestID, v int) error {
		_, _, err := s.desk.Evaluate(r.Context(), actor(r), id, v)
		return err
	})
}

func (s *Server) handlePageDecide() http.Handler {
	return s.act("decided", func(w http.ResponseWriter, r *http.Request, id roi.RequestID, v int) error {
		var missing []string
		for _, m := range strings.Split(r.PostForm.Get("missing"), "\n") {
			if m = strings.TrimSpace(m); m != "" {
				missing = append(missing, m)
			}
		}
		x, err := workflow.ParseException(r.PostForm.Get("exception"))
		if err != nil {
			return err
		}
		_, _, err = s.desk.Decide(r.Context(), actor(r), id, v, workflow.Decide{Action: r.PostForm.Get("action"),
			Note: r.PostForm.Get("note"), Missing: missing, Exception: x})
		return err
	})
}

func (s *Server) handlePageReview() http.Handler {
	return s.act("reviewed", func(w http.ResponseWriter, r *http.Request, id roi.RequestID, v int) error {
		_, err := s.desk.Review(r.Context(), actor(r), id, v, r.PostForm.Get("approve") == "yes", r.PostForm.Get("note"))
		return err
	})
}

func (s *Server) handlePageResolve() http.Handler {
	return s.act("resolved", func(w http.ResponseWriter, r *http.Request, id roi.RequestID, v int) error {
		x, err := workflow.ParseException(r.PostForm.Get("exception"))
		if err != nil {
			return err
		}
		_, _, err = s.desk.ResolveEscalation(r.Context(), actor(r), id, v, workflow.Resolve{Action: r.PostForm.Get("action"),
			Release: r.PostForm["release"], Note: r.PostForm.Get("note"), Exception: x})
		return err
	})
}

func (s *Server) handlePageRelease() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id, v, err := form(w, r)
		if err != nil {
			s.renderError(w, r, err)
			return
		}
		req, dis, iss, err := s.desk.Release(r.Context(), actor(r), id, v)
		if err != nil {
			s.renderError(w, r, err)
			return
		}
		// The password (and a portal link) are shown on this page once;
		// they are stored nowhere.
		s.render(w, r, http.StatusOK, "released", "Released "+req.Number, map[string]any{"R": req, "D": dis, "I": iss})
	})
}

func (s *Server) handlePageAssign() http.Handler {
	return s.act("assigned", func(w http.ResponseWriter, r *http.Request, id roi.RequestID, v int) error {
		to := strings.TrimSpace(r.PostForm.Get("assignee"))
		if to == "" {
			to = actor(r)
		}
		_, err := s.desk.Assign(r.Context(), actor(r), id, v, to)
		return err
	})
}

// ---- metrics ----

func (s *Server) handleMetricsPage() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		m, err := s.desk.Metrics(r.Context(), s.desk.Today(), 12)
		if err != nil {
			s.renderError(w, r, err)
			return
		}
		s.render(w, r, http.StatusOK, "metrics", "Metrics", metricsView(m))
	})
}

// colleagueName is the name of the colleague with username u, or u itself
// when they are not among cs (a former colleague, a system actor).
func colleagueName(cs []auth.Colleague, u string) string {
	for _, c := range cs {
		if c.Username == u {
			return c.Name
		}
	}
	return u
}

// Name is the name of the colleague with user name u, for the queue.
func (d queueData) Name(u string) string { return colleagueName(d.Colleagues, u) }

// AssigneeName is the name of whoever has the request, "" for nobody.
func (p requestPage) AssigneeName() string {
	if p.C.Request.Assignee == "" {
		return ""
	}
	return colleagueName(p.Colleagues, p.C.Request.Assignee)
}

// Who is the name of the colleague with user name u, for the request page.
func (p requestPage) Who(u string) string { return colleagueName(p.Colleagues, u) }
