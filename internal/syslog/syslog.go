// Package syslog sends RFC 5424 syslog messages to a collector over TLS
// with RFC 5425's octet-counting framing: the transport of IHE ATNA's
// Record Audit Event [ITI-20] and of most SIEMs' syslog inputs. It knows
// nothing of audit events; workflow hands it messages.
//
// It dials only the address an administrator configured, verifies the
// collector's certificate against the configured CA (never skipped), and
// presents a client certificate when one is configured (mutual TLS, as
// ATNA's secure node requires).
package syslog

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"os"
	"strconv"
	"time"
)

// Message is one RFC 5424 syslog message.
type Message struct {
	// Priority is facility*8 + severity. ATNA sends 85: facility 10
	// (security/authorization), severity 5 (notice).
	Priority int
	Time     time.Time
	Hostname string // the reporting host; "-" when empty
	AppName  string
	ProcID   string
	MsgID    string
	// Body is the message, UTF-8 (written after a BOM, as RFC 5424's
	// MSG-UTF8 says).
	Body []byte
}

// PriorityAudit is the priority ATNA audit messages carry.
const PriorityAudit = 10*8 + 5

// nilValue is RFC 5424's NILVALUE.
const nilValue = "-"

// field is a header field: printable US-ASCII, no spaces, at most max
// characters; NILVALUE when empty.
func field(s string, max int) string {
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s) && len(b) < max; i++ {
		if c := s[i]; c >= 33 && c <= 126 {
			b = append(b, c)
		}
	}
	if len(b) == 0 {
		return nilValue
	}
	return string(b)
}

// Append writes m in RFC 5424 form onto b:
// <PRI>1 TIMESTAMP HOSTNAME APP-NAME PROCID MSGID - BOM MSG
// (no structured data: the body carries everything).
func (m Message) Append(b []byte) []byte {
	b = append(b, '<')
	b = strconv.AppendInt(b, int64(m.Priority), 10)
	b = append(b, ">1 "...)
	if m.Time.IsZero() {
		b = append(b, nilValue...)
	} else {
		b = m.Time.UTC().AppendFormat(b, "2006-01-02T15:04:05.000000Z")
	}
	b = append(b, ' ')
	b = append(b, field(m.Hostname, 255)...)
	b = append(b, ' ')
	b = append(b, field(m.AppName, 48)...)
	b = append(b, ' ')
	b = append(b, field(m.ProcID, 128)...)
	b = append(b, ' ')
	b = append(b, field(m.MsgID, 32)...)
	b = append(b, " - "...)
	b = append(b, 0xEF, 0xBB, 0xBF)
	return append(b, m.Body...)
}

// Frame writes msg with RFC 5425's octet counting: MSG-LEN SP SYSLOG-MSG.
func Frame(b, msg []byte) []byte {
	b = strconv.AppendInt(b, int64(len(msg)), 10)
	b = append(b, ' ')
	return append(b, msg...)
}

// Config is how to reach the collector.
type Config struct {
	// Addr is host:port (RFC 5425's port is 6514).
	Addr string
	// CAFile holds the PEM certificates the collector's certificate must
	// chain to. Required: the collector is always verified.
	CAFile string
	// CertFile and KeyFile are this desk's client certificate and key for
	// mutual TLS; both or neither.
	CertFile, KeyFile string
	// ServerName is the name the collector's certificate must carry;
	// empty takes the host of Addr.
	ServerName string
	// Timeout bounds a dial and each write (0: 10 s).
	Timeout time.Duration
}

// ErrConfig is a forwarding configuration that cannot work.
var ErrConfig = errors.New("syslog: configuration")

// TLS loads the configured files into a TLS configuration (TLS 1.2 or
// later, the collector verified against CAFile).
func (c Config) TLS() (*tls.Config, error) {
	if c.Addr == "" {
		return nil, fmt.Errorf("%w: no collector address", ErrConfig)
	}
	host, _, err := net.SplitHostPort(c.Addr)
	if err != nil {
		return nil, fmt.Errorf("%w: the collector address must be host:port", ErrConfig)
	}
	if c.CAFile == "" {
		return nil, fmt.Errorf("%w: a CA file to verify the collector is required", ErrConfig)
	}
	pem, err := os.ReadFile(c.CAFile)
	if err != nil {
		return nil, fmt.Errorf("%w: read the CA file: %w", ErrConfig, err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		return nil, fmt.Errorf("%w: the CA file holds no PEM certificate", ErrConfig)
	}
	conf := &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12, ServerName: host}
	if c.ServerName != "" {
		conf.ServerName = c.ServerName
	}
	switch {
	case c.CertFile != "" && c.KeyFile != "":
		cert, err := tls.LoadX509KeyPair(c.CertFile, c.KeyFile)
		if err != nil {
			return nil, fmt.Errorf("%w: load the client certificate: %w", ErrConfig, err)
		}
		conf.Certificates = []tls.Certificate{cert}
	case c.CertFile != "" || c.KeyFile != "":
		return nil, fmt.Errorf("%w: a client certificate needs both its certificate and its key file", ErrConfig)
	}
	return conf, nil
}

func (c Config) timeout() time.Duration {
	if c.Timeout > 0 {
		return c.Timeout
	}
	return 10 * time.Second
}

// Conn is one TLS connection to the collector.
type Conn struct {
	conn    *tls.Conn
	timeout time.Duration
	buf     []byte
}

// Dial connects to the collector and completes the TLS handshake.
func Dial(ctx context.Context, c Config, conf *tls.Config) (*Conn, error) {
	ctx, cancel := context.WithTimeout(ctx, c.timeout())
	defer cancel()
	d := tls.Dialer{Config: conf}
	nc, err := d.DialContext(ctx, "tcp", c.Addr)
	if err != nil {
		return nil, err
	}
	return &Conn{conn: nc.(*tls.Conn), timeout: c.timeout()}, nil
}

// Write sends msgs, framed, in one write. An error leaves it unknown how
// many the collector has: the caller sends them again on a new
// connection (at least once).
func (c *Conn) Write(msgs ...Message) error {
	c.buf = c.buf[:0]
	var one []byte
	for _, m := range msgs {
		one = m.Append(one[:0])
		c.buf = Frame(c.buf, one)
	}
	if err := c.closedByPeer(time.Millisecond); err != nil {
		return err
	}
	if err := c.conn.SetWriteDeadline(time.Now().Add(c.timeout)); err != nil {
		return err
	}
	if _, err := c.conn.Write(c.buf); err != nil {
		return err
	}
	// A collector that refuses us (our client certificate, under TLS 1.3
	// checked after our handshake ends) or goes away answers within
	// moments with an alert or a close: wait that long before calling the
	// messages sent.
	return c.closedByPeer(settle)
}

// settle is how long Write waits after writing for the collector to
// refuse or close.
const settle = 50 * time.Millisecond

// ErrClosedByPeer: the collector closed the connection.
var ErrClosedByPeer = errors.New("syslog: the collector closed the connection")

// closedByPeer looks, waiting at most wait, for the collector having closed the
// connection. A collector never writes to us under RFC 5425, so anything
// but a timeout means it is gone. Why: a write into a connection the
// collector has closed still succeeds into the kernel's buffer, and those
// messages would be lost without an error; finding the close first sends
// them on a new connection instead.
func (c *Conn) closedByPeer(wait time.Duration) error {
	if err := c.conn.SetReadDeadline(time.Now().Add(wait)); err != nil {
		return err
	}
	var one [1]byte
	_, err := c.conn.Read(one[:])
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return nil
	}
	if err == nil {
		return fmt.Errorf("%w (it wrote to us)", ErrClosedByPeer)
	}
	return fmt.Errorf("%w: %w", ErrClosedByPeer, err)
}

// Close closes the connection.
func (c *Conn) Close() error { return c.conn.Close() }
