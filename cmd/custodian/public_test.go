package main

import (
	"context"
	"net"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/custodian-roi/custodian/internal/workflow"
)

// TestConfigurePublicURL: public_url is read, portal_url (its older name)
// still works, the two may not disagree, and a bad address is refused
// naming the member.
func TestConfigurePublicURL(t *testing.T) {
	for _, tc := range []struct {
		name, org, want, err string
	}{
		{"public_url", `"public_url": "https://records.riverbend.example/"`, "https://records.riverbend.example", ""},
		{"portal_url still read", `"portal_url": "https://old.riverbend.example"`, "https://old.riverbend.example", ""},
		{"both, the same", `"public_url": "https://r.example", "portal_url": "https://r.example/"`, "https://r.example", ""},
		{"both, different", `"public_url": "https://r.example", "portal_url": "https://s.example"`, "", "organization.public_url and organization.portal_url"},
		{"not http", `"public_url": "ftp://r.example"`, "", "organization.public_url must be an absolute http(s) URL"},
		{"relative", `"public_url": "/records"`, "", "organization.public_url must be an absolute"},
		{"old name, bad", `"portal_url": "javascript:alert(1)"`, "", "organization.portal_url must be"},
		{"fragment", `"public_url": "https://r.example/#x"`, "", "organization.public_url must not carry a query or fragment"},
		{"none", ``, "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			org := `"name": "Riverbend Health"`
			if tc.org != "" {
				org += ", " + tc.org
			}
			desk := workflow.New(nil)
			err := configure(desk, writeConfig(t, `{"organization": {`+org+`}}`), configEnv)
			switch {
			case tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err)):
				t.Errorf("error %v, want one saying %q", err, tc.err)
			case tc.err == "" && err != nil:
				t.Errorf("refused: %v", err)
			case tc.err == "" && desk.Org.PortalURL != tc.want:
				t.Errorf("public address %q, want %q", desk.Org.PortalURL, tc.want)
			}
		})
	}
}

// TestServeRequiresPublicURL: outside the demo, serve refuses to start
// without a public address, saying which key to set, and listens on
// nothing; with one (flag, environment or configuration) it starts and
// says which address its links use.
func TestServeRequiresPublicURL(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	code, out, errs := runCmd(t, "", "serve", "--data", t.TempDir(), "--addr", addr)
	if code != exitUsage || !strings.Contains(errs, "organization.public_url") || !strings.Contains(errs, "--public-url") ||
		strings.Contains(out, "listening") {
		t.Errorf("no public address: exit %d, stdout %q, stderr %q", code, out, errs)
	}
	if c, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
		c.Close()
		t.Errorf("something listens on %s after the refusal", addr)
	}
	// A bad flag is refused before anything opens.
	code, _, errs = runCmd(t, "", "serve", "--data", t.TempDir(), "--addr", "127.0.0.1:0", "--public-url", "records.example.org")
	if code != exitUsage || !strings.Contains(errs, "--public-url must be an absolute") {
		t.Errorf("bad --public-url: exit %d, stderr %q", code, errs)
	}

	cfg := writeConfig(t, `{"organization": {"name": "Riverbend Health", "public_url": "https://from-config.example"}}`)
	for _, tc := range []struct {
		name string
		args []string
		env  map[string]string
		want string
	}{
		{"flag", []string{"--public-url", "https://records.example.org/"}, nil, "https://records.example.org"},
		{"environment", nil, map[string]string{"CUSTODIAN_PUBLIC_URL": "https://env.example.org"}, "https://env.example.org"},
		{"configuration", []string{"--config", cfg}, nil, "https://from-config.example"},
		{"flag over configuration", []string{"--config", cfg, "--public-url", "https://flag.example"}, nil, "https://flag.example"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, code := serveUntil(t, append([]string{"serve", "--data", t.TempDir(), "--addr", "127.0.0.1:0"}, tc.args...),
				func(k string) string { return tc.env[k] }, regexp.MustCompile(`public address (\S+)`))
			if code != exitOK {
				t.Fatalf("exit %d: %s", code, out)
			}
			if m := regexp.MustCompile(`public address (\S+)`).FindStringSubmatch(out); m == nil || m[1] != tc.want {
				t.Errorf("started with %v, want public address %s: %s", m, tc.want, out)
			}
		})
	}
}

// TestServeDemoPublicURL: the demo's links use the address it actually
// listens on, not a guessed localhost:8080.
func TestServeDemoPublicURL(t *testing.T) {
	re := regexp.MustCompile(`Links for requesters \(download, status\) start with (\S+)`)
	out, code := serveUntil(t, []string{"serve", "--demo", "--addr", "127.0.0.1:0", "--data", t.TempDir()},
		func(string) string { return "" }, re)
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, out)
	}
	m := re.FindStringSubmatch(out)
	l := regexp.MustCompile(`Listening on (http://127\.0\.0\.1:(\d+))`).FindStringSubmatch(out)
	if m == nil || l == nil || m[1] != l[1] || l[2] == "0" || l[2] == "8080" {
		t.Errorf("demo links start with %v, listening on %v:\n%s", m, l, out)
	}
}

func TestListenBase(t *testing.T) {
	bound := &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 43210}
	for addr, want := range map[string]string{
		"127.0.0.1:0":    "http://127.0.0.1:43210",
		"localhost:0":    "http://localhost:43210",
		":8080":          "http://127.0.0.1:43210",
		"0.0.0.0:8080":   "http://127.0.0.1:43210",
		"[::]:8080":      "http://127.0.0.1:43210",
		"[::1]:0":        "http://[::1]:43210",
		"desk.lan:43210": "http://desk.lan:43210",
	} {
		if got := listenBase(addr, bound); got != want {
			t.Errorf("listenBase(%q) = %q, want %q", addr, got, want)
		}
	}
}

// serveUntil runs serve until its output matches ready, then stops it and
// returns what it printed and its exit code.
func serveUntil(t *testing.T, args []string, getenv func(string) string, ready *regexp.Regexp) (string, int) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var out, errb syncBuffer
	done := make(chan int, 1)
	go func() { done <- run(ctx, args, nil, &out, &errb, getenv) }()
	for i := 0; i < 400 && !ready.MatchString(out.String()); i++ {
		select {
		case code := <-done:
			return out.String() + errb.String(), code
		case <-time.After(25 * time.Millisecond):
		}
	}
	cancel()
	select {
	case code := <-done:
		return out.String() + errb.String(), code
	case <-time.After(20 * time.Second):
		t.Fatal("serve did not stop")
	}
	return "", -1
}
