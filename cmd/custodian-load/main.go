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
//
// With --seed-desk it measures a desk of hospital size instead: 10,000
// patients with Synthea charts, 50,000 closed and 2,000 open requests over
// two years, about 5 million ledger entries (see desk.go). The database is
// seeded once and reused by later runs on the same --db; --seed-only stops
// after seeding, --reuse refuses to seed. --curve measures the queue as
// the desk grows, one seeded SQLite file per size:
//
//	go run ./cmd/custodian-load --seed-desk --db /tmp/desk.db --seed-only
//	go run ./cmd/custodian-load --reuse --db /tmp/desk.db --duration 60s
//	go run ./cmd/custodian-load --curve 1000,3000,10000 --curve-dir /tmp/curve --duration 30s
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
	"net/netip"
	"net/url"
	"os"
	"os/signal"
	"path/filepath"
	"runtime/pprof"
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

	// A desk of hospital size (desk.go).
	seedDesk, reuse, seedOnly bool
	size                      deskSize
	data                      string
	curve, curveDir           string
	verify                    bool
	settle                    time.Duration
}

// desk reports whether the run is on a seeded desk of hospital size.
func (o *options) desk() bool { return o.seedDesk || o.reuse }

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
	flag.BoolVar(&o.seedDesk, "seed-desk", false, "seed a desk of hospital size (sizes below) unless --db already holds one, then measure it")
	flag.BoolVar(&o.reuse, "reuse", false, "measure the desk already seeded in --db; never seed")
	flag.BoolVar(&o.seedOnly, "seed-only", false, "with --seed-desk: seed, verify the ledger, print the database's size and stop")
	flag.IntVar(&o.size.patients, "desk-patients", 10000, "seeded desk: patients (Synthea charts cloned under new synthetic identities)")
	flag.IntVar(&o.size.closed, "desk-closed", 50000, "seeded desk: closed requests over two years")
	flag.IntVar(&o.size.open, "desk-open", 2000, "seeded desk: open requests (the queue)")
	flag.IntVar(&o.size.ledger, "desk-ledger", 5000000, "seeded desk: ledger entries, about")
	flag.IntVar(&o.size.raw, "desk-raw", 200, "seeded desk: patients whose FHIR resources are stored byte for byte (intake and release during the run use them)")
	flag.StringVar(&o.data, "data", "../shared/data", "directory of the shared Synthea bundles (synthea/, synthea-large/) the charts are cloned from")
	flag.StringVar(&o.curve, "curve", "", "comma-separated patient counts: seed one SQLite desk per count (requests and ledger in proportion) and measure the queue on each")
	flag.StringVar(&o.curveDir, "curve-dir", "", "directory of the --curve databases (kept for later runs; default a temporary directory removed afterwards)")
	flag.BoolVar(&o.verify, "verify", true, "verify the whole ledger after seeding and after the run")
	flag.DurationVar(&o.settle, "settle", 3*time.Minute, "after sign-in, wait up to this long for the 1-minute load average to fall to 0.5 before measuring")
	cpuprofile := flag.String("cpuprofile", "", "write a CPU profile of the whole run to this file")
	flag.Parse()
	if *cpuprofile != "" {
		f, err := os.Create(*cpuprofile)
		if err == nil {
			err = pprof.StartCPUProfile(f)
		}
		if err != nil {
			fmt.Fprintf(os.Stderr, "custodian-load: %v\n", err)
			os.Exit(2)
		}
		defer pprof.StopCPUProfile()
	}
	if o.sessions < 2 || o.specialists < 1 || o.perMinute < 1 || o.duration <= 0 || o.duration > time.Hour {
		fmt.Fprintln(os.Stderr, "custodian-load: --sessions ≥ 2, --specialists ≥ 1, --rate ≥ 1, 0 < --duration ≤ 1h")
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	var err error
	if o.curve != "" {
		err = curve(ctx, o)
	} else {
		_, err = run(ctx, o)
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "custodian-load: %v\n", err)
		pprof.StopCPUProfile()
		os.Exit(1)
	}
}

// account is one load account and its session.
type account struct {
	name, secret, token string
	role                auth.Role
}

const password = "load-test-password-2026"

func run(ctx context.Context, o options) (*load, error) {
	if o.db == "" {
		if o.desk() {
			return nil, fmt.Errorf("--seed-desk and --reuse need --db: the point is to seed once and measure many times")
		}
		dir, err := os.MkdirTemp("", "custodian-load-")
		if err != nil {
			return nil, err
		}
		defer os.RemoveAll(dir)
		o.db = filepath.Join(dir, "custodian.db")
	}
	s, err := store.Open(ctx, o.db)
	if err != nil {
		return nil, err
	}
	defer s.Close()
	if _, err := s.Migrate(ctx); err != nil {
		return nil, err
	}
	desk := workflow.New(s)
	fmt.Printf("database: %s\n", s.Dialect())

	t0 := time.Now()
	var patients []string
	if o.desk() {
		if o.reuse {
			have, err := deskSeeded(ctx, s)
			if err != nil {
				return nil, err
			}
			if len(have) == 0 {
				return nil, fmt.Errorf("--reuse: %s holds no seeded desk; seed it first with --seed-desk", o.db)
			}
			o.size.patients = len(have)
		}
		sd, err := seedDesk(ctx, s, desk, o.size, o.data)
		if err != nil {
			return nil, fmt.Errorf("seed: %w", err)
		}
		patients = sd.patients
		if sd.wasSeeded {
			fmt.Printf("reusing the desk seeded in %s: %d seeded patients\n", o.db, sd.deskPIDs)
		} else {
			fmt.Printf("seeded a desk of %d patients, %d requests and %d ledger entries in %s\n", sd.deskPIDs, sd.requests, sd.ledger, sd.took.Round(time.Second))
			fmt.Printf("database size: %s\n", dbSize(ctx, o.db))
			if o.verify {
				t := time.Now()
				n, err := s.VerifyLedger(ctx)
				if err != nil {
					return nil, fmt.Errorf("the seeded ledger does not verify: %w", err)
				}
				fmt.Printf("ledger verified: %d entries intact in %s\n", n, time.Since(t).Round(time.Millisecond))
			}
		}
		if err := warmDesk(ctx, desk); err != nil {
			return nil, err
		}
		if o.seedOnly {
			return nil, nil
		}
	} else {
		patients, err = seed(ctx, desk, s, o.backlog)
		if err != nil {
			return nil, fmt.Errorf("seed: %w", err)
		}
		fmt.Printf("seeded %d patients and a backlog of %d requests in %s\n", len(patients), o.backlog, time.Since(t0).Round(time.Millisecond))
	}

	base := o.url
	if base == "" {
		svc := &auth.Service{Store: s, Issuer: "Custodian load"}
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, err
		}
		log := slog.New(slog.NewJSONHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
		slog.SetDefault(log)
		srv := &http.Server{Handler: web.NewServer(log, desk, web.Options{Auth: svc, InsecureCookies: true,
			// As behind a hospital's TLS proxy: the portal's requesters come
			// from many addresses (X-Forwarded-For), not all from this tool's
			// one, which the per-client code e-mail limit would stop.
			TrustedProxies: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}}),
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
	if o.desk() {
		prefix = "load-desk" // the same accounts on every run over this database
	}
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
	var reused atomic.Int64
	var lastStep atomic.Int64
	if err := parallel(ctx, accts, 4, func(a *account) error {
		if u, err := s.UserByName(ctx, a.name); err == nil {
			// An account of an earlier run on this database.
			a.secret = u.TOTPSecret
			reused.Add(1)
			for {
				old := lastStep.Load()
				if u.TOTPLastStep <= old || lastStep.CompareAndSwap(old, u.TOTPLastStep) {
					break
				}
			}
			return nil
		}
		u, _, err := svc.AddUser(ctx, a.name, "Load "+a.name, a.role, password)
		if err == nil {
			a.secret = u.TOTPSecret
		}
		return err
	}); err != nil {
		return nil, fmt.Errorf("accounts: %w", err)
	}
	fmt.Printf("created %d accounts (%d reused) in %s\n", len(accts)-int(reused.Load()), reused.Load(), time.Since(t0).Round(time.Millisecond))
	// A code works once per 30-second step: wait out the step an earlier
	// run signed in at.
	if step := lastStep.Load(); step > 0 && time.Now().Unix()/30 <= step {
		time.Sleep(time.Until(time.Unix((step+1)*30, 0)) + time.Second)
	}

	client := &http.Client{Timeout: 60 * time.Second, Transport: &http.Transport{MaxIdleConns: 1000, MaxIdleConnsPerHost: 1000}}
	l := &load{o: o, base: base, c: client, stats: map[string]*series{}, patients: patients}
	t0 = time.Now()
	if err := parallel(ctx, accts, 8, func(a *account) error { return l.signIn(ctx, a) }); err != nil {
		return nil, fmt.Errorf("sign-in: %w", err)
	}
	signin := l.stats["sign-in"]
	fmt.Printf("signed in %d sessions in %s before measuring (argon2id, at most 2 hashes at once): p50 %s p99 %s\n",
		len(accts), time.Since(t0).Round(time.Millisecond), signin.pct(0.5).Round(time.Millisecond), signin.pct(0.99).Round(time.Millisecond))
	delete(l.stats, "sign-in")

	filter := store.RequestFilter{Open: true}
	if o.desk() {
		filter = store.RequestFilter{} // staff open old requests too
	}
	ids, err := s.Requests(ctx, filter)
	if err != nil {
		return nil, err
	}
	slices.SortFunc(ids, func(a, b *roi.DeskRequest) int { return int(a.ID - b.ID) })
	for _, r := range ids {
		l.known = append(l.known, int64(r.ID))
		if o.desk() {
			l.reqs = append(l.reqs, knownRequest{id: int64(r.ID), patient: int64(r.PatientID), number: r.Number})
		}
	}
	if o.desk() {
		ps, err := s.Patients(ctx)
		if err != nil {
			return nil, err
		}
		l.names = map[int64]string{}
		for _, p := range ps {
			l.names[int64(p.ID)] = p.Name
		}
	}

	fmt.Printf("measuring for %s: %d browsing sessions (think %s), %d specialists, %d new requests/minute\n",
		o.duration, o.sessions, o.think, o.specialists, o.perMinute)
	// Sign-in's hashing loads the machine itself: let the load average
	// settle before the clock starts, so that "before" shows other work.
	settle := time.Now()
	for loadavg() > busyAbove && time.Since(settle) < o.settle && ctx.Err() == nil {
		time.Sleep(2 * time.Second)
	}
	if o.settle > 0 {
		fmt.Printf("waited %s for the load average to settle (now %.2f)\n", time.Since(settle).Round(time.Second), loadavg())
	}
	l.loadBefore = loadavg()
	mctx, cancel := context.WithTimeout(ctx, o.duration)
	defer cancel()
	go l.sampleLoad(mctx)
	start := time.Now()
	var wg sync.WaitGroup
	work := make(chan int64, 1000)
	for i, a := range append(clerks, auditors...) {
		wg.Add(1)
		go func() { defer wg.Done(); l.browse(mctx, a, i%2 == 0, a.role == auth.RoleAuditor) }()
	}
	for i, a := range specialists {
		wg.Add(1)
		go func() { defer wg.Done(); l.specialist(mctx, a, reviewers[i], work) }()
	}
	wg.Add(1)
	go func() { defer wg.Done(); l.arrivals(mctx, specialists, work) }()
	wg.Wait()
	elapsed := time.Since(start)
	l.loadAfter = loadavg()
	l.print(os.Stdout, elapsed)
	if o.desk() {
		l.accountingInProcess(ctx, s)
	}

	var q, r, d int
	rows, err := s.Requests(ctx, store.RequestFilter{})
	if err != nil {
		fmt.Printf("counting requests: %v\n", err)
	}
	if o.desk() && !o.verify {
		fmt.Printf("\nafter the run: %d requests\n", len(rows))
		return l, nil
	}
	for _, x := range rows {
		switch x.Status {
		case roi.StatusReleased, roi.StatusPartiallyReleased:
			r++
		default:
			q++
		}
	}
	es, _ := s.Ledger(ctx, store.LedgerFilter{Kind: roi.EventDelivery})
	d = len(es)
	t0 = time.Now()
	n, verr := s.VerifyLedger(ctx)
	fmt.Printf("\nafter the run: %d requests (%d released), %d deliveries completed, ledger %d entries (verify: %v, %s)\n",
		q+r, r, d, n, verr == nil, time.Since(t0).Round(time.Millisecond))
	return l, verr
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
func seed(ctx context.Context, d *workflow.Desk, s *store.Store, backlog int) ([]string, error) {
	ps, err := s.Patients(ctx)
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
		if ps, err = s.Patients(ctx); err != nil {
			return nil, err
		}
	}
	open, err := s.Requests(ctx, store.RequestFilter{Open: true})
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
	// unfinished counts requests still waiting when the run ended.
	unfinished int
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

	// On a seeded desk: every request (by id) and the patients' names,
	// for the patient, accounting and search views.
	reqs  []knownRequest
	names map[int64]string

	// The 1-minute load average before, during (every 5 s) and after.
	loadBefore, loadAfter float64
	loadMu                sync.Mutex
	loadDuring            []float64
}

type knownRequest struct {
	id, patient int64
	number      string
}

func (l *load) unfinished(class string) {
	l.mu.Lock()
	s := l.stats[class]
	if s == nil {
		s = &series{}
		l.stats[class] = s
	}
	l.mu.Unlock()
	s.mu.Lock()
	s.unfinished++
	s.mu.Unlock()
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
			err = &statusError{resp.StatusCode, errorText(data)}
		}
		if err == nil && out != nil {
			err = json.Unmarshal(data, out)
		}
	}
	if err != nil && ctx.Err() != nil {
		// The run ended mid-request: no latency, but counted as
		// unfinished (a class whose requests all outlast the run must
		// not vanish from the table).
		l.unfinished(class)
		return err
	}
	l.record(class, time.Since(t), err)
	return err
}

type statusError struct {
	status int
	body   string
}

// errorText is the start of an error answer; an HTML page is read as its
// text without the markup and the head.
func errorText(data []byte) string {
	t := string(data)
	if i := strings.Index(t, "<body"); i >= 0 {
		t = t[i:]
	}
	if strings.HasPrefix(strings.TrimSpace(t), "<") {
		var b strings.Builder
		in := false
		for _, c := range t {
			switch {
			case c == '<':
				in = true
				b.WriteByte(' ')
			case c == '>':
				in = false
			case !in:
				b.WriteRune(c)
			}
		}
		t = strings.Join(strings.Fields(b.String()), " ")
	}
	return t[:min(len(t), 300)]
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
// queue every few views, a request otherwise. On a seeded desk, some views
// are a patient's chart, a search, or (auditors) an accounting.
func (l *load) browse(ctx context.Context, a *account, pages, auditor bool) {
	r := mrand.New(mrand.NewPCG(uint64(time.Now().UnixNano()), uint64(len(a.name))))
	cookie := map[string]string{"Cookie": l.o.cookie + "=" + a.token}
	// Spread the sessions' first views over one think time.
	if !l.sleep(ctx, r, l.o.think/2) {
		return
	}
	for ctx.Err() == nil {
		if l.reqs != nil {
			l.deskView(ctx, r, a, cookie, pages, auditor)
			if !l.sleep(ctx, r, l.o.think) {
				return
			}
			continue
		}
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
				// Each requester from an address of its own (TEST-NET-3).
				from := fmt.Sprintf("203.0.113.%d", 1+k%254)
				l.do(ctx, "portal POST /portal/submit", "POST", "/portal/submit",
					map[string]string{"Content-Type": "application/x-www-form-urlencoded", "X-Forwarded-For": from}, strings.NewReader(form.Encode()), 200, nil)
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
	load := l.loadColumns()
	fmt.Fprintf(w, "\nmeasured %s; 1-minute load average before/during (mean, max)/after: %s\n", elapsed.Round(time.Millisecond), load)
	fmt.Fprintln(tw, "endpoint class\tok\terrors\tunfinished\treq/s\tp50\tp90\tp99\tmax\tload b/d/a\t")
	var total, errs int
	for _, c := range classes {
		s := l.stats[c]
		s.mu.Lock()
		total += len(s.d)
		errs += s.errors
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%.1f\t%s\t%s\t%s\t%s\t%s\t\n", c, len(s.d), s.errors, s.unfinished, float64(len(s.d))/elapsed.Seconds(),
			ms(s.pct(0.5)), ms(s.pct(0.9)), ms(s.pct(0.99)), ms(s.pct(1)), l.loadShort())
		s.mu.Unlock()
	}
	fmt.Fprintf(tw, "all\t%d\t%d\t\t%.1f\t\t\t\t\t\t\n", total, errs, float64(total)/elapsed.Seconds())
	tw.Flush()
	for _, c := range classes {
		if s := l.stats[c]; s.errors > 0 {
			fmt.Fprintf(w, "last error of %s: %s\n", c, s.last)
		}
	}
}

func ms(d time.Duration) string { return fmt.Sprintf("%.1fms", float64(d.Microseconds())/1000) }
