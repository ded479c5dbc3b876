package main

import (
	"bytes"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/mail"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/custodian-roi/custodian/internal/fee"
	"github.com/custodian-roi/custodian/internal/letter"
	"github.com/custodian-roi/custodian/internal/roi"
	"github.com/custodian-roi/custodian/internal/send"
	"github.com/custodian-roi/custodian/internal/workflow"
	"golang.org/x/crypto/ssh"
)

// config is the organization's configuration file (--config, env
// CUSTODIAN_CONFIG): who it is on letters, where deliveries may go, what
// copies cost. Secrets are never in the file: it names the environment
// variables or files that hold them.
type config struct {
	Organization struct {
		Name           string   `json:"name"`
		Address        []string `json:"address"`
		Phone          string   `json:"phone"`
		PrivacyContact string   `json:"privacy_contact"`
		PrivacyPhone   string   `json:"privacy_phone"`
		PrivacyEmail   string   `json:"privacy_email"`
		// PublicURL is the address staff and requesters reach the desk at
		// (https://records.example.org): every link the desk sends or shows
		// is built from it. PortalURL is its older name, still read.
		PublicURL string `json:"public_url"`
		PortalURL string `json:"portal_url"`
		// DateStyle is how pages write and read dates: us (Mar 14, 1970;
		// typed 03/14/1970, the default), intl (14 Mar 1970; 14/03/1970)
		// or iso (1970-03-14).
		DateStyle string `json:"date_style"`
	} `json:"organization"`
	SMTP *struct {
		Host        string `json:"host"`
		Port        int    `json:"port"`
		Username    string `json:"username"`
		PasswordEnv string `json:"password_env"`
		From        string `json:"from"`
		CAFile      string `json:"ca_file"` // extra trusted roots, PEM; empty: the system's
	} `json:"smtp"`
	// SFTP destinations by name; a request's contact names one.
	SFTP map[string]struct {
		Addr        string `json:"addr"`
		User        string `json:"user"`
		PasswordEnv string `json:"password_env"`
		KeyFile     string `json:"key_file"`
		HostKey     string `json:"host_key"` // pinned, authorized_keys format
		Dir         string `json:"dir"`
	} `json:"sftp"`
	Fees struct {
		State        string    `json:"state"`         // a built-in state schedule, e.g. "TX"
		ScheduleFile string    `json:"schedule_file"` // or the organization's own schedule
		Method       string    `json:"method"`        // flat, actual or average
		Flat         fee.Cents `json:"flat"`
		LaborPerHour fee.Cents `json:"labor_per_hour"`
		LaborSecPage int       `json:"labor_seconds_per_page"`
		LaborMinElec int       `json:"labor_minutes_electronic"`
		PaperPerPage fee.Cents `json:"paper_per_page"`
		AvgPerPage   fee.Cents `json:"average_per_page"`
		AvgElec      fee.Cents `json:"average_electronic"`
		Media        fee.Cents `json:"media"`
		Postage      fee.Cents `json:"postage"`
		Summary      fee.Cents `json:"summary"`
		Accounting   fee.Cents `json:"accounting"`
	} `json:"fees"`
	// InfoBlocking: how many days an access or directive request may sit
	// ready to release before the desk lists it as an information-blocking
	// risk (45 CFR Part 171); 0 or absent is workflow.DefaultReadyLimitDays.
	InfoBlocking struct {
		ReadyLimitDays int `json:"ready_limit_days"`
	} `json:"info_blocking"`
	// Jurisdiction picks the state rules: a two-letter code for a built-in
	// pack ("NY"), or a file (docs/STATES.md). --jurisdiction overrides it.
	Jurisdiction string `json:"jurisdiction"`
	// TrustedProxies are the reverse proxies in front of the desk
	// (networks or addresses), read by serve (trustedProxiesOf), not by
	// configure; --trusted-proxies overrides it. See docs/DEPLOYMENT.md.
	TrustedProxies []string `json:"trusted_proxies"`
}

// demoOrg is the organization the demo and an unconfigured desk print.
var demoOrg = letter.Org{Name: "Custodian Demo Hospital", Address: []string{"1 Example Way", "Springfield, ST 00000"},
	Phone: "555-0100", PrivacyContact: "Privacy Officer", PrivacyPhone: "555-0101", PrivacyEmail: "privacy@example.org"}

// configure applies the configuration file to desk. Every problem is an
// error naming the file and the member.
func configure(desk *workflow.Desk, file string, getenv func(string) string) error {
	desk.Org = demoOrg
	if file == "" {
		return nil
	}
	data, err := os.ReadFile(file)
	if err != nil {
		return err
	}
	var c config
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&c); err != nil {
		return fmt.Errorf("not a valid configuration: %s", strings.TrimPrefix(err.Error(), "json: "))
	}
	// dec.More is false before a stray ] or }: only the end may follow.
	if _, err := dec.Token(); err != io.EOF {
		return fmt.Errorf("not a valid configuration: something follows the configuration object")
	}
	o := c.Organization
	o.Name = strings.TrimSpace(o.Name)
	if o.Name == "" {
		return fmt.Errorf("organization.name is required: letters and packets name the organization")
	}
	public, key := o.PublicURL, "organization.public_url"
	switch {
	case public == "":
		public, key = o.PortalURL, "organization.portal_url"
	case o.PortalURL != "" && strings.TrimRight(o.PortalURL, "/") != strings.TrimRight(public, "/"):
		return fmt.Errorf("organization.public_url and organization.portal_url (its older name) differ; keep public_url only")
	}
	if public != "" {
		if err := checkPublicURL(public); err != nil {
			return fmt.Errorf("%s %s", key, err)
		}
	}
	style, ok := workflow.ParseDateStyle(o.DateStyle)
	if !ok {
		return fmt.Errorf("organization.date_style must be us, intl or iso")
	}
	desk.Dates = style
	if n := c.InfoBlocking.ReadyLimitDays; n < 0 || n > 30 {
		return fmt.Errorf("info_blocking.ready_limit_days must be between 1 and 30 (0 or absent: %d)", workflow.DefaultReadyLimitDays)
	}
	desk.ReadyLimitDays = c.InfoBlocking.ReadyLimitDays
	desk.Org = letter.Org{Name: o.Name, Address: o.Address, Phone: o.Phone, PrivacyContact: o.PrivacyContact,
		PrivacyPhone: o.PrivacyPhone, PrivacyEmail: o.PrivacyEmail, PortalURL: strings.TrimRight(public, "/")}
	if m := c.SMTP; m != nil {
		if m.Host == "" || m.From == "" || m.Username == "" || m.PasswordEnv == "" {
			return fmt.Errorf("smtp.host, smtp.from, smtp.username and smtp.password_env are required (the server must take a login over TLS)")
		}
		if strings.Contains(m.Host, ":") {
			return fmt.Errorf("smtp.host is a host name; give the port in smtp.port")
		}
		if _, err := mail.ParseAddress(m.From); err != nil {
			return fmt.Errorf("smtp.from is not an e-mail address")
		}
		if m.Port == 0 {
			m.Port = 587 // submission, with STARTTLS
		}
		mailer := &send.SMTP{Host: m.Host, Port: m.Port, Username: m.Username, From: m.From, Timeout: time.Minute}
		if m.PasswordEnv != "" {
			mailer.Password = getenv(m.PasswordEnv)
			if mailer.Password == "" {
				return fmt.Errorf("smtp.password_env names %s, which is empty", m.PasswordEnv)
			}
		}
		if m.CAFile != "" {
			pem, err := os.ReadFile(m.CAFile)
			if err != nil {
				return fmt.Errorf("smtp.ca_file: %w", err)
			}
			mailer.RootCAs = x509.NewCertPool()
			if !mailer.RootCAs.AppendCertsFromPEM(pem) {
				return fmt.Errorf("smtp.ca_file holds no PEM certificate")
			}
		}
		desk.Mail = mailer
	}
	if len(c.SFTP) > 0 {
		desk.SFTP = map[string]workflow.Pusher{}
	}
	for name, t := range c.SFTP {
		if t.Addr == "" || t.User == "" || t.HostKey == "" {
			return fmt.Errorf("sftp.%s: addr, user and host_key are required (host keys are pinned)", name)
		}
		if _, _, err := net.SplitHostPort(t.Addr); err != nil {
			return fmt.Errorf("sftp.%s.addr must be HOST:PORT", name)
		}
		if _, _, _, _, err := ssh.ParseAuthorizedKey([]byte(t.HostKey)); err != nil {
			return fmt.Errorf("sftp.%s.host_key is not a public key in authorized_keys format", name)
		}
		p := &send.SFTP{Addr: t.Addr, User: t.User, HostKey: t.HostKey, Dir: t.Dir, Timeout: time.Minute}
		if t.PasswordEnv != "" {
			p.Password = getenv(t.PasswordEnv)
		}
		if t.KeyFile != "" {
			if p.PrivateKey, err = os.ReadFile(t.KeyFile); err != nil {
				return fmt.Errorf("sftp.%s.key_file: %w", name, err)
			}
		}
		if p.Password == "" && p.PrivateKey == nil {
			return fmt.Errorf("sftp.%s: give password_env or key_file", name)
		}
		desk.SFTP[name] = p
	}
	f := c.Fees
	if f.Method != "" {
		desk.Fees.Costs = fee.Costs{Method: fee.Method(f.Method), Flat: f.Flat, LaborPerHour: f.LaborPerHour,
			LaborSecondsPerPage: f.LaborSecPage, LaborMinutesElectronic: f.LaborMinElec, PaperPerPage: f.PaperPerPage,
			AveragePerPage: f.AvgPerPage, AverageElectronic: f.AvgElec, Media: f.Media, Postage: f.Postage,
			Summary: f.Summary, Accounting: f.Accounting}
	}
	switch {
	case f.State != "" && f.ScheduleFile != "":
		return fmt.Errorf("fees: give state or schedule_file, not both")
	case f.State != "":
		s, ok := fee.ScheduleFor(f.State)
		if !ok {
			return fmt.Errorf("fees.state: no built-in schedule for %q", f.State)
		}
		desk.Fees.Schedule = s
	case f.ScheduleFile != "":
		fh, err := os.Open(f.ScheduleFile)
		if err != nil {
			return fmt.Errorf("fees.schedule_file: %w", err)
		}
		defer fh.Close()
		if desk.Fees.Schedule, err = fee.LoadSchedule(fh); err != nil {
			return fmt.Errorf("fees.schedule_file: %w", err)
		}
	}
	// After the fees, so that a pack's schedule applies only where the
	// organization chose none.
	if c.Jurisdiction != "" {
		if err := useJurisdiction(desk, c.Jurisdiction); err != nil {
			return fmt.Errorf("jurisdiction: %w", err)
		}
	}
	// Quote once now, so that costs the calculator refuses (a flat fee
	// above $6.50, an unknown method) fail at start, not on every quote.
	if _, err := fee.Calculate(fee.Request{Basis: roi.BasisAccess, Requester: roi.KindPatient, Format: fee.FormatElectronic, Pages: 1},
		desk.Fees.Costs, desk.Fees.Schedule); err != nil {
		return fmt.Errorf("fees: %s", roi.PublicMessage(err))
	}
	return nil
}

// checkPublicURL says what is wrong with a public address, or nil: it
// must be an absolute http(s) URL naming a host, with no query or
// fragment (links are built by appending paths to it).
func checkPublicURL(s string) error {
	u, err := url.Parse(s)
	switch {
	case err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.User != nil:
		return fmt.Errorf("must be an absolute http(s) URL, e.g. https://records.example.org")
	case u.RawQuery != "" || u.Fragment != "" || strings.HasSuffix(s, "?") || strings.HasSuffix(s, "#"):
		return fmt.Errorf("must not carry a query or fragment: links are built by adding paths to it")
	}
	return nil
}
