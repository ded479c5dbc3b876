package web

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"strconv"
	"strings"
	"testing"
)

// TestAPIListPages: the API list answers open requests by default, one
// page at a time, every request exactly once across the pages.
func TestAPIListPages(t *testing.T) {
	a := newAPI(t)
	var ids []int
	for i := 0; i < 5; i++ {
		out := a.want(201, "POST", "/api/v1/requests", `{"patient":"MRN-77","received":"2026-02-0`+strconv.Itoa(i+1)+`",
			"requester":{"kind":"patient","name":"Z Q"},"basis":"access","delivery":"portal","contact":"zq@example.org"}`)
		ids = append(ids, int(out["request"].(map[string]any)["id"].(float64)))
	}
	// Cancel one: it leaves the open list, not the full one.
	out := a.want(200, "GET", "/api/v1/requests/"+strconv.Itoa(ids[0]), "")
	a.want(200, "POST", "/api/v1/requests/"+strconv.Itoa(ids[0])+"/cancel", `{"version":`+strconv.Itoa(version(out))+`,"reason":"duplicate"}`)

	walk := func(query string) []int {
		t.Helper()
		var got []int
		after := ""
		for pages := 0; pages < 10; pages++ {
			q := query + "&limit=2"
			if after != "" {
				q += "&after=" + url.QueryEscape(after)
			}
			out := a.want(200, "GET", "/api/v1/requests?"+q, "")
			rs := out["requests"].([]any)
			if len(rs) > 2 {
				t.Fatalf("a page of %d with limit 2", len(rs))
			}
			for _, r := range rs {
				got = append(got, int(r.(map[string]any)["id"].(float64)))
			}
			next, _ := out["next"].(string)
			if next == "" {
				return got
			}
			after = next
		}
		t.Fatal("the pages never ended")
		return nil
	}
	open := walk("open=true")
	if len(open) != 4 {
		t.Errorf("open requests across pages: %v, want 4", open)
	}
	for _, id := range open {
		if id == ids[0] {
			t.Errorf("the cancelled request %d is in the open list", id)
		}
	}
	all := walk("open=false")
	seen := map[int]bool{}
	for _, id := range all {
		if seen[id] {
			t.Errorf("request %d on two pages", id)
		}
		seen[id] = true
	}
	if len(all) != 5 {
		t.Errorf("all requests across pages: %v, want 5", all)
	}
	if got := walk(""); len(got) != len(open) {
		t.Errorf("default list %v, want the open ones %v", got, open)
	}
	for _, bad := range []string{"limit=0", "limit=201", "limit=x", "after=nonsense"} {
		if code, out := a.do("GET", "/api/v1/requests?"+bad, ""); code != 400 {
			t.Errorf("%s: %d %v, want 400", bad, code, out)
		}
	}
}

// TestAccessLog: views of a request are kept out of its history and
// listed in its access log, with who looked and at what.
func TestAccessLog(t *testing.T) {
	a := newAPI(t)
	out := a.want(201, "POST", "/api/v1/requests", `{"patient":"MRN-77","received":"2026-03-02",
		"requester":{"kind":"patient","name":"Z Q"},"basis":"access","delivery":"portal","contact":"zq@example.org"}`)
	base := "/api/v1/requests/" + strconv.Itoa(int(out["request"].(map[string]any)["id"].(float64)))
	for i := 0; i < 3; i++ {
		out = a.want(200, "GET", base, "", ActorHeader, "clerk.bo")
	}
	for _, h := range out["history"].([]any) {
		if k := h.(map[string]any)["kind"]; k == "view" {
			t.Errorf("the history holds a view: %v", h)
		}
	}
	log := a.want(200, "GET", base+"/access", "", ActorHeader, "privacy.pat")["access"].([]any)
	n := 0
	for _, e := range log {
		m := e.(map[string]any)
		if m["actor"] == "clerk.bo" && m["what"] == "request" {
			n++
		}
		if m["at"] == nil || m["seq"] == nil {
			t.Errorf("an access entry without time or sequence: %v", m)
		}
	}
	if n != 3 {
		t.Errorf("clerk.bo's views in the access log: %d, want 3: %v", n, log)
	}
	// Reading the log is a view too; last limits the answer to the newest.
	log = a.want(200, "GET", base+"/access?last=1", "", ActorHeader, "privacy.pat")["access"].([]any)
	if len(log) != 1 || log[0].(map[string]any)["actor"] != "privacy.pat" || log[0].(map[string]any)["what"] != "access-log" {
		t.Errorf("the newest view: %v", log)
	}
	if code, _ := a.do("GET", base+"/access?last=0", ""); code != 400 {
		t.Errorf("last=0: %d, want 400", code)
	}
	if code, _ := a.do("GET", "/api/v1/requests/999999/access", ""); code != 404 {
		t.Errorf("the access log of no request: %d, want 404", code)
	}
}

// TestAbandonedIsNotAFailure: a client that went away is logged once at
// Info, not as an internal error to chase; a real failure still is one.
func TestAbandonedIsNotAFailure(t *testing.T) {
	var buf bytes.Buffer
	log := slog.New(slog.NewJSONHandler(&buf, nil))
	info := &reqInfo{id: "abc123", method: "GET", route: "GET /{$}"}
	logFailure(log, info, 500, fmt.Errorf("store: requests: %w", context.Canceled))
	if s := buf.String(); !strings.Contains(s, `"level":"INFO"`) || strings.Contains(s, "request failed") {
		t.Errorf("an abandoned request logged as %s", s)
	}
	buf.Reset()
	logFailure(log, info, 500, errors.New("disk on fire"))
	if s := buf.String(); !strings.Contains(s, `"level":"ERROR"`) || !strings.Contains(s, "request failed") {
		t.Errorf("a failure logged as %s", s)
	}
}
