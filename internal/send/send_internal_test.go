package send

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/textproto"
	"os"
	"strings"
	"syscall"
	"testing"

	"github.com/wneessen/go-mail/smtp"
)

func TestNewError_Temporary(t *testing.T) {
	refused := &net.OpError{Op: "dial", Net: "tcp", Err: os.NewSyscallError("connect", syscall.ECONNREFUSED)}
	tests := []struct {
		name  string
		cause error
		want  bool
	}{
		{"ConnectionRefused", refused, true},
		{"ConnectionReset", fmt.Errorf("read: %w", syscall.ECONNRESET), true},
		{"EOF", io.EOF, true},
		{"DeadlineExceeded", context.DeadlineExceeded, true},
		{"Canceled", context.Canceled, true},
		{"DNSTemporary", &net.DNSError{Err: "server misbehaving", IsTemporary: true}, true},
		{"DNSNotFound", &net.DNSError{Err: "no such host", IsNotFound: true}, false},
		{"Reply421", &textproto.Error{Code: 421, Msg: "4.3.2 Service shutting down"}, true},
		{"Reply451", &textproto.Error{Code: 451, Msg: "4.7.1 Greylisted"}, true},
		{"Reply454Auth", fmt.Errorf("%w: %w", ErrAuth, &textproto.Error{Code: 454, Msg: "4.7.0 Temporary authentication failure"}), true},
		{"Reply535Auth", fmt.Errorf("%w: %w", ErrAuth, &textproto.Error{Code: 535, Msg: "5.7.8 Bad credentials"}), false},
		{"Reply554", &textproto.Error{Code: 554, Msg: "5.7.1 Relay denied"}, false},
		{"UnknownAuthority", &tls.CertificateVerificationError{Err: x509.UnknownAuthorityError{}}, false},
		// Go reports a TLS alert from the peer inside a *net.OpError; it is
		// a refusal, not a network fault.
		{"RemoteTLSAlert", &net.OpError{Op: "remote error", Err: tls.AlertError(42)}, false},
		{"HostKeyMismatch", fmt.Errorf("ssh: handshake failed: %w", ErrHostKeyMismatch), false},
		{"Conflict", ErrConflict, false},
		{"NoSTARTTLS", ErrNoSTARTTLS, false},
		{"Unknown", errors.New("something odd"), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := newError(context.Background(), ChannelEmail, "test", tt.cause)
			if got := Temporary(err); got != tt.want {
				t.Errorf("Temporary=%v, want %v (%v)", got, tt.want, err)
			}
			if !errors.Is(err, tt.cause) {
				t.Errorf("errors.Is(err, cause)=false: the cause must stay in the chain")
			}
		})
	}
}

func TestNewError_ReplyTextIsNotInMessage(t *testing.T) {
	cause := &textproto.Error{Code: 550, Msg: "5.1.1 <pat.example@patients.example>: Recipient address rejected"}
	err := newError(context.Background(), ChannelEmail, "rcpt", cause)
	if got, want := err.Error(), "send: email: rcpt: server replied 550 5.1.1"; got != want {
		t.Errorf("Error()=%q, want %q", got, want)
	}
	if got, want := err.Code, 550; got != want {
		t.Errorf("Code=%d, want %d", got, want)
	}
}

func TestTemporary_Foreign(t *testing.T) {
	if Temporary(nil) {
		t.Error("Temporary(nil)=true")
	}
	if Temporary(context.DeadlineExceeded) {
		t.Error("Temporary of an error not from this package=true, want false")
	}
	wrapped := fmt.Errorf("workflow: deliver: %w", newError(context.Background(), ChannelSFTP, "dial", io.EOF))
	if !Temporary(wrapped) {
		t.Error("Temporary of a wrapped temporary *Error=false, want true")
	}
}

func TestTLSPlainAuth_RefusesWithoutTLS(t *testing.T) {
	// go-mail's smtp.PlainAuth sends the password in clear to "localhost",
	// "127.0.0.1" and "::1"; ours must not, whatever the name.
	a := &tlsPlainAuth{host: "127.0.0.1", username: "u", password: "p"}
	for _, name := range []string{"127.0.0.1", "localhost", "::1"} {
		a.host = name
		if _, resp, err := a.Start(&smtp.ServerInfo{Name: name, TLS: false}); !errors.Is(err, ErrUnencrypted) || resp != nil {
			t.Errorf("Start(%s, no TLS): resp=%q err=%v, want ErrUnencrypted and no credentials", name, resp, err)
		}
	}
	a.host = "mail.example.org"
	if _, _, err := a.Start(&smtp.ServerInfo{Name: "other.example.org", TLS: true}); !errors.Is(err, ErrUnencrypted) {
		t.Errorf("Start(other name): err=%v, want refusal", err)
	}
	mech, resp, err := a.Start(&smtp.ServerInfo{Name: "mail.example.org", TLS: true})
	if err != nil || mech != "PLAIN" || string(resp) != "\x00u\x00p" {
		t.Errorf("Start(TLS)=%q, %q, %v; want PLAIN, \\x00u\\x00p, nil", mech, resp, err)
	}
}

func TestCheckName(t *testing.T) {
	for _, ok := range []string{"request-1042-packet.pdf", "a", "R 12 (copy).pdf", strings.Repeat("x", 255)} {
		if err := checkName(ok); err != nil {
			t.Errorf("checkName(%q)=%v, want nil", ok, err)
		}
	}
	for _, bad := range []string{"", ".", "..", "../x", "a/b", `a\b`, ".part", "a\tb", strings.Repeat("x", 256)} {
		if err := checkName(bad); !errors.Is(err, ErrInvalidName) {
			t.Errorf("checkName(%q)=%v, want ErrInvalidName", bad, err)
		}
	}
}
