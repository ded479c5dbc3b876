package ehr

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/custodian-roi/custodian/internal/fhir"
)

var (
	rsaKey      = sync.OnceValue(func() *rsa.PrivateKey { return mustRSA(2048) })
	otherRSAKey = sync.OnceValue(func() *rsa.PrivateKey { return mustRSA(2048) })
	ecKey       = sync.OnceValue(func() *ecdsa.PrivateKey {
		k, err := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
		if err != nil {
			panic(err)
		}
		return k
	})
)

func mustRSA(bits int) *rsa.PrivateKey {
	k, err := rsa.GenerateKey(rand.Reader, bits)
	if err != nil {
		panic(err)
	}
	return k
}

// newClient returns a client of s signing with key, as s registered it;
// edit changes the configuration first.
func newClient(t *testing.T, s *fhirServer, key crypto.Signer, edit func(*Config)) *Client {
	t.Helper()
	cfg := Config{
		BaseURL:  s.baseURL(),
		ClientID: s.clientID,
		Key:      key,
		KeyID:    s.kid,
		HTTP:     s.srv.Client(),
	}
	if edit != nil {
		edit(&cfg)
	}
	c, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// outEntry is an entry of the written Bundle.
type outEntry struct {
	FullURL  string          `json:"fullUrl"`
	Resource json.RawMessage `json:"resource"`
}

// checkBundle checks that out is a collection Bundle holding each of want
// exactly once, byte for byte as the source file holds it, and nothing
// else.
func checkBundle(t *testing.T, out []byte, want []srcResource) {
	t.Helper()
	var b struct {
		ResourceType string     `json:"resourceType"`
		Type         string     `json:"type"`
		Entry        []outEntry `json:"entry"`
	}
	if err := json.NewDecoder(bytes.NewReader(out)).Decode(&b); err != nil {
		t.Fatalf("the written bundle does not decode: %v", err)
	}
	if b.ResourceType != "Bundle" || b.Type != "collection" {
		t.Errorf("written %s of type %q, want a collection Bundle", b.ResourceType, b.Type)
	}
	got := make(map[string]int)
	for i, e := range b.Entry {
		var r struct{ ResourceType, ID string }
		if err := json.Unmarshal(e.Resource, &r); err != nil {
			t.Fatalf("entry %d: %v", i, err)
		}
		key := r.ResourceType + "/" + r.ID
		if _, dup := got[key]; dup {
			t.Errorf("%s written twice", key)
		}
		got[key] = i
		if !strings.HasSuffix(e.FullURL, "/fhir/"+key) {
			t.Errorf("%s has fullUrl %q", key, e.FullURL)
		}
	}
	for _, w := range want {
		key := w.typ + "/" + w.id
		i, ok := got[key]
		if !ok {
			t.Errorf("%s missing", key)
			continue
		}
		delete(got, key)
		if !bytes.Equal(b.Entry[i].Resource, w.raw) {
			t.Errorf("%s: bytes differ from the source file's (%d bytes, want %d)", key, len(b.Entry[i].Resource), len(w.raw))
		}
	}
	for key := range got {
		t.Errorf("%s written but not expected", key)
	}
	if len(b.Entry) != len(want) {
		t.Errorf("%d entries, want %d", len(b.Entry), len(want))
	}
}

// checkImports checks that package fhir imports out as the source
// patient's chart, with items.
func checkImports(t *testing.T, out []byte, patientID string, wantItems []fhir.Chart) {
	t.Helper()
	charts, err := fhir.ReadBundle(bytes.NewReader(out), "")
	if err != nil {
		t.Fatalf("fhir.ReadBundle: %v", err)
	}
	if len(charts) != 1 {
		t.Fatalf("%d charts, want 1", len(charts))
	}
	c := charts[0]
	if c.Patient.FHIRID != patientID {
		t.Errorf("chart of patient %q, want %q", c.Patient.FHIRID, patientID)
	}
	if len(c.Items) == 0 {
		t.Error("chart has no items")
	}
	if wantItems != nil && !reflect.DeepEqual(c, wantItems[0]) {
		t.Error("the chart differs from the source bundle's")
	}
}

// checkNoPHI checks an error carries nothing from the record, a body or a
// URL.
func checkNoPHI(t *testing.T, err error, s *fhirServer) {
	t.Helper()
	msg := err.Error()
	for _, bad := range []string{s.patientID, "Clemente", "Kreiger", bodyMarker, "assertion refused", "/fhir", "Patient/", "?", "page="} {
		if strings.Contains(msg, bad) {
			t.Errorf("error %q contains %q", msg, bad)
		}
	}
}

func pull(t *testing.T, c *Client, id string) ([]byte, int, error) {
	t.Helper()
	var out bytes.Buffer
	n, err := c.Everything(context.Background(), id, &out)
	return out.Bytes(), n, err
}

func sourceCharts(t *testing.T) []fhir.Chart {
	t.Helper()
	var all bytes.Buffer
	for _, r := range loadSource(t) {
		if all.Len() > 0 {
			all.WriteString(",")
		}
		all.WriteString(`{"fullUrl":"urn:uuid:` + r.id + `","resource":`)
		all.Write(r.raw)
		all.WriteString("}")
	}
	charts, err := fhir.ReadBundle(strings.NewReader(`{"resourceType":"Bundle","type":"collection","entry":[`+all.String()+`]}`), "")
	if err != nil {
		t.Fatal(err)
	}
	return charts
}

func TestEverythingPaged(t *testing.T) {
	for _, tc := range []struct {
		name string
		key  crypto.Signer
		pub  crypto.PublicKey
	}{
		{"RS384", rsaKey(), &rsaKey().PublicKey},
		{"ES384", ecKey(), &ecKey().PublicKey},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newFHIRServer(t, tc.pub, false)
			if !bytes.Contains(s.resources[0].raw, []byte("\n    ")) {
				t.Fatal("the source is not indented: re-encoding would go unnoticed")
			}
			s.pageSize = 7
			c := newClient(t, s, tc.key, nil) // token endpoint discovered
			out, n, err := pull(t, c, s.patientID)
			if err != nil {
				t.Fatal(err)
			}
			if n != len(s.resources) {
				t.Errorf("Everything reports %d resources, want %d", n, len(s.resources))
			}
			checkBundle(t, out, s.resources)
			checkImports(t, out, s.patientID, sourceCharts(t))

			wantPages := (len(s.resources) + 6) / 7
			if wantPages < 2 {
				t.Fatal("the test wants several pages")
			}
			if s.everythingHits != wantPages || s.fhirRequests != wantPages {
				t.Errorf("%d $everything pages, %d FHIR requests; want %d", s.everythingHits, s.fhirRequests, wantPages)
			}
			// One token for all the pages.
			if s.tokenRequests != 1 || s.grants != 1 || len(s.tokensUsed) != 1 || s.unauthorized != 0 {
				t.Errorf("%d token requests, %d grants, %d tokens used, %d refused; want 1, 1, 1, 0",
					s.tokenRequests, s.grants, len(s.tokensUsed), s.unauthorized)
			}
			if !reflect.DeepEqual(s.accepts, map[string]bool{"application/fhir+json": true}) {
				t.Errorf("Accept headers %v", s.accepts)
			}
			if len(s.searchHits) != 0 {
				t.Errorf("searched %v with $everything supported", s.searchHits)
			}
		})
	}
}

// TestOverlappingPages: a resource a server sends on two pages, as when the
// record changes between them, is written once.
func TestOverlappingPages(t *testing.T) {
	s := newFHIRServer(t, &rsaKey().PublicKey, false)
	s.pageSize = 7
	s.overlap = true
	c := newClient(t, s, rsaKey(), nil)
	out, n, err := pull(t, c, s.patientID)
	if err != nil {
		t.Fatal(err)
	}
	if n != len(s.resources) {
		t.Errorf("Everything reports %d resources, want %d", n, len(s.resources))
	}
	checkBundle(t, out, s.resources)
	checkImports(t, out, s.patientID, nil)
}

func TestEverythingServerDefaultPaging(t *testing.T) {
	s := newFHIRServer(t, &rsaKey().PublicKey, false)
	c := newClient(t, s, rsaKey(), func(cfg *Config) { cfg.TokenURL = s.tokenURL() })
	out, _, err := pull(t, c, s.patientID)
	if err != nil {
		t.Fatal(err)
	}
	checkBundle(t, out, s.resources)
	if s.everythingHits != 2 {
		t.Errorf("%d pages of 50, want 2", s.everythingHits)
	}
}

// imported are the source resources the fallback fetches: the Patient and
// the searched types.
func imported(s *fhirServer) []srcResource {
	var want []srcResource
	for _, r := range s.resources {
		if r.typ == "Patient" || slices.Contains(SearchTypes, r.typ) {
			want = append(want, r)
		}
	}
	return want
}

func TestFallbackSearches(t *testing.T) {
	for _, status := range []int{http.StatusNotImplemented, http.StatusNotFound} {
		t.Run(http.StatusText(status), func(t *testing.T) {
			s := newFHIRServer(t, &rsaKey().PublicKey, false)
			s.pageSize = 7
			s.everythingStatus = status
			c := newClient(t, s, rsaKey(), nil)
			out, n, err := pull(t, c, s.patientID)
			if err != nil {
				t.Fatal(err)
			}
			want := imported(s)
			if len(want) == len(s.resources) {
				t.Fatal("the source should hold resources the fallback leaves out")
			}
			if n != len(want) {
				t.Errorf("Everything reports %d resources, want %d", n, len(want))
			}
			checkBundle(t, out, want)
			checkImports(t, out, s.patientID, nil)

			if s.everythingHits != 1 {
				t.Errorf("$everything asked %d times, want 1", s.everythingHits)
			}
			for _, typ := range SearchTypes {
				var nt int
				for _, r := range want {
					if r.typ == typ {
						nt++
					}
				}
				if pages := max(1, (nt+6)/7); s.searchHits[typ] != pages {
					t.Errorf("search %s: %d pages, want %d", typ, s.searchHits[typ], pages)
				}
			}
			if s.searchHits["Observation"] < 2 {
				t.Error("Observation searches were not paged")
			}
			if s.grants != 1 {
				t.Errorf("%d tokens, want 1", s.grants)
			}
		})
	}
}

func TestFallbackTypes(t *testing.T) {
	s := newFHIRServer(t, &rsaKey().PublicKey, false)
	s.everythingStatus = http.StatusNotImplemented
	c := newClient(t, s, rsaKey(), func(cfg *Config) { cfg.Types = []string{"Encounter"} })
	out, _, err := pull(t, c, s.patientID)
	if err != nil {
		t.Fatal(err)
	}
	var want []srcResource
	for _, r := range s.resources {
		if r.typ == "Patient" || r.typ == "Encounter" {
			want = append(want, r)
		}
	}
	checkBundle(t, out, want)
	if !reflect.DeepEqual(s.searchHits, map[string]int{"Encounter": 1}) {
		t.Errorf("searched %v", s.searchHits)
	}
}

func TestUnknownPatient(t *testing.T) {
	s := newFHIRServer(t, &rsaKey().PublicKey, false)
	c := newClient(t, s, rsaKey(), nil)
	_, _, err := pull(t, c, "no-such-patient")
	var e *Error
	if !errors.As(err, &e) || e.Step != "read Patient" || e.Status != http.StatusNotFound {
		t.Fatalf("got %v, want a 404 reading the Patient after the $everything 404", err)
	}
	if strings.Contains(err.Error(), "no-such-patient") {
		t.Errorf("error %q names the patient", err)
	}
	checkNoPHI(t, err, s)

	_, _, err = pull(t, c, "Clemente/../x")
	if err == nil || strings.Contains(err.Error(), "Clemente") {
		t.Errorf("a bad id: got %v", err)
	}
}

func TestTokenRefreshOn401(t *testing.T) {
	s := newFHIRServer(t, &rsaKey().PublicKey, false)
	s.pageSize = 7
	s.tokenUses = 3 // the server drops each token after 3 requests
	c := newClient(t, s, rsaKey(), nil)
	out, _, err := pull(t, c, s.patientID)
	if err != nil {
		t.Fatal(err)
	}
	checkBundle(t, out, s.resources)
	pages := (len(s.resources) + 6) / 7
	wantTokens := (pages + 2) / 3
	if s.grants != wantTokens || s.unauthorized != wantTokens-1 || s.fhirRequests != pages+wantTokens-1 {
		t.Errorf("%d tokens, %d refused, %d requests for %d pages; want %d, %d, %d",
			s.grants, s.unauthorized, s.fhirRequests, pages, wantTokens, wantTokens-1, pages+wantTokens-1)
	}
}

func TestTokenRetriedOnce(t *testing.T) {
	s := newFHIRServer(t, &rsaKey().PublicKey, false)
	s.tokenUses = -1 // every token refused
	c := newClient(t, s, rsaKey(), nil)
	_, _, err := pull(t, c, s.patientID)
	var e *Error
	if !errors.As(err, &e) || e.Step != "$everything" || e.Page != 1 || e.Status != http.StatusUnauthorized {
		t.Fatalf("got %v, want a 401 on page 1 of $everything", err)
	}
	if got := err.Error(); got != "ehr: page 1 of $everything: HTTP 401" {
		t.Errorf("message %q", got)
	}
	checkNoPHI(t, err, s)
	if s.grants != 2 || s.fhirRequests != 2 {
		t.Errorf("%d tokens, %d FHIR requests; want 2 and 2 (one retry)", s.grants, s.fhirRequests)
	}
	if len(s.searchHits) != 0 {
		t.Error("a 401 led to the fallback")
	}
}

func TestTokenCachedUntilExpiry(t *testing.T) {
	s := newFHIRServer(t, &rsaKey().PublicKey, false)
	s.tokenLifetime = 60
	var offset atomic.Int64 // seconds added to the client's clock
	// The clock starts behind, so moving it on keeps assertions acceptable.
	start := -200 * time.Second
	c := newClient(t, s, rsaKey(), func(cfg *Config) {
		cfg.Now = func() time.Time { return time.Now().Add(start + time.Duration(offset.Load())*time.Second) }
	})
	for range 2 {
		if _, _, err := pull(t, c, s.patientID); err != nil {
			t.Fatal(err)
		}
	}
	if s.grants != 1 {
		t.Fatalf("%d tokens for two pulls within the lifetime, want 1", s.grants)
	}
	offset.Store(40) // within 60s less the margin (15s)
	if _, _, err := pull(t, c, s.patientID); err != nil {
		t.Fatal(err)
	}
	if s.grants != 1 {
		t.Fatalf("%d tokens 40s on, want 1", s.grants)
	}
	offset.Store(50) // past it
	if _, _, err := pull(t, c, s.patientID); err != nil {
		t.Fatal(err)
	}
	if s.grants != 2 || s.unauthorized != 0 {
		t.Errorf("%d tokens, %d refused 50s on; want a new token before the old one lapses", s.grants, s.unauthorized)
	}
}

func TestAssertionRefused(t *testing.T) {
	for _, tc := range []struct {
		name string
		why  string // the server's reason
		edit func(*Config, *Client)
	}{
		{"wrong key", "signature", func(cfg *Config, _ *Client) { cfg.Key = otherRSAKey() }},
		{"wrong key type", "alg", func(cfg *Config, _ *Client) { cfg.Key = ecKey() }},
		{"wrong client id", "iss", func(cfg *Config, _ *Client) { cfg.ClientID = "someone-else" }},
		{"wrong kid", "header", func(cfg *Config, _ *Client) { cfg.KeyID = "key-2" }},
		{"wrong audience", "aud", func(cfg *Config, _ *Client) {
			cfg.TokenURL = strings.TrimSuffix(cfg.BaseURL, "/fhir") + "/oauth2/token"
		}},
		{"expired", "exp", func(cfg *Config, _ *Client) {
			cfg.Now = func() time.Time { return time.Now().Add(-10 * time.Minute) }
		}},
		{"expiry too far ahead", "exp", func(cfg *Config, _ *Client) {
			cfg.Now = func() time.Time { return time.Now().Add(10 * time.Minute) }
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newFHIRServer(t, &rsaKey().PublicKey, false)
			cfg := Config{BaseURL: s.baseURL(), ClientID: s.clientID, Key: rsaKey(), KeyID: s.kid, HTTP: s.srv.Client()}
			tc.edit(&cfg, nil)
			c, err := New(cfg)
			if err != nil {
				t.Fatal(err)
			}
			_, _, err = pull(t, c, s.patientID)
			checkTokenRefused(t, err, s, tc.why)
			if s.fhirRequests != 0 {
				t.Errorf("%d FHIR requests without a token", s.fhirRequests)
			}
		})
	}
}

// checkTokenRefused checks err is the token endpoint's invalid_client,
// refused by the server for why.
func checkTokenRefused(t *testing.T, err error, s *fhirServer, why string) {
	t.Helper()
	var e *Error
	if !errors.As(err, &e) || e.Step != "token" || e.Status != http.StatusUnauthorized || e.Code != "invalid_client" {
		t.Fatalf("got %v, want the token endpoint's 401 invalid_client", err)
	}
	if got := err.Error(); got != "ehr: token: HTTP 401 invalid_client" {
		t.Errorf("message %q", got)
	}
	checkNoPHI(t, err, s)
	if len(s.refusals) == 0 || s.refusals[len(s.refusals)-1] != why {
		t.Errorf("server refused for %q, want %q", s.refusals, why)
	}
	if s.grants > 1 {
		t.Errorf("%d tokens granted", s.grants)
	}
}

// constReader reads as an endless run of one byte.
type constReader byte

func (r constReader) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = byte(r)
	}
	return len(p), nil
}

func TestReusedJTIRefused(t *testing.T) {
	s := newFHIRServer(t, &rsaKey().PublicKey, false)
	s.pageSize = 7
	s.tokenUses = 2 // a second token is needed
	c := newClient(t, s, rsaKey(), nil)
	c.jtiRand = constReader(7) // every assertion has the same jti
	_, _, err := pull(t, c, s.patientID)
	checkTokenRefused(t, err, s, "jti")
	if s.grants != 1 {
		t.Errorf("%d tokens, want the first one only", s.grants)
	}

	// With random jtis, a fresh client goes on.
	c = newClient(t, s, rsaKey(), nil)
	if _, _, err := pull(t, c, s.patientID); err != nil {
		t.Fatal(err)
	}
}

func TestJTIsDiffer(t *testing.T) {
	s := newFHIRServer(t, &rsaKey().PublicKey, false)
	c := newClient(t, s, rsaKey(), nil)
	seen := make(map[string]bool)
	for range 20 {
		a, err := c.assertion(s.tokenURL())
		if err != nil {
			t.Fatal(err)
		}
		if seen[a] {
			t.Fatal("the same assertion twice")
		}
		seen[a] = true
		if why := s.checkAssertion(a); why != "" {
			t.Fatalf("assertion refused for %s", why)
		}
	}
	// And the server refuses a replay.
	for a := range seen {
		if why := s.checkAssertion(a); why != "jti" {
			t.Fatalf("replayed assertion: %q, want jti", why)
		}
	}
}

func TestForeignNextLinkRefused(t *testing.T) {
	var foreignHits atomic.Int64
	foreign := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		foreignHits.Add(1)
		http.Error(w, "no", http.StatusTeapot)
	}))
	defer foreign.Close()
	fu, _ := url.Parse(foreign.URL)

	for _, tc := range []struct {
		name    string
		tls     bool
		rewrite func(u *url.URL)
		reason  string
	}{
		{"other port", false, func(u *url.URL) { u.Host = fu.Host }, "another host"},
		{"other host name", false, func(u *url.URL) { u.Host = "evil.example:" + u.Port() }, "another host"},
		{"user info", false, func(u *url.URL) { u.User = url.User("x") }, "user info"},
		{"plain http under https", true, func(u *url.URL) { u.Scheme = "http" }, "plain http"},
		{"other scheme", false, func(u *url.URL) { u.Scheme = "file" }, "neither http nor https"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newFHIRServer(t, &rsaKey().PublicKey, tc.tls)
			s.pageSize = 7
			s.rewriteNext = tc.rewrite
			c := newClient(t, s, rsaKey(), nil)
			_, n, err := pull(t, c, s.patientID)
			var e *Error
			if !errors.As(err, &e) || e.Step != "$everything" || e.Page != 1 || !strings.Contains(e.Reason, tc.reason) {
				t.Fatalf("got %v, want page 1 refusing the next link (%s)", err, tc.reason)
			}
			checkNoPHI(t, err, s)
			if s.everythingHits != 1 {
				t.Errorf("%d pages fetched, want 1", s.everythingHits)
			}
			if n != 7 {
				t.Errorf("%d resources written before the error, want 7", n)
			}
		})
	}
	if foreignHits.Load() != 0 {
		t.Errorf("the foreign host got %d requests", foreignHits.Load())
	}
}

func TestHTTPSEndToEnd(t *testing.T) {
	s := newFHIRServer(t, &ecKey().PublicKey, true)
	s.pageSize = 20
	c := newClient(t, s, ecKey(), nil)
	out, _, err := pull(t, c, s.patientID)
	if err != nil {
		t.Fatal(err)
	}
	checkBundle(t, out, s.resources)
}

func TestRedirectNotFollowed(t *testing.T) {
	var foreignHits atomic.Int64
	foreign := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { foreignHits.Add(1) }))
	defer foreign.Close()
	redirector := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, foreign.URL+r.URL.Path, http.StatusTemporaryRedirect)
	}))
	defer redirector.Close()
	s := newFHIRServer(t, &rsaKey().PublicKey, false)
	for _, tc := range []struct {
		name, base, token string
		step              string
	}{
		{"discovery", redirector.URL + "/fhir", "", "discovery"},
		{"token", redirector.URL + "/fhir", redirector.URL + "/token", "token"},
		{"FHIR", redirector.URL + "/fhir", s.tokenURL(), "$everything"},
	} {
		c := newClient(t, s, rsaKey(), func(cfg *Config) { cfg.BaseURL, cfg.TokenURL = tc.base, tc.token })
		_, _, err := pull(t, c, s.patientID)
		var e *Error
		if !errors.As(err, &e) || e.Step != tc.step || e.Status != http.StatusTemporaryRedirect {
			t.Errorf("%s: got %v, want the 307 as an error", tc.name, err)
		}
	}
	if foreignHits.Load() != 0 {
		t.Error("a redirect was followed")
	}
}

func TestServerErrorsWithoutPHI(t *testing.T) {
	s := newFHIRServer(t, &rsaKey().PublicKey, false)
	s.pageSize = 7
	s.failPage = 2
	c := newClient(t, s, rsaKey(), nil)
	_, _, err := pull(t, c, s.patientID)
	var e *Error
	if !errors.As(err, &e) || e.Status != http.StatusInternalServerError || e.Page != 2 {
		t.Fatalf("got %v, want a 500 on page 2", err)
	}
	if got := err.Error(); got != "ehr: page 2 of $everything: HTTP 500" {
		t.Errorf("message %q", got)
	}
	checkNoPHI(t, err, s)
}

func TestFallbackSearchErrorNamesTypeAndPage(t *testing.T) {
	s := newFHIRServer(t, &rsaKey().PublicKey, false)
	s.pageSize = 7
	s.everythingStatus = http.StatusNotImplemented
	var obs atomic.Int64
	s.onFHIR = func(r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/Observation") && obs.Add(1) == 3 {
			s.contentType = "text/html"
		}
	}
	c := newClient(t, s, rsaKey(), nil)
	_, _, err := pull(t, c, s.patientID)
	if err == nil || err.Error() != `ehr: search Observation page 3: the response is not JSON (Content-Type "text/html")` {
		t.Fatalf("got %v", err)
	}
	checkNoPHI(t, err, s)
}

func TestBounds(t *testing.T) {
	t.Run("page size", func(t *testing.T) {
		s := newFHIRServer(t, &rsaKey().PublicKey, false)
		c := newClient(t, s, rsaKey(), func(cfg *Config) { cfg.MaxPageBytes = 4096 })
		_, _, err := pull(t, c, s.patientID)
		if err == nil || err.Error() != "ehr: page 1 of $everything: the response is larger than 4096 bytes" {
			t.Fatalf("got %v", err)
		}
	})
	t.Run("pages", func(t *testing.T) {
		s := newFHIRServer(t, &rsaKey().PublicKey, false)
		s.pageSize = 7
		c := newClient(t, s, rsaKey(), func(cfg *Config) { cfg.MaxPages = 3 })
		_, _, err := pull(t, c, s.patientID)
		if err == nil || err.Error() != "ehr: page 4 of $everything: more than 3 pages" {
			t.Fatalf("got %v", err)
		}
		if s.everythingHits != 3 {
			t.Errorf("%d pages fetched, want 3", s.everythingHits)
		}
	})
}

func TestCanceled(t *testing.T) {
	s := newFHIRServer(t, &rsaKey().PublicKey, false)
	s.pageSize = 7
	c := newClient(t, s, rsaKey(), nil)
	ctx, cancel := context.WithCancel(context.Background())
	s.onFHIR = func(*http.Request) { cancel() }
	_, err := c.Everything(ctx, s.patientID, &bytes.Buffer{})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("got %v, want context.Canceled", err)
	}
	checkNoPHI(t, err, s)
}

func TestNewChecks(t *testing.T) {
	ok := Config{BaseURL: "https://ehr.example/fhir", ClientID: "c", Key: rsaKey(), KeyID: "k"}
	p256, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	for _, tc := range []struct {
		name string
		edit func(*Config)
	}{
		{"no base", func(c *Config) { c.BaseURL = "" }},
		{"relative base", func(c *Config) { c.BaseURL = "/fhir" }},
		{"ftp base", func(c *Config) { c.BaseURL = "ftp://ehr.example/fhir" }},
		{"base with query", func(c *Config) { c.BaseURL = "https://ehr.example/fhir?x=1" }},
		{"base with user", func(c *Config) { c.BaseURL = "https://u:p@ehr.example/fhir" }},
		{"http token under https", func(c *Config) { c.TokenURL = "http://ehr.example/token" }},
		{"relative token", func(c *Config) { c.TokenURL = "/token" }},
		{"no client", func(c *Config) { c.ClientID = "" }},
		{"no kid", func(c *Config) { c.KeyID = "" }},
		{"no key", func(c *Config) { c.Key = nil }},
		{"short RSA", func(c *Config) { c.Key = mustRSA(1024) }},
		{"P-256", func(c *Config) { c.Key = p256 }},
		{"bad type", func(c *Config) { c.Types = []string{"Observation?x=1"} }},
	} {
		cfg := ok
		tc.edit(&cfg)
		if _, err := New(cfg); err == nil {
			t.Errorf("%s: New accepted it", tc.name)
		}
	}
	c, err := New(ok)
	if err != nil {
		t.Fatal(err)
	}
	if c.scope != DefaultScope || c.alg != "RS384" || c.http.Timeout != DefaultTimeout {
		t.Errorf("defaults: scope %q, alg %s, timeout %v", c.scope, c.alg, c.http.Timeout)
	}
	own := &http.Client{}
	ok.HTTP, ok.Key = own, ecKey()
	if c, err = New(ok); err != nil || c.alg != "ES384" {
		t.Fatalf("ES384: %v", err)
	}
	if own.CheckRedirect != nil {
		t.Error("New changed the caller's http.Client")
	}
}

func TestNextLinkLoopRefused(t *testing.T) {
	s := newFHIRServer(t, &rsaKey().PublicKey, false)
	s.pageSize = 7
	s.rewriteNext = func(u *url.URL) {
		q := u.Query()
		q.Set("page", "1")
		u.RawQuery = q.Encode()
	}
	c := newClient(t, s, rsaKey(), nil)
	_, _, err := pull(t, c, s.patientID)
	// The first page's own URL has no page parameter, so the loop shows
	// on page 2.
	if err == nil || err.Error() != "ehr: page 2 of $everything: the next link repeats a page already fetched" {
		t.Fatalf("got %v", err)
	}
}
