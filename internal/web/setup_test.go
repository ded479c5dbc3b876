package web

import (
	"bytes"
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"sync"
	"testing"
	"time"

	"github.com/custodian-roi/custodian/internal/auth"
	"github.com/custodian-roi/custodian/internal/roi"
	"github.com/custodian-roi/custodian/internal/store"
	"github.com/custodian-roi/custodian/internal/storetest"
	"github.com/custodian-roi/custodian/internal/storetest/testdsn"
	"github.com/custodian-roi/custodian/internal/vault"
	"github.com/custodian-roi/custodian/internal/workflow"
)

// The one way the web tests build a server: newWebEnv with a webSetup
// saying what the test needs beyond a migrated SQLite store, a desk over
// it and the handler. Every test file (API, portal, volume, security,
// roles, request IDs, fuzz targets, browser) goes through it, so a change
// to how a server is assembled is made once.

// webSetup is what a test needs besides the store, the desk and the
// server.
type webSetup struct {
	// Patient imports the API tests' patient (patientName, MRN-77) with an
	// ED visit and a psychotherapy note, their raw FHIR kept; webEnv.pid
	// is its ID.
	Patient bool
	// FixedClock sets the desk's one clock to webTestNow (2026-03-02 12:00
	// UTC), so that due dates and ledger times do not depend on the day the
	// test runs.
	FixedClock bool
	// SignIn serves with real sign-in (an auth.Service over the store, in
	// webEnv.auth). Without it the server trusts ActorHeader, which the
	// API tests send instead of signing in.
	SignIn bool
	// InsecureCookies: session cookies without Secure, for clients that
	// keep cookies over plain-HTTP loopback (cookie jars, Chromium).
	InsecureCookies bool
	// TextLog: the server logs text lines (slog.TextHandler) rather than
	// JSON lines.
	TextLog bool
	// Desk configures the desk before the server is built (SFTP
	// destinations, a mailer, demo data).
	Desk func(*workflow.Desk)
	// HandlerOnly builds the handler without a listener: fuzz targets and
	// httptest.ResponseRecorder tests send every input through ServeHTTP,
	// with no socket.
	HandlerOnly bool
	// TrustedProxies are the proxy networks whose X-Forwarded-For the
	// server believes (Options.TrustedProxies), as CIDRs.
	TrustedProxies []string
	// NoContract leaves out the contract check (contract_test.go) that
	// otherwise validates every API exchange against openapi.json. No
	// test sets it today (the fuzz targets' answers must keep to the
	// document too); it is here for one that must.
	NoContract bool
	// OIDC, with SignIn, adds single sign-on (Options.OIDC) built over
	// the test's auth.Service.
	OIDC func(*auth.Service) *auth.OIDC
}

// webEnv is one test's server and what it was built from.
type webEnv struct {
	dsn string // the SQLite file, for tests that reach under the store
	// store is the test's own handle on the desk's database: the desk
	// keeps its store private, so tests read and arrange state here.
	store *store.Store
	desk  *workflow.Desk
	auth  *auth.Service // with SignIn, else nil
	h     http.Handler
	srv   *httptest.Server // nil with HandlerOnly
	logs  *lockedBuffer    // the server's log
	pid   roi.PatientID    // with Patient
}

// webTestNow is the fixed clock of webSetup.FixedClock.
func webTestNow() time.Time { return time.Date(2026, 3, 2, 12, 0, 0, 0, time.UTC) }

// newWebEnv builds a server as setup asks; everything is closed when the
// test ends.
func newWebEnv(tb testing.TB, setup webSetup) *webEnv {
	tb.Helper()
	ctx := context.Background()
	e := &webEnv{dsn: testdsn.SQLite(tb), logs: &lockedBuffer{}}
	e.store = storetest.Open(tb, e.dsn)
	// Sealed at rest as in production (the server warns without a key):
	// the idempotency layer keeps answers only when it can seal them.
	key, err := vault.NewKey(vault.GenerateKey())
	if err != nil {
		tb.Fatal(err)
	}
	e.store.Keys = vault.NewRing(key)
	if setup.Patient {
		pid, _, err := e.store.ImportChart(ctx, roi.PatientRecord{FHIRID: "f-1", MRN: "MRN-77", Name: patientName, BirthDate: roi.MakeDate(1986, 10, 15)},
			[]roi.ChartItem{
				{Key: "Encounter/1", Date: roi.MakeDate(2025, 6, 18), Type: "encounter", Title: "ED visit"},
				{Key: "DocumentReference/pn", Date: roi.MakeDate(2025, 7, 1), Type: "document", Title: "Therapy note", Labels: roi.LabelsOf(roi.LabelPsychotherapyNote)},
			}, []roi.RawResource{
				{Key: "Encounter/1", JSON: []byte(`{"resourceType":"Encounter","id":"1","status":"finished","type":[{"text":"ED visit"}]}`)},
				{Key: "DocumentReference/pn", JSON: []byte(`{"resourceType":"DocumentReference","id":"pn","status":"current"}`)},
			}, "import")
		if err != nil {
			tb.Fatal(err)
		}
		e.pid = pid
	}
	e.desk = workflow.New(e.store)
	if setup.FixedClock {
		e.desk.SetClock(webTestNow)
	}
	if setup.Desk != nil {
		setup.Desk(e.desk)
	}
	opts := Options{TrustActorHeader: !setup.SignIn, InsecureCookies: setup.InsecureCookies}
	for _, c := range setup.TrustedProxies {
		opts.TrustedProxies = append(opts.TrustedProxies, netip.MustParsePrefix(c))
	}
	if setup.SignIn {
		e.auth = &auth.Service{Store: e.store, Issuer: "Custodian test"}
		opts.Auth = e.auth
		if setup.OIDC != nil {
			opts.OIDC = setup.OIDC(e.auth)
		}
	}
	var handler slog.Handler = slog.NewJSONHandler(e.logs, nil)
	if setup.TextLog {
		handler = slog.NewTextHandler(e.logs, nil)
	}
	e.h = NewServer(slog.New(handler), e.desk, opts)
	if !setup.NoContract {
		e.h = contractHandler(tb, e.h)
	}
	if !setup.HandlerOnly {
		e.srv = httptest.NewServer(e.h)
		tb.Cleanup(e.srv.Close)
	}
	return e
}

// lockedBuffer collects the server's log while handlers write to it from
// their own goroutines.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func (l *lockedBuffer) Reset() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.b.Reset()
}
