package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net/url"
	"os"

	"github.com/custodian-roi/custodian/internal/audit"
	"github.com/custodian-roi/custodian/internal/syslog"
	"github.com/custodian-roi/custodian/internal/workflow"
)

// auditFlags are serve's flags for the AuditEvents: how the desk names
// itself in them, and the optional forwarding of every ledger entry to a
// syslog/ATNA collector over TLS (docs/DEPLOYMENT.md, docs/INTEGRATION.md).
type auditFlags struct {
	source, site             string
	addr, ca, cert, key, sni string
	batch                    int
}

func (f *auditFlags) register(fs *flag.FlagSet, getenv func(string) string) {
	fs.StringVar(&f.source, "audit-source", getenv("CUSTODIAN_AUDIT_SOURCE"), "AuditEvents: how this desk names itself (source.observer; default: the public address's host, else this machine's name)")
	fs.StringVar(&f.site, "audit-site", getenv("CUSTODIAN_AUDIT_SITE"), "AuditEvents: the enterprise site (source.site), e.g. the hospital's name; empty leaves it out")
	fs.StringVar(&f.addr, "audit-syslog", getenv("CUSTODIAN_AUDIT_SYSLOG"), "forward every ledger entry as an AuditEvent to this syslog/ATNA collector, HOST:PORT (RFC 5425 TLS, usually port 6514); empty: no forwarding")
	fs.StringVar(&f.ca, "audit-syslog-ca", getenv("CUSTODIAN_AUDIT_SYSLOG_CA"), "forwarding: PEM file of the CA the collector's certificate must chain to (required with --audit-syslog)")
	fs.StringVar(&f.cert, "audit-syslog-cert", getenv("CUSTODIAN_AUDIT_SYSLOG_CERT"), "forwarding: this desk's client certificate (PEM) for mutual TLS")
	fs.StringVar(&f.key, "audit-syslog-key", getenv("CUSTODIAN_AUDIT_SYSLOG_KEY"), "forwarding: the client certificate's private key (PEM)")
	fs.StringVar(&f.sni, "audit-syslog-server-name", getenv("CUSTODIAN_AUDIT_SYSLOG_SERVER_NAME"), "forwarding: the name the collector's certificate carries, when not the host of --audit-syslog")
	fs.IntVar(&f.batch, "audit-syslog-batch", 100, "forwarding: the most entries per write")
}

// build names the desk in its AuditEvents and, with --audit-syslog,
// returns the forwarder to run; nil without. A configuration that cannot
// work (no CA, a key without its certificate, unreadable files) is an
// error now, not a silent gap in the security team's log later.
func (f *auditFlags) build(desk *workflow.Desk, log *slog.Logger) (func(context.Context), error) {
	site := audit.Site{Observer: f.source, Name: f.site}
	if site.Observer == "" {
		if u, err := url.Parse(desk.Org.PortalURL); err == nil && u.Hostname() != "" {
			site.Observer = u.Hostname()
		} else if h, err := os.Hostname(); err == nil {
			site.Observer = h
		}
	}
	desk.AuditSite = site
	if f.addr == "" {
		if f.ca != "" || f.cert != "" || f.key != "" || f.sni != "" {
			return nil, errors.New("--audit-syslog-ca, --audit-syslog-cert, --audit-syslog-key and --audit-syslog-server-name need --audit-syslog")
		}
		return nil, nil
	}
	if f.batch < 1 || f.batch > 1000 {
		return nil, errors.New("--audit-syslog-batch must be from 1 to 1000")
	}
	cfg := syslog.Config{Addr: f.addr, CAFile: f.ca, CertFile: f.cert, KeyFile: f.key, ServerName: f.sni}
	conf, err := cfg.TLS()
	if err != nil {
		return nil, fmt.Errorf("--audit-syslog: %w", err)
	}
	return func(ctx context.Context) {
		desk.ForwardAudit(ctx, workflow.AuditForward{
			Batch: f.batch,
			Log:   log.With("collector", f.addr),
			Dial: func(ctx context.Context) (workflow.AuditConn, error) {
				return syslog.Dial(ctx, cfg, conf)
			},
		})
	}, nil
}
