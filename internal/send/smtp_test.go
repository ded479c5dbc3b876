package send_test

import (
	"context"
	"crypto/sha256"
	"crypto/tls"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"mime/quotedprintable"
	"net"
	netmail "net/mail"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/custodian-roi/custodian/internal/send"
	"github.com/custodian-roi/custodian/internal/send/sendtest"
)

// The recipient is the only PHI-adjacent value in these tests; every error
// and receipt is checked not to contain it.
const recipient = "pat.example@patients.example"

func notification() send.Message {
	return send.Message{
		To:      recipient,
		Subject: "Your requested records are ready",
		Text:    "Your records are ready. Sign in to download them:\r\nhttps://portal.custodian.example/releases/7f3a9c2e-1b4d-4e8f-9a6b-0c5d2e7f1a3b\r\n",
	}
}

func TestSMTP_Send(t *testing.T) {
	t.Run("OK", func(t *testing.T) {
		server := sendtest.StartSMTP(t)
		m := notification()
		r, err := server.Client().Send(context.Background(), m)
		if err != nil {
			t.Fatalf("Send: %v", err)
		}

		msgs := server.Messages()
		if got, want := len(msgs), 1; got != want {
			t.Fatalf("messages=%d, want %d", got, want)
		}
		got := msgs[0]
		if !got.TLS {
			t.Error("message arrived without TLS")
		}
		if got.Username != server.Username {
			t.Errorf("Username=%q, want %q", got.Username, server.Username)
		}
		if want := "records@custodian.example"; got.From != want {
			t.Errorf("From=%q, want %q", got.From, want)
		}
		if want := []string{recipient}; !slices.Equal(got.To, want) {
			t.Errorf("To=%q, want %q", got.To, want)
		}

		parsed, err := netmail.ReadMessage(strings.NewReader(string(got.Data)))
		if err != nil {
			t.Fatalf("parse received message: %v", err)
		}
		if got, want := parsed.Header.Get("Subject"), m.Subject; got != want {
			t.Errorf("Subject=%q, want %q", got, want)
		}
		if got, want := parsed.Header.Get("To"), "<"+recipient+">"; got != want {
			t.Errorf("To header=%q, want %q", got, want)
		}
		if got, want := parsed.Header.Get("Message-Id"), "<"+r.ID+">"; got != want {
			t.Errorf("Message-ID=%q, want %q", got, want)
		}
		if got, want := parsed.Header.Get("Auto-Submitted"), "auto-generated"; got != want {
			t.Errorf("Auto-Submitted=%q, want %q", got, want)
		}
		body := io.Reader(parsed.Body)
		if strings.EqualFold(parsed.Header.Get("Content-Transfer-Encoding"), "quoted-printable") {
			body = quotedprintable.NewReader(body)
		}
		text, err := io.ReadAll(body)
		if err != nil {
			t.Fatalf("read body: %v", err)
		}
		if got, want := string(text), m.Text; got != want {
			t.Errorf("body=%q, want %q", got, want)
		}

		sum := sha256.Sum256(got.Data)
		if got, want := r.SHA256, hex.EncodeToString(sum[:]); got != want {
			t.Errorf("SHA256=%s, want %s (hash of the bytes the server received)", got, want)
		}
		if got, want := r.Bytes, int64(len(got.Data)); got != want {
			t.Errorf("Bytes=%d, want %d", got, want)
		}
		if got, want := r.Channel, send.ChannelEmail; got != want {
			t.Errorf("Channel=%q, want %q", got, want)
		}
		if got, want := r.Remote, net.JoinHostPort(server.Host, fmt.Sprint(server.Port)); got != want {
			t.Errorf("Remote=%q, want %q", got, want)
		}
		if !strings.HasSuffix(r.ID, "@custodian.example") || len(r.ID) < 30 {
			t.Errorf("ID=%q, want a random ID at the sender's domain", r.ID)
		}
		if r.Detail == "" {
			t.Error("Detail is empty, want the server's reply to DATA")
		}
		assertNoPHI(t, fmt.Sprintf("%+v", r))
	})

	t.Run("MessageIDIsKeptAcrossRetries", func(t *testing.T) {
		server := sendtest.StartSMTP(t)
		m := notification()
		m.MessageID = "<release-42.attempt@custodian.example>"
		r, err := server.Client().Send(context.Background(), m)
		if err != nil {
			t.Fatalf("Send: %v", err)
		}
		if got, want := r.ID, "release-42.attempt@custodian.example"; got != want {
			t.Errorf("ID=%q, want %q", got, want)
		}
		parsed, err := netmail.ReadMessage(strings.NewReader(string(server.Messages()[0].Data)))
		if err != nil {
			t.Fatal(err)
		}
		if got, want := parsed.Header.Get("Message-Id"), "<release-42.attempt@custodian.example>"; got != want {
			t.Errorf("Message-ID=%q, want %q", got, want)
		}
	})

	t.Run("ErrNoSTARTTLS", func(t *testing.T) {
		// The server would accept AUTH PLAIN in clear text; the client must
		// refuse before offering it.
		server := sendtest.StartSMTP(t, sendtest.WithoutSTARTTLS())
		_, err := server.Client().Send(context.Background(), notification())
		assertPermanent(t, err, send.ErrNoSTARTTLS)
		if got := server.AuthAttempts(); got != 0 {
			t.Errorf("AuthAttempts=%d, want 0: credentials offered in clear text", got)
		}
		if got := len(server.Messages()); got != 0 {
			t.Errorf("messages=%d, want 0", got)
		}
	})

	t.Run("ErrUntrustedCert", func(t *testing.T) {
		server := sendtest.StartSMTP(t, sendtest.WithUntrustedCert())
		_, err := server.Client().Send(context.Background(), notification())
		var certErr *tls.CertificateVerificationError
		if !errors.As(err, &certErr) {
			t.Fatalf("err=%v, want a certificate verification error", err)
		}
		assertPermanent(t, err, nil)
		if got := server.AuthAttempts(); got != 0 {
			t.Errorf("AuthAttempts=%d, want 0: credentials sent to an unverified server", got)
		}
	})

	t.Run("ErrSelfSignedAgainstSystemRoots", func(t *testing.T) {
		// RootCAs nil means the system roots, which never trust the test
		// certificate: proves there is no verification bypass by default.
		server := sendtest.StartSMTP(t)
		c := server.Client()
		c.RootCAs = nil
		_, err := c.Send(context.Background(), notification())
		var certErr *tls.CertificateVerificationError
		if !errors.As(err, &certErr) {
			t.Fatalf("err=%v, want a certificate verification error", err)
		}
		if got := server.AuthAttempts(); got != 0 {
			t.Errorf("AuthAttempts=%d, want 0", got)
		}
	})

	t.Run("ErrWrongPassword", func(t *testing.T) {
		server := sendtest.StartSMTP(t)
		c := server.Client()
		c.Password = "not-the-password"
		_, err := c.Send(context.Background(), notification())
		assertPermanent(t, err, send.ErrAuth)
		if got, want := smtpCode(err), 535; got != want {
			t.Errorf("Code=%d, want %d", got, want)
		}
		if strings.Contains(err.Error(), c.Password) {
			t.Errorf("error %q contains the password", err)
		}
		if got := len(server.Messages()); got != 0 {
			t.Errorf("messages=%d, want 0", got)
		}
	})

	t.Run("RcptRejectedPermanent", func(t *testing.T) {
		// The reply echoes the address, as Postfix does; it must not reach
		// the error message.
		server := sendtest.StartSMTP(t, sendtest.WithRcptError(550, [3]int{5, 1, 1}, "Recipient address rejected:"))
		_, err := server.Client().Send(context.Background(), notification())
		assertPermanent(t, err, nil)
		if got, want := smtpCode(err), 550; got != want {
			t.Errorf("Code=%d, want %d", got, want)
		}
		if got, want := err.Error(), "send: email: rcpt: server replied 550 5.1.1"; got != want {
			t.Errorf("Error()=%q, want %q", got, want)
		}
	})

	t.Run("RcptDeferredIsTemporary", func(t *testing.T) {
		server := sendtest.StartSMTP(t, sendtest.WithRcptError(450, [3]int{4, 2, 1}, "Mailbox busy, try later:"))
		_, err := server.Client().Send(context.Background(), notification())
		if !send.Temporary(err) {
			t.Fatalf("Temporary(%v)=false, want true for a 4xx reply", err)
		}
		if got, want := smtpCode(err), 450; got != want {
			t.Errorf("Code=%d, want %d", got, want)
		}
		assertNoPHI(t, err.Error())
	})

	t.Run("ClosedPortIsTemporary", func(t *testing.T) {
		c := sendtest.StartSMTP(t).Client()
		c.Port = closedPort(t)
		_, err := c.Send(context.Background(), notification())
		if !send.Temporary(err) {
			t.Fatalf("Temporary(%v)=false, want true for a refused connection", err)
		}
		if got, want := errOp(err), "dial"; got != want {
			t.Errorf("Op=%q, want %q", got, want)
		}
	})

	t.Run("SilentServerTimesOut", func(t *testing.T) {
		// A server that accepts the connection and never greets: Timeout
		// must end the session, and the failure is worth a retry.
		addr := silentListener(t)
		c := sendtest.StartSMTP(t).Client()
		host, port, _ := net.SplitHostPort(addr)
		c.Host = host
		fmt.Sscan(port, &c.Port)
		c.Timeout = 200 * time.Millisecond
		start := time.Now()
		_, err := c.Send(context.Background(), notification())
		if !send.Temporary(err) {
			t.Fatalf("Temporary(%v)=false, want true", err)
		}
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("err=%v, want it to wrap context.DeadlineExceeded", err)
		}
		if elapsed := time.Since(start); elapsed > 5*time.Second {
			t.Errorf("Send took %v, want about 200ms", elapsed)
		}
	})

	t.Run("ErrConfig", func(t *testing.T) {
		server := sendtest.StartSMTP(t)
		tests := []struct {
			name   string
			mutate func(*send.SMTP, *send.Message)
		}{
			{"DisplayNameRecipient", func(_ *send.SMTP, m *send.Message) { m.To = "Pat Example <" + recipient + ">" }},
			{"TwoRecipients", func(_ *send.SMTP, m *send.Message) { m.To = recipient + ", other@patients.example" }},
			{"HeaderInjection", func(_ *send.SMTP, m *send.Message) { m.Subject = "Ready\r\nBcc: " + recipient }},
			{"BadMessageID", func(_ *send.SMTP, m *send.Message) { m.MessageID = "no at sign" }},
			{"NoFrom", func(s *send.SMTP, _ *send.Message) { s.From = "" }},
			{"NoPassword", func(s *send.SMTP, _ *send.Message) { s.Password = "" }},
			{"HostWithPort", func(s *send.SMTP, _ *send.Message) { s.Host = "127.0.0.1:25" }},
			{"UnixSocket", func(s *send.SMTP, _ *send.Message) { s.Host = "unix:///tmp/smtp.sock" }},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				c, m := server.Client(), notification()
				tt.mutate(c, &m)
				_, err := c.Send(context.Background(), m)
				assertPermanent(t, err, send.ErrConfig)
			})
		}
		if got := server.AuthAttempts(); got != 0 {
			t.Errorf("AuthAttempts=%d, want 0: config errors must be caught before connecting", got)
		}
	})
}

// assertPermanent checks that err is a non-temporary *send.Error, wrapping
// want if want is not nil, whose message holds no PHI.
func assertPermanent(t *testing.T, err error, want error) {
	t.Helper()
	t.Logf("err: %v", err)
	var e *send.Error
	if !errors.As(err, &e) {
		t.Fatalf("err=%v (%T), want a *send.Error", err, err)
	}
	if want != nil && !errors.Is(err, want) {
		t.Errorf("err=%v, want errors.Is %v", err, want)
	}
	if send.Temporary(err) {
		t.Errorf("Temporary(%v)=true, want false", err)
	}
	assertNoPHI(t, err.Error())
}

func assertNoPHI(t *testing.T, s string) {
	t.Helper()
	for _, phi := range []string{recipient, "patients.example", "records are ready"} {
		if strings.Contains(s, phi) {
			t.Errorf("%q contains %q", s, phi)
		}
	}
}

func smtpCode(err error) int {
	var e *send.Error
	if errors.As(err, &e) {
		return e.Code
	}
	return 0
}

func errOp(err error) string {
	var e *send.Error
	if errors.As(err, &e) {
		return e.Op
	}
	return ""
}

// closedPort returns a loopback port that nothing listens on.
func closedPort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	return port
}

// silentListener accepts connections and never writes to them.
func silentListener(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		var conns []net.Conn
		defer func() {
			for _, c := range conns {
				c.Close()
			}
		}()
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			conns = append(conns, c)
		}
	}()
	t.Cleanup(func() {
		l.Close()
		<-done
	})
	return l.Addr().String()
}
