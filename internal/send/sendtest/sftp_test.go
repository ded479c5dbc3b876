package sendtest

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/pkg/sftp"
	"golang.org/x/crypto/ssh"
)

// rawClient connects to s with plain pkg/sftp, bypassing every check
// package send makes, to test the server's own confinement.
func rawClient(t *testing.T, s *SFTPServer) *sftp.Client {
	t.Helper()
	hostKey, _, _, _, err := ssh.ParseAuthorizedKey([]byte(s.HostKey))
	if err != nil {
		t.Fatal(err)
	}
	conn, err := ssh.Dial("tcp", s.Addr, &ssh.ClientConfig{
		User:            s.User,
		Auth:            []ssh.AuthMethod{ssh.Password(s.Password)},
		HostKeyCallback: ssh.FixedHostKey(hostKey),
	})
	if err != nil {
		t.Fatalf("ssh dial: %v", err)
	}
	t.Cleanup(func() { conn.Close() })
	c, err := sftp.NewClient(conn)
	if err != nil {
		t.Fatalf("sftp client: %v", err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func TestSFTPServer_Rooted(t *testing.T) {
	// The test server stands in for a recipient's drop box in workflow
	// tests; a client bug must show up as a file inside Dir or an error,
	// never as a write elsewhere on the test machine.
	s := StartSFTP(t)
	outside := t.TempDir()
	if err := os.Symlink(outside, filepath.Join(s.Dir, "link")); err != nil {
		t.Fatal(err)
	}
	c := rawClient(t, s)

	t.Run("DotDotStaysInside", func(t *testing.T) {
		for _, name := range []string{"../escape-1", "/../../escape-2", "a/../../escape-3"} {
			f, err := c.Create(name)
			if err != nil {
				continue // refusing is fine too
			}
			f.Write([]byte("x"))
			f.Close()
		}
		parent := filepath.Dir(s.Dir)
		for _, name := range []string{"escape-1", "escape-2", "escape-3"} {
			if _, err := os.Stat(filepath.Join(parent, name)); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("%s written outside the root (stat err=%v)", name, err)
			}
		}
	})

	t.Run("SymlinkOutIsRefused", func(t *testing.T) {
		if f, err := c.Create("/link/escape"); err == nil {
			f.Close()
			t.Error("Create through a symlink leaving the root succeeded")
		}
		if entries, _ := os.ReadDir(outside); len(entries) != 0 {
			t.Errorf("outside dir has %d entries, want 0", len(entries))
		}
	})

	t.Run("SymlinkCreationIsRefused", func(t *testing.T) {
		if err := c.Symlink("/etc/passwd", "/passwd"); err == nil {
			t.Error("Symlink succeeded, want refused")
		}
	})

	t.Run("RenameNeverReplaces", func(t *testing.T) {
		write := func(name, content string) {
			t.Helper()
			f, err := c.Create(name)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			if _, err := f.Write([]byte(content)); err != nil {
				t.Fatal(err)
			}
		}
		write("/a", "first")
		write("/b", "second")
		if err := c.Rename("/b", "/a"); err == nil {
			t.Error("Rename onto an existing file succeeded, want refused as OpenSSH does")
		}
		got, err := os.ReadFile(filepath.Join(s.Dir, "a"))
		if err != nil || !bytes.Equal(got, []byte("first")) {
			t.Errorf("a=%q (err=%v), want %q", got, err, "first")
		}
	})

	t.Run("ListRoot", func(t *testing.T) {
		infos, err := c.ReadDir("/")
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, fi := range infos {
			names = append(names, fi.Name())
		}
		slices.Sort(names)
		if len(names) == 0 || !slices.Contains(names, "a") {
			t.Errorf("ReadDir(/)=%q, want it to list the root", names)
		}
	})
}
