package web

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// fhirGet fetches path as FHIR JSON and decodes the answer.
func (a *api) fhirGet(path string) (int, string, map[string]any) {
	a.t.Helper()
	req, _ := http.NewRequest("GET", a.srv.URL+path, nil)
	req.Header.Set(ActorHeader, "auditor.avery")
	req.Header.Set("Accept", "application/fhir+json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		a.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var out map[string]any
	if err := json.Unmarshal(raw, &out); err != nil {
		a.t.Fatalf("GET %s: %d, not JSON: %q", path, resp.StatusCode, raw)
	}
	return resp.StatusCode, resp.Header.Get("Content-Type"), out
}

// TestAPIAuditEvents: the AuditEvent search answers a FHIR searchset
// Bundle whose next links walk the patient's events once, in ledger order;
// one event reads by its number; bad parameters are refused without being
// repeated; and the searches are in the ledger as views.
func TestAPIAuditEvents(t *testing.T) {
	a := newAPI(t)
	// Something about the patient to audit: an intake and a look at it.
	out := a.want(201, "POST", "/api/v1/requests", `{"patient":"MRN-77","received":"2026-03-02",
		"requester":{"kind":"patient","name":"`+patientName+`"},"basis":"access","contact":"pat@example.org","delivery":"portal"}`)
	rid := int(out["request"].(map[string]any)["id"].(float64))
	a.want(200, "GET", "/api/v1/requests/"+strconv.Itoa(rid), "")

	pid := strconv.FormatInt(int64(a.pid), 10)
	next := "/api/v1/fhir/AuditEvent?patient=Patient/" + pid + "&_count=1"
	var ids []int
	for pages := 0; next != ""; pages++ {
		status, ctype, b := a.fhirGet(next)
		if status != 200 || ctype != "application/fhir+json" || b["resourceType"] != "Bundle" || b["type"] != "searchset" {
			t.Fatalf("GET %s: %d %s %v", next, status, ctype, b)
		}
		entries, _ := b["entry"].([]any)
		if len(entries) > 1 || pages > 50 {
			t.Fatalf("page %d holds %d entries with _count=1", pages, len(entries))
		}
		for _, e := range entries {
			e := e.(map[string]any)
			res := e["resource"].(map[string]any)
			id, _ := strconv.Atoi(res["id"].(string))
			ids = append(ids, id)
			if !strings.HasSuffix(e["fullUrl"].(string), "/api/v1/fhir/AuditEvent/"+res["id"].(string)) {
				t.Errorf("fullUrl %v", e["fullUrl"])
			}
			raw, _ := json.Marshal(res)
			if !strings.Contains(string(raw), `"reference":"Patient/`+pid+`"`) {
				t.Errorf("event %d does not name the patient: %s", id, raw)
			}
			for _, phi := range []string{patientName, "MRN-77", "pat@example.org"} {
				if strings.Contains(string(raw), phi) {
					t.Errorf("event %d carries %q", id, phi)
				}
			}
		}
		next = ""
		for _, l := range b["link"].([]any) {
			if l := l.(map[string]any); l["relation"] == "next" {
				u, err := url.Parse(l["url"].(string))
				if err != nil || !u.IsAbs() {
					t.Fatalf("next link %v", l["url"])
				}
				next = u.RequestURI()
			}
		}
	}
	if len(ids) < 3 || !slices.IsSorted(ids) || len(slices.Compact(slices.Clone(ids))) != len(ids) {
		t.Errorf("the pages gave events %v: want the patient's import, intake and views once each, in order", ids)
	}

	// One event by its number.
	status, _, ev := a.fhirGet("/api/v1/fhir/AuditEvent/" + strconv.Itoa(ids[0]))
	if status != 200 || ev["resourceType"] != "AuditEvent" || ev["id"] != strconv.Itoa(ids[0]) {
		t.Errorf("read %d: %d %v", ids[0], status, ev)
	}
	if status, _, _ := a.fhirGet("/api/v1/fhir/AuditEvent/999999"); status != 404 {
		t.Errorf("an unknown event: %d", status)
	}
	// Content negotiation: plain JSON on request, 406 when neither will do.
	for _, c := range []struct {
		accept string
		status int
		ctype  string
	}{
		{"application/json", 200, "application/json"},
		{"application/json;q=0.5, application/fhir+json", 200, "application/fhir+json"},
		{"*/*", 200, "application/fhir+json"},
		{"text/html", 406, "application/fhir+json"}, // an OperationOutcome
		{"application/fhir+json;q=0, application/json;q=0", 406, "application/fhir+json"},
	} {
		for _, path := range []string{"/api/v1/fhir/AuditEvent/" + strconv.Itoa(ids[0]), "/api/v1/fhir/AuditEvent?_count=1"} {
			req, _ := http.NewRequest("GET", a.srv.URL+path, nil)
			req.Header.Set(ActorHeader, "auditor.avery")
			req.Header.Set("Accept", c.accept)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != c.status || !strings.HasPrefix(resp.Header.Get("Content-Type"), c.ctype) {
				t.Errorf("GET %s, Accept %s: %d %s, want %d %s", path, c.accept, resp.StatusCode, resp.Header.Get("Content-Type"), c.status, c.ctype)
			}
		}
	}

	// _format overrides Accept, both ways: JSON is served whatever Accept
	// says, XML is not served (406 on a read; a search refuses it, 400).
	for _, c := range []struct {
		path   string
		status int
	}{
		{"/api/v1/fhir/AuditEvent/" + strconv.Itoa(ids[0]) + "?_format=json", 200},
		{"/api/v1/fhir/AuditEvent?_count=1&_format=json", 200},
		{"/api/v1/fhir/AuditEvent/" + strconv.Itoa(ids[0]) + "?_format=xml", 406},
		{"/api/v1/fhir/AuditEvent?_count=1&_format=xml", 400},
	} {
		req, _ := http.NewRequest("GET", a.srv.URL+c.path, nil)
		req.Header.Set(ActorHeader, "auditor.avery")
		req.Header.Set("Accept", "text/html")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != c.status {
			t.Errorf("GET %s, Accept text/html: %d, want %d", c.path, resp.StatusCode, c.status)
		}
	}

	// By agent and date.
	_, _, b := a.fhirGet("/api/v1/fhir/AuditEvent?agent=clerk.ana&date=ge2026-03-02&date=le2026-03-02")
	if entries, _ := b["entry"].([]any); len(entries) == 0 {
		t.Errorf("clerk.ana's events today: none: %v", b)
	}
	_, _, b = a.fhirGet("/api/v1/fhir/AuditEvent?agent=clerk.ana&date=lt2026-03-01")
	if entries, _ := b["entry"].([]any); len(entries) != 0 {
		t.Errorf("clerk.ana's events before March: %d", len(entries))
	}

	// Refused, naming the parameter and not repeating the value.
	for _, q := range []string{"date=Zebediah", "_count=0", "_count=501", "patient=Zebediah", "name=Zebediah", "_cursor=-1", "agent=a&agent=b"} {
		status, _, e := a.fhirGet("/api/v1/fhir/AuditEvent?" + q)
		raw, _ := json.Marshal(e)
		if status != 400 || strings.Contains(string(raw), "Zebediah") || issueCode(e) != "invalid" {
			t.Errorf("?%s: %d %s", q, status, raw)
		}
	}

	// The searches and the read are views by the auditor in the ledger.
	if err := a.desk.Flush(t.Context()); err != nil {
		t.Fatal(err)
	}
	status, _, b = a.fhirGet("/api/v1/fhir/AuditEvent?agent=auditor.avery&_count=500")
	entries, _ := b["entry"].([]any)
	if status != 200 || len(entries) < len(ids)+1 {
		t.Errorf("the auditor's own views: %d entries (status %d), want at least %d", len(entries), status, len(ids)+1)
	}
}

// issueCode is the first issue's code of an OperationOutcome, "" for
// anything else.
func issueCode(b map[string]any) string {
	if b["resourceType"] != "OperationOutcome" {
		return ""
	}
	issues, _ := b["issue"].([]any)
	if len(issues) == 0 {
		return ""
	}
	code, _ := issues[0].(map[string]any)["code"].(string)
	return code
}

// TestAPIFHIRInterface: a FHIR client's first call, the CapabilityStatement,
// answers without signing in and describes the AuditEvent interface; every
// error under /api/v1/fhir/ is an OperationOutcome carrying the request ID,
// unknown paths and wrong methods included; the rest of the API keeps the
// desk's JSON errors.
func TestAPIFHIRInterface(t *testing.T) {
	e := newWebEnv(t, webSetup{SignIn: true})
	get := func(path string, header ...string) (*http.Response, map[string]any) {
		t.Helper()
		req, _ := http.NewRequest("GET", e.srv.URL+path, nil)
		req.Header.Set("Accept", "application/fhir+json")
		for i := 0; i+1 < len(header); i += 2 {
			req.Header.Set(header[i], header[i+1])
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var out map[string]any
		if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
			t.Fatalf("GET %s: %d, not JSON: %v", path, resp.StatusCode, err)
		}
		return resp, out
	}

	resp, cs := get("/api/v1/fhir/metadata") // nobody signed in
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != fhirJSON || cs["resourceType"] != "CapabilityStatement" || cs["fhirVersion"] != "4.0.1" {
		t.Fatalf("metadata: %d %s %v", resp.StatusCode, resp.Header.Get("Content-Type"), cs)
	}
	rest := cs["rest"].([]any)[0].(map[string]any)
	res := rest["resource"].([]any)[0].(map[string]any)
	var params []string
	for _, p := range res["searchParam"].([]any) {
		params = append(params, p.(map[string]any)["name"].(string))
	}
	// The statement lists exactly what the search takes (auditSearchParams),
	// but for the paging and format parameters.
	var served []string
	for p := range auditSearchParams {
		if p != "_cursor" && p != "_until" && p != "_format" {
			served = append(served, p)
		}
	}
	slices.Sort(params)
	slices.Sort(served)
	if res["type"] != "AuditEvent" || !slices.Equal(params, served) {
		t.Errorf("metadata describes %v with %v; the search takes %v", res["type"], params, served)
	}
	if impl := cs["implementation"].(map[string]any); !strings.HasSuffix(impl["url"].(string), "/api/v1/fhir") {
		t.Errorf("implementation url %v", impl["url"])
	}

	for _, c := range []struct {
		method, path string
		header       []string
		status       int
		issue        string
	}{
		{"GET", "/api/v1/fhir/AuditEvent", nil, 401, "login"},
		{"GET", "/api/v1/fhir/AuditEvent/1", nil, 401, "login"},
		{"GET", "/api/v1/fhir/Patient", nil, 404, "not-found"},
		{"POST", "/api/v1/fhir/AuditEvent", nil, 405, "not-supported"},
		{"GET", "/api/v1/fhir/metadata?_format=xml", nil, 406, "not-supported"},
	} {
		req, _ := http.NewRequest(c.method, e.srv.URL+c.path, nil)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var out map[string]any
		json.NewDecoder(resp.Body).Decode(&out)
		resp.Body.Close()
		id := resp.Header.Get(RequestIDHeader)
		issues, _ := out["issue"].([]any)
		diag := ""
		if len(issues) > 0 {
			diag, _ = issues[0].(map[string]any)["diagnostics"].(string)
		}
		if resp.StatusCode != c.status || resp.Header.Get("Content-Type") != fhirJSON || issueCode(out) != c.issue || id == "" || !strings.Contains(diag, id) {
			t.Errorf("%s %s: %d %s %v, want %d and an OperationOutcome %s naming request %s", c.method, c.path, resp.StatusCode, resp.Header.Get("Content-Type"), out, c.status, c.issue, id)
		}
	}

	// Outside /api/v1/fhir/ the errors stay the desk's JSON.
	resp, out := get("/api/v1/requests")
	if resp.StatusCode != 401 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") || out["error"] == nil {
		t.Errorf("/api/v1/requests signed out: %d %s %v", resp.StatusCode, resp.Header.Get("Content-Type"), out)
	}
}
