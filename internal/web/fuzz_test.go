package web

import (
	"bytes"
	"encoding/json"
	"html"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/custodian-roi/custodian/internal/echocheck"
)

// The fuzz targets of this file send fuzzed bodies through the real
// handler (NewServer, as newAPI builds it, with TrustActorHeader), one
// server per fuzz process, and check for every input:
//
//   - no 5xx: nothing a client sends is an internal error;
//   - a refusal of the JSON API is 4xx with exactly {"error":{"code",
//     "message"}}, the status the code maps to, and a message that repeats
//     no value of the body (a run of more than echocheck.Max bytes of a
//     string or number that is not also a member name);
//   - the portal's and sign-in forms answer HTML, and the error they show
//     repeats no value of the form either (the form's own fields are
//     re-rendered in their inputs by design; only the error is checked).
//
// Requests change state (the database is a temporary file); a stale
// version is a 409, which is still a decoded, checked body.

// fuzzServer is the handler of newAPI (without the SFTP destination, and
// with no listener), for a *testing.F; it returns the patient's ID and the
// server's log.
func fuzzServer(tb testing.TB) (http.Handler, string, *lockedBuffer) {
	e := newWebEnv(tb, webSetup{Patient: true, FixedClock: true, HandlerOnly: true})
	h, pid, logs := e.h, e.pid, e.logs
	// One request to act on: /api/v1/requests/1.
	rec := serve(h, "POST", "/api/v1/requests", "application/json", []byte(`{"patient":"MRN-77","received":"2026-03-02",
		"requester":{"kind":"attorney","name":"Harper & Vance LLP"},"basis":"subpoena","contact":"harper-vance","delivery":"sftp"}`))
	if rec.Code != 201 {
		tb.Fatalf("intake: %d %s", rec.Code, rec.Body)
	}
	return h, strconv.Itoa(int(pid)), logs
}

func serve(h http.Handler, method, path, ctype string, body []byte) *httptest.ResponseRecorder {
	req := httptest.NewRequest(method, path, bytes.NewReader(body))
	req.Header.Set("Content-Type", ctype)
	req.Header.Set(ActorHeader, "clerk.ana")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

// fuzzRoute is a POST route with a JSON body and seeds for it.
type fuzzRoute struct {
	path  string
	seeds []string
}

func apiFuzzRoutes(pid string) []fuzzRoute {
	return []fuzzRoute{
		{"/api/v1/requests", []string{`{"patient":"MRN-77","received":"2026-03-02","requester":{"kind":"patient","name":"Zebediah Quillfeather"},"basis":"access","delivery":"portal","contact":"z@example.org","scope":{"from":"2025-01-01","labels":["general"]}}`,
			`{"patient_id":1,"received":"2026-02-30"}`, `{"patient_id":1,"colour":"red"}`, `{"patient":"Zebediah Quillfeather"}`,
			`{"patient_id":12345678901234567890123}`, `{"patient_id":1,"requester":{"kind":"Zebediah Quillfeather"}}`}},
		{"/api/v1/requests/1/evidence", []string{`{"version":1,"evidence":{"type":"identity","verified":true,"method":"bar number"}}`,
			`{"version":1,"evidence":{"type":"subpoena","issued_by":"attorney","assurances":"protective-order","covers":{"labels":["general","psychotherapy-note"]}}}`,
			`{"version":1,"evidence":{"type":"authorization","forms":["hipaa"],"signed":"Zebediah Quillfeather"}}`,
			`{"version":1,"evidence":[]}`, `{"version":1,"evidence":{"type":"harm-determination","items":["Zebediah Quillfeather"]}}`}},
		{"/api/v1/requests/1/evaluate", []string{`{"version":1}`, `{}`}},
		{"/api/v1/requests/1/decide", []string{`{"version":2,"action":"partial"}`, `{"version":2,"action":"deny","note":"Zebediah Quillfeather","missing":["identity"]}`, `{"version":"2"}`}},
		{"/api/v1/requests/1/resolve", []string{`{"version":3,"action":"approve","release":["Encounter/1"],"note":"n"}`}},
		{"/api/v1/requests/1/extend", []string{`{"version":3,"new_due":"2026-05-01","reason":"volume"}`, `{"version":3,"new_due":"Zebediah Quillfeather"}`}},
		{"/api/v1/requests/1/release", []string{`{"version":4}`}},
		{"/api/v1/requests/1/review", []string{`{"version":4,"approve":true,"note":"ok"}`}},
		{"/api/v1/requests/1/assign", []string{`{"version":1,"assignee":"clerk.bo"}`, `{"version":1,"assignee":"Zebediah Quillfeather"}`}},
		{"/api/v1/requests/1/cancel", []string{`{"version":1,"reason":"duplicate"}`}},
		{"/api/v1/requests/1/close", []string{`{"version":1}`}},
		{"/api/v1/requests/1/portal-code", []string{`{}`}},
		{"/api/v1/deliveries/1/complete", []string{`{"carrier":"USPS","tracking":"9400111899223817"}`, `{"tracking":"Zebediah Quillfeather"}`}},
		{"/api/v1/patients/" + pid + "/labels", []string{`{"item":"Encounter/1","label":"hiv","action":"add","reason":"lab"}`,
			`{"item":"Zebediah Quillfeather","label":"hiv","action":"add","reason":"x"}`, `{"item":"Encounter/1","label":"Zebediah Quillfeather"}`}},
		{"/api/v1/session", []string{`{"username":"clerk.ana","password":"a long enough passphrase"}`, `{"username":"Zebediah Quillfeather"}`}},
		{"/api/v1/session/code", []string{`{"pending":"abc","code":"123456"}`}},
		{"/portal/v1/code", []string{`{"token":"abc"}`, `{"token":"Zebediah Quillfeather"}`}},
		{"/portal/v1/download", []string{`{"token":"abc","code":"123456"}`}},
	}
}

// checkAPIAnswer checks an answer of the JSON API to body.
func checkAPIAnswer(t *testing.T, path string, rec *httptest.ResponseRecorder, body []byte, echo func(string) string, logs *lockedBuffer) {
	t.Helper()
	if rec.Code >= 500 {
		t.Fatalf("POST %s: %d %s\nlog: %s", path, rec.Code, rec.Body, lastLine(logs))
	}
	if rec.Code < 400 {
		return
	}
	if ct := rec.Header().Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Fatalf("POST %s: %d with Content-Type %q", path, rec.Code, ct)
	}
	var e errorBody
	dec := json.NewDecoder(bytes.NewReader(rec.Body.Bytes()))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&e); err != nil || e.Error.Code == "" || e.Error.Message == "" {
		t.Fatalf("POST %s: %d, not the error shape: %s", path, rec.Code, rec.Body)
	}
	if want, ok := statusOf[e.Error.Code]; !ok || want != rec.Code {
		t.Fatalf("POST %s: %d for code %s", path, rec.Code, e.Error.Code)
	}
	if w := echo(unquoted(t, e.Error.Message)); w != "" {
		t.Fatalf("POST %s: message %q repeats %q of the body", path, e.Error.Message, w)
	}
}

// quotedValue is a Go-quoted string in a message.
var quotedValue = regexp.MustCompile(`"(?:[^"\\]|\\.)*"`)

// choices is a message's list of the allowed values, vocabulary:
// "(notice or protective-order)".
var choices = regexp.MustCompile(`\([a-z0-9, -]+ or [a-z0-9 -]+\)`)

// unquoted takes out of msg what it quotes. Since issue #15 no message
// repeats an unknown enumeration value or member name, so a quoted value
// longer than 40 bytes is a finding (and shorter ones are caught by the
// echo check).
func unquoted(t *testing.T, msg string) string {
	t.Helper()
	msg = choices.ReplaceAllString(msg, "()")
	return quotedValue.ReplaceAllStringFunc(msg, func(q string) string {
		var v string
		if err := json.Unmarshal([]byte(q), &v); err == nil && len(strings.TrimSuffix(v, "...")) > 40 {
			t.Fatalf("message %q quotes a value of %d bytes", msg, len(v))
		}
		return `""`
	})
}

func lastLine(b *lockedBuffer) string {
	s := strings.TrimSpace(b.String())
	return s[strings.LastIndexByte(s, '\n')+1:]
}

// FuzzAPIBodies: a fuzzed JSON body to one of the API's POST routes.
func FuzzAPIBodies(f *testing.F) {
	h, pid, logs := fuzzServer(f)
	routes := apiFuzzRoutes(pid)
	for i, rt := range routes {
		for _, s := range rt.seeds {
			f.Add(uint8(i), []byte(s))
		}
		f.Add(uint8(i), []byte(`{`))
		f.Add(uint8(i), []byte(`{"version":1} {"version":2}`))
		f.Add(uint8(i), []byte(`[]`))
	}
	f.Fuzz(func(t *testing.T, route uint8, body []byte) {
		rt := routes[int(route)%len(routes)]
		logs.Reset()
		rec := serve(h, "POST", rt.path, "application/json", body)
		checkAPIAnswer(t, rt.path, rec, body, func(msg string) string { return echocheck.InJSON(msg, body) }, logs)
	})
}

var formRoutes = []string{"/portal/submit", "/portal/status", "/portal/verify", "/portal/resend", "/portal/upload",
	"/login", "/login/code", "/portal/v1/code", "/portal/v1/download"}

// formFields are the members of the forms: messages name them.
var formFields = []string{"patient_name", "birth_date", "requester_kind", "requester_name", "basis", "recipient",
	"format", "delivery", "contact", "email", "from", "to", "token", "code", "username", "password", "kind", "file", "version"}

// errorP is the error paragraph of the HTML pages.
var errorP = regexp.MustCompile(`<p class="error" role="alert">([^<]*)</p>`)

// FuzzForms: a fuzzed form (application/x-www-form-urlencoded) to the
// requester portal's and the sign-in forms.
func FuzzForms(f *testing.F) {
	h, _, logs := fuzzServer(f)
	seeds := []string{
		"patient_name=Zebediah+Quillfeather&birth_date=1986-10-15&requester_kind=patient&requester_name=Zebediah+Quillfeather&basis=access&format=electronic&delivery=portal&email=z%40example.org",
		"patient_name=Zebediah+Quillfeather&birth_date=Zebediah+Quillfeather",
		"patient_name=P&birth_date=1986-10-15&from=2025-13-01",
		"token=abc&code=123456", "token=Zebediah+Quillfeather", "token=", "username=clerk.ana&password=wrong+password",
		"%zz", "a=" + strings.Repeat("x", 5000),
	}
	for i := range formRoutes {
		for _, s := range seeds {
			f.Add(uint8(i), s)
		}
	}
	f.Fuzz(func(t *testing.T, route uint8, body string) {
		path := formRoutes[int(route)%len(formRoutes)]
		logs.Reset()
		rec := serve(h, "POST", path, "application/x-www-form-urlencoded", []byte(body))
		if rec.Code >= 500 {
			t.Fatalf("POST %s: %d\nlog: %s", path, rec.Code, lastLine(logs))
		}
		q, _ := url.ParseQuery(body)
		names := append([]string(nil), formFields...)
		var values []string
		for k, vs := range q {
			names = append(names, k)
			values = append(values, vs...)
		}
		values = append(values, body)
		echo := func(msg string) string { return echocheck.Find(msg, names, values) }
		ct := rec.Header().Get("Content-Type")
		if strings.HasPrefix(ct, "application/json") { // /portal/v1/download refuses some in JSON
			checkAPIAnswer(t, path, rec, []byte(body), echo, logs)
			return
		}
		if rec.Code != http.StatusSeeOther && !strings.HasPrefix(ct, "text/html") {
			t.Fatalf("POST %s: %d with Content-Type %q", path, rec.Code, ct)
		}
		for _, m := range errorP.FindAllStringSubmatch(rec.Body.String(), -1) {
			if w := echo(unquoted(t, html.UnescapeString(m[1]))); w != "" {
				t.Fatalf("POST %s: error %q repeats %q of the form", path, m[1], w)
			}
		}
	})
}

// multipartBody builds an upload body with boundary fuzzBoundary.
const fuzzBoundary = "fuzzboundary"

func multipartBody(fields map[string]string, filename string, content []byte) []byte {
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	mw.SetBoundary(fuzzBoundary)
	for k, v := range fields {
		mw.WriteField(k, v)
	}
	if filename != "" {
		fw, _ := mw.CreateFormFile("file", filename)
		fw.Write(content)
	}
	mw.Close()
	return buf.Bytes()
}

// FuzzUpload: a fuzzed multipart body to the document upload of the API
// and of the portal.
func FuzzUpload(f *testing.F) {
	h, _, logs := fuzzServer(f)
	f.Add(false, multipartBody(map[string]string{"version": "1"}, "Zebediah Quillfeather subpoena.pdf", []byte("%PDF-1.7\nsubpoena")))
	f.Add(false, multipartBody(map[string]string{"version": "1"}, "id.png", []byte("\x89PNG\r\n\x1a\n")))
	f.Add(false, multipartBody(map[string]string{"version": "Zebediah Quillfeather"}, "x.txt", []byte("hello")))
	f.Add(false, multipartBody(map[string]string{"version": "1"}, "", nil))
	f.Add(true, multipartBody(map[string]string{"token": "abc", "kind": "id"}, "id.jpg", []byte("\xff\xd8\xff\xe0")))
	f.Add(true, multipartBody(map[string]string{"token": "Zebediah Quillfeather"}, "a.pdf", []byte("%PDF-1.4")))
	f.Add(false, []byte("--"+fuzzBoundary+"\r\nContent-Disposition: form-data; name=\"file\"\r\n\r\nunterminated"))
	f.Fuzz(func(t *testing.T, portal bool, body []byte) {
		path := "/api/v1/requests/1/documents"
		if portal {
			path = "/portal/upload"
		}
		logs.Reset()
		rec := serve(h, "POST", path, "multipart/form-data; boundary="+fuzzBoundary, body)
		if rec.Code >= 500 {
			t.Fatalf("POST %s: %d %s\nlog: %s", path, rec.Code, rec.Body, lastLine(logs))
		}
		// The form's values are what the body holds between its headers;
		// the member names are those of the form.
		names := []string{"version", "file", "token", "kind", "Content-Disposition", "form-data"}
		echo := func(msg string) string { return echocheck.Find(msg, names, []string{string(body)}) }
		if !portal {
			checkAPIAnswer(t, path, rec, body, echo, logs)
			return
		}
		for _, m := range errorP.FindAllStringSubmatch(rec.Body.String(), -1) {
			if w := echo(unquoted(t, html.UnescapeString(m[1]))); w != "" {
				t.Fatalf("POST %s: error %q repeats %q of the form", path, m[1], w)
			}
		}
	})
}

// TestFuzzServer keeps the fuzz server and its routes honest: every seed
// route exists (no 404 or 405 from the mux for a well-formed body).
func TestFuzzServer(t *testing.T) {
	h, pid, _ := fuzzServer(t)
	for _, rt := range apiFuzzRoutes(pid) {
		rec := serve(h, "POST", rt.path, "application/json", []byte(rt.seeds[0]))
		if rec.Code == http.StatusMethodNotAllowed || rec.Code >= 500 {
			t.Errorf("POST %s: %d %s", rt.path, rec.Code, rec.Body)
		}
		if rec.Code == http.StatusNotFound {
			if b, _ := io.ReadAll(rec.Body); !bytes.Contains(b, []byte(`"not_found"`)) {
				t.Errorf("POST %s: the mux knows no such route", rt.path)
			}
		}
	}
}
