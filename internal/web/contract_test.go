package web

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
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
	dumpMu       sync.Mutex
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
			tb.Error(v.String())
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
