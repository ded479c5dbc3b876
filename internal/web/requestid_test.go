package web

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"net/http/httptest"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/custodian-roi/custodian/internal/echocheck"
	"github.com/custodian-roi/custodian/internal/roi"
)

var requestIDShape = regexp.MustCompile(`^[0-9a-f]{12}$`)

// TestRequestIDs: every answer carries X-Request-Id; a JSON error carries
// the same ID in request_id, an error page shows it, and a forced internal
// error (stored evidence damaged to hold a patient's name) is logged under
// it with the method, the route pattern, the op and the cause, and the log
// repeats nothing of the patient's.
func TestRequestIDs(t *testing.T) {
	ctx := context.Background()
	// The server answers through ServeHTTP; the desk's clock is the real
	// one. The patient has one encounter (not the API tests' chart).
	w := newWebEnv(t, webSetup{HandlerOnly: true})
	path, desk, logs, h := w.dsn, w.desk, w.logs, w.h
	if _, _, err := w.store.ImportChart(ctx, roi.PatientRecord{FHIRID: "f-1", MRN: "MRN-77", Name: patientName, BirthDate: roi.MakeDate(1986, 10, 15)},
		[]roi.ChartItem{{Key: "Encounter/1", Date: roi.MakeDate(2025, 6, 18), Type: "encounter", Title: "ED visit"}},
		[]roi.RawResource{{Key: "Encounter/1", JSON: []byte(`{"resourceType":"Encounter","id":"1","status":"finished"}`)}}, "import"); err != nil {
		t.Fatal(err)
	}

	idOf := func(rec *httptest.ResponseRecorder) string {
		t.Helper()
		id := rec.Header().Get(RequestIDHeader)
		if !requestIDShape.MatchString(id) {
			t.Fatalf("%d answer: %s %q, want 12 hex digits", rec.Code, RequestIDHeader, id)
		}
		return id
	}
	jsonError := func(rec *httptest.ResponseRecorder) errorBody {
		t.Helper()
		var e errorBody
		if err := json.Unmarshal(rec.Body.Bytes(), &e); err != nil {
			t.Fatalf("%d: %v: %s", rec.Code, err, rec.Body)
		}
		return e
	}

	// Success: the header, and a new ID every time.
	ok1, ok2 := serve(h, "GET", "/healthz", "", nil), serve(h, "GET", "/healthz", "", nil)
	if ok1.Code != 200 || idOf(ok1) == idOf(ok2) {
		t.Errorf("healthz: %d, IDs %q and %q", ok1.Code, idOf(ok1), idOf(ok2))
	}
	// A client's own X-Request-Id is not taken up.
	req := httptest.NewRequest("GET", "/healthz", nil)
	req.Header.Set(RequestIDHeader, patientName)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	idOf(rec)

	// A JSON refusal: the body's request_id is the header's.
	nf := serve(h, "GET", "/api/v1/requests/999", "", nil)
	if e := jsonError(nf); nf.Code != 404 || e.Error.RequestID != idOf(nf) {
		t.Errorf("not found: %d, request_id %q, header %q", nf.Code, e.Error.RequestID, idOf(nf))
	}
	// An error page shows the ID.
	page := serve(h, "GET", "/requests/999", "", nil)
	if page.Code != 404 || !strings.Contains(page.Body.String(), idOf(page)) {
		t.Errorf("error page %d lacks its reference %s:\n%s", page.Code, idOf(page), page.Body)
	}

	// A request with evidence, whose stored evidence is then damaged so
	// that it names the patient (a decoder's error quotes it).
	in := serve(h, "POST", "/api/v1/requests", "application/json", []byte(`{"patient":"MRN-77","received":"2026-03-02",
		"requester":{"kind":"attorney","name":"Harper & Vance LLP"},"basis":"subpoena","contact":"harper-vance","delivery":"mail"}`))
	if in.Code != 201 {
		t.Fatalf("intake: %d %s", in.Code, in.Body)
	}
	ev := serve(h, "POST", "/api/v1/requests/1/evidence", "application/json",
		[]byte(`{"version":1,"evidence":{"type":"identity","verified":true,"method":"bar number"}}`))
	if ev.Code >= 300 {
		t.Fatalf("evidence: %d %s", ev.Code, ev.Body)
	}
	var attached struct {
		Request struct{ Version int } `json:"request"`
	}
	json.Unmarshal(ev.Body.Bytes(), &attached)
	after := attached.Request
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	damaged := `{"type":"` + patientName + `","born":"1986-10-15"}`
	if _, err := db.ExecContext(ctx, `UPDATE evidence SET body = $1`, damaged); err != nil {
		t.Fatal(err)
	}

	// The forced internal error, through the API and through a page.
	logs.Reset()
	fail := serve(h, "POST", "/api/v1/requests/1/evaluate", "application/json", []byte(fmt.Sprintf(`{"version":%d}`, after.Version)))
	id := idOf(fail)
	e := jsonError(fail)
	if fail.Code != 500 || e.Error.Code != roi.CodeInternal || e.Error.RequestID != id || !strings.Contains(e.Error.Message, id) {
		t.Fatalf("forced failure: %d %s (header %s)", fail.Code, fail.Body, id)
	}
	line := failureLine(t, logs, id)
	for k, want := range map[string]string{"method": "POST", "route": "POST /api/v1/requests/{id}/evaluate",
		"op": "workflow.evidence-decode", "code": "internal", "cause": "*caseformat.InputError"} {
		if line[k] != want {
			t.Errorf("log line %s = %v, want %q", k, line[k], want)
		}
	}
	pageFail := serve(h, "POST", "/requests/1/evaluate", "application/x-www-form-urlencoded", []byte("version="+strconv.Itoa(after.Version)))
	pid := idOf(pageFail)
	if pageFail.Code != 500 || !strings.Contains(html.UnescapeString(pageFail.Body.String()), "(reference "+pid+")") {
		t.Errorf("error page %d does not name reference %s:\n%s", pageFail.Code, pid, pageFail.Body)
	}
	if line := failureLine(t, logs, pid); line["route"] != "POST /requests/{id}/evaluate" || line["op"] != "workflow.evidence-decode" {
		t.Errorf("page failure logged as %v", line)
	}
	// Nothing of the patient's, nor of the damaged row, is in the log.
	if w := echocheck.Find(logs.String(), nil, []string{patientName, damaged}); w != "" {
		t.Errorf("the log repeats %q:\n%s", w, logs)
	}
	for _, short := range []string{"Quillfeather", "1986-10-15", "MRN-77"} { // under echocheck.Max
		if strings.Contains(logs.String(), short) {
			t.Errorf("the log contains %q:\n%s", short, logs)
		}
	}
	// The cause is the decoder's error. Since issue #15 it repeats
	// nothing of the row either (it once quoted the name as an unknown
	// evidence type); its own text is kept out of the log all the same.
	_, _, ferr := desk.Evaluate(ctx, "clerk.ana", 1, after.Version)
	if ferr == nil || causeOf(ferr) != "*caseformat.InputError" {
		t.Errorf("the forced error %v (described %q) is not the one this test means", ferr, causeOf(ferr))
	}
	if ferr != nil && strings.Contains(ferr.Error(), "Quillfeather") {
		t.Errorf("the decoder's error repeats the name: %v", ferr)
	}
	if strings.Contains(logs.String(), "unknown evidence type") {
		t.Errorf("the log repeats the cause's text:\n%s", logs)
	}
}

// failureLine is the "request failed" log line with request ID id.
func failureLine(t *testing.T, logs *lockedBuffer, id string) map[string]any {
	t.Helper()
	for _, l := range strings.Split(strings.TrimSpace(logs.String()), "\n") {
		var m map[string]any
		if json.Unmarshal([]byte(l), &m) == nil && m["msg"] == "request failed" && m["request_id"] == id {
			return m
		}
	}
	t.Fatalf("no failure logged under %s:\n%s", id, logs)
	return nil
}

// TestCauseOf: the log's description of a cause keeps the store's own
// messages, driver codes and Go types, never the text of what it wraps.
func TestCauseOf(t *testing.T) {
	phi := "Zebediah Quillfeather 1986-10-15"
	inner := roi.WrapOp("store.open-document", roi.CodeInternal, fmt.Errorf("store: open document 3: %w", errors.New(phi)), "The stored document 3 cannot be decrypted.")
	err := roi.WrapOp("workflow.packet-resource-read", roi.CodeInternal, fmt.Errorf("item %s: %w", phi, inner), "A stored resource does not read.")
	if got, want := causeOf(err), "The stored document 3 cannot be decrypted. > *errors.errorString"; got != want {
		t.Errorf("causeOf = %q, want %q", got, want)
	}
	if got := strings.Join(roi.Ops(err), " > "); got != "workflow.packet-resource-read > store.open-document" {
		t.Errorf("ops %q", got)
	}
	var n struct{ N int }
	jerr := json.Unmarshal([]byte(`{"N": "`+phi+`"}`), &n)
	if got := causeOf(roi.Wrap(roi.CodeInternal, jerr, "x")); strings.Contains(got, "Quillfeather") || !strings.HasPrefix(got, "json: ") {
		t.Errorf("json cause %q", got)
	}
	if got := causeOf(roi.Wrap(roi.CodeInternal, panicError("string"), "x")); got != "panic with a value of type string" {
		t.Errorf("panic cause %q", got)
	}
}
