package web

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/custodian-roi/custodian/internal/auth"
)

// TestRolesAgainstRoutes signs in one real account per role and sends
// every protected route a request as each of them: a role without the
// route's permission is refused with 403 before the handler runs; a role
// with it is never refused for its role; nobody signed in gets 401 (API)
// or the sign-in page (pages).
func TestRolesAgainstRoutes(t *testing.T) {
	ctx := context.Background()
	// Real sign-in with bearer tokens: no cookies, so Secure ones are fine.
	e := newWebEnv(t, webSetup{SignIn: true})
	srv, svc := e.srv, e.auth
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

	post := func(path string, body any) map[string]any {
		b, _ := json.Marshal(body)
		resp, err := client.Post(srv.URL+path, "application/json", bytes.NewReader(b))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var v map[string]any
		json.NewDecoder(resp.Body).Decode(&v)
		return v
	}
	tokens := map[auth.Role]string{}
	for _, role := range auth.Roles {
		name := "user-" + string(role)
		u, _, err := svc.AddUser(ctx, name, name, role, "a long enough passphrase")
		if err != nil {
			t.Fatal(err)
		}
		pending, _ := post("/api/v1/session", map[string]string{"username": name, "password": "a long enough passphrase"})["pending"].(string)
		code, _ := auth.TOTPCode(u.TOTPSecret, time.Now())
		tok, _ := post("/api/v1/session/code", map[string]string{"pending": pending, "code": code})["token"].(string)
		if tok == "" {
			t.Fatalf("%s could not sign in", role)
		}
		tokens[role] = tok
	}

	send := func(rt route, token string) *http.Response {
		path := strings.NewReplacer("{id}", "1", "{doc}", "1", "{packet}", "1", "{kind}", "cover", "{$}", "").Replace(rt.pattern)
		req, _ := http.NewRequest(rt.method, srv.URL+path, strings.NewReader("{}"))
		req.Header.Set("Content-Type", "application/json")
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return resp
	}
	checked := 0
	for _, rt := range routes {
		if rt.perm == "" {
			continue
		}
		anon := send(rt, "")
		if strings.HasPrefix(rt.pattern, "/api/") {
			if anon.StatusCode != http.StatusUnauthorized {
				t.Errorf("%s %s without a session: %d, want 401", rt.method, rt.pattern, anon.StatusCode)
			}
		} else if anon.StatusCode != http.StatusSeeOther || anon.Header.Get("Location") != "/login" {
			t.Errorf("%s %s without a session: %d to %q, want the sign-in page", rt.method, rt.pattern, anon.StatusCode, anon.Header.Get("Location"))
		}
		for _, role := range auth.Roles {
			resp := send(rt, tokens[role])
			allowed := auth.Can(role, rt.perm)
			switch {
			case !allowed && resp.StatusCode != http.StatusForbidden:
				t.Errorf("%s %s as %s: %d, want 403", rt.method, rt.pattern, role, resp.StatusCode)
			case allowed && (resp.StatusCode == http.StatusForbidden || resp.StatusCode == http.StatusUnauthorized):
				t.Errorf("%s %s as %s: %d, but the role may", rt.method, rt.pattern, role, resp.StatusCode)
			}
			checked++
		}
	}
	if checked < 200 {
		t.Errorf("only %d route × role checks", checked)
	}
	// A session ends at sign-out.
	req, _ := http.NewRequest("POST", srv.URL+"/api/v1/session/logout", nil)
	req.Header.Set("Authorization", "Bearer "+tokens[auth.RoleAuditor])
	if resp, err := client.Do(req); err != nil || resp.StatusCode != http.StatusNoContent {
		t.Fatalf("logout: %v", err)
	}
	if resp := send(route{method: "GET", pattern: "/api/v1/requests"}, tokens[auth.RoleAuditor]); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("after logout: %d, want 401", resp.StatusCode)
	}
}
