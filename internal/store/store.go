// Package store keeps the desk's records: patients and their charts,
// requests, evidence, documents, decisions and the ledger, in SQLite (the
// default: one file, pure Go) or PostgreSQL (for more than one instance).
//
// The SQL is written once with $N placeholders, which both drivers bind by
// number; only the schema differs by dialect (migrations/sqlite,
// migrations/postgres, with the same numbers). Every method is one
// transaction. Business rules live above, in package workflow: the store
// checks versions and keeps the ledger append-only, nothing more.
package store

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" driver
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/custodian-roi/custodian/internal/ledger"
	"github.com/custodian-roi/custodian/internal/roi"
	"github.com/custodian-roi/custodian/internal/vault"
)

//go:embed migrations
var migrations embed.FS

// Dialect names the database behind a Store.
type Dialect string

// The dialects.
const (
	SQLite   Dialect = "sqlite"
	Postgres Dialect = "postgres"
)

// Store is the desk's database.
type Store struct {
	dialect Dialect
	write   *sql.DB // SQLite: one connection, the one writer
	read    *sql.DB // a pool of readers, so a read never waits for a writer's connection
	// Now returns the current time; tests replace it.
	Now func() time.Time
	// Keys seals content at rest (see keys.go); nil stores it as it is.
	Keys *vault.Ring
	// LedgerKeys seal new ledger entries and check sealed ones (see
	// ledger.go); nil leaves new entries unkeyed.
	LedgerKeys *ledger.Keyring
	// CheckpointDir holds signed checkpoints of the ledger's head, outside
	// the database (checkpoint.go); "" for none.
	CheckpointDir string
	// legacyLedger: a backup being checked predates migration 0017 (no
	// refs, key_id or mac columns); its ledger is read without them.
	legacyLedger bool

	// headMu guards head, the ledger head as this process last wrote or
	// read it (ledger.go): the base an append builds on before checking.
	headMu    sync.Mutex
	head      ledgerHead
	headKnown bool
}

// Open opens the database named by dsn: a postgres:// or postgresql:// URL,
// or else a SQLite file path (created with its directory if missing). It
// does not migrate; call Migrate.
func Open(ctx context.Context, dsn string) (*Store, error) {
	s := &Store{Now: time.Now}
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		// Two pools: writes queue for the ledger head (every write
		// transaction appends), and a read must never wait behind them for
		// a connection. 4 + 12 = the 16 connections an instance opens
		// (docs/DEPLOYMENT.md).
		w, err := sql.Open("pgx", dsn)
		if err != nil {
			return nil, fmt.Errorf("store: open postgres: %w", err)
		}
		r, err := sql.Open("pgx", dsn)
		if err != nil {
			w.Close()
			return nil, fmt.Errorf("store: open postgres: %w", err)
		}
		keepOpen(w, pgWriteConns)
		keepOpen(r, pgReadConns)
		s.dialect, s.write, s.read = Postgres, w, r
	} else {
		if dir := filepath.Dir(dsn); dir != "" {
			if err := os.MkdirAll(dir, 0o700); err != nil {
				return nil, fmt.Errorf("store: create data directory: %w", err)
			}
		}
		// PHI: the file, its log and shared memory are the owner's alone.
		if err := makePrivate(dsn); err != nil {
			return nil, err
		}
		// Pragmas go in the DSN so that every pooled connection gets them;
		// busy_timeout first. _txlock=immediate takes the write lock at
		// BEGIN, so a transaction that reads then writes never fails busy.
		base := "file:" + dsn + "?_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)" +
			"&_pragma=foreign_keys(1)&_pragma=synchronous(NORMAL)"
		w, err := sql.Open("sqlite", base+"&_txlock=immediate")
		if err != nil {
			return nil, fmt.Errorf("store: open sqlite: %w", err)
		}
		keepOpen(w, 1)
		r, err := sql.Open("sqlite", base+"&_pragma=query_only(1)")
		if err != nil {
			w.Close()
			return nil, fmt.Errorf("store: open sqlite: %w", err)
		}
		keepOpen(r, 8)
		s.dialect, s.write, s.read = SQLite, w, r
	}
	if err := s.write.PingContext(ctx); err != nil {
		s.Close()
		return nil, classify(fmt.Errorf("store: connect: %w", err))
	}
	return s, nil
}

// The PostgreSQL pools' sizes: see Open.
const (
	pgWriteConns = 4
	pgReadConns  = 12
)

// keepOpen lets db open n connections and keeps them all once opened.
// database/sql keeps only 2 idle by default, so a busy desk would close
// and reopen connections all day: on PostgreSQL each a new server process,
// its authentication and its statement cache lost.
func keepOpen(db *sql.DB, n int) {
	db.SetMaxOpenConns(n)
	db.SetMaxIdleConns(n)
}

// Dialect reports which database the store uses.
func (s *Store) Dialect() Dialect { return s.dialect }

// Close closes the database.
func (s *Store) Close() error {
	err := s.write.Close()
	if s.read != s.write {
		if e := s.read.Close(); err == nil {
			err = e
		}
	}
	return err
}

// Migrate applies the embedded migrations not yet applied, each in its own
// transaction, and returns how many it applied.
func (s *Store) Migrate(ctx context.Context) (int, error) {
	if _, err := s.write.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL)`); err != nil {
		return 0, classify(fmt.Errorf("store: migrations table: %w", err))
	}
	names, err := fs.Glob(migrations, "migrations/"+string(s.dialect)+"/*.sql")
	if err != nil {
		return 0, err
	}
	sort.Strings(names)
	applied := 0
	for _, name := range names {
		var version int
		if _, err := fmt.Sscanf(filepath.Base(name), "%04d_", &version); err != nil {
			return applied, fmt.Errorf("store: migration %s: bad name", name)
		}
		var n int
		if err := s.write.QueryRowContext(ctx, `SELECT COUNT(*) FROM schema_migrations WHERE version = $1`, version).Scan(&n); err != nil {
			return applied, classify(err)
		}
		if n > 0 {
			continue
		}
		body, err := migrations.ReadFile(name)
		if err != nil {
			return applied, err
		}
		err = s.tx(ctx, func(tx *sql.Tx) error {
			if _, err := tx.ExecContext(ctx, string(body)); err != nil {
				return fmt.Errorf("store: migration %s: %w", filepath.Base(name), err)
			}
			_, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations (version, applied_at) VALUES ($1, $2)`, version, s.now())
			return err
		})
		if err != nil {
			return applied, err
		}
		applied++
	}
	return applied, nil
}

// MigrationVersions lists the migration numbers embedded for dialect d.
func MigrationVersions(d Dialect) ([]string, error) {
	names, err := fs.Glob(migrations, "migrations/"+string(d)+"/*.sql")
	for i, n := range names {
		names[i] = filepath.Base(n)[:4]
	}
	return names, err
}

func (s *Store) now() string { return s.Now().UTC().Format(ledger.TimeFormat) }

// tx runs fn in a write transaction, committing if fn returns nil.
func (s *Store) tx(ctx context.Context, fn func(tx *sql.Tx) error) error {
	tx, err := s.write.BeginTx(ctx, nil)
	if err != nil {
		return classify(fmt.Errorf("store: begin: %w", err))
	}
	defer tx.Rollback()
	if err := fn(tx); err != nil {
		return classify(err)
	}
	if err := tx.Commit(); err != nil {
		return classify(fmt.Errorf("store: commit: %w", err))
	}
	return nil
}

// classify turns driver errors into roi.Errors by their codes, never by
// their text: a unique violation is a conflict, a full disk or a read-only
// database says so. Every driver error is named by the Store method it
// failed in ("store.AppendLedger"), so the log says which step failed;
// other errors (a transaction's own, sql.ErrNoRows) are returned as they
// are, for callers that compare them.
func classify(err error) error {
	if err == nil {
		return nil
	}
	var re *roi.Error
	if errors.As(err, &re) {
		return err
	}
	op := callerOp()
	var se *sqlite.Error
	if errors.As(err, &se) {
		switch se.Code() & 0xff {
		case sqlite3.SQLITE_CONSTRAINT:
			return roi.WrapOp(op, roi.CodeConflict, err, "The change conflicts with a record already stored.")
		case sqlite3.SQLITE_FULL:
			return roi.WrapOp(op, roi.CodeInternal, err, "The disk is full; nothing was changed.")
		case sqlite3.SQLITE_READONLY:
			return roi.WrapOp(op, roi.CodeInternal, err, "The database is read-only; nothing was changed.")
		}
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		switch {
		case pe.Code == "23505" || pe.Code == "23503":
			return roi.WrapOp(op, roi.CodeConflict, err, "The change conflicts with a record already stored.")
		case pe.Code == "53100":
			return roi.WrapOp(op, roi.CodeInternal, err, "The database disk is full; nothing was changed.")
		case pe.Code == "25006":
			return roi.WrapOp(op, roi.CodeInternal, err, "The database is read-only; nothing was changed.")
		}
	}
	if se != nil || pe != nil {
		return roi.WrapOp(op, roi.CodeInternal, err, "Internal error.")
	}
	return err
}

// callerOp names the exported Store method classify was called from, by
// the stack: "store.AppendLedger". It is the code's name, never data.
func callerOp() string {
	var pcs [16]uintptr
	frames := runtime.CallersFrames(pcs[:runtime.Callers(3, pcs[:])])
	for {
		f, more := frames.Next()
		// "…/internal/store.(*Store).Method" or "….(*Store).Method.func1"
		if _, m, ok := strings.Cut(f.Function, "/internal/store.(*Store)."); ok {
			m, _, _ = strings.Cut(m, ".")
			if m != "" && m[0] >= 'A' && m[0] <= 'Z' {
				return "store." + m
			}
		}
		if !more {
			return "store"
		}
	}
}

// nullDate stores an optional date as NULL.
func nullDate(d roi.Date) any {
	if !d.Known() {
		return nil
	}
	return d.String()
}

func parseNullDate(ns sql.NullString) (roi.Date, error) {
	if !ns.Valid || ns.String == "" {
		return roi.NoDate, nil
	}
	return roi.ParseDate(ns.String)
}

func parseTime(s string) time.Time {
	t, _ := ledger.ParseTime(s)
	return t
}

func notFound(what string) error {
	return roi.Errorf(roi.CodeNotFound, "%s not found.", what)
}
