package main

import (
	"encoding/json"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/custodian-roi/custodian/internal/send/sendtest"
	"github.com/custodian-roi/custodian/internal/workflow"
)

// configRefusal: every refusal of configure names the member at fault (or
// says the file is not JSON / not a configuration object).
var configRefusal = regexp.MustCompile(`^(not a valid configuration|organization\.(name|portal_url|public_url) |` +
	`smtp\.(host|from|password_env|ca_file)|sftp\.|fees[.:])`)

// fuzzSecrets are what the environment holds; no message may repeat them.
var fuzzSecrets = map[string]string{"SMTP_PASSWORD": "smtp-secret-value-1", "SFTP_PASSWORD": "sftp-secret-value-2"}

// FuzzConfigure: configure reads a fuzzed configuration file. It never
// panics; it refuses naming the member, never repeating a secret; what it
// accepts gives the desk an organization name and a usable portal URL.
func FuzzConfigure(f *testing.F) {
	hostKey := strings.TrimSpace(sendtest.OtherHostKey(f))
	f.Add([]byte(`{
  "organization": {"name": "Riverbend Health", "address": ["2 River Rd", "Austin, TX 78701"], "phone": "555-0142",
    "privacy_contact": "Privacy Office", "privacy_phone": "555-0143", "privacy_email": "privacy@riverbend.example",
    "portal_url": "https://records.riverbend.example"},
  "smtp": {"host": "smtp.riverbend.example", "username": "roi", "password_env": "SMTP_PASSWORD", "from": "Records <roi@riverbend.example>"},
  "sftp": {"harper-vance": {"addr": "sftp.harper.example:22", "user": "dropbox", "password_env": "SFTP_PASSWORD",
    "host_key": "` + hostKey + `", "dir": "/inbox"}},
  "fees": {"state": "TX", "method": "actual", "labor_per_hour": "24.00", "labor_seconds_per_page": 20, "paper_per_page": "0.05"}
}`))
	f.Add([]byte(`{"organization":{"name":"Riverbend Health"},"fees":{"method":"flat","flat":"6.50"}}`))
	f.Add([]byte(`{"organization":{"name":"Riverbend Health"},"fees":{"method":"flat","flat":"7.00"}}`))
	f.Add([]byte(`{"organization":{"name":"Riverbend Health"},"fees":{"schedule_file":"testdata/none.json"}}`))
	f.Add([]byte(`{"organization":{"name":"Riverbend Health","portal_url":"ftp://x"}}`))
	f.Add([]byte(`{"organization":{"name":"Riverbend Health"},"smtp":{"host":"h:25","username":"u","password_env":"SMTP_PASSWORD","from":"a@b"}}`))
	f.Add([]byte(`{"organization":{"name":"Riverbend Health"},"sftp":{"x":{"addr":"nohost","user":"u","host_key":"k"}}}`))
	f.Add([]byte(`{"organization":{"name":"Riverbend Health"}}]`))
	f.Add([]byte(`{"organization":{"name":"Riverbend Health"}} {}`))
	f.Add([]byte(`{"organization":{"name":42}}`))
	f.Add([]byte(`{"colour":"red"}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		// Files the configuration names are read: keep to relative paths
		// inside the package (no /dev/zero, no ../..).
		var c config
		if json.Unmarshal(data, &c) == nil {
			paths := []string{c.Fees.ScheduleFile}
			if c.SMTP != nil {
				paths = append(paths, c.SMTP.CAFile)
			}
			for _, s := range c.SFTP {
				paths = append(paths, s.KeyFile)
			}
			for _, p := range paths {
				if p != "" && (filepath.IsAbs(p) || strings.Contains(p, "..") || strings.HasPrefix(p, "~")) {
					t.Skip("names a file outside the package")
				}
			}
		}
		file := filepath.Join(t.TempDir(), "custodian.json")
		if err := os.WriteFile(file, data, 0o600); err != nil {
			t.Fatal(err)
		}
		desk := workflow.New(nil)
		err := configure(desk, file, func(k string) string { return fuzzSecrets[k] })
		if err != nil {
			msg := err.Error()
			if !configRefusal.MatchString(msg) {
				t.Fatalf("refusal names no member: %q", msg)
			}
			for _, s := range fuzzSecrets {
				if strings.Contains(msg, s) {
					t.Fatalf("refusal repeats a secret: %q", msg)
				}
			}
			return
		}
		if !json.Valid(data) {
			t.Fatalf("accepted what is not one JSON value: %q", data)
		}
		if desk.Org.Name == "" || strings.TrimSpace(desk.Org.Name) != desk.Org.Name {
			t.Fatalf("accepted organization name %q", desk.Org.Name)
		}
		if p := desk.Org.PortalURL; p != "" {
			if u, err := url.Parse(p); err != nil || u.Host == "" {
				t.Fatalf("accepted portal URL %q", p)
			}
		}
	})
}
