package store

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/custodian-roi/custodian/internal/ledger"
	"github.com/custodian-roi/custodian/internal/roi"
)

// IsPostgres reports whether dsn names a PostgreSQL database rather than a
// SQLite file.
func IsPostgres(dsn string) bool {
	return strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://")
}

// ErrPostgresBackup is returned by Backup and Restore for a PostgreSQL
// database: its own tools (pg_dump, pg_restore) make consistent copies
// while the desk runs, and docs/OPERATIONS.md shows how.
var ErrPostgresBackup = roi.Errorf(roi.CodeInvalid, "Back up a PostgreSQL database with pg_dump and restore it with pg_restore (see docs/OPERATIONS.md); custodian backup copies SQLite databases only.")

// BackupInfo describes a backup file.
type BackupInfo struct {
	Path    string // the backup file
	Size    int64
	SHA256  string // of the file's bytes, also written to Path + ".sha256"
	Entries int64  // ledger entries, all verified
}

// sqliteMagic starts every SQLite database file.
const sqliteMagic = "SQLite format 3\x00"

// Backup writes a consistent copy of the SQLite database file db to out
// while other connections, a running server's included, keep reading and
// writing: VACUUM INTO copies one read transaction's snapshot, so the copy
// holds every transaction committed before it began and none after. The
// copy is written beside out, checked (structure, then the ledger's hash
// chain) and only then renamed to out; its SHA-256 goes to out + ".sha256"
// in the format sha256sum reads. out must not exist.
func Backup(ctx context.Context, db, out string) (*BackupInfo, error) {
	if IsPostgres(db) {
		return nil, ErrPostgresBackup
	}
	if _, err := os.Stat(db); err != nil {
		return nil, roi.Errorf(roi.CodeNotFound, "There is no Custodian database at %s.", db)
	}
	if _, err := os.Lstat(out); err == nil {
		return nil, roi.Errorf(roi.CodeConflict, "%s already exists; a backup never overwrites a file. Choose a new name.", out)
	}
	tmp, err := tempName(out)
	if err != nil {
		return nil, err
	}
	defer os.Remove(tmp)
	// A read-only connection of its own: it takes no write lock, so the
	// server's writer is never blocked behind the copy.
	src, err := sql.Open("sqlite", "file:"+db+"?mode=ro&_pragma=busy_timeout(10000)")
	if err != nil {
		return nil, fmt.Errorf("store: backup: %w", err)
	}
	defer src.Close()
	if _, err := src.ExecContext(ctx, `VACUUM INTO $1`, tmp); err != nil {
		return nil, classify(fmt.Errorf("store: backup: %w", err))
	}
	src.Close()
	// VACUUM INTO creates the copy 0644 less the umask; it is made the
	// owner's alone before it is checked and renamed into place.
	if err := chmodPrivate(tmp); err != nil {
		return nil, err
	}
	if err := syncFile(tmp); err != nil {
		return nil, fmt.Errorf("store: backup: %w", err)
	}
	n, err := checkSQLiteFile(ctx, tmp, nil)
	if err != nil {
		return nil, err
	}
	sum, size, err := fileSHA256(tmp)
	if err != nil {
		return nil, err
	}
	if err := os.Rename(tmp, out); err != nil {
		return nil, fmt.Errorf("store: backup: %w", err)
	}
	if err := os.WriteFile(out+".sha256", []byte(sum+"  "+filepath.Base(out)+"\n"), 0o600); err != nil {
		return nil, fmt.Errorf("store: backup checksum: %w", err)
	}
	syncDir(filepath.Dir(out))
	return &BackupInfo{Path: out, Size: size, SHA256: sum, Entries: n}, nil
}

// RestoreOptions say how Restore may proceed.
type RestoreOptions struct {
	// Force replaces an existing database. The server must be stopped:
	// a running server keeps writing to the file it opened.
	Force bool
	// LedgerKeys, when set, check the backup's ledger seals too: a backup
	// whose ledger was rewritten with recomputed hashes is refused.
	LedgerKeys *ledger.Keyring
}

// Restore puts the backup from in place as the SQLite database file db.
// Nothing changes unless the backup is whole: its checksum file (if it
// has one) must match, SQLite's integrity check must pass, and its
// ledger's hash chain must verify. The checked copy is written beside db
// and renamed over it, so db is at every moment either the old database
// or the whole new one. Without opts.Force an existing database is never
// replaced. It returns the restored database's description.
func Restore(ctx context.Context, from, db string, opts RestoreOptions) (*BackupInfo, error) {
	if IsPostgres(db) {
		return nil, ErrPostgresBackup
	}
	if _, err := os.Stat(db); err == nil && !opts.Force {
		return nil, roi.Errorf(roi.CodeConflict, "There is already a database at %s; restore does not replace it without --force (stop the server first).", db)
	}
	f, err := os.Open(from)
	if err != nil {
		return nil, roi.Errorf(roi.CodeNotFound, "Cannot read the backup %s.", from)
	}
	defer f.Close()
	head := make([]byte, len(sqliteMagic))
	if _, err := io.ReadFull(f, head); err != nil || string(head) != sqliteMagic {
		return nil, roi.Errorf(roi.CodeInvalid, "%s is not a Custodian backup: it is not a SQLite database file. Nothing was changed.", from)
	}
	if err := os.MkdirAll(filepath.Dir(db), 0o700); err != nil {
		return nil, fmt.Errorf("store: restore: %w", err)
	}
	tmp, err := tempName(db)
	if err != nil {
		return nil, err
	}
	defer os.Remove(tmp)
	// Copy, hashing what is copied: the bytes checked are the bytes put
	// in place.
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return nil, err
	}
	w, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return nil, fmt.Errorf("store: restore: %w", err)
	}
	h := sha256.New()
	size, err := io.Copy(io.MultiWriter(w, h), f)
	if err == nil {
		err = w.Sync()
	}
	if cerr := w.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return nil, classify(fmt.Errorf("store: restore: copy: %w", err))
	}
	sum := hex.EncodeToString(h.Sum(nil))
	if want, ok, err := readChecksum(from + ".sha256"); err != nil {
		return nil, err
	} else if ok && want != sum {
		return nil, roi.Errorf(roi.CodeInvalid, "%s is damaged: its SHA-256 is not the one its backup recorded in %s. Nothing was changed.", from, filepath.Base(from)+".sha256")
	}
	n, err := checkSQLiteFile(ctx, tmp, opts.LedgerKeys)
	if err != nil {
		return nil, err
	}
	// The old database's write-ahead log and shared memory belong to the
	// old file: left beside the new one, SQLite would replay the old log
	// into it.
	for _, suffix := range []string{"-wal", "-shm", "-journal"} {
		if err := os.Remove(db + suffix); err != nil && !errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("store: restore: %w", err)
		}
	}
	if err := os.Rename(tmp, db); err != nil {
		return nil, fmt.Errorf("store: restore: %w", err)
	}
	syncDir(filepath.Dir(db))
	return &BackupInfo{Path: db, Size: size, SHA256: sum, Entries: n}, nil
}

// checkSQLiteFile opens the database file path read-only and checks it
// whole: SQLite's integrity check, Custodian's tables, and the ledger's
// hash chain. It returns the number of ledger entries.
func checkSQLiteFile(ctx context.Context, path string, keys *ledger.Keyring) (int64, error) {
	name := filepath.Base(path)
	db, err := sql.Open("sqlite", "file:"+path+"?mode=ro")
	if err != nil {
		return 0, fmt.Errorf("store: check %s: %w", name, err)
	}
	defer db.Close()
	damaged := func(why string) error {
		return roi.Errorf(roi.CodeInvalid, "The backup is damaged (%s); it was not restored. Nothing was changed.", why)
	}
	var result string
	if err := db.QueryRowContext(ctx, `PRAGMA integrity_check(1)`).Scan(&result); err != nil {
		return 0, damaged("SQLite cannot read it: " + sqliteReason(err))
	}
	if result != "ok" {
		return 0, damaged("SQLite's integrity check fails: " + result)
	}
	var migrations int
	if err := db.QueryRowContext(ctx, `SELECT COUNT(*) FROM schema_migrations`).Scan(&migrations); err != nil || migrations == 0 {
		return 0, roi.Errorf(roi.CodeInvalid, "The file is a SQLite database but not a Custodian database; it was not restored. Nothing was changed.")
	}
	s := &Store{dialect: SQLite, write: db, read: db, LedgerKeys: keys}
	// A backup taken before migration 0017 has no seal columns; it is
	// checked as it was written, and sealed from its next entry on.
	var sealed int
	if err := db.QueryRowContext(ctx, `SELECT COUNT(*) FROM pragma_table_info('ledger') WHERE name = 'mac'`).Scan(&sealed); err != nil {
		return 0, damaged("SQLite cannot read it: " + sqliteReason(err))
	}
	s.legacyLedger = sealed == 0
	n, err := s.VerifyLedger(ctx)
	var b *ledger.BrokenError
	switch {
	case errors.As(err, &b):
		return n, damaged(fmt.Sprintf("its ledger is broken at entry %d: %s", b.Seq, b.Reason))
	case err != nil:
		return n, damaged("its ledger cannot be read: " + sqliteReason(err))
	}
	return n, nil
}

// sqliteReason is a driver error's text without the SQL around it.
func sqliteReason(err error) string {
	msg := err.Error()
	if i := strings.LastIndex(msg, ": "); i >= 0 {
		msg = msg[i+2:]
	}
	return msg
}

// readChecksum reads a sha256sum-format file; ok is false when there is
// none.
func readChecksum(path string) (sum string, ok bool, err error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return "", false, nil
	}
	if err != nil {
		return "", false, fmt.Errorf("store: %s: %w", filepath.Base(path), err)
	}
	fields := strings.Fields(string(b))
	if len(fields) == 0 || len(fields[0]) != 64 {
		return "", false, roi.Errorf(roi.CodeInvalid, "%s is not a SHA-256 checksum file. Nothing was changed.", filepath.Base(path))
	}
	return strings.ToLower(fields[0]), true, nil
}

func fileSHA256(path string) (string, int64, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", 0, err
	}
	defer f.Close()
	h := sha256.New()
	n, err := io.Copy(h, f)
	return hex.EncodeToString(h.Sum(nil)), n, err
}

// tempName is a fresh name beside path, in the same directory, so that a
// rename onto path is atomic.
func tempName(path string) (string, error) {
	b := make([]byte, 6)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return filepath.Join(filepath.Dir(path), "."+filepath.Base(path)+".tmp-"+hex.EncodeToString(b)), nil
}

func syncFile(path string) error {
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		return err
	}
	defer f.Close()
	return f.Sync()
}

// syncDir makes a rename in dir durable; where directories cannot be
// synced the rename is still atomic, only perhaps not yet on disk.
func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		d.Sync()
		d.Close()
	}
}
