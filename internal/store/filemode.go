package store

import (
	"errors"
	"fmt"
	"os"
)

// privateMode is the mode of every file the desk keeps PHI in: the SQLite
// database, its write-ahead log, shared memory and rollback journal, and
// backups. SQLite creates files 0644 less the umask — readable by every
// account on the host under the usual umask 022.
const privateMode os.FileMode = 0o600

// sqliteSidecars are the files SQLite keeps beside a database.
var sqliteSidecars = []string{"-wal", "-shm", "-journal"}

// makePrivate creates the SQLite database file path, if missing, with
// mode 0600 before SQLite opens it — SQLite gives a database's log and
// shared memory the database file's own mode, so they follow — and
// narrows an existing database and its sidecars (an earlier version left
// them 0644) to 0600. The mode is set with chmod, so no umask widens or
// narrows it.
func makePrivate(path string) error {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, privateMode)
	if err != nil {
		return fmt.Errorf("store: create the database file: %w", err)
	}
	f.Close()
	for _, p := range append([]string{path}, sidecars(path)...) {
		if err := chmodPrivate(p); err != nil {
			return err
		}
	}
	return nil
}

func sidecars(path string) []string {
	out := make([]string, 0, len(sqliteSidecars))
	for _, s := range sqliteSidecars {
		out = append(out, path+s)
	}
	return out
}

// chmodPrivate sets path to 0600 unless it is already so or missing.
func chmodPrivate(path string) error {
	fi, err := os.Stat(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("store: %w", err)
	}
	if fi.Mode().Perm() == privateMode {
		return nil
	}
	if err := os.Chmod(path, privateMode); err != nil {
		return fmt.Errorf("store: make %s readable by its owner only: %w", path, err)
	}
	return nil
}
