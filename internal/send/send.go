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
	"regexp"
	"syscall"
	"time"
)

// Channels, as recorded in Receipt.Channel and Error.Channel.
const (
	ChannelEmail = "email"
	ChannelSFTP  = "sftp"
)

// DefaultTimeout bounds a whole Send or Push when its Timeout is zero.
const DefaultTimeout = time.Minute

// Receipt is the proof of one delivery, stored in the disclosure ledger.
//
// PHI: a Receipt never holds a recipient address, a subject or any content;
// Remote is the server's host:port and ID is a Message-ID or a remote path
// built from an opaque file name.
type Receipt struct {
	Channel        string // ChannelEmail or ChannelSFTP
	Remote         string // host:port of the server actually reached
	ID             string // e-mail: Message-ID without angle brackets; SFTP: final remote path
	Bytes          int64  // e-mail: size of the message as transmitted in DATA; SFTP: file size
	SHA256         string // lower-case hex SHA-256 over the same bytes as Bytes
	AlreadyPresent bool   // SFTP only: the identical file was already there; nothing was uploaded
	Detail         string // e-mail: the server's reply to the end of DATA; SFTP: what was done
}

// Sentinel causes, for errors.Is on an *Error.
var (
	// ErrConfig reports an unusable configuration or argument, found before
	// any connection is made (empty host key, missing sender, bad address).
	ErrConfig = errors.New("invalid configuration")
	// ErrInvalidName reports an SFTP file name that is not a plain name.
	ErrInvalidName = errors.New("file name must be a plain name without path separators")
	// ErrNoSTARTTLS reports an SMTP server that does not offer STARTTLS.
	ErrNoSTARTTLS = errors.New("server does not offer STARTTLS")
	// ErrUnencrypted reports an attempt to authenticate without completed TLS.
	ErrUnencrypted = errors.New("refusing to authenticate without TLS")
	// ErrAuth reports credentials refused by the server, or no usable mechanism.
	ErrAuth = errors.New("authentication failed")
	// ErrHostKeyMismatch reports an SSH host key other than the pinned one.
	ErrHostKeyMismatch = errors.New("ssh host key does not match the pinned key")
	// ErrConflict reports a final SFTP file that exists with other content.
	ErrConflict = errors.New("a different file with this name already exists")
	// ErrVerify reports an upload whose size or content did not check out.
	ErrVerify = errors.New("upload verification failed")
)

// Error is the only error type Send and Push return.
//
// PHI: Error() is built from the channel, the operation and a detail that
// holds no server reply text (only SMTP reply codes) and no addresses or
// content. Err, the cause, may hold server text; it is there for errors.Is
// and errors.As and must not be logged verbatim.
type Error struct {
	Channel   string // ChannelEmail or ChannelSFTP
	Op        string // config, dial, ehlo, starttls, auth, mail, rcpt, data, handshake, stat, read, upload, rename, verify
	Code      int    // the SMTP reply code, when a reply caused the failure; 0 otherwise
	Temporary bool   // a later retry may succeed; see Temporary
	Err       error

	detail string
}

func (e *Error) Error() string {
	s := "send: " + e.Channel + ": " + e.Op
	if e.detail != "" {
		s += ": " + e.detail
	}
	return s
}

func (e *Error) Unwrap() error { return e.Err }

// Temporary reports whether err is a failure that a later retry may cure:
// a refused or dropped connection, a timeout, a cancelled context or a 4xx
// SMTP reply. It is false for nil, for errors not from this package, and for
// permanent failures: 5xx replies, configuration errors, a host key
// mismatch, refused credentials, an untrusted certificate, a missing
// STARTTLS and a conflicting file. The durable job queue retries only
// temporary failures.
func Temporary(err error) bool {
	var e *Error
	return errors.As(err, &e) && e.Temporary
}

// newError classifies cause: reply codes first (an SMTP 4xx is temporary
// even when it also closes the connection), then our sentinels and TLS
// failures (permanent), then transport failures (temporary).
func newError(ctx context.Context, channel, op string, cause error) *Error {
	if ctx != nil && ctx.Err() != nil && !errors.Is(cause, ctx.Err()) {
		// The connection was closed because the context ended; say so, since
		// the cause alone reads like a network fault.
		cause = fmt.Errorf("%w: %w", ctx.Err(), cause)
	}
	e := &Error{Channel: channel, Op: op, Err: cause}
	var reply *textproto.Error
	switch {
	case errors.As(cause, &reply):
		e.Code = reply.Code
		e.Temporary = reply.Code >= 400 && reply.Code < 500
		// PHI: reply text often echoes the recipient ("<a@b>: mailbox
		// unavailable"), so only the codes go into the message.
		e.detail = fmt.Sprintf("server replied %d", reply.Code)
		if ec := enhancedCode.FindString(reply.Msg); ec != "" {
			e.detail += " " + ec
		}
		if errors.Is(cause, ErrAuth) {
			e.detail = ErrAuth.Error() + ": " + e.detail
		}
		return e
	case isPermanent(cause):
		e.Temporary = false
	case isTransient(cause):
		e.Temporary = true
	}
	e.detail = cause.Error()
	return e
}

// enhancedCode matches an RFC 3463 status code at the start of a reply.
var enhancedCode = regexp.MustCompile(`^[245]\.\d{1,3}\.\d{1,3}\b`)

// isPermanent is checked before isTransient because TLS alerts arrive
// wrapped in *net.OpError, which would otherwise look like a network fault.
func isPermanent(err error) bool {
	for _, sentinel := range []error{ErrConfig, ErrInvalidName, ErrNoSTARTTLS, ErrUnencrypted, ErrAuth, ErrHostKeyMismatch, ErrConflict, ErrVerify} {
		if errors.Is(err, sentinel) {
			return true
		}
	}
	var (
		certErr     *tls.CertificateVerificationError
		unknownAuth x509.UnknownAuthorityError
		hostnameErr x509.HostnameError
		invalidErr  x509.CertificateInvalidError
		alertErr    tls.AlertError
		recordErr   tls.RecordHeaderError
	)
	return errors.As(err, &certErr) || errors.As(err, &unknownAuth) || errors.As(err, &hostnameErr) ||
		errors.As(err, &invalidErr) || errors.As(err, &alertErr) || errors.As(err, &recordErr)
}

func isTransient(err error) bool {
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) ||
		errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, net.ErrClosed) {
		return true
	}
	for _, errno := range []syscall.Errno{syscall.ECONNREFUSED, syscall.ECONNRESET, syscall.ECONNABORTED,
		syscall.EPIPE, syscall.ETIMEDOUT, syscall.EHOSTUNREACH, syscall.ENETUNREACH, syscall.ENETDOWN} {
		if errors.Is(err, errno) {
			return true
		}
	}
	var dnsErr *net.DNSError
	if errors.As(err, &dnsErr) {
		// A name that does not exist is a configuration error; a resolver
		// that did not answer is not.
		return dnsErr.IsTimeout || dnsErr.IsTemporary
	}
	var netErr net.Error
	if errors.As(err, &netErr) && netErr.Timeout() {
		return true
	}
	var opErr *net.OpError
	return errors.As(err, &opErr)
}

// configError reports a problem found before any connection. The cause is
// dropped on purpose: parser errors quote their input, which may be an
// address.
func configError(channel, detail string) *Error {
	return &Error{Channel: channel, Op: "config", Err: ErrConfig, detail: detail}
}

// deadline returns ctx bounded by timeout, or by DefaultTimeout if zero.
func deadline(ctx context.Context, timeout time.Duration) (context.Context, context.CancelFunc) {
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	return context.WithTimeout(ctx, timeout)
}

// bindConn makes conn obey ctx: when ctx ends (deadline or cancellation)
// the connection is closed, which unblocks any pending read or write inside
// a protocol library that takes no context. No socket deadline is set as
// well: one firing a moment before ctx's timer would report a bare i/o
// timeout where newError can otherwise always name the context's reason.
// The returned func must be called when the connection is no longer used.
func bindConn(ctx context.Context, conn net.Conn) (stop func() bool) {
	return context.AfterFunc(ctx, func() { _ = conn.Close() })
}
