package web

import (
	"bytes"
	"embed"
	"html/template"
	"io/fs"
	"maps"
	"net/http"
	"strings"

	"github.com/custodian-roi/custodian/internal/auth"
	"github.com/custodian-roi/custodian/internal/roi"
	"github.com/custodian-roi/custodian/internal/workflow"
)

//go:embed templates/*.html
var templateFiles embed.FS

//go:embed static
var staticFiles embed.FS

// pages holds the parsed templates: each page is the layout plus its own
// file, parsed once at start.
type pages struct {
	byName map[string]*template.Template
}

// pageCSP is the Content-Security-Policy of every HTML page: scripts and
// styles from this origin only, nothing inline, forms post only here, the
// page never framed by another site. A scan picked for upload is previewed from the browser's own copy
// (blob:), and an uploaded document is shown beside its form from this
// origin (object and frame sources).
const pageCSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; connect-src 'self'; " +
	"object-src 'self' blob:; frame-src 'self' blob:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

var funcs = template.FuncMap{
	"join":  strings.Join,
	"list":  func(xs ...string) []string { return xs },
	"lower": strings.ToLower,
	"word":  word,
	// resourceType is a FHIR reference's type without its id: pages name
	// no internal ids (the id stays in a title for whoever checks).
	"resourceType": func(ref string) string { t, _, _ := strings.Cut(ref, "/"); return t },
	// action is a person's decision in words.
	"action": actionWord,
	// documentKinds are the kinds a scan may be, for a form.
	"documentKinds": func() []roi.DocumentKind { return roi.DocumentKinds },
	"labels": func(l roi.Labels) string {
		return strings.Join(l.Strings(), ", ")
	},
}

// loadPages parses the templates with funcs and those that depend on the
// desk's settings (day writes a date in the desk's style).
func loadPages(desk *workflow.Desk) *pages {
	p := &pages{byName: map[string]*template.Template{}}
	fm := template.FuncMap{"day": desk.FormatDate, "dayOf": desk.DayOf, "when": desk.FormatTime}
	maps.Copy(fm, funcs)
	names, err := fs.Glob(templateFiles, "templates/*.html")
	if err != nil {
		panic(err)
	}
	for _, n := range names {
		base := strings.TrimSuffix(strings.TrimPrefix(n, "templates/"), ".html")
		if strings.HasPrefix(base, "layout") || strings.HasPrefix(base, "part_") {
			continue
		}
		files := []string{"templates/layout.html", n}
		if strings.HasPrefix(base, "portal") {
			files[0] = "templates/layout_portal.html"
		} else if parts, _ := fs.Glob(templateFiles, "templates/part_*.html"); len(parts) > 0 {
			// Partial templates (part_*.html: the evidence forms...) are
			// parsed into every staff page, which may use them.
			files = append(files, parts...)
		}
		p.byName[base] = template.Must(template.New("layout").Funcs(fm).ParseFS(templateFiles, files...))
	}
	return p
}

// page is what every staff page template receives.
type page struct {
	Title string
	Org   string
	User  *staff
	Nav   []navLink
	Error string
	Flash string
	Data  any
}

type navLink struct {
	Href, Label string
	Current     bool
}

// nav lists the pages the signed-in role may open.
func (s *Server) nav(u *staff, current string) []navLink {
	var out []navLink
	add := func(href, label string, p auth.Permission) {
		if u.can(p) {
			out = append(out, navLink{Href: href, Label: label, Current: href == current})
		}
	}
	add("/", "Queue", auth.PermViewQueue)
	add("/requests/new", "New request", auth.PermIntake)
	add("/escalations", "Escalations", auth.PermResolveEscalation)
	add("/submissions", "Portal submissions", auth.PermIntake)
	add("/requesters", "Requesters", auth.PermIntake)
	add("/metrics", "Metrics", auth.PermMetrics)
	add("/info-blocking", "Information blocking", auth.PermViewQueue)
	return out
}

// render writes a page with the staff layout. PHI pages are never cached
// (the headers middleware sets no-store on everything).
func (s *Server) render(w http.ResponseWriter, r *http.Request, status int, name, title string, data any) {
	u := staffOf(r)
	pg := page{Title: title, Org: s.desk.Org.Name, User: u, Data: data}
	if u != nil {
		pg.Nav = s.nav(u, r.URL.Path)
	}
	if f := r.URL.Query().Get("done"); f != "" && len(f) < 80 {
		pg.Flash = flashes[f]
	}
	s.write(w, status, name, pg)
}

// flashes are the messages a redirect after a change may show; the URL
// carries only their key, never text from a record.
var flashes = map[string]string{
	"evidence": "Evidence recorded.", "withdrawn": "Evidence withdrawn: it stays on record, struck through, and no longer counts. Evaluate again.", "evaluated": "The engine evaluated the request.", "decided": "Decision recorded.",
	"reviewed": "Review recorded.", "resolved": "Escalation resolved.", "released": "Released; the delivery is queued.",
	"assigned": "Assigned.", "accepted": "Submission accepted as a request.", "rejected": "Submission rejected.",
	"confirmed": "The requester's address is confirmed.",
	"intake":    "Request recorded.", "directory": "The directory is saved.", "document": "The scan is added.",
	"intake-partial": "Request recorded, but a scan or the identity check was not: add it below.",
}

func (s *Server) write(w http.ResponseWriter, status int, name string, data any) {
	t := s.pages.byName[name]
	var buf bytes.Buffer
	if t == nil {
		s.log.Error("no such template", "request_id", infoFrom(w).id, "name", name)
		http.Error(w, "Internal error. "+reference(infoFrom(w).id), http.StatusInternalServerError)
		return
	}
	if err := t.ExecuteTemplate(&buf, "layout", data); err != nil {
		// PHI: a template error may quote data; log only that it failed.
		s.log.Error("template failed", "request_id", infoFrom(w).id, "name", name)
		http.Error(w, "Internal error. "+reference(infoFrom(w).id), http.StatusInternalServerError)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Content-Security-Policy", s.csp)
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}

// renderError shows an error page with the error's public message and
// the request ID as its reference.
func (s *Server) renderError(w http.ResponseWriter, r *http.Request, err error) {
	status := statusOf[roi.CodeOf(err)]
	if status == 0 {
		status = http.StatusInternalServerError
	}
	u := staffOf(r)
	pg := page{Title: "Something went wrong", Org: s.desk.Org.Name, User: u, Error: s.shown(r, err),
		Data: errorPage{Reference: s.requestID(r)}}
	if u != nil {
		pg.Nav = s.nav(u, "")
	}
	s.write(w, status, "error", pg)
}

// errorPage is the data of the error page.
type errorPage struct{ Reference string }

// shown is the message of err to show on a page; an internal error is
// logged and its message names the request ID.
func (s *Server) shown(r *http.Request, err error) string {
	info := infoOf(r.Context())
	if info == nil {
		info = &reqInfo{method: r.Method}
	}
	if status := statusOf[roi.CodeOf(err)]; status >= 500 || status == 0 {
		logFailure(s.log, info, http.StatusInternalServerError, err)
	}
	return publicMessage(info.id, err)
}

// requestID is the ID requestIDs gave r.
func (s *Server) requestID(r *http.Request) string {
	if info := infoOf(r.Context()); info != nil {
		return info.id
	}
	return ""
}

func (s *Server) handleStatic() http.Handler {
	sub, _ := fs.Sub(staticFiles, "static")
	files := http.StripPrefix("/static/", http.FileServerFS(sub))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// Static files hold no PHI and may be cached.
		w.Header().Set("Cache-Control", "public, max-age=3600")
		files.ServeHTTP(w, r)
	})
}
