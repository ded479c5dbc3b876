package send_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"

	"github.com/custodian-roi/custodian/internal/send"
	"github.com/custodian-roi/custodian/internal/send/sendtest"
)

func randomBytes(t *testing.T, n int) []byte {
	t.Helper()
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return b
}

// dirNames lists dir, hidden temporary files included.
func dirNames(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names
}

func TestSFTP_Push(t *testing.T) {
	const name = "request-1042-packet.pdf"

	t.Run("OK", func(t *testing.T) {
		server := sendtest.StartSFTP(t)
		data := randomBytes(t, 1<<20+12345) // several SFTP packets
		r, err := server.Client().Push(context.Background(), name, data)
		if err != nil {
			t.Fatalf("Push: %v", err)
		}
		got, err := os.ReadFile(filepath.Join(server.Dir, name))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, data) {
			t.Fatalf("file differs from the data pushed (%d bytes, want %d)", len(got), len(data))
		}
		if got, want := dirNames(t, server.Dir), []string{name}; !slices.Equal(got, want) {
			t.Errorf("dir=%q, want %q: temporary file left behind", got, want)
		}
		sum := sha256.Sum256(data)
		want := send.Receipt{
			Channel: send.ChannelSFTP,
			Remote:  server.Addr,
			ID:      "/" + name,
			Bytes:   int64(len(data)),
			SHA256:  hex.EncodeToString(sum[:]),
			Detail:  r.Detail,
		}
		if r != want {
			t.Errorf("Receipt=%+v, want %+v", r, want)
		}
		if r.Detail == "" {
			t.Error("Detail is empty")
		}
	})

	t.Run("SecondPushIsAlreadyPresent", func(t *testing.T) {
		server := sendtest.StartSFTP(t)
		data := randomBytes(t, 4096)
		first, err := server.Client().Push(context.Background(), name, data)
		if err != nil {
			t.Fatalf("first Push: %v", err)
		}
		path := filepath.Join(server.Dir, name)
		before, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}

		second, err := server.Client().Push(context.Background(), name, data)
		if err != nil {
			t.Fatalf("second Push: %v", err)
		}
		if !second.AlreadyPresent {
			t.Error("AlreadyPresent=false, want true")
		}
		if first.AlreadyPresent {
			t.Error("first push: AlreadyPresent=true, want false")
		}
		if got, want := second.SHA256, first.SHA256; got != want {
			t.Errorf("SHA256=%s, want %s", got, want)
		}
		after, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		if !os.SameFile(before, after) || !after.ModTime().Equal(before.ModTime()) {
			t.Error("file was replaced or rewritten by the second push")
		}
		if got, want := dirNames(t, server.Dir), []string{name}; !slices.Equal(got, want) {
			t.Errorf("dir=%q, want %q", got, want)
		}
	})

	t.Run("ErrConflict", func(t *testing.T) {
		tests := []struct {
			name  string
			other func([]byte) []byte
		}{
			{"DifferentSize", func(b []byte) []byte { return append(slices.Clone(b), 'x') }},
			// Same size, so only reading the file back can tell.
			{"SameSizeDifferentBytes", func(b []byte) []byte { c := slices.Clone(b); c[len(c)-1] ^= 0xff; return c }},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				server := sendtest.StartSFTP(t)
				data := randomBytes(t, 2048)
				if _, err := server.Client().Push(context.Background(), name, data); err != nil {
					t.Fatalf("first Push: %v", err)
				}
				_, err := server.Client().Push(context.Background(), name, tt.other(data))
				assertPermanent(t, err, send.ErrConflict)
				got, err := os.ReadFile(filepath.Join(server.Dir, name))
				if err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(got, data) {
					t.Error("existing file was overwritten")
				}
				if got, want := dirNames(t, server.Dir), []string{name}; !slices.Equal(got, want) {
					t.Errorf("dir=%q, want %q", got, want)
				}
			})
		}
	})

	t.Run("ErrHostKeyMismatch", func(t *testing.T) {
		server := sendtest.StartSFTP(t)
		c := server.Client()
		c.HostKey = sendtest.OtherHostKey(t)
		_, err := c.Push(context.Background(), name, []byte("data"))
		assertPermanent(t, err, send.ErrHostKeyMismatch)
		if got := server.AuthAttempts(); got != 0 {
			t.Errorf("AuthAttempts=%d, want 0: the client authenticated to an unpinned server", got)
		}
		if got := dirNames(t, server.Dir); len(got) != 0 {
			t.Errorf("dir=%q, want empty", got)
		}
	})

	t.Run("ErrEmptyHostKey", func(t *testing.T) {
		server := sendtest.StartSFTP(t)
		c := server.Client()
		c.HostKey = ""
		_, err := c.Push(context.Background(), name, []byte("data"))
		assertPermanent(t, err, send.ErrConfig)
		if got := server.AuthAttempts(); got != 0 {
			t.Errorf("AuthAttempts=%d, want 0", got)
		}
	})

	t.Run("ErrInvalidName", func(t *testing.T) {
		server := sendtest.StartSFTP(t)
		parent := filepath.Dir(server.Dir)
		before := dirNames(t, parent)
		for _, bad := range []string{
			"", ".", "..", "../escape", "../../etc/passwd", "/etc/passwd", "sub/name",
			`..\escape`, ".hidden", "a\x00b", "line\nbreak",
		} {
			_, err := server.Client().Push(context.Background(), bad, []byte("data"))
			if !errors.Is(err, send.ErrInvalidName) || send.Temporary(err) {
				t.Errorf("Push(%q): err=%v, want permanent ErrInvalidName", bad, err)
			}
		}
		if got := server.AuthAttempts(); got != 0 {
			t.Errorf("AuthAttempts=%d, want 0: names must be refused before connecting", got)
		}
		if got := dirNames(t, server.Dir); len(got) != 0 {
			t.Errorf("dir=%q, want empty", got)
		}
		if got := dirNames(t, parent); !slices.Equal(got, before) {
			t.Errorf("parent dir=%q, want %q", got, before)
		}
	})

	t.Run("ErrWrongPassword", func(t *testing.T) {
		server := sendtest.StartSFTP(t)
		c := server.Client()
		c.Password = "not-the-password"
		_, err := c.Push(context.Background(), name, []byte("data"))
		assertPermanent(t, err, send.ErrAuth)
		if got := dirNames(t, server.Dir); len(got) != 0 {
			t.Errorf("dir=%q, want empty", got)
		}
	})

	t.Run("PrivateKey", func(t *testing.T) {
		server := sendtest.StartSFTP(t)
		c := server.Client()
		c.Password = ""
		c.PrivateKey = server.ClientKey
		if _, err := c.Push(context.Background(), name, []byte("data")); err != nil {
			t.Fatalf("Push: %v", err)
		}
	})

	t.Run("Subdirectory", func(t *testing.T) {
		server := sendtest.StartSFTP(t)
		if err := os.Mkdir(filepath.Join(server.Dir, "inbox"), 0o755); err != nil {
			t.Fatal(err)
		}
		c := server.Client()
		c.Dir = "/inbox"
		r, err := c.Push(context.Background(), name, []byte("data"))
		if err != nil {
			t.Fatalf("Push: %v", err)
		}
		if got, want := r.ID, "/inbox/"+name; got != want {
			t.Errorf("ID=%q, want %q", got, want)
		}
		if _, err := os.Stat(filepath.Join(server.Dir, "inbox", name)); err != nil {
			t.Error(err)
		}
	})

	t.Run("ConcurrentPushesDeliverOnce", func(t *testing.T) {
		// A retry that races the original attempt: both must succeed, and
		// exactly one complete file must remain.
		server := sendtest.StartSFTP(t)
		data := randomBytes(t, 256<<10)
		var wg sync.WaitGroup
		errs := make([]error, 4)
		for i := range errs {
			wg.Go(func() {
				_, errs[i] = server.Client().Push(context.Background(), name, data)
			})
		}
		wg.Wait()
		for i, err := range errs {
			if err != nil {
				t.Errorf("push %d: %v", i, err)
			}
		}
		got, err := os.ReadFile(filepath.Join(server.Dir, name))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, data) {
			t.Error("file differs from the data pushed")
		}
		if got, want := dirNames(t, server.Dir), []string{name}; !slices.Equal(got, want) {
			t.Errorf("dir=%q, want %q", got, want)
		}
	})

	t.Run("ClosedPortIsTemporary", func(t *testing.T) {
		server := sendtest.StartSFTP(t)
		c := server.Client()
		c.Addr = "127.0.0.1:" + itoa(closedPort(t))
		_, err := c.Push(context.Background(), name, []byte("data"))
		if !send.Temporary(err) {
			t.Fatalf("Temporary(%v)=false, want true", err)
		}
	})

	t.Run("CancelledContextIsTemporary", func(t *testing.T) {
		server := sendtest.StartSFTP(t)
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		_, err := server.Client().Push(ctx, name, []byte("data"))
		if !send.Temporary(err) || !errors.Is(err, context.Canceled) {
			t.Fatalf("err=%v, want a temporary error wrapping context.Canceled", err)
		}
	})
}

func itoa(n int) string {
	var b []byte
	for {
		b = append([]byte{byte('0' + n%10)}, b...)
		n /= 10
		if n == 0 {
			return string(b)
		}
	}
}
