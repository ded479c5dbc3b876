// Package ehr pulls one patient's record from an EHR's FHIR R4 REST API,
// authenticating with SMART Backend Services (a client_credentials grant
// with a signed JWT client assertion), and writes it as one FHIR Bundle of
// type collection that package fhir imports.
//
// It talks only to the configured FHIR base URL and its token endpoint:
// paging links to another host, plain http under an https base and HTTP
// redirects are refused. Response sizes and page counts are bounded.
//
// Its errors name the step (discovery, token, page N of $everything,
// search Type page N, read Patient) and the HTTP status, and never carry a
// response body, a URL, the patient id or anything else from the record.
package ehr

import (
	"bufio"
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/custodian-roi/custodian/internal/fhir"
)

// Defaults for the zero values of Config.
const (
	DefaultScope        = "system/*.read"
	DefaultTimeout      = 2 * time.Minute // per HTTP request, with the default client
	DefaultMaxPageBytes = 64 << 20
	DefaultMaxPages     = 10000
)

// SearchTypes are the resource types searched by patient, besides the read
// of the Patient itself, when the server does not support $everything:
// the types the desk imports.
var SearchTypes = []string{
	"Encounter", "DocumentReference", "DiagnosticReport", "Observation",
	"ImagingStudy", "Immunization", "MedicationRequest", "Condition", "Claim",
	"ExplanationOfBenefit", "Procedure", "CarePlan", "AllergyIntolerance",
}

// Config configures a Client.
type Config struct {
	// BaseURL is the FHIR base, such as https://ehr.example/fhir. It must
	// be https unless it is plain http (as on a loopback test server).
	BaseURL string
	// TokenURL is the OAuth token endpoint. When empty it is discovered,
	// on first use, from BaseURL + "/.well-known/smart-configuration".
	TokenURL string
	// ClientID is the client id registered with the EHR: the assertion's
	// iss and sub.
	ClientID string
	// Key signs the client assertion: an RSA key of at least 2048 bits
	// (RS384) or a P-384 ECDSA key (ES384), such as *rsa.PrivateKey or
	// *ecdsa.PrivateKey.
	Key crypto.Signer
	// KeyID is the kid of the key in the JWK Set registered with the EHR.
	KeyID string
	// Scope is the requested scope; DefaultScope when empty.
	Scope string
	// HTTP is the client used for every request; when nil, one with
	// DefaultTimeout. Redirects are never followed, whatever its
	// CheckRedirect says.
	HTTP *http.Client
	// Now is the clock for assertions and token expiry; time.Now when nil.
	Now func() time.Time
	// Types overrides SearchTypes for the fallback searches, for a server
	// that supports only some of them.
	Types []string
	// MaxPageBytes bounds each response body; DefaultMaxPageBytes when 0.
	MaxPageBytes int64
	// MaxPages bounds the pages of each paged request; DefaultMaxPages
	// when 0.
	MaxPages int
}

// Client fetches patients' records. It is safe for concurrent use; the
// access token is shared.
type Client struct {
	base         *url.URL
	baseURL      string // without a trailing slash
	tokenURL     string // configured; empty to discover
	clientID     string
	key          crypto.Signer
	alg          string // RS384 or ES384
	kid          string
	scope        string
	http         *http.Client
	now          func() time.Time
	types        []string
	maxPageBytes int64
	maxPages     int
	jtiRand      io.Reader // crypto/rand; tests replace it

	mu         sync.Mutex // guards the fields below, and serializes token requests
	discovered string
	token      string
	expiry     time.Time // on the Now clock, shortly before the server's
}

// New checks cfg and returns a Client. It makes no request.
func New(cfg Config) (*Client, error) {
	base, err := url.Parse(strings.TrimRight(cfg.BaseURL, "/"))
	if err != nil || cfg.BaseURL == "" {
		return nil, errors.New("ehr: BaseURL is not a URL")
	}
	if base.Scheme != "https" && base.Scheme != "http" || base.Host == "" {
		return nil, errors.New("ehr: BaseURL must be an absolute http or https URL")
	}
	if base.User != nil || base.RawQuery != "" || base.Fragment != "" {
		return nil, errors.New("ehr: BaseURL must have no user info, query or fragment")
	}
	c := &Client{
		base:         base,
		baseURL:      base.String(),
		clientID:     cfg.ClientID,
		key:          cfg.Key,
		kid:          cfg.KeyID,
		scope:        cfg.Scope,
		http:         cfg.HTTP,
		now:          cfg.Now,
		types:        cfg.Types,
		maxPageBytes: cfg.MaxPageBytes,
		maxPages:     cfg.MaxPages,
		jtiRand:      rand.Reader,
	}
	if cfg.TokenURL != "" {
		if err := c.checkTokenURL(cfg.TokenURL); err != nil {
			return nil, errors.New("ehr: TokenURL " + err.Error())
		}
		c.tokenURL = cfg.TokenURL
	}
	if c.clientID == "" {
		return nil, errors.New("ehr: ClientID is empty")
	}
	if c.kid == "" {
		return nil, errors.New("ehr: KeyID is empty (SMART requires a kid)")
	}
	if c.key == nil {
		return nil, errors.New("ehr: Key is nil")
	}
	switch pub := c.key.Public().(type) {
	case *rsa.PublicKey:
		if pub.Size()*8 < 2048 {
			return nil, errors.New("ehr: RSA Key is shorter than 2048 bits")
		}
		c.alg = "RS384"
	case *ecdsa.PublicKey:
		if pub.Curve != elliptic.P384() {
			return nil, errors.New("ehr: ECDSA Key is not on P-384 (ES384)")
		}
		c.alg = "ES384"
	default:
		return nil, errors.New("ehr: Key is neither RSA nor ECDSA P-384")
	}
	if c.scope == "" {
		c.scope = DefaultScope
	}
	if c.http == nil {
		c.http = &http.Client{Timeout: DefaultTimeout}
	}
	// A copy, so as not to change the caller's client: redirects could
	// lead off the configured hosts.
	hc := *c.http
	hc.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	c.http = &hc
	if c.now == nil {
		c.now = time.Now
	}
	if c.types == nil {
		c.types = SearchTypes
	}
	for _, t := range c.types {
		if !resourceName(t) {
			return nil, errors.New("ehr: Types holds a name that is not a resource type")
		}
	}
	if c.maxPageBytes <= 0 {
		c.maxPageBytes = DefaultMaxPageBytes
	}
	if c.maxPages <= 0 {
		c.maxPages = DefaultMaxPages
	}
	return c, nil
}

// Error is a failed pull. Its message names the step and the HTTP status,
// never a response body, a URL or the patient.
type Error struct {
	// Step is "discovery", "token", "$everything", "search <Type>",
	// "read Patient", "request" or "write".
	Step string
	Page int // 1-based, for the paged steps; 0 otherwise
	// Status is the HTTP status code, 0 when the failure is not one.
	Status int
	// Code is the OAuth error code the token endpoint answered with, such
	// as invalid_client, when it is one (ASCII letters and underscores).
	Code   string
	Reason string
	// Err is the cause, if any: a transport, context or writer error. It
	// is not part of the message.
	Err error
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("ehr: ")
	switch {
	case e.Step == "$everything" && e.Page > 0:
		fmt.Fprintf(&b, "page %d of $everything", e.Page)
	case e.Page > 0:
		fmt.Fprintf(&b, "%s page %d", e.Step, e.Page)
	default:
		b.WriteString(e.Step)
	}
	if e.Status != 0 {
		fmt.Fprintf(&b, ": HTTP %d", e.Status)
		if e.Code != "" {
			b.WriteString(" " + e.Code)
		}
	}
	if e.Reason != "" {
		b.WriteString(": " + e.Reason)
	}
	return b.String()
}

func (e *Error) Unwrap() error { return e.Err }

// step names a request for errors.
type step struct {
	name string
	page int
}

func (s step) fail(reason string) *Error {
	return &Error{Step: s.name, Page: s.page, Reason: reason}
}

// Everything writes to w one FHIR Bundle of type collection holding every
// resource of the patient with id patientID, each entry's resource exactly
// the bytes the server sent, and returns the number of resources written.
//
// It asks for Patient/{id}/$everything and follows its next links. When
// the server answers the first page with 404, 405 or 501 (the operation is
// not supported), it reads Patient/{id} and searches each of the Types
// with ?patient={id} instead, following next links. A resource that comes
// twice (by type and id) is written once.
//
// The Bundle is written as it is fetched: on error, w holds an incomplete
// document, to be discarded, and resources counts what was written of it.
func (c *Client) Everything(ctx context.Context, patientID string, w io.Writer) (resources int, err error) {
	if !fhir.ValidID(patientID) {
		return 0, &Error{Step: "request", Reason: "the patient id is not a FHIR id"}
	}
	bw := &bundleWriter{w: bufio.NewWriterSize(w, 64<<10), seen: make(map[string]bool), base: c.baseURL}
	bw.begin()
	id := url.PathEscape(patientID)
	err = c.pages(ctx, "$everything", c.baseURL+"/Patient/"+id+"/$everything", bw)
	var e *Error
	if errors.As(err, &e) && e.Step == "$everything" && e.Page == 1 && bw.n == 0 &&
		(e.Status == http.StatusNotFound || e.Status == http.StatusMethodNotAllowed || e.Status == http.StatusNotImplemented) {
		err = c.searches(ctx, patientID, bw)
	}
	if err != nil {
		return bw.n, err
	}
	return bw.n, bw.end()
}

// searches reads the Patient and searches its resources by type.
func (c *Client) searches(ctx context.Context, patientID string, bw *bundleWriter) error {
	s := step{name: "read Patient"}
	body, err := c.get(ctx, s, c.baseURL+"/Patient/"+url.PathEscape(patientID))
	if err != nil {
		return err
	}
	var p struct{ ResourceType, ID string }
	if err := json.Unmarshal(body, &p); err != nil {
		return jsonError(s, err)
	}
	if p.ResourceType != "Patient" || p.ID != patientID {
		return s.fail("the response is not the Patient asked for")
	}
	if err := bw.add(s, "", body); err != nil {
		return err
	}
	for _, t := range c.types {
		q := url.Values{"patient": {patientID}}
		if err := c.pages(ctx, "search "+t, c.baseURL+"/"+t+"?"+q.Encode(), bw); err != nil {
			return err
		}
	}
	return nil
}

// page is the part of a searchset Bundle read.
type page struct {
	ResourceType string `json:"resourceType"`
	Link         []struct {
		Relation string `json:"relation"`
		URL      string `json:"url"`
	} `json:"link"`
	Entry []struct {
		FullURL  string          `json:"fullUrl"`
		Resource json.RawMessage `json:"resource"`
		Search   *struct {
			Mode string `json:"mode"`
		} `json:"search"`
	} `json:"entry"`
}

// pages fetches first and the pages its next links lead to, adding their
// resources to bw.
func (c *Client) pages(ctx context.Context, name, first string, bw *bundleWriter) error {
	seen := make(map[string]bool)
	next := first
	for n := 1; next != ""; n++ {
		s := step{name, n}
		if n > c.maxPages {
			return s.fail(fmt.Sprintf("more than %d pages", c.maxPages))
		}
		seen[next] = true
		body, err := c.get(ctx, s, next)
		if err != nil {
			return err
		}
		var p page
		if err := json.Unmarshal(body, &p); err != nil {
			return jsonError(s, err)
		}
		if p.ResourceType != "Bundle" {
			return s.fail("the response is not a Bundle")
		}
		for _, e := range p.Entry {
			if e.Search != nil && e.Search.Mode == "outcome" {
				continue // an OperationOutcome about the search
			}
			if len(e.Resource) == 0 || string(e.Resource) == "null" {
				continue
			}
			if err := bw.add(s, e.FullURL, e.Resource); err != nil {
				return err
			}
		}
		cur, _ := url.Parse(next) // it was requested, so it parses
		next = ""
		for _, l := range p.Link {
			if l.Relation != "next" {
				continue
			}
			if next != "" {
				return s.fail("more than one next link")
			}
			u, err := c.checkNext(cur, l.URL)
			if err != nil {
				return s.fail(err.Error())
			}
			if seen[u] {
				return s.fail("the next link repeats a page already fetched")
			}
			next = u
		}
	}
	return nil
}

// checkNext resolves a next link against the page it came in and checks it
// leads to the FHIR server itself.
func (c *Client) checkNext(cur *url.URL, link string) (string, error) {
	u, err := cur.Parse(link)
	if err != nil {
		return "", errors.New("the next link is not a URL")
	}
	if u.Scheme == "http" && c.base.Scheme != "http" {
		return "", errors.New("the next link is plain http")
	}
	if u.Scheme != "https" && u.Scheme != "http" {
		return "", errors.New("the next link is neither http nor https")
	}
	if u.User != nil {
		return "", errors.New("the next link has user info")
	}
	if !sameHost(u, c.base) {
		return "", errors.New("the next link points to another host")
	}
	u.Fragment, u.RawFragment = "", ""
	return u.String(), nil
}

// sameHost compares hosts case-insensitively, and ports with the scheme's
// default filled in.
func sameHost(a, b *url.URL) bool {
	port := func(u *url.URL) string {
		if p := u.Port(); p != "" {
			return p
		}
		if u.Scheme == "http" {
			return "80"
		}
		return "443"
	}
	return strings.EqualFold(a.Hostname(), b.Hostname()) && port(a) == port(b)
}

// checkTokenURL checks a configured or discovered token endpoint.
func (c *Client) checkTokenURL(s string) error {
	u, err := url.Parse(s)
	if err != nil || !u.IsAbs() || u.Host == "" {
		return errors.New("is not an absolute URL")
	}
	switch {
	case u.Scheme == "http" && c.base.Scheme != "http":
		return errors.New("is plain http under an https BaseURL")
	case u.Scheme != "https" && u.Scheme != "http":
		return errors.New("is neither http nor https")
	case u.User != nil || u.Fragment != "":
		return errors.New("has user info or a fragment")
	}
	return nil
}

// get fetches a FHIR resource or page with the access token, fetching a
// new token and trying once more if the server answers 401.
func (c *Client) get(ctx context.Context, s step, u string) ([]byte, error) {
	for try := 0; ; try++ {
		tok, err := c.bearer(ctx)
		if err != nil {
			return nil, err
		}
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
		if err != nil {
			return nil, s.fail("cannot make the request")
		}
		req.Header.Set("Accept", "application/fhir+json")
		req.Header.Set("Authorization", "Bearer "+tok)
		resp, err := c.http.Do(req)
		if err != nil {
			return nil, transportError(s, err)
		}
		if resp.StatusCode == http.StatusUnauthorized && try == 0 {
			discard(resp)
			c.invalidate(tok)
			continue
		}
		return readBody(s, resp, fhirTypes, c.maxPageBytes)
	}
}

var (
	fhirTypes = []string{"application/fhir+json", "application/json", "application/json+fhir"}
	jsonTypes = []string{"application/json"}
)

// readBody checks the response's status and type and reads its body,
// within limit bytes, closing it.
func readBody(s step, resp *http.Response, types []string, limit int64) ([]byte, error) {
	defer discard(resp)
	if resp.StatusCode != http.StatusOK {
		return nil, &Error{Step: s.name, Page: s.page, Status: resp.StatusCode}
	}
	mt, _, err := mime.ParseMediaType(resp.Header.Get("Content-Type"))
	if err != nil || !slices.Contains(types, strings.ToLower(mt)) {
		return nil, s.fail("the response is not JSON (Content-Type " + strconv.Quote(safeMediaType(mt)) + ")")
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, limit+1))
	if err != nil {
		return nil, transportError(s, err)
	}
	if int64(len(body)) > limit {
		return nil, s.fail(fmt.Sprintf("the response is larger than %d bytes", limit))
	}
	return body, nil
}

// discard drains a little of a body, so the connection can be reused, and
// closes it.
func discard(resp *http.Response) {
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	_ = resp.Body.Close()
}

// transportError reports a failed request without its URL, which holds
// the patient id.
func transportError(s step, err error) *Error {
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	e := s.fail("request failed")
	e.Err = err
	switch {
	case errors.Is(err, context.Canceled):
		e.Reason += ": canceled"
	case errors.Is(err, context.DeadlineExceeded):
		e.Reason += ": timed out"
	default:
		var te interface{ Timeout() bool }
		if errors.As(err, &te) && te.Timeout() {
			e.Reason += ": timed out"
		} else {
			// Transport errors (dial, TLS, reset) name hosts, not paths.
			e.Reason += ": " + err.Error()
		}
	}
	return e
}

// jsonError reports undecodable JSON without quoting it.
func jsonError(s step, err error) *Error {
	var syn *json.SyntaxError
	var te *json.UnmarshalTypeError
	e := s.fail("malformed JSON")
	switch {
	case errors.As(err, &syn):
		e.Reason = fmt.Sprintf("malformed JSON at byte %d", syn.Offset)
	case errors.As(err, &te):
		e.Reason = "JSON of the wrong shape"
		if resourceName(strings.ReplaceAll(te.Field, ".", "")) {
			e.Reason += " at " + te.Field
		}
	}
	return e
}

// safeMediaType returns mt if it reads as a media type, else "?".
func safeMediaType(mt string) string {
	if len(mt) > 64 {
		return "?"
	}
	for i := 0; i < len(mt); i++ {
		c := mt[i]
		if !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || strings.IndexByte("/+-.", c) >= 0) {
			return "?"
		}
	}
	return mt
}

// resourceName reports whether s is 1 to 64 ASCII letters.
func resourceName(s string) bool {
	if len(s) == 0 || len(s) > 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z') {
			return false
		}
	}
	return true
}

// bundleWriter writes the collection Bundle, entry by entry.
type bundleWriter struct {
	w    *bufio.Writer
	base string
	seen map[string]bool // "Type/id" written
	n    int
	err  error
}

func (b *bundleWriter) write(s string) {
	if b.err == nil {
		_, b.err = b.w.WriteString(s)
	}
}

func (b *bundleWriter) begin() {
	b.write(`{"resourceType":"Bundle","type":"collection","entry":[`)
}

// add writes one resource, raw as received, unless one of its type and id
// was written already.
func (b *bundleWriter) add(s step, fullURL string, raw json.RawMessage) error {
	var r struct{ ResourceType, ID string }
	if err := json.Unmarshal(raw, &r); err != nil {
		return jsonError(s, err)
	}
	if !resourceName(r.ResourceType) {
		return s.fail("an entry's resource has no resourceType")
	}
	if r.ID != "" {
		key := r.ResourceType + "/" + r.ID
		if b.seen[key] {
			return nil
		}
		b.seen[key] = true
		if fullURL == "" && fhir.ValidID(r.ID) {
			fullURL = b.base + "/" + key
		}
	}
	if b.n > 0 {
		b.write(",")
	}
	b.write("\n{")
	if fullURL != "" {
		u, _ := json.Marshal(fullURL) // a string always marshals
		b.write(`"fullUrl":` + string(u) + ",")
	}
	b.write(`"resource":`)
	if b.err == nil {
		_, b.err = b.w.Write(raw)
	}
	b.write("}")
	if b.err != nil {
		return &Error{Step: "write", Reason: "writing the bundle failed", Err: b.err}
	}
	b.n++
	return nil
}

func (b *bundleWriter) end() error {
	b.write("\n]}\n")
	if b.err == nil {
		b.err = b.w.Flush()
	}
	if b.err != nil {
		return &Error{Step: "write", Reason: "writing the bundle failed", Err: b.err}
	}
	return nil
}
