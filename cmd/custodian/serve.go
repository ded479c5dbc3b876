package main

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"github.com/custodian-roi/custodian/internal/auth"
	"github.com/custodian-roi/custodian/internal/fee"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/custodian-roi/custodian/internal/demo"
	"github.com/custodian-roi/custodian/internal/fhir"
	"github.com/custodian-roi/custodian/internal/label"
	"github.com/custodian-roi/custodian/internal/store"
	"github.com/custodian-roi/custodian/internal/vault"
	"github.com/custodian-roi/custodian/internal/web"
	"github.com/custodian-roi/custodian/internal/workflow"
)

// dbFlags are the storage flags every database command takes, with the
// encryption keys (keys.go).
type dbFlags struct {
	data, db string
	keys     keyFlags
	ledger   ledgerFlags // the ledger key ring and checkpoint directory (ledger.go)
}

func (f *dbFlags) register(fs *flag.FlagSet, getenv func(string) string) {
	fs.StringVar(&f.data, "data", getenv("CUSTODIAN_DATA"), "data directory (SQLite file custodian.db in it)")
	fs.StringVar(&f.db, "db", getenv("CUSTODIAN_DB"), "database: a postgres:// URL or a SQLite file path")
	f.keys.register(fs, getenv)
	f.ledger.register(fs, getenv)
}

// dsn is the database to open: --db, else DIR/custodian.db for --data,
// else ./custodian-data/custodian.db.
func (f *dbFlags) dsn() string {
	switch {
	case f.db != "":
		return f.db
	case f.data != "":
		return filepath.Join(f.data, "custodian.db")
	}
	return filepath.Join("custodian-data", "custodian.db")
}

// open opens and migrates the database, with the keys configured.
func (f *dbFlags) open(ctx context.Context, stderr io.Writer) (*store.Store, bool) {
	ring, err := f.keys.ring()
	if err != nil {
		fmt.Fprintf(stderr, "custodian: encryption key: %s\n", err)
		return nil, false
	}
	return f.openWith(ctx, ring, stderr)
}

// openWith opens and migrates the database, sealing with ring.
func (f *dbFlags) openWith(ctx context.Context, ring *vault.Ring, stderr io.Writer) (*store.Store, bool) {
	s, err := store.Open(ctx, f.dsn())
	if err != nil {
		// The DSN may hold a password; it is not repeated.
		fmt.Fprintf(stderr, "custodian: cannot open the database: %s\n", describe(err))
		return nil, false
	}
	// An up-to-date database is not migrated: on PostgreSQL the runtime
	// role may not create even the migrations table (docs/DEPLOYMENT.md).
	if n, err := s.PendingMigrations(ctx); err != nil || n > 0 {
		if _, err := s.Migrate(ctx); err != nil {
			fmt.Fprintf(stderr, "custodian: cannot migrate the database: %s (on PostgreSQL, run custodian migrate as the owner role; docs/DEPLOYMENT.md)\n", describe(err))
			s.Close()
			return nil, false
		}
	}
	s.Keys = ring
	if err := f.ledger.apply(s); err != nil {
		fmt.Fprintf(stderr, "custodian: %s\n", err)
		s.Close()
		return nil, false
	}
	return s, true
}

// labelsFlag is the labeling configuration every command that imports or
// decides takes: Part 2 programs, minor-consentable services, note types.
func labelsFlag(fs *flag.FlagSet, getenv func(string) string) *string {
	return fs.String("labels", getenv("CUSTODIAN_LABELS"), "labeling configuration (JSON: part2_programs, minor_services, note types)")
}

// newDesk returns a desk over s with the labeling configuration in file.
func newDesk(s *store.Store, file string, stderr io.Writer) (*workflow.Desk, bool) {
	return newDeskConfig(s, file, nil, stderr)
}

// newDeskConfig is newDesk with a default configuration used when file is
// "" (the demo's local codes).
func newDeskConfig(s *store.Store, file string, fallback []byte, stderr io.Writer) (*workflow.Desk, bool) {
	desk := workflow.New(s)
	var cfg label.Config
	data, err := fallback, error(nil)
	if file != "" {
		data, err = os.ReadFile(file)
	}
	if err == nil && data != nil {
		cfg, err = label.DecodeConfig(data)
	}
	if err != nil {
		fmt.Fprintf(stderr, "custodian: %s: %s\n", file, describe(err))
		return nil, false
	}
	l, err := label.New(cfg)
	if err != nil {
		fmt.Fprintf(stderr, "custodian: value sets: %s\n", describe(err))
		return nil, false
	}
	desk.Labeler = l
	return desk, true
}

func newFlagSet(name string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	return fs
}

func cmdServe(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) int {
	fs := newFlagSet("serve", stderr)
	var dbf dbFlags
	dbf.register(fs, getenv)
	addr := fs.String("addr", or(getenv("CUSTODIAN_ADDR"), "127.0.0.1:8080"), "listen address HOST:PORT")
	jur := fs.String("jurisdiction", getenv("CUSTODIAN_JURISDICTION"), "state rules: a two-letter code picks a built-in pack (CA, FL, IL, MA, NJ, NY, OH, PA, TX, WA; docs/STATES.md), "+
		"or a JSON file: a pack of your own, or the conformance format's jurisdiction vocabulary")
	demoMode := fs.Bool("demo", false, "seed a fresh SQLite database with synthetic Synthea patients and sample requests")
	labels := labelsFlag(fs, getenv)
	insecureCookies := fs.Bool("insecure-cookies", false, "send the session cookie without Secure (only for plain HTTP on loopback; never in production)")
	trustedProxies := fs.String("trusted-proxies", getenv("CUSTODIAN_TRUSTED_PROXIES"), "the reverse proxies in front of the desk, as networks (CIDR) or addresses separated by commas: "+
		"only from them is X-Forwarded-For believed for the client's address (sign-in limits, the ledger); empty: the connection's address")
	cfgFile := fs.String("config", getenv("CUSTODIAN_CONFIG"), "the organization's configuration (letters, SMTP, SFTP destinations, fees) as JSON")
	publicURL := fs.String("public-url", getenv("CUSTODIAN_PUBLIC_URL"), "the address staff and requesters reach the desk at, e.g. https://records.example.org "+
		"(overrides organization.public_url; required outside --demo, which uses the listen address)")
	checkpointEvery := fs.Duration("checkpoint-every", 10*time.Minute, "how often to write a signed checkpoint of the ledger's head into --checkpoint-dir (and always at shutdown)")
	var auditf auditFlags
	auditf.register(fs, getenv)
	var oidcf oidcFlags
	oidcf.register(fs, getenv)
	if err := fs.Parse(args); err != nil {
		return exitUsage
	}
	// A session cookie without Secure crosses the network in clear text:
	// only a listener no other machine reaches may send one (issue #15).
	if (*insecureCookies || *demoMode) && !loopbackAddr(*addr) {
		fmt.Fprintf(stderr, "custodian: --insecure-cookies (and --demo, which implies it) only listens on loopback (127.0.0.1, ::1, localhost), not on %s: "+
			"outside this machine the session cookie must be Secure, behind TLS (docs/DEPLOYMENT.md)\n", *addr)
		return exitUsage
	}
	if *publicURL != "" {
		if err := checkPublicURL(*publicURL); err != nil {
			fmt.Fprintf(stderr, "custodian: --public-url %s\n", err)
			return exitUsage
		}
	}
	log := slog.New(slog.NewJSONHandler(stderr, nil))
	if *demoMode {
		if dbf.db != "" {
			fmt.Fprintln(stderr, "custodian: --demo always uses a fresh SQLite database; drop --db")
			return exitUsage
		}
		dir, err := os.MkdirTemp(dbf.data, "custodian-demo-")
		if err != nil {
			fmt.Fprintf(stderr, "custodian: cannot create the demo database: %s\n", describe(err))
			return exitFailure
		}
		defer os.RemoveAll(dir)
		dbf.data = dir
	}
	s, ok := dbf.open(ctx, stderr)
	if !ok {
		return exitFailure
	}
	defer s.Close()
	switch {
	case s.Keys == nil && *demoMode:
		// The demo's database is deleted on exit; so is its key.
		k, _ := vault.NewKey(vault.GenerateKey())
		s.Keys = vault.NewRing(k)
	case s.Keys == nil:
		fmt.Fprintln(stderr, "custodian: WARNING: no encryption key configured (--key-file, CUSTODIAN_KEY_FILE or CUSTODIAN_KEY): "+
			"documents, packets and TOTP secrets are stored unencrypted. For development only; see docs/ENCRYPTION.md.")
	}
	// The ledger's key and checkpoints; the last checkpoint is written
	// after the desk's last views (deferred later, so run earlier).
	defer serveLedger(ctx, s, *demoMode, *checkpointEvery, stderr)()
	var fallback []byte
	if *demoMode {
		fallback = demo.Labels
	}
	desk, ok := newDeskConfig(s, *labels, fallback, stderr)
	if !ok {
		return exitUsage
	}
	// The access log's last batch of views is written before the database
	// closes (deferred earlier, so it runs after this).
	defer func() {
		if err := desk.Shutdown(context.Background()); err != nil {
			fmt.Fprintf(stderr, "custodian: writing the last views to the ledger: %s\n", describe(err))
		}
	}()
	if err := configure(desk, *cfgFile, getenv); err != nil {
		fmt.Fprintf(stderr, "custodian: %s: %s\n", *cfgFile, describe(err))
		return exitUsage
	}
	if *publicURL != "" {
		desk.Org.PortalURL = strings.TrimRight(*publicURL, "/")
	}
	// Every link the desk sends or shows (a requester's download link, the
	// portal address in letters) is built from the public address: a guess
	// would send requesters to a server that is not this one.
	if desk.Org.PortalURL == "" && !*demoMode {
		fmt.Fprintln(stderr, "custodian: the desk's public address is not configured: set organization.public_url in the configuration "+
			"(--config), or give --public-url or CUSTODIAN_PUBLIC_URL, e.g. https://records.example.org. "+
			"Links to the requester portal are built from it.")
		return exitUsage
	}
	// After the configuration, so that the flag (or its variable) wins
	// over the configuration's "jurisdiction". The demo's sample requests
	// are decided under federal law (a state pack changes their
	// outcomes), so the demo stays federal-only.
	if *demoMode && (*jur != "" || hasRules(desk.Jurisdiction) || desk.JurisdictionPack != nil) {
		fmt.Fprintln(stderr, "custodian: --demo seeds sample requests decided under federal law only; drop --jurisdiction (and CUSTODIAN_JURISDICTION, the configuration's jurisdiction)")
		return exitUsage
	}
	if *jur != "" {
		if err := useJurisdiction(desk, *jur); err != nil {
			fmt.Fprintf(stderr, "custodian: --jurisdiction %s: %s\n", *jur, describe(err))
			return exitUsage
		}
	}
	forwardAudit, err := auditf.build(desk, log)
	if err != nil {
		fmt.Fprintf(stderr, "custodian: %s\n", err)
		return exitUsage
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		fmt.Fprintf(stderr, "custodian: cannot listen on %s: %s\n", *addr, describe(err))
		return exitFailure
	}
	base := listenBase(*addr, ln.Addr())
	if desk.Org.PortalURL == "" {
		// The demo answers where it listens.
		desk.Org.PortalURL = base
	}
	opts := web.Options{Auth: &auth.Service{Store: s, Issuer: "Custodian " + desk.Org.Name},
		// A demo is plain HTTP on loopback; anything else sits behind TLS.
		InsecureCookies: *demoMode || *insecureCookies, Version: version}
	proxyList, source := *trustedProxies, "--trusted-proxies"
	if proxyList == "" {
		// The flag (or its variable) wins over the configuration's key.
		if proxyList, err = trustedProxiesOf(*cfgFile); err != nil {
			ln.Close()
			fmt.Fprintf(stderr, "custodian: %s: %s\n", *cfgFile, err)
			return exitUsage
		}
		source = *cfgFile + ": trusted_proxies"
	}
	proxies, err := parseTrustedProxies(proxyList)
	if err != nil {
		ln.Close()
		fmt.Fprintf(stderr, "custodian: %s: %s\n", source, err)
		return exitUsage
	}
	opts.TrustedProxies = proxies
	if opts.OIDC, err = oidcf.build(opts.Auth, desk.Org.PortalURL); err != nil {
		ln.Close()
		fmt.Fprintf(stderr, "custodian: %s\n", err)
		return exitUsage
	}
	// An account lock means guesses from many addresses: the ledger has
	// the entry; the log line is for whoever watches the log.
	opts.Auth.Alert = func(_ context.Context, username string, until time.Time) {
		log.Error("ALERT: account locked after repeated failed sign-ins", "username", username, "until", until.UTC().Format(time.RFC3339))
	}
	if *demoMode {
		// The demo hospital charges like a small Texas practice: actual
		// cost for paper, the $6.50 flat fee for electronic copies, the
		// Texas physicians' schedule for third parties.
		desk.Fees.Costs = fee.Costs{Method: fee.MethodFlat, Flat: fee.FlatFeeMax, LaborPerHour: 2400,
			LaborSecondsPerPage: 20, PaperPerPage: 5, Postage: 180, Media: 300}
		desk.Fees.Schedule, _ = fee.ScheduleFor("TX")
		sum, err := demo.Seed(ctx, desk)
		if err == nil {
			sum.Logins, err = demo.Users(ctx, opts.Auth)
		}
		if err != nil {
			fmt.Fprintf(stderr, "custodian: demo seeding failed: %s\n", describe(err))
			return exitFailure
		}
		printDemo(stdout, sum, dbf.dsn(), base, desk.Org.PortalURL)
	} else {
		fmt.Fprintf(stdout, "Custodian listening on %s (database: %s); public address %s\n", base, s.Dialect(), desk.Org.PortalURL)
	}
	fmt.Fprintln(stdout, stateLawLine(desk))

	srv := &http.Server{Handler: web.NewServer(log, desk, opts), ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout: 2 * time.Minute, WriteTimeout: 2 * time.Minute, IdleTimeout: 2 * time.Minute}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	// The delivery worker: it shares the queue with any other instance on
	// the same database; leases keep each job with one worker at a time.
	wctx, stopWorker := context.WithCancel(ctx)
	defer stopWorker()
	host, _ := os.Hostname()
	go desk.RunDeliveries(wctx, fmt.Sprintf("%s-%d", host, os.Getpid()), 2*time.Second)
	// Due-date reminders: every instance runs the loop; the reminders
	// table's unique key keeps each request to one reminder a day.
	go desk.RunReminders(wctx, fmt.Sprintf("%s-%d", host, os.Getpid()), 15*time.Minute)
	// Every ledger entry to the security team's collector, when configured:
	// after the fact, never in a request's way (docs/INTEGRATION.md).
	if forwardAudit != nil {
		go forwardAudit(wctx)
	}
	select {
	case err := <-errc:
		if !errors.Is(err, http.ErrServerClosed) {
			fmt.Fprintf(stderr, "custodian: server stopped: %s\n", describe(err))
			return exitFailure
		}
	case <-ctx.Done():
		// Graceful: finish requests in flight, then close the database.
		shutdown, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		if err := srv.Shutdown(shutdown); err != nil {
			fmt.Fprintf(stderr, "custodian: shutdown: %s\n", describe(err))
			return exitFailure
		}
		fmt.Fprintln(stdout, "Custodian stopped.")
	}
	return exitOK
}

// listenBase is the http:// address a listener answers at: the host of
// the --addr given (a wildcard host answers on loopback too, so it is
// named 127.0.0.1) and the port actually bound.
func listenBase(addr string, bound net.Addr) string {
	_, port, err := net.SplitHostPort(bound.String())
	if err != nil {
		return "http://" + bound.String()
	}
	host, _, err := net.SplitHostPort(addr)
	if ip := net.ParseIP(host); err != nil || host == "" || (ip != nil && ip.IsUnspecified()) {
		host = "127.0.0.1"
	}
	return "http://" + net.JoinHostPort(host, port)
}

func or(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

func cmdMigrate(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) int {
	fs := newFlagSet("migrate", stderr)
	var dbf dbFlags
	dbf.register(fs, getenv)
	runtimeRole := fs.String("runtime-role", getenv("CUSTODIAN_RUNTIME_ROLE"), "PostgreSQL: after migrating, grant this role what serve needs and no more (no DDL, no triggers; the ledger insert-only); run migrate as the owner role")
	if err := fs.Parse(args); err != nil {
		return exitUsage
	}
	s, err := store.Open(ctx, dbf.dsn())
	if err != nil {
		fmt.Fprintf(stderr, "custodian: cannot open the database: %s\n", describe(err))
		return exitFailure
	}
	defer s.Close()
	n, err := s.Migrate(ctx)
	if err != nil {
		fmt.Fprintf(stderr, "custodian: migrate: %s\n", describe(err))
		return exitFailure
	}
	fmt.Fprintf(stdout, "%d migrations applied; the %s database is up to date.\n", n, s.Dialect())
	if *runtimeRole != "" {
		if err := s.GrantRuntime(ctx, *runtimeRole); err != nil {
			fmt.Fprintf(stderr, "custodian: migrate: %s\n", describe(err))
			return exitFailure
		}
		fmt.Fprintf(stdout, "Runtime role %s granted reading and writing rows; the ledger is insert-only for it, and it owns nothing.\n", *runtimeRole)
	}
	return exitOK
}

func cmdImport(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) int {
	fs := newFlagSet("import", stderr)
	var dbf dbFlags
	dbf.register(fs, getenv)
	mrn := fs.String("mrn-system", getenv("CUSTODIAN_MRN_SYSTEM"), "identifier system whose value is the MRN (default: the MR-typed identifier)")
	labels := labelsFlag(fs, getenv)
	asJSON := fs.Bool("json", false, "print the summary as JSON: items kept, undated, and every resource left out by type and reason")
	if err := fs.Parse(args); err != nil {
		return exitUsage
	}
	if fs.NArg() == 0 {
		fmt.Fprintln(stderr, "usage: custodian import [--data DIR | --db URL] [--json] FILE...")
		return exitUsage
	}
	// The database opens and the label tables are built while the first
	// file is read: each takes about as long as parsing a one-patient
	// export, and the import waits for both only when it has a chart.
	type opened struct {
		s    *store.Store
		desk *workflow.Desk
		code int
	}
	ready := make(chan opened, 1)
	go func() {
		s, ok := dbf.open(ctx, stderr)
		if !ok {
			ready <- opened{code: exitFailure}
			return
		}
		desk, ok := newDesk(s, *labels, stderr)
		if !ok {
			s.Close()
			ready <- opened{code: exitUsage}
			return
		}
		ready <- opened{s: s, desk: desk}
	}()
	var o *opened
	waitDesk := func() *opened {
		if o == nil {
			x := <-ready
			o = &x
		}
		return o
	}
	defer func() {
		if w := waitDesk(); w.s != nil {
			w.s.Close()
		}
	}()
	var total int64
	for _, name := range fs.Args() {
		if st, err := os.Stat(name); err == nil {
			total += st.Size()
		}
	}
	bar := newProgress(stderr, total, len(fs.Args()))
	var sum importSummary
	for i, name := range fs.Args() {
		stats, size, err := readAny(ctx, name, *mrn, &sum, func() (*workflow.Desk, error) {
			if w := waitDesk(); w.desk != nil {
				return w.desk, nil
			}
			return nil, errNoDesk
		}, func(c fhir.Chart) error {
			w := waitDesk()
			if w.desk == nil {
				return errNoDesk
			}
			_, n, err := w.desk.Import(ctx, "import", c)
			if err == nil {
				sum.add(c, n)
			}
			return err
		})
		if errors.Is(err, errNoDesk) {
			bar.clear()
			return waitDesk().code // the reason is already on stderr
		}
		if err != nil {
			bar.clear()
			fmt.Fprintf(stderr, "custodian: %s: %s (patients before the error were imported)\n", name, describe(err))
			return exitUsage
		}
		sum.stats(stats)
		bar.step(i+1, size)
	}
	bar.clear()
	if w := waitDesk(); w.desk == nil {
		return w.code // no file held a patient, and the database did not open
	}
	if *asJSON {
		if err := sum.printJSON(stdout); err != nil {
			return exitFailure
		}
		return exitOK
	}
	sum.print(stdout)
	return exitOK
}

// errNoDesk stops reading when the database or the labeling configuration
// could not be opened (said on stderr by the opener).
var errNoDesk = errors.New("no desk")

// readCharts reads one file of FHIR, a Bundle or NDJSON, one patient at a
// time (memory grows with the largest patient, not the file), and hands
// each patient's chart to fn.
func readCharts(name, mrn string, fn func(fhir.Chart) error) (fhir.Stats, int64, error) {
	f, err := os.Open(name)
	if err != nil {
		return fhir.Stats{}, 0, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return fhir.Stats{}, 0, err
	}
	head := make([]byte, 4096)
	n, _ := f.ReadAt(head, 0)
	ndjson := strings.HasSuffix(name, ".ndjson") || fhir.IsNDJSON(head[:n])
	stats, err := fhir.ReadByPatient(f, st.Size(), ndjson, mrn, fn)
	return stats, st.Size(), err
}

// importSummary counts what an import brought in, and what it did not:
// nothing is left out unsaid.
type importSummary struct {
	Patients int `json:"patients"`
	Items    int `json:"items"`
	NewItems int `json:"new_items"`
	// Undated and Partial items are kept; a date-bounded request waits for
	// a person to place them.
	Undated int `json:"undated_items"`
	Partial int `json:"partially_dated_items"`
	Folded  int `json:"folded_resources"`
	// Unresolved counts conditional references (Type?identifier=...)
	// naming no resource in the file: kept as written, dropped from exports.
	Unresolved int       `json:"unresolved_references"`
	LeftOut    []leftOut `json:"left_out"`
	// CCDA says, per C-CDA document, what each section gave (ccda.go).
	CCDA []ccdaSummary `json:"ccda_documents,omitempty"`
	left map[fhir.LeftOutKey]int
}

type leftOut struct {
	Type   string `json:"resource_type"`
	Reason string `json:"reason"`
	Count  int    `json:"count"`
}

func (s *importSummary) add(c fhir.Chart, newItems int) {
	s.Patients++
	s.Items += len(c.Items)
	s.NewItems += newItems
}

func (s *importSummary) stats(st fhir.Stats) {
	s.Undated += st.Undated
	s.Partial += st.Partial
	s.Folded += st.Folded
	s.Unresolved += st.Unresolved
	for k, n := range st.LeftOut {
		if s.left == nil {
			s.left = map[fhir.LeftOutKey]int{}
		}
		s.left[k] += n
	}
}

func (s *importSummary) finish() {
	s.LeftOut = []leftOut{}
	for k, n := range s.left {
		s.LeftOut = append(s.LeftOut, leftOut{cmp.Or(k.Type, "(entry)"), k.Reason, n})
	}
	slices.SortFunc(s.LeftOut, func(a, b leftOut) int {
		return cmp.Or(cmp.Compare(a.Reason, b.Reason), cmp.Compare(a.Type, b.Type))
	})
}

func (s *importSummary) print(w io.Writer) {
	s.finish()
	fmt.Fprintf(w, "imported %d patients, %d chart items (%d new)\n", s.Patients, s.Items, s.NewItems)
	if s.Undated+s.Partial > 0 {
		fmt.Fprintf(w, "kept %d items with no date and %d dated only to a year, a month or a last update: a date-bounded request waits for staff to place them\n", s.Undated, s.Partial)
	}
	if s.Folded > 0 {
		fmt.Fprintf(w, "%d resources are part of another item (a report's results, a prescription's drug)\n", s.Folded)
	}
	if s.Unresolved > 0 {
		fmt.Fprintf(w, "%d conditional references (Type?identifier=...) name no resource in the file: kept as written, left out of FHIR exports (to resolve them, put the organizations, practitioners and locations in the same file as the records)\n", s.Unresolved)
	}
	for _, l := range s.LeftOut {
		fmt.Fprintf(w, "not a chart item: %d %s — %s\n", l.Count, l.Type, l.Reason)
	}
	s.printCCDA(w)
}

func (s *importSummary) printJSON(w io.Writer) error {
	s.finish()
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(s)
}

// progress draws a bar on a terminal, and nothing elsewhere (logs and
// pipes get the summary only).
type progress struct {
	w           io.Writer
	tty         bool
	total, done int64
	files       int
}

func newProgress(w io.Writer, total int64, files int) *progress {
	p := &progress{w: w, total: total, files: files}
	if f, ok := w.(*os.File); ok {
		if st, err := f.Stat(); err == nil && st.Mode()&os.ModeCharDevice != 0 {
			p.tty = true
		}
	}
	return p
}

func (p *progress) step(file int, size int64) {
	p.done += size
	if !p.tty || p.total == 0 {
		return
	}
	const width = 30
	filled := int(p.done * width / p.total)
	fmt.Fprintf(p.w, "\r[%s%s] %d/%d files, %.1f of %.1f MB", strings.Repeat("=", filled), strings.Repeat(" ", width-filled),
		file, p.files, float64(p.done)/1e6, float64(p.total)/1e6)
}

func (p *progress) clear() {
	if p.tty {
		fmt.Fprint(p.w, "\r\033[K")
	}
}

func cmdChart(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) int {
	fs := newFlagSet("chart", stderr)
	var dbf dbFlags
	dbf.register(fs, getenv)
	ref := fs.String("patient", "", "the patient: FHIR Patient id or MRN")
	asJSON := fs.Bool("json", false, "print JSON (the only format for now)")
	if err := fs.Parse(args); err != nil {
		return exitUsage
	}
	if *ref == "" || !*asJSON {
		fmt.Fprintln(stderr, "usage: custodian chart [--data DIR | --db URL] --patient ID --json")
		return exitUsage
	}
	s, ok := dbf.open(ctx, stderr)
	if !ok {
		return exitFailure
	}
	defer s.Close()
	p, err := s.PatientByRef(ctx, *ref)
	if err != nil {
		// The reference is the patient's identifier: not repeated.
		fmt.Fprintf(stderr, "custodian: chart: %s\n", describe(err))
		return exitUsage
	}
	_, items, err := workflow.New(s).Chart(ctx, "cli", p.ID)
	if err != nil {
		fmt.Fprintf(stderr, "custodian: chart: %s\n", describe(err))
		return exitFailure
	}
	out := struct {
		Patient map[string]any      `json:"patient"`
		Items   []web.ChartItemJSON `json:"items"`
	}{Patient: map[string]any{"id": p.ID, "fhir_id": p.FHIRID, "mrn": p.MRN, "name": p.Name, "birth_date": p.BirthDate, "death_date": p.DeathDate},
		Items: []web.ChartItemJSON{}}
	for _, it := range items {
		out.Items = append(out.Items, web.ChartItemView(it))
	}
	enc := json.NewEncoder(stdout)
	enc.SetIndent("", "  ")
	if err := enc.Encode(out); err != nil {
		return exitFailure
	}
	return exitOK
}

// printDemo tells a newcomer what the demo holds and what to try.
func printDemo(w io.Writer, sum *demo.Summary, dsn, base, public string) {
	fmt.Fprintf(w, `Custodian demo: %d synthetic patients (%d chart items), %d requests in a fresh SQLite database
(%s, deleted on exit).

Demo login — open %s/ and sign in as any of these (password %s); the
six-digit code comes from an authenticator app loaded with the secret, or from
  go run ./cmd/custodian totp SECRET
`, len(sum.Patients), sum.Items, len(sum.Requests), dsn, base, demo.Password)
	for _, l := range sum.Logins {
		fmt.Fprintf(w, "  %-16s %-16s secret %s\n", l.Username, l.Role, l.Secret)
	}
	fmt.Fprintf(w, `
The requester portal is at %s/portal. The JSON API takes a session token:
  POST %s/api/v1/session {"username","password"} then /api/v1/session/code {"pending","code"},
  then send Authorization: Bearer TOKEN (API description: %s/api/v1/openapi.json).
`, base, base, base)
	if r, iss := sum.Released, sum.Issued; r != nil && iss != nil {
		fmt.Fprintf(w, `
Request %s was released: packet %s (%d pages, AES-256). Its password is %s
(printed only because this is a demo; a real release shows it once, to staff). Signed in, fetch it
from %s/api/v1/requests/%d/packets/%d and check it with
  go run ./cmd/custodian verify-packet --data DIR packet.pdf   (DIR: the demo database's directory above)
`, r.Number, iss.Packet.PacketID, iss.Packet.Pages, iss.Password, base, r.ID, iss.Packet.ID)
	}
	fmt.Fprintf(w, "\nLinks for requesters (download, status) start with %s (--public-url to change).\n", public)
	fmt.Fprintf(w, "Listening on %s (Ctrl-C stops).\n", base)
}
