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
		{"text/html", 406, "application/json"},
		{"application/fhir+json;q=0, application/json;q=0", 406, "application/json"},
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
		if status != 400 || strings.Contains(string(raw), "Zebediah") {
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
