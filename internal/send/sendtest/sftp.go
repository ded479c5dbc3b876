package sendtest

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/subtle"
	"encoding/pem"
	"errors"
	"io"
	"io/fs"
	"net"
	"os"
	"path"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/custodian-roi/custodian/internal/send"
	"github.com/pkg/sftp"
	"golang.org/x/crypto/ssh"
)

// SFTPServer is a running SSH server with only the sftp subsystem, rooted in
// Dir: the client's "/" is Dir, and no path, "..", absolute or through a
// symbolic link, reaches outside it.
type SFTPServer struct {
	Addr     string // 127.0.0.1:port
	User     string
	Password string
	// ClientKey is a PEM private key the server also accepts for User, for
	// tests of public-key authentication.
	ClientKey []byte
	// HostKey is the server's ed25519 host key as an authorized_keys line,
	// ready for send.SFTP.HostKey.
	HostKey string
	Dir     string // local path of the root, a t.TempDir()

	clientPub ssh.PublicKey

	mu           sync.Mutex
	authAttempts int
	conns        map[net.Conn]struct{}
}

// StartSFTP starts a server on 127.0.0.1 and stops it on t.Cleanup, waiting
// for every connection goroutine to end.
func StartSFTP(tb testing.TB) *SFTPServer {
	tb.Helper()
	s := &SFTPServer{
		User:     "dropbox",
		Password: "test-password-" + rand.Text(),
		Dir:      tb.TempDir(),
		conns:    make(map[net.Conn]struct{}),
	}
	root, err := os.OpenRoot(s.Dir)
	if err != nil {
		tb.Fatalf("sendtest: open root: %v", err)
	}

	_, hostSigner, hostLine := newEd25519(tb)
	s.HostKey = hostLine
	clientPriv, clientSigner, _ := newEd25519(tb)
	s.clientPub = clientSigner.PublicKey()
	block, err := ssh.MarshalPrivateKey(clientPriv, "")
	if err != nil {
		tb.Fatalf("sendtest: marshal client key: %v", err)
	}
	s.ClientKey = pem.EncodeToMemory(block)

	config := &ssh.ServerConfig{
		PasswordCallback: func(c ssh.ConnMetadata, password []byte) (*ssh.Permissions, error) {
			if c.User() == s.User && subtle.ConstantTimeCompare(password, []byte(s.Password)) == 1 {
				return nil, nil
			}
			return nil, errors.New("sendtest: wrong password")
		},
		PublicKeyCallback: func(c ssh.ConnMetadata, key ssh.PublicKey) (*ssh.Permissions, error) {
			if c.User() == s.User && bytes.Equal(key.Marshal(), s.clientPub.Marshal()) {
				return nil, nil
			}
			return nil, errors.New("sendtest: unknown key")
		},
		// Called for every attempt, "none" included: the proof that a
		// client refused the host key before offering any credential.
		AuthLogCallback: func(ssh.ConnMetadata, string, error) {
			s.mu.Lock()
			s.authAttempts++
			s.mu.Unlock()
		},
	}
	config.AddHostKey(hostSigner)

	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatalf("sendtest: listen: %v", err)
	}
	s.Addr = l.Addr().String()

	var wg sync.WaitGroup
	wg.Go(func() {
		for {
			conn, err := l.Accept()
			if err != nil {
				return // listener closed by Cleanup
			}
			s.mu.Lock()
			s.conns[conn] = struct{}{}
			s.mu.Unlock()
			wg.Go(func() {
				defer func() {
					s.mu.Lock()
					delete(s.conns, conn)
					s.mu.Unlock()
					_ = conn.Close()
				}()
				serveSSH(conn, config, root)
			})
		}
	})
	tb.Cleanup(func() {
		_ = l.Close()
		s.mu.Lock()
		for c := range s.conns {
			_ = c.Close()
		}
		s.mu.Unlock()
		wg.Wait()
		_ = root.Close()
	})
	return s
}

// OtherHostKey returns the authorized_keys line of a fresh ed25519 key that
// no server has: pinning it must make every push fail.
func OtherHostKey(tb testing.TB) string {
	tb.Helper()
	_, _, line := newEd25519(tb)
	return line
}

// Client returns a send.SFTP configured for this server with password
// authentication, pushing into the root.
func (s *SFTPServer) Client() *send.SFTP {
	return &send.SFTP{
		Addr:     s.Addr,
		User:     s.User,
		Password: s.Password,
		HostKey:  s.HostKey,
		Dir:      "/",
		Timeout:  10 * time.Second,
	}
}

// AuthAttempts returns how many authentication attempts the server has
// seen, of any method.
func (s *SFTPServer) AuthAttempts() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.authAttempts
}

// serveSSH runs one connection: handshake, then session channels whose only
// accepted request is the sftp subsystem. It returns when the connection
// ends, after every goroutine it started has returned.
func serveSSH(conn net.Conn, config *ssh.ServerConfig, root *os.Root) {
	_ = conn.SetDeadline(time.Now().Add(10 * time.Second))
	sconn, chans, reqs, err := ssh.NewServerConn(conn, config)
	if err != nil {
		return // refused host key, failed auth, closed by Cleanup
	}
	_ = conn.SetDeadline(time.Time{})
	defer sconn.Close()

	var wg sync.WaitGroup
	defer wg.Wait()
	wg.Go(func() { ssh.DiscardRequests(reqs) })
	for nc := range chans {
		if nc.ChannelType() != "session" {
			_ = nc.Reject(ssh.UnknownChannelType, "only session channels")
			continue
		}
		ch, requests, err := nc.Accept()
		if err != nil {
			continue
		}
		wg.Go(func() {
			defer ch.Close()
			for req := range requests {
				ok := req.Type == "subsystem" && len(req.Payload) > 4 && string(req.Payload[4:]) == "sftp"
				_ = req.Reply(ok, nil)
				if !ok {
					continue
				}
				wg.Go(func() {
					server := sftp.NewRequestServer(ch, rootHandlers(root), sftp.WithStartDirectory("/"))
					_ = server.Serve() // io.EOF when the client closes
					_ = server.Close()
				})
			}
		})
	}
}

func newEd25519(tb testing.TB) (ed25519.PrivateKey, ssh.Signer, string) {
	tb.Helper()
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		tb.Fatalf("sendtest: generate ed25519: %v", err)
	}
	signer, err := ssh.NewSignerFromKey(priv)
	if err != nil {
		tb.Fatalf("sendtest: signer: %v", err)
	}
	line := strings.TrimSpace(string(ssh.MarshalAuthorizedKey(signer.PublicKey())))
	return priv, signer, line
}

// rootHandlers serves the SFTP request methods from root. os.Root refuses
// any name that would leave the root, including through symbolic links; the
// request server has already cleaned "..", and a client's "/" is the root.
func rootHandlers(root *os.Root) sftp.Handlers {
	h := &rootFS{root: root}
	return sftp.Handlers{FileGet: h, FilePut: h, FileCmd: h, FileList: h}
}

type rootFS struct{ root *os.Root }

// rel maps a request path ("/a/b", already cleaned by pkg/sftp) to a name
// relative to the root.
func rel(p string) string {
	p = path.Clean("/" + p)
	if p == "/" {
		return "."
	}
	return p[1:]
}

func (h *rootFS) Fileread(r *sftp.Request) (io.ReaderAt, error) {
	return h.root.Open(rel(r.Filepath))
}

func (h *rootFS) Filewrite(r *sftp.Request) (io.WriterAt, error) {
	pf := r.Pflags()
	flags := os.O_WRONLY
	if pf.Read {
		flags = os.O_RDWR
	}
	// O_APPEND is left out: os.File.WriteAt refuses files opened with it,
	// and SFTP writes carry explicit offsets anyway.
	if pf.Creat {
		flags |= os.O_CREATE
	}
	if pf.Trunc {
		flags |= os.O_TRUNC
	}
	if pf.Excl {
		flags |= os.O_EXCL
	}
	return h.root.OpenFile(rel(r.Filepath), flags, 0o644)
}

func (h *rootFS) Filecmd(r *sftp.Request) error {
	switch r.Method {
	case "Setstat":
		return nil // attributes are not kept
	case "Rename":
		// SSH_FXP_RENAME as OpenSSH does it: link then unlink, so an
		// existing target is refused, never replaced.
		if err := h.root.Link(rel(r.Filepath), rel(r.Target)); err != nil {
			return err
		}
		return h.root.Remove(rel(r.Filepath))
	case "Remove", "Rmdir":
		return h.root.Remove(rel(r.Filepath))
	case "Mkdir":
		return h.root.Mkdir(rel(r.Filepath), 0o755)
	case "Link":
		return h.root.Link(rel(r.Filepath), rel(r.Target))
	default: // Symlink: a client must not plant links, even inside the root
		return sftp.ErrSSHFxOpUnsupported
	}
}

// PosixRename replaces the target, as posix-rename@openssh.com does.
func (h *rootFS) PosixRename(r *sftp.Request) error {
	return h.root.Rename(rel(r.Filepath), rel(r.Target))
}

func (h *rootFS) Filelist(r *sftp.Request) (sftp.ListerAt, error) {
	switch r.Method {
	case "List":
		entries, err := fs.ReadDir(h.root.FS(), rel(r.Filepath))
		if err != nil {
			return nil, err
		}
		infos := make(listerAt, 0, len(entries))
		for _, e := range entries {
			fi, err := e.Info()
			if err != nil {
				return nil, err
			}
			infos = append(infos, fi)
		}
		return infos, nil
	case "Stat":
		fi, err := h.root.Stat(rel(r.Filepath))
		if err != nil {
			return nil, err
		}
		return listerAt{fi}, nil
	default: // Readlink
		return nil, sftp.ErrSSHFxOpUnsupported
	}
}

func (h *rootFS) Lstat(r *sftp.Request) (sftp.ListerAt, error) {
	fi, err := h.root.Lstat(rel(r.Filepath))
	if err != nil {
		return nil, err
	}
	return listerAt{fi}, nil
}

var _ sftp.LstatFileLister = (*rootFS)(nil)
var _ sftp.PosixRenameFileCmder = (*rootFS)(nil)

type listerAt []os.FileInfo

func (l listerAt) ListAt(dst []os.FileInfo, offset int64) (int, error) {
	if offset >= int64(len(l)) {
		return 0, io.EOF
	}
	n := copy(dst, l[offset:])
	if n < len(dst) {
		return n, io.EOF
	}
	return n, nil
}
