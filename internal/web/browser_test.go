package web

// Browser tests: the staff workbench and the requester portal driven in a
// real headless Chromium (chromedp), against a real server on loopback
// with the demo's patients and staff accounts, real sign-in (password and
// TOTP) and a real SMTP server for the e-mailed codes.
//
// The tests skip when chromium is not installed, and fail when CI=true
// and it is missing. With CUSTODIAN_SCREENSHOTS=1 they also write the
// screenshots in docs/screenshots.

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"image"
	"image/color"
	"image/png"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/network"
	cdppage "github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"github.com/custodian-roi/custodian/internal/auth"
	"github.com/custodian-roi/custodian/internal/demo"
	"github.com/custodian-roi/custodian/internal/letter"
	"github.com/custodian-roi/custodian/internal/roi"
	"github.com/custodian-roi/custodian/internal/send/sendtest"
	"github.com/custodian-roi/custodian/internal/store"
	"github.com/custodian-roi/custodian/internal/workflow"
)

// browserTimeout bounds each browser test as a whole.
const browserTimeout = 3 * time.Minute

// browserEnv is one server (newWebEnv's, with its desk and store), the
// SMTP server its codes go to, the demo accounts, and the shared Chromium
// for the people who use it.
type browserEnv struct {
	t      *testing.T
	ctx    context.Context // bounded by browserTimeout
	chrome context.Context // the package's shared Chromium (sharedChromium)
	*webEnv
	smtp   *sendtest.SMTPServer
	seed   *demo.Summary
	logins map[string]demo.Login
	shots  string // where screenshots go; "" when not asked for

	mu     sync.Mutex
	people []*browserPerson
}

// chromiumPath finds chromium or skips the test (fails under CI=true).
func chromiumPath(t *testing.T) string {
	t.Helper()
	p, err := exec.LookPath("chromium")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("chromium is not installed, and CI=true requires the browser tests: apt-get install -y chromium")
		}
		t.Skip("chromium is not installed; skipping the browser tests (apt-get install -y chromium)")
	}
	return p
}

// chromium is the one headless Chromium the browser tests share:
// starting it is most of a browser test's fixed cost, so the first test
// that needs it starts it (sharedChromium) and TestMain closes it after
// the last. Each person gets a tab in a browser context of their own, so
// sharing the process shares no cookies.
var chromium struct {
	once   sync.Once
	ctx    context.Context // a chromedp context whose browser runs
	cancel context.CancelFunc
	err    error
}

// sharedChromium starts the package's Chromium on first use and returns
// its context, for chromedp.NewContext.
func sharedChromium(t *testing.T, exe string) context.Context {
	t.Helper()
	chromium.once.Do(func() {
		opts := append(chromedp.DefaultExecAllocatorOptions[:],
			chromedp.ExecPath(exe), chromedp.NoSandbox, chromedp.WindowSize(1280, 900))
		alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
		ctx, cancelCtx := chromedp.NewContext(alloc)
		chromium.cancel = func() { cancelCtx(); cancelAlloc() }
		// The first run starts the browser, with a blank first tab that
		// stays open (closing it would close the browser).
		chromium.ctx, chromium.err = ctx, chromedp.Do(ctx)
	})
	if chromium.err != nil {
		t.Fatalf("start chromium: %v", chromium.err)
	}
	return chromium.ctx
}

// TestMain closes the shared Chromium, if a test started it, after all
// tests of the package.
func TestMain(m *testing.M) {
	code := m.Run()
	if chromium.cancel != nil {
		chromium.cancel()
	}
	os.Exit(code)
}

func newBrowserEnv(t *testing.T) *browserEnv {
	t.Helper()
	exe := chromiumPath(t)
	ctx, cancel := context.WithTimeout(context.Background(), browserTimeout)
	t.Cleanup(cancel)

	// The demo's patients and requests, codes mailed to a real SMTP
	// server, real sign-in with the demo's accounts, cookies a browser
	// keeps on plain-HTTP loopback, and text logs; the desk's clock is the
	// real one.
	smtp := sendtest.StartSMTP(t)
	var sum *demo.Summary
	// Single sign-on is configured so that the sign-in page shows its
	// button to the accessibility tests; nothing here signs in with it, so
	// its provider is never asked (oidc_test.go drives a real one).
	w := newWebEnv(t, webSetup{SignIn: true, InsecureCookies: true, TextLog: true, OIDC: browserSSO(t), Desk: func(d *workflow.Desk) {
		d.Mail = smtp.Client()
		var err error
		if sum, err = demo.Seed(ctx, d); err != nil {
			t.Fatal(err)
		}
	}})
	logins, err := demo.Users(ctx, w.auth)
	if err != nil {
		t.Fatal(err)
	}
	w.desk.Org = letter.Org{Name: "Custodian Test Hospital", Address: []string{"1 Test Way", "Springfield"}, Phone: "555-0100",
		PrivacyContact: "Privacy Officer", PrivacyPhone: "555-0101", PortalURL: w.srv.URL}

	e := &browserEnv{t: t, ctx: ctx, webEnv: w, smtp: smtp, seed: sum, logins: map[string]demo.Login{}}
	for _, l := range logins {
		e.logins[l.Username] = l
	}
	if os.Getenv("CUSTODIAN_SCREENSHOTS") == "1" {
		e.shots = filepath.Join("..", "..", "docs", "screenshots")
		if err := os.MkdirAll(e.shots, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	e.chrome = sharedChromium(t, exe)
	return e
}

// browserPerson is one person at one browser: a tab in a browser context
// of their own in the shared Chromium, so no cookie is shared with anyone
// else. It records every URL the browser asked for, every HTML answer's
// headers, and the console.
type browserPerson struct {
	e    *browserEnv
	name string
	ctx  context.Context
	// provokesCSP: this person's page is made to break the CSP on
	// purpose, to prove the browser enforces it and the console shows it.
	provokesCSP bool

	mu      sync.Mutex
	urls    []string
	docs    []docResponse
	console []chromedp.ConsoleMessage
}

type docResponse struct {
	url     string
	status  int64
	mime    string
	headers network.Headers
}

func (r docResponse) header(name string) string {
	for k, v := range r.headers {
		if strings.EqualFold(k, name) {
			s, _ := v.(string)
			return s
		}
	}
	return ""
}

func (e *browserEnv) person(name string) *browserPerson {
	e.t.Helper()
	// A tab in a browser context of its own (cookies, storage and cache
	// apart from everyone else's) in the package's one Chromium; closed,
	// with its browser context, when the test ends or runs out of time.
	ctx, cancel := chromedp.NewContext(e.chrome, chromedp.WithNewBrowserContext())
	e.t.Cleanup(cancel)
	stop := context.AfterFunc(e.ctx, cancel)
	e.t.Cleanup(func() { stop() })
	p := &browserPerson{e: e, name: name, ctx: ctx}
	// The first action opens the tab; the page is 1280×900 CSS pixels
	// whatever the window's decorations take.
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(1280, 900)); err != nil {
		e.t.Fatalf("%s: open a tab: %v", name, err)
	}
	if err := chromedp.Listen(ctx, func(ev any) {
		p.mu.Lock()
		defer p.mu.Unlock()
		switch ev := ev.(type) {
		case *network.EventRequestWillBeSent:
			p.urls = append(p.urls, ev.Request.URL+ev.Request.URLFragment)
		case *cdppage.EventFrameNavigated:
			p.urls = append(p.urls, ev.Frame.URL+ev.Frame.URLFragment)
		case *network.EventResponseReceived:
			if ev.Type == network.ResourceTypeDocument {
				p.docs = append(p.docs, docResponse{url: ev.Response.URL, status: ev.Response.Status,
					mime: ev.Response.MimeType, headers: ev.Response.Headers})
			}
		}
	}); err != nil {
		e.t.Fatal(err)
	}
	messages := chromedp.Console(ctx)
	go func() {
		for m, err := range messages {
			if err != nil {
				return
			}
			p.mu.Lock()
			p.console = append(p.console, m)
			p.mu.Unlock()
		}
	}()
	e.mu.Lock()
	e.people = append(e.people, p)
	e.mu.Unlock()
	return p
}

// do runs steps, failing the test with what was being done.
func (p *browserPerson) do(what string, steps ...chromedp.Action[chromedp.Void]) {
	p.e.t.Helper()
	if err := chromedp.Do(p.ctx, steps...); err != nil {
		p.e.t.Fatalf("%s: %s: %v", p.name, what, err)
	}
}

// open navigates to path (on the test server) and returns the HTTP status.
func (p *browserPerson) open(path string) int64 {
	p.e.t.Helper()
	resp, err := chromedp.Run(p.ctx, chromedp.NavigateResponse(p.e.srv.URL+path))
	if err != nil {
		p.e.t.Fatalf("%s: open %s: %v", p.name, path, err)
	}
	return resp.Status
}

// submit clicks sel and waits for the page that follows to load.
func (p *browserPerson) submit(sel string) {
	p.e.t.Helper()
	if _, err := chromedp.Run(p.ctx, chromedp.WaitEvent(cdppage.LoadEventFired, nil, chromedp.Click(chromedp.CSS(sel)))); err != nil {
		p.e.t.Fatalf("%s: click %s: %v", p.name, sel, err)
	}
}

// text returns the visible text of sel.
func (p *browserPerson) text(sel string) string {
	p.e.t.Helper()
	s, err := chromedp.Run(p.ctx, chromedp.Text(chromedp.CSS(sel)))
	if err != nil {
		p.e.t.Fatalf("%s: text of %s: %v", p.name, sel, err)
	}
	return s
}

// mainText is the text of the page's main element.
func (p *browserPerson) mainText() string {
	p.e.t.Helper()
	return p.text("main")
}

// has reports whether the page has an element matching the CSS selector.
func (p *browserPerson) has(sel string) bool {
	p.e.t.Helper()
	ok, err := chromedp.Run(p.ctx, chromedp.Evaluate[bool]("document.querySelector("+strconv.Quote(sel)+") !== null"))
	if err != nil {
		p.e.t.Fatalf("%s: query %s: %v", p.name, sel, err)
	}
	return ok
}

func (p *browserPerson) location() string {
	p.e.t.Helper()
	loc, err := chromedp.Run(p.ctx, chromedp.Location())
	if err != nil {
		p.e.t.Fatal(err)
	}
	return loc
}

// expect fails the test unless the main text holds every want.
func (p *browserPerson) expect(step string, want ...string) {
	p.e.t.Helper()
	txt := p.mainText()
	for _, w := range want {
		if !strings.Contains(txt, w) {
			p.e.t.Fatalf("%s: %s: the page lacks %q; it says:\n%s", p.name, step, w, clip(txt))
		}
	}
}

func clip(s string) string {
	if len(s) > 1500 {
		return s[:1500] + " …"
	}
	return s
}

// signIn signs username in through the real pages: password, then the
// authenticator code.
func (p *browserPerson) signIn(username string) {
	p.e.t.Helper()
	l, ok := p.e.logins[username]
	if !ok {
		p.e.t.Fatalf("no demo account %s", username)
	}
	p.open("/login")
	p.do("password step",
		chromedp.WaitVisible(chromedp.ID("signin")),
		chromedp.SendKeys(chromedp.ID("username"), username),
		chromedp.SendKeys(chromedp.ID("password"), demo.Password))
	p.submit("#signin")
	code, err := auth.TOTPCode(l.Secret, time.Now())
	if err != nil {
		p.e.t.Fatal(err)
	}
	p.do("code step", chromedp.WaitVisible(chromedp.ID("verify")), chromedp.SendKeys(chromedp.ID("code"), code))
	p.submit("#verify")
	p.do("signed in", chromedp.WaitVisible(chromedp.ID("who")))
	if who := p.text("#who"); !strings.Contains(who, word(auth.Role(l.Role))) {
		p.e.t.Fatalf("%s signed in as %q, want role %s", username, who, l.Role)
	}
}

// shot saves a full-page screenshot as docs/screenshots/name, when asked.
func (p *browserPerson) shot(name string) {
	p.e.t.Helper()
	if p.e.shots == "" {
		return
	}
	b, err := chromedp.Run(p.ctx, chromedp.FullScreenshot(100))
	if err != nil {
		p.e.t.Fatalf("screenshot %s: %v", name, err)
	}
	p.save(name, b)
}

// shotUpTo saves the page from the top of from (or the page's top when
// from is "") down to the bottom of the element to, at most maxHeight
// pixels: a part of a long page.
func (p *browserPerson) shotUpTo(name, from, to string, maxHeight float64) {
	p.e.t.Helper()
	if p.e.shots == "" {
		return
	}
	top := "0"
	if from != "" {
		top = `document.querySelector(` + strconv.Quote(from) + `).getBoundingClientRect().top + window.scrollY - 12`
	}
	box, err := chromedp.Run(p.ctx, chromedp.Evaluate[[]float64](`[`+top+`, document.querySelector(`+strconv.Quote(to)+
		`).getBoundingClientRect().bottom + window.scrollY + 12, document.documentElement.clientWidth]`))
	if err != nil || len(box) != 3 {
		p.e.t.Fatalf("screenshot %s: measure: %v", name, err)
	}
	height := min(box[1]-box[0], maxHeight)
	res, err := chromedp.Call(p.ctx, cdppage.CaptureScreenshot, cdppage.CaptureScreenshotParams{
		Format: cdppage.CaptureScreenshotFormatPng, CaptureBeyondViewport: new(true),
		Clip: &cdppage.Viewport{X: 0, Y: box[0], Width: box[2], Height: height, Scale: 1}})
	if err != nil {
		p.e.t.Fatalf("screenshot %s: %v", name, err)
	}
	p.save(name, res.Data)
}

func (p *browserPerson) save(name string, b []byte) {
	p.e.t.Helper()
	if !bytes.HasPrefix(b, []byte("\x89PNG")) {
		p.e.t.Fatalf("screenshot %s is not a PNG", name)
	}
	if err := os.WriteFile(filepath.Join(p.e.shots, name), b, 0o644); err != nil {
		p.e.t.Fatal(err)
	}
}

// mailCode waits for the n-th message to reach the SMTP server and returns
// the one-time code in it; the message must go to to.
func (e *browserEnv) mailCode(n int, to string) string {
	e.t.Helper()
	var msgs []sendtest.ReceivedMail
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		if msgs = e.smtp.Messages(); len(msgs) >= n || time.Now().After(deadline) {
			break
		}
	}
	if len(msgs) != n {
		e.t.Fatalf("%d messages reached the SMTP server, want %d", len(msgs), n)
	}
	m := msgs[n-1]
	if !slices.Equal(m.To, []string{to}) || !m.TLS {
		e.t.Fatalf("message %d went to %v (TLS %v), want %s over TLS", n, m.To, m.TLS, to)
	}
	body, err := m.Body()
	if err != nil {
		e.t.Fatal(err)
	}
	c := regexp.MustCompile(`\b(\d{6,8})\b`).FindStringSubmatch(body)
	if c == nil {
		e.t.Fatalf("no code in message %d:\n%s", n, body)
	}
	return c[1]
}

// tinyPNG writes a small PNG, the requester's "photo of their ID".
func tinyPNG(t *testing.T) string {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 16, 10))
	for x := range 16 {
		for y := range 10 {
			img.Set(x, y, color.RGBA{uint8(x * 16), uint8(y * 25), 128, 255})
		}
	}
	path := filepath.Join(t.TempDir(), "id-card.png")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := png.Encode(f, img); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	return path
}

// journeyPatient picks a demo patient with no request yet whose chart
// holds an item with a sensitive label: the patient's own access releases
// it, so the release needs a second person's review. The smallest such
// chart keeps the pages short.
func (e *browserEnv) journeyPatient() *roi.PatientRecord {
	e.t.Helper()
	ps, err := e.store.Patients(e.ctx)
	if err != nil {
		e.t.Fatal(err)
	}
	var best *roi.PatientRecord
	bestN := 0
	for _, p := range ps {
		rs, err := e.store.Requests(e.ctx, store.RequestFilter{PatientID: p.ID})
		if err != nil {
			e.t.Fatal(err)
		}
		items, err := e.store.ChartItems(e.ctx, p.ID)
		if err != nil {
			e.t.Fatal(err)
		}
		sensitive := slices.ContainsFunc(items, func(it roi.ChartItem) bool { return workflow.Sensitive(it.Labels) })
		if len(rs) == 0 && sensitive && p.BirthDate.Known() && (best == nil || len(items) < bestN) {
			best, bestN = p, len(items)
		}
	}
	if best == nil {
		e.t.Fatal("no demo patient without requests has a sensitive chart item")
	}
	return best
}

// checkBrowsing checks what every person's browser saw: no URL carries
// the patient's name, every HTML page has a strict CSP and is not cached,
// and the console reports no CSP violation (nor any other error).
func (e *browserEnv) checkBrowsing(patientName string) {
	e.t.Helper()
	var forbidden []string
	if patientName != "" {
		forbidden = append(forbidden, strings.ToLower(patientName), strings.ToLower(url.QueryEscape(patientName)),
			strings.ToLower(url.PathEscape(patientName)))
		forbidden = append(forbidden, strings.Fields(strings.ToLower(patientName))...)
	}
	e.mu.Lock()
	people := slices.Clone(e.people)
	e.mu.Unlock()
	pages, nURLs, nConsole := 0, 0, 0
	for _, p := range people {
		p.mu.Lock()
		urls, docs, console := slices.Clone(p.urls), slices.Clone(p.docs), slices.Clone(p.console)
		p.mu.Unlock()
		nURLs, nConsole = nURLs+len(urls), nConsole+len(console)
		for _, u := range urls {
			for _, f := range forbidden {
				if strings.Contains(strings.ToLower(u), f) {
					e.t.Errorf("%s: a URL the browser visited carries the patient's name: %s", p.name, u)
				}
			}
		}
		for _, d := range docs {
			if !strings.HasPrefix(d.url, e.srv.URL) {
				continue
			}
			csp := d.header("Content-Security-Policy")
			if csp == "" || strings.Contains(csp, "unsafe-inline") || strings.Contains(csp, "unsafe-eval") {
				e.t.Errorf("%s: %s: Content-Security-Policy %q", p.name, d.url, csp)
			}
			if cc := d.header("Cache-Control"); cc != "no-store" {
				e.t.Errorf("%s: %s: Cache-Control %q, want no-store", p.name, d.url, cc)
			}
			if strings.HasPrefix(d.mime, "text/html") {
				pages++
				if !strings.Contains(csp, "script-src 'self'") {
					e.t.Errorf("%s: %s: the page's CSP %q lacks script-src 'self'", p.name, d.url, csp)
				}
			}
		}
		violations := 0
		for _, m := range console {
			txt := m.String()
			switch {
			case strings.Contains(txt, "Content Security Policy") || strings.Contains(txt, "Content-Security-Policy"):
				if p.provokesCSP {
					violations++
					continue
				}
				e.t.Errorf("%s: CSP violation on %s: %s", p.name, m.URL, txt)
			case m.IsException():
				e.t.Errorf("%s: script error on %s: %s", p.name, m.URL, txt)
			case m.Type == chromedp.ConsoleError && !expectedConsoleError(txt):
				e.t.Errorf("%s: console error on %s: %s", p.name, m.URL, txt)
			}
		}
		if p.provokesCSP && violations == 0 {
			e.t.Errorf("%s: an inline script was injected on purpose, and the console reports no CSP violation: the check would miss one", p.name)
		}
	}
	if pages == 0 {
		e.t.Error("no HTML page was seen: the browsing checks checked nothing")
	}
	e.t.Logf("browsing checked: %d people, %d URLs, %d HTML pages, %d console messages", len(people), nURLs, pages, nConsole)
}

// expectedConsoleError: the browser logs every 4xx answer as a failed
// resource load; the tests ask for refusals (403, 409) and send forms
// with mistakes (422, the form shown again) on purpose.
func expectedConsoleError(txt string) bool {
	return strings.Contains(txt, "Failed to load resource") && regexp.MustCompile(`status of (40[39]|422)\b`).MatchString(txt)
}

// TestBrowserJourney is the whole journey of one request in a real
// browser: the requester asks through the portal, confirms the e-mail
// address and uploads an ID; the clerk accepts the submission and records
// the identity check; the specialist evaluates and approves, and the
// release is refused until the QA reviewer approves it as a second pair of
// eyes; the specialist releases; the requester downloads the packet with
// an e-mailed code; the timeline records it all.
func TestBrowserJourney(t *testing.T) {
	e := newBrowserEnv(t)
	patient := e.journeyPatient()
	const email = "requester@example.org"

	// 1. The requester asks through the portal.
	req := e.person("requester")
	if st := req.open("/portal"); st != 200 {
		t.Fatalf("/portal: %d", st)
	}
	req.do("fill in the request",
		chromedp.WaitVisible(chromedp.ID("submit")),
		chromedp.SendKeys(chromedp.ID("patient_name"), patient.Name),
		chromedp.SendKeys(chromedp.ID("birth_date"), patient.BirthDate.String()),
		chromedp.SetValue(chromedp.ID("requester_kind"), string(roi.KindPatient)),
		chromedp.SendKeys(chromedp.ID("requester_name"), patient.Name),
		chromedp.SendKeys(chromedp.ID("email"), email),
		chromedp.SetValue(chromedp.ID("basis"), string(roi.BasisAccess)),
		chromedp.SetValue(chromedp.ID("delivery"), string(roi.DeliveryPortal)))
	req.shot("portal-submit.png")
	req.submit("#submit")
	req.do("receipt", chromedp.WaitVisible(chromedp.ID("submission-number")))
	number := strings.TrimSpace(req.text("#submission-number"))
	if number == "" {
		t.Fatal("the receipt shows no submission number")
	}
	req.expect("receipt", "We received your request", "We sent a code to your e-mail address")
	code := e.mailCode(1, email)
	req.do("enter the e-mail code", chromedp.SendKeys(chromedp.ID("code"), code))
	req.submit("#verify-email")
	req.do("upload form", chromedp.WaitVisible(chromedp.ID("upload")))
	if req.has("#verify-email") || !strings.Contains(req.text("#portal-done"), "e-mail address is confirmed") {
		t.Fatalf("the e-mail address is still unconfirmed after the right code:\n%s", clip(req.mainText()))
	}
	req.do("choose the ID image",
		chromedp.SetValue(chromedp.ID("kind"), "id-image"),
		chromedp.SetUploadFiles(chromedp.ID("file"), []string{tinyPNG(t)}))
	req.submit("#upload")
	req.do("status", chromedp.WaitVisible(chromedp.ID("status-message")))
	if msg := req.text("#status-message"); !strings.Contains(msg, "checking who you are") {
		t.Fatalf("status after the upload: %q", msg)
	}
	if req.has("p.error") || !strings.Contains(req.text("#portal-done"), "we received your file") {
		t.Fatalf("the upload was not confirmed:\n%s", clip(req.mainText()))
	}
	req.shot("portal-status.png")

	// 2. The clerk accepts the submission and records the identity check.
	clerk := e.person("clerk")
	clerk.signIn(demo.Actor)
	clerk.submit(`nav a[href="/submissions"]`)
	clerk.expect("submissions", "Portal submissions waiting for a clerk", number)
	clerk.shot("submissions.png")
	href, err := chromedp.Run(clerk.ctx, chromedp.Evaluate[string](
		`[...document.querySelectorAll("main a")].find(a => a.textContent.trim() === `+strconv.Quote(number)+`).getAttribute("href")`))
	if err != nil {
		t.Fatalf("the submissions page has no link to %s: %v", number, err)
	}
	clerk.submit(`a[href="` + href + `"]`)
	clerk.expect("submission", "Submission "+number, patient.Name, "checked", "id-image", "image/png")
	clerk.do("choose the patient", chromedp.Click(chromedp.CSS(`input[name="patient"][value="`+strconv.FormatInt(int64(patient.ID), 10)+`"]`)))
	clerk.submit("#accept")
	clerk.expect("accepted", "Submission accepted as a request.", patient.Name, "Not verified yet.")
	m := regexp.MustCompile(`/requests/(\d+)`).FindStringSubmatch(clerk.location())
	if m == nil {
		t.Fatalf("accepting landed on %s, not a request page", clerk.location())
	}
	reqPath := "/requests/" + m[1]
	rid, _ := strconv.ParseInt(m[1], 10, 64)
	rq, err := e.store.Request(e.ctx, roi.RequestID(rid))
	if err != nil {
		t.Fatal(err)
	}
	if rq.PatientID != patient.ID || rq.Delivery != roi.DeliveryPortal || rq.Basis != roi.BasisAccess || rq.Contact != email {
		t.Fatalf("the accepted request: patient %d delivery %s basis %s contact %q", rq.PatientID, rq.Delivery, rq.Basis, rq.Contact)
	}
	// A patient's own access needs no authority document: identity only.
	clerk.do("identity", chromedp.SendKeys(chromedp.ID("identity-method"), "photo ID uploaded through the portal, checked against the chart"))
	clerk.submit("#verify-identity")
	clerk.expect("identity recorded", "Evidence recorded.", "photo ID uploaded through the portal")
	if clerk.has("#evaluate") || clerk.has("#decide") || clerk.has("#release") {
		t.Error("the clerk sees buttons to evaluate, decide or release")
	}

	// 3. The specialist evaluates and approves; the release is refused
	// until a second person reviews the decision.
	spec := e.person("specialist")
	spec.signIn(demo.Specialist)
	spec.expect("queue", rq.Number)
	spec.shot("queue.png")
	spec.submit(`a[href="` + reqPath + `"]`)
	spec.expect("request page", "Request "+rq.Number, "Not evaluated yet.")
	spec.submit("#evaluate")
	spec.expect("evaluated", "The engine evaluated the request.", "The engine (rules", "Released (")
	outcome, err := chromedp.Run(spec.ctx, chromedp.Evaluate[string](`document.querySelector(".outcome").dataset.outcome`))
	if err != nil {
		t.Fatal(err)
	}
	action := map[string]string{"release": "approve", "partial": "partial"}[outcome]
	if action == "" {
		t.Fatalf("the engine decided %q for the patient's own access; the journey needs a release", outcome)
	}
	if !spec.has("#h-preview") || !strings.Contains(spec.text(`section[aria-labelledby="h-preview"]`), "Withheld (") {
		t.Fatal("the request page has no preview of what is released and withheld")
	}
	// The page names no internal ids: a chart row shows its title and
	// type, not "Observation/<uuid>" (the id stays in a tooltip).
	if m := regexp.MustCompile(`\b[A-Z][A-Za-z]+/[0-9a-f]{8}-[0-9a-f-]{27}\b`).FindString(spec.mainText()); m != "" {
		t.Errorf("the request page shows an internal id: %s", m)
	}
	spec.do("decide", chromedp.Click(chromedp.ID("action-"+action)))
	spec.submit("#decide")
	spec.expect("decided", "Decision recorded.", "Decided "+actionWord(action)+" by "+demo.SpecialistName)
	preview := spec.text(`section[aria-labelledby="h-preview"]`)
	if !regexp.MustCompile(`Released \([1-9]\d*\)`).MatchString(preview) {
		t.Fatalf("the preview releases nothing:\n%s", clip(preview))
	}
	sensitiveShown, err := chromedp.Run(spec.ctx, chromedp.Evaluate[bool](
		`[...document.querySelectorAll('section[aria-labelledby="h-preview"] .cols > div:first-child tbody tr td:nth-child(3)')].some(td => td.textContent.trim() !== "" && td.textContent.split(",").some(l => !["general", "demographics"].includes(l.trim())))`))
	if err != nil || !sensitiveShown {
		t.Fatalf("the preview shows no sensitive item released (%v)", err)
	}
	// The page says before the click that a second person must review.
	if !spec.has("#needs-review") {
		t.Error("the request page does not say the release needs a second person's review")
	}
	spec.shotUpTo("request.png", "", `section[aria-labelledby="h-decision"]`, 2400)
	spec.shotUpTo("preview.png", `section[aria-labelledby="h-preview"]`, `section[aria-labelledby="h-preview"]`, 1100)
	// Release is not offered before the review it needs: the page says
	// what it waits for instead, and the desk refuses a release posted
	// anyway (a stale page, a crafted form).
	if spec.has("#release") {
		t.Error("the release button is offered before the review the decision needs")
	}
	spec.expect("release waits", "Release waits for a second person's review")
	st, err := chromedp.Run(spec.ctx, chromedp.Evaluate[int](
		`fetch(`+strconv.Quote(reqPath+"/release")+`, {method: "POST", body: new URLSearchParams({version: document.querySelector('input[name="version"]').value})}).then(r => r.status)`,
		chromedp.EvalAwaitPromise))
	if err != nil || st != 409 {
		t.Errorf("a release posted before the review: %d (%v), want 409", st, err)
	}
	if pks, err := e.store.Packets(e.ctx, rq.ID); err != nil || len(pks) != 0 {
		t.Fatalf("a refused release built %d packets (%v)", len(pks), err)
	}

	// 4. The QA reviewer approves; the specialist releases.
	qa := e.person("qa")
	qa.signIn(demo.QA)
	qa.open(reqPath)
	qa.expect("QA opens the request", "Second pair of eyes", "Decided "+actionWord(action))
	if qa.has("#release") || qa.has("#decide") || qa.has("#evaluate") {
		t.Error("the QA reviewer sees buttons to evaluate, decide or release")
	}
	qa.do("approve", chromedp.Click(chromedp.ID("review-approve")))
	qa.submit("#review")
	qa.expect("reviewed", "Review recorded.", "reviewed by a second person")
	qa.submit(`nav a[href="/metrics"]`)
	qa.do("metrics", chromedp.WaitVisible(chromedp.ID("on-time")))
	qa.expect("metrics", "Requests per week by requester kind", "Turnaround")
	qa.shot("metrics.png")

	spec.open(reqPath)
	spec.expect("reviewed", "reviewed by a second person")
	spec.submit("#release")
	spec.do("released", chromedp.WaitVisible(chromedp.ID("packet-password")))
	spec.expect("released", "Released "+rq.Number, "Shown only now.")
	password := strings.TrimSpace(spec.text("#packet-password"))
	link := strings.TrimSpace(spec.text("#portal-link"))
	if len(password) < 12 {
		t.Fatalf("packet password %q", password)
	}
	if !strings.HasPrefix(link, e.srv.URL+"/portal/download#") || len(link) < len(e.srv.URL+"/portal/download#")+20 {
		t.Fatalf("portal link %q", link)
	}
	spec.shot("released.png")
	pks, err := e.store.Packets(e.ctx, rq.ID)
	if err != nil || len(pks) != 1 {
		t.Fatalf("packets after the release: %d (%v)", len(pks), err)
	}

	// 5. The requester opens the link, asks for a code by e-mail, and
	// downloads the packet in the browser.
	dir := t.TempDir()
	if _, err := chromedp.CallBrowser(req.ctx, browser.SetDownloadBehavior, browser.SetDownloadBehaviorParams{
		Behavior: browser.SetDownloadBehaviorBehaviorAllowAndName, DownloadPath: dir, EventsEnabled: new(true),
		BrowserContextID: chromedp.FromContext(req.ctx).BrowserContextID}); err != nil {
		t.Fatal(err)
	}
	req.do("open the link", chromedp.Navigate(link), chromedp.WaitVisible(chromedp.CSS(`form[action="/portal/v1/code"] button`)))
	req.submit(`form[action="/portal/v1/code"] button`)
	if body := req.text("body"); !strings.Contains(body, "We sent a one-time code") {
		t.Fatalf("asking for a code: %s", clip(body))
	}
	dlCode := e.mailCode(2, email)
	req.do("back to the link", chromedp.Navigate(link), chromedp.WaitVisible(chromedp.ID("code")),
		chromedp.SendKeys(chromedp.ID("code"), dlCode))
	if tok, _ := chromedp.Run(req.ctx, chromedp.Value(chromedp.CSS(`form[action="/portal/v1/download"] input.token`))); tok == "" || !strings.HasSuffix(link, "#"+tok) {
		t.Fatalf("the page's script did not copy the link's token into the form (%q)", tok)
	}
	progress := chromedp.BrowserEvents(req.ctx, browser.DownloadProgress)
	req.do("download", chromedp.Click(chromedp.CSS(`form[action="/portal/v1/download"] button`)))
	var file string
	for ev, err := range progress {
		if err != nil {
			t.Fatalf("waiting for the download: %v", err)
		}
		if ev.State == browser.DownloadProgressStateCanceled {
			t.Fatal("the browser cancelled the download")
		}
		if ev.State == browser.DownloadProgressStateCompleted {
			file = ev.FilePath
			if file == "" {
				file = filepath.Join(dir, ev.GUID)
			}
			break
		}
	}
	got, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(got)
	if !bytes.HasPrefix(got, []byte("%PDF")) || hex.EncodeToString(sum[:]) != pks[0].SHA256 {
		t.Fatalf("the downloaded file (%d bytes) is not the released packet", len(got))
	}

	// 6. The timeline records the disclosure, the download and the
	// delivery.
	spec.open(reqPath)
	timeline, err := chromedp.Run(spec.ctx, chromedp.Evaluate[string](`document.querySelector("ol.timeline").textContent`))
	if err != nil {
		t.Fatal(err)
	}
	for _, kind := range []roi.EventKind{roi.EventDisclosure, roi.EventReview, roi.EventPortalCode, roi.EventDownload, roi.EventDelivery} {
		if !strings.Contains(timeline, word(kind)+" by ") {
			t.Errorf("the timeline lacks %s:\n%s", word(kind), timeline)
		}
	}
	if st := spec.text(`section[aria-labelledby="h-letters"]`); !strings.Contains(st, "Downloaded by the requester") {
		t.Errorf("the portal delivery is not done after the download:\n%s", st)
	}

	// Every page and URL the four browsers saw.
	e.checkBrowsing(patient.Name)

	// PHI hygiene over the whole run: the server's log names routes, never
	// the patient, the requester's address, the MRN or a code.
	log := e.logs.String()
	if !strings.Contains(log, "POST /portal/submit") {
		t.Fatalf("the log capture saw nothing:\n%s", clip(log))
	}
	for _, phi := range append([]string{patient.Name, patient.MRN, "requester@example.org", patient.BirthDate.String()}, strings.Fields(patient.Name)...) {
		if len(phi) > 3 && strings.Contains(log, phi) {
			t.Errorf("the server log contains %q", phi)
		}
	}
}

// TestBrowserRoles: each role sees what it may, in the browser.
func TestBrowserRoles(t *testing.T) {
	e := newBrowserEnv(t)
	target := e.seed.Requests[0]
	reqPath := "/requests/" + strconv.FormatInt(int64(target.ID), 10)
	patient, err := e.store.Patient(e.ctx, target.PatientID)
	if err != nil {
		t.Fatal(err)
	}

	// Nobody signed in: the queue sends them to the sign-in page.
	anon := e.person("anonymous")
	anon.open("/")
	anon.do("sign-in page", chromedp.WaitVisible(chromedp.ID("signin")))
	if loc := anon.location(); loc != e.srv.URL+"/login" {
		t.Errorf("an anonymous visitor to / is at %s, want /login", loc)
	}
	anon.shot("login.png")
	if st := anon.open(reqPath); st != 200 || !anon.has("#signin") {
		t.Errorf("an anonymous visitor to a request page: %d, sign-in form %v", st, anon.has("#signin"))
	}

	// The auditor reads the request but has no buttons, and a state
	// change from the page is refused.
	aud := e.person("auditor")
	aud.signIn("demo.auditor")
	if st := aud.open(reqPath); st != 200 {
		t.Fatalf("the auditor opening a request: %d", st)
	}
	aud.expect("auditor reads", "Request "+target.Number, patient.Name, "Timeline")
	for _, sel := range []string{"#evaluate", "#decide", "#release", "#review", "#verify-identity", "#add-authority", "#resolve", `form[action$="/assign"]`} {
		if aud.has(sel) {
			t.Errorf("the auditor sees %s", sel)
		}
	}
	for _, action := range []string{"evaluate", "decide", "release", "evidence", "review", "assign"} {
		st, err := chromedp.Run(aud.ctx, chromedp.Evaluate[int](
			`fetch(`+strconv.Quote(reqPath+"/"+action)+`, {method: "POST", body: new URLSearchParams({version: "`+strconv.Itoa(target.Version)+`", action: "approve", approve: "yes", step: "identity", method: "x"})}).then(r => r.status)`,
			chromedp.EvalAwaitPromise))
		if err != nil || st != 403 {
			t.Errorf("the auditor POSTing %s: %d (%v), want 403", action, st, err)
		}
	}
	if st := aud.open("/submissions"); st != 403 {
		t.Errorf("the auditor opening /submissions: %d, want 403", st)
	}
	aud.expect("refused", "Your role may not do this.")
	if after, err := e.store.Request(e.ctx, target.ID); err != nil || after.Version != target.Version {
		t.Errorf("the auditor's refused posts changed the request (%v)", err)
	}

	// The administrator manages accounts and sees no PHI.
	adm := e.person("administrator")
	adm.signIn("demo.admin")
	if st := adm.open(reqPath); st != 403 {
		t.Errorf("the administrator opening a request: %d, want 403", st)
	}
	if txt := adm.mainText(); strings.Contains(txt, patient.Name) || !strings.Contains(txt, "Your role may not do this.") {
		t.Errorf("the administrator's refusal page:\n%s", clip(txt))
	}

	// The clerk has no metrics.
	clerk := e.person("clerk")
	clerk.signIn(demo.Actor)
	if clerk.has(`nav a[href="/metrics"]`) {
		t.Error("the clerk sees a Metrics link")
	}
	if !clerk.has(`nav a[href="/submissions"]`) {
		t.Error("the clerk has no link to the portal submissions")
	}
	if st := clerk.open("/metrics"); st != 403 {
		t.Errorf("the clerk opening /metrics: %d, want 403", st)
	}

	// The queue's filters apply as they change (htmx swaps the table in
	// place and keeps the filter in the address), with no full reload.
	clerk.open("/")
	clerk.do("mark the page", chromedp.Evaluate[chromedp.Void](`window.__same = true`))
	clerk.do("filter escalated", chromedp.SetValue(chromedp.CSS(`select[name="status"]`), "escalated"),
		chromedp.Evaluate[chromedp.Void](`document.querySelector('select[name="status"]').dispatchEvent(new Event("change", {bubbles: true}))`))
	// Wait until the address has the filter and the swapped-in table
	// shows only escalated requests (or time runs out and the check fails).
	var rows string
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		rows, _ = chromedp.Run(clerk.ctx, chromedp.Evaluate[string](`(document.querySelector("#queue-table tbody") || {}).textContent || ""`))
		if strings.Contains(clerk.location(), "status=escalated") && strings.Contains(rows, word(roi.StatusEscalated)) && !strings.Contains(rows, word(roi.StatusVerifying)) {
			break
		}
	}
	same, err := chromedp.Run(clerk.ctx, chromedp.Evaluate[bool](`window.__same === true`))
	if err != nil || !same || !strings.Contains(clerk.location(), "status=escalated") || strings.Contains(rows, word(roi.StatusVerifying)) || !strings.Contains(rows, word(roi.StatusEscalated)) {
		t.Errorf("htmx filter: same page %v (%v), at %s, rows:\n%s", same, err, clerk.location(), clip(rows))
	}

	// The CSP is enforced by the browser, and a violation shows in the
	// console (so the checks above would catch one): an inline script and
	// an inline style injected into a real page do not run.
	probe := e.person("csp-probe")
	probe.provokesCSP = true
	probe.open("/login")
	ran, err := chromedp.Run(probe.ctx, chromedp.Evaluate[bool](`(() => {
		const s = document.createElement("script");
		s.textContent = "window.inlineRan = true";
		document.body.appendChild(s);
		const st = document.createElement("style");
		st.textContent = "body { background: rgb(1, 2, 3) }";
		document.head.appendChild(st);
		return window.inlineRan === true || getComputedStyle(document.body).backgroundColor === "rgb(1, 2, 3)";
	})()`))
	if err != nil || ran {
		t.Errorf("an injected inline script or style ran (%v): the CSP does not hold", err)
	}
	// Give the violation reports a moment to reach the console listener.
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		probe.mu.Lock()
		n := len(probe.console)
		probe.mu.Unlock()
		if n >= 2 {
			break
		}
	}

	e.checkBrowsing(patient.Name)
}

// browserSSO offers single sign-on at a provider that is never reached.
func browserSSO(t *testing.T) func(*auth.Service) *auth.OIDC {
	return func(a *auth.Service) *auth.OIDC {
		o, err := auth.NewOIDC(a, auth.OIDCConfig{Name: "Test Hospital SSO", Issuer: "https://sso.hospital.test", ClientID: "custodian",
			RedirectURL: "https://records.hospital.test/login/oidc/callback", GroupRoles: []auth.GroupRole{{Group: "roi", Role: auth.RoleSpecialist}}})
		if err != nil {
			t.Fatal(err)
		}
		return o
	}
}
