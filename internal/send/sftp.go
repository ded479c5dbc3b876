package send

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path"
	"strings"
	"time"
	"unicode"

	"github.com/pkg/sftp"
	"golang.org/x/crypto/ssh"
)

// SFTP pushes files into one directory of an SFTP server whose host key is
// pinned. Addr, User, HostKey and Password or PrivateKey are required.
type SFTP struct {
	Addr       string // host:port
	User       string
	Password   string // optional when PrivateKey is set
	PrivateKey []byte // PEM, unencrypted; optional when Password is set
	// HostKey is the server's public host key as an authorized_keys line,
	// "ssh-ed25519 AAAA...". Required: there is no trust on first use.
	HostKey string
	Dir     string        // remote directory; empty means the login directory
	Timeout time.Duration // bounds the whole Push; zero means DefaultTimeout
}

// Push stores data as Dir/name on the server, exactly once.
//
// name must be a plain, opaque file name (a request ID, not a patient's
// name): not empty, no "/" or "\", no NUL or control characters, and not
// starting with "." (those names are reserved for Push's temporary files).
//
// If Dir/name already holds exactly data (same SHA-256, read back from the
// server), Push uploads nothing and returns a Receipt with AlreadyPresent
// set: a retry after a crash never delivers twice. If it holds anything
// else, Push returns ErrConflict and never overwrites it. Otherwise data is
// written to a temporary name in Dir, synced where the server supports
// fsync@openssh.com, closed, checked by size and renamed to name.
//
// Errors are *Error. ErrInvalidName and ErrConfig: nothing was sent.
// ErrHostKeyMismatch: the server was refused during key exchange, before
// any credential. ErrAuth: credentials refused. ErrConflict, ErrVerify:
// permanent. Network failures and timeouts are Temporary.
func (s *SFTP) Push(ctx context.Context, name string, data []byte) (Receipt, error) {
	if err := checkName(name); err != nil {
		return Receipt{}, err
	}
	config, err := s.clientConfig()
	if err != nil {
		return Receipt{}, err
	}
	var hostKeyOK bool
	pinned := config.HostKeyCallback
	config.HostKeyCallback = func(hostname string, remote net.Addr, key ssh.PublicKey) error {
		if err := pinned(hostname, remote, key); err != nil {
			return fmt.Errorf("%w: server offered %s %s", ErrHostKeyMismatch, key.Type(), ssh.FingerprintSHA256(key))
		}
		hostKeyOK = true
		return nil
	}

	ctx, cancel := deadline(ctx, s.Timeout)
	defer cancel()
	var dialer net.Dialer
	conn, err := dialer.DialContext(ctx, "tcp", s.Addr)
	if err != nil {
		return Receipt{}, newError(ctx, ChannelSFTP, "dial", err)
	}
	defer conn.Close()
	defer bindConn(ctx, conn)()

	sshConn, chans, reqs, err := ssh.NewClientConn(conn, s.Addr, config)
	if err != nil {
		if hostKeyOK && !isTransient(err) {
			// The key exchange and host key passed, so what failed is user
			// authentication. x/crypto/ssh has no typed error for it.
			err = fmt.Errorf("%w: %w", ErrAuth, err)
		}
		return Receipt{}, newError(ctx, ChannelSFTP, "handshake", err)
	}
	sshClient := ssh.NewClient(sshConn, chans, reqs)
	defer sshClient.Close()
	client, err := sftp.NewClient(sshClient)
	if err != nil {
		return Receipt{}, newError(ctx, ChannelSFTP, "handshake", err)
	}
	defer client.Close()

	p := &push{ctx: ctx, client: client, final: path.Join(s.Dir, name), data: data}
	sum := sha256.Sum256(data)
	p.sum = hex.EncodeToString(sum[:])
	receipt := Receipt{
		Channel: ChannelSFTP,
		Remote:  conn.RemoteAddr().String(),
		ID:      p.final,
		Bytes:   int64(len(data)),
		SHA256:  p.sum,
	}

	switch present, err := p.existing(); {
	case err != nil:
		return Receipt{}, err
	case present:
		receipt.AlreadyPresent = true
		receipt.Detail = "identical file already present; not uploaded again"
		return receipt, nil
	}
	detail, err := p.upload(s.Dir)
	if err != nil {
		return Receipt{}, err
	}
	receipt.Detail = detail
	return receipt, nil
}

// push is the state of one Push after the session is up.
type push struct {
	ctx    context.Context
	client *sftp.Client
	final  string
	data   []byte
	sum    string // hex SHA-256 of data
}

// existing reports whether final already holds exactly data. It returns
// ErrConflict if final exists with anything else, including a directory.
func (p *push) existing() (bool, error) {
	fi, err := p.client.Stat(p.final)
	if errors.Is(err, os.ErrNotExist) {
		return false, nil
	} else if err != nil {
		return false, newError(p.ctx, ChannelSFTP, "stat", err)
	}
	if !fi.Mode().IsRegular() || fi.Size() != int64(len(p.data)) {
		return false, newError(p.ctx, ChannelSFTP, "stat", ErrConflict)
	}
	// Same size: read it back, because only the content can prove that a
	// crashed earlier attempt delivered these bytes and not others.
	f, err := p.client.Open(p.final)
	if err != nil {
		return false, newError(p.ctx, ChannelSFTP, "read", err)
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return false, newError(p.ctx, ChannelSFTP, "read", err)
	}
	if hex.EncodeToString(h.Sum(nil)) != p.sum {
		return false, newError(p.ctx, ChannelSFTP, "read", ErrConflict)
	}
	return true, nil
}

// upload writes data under a temporary name in dir and renames it to final.
func (p *push) upload(dir string) (detail string, err error) {
	// A random suffix keeps two concurrent pushes of the same name from
	// writing into one temporary file.
	tmp := path.Join(dir, "."+path.Base(p.final)+"."+rand.Text()+".part")
	f, err := p.client.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL)
	if err != nil {
		return "", newError(p.ctx, ChannelSFTP, "upload", err)
	}
	renamed := false
	defer func() {
		if !renamed {
			_ = f.Close()
			_ = p.client.Remove(tmp) // best effort; the name is hidden and unique
		}
	}()

	if _, err := f.ReadFrom(bytes.NewReader(p.data)); err != nil {
		return "", newError(p.ctx, ChannelSFTP, "upload", err)
	}
	synced := "synced"
	if err := f.Sync(); err != nil {
		var status *sftp.StatusError
		if !errors.As(err, &status) || status.FxCode() != sftp.ErrSSHFxOpUnsupported {
			return "", newError(p.ctx, ChannelSFTP, "upload", err)
		}
		// pkg/sftp's own server lacks fsync@openssh.com; OpenSSH has it.
		// Close still flushes to the server's page cache.
		synced = "not synced (server lacks fsync@openssh.com)"
	}
	if err := f.Close(); err != nil {
		return "", newError(p.ctx, ChannelSFTP, "upload", err)
	}
	fi, err := p.client.Stat(tmp)
	if err != nil {
		return "", newError(p.ctx, ChannelSFTP, "verify", err)
	}
	if fi.Size() != int64(len(p.data)) {
		return "", newError(p.ctx, ChannelSFTP, "verify", fmt.Errorf("%w: remote size %d, sent %d", ErrVerify, fi.Size(), len(p.data)))
	}

	// SSH_FXP_RENAME, not posix-rename@openssh.com: OpenSSH implements it
	// with link+unlink and refuses an existing target, so a file that
	// appeared meanwhile is never overwritten.
	if err := p.client.Rename(tmp, p.final); err != nil {
		if present, perr := p.existing(); perr == nil && present {
			return "identical file appeared during upload; kept it", nil
		} else if perr != nil && errors.Is(perr, ErrConflict) {
			return "", perr
		}
		return "", newError(p.ctx, ChannelSFTP, "rename", err)
	}
	renamed = true
	return "uploaded to a temporary name, " + synced + ", size verified, renamed", nil
}

// clientConfig builds the SSH client configuration, or an ErrConfig.
func (s *SFTP) clientConfig() (*ssh.ClientConfig, error) {
	if s.Addr == "" || s.User == "" {
		return nil, configError(ChannelSFTP, "Addr and User are required")
	}
	if _, _, err := net.SplitHostPort(s.Addr); err != nil {
		return nil, configError(ChannelSFTP, "Addr must be host:port")
	}
	// SECURITY: an empty HostKey is an error, never InsecureIgnoreHostKey.
	if strings.TrimSpace(s.HostKey) == "" {
		return nil, configError(ChannelSFTP, "HostKey is required (authorized_keys line of the server's host key)")
	}
	hostKey, _, _, _, err := ssh.ParseAuthorizedKey([]byte(s.HostKey))
	if err != nil {
		return nil, configError(ChannelSFTP, "HostKey is not an authorized_keys line")
	}
	var auth []ssh.AuthMethod
	if len(s.PrivateKey) > 0 {
		signer, err := ssh.ParsePrivateKey(s.PrivateKey)
		if err != nil {
			return nil, configError(ChannelSFTP, "PrivateKey is not an unencrypted PEM private key")
		}
		auth = append(auth, ssh.PublicKeys(signer))
	}
	if s.Password != "" {
		auth = append(auth, ssh.Password(s.Password))
	}
	if len(auth) == 0 {
		return nil, configError(ChannelSFTP, "Password or PrivateKey is required")
	}
	return &ssh.ClientConfig{
		User:            s.User,
		Auth:            auth,
		HostKeyCallback: ssh.FixedHostKey(hostKey),
		// Ask only for the pinned key's algorithm. Otherwise a server with
		// several host keys may present another one first, and the pin
		// would refuse a legitimate server.
		HostKeyAlgorithms: hostKeyAlgorithms(hostKey),
	}, nil
}

func hostKeyAlgorithms(key ssh.PublicKey) []string {
	if key.Type() == ssh.KeyAlgoRSA {
		// An RSA key signs with SHA-2 algorithms; "ssh-rsa" (SHA-1) is off
		// by default in x/crypto/ssh.
		return []string{ssh.KeyAlgoRSASHA512, ssh.KeyAlgoRSASHA256}
	}
	return []string{key.Type()}
}

// checkName accepts only a plain file name, so Push cannot be steered out
// of Dir whatever the server does with paths.
func checkName(name string) error {
	bad := name == "" || len(name) > 255 || strings.HasPrefix(name, ".") ||
		strings.ContainsAny(name, `/\`) ||
		strings.ContainsFunc(name, unicode.IsControl)
	if bad {
		return &Error{Channel: ChannelSFTP, Op: "config", Err: ErrInvalidName, detail: ErrInvalidName.Error()}
	}
	return nil
}
