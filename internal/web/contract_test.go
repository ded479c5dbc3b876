package web

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"

	"github.com/custodian-roi/custodian/internal/roi"
	"github.com/custodian-roi/custodian/internal/send"
	"github.com/custodian-roi/custodian/internal/send/sendtest"
	"github.com/custodian-roi/custodian/internal/store"
	"github.com/custodian-roi/custodian/internal/workflow"
)

// The contract check: every request a web test sends to an operation of
// the OpenAPI document, and every answer the server gives it, is
// validated against the document by kin-openapi's openapi3filter
// (newWebEnv installs it in front of every test server). A test fails
// naming the operation and the violation. So the document is held to what
// the server really does by every API test there is, not by a list of
// examples kept beside it.
//
// Requests: a request the document calls invalid must not succeed — the
// server must refuse it (4xx), or the document is stricter than the
// server and a client generated from it would be refused things that work.
// Tests that send invalid requests on purpose therefore pass unmarked.
// Responses: always validated, the status included (an undocumented
// status fails).

// contract is the parsed document and a mux of its operations, which
// finds the operation a request is for exactly as the server's mux does.
type contract struct {
	doc *openapi3.T
	mux *http.ServeMux
}

var (
	contractOnce sync.Once
	contractDoc  *contract
	contractErr  error
)

// loadContract parses and validates the embedded document once.
func loadContract() (*contract, error) {
	contractOnce.Do(func() {
		contractDoc, contractErr = parseContract(openAPI)
		// Bodies the API answers with that kin-openapi has no decoder for
		// by default: read as opaque bytes (the schema says binary).
		for _, ct := range []string{"application/pdf", "application/fhir+json", "image/png", "image/jpeg", "image/tiff", "text/html"} {
			if openapi3filter.RegisteredBodyDecoder(ct) == nil {
				dec := openapi3filter.FileBodyDecoder
				switch ct {
				case "text/html":
					dec = openapi3filter.PlainBodyDecoder
				case "application/fhir+json":
					dec = openapi3filter.JSONBodyDecoder
				}
				openapi3filter.RegisterBodyDecoder(ct, dec)
			}
		}
	})
	return contractDoc, contractErr
}

func parseContract(data []byte) (*contract, error) {
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromData(data)
	if err != nil {
		return nil, fmt.Errorf("openapi.json does not load: %w", err)
	}
	if err := doc.Validate(loader.Context); err != nil {
		return nil, fmt.Errorf("openapi.json is not a valid OpenAPI document: %w", err)
	}
	closeObjects(doc)
	c := &contract{doc: doc, mux: http.NewServeMux()}
	for path, item := range doc.Paths.Map() {
		for method := range item.Operations() {
			c.mux.Handle(method+" "+path, http.NotFoundHandler())
		}
	}
	return c, nil
}

// closeObjects makes every object schema of the document that lists its
// properties, and says nothing of others, refuse other members: for the
// check, a member the server sends that the document does not name is a
// violation (a generated client would drop it, as clients dropped the
// release's password before #16). The served document is not changed.
func closeObjects(doc *openapi3.T) {
	seen := map[*openapi3.Schema]bool{}
	var walk func(*openapi3.SchemaRef)
	walk = func(sr *openapi3.SchemaRef) {
		if sr == nil || sr.Value == nil || seen[sr.Value] {
			return
		}
		s := sr.Value
		seen[s] = true
		if len(s.Properties) > 0 && s.AdditionalProperties.Has == nil && s.AdditionalProperties.Schema == nil {
			no := false
			s.AdditionalProperties.Has = &no
		}
		for _, p := range s.Properties {
			walk(p)
		}
		walk(s.Items)
		walk(s.AdditionalProperties.Schema)
		for _, l := range [][]*openapi3.SchemaRef{s.OneOf, s.AnyOf, s.AllOf} {
			for _, x := range l {
				walk(x)
			}
		}
	}
	for _, s := range doc.Components.Schemas {
		walk(s)
	}
	for _, item := range doc.Paths.Map() {
		for _, op := range item.Operations() {
			if op.RequestBody != nil && op.RequestBody.Value != nil {
				for _, mt := range op.RequestBody.Value.Content {
					walk(mt.Schema)
				}
			}
			for _, r := range op.Responses.Map() {
				if r.Value != nil {
					for _, mt := range r.Value.Content {
						walk(mt.Schema)
					}
				}
			}
		}
	}
}

// route finds the document's operation for r, with its path parameters.
func (c *contract) route(r *http.Request) (*routers.Route, map[string]string) {
	_, pattern := c.mux.Handler(r)
	if pattern == "" {
		return nil, nil
	}
	method, path, _ := strings.Cut(pattern, " ")
	item := c.doc.Paths.Value(path)
	if item == nil {
		return nil, nil
	}
	op := item.GetOperation(method)
	if op == nil {
		return nil, nil
	}
	params := map[string]string{}
	// The mux's pattern names the parameters; match the path against it
	// segment by segment (patterns here have no wildcards).
	ps, ss := strings.Split(path, "/"), strings.Split(r.URL.Path, "/")
	for i, p := range ps {
		if strings.HasPrefix(p, "{") && i < len(ss) {
			params[strings.Trim(p, "{}")] = ss[i]
		}
	}
	return &routers.Route{Spec: c.doc, Path: path, PathItem: item, Method: method, Operation: op}, params
}

// contractViolation is one failure of the check, for the test to report.
type contractViolation struct {
	op, method, path string
	status           int
	what             string
}

func (v contractViolation) String() string {
	return fmt.Sprintf("contract: %s (%s %s) answered %d: %s", v.op, v.method, v.path, v.status, v.what)
}

// checkExchange validates one request (with its body) and the answer.
func (c *contract) checkExchange(r *http.Request, reqBody []byte, status int, header http.Header, body []byte) []contractViolation {
	rt, params := c.route(r)
	if rt == nil {
		return nil
	}
	opts := &openapi3filter.Options{
		IncludeResponseStatus: true,
		MultiError:            true,
		// Who may call is the server's business (guard, tested by the
		// roles tests); the API tests name their actor in a header the
		// document does not advertise. The contract checks shapes.
		AuthenticationFunc: openapi3filter.NoopAuthenticationFunc,
	}
	// The validator reads a copy: the server has had the original.
	rr := r.Clone(context.Background())
	rr.Body = io.NopCloser(bytes.NewReader(reqBody))
	in := &openapi3filter.RequestValidationInput{Request: rr, PathParams: params, Route: rt, Options: opts}
	var out []contractViolation
	name := rt.Operation.OperationID
	if name == "" {
		name = "(no operationId)"
	}
	if err := openapi3filter.ValidateRequest(context.Background(), in); err != nil && status < 400 {
		out = append(out, contractViolation{name, r.Method, rt.Path, status, "the document calls the request invalid, yet it succeeded: " + oneLine(err)})
	}
	resp := &openapi3filter.ResponseValidationInput{RequestValidationInput: in, Status: status, Header: header, Options: opts}
	resp.SetBodyBytes(body)
	if err := openapi3filter.ValidateResponse(context.Background(), resp); err != nil {
		out = append(out, contractViolation{name, r.Method, rt.Path, status, "the answer violates the document: " + oneLine(err)})
	}
	return out
}

func oneLine(err error) string {
	s := strings.Join(strings.Fields(err.Error()), " ")
	if len(s) > 1500 {
		s = s[:1500] + "…"
	}
	return s
}

// contractHandler wraps a test server's handler: each exchange is
// validated and a violation fails tb. The answer is buffered, checked,
// then passed on, so the test's client sees it only after the check.
func contractHandler(tb testing.TB, next http.Handler) http.Handler {
	c, err := loadContract()
	if err != nil {
		tb.Fatal(err)
	}
	report := tb.Error
	if _, fuzz := tb.(*testing.F); fuzz {
		// A fuzz target's server is built with its *testing.F, whose
		// methods the fuzz function serving the requests may not call: a
		// violation panics there instead, which fails that input (and
		// fuzzing keeps it as a crasher) with the same words.
		report = func(args ...any) { panic(fmt.Sprint(args...)) }
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if rt, _ := c.route(r); rt == nil {
			next.ServeHTTP(w, r)
			return
		}
		// The check sees the body as far as the server read it, never
		// reading more itself: the bounds on what the server reads (of an
		// anonymous post, say) are tested too. A request that succeeded
		// was read to its end.
		var seen bytes.Buffer
		if r.Body != nil {
			r.Body = teeBody{io.TeeReader(r.Body, &seen), r.Body}
		}
		rec := httptest.NewRecorder()
		next.ServeHTTP(rec, r)
		res := rec.Result()
		reqBody := seen.Bytes()
		for _, v := range c.checkExchange(r, reqBody, res.StatusCode, res.Header, rec.Body.Bytes()) {
			report(v.String())
		}
		for k, vs := range rec.Header() {
			w.Header()[k] = vs
		}
		w.WriteHeader(rec.Code)
		w.Write(rec.Body.Bytes())
	})
}

// teeBody is a request body copied, as it is read, for the check.
type teeBody struct {
	io.Reader
	io.Closer
}

// TestContractDocument: the document loads and validates as OpenAPI 3.1,
// every operation has an operationId (unique) and its own security, and
// every signed-in operation documents 401 and 403.
func TestContractDocument(t *testing.T) {
	c, err := loadContract()
	if err != nil {
		t.Fatal(err)
	}
	if len(c.doc.Servers) == 0 {
		t.Error("the document has no servers entry")
	}
	seen := map[string]string{}
	var paths []string
	for p := range c.doc.Paths.Map() {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	for _, p := range paths {
		for m, op := range c.doc.Paths.Value(p).Operations() {
			where := m + " " + p
			if op.OperationID == "" {
				t.Errorf("%s: no operationId", where)
			} else if prev, dup := seen[op.OperationID]; dup {
				t.Errorf("%s: operationId %s is also %s's", where, op.OperationID, prev)
			}
			seen[op.OperationID] = where
			if op.Security == nil {
				t.Errorf("%s: no security of its own (public operations say security: [])", where)
				continue
			}
			if len(*op.Security) > 0 {
				for _, st := range []string{"401", "403"} {
					if op.Responses.Value(st) == nil {
						t.Errorf("%s: signed in, yet %s is not documented", where, st)
					}
				}
			}
			for st, r := range op.Responses.Map() {
				if strings.HasPrefix(st, "2") && r.Value != nil {
					for ct, mt := range r.Value.Content {
						if ct == "application/json" && mt.Schema != nil && mt.Schema.Value != nil && mt.Schema.Ref == "" &&
							mt.Schema.Value.Type.Is("object") && len(mt.Schema.Value.Properties) == 0 && mt.Schema.Value.AdditionalProperties.Schema == nil {
							t.Errorf("%s %s: a bare {type: object} body", where, st)
						}
					}
				}
			}
		}
	}
}

// exchange is one request and answer as the contract check saw them.
type exchange struct {
	req     *http.Request
	reqBody []byte
	status  int
	header  http.Header
	body    []byte
}

// recordingAPI is an api (api_test.go) whose exchanges are also kept, for
// tests that check the check itself.
func recordingAPI(t *testing.T) (*api, func(method, path string, status int) exchange) {
	t.Helper()
	e := newWebEnv(t, webSetup{Patient: true, FixedClock: true, HandlerOnly: true, Desk: func(d *workflow.Desk) {
		sftp := sendtest.StartSFTP(t)
		d.SFTP = map[string]workflow.Pusher{"harper-vance": &send.SFTP{Addr: sftp.Addr, User: sftp.User, Password: sftp.Password, HostKey: sftp.HostKey}}
	}})
	var mu sync.Mutex
	var kept []exchange
	e.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		r.Body = io.NopCloser(bytes.NewReader(body))
		rec := httptest.NewRecorder()
		e.h.ServeHTTP(rec, r)
		mu.Lock()
		kept = append(kept, exchange{r.Clone(context.Background()), body, rec.Code, rec.Header().Clone(), rec.Body.Bytes()})
		mu.Unlock()
		for k, vs := range rec.Header() {
			w.Header()[k] = vs
		}
		w.WriteHeader(rec.Code)
		w.Write(rec.Body.Bytes())
	}))
	t.Cleanup(e.srv.Close)
	find := func(method, path string, status int) exchange {
		t.Helper()
		mu.Lock()
		defer mu.Unlock()
		for i := len(kept) - 1; i >= 0; i-- {
			if x := kept[i]; x.req.Method == method && x.req.URL.Path == path && x.status == status {
				return x
			}
		}
		t.Fatalf("no exchange %s %s %d was recorded", method, path, status)
		return exchange{}
	}
	return &api{t: t, webEnv: e}, find
}

// releaseJourney takes a subpoena request to release, as TestAPIJourney
// does, and returns its path; on the way a stale decide is refused (409).
func releaseJourney(a *api) string {
	a.t.Helper()
	out := a.want(201, "POST", "/api/v1/requests", `{"patient":"MRN-77","received":"2026-03-02",
		"requester":{"kind":"attorney","name":"Harper & Vance LLP"},"basis":"subpoena","contact":"harper-vance","delivery":"sftp"}`)
	base := "/api/v1/requests/" + strconv.Itoa(int(out["request"].(map[string]any)["id"].(float64)))
	v := strconv.Itoa(version(out))
	out = a.want(200, "POST", base+"/evidence", `{"version":`+v+`,"evidence":{"type":"identity","verified":true,"method":"bar number"}}`)
	v = strconv.Itoa(version(out))
	out = a.want(200, "POST", base+"/evidence", `{"version":`+v+`,"evidence":{"type":"subpoena","issued_by":"attorney","assurances":"protective-order","covers":{"labels":["general","psychotherapy-note"]}}}`)
	v = strconv.Itoa(version(out))
	out = a.want(200, "POST", base+"/evaluate", `{"version":`+v+`}`)
	stale := strconv.Itoa(version(out) - 1)
	v = strconv.Itoa(version(out))
	a.want(409, "POST", base+"/decide", `{"version":`+stale+`,"action":"partial"}`)
	out = a.want(200, "POST", base+"/decide", `{"version":`+v+`,"action":"partial"}`)
	v = strconv.Itoa(version(out))
	out = a.want(200, "POST", base+"/review", `{"version":`+v+`,"approve":true}`, ActorHeader, "qa.lee")
	a.want(200, "POST", base+"/release", `{"version":`+strconv.Itoa(version(out))+`}`)
	return base
}

// mutated is the document with change applied to its parsed JSON.
func mutated(t *testing.T, change func(doc map[string]any)) *contract {
	t.Helper()
	var doc map[string]any
	if err := json.Unmarshal(openAPI, &doc); err != nil {
		t.Fatal(err)
	}
	change(doc)
	b, err := json.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	c, err := parseContract(b)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// member walks doc along keys to an object.
func member(doc map[string]any, keys ...string) map[string]any {
	m := doc
	for _, k := range keys {
		m = m[k].(map[string]any)
	}
	return m
}

// TestContractCatches: the check passes real exchanges against the real
// document and fails them, naming the operation and the fault, against a
// document that drops the release's password, leaves out a status the
// server returns, or asks of a request more than the server does.
func TestContractCatches(t *testing.T) {
	a, find := recordingAPI(t)
	base := releaseJourney(a)
	release := find("POST", base+"/release", 200)
	stale := find("POST", base+"/decide", 409)
	decide := find("POST", base+"/decide", 200)
	real, err := loadContract()
	if err != nil {
		t.Fatal(err)
	}
	check := func(c *contract, x exchange) string {
		var s []string
		for _, v := range c.checkExchange(x.req, x.reqBody, x.status, x.header, x.body) {
			s = append(s, v.String())
		}
		return strings.Join(s, "\n")
	}
	for _, x := range []exchange{release, stale, decide} {
		if v := check(real, x); v != "" {
			t.Errorf("the real document refuses a real exchange: %s", v)
		}
	}
	var rel map[string]any
	if err := json.Unmarshal(release.body, &rel); err != nil || rel["password"] == nil {
		t.Fatalf("the release answer has no password: %v %s", err, release.body)
	}

	noPassword := mutated(t, func(doc map[string]any) {
		delete(member(doc, "components", "schemas", "Release", "properties"), "password")
	})
	if v := check(noPassword, release); !strings.Contains(v, "releaseRequest") || !strings.Contains(v, `"password"`) {
		t.Errorf("a document without the release's password passed, or the failure names neither: %q", v)
	}

	no409 := mutated(t, func(doc map[string]any) {
		delete(member(doc, "paths", "/api/v1/requests/{id}/decide", "post", "responses"), "409")
	})
	if v := check(no409, stale); !strings.Contains(v, "decideRequest") || !strings.Contains(v, "status is not supported") {
		t.Errorf("an undocumented 409 passed, or the failure names neither: %q", v)
	}

	stricter := mutated(t, func(doc map[string]any) {
		s := member(doc, "paths", "/api/v1/requests/{id}/decide", "post", "requestBody", "content", "application/json", "schema")
		s["required"] = append(s["required"].([]any), "missing")
	})
	if v := check(stricter, decide); !strings.Contains(v, "decideRequest") || !strings.Contains(v, "calls the request invalid, yet it succeeded") {
		t.Errorf("a request the document refuses succeeded unnoticed: %q", v)
	}
	// The same stricter document has no quarrel with a request the server
	// refused: tests that send bad requests on purpose need no marking.
	if v := check(stricter, stale); strings.Contains(v, "request invalid") {
		t.Errorf("a refused request was blamed: %q", v)
	}
}

// TestAPINoRouteJSON: under /api/ an unknown path is a JSON 404 and a
// known path with another method a JSON 405 with Allow, each with its
// request ID; a page keeps its non-JSON answer.
func TestAPINoRouteJSON(t *testing.T) {
	a := newAPI(t)
	for _, c := range []struct {
		method, path string
		status       int
		code, allow  string
	}{
		{"GET", "/api/v1/no-such-thing", 404, "not_found", ""},
		{"GET", "/api/v2/requests", 404, "not_found", ""},
		{"DELETE", "/api/v1/requests", 405, "method_not_allowed", "GET, HEAD, POST"},
		{"POST", "/api/v1/requests/1", 405, "method_not_allowed", "GET, HEAD"},
		{"GET", "/api/v1/requests/1/release", 405, "method_not_allowed", "POST"},
	} {
		req, _ := http.NewRequest(c.method, a.srv.URL+c.path, nil)
		req.Header.Set(ActorHeader, "clerk.ana")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var body errorBody
		err = json.NewDecoder(resp.Body).Decode(&body)
		resp.Body.Close()
		if resp.StatusCode != c.status || err != nil || string(body.Error.Code) != c.code {
			t.Errorf("%s %s: %d %v %+v, want %d %s", c.method, c.path, resp.StatusCode, err, body, c.status, c.code)
			continue
		}
		if !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
			t.Errorf("%s %s: Content-Type %q", c.method, c.path, resp.Header.Get("Content-Type"))
		}
		if id := resp.Header.Get(RequestIDHeader); id == "" || body.Error.RequestID != id {
			t.Errorf("%s %s: request_id %q, header %q", c.method, c.path, body.Error.RequestID, id)
		}
		if got := resp.Header.Get("Allow"); got != c.allow {
			t.Errorf("%s %s: Allow %q, want %q", c.method, c.path, got, c.allow)
		}
	}
	resp, err := http.Get(a.srv.URL + "/no-such-page")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 404 || strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
		t.Errorf("an unknown page: %d %q, want a 404 that is not the API's JSON", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
}

// TestContentNegotiation: letters and the accounting answer by the
// Accept header's q-values, and 406 (documented) when nothing is
// acceptable.
func TestContentNegotiation(t *testing.T) {
	a, _ := recordingAPI(t)
	base := releaseJourney(a)
	acc := "/api/v1/patients/" + strconv.FormatInt(int64(a.pid), 10) + "/accounting"
	for _, c := range []struct {
		path, accept string
		status       int
		ctype        string
	}{
		{base + "/letters/cover", "application/pdf, text/plain;q=0.1", 200, "application/pdf"},
		{base + "/letters/cover", "text/plain;q=0.9, application/pdf;q=0.8", 200, "text/plain"},
		{base + "/letters/cover", "", 200, "application/pdf"},
		{base + "/letters/cover", "text/*", 200, "text/plain"},
		{base + "/letters/cover", "image/png", 406, "application/json"},
		{acc, "text/csv;q=0.5, application/json", 200, "application/json"},
		{acc, "text/csv", 200, "text/csv"},
		{acc, "application/xml", 406, "application/json"},
	} {
		status, out := a.do("GET", c.path, "", "Accept", c.accept)
		if status != c.status {
			t.Errorf("GET %s, Accept %q: %d, want %d (%v)", c.path, c.accept, status, c.status, out)
			continue
		}
		raw, _ := out["raw"].(string)
		switch c.ctype {
		case "application/pdf":
			if !strings.HasPrefix(raw, "%PDF") {
				t.Errorf("Accept %q: not a PDF", c.accept)
			}
		case "text/plain", "text/csv":
			if raw == "" || strings.HasPrefix(raw, "%PDF") || strings.HasPrefix(raw, "{") {
				t.Errorf("Accept %q: not %s: %.40q", c.accept, c.ctype, raw)
			}
		case "application/json":
			if raw != "" {
				t.Errorf("Accept %q: not JSON", c.accept)
			}
			if c.status == 406 && errCode(out) != "not_acceptable" {
				t.Errorf("Accept %q: %v, want not_acceptable", c.accept, out)
			}
		}
	}
}

// TestReceiptsSnakeCase: an SFTP delivery's receipt is served with
// snake_case members, in the deliveries and in the request's history,
// while the ledger keeps the entry as it was written (its hash covers it).
func TestReceiptsSnakeCase(t *testing.T) {
	a, _ := recordingAPI(t)
	base := releaseJourney(a)
	if worked, err := a.desk.Deliver(context.Background(), "test"); !worked || err != nil {
		t.Fatalf("deliver: %v %v", worked, err)
	}
	dels := a.want(200, "GET", base+"/deliveries", "")["deliveries"].([]any)
	rc, _ := dels[0].(map[string]any)["receipt"].(map[string]any)
	if rc["channel"] != "sftp" || rc["sha256"] == nil || rc["remote"] == nil || rc["SHA256"] != nil || rc["Channel"] != nil {
		t.Errorf("delivery receipt %v", rc)
	}
	shown := false
	for _, h := range a.want(200, "GET", base, "")["history"].([]any) {
		body, _ := h.(map[string]any)["body"].(map[string]any)
		if r, ok := body["receipt"].(map[string]any); ok && r["channel"] == "sftp" {
			shown = true
			if r["sha256"] == nil || r["SHA256"] != nil {
				t.Errorf("history receipt %v", r)
			}
		}
	}
	if !shown {
		t.Error("the history shows no SFTP receipt")
	}
	id, _ := strconv.ParseInt(strings.TrimPrefix(base, "/api/v1/requests/"), 10, 64)
	es, err := a.store.Ledger(context.Background(), store.LedgerFilter{RequestID: roi.RequestID(id), Kind: roi.EventDelivery})
	if err != nil {
		t.Fatal(err)
	}
	stored := false
	for _, e := range es {
		stored = stored || bytes.Contains(e.Body, []byte(`"SHA256"`))
	}
	if !stored {
		t.Error("the ledger's delivery entry no longer holds the receipt as written")
	}
}
