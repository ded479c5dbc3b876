package sendtest

import (
	"bytes"
	"crypto/rand"
	"crypto/subtle"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"log"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/custodian-roi/custodian/internal/send"
	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// SMTPServer is a running submission server. By default it offers STARTTLS
// with a certificate that RootCAs trusts, requires AUTH PLAIN with Username
// and Password before MAIL, and keeps every message it accepts.
type SMTPServer struct {
	Host     string // "127.0.0.1"
	Port     int
	Username string
	Password string
	RootCAs  *x509.CertPool // trusts the server's certificate, unless WithUntrustedCert

	opts smtpOptions

	mu           sync.Mutex
	messages     []ReceivedMail
	authAttempts int
}

// ReceivedMail is one message the server accepted.
type ReceivedMail struct {
	From     string   // MAIL FROM
	To       []string // RCPT TO, in order
	Data     []byte   // as received after DATA, dot-stuffing undone
	TLS      bool     // the session was encrypted when DATA arrived
	Username string   // the authenticated user
}

// SMTPOption varies the server for refusal tests.
type SMTPOption func(*smtpOptions)

type smtpOptions struct {
	noSTARTTLS bool
	untrusted  bool
	rcptErr    *smtp.SMTPError
}

// WithoutSTARTTLS starts a server that offers no STARTTLS and would accept
// AUTH PLAIN in clear text: a client must refuse it on its own.
func WithoutSTARTTLS() SMTPOption { return func(o *smtpOptions) { o.noSTARTTLS = true } }

// WithUntrustedCert starts a server whose certificate is not in RootCAs
// (RootCAs trusts an unrelated certificate instead).
func WithUntrustedCert() SMTPOption { return func(o *smtpOptions) { o.untrusted = true } }

// WithRcptError makes the server refuse every RCPT TO with this reply, for
// example 450 4.2.1 (temporary) or 550 5.1.1 (permanent). The reply text is
// followed by the refused address, as real servers do.
func WithRcptError(code int, enhanced [3]int, text string) SMTPOption {
	return func(o *smtpOptions) {
		o.rcptErr = &smtp.SMTPError{Code: code, EnhancedCode: smtp.EnhancedCode(enhanced), Message: text}
	}
}

// StartSMTP starts a server on 127.0.0.1 and stops it on t.Cleanup.
func StartSMTP(tb testing.TB, opts ...SMTPOption) *SMTPServer {
	tb.Helper()
	s := &SMTPServer{Host: "127.0.0.1", Username: "custodian", Password: "test-password-" + rand.Text()}
	for _, opt := range opts {
		opt(&s.opts)
	}

	cert, pool := selfSigned(tb)
	s.RootCAs = pool
	if s.opts.untrusted {
		_, s.RootCAs = selfSigned(tb)
	}

	server := smtp.NewServer(smtp.BackendFunc(func(c *smtp.Conn) (smtp.Session, error) {
		return &smtpSession{server: s, conn: c}, nil
	}))
	server.Domain = "localhost"
	server.ReadTimeout = 10 * time.Second
	server.WriteTimeout = 10 * time.Second
	server.MaxMessageBytes = 10 << 20
	server.MaxRecipients = 10
	// Handshake failures are the point of some tests; keep them out of the
	// test output (and never log after the test has ended).
	server.ErrorLog = log.New(io.Discard, "", 0)
	if s.opts.noSTARTTLS {
		server.AllowInsecureAuth = true
	} else {
		server.TLSConfig = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
	}

	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatalf("sendtest: listen: %v", err)
	}
	s.Port = l.Addr().(*net.TCPAddr).Port
	done := make(chan error, 1)
	go func() { done <- server.Serve(l) }()
	tb.Cleanup(func() {
		// Close shuts the listener and every open connection; each
		// connection goroutine then returns on its closed socket. go-smtp
		// registers the listener only once Serve runs, so a Close that wins
		// that race would miss it: close it here as well.
		_ = server.Close()
		_ = l.Close()
		if err := <-done; err != nil && !errors.Is(err, smtp.ErrServerClosed) {
			tb.Errorf("sendtest: smtp serve: %v", err)
		}
	})
	return s
}

// Client returns a send.SMTP configured for this server.
func (s *SMTPServer) Client() *send.SMTP {
	return &send.SMTP{
		Host:     s.Host,
		Port:     s.Port,
		Username: s.Username,
		Password: s.Password,
		From:     "Records Desk <records@custodian.example>",
		RootCAs:  s.RootCAs,
		Timeout:  10 * time.Second,
	}
}

// Messages returns a copy of the messages accepted so far.
func (s *SMTPServer) Messages() []ReceivedMail {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]ReceivedMail, len(s.messages))
	for i, m := range s.messages {
		m.To = slices.Clone(m.To)
		m.Data = slices.Clone(m.Data)
		out[i] = m
	}
	return out
}

// AuthAttempts returns how many AUTH commands the server has received.
func (s *SMTPServer) AuthAttempts() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.authAttempts
}

type smtpSession struct {
	server *SMTPServer
	conn   *smtp.Conn
	user   string
	from   string
	to     []string
}

var _ smtp.AuthSession = (*smtpSession)(nil)

func (ss *smtpSession) AuthMechanisms() []string { return []string{sasl.Plain} }

func (ss *smtpSession) Auth(mech string) (sasl.Server, error) {
	ss.server.mu.Lock()
	ss.server.authAttempts++
	ss.server.mu.Unlock()
	if mech != sasl.Plain {
		return nil, smtp.ErrAuthUnknownMechanism
	}
	return sasl.NewPlainServer(func(identity, username, password string) error {
		userOK := subtle.ConstantTimeCompare([]byte(username), []byte(ss.server.Username)) == 1
		passOK := subtle.ConstantTimeCompare([]byte(password), []byte(ss.server.Password)) == 1
		if !userOK || !passOK || (identity != "" && identity != username) {
			return smtp.ErrAuthFailed
		}
		ss.user = username
		return nil
	}), nil
}

func (ss *smtpSession) Mail(from string, _ *smtp.MailOptions) error {
	if ss.user == "" {
		return smtp.ErrAuthRequired
	}
	ss.from = from
	return nil
}

func (ss *smtpSession) Rcpt(to string, _ *smtp.RcptOptions) error {
	if e := ss.server.opts.rcptErr; e != nil {
		reply := *e
		reply.Message += " <" + to + ">"
		return &reply
	}
	ss.to = append(ss.to, to)
	return nil
}

func (ss *smtpSession) Data(r io.Reader) error {
	data, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	_, isTLS := ss.conn.TLSConnectionState()
	ss.server.mu.Lock()
	ss.server.messages = append(ss.server.messages, ReceivedMail{
		From: ss.from, To: slices.Clone(ss.to), Data: data, TLS: isTLS, Username: ss.user,
	})
	ss.server.mu.Unlock()
	return nil
}

func (ss *smtpSession) Reset() {
	ss.from = ""
	ss.to = nil
}

func (ss *smtpSession) Logout() error { return nil }

// Body returns the message's body as a mail reader shows it: decoded
// from quoted-printable when the message was sent so (long lines, such as
// a download link, are folded that way).
func (m ReceivedMail) Body() (string, error) {
	msg, err := mail.ReadMessage(bytes.NewReader(m.Data))
	if err != nil {
		return "", err
	}
	var r io.Reader = msg.Body
	if strings.EqualFold(msg.Header.Get("Content-Transfer-Encoding"), "quoted-printable") {
		r = quotedprintable.NewReader(msg.Body)
	}
	b, err := io.ReadAll(r)
	return string(b), err
}
