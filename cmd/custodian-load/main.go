// Command custodian-load puts a bounded, realistic load on a Custodian
// server on loopback and prints latency percentiles and throughput per
// class of endpoint.
//
// The mix: staff sessions browsing the queue and request pages (half as
// HTML pages with the session cookie, half through the JSON API with a
// bearer token), requests arriving through the portal and API intake at a
// fixed rate, and specialists taking a share of them through evidence,
// evaluation, decision, review and release, with delivery by postal mail
// (completed with a tracking number) or the portal.
//
// It prepares the database itself (demo patients, a backlog of requests,
// one account per simulated session) and, unless --url names a running
// server on the same database, starts one in-process with the delivery
// and reminder workers. Every account signs in (argon2id, then TOTP)
// before the clock starts: sign-in is reported apart.
//
//	go run ./cmd/custodian-load --duration 60s
//	go run ./cmd/custodian-load --db postgres://... --duration 60s
package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	mrand "math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/custodian-roi/custodian/internal/auth"
	"github.com/custodian-roi/custodian/internal/demo"
	"github.com/custodian-roi/custodian/internal/fhir"
	"github.com/custodian-roi/custodian/internal/roi"
	"github.com/custodian-roi/custodian/internal/store"
	"github.com/custodian-roi/custodian/internal/web"
	"github.com/custodian-roi/custodian/internal/workflow"
)

type options struct {
	db, url, cookie       string
	sessions, specialists int
	perMinute             int
	backlog               int
	duration, think       time.Duration
	releaseShare          float64
}

func main() {
	var o options
	flag.StringVar(&o.db, "db", "", "database (postgres:// URL or SQLite file); default a fresh SQLite file in a temporary directory")
	flag.StringVar(&o.url, "url", "", "a running server on the same database (default: start one in-process on 127.0.0.1)")
	flag.StringVar(&o.cookie, "cookie", "custodian_session", "the session cookie's name (__Host-custodian_session for a server without --insecure-cookies)")
	flag.IntVar(&o.sessions, "sessions", 200, "staff sessions browsing the queue and requests")
	flag.IntVar(&o.specialists, "specialists", 10, "specialist sessions working requests to release")
	flag.IntVar(&o.perMinute, "rate", 50, "new requests per minute (half portal submissions, half API intake)")
	flag.IntVar(&o.backlog, "backlog", 300, "open requests in the queue before the run")
	flag.DurationVar(&o.duration, "duration", 60*time.Second, "how long to measure")
	flag.DurationVar(&o.think, "think", 2*time.Second, "mean think time of a browsing session between page views")
	flag.Float64Var(&o.releaseShare, "release-share", 0.6, "share of API intakes the specialists take to release")
	flag.Parse()
	if o.sessions < 2 || o.specialists < 1 || o.perMinute < 1 || o.duration <= 0 || o.duration > time.Hour {
		fmt.Fprintln(os.Stderr, "custodian-load: --sessions ≥ 2, --specialists ≥ 1, --rate ≥ 1, 0 < --duration ≤ 1h")
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, o); err != nil {
		fmt.Fprintf(os.Stderr, "custodian-load: %v\n", err)
		os.Exit(1)
	}
}

// account is one load account and its session.
type account struct {
	name, secret, token string
	role                auth.Role
}

const password = "load-test-password-2026"

func run(ctx context.Context, o options) error {
	if o.db == "" {
		dir, err := os.MkdirTemp("", "custodian-load-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(dir)
		o.db = filepath.Join(dir, "custodian.db")
	}
	s, err := store.Open(ctx, o.db)
	if err != nil {
		return err
	}
	defer s.Close()
	if _, err := s.Migrate(ctx); err != nil {
		return err
	}
	desk := workflow.New(s)
	fmt.Printf("database: %s\n", s.Dialect())

	t0 := time.Now()
	patients, err := seed(ctx, desk, o.backlog)
	if err != nil {
		return fmt.Errorf("seed: %w", err)
	}
	fmt.Printf("seeded %d patients and a backlog of %d requests in %s\n", len(patients), o.backlog, time.Since(t0).Round(time.Millisecond))

	base := o.url
	if base == "" {
		svc := &auth.Service{Store: s, Issuer: "Custodian load"}
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return err
		}
		log := slog.New(slog.NewJSONHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
		slog.SetDefault(log)
		srv := &http.Server{Handler: web.NewServer(log, desk, web.Options{Auth: svc, InsecureCookies: true}),
			ReadHeaderTimeout: 10 * time.Second}
		go srv.Serve(ln)
		defer srv.Close()
		wctx, cancel := context.WithCancel(ctx)
		defer cancel()
		go desk.RunDeliveries(wctx, "load", 2*time.Second)
		go desk.RunReminders(wctx, "load", 15*time.Minute)
		base = "http://" + ln.Addr().String()
		fmt.Printf("server: in-process on %s\n", base)
	}

	// Accounts: one per simulated session (a TOTP code works once per
	// 30-second step per account). Half the browsers are clerks, half
	// auditors; specialists and as many QA reviewers release.
	run := make([]byte, 3)
	rand.Read(run)
	prefix := "load-" + hex.EncodeToString(run)
	var accts []*account
	add := func(n int, role auth.Role, tag string) []*account {
		var out []*account
		for i := range n {
			out = append(out, &account{name: fmt.Sprintf("%s-%s%03d", prefix, tag, i), role: role})
		}
		accts = append(accts, out...)
		return out
	}
	clerks := add(o.sessions/2, auth.RoleIntakeClerk, "c")
	auditors := add(o.sessions-o.sessions/2, auth.RoleAuditor, "a")
	specialists := add(o.specialists, auth.RoleSpecialist, "s")
	reviewers := add(o.specialists, auth.RoleQAReviewer, "q")
	t0 = time.Now()
	svc := &auth.Service{Store: s}
	if err := parallel(ctx, accts, 4, func(a *account) error {
		u, _, err := svc.AddUser(ctx, a.name, "Load "+a.name, a.role, password)
		if err == nil {
			a.secret = u.TOTPSecret
		}
		return err
	}); err != nil {
		return fmt.Errorf("accounts: %w", err)
	}
	fmt.Printf("created %d accounts in %s\n", len(accts), time.Since(t0).Round(time.Millisecond))

	client := &http.Client{Timeout: 60 * time.Second, Transport: &http.Transport{MaxIdleConns: 1000, MaxIdleConnsPerHost: 1000}}
	l := &load{o: o, base: base, c: client, stats: map[string]*series{}, patients: patients}
	t0 = time.Now()
	if err := parallel(ctx, accts, 8, func(a *account) error { return l.signIn(ctx, a) }); err != nil {
		return fmt.Errorf("sign-in: %w", err)
	}
	signin := l.stats["sign-in"]
	fmt.Printf("signed in %d sessions in %s before measuring (argon2id, at most 2 hashes at once): p50 %s p99 %s\n",
		len(accts), time.Since(t0).Round(time.Millisecond), signin.pct(0.5).Round(time.Millisecond), signin.pct(0.99).Round(time.Millisecond))
	delete(l.stats, "sign-in")

	ids, err := s.Requests(ctx, store.RequestFilter{Open: true})
	if err != nil {
		return err
	}
	for _, r := range ids {
		l.known = append(l.known, int64(r.ID))
	}

	fmt.Printf("measuring for %s: %d browsing sessions (think %s), %d specialists, %d new requests/minute\n",
		o.duration, o.sessions, o.think, o.specialists, o.perMinute)
	mctx, cancel := context.WithTimeout(ctx, o.duration)
	defer cancel()
	start := time.Now()
	var wg sync.WaitGroup
	work := make(chan int64, 1000)
	for i, a := range append(clerks, auditors...) {
		wg.Add(1)
		go func() { defer wg.Done(); l.browse(mctx, a, i%2 == 0) }()
	}
	for i, a := range specialists {
		wg.Add(1)
		go func() { defer wg.Done(); l.specialist(mctx, a, reviewers[i], work) }()
	}
	wg.Add(1)
	go func() { defer wg.Done(); l.arrivals(mctx, specialists, work) }()
	wg.Wait()
	elapsed := time.Since(start)
	l.print(os.Stdout, elapsed)

	var q, r, d int
	rows, err := s.Requests(ctx, store.RequestFilter{})
	if err != nil {
		fmt.Printf("counting requests: %v\n", err)
	}
	for _, x := range rows {
		switch x.Status {
		case roi.StatusReleased, roi.StatusPartiallyReleased:
			r++
		default:
			q++
		}
	}
	es, _ := s.Ledger(ctx, store.LedgerFilter{Kind: "delivery"})
	d = len(es)
	n, verr := s.VerifyLedger(ctx)
	fmt.Printf("\nafter the run: %d requests (%d released), %d deliveries completed, ledger %d entries (verify: %v)\n", q+r, r, d, n, verr == nil)
	return verr
}

// parallel runs fn on every account, n at a time, and returns the first error.
func parallel(ctx context.Context, accts []*account, n int, fn func(*account) error) error {
	var wg sync.WaitGroup
	var mu sync.Mutex
	var first error
	sem := make(chan struct{}, n)
	for _, a := range accts {
		if ctx.Err() != nil {
			break
		}
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			if err := fn(a); err != nil {
				mu.Lock()
				if first == nil {
					first = fmt.Errorf("%s: %w", a.name, err)
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if first == nil {
		first = ctx.Err()
	}
	return first
}

// seed imports the demo patients when there are none and fills the queue
// to backlog open requests. It returns the patients' FHIR ids.
func seed(ctx context.Context, d *workflow.Desk, backlog int) ([]string, error) {
	ps, err := d.Store.Patients(ctx)
	if err != nil {
		return nil, err
	}
	if len(ps) == 0 {
		names, _ := fs.Glob(demo.Bundles, "bundles/*.json")
		for _, name := range names {
			data, err := demo.Bundles.ReadFile(name)
			if err != nil {
				return nil, err
			}
			charts, err := fhir.ReadBundle(bytes.NewReader(data), "")
			if err != nil {
				return nil, err
			}
			for _, c := range charts {
				if _, _, err := d.Import(ctx, "load", c); err != nil {
					return nil, err
				}
			}
		}
		if ps, err = d.Store.Patients(ctx); err != nil {
			return nil, err
		}
	}
	open, err := d.Store.Requests(ctx, store.RequestFilter{Open: true})
	if err != nil {
		return nil, err
	}
	for i := len(open); i < backlog; i++ {
		p := ps[i%len(ps)]
		if _, err := d.Intake(ctx, "load", workflow.Intake{PatientID: p.ID, Request: roi.Request{Received: d.Today().AddDays(-(i % 35)),
			Requester: roi.Requester{Kind: roi.KindPatient, Name: p.Name}, Basis: roi.BasisAccess},
			Contact: "requester@example.org", Delivery: roi.DeliveryPortal}); err != nil {
			return nil, err
		}
	}
	var out []string
	for _, p := range ps {
		out = append(out, p.FHIRID)
	}
	return out, nil
}

// series is one endpoint class's measurements.
type series struct {
	mu     sync.Mutex
	d      []time.Duration
	errors int
	last   string
}

func (s *series) pct(p float64) time.Duration {
	if s == nil || len(s.d) == 0 {
		return 0
	}
	d := slices.Clone(s.d)
	slices.Sort(d)
	i := int(p*float64(len(d)) + 0.5)
	return d[min(max(i-1, 0), len(d)-1)]
}

type load struct {
	o        options
	base     string
	c        *http.Client
	patients []string

	mu    sync.Mutex
	stats map[string]*series
	known []int64
	seq   atomic.Int64
}

func (l *load) record(class string, d time.Duration, err error) {
	l.mu.Lock()
	s := l.stats[class]
	if s == nil {
		s = &series{}
		l.stats[class] = s
	}
	l.mu.Unlock()
	s.mu.Lock()
	defer s.mu.Unlock()
	if err != nil {
		s.errors++
		s.last = err.Error()
		return
	}
	s.d = append(s.d, d)
}

// do sends one request and measures it under class; the answer is
// decoded into out when it is JSON. A status other than want is an error.
func (l *load) do(ctx context.Context, class, method, path string, hdr map[string]string, body io.Reader, want int, out any) error {
	req, err := http.NewRequestWithContext(ctx, method, l.base+path, body)
	if err != nil {
		return err
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	t := time.Now()
	resp, err := l.c.Do(req)
	if err == nil {
		var data []byte
		data, err = io.ReadAll(resp.Body)
		resp.Body.Close()
		if err == nil && resp.StatusCode != want {
			err = &statusError{resp.StatusCode, strings.TrimSpace(string(data[:min(len(data), 200)]))}
		}
		if err == nil && out != nil {
			err = json.Unmarshal(data, out)
		}
	}
	if err != nil && ctx.Err() != nil {
		return err // the run ended mid-request: not counted
	}
	l.record(class, time.Since(t), err)
	return err
}

type statusError struct {
	status int
	body   string
}

func (e *statusError) Error() string { return fmt.Sprintf("HTTP %d: %s", e.status, e.body) }

func (l *load) api(ctx context.Context, class string, a *account, method, path string, in any, want int, out any) error {
	var body io.Reader
	if in != nil {
		b, _ := json.Marshal(in)
		body = bytes.NewReader(b)
	}
	return l.do(ctx, class, method, path, map[string]string{"Authorization": "Bearer " + a.token, "Content-Type": "application/json"}, body, want, out)
}

func (l *load) signIn(ctx context.Context, a *account) error {
	var p struct{ Pending string }
	t := time.Now()
	if err := l.api(ctx, "sign-in-password", a, "POST", "/api/v1/session", map[string]string{"username": a.name, "password": password}, 200, &p); err != nil {
		return err
	}
	code, err := auth.TOTPCode(a.secret, time.Now())
	if err != nil {
		return err
	}
	var s struct{ Token string }
	if err := l.api(ctx, "sign-in-code", a, "POST", "/api/v1/session/code", map[string]string{"pending": p.Pending, "code": code}, 200, &s); err != nil {
		return err
	}
	a.token = s.Token
	l.record("sign-in", time.Since(t), nil)
	return nil
}

func (l *load) pick(r *mrand.Rand) int64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.known) == 0 {
		return 0
	}
	// Recent requests are looked at more often than old ones.
	n := len(l.known)
	i := n - 1 - min(int(r.ExpFloat64()*float64(n)/4), n-1)
	return l.known[i]
}

func (l *load) sleep(ctx context.Context, r *mrand.Rand, mean time.Duration) bool {
	d := time.Duration(r.ExpFloat64() * float64(mean))
	select {
	case <-ctx.Done():
		return false
	case <-time.After(min(d, 5*mean)):
		return true
	}
}

// browse is one staff member looking at the queue and at requests: the
// queue every few views, a request otherwise.
func (l *load) browse(ctx context.Context, a *account, pages bool) {
	r := mrand.New(mrand.NewPCG(uint64(time.Now().UnixNano()), uint64(len(a.name))))
	cookie := map[string]string{"Cookie": l.o.cookie + "=" + a.token}
	// Spread the sessions' first views over one think time.
	if !l.sleep(ctx, r, l.o.think/2) {
		return
	}
	for ctx.Err() == nil {
		queue := r.IntN(4) == 0
		id := l.pick(r)
		switch {
		case pages && (queue || id == 0):
			l.do(ctx, "page GET /", "GET", "/", cookie, nil, 200, nil)
		case pages:
			l.do(ctx, "page GET /requests/{id}", "GET", fmt.Sprintf("/requests/%d", id), cookie, nil, 200, nil)
		case queue || id == 0:
			l.api(ctx, "api GET /requests", a, "GET", "/api/v1/requests", nil, 200, nil)
		default:
			l.api(ctx, "api GET /requests/{id}", a, "GET", fmt.Sprintf("/api/v1/requests/%d", id), nil, 200, nil)
		}
		if !l.sleep(ctx, r, l.o.think) {
			return
		}
	}
}

// arrivals brings new requests at the configured rate, alternating the
// portal form and API intake; a share of API intakes goes to specialists.
func (l *load) arrivals(ctx context.Context, intake []*account, work chan<- int64) {
	tick := time.NewTicker(time.Minute / time.Duration(l.o.perMinute))
	defer tick.Stop()
	r := mrand.New(mrand.NewPCG(1, 2))
	for n := 0; ; n++ {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		go func() {
			k := l.seq.Add(1)
			if n%2 == 0 {
				form := url.Values{"patient_name": {"Load Patient"}, "birth_date": {"1980-01-02"}, "requester_kind": {"patient"},
					"requester_name": {"Load Patient"}, "basis": {"access"}, "delivery": {"portal"}, "email": {fmt.Sprintf("load%d@example.org", k)}}
				l.do(ctx, "portal POST /portal/submit", "POST", "/portal/submit",
					map[string]string{"Content-Type": "application/x-www-form-urlencoded"}, strings.NewReader(form.Encode()), 200, nil)
				return
			}
			via := "portal"
			if k%2 == 0 {
				via = "mail"
			}
			var out struct{ Request struct{ ID int64 } }
			a := intake[int(k)%len(intake)]
			err := l.api(ctx, "api POST /requests (intake)", a, "POST", "/api/v1/requests", map[string]any{
				"patient": l.patients[int(k)%len(l.patients)], "type": "records", "received": time.Now().UTC().Format("2006-01-02"),
				"requester": map[string]string{"kind": "patient", "name": "Load Patient"}, "basis": "access",
				"contact": "1 Example Street, Springfield", "delivery": via}, 201, &out)
			if err != nil {
				return
			}
			l.mu.Lock()
			l.known = append(l.known, out.Request.ID)
			l.mu.Unlock()
			if r.Float64() < l.o.releaseShare {
				select {
				case work <- out.Request.ID:
				default:
				}
			}
		}()
	}
}

type reqOut struct {
	Request struct {
		ID      int64
		Version int
	}
	Delivery struct {
		ID      int64
		Channel string
	}
}

// specialist takes requests from work through to release, with the QA
// reviewer's review when the release needs it, and records how a mailed
// packet left.
func (l *load) specialist(ctx context.Context, a, qa *account, work <-chan int64) {
	for {
		var id int64
		select {
		case <-ctx.Done():
			return
		case id = <-work:
		}
		path := fmt.Sprintf("/api/v1/requests/%d", id)
		var out reqOut
		if l.api(ctx, "api GET /requests/{id}", a, "GET", path, nil, 200, &out) != nil {
			continue
		}
		v := out.Request.Version
		step := func(class string, who *account, suffix string, body map[string]any) bool {
			body["version"] = v
			out = reqOut{}
			if err := l.api(ctx, class, who, "POST", path+suffix, body, 200, &out); err != nil {
				return false
			}
			v = out.Request.Version
			return true
		}
		if !step("api POST evidence", a, "/evidence", map[string]any{"evidence": json.RawMessage(`{"type":"identity","verified":true,"method":"photo ID"}`)}) ||
			!step("api POST evaluate", a, "/evaluate", map[string]any{}) {
			continue
		}
		if !step("api POST decide", a, "/decide", map[string]any{"action": "approve"}) &&
			!step("api POST decide", a, "/decide", map[string]any{"action": "partial"}) {
			continue
		}
		if !step("api POST review", qa, "/review", map[string]any{"approve": true}) {
			continue
		}
		if !step("api POST release", a, "/release", map[string]any{}) {
			continue
		}
		if out.Delivery.Channel == "mail" {
			l.api(ctx, "api POST delivery complete", a, "POST", fmt.Sprintf("/api/v1/deliveries/%d/complete", out.Delivery.ID),
				map[string]any{"carrier": "USPS", "tracking": fmt.Sprintf("9400%012d", id)}, 200, nil)
		}
	}
}

func (l *load) print(w io.Writer, elapsed time.Duration) {
	classes := make([]string, 0, len(l.stats))
	for c := range l.stats {
		if !strings.HasPrefix(c, "sign-in") {
			classes = append(classes, c)
		}
	}
	slices.Sort(classes)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(w, "\nmeasured %s\n", elapsed.Round(time.Millisecond))
	fmt.Fprintln(tw, "endpoint class\tok\terrors\treq/s\tp50\tp90\tp99\tmax\t")
	var total, errs int
	for _, c := range classes {
		s := l.stats[c]
		s.mu.Lock()
		total += len(s.d)
		errs += s.errors
		fmt.Fprintf(tw, "%s\t%d\t%d\t%.1f\t%s\t%s\t%s\t%s\t\n", c, len(s.d), s.errors, float64(len(s.d))/elapsed.Seconds(),
			ms(s.pct(0.5)), ms(s.pct(0.9)), ms(s.pct(0.99)), ms(s.pct(1)))
		s.mu.Unlock()
	}
	fmt.Fprintf(tw, "all\t%d\t%d\t%.1f\t\t\t\t\t\n", total, errs, float64(total)/elapsed.Seconds())
	tw.Flush()
	for _, c := range classes {
		if s := l.stats[c]; s.errors > 0 {
			fmt.Fprintf(w, "last error of %s: %s\n", c, s.last)
		}
	}
}

func ms(d time.Duration) string { return fmt.Sprintf("%.1fms", float64(d.Microseconds())/1000) }
