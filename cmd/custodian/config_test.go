package main

import (
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/custodian-roi/custodian/internal/send"
	"github.com/custodian-roi/custodian/internal/send/sendtest"
	"github.com/custodian-roi/custodian/internal/workflow"
)

// writeConfig writes body to a fresh file and returns its path.
func writeConfig(t *testing.T, body string) string {
	t.Helper()
	f := filepath.Join(t.TempDir(), "custodian.json")
	if err := os.WriteFile(f, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return f
}

// configEnv holds the secrets the files name; the files never hold them.
func configEnv(k string) string {
	return map[string]string{"SMTP_PASSWORD": "smtp-secret-1", "SFTP_PASSWORD": "sftp-secret-2"}[k]
}

func TestConfigureNoFile(t *testing.T) {
	desk := workflow.New(nil)
	if err := configure(desk, "", configEnv); err != nil {
		t.Fatal(err)
	}
	if desk.Org.Name != demoOrg.Name || desk.Org.Phone != demoOrg.Phone || desk.Org.PortalURL != "" {
		t.Errorf("org %+v, want the demo organization", desk.Org)
	}
	if desk.Mail != nil || desk.SFTP != nil || desk.Fees.Schedule != nil {
		t.Errorf("an unconfigured desk has a mailer %v, SFTP %v or schedule %v", desk.Mail, desk.SFTP, desk.Fees.Schedule)
	}
	// New's default costs are kept: the HHS flat fee.
	if desk.Fees.Costs.Method != "flat" {
		t.Errorf("costs %+v", desk.Fees.Costs)
	}
}

func validConfig(t *testing.T) string {
	hostKey := sendtest.OtherHostKey(t)
	return `{
  "organization": {"name": "Riverbend Health", "address": ["2 River Rd", "Austin, TX 78701"], "phone": "555-0142",
    "privacy_contact": "Privacy Office", "privacy_phone": "555-0143", "privacy_email": "privacy@riverbend.example",
    "portal_url": "https://records.riverbend.example"},
  "smtp": {"host": "smtp.riverbend.example", "username": "roi", "password_env": "SMTP_PASSWORD", "from": "Records <roi@riverbend.example>"},
  "sftp": {"harper-vance": {"addr": "sftp.harper.example:22", "user": "dropbox", "password_env": "SFTP_PASSWORD",
    "host_key": "` + strings.TrimSpace(hostKey) + `", "dir": "/inbox"}},
  "fees": {"state": "TX", "method": "actual", "labor_per_hour": "24.00", "labor_seconds_per_page": 20, "paper_per_page": "0.05"}
}`
}

func TestConfigureValidFile(t *testing.T) {
	desk := workflow.New(nil)
	if err := configure(desk, writeConfig(t, validConfig(t)), configEnv); err != nil {
		t.Fatal(err)
	}
	if desk.Org.Name != "Riverbend Health" || desk.Org.PortalURL != "https://records.riverbend.example" ||
		len(desk.Org.Address) != 2 || desk.Org.PrivacyEmail != "privacy@riverbend.example" {
		t.Errorf("org %+v", desk.Org)
	}
	if desk.Dates != workflow.DatesUS {
		t.Errorf("date style %q, want us by default", desk.Dates)
	}
	intl := workflow.New(nil)
	if err := configure(intl, writeConfig(t, `{"organization":{"name":"X","date_style":"intl"}}`), configEnv); err != nil || intl.Dates != workflow.DatesIntl {
		t.Errorf("date_style intl: %v %q", err, intl.Dates)
	}
	m, ok := desk.Mail.(*send.SMTP)
	if !ok {
		t.Fatalf("mailer %T", desk.Mail)
	}
	if m.Host != "smtp.riverbend.example" || m.Port != 587 || m.Username != "roi" || m.Password != "smtp-secret-1" ||
		m.From != "Records <roi@riverbend.example>" || m.RootCAs != nil {
		t.Errorf("mailer %+v: want port 587 by default, the password from the environment, the system roots", m)
	}
	if len(desk.SFTP) != 1 {
		t.Fatalf("sftp %v", desk.SFTP)
	}
	p, ok := desk.SFTP["harper-vance"].(*send.SFTP)
	if !ok {
		t.Fatalf("sftp destination %T", desk.SFTP["harper-vance"])
	}
	if p.Addr != "sftp.harper.example:22" || p.User != "dropbox" || p.Password != "sftp-secret-2" || p.Dir != "/inbox" ||
		!strings.HasPrefix(p.HostKey, "ssh-ed25519 ") || p.PrivateKey != nil {
		t.Errorf("sftp %+v", p)
	}
	if desk.SFTP["acme-law"] != nil {
		t.Error("a destination the file does not name is configured")
	}
	if desk.Fees.Schedule == nil || desk.Fees.Schedule.State != "TX" {
		t.Errorf("schedule %+v", desk.Fees.Schedule)
	}
	if c := desk.Fees.Costs; c.Method != "actual" || c.LaborPerHour != 2400 || c.LaborSecondsPerPage != 20 || c.PaperPerPage != 5 {
		t.Errorf("costs %+v", c)
	}
}

// TestConfigureBadFiles: every bad file is refused with an error that
// names the member at fault, and never repeats a secret.
func TestConfigureBadFiles(t *testing.T) {
	hostKey := strings.TrimSpace(sendtest.OtherHostKey(t))
	missing := filepath.Join(t.TempDir(), "missing.pem")
	notPEM := writeConfig(t, "not a certificate")
	org := `"organization":{"name":"Riverbend Health"}`
	smtpOK := `"host":"smtp.example","username":"roi","from":"roi@example.org"`
	sftpOK := `"addr":"sftp.example:22","user":"u","host_key":"` + hostKey + `"`
	for _, tc := range []struct {
		name, body string
		want       []string
	}{
		{"unknown member", `{` + org + `,"colour":"red"}`, []string{"not a valid configuration", `"colour"`}},
		{"unknown member inside smtp", `{` + org + `,"smtp":{` + smtpOK + `,"password_env":"SMTP_PASSWORD","pasword":"x"}}`, []string{`"pasword"`}},
		{"malformed JSON", `{` + org + `,"smtp":{`, []string{"not a valid configuration"}},
		{"wrong type", `{"organization":{"name":42}}`, []string{"organization.name"}},
		{"no organization", `{}`, []string{"organization.name is required"}},
		{"empty organization name", `{"organization":{"name":"","phone":"555-0100"}}`, []string{"organization.name is required"}},
		{"smtp without password_env", `{` + org + `,"smtp":{` + smtpOK + `}}`, []string{"smtp.password_env"}},
		{"smtp without host", `{` + org + `,"smtp":{"username":"roi","from":"roi@example.org","password_env":"SMTP_PASSWORD"}}`, []string{"smtp.host"}},
		{"smtp password_env empty", `{` + org + `,"smtp":{` + smtpOK + `,"password_env":"UNSET_VAR"}}`, []string{"smtp.password_env", "UNSET_VAR", "empty"}},
		{"smtp ca_file missing", `{` + org + `,"smtp":{` + smtpOK + `,"password_env":"SMTP_PASSWORD","ca_file":"` + missing + `"}}`, []string{"smtp.ca_file"}},
		{"smtp ca_file not PEM", `{` + org + `,"smtp":{` + smtpOK + `,"password_env":"SMTP_PASSWORD","ca_file":"` + notPEM + `"}}`, []string{"smtp.ca_file", "no PEM"}},
		{"sftp without host_key", `{` + org + `,"sftp":{"acme":{"addr":"sftp.example:22","user":"u","password_env":"SFTP_PASSWORD"}}}`, []string{"sftp.acme", "host_key"}},
		{"sftp without credentials", `{` + org + `,"sftp":{"acme":{` + sftpOK + `}}}`, []string{"sftp.acme", "password_env or key_file"}},
		{"sftp password_env empty", `{` + org + `,"sftp":{"acme":{` + sftpOK + `,"password_env":"UNSET_VAR"}}}`, []string{"sftp.acme", "password_env or key_file"}},
		{"sftp key_file missing", `{` + org + `,"sftp":{"acme":{` + sftpOK + `,"key_file":"` + missing + `"}}}`, []string{"sftp.acme.key_file"}},
		{"fees state and schedule_file", `{` + org + `,"fees":{"state":"TX","schedule_file":"tx.json"}}`, []string{"fees", "state", "schedule_file", "not both"}},
		{"fees unknown state", `{` + org + `,"fees":{"state":"ZZ"}}`, []string{"fees.state", `"ZZ"`}},
		{"fees schedule_file missing", `{` + org + `,"fees":{"schedule_file":"` + missing + `"}}`, []string{"fees.schedule_file"}},
		// Settings that would only fail later, at the first send or quote,
		// fail at start instead.
		{"trailing content", `{` + org + `} {"smtp":1}`, []string{"something follows"}},
		{"blank organization name", `{"organization":{"name":"   "}}`, []string{"organization.name is required"}},
		{"unknown date style", `{"organization":{"name":"X","date_style":"julian"}}`, []string{"organization.date_style must be us, intl or iso"}},
		{"portal_url not http", `{"organization":{"name":"R","portal_url":"javascript:alert(1)"}}`, []string{"organization.portal_url"}},
		{"smtp without username", `{` + org + `,"smtp":{"host":"smtp.example","from":"roi@example.org","password_env":"SMTP_PASSWORD"}}`, []string{"smtp.username"}},
		{"smtp host with a port", `{` + org + `,"smtp":{"host":"smtp.example:25","username":"roi","from":"roi@example.org","password_env":"SMTP_PASSWORD"}}`, []string{"smtp.host", "smtp.port"}},
		{"smtp from not an address", `{` + org + `,"smtp":{"host":"smtp.example","username":"roi","from":"records office","password_env":"SMTP_PASSWORD"}}`, []string{"smtp.from"}},
		{"sftp addr without port", `{` + org + `,"sftp":{"acme":{"addr":"sftp.example","user":"u","host_key":"` + hostKey + `","password_env":"SFTP_PASSWORD"}}}`, []string{"sftp.acme.addr"}},
		{"sftp host_key not a key", `{` + org + `,"sftp":{"acme":{"addr":"sftp.example:22","user":"u","host_key":"ssh-ed25519 nonsense","password_env":"SFTP_PASSWORD"}}}`, []string{"sftp.acme.host_key"}},
		{"fees flat above 6.50", `{` + org + `,"fees":{"method":"flat","flat":"9.00"}}`, []string{"fees", "6.50"}},
		{"fees unknown method", `{` + org + `,"fees":{"method":"bogus"}}`, []string{"fees", "Method"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			desk := workflow.New(nil)
			err := configure(desk, writeConfig(t, tc.body), configEnv)
			if err == nil {
				t.Fatalf("accepted %s", tc.body)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
			for _, secret := range []string{"smtp-secret-1", "sftp-secret-2"} {
				if strings.Contains(err.Error(), secret) {
					t.Errorf("error %q repeats a secret", err)
				}
			}
		})
	}
	// A file that is not there names the file's problem.
	if err := configure(workflow.New(nil), missing, configEnv); err == nil || !os.IsNotExist(err) {
		t.Errorf("missing file: %v", err)
	}
}

// TestServeConfig runs serve with a bad configuration file (exit 2, the
// file and the member named, nothing listening) and with a good one (it
// starts, and stops when cancelled).
func TestServeConfig(t *testing.T) {
	bad := writeConfig(t, `{"organization":{"name":"Riverbend Health"},"fees":{"state":"ZZ"}}`)
	code, out, errs := runCmd(t, "", "serve", "--data", t.TempDir(), "--addr", "127.0.0.1:0", "--config", bad)
	if code != 2 || !strings.Contains(errs, bad) || !strings.Contains(errs, "fees.state") || strings.Contains(out, "listening") {
		t.Errorf("bad config: exit %d, stdout %q, stderr %q", code, out, errs)
	}
	// The file may come from the environment as well.
	var outb, errb syncBuffer
	env := func(k string) string {
		if k == "CUSTODIAN_CONFIG" {
			return bad
		}
		return ""
	}
	if code := run(context.Background(), []string{"serve", "--data", t.TempDir(), "--addr", "127.0.0.1:0"}, nil, &outb, &errb, env); code != 2 ||
		!strings.Contains(errb.String(), bad) {
		t.Errorf("bad config from CUSTODIAN_CONFIG: exit %d, stderr %q", code, errb.String())
	}
	missing := filepath.Join(t.TempDir(), "nope.json")
	code, _, errs = runCmd(t, "", "serve", "--data", t.TempDir(), "--addr", "127.0.0.1:0", "--config", missing)
	if code != 2 || !strings.Contains(errs, "nope.json") || !strings.Contains(errs, "no such file") {
		t.Errorf("missing config: exit %d, stderr %q", code, errs)
	}

	good := writeConfig(t, validConfig(t))
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var gout, gerr syncBuffer
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, []string{"serve", "--data", t.TempDir(), "--addr", "127.0.0.1:0", "--config", good}, nil, &gout, &gerr, configEnv)
	}()
	re := regexp.MustCompile(`listening on http://127\.0\.0\.1:\d+`)
	started := false
	for i := 0; i < 200 && !started; i++ {
		select {
		case code := <-done:
			t.Fatalf("serve with a good config exited %d: %s %s", code, gout.String(), gerr.String())
		case <-time.After(25 * time.Millisecond):
		}
		started = re.MatchString(gout.String())
	}
	cancel()
	if !started {
		t.Fatalf("serve with a good config did not start:\n%s\n%s", gout.String(), gerr.String())
	}
	select {
	case code := <-done:
		if code != 0 {
			t.Errorf("exit %d: %s", code, gerr.String())
		}
	case <-time.After(20 * time.Second):
		t.Fatal("serve did not stop")
	}
	for _, secret := range []string{"smtp-secret-1", "sftp-secret-2"} {
		if strings.Contains(gout.String()+gerr.String(), secret) {
			t.Errorf("serve printed a secret")
		}
	}
}
