package main

import (
	"bytes"
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/custodian-roi/custodian/internal/audit"
	"github.com/custodian-roi/custodian/internal/roi"
	"github.com/custodian-roi/custodian/internal/store"
	"github.com/custodian-roi/custodian/internal/syslog/syslogtest"
)

// TestServeAuditFlagsRefuseHalfConfigurations: forwarding without a CA,
// TLS files without a collector, a key without its certificate: serve
// stops at once, naming the flag.
func TestServeAuditFlagsRefuseHalfConfigurations(t *testing.T) {
	pki := syslogtest.NewPKI(t)
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--audit-syslog", "127.0.0.1:6514"}, "CA file"},
		{[]string{"--audit-syslog-ca", pki.CAFile}, "need --audit-syslog"},
		{[]string{"--audit-syslog", "127.0.0.1:6514", "--audit-syslog-ca", pki.CAFile, "--audit-syslog-key", pki.KeyFile}, "both its certificate and its key"},
		{[]string{"--audit-syslog", "collector", "--audit-syslog-ca", pki.CAFile}, "host:port"},
	} {
		var out, errb syncBuffer
		args := append([]string{"serve", "--db", filepath.Join(t.TempDir(), "c.db"), "--addr", "127.0.0.1:0", "--public-url", "https://records.example.org"}, c.args...)
		code := run(context.Background(), args, nil, &out, &errb, func(string) string { return "" })
		if code != exitUsage || !strings.Contains(errb.String(), c.want) {
			t.Errorf("%v: exit %d, stderr %q; want usage naming %q", c.args, code, errb.String(), c.want)
		}
	}
}

// TestServeForwardsAudit: serve with --audit-syslog sends the ledger, as
// AuditEvents named by --audit-source, to a real mutual-TLS collector.
func TestServeForwardsAudit(t *testing.T) {
	pki := syslogtest.NewPKI(t)
	col := syslogtest.Start(t, pki)
	db := filepath.Join(t.TempDir(), "c.db")
	s, err := store.Open(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	for _, k := range []roi.EventKind{roi.EventLogin, roi.EventLoginFailed, roi.EventLogout} {
		if err := s.Append(context.Background(), roi.Event{Kind: k, Actor: "alice"}); err != nil {
			t.Fatal(err)
		}
	}
	s.Close()

	ctx, cancel := context.WithCancel(context.Background())
	var out, errb syncBuffer
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, []string{"serve", "--db", db, "--addr", "127.0.0.1:0", "--public-url", "https://records.example.org",
			"--audit-source", "desk-7.example.org", "--audit-syslog", col.Addr, "--audit-syslog-ca", pki.CAFile,
			"--audit-syslog-cert", pki.CertFile, "--audit-syslog-key", pki.KeyFile}, nil, &out, &errb, func(string) string { return "" })
	}()
	defer func() {
		cancel()
		select {
		case <-done:
		case <-time.After(30 * time.Second):
			t.Error("serve did not stop")
		}
	}()
	err = col.Wait(30*time.Second, func(m [][]byte) bool { return len(m) >= 3 })
	if err != nil {
		t.Fatalf("the collector got %d messages: %v\n%s", len(col.Messages()), err, errb.String())
	}
	var kinds []string
	for _, m := range col.Messages()[:3] {
		_, body, _ := bytes.Cut(m, []byte("\ufeff"))
		var ev audit.AuditEvent
		if err := json.Unmarshal(body, &ev); err != nil {
			t.Fatalf("%q: %v", m, err)
		}
		if ev.Source == nil || ev.Source.Observer.Identifier.Value != "desk-7.example.org" || !bytes.Contains(m, []byte(" desk-7.example.org custodian ")) {
			t.Errorf("event %s is not named by --audit-source: %q", ev.ID, m)
		}
		kinds = append(kinds, ev.Subtype[0].Code+"/"+ev.Outcome)
	}
	if strings.Join(kinds, " ") != "110122/0 110122/4 110123/0" {
		t.Errorf("forwarded login, failed login, logout as %v", kinds)
	}
}

// TestLedgerVerifyProvesAnAuditEvent: `ledger verify --entry N` prints,
// after the whole chain verifies, the hash that AuditEvent N carries; an
// entry the ledger does not have is a failure, not a silence.
func TestLedgerVerifyProvesAnAuditEvent(t *testing.T) {
	ctx := context.Background()
	db := filepath.Join(t.TempDir(), "c.db")
	s, err := store.Open(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	for _, a := range []string{"alice", "bob", "carol"} {
		if err := s.Append(ctx, roi.Event{Kind: roi.EventLogin, Actor: a}); err != nil {
			t.Fatal(err)
		}
	}
	e, err := s.LedgerEntry(ctx, 2)
	s.Close()
	if err != nil {
		t.Fatal(err)
	}
	ev := audit.Event(e, audit.Site{Observer: "desk"})
	var hash string
	for _, en := range ev.Entity {
		if en.What != nil && en.What.Identifier != nil && en.What.Identifier.System == audit.SystemLedgerEntry && en.What.Identifier.Value == ev.ID {
			for _, d := range en.Detail {
				if d.Type == "hash" {
					hash = d.ValueString
				}
			}
		}
	}
	if hash == "" {
		t.Fatalf("AuditEvent %s carries no ledger hash", ev.ID)
	}
	var out, errb syncBuffer
	code := run(ctx, []string{"ledger", "verify", "--db", db, "--entry", ev.ID}, nil, &out, &errb, func(string) string { return "" })
	if code != exitOK || !strings.Contains(out.String(), "ledger intact: 3 entries verify") || !strings.Contains(out.String(), "entry 2 (login, recorded ") ||
		!strings.Contains(out.String(), "hash "+hash+",") {
		t.Errorf("ledger verify --entry 2: exit %d\n%s%s", code, out.String(), errb.String())
	}
	var out2, errb2 syncBuffer
	if code := run(ctx, []string{"ledger", "verify", "--db", db, "--entry", "9"}, nil, &out2, &errb2, func(string) string { return "" }); code == exitOK || !strings.Contains(errb2.String(), "no entry 9") {
		t.Errorf("an entry the ledger lacks: exit %d, %q", code, errb2.String())
	}
}
