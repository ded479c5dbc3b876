package send

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	netmail "net/mail"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/wneessen/go-mail"
	"github.com/wneessen/go-mail/smtp"
)

// SMTP sends notification e-mail through a submission server that offers
// STARTTLS and AUTH PLAIN (usually port 587). The zero value is not usable;
// Host, Port, Username, Password and From are required.
type SMTP struct {
	Host     string // server name; the certificate must be valid for it
	Port     int
	Username string
	Password string
	From     string         // sender, "roi@example.org" or "Records <roi@example.org>"
	RootCAs  *x509.CertPool // nil means the system roots
	Timeout  time.Duration  // bounds the whole Send; zero means DefaultTimeout
}

// Message is one notification e-mail.
//
// PHI: Subject and Text must carry a link to the portal, never PHI. This
// package does not and cannot check that; the caller must.
type Message struct {
	To      string // one bare address, "patient@example.org"
	Subject string
	Text    string // plain text body
	// MessageID is optional. Empty means a fresh random one. A caller that
	// retries should store the first one and pass it again, so that a
	// duplicate caused by a lost final reply is recognisable as the same
	// message.
	MessageID string
}

// Send delivers m over one SMTP session: EHLO, STARTTLS (mandatory, with a
// verified certificate), AUTH PLAIN, MAIL, RCPT, DATA, QUIT. ctx and
// s.Timeout bound the whole session.
//
// The Receipt's ID is the Message-ID, Bytes and SHA256 describe the exact
// message transmitted in DATA (headers and body, CRLF line endings, before
// dot-stuffing) and Detail is the server's reply to the end of DATA.
//
// Errors are *Error. ErrConfig: bad configuration or address, nothing sent.
// ErrNoSTARTTLS, or a certificate error: the server was refused before
// authentication. ErrAuth: credentials refused. A reply to MAIL, RCPT or
// DATA carries its code in Error.Code; 4xx replies are Temporary.
func (s *SMTP) Send(ctx context.Context, m Message) (Receipt, error) {
	from, err := s.check()
	if err != nil {
		return Receipt{}, err
	}
	raw, id, err := s.render(m)
	if err != nil {
		return Receipt{}, err
	}

	ctx, cancel := deadline(ctx, s.Timeout)
	defer cancel()
	addr := net.JoinHostPort(s.Host, strconv.Itoa(s.Port))
	var dialer net.Dialer
	conn, err := dialer.DialContext(ctx, "tcp", addr)
	if err != nil {
		return Receipt{}, newError(ctx, ChannelEmail, "dial", err)
	}
	defer conn.Close()
	defer bindConn(ctx, conn)()
	remote := conn.RemoteAddr().String()

	c, err := smtp.NewClient(conn, s.Host)
	if err != nil {
		return Receipt{}, newError(ctx, ChannelEmail, "dial", err)
	}
	if err := c.Hello(heloName()); err != nil {
		return Receipt{}, newError(ctx, ChannelEmail, "ehlo", err)
	}

	// SECURITY: no STARTTLS, no session. Checked here rather than left to
	// go-mail's TLSMandatory policy so that the refusal is a typed error.
	if ok, _ := c.Extension("STARTTLS"); !ok {
		return Receipt{}, newError(ctx, ChannelEmail, "starttls", ErrNoSTARTTLS)
	}
	tlsConfig := &tls.Config{ServerName: s.Host, RootCAs: s.RootCAs, MinVersion: tls.VersionTLS12}
	if err := c.StartTLS(tlsConfig); err != nil {
		return Receipt{}, newError(ctx, ChannelEmail, "starttls", err)
	}
	if state, ok := c.TLSConnectionState(); !ok || !state.HandshakeComplete {
		return Receipt{}, newError(ctx, ChannelEmail, "starttls", ErrUnencrypted)
	}

	// The extension list is read again after STARTTLS: go-mail re-sends
	// EHLO, and servers commonly advertise AUTH only over TLS.
	if ok, mechs := c.Extension("AUTH"); !ok || !slices.Contains(strings.Fields(strings.ToUpper(mechs)), "PLAIN") {
		return Receipt{}, newError(ctx, ChannelEmail, "auth", fmt.Errorf("%w: server offers no AUTH PLAIN", ErrAuth))
	}
	if err := c.Auth(&tlsPlainAuth{host: s.Host, username: s.Username, password: s.Password}); err != nil {
		return Receipt{}, newError(ctx, ChannelEmail, "auth", authError(err))
	}

	if err := c.Mail(from); err != nil {
		return Receipt{}, newError(ctx, ChannelEmail, "mail", err)
	}
	if err := c.Rcpt(m.To); err != nil {
		return Receipt{}, newError(ctx, ChannelEmail, "rcpt", err)
	}
	w, err := c.Data()
	if err != nil {
		return Receipt{}, newError(ctx, ChannelEmail, "data", err)
	}
	if _, err := w.Write(raw); err != nil {
		return Receipt{}, newError(ctx, ChannelEmail, "data", err)
	}
	// Close sends the final "." and reads the reply: the moment the server
	// takes responsibility for the message.
	if err := w.Close(); err != nil {
		return Receipt{}, newError(ctx, ChannelEmail, "data", err)
	}
	var reply string
	if dc, ok := w.(*smtp.DataCloser); ok {
		reply = dc.ServerResponse()
	}
	// The message is accepted; a failed QUIT cannot undo that, so it is
	// not reported.
	_ = c.Quit()

	sum := sha256.Sum256(raw)
	return Receipt{
		Channel: ChannelEmail,
		Remote:  remote,
		ID:      id,
		Bytes:   int64(len(raw)),
		SHA256:  hex.EncodeToString(sum[:]),
		Detail:  reply,
	}, nil
}

// check validates the configuration and returns the bare sender address
// for MAIL FROM.
func (s *SMTP) check() (string, error) {
	switch {
	case s.Host == "" || strings.ContainsAny(s.Host, "/ \r\n") || (strings.Contains(s.Host, ":") && net.ParseIP(s.Host) == nil):
		// "unix://" hosts and host:port strings are refused: Port is separate
		// and the certificate is checked against Host. IPv6 literals pass.
		return "", configError(ChannelEmail, "Host must be a host name or IP address")
	case s.Port <= 0 || s.Port > 65535:
		return "", configError(ChannelEmail, "Port out of range")
	case s.Username == "" || s.Password == "":
		return "", configError(ChannelEmail, "Username and Password are required")
	}
	from, err := netmail.ParseAddress(s.From)
	if err != nil {
		return "", configError(ChannelEmail, "From is not a valid address")
	}
	return from.Address, nil
}

// render builds the RFC 5322 message with go-mail, and returns it with its
// Message-ID (without angle brackets).
func (s *SMTP) render(m Message) ([]byte, string, error) {
	to, err := netmail.ParseAddress(m.To)
	if err != nil || to.Address != m.To {
		// PHI: the address is not repeated in the error.
		return nil, "", configError(ChannelEmail, "To must be one bare e-mail address")
	}
	if strings.ContainsAny(m.Subject, "\r\n") {
		return nil, "", configError(ChannelEmail, "Subject must be one line")
	}
	id := strings.TrimSuffix(strings.TrimPrefix(m.MessageID, "<"), ">")
	if id == "" {
		from, _ := netmail.ParseAddress(s.From) // already checked
		id = newMessageID(from.Address)
	} else if !validMessageID(id) {
		return nil, "", configError(ChannelEmail, "MessageID must look like local@domain")
	}

	msg := mail.NewMsg()
	if err := msg.From(s.From); err != nil {
		return nil, "", configError(ChannelEmail, "From is not a valid address")
	}
	if err := msg.To(m.To); err != nil {
		return nil, "", configError(ChannelEmail, "To must be one bare e-mail address")
	}
	msg.Subject(m.Subject)
	msg.SetBodyString(mail.TypeTextPlain, m.Text)
	msg.SetDateWithValue(time.Now())
	msg.SetMessageIDWithValue(id)
	// RFC 3834: tells vacation responders not to answer a notification.
	msg.SetGenHeader(mail.Header("Auto-Submitted"), "auto-generated")

	var buf bytes.Buffer
	if _, err := msg.WriteTo(&buf); err != nil {
		return nil, "", &Error{Channel: ChannelEmail, Op: "config", Err: err, detail: "rendering the message failed"}
	}
	return buf.Bytes(), id, nil
}

// newMessageID returns 128 random bits at the sender's domain, so the ID
// reveals neither the host nor anything about the recipient.
func newMessageID(from string) string {
	domain := "localhost"
	if i := strings.LastIndexByte(from, '@'); i >= 0 && i+1 < len(from) {
		domain = from[i+1:]
	}
	return rand.Text() + "@" + domain
}

func validMessageID(id string) bool {
	local, domain, ok := strings.Cut(id, "@")
	if !ok || local == "" || domain == "" || len(id) > 250 {
		return false
	}
	return !strings.ContainsFunc(id, func(r rune) bool {
		return r <= ' ' || r >= 0x7f || strings.ContainsRune(`<>()[]\,;:"`, r)
	})
}

func heloName() string {
	if h, err := os.Hostname(); err == nil && h != "" && !strings.ContainsAny(h, " \r\n") {
		return h
	}
	return "localhost"
}

// authError tags a refused AUTH with ErrAuth while keeping the reply (and
// so its code) in the chain.
func authError(err error) error {
	if errors.Is(err, ErrUnencrypted) {
		return err
	}
	return fmt.Errorf("%w: %w", ErrAuth, err)
}

// tlsPlainAuth is RFC 4616 PLAIN that runs only over TLS.
//
// SECURITY: go-mail's smtp.PlainAuth, like net/smtp's, also sends the
// password in clear to "localhost", "127.0.0.1" and "::1". A local relay is
// still a network hop we do not control, so there is no exemption here.
type tlsPlainAuth struct {
	host, username, password string
}

func (a *tlsPlainAuth) Start(server *smtp.ServerInfo) (string, []byte, error) {
	if !server.TLS {
		return "", nil, ErrUnencrypted
	}
	if server.Name != a.host {
		// The certificate was verified for a.host; refuse to send the
		// password to any other name.
		return "", nil, fmt.Errorf("%w: server name changed", ErrUnencrypted)
	}
	return "PLAIN", []byte("\x00" + a.username + "\x00" + a.password), nil
}

func (a *tlsPlainAuth) Next(_ []byte, more bool) ([]byte, error) {
	if more {
		return nil, errors.New("unexpected server challenge after AUTH PLAIN")
	}
	return nil, nil
}
