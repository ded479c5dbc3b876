package syslog_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"testing"
	"time"

	"github.com/custodian-roi/custodian/internal/syslog"
	"github.com/custodian-roi/custodian/internal/syslog/syslogtest"
)

// rfc5424 is the header RFC 5424 section 6 defines, as Append writes it
// (no structured data), then the BOM.
var rfc5424 = regexp.MustCompile(`^<(\d{1,3})>1 (\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z|-) ([!-~]{1,255}) ([!-~]{1,48}) ([!-~]{1,128}) ([!-~]{1,32}) - \x{FEFF}`)

func TestMessageFormat(t *testing.T) {
	m := syslog.Message{Priority: syslog.PriorityAudit, Time: time.Date(2026, 3, 2, 12, 0, 0, 5000, time.FixedZone("x", 3600)),
		Hostname: "desk.example.org", AppName: "custodian", ProcID: "", MsgID: "AuditEvent", Body: []byte(`{"id":"1"}`)}
	got := string(m.Append(nil))
	want := "<85>1 2026-03-02T11:00:00.000005Z desk.example.org custodian - AuditEvent - \ufeff{\"id\":\"1\"}"
	if got != want {
		t.Errorf("message\n got %q\nwant %q", got, want)
	}
	if !rfc5424.MatchString(got) {
		t.Errorf("not RFC 5424: %q", got)
	}
	// Header fields with spaces or control characters would split the
	// header: they are dropped, and an empty field is NILVALUE.
	odd := string(syslog.Message{Priority: 85, Hostname: "a b\nc", AppName: "\x00"}.Append(nil))
	if !rfc5424.MatchString(odd) || !bytes.Contains([]byte(odd), []byte(" abc - ")) {
		t.Errorf("odd fields: %q", odd)
	}
	if f := string(syslog.Frame(nil, []byte("héllo"))); f != "6 héllo" {
		t.Errorf("octet counting counts bytes: %q", f)
	}
}

func TestConfigRefusesWhatCannotWork(t *testing.T) {
	pki := syslogtest.NewPKI(t)
	notPEM := filepath.Join(t.TempDir(), "x.pem")
	os.WriteFile(notPEM, []byte("nope"), 0o600)
	for name, c := range map[string]syslog.Config{
		"no address":      {CAFile: pki.CAFile},
		"no port":         {Addr: "collector", CAFile: pki.CAFile},
		"no CA":           {Addr: "collector:6514"},
		"CA not PEM":      {Addr: "collector:6514", CAFile: notPEM},
		"CA missing":      {Addr: "collector:6514", CAFile: notPEM + ".gone"},
		"cert, no key":    {Addr: "collector:6514", CAFile: pki.CAFile, CertFile: pki.CertFile},
		"key, no cert":    {Addr: "collector:6514", CAFile: pki.CAFile, KeyFile: pki.KeyFile},
		"cert not a cert": {Addr: "collector:6514", CAFile: pki.CAFile, CertFile: notPEM, KeyFile: pki.KeyFile},
	} {
		if _, err := c.TLS(); !errors.Is(err, syslog.ErrConfig) {
			t.Errorf("%s: %v, want a configuration error", name, err)
		}
	}
	conf, err := syslog.Config{Addr: "collector:6514", CAFile: pki.CAFile, CertFile: pki.CertFile, KeyFile: pki.KeyFile}.TLS()
	if err != nil || conf.ServerName != "collector" || len(conf.Certificates) != 1 || conf.InsecureSkipVerify {
		t.Errorf("good configuration: %+v, %v", conf, err)
	}
}

// TestSendOverMutualTLS: messages reach a real TLS collector, framed; a
// desk without a client certificate, or trusting another CA, gets nothing
// through and is told so.
func TestSendOverMutualTLS(t *testing.T) {
	pki := syslogtest.NewPKI(t)
	col := syslogtest.Start(t, pki)
	ctx := context.Background()
	cfg := syslog.Config{Addr: col.Addr, CAFile: pki.CAFile, CertFile: pki.CertFile, KeyFile: pki.KeyFile, Timeout: 5 * time.Second}
	conf, err := cfg.TLS()
	if err != nil {
		t.Fatal(err)
	}
	c, err := syslog.Dial(ctx, cfg, conf)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	msgs := []syslog.Message{{Priority: 85, AppName: "custodian", Body: []byte("one")}, {Priority: 85, AppName: "custodian", Body: []byte("two\nlines")}}
	if err := c.Write(msgs...); err != nil {
		t.Fatal(err)
	}
	if err := col.Wait(5*time.Second, func(m [][]byte) bool { return len(m) == 2 }); err != nil {
		t.Fatalf("collector has %d messages: %v", len(col.Messages()), err)
	}
	got := col.Messages()
	if !bytes.HasSuffix(got[0], []byte("\ufeffone")) || !bytes.HasSuffix(got[1], []byte("\ufefftwo\nlines")) || !rfc5424.Match(got[0]) {
		t.Errorf("received %q", got)
	}

	// No client certificate: the collector refuses, and the write says so.
	noCert := cfg
	noCert.CertFile, noCert.KeyFile = "", ""
	conf2, _ := noCert.TLS()
	if c2, err := syslog.Dial(ctx, noCert, conf2); err == nil {
		err = c2.Write(syslog.Message{Priority: 85, Body: []byte("three")})
		c2.Close()
		if err == nil {
			t.Error("a desk without a client certificate was told its message went")
		}
	}
	// Another CA: the desk refuses the collector.
	other := syslogtest.NewPKI(t)
	wrongCA := cfg
	wrongCA.CAFile = other.CAFile
	conf3, _ := wrongCA.TLS()
	if c3, err := syslog.Dial(ctx, wrongCA, conf3); err == nil {
		c3.Close()
		t.Error("a collector whose certificate the CA did not issue was accepted")
	}
	time.Sleep(100 * time.Millisecond)
	if n := len(col.Messages()); n != 2 {
		t.Errorf("collector has %d messages, want only the 2 sent with the certificate", n)
	}
}

// TestWriteFindsTheCollectorGone: after the collector closes the
// connection, a write reports it rather than vanishing into the buffer.
func TestWriteFindsTheCollectorGone(t *testing.T) {
	pki := syslogtest.NewPKI(t)
	col := syslogtest.Start(t, pki)
	cfg := syslog.Config{Addr: col.Addr, CAFile: pki.CAFile, CertFile: pki.CertFile, KeyFile: pki.KeyFile, Timeout: 5 * time.Second}
	conf, _ := cfg.TLS()
	c, err := syslog.Dial(context.Background(), cfg, conf)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.Write(syslog.Message{Priority: 85, Body: []byte("before")}); err != nil {
		t.Fatal(err)
	}
	col.Stop()
	time.Sleep(50 * time.Millisecond)
	if err := c.Write(syslog.Message{Priority: 85, Body: []byte("after")}); err == nil {
		t.Error("a write to a stopped collector reported success")
	}
}
