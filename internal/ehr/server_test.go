package ehr

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha512"
	"encoding/asn1"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math/big"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// sourceFile is the Synthea bundle the test server serves.
const sourceFile = "testdata/Clemente_Kreiger_1484a42d-0eaf-4654-9cbf-6b050a5cd73b.json"

// bodyMarker is put into every error body the server sends, so tests can
// check the client's errors never carry a response body.
const bodyMarker = "BODY-MARKER-0b5e"

// srcResource is one resource of the source bundle, with its bytes exactly
// as the file holds them.
type srcResource struct {
	typ, id string
	patient string // the id of the Patient its subject or patient names
	raw     json.RawMessage
}

// loadSource decodes the source bundle's entries with json.Decoder, each
// resource into a json.RawMessage: the file's own bytes.
func loadSource(t testing.TB) []srcResource {
	t.Helper()
	f, err := os.Open(sourceFile)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var b struct {
		Entry []struct {
			Resource json.RawMessage `json:"resource"`
		} `json:"entry"`
	}
	if err := json.NewDecoder(f).Decode(&b); err != nil {
		t.Fatal(err)
	}
	type ref struct{ Reference string }
	var out []srcResource
	for _, e := range b.Entry {
		var r struct {
			ResourceType, ID string
			Subject          *ref
			Patient          *ref
		}
		if err := json.Unmarshal(e.Resource, &r); err != nil {
			t.Fatal(err)
		}
		s := srcResource{typ: r.ResourceType, id: r.ID, raw: e.Resource}
		for _, p := range []*ref{r.Subject, r.Patient} {
			if p != nil && s.patient == "" {
				s.patient = p.Reference[strings.LastIndexAny(p.Reference, ":/")+1:]
			}
		}
		out = append(out, s)
	}
	return out
}

// fhirServer is an in-process SMART Backend Services token endpoint and
// FHIR server over the source bundle, with stateless paging.
type fhirServer struct {
	srv       *httptest.Server
	resources []srcResource
	patientID string

	// Registered client.
	clientID string
	kid      string
	pub      crypto.PublicKey

	// Behaviour, set before use.
	pageSize         int                   // default _count; 50 when 0
	everythingStatus int                   // when set, $everything answers with it
	tokenUses        int                   // when > 0, a token is good for that many FHIR requests; < 0, for none
	tokenLifetime    int                   // expires_in; 300 when 0
	overlap          bool                  // when set, each page after the first repeats the previous page's last entry
	failPage         int                   // when set, that page of $everything answers 500
	rewriteNext      func(u *url.URL)      // when set, changes every next link
	contentType      string                // when set, FHIR responses' Content-Type
	onFHIR           func(r *http.Request) // when set, called for every authorized FHIR request

	mu             sync.Mutex
	jtis           map[string]bool
	tokens         map[string]*grant
	tokenRequests  int
	grants         int
	refusals       []string // why each refused assertion was refused
	fhirRequests   int      // including unauthorized ones
	unauthorized   int
	tokensUsed     map[string]bool
	everythingHits int
	searchHits     map[string]int // by type
	accepts        map[string]bool
}

type grant struct {
	uses   int
	expiry time.Time
}

func newFHIRServer(t *testing.T, pub crypto.PublicKey, tls bool) *fhirServer {
	t.Helper()
	s := &fhirServer{
		resources:  loadSource(t),
		clientID:   "custodian-test",
		kid:        "key-1",
		pub:        pub,
		jtis:       make(map[string]bool),
		tokens:     make(map[string]*grant),
		tokensUsed: make(map[string]bool),
		searchHits: make(map[string]int),
		accepts:    make(map[string]bool),
	}
	for _, r := range s.resources {
		if r.typ == "Patient" {
			s.patientID = r.id
		}
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /fhir/.well-known/smart-configuration", s.smartConfig)
	mux.HandleFunc("POST /auth/token", s.token)
	// The same endpoint under another name, whose URL is not the audience
	// assertions must name.
	mux.HandleFunc("POST /oauth2/token", s.token)
	mux.HandleFunc("/fhir/", s.fhir)
	if tls {
		s.srv = httptest.NewTLSServer(mux)
	} else {
		s.srv = httptest.NewServer(mux)
	}
	t.Cleanup(s.srv.Close)
	return s
}

func (s *fhirServer) baseURL() string  { return s.srv.URL + "/fhir" }
func (s *fhirServer) tokenURL() string { return s.srv.URL + "/auth/token" }

func (s *fhirServer) smartConfig(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(map[string]any{
		"token_endpoint":                                   s.tokenURL(),
		"token_endpoint_auth_methods_supported":            []string{"private_key_jwt"},
		"token_endpoint_auth_signing_alg_values_supported": []string{"RS384", "ES384"},
		"grant_types_supported":                            []string{"client_credentials"},
	})
}

// oauthError answers an OAuth error (RFC 6749 5.2).
func oauthError(w http.ResponseWriter, status int, code string) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(map[string]string{"error": code, "error_description": bodyMarker + " assertion refused"})
}

// token is the token endpoint: a client_credentials grant authenticated
// with a private_key_jwt client assertion, checked fully.
func (s *fhirServer) token(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.tokenRequests++
	if err := r.ParseForm(); err != nil {
		oauthError(w, http.StatusBadRequest, "invalid_request")
		return
	}
	if r.PostForm.Get("grant_type") != "client_credentials" {
		oauthError(w, http.StatusBadRequest, "unsupported_grant_type")
		return
	}
	if r.PostForm.Get("client_assertion_type") != "urn:ietf:params:oauth:client-assertion-type:jwt-bearer" {
		oauthError(w, http.StatusBadRequest, "invalid_request")
		return
	}
	scope := r.PostForm.Get("scope")
	if scope == "" {
		oauthError(w, http.StatusBadRequest, "invalid_scope")
		return
	}
	if why := s.checkAssertion(r.PostForm.Get("client_assertion")); why != "" {
		s.refusals = append(s.refusals, why)
		oauthError(w, http.StatusUnauthorized, "invalid_client")
		return
	}
	tok := make([]byte, 24)
	rand.Read(tok)
	life := s.tokenLifetime
	if life == 0 {
		life = 300
	}
	s.tokens[hex.EncodeToString(tok)] = &grant{expiry: time.Now().Add(time.Duration(life) * time.Second)}
	s.grants++
	w.Header().Set("Content-Type", "application/json;charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	json.NewEncoder(w).Encode(map[string]any{
		"access_token": hex.EncodeToString(tok),
		"token_type":   "bearer",
		"expires_in":   life,
		"scope":        scope,
	})
}

// checkAssertion verifies a client assertion JWT and returns why it is
// refused, or "".
func (s *fhirServer) checkAssertion(jwt string) string {
	parts := strings.Split(jwt, ".")
	if len(parts) != 3 {
		return "not a compact JWS"
	}
	var header struct{ Alg, Kid, Typ string }
	var claims struct {
		Iss, Sub, Aud, Jti string
		Exp, Iat           *int64
	}
	for i, v := range []any{&header, &claims} {
		b, err := base64.RawURLEncoding.DecodeString(parts[i])
		if err != nil {
			return "base64"
		}
		if err := json.Unmarshal(b, v); err != nil {
			return "json"
		}
	}
	// The client is known by iss; sub must be the same.
	if claims.Iss != s.clientID {
		return "iss"
	}
	if claims.Sub != claims.Iss {
		return "sub"
	}
	if header.Kid != s.kid || header.Typ != "JWT" {
		return "header"
	}
	sig, err := base64.RawURLEncoding.DecodeString(parts[2])
	if err != nil {
		return "base64"
	}
	digest := sha512.Sum384([]byte(parts[0] + "." + parts[1]))
	switch pub := s.pub.(type) {
	case *rsa.PublicKey:
		if header.Alg != "RS384" {
			return "alg"
		}
		if rsa.VerifyPKCS1v15(pub, crypto.SHA384, digest[:], sig) != nil {
			return "signature"
		}
	case *ecdsa.PublicKey:
		if header.Alg != "ES384" {
			return "alg"
		}
		if len(sig) != 96 {
			return "signature"
		}
		der, err := asn1.Marshal(struct{ R, S *big.Int }{new(big.Int).SetBytes(sig[:48]), new(big.Int).SetBytes(sig[48:])})
		if err != nil || !ecdsa.VerifyASN1(pub, digest[:], der) {
			return "signature"
		}
	default:
		return "no key"
	}
	if claims.Aud != s.tokenURL() {
		return "aud"
	}
	now := time.Now().Unix()
	if claims.Exp == nil || *claims.Exp <= now || *claims.Exp > now+300 {
		return "exp"
	}
	if claims.Jti == "" || s.jtis[claims.Jti] {
		return "jti"
	}
	// Recorded only once the signature is good, so no one else can use
	// up a client's jti.
	s.jtis[claims.Jti] = true
	return ""
}

// operationOutcome answers a FHIR error.
func operationOutcome(w http.ResponseWriter, status int, text string) {
	w.Header().Set("Content-Type", "application/fhir+json")
	w.WriteHeader(status)
	fmt.Fprintf(w, `{"resourceType":"OperationOutcome","issue":[{"severity":"error","code":"processing","diagnostics":%q}]}`, bodyMarker+" "+text)
}

// authorize checks the bearer token, spending one of its uses.
func (s *fhirServer) authorize(r *http.Request) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.fhirRequests++
	tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	g := s.tokens[tok]
	if !ok || g == nil || time.Now().After(g.expiry) || s.tokenUses < 0 || s.tokenUses > 0 && g.uses >= s.tokenUses {
		s.unauthorized++
		return false
	}
	g.uses++
	s.tokensUsed[tok] = true
	s.accepts[r.Header.Get("Accept")] = true
	return true
}

func (s *fhirServer) fhir(w http.ResponseWriter, r *http.Request) {
	if !s.authorize(r) {
		w.Header().Set("WWW-Authenticate", `Bearer error="invalid_token"`)
		operationOutcome(w, http.StatusUnauthorized, "token refused")
		return
	}
	if s.onFHIR != nil {
		s.onFHIR(r)
	}
	if r.Method != http.MethodGet {
		operationOutcome(w, http.StatusMethodNotAllowed, "GET only")
		return
	}
	seg := strings.Split(strings.TrimPrefix(r.URL.Path, "/fhir/"), "/")
	q := r.URL.Query()
	switch {
	case len(seg) == 3 && seg[0] == "Patient" && seg[2] == "$everything":
		s.mu.Lock()
		s.everythingHits++
		s.mu.Unlock()
		if s.everythingStatus != 0 {
			operationOutcome(w, s.everythingStatus, "$everything is not supported for "+s.patientID)
			return
		}
		if seg[1] != s.patientID {
			operationOutcome(w, http.StatusNotFound, "no such patient")
			return
		}
		s.page(w, r, s.resources)
	case len(seg) == 2 && seg[0] == "Patient":
		for _, res := range s.resources {
			if res.typ == "Patient" && res.id == seg[1] {
				s.setType(w)
				w.Write(res.raw)
				return
			}
		}
		operationOutcome(w, http.StatusNotFound, "no such patient")
	case len(seg) == 1 && seg[0] != "":
		s.mu.Lock()
		s.searchHits[seg[0]]++
		s.mu.Unlock()
		p := q.Get("patient")
		p = p[strings.LastIndexByte(p, '/')+1:]
		if p == "" {
			operationOutcome(w, http.StatusBadRequest, "patient is required")
			return
		}
		var match []srcResource
		for _, res := range s.resources {
			if res.typ == seg[0] && res.patient == p {
				match = append(match, res)
			}
		}
		s.page(w, r, match)
	default:
		operationOutcome(w, http.StatusNotFound, "unknown path")
	}
}

func (s *fhirServer) setType(w http.ResponseWriter) {
	ct := s.contentType
	if ct == "" {
		ct = "application/fhir+json;charset=utf-8"
	}
	w.Header().Set("Content-Type", ct)
}

// page answers one page of a searchset over all, by the request's page
// and _count parameters, writing each resource's source bytes as they are
// (json.Marshal would compact them).
func (s *fhirServer) page(w http.ResponseWriter, r *http.Request, all []srcResource) {
	q := r.URL.Query()
	count := s.pageSize
	if count == 0 {
		count = 50
	}
	if c, err := strconv.Atoi(q.Get("_count")); err == nil && c > 0 {
		count = c
	}
	n := 1
	if p, err := strconv.Atoi(q.Get("page")); err == nil && p > 0 {
		n = p
	}
	if s.failPage == n && strings.HasSuffix(r.URL.Path, "$everything") {
		operationOutcome(w, http.StatusInternalServerError, "failed while reading the record of "+s.patientID)
		return
	}
	link := func(page int) string {
		u, _ := url.Parse(s.srv.URL + r.URL.Path)
		v := url.Values{}
		for k, vs := range q {
			v[k] = vs
		}
		v.Set("page", strconv.Itoa(page))
		u.RawQuery = v.Encode()
		return u.String()
	}
	lo := min((n-1)*count, len(all))
	hi := min(lo+count, len(all))
	if s.overlap && lo > 0 {
		lo--
	}
	var b bytes.Buffer
	fmt.Fprintf(&b, `{"resourceType":"Bundle","type":"searchset","total":%d,"link":[{"relation":"self","url":%q}`, len(all), link(n))
	if hi < len(all) {
		u, _ := url.Parse(link(n + 1))
		if s.rewriteNext != nil {
			s.rewriteNext(u)
		}
		fmt.Fprintf(&b, `,{"relation":"next","url":%q}`, u.String())
	}
	b.WriteString(`],"entry":[`)
	for i, res := range all[lo:hi] {
		if i > 0 {
			b.WriteString(",")
		}
		fmt.Fprintf(&b, "\n"+`{"fullUrl":%q,"resource":`, s.baseURL()+"/"+res.typ+"/"+res.id)
		b.Write(res.raw)
		b.WriteString(`,"search":{"mode":"match"}}`)
	}
	b.WriteString("]}")
	s.setType(w)
	w.Write(b.Bytes())
}
