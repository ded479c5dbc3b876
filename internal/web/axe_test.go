package web

// Accessibility: WCAG 2.1 AA on the workbench and the portal, checked by
// axe-core inside the real Chromium of the browser tests, and the
// requester's journey done with the keyboard alone (docs/ACCESSIBILITY.md).
//
// axe-core is a test tool, never served by the product: it is installed
// with npm in .ci/node (`cd .ci/node && npm ci`), read from disk here and
// evaluated in the page through the DevTools protocol, so the pages keep
// their strict CSP and nothing is fetched from the network. Without it
// the tests skip, saying how to install it; under CI=true they fail.

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	cdppage "github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/custodian-roi/custodian/internal/demo"
	"github.com/custodian-roi/custodian/internal/roi"
	"github.com/custodian-roi/custodian/internal/workflow"
)

// axeTags are the rule sets run: WCAG 2.0 and 2.1, levels A and AA.
var axeTags = []string{"wcag2a", "wcag2aa", "wcag21a", "wcag21aa"}

// axeSource returns axe.min.js: $CUSTODIAN_AXE_JS, else the copy npm
// installs in .ci/node. Without either the test skips (fails under
// CI=true).
func axeSource(t *testing.T) string {
	t.Helper()
	path := os.Getenv("CUSTODIAN_AXE_JS")
	if path == "" {
		path = filepath.Join("..", "..", ".ci", "node", "node_modules", "axe-core", "axe.min.js")
	}
	b, err := os.ReadFile(path)
	if err != nil {
		msg := fmt.Sprintf("axe-core is not installed (%v): run `cd .ci/node && npm ci`, or set CUSTODIAN_AXE_JS to axe.min.js", err)
		if os.Getenv("CI") == "true" {
			t.Fatal(msg + "; CI=true requires the accessibility tests")
		}
		t.Skip(msg + "; skipping the accessibility tests")
	}
	if !strings.Contains(string(b[:min(len(b), 400)]), "axe") {
		t.Fatalf("%s does not look like axe-core", path)
	}
	return string(b)
}

// axeViolation is one failed rule on one page, as axe reports it.
type axeViolation struct {
	ID     string `json:"id"`
	Impact string `json:"impact"`
	Help   string `json:"help"`
	Nodes  []struct {
		Target  []any  `json:"target"`
		Summary string `json:"failureSummary"`
	} `json:"nodes"`
}

func (v axeViolation) String() string {
	var targets []string
	for i, n := range v.Nodes {
		if i == 3 {
			targets = append(targets, fmt.Sprintf("… %d more", len(v.Nodes)-3))
			break
		}
		targets = append(targets, fmt.Sprint(n.Target...))
	}
	return fmt.Sprintf("%s (%s): %s — %s", v.ID, v.Impact, v.Help, strings.Join(targets, "; "))
}

// runAxe injects axe-core into the page p has open (once per document)
// and runs the WCAG 2.1 A and AA rules over the whole document.
func runAxe(t *testing.T, p *browserPerson, src string) []axeViolation {
	t.Helper()
	loaded, err := chromedp.Run(p.ctx, chromedp.Evaluate[bool](`(function(){ if (typeof axe !== "object") {`+src+`
} return typeof axe === "object" && typeof axe.run === "function"; })()`))
	if err != nil || !loaded {
		t.Fatalf("%s: inject axe-core: loaded %v, %v", p.name, loaded, err)
	}
	tags, _ := jsonString(axeTags)
	vs, err := chromedp.Run(p.ctx, chromedp.Evaluate[[]axeViolation](`axe.run(document, {runOnly: {type: "tag", values: `+tags+`}, resultTypes: ["violations"]})
  .then(r => r.violations.map(v => ({id: v.id, impact: v.impact || "", help: v.help,
    nodes: v.nodes.map(n => ({target: n.target, failureSummary: n.failureSummary || ""}))})))`, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("%s: run axe-core: %v", p.name, err)
	}
	return vs
}

func jsonString(ss []string) (string, error) {
	q := make([]string, len(ss))
	for i, s := range ss {
		q[i] = strconv.Quote(s)
	}
	return "[" + strings.Join(q, ",") + "]", nil
}

// axePending lists, per page, the axe rules known to fail on pages whose
// templates belong to another change of issue #13 (so this one does not
// edit them). A page listed here fails the test on any rule not listed,
// and the test logs when a listed rule passes, so that its line can go.
// A page not listed must have no violation at all.
var axePending = map[string][]string{
	// None now. An entry looks like
	//	"portal: receipt": {"label"}, // portal_status.html: the file input has no label
}

// checkAxe runs axe-core on the page p has open, named page, and fails
// the test on a violation unless axePending expects it there.
func checkAxe(t *testing.T, p *browserPerson, src, page string) {
	t.Helper()
	vs := runAxe(t, p, src)
	pending := axePending[page]
	var got []string
	for _, v := range vs {
		got = append(got, v.ID)
		if slices.Contains(pending, v.ID) {
			t.Logf("%s: known violation (owned by another change): %s", page, v)
			continue
		}
		t.Errorf("%s (%s): accessibility violation %s", page, p.location(), v)
	}
	for _, id := range pending {
		if !slices.Contains(got, id) {
			t.Logf("%s: the pending rule %s passes now: remove it from axePending", page, id)
		}
	}
}

// TestAccessibility runs axe-core's WCAG 2.1 A and AA rules on every page
// of the workbench and the portal, in several states, as the person who
// would see each. Each page is one row; a row opens the page (usually by
// path) and the same check runs on it.
func TestAccessibility(t *testing.T) {
	src := axeSource(t)
	e := newBrowserEnv(t)
	ctx := e.ctx
	byClient := func(kind roi.Kind, name string) *roi.DeskRequest {
		for _, r := range e.seed.Requests {
			if r.Requester.Kind == kind && (name == "" || r.Requester.Name == name) {
				return r
			}
		}
		t.Fatalf("the demo has no request from a %s %q", kind, name)
		return nil
	}
	path := func(r *roi.DeskRequest) string { return "/requests/" + strconv.FormatInt(int64(r.ID), 10) }
	pending := byClient(roi.KindAttorney, "Harper & Vance LLP")
	denied := byClient(roi.KindEmployer, "")
	escalated := byClient(roi.KindRepresentative, "")
	released := e.seed.Released
	var releasedPatient *roi.PatientRecord
	for _, p := range e.seed.Patients {
		if p.ID == released.PatientID {
			releasedPatient = p
		}
	}
	if releasedPatient == nil {
		t.Fatal("the demo's released request has no patient among the demo's patients")
	}

	// Clemente's first request (identity checked) is evaluated, decided and
	// reviewed, so that the specialist sees a request ready to release and
	// the released page; the second is new.
	var ready, fresh *roi.DeskRequest
	for _, r := range e.seed.Requests {
		if r.Requester.Kind == roi.KindPatient {
			if ready == nil {
				ready = r
			} else if fresh == nil {
				fresh = r
			}
		}
	}
	if ready == nil || fresh == nil {
		t.Fatal("the demo has not two patient requests")
	}
	r, _, err := e.desk.Evaluate(ctx, demo.Specialist, ready.ID, ready.Version)
	if err != nil {
		t.Fatal(err)
	}
	evaluated := *r
	for _, action := range []string{workflow.ActApprove, workflow.ActPartial} {
		if r, _, err = e.desk.Decide(ctx, demo.Specialist, evaluated.ID, evaluated.Version, workflow.Decide{Action: action}); err == nil {
			break
		}
	}
	if err != nil {
		t.Fatal(err)
	}
	if r, err = e.desk.Review(ctx, demo.QA, r.ID, r.Version, true, "checked"); err != nil {
		t.Fatal(err)
	}
	ready = r

	// The requester: a portal submission through the pages, so that the
	// receipt, the status page (before and after the e-mail is confirmed)
	// and the clerk's submission page exist.
	const email = "a11y@example.org"
	patient := e.journeyPatient()
	requester := e.person("requester")
	anon := e.person("anonymous")
	clerk := e.person("clerk")
	specialist := e.person("specialist")
	privacy := e.person("privacy")
	var submissionPath, statusToken, portalLink string

	type page struct {
		name string
		h1   string // the page's heading holds this: the row reached its page
		who  *browserPerson
		path string                 // opened when set
		open func(p *browserPerson) // else this brings the page up
	}
	pages := []page{
		// Signing in, and the error page, as anyone.
		{name: "sign-in", h1: "Sign in", who: anon, path: "/login"},
		{name: "sign-in, wrong password", h1: "Sign in", who: anon, open: func(p *browserPerson) {
			p.open("/login")
			p.do("wrong password", chromedp.SendKeys(chromedp.ID("username"), demo.Actor), chromedp.SendKeys(chromedp.ID("password"), "not the password"))
			p.submit("#signin")
		}},
		{name: "sign-in code", h1: "Enter your code", who: anon, open: func(p *browserPerson) {
			p.open("/login")
			p.do("password", chromedp.SendKeys(chromedp.ID("username"), demo.QA), chromedp.SendKeys(chromedp.ID("password"), demo.Password))
			p.submit("#signin")
			p.do("code page", chromedp.WaitVisible(chromedp.ID("verify")))
		}},

		// The portal, as the requester.
		{name: "portal: ask", h1: "Ask for medical records", who: requester, path: "/portal"},
		{name: "portal: ask, with an error", h1: "Ask for medical records", who: requester, open: func(p *browserPerson) {
			p.open("/portal")
			p.do("a bad date", chromedp.SendKeys(chromedp.ID("patient_name"), "A Person"), chromedp.SendKeys(chromedp.ID("birth_date"), "not-a-date"),
				chromedp.SendKeys(chromedp.ID("requester_name"), "A Person"), chromedp.SendKeys(chromedp.ID("email"), email))
			p.submit("#submit")
			if !p.has("p.error") {
				t.Fatalf("a bad birth date gave no error:\n%s", clip(p.mainText()))
			}
		}},
		{name: "portal: receipt", h1: "We received your request", who: requester, open: func(p *browserPerson) {
			p.open("/portal")
			p.do("fill in", chromedp.SendKeys(chromedp.ID("patient_name"), patient.Name), chromedp.SendKeys(chromedp.ID("birth_date"), patient.BirthDate.String()),
				chromedp.SendKeys(chromedp.ID("requester_name"), patient.Name), chromedp.SendKeys(chromedp.ID("email"), email))
			p.submit("#submit")
			p.do("receipt", chromedp.WaitVisible(chromedp.ID("submission-number")))
			_, token, ok := strings.Cut(p.text("#status-link"), "#")
			if !ok {
				t.Fatal("the receipt shows no private link")
			}
			statusToken = token
		}},
		{name: "portal: status, e-mail confirmed", h1: "request", who: requester, open: func(p *browserPerson) {
			p.do("code", chromedp.SendKeys(chromedp.ID("code"), e.mailCode(1, email)))
			p.submit("#verify-email")
			p.do("status", chromedp.WaitVisible(chromedp.ID("upload")))
		}},
		{name: "portal: status by the private link", h1: "Your request", who: requester, open: func(p *browserPerson) {
			p.do("status", chromedp.Navigate(e.srv.URL+"/portal/status#"+statusToken), chromedp.WaitVisible(chromedp.ID("status-message")))
		}},
		// The workbench, as the clerk.
		{name: "queue (clerk)", h1: "Queue", who: clerk, path: "/"},
		{name: "submissions", h1: "Portal submissions", who: clerk, path: "/submissions"},
		{name: "a submission", h1: "Submission", who: clerk, open: func(p *browserPerson) {
			p.open("/submissions")
			href, err := chromedp.Run(p.ctx, chromedp.Evaluate[string](`document.querySelector('main a[href^="/submissions/"]').getAttribute("href")`))
			if err != nil {
				t.Fatalf("no submission listed: %v", err)
			}
			submissionPath = href
			p.open(href)
		}},
		{name: "request: new", h1: "Request", who: clerk, path: path(fresh)},
		{name: "staff intake", h1: "New request", who: clerk, path: "/requests/new"},
		{name: "requesters", h1: "Requesters", who: clerk, path: "/requesters"},
		{name: "evidence form: choose", h1: "Record evidence", who: clerk, path: path(fresh) + "/evidence/new"},

		// As the specialist: the request in each state, and a release.
		{name: "queue (specialist)", h1: "Queue", who: specialist, path: "/"},
		{name: "request: pending", h1: "Request", who: specialist, path: path(pending)},
		{name: "request: denied", h1: "Request", who: specialist, path: path(denied)},
		{name: "request: approved and reviewed", h1: "Request", who: specialist, path: path(ready)},
		{name: "request: released", h1: "Request", who: specialist, path: path(released)},
		{name: "error page (not found)", h1: "Something went wrong", who: specialist, path: "/requests/999999"},
		{name: "released", h1: "Released", who: specialist, open: func(p *browserPerson) {
			p.open(path(ready))
			if !p.has("#release") {
				t.Fatalf("the approved, reviewed request offers no release:\n%s\n%s", clip(p.mainText()), e.logs.String())
			}
			p.submit("#release")
			p.do("released", chromedp.WaitVisible(chromedp.ID("packet-password")))
			portalLink = strings.TrimSpace(p.text("#portal-link"))
		}},
		{name: "portal: download", h1: "Download your records", who: requester, open: func(p *browserPerson) {
			_, token, ok := strings.Cut(portalLink, "#")
			if !ok {
				t.Fatalf("the released page's portal link %q has no token", portalLink)
			}
			p.do("link", chromedp.Navigate(e.srv.URL+"/portal/download#"+token), chromedp.WaitVisible(chromedp.ID("download")))
		}},

		{name: "delivery by mail", h1: "for request", who: specialist, open: func(p *browserPerson) {
			p.open(path(released))
			href, err := chromedp.Run(p.ctx, chromedp.Evaluate[string](`document.querySelector("a.delivery-link").getAttribute("href")`))
			if err != nil {
				t.Fatalf("the released request links no delivery: %v", err)
			}
			p.open(href)
		}},

		// As the privacy officer.
		{name: "patient page", h1: releasedPatient.Name, who: privacy, path: "/patients/" + strconv.FormatInt(int64(released.PatientID), 10)},
		{name: "escalations", h1: "Escalations", who: privacy, path: "/escalations"},
		{name: "request: escalated", h1: "Request", who: privacy, path: path(escalated)},
		{name: "access log", h1: "Access log", who: privacy, path: path(released) + "/access"},
		{name: "metrics", h1: "Metrics", who: privacy, path: "/metrics"},
	}
	// One row per evidence form, on the new request.
	for i := len(workflow.EvidenceForms) - 1; i >= 0; i-- {
		f := workflow.EvidenceForms[i]
		row := page{name: "evidence form: " + f.Type, h1: f.Title, who: clerk, path: path(fresh) + "/evidence/new?type=" + f.Type}
		at := slices.IndexFunc(pages, func(p page) bool { return p.name == "evidence form: choose" })
		pages = slices.Insert(pages, at+1, row)
	}
	signedIn := map[*browserPerson]string{clerk: demo.Actor, specialist: demo.Specialist, privacy: "demo.privacy"}
	for _, pg := range pages {
		if u, ok := signedIn[pg.who]; ok {
			pg.who.signIn(u)
			delete(signedIn, pg.who)
		}
		if pg.path != "" {
			pg.who.open(pg.path)
		} else {
			pg.open(pg.who)
		}
		if h := pg.who.text("h1"); !strings.Contains(h, pg.h1) {
			t.Fatalf("%s: the page's heading is %q, want %q; the page says:\n%s", pg.name, h, pg.h1, clip(pg.who.mainText()))
		}
		checkAxe(t, pg.who, src, pg.name)
	}
	if submissionPath == "" {
		t.Error("the submission page was not checked")
	}
	version, err := chromedp.Run(anon.ctx, chromedp.Evaluate[string](`axe.version`))
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("axe-core %s, rules tagged %v: %d pages checked", version, axeTags, len(pages))
}

// focusState is what the keyboard run reads of the focused element.
type focusState struct {
	ID      string  `json:"id"`
	Tag     string  `json:"tag"`
	Name    string  `json:"name"`
	Text    string  `json:"text"`
	Top     float64 `json:"top"`
	Left    float64 `json:"left"`
	Outline string  `json:"outline"`
	Shadow  string  `json:"shadow"`
}

func (f focusState) String() string {
	s := "<" + f.Tag
	if f.ID != "" {
		s += " #" + f.ID
	}
	if f.Text != "" {
		s += " " + strconv.Quote(f.Text)
	}
	return s + ">"
}

// visible reports whether the focused element shows a focus indicator: an
// outline or a box shadow.
func (f focusState) visible() bool {
	outline := !strings.Contains(f.Outline, "none") && !strings.HasPrefix(f.Outline, "0px")
	return outline || (f.Shadow != "" && f.Shadow != "none")
}

const focusedJS = `(function(){ const el = document.activeElement; if (!el || el === document.body) return {tag: "body"};
  const r = el.getBoundingClientRect(), cs = getComputedStyle(el);
  return {id: el.id || "", tag: el.tagName.toLowerCase(), name: el.getAttribute("name") || "", text: (el.innerText || el.value || "").trim().slice(0, 40),
    top: r.top + window.scrollY, left: r.left + window.scrollX,
    outline: cs.outlineStyle + " " + cs.outlineWidth, shadow: cs.boxShadow}; })()`

// keyboard is a person using the keyboard alone: Tab, Shift+Tab, Enter,
// Space and typing, dispatched as key events; nothing is clicked.
type keyboard struct {
	t *testing.T
	p *browserPerson
}

func (k keyboard) focused() focusState {
	k.t.Helper()
	f, err := chromedp.Run(k.p.ctx, chromedp.Evaluate[focusState](focusedJS))
	if err != nil {
		k.t.Fatalf("read the focused element: %v", err)
	}
	return f
}

func (k keyboard) press(what string, keys string, opts ...chromedp.KeyOption) {
	k.t.Helper()
	k.p.do(what, chromedp.KeyEvent(keys, opts...))
}

// tab moves the focus forward (or back with shift) and returns the newly
// focused element, failing unless it shows that it has the focus.
func (k keyboard) tab(back bool) focusState {
	k.t.Helper()
	if back {
		k.press("Shift+Tab", kb.Tab, chromedp.KeyModifiers(chromedp.ModifierShift))
	} else {
		k.press("Tab", kb.Tab)
	}
	f := k.focused()
	if f.Tag != "body" && !f.visible() {
		k.t.Errorf("keyboard: %s has the focus but shows no focus indicator (outline %q, box-shadow %q)", f, f.Outline, f.Shadow)
	}
	return f
}

// enter presses Enter on the focused element and waits for the page that
// follows.
func (k keyboard) enter(what string) {
	k.t.Helper()
	if _, err := chromedp.Run(k.p.ctx, chromedp.WaitEvent(cdppage.LoadEventFired, nil, chromedp.KeyEvent(kb.Enter))); err != nil {
		k.t.Fatalf("keyboard: Enter on %s: %v", what, err)
	}
}

// tabTo tabs forward until the element with id has the focus, typing the
// value of each field in fill that the focus reaches on the way, and
// checks that the focus moves down the page (or along a line) as it goes.
// It returns the elements focused, in order.
func (k keyboard) tabTo(id string, fill map[string]string) []focusState {
	k.t.Helper()
	var seen []focusState
	for range 60 {
		f := k.tab(false)
		if f.Tag == "body" {
			k.t.Fatalf("keyboard: the focus left the page before reaching #%s (after %v)", id, seen)
		}
		if n := len(seen); n > 0 {
			prev := seen[n-1]
			// Down the page, or right along the same line (the tolerance is
			// for labels and inputs of different heights on one line).
			if f.Top < prev.Top-8 || (f.Top <= prev.Top+8 && f.Left < prev.Left) {
				k.t.Errorf("keyboard: the focus went from %s (top %.0f, left %.0f) back up to %s (top %.0f, left %.0f): the focus order does not follow the page",
					prev, prev.Top, prev.Left, f, f.Top, f.Left)
			}
		}
		seen = append(seen, f)
		if v, ok := fill[f.ID]; ok {
			k.press("type into #"+f.ID, v)
		}
		if f.ID == id {
			return seen
		}
	}
	k.t.Fatalf("keyboard: 60 presses of Tab did not reach #%s (went through %v)", id, seen)
	return nil
}

// TestAccessibilityKeyboard: the requester's journey with the keyboard
// alone. From the top of the portal the requester tabs through the form,
// typing each answer, sends it with Enter, tabs to the code field on the
// receipt, types the e-mailed code and confirms it with Space on the
// button, and reaches the status page. Every focused element must show a
// focus indicator and the focus must move in the page's visual order;
// Shift+Tab must go back the same way. The clerk's list of submissions
// then shows the request.
func TestAccessibilityKeyboard(t *testing.T) {
	e := newBrowserEnv(t)
	patient := e.journeyPatient()
	const email = "keyboard@example.org"
	req := e.person("requester (keyboard)")
	req.open("/portal")
	k := keyboard{t: t, p: req}
	if f := k.focused(); f.Tag != "body" {
		t.Fatalf("the portal opens with %s focused; a keyboard user starts at the top of the page", f)
	}
	fill := map[string]string{
		"patient_name":   patient.Name,
		"birth_date":     patient.BirthDate.String(),
		"requester_name": patient.Name,
		"email":          email,
	}
	order := k.tabTo("submit", fill)
	t.Logf("keyboard: the focus went %v", order)
	var ids []string
	for _, f := range order {
		ids = append(ids, f.ID)
	}
	// Every field of the form, in the order it is on the page.
	want := []string{"patient_name", "birth_date", "requester_kind", "requester_name", "email", "basis", "recipient", "from", "to", "format", "delivery", "contact", "submit"}
	var formIDs []string
	for _, id := range ids {
		if slices.Contains(want, id) {
			formIDs = append(formIDs, id)
		}
	}
	if !slices.Equal(formIDs, want) {
		t.Errorf("keyboard: the form's fields were focused in the order %v, want %v (every element: %v)", formIDs, want, order)
	}
	// Shift+Tab walks back the same way.
	for i := len(order) - 2; i >= 0 && i >= len(order)-4; i-- {
		if f := k.tab(true); f.ID != order[i].ID || f.Tag != order[i].Tag {
			t.Errorf("keyboard: Shift+Tab reached %s, want %s", f, order[i])
		}
	}
	k.tabTo("submit", nil)
	k.enter("the form's Send button")
	req.do("receipt", chromedp.WaitVisible(chromedp.ID("submission-number")))
	number := strings.TrimSpace(req.text("#submission-number"))
	if number == "" {
		t.Fatalf("keyboard: no receipt after Enter on Send:\n%s", clip(req.mainText()))
	}

	// The e-mailed code, typed into the receipt's form; the button pressed
	// with Space.
	code := e.mailCode(1, email)
	k.tabTo("code", map[string]string{"code": code})
	if f := k.tab(false); f.ID != "verify-email" {
		t.Fatalf("keyboard: Tab after the code field reached %s, want the Confirm button", f)
	}
	if _, err := chromedp.Run(req.ctx, chromedp.WaitEvent(cdppage.LoadEventFired, nil, chromedp.KeyEvent(" "))); err != nil {
		t.Fatalf("keyboard: Space on Confirm: %v", err)
	}
	req.do("status", chromedp.WaitVisible(chromedp.ID("status-message")))
	if done := req.text("#portal-done"); !strings.Contains(done, "e-mail address is confirmed") {
		t.Fatalf("keyboard: after the code the status page says %q", done)
	}
	if !regexp.MustCompile(`/portal/(verify|status)`).MatchString(req.location()) {
		t.Errorf("keyboard: the journey ended at %s, not the status page", req.location())
	}

	// The submission arrived: the clerk's list shows it, address checked.
	clerk := e.person("clerk")
	clerk.signIn(demo.Actor)
	clerk.open("/submissions")
	clerk.expect("submissions", number)
	row, err := chromedp.Run(clerk.ctx, chromedp.Evaluate[string](
		`[...document.querySelectorAll("main tr")].find(tr => tr.textContent.includes(`+strconv.Quote(number)+`)).textContent`))
	if err != nil || !strings.Contains(row, "yes") {
		t.Errorf("the clerk's row for %s: %q (%v), want the e-mail checked", number, row, err)
	}

	// On the workbench the first Tab reaches the skip link, shown while it
	// has the focus, and Enter on it moves the focus past the header to
	// the page's content.
	ck := keyboard{t: t, p: clerk}
	clerk.open("/")
	if f := ck.tab(false); f.Text != "Skip to the content" {
		t.Fatalf("keyboard: the workbench's first Tab reached %s, want the skip link", f)
	}
	shown, err := chromedp.Run(clerk.ctx, chromedp.Evaluate[bool](`(() => { const r = document.activeElement.getBoundingClientRect(); return r.top >= 0 && r.bottom <= innerHeight && r.width > 0; })()`))
	if err != nil || !shown {
		t.Errorf("keyboard: the skip link has the focus but is not on screen (%v)", err)
	}
	ck.press("Enter on the skip link", kb.Enter)
	if f := ck.focused(); f.ID != "main" {
		t.Errorf("keyboard: Enter on the skip link left the focus on %s, want <main>", f)
	}
	if f := ck.tab(false); f.Top < 60 {
		t.Errorf("keyboard: Tab after skipping reached %s at the top of the page (the header), want the content", f)
	}
}
