package main

import (
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/custodian-roi/custodian/internal/workflow"
)

func TestParseTrustedProxies(t *testing.T) {
	got, err := parseTrustedProxies("10.0.0.0/24, 192.0.2.7 2001:db8::/32,")
	if err != nil {
		t.Fatal(err)
	}
	want := []netip.Prefix{netip.MustParsePrefix("10.0.0.0/24"), netip.MustParsePrefix("192.0.2.7/32"), netip.MustParsePrefix("2001:db8::/32")}
	if len(got) != len(want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("entry %d: %v, want %v", i, got[i], want[i])
		}
	}
	if got, err := parseTrustedProxies(""); err != nil || len(got) != 0 {
		t.Errorf("empty: %v %v", got, err)
	}
	for _, bad := range []string{"proxy.example.org", "10.0.0.0/33", "10.0.0"} {
		if _, err := parseTrustedProxies(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

// TestTrustedProxiesConfig: the configuration's trusted_proxies is read
// (and accepted by configure's strict decoder); no file or no key is none.
func TestTrustedProxiesConfig(t *testing.T) {
	file := filepath.Join(t.TempDir(), "config.json")
	os.WriteFile(file, []byte(`{"organization":{"name":"Test Hospital"},"trusted_proxies":["10.0.0.5","10.0.1.0/24"]}`), 0o600)
	if err := configure(workflow.New(nil), file, configEnv); err != nil {
		t.Fatalf("configure refuses trusted_proxies: %v", err)
	}
	got, err := trustedProxiesOf(file)
	if err != nil || got != "10.0.0.5,10.0.1.0/24" {
		t.Errorf("trustedProxiesOf = %q, %v", got, err)
	}
	if p, err := parseTrustedProxies(got); err != nil || len(p) != 2 {
		t.Errorf("parsed %v, %v", p, err)
	}
	if got, err := trustedProxiesOf(""); got != "" || err != nil {
		t.Errorf("no file: %q %v", got, err)
	}
}

// TestServeRefusesBadTrustedProxies: a value that is not a network or an
// address stops serve (exit 2, naming where it came from), from the flag
// and from the configuration alike; nothing listens.
func TestServeRefusesBadTrustedProxies(t *testing.T) {
	code, out, errs := runCmd(t, "", "serve", "--data", t.TempDir(), "--addr", "127.0.0.1:0", "--public-url", "https://records.example.org",
		"--trusted-proxies", "10.0.0.5,proxy.example.org")
	if code != 2 || !strings.Contains(errs, "--trusted-proxies") || !strings.Contains(errs, "proxy.example.org") || strings.Contains(out, "listening") {
		t.Errorf("flag: exit %d, stdout %q, stderr %q", code, out, errs)
	}
	file := writeConfig(t, `{"organization":{"name":"Riverbend Health","public_url":"https://records.example.org"},"trusted_proxies":["10.0.0.0/33"]}`)
	code, out, errs = runCmd(t, "", "serve", "--data", t.TempDir(), "--addr", "127.0.0.1:0", "--config", file)
	if code != 2 || !strings.Contains(errs, "trusted_proxies") || strings.Contains(out, "listening") {
		t.Errorf("configuration: exit %d, stdout %q, stderr %q", code, out, errs)
	}
}
