package store

import (
	"context"
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

// mode is path's permission bits, or 0 when it does not exist.
func mode(t *testing.T, path string) os.FileMode {
	t.Helper()
	fi, err := os.Stat(path)
	if os.IsNotExist(err) {
		return 0
	}
	if err != nil {
		t.Fatal(err)
	}
	return fi.Mode().Perm()
}

// TestFilesArePrivate: the SQLite database, its write-ahead log and
// shared memory, a backup and its checksum are created readable by their
// owner only, whatever the umask; a database left world-readable by an
// earlier version is made private when opened.
func TestFilesArePrivate(t *testing.T) {
	old := syscall.Umask(0o022) // the usual default, under which SQLite makes 0644
	defer syscall.Umask(old)
	ctx := context.Background()
	dir := t.TempDir()
	db := filepath.Join(dir, "c.db")
	s, err := Open(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{db, db + "-wal", db + "-shm"} {
		if m := mode(t, p); m == 0 {
			t.Errorf("%s was not created", filepath.Base(p))
		} else if m != 0o600 {
			t.Errorf("%s mode %v, want 0600", filepath.Base(p), m)
		}
	}
	out := filepath.Join(dir, "backup.db")
	if _, err := Backup(ctx, db, out); err != nil {
		t.Fatal(err)
	}
	s.Close()
	for _, p := range []string{out, out + ".sha256"} {
		if m := mode(t, p); m != 0o600 {
			t.Errorf("%s mode %v, want 0600", filepath.Base(p), m)
		}
	}
	// A database an earlier version left 0644, with its log.
	for _, p := range []string{db, db + "-wal", db + "-shm"} {
		if err := os.Chmod(p, 0o644); err != nil && !os.IsNotExist(err) {
			t.Fatal(err)
		}
	}
	s, err = Open(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := s.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{db, db + "-wal", db + "-shm"} {
		if m := mode(t, p); m != 0 && m != 0o600 {
			t.Errorf("reopened: %s mode %v, want 0600", filepath.Base(p), m)
		}
	}
}
