package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"
)

// TestInsecureCookiesOnlyOnLoopback: a session cookie without Secure
// crosses the network in clear text, so serve refuses --insecure-cookies
// (and the demo, which implies it) on any address but loopback, before
// it opens anything; on loopback the check lets it through.
func TestInsecureCookiesOnlyOnLoopback(t *testing.T) {
	for _, addr := range []string{"0.0.0.0:0", ":0", "[::]:0"} {
		for _, flag := range []string{"--insecure-cookies", "--demo"} {
			args := []string{"serve", flag, "--data", t.TempDir(), "--addr", addr}
			if flag != "--demo" {
				args = append(args, "--public-url", "https://records.example.org")
			}
			// A server that wrongly starts is stopped after a while.
			ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
			var outb, errb bytes.Buffer
			code := run(ctx, args, strings.NewReader(""), &outb, &errb, func(string) string { return "" })
			cancel()
			out, errs := outb.String(), errb.String()
			if code != exitUsage || !strings.Contains(errs, "loopback") || strings.Contains(out, "listening") {
				t.Errorf("%s on %s: exit %d, stdout %q, stderr %q", flag, addr, code, out, errs)
			}
		}
	}
	for _, addr := range []string{"127.0.0.1:8080", "[::1]:8080", "localhost:8080", "127.0.0.2:1"} {
		if !loopbackAddr(addr) {
			t.Errorf("%s is loopback", addr)
		}
	}
	for _, addr := range []string{"0.0.0.0:8080", ":8080", "10.0.0.1:80", "localhost.example.org:80", "bad"} {
		if loopbackAddr(addr) {
			t.Errorf("%s is not loopback", addr)
		}
	}
}
